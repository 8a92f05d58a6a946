"""The article and the hyperparameter explorer in both languages, as a reader sees them."""

from __future__ import annotations

import re

import pytest
from cnn_explainer.config import load_config
from cnn_explainer.hyperparams import Setting, frames

from .conftest import CONTENT

pytestmark = pytest.mark.e2e
SECTIONS = ["article-intro", "article-terms", "article-input", "article-convolution", "article-hyperparameters",
            "article-relu", "article-softmax", "article-pooling", "article-flatten", "article-training",
            "article-interactive",
            "article-model", "article-implementation", "article-credits"]
# Words that stay as they are in Chinese: names of things, layers, code and maths.
ALLOWED_LATIN = {
    "CNN", "TinyVGG", "ReLU", "Softmax", "softmax", "argmax", "logit", "JAX", "Altair", "Vega", "Jinja2", "Markdown",
    "MathML", "JSON", "Python", "ImageNet", "Tiny", "Stanford", "CS231n", "IEEE", "VIS", "arXiv", "Explainer",
    # the cited paper's authors and title
    "Zijie", "J", "Wang", "Robert", "Turko", "Omar", "Shaikh", "Haekyu", "Park", "Nilaksh", "Das", "Fred", "Hohman",
    "Minsuk", "Kahng", "Duen", "Horng", "Polo", "Chau", "Learning", "Convolutional", "Neural", "Networks", "with",
    "Interactive", "Visualization",
    # keys as printed on a keyboard, and the info button's glyph
    "Tab", "Home", "End", "Enter", "Esc", "Page", "Up", "Down", "i",
}
PROSE = """() => {
  const copy = document.querySelector(".article").cloneNode(true);
  copy.querySelectorAll("math, pre, code, figure").forEach((e) => e.remove());  // maths, code, charts: not prose
  return copy.textContent;
}"""


@pytest.mark.parametrize("path", ["", "zh/index.html"], ids=["en", "zh"])
def test_every_section_has_its_heading_and_formulas_render(open_page, path):
    page = open_page(path=path).page
    ids = page.eval_on_selector_all(".article h2[id], .article h3[id]", "els => els.map(e => e.id)")
    assert ids == SECTIONS
    sizes = page.eval_on_selector_all("math", "els => els.map(e => e.getBoundingClientRect().width)")
    assert len(sizes) >= 5 and all(w > 0 for w in sizes)
    targets = page.eval_on_selector_all(".article a[href^='#']", "els => els.map(e => e.getAttribute('href'))")
    assert targets and all(page.locator(t).count() == 1 for t in set(targets))  # internal anchors resolve
    lang = page.get_attribute("html", "lang")
    assert lang == ("zh" if path else "en")


SCROLL_THROUGH = """async () => {
  for (let y = 0; y < document.body.scrollHeight; y += innerHeight / 2) {
    scrollTo(0, y);
    await new Promise((r) => setTimeout(r, 30));
  }
}"""
CHARTS_DRAWN = "() => [...document.querySelectorAll('figure[data-chart]')].every((f) => f.querySelector('svg text'))"


@pytest.mark.parametrize("path", ["", "zh/index.html"], ids=["en", "zh"])
def test_charts_are_drawn_when_the_reader_scrolls_to_them(open_page, path):
    page = open_page(path=path).page
    names = page.eval_on_selector_all("figure[data-chart]", "els => els.map(e => e.dataset.chart)")
    assert {"training", "confusion"} <= set(names)
    page.evaluate(SCROLL_THROUGH)
    page.wait_for_function(CHARTS_DRAWN, timeout=10_000)
    labels = page.eval_on_selector_all("figure[data-chart=confusion] svg text", "els => els.map(e => e.textContent)")
    assert set(load_config(CONTENT).translations.get("zh", {}).get(n, n) if path else n
               for n in ("bell pepper", "sports car")) <= set(labels)


def test_chinese_page_has_no_english_interface_left(open_page):
    page = open_page(path="zh/index.html").page
    page.evaluate(SCROLL_THROUGH)  # charts are drawn when scrolled near: their words count too
    page.wait_for_function(CHARTS_DRAWN, timeout=10_000)
    strings = load_config(CONTENT).strings
    zh_text = page.inner_text("body")
    for key, english in strings["en"].items():
        if key in ("language_name", "logit") or "{" in english:
            continue
        assert english not in zh_text, f"English string {key}={english!r} on the Chinese page"
    assert not re.search(r"[A-Za-z]", page.inner_text("[data-role=prediction]"))  # the class name, translated
    titles = page.eval_on_selector_all("[data-sample]", "els => els.map(e => e.title)")
    assert titles and not any(re.search(r"[A-Za-z]", t) for t in titles)
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", page.evaluate(PROSE)))
    stray = sorted(words - ALLOWED_LATIN)
    assert stray == []


def test_language_switch_keeps_the_state(open_page):
    watched = open_page("#sample=koala&scale=global")
    page = watched.page
    page.click("[data-role=language]")
    page.wait_for_selector("[data-role=overview][data-drawn]", state="attached")
    assert page.get_attribute("html", "lang") == "zh"
    assert "sample=koala" in page.url and "scale=global" in page.url
    assert page.get_attribute("[data-sample=koala]", "aria-pressed") == "true"


@pytest.mark.parametrize("origin", ["http"])
@pytest.mark.parametrize("path", ["", "zh/index.html"], ids=["en", "zh"])
@pytest.mark.parametrize("width", [390, 700, 1280])
def test_language_switch_is_on_screen(open_page, path, width):
    """The header must leave room for the switch on a phone: a long tagline once pushed it out of sight."""
    page = open_page(path=path, width=width, height=844).page
    box = page.locator("[data-role=language]").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    on_top = page.evaluate("""() => {
      const link = document.querySelector("[data-role=language]");
      const r = link.getBoundingClientRect();
      return link.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
    }""")
    assert on_top, "the language switch is covered or clipped"


def test_layer_label_leads_to_its_section(open_page):
    page = open_page().page
    hash_before = page.evaluate("location.hash")
    page.click("[data-label=relu_1_1]")
    page.wait_for_function("() => Math.abs(document.getElementById('article-relu').getBoundingClientRect().top) < 300")
    assert page.evaluate("location.hash") == hash_before  # the graph's state is untouched


def _explorer(page):
    page.locator("[data-role=explorer]").scroll_into_view_if_needed()
    page.wait_for_selector("[data-role=explorer][data-valid]")


def _set(page, param: str, value: int) -> None:
    page.fill(f"[data-role=explorer] input[type=number][data-param={param}]", str(value))
    page.dispatch_event(f"[data-role=explorer] input[type=number][data-param={param}]", "input")


def test_explorer_rejects_a_stride_that_does_not_fit(open_page):
    page = open_page().page
    _explorer(page)
    _set(page, "n", 5)
    _set(page, "k", 2)
    _set(page, "s", 2)  # (5 - 2) / 2 + 1 is not whole
    assert page.get_attribute("[data-role=explorer]", "data-valid") == "false"
    assert page.get_attribute("[data-param=s][type=number]", "aria-invalid") == "true"
    assert "2" in page.inner_text("[data-role=explorer-message]")
    assert page.is_disabled(".explorer-play")
    _set(page, "s", 3)  # (5 - 2) / 3 + 1 = 2
    assert page.get_attribute("[data-role=explorer]", "data-valid") == "true"
    assert page.inner_text("[data-role=explorer-message]") == ""


def test_explorer_output_matches_the_precomputed_frames(open_page):
    page = open_page().page
    _explorer(page)
    for param, value in (("n", 6), ("k", 3), ("p", 1), ("s", 1), ("d", 2)):
        _set(page, param, value)
    expected = frames(Setting(6, 1, 3, 1, 2))
    last = len(expected) - 1
    page.hover(f"[data-role=explorer] .explorer-grid [data-index='{last}']")  # shows every value up to it
    shown = page.eval_on_selector_all("[data-role=explorer] [data-index]", "els => els.map(e => e.textContent)")
    assert [int(v) for v in shown] == [f[2] for f in expected]
    hits = page.eval_on_selector_all("[data-role=explorer] .explorer-grid .cell.hit[data-row]",
                                     "els => els.map(e => [Number(e.dataset.row), Number(e.dataset.col)])")
    top, left, _ = expected[last]
    assert sorted(hits) == sorted([top + 2 * i, left + 2 * j] for i in range(3) for j in range(3))


def test_sections_link_back_to_the_network(open_page):
    page = open_page("#sample=pizza").page
    links = page.locator(".article a[href='#network']")
    assert links.count() >= 6
    links.nth(2).scroll_into_view_if_needed()
    links.nth(2).click()
    page.wait_for_function("() => Math.abs(document.getElementById('network').getBoundingClientRect().top) < 300")
    assert "sample=pizza" in page.evaluate("location.hash")


SECTION_TEXT = """(id) => {
  const heading = document.getElementById(id);
  let text = "";
  for (let el = heading.nextElementSibling; el && !/^H[23]$/.test(el.tagName); el = el.nextElementSibling) {
    text += " " + el.textContent;
  }
  return text.replace(/\\s+/g, " ");
}"""


@pytest.mark.parametrize("path", ["", "zh/index.html"], ids=["en", "zh"])
def test_using_this_page_names_the_detail_views_controls_as_they_are_labelled(open_page, path):
    page = open_page(path=path).page
    page.click('[data-layer="conv_1_2"][data-neuron="2"]')
    page.wait_for_function("() => document.querySelector('[data-role=detail]').dataset.view === 'conv'")
    labels = page.evaluate("""() => {
      const d = document.querySelector("[data-role=detail]");
      const play = d.querySelector("[data-role=detail-play]");
      const playing = play.getAttribute("aria-label");
      play.click();  // the other state's label: Play and Pause are one button
      const paused = play.getAttribute("aria-label");
      return [playing, paused, d.querySelector("[data-role=detail-step]").getAttribute("aria-label"),
              d.querySelector(".speed").firstChild.textContent.trim(),
              ...[...d.querySelectorAll("[data-role=detail-speed] option")].map((o) => o.textContent.trim()),
              ...[...d.querySelectorAll(".detail-nav .nav-label")].map((l) => l.textContent.trim())];
    }""")
    page.keyboard.press("Escape")
    text = page.evaluate(SECTION_TEXT, "article-interactive")
    missing = [label for label in labels if label not in text]
    assert missing == [], f"the article does not name these controls of the view: {missing}"
    for key in ("Esc", "Tab", "Home", "End", "Enter", "Page Up", "Page Down", "[", "]"):
        assert key in text
    assert re.search(r"(?<![A-Za-z])i(?![A-Za-z])", text)  # the info button, by the glyph it shows


@pytest.mark.parametrize("path,words", [
    ("", ["cross-entropy", "loss", "gradient", "weights and biases"]),
    ("zh/index.html", ["交叉熵", "损失", "梯度", "权重和偏置"]),
], ids=["en", "zh"])
def test_the_article_says_how_the_network_learned(open_page, path, words):
    page = open_page(path=path).page
    text = page.evaluate(SECTION_TEXT, "article-training")
    assert all(word in text for word in words), text[:200]
    assert page.locator("#article-training ~ .math.block math, #article-training + p ~ p math").count() >= 1
