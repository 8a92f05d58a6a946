"""Nothing injected: hostile class names, sample titles, file names and site titles stay text.

Two real builds, each opened in Chromium (file://, English and Chinese pages):
- `names`: class names from the model's userDefinedMetadata, a hostile site title, and the gallery
  from `--images` files whose *file names* carry the payloads;
- `titles`: the same model and title, the gallery from site.toml with hostile sample titles.
Every payload tries to run script (setting window.__pwned) or to add an element; the test clicks
every sample, hovers every class and asserts no script ran, no element or handler appeared, no
request left the build, and each text is shown literally where the page shows it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from .conftest import CONTENT, weights_for_tests

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CLASS_NAMES = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2">',
    "</script><script>window.__pwned=3</script>",
    "{{ 7*7 }} {% if 1 %}jinja{% endif %}",
    "\"'><svg onload=window.__pwned=5>",
    '</title><iframe srcdoc="<script>parent.__pwned=6</script>">',
    "&lt;b&gt; already &amp; escaped",
    "${window.__pwned=8} `backtick`",
    "javascript:window.__pwned=9",
    "<!-- comment --> ]]> \u2028 end",
]
SITE_TITLE = "<script>window.__pwned=11</script> \"Site\" 'title' {{ 7*7 }} </script>"
FILE_STEMS = ["<img src=x onerror=window.__pwned=12>", "\"'><svg onload=window.__pwned=13>", "{{ 7*7 }}",
              "<script>window.__pwned=14<\\script>"]
SAMPLE_TITLES = ["<script>window.__pwned=15</script>", "</script><img src=x onerror=window.__pwned=16>",
                 "\"quoted\" & 'single' {{ title }}"]

CHECK = """() => {
  const handlers = [...document.querySelectorAll("*")].filter((el) =>
    [...el.attributes].some((a) => a.name.toLowerCase().startsWith("on")));
  return {
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    parentPwned: window.parent.__pwned === undefined ? null : String(window.parent.__pwned),
    handlers: handlers.map((el) => el.outerHTML.slice(0, 80)),
    injected: [...document.querySelectorAll("img, iframe, object, embed, body svg[onload]")].map((el) => el.outerHTML),
    inlineScripts: [...document.querySelectorAll("script:not([src])")].map((s) => s.id || s.type || "inline"),
    outsideScripts: [...document.querySelectorAll("script[src]")].map((s) => s.src)
      .filter((src) => !/\\/(assets|data)\\/[\\w/.-]+\\.js$/.test(src)),
  };
}"""


def _model_with_hostile_classes(folder: Path) -> Path:
    shutil.copytree(weights_for_tests(), folder)
    doc = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    doc["userDefinedMetadata"] = {**(doc.get("userDefinedMetadata") or {}), "class_names": CLASS_NAMES}
    (folder / "model.json").write_text(json.dumps(doc), encoding="utf-8")
    return folder


def _content_with_hostile_titles(folder: Path) -> Path:
    shutil.copytree(CONTENT, folder)
    toml = (folder / "site.toml").read_text(encoding="utf-8")
    toml = toml.replace('title = "CNN Explainer"', f"title = {json.dumps(SITE_TITLE)}", 1)
    for title, original in zip(SAMPLE_TITLES, ("lifeboat", "ladybug", "pizza"), strict=True):
        toml = toml.replace(f'title = "{original}"', f"title = {json.dumps(title)}", 1)
    (folder / "site.toml").write_text(toml, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, tuple[Path, list[str]]]:
    """build name -> (folder, the sample titles a reader should see, in gallery order)."""
    from cnn_explainer.build import BuildOptions, build_site

    root = tmp_path_factory.mktemp("hostile")
    weights = _model_with_hostile_classes(root / "model")
    content = _content_with_hostile_titles(root / "content")
    photos = root / "photos"
    photos.mkdir()
    for number, stem in enumerate(FILE_STEMS):
        Image.new("RGB", (64, 64), (60 * number, 100, 200 - 40 * number)).save(photos / f"{stem}.png")
    build_site(BuildOptions(content=content, weights=weights, out=root / "names", images=(photos,)))
    build_site(BuildOptions(content=content, weights=weights, out=root / "titles"))
    # gallery order is file-name order; a file name's underscores read as spaces
    names_titles = [stem.replace("_", " ") for stem in sorted(FILE_STEMS, key=lambda stem: f"{stem}.png")]
    titles = [*SAMPLE_TITLES, "bell pepper", "school bus", "koala", "espresso", "red panda", "orange", "sports car"]
    return {"names": (root / "names", names_titles), "titles": (root / "titles", titles)}


def _hostile(titles: list[str]) -> list[str | None]:
    """The titles with the plain ones blanked: the Chinese page translates plain titles ("koala" -> 考拉)."""
    return [t if any(c in t for c in "<>\"'{") else None for t in titles]


def _script_twin(path: Path) -> dict:
    text = path.read_text(encoding="ascii")
    return json.loads(text[text.index("] = ") + 4:-2])


@pytest.mark.parametrize("build", ["names", "titles"])
def test_data_files_hold_the_text_exactly(builds, build):
    folder, titles = builds[build]
    network = json.loads((folder / "data" / "network.json").read_text())
    assert network["classes"] == CLASS_NAMES == _script_twin(folder / "data" / "network.js")["classes"]
    for page in ("index.html", "zh/index.html"):
        html = (folder / page).read_text(encoding="utf-8")
        island = json.loads(re.search(r'id="cnnx-page" type="application/json">(.*?)</script>', html, re.S)[1])
        assert _hostile([s["title"] for s in island["samples"]]) == _hostile(titles)
        assert island["classes"] == CLASS_NAMES
        for payload in ("<script>window", "<img", "<svg onload", "<iframe", "</title><"):
            assert payload not in html, f"{page} holds {payload!r} unescaped"
        for sample in island["samples"]:
            doc = json.loads((folder / "data" / "samples" / f"{sample['id']}.json").read_text())
            assert doc == _script_twin(folder / "data" / "samples" / f"{sample['id']}.js")
            assert _hostile([doc["title"]]) == _hostile([sample["title"]])


@pytest.mark.parametrize("page_path", ["index.html", "zh/index.html"], ids=["en", "zh"])
@pytest.mark.parametrize("build", ["names", "titles"])
def test_no_script_runs_and_text_shows_literally(browser, builds, build, page_path):
    folder, titles = builds[build]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto((folder / page_path).as_uri())
    page.wait_for_selector("[data-role=overview][data-drawn]", state="attached", timeout=15_000)

    assert page.title() == SITE_TITLE
    assert page.locator(".site-header .logo").text_content() == SITE_TITLE
    thumbs = page.locator("[data-sample]")
    assert _hostile([thumbs.nth(i).get_attribute("title") for i in range(thumbs.count())]) == _hostile(titles)
    classes = page.locator("[data-layer=output][data-neuron]")
    assert [classes.nth(i).get_attribute("aria-label") for i in range(10)] == CLASS_NAMES

    for i in range(thumbs.count()):  # every sample: its predicted class name lands in the page as text
        page.evaluate("(id) => { location.hash = 'sample=' + id; }", thumbs.nth(i).get_attribute("data-sample"))
        page.wait_for_function("(id) => (document.querySelector('[data-role=overview]').dataset.drawn || '')"
                               ".startsWith(id + '|')", arg=thumbs.nth(i).get_attribute("data-sample"))
        assert page.locator("[data-role=prediction]").text_content() in CLASS_NAMES
    for i in range(10):  # hovering a class puts its name into the hover chip
        classes.nth(i).hover()
        assert page.locator("[data-role=hover]").text_content().startswith(f"{CLASS_NAMES[i]} · ")
    classes.nth(0).click()
    page.wait_for_timeout(300)  # let any deferred payload (an onerror, an iframe) have its chance

    found = page.evaluate(CHECK)
    assert found["pwned"] is None and found["parentPwned"] is None, found
    assert found["handlers"] == [] and found["injected"] == [], found
    assert found["inlineScripts"] == ["cnnx-page", "cnnx-first-sample", "inline"], found
    assert found["outsideScripts"] == [], found
    base = (folder / "index.html").as_uri().rsplit("/", 1)[0] + "/"
    assert [u for u in requests if not u.startswith((base, "data:", "blob:"))] == []
    assert errors == []
    context.close()
