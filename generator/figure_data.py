"""The numbers behind the article's figures, taken from the real network on one real sample.

The article's figures (figures.py draws them) show one convolution step, one convolution neuron's
"elastic" view, one pooling region and the softmax of the sample shown first. This module picks what
they show and gathers the values, in no language: the layer inputs, kernels and biases are the
network's own float32 numbers, and every result a figure prints (a convolution's output, a pooled
value, a probability) is the forward pass's own output, not a recomputation, so the figures can never
disagree with the rest of the site. Products and per-channel sums, which the forward pass never
stores, are computed here from those same float32 values.

Which neuron and where: the first convolution's neuron with the strongest response, at that response's
position (a window clear of padding where there is one), and the first pooling layer's 2 x 2 block of
outputs with the largest total; both rules are deterministic, so builds stay byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network.description import Architecture, Conv2D, Pool, explicit_padding

Params = dict[str, dict[str, np.ndarray]]


@dataclass(frozen=True)
class ConvNeuron:
    """One neuron of the first convolution and one of its output positions (the window shown)."""

    layer: str
    neuron: int
    source: str  # the layer its input comes from ("input" for the image)
    inputs: np.ndarray  # (C, H, W) the maps it reads, as the layer sees them (normalised if the model is)
    pixels: bool  # the inputs are the image's own pixels in [0, 1] (drawn in grey), not other values
    kernels: np.ndarray  # (C, kh, kw)
    bias: float
    outputs: np.ndarray  # (Ho, Wo) the forward pass's output map of this neuron
    row: int  # the output position shown
    col: int
    strides: tuple[int, int]
    dilation: tuple[int, int]
    padding: tuple[int, int]  # zero rows above, zero columns to the left

    @property
    def window(self) -> tuple[int, int]:
        """The input area one output reads, dilation included."""
        kh, kw = self.kernels.shape[1:]
        return (kh - 1) * self.dilation[0] + 1, (kw - 1) * self.dilation[1] + 1

    @property
    def origin(self) -> tuple[int, int]:
        """The input row and column of the shown window's top-left cell (negative: in the padding)."""
        return self.row * self.strides[0] - self.padding[0], self.col * self.strides[1] - self.padding[1]

    def patch(self) -> tuple[np.ndarray, np.ndarray]:
        """(C, kh, kw) the input values the kernel meets at the shown position (0 in padding), and
        (kh, kw) which of those cells are padding."""
        channels, height, width = self.inputs.shape
        kh, kw = self.kernels.shape[1:]
        top, left = self.origin
        rows = top + np.arange(kh) * self.dilation[0]
        cols = left + np.arange(kw) * self.dilation[1]
        inside = ((rows >= 0) & (rows < height))[:, None] & ((cols >= 0) & (cols < width))[None, :]
        values = np.zeros((channels, kh, kw), np.float32)
        r, c = np.clip(rows, 0, height - 1), np.clip(cols, 0, width - 1)
        values[:] = np.where(inside, self.inputs[:, r][:, :, c], np.float32(0))
        return values, ~inside

    def products(self) -> np.ndarray:
        """(C, kh, kw) each input value times its weight, in float64 from the float32 values."""
        values, _ = self.patch()
        return values.astype(np.float64) * self.kernels.astype(np.float64)

    def channel_sums(self) -> np.ndarray:
        """(C,) each channel's products added up."""
        return self.products().sum(axis=(1, 2))

    @property
    def output(self) -> float:
        """The forward pass's value at the shown position."""
        return float(self.outputs[self.row, self.col])

    def intermediates(self) -> np.ndarray:
        """(C, Ho, Wo) each channel's kernel swept over its own input map, before the sum and the bias."""
        channels = self.inputs.shape[0]
        ho, wo = self.outputs.shape
        kh, kw = self.kernels.shape[1:]
        eh, ew = self.window
        padded = np.pad(self.inputs.astype(np.float64),
                        ((0, 0), (self.padding[0], max(0, (ho - 1) * self.strides[0] + eh - self.padding[0]
                                                       - self.inputs.shape[1])),
                         (self.padding[1], max(0, (wo - 1) * self.strides[1] + ew - self.padding[1]
                                               - self.inputs.shape[2]))))
        out = np.zeros((channels, ho, wo))
        for i in range(kh):
            for j in range(kw):
                r, c = i * self.dilation[0], j * self.dilation[1]
                window = padded[:, r:r + (ho - 1) * self.strides[0] + 1:self.strides[0],
                                c:c + (wo - 1) * self.strides[1] + 1:self.strides[1]]
                out += window * self.kernels[:, i, j, None, None].astype(np.float64)
        return out


@dataclass(frozen=True)
class PoolRegion:
    """A 2 x 2 block of one pooling layer's outputs and the input region their windows cover."""

    layer: str
    source: str  # the layer the pooled map comes from
    op: str  # "max" or "avg"
    channel: int
    region: np.ndarray  # (rh, rw) the pooled map's values under the block's windows
    windows: tuple[tuple[int, int, int, int], ...]  # per output (row-major): top, left, height, width in region
    outputs: np.ndarray  # (2, 2) the forward pass's pooled values

    def chosen(self) -> tuple[tuple[int, int], ...]:
        """Per output, the region cell a max pool keeps (the first of equal maxima, row by row)."""
        cells = []
        for top, left, h, w in self.windows:
            flat = int(np.argmax(self.region[top:top + h, left:left + w]))
            cells.append((top + flat // w, left + flat % w))
        return tuple(cells)


@dataclass(frozen=True)
class SoftmaxStep:
    """The output layer's logits and the forward pass's probabilities for every class."""

    classes: tuple[str, ...]
    logits: np.ndarray  # (K,) float32
    probabilities: np.ndarray  # (K,) float32, the forward pass's softmax

    def exps(self) -> np.ndarray:
        """e to each logit, in float64 (large but finite for any logit the figure is likely to meet)."""
        return np.exp(self.logits.astype(np.float64))


@dataclass(frozen=True)
class Figures:
    """What the article's figures show; None where the network has no such layer."""

    conv: ConvNeuron | None
    pool: PoolRegion | None
    softmax: SoftmaxStep


def _layer_input(arch: Architecture, index: int, image: np.ndarray, outputs: dict[str, np.ndarray]) -> tuple[
        str, np.ndarray]:
    """The name of the layer feeding layer `index` and its (H, W, C) output, as the forward pass saw it."""
    if index == 0:
        x = np.asarray(image, np.float32)
        if arch.input_scale is not None:
            x = x * np.asarray(arch.input_scale, np.float32)
        if arch.input_offset is not None:
            x = x + np.asarray(arch.input_offset, np.float32)
        return "input", x
    name = arch.layers[index - 1].name
    return name, np.asarray(outputs[name], np.float32)


def _conv_neuron(arch: Architecture, params: Params, image: np.ndarray,
                 outputs: dict[str, np.ndarray]) -> ConvNeuron | None:
    index = next((i for i, layer in enumerate(arch.layers) if isinstance(layer, Conv2D)), None)
    if index is None:
        return None
    layer = arch.layers[index]
    source, x = _layer_input(arch, index, image, outputs)
    out = np.asarray(outputs[layer.name], np.float32)  # (Ho, Wo, F)
    ho, wo, _ = out.shape
    window = tuple((k - 1) * d + 1 for k, d in zip(layer.kernel_size, layer.dilation))
    pad = explicit_padding(layer.padding, x.shape[:2], window, layer.strides)
    # Positions whose window lies wholly inside the input: the figure then shows no padding cells.
    rows = np.arange(ho) * layer.strides[0] - pad[0][0]
    cols = np.arange(wo) * layer.strides[1] - pad[1][0]
    clear = (((rows >= 0) & (rows + window[0] <= x.shape[0]))[:, None]
             & ((cols >= 0) & (cols + window[1] <= x.shape[1]))[None, :])
    scores = np.where(clear[..., None], out, -np.inf) if clear.any() else out
    row, col, neuron = np.unravel_index(int(np.argmax(scores)), scores.shape)
    kernel = np.asarray(params[layer.name]["kernel"], np.float32)[..., int(neuron)]  # (kh, kw, C)
    return ConvNeuron(
        layer=layer.name, neuron=int(neuron), source=source,
        inputs=np.transpose(x, (2, 0, 1)), pixels=index == 0 and arch.input_scale is None
        and arch.input_offset is None,
        kernels=np.transpose(kernel, (2, 0, 1)), bias=float(np.asarray(params[layer.name]["bias"])[int(neuron)]),
        outputs=out[..., int(neuron)], row=int(row), col=int(col), strides=layer.strides, dilation=layer.dilation,
        padding=(pad[0][0], pad[1][0]))


def _pool_region(arch: Architecture, image: np.ndarray, outputs: dict[str, np.ndarray]) -> PoolRegion | None:
    index = next((i for i, layer in enumerate(arch.layers) if isinstance(layer, Pool)), None)
    if index is None:
        return None
    layer = arch.layers[index]
    source, x = _layer_input(arch, index, image, outputs)
    out = np.asarray(outputs[layer.name], np.float32)
    ho, wo, _ = out.shape
    (pt, _), (pl, _) = explicit_padding(layer.padding, x.shape[:2], layer.pool_size, layer.strides)
    (ph, pw), (sh, sw) = layer.pool_size, layer.strides
    best: tuple[float, int, int, int] | None = None
    for r in range(ho - 1):
        for c in range(wo - 1):
            top, left = r * sh - pt, c * sw - pl
            if top < 0 or left < 0 or top + sh + ph > x.shape[0] or left + sw + pw > x.shape[1]:
                continue  # a window reaching into the padding
            totals = out[r:r + 2, c:c + 2].sum(axis=(0, 1))
            channel = int(np.argmax(totals))
            if best is None or totals[channel] > best[0]:
                best = (float(totals[channel]), r, c, channel)
    if best is None:
        return None
    _, r, c, channel = best
    top, left = r * sh - pt, c * sw - pl
    region = x[top:top + sh + ph, left:left + sw + pw, channel]
    windows = tuple((i * sh, j * sw, ph, pw) for i in (0, 1) for j in (0, 1))
    return PoolRegion(layer=layer.name, source=source, op=layer.op, channel=channel, region=region,
                      windows=windows, outputs=out[r:r + 2, c:c + 2, channel])


def figure_data(arch: Architecture, params: Params, image: np.ndarray, outputs: dict[str, np.ndarray],
                class_names: tuple[str, ...]) -> Figures:
    """The figures' numbers for one image (H, W, C) and its forward pass (each layer's output, batch axis gone)."""
    last = arch.layers[-1]  # the output Dense layer; its entry holds the probabilities
    return Figures(
        conv=_conv_neuron(arch, params, image, outputs),
        pool=_pool_region(arch, image, outputs),
        softmax=SoftmaxStep(classes=tuple(class_names), logits=np.asarray(outputs["logits"], np.float32),
                            probabilities=np.asarray(outputs[last.name], np.float32)))
