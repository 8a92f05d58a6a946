"""The maps' image codec is lossless in a real browser, and the detail views print the network's own numbers.

Expectations come from the JAX forward pass run here, on the gallery as the build runs it (one batch, same
order): the page's decoded 8-bit codes must equal the quantised JAX maps bit for bit (over http and from
file://), and every value a view prints that the network computed must be that JAX value to the digits shown.
On the original model's site, the two cases that the 8-bit maps got wrong (issue 14) now read right.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from cnn_explainer.config import load_config
from cnn_explainer.encode import quantize
from cnn_explainer.images import load_image
from cnn_explainer.model import compiled_forward
from cnn_explainer.precompute import map_layers
from cnn_explainer.weights import load_model

from .conftest import CONTENT, REFERENCE_MODEL, original_model_site
from .test_detail import HALF, wait_view
from .test_upload import _photo, _wait_own

pytestmark = pytest.mark.e2e

SAMPLES = load_config(CONTENT).samples
TEXTS = """(role) => [...document.querySelectorAll(`[data-role=detail] [data-role="${role}"]`)].flatMap((el) => {
  const cells = el.querySelectorAll(".cell");
  return cells.length ? [...cells].map((c) => c.textContent) : [el.textContent];
})"""
CODES = """(id) => CNNX.loadSample(id).then((s) =>
  Object.fromEntries(Object.entries(s.maps).map(([name, m]) => [name, Array.from(m.codes)])))"""


def shown(value: float, digits: int = 3) -> str:
    """The text JavaScript's toFixed gives for this float (halves away from zero, on its exact value), no "-0"."""
    text = str(Decimal(float(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))
    return f"{0:.{digits}f}" if float(text) == 0 else text


def jax_maps(weights: Path, paths: list[Path], index: int) -> dict[str, np.ndarray]:
    """Image `index` of the batch `paths` through the JAX network: every layer, maps as (C, H, W)."""
    model = load_model(weights)
    images = np.stack([load_image(path, model.architecture.input_shape) for path in paths])
    out = compiled_forward(model.architecture)(model.params, images)
    return {name: np.transpose(np.asarray(v[index]), (2, 0, 1)) if np.ndim(v) == 4 else np.asarray(v[index])
            for name, v in out.items()}


@cache
def gallery_maps(weights: Path, sample: str) -> dict[str, np.ndarray]:
    return jax_maps(weights, [s.path for s in SAMPLES], [s.id for s in SAMPLES].index(sample))


def texts(page, role: str) -> list[str]:
    return page.evaluate(TEXTS, role)


def assert_codes_are_the_networks(got: dict[str, list[int]], weights: Path, sample: str) -> None:
    """`got` (CODES's result for `sample`): the input's bytes, and every map layer's the 8-bit codes of the JAX
    network's own values, bit for bit."""
    maps = gallery_maps(weights, sample)
    pixels = np.rint(load_image(next(s.path for s in SAMPLES if s.id == sample)) * 255).astype(np.uint8)
    got = dict(got)
    assert np.array_equal(np.asarray(got.pop("input"), np.uint8).reshape(3, 64, 64), np.transpose(pixels, (2, 0, 1)))
    assert got, "no map layers"
    for name, codes in got.items():
        want = quantize(maps[name] if maps[name].ndim == 3 else maps[name].reshape(-1, 1, 1))[0]
        np.testing.assert_array_equal(np.asarray(codes, np.uint8).reshape(want.shape), want, err_msg=f"{sample} {name}")


def layer_before(weights: Path, layer: str) -> str:
    """The layer whose values feed `layer`'s (its detail view's windows), in the network's own order."""
    names = ["input", *[m.name for m in map_layers(load_model(weights).architecture)]]
    return names[names.index(layer) - 1]


@pytest.mark.parametrize("sample", ["koala", "school_bus", load_config(CONTENT).default_sample])
def test_maps_decode_to_the_8_bit_codes_bit_for_bit(open_page, site, sample):
    page = open_page(f"#sample={sample}").page
    assert_codes_are_the_networks(page.evaluate(CODES, sample), site.weights, sample)


CASES = [("koala", "conv_1_2", 4, 30, 7), ("pizza", "conv_2_1", 9, 5, 13), ("espresso", "relu_1_1", 3, 40, 2),
         ("orange", "max_pool_2", 7, 12, 12), ("lifeboat", "max_pool_1", 9, 29, 0)]


def _pick_channel(page, channel: int) -> None:
    """Step the open conv view to input channel `channel` with its "next channel" button (the window stays put)."""
    for _ in range(64):
        if page.get_attribute(".channel-card[aria-pressed=true]", "data-channel") == str(channel):
            return
        page.click("[data-role=detail-next-channel]")
    raise AssertionError(f"channel {channel} never became the chosen one")


@pytest.mark.parametrize(("sample", "layer", "neuron", "row", "col"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_views_print_the_networks_values(open_page, site, sample, layer, neuron, row, col):
    kind = {"conv": "conv", "relu": "relu", "max": "pool"}[layer.split("_")[0]]
    page = open_page(f"#sample={sample}&layer={layer}&neuron={neuron}&row={row}&col={col}").page
    wait_view(page, kind, row, col)
    maps = gallery_maps(site.weights, sample)
    before = maps[layer_before(site.weights, layer)]
    assert texts(page, "result") == [shown(maps[layer][neuron, row, col])]
    if kind == "conv":
        channels = before.shape[0]
        for c in (0, channels - 1):
            _pick_channel(page, c)
            assert texts(page, "patch") == [shown(v) for v in before[c, row:row + 3, col:col + 3].ravel()]
        kernel = np.asarray(load_model(site.weights).params[layer]["kernel"], np.float64)[:, :, :, neuron]
        window = before[:, row:row + 3, col:col + 3].astype(np.float64)
        sums = np.einsum("chw,hwc->c", window, kernel)  # each channel's intermediate, from the network's inputs
        np.testing.assert_allclose([float(t) for t in texts(page, "channel-sum")], sums, atol=HALF + 1e-6)
    else:
        size = 2 if kind == "pool" else 1
        window = before[neuron, size * row:size * row + size, size * col:size * col + size].ravel()
        assert texts(page, "patch") == [shown(v) for v in window]


def test_flatten_view_prints_the_networks_values(open_page, site):
    sample, cls, row, col = "sports_car", 3, 12, 129
    page = open_page(f"#sample={sample}&layer=output&neuron={cls}&row={row}&col={col}").page
    wait_view(page, "flatten", row, col)
    maps = gallery_maps(site.weights, sample)
    flat = np.transpose(maps["max_pool_2"], (1, 2, 0)).ravel()  # Keras flattens (row, column, channel)
    assert texts(page, "patch") == [shown(flat[row * 130 + col])]
    kernel = np.asarray(load_model(site.weights).params["output"]["kernel"], np.float64)
    bias = np.asarray(load_model(site.weights).params["output"]["bias"], np.float64)
    assert abs(float(texts(page, "result")[0]) - (flat @ kernel[:, cls] + bias[cls])) <= HALF + 1e-5
    assert shown(maps["logits"][cls]) in page.text_content("[data-role=detail] .note")


def test_views_of_an_uploaded_image_print_its_forward_pass(open_page, site, tmp_path):
    """An image the reader adds carries its own exact values (network.js), which its views print."""
    _photo(tmp_path)
    page = open_page().page
    page.set_input_files("input[type=file][data-role=upload]", str(tmp_path / "photo.png"))
    _wait_own(page)
    page.evaluate("location.hash = '#sample=own-1&layer=conv_1_2&neuron=6&row=20&col=33'")
    wait_view(page, "conv", 20, 33)
    model = load_model(site.weights)
    out = compiled_forward(model.architecture)(model.params, load_image(tmp_path / "photo.png")[None])
    relu, conv = (np.transpose(np.asarray(out[name][0]), (2, 0, 1)) for name in ("relu_1_1", "conv_1_2"))
    # the page's own float32 forward pass sums in another order than XLA: within 1e-4, as test_upload.py allows
    np.testing.assert_allclose([float(t) for t in texts(page, "patch")], relu[0, 20:23, 33:36].ravel(),
                               atol=HALF + 1e-4)
    assert abs(float(texts(page, "result")[0]) - conv[6, 20, 33]) <= HALF + 1e-4


@pytest.fixture(scope="module")
def original_site(tmp_path_factory) -> Path:
    """The original model's site with its own espresso photo, where the 8-bit maps showed wrong digits."""
    return original_model_site(tmp_path_factory.mktemp("original"), ("espresso_1.jpeg", "koala_1.jpeg"))


# (hash, the window's values as the network computes them: issue 14's reading of the original model)
ORIGINAL_CASES = [("layer=max_pool_2&neuron=3&row=4&col=6", "relu_2_2", ["4.334", "4.086", "4.591", "4.166"]),
                  ("layer=max_pool_1&neuron=5&row=0&col=6", "relu_1_2", ["0.222", "0.235", "0.179", "0.186"])]


@pytest.mark.parametrize(("hash_", "source", "issue"), ORIGINAL_CASES, ids=["max_pool_2", "max_pool_1"])
def test_original_model_pool_windows_read_as_the_network_computes(browser, original_site, hash_, source, issue):
    photos = sorted((original_site.parent / "photos").glob("*.jpeg"))
    maps = jax_maps(REFERENCE_MODEL, photos, [p.stem for p in photos].index("espresso_1"))
    params = dict(p.split("=") for p in hash_.split("&"))
    neuron, row, col = int(params["neuron"]), int(params["row"]), int(params["col"])
    expected = [shown(v) for v in maps[source][neuron, 2 * row:2 * row + 2, 2 * col:2 * col + 2].ravel()]
    assert expected == issue  # the test's own forward pass agrees with the issue's reading
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto((original_site / "index.html").as_uri() + "#sample=espresso_1&" + hash_)
    wait_view(page, "pool", row, col)
    assert texts(page, "patch") == expected
    assert texts(page, "result") == [max(expected, key=float)]
    context.close()
    assert errors == []
