"""numpy -> JSON data files (schema: docs/data-format.md), plus the decoder the tests and docs rely on.

Arrays travel as base64 so the files stay small and byte-for-byte reproducible: weights as
exact little-endian float32, activation maps as one byte per value with a per-neuron linear
scale (value = offset + q * scale), which is finer than the 256-colour palette they feed.
Those bytes are packed into lossless WebP images (`u8-webp`): its spatial predictors suit
activation maps far better than gzip on base64 text, and a browser decodes it natively. A
ReLU or max-pooling layer, and in most samples a convolution, stores only its codes' difference
from what its input layer's codes predict, which is mostly zero (within a few codes for a
convolution); a sample's differences share one image, every layer stored whole has its own.
The maps are for colour; the exact float32 values a detail view prints travel in separate
files, one per sample and layer, loaded only when a view opens.
Every file has a `.js` twin that assigns the same document to a global, because browsers
refuse fetch() on file:// but still run classic <script> elements.
"""

from __future__ import annotations

import base64
import io
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

from .network.description import Conv2D, Pool, explicit_padding, output_shapes
from .precompute import NetworkData, SampleData

SCHEMA_VERSION = 4
EXACT_SCHEMA = "cnn-explainer/exact"
WEBP_MAX_SIDE = 16383  # the WebP format's largest width or height
WEBP_PREFIX = "data:image/webp;base64,"
NETWORK_SCHEMA = "cnn-explainer/network"
SAMPLE_SCHEMA = "cnn-explainer/sample"
SCRIPT_GLOBAL = "CNNX_DATA"  # the .js twins fill window.CNNX_DATA[<file key>]
# The multiply-adds a sample's decode in the page may spend predicting convolutions: TinyVGG's four take 5.6 million,
# 9-30 ms on the 2-core test machine once the JIT has compiled the loop (docs/data-format.md). The default sample,
# which the first view decodes before the JIT has compiled anything, gets less: TinyVGG's conv_1_1 (1 million).
PREDICTION_BUDGET = 8_000_000
FIRST_VIEW_PREDICTION_BUDGET = 1_500_000


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


def _tiles(count: int, height: int, width: int) -> tuple[int, int]:
    """(rows, cols) of map tiles in a layer's image: one column of maps when they are wide enough and fit, else a
    near-square grid (a 1 x 1 map per hidden unit), since narrow images compress poorly and WebP stops at 16383 px."""
    cols = 1 if width >= 16 else max(1, math.ceil(math.sqrt(count * height / width)))
    while math.ceil(count / cols) * height > WEBP_MAX_SIDE:
        cols += 1
    if cols * width > WEBP_MAX_SIDE:
        raise ValueError(f"{count} maps of {height} x {width} do not fit in one WebP image")
    return math.ceil(count / cols), cols


def _grid(codes: np.ndarray, planes: int, tiles: tuple[int, int]) -> np.ndarray:
    """(C, H, W) bytes -> the (rows * H, cols * W, planes) picture of them: neuron c in tile c // planes (row-major in
    the tile grid), colour channel c % planes (R, G, B)."""
    count, height, width = codes.shape
    rows, cols = tiles
    padded = np.zeros((rows * cols * planes, height, width), np.uint8)
    padded[:count] = codes
    grid = padded.reshape(rows, cols, planes, height, width).transpose(0, 3, 1, 4, 2)
    return grid.reshape(rows * height, cols * width, planes)


def _webp(image: np.ndarray) -> str:
    """An (H, W, 1 or 3) picture -> a lossless WebP data URL; a grey one (1 plane) repeats each byte in R, G and B.

    libwebp at a fixed method and no threads always writes the same bytes for the same pixels.
    """
    picture = Image.fromarray(image[:, :, 0], "L") if image.shape[2] == 1 else Image.fromarray(image, "RGB")
    buffer = io.BytesIO()
    # method 6 makes TinyVGG's maps 0.5% smaller and takes 80 times as long
    picture.save(buffer, format="WEBP", lossless=True, quality=100, method=4, exact=True)
    return WEBP_PREFIX + base64.b64encode(buffer.getvalue()).decode("ascii")


def _unwebp(url: str) -> np.ndarray:
    """A WebP data URL's pixels, (H, W, 3)."""
    if not url.startswith(WEBP_PREFIX):
        raise ValueError("a u8-webp image must be a data:image/webp;base64 URL")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url[len(WEBP_PREFIX):]))).convert("RGB"))


def _stored(entry: dict[str, Any], images: list[str] | None) -> np.ndarray:
    """A u8-webp array's stored (C, H, W) bytes, from its own image (`data`) or from its place in a sample file's
    shared `images` (`image`, `origin`)."""
    count, height, width = entry["shape"]
    rows, cols = entry["tiles"]
    planes = entry["planes"]
    if "data" in entry:
        image, (left, top) = _unwebp(entry["data"]), (0, 0)
    elif images is None:
        raise ValueError("this array's maps are in its sample file's shared images: pass them")
    else:
        image, (left, top) = _unwebp(images[entry["image"]]), entry["origin"]
    part = image[top:top + rows * height, left:left + cols * width]
    if part.shape[:2] != (rows * height, cols * width):
        raise ValueError(f"u8-webp image holds {part.shape[1]} x {part.shape[0]} px at {left}, {top}, expected "
                         f"{cols * width} x {rows * height}")
    grid = part[:, :, :planes].reshape(rows, height, cols, width, planes).transpose(0, 2, 4, 1, 3)
    return grid.reshape(-1, height, width)[:count]


def _shared_images(pictures: dict[str, np.ndarray],
                   shared: set[str]) -> tuple[list[str], dict[str, tuple[int, list[int]]]]:
    """A sample's layer pictures as WebP images: the `shared` ones (the layers stored as differences from their
    prediction, all grey) one below the other at the left edge in one image, in layer order, a new one only where
    WebP's size limit is reached; every other layer in an image of its own. Returns the images and, per layer, its
    image's index and origin [x, y]. Each image costs the page a resource load, a decode and a canvas read-back:
    TinyVGG's sample switch loads 2 images instead of 11. A layer stored whole compresses worse beside the
    differences than alone, so it stays apart (docs/data-format.md)."""
    sheets: list[dict[str, Any]] = []
    places: dict[str, tuple[int, list[int]]] = {}
    for name, picture in pictures.items():
        height, width, _ = picture.shape
        sheet = next((s for s in reversed(sheets) if s["shared"]), None) if name in shared else None
        if sheet is None or sheet["height"] + height > WEBP_MAX_SIDE:
            sheet = {"index": len(sheets), "shared": name in shared, "height": 0, "width": 0, "parts": []}
            sheets.append(sheet)
        places[name] = (sheet["index"], [0, sheet["height"]])
        sheet["parts"].append(picture)
        sheet["height"] += height
        sheet["width"] = max(sheet["width"], width)
    images = []
    for sheet in sheets:
        image = np.zeros((sheet["height"], sheet["width"], sheet["parts"][0].shape[2]), np.uint8)
        top = 0
        for part in sheet["parts"]:
            image[top:top + part.shape[0], :part.shape[1]] = part
            top += part.shape[0]
        images.append(_webp(image))
    return images, places


def _decoded(entry: dict[str, Any], codes: np.ndarray) -> np.ndarray:
    """A map layer's values in float64, offset + code * scale: the same IEEE operations data.js does."""
    offset = np.asarray(entry["offset"], np.float64)[:, None, None]
    scale = np.asarray(entry["scale"], np.float64)[:, None, None]
    return offset + codes.astype(np.float64) * scale


def _convolved(x: np.ndarray, predict: dict[str, Any], shape: tuple[int, int, int]) -> np.ndarray:
    """A convolution of float64 (C, H, W) values, tap by tap in (kernel row, kernel column, input channel) order,
    each product rounded and then added: the order data.js adds them in, so both get the same doubles. Zero
    padding takes part as zeros (adding w * 0 changes no sum); the bias comes last."""
    if "normalize" in predict:  # the network's own input normalisation, before its first layer
        x = (x * np.asarray(predict["normalize"]["scale"], np.float64)[:, None, None]
             + np.asarray(predict["normalize"]["offset"], np.float64)[:, None, None])
    (top, bottom), (left, right) = predict["padding"]
    (kh, kw), (sh, sw), (dh, dw) = predict["kernel"], predict["strides"], predict["dilation"]
    padded = np.zeros((x.shape[0], x.shape[1] + top + bottom, x.shape[2] + left + right))
    padded[:, top:top + x.shape[1], left:left + x.shape[2]] = x
    kernel = decode_array(predict["weights"]["kernel"]).astype(np.float64)  # (kh, kw, in, out), float32 exactly
    count, height, width = shape
    y = np.zeros((count, height, width))
    for i in range(kh):
        for j in range(kw):
            for c in range(x.shape[0]):
                y += kernel[i, j, c][:, None, None] * padded[c, i * dh:i * dh + sh * (height - 1) + 1:sh,
                                                             j * dw:j * dw + sw * (width - 1) + 1:sw]
    return y + np.asarray(predict["weights"]["bias"], np.float64)[:, None, None]


def predicted_codes(predict: dict[str, Any], source: dict[str, Any], source_codes: np.ndarray,
                    entry: dict[str, Any]) -> np.ndarray:
    """The codes a layer would have if its input were exactly its input layer's decoded codes: a ReLU's, a max
    pooling's or a convolution's (with the float32 weights its `predict` carries) output y, quantised as
    floor((y - offset) / scale + 0.5), clamped to 0..255 (0 where scale is 0), all in float64 so that data.js,
    doing the same operations in the same order, gets the same bytes. Only a prediction: the file stores the
    difference from the real codes, so nothing depends on it being right, only the size."""
    x = _decoded(source, source_codes)
    if predict["op"] == "relu":
        y = np.maximum(x, 0.0)
    elif predict["op"] == "conv":
        y = _convolved(x, predict, tuple(entry["shape"]))
    else:  # "max": the window's largest value; padded pixels take no part
        (top, bottom), (left, right) = predict["padding"]
        (ph, pw), (sh, sw) = predict["window"], predict["strides"]
        count, height, width = entry["shape"]
        padded = np.full((x.shape[0], x.shape[1] + top + bottom, x.shape[2] + left + right), -np.inf)
        padded[:, top:top + x.shape[1], left:left + x.shape[2]] = x
        y = np.full((count, height, width), -np.inf)
        for i in range(ph):
            for j in range(pw):
                y = np.maximum(y, padded[:, i:i + sh * (height - 1) + 1:sh, j:j + sw * (width - 1) + 1:sw])
    offset = np.asarray(entry["offset"], np.float64)[:, None, None]
    scale = np.asarray(entry["scale"], np.float64)[:, None, None]
    q = np.floor((y - offset) / np.where(scale > 0, scale, 1.0) + 0.5)
    return np.where(scale > 0, np.clip(q, 0, 255), 0).astype(np.uint8)


def _codes_entry(codes: np.ndarray, offset: list[float], scale: list[float], mins: list[float], maxs: list[float],
                 planes: int = 1, predict: dict[str, Any] | None = None, source: dict[str, Any] | None = None,
                 source_codes: np.ndarray | None = None) -> tuple[dict[str, Any], np.ndarray]:
    """A u8-webp array without its image, and the picture of the bytes it stores (_grid)."""
    count, height, width = codes.shape
    tiles = _tiles(-(-count // planes), height, width)
    entry: dict[str, Any] = {"codec": "u8-webp", "shape": list(codes.shape), "planes": planes, "tiles": list(tiles),
                             "predict": predict, "offset": offset, "scale": scale, "min": mins, "max": maxs}
    stored = codes
    if predict is not None:
        stored = codes - predicted_codes(predict, source, source_codes, entry)  # uint8: wraps modulo 256
    return entry, _grid(stored, planes, tiles)


def _map_entry(maps: np.ndarray, predict: dict[str, Any] | None = None, source: dict[str, Any] | None = None,
               source_codes: np.ndarray | None = None) -> tuple[dict[str, Any], np.ndarray]:
    maps = np.asarray(maps, np.float32)
    codes, offset, scale = quantize(maps)
    return _codes_entry(codes, f32_list(offset), f32_list(scale), f32_list(maps.min(axis=(1, 2))),
                        f32_list(maps.max(axis=(1, 2))), 1, predict, source, source_codes)


def _input_entry(pixels: np.ndarray) -> tuple[dict[str, Any], np.ndarray]:
    channels = pixels.shape[0]
    values = pixels.astype(np.float32) / np.float32(255.0)
    return _codes_entry(np.ascontiguousarray(pixels, np.uint8), [0.0] * channels, [f32(1 / 255)] * channels,
                        f32_list(values.min(axis=(1, 2))), f32_list(values.max(axis=(1, 2))),
                        3 if channels == 3 else 1)


def _with_image(entry: dict[str, Any], picture: np.ndarray) -> dict[str, Any]:
    entry["data"] = _webp(picture)
    return entry


def encode_maps(maps: np.ndarray, predict: dict[str, Any] | None = None,
                source: dict[str, Any] | None = None, source_codes: np.ndarray | None = None) -> dict[str, Any]:
    """A map layer's (C, H, W) float32 values as a u8-webp array with its own image; `predict` (with the input
    layer's encoded entry and codes) stores the codes as differences from the ones that layer predicts."""
    return _with_image(*_map_entry(maps, predict, source, source_codes))


def encode_input(pixels: np.ndarray) -> dict[str, Any]:
    """The input channels are bytes / 255 already: the codes are the bytes, so nothing is lost. Three channels
    travel as one colour picture, which WebP compresses better than three grey ones."""
    return _with_image(*_input_entry(pixels))


def decode_codes(entry: dict[str, Any], source: dict[str, Any] | None = None,
                 source_codes: np.ndarray | None = None, images: list[str] | None = None) -> np.ndarray:
    """A u8-webp array's (C, H, W) codes; one with a `predict` needs its input layer's entry and codes, and one in a
    sample file's shared images needs those (`images`)."""
    stored = _stored(entry, images)
    if entry.get("predict") is None:
        return stored
    if source is None or source_codes is None:
        raise ValueError(f"this array is predicted from {entry['predict']['from']!r}: pass that layer's entry")
    return stored + predicted_codes(entry["predict"], source, source_codes, entry)  # uint8: wraps modulo 256


def decode_array(entry: dict[str, Any], source: dict[str, Any] | None = None,
                 images: list[str] | None = None) -> np.ndarray:
    """The inverse of the encoders above, as docs/data-format.md describes it (float32 result). A predicted u8-webp
    array needs `source`, its input layer's entry (itself decoded the same way, so give it its own source
    through decode_maps when that is predicted too); one in a sample file's shared images needs those."""
    shape = tuple(entry["shape"])
    if entry["codec"] == "f32":
        return np.frombuffer(base64.b64decode(entry["data"]), dtype="<f4").reshape(shape).astype(np.float32)
    if entry["codec"] == "u8-webp":
        source_codes = None
        if entry.get("predict") is not None:
            if source is None or source.get("predict") is not None:
                raise ValueError(f"this array is predicted from {entry['predict']['from']!r}: use decode_maps")
            source_codes = decode_codes(source, images=images)
        codes = decode_codes(entry, source, source_codes, images).astype(np.float32)
        offset = np.asarray(entry["offset"], np.float32).reshape(-1, 1, 1)
        scale = np.asarray(entry["scale"], np.float32).reshape(-1, 1, 1)
        return offset + codes * scale
    raise ValueError(f"unknown codec {entry['codec']!r}")


def decode_all_codes(maps: dict[str, dict[str, Any]], images: list[str] | None = None) -> dict[str, np.ndarray]:
    """Every u8-webp layer of a sample document's `maps` as its (C, H, W) codes, in order (as the predictions need);
    `images`: the document's shared images."""
    codes: dict[str, np.ndarray] = {}
    for name, entry in maps.items():
        source = entry.get("predict") and entry["predict"]["from"]
        codes[name] = decode_codes(entry, maps[source] if source else None, codes[source] if source else None, images)
    return codes


def decode_maps(maps: dict[str, dict[str, Any]], images: list[str] | None = None) -> dict[str, np.ndarray]:
    """Every layer of a sample document's `maps` decoded to float32 values, offset + code * scale; `images`: the
    document's shared images."""
    values: dict[str, np.ndarray] = {}
    for name, codes in decode_all_codes(maps, images).items():
        offset = np.asarray(maps[name]["offset"], np.float32).reshape(-1, 1, 1)
        scale = np.asarray(maps[name]["scale"], np.float32).reshape(-1, 1, 1)
        values[name] = offset + codes.astype(np.float32) * scale
    return values


def _map_steps(network: NetworkData | None) -> dict[str, dict[str, Any]]:
    """Map layer -> what makes it from the layer before: {"op": "relu"} or {"op": "max", window, strides, padding}
    (the ops whose codes and exact values the page can derive from that layer's); other layers are absent."""
    if network is None:
        return {}
    steps: dict[str, dict[str, Any]] = {}
    for layer, extra in zip(network.layers, _hyperparameters(network)):
        if layer.kind == "relu":
            steps[layer.name] = {"op": "relu"}
        elif layer.kind == "pool" and extra["op"] == "max":
            steps[layer.name] = {"op": "max", "window": extra["window"], "strides": extra["strides"],
                                 "padding": extra["padding"]}
    return steps


def _conv_steps(network: NetworkData | None, budget: int) -> dict[str, dict[str, Any]]:
    """Conv layer -> how the page predicts its codes: a convolution of the layer before's decoded codes with the
    layer's own weights, which the step carries. Only for the convolutions it pays for: a kernel with no more
    values than the layer has outputs (else the weights cost more bytes than the prediction saves), while the
    multiply-adds per sample stay within `budget`, taken in layer order."""
    if network is None:
        return {}
    arch = network.architecture
    steps: dict[str, dict[str, Any]] = {}
    channels = arch.input_shape[-1]
    for index, (layer, extra) in enumerate(zip(network.layers, _hyperparameters(network))):
        outputs, inputs_per_output = math.prod(layer.output_shape), math.prod(extra.get("kernel", ())) * channels
        weights = inputs_per_output * layer.output_shape[-1]
        if layer.kind == "conv" and weights <= outputs and outputs * inputs_per_output <= budget:
            budget -= outputs * inputs_per_output
            steps[layer.name] = {"op": "conv", **{key: extra[key] for key in ("kernel", "strides", "padding",
                                                                              "dilation")}}
            if index == 0 and (arch.input_scale is not None or arch.input_offset is not None):
                steps[layer.name]["normalize"] = {
                    "scale": f32_list(np.asarray(arch.input_scale or (1.0,) * channels)),
                    "offset": f32_list(np.asarray(arch.input_offset or (0.0,) * channels))}
            steps[layer.name]["weights"] = {"kernel": encode_float32(network.weights[layer.name]["kernel"]),
                                            "bias": f32_list(network.weights[layer.name]["bias"])}
        channels = layer.output_shape[-1]
    return steps


def _apply(step: dict[str, Any], before: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`step` (a ReLU or a max pooling) applied to a float32 (C, H, W) layer, as the page applies it."""
    if step["op"] == "relu":
        return np.maximum(before, np.float32(0))
    (top, bottom), (left, right) = step["padding"]
    (ph, pw), (sh, sw) = step["window"], step["strides"]
    padded = np.full((before.shape[0], before.shape[1] + top + bottom, before.shape[2] + left + right),
                     -np.inf, np.float32)
    padded[:, top:top + before.shape[1], left:left + before.shape[2]] = before
    _, height, width = shape
    pooled = np.full(shape, -np.inf, np.float32)
    for i in range(ph):
        for j in range(pw):
            pooled = np.maximum(pooled, padded[:, i:i + sh * (height - 1) + 1:sh, j:j + sw * (width - 1) + 1:sw])
    return pooled


def _derived_exactly(step: dict[str, Any], before: np.ndarray, values: np.ndarray) -> bool:
    """Whether `values` are bit for bit `step` applied to `before` (float32), as the page derives them."""
    if step["op"] == "relu" and before.shape != values.shape:
        return False
    return np.array_equal(_apply(step, before, values.shape), values)


def exact_maps(doc: dict[str, Any], network: dict[str, Any],
               read: Callable[[str], dict[str, Any]]) -> dict[str, np.ndarray]:
    """Every map layer's exact float32 values, (C, H, W), as the detail views get them (data.js loadExact) from a
    sample document, the network document and `read` (data file key -> its document): the input's bytes / 255, a
    layer in `exactFiles` from its own file, any other its ReLU or max pooling of the layer before."""
    layers = {layer["name"]: layer for layer in network["layers"]}
    values: dict[str, np.ndarray] = {}
    previous = None
    for name, entry in doc["maps"].items():
        if name == "input":
            values[name] = decode_codes(entry, images=doc["images"]).astype(np.float32) / np.float32(255)
        elif name in doc["exactFiles"]:
            values[name] = decode_array(read(exact_key(doc["id"], name))["values"])
        else:
            layer = layers[name]
            step = {"op": "relu"} if layer["kind"] == "relu" else {"op": "max", **layer}
            values[name] = _apply(step, values[previous], tuple(entry["shape"]))
        previous = name
    return values


def encode_sample(sample: SampleData, network: NetworkData | None = None,
                  prediction_budget: int = PREDICTION_BUDGET) -> dict[str, Any]:
    """The sample's data file. With `network`, ReLU and max-pooling layers, and the conv layers _conv_steps picks
    within `prediction_budget` multiply-adds, are stored as differences from what their input layer's codes predict,
    and `exactFiles` lists only the layers whose exact values the page cannot derive. Predicting the convolutions
    halves the file but costs the page their multiply-adds: the build gives the first view's sample a smaller budget
    (FIRST_VIEW_PREDICTION_BUDGET)."""
    steps = _map_steps(network) | _conv_steps(network, prediction_budget)
    maps, pictures = {}, {}
    maps["input"], pictures["input"] = _input_entry(sample.input)
    codes = {"input": sample.input}
    previous = "input"
    exact_files = []
    for name, values in sample.maps.items():  # in layer order
        step = steps.get(name)
        predictable = step is not None and (previous != "input" or step["op"] == "conv")
        maps[name], pictures[name] = _map_entry(values, {"from": previous, **step} if predictable else None,
                                                maps[previous], codes[previous])
        codes[name] = quantize(np.asarray(values, np.float32))[0]
        if not predictable or step["op"] == "conv" or not _derived_exactly(step, sample.maps[previous], values):
            exact_files.append(name)
        previous = name
    images, places = _shared_images(pictures, {name for name, entry in maps.items() if entry["predict"] is not None})
    for name, (image, origin) in places.items():
        maps[name]["image"], maps[name]["origin"] = image, origin
    return {
        "schema": SAMPLE_SCHEMA, "version": SCHEMA_VERSION,
        "id": sample.id, "title": sample.title, "top1": sample.top1,
        "logits": f32_list(sample.logits), "probabilities": f32_list(sample.probabilities),
        "ranges": {mode: {layer: round(r, 6) for layer, r in by_layer.items()}
                   for mode, by_layer in sample.ranges.items()},
        "maps": maps,
        "images": images,
        "exactFiles": exact_files,
    }


def exact_key(sample_id: str, layer: str) -> str:
    """The data file key of one sample's exact values of one layer."""
    return f"exact/{sample_id}/{layer}"


def encode_exact(sample: SampleData, layers: list[str]) -> dict[str, dict[str, Any]]:
    """Data file key -> document: the exact float32 values of each of `layers` (the sample's `exactFiles`), the
    numbers a detail view prints; one file per layer, so a view loads only the two it shows."""
    return {exact_key(sample.id, name): {
        "schema": EXACT_SCHEMA, "version": SCHEMA_VERSION, "id": sample.id, "layer": name,
        "values": encode_float32(sample.maps[name]),
    } for name in layers}


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
