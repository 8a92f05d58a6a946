"""numpy -> JSON data files (schema: docs/data-format.md), plus the decoder the tests and docs rely on.

Arrays travel as base64 so the files stay small and byte-for-byte reproducible: weights as
exact little-endian float32, activation maps as one byte per value with a per-neuron linear
scale (value = offset + q * scale), which is finer than the 256-colour palette they feed.
Every file has a `.js` twin that assigns the same document to a global, because browsers
refuse fetch() on file:// but still run classic <script> elements.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np

from .network.description import Conv2D, Pool, explicit_padding, output_shapes
from .precompute import NetworkData, SampleData

SCHEMA_VERSION = 1
NETWORK_SCHEMA = "cnn-explainer/network"
SAMPLE_SCHEMA = "cnn-explainer/sample"
SCRIPT_GLOBAL = "CNNX_DATA"  # the .js twins fill window.CNNX_DATA[<file key>]


def f32(x: float) -> float:
    """The shortest decimal that reads back as the same float32: short JSON, exact round trip."""
    return float(str(np.float32(x)))


def f32_list(values: np.ndarray) -> list[float]:
    return [f32(v) for v in np.asarray(values, np.float32).ravel()]


def encode_float32(array: np.ndarray) -> dict[str, Any]:
    """Exact: little-endian float32 bytes, C order."""
    array = np.ascontiguousarray(array, dtype="<f4")
    return {"codec": "f32", "shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode("ascii")}


def quantize(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(C, H, W) float maps -> uint8 codes and per-neuron float32 offset and scale.

    Each neuron's own [min, max] is cut into 255 steps, so the error is at most half a step,
    (max - min) / 510 (plus float32 rounding). A constant map gets scale 0 and decodes exactly.
    """
    lo = maps.min(axis=(1, 2)).astype(np.float32)
    hi = maps.max(axis=(1, 2)).astype(np.float32)
    scale = ((hi - lo) / np.float32(255.0)).astype(np.float32)
    safe = np.where(scale > 0, scale, 1.0)[:, None, None]
    codes = np.rint((maps - lo[:, None, None]) / safe)
    return np.clip(codes, 0, 255).astype(np.uint8), lo, scale


def encode_maps(maps: np.ndarray) -> dict[str, Any]:
    codes, offset, scale = quantize(np.asarray(maps, np.float32))
    return {
        "codec": "u8-linear", "shape": list(codes.shape),
        "offset": f32_list(offset), "scale": f32_list(scale),
        "min": f32_list(maps.min(axis=(1, 2))), "max": f32_list(maps.max(axis=(1, 2))),
        "data": base64.b64encode(codes.tobytes()).decode("ascii"),
    }


def encode_input(pixels: np.ndarray) -> dict[str, Any]:
    """The input channels are bytes / 255 already: the codes are the bytes, so nothing is lost."""
    channels = pixels.shape[0]
    values = pixels.astype(np.float32) / np.float32(255.0)
    return {
        "codec": "u8-linear", "shape": list(pixels.shape),
        "offset": [0.0] * channels, "scale": [f32(1 / 255)] * channels,
        "min": f32_list(values.min(axis=(1, 2))), "max": f32_list(values.max(axis=(1, 2))),
        "data": base64.b64encode(np.ascontiguousarray(pixels, np.uint8).tobytes()).decode("ascii"),
    }


def decode_array(entry: dict[str, Any]) -> np.ndarray:
    """The inverse of the encoders above, as docs/data-format.md describes it (float32 result)."""
    raw = base64.b64decode(entry["data"])
    shape = tuple(entry["shape"])
    if entry["codec"] == "f32":
        return np.frombuffer(raw, dtype="<f4").reshape(shape).astype(np.float32)
    if entry["codec"] == "u8-linear":
        codes = np.frombuffer(raw, dtype=np.uint8).reshape(shape).astype(np.float32)
        offset = np.asarray(entry["offset"], np.float32).reshape(-1, 1, 1)
        scale = np.asarray(entry["scale"], np.float32).reshape(-1, 1, 1)
        return offset + codes * scale
    raise ValueError(f"unknown codec {entry['codec']!r}")


def encode_sample(sample: SampleData) -> dict[str, Any]:
    maps = {"input": encode_input(sample.input)}
    maps.update({name: encode_maps(values) for name, values in sample.maps.items()})  # in layer order
    return {
        "schema": SAMPLE_SCHEMA, "version": SCHEMA_VERSION,
        "id": sample.id, "title": sample.title, "top1": sample.top1,
        "logits": f32_list(sample.logits), "probabilities": f32_list(sample.probabilities),
        "ranges": {mode: {layer: round(r, 6) for layer, r in by_layer.items()}
                   for mode, by_layer in sample.ranges.items()},
        "maps": maps,
    }


def _hyperparameters(network: NetworkData) -> list[dict[str, Any]]:
    """Per layer what the page's forward pass and detail views need beyond its kind and shape; padding is
    written out as [[top, bottom], [left, right]] for the layer's actual input, so the page never resolves "same"."""
    arch = network.architecture
    shapes = [arch.input_shape, *output_shapes(arch)]
    extra: list[dict[str, Any]] = []
    for layer, before in zip(arch.layers, shapes):
        if isinstance(layer, Conv2D):
            window = tuple((k - 1) * d + 1 for k, d in zip(layer.kernel_size, layer.dilation))
            pad = explicit_padding(layer.padding, before[:2], window, layer.strides)
            extra.append({"kernel": list(layer.kernel_size), "strides": list(layer.strides),
                          "padding": [list(p) for p in pad], "dilation": list(layer.dilation)})
        elif isinstance(layer, Pool):
            pad = explicit_padding(layer.padding, before[:2], layer.pool_size, layer.strides)
            extra.append({"op": layer.op, "window": list(layer.pool_size), "strides": list(layer.strides),
                          "padding": [list(p) for p in pad], "countPad": layer.count_include_pad})
        else:
            extra.append({})
    return extra


def encode_network(network: NetworkData) -> dict[str, Any]:
    arch = network.architecture
    return {
        "schema": NETWORK_SCHEMA, "version": SCHEMA_VERSION,
        "classes": list(network.class_names),
        "input": {"shape": list(arch.input_shape),
                  "scale": None if arch.input_scale is None else f32_list(np.asarray(arch.input_scale)),
                  "offset": None if arch.input_offset is None else f32_list(np.asarray(arch.input_offset))},
        "flattenOrder": arch.flatten_order,
        "layers": [{"name": layer.name, "kind": layer.kind, "shape": list(layer.output_shape), **extra}
                   for layer, extra in zip(network.layers, _hyperparameters(network))],
        "weights": {name: {"kernel": encode_float32(entry["kernel"]), "bias": f32_list(entry["bias"])}
                    for name, entry in network.weights.items()},
    }


def to_json(doc: dict[str, Any]) -> str:
    """Compact, ASCII-safe, key order as built: the same document always gives the same bytes."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def to_script(key: str, doc: dict[str, Any]) -> str:
    """The `.js` twin of a data file: a classic script that stores the document under `key`.

    JSON is valid JavaScript, and ensure_ascii leaves no U+2028/U+2029 to break it.
    """
    return f"(window.{SCRIPT_GLOBAL} = window.{SCRIPT_GLOBAL} || {{}})[{json.dumps(key)}] = {to_json(doc)};\n"
