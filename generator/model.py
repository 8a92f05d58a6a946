"""TinyVGG, the network CNN Explainer visualises, as one pure JAX function.

Keras semantics throughout, so weights trained with Keras (and the original CNN Explainer's own
model) load unchanged: NHWC activations, HWIO kernels, "valid" padding, flatten in (H, W, C) order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np

INPUT_SHAPE = (64, 64, 3)
KERNEL_SIZE = 3
FILTERS = 10
NUM_CLASSES = 10

LayerKind = Literal["conv", "relu", "pool", "flatten", "dense"]


@dataclass(frozen=True)
class Layer:
    name: str
    kind: LayerKind
    output_shape: tuple[int, ...]  # per image, without the batch axis


# The network as data: every layer the overview shows, in order.
LAYERS: tuple[Layer, ...] = (
    Layer("conv_1_1", "conv", (62, 62, 10)),
    Layer("relu_1_1", "relu", (62, 62, 10)),
    Layer("conv_1_2", "conv", (60, 60, 10)),
    Layer("relu_1_2", "relu", (60, 60, 10)),
    Layer("max_pool_1", "pool", (30, 30, 10)),
    Layer("conv_2_1", "conv", (28, 28, 10)),
    Layer("relu_2_1", "relu", (28, 28, 10)),
    Layer("conv_2_2", "conv", (26, 26, 10)),
    Layer("relu_2_2", "relu", (26, 26, 10)),
    Layer("max_pool_2", "pool", (13, 13, 10)),
    Layer("flatten", "flatten", (1690,)),
    Layer("output", "dense", (NUM_CLASSES,)),  # softmax probabilities
)
LAYER_NAMES = tuple(layer.name for layer in LAYERS)

Params = dict[str, dict[str, jax.Array | np.ndarray]]


def param_shapes() -> dict[str, dict[str, tuple[int, ...]]]:
    """Shape of every weight, keyed by layer then "kernel"/"bias"; the order is the TF.js manifest's."""
    shapes: dict[str, dict[str, tuple[int, ...]]] = {}
    channels = INPUT_SHAPE[-1]
    for layer in LAYERS:
        if layer.kind == "conv":
            shapes[layer.name] = {
                "kernel": (KERNEL_SIZE, KERNEL_SIZE, channels, FILTERS),
                "bias": (FILTERS,),
            }
            channels = FILTERS
        elif layer.kind == "dense":
            shapes[layer.name] = {"kernel": (int(np.prod(LAYERS[-2].output_shape)), NUM_CLASSES),
                                  "bias": (NUM_CLASSES,)}
    return shapes


PARAM_SHAPES = param_shapes()
PARAM_COUNT = sum(int(np.prod(s)) for layer in PARAM_SHAPES.values() for s in layer.values())


def init_params(key: jax.Array) -> Params:
    """Glorot-uniform kernels and zero biases, as Keras initialises Conv2D and Dense."""
    params: Params = {}
    for name, shapes in PARAM_SHAPES.items():
        key, sub = jax.random.split(key)
        kshape = shapes["kernel"]
        receptive = int(np.prod(kshape[:-2])) if len(kshape) == 4 else 1
        fan_in, fan_out = kshape[-2] * receptive, kshape[-1] * receptive
        limit = float(np.sqrt(6.0 / (fan_in + fan_out)))
        params[name] = {
            "kernel": jax.random.uniform(sub, kshape, jnp.float32, -limit, limit),
            "bias": jnp.zeros(shapes["bias"], jnp.float32),
        }
    return params


def _conv(x: jax.Array, kernel: jax.Array, bias: jax.Array) -> jax.Array:
    y = jax.lax.conv_general_dilated(
        x, kernel, window_strides=(1, 1), padding="VALID",
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
        precision=jax.lax.Precision.HIGHEST,
    )
    return y + bias


def _max_pool(x: jax.Array) -> jax.Array:
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")


def forward_all(params: Params, images: jax.Array) -> dict[str, jax.Array]:
    """Every layer's output for a batch of images (B, 64, 64, 3) in [0, 1].

    Returns one array per name in LAYER_NAMES (batch axis first; "output" holds the softmax
    probabilities) plus "logits", the dense layer's output before the softmax.
    """
    outputs: dict[str, jax.Array] = {}
    x = images
    for layer in LAYERS:
        if layer.kind == "conv":
            x = _conv(x, params[layer.name]["kernel"], params[layer.name]["bias"])
        elif layer.kind == "relu":
            x = jax.nn.relu(x)
        elif layer.kind == "pool":
            x = _max_pool(x)
        elif layer.kind == "flatten":
            x = x.reshape(x.shape[0], -1)  # (B, 1690) in (H, W, C) order, as Keras
        else:
            logits = jnp.dot(x, params[layer.name]["kernel"],
                             precision=jax.lax.Precision.HIGHEST) + params[layer.name]["bias"]
            outputs["logits"] = logits
            x = jax.nn.softmax(logits, axis=-1)
        outputs[layer.name] = x
    return outputs


def logits_only(params: Params, images: jax.Array) -> jax.Array:
    """The logits alone: what training differentiates, without keeping every activation."""
    return forward_all(params, images)["logits"]


forward = jax.jit(forward_all)


def device_description() -> str:
    """Which device JAX computes on, for the CLI to report ("cpu" or e.g. "gpu (NVIDIA H100)")."""
    device = jax.devices()[0]
    kind = getattr(device, "device_kind", "")
    return f"{device.platform} ({kind})" if kind and kind.lower() != device.platform else device.platform
