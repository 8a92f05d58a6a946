"""A site built from someone's own photos and another model: the gallery's titles, order and first image come
from the photos' manifest and `--default-sample`, and the article no longer describes the defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from cnn_explainer.cli import main

from .conftest import CONTENT, REFERENCE_MODEL, original_model_site

pytestmark = pytest.mark.e2e
IMAGES = REFERENCE_MODEL.parent / "images"


@pytest.fixture(scope="module")
def own_site(tmp_path_factory) -> Path:
    return original_model_site(tmp_path_factory.mktemp("own-gallery"), ("boat_1.jpeg", "bus_1.jpeg", "car_1.jpeg"),
                               "--default-sample", "car_1",
                               manifest='[[images]]\nfile = "bus_1.jpeg"\ntitle = "school bus"\n')


def _page(browser, site: Path, path: str):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((site / path).as_uri())
    page.wait_for_selector("[data-role=overview][data-drawn]", state="attached", timeout=15_000)
    return context, page, errors


PROSE = "() => document.querySelector('.article').innerText.replace(/\\s+/g, ' ')"


def _prose(page) -> str:
    """The article's words as rendered: once the page has laid it out (article.js, at idle after the first draw),
    since innerText leaves out a block that content-visibility still skips."""
    page.wait_for_selector(".article.laid-out", state="attached")
    return page.evaluate(PROSE)


@pytest.mark.parametrize(("path", "titles", "classes", "drawn_by_us", "theirs"), [
    ("index.html", ["school bus", "boat 1", "car 1"], "from lifeboat to sport car",
     "drawn by this project's own code", "chosen by whoever built this site"),
    ("zh/index.html", ["校车", "boat 1", "car 1"], "从救生艇到跑车", "由本项目自己的代码绘制", "由生成本站的人挑选"),
], ids=["en", "zh"])
def test_own_photos_and_another_model(browser, own_site, path, titles, classes, drawn_by_us, theirs):
    context, page, errors = _page(browser, own_site, path)
    assert page.eval_on_selector_all(".gallery [data-sample]", "els => els.map((e) => e.title)") == titles
    assert page.get_attribute("[data-role=overview]", "data-drawn") == "car_1|layer"
    assert page.get_attribute('[data-sample="car_1"]', "aria-pressed") == "true"
    prose = _prose(page)
    assert classes in prose
    assert drawn_by_us not in prose and theirs in prose
    assert "Tiny ImageNet" not in prose  # what the default model was trained on: not this one
    context.close()
    assert errors == []


def test_the_default_site_credits_its_own_pictures_and_model(open_page):
    prose = _prose(open_page().page)
    assert "drawn by this project's own code" in prose and "Tiny ImageNet" in prose
    assert "chosen by whoever built this site" not in prose and "not this project's default one" not in prose
    assert "from bell pepper to sports car" in prose  # our model's classes, in its output order


def test_an_unknown_default_sample_is_one_line_and_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["build", "--content", str(CONTENT), "--default-sample", "nope",
                                       "--out", str(tmp_path / "site")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("error: --default-sample: no sample 'nope'")
