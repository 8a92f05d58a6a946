"""The one description of a network every reader produces and everything downstream consumes.

A network is an input shape, a linear stack of layers with their hyperparameters, its weights in our
layout (NHWC activations, HWIO conv kernels, (in, out) dense kernels), the order its Flatten reads
(H, W, C) for Keras and TF.js, (C, H, W) for PyTorch, an optional affine input normalisation and its
class names. Nothing in it says which file format it came from.

`check` holds the limits of what we run and draw; it is called on the architecture alone, before any
weight byte is read, so a refused network costs nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from ..errors import InputError

Padding = Literal["valid", "same"] | tuple[tuple[int, int], tuple[int, int]]  # explicit: ((top, bottom), (left, right))
FlattenOrder = Literal["hwc", "chw"]

MIN_SIDE, MAX_SIDE = 8, 128
MAX_FILTERS = 32
MAX_KERNEL = 7
MAX_STRIDE = 4
MAX_DILATION = 4
MAX_HIDDEN_UNITS = 128
MIN_CLASSES, MAX_CLASSES = 2, 32
SUPPORTED = ("Conv2D (1-32 filters, kernels up to 7x7, strides 1-4), ReLU, max/average pooling, Flatten, "
             "Dense (hidden up to 128 units, output 2-32 classes); Dropout, Identity and a final Softmax "
             "are ignored")


@dataclass(frozen=True)
class Conv2D:
    name: str
    filters: int
    kernel_size: tuple[int, int]
    strides: tuple[int, int] = (1, 1)
    padding: Padding = "valid"
    dilation: tuple[int, int] = (1, 1)
    use_bias: bool = True  # without one the bias is stored as zeros, so every layer has kernel and bias
    kind: str = field(default="conv", init=False)


@dataclass(frozen=True)
class ReLU:
    name: str
    kind: str = field(default="relu", init=False)


@dataclass(frozen=True)
class Pool:
    name: str
    op: Literal["max", "avg"] = "max"
    pool_size: tuple[int, int] = (2, 2)
    strides: tuple[int, int] = (2, 2)
    padding: Padding = "valid"
    count_include_pad: bool = False  # average pooling: Keras and ONNX's default leave padding out of the mean
    kind: str = field(default="pool", init=False)


@dataclass(frozen=True)
class Flatten:
    name: str
    kind: str = field(default="flatten", init=False)


@dataclass(frozen=True)
class Dense:
    name: str
    units: int
    use_bias: bool = True
    kind: str = field(default="dense", init=False)


Layer = Conv2D | ReLU | Pool | Flatten | Dense


@dataclass(frozen=True)
class Architecture:
    """Everything but the weights: hashable, so one compiled forward pass serves every network of this shape.

    The input the layers see is `pixels * input_scale + input_offset` per channel, pixels in [0, 1]; a
    Keras Rescaling or Normalization layer at the front becomes these two.
    """

    input_shape: tuple[int, int, int]  # (H, W, C), C 1 (greyscale) or 3 (RGB)
    layers: tuple[Layer, ...]  # the last is the output Dense; softmax follows it
    flatten_order: FlattenOrder = "hwc"
    input_scale: tuple[float, ...] | None = None  # per channel; None: the pixels as they are
    input_offset: tuple[float, ...] | None = None


# TinyVGG exactly as the original CNN Explainer: 19,920 parameters.
TINYVGG = Architecture(
    input_shape=(64, 64, 3),                          # (B, 64, 64, 3), bytes / 255
    layers=(
        Conv2D("conv_1_1", 10, (3, 3)),              # (B, 62, 62, 10)
        ReLU("relu_1_1"),                             # (B, 62, 62, 10)
        Conv2D("conv_1_2", 10, (3, 3)),              # (B, 60, 60, 10)
        ReLU("relu_1_2"),                             # (B, 60, 60, 10)
        Pool("max_pool_1"),                           # (B, 30, 30, 10)
        Conv2D("conv_2_1", 10, (3, 3)),              # (B, 28, 28, 10)
        ReLU("relu_2_1"),                             # (B, 28, 28, 10)
        Conv2D("conv_2_2", 10, (3, 3)),              # (B, 26, 26, 10)
        ReLU("relu_2_2"),                             # (B, 26, 26, 10)
        Pool("max_pool_2"),                           # (B, 13, 13, 10)
        Flatten("flatten"),                           # (B, 1690), (H, W, C) order
        Dense("output", 10),                          # (B, 10), softmax probabilities
    ),
)


def tinyvgg_like(input_shape: tuple[int, int, int] = TINYVGG.input_shape, blocks: int = 2, filters: int = 10,
                 padding: Literal["valid", "same"] = "valid", classes: int = 10) -> Architecture:
    """TinyVGG's pattern at another size: `blocks` times conv-relu-conv-relu-maxpool, then flatten and dense.

    What `train` builds; the defaults give TINYVGG itself (equal, so it shares TinyVGG's compiled forward
    pass and layer names). Every conv is 3x3 with `filters` filters; call `check` on the result.
    """
    layers: list[Layer] = []
    for block in range(1, blocks + 1):
        for conv in (1, 2):
            layers += [Conv2D(f"conv_{block}_{conv}", filters, (3, 3), padding=padding), ReLU(f"relu_{block}_{conv}")]
        layers.append(Pool(f"max_pool_{block}"))
    return Architecture(input_shape=input_shape, layers=(*layers, Flatten("flatten"), Dense("output", classes)))


def param_count(arch: Architecture) -> int:
    """Weights and biases in all: 19,920 for TinyVGG."""
    return sum(math.prod(shape) for shapes in param_shapes(arch).values() for shape in shapes.values())


@dataclass
class Network:
    """A readable network with its weights: what `load_network` returns for any supported model file."""

    params: dict[str, dict[str, np.ndarray]]  # layer name -> "kernel" / "bias", float32, our layout
    class_names: tuple[str, ...]
    source: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    architecture: Architecture = TINYVGG

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return self.architecture.input_shape

    @property
    def layers(self) -> tuple[Layer, ...]:
        return self.architecture.layers

    @property
    def num_classes(self) -> int:
        return self.architecture.layers[-1].units  # type: ignore[union-attr]




def _padding_amounts(padding: Padding, size: int, window: int, stride: int) -> tuple[int, int]:
    """Padding before and after one spatial axis; "same" as Keras and ONNX SAME_UPPER (extra at the end)."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + window - size, 0)
        return total // 2, total - total // 2
    raise ValueError(f"explicit padding is given per axis, not {padding!r}")


def explicit_padding(padding: Padding, size: tuple[int, int], window: tuple[int, int],
                     strides: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) for any padding form, for an input of `size` (H, W)."""
    if isinstance(padding, tuple):
        return padding
    return (_padding_amounts(padding, size[0], window[0], strides[0]),
            _padding_amounts(padding, size[1], window[1], strides[1]))


def _window_output(size: int, window: int, stride: int, pad: tuple[int, int]) -> int:
    return (size + pad[0] + pad[1] - window) // stride + 1


def output_shapes(arch: Architecture) -> list[tuple[int, ...]]:
    """Each layer's output shape per image, without the batch axis; assumes `check` passed."""
    shape: tuple[int, ...] = arch.input_shape
    shapes = []
    for layer in arch.layers:
        if isinstance(layer, Conv2D | Pool):
            window = layer.kernel_size if isinstance(layer, Conv2D) else layer.pool_size
            if isinstance(layer, Conv2D):
                window = tuple((k - 1) * d + 1 for k, d in zip(window, layer.dilation))
            h, w, c = shape
            pad = explicit_padding(layer.padding, (h, w), window, layer.strides)
            shape = (_window_output(h, window[0], layer.strides[0], pad[0]),
                     _window_output(w, window[1], layer.strides[1], pad[1]),
                     layer.filters if isinstance(layer, Conv2D) else c)
        elif isinstance(layer, Flatten):
            shape = (math.prod(shape),)
        elif isinstance(layer, Dense):
            shape = (layer.units,)
        shapes.append(shape)
    return shapes


def param_shapes(arch: Architecture) -> dict[str, dict[str, tuple[int, ...]]]:
    """Shape of every weight, keyed by layer then "kernel"/"bias", in layer order."""
    shapes: dict[str, dict[str, tuple[int, ...]]] = {}
    previous: tuple[int, ...] = arch.input_shape
    for layer, shape in zip(arch.layers, output_shapes(arch)):
        if isinstance(layer, Conv2D):
            shapes[layer.name] = {"kernel": (*layer.kernel_size, previous[-1], layer.filters), "bias": (layer.filters,)}
        elif isinstance(layer, Dense):
            shapes[layer.name] = {"kernel": (previous[0], layer.units), "bias": (layer.units,)}
        previous = shape
    return shapes


def _pair(value: tuple[int, int]) -> str:
    return f"{value[0]}x{value[1]}"


def check(source: Any, arch: Architecture) -> None:
    """Refuse, in one line naming the layer, anything we cannot run or draw; shapes included."""
    h, w, c = arch.input_shape
    if not (MIN_SIDE <= h <= MAX_SIDE and MIN_SIDE <= w <= MAX_SIDE):
        raise InputError(source, f"input is {h}x{w} pixels; supported: {MIN_SIDE} to {MAX_SIDE} pixels a side")
    if c not in (1, 3):
        raise InputError(source, f"input has {c} channels; supported: 1 (greyscale) or 3 (RGB)")
    for values in (arch.input_scale, arch.input_offset):
        if values is not None and (len(values) != c or not all(math.isfinite(v) for v in values)):
            raise InputError(source, f"input normalisation {values} does not fit {c} channel(s)")
    if not arch.layers or not isinstance(arch.layers[-1], Dense):
        last = arch.layers[-1].name if arch.layers else "none"
        raise InputError(source, f"the last layer ({last}) must be a Dense layer giving the class scores; "
                                 f"supported: {SUPPORTED}")
    names = [layer.name for layer in arch.layers]
    if len(set(names)) != len(names):
        raise InputError(source, f"layer names repeat: {names}")
    shape: tuple[int, ...] = arch.input_shape
    for layer, out in zip(arch.layers, _shapes_checked(source, arch)):
        if isinstance(layer, Conv2D):
            if not 1 <= layer.filters <= MAX_FILTERS:
                raise InputError(source, f"layer {layer.name} has {layer.filters} filters; supported: 1 to "
                                         f"{MAX_FILTERS}")
            if not all(1 <= k <= MAX_KERNEL for k in layer.kernel_size):
                raise InputError(source, f"layer {layer.name} has a {_pair(layer.kernel_size)} kernel; supported: "
                                         f"1x1 to {MAX_KERNEL}x{MAX_KERNEL}")
            if not all(1 <= d <= MAX_DILATION for d in layer.dilation):
                raise InputError(source, f"layer {layer.name} has dilation {_pair(layer.dilation)}; supported: "
                                         f"1 to {MAX_DILATION}")
        if isinstance(layer, Conv2D | Pool):
            window = layer.kernel_size if isinstance(layer, Conv2D) else layer.pool_size
            if not all(1 <= s <= MAX_STRIDE for s in layer.strides):
                raise InputError(source, f"layer {layer.name} has strides {_pair(layer.strides)}; supported: "
                                         f"1 to {MAX_STRIDE}")
            if isinstance(layer, Pool) and not all(1 <= p <= MAX_SIDE for p in window):
                raise InputError(source, f"layer {layer.name} has pool size {_pair(window)}")
            if isinstance(layer.padding, tuple) and not all(0 <= p <= 2 * MAX_KERNEL
                                                            for side in layer.padding for p in side):
                raise InputError(source, f"layer {layer.name} has padding {layer.padding}; supported: 0 to "
                                         f"{2 * MAX_KERNEL} a side")
            if len(shape) != 3:
                raise InputError(source, f"layer {layer.name} ({layer.kind}) comes after Flatten; "
                                         "convolutions and pooling need an image")
        elif isinstance(layer, Flatten) and len(shape) != 3:
            raise InputError(source, f"layer {layer.name} flattens twice")
        elif isinstance(layer, Dense):
            if len(shape) != 1:
                raise InputError(source, f"layer {layer.name} (Dense) needs a Flatten before it")
            final = layer is arch.layers[-1]
            low, high = (MIN_CLASSES, MAX_CLASSES) if final else (1, MAX_HIDDEN_UNITS)
            if not low <= layer.units <= high:
                what = "classes" if final else "units"
                raise InputError(source, f"layer {layer.name} has {layer.units} {what}; supported: "
                                         f"{low} to {high} {what}")
        if len(out) == 3 and min(out[:2]) < 1:
            raise InputError(source, f"layer {layer.name} leaves no pixels ({out[0]}x{out[1]})")
        shape = out


def _shapes_checked(source: Any, arch: Architecture) -> list[tuple[int, ...]]:
    """output_shapes, refusing first the hyperparameters that would make the arithmetic meaningless."""
    for layer in arch.layers:
        values = []
        if isinstance(layer, Conv2D):
            values = [layer.filters, *layer.kernel_size, *layer.strides, *layer.dilation]
        elif isinstance(layer, Pool):
            values = [*layer.pool_size, *layer.strides]
        elif isinstance(layer, Dense):
            values = [layer.units]
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 1 for v in values):
            raise InputError(source, f"layer {layer.name} has a size that is not a positive whole number")
        if isinstance(layer, Conv2D | Pool) and any(s > MAX_STRIDE for s in layer.strides):
            raise InputError(source, f"layer {layer.name} has strides {_pair(layer.strides)}; supported: "
                                     f"1 to {MAX_STRIDE}")
    flattened = False
    for layer in arch.layers:
        if isinstance(layer, Flatten):
            flattened = True
        elif isinstance(layer, Conv2D | Pool) and flattened:
            raise InputError(source, f"layer {layer.name} ({layer.kind}) comes after Flatten; "
                                     "convolutions and pooling need an image")
        elif isinstance(layer, Dense) and not flattened:
            raise InputError(source, f"layer {layer.name} (Dense) needs a Flatten before it")
    return output_shapes(arch)


def check_params(source: Any, arch: Architecture, params: dict[str, dict[str, np.ndarray]]) -> None:
    """Every weight present, of the architecture's shape, float32 and finite."""
    for layer, shapes in param_shapes(arch).items():
        for kind, shape in shapes.items():
            array = params.get(layer, {}).get(kind)
            if array is None:
                raise InputError(source, f"layer {layer} has no {kind}")
            if array.shape != shape:
                raise InputError(source, f"layer {layer} {kind} has shape {array.shape}, expected {shape}")
            if not np.all(np.isfinite(array)):
                raise InputError(source, f"layer {layer} {kind} holds NaN or infinite values")


def tinyvgg_problem(arch: Architecture) -> str | None:
    """Why `arch` is not TinyVGG-shaped (the one network the site draws so far), or None when it is.

    Layer names are free: a TinyVGG with other names is renamed by `as_tinyvgg`.
    """
    if arch.input_shape != TINYVGG.input_shape:
        return f"input shape is {arch.input_shape}, expected {TINYVGG.input_shape}"
    found = [type(layer).__name__ for layer in arch.layers]
    expected = [type(layer).__name__ for layer in TINYVGG.layers]
    if found != expected:
        return f"layers are {found}, expected TinyVGG's {expected}"
    for theirs, ours in zip(arch.layers, TINYVGG.layers):
        for name in ours.__dataclass_fields__:
            if name != "name" and getattr(theirs, name) != getattr(ours, name):
                return f"layer {theirs.name}: {name} is {getattr(theirs, name)!r}, expected {getattr(ours, name)!r}"
    if arch.flatten_order != TINYVGG.flatten_order:
        return f"flatten order is {arch.flatten_order!r}, expected {TINYVGG.flatten_order!r}"
    if arch.input_scale is not None or arch.input_offset is not None:
        return "the network normalises its input, TinyVGG takes the pixels as they are"
    return None


def as_tinyvgg(network: Network) -> Network:
    """The same network with TinyVGG's own layer names (the site's data files use them)."""
    renames = {theirs.name: ours.name for theirs, ours in zip(network.layers, TINYVGG.layers)}
    params = {renames[name]: arrays for name, arrays in network.params.items()}
    return replace(network, architecture=TINYVGG, params=params)
