"""Sites built around networks that are not TinyVGG, in Chromium, checked against the networks' producers.

The zoo: the PyTorch tutorial's TinyVGG exported to ONNX (28x28 greyscale, padding 1, (C, H, W) flatten),
a Keras model (40x48 colour, "same" padding, 16 filters, a stride-2 3x5 convolution, average pooling, a
hidden Dense layer, 5 classes) and a three-block greyscale TF.js model (5x5 and dilated kernels, a stride-2
convolution, overlapping average pooling, 3x3 "same" max pooling, 7 classes). Expectations come from
outside our code: onnxruntime, Keras' own predict, and tests/numpy_network.py (a naive float64 forward
pass written from the layer definitions) for every layer; numpy on the site's data files for the numbers
the detail views show (to the digits shown).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import jax
import numpy as np
import pytest
from cnn_explainer.build import BuildOptions, build_site
from cnn_explainer.config import load_config
from cnn_explainer.encode import decode_array, quantize
from cnn_explainer.images import load_image
from cnn_explainer.model import compiled_forward, init_params
from cnn_explainer.network.description import Network
from cnn_explainer.network.normalization import normalized
from cnn_explainer.network.tfjs import save_tfjs
from cnn_explainer.weights import load_model
from numpy_network import conv2d, pool
from numpy_network import forward as numpy_forward
from test_encode import STRIDED
from test_network import THREE_BLOCKS
from zoo_keras import keras_zoo_model

from .conftest import CONTENT, exact_values
from .test_detail import HALF, check_edge_colours, edges, read, wait_view
from .test_upload import _photo

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ZOO = ("pytorch", "keras", "tfjs")
TOLERANCE = 1e-4  # the producers' probabilities, as the data files and the upload give them
SAMPLE = load_config(CONTENT).default_sample
PATHS = {s.id: s.path for s in load_config(CONTENT).samples}
SAMPLE_PATH = PATHS[SAMPLE]
OTHER = next(name for name in PATHS if name != SAMPLE)  # its file predicts the convolutions; the default's does not

DECODED = """async (id) => {
  const s = await CNNX.loadSample(id);
  const maps = Object.fromEntries(Object.entries(s.maps).map(([name, m]) => {
    const size = m.height * m.width;
    return [name, { shape: [m.count, m.height, m.width], scale: m.scale,
      values: Array.from(m.codes, (q, i) => m.offset[Math.floor(i / size)] + q * m.scale[Math.floor(i / size)]) }];
  }));
  return { maps, probabilities: s.probabilities, codes: Array.from(s.maps.input.codes) };
}"""


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@dataclass
class Zoo:
    folder: Path
    network: Network  # as the site names it
    producer: object  # (B, H, W, C) float32 in [0, 1] -> (B, classes) probabilities, from the producer itself


def _keras_model(path: Path) -> object:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    model = keras_zoo_model(keras)
    model.save(path)
    return lambda images: model.predict(images, verbose=0)


@pytest.fixture(scope="module")
def zoo(tmp_path_factory) -> dict[str, Zoo]:
    root = tmp_path_factory.mktemp("zoo")
    ort = pytest.importorskip("onnxruntime")
    onnx_file = FIXTURES / "tinyvgg_torchscript.onnx"
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    feed = session.get_inputs()[0].name
    producers = {"pytorch": lambda images: _softmax(np.concatenate(
        [session.run(None, {feed: np.transpose(image[None], (0, 3, 1, 2))})[0] for image in images]))}
    weights = {"pytorch": onnx_file, "keras": root / "model.keras", "tfjs": root / "tfjs"}
    producers["keras"] = _keras_model(weights["keras"])
    params = {k: {n: np.asarray(v) for n, v in d.items()}
              for k, d in init_params(jax.random.PRNGKey(5), THREE_BLOCKS).items()}
    params["c2"]["bias"] = np.linspace(-0.3, 0.3, 12, dtype=np.float32)  # some ReLUs open, some closed
    save_tfjs(Network(params, tuple(f"digit {i}" for i in range(7)), architecture=THREE_BLOCKS), weights["tfjs"])
    sites = {}
    for name in ZOO:
        network = load_model(weights[name])
        if name == "tfjs":
            producers[name] = lambda images, network=network: np.stack(
                [numpy_forward(network.architecture, network.params, image)["output"] for image in images])
        build_site(BuildOptions(content=CONTENT, weights=weights[name], out=root / f"site-{name}"))
        sites[name] = Zoo(root / f"site-{name}", network, producers[name])
    return sites


def _open(browser, folder: Path, hash_: str = "", width: int = 1280, height: int = 800):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((folder / "index.html").as_uri() + hash_)
    page.wait_for_selector("[data-role=overview][data-drawn]", state="attached", timeout=15_000)
    return context, page, errors


def _reference(zoo: Zoo, path: Path = SAMPLE_PATH) -> dict[str, np.ndarray]:
    """numpy_network on a sample's image, every layer as (C, H, W) maps (1-D layers as (units, 1, 1))."""
    image = load_image(path, zoo.network.input_shape)
    out = numpy_forward(zoo.network.architecture, zoo.network.params, image)
    return {k: (np.transpose(v, (2, 0, 1)) if v.ndim == 3 else v.reshape(-1, 1, 1)) for k, v in out.items()}


@pytest.mark.parametrize("name", ZOO)
def test_every_column_shows_the_networks_own_values(browser, zoo, name):
    site = zoo[name]
    context, page, errors = _open(browser, site.folder)
    arch = site.network.architecture
    reference = _reference(site)
    columns = page.eval_on_selector_all("[data-label]", "els => els.map(e => e.dataset.label)")
    expected = ["input", *[layer.name for layer in arch.layers if layer.kind != "flatten"]]
    assert columns == expected
    for column in columns:
        count = page.locator(f'.neuron[data-layer="{column}"]').count()
        want = arch.input_shape[-1] if column == "input" else reference[column].shape[0]
        assert count == want, column
    decoded = {}
    for sample, want in ((SAMPLE, reference), (OTHER, _reference(site, PATHS[OTHER]))):
        got = decoded[sample] = page.evaluate(DECODED, sample)
        image = load_image(PATHS[sample], arch.input_shape)
        assert got["codes"] == np.rint(np.transpose(image, (2, 0, 1)) * 255).astype(int).ravel().tolist()
        for column in columns[1:-1]:
            entry = got["maps"][column]
            values = np.asarray(entry["values"]).reshape(entry["shape"])
            assert values.shape == want[column].shape, column
            step = np.asarray(entry["scale"]).reshape(-1, 1, 1)
            error = np.abs(values - want[column])
            assert np.all(error <= step / 2 + 1e-5), f"{sample} {column}: off by {error.max():.2e}"
    producer = site.producer(load_image(SAMPLE_PATH, arch.input_shape)[None])[0]
    assert np.abs(np.asarray(decoded[SAMPLE]["probabilities"]) - producer).max() <= TOLERANCE
    assert page.text_content("[data-role=prediction]") == site.network.class_names[int(np.argmax(producer))]
    # At 1280x800 these networks fit without scrolling, and no two labels or neurons overlap.
    assert not page.evaluate("document.querySelector('[data-role=overview]').classList.contains('scrolls')")
    labels = page.eval_on_selector_all("[data-label] .long", "els => els.map(e => e.getBoundingClientRect().toJSON())")
    for left, right in pairwise(labels):
        assert left["right"] <= right["left"], (left, right)
    boxes = page.eval_on_selector_all(".neuron",
                                      "els => els.map(e => [e.dataset.layer, e.getBoundingClientRect().toJSON()])")
    for column in columns:
        mine = sorted((box for layer, box in boxes if layer == column), key=lambda b: b["top"])
        assert all(a["bottom"] <= b["top"] for a, b in pairwise(mine)), column
    # Hovering a neuron lights one edge from each neuron that feeds it: every neuron of the previous column
    # for a convolution or a Dense layer, the same neuron for the others.
    for column, previous in zip(columns[1:], columns):
        page.hover(f'.neuron[data-layer="{column}"][data-neuron="0"]', force=True)
        kind = next(layer.kind for layer in arch.layers if layer.name == column) if column != "output" else "dense"
        feeding = page.locator(f'.neuron[data-layer="{previous}"]').count() if kind in ("conv", "dense") else 1
        assert page.locator(".edge.active").count() == feeding, column
        assert page.locator(f'.neuron.source[data-layer="{previous}"]').count() == feeding, column
    context.close()
    assert errors == []


@pytest.mark.parametrize("name", ZOO)
def test_an_upload_runs_the_same_network_as_its_producer(browser, zoo, name, tmp_path):
    site = zoo[name]
    _photo(tmp_path)  # 150 x 97: cropping to the network's aspect and resizing both matter
    path = tmp_path / "photo.png"
    context, page, errors = _open(browser, site.folder)
    page.set_input_files("input[type=file][data-role=upload]", str(path))
    page.wait_for_selector('[data-role=overview][data-drawn^="own-1|"]', state="attached", timeout=15_000)
    got = page.evaluate(DECODED, "own-1")
    image = load_image(path, site.network.input_shape)
    assert got["codes"] == np.rint(np.transpose(image, (2, 0, 1)) * 255).astype(int).ravel().tolist()
    producer = site.producer(image[None])[0]
    error = np.abs(np.asarray(got["probabilities"]) - producer).max()
    assert error <= TOLERANCE, f"the page's probabilities differ from the producer's by {error:.2e}"
    context.close()
    assert errors == []


def _stored(site: Zoo) -> tuple[dict, dict[str, np.ndarray]]:
    """The network document and the sample's exact values, as the detail views print them."""
    network = json.loads((site.folder / "data" / "network.json").read_text())
    return network, exact_values(site.folder, SAMPLE)[1]


def _views(site: Zoo) -> list[tuple[str, int, int, int]]:
    """(layer, neuron, row, col) for every layer the views explain: the last neuron, at the far corner."""
    views = []
    for layer, shape in zip(site.network.layers, [s.shape for s in _layer_shapes(site)]):
        if layer.kind == "flatten":
            continue
        if len(shape) == 3:
            views.append((layer.name, shape[-1] - 1, 0, shape[1] - 1))  # the top right: "same" padding shows
        else:
            views.append((layer.name, shape[0] - 1, 0, 0))
    return views


def _layer_shapes(site: Zoo) -> list[np.ndarray]:
    image = load_image(SAMPLE_PATH, site.network.input_shape)
    out = numpy_forward(site.network.architecture, site.network.params, image)
    return [out[layer.name] for layer in site.network.layers]


@pytest.mark.parametrize("name", ZOO)
def test_every_detail_view_shows_the_arithmetic_of_the_stored_values(browser, zoo, name):
    site = zoo[name]
    arch = site.network.architecture
    network, maps = _stored(site)
    hwc = {k: np.transpose(v, (1, 2, 0)) for k, v in maps.items()}  # (H, W, C) for numpy_network
    weights = {n: (decode_array(w["kernel"]).astype(np.float64), np.asarray(w["bias"], np.float64))
               for n, w in network["weights"].items()}
    names = ["input", *[layer.name for layer in arch.layers]]
    context, page, errors = _open(browser, site.folder)
    for layer_name, neuron, row, col in _views(site):
        layer = next(layer for layer in arch.layers if layer.name == layer_name)
        previous = names[names.index(layer_name) - 1]
        kind = {"conv": "conv", "relu": "relu", "pool": "pool"}.get(layer.kind, "flatten")
        page.goto((site.folder / "index.html").as_uri() +
                  f"#sample={SAMPLE}&layer={layer_name}&neuron={neuron}&row={row}&col={col}")
        page.reload()
        wait_view(page, kind, row, col)
        result = read(page, "result")[0]
        if layer.kind == "conv":
            kernel, bias = weights[layer_name]
            expected = conv2d(hwc[previous], kernel, bias, layer.strides, layer.padding, layer.dilation)
            assert abs(result - expected[row, col, neuron]) <= HALF, layer_name
            patch = read(page, "patch")
            assert patch.size == layer.kernel_size[0] * layer.kernel_size[1], layer_name
            # the in-graph view's intermediate maps: each input channel alone through its kernel, no bias
            shown = page.eval_on_selector_all("[data-role=inplace] [data-map=intermediate]",
                                              "els => els.map((el) => Array.from(el.values))")
            assert len(shown) == hwc[previous].shape[2], layer_name
            for c, values in enumerate(shown):
                want = conv2d(hwc[previous][:, :, c:c + 1], kernel[:, :, c:c + 1, neuron:neuron + 1], 0.0,
                              layer.strides, layer.padding, layer.dilation)[:, :, 0]
                np.testing.assert_allclose(np.reshape(values, want.shape), want, atol=1e-5, err_msg=layer_name)
        elif layer.kind == "relu":
            source = maps[previous][neuron].reshape(-1) if maps[previous].shape[1:] == (1, 1) else None
            value = source[0] if source is not None else maps[previous][neuron, row, col]
            assert abs(result - max(0.0, value)) <= HALF, layer_name
        elif layer.kind == "pool":
            expected = pool(hwc[previous], layer.op, layer.pool_size, layer.strides, layer.padding)
            assert abs(result - expected[row, col, neuron]) <= HALF, layer_name
            title = page.text_content("[data-role=detail-title]")
            assert title == ("Average pooling" if layer.op == "avg" else "Max pooling")
        else:
            _check_dense(page, site, layer_name, neuron, names, maps, weights, result)
    if arch.layers[-1].name == "output":  # the softmax of every class, to the four decimals shown
        last = len(site.network.class_names) - 1  # the last step: every class revealed
        page.goto((site.folder / "index.html").as_uri() +
                  f"#sample={SAMPLE}&layer=output&neuron=0&view=softmax&row=1&col={last}")
        page.reload()
        wait_view(page, "softmax", 1, last)
        shown = read(page, "probability")
        producer = site.producer(load_image(SAMPLE_PATH, arch.input_shape)[None])[0]
        assert shown.size == len(site.network.class_names)
        assert np.abs(shown - producer).max() <= 0.00005 + TOLERANCE
    context.close()
    assert errors == []


def _check_dense(page, site, layer_name, neuron, names, maps, weights, result) -> None:
    """A Dense unit's view: the value under the window comes from the pixel the producer's flatten order says,
    its weight is that row of the kernel, and the sum over the whole vector + bias is the result."""
    arch = site.network.architecture
    at = names.index(layer_name)
    from_flatten = names[at - 1] == "flatten"
    source = maps[names[at - 2] if from_flatten else names[at - 1]]  # (C, H, W)
    count, height, width = source.shape
    order = arch.flatten_order if from_flatten else "hwc"
    vector = (np.transpose(source, (1, 2, 0)) if order == "hwc" else source).reshape(-1)
    kernel, bias = weights[layer_name]
    assert abs(result - (vector @ kernel[:, neuron] + bias[neuron])) <= HALF, layer_name
    # one edge from each value of the vector, in the producer's order, coloured by its weight into the unit
    check_edge_colours(edges(page), kernel[:, neuron])
    # Move the window to a value inside the vector and check where the view says it came from.
    k = min(len(vector) - 1, 2 * count + 1)
    line = height * width if order == "chw" else width * count
    page.evaluate("([r, c]) => { location.hash = location.hash.replace(/row=\\d+&col=\\d+/, `row=${r}&col=${c}`); }",
                  [k // line, k % line])
    wait_view(page, "flatten", k // line, k % line)
    caption = page.text_content("[data-role=detail] .formula-caption")
    found = re.search(r"Value (\d+) of the vector: (\w+), channel (\d+), row (\d+), column (\d+)", caption)
    assert found, caption
    shown_k, channel, row, col = int(found[1]), int(found[3]), int(found[4]), int(found[5])
    if order == "chw":  # PyTorch: k = (channel * H + row) * W + col
        want = (k // (height * width), (k % (height * width)) // width, k % width)
    else:  # Keras: k = (row * W + col) * C + channel
        want = (k % count, (k // count) // width, (k // count) % width)
    assert (shown_k, channel, row, col) == (k, *want), caption
    assert abs(read(page, "patch")[0] - source[channel, row, col]) <= HALF
    assert abs(read(page, "kernel")[0] - kernel[k, neuron]) <= HALF


def test_strided_dilated_and_normalised_convolutions_decode_in_the_page_bit_for_bit(browser, tmp_path):
    """A gallery sample's file stores each convolution as its difference from the page's own convolution of the
    layer before (with a stride, a dilation, "same" padding and the input normalisation here): the page must
    get the quantised JAX maps back bit for bit, as the build's one batch computed them."""
    params = {k: {n: np.asarray(v) for n, v in d.items()}
              for k, d in init_params(jax.random.PRNGKey(7), STRIDED).items()}
    for entry in params.values():
        entry["bias"] = np.linspace(-0.2, 0.3, entry["bias"].size, dtype=np.float32)
    save_tfjs(Network(params, ("one", "two", "three"), architecture=STRIDED), tmp_path / "tfjs")
    normalization = ((0.4,), (0.25,))
    build_site(BuildOptions(content=CONTENT, weights=tmp_path / "tfjs", out=tmp_path / "site", normalize=normalization))
    network = normalized(load_model(tmp_path / "tfjs"), normalization, "--normalize")  # as the build read it
    doc = json.loads((tmp_path / "site" / "data" / "samples" / f"{OTHER}.json").read_text())
    convs = [layer.name for layer in network.architecture.layers if layer.kind == "conv"]
    assert [name for name, entry in doc["maps"].items() if (entry["predict"] or {}).get("op") == "conv"] == convs
    assert len(convs) == 3 and "normalize" in doc["maps"][convs[0]]["predict"]
    images = np.stack([load_image(path, network.architecture.input_shape) for path in PATHS.values()])
    outputs = compiled_forward(network.architecture)(network.params, images)
    index = list(PATHS).index(OTHER)
    context, page, errors = _open(browser, tmp_path / "site")
    got = page.evaluate("""(id) => CNNX.loadSample(id).then((s) =>
      Object.fromEntries(Object.entries(s.maps).map(([name, m]) => [name, Array.from(m.codes)])))""", OTHER)
    context.close()
    for layer in network.architecture.layers[:-2]:  # every map layer: not the flatten, not the output
        want = quantize(np.transpose(np.asarray(outputs[layer.name][index]), (2, 0, 1)))[0]
        np.testing.assert_array_equal(np.asarray(got[layer.name], np.uint8).reshape(want.shape), want,
                                      err_msg=layer.name)
    assert errors == []
