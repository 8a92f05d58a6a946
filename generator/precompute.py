"""Everything the page shows, computed once in numpy so the browser only looks things up.

Input: the model's weights and its forward pass over every sample. Output: per sample, each
overview layer as channel-first maps (C, H, W) — the order the page draws neurons in — with
logits, probabilities, per-neuron extents and the colour ranges of the four scale modes;
and, once for the network, its layer table, kernels, biases and dense weights.

Colour ranges, one symmetric R per layer and scale mode (colours span -R/2 .. R/2):

- "layer", the default: every layer its own robust range. R/2 is the 98th percentile of the
  layer's |v| (the nearest-rank order statistic, over all its neurons), rounded to two
  significant digits; the 2% of values beyond it are drawn in the end colours. The original's
  rule below lets one strong negative convolution value set the range of the ReLU and pooling
  layers after it, so with our weights their maps used under 3% of the palette's depth.
- "unit", "module", "global": the original CNN Explainer's (FEATURES.md 2.7, 9.2), kept exactly
  so that its model looks as it did there. A conv layer's range is R = 2 * (0.1 + round3(max |v|))
  (the 0.1 keeps colours off saturation), and the ReLU and pool layers after it reuse it.
  "module" is the largest R in the layer's block (the layers up to and including a pool),
  "global" the largest over every map layer.

A hidden Dense layer (and a ReLU after one) starts a range as a conv layer does; its units are maps of
one pixel, (units, 1, 1), so every mode, legend and painter treats them as it treats any map.

The input's range is 1 in every mode. templates/static/network.js (colourRanges) computes the
same numbers for an image the reader adds in the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from .model import LAYERS, Layer, layer_table
from .network.description import TINYVGG, Architecture

SCALE_MODES = ("layer", "unit", "module", "global")  # the first is the page's default
ROBUST_PERCENT = 98  # "layer" mode: the share of a layer's values drawn below full colour
MIN_HALF_RANGE = 0.001  # keeps R positive and exact in the data files' six decimals
OUTPUT_LAYER = "output"  # weights.site_names calls the last Dense layer this in every network


def map_layers(arch: Architecture) -> tuple[Layer, ...]:
    """The layers the overview draws as columns of maps: every image-shaped layer, then the hidden Dense layers
    and their ReLUs (1-D, drawn as one-pixel maps); not Flatten (a reshape) nor the output (the class column)."""
    table = layer_table(arch)
    return tuple(layer for layer in table[:-1] if layer.kind != "flatten")


MAP_LAYERS: tuple[Layer, ...] = map_layers(TINYVGG)


@dataclass(frozen=True)
class SampleData:
    """One image as the overview shows it; every array is float32 unless noted."""

    id: str
    title: str
    input: np.ndarray  # (C, H, W) uint8, the exact network input times 255 (TinyVGG: (3, 64, 64))
    maps: dict[str, np.ndarray]  # layer -> (C, H, W), one (H, W) map per neuron; a 1-D layer (units, 1, 1)
    logits: np.ndarray  # (classes,)
    probabilities: np.ndarray  # (classes,)
    ranges: dict[str, dict[str, float]]  # scale mode -> layer -> symmetric range R (colours span ±R/2)

    @property
    def top1(self) -> int:
        return int(np.argmax(self.probabilities))


@dataclass(frozen=True)
class NetworkData:
    """What does not change with the image: the layer table, weights and class names."""

    class_names: tuple[str, ...]
    layers: tuple[Layer, ...]
    weights: dict[str, dict[str, np.ndarray]]  # layer -> "kernel" (HWIO or (in, out)) / "bias"
    architecture: Architecture = TINYVGG  # the hyperparameters the page's forward pass and detail views need


def blocks(layers: tuple[Layer, ...] = MAP_LAYERS) -> list[list[str]]:
    """Map layers grouped into modules: a block ends with a pool layer (conv, relu, conv, relu, pool)."""
    groups: list[list[str]] = [[]]
    for layer in layers:
        groups[-1].append(layer.name)
        if layer.kind == "pool":
            groups.append([])
    return [g for g in groups if g]


def round3(x: float) -> float:
    """JavaScript's Math.round(x * 1000) / 1000, which the original uses (half rounds up, not to even)."""
    return float(np.floor(x * 1000.0 + 0.5) / 1000.0)


def two_significant(x: float) -> float:
    """x rounded to two significant digits, halves up, on its exact binary value: what JavaScript's
    Number(x.toPrecision(2)) gives, so the page computes the same range for the reader's own image."""
    exact = Decimal(x)
    return float(exact.quantize(Decimal(1).scaleb(exact.adjusted() - 1), rounding=ROUND_HALF_UP))


def robust_range(values: np.ndarray) -> float:
    """The "layer" mode's R of one layer's values: twice their 98th-percentile magnitude, rounded.

    The nearest-rank percentile is one of the values themselves (no interpolation), so Python and
    JavaScript agree exactly. A layer with more than 98% zeros (a nearly dead ReLU) falls back on its
    largest magnitude, so its few live values still show.
    """
    magnitudes = np.abs(np.asarray(values, np.float32)).ravel()
    k = -(-ROBUST_PERCENT * magnitudes.size // 100) - 1  # ceil(98% of n) - 1, in integers
    half = float(np.partition(magnitudes, k)[k]) or float(magnitudes.max())
    return 2.0 * max(two_significant(half) if half > 0 else 0.0, MIN_HALF_RANGE)


def color_ranges(maps: dict[str, np.ndarray], layers: tuple[Layer, ...] = MAP_LAYERS) -> dict[str, dict[str, float]]:
    """The layer / unit / module / global ranges R of every map layer, plus "input": 1 in every mode."""
    unit: dict[str, float] = {}
    current = 1.0
    for layer in layers:
        if layer.kind in ("conv", "dense"):
            current = 2.0 * (0.1 + round3(float(np.max(np.abs(maps[layer.name])))))
        unit[layer.name] = current
    module = {name: max(unit[n] for n in block) for block in blocks(layers) for name in block}
    top = max(unit.values())
    ranges = {"layer": {layer.name: robust_range(maps[layer.name]) for layer in layers},
              "unit": unit, "module": module, "global": dict.fromkeys(unit, top)}
    return {mode: {"input": 1.0, **ranges[mode]} for mode in SCALE_MODES}


def _as_maps(values: np.ndarray) -> np.ndarray:
    """One image's layer output as (C, H, W) maps: (H, W, C) transposed, (units,) as (units, 1, 1)."""
    values = np.asarray(values, np.float32)
    if values.ndim == 1:
        return np.ascontiguousarray(values.reshape(-1, 1, 1))
    return np.ascontiguousarray(np.transpose(values, (2, 0, 1)))


def precompute_samples(ids: list[str], titles: list[str], images: np.ndarray,
                       outputs: dict[str, np.ndarray], arch: Architecture = TINYVGG) -> list[SampleData]:
    """Turn the batched forward pass (NHWC, batch first) into one SampleData per image."""
    if images.shape[1:] != arch.input_shape:
        raise ValueError(f"images must have shape (B, {', '.join(map(str, arch.input_shape))}), got {images.shape}")
    layers = map_layers(arch)
    samples = []
    for b, (sample_id, title) in enumerate(zip(ids, titles, strict=True)):
        maps = {layer.name: _as_maps(outputs[layer.name][b]) for layer in layers}
        pixels = np.rint(np.transpose(images[b], (2, 0, 1)) * 255.0).astype(np.uint8)
        samples.append(SampleData(
            id=sample_id, title=title, input=pixels, maps=maps,
            logits=np.asarray(outputs["logits"][b], np.float32),
            probabilities=np.asarray(outputs[OUTPUT_LAYER][b], np.float32),
            ranges=color_ranges(maps, layers),
        ))
    return samples


def precompute_network(params: dict[str, dict[str, np.ndarray]], class_names: tuple[str, ...],
                       arch: Architecture = TINYVGG) -> NetworkData:
    weights = {name: {key: np.asarray(value, np.float32) for key, value in entry.items()}
               for name, entry in params.items()}
    layers = LAYERS if arch == TINYVGG else layer_table(arch)
    return NetworkData(class_names=tuple(class_names), layers=layers, weights=weights, architecture=arch)
