"""The forward pass of any described network as one pure JAX function; TinyVGG is the default network.

Keras semantics throughout, so weights trained with Keras (and the original CNN Explainer's own
model) load unchanged: NHWC activations, HWIO kernels, flatten in the order the network records
((H, W, C) for Keras, (C, H, W) for PyTorch). `network.description` says what a network is.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np

from .network.description import TINYVGG, Architecture, Conv2D, Dense, Flatten, Pool, ReLU, explicit_padding
from .network.description import output_shapes as _output_shapes
from .network.description import param_shapes as _param_shapes

INPUT_SHAPE = TINYVGG.input_shape
KERNEL_SIZE = 3
FILTERS = 10
NUM_CLASSES = 10

LayerKind = Literal["conv", "relu", "pool", "flatten", "dense"]


@dataclass(frozen=True)
class Layer:
    """One row of the overview's layer table."""

    name: str
    kind: LayerKind
    output_shape: tuple[int, ...]  # per image, without the batch axis


def layer_table(arch: Architecture) -> tuple[Layer, ...]:
    """Every layer the overview shows, in order, with its output shape."""
    return tuple(Layer(layer.name, layer.kind, shape) for layer, shape in zip(arch.layers, _output_shapes(arch)))


LAYERS: tuple[Layer, ...] = layer_table(TINYVGG)
LAYER_NAMES = tuple(layer.name for layer in LAYERS)

Params = dict[str, dict[str, jax.Array | np.ndarray]]


def param_shapes() -> dict[str, dict[str, tuple[int, ...]]]:
    """TinyVGG's weight shapes, keyed by layer then "kernel"/"bias"; the order is the TF.js manifest's."""
    return _param_shapes(TINYVGG)


PARAM_SHAPES = param_shapes()
PARAM_COUNT = sum(int(np.prod(s)) for layer in PARAM_SHAPES.values() for s in layer.values())


def init_params(key: jax.Array, arch: Architecture = TINYVGG) -> Params:
    """Glorot-uniform kernels and zero biases, as Keras initialises Conv2D and Dense."""
    params: Params = {}
    for name, shapes in _param_shapes(arch).items():
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


def _conv(layer: Conv2D, x: jax.Array, kernel: jax.Array, bias: jax.Array) -> jax.Array:
    window = tuple((k - 1) * d + 1 for k, d in zip(layer.kernel_size, layer.dilation))
    y = jax.lax.conv_general_dilated(
        x, kernel, window_strides=layer.strides,
        padding=explicit_padding(layer.padding, x.shape[1:3], window, layer.strides),
        rhs_dilation=layer.dilation,
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
        precision=jax.lax.Precision.HIGHEST,
    )
    return y + bias


def _pool(layer: Pool, x: jax.Array) -> jax.Array:
    window, strides = (1, *layer.pool_size, 1), (1, *layer.strides, 1)
    padding = ((0, 0), *explicit_padding(layer.padding, x.shape[1:3], layer.pool_size, layer.strides), (0, 0))
    if layer.op == "max":
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, window, strides, padding)
    total = jax.lax.reduce_window(x, 0.0, jax.lax.add, window, strides, padding)
    if layer.count_include_pad or all(p == (0, 0) for p in padding):
        return total / math.prod(layer.pool_size)
    # the mean of the pixels the window covers, padding left out (Keras; ONNX count_include_pad=0)
    ones = jnp.ones((1, *x.shape[1:3], 1), x.dtype)
    return total / jax.lax.reduce_window(ones, 0.0, jax.lax.add, window, strides, padding)


def forward_network(arch: Architecture, params: Params, images: jax.Array) -> dict[str, jax.Array]:
    """Every layer's output for a batch of images (B, H, W, C) in [0, 1].

    Returns one array per layer name (batch axis first; the last Dense layer's entry holds the softmax
    probabilities) plus "logits", that layer's output before the softmax.
    """
    outputs: dict[str, jax.Array] = {}
    x = images
    if arch.input_scale is not None:
        x = x * jnp.asarray(arch.input_scale, jnp.float32)
    if arch.input_offset is not None:
        x = x + jnp.asarray(arch.input_offset, jnp.float32)
    for layer in arch.layers:
        if isinstance(layer, Conv2D):
            x = _conv(layer, x, params[layer.name]["kernel"], params[layer.name]["bias"])
        elif isinstance(layer, ReLU):
            x = jax.nn.relu(x)
        elif isinstance(layer, Pool):
            x = _pool(layer, x)
        elif isinstance(layer, Flatten):
            if arch.flatten_order == "chw":
                x = jnp.transpose(x, (0, 3, 1, 2))  # PyTorch flattens (C, H, W)
            x = x.reshape(x.shape[0], -1)  # (B, H*W*C)
        elif isinstance(layer, Dense):
            x = jnp.dot(x, params[layer.name]["kernel"],
                        precision=jax.lax.Precision.HIGHEST) + params[layer.name]["bias"]
            if layer is arch.layers[-1]:
                outputs["logits"] = x
                x = jax.nn.softmax(x, axis=-1)
        outputs[layer.name] = x
    return outputs


def forward_all(params: Params, images: jax.Array) -> dict[str, jax.Array]:
    """TinyVGG's every layer for a batch of images (B, 64, 64, 3) in [0, 1]; see forward_network."""
    return forward_network(TINYVGG, params, images)


def logits_only(params: Params, images: jax.Array) -> jax.Array:
    """The logits alone: what training differentiates, without keeping every activation."""
    return forward_all(params, images)["logits"]


@functools.cache
def compiled_forward(arch: Architecture) -> Callable[[Params, jax.Array], dict[str, jax.Array]]:
    """The forward pass of one architecture, jitted once and kept (an Architecture is hashable)."""
    return jax.jit(functools.partial(forward_network, arch))


forward = compiled_forward(TINYVGG)


def device_description() -> str:
    """Which device JAX computes on, for the CLI to report ("cpu" or e.g. "gpu (NVIDIA H100)")."""
    device = jax.devices()[0]
    kind = getattr(device, "device_kind", "")
    return f"{device.platform} ({kind})" if kind and kind.lower() != device.platform else device.platform
