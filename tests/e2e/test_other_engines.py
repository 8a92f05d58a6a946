"""The site in Firefox (Gecko) and WebKit, beside the Chromium of every other browser test: what each engine's own
decoder, canvas and layout could change. Readers open the site in all three.

Each engine opens the build straight from disk (file://) and over http: the first view draws and says what
`cnn-explainer predict` says, a click redraws another sample, the article's formulas show; the maps decode to the
8-bit codes of the JAX network's values bit for bit (the WebP images through each engine's own decoder and canvas,
docs/data-format.md); a detail view prints the network's own numbers; an uploaded picture is preprocessed like Python
and predicted as `predict` does. Drivers: engines.py.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from cnn_explainer.config import load_config
from cnn_explainer.images import load_rgb
from cnn_explainer.predict import predict_images
from cnn_explainer.weights import load_model

from . import engines
from .conftest import CONTENT
from .test_exact_numbers import CODES, TEXTS, assert_codes_are_the_networks, gallery_maps, layer_before, shown
from .test_overview import DEFAULT_MODE, expected_top1  # noqa: F401  (the fixture: what predict says per sample)
from .test_upload import _photo

pytestmark = pytest.mark.e2e

DEFAULT_SAMPLE = load_config(CONTENT).default_sample


@pytest.fixture(scope="module", params=["firefox", "webkit"])
def engine(request):
    problem = engines.missing(request.param)
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)  # the other engines must not vanish from CI
        pytest.skip(problem)
    opened = engines.launch(request.param)
    yield opened
    opened.close()


def _call(function: str, *args) -> str:
    """An expression that calls the JavaScript `function` (a test module's "(...) => ..." string) with `args`."""
    return f"({function})({', '.join(json.dumps(a) for a in args)})"


def _until(condition: str, timeout_ms: int = 15_000) -> str:
    """An expression that resolves once `condition` (an expression) holds, polled, and fails after `timeout_ms`."""
    return f"""new Promise((resolve, reject) => {{ const start = performance.now(); const poll = () => {{
      if ({condition}) resolve(true);
      else if (performance.now() - start > {timeout_ms}) reject(new Error({json.dumps("timed out: " + condition)}));
      else setTimeout(poll, 20); }}; poll(); }})"""


def _drawn(sample: str) -> str:
    drawn = json.dumps(f"{sample}|{DEFAULT_MODE}")
    return _until(f"document.querySelector('[data-role=overview]').dataset.drawn === {drawn}")


def _prediction(engine) -> str:
    return engine.evaluate("document.querySelector('[data-role=prediction]').textContent")


@pytest.mark.parametrize("origin", ["file", "http"])
def test_the_first_view_draws_and_a_click_redraws(engine, site, expected_top1, origin):  # noqa: F811
    engine.goto(site.urls[origin])
    engine.evaluate(_drawn(DEFAULT_SAMPLE))
    assert _prediction(engine) == expected_top1[DEFAULT_SAMPLE]
    engine.evaluate("document.querySelector('[data-sample=koala]').click()")
    engine.evaluate(_drawn("koala"))
    assert _prediction(engine) == expected_top1["koala"]
    assert engine.evaluate("document.querySelector('[data-sample=koala]').getAttribute('aria-pressed')") == "true"
    # The article's formulas, laid out: each engine's MathML, shown once the page is parsed (data.js, site.css).
    heights = engine.evaluate("(CNNX.layOutArticle(), [...document.querySelectorAll('.article math')]"
                              ".map((m) => m.getBoundingClientRect().height))")
    assert heights and min(heights) > 0, heights
    assert engine.errors() == []


def test_maps_decode_to_the_8_bit_codes_bit_for_bit(engine, site):
    engine.goto(site.urls["file"])
    engine.evaluate(_drawn(DEFAULT_SAMPLE))
    for sample in (DEFAULT_SAMPLE, "koala"):
        assert_codes_are_the_networks(engine.evaluate(_call(CODES, sample)), site.weights, sample)
    assert engine.errors() == []


@pytest.mark.parametrize(("sample", "layer", "neuron", "row", "col"),
                         [("koala", "conv_1_2", 4, 30, 7), ("orange", "max_pool_2", 7, 12, 12)])
def test_a_detail_view_prints_the_networks_values(engine, site, sample, layer, neuron, row, col):
    engine.goto(site.urls["file"] + f"#sample={sample}&layer={layer}&neuron={neuron}&row={row}&col={col}")
    kind = "conv" if layer.startswith("conv") else "pool"
    engine.evaluate(_until(f"document.querySelector('[data-role=detail][data-view={kind}]"
                           f"[data-row=\"{row}\"][data-col=\"{col}\"]')"))
    maps = gallery_maps(site.weights, sample)
    before = maps[layer_before(site.weights, layer)]
    assert engine.evaluate(_call(TEXTS, "result")) == [shown(maps[layer][neuron, row, col])]
    if kind == "conv":  # the first channel's window, shown when the view opens
        window = before[0, row:row + 3, col:col + 3]
    else:
        window = before[neuron, 2 * row:2 * row + 2, 2 * col:2 * col + 2]
    assert engine.evaluate(_call(TEXTS, "patch")) == [shown(v) for v in window.ravel()]
    assert engine.errors() == []


def test_an_uploaded_picture_is_preprocessed_like_python_and_predicted_as_predict_does(engine, site, tmp_path):
    _photo(tmp_path)
    path = tmp_path / "photo.png"
    engine.goto(site.urls["file"])
    engine.evaluate(_drawn(DEFAULT_SAMPLE))
    engine.upload("input[type=file][data-role=upload]", path)
    engine.evaluate(_drawn("own-1"))
    assert _prediction(engine) == predict_images(load_model(site.weights), [path])[0]["top1"]
    codes = engine.evaluate("CNNX.loadSample('own-1').then((s) => Array.from(s.maps.input.codes))")
    np.testing.assert_array_equal(np.asarray(codes, np.uint8).reshape(3, 64, 64).transpose(1, 2, 0),
                                  np.asarray(load_rgb(path)))
    assert engine.errors() == []
