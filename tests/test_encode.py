"""encode: every array round-trips within the precision docs/data-format.md promises."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import replace

import jax
import numpy as np
import pytest
from cnn_explainer import encode
from cnn_explainer.encode import (
    SCRIPT_GLOBAL,
    decode_array,
    decode_codes,
    decode_maps,
    encode_exact,
    encode_float32,
    encode_input,
    encode_maps,
    encode_network,
    encode_sample,
    f32,
    quantize,
    to_json,
    to_script,
)
from cnn_explainer.model import compiled_forward, init_params
from cnn_explainer.network.description import TINYVGG, Architecture, Conv2D, Dense, Flatten, Pool, ReLU
from cnn_explainer.precompute import (
    MAP_LAYERS,
    SampleData,
    color_ranges,
    precompute_network,
    precompute_samples,
)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

RNG = np.random.default_rng(0)

MAPS = {
    "normal": RNG.normal(0, 2, (10, 26, 26)).astype(np.float32),
    "relu": np.maximum(RNG.normal(0, 1, (10, 13, 13)), 0).astype(np.float32),
    "constant": np.full((3, 5, 5), -1.25, np.float32),
    "huge": (RNG.normal(0, 1, (2, 4, 4)) * 1e6).astype(np.float32),
}


@pytest.mark.parametrize("x", [0.1, 1 / 3, -2.5e-7, 12345.678, 0.0], ids=str)
def test_f32_is_the_shortest_exact_float32(x):
    assert np.float32(f32(x)) == np.float32(x)
    assert len(repr(f32(x))) <= len(repr(float(np.float32(x))))


@pytest.mark.parametrize("name", list(MAPS))
def test_u8_webp_round_trip_within_half_a_step(name):
    maps = MAPS[name]
    entry = encode_maps(maps)
    decoded = decode_array(json.loads(to_json(entry)))
    span = maps.max(axis=(1, 2)) - maps.min(axis=(1, 2))
    bound = span / 510 * (1 + 1e-5) + np.abs(maps).max(axis=(1, 2)) * 2e-7
    assert decoded.shape == maps.shape
    assert np.all(np.abs(decoded - maps).max(axis=(1, 2)) <= bound)
    np.testing.assert_array_equal(np.float32(entry["min"]), maps.min(axis=(1, 2)))
    np.testing.assert_array_equal(np.float32(entry["max"]), maps.max(axis=(1, 2)))


def test_quantize_uses_every_neurons_own_range():
    maps = np.stack([np.linspace(0, 1, 16).reshape(4, 4), np.linspace(-100, 100, 16).reshape(4, 4)])
    codes, offset, scale = quantize(maps.astype(np.float32))
    assert codes.dtype == np.uint8
    assert codes.min() == 0 and codes.max() == 255
    np.testing.assert_allclose(offset, [0, -100])
    np.testing.assert_allclose(scale, [1 / 255, 200 / 255], rtol=1e-6)


def test_constant_maps_decode_exactly():
    decoded = decode_array(encode_maps(MAPS["constant"]))
    np.testing.assert_array_equal(decoded, MAPS["constant"])


def test_input_codes_are_the_image_bytes():
    pixels = RNG.integers(0, 256, (3, 64, 64), dtype=np.uint8)
    entry = encode_input(pixels)
    assert (entry["planes"], entry["tiles"]) == (3, [1, 1])  # one colour picture
    np.testing.assert_array_equal(decode_codes(entry), pixels)
    np.testing.assert_allclose(decode_array(entry), pixels / 255.0, rtol=0, atol=1.2e-7)


@pytest.mark.parametrize(("shape", "tiles"), [((10, 62, 62), [10, 1]), ((24, 48, 48), [24, 1]),
                                              ((512, 48, 48), [256, 2]), ((64, 1, 1), [8, 8]), ((10, 13, 13), [3, 4])],
                         ids=["tinyvgg", "tall", "past-16383-px", "dense-units", "narrow"])
def test_maps_tile_into_one_webp_within_its_size_limit(shape, tiles):
    maps = RNG.normal(0, 1, shape).astype(np.float32)
    entry = encode_maps(maps)
    assert entry["tiles"] == tiles
    np.testing.assert_array_equal(decode_codes(entry), quantize(maps)[0])


def test_webp_data_is_the_same_bytes_every_time():
    assert to_json(encode_maps(MAPS["normal"])) == to_json(encode_maps(MAPS["normal"].copy()))
    assert encode_maps(MAPS["normal"])["data"].startswith("data:image/webp;base64,")


@pytest.mark.parametrize("padding", [[[0, 0], [0, 0]], [[0, 1], [1, 0]]], ids=["valid", "padded"])
def test_predicted_layers_decode_to_their_own_codes(padding):
    conv = RNG.normal(0, 1, (4, 9, 9)).astype(np.float32)
    relu = np.maximum(conv, 0)
    (top, bottom), (left, right) = padding
    big = np.full((4, 9 + top + bottom, 9 + left + right), -np.inf, np.float32)
    big[:, top:top + 9, left:left + 9] = relu
    h, w = (big.shape[1] - 2) // 2 + 1, (big.shape[2] - 2) // 2 + 1
    pooled = np.max([big[:, i:i + 2 * h - 1:2, j:j + 2 * w - 1:2] for i in (0, 1) for j in (0, 1)], axis=0)
    conv_entry = encode_maps(conv)
    conv_codes = quantize(conv)[0]
    relu_entry = encode_maps(relu, {"from": "conv", "op": "relu"}, conv_entry, conv_codes)
    pool_entry = encode_maps(pooled, {"from": "relu", "op": "max", "window": [2, 2], "strides": [2, 2],
                                      "padding": padding}, relu_entry, quantize(relu)[0])
    maps = json.loads(to_json({"conv": conv_entry, "relu": relu_entry, "pool": pool_entry}))
    decoded = decode_maps(maps)
    for name, values in (("conv", conv), ("relu", relu), ("pool", pooled)):
        codes, offset, scale = quantize(values)
        expected = offset[:, None, None] + codes.astype(np.float32) * scale[:, None, None]
        np.testing.assert_array_equal(decoded[name], expected)
    np.testing.assert_array_equal(decode_array(maps["relu"], maps["conv"]), decoded["relu"])
    with pytest.raises(ValueError, match="predicted from 'conv'"):
        decode_array(maps["relu"])


# Every hyperparameter a convolution's prediction handles: "same" padding, a stride of 2, dilation, an input
# normalisation (its last variant); each conv has fewer weights than outputs, so each is predicted.
STRIDED = Architecture(
    input_shape=(48, 48, 1),
    layers=(Conv2D("c1", 6, (5, 5), padding="same"), ReLU("r1"), Pool("p1"),               # (24, 24, 6)
            Conv2D("c2", 8, (3, 3), strides=(2, 2)), ReLU("r2"), Pool("p2", "avg", (2, 2), (1, 1)),  # (10, 10, 8)
            Conv2D("c3", 5, (3, 3), dilation=(2, 2), padding="same"), ReLU("r3"),          # (10, 10, 5)
            Flatten("flatten"), Dense("output", 3)),
)


@pytest.mark.parametrize("arch", [TINYVGG, STRIDED, replace(STRIDED, input_scale=(2.0,), input_offset=(-0.5,))],
                         ids=["tinyvgg", "strided", "normalised"])
def test_convolutions_are_predicted_from_the_layer_before_and_decode_to_their_own_codes(arch):
    """Against the JAX forward pass: every layer decodes to the quantised JAX maps, bit for bit, with the
    convolutions predicted (carrying the network's own weights) or not; predicting them makes them smaller."""
    params = {name: {key: np.asarray(value) for key, value in entry.items()}
              for name, entry in init_params(jax.random.PRNGKey(3), arch).items()}
    for entry in params.values():
        entry["bias"] = np.linspace(-0.2, 0.3, entry["bias"].size, dtype=np.float32)
    images = (RNG.integers(0, 256, (1, *arch.input_shape)) / 255).astype(np.float32)
    outputs = {name: np.asarray(value) for name, value in compiled_forward(arch)(params, images).items()}
    [sample] = precompute_samples(["s"], ["S"], images, outputs, arch)
    network = precompute_network(params, tuple("abcdefghij"[:arch.layers[-1].units]), arch)
    predicted_doc = json.loads(to_json(encode_sample(sample, network)))
    plain_doc = json.loads(to_json(encode_sample(sample, network, prediction_budget=0)))
    predicted, plain = predicted_doc["maps"], plain_doc["maps"]
    convs = [layer.name for layer in arch.layers if layer.kind == "conv"]
    for name in convs:
        step = predicted[name]["predict"]
        assert plain[name]["predict"] is None
        assert step["op"] == "conv" and list(predicted).index(step["from"]) == list(predicted).index(name) - 1
        np.testing.assert_array_equal(decode_array(step["weights"]["kernel"]), params[name]["kernel"])
        np.testing.assert_array_equal(np.float32(step["weights"]["bias"]), params[name]["bias"])
        assert ("normalize" in step) == (name == convs[0] and arch.input_scale is not None)
    assert sum(map(len, predicted_doc["images"])) < sum(map(len, plain_doc["images"]))
    for doc in (predicted_doc, plain_doc):
        decoded = decode_maps(doc["maps"], doc["images"])
        for name, values in sample.maps.items():
            codes, offset, scale = quantize(values)
            expected = offset[:, None, None] + codes.astype(np.float32) * scale[:, None, None]
            np.testing.assert_array_equal(decoded[name], expected, err_msg=name)


def test_float32_arrays_are_exact():
    kernel = RNG.normal(0, 1, (3, 3, 10, 10)).astype(np.float32)
    np.testing.assert_array_equal(decode_array(encode_float32(kernel)), kernel)


def _sample() -> SampleData:
    maps = {layer.name: RNG.normal(0, 1, (layer.output_shape[2], *layer.output_shape[:2])).astype(np.float32)
            for layer in MAP_LAYERS}
    logits = RNG.normal(0, 1, 10).astype(np.float32)
    probabilities = (np.exp(logits) / np.exp(logits).sum()).astype(np.float32)
    return SampleData(id="s", title="a sample", input=RNG.integers(0, 256, (3, 64, 64), dtype=np.uint8),
                      maps=maps, logits=logits, probabilities=probabilities, ranges=color_ranges(maps))


def test_sample_document_holds_every_layer_and_the_documented_keys():
    sample = _sample()
    doc = json.loads(to_json(encode_sample(sample)))
    assert list(doc) == ["schema", "version", "id", "title", "top1", "logits", "probabilities", "ranges", "maps",
                         "images", "exactFiles"]
    assert (doc["schema"], doc["version"]) == ("cnn-explainer/sample", 4)
    # without the network nothing is predicted: every layer has an image of its own, in layer order
    assert [(e["image"], e["origin"]) for e in doc["maps"].values()] == [(k, [0, 0]) for k in range(len(doc["maps"]))]
    assert len(doc["images"]) == len(doc["maps"])
    assert doc["exactFiles"] == [layer.name for layer in MAP_LAYERS]  # without the network, every layer has one
    assert list(doc["maps"]) == ["input", *[layer.name for layer in MAP_LAYERS]]
    assert doc["top1"] == int(np.argmax(sample.probabilities))
    np.testing.assert_array_equal(np.float32(doc["logits"]), sample.logits)
    for name, array in sample.maps.items():
        step = (array.max(axis=(1, 2)) - array.min(axis=(1, 2))) / 255
        assert np.all(np.abs(decode_array(doc["maps"][name], images=doc["images"]) - array).max(axis=(1, 2))
                      <= step * 0.51)
    assert doc["ranges"]["global"]["conv_1_1"] == pytest.approx(sample.ranges["global"]["conv_1_1"])


def test_network_document_round_trips_the_weights(reference_model):
    doc = json.loads(to_json(encode_network(precompute_network(reference_model.params,
                                                               reference_model.class_names))))
    assert (doc["schema"], doc["version"]) == ("cnn-explainer/network", 4)
    assert doc["classes"] == list(reference_model.class_names)
    assert [layer["name"] for layer in doc["layers"]][-1] == "output"
    for name, entry in doc["weights"].items():
        np.testing.assert_array_equal(decode_array(entry["kernel"]), reference_model.params[name]["kernel"])
        np.testing.assert_array_equal(np.float32(entry["bias"]), reference_model.params[name]["bias"])


def test_relu_and_max_pool_layers_are_predicted_and_derived_from_the_layer_before(reference_model):
    network = precompute_network(reference_model.params, reference_model.class_names)
    sample = _sample()
    for name, before in (("relu_1_1", "conv_1_1"), ("relu_1_2", "conv_1_2"), ("relu_2_1", "conv_2_1"),
                         ("relu_2_2", "conv_2_2")):
        sample.maps[name] = np.maximum(sample.maps[before], 0)
    for name, before in (("max_pool_1", "relu_1_2"), ("max_pool_2", "relu_2_2")):
        x = sample.maps[before]
        sample.maps[name] = x.reshape(x.shape[0], x.shape[1] // 2, 2, x.shape[2] // 2, 2).max(axis=(2, 4))
    sample.maps["relu_2_1"][0, 0, 0] += 1  # no longer max(0, conv_2_1): the page could not derive it
    doc = json.loads(to_json(encode_sample(sample, network)))
    assert doc["exactFiles"] == ["conv_1_1", "conv_1_2", "conv_2_1", "relu_2_1", "conv_2_2"]
    assert doc["maps"]["max_pool_2"]["predict"] == {"from": "relu_2_2", "op": "max", "window": [2, 2],
                                                    "strides": [2, 2], "padding": [[0, 0], [0, 0]]}
    # the layers stored as differences share one image, one below the other; the input has its own
    shared = [name for name, entry in doc["maps"].items() if entry["predict"] is not None]
    assert shared == [layer.name for layer in MAP_LAYERS] and len(doc["images"]) == 2
    tops = np.cumsum([0] + [doc["maps"][name]["tiles"][0] * doc["maps"][name]["shape"][1] for name in shared])
    assert [(doc["maps"][n]["image"], doc["maps"][n]["origin"]) for n in shared] == [(1, [0, y]) for y in tops[:-1]]
    decoded = decode_maps(doc["maps"], doc["images"])
    for name, array in sample.maps.items():
        codes, offset, scale = quantize(array)
        expected = offset[:, None, None] + codes.astype(np.float32) * scale[:, None, None]
        np.testing.assert_array_equal(decoded[name], expected)
    files = json.loads(to_json(encode_exact(sample, doc["exactFiles"])))
    assert list(files) == [f"exact/s/{name}" for name in doc["exactFiles"]]
    for name in doc["exactFiles"]:
        entry = files[f"exact/s/{name}"]
        assert (entry["schema"], entry["version"], entry["layer"]) == ("cnn-explainer/exact", 4, name)
        np.testing.assert_array_equal(decode_array(entry["values"]), sample.maps[name])


def test_differences_past_webps_size_limit_go_on_in_another_image(reference_model, monkeypatch):
    """WebP stops at WEBP_MAX_SIDE px: made 1300 here, TinyVGG's ten stacked differences (3859 px) take four images
    after the input's, each layer whole in one of them and each image filled until the next layer would not fit,
    and every layer still decodes to its own codes."""
    monkeypatch.setattr(encode, "WEBP_MAX_SIDE", 1300)
    network = precompute_network(reference_model.params, reference_model.class_names)
    sample = _sample()
    doc = json.loads(to_json(encode_sample(sample, network)))
    sizes = [Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).size for url in doc["images"]]
    assert len(sizes) == 5 and all(height <= 1300 for _, height in sizes), sizes
    placed = [(entry["image"], entry["origin"][1], entry["tiles"][0] * entry["shape"][1])
              for entry in doc["maps"].values()]
    for k, (_, height) in enumerate(sizes):  # each image holds its layers one below the other, filled
        rows = [(top, tall) for image, top, tall in placed if image == k]
        assert [top for top, _ in rows] == list(np.cumsum([0] + [tall for _, tall in rows])[:-1])
        assert sum(tall for _, tall in rows) == height
        if k > 1:  # the layer that opened this image did not fit in the one before
            assert sizes[k - 1][1] + rows[0][1] > 1300
    decoded = decode_maps(doc["maps"], doc["images"])
    for name, array in sample.maps.items():
        codes, offset, scale = quantize(array)
        expected = offset[:, None, None] + codes.astype(np.float32) * scale[:, None, None]
        np.testing.assert_array_equal(decoded[name], expected, err_msg=name)


def test_json_is_deterministic_ascii_and_refuses_nan():
    doc = encode_sample(_sample())
    assert to_json(doc) == to_json(json.loads(to_json(doc)))
    assert to_json({"title": "café ☕"}).isascii()
    with pytest.raises(ValueError):
        to_json({"x": float("nan")})


def test_script_twin_stores_the_same_document():
    doc = {"schema": "x", "title": "</script> \u2028"}
    script = to_script("samples/a", doc)
    prefix = f'(window.{SCRIPT_GLOBAL} = window.{SCRIPT_GLOBAL} || {{}})["samples/a"] = '
    assert script.startswith(prefix) and script.endswith(";\n")
    assert json.loads(script[len(prefix):-2]) == doc
    assert "\u2028" not in script


# --- properties: every round trip through JSON text stays within what docs/data-format.md promises --------

_FLOAT32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
_ACTIVATION = st.floats(-1e6, 1e6, width=32)
_MAP_SHAPES = st.tuples(st.integers(1, 4), st.integers(1, 8), st.integers(1, 8))


@given(hnp.arrays(np.float32, _MAP_SHAPES, elements=_ACTIVATION))
def test_u8_webp_round_trip_property(maps):
    entry = json.loads(to_json(encode_maps(maps)))
    decoded = decode_array(entry)
    span = maps.max(axis=(1, 2)).astype(np.float64) - maps.min(axis=(1, 2))
    # half a step, plus float32 rounding: relative, and absolute for ranges in float32's subnormals
    bound = span / 510 * (1 + 1e-5) + np.abs(maps).max(axis=(1, 2)) * 2.5e-7 + 256 * 2.0**-149
    assert decoded.shape == maps.shape and decoded.dtype == np.float32
    assert np.all(np.abs(decoded.astype(np.float64) - maps).max(axis=(1, 2)) <= bound)
    np.testing.assert_array_equal(np.float32(entry["min"]), maps.min(axis=(1, 2)))
    np.testing.assert_array_equal(np.float32(entry["max"]), maps.max(axis=(1, 2)))


@given(hnp.arrays(np.float32, hnp.array_shapes(max_dims=4, max_side=5),
                  elements=st.floats(width=32, allow_nan=True, allow_infinity=True)))
def test_f32_arrays_round_trip_bit_for_bit(array):
    decoded = decode_array(json.loads(to_json(encode_float32(array))))
    assert decoded.shape == array.shape and decoded.tobytes() == array.astype("<f4").tobytes()


@given(_FLOAT32)
def test_f32_scalars_read_back_as_the_same_float32(x):
    text = to_json({"x": f32(x)})
    assert np.float32(json.loads(text)["x"]) == np.float32(x)
    assert len(str(f32(x))) <= len(str(float(np.float32(x))))


@given(hnp.arrays(np.uint8, st.tuples(st.just(3), st.integers(1, 16), st.integers(1, 16))))
def test_input_round_trip_is_byte_over_255(pixels):
    entry = json.loads(to_json(encode_input(pixels)))
    assert np.array_equal(decode_codes(entry), pixels)
    np.testing.assert_allclose(decode_array(entry), pixels / 255.0, rtol=0, atol=1.2e-7)


@given(st.text())
def test_any_text_round_trips_through_the_json_and_its_script_twin(text):
    doc = {"title": text, "classes": [text, text[::-1]]}
    script = to_script("samples/x", doc)
    assert to_json(doc).isascii() and script.isascii()
    assert json.loads(to_json(doc)) == doc
    assert json.loads(script[script.index("] = ") + 4:-2]) == doc


def test_network_file_carries_each_layers_hyperparameters_with_padding_in_pixels():
    """"same" resolved by TensorFlow's rule (output ceil(n / stride), the odd pixel after), worked out by hand."""
    import jax
    from cnn_explainer.model import init_params
    from test_network import THREE_BLOCKS

    params = {k: {n: np.asarray(v) for n, v in d.items()}
              for k, d in init_params(jax.random.PRNGKey(0), THREE_BLOCKS).items()}
    doc = encode_network(precompute_network(params, tuple("abcdefg"), THREE_BLOCKS))
    assert doc["input"] == {"shape": [36, 36, 1], "scale": None, "offset": None} and doc["flattenOrder"] == "hwc"
    layers = {layer["name"]: layer for layer in doc["layers"]}
    assert layers["c1"] == {"name": "c1", "kind": "conv", "shape": [36, 36, 8], "kernel": [5, 5], "strides": [1, 1],
                            "padding": [[2, 2], [2, 2]], "dilation": [1, 1]}
    assert layers["c2"]["padding"] == [[0, 0], [0, 0]] and layers["c2"]["strides"] == [2, 2]
    assert layers["c3"]["padding"] == [[2, 2], [2, 2]] and layers["c3"]["dilation"] == [2, 2]  # a 5-pixel reach on 7
    assert layers["p2"] == {"name": "p2", "kind": "pool", "shape": [7, 7, 12], "op": "avg", "window": [2, 2],
                            "strides": [1, 1], "padding": [[0, 0], [0, 0]], "countPad": False}
    assert layers["p3"]["padding"] == [[1, 1], [1, 1]] and layers["p3"]["shape"] == [4, 4, 6]  # 3x3 stride 2 on 7
    assert layers["flatten"] == {"name": "flatten", "kind": "flatten", "shape": [96]}
