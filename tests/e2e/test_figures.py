"""The article's four build-time figures in the built site, as a reader sees them in Chromium, both languages.

tests/test_figures.py checks every number against numpy; here: each figure is on the page where its
section is, drawn (non-empty, inside the article's column at a desktop width, scrolling sideways at a legible
size on a phone), described for
screen readers, captioned in the page's language, and its softmax agrees with the page's own data.
"""

from __future__ import annotations

import re

import pytest

from .test_own_networks import zoo  # noqa: F401  (the fixture: the zoo networks, built once for this module)

pytestmark = pytest.mark.e2e

SECTIONS = {"conv-step": "article-convolution", "elastic": "article-convolution", "pooling": "article-pooling",
            "softmax": "article-softmax"}
FIGURES = """() => [...document.querySelectorAll(".article figure.article-figure")].map((f) => {
  const svg = f.querySelector("svg");
  const box = svg.getBoundingClientRect();
  const column = document.querySelector(".article").getBoundingClientRect();
  let heading = f.previousElementSibling;
  while (heading && !/^H[23]$/.test(heading.tagName)) heading = heading.previousElementSibling;
  return { name: f.dataset.figure, role: svg.getAttribute("role"), label: svg.getAttribute("aria-label"),
           caption: f.querySelector("figcaption").textContent.trim(), section: heading && heading.id,
           width: box.width, height: box.height, scrolls: f.scrollWidth > f.clientWidth,
           inside: f.getBoundingClientRect().right <= column.right + 1 && (f.scrollWidth > f.clientWidth
             || (box.left >= column.left - 1 && box.right <= column.right + 1)),
           texts: svg.querySelectorAll("text").length };
})"""
SHARES = """async () => {
  const sample = await CNNX.loadSample(CNNX.page.defaultSample);
  return { probabilities: Array.from(sample.probabilities), classes: CNNX.page.classes,
           shares: [...document.querySelectorAll("[data-figure-svg=softmax] .figure-share")].map((t) => t.textContent),
           names: [...document.querySelectorAll("[data-figure-svg=softmax] text[text-anchor=end]")]
             .map((t) => t.textContent).filter((t) => CNNX.page.classes.includes(t)) };
}"""


@pytest.mark.parametrize("origin", ["file"])
@pytest.mark.parametrize("width", [1440, 390])
@pytest.mark.parametrize("path", ["", "zh/index.html"], ids=["en", "zh"])
def test_the_four_figures_are_drawn_in_their_sections(open_page, path, width):
    page = open_page(path=path, width=width).page
    assert page.evaluate("() => document.documentElement.scrollWidth") == width  # no sideways page scroll
    figures = page.evaluate(FIGURES)
    assert [f["name"] for f in figures] == ["conv-step", "elastic", "softmax", "pooling"]  # the article's order
    for figure in figures:
        assert figure["section"] == SECTIONS[figure["name"]], figure["name"]
        assert figure["role"] == "img" and len(figure["label"]) > 40
        assert figure["width"] > 200 and figure["height"] > 100 and figure["inside"], figure
        # A phone scrolls a wide figure sideways at a legible size instead of shrinking it to nothing.
        assert figure["width"] >= 520 if width < 600 else not figure["scrolls"], figure
        assert figure["texts"] > 5 or figure["name"] == "elastic"
        han = len(re.findall(r"[\u4e00-\u9fff]", figure["caption"]))
        assert (han > 40) if path else (han == 0 and len(figure["caption"]) > 150), figure["name"]


@pytest.mark.parametrize("origin", ["file"])
@pytest.mark.parametrize("path", ["", "zh/index.html"], ids=["en", "zh"])
def test_softmax_figure_agrees_with_the_pages_probabilities(open_page, path):
    page = open_page(path=path).page
    data = page.evaluate(SHARES)
    order = sorted(range(len(data["probabilities"])), key=lambda k: -data["probabilities"][k])
    assert data["names"] == [data["classes"][k] for k in order]  # in the page's language, most probable first
    for text, k in zip(data["shares"], order, strict=True):
        assert abs(float(text.rstrip("%")) - 100 * data["probabilities"][k]) <= 0.005 + 1e-6


@pytest.mark.parametrize("origin", ["file"])
def test_the_elastic_views_edges_flow_unless_the_reader_asks_for_less_motion(open_page):
    page = open_page().page
    animation = "() => getComputedStyle(document.querySelector('[data-figure-svg=elastic] .figure-flow')).animationName"
    assert page.evaluate(animation) == "figure-flow"
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(animation) == "none"


FLOW_STATES = """() => document.getAnimations().filter((a) => a.animationName === "figure-flow")
  .map((a) => a.playState)"""


def test_the_edges_flow_only_while_their_figure_is_in_view(open_page):
    """A running animation makes the browser render the page every frame even where nobody sees it: at the top of
    the page the elastic view's edges stand still, scrolled to they flow, and scrolled away they stop again."""
    page = open_page().page
    page.wait_for_selector(".article.laid-out", state="attached")  # the whole article rendered (once idle)
    assert page.evaluate(FLOW_STATES) == ["paused"] * 4  # the elastic view's four edges, far below the graph
    page.locator("[data-figure=elastic]").scroll_into_view_if_needed()
    page.wait_for_function(f"() => ({FLOW_STATES})().every((state) => state === 'running')")
    assert len(page.evaluate(FLOW_STATES)) == 4
    page.evaluate("scrollTo(0, 0)")
    page.wait_for_function(f"() => ({FLOW_STATES})().every((state) => state === 'paused')")


ZOO_FIGURES = """() => Object.fromEntries([...document.querySelectorAll("[data-figure-svg]")].map((svg) => [
  svg.dataset.figureSvg, { texts: [...svg.querySelectorAll("text")].map((t) => t.textContent),
                           inputs: svg.querySelectorAll("image.figure-input-map").length,
                           chosen: svg.querySelectorAll(".figure-chosen").length,
                           width: svg.getBoundingClientRect().width }]))"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ["pytorch", "keras", "tfjs"])
def test_figures_follow_a_network_that_is_not_tinyvgg(browser, zoo, name):  # noqa: F811
    """Greyscale input has one channel row, average pooling says "mean" and boxes no cell, and the
    convolution step's output is numpy's value for the neuron and position it names."""
    from numpy_network import forward as numpy_forward

    from .test_own_networks import SAMPLE_PATH, _open
    from .test_own_networks import load_image as load  # the image as the network takes it

    site = zoo[name]
    arch = site.network.architecture
    context, page, errors = _open(browser, site.folder, width=1440, height=900)
    figures = page.evaluate(ZOO_FIGURES)
    assert sorted(figures) == ["conv-step", "elastic", "pooling", "softmax"]
    assert figures["elastic"]["inputs"] == arch.input_shape[-1]
    pool = next(layer for layer in arch.layers if layer.kind == "pool")
    assert ("mean" if pool.op == "avg" else "max") in figures["pooling"]["texts"]
    assert figures["pooling"]["chosen"] == (4 if pool.op == "max" else 0)
    texts = figures["conv-step"]["texts"]
    layer, neuron = re.fullmatch(r"(\S+) · neuron (\d+)", next(t for t in texts if " · neuron " in t)).groups()
    row, col = map(int, re.fullmatch(r"row (\d+), column (\d+)", next(t for t in texts if t.startswith("row "))
                                     ).groups())
    reference = numpy_forward(arch, site.network.params, load(SAMPLE_PATH, arch.input_shape))
    output = reference[layer][row, col, int(neuron)]
    printed = page.evaluate("() => document.querySelector('[data-figure-svg=conv-step] .figure-output').textContent")
    assert abs(float(printed.replace("\u2212", "-")) - output) <= 0.005 + 1e-6
    assert all(f["width"] > 200 for f in figures.values())
    context.close()
    assert errors == []
