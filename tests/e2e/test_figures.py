"""The article's four build-time figures in the built site, as a reader sees them in Chromium, both languages.

tests/test_figures.py checks every number against numpy; here: each figure is on the page where its
section is, drawn (non-empty, inside the article's column, at a desktop and a phone width), described for
screen readers, captioned in the page's language, and its softmax agrees with the page's own data.
"""

from __future__ import annotations

import re

import pytest

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
           width: box.width, height: box.height, inside: box.left >= column.left - 1 && box.right <= column.right + 1,
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
    figures = page.evaluate(FIGURES)
    assert [f["name"] for f in figures] == ["conv-step", "elastic", "softmax", "pooling"]  # the article's order
    for figure in figures:
        assert figure["section"] == SECTIONS[figure["name"]], figure["name"]
        assert figure["role"] == "img" and len(figure["label"]) > 40
        assert figure["width"] > 200 and figure["height"] > 100 and figure["inside"], figure
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
