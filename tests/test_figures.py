"""The article's build-time figures: every number they print against a naive float64 numpy forward pass.

The figures are drawn from our JAX forward pass (figure_data.py, figures.py); the expectations come from
tests/numpy_network.py, written from the layer definitions, applied at the layer, neuron and position the
figure itself names in its visible text. Besides the default network and sample, networks of other
shapes (greyscale, padding, strides, dilation, average pooling, a normalised input, no pooling at all).
"""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET

import jax
import numpy as np
import pytest
from cnn_explainer.article import place_figures, render_article
from cnn_explainer.colors import lut
from cnn_explainer.config import load_config
from cnn_explainer.errors import InputError
from cnn_explainer.figure_data import figure_data
from cnn_explainer.figures import render_figures
from cnn_explainer.images import load_image
from cnn_explainer.model import compiled_forward, init_params
from cnn_explainer.network.description import Architecture, Conv2D, Dense, Flatten, Pool, ReLU
from cnn_explainer.resources import CONTENT, WEIGHTS
from cnn_explainer.weights import load_model
from numpy_network import forward as numpy_forward
from numpy_network import pad_amounts
from PIL import Image
from test_network import THREE_BLOCKS

SVG = "{http://www.w3.org/2000/svg}"

# Not TinyVGG: a normalised colour input, padding 1, a stride-2 first convolution, average pooling first.
AVERAGING = Architecture(
    input_shape=(20, 24, 3),
    layers=(Conv2D("first", 4, (3, 3), strides=(2, 2), padding=((1, 1), (1, 1))), ReLU("relu"),
            Pool("mean", "avg"), Conv2D("second", 3, (3, 3)), ReLU("relu_b"), Flatten("flatten"),
            Dense("hidden", 6), Dense("out", 4)),
    input_scale=(2.0, 2.0, 2.0), input_offset=(-1.0, -0.9, -1.1),
)
NO_POOL = Architecture(input_shape=(12, 12, 1),
                       layers=(Conv2D("c", 2, (3, 3)), ReLU("r"), Flatten("f"), Dense("out", 3)))


def _value(text: str) -> float:
    return float(text.replace("\u2212", "-").rstrip("%"))


def _exp(text: str) -> float:
    """A figure's e^z: plain, or "a.bc × 10ⁿ"."""
    match = re.fullmatch(r"([\d.]+) × 10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", text)
    if not match:
        return float(text)
    exponent = match[2].translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
    return float(match[1]) * 10 ** int(exponent)


def _texts(svg: ET.Element, cls: str) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text") if t.get("class") == cls]


def _same(printed: list[str], expected: np.ndarray, digits: int = 2) -> None:
    """Each printed number is the expected value rounded to the digits shown (a last-digit tie may round
    either way, float32 against float64)."""
    assert len(printed) == expected.size
    for text, want in zip(printed, np.asarray(expected, np.float64).reshape(-1)):
        assert abs(_value(text) - want) <= 0.5 * 10**-digits + 1e-6, (text, want)


class Case:
    """One network and image: its figures as drawn, parsed, and the numpy forward pass as the reference."""

    def __init__(self, arch: Architecture, params: dict, image: np.ndarray, classes: tuple[str, ...]) -> None:
        self.arch, self.params, self.image, self.classes = arch, params, image, classes
        outputs = {k: np.asarray(v)[0] for k, v in compiled_forward(arch)(params, image[None]).items()}
        self.data = figure_data(arch, params, image, outputs, classes)
        self.svgs = {lang: render_figures(self.data, lang, classes) for lang in ("en", "zh")}
        self.figures = {name: ET.fromstring(svg) for name, svg in self.svgs["en"].items() if svg is not None}
        self.reference = numpy_forward(arch, params, image)

    def layer_input(self, name: str) -> np.ndarray:
        index = next(i for i, layer in enumerate(self.arch.layers) if layer.name == name)
        if index == 0:
            x = np.asarray(self.image, np.float64)
            if self.arch.input_scale is not None:
                x = x * np.asarray(self.arch.input_scale) + np.asarray(self.arch.input_offset)
            return x
        return self.reference[self.arch.layers[index - 1].name]


def _default_case() -> Case:
    model = load_model(WEIGHTS)
    config = load_config(CONTENT)
    path = next(s.path for s in config.samples if s.id == config.default_sample)
    return Case(model.architecture, model.params, load_image(path, model.architecture.input_shape), model.class_names)


def _random_case(arch: Architecture, seed: int) -> Case:
    params = {k: {n: np.asarray(v) for n, v in d.items()} for k, d in init_params(jax.random.PRNGKey(seed),
                                                                                    arch).items()}
    params = {k: {"kernel": d["kernel"], "bias": np.linspace(-0.2, 0.2, d["bias"].size, dtype=np.float32)}
              for k, d in params.items()}
    image = np.random.default_rng(seed).random(arch.input_shape).astype(np.float32)
    return Case(arch, params, image, tuple(f"class {i}" for i in range(arch.layers[-1].units)))


CASES = {"default": _default_case, "three-blocks": lambda: _random_case(THREE_BLOCKS, 3),
         "averaging": lambda: _random_case(AVERAGING, 4)}


@pytest.fixture(scope="module", params=list(CASES), ids=list(CASES))
def case(request) -> Case:
    return CASES[request.param]()


def _conv_layer(case: Case, svg: ET.Element) -> tuple[Conv2D, int, int, int]:
    """The layer, neuron and position the convolution-step figure says it shows."""
    where, position = _texts(svg, "figure-where")
    name, neuron = re.fullmatch(r"(\S+) · neuron (\d+)", where).groups()
    row, col = map(int, re.fullmatch(r"row (\d+), column (\d+)", position).groups())
    layer = next(layer for layer in case.arch.layers if layer.name == name)
    return layer, int(neuron), row, col


def test_convolution_step_prints_the_networks_numbers(case):
    svg = case.figures["conv-step"]
    layer, neuron, row, col = _conv_layer(case, svg)
    assert layer is next(lyr for lyr in case.arch.layers if isinstance(lyr, Conv2D))  # the first convolution
    x = case.layer_input(layer.name)
    kernel = np.asarray(case.params[layer.name]["kernel"], np.float64)[..., neuron]  # (kh, kw, C)
    kh, kw, _ = kernel.shape
    eh, ew = (kh - 1) * layer.dilation[0] + 1, (kw - 1) * layer.dilation[1] + 1
    top = pad_amounts(layer.padding, x.shape[0], eh, layer.strides[0], 0)[0]
    left = pad_amounts(layer.padding, x.shape[1], ew, layer.strides[1], 1)[0]
    padded = np.pad(x, ((top, eh), (left, ew), (0, 0)))
    r0, c0 = row * layer.strides[0], col * layer.strides[1]
    patch = padded[r0:r0 + eh:layer.dilation[0], c0:c0 + ew:layer.dilation[1]]  # (kh, kw, C)
    products = patch * kernel
    _same(_texts(svg, "figure-input"), np.transpose(patch, (2, 0, 1)))
    _same(_texts(svg, "figure-kernel"), np.transpose(kernel, (2, 0, 1)))
    _same(_texts(svg, "figure-product"), np.transpose(products, (2, 0, 1)))
    _same(_texts(svg, "figure-channel-sum"), products.sum(axis=(0, 1)))
    output = case.reference[layer.name][row, col, neuron]
    _same(_texts(svg, "figure-output"), np.array([output]))
    # The neuron and position shown: the strongest response among windows clear of the padding.
    out = case.reference[layer.name]
    rows = np.arange(out.shape[0]) * layer.strides[0] - top
    cols = np.arange(out.shape[1]) * layer.strides[1] - left
    clear = (((rows >= 0) & (rows + eh <= x.shape[0]))[:, None] & ((cols >= 0) & (cols + ew <= x.shape[1]))[None])
    assert output == pytest.approx(out[clear].max(), abs=1e-5)
    bias = float(case.params[layer.name]["bias"][neuron])
    assert f"{abs(bias):.2f}" in svg.get("aria-label")


def _decode(image: ET.Element) -> np.ndarray:
    data = image.get("href").removeprefix("data:image/webp;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))


def test_elastic_view_draws_the_neurons_maps(case):
    svg = case.figures["elastic"]
    layer, neuron, _, _ = _conv_layer(case, case.figures["conv-step"])
    channels = case.layer_input(layer.name).shape[-1]
    images = {cls: [i for i in svg.iter(f"{SVG}image") if i.get("class") == cls]
              for cls in ("figure-input-map", "figure-channel-map", "figure-output-map")}
    assert [len(v) for v in images.values()] == [channels, channels, 1]
    # The output map's colours: the numpy output on a red-blue scale symmetric about zero.
    output = case.reference[layer.name][..., neuron]
    kernel = np.asarray(case.params[layer.name]["kernel"], np.float64)[..., neuron]
    per_channel = [numpy_conv_one(case, layer, kernel[..., c:c + 1], c) for c in range(channels)]
    half = max(np.abs(output).max(), max(np.abs(m).max() for m in per_channel))
    table = np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in lut("RdBu")])
    drawn = _decode(images["figure-output-map"][0])
    codes = np.clip(np.rint((output + half) / (2 * half) * 255), 0, 255).astype(int)
    assert drawn.shape[:2] == output.shape
    assert np.abs(drawn.astype(int) - table[codes]).max() <= 3  # one code apart at most, at a rounding tie
    for c, m in enumerate(per_channel):
        drawn = _decode(images["figure-channel-map"][c])
        codes = np.clip(np.rint((m + half) / (2 * half) * 255), 0, 255).astype(int)
        assert np.abs(drawn.astype(int) - table[codes]).max() <= 3


def numpy_conv_one(case: Case, layer: Conv2D, kernel: np.ndarray, channel: int) -> np.ndarray:
    """One input channel's map under its own kernel, without the bias."""
    from numpy_network import conv2d
    x = case.layer_input(layer.name)[..., channel:channel + 1]
    return conv2d(x, kernel[..., None], np.zeros(1), layer.strides, layer.padding, layer.dilation)[..., 0]


def test_pooling_figure_shows_a_real_region_and_its_pooled_values(case):
    svg = case.figures["pooling"]
    pool = next(layer for layer in case.arch.layers if isinstance(layer, Pool))
    header = [t.text for t in svg.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
    source, channel = re.fullmatch(r"(\S+) · channel (\d+)", header[0]).groups()
    assert header[1] == pool.name
    index = case.arch.layers.index(pool)
    assert source == (case.arch.layers[index - 1].name if index else "input")
    x = case.layer_input(pool.name)[..., int(channel)]
    printed = np.array([_value(t) for t in _texts(svg, "figure-region")])
    rh, rw = pool.strides[0] + pool.pool_size[0], pool.strides[1] + pool.pool_size[1]
    printed = printed.reshape(rh, rw)
    # Where in the map the region lies: the one place whose values round to the printed ones.
    spots = [(r, c) for r in range(x.shape[0] - rh + 1) for c in range(x.shape[1] - rw + 1)
             if np.all(np.abs(x[r:r + rh, c:c + rw] - printed) <= 0.005 + 1e-6)]
    assert spots, "the printed region is nowhere in the pooled map"
    r, c = spots[0]
    region = x[r:r + rh, c:c + rw]
    op = np.max if pool.op == "max" else np.mean
    ph, pw = pool.pool_size
    sh, sw = pool.strides
    expected = np.array([[op(region[i * sh:i * sh + ph, j * sw:j * sw + pw]) for j in (0, 1)] for i in (0, 1)])
    _same(_texts(svg, "figure-pooled"), expected)
    words = [t.text for t in svg.iter(f"{SVG}text")]
    chosen = [rect for rect in svg.iter(f"{SVG}rect") if rect.get("class") == "figure-chosen"]
    if pool.op == "max":
        assert "max" in words and len(chosen) == 4
    else:
        assert "mean" in words and chosen == []


def test_softmax_figure_lists_every_class_with_its_logit_exp_and_probability(case):
    svg = case.figures["softmax"]
    logits = case.reference["logits"]
    probabilities = case.reference[case.arch.layers[-1].name]
    order = np.argsort(-probabilities, kind="stable")
    names = [t.text for t in svg.iter(f"{SVG}text") if t.get("text-anchor") == "end"
             and t.text in case.classes]
    assert names == [case.classes[k] for k in order]
    _same(_texts(svg, "figure-logit"), logits[order])
    _same([t.rstrip("%") for t in _texts(svg, "figure-share")], probabilities[order] * 100)
    for text, want in zip(_texts(svg, "figure-exp"), np.exp(logits[order])):
        assert _exp(text) == pytest.approx(want, rel=6e-3)


def test_figures_are_accessible_images_in_both_languages(case):
    for lang, svgs in case.svgs.items():
        for name, svg in svgs.items():
            root = ET.fromstring(svg)
            assert root.get("role") == "img" and root.get("aria-label"), (lang, name)
            assert root.find(f"{SVG}title").text == root.get("aria-label")
            assert "style" not in svg  # the page's CSP refuses style attributes
    assert re.search(r"[\u4e00-\u9fff]", case.svgs["zh"]["conv-step"])
    assert not re.search(r"[\u4e00-\u9fff]", case.svgs["en"]["conv-step"])


def test_figures_are_the_same_bytes_every_time():
    first, second = _random_case(THREE_BLOCKS, 3), _random_case(THREE_BLOCKS, 3)
    assert first.svgs == second.svgs


def test_a_network_without_pooling_has_no_pooling_figure(tmp_path):
    case = _random_case(NO_POOL, 5)
    assert case.svgs["en"]["pooling"] is None and case.svgs["en"]["softmax"]
    source = tmp_path / "en.md"
    source.write_text("{#a}\n## A\n\n```figure pooling\nThe caption.\n```\n\n```figure softmax\nOdds.\n```\n",
                      encoding="utf-8")
    article = place_figures(render_article(source), case.svgs["en"])
    assert article.html.count("<figure") == 1 and "The caption." not in article.html
    assert 'data-figure-svg="softmax"' in article.html and "<figcaption><p>Odds.</p>" in article.html


def test_an_unknown_figure_is_an_error_naming_the_file(tmp_path):
    source = tmp_path / "en.md"
    source.write_text("{#a}\n## A\n\n```figure histogram\nx\n```\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"en\.md.*'histogram'.*conv-step"):
        render_article(source)
