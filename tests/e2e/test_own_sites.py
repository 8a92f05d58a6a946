"""Sites built with the reader's own inputs, in Chromium: galleries of 1 and 100 images, hostile class names."""

from __future__ import annotations

from pathlib import Path

import pytest
from cnn_explainer.build import BuildOptions, build_site
from test_bring_your_own import EVIL, make_images

from .conftest import CONTENT, DEFAULT_WEIGHTS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def own_sites(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("own")
    classes = root / "classes.txt"
    classes.write_text("\n".join(EVIL), encoding="utf-8")
    sites = {}
    for name, count, class_file in (("one", 1, classes), ("hundred", 100, None)):
        images = make_images(root / f"photos-{name}", count)
        if name == "one":  # named as the page names the reader's own images: they must not collide
            images = [images[0].rename(images[0].with_name("own-1.png"))]
        sites[name] = root / name
        build_site(BuildOptions(content=CONTENT, weights=DEFAULT_WEIGHTS, out=sites[name],
                                images=tuple(images), classes=class_file))
    return sites


def _open(browser, folder: Path, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors, outside = [], []
    base = folder.as_uri()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base, "data:", "blob:")) else None)
    page.goto((folder / "index.html").as_uri())
    page.wait_for_selector("[data-role=overview][data-drawn]", state="attached", timeout=15_000)
    return context, page, errors, outside


@pytest.mark.parametrize("width,height", [(1280, 720), (390, 844)])
def test_a_hundred_thumbnails_stay_in_a_scrolling_strip(browser, own_sites, width, height):
    context, page, errors, outside = _open(browser, own_sites["hundred"], width, height)
    thumbs = page.locator(".thumb[data-sample]")
    assert thumbs.count() == 100
    gallery = page.locator(".gallery").bounding_box()
    overview = page.locator("[data-role=overview]").bounding_box()
    assert gallery["height"] <= 100 and overview["y"] < height  # the graph is still on the first screen
    # Each button shows its own slice of the strip: the last one's slice starts at the strip's right end.
    last = thumbs.nth(99)
    last.scroll_into_view_if_needed()
    position = last.locator(".thumb-image").evaluate("e => getComputedStyle(e).backgroundPositionX")
    assert position in ("100%", "calc(100%)"), position
    last.click()
    page.wait_for_selector('[data-role=overview][data-drawn="img_099|layer"]', state="attached")
    context.close()
    assert errors == [] and outside == []


@pytest.mark.parametrize("width,height", [(1280, 720), (390, 844)])
def test_one_image_and_hostile_class_names_show_as_text(browser, own_sites, width, height):
    context, page, errors, outside = _open(browser, own_sites["one"], width, height)
    assert page.locator(".thumb[data-sample]").count() == 1
    labels = page.eval_on_selector_all(".class-neuron", "els => els.map(e => e.getAttribute('aria-label'))")
    assert labels == EVIL
    bar_texts = page.locator(".probabilities text").all_text_contents()
    assert EVIL[0] in bar_texts and EVIL[1] in bar_texts
    assert EVIL[0] in page.text_content(".article table")
    # The page's own script is the body's only one (index.html runs it under the graph): none came with a name.
    scripts = page.eval_on_selector_all("body script", "els => els.map((e) => e.getAttribute('src'))")
    assert scripts == ["assets/cnnx.js"]
    context.close()
    assert errors == [] and outside == []


def test_an_upload_does_not_take_the_id_of_a_built_in_image(browser, own_sites, tmp_path):
    make_images(tmp_path, 1, seed=7)
    context, page, errors, outside = _open(browser, own_sites["one"], 1280, 720)
    assert page.get_attribute("[data-role=overview]", "data-drawn") == "own-1|layer"  # the built-in one
    page.set_input_files("input[data-role=upload]", str(tmp_path / "img_000.png"))
    page.wait_for_selector('[data-role=overview][data-drawn="own-2|layer"]', state="attached")
    assert page.get_attribute('[data-sample="own-1"]', "title") == "own-1"
    assert page.get_attribute('[data-sample="own-2"]', "title") == "img_000.png"
    page.reload()  # the stored upload comes back beside the built-in image, under its own id
    page.wait_for_selector('[data-role=overview][data-drawn="own-2|layer"]', state="attached")
    page.click('[data-sample="own-1"]')
    page.wait_for_selector('[data-role=overview][data-drawn="own-1|layer"]', state="attached")
    assert page.locator("[data-sample]").count() == 2
    context.close()
    assert errors == [] and outside == []
