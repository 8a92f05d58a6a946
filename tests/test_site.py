"""site: the rendered page's hooks and URLs, atomic writes, the marker, and byte-identical rebuilds."""

from __future__ import annotations

import json
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from cnn_explainer import site
from cnn_explainer.cli import main
from cnn_explainer.colors import palettes
from cnn_explainer.config import UI_STRINGS
from cnn_explainer.encode import encode_sample
from cnn_explainer.errors import InputError
from cnn_explainer.precompute import MAP_LAYERS, SampleData, color_ranges
from cnn_explainer.site import MARKER, SiteInputs, legend_groups, render_site, write_atomically
from conftest import ORIGINAL_TOP1, REFERENCE, REFERENCE_MODEL, needs

CLASSES = tuple(f"class {i}" for i in range(10))
IDS = ("a", "b")


def _sample(sample_id: str) -> SampleData:
    rng = np.random.default_rng(len(sample_id))
    maps = {layer.name: rng.normal(0, 1, (layer.output_shape[2], *layer.output_shape[:2])).astype(np.float32)
            for layer in MAP_LAYERS}
    probabilities = np.full(10, 0.1, np.float32)
    return SampleData(id=sample_id, title=sample_id.upper(), input=np.zeros((3, 64, 64), np.uint8), maps=maps,
                      logits=np.zeros(10, np.float32), probabilities=probabilities, ranges=color_ranges(maps))


def _article(markdown: str):
    from cnn_explainer.article import render_article
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "a.md"
        source.write_text("{#a}\n## A\n\n" + markdown, encoding="utf-8")
        return render_article(source)


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    strings = {key: key for key in UI_STRINGS}
    return render_site(SiteInputs(
        title="T <&>", base_url="https://example.org/cnn/", languages=("en", "zh"),
        strings={"en": strings, "zh": strings}, translations={"zh": {CLASSES[0]: "第一类"}},
        articles={lang: _article(text) for lang, text in (("en", "One <b>para</b>.\n\nTwo."), ("zh", "三"))},
        samples=tuple({"id": i, "title": i.upper()} for i in IDS), default_sample="b", class_names=CLASSES,
        data_files={"network": {"schema": "n"}, **{f"samples/{i}": encode_sample(_sample(i)) for i in IDS}},
        thumbnails=b"png", charts={"relu": {"marks": []}}, palettes=palettes(),
        vega_runtime="/* vega */",
    ))


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))


def _elements(html: bytes) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html.decode())
    return parser.elements


def test_site_has_pages_data_twins_assets_and_marker(files):
    expected = {"index.html", "zh/index.html", MARKER, ".nojekyll", "assets/vega.js", "assets/site.css",
                "assets/cnnx.js", "data/network.json", "data/network.js", "assets/thumbnails.webp",
                *(f"data/samples/{i}.{ext}" for i in IDS for ext in ("json", "js"))}
    assert expected <= set(files)
    assert not {f"assets/{name}" for name in site.SCRIPTS} & set(files)  # only their bundle is served


def test_one_script_bundle_holds_every_script_in_order(files):
    """The page loads one file of its own code: every templates/static script but data.js, in SCRIPTS' order."""
    bundle = files["assets/cnnx.js"].decode()
    scripts = sorted(p.name for p in site.STATIC.glob("*.js"))
    assert sorted([*site.SCRIPTS, *site.INLINED]) == scripts
    at = [bundle.index((site.STATIC / name).read_text().rstrip()) for name in site.SCRIPTS]
    assert at == sorted(at)
    assert site.SCRIPTS.index("detail.js") < site.SCRIPTS.index("app.js")  # it reads the hash before app.js rewrites it
    tags = [a["src"] for tag, a in _elements(files["index.html"]) if tag == "script" and "src" in a]
    assert tags == ["assets/cnnx.js"]  # no Vega on the first view


def test_page_has_every_neuron_thumbnail_and_hook(files):
    elements = _elements(files["index.html"])
    neurons = [a for _, a in elements if "data-neuron" in a]
    by_layer = {}
    for a in neurons:
        by_layer.setdefault(a["data-layer"], []).append(int(a["data-neuron"]))
    assert list(by_layer) == ["input", *[layer.name for layer in MAP_LAYERS], "output"]
    assert by_layer["input"] == [0, 1, 2] and all(v == list(range(10)) for k, v in by_layer.items() if k != "input")
    assert [a["data-sample"] for _, a in elements if "data-sample" in a] == list(IDS)
    assert any(a.get("data-role") == "prediction" for _, a in elements)
    assert any(a.get("data-role") == "scale" for _, a in elements)


def test_every_url_is_relative(files):
    for name in ("index.html", "zh/index.html"):
        for tag, attrs in _elements(files[name]):
            for key in ("src", "href"):
                url = attrs.get(key)
                if url is None or url.startswith("data:") or attrs.get("rel") == "canonical":
                    continue
                if tag == "a" and re.match(r"^https://", url):
                    continue  # a link elsewhere (the header's paper link): followed, never loaded by the page
                assert not re.match(r"^([a-z]+:|/)", url), f"{name}: <{tag} {key}={url!r}>"
    assert b'src="../assets/cnnx.js"' in files["zh/index.html"]
    # the one absolute URL: the canonical link, which browsers never request
    assert b'<link rel="canonical" href="https://example.org/cnn/zh/">' in files["zh/index.html"]


def test_base_url_sets_canonical_and_open_graph_only(files):
    metas = {a["property"]: a["content"] for t, a in _elements(files["zh/index.html"]) if "property" in a}
    assert metas["og:url"] == "https://example.org/cnn/zh/" and metas["og:type"] == "website"
    assert metas["og:title"] == "T <&>"


def test_text_is_escaped_and_page_json_is_parseable(files):
    html = files["index.html"].decode()
    assert "T &lt;&amp;&gt;" in html and "<b>para</b>" not in html
    island = re.search(r'<script id="cnnx-page" type="application/json">(.*?)</script>', html, re.S).group(1)
    page = json.loads(island)
    assert page["defaultSample"] == "b" and page["classes"] == list(CLASSES)
    assert len(page["columns"]) == 12 and page["legendGroups"] == legend_groups()
    assert len(page["palettes"]["RdBu"]) == 256
    assert page["charts"] == ["relu"]  # only the names: the specs wait in data/charts/<lang>.js with Vega


def test_each_page_carries_the_default_samples_data_file(files):
    """The first view needs no request for its sample: the page holds the very document data/samples/b.json has."""
    for page in ("index.html", "zh/index.html"):
        html = files[page].decode()
        island = re.search(r'<script id="cnnx-first-sample" type="application/json">(.*?)</script>', html, re.S)[1]
        assert json.loads(island) == json.loads(files["data/samples/b.json"])
        assert html.index('id="cnnx-first-sample"') < html.index("<script>")  # there before data.js reads it


def test_article_chart_specs_are_data_files_per_language(files):
    for lang in ("en", "zh"):
        doc = json.loads(files[f"data/charts/{lang}.json"])
        assert doc == {"version": 1, "charts": {"relu": {"marks": []}}}
        twin = files[f"data/charts/{lang}.js"].decode()
        assert twin.endswith(f'["charts/{lang}"] = {json.dumps(doc, separators=(",", ":"))};\n')
    assert b'"marks"' not in files["index.html"]


def test_legend_groups_follow_the_colour_ranges():
    groups = legend_groups()
    assert [g[0] for g in groups["unit"]] == ["conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2"]
    assert [len(g) for g in groups["module"]] == [5, 5] and len(groups["global"]) == 1
    assert groups["layer"] == [[layer.name] for layer in MAP_LAYERS]  # every layer its own range and legend


def test_missing_template_variable_fails_instead_of_rendering_empty():
    env = site._environment()
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ nope }}").render()


def test_write_replaces_a_previous_build(tmp_path, files):
    out = tmp_path / "build"
    write_atomically({MARKER: b"m", "old.txt": b"old"}, out)
    write_atomically(files, out)
    assert not (out / "old.txt").exists()
    assert (out / "index.html").read_bytes() == files["index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]  # no staging folders left


@pytest.mark.parametrize("setup", ["non-empty folder", "file"])
def test_write_refuses_what_is_not_a_build(tmp_path, setup):
    out = tmp_path / "out"
    if setup == "file":
        out.write_text("x")
    else:
        out.mkdir()
        (out / "thesis.tex").write_text("precious")
    with pytest.raises(InputError):
        write_atomically({MARKER: b"m"}, out)
    if setup == "file":
        assert out.read_text() == "x"
    else:
        assert (out / "thesis.tex").read_text() == "precious"


def test_an_empty_folder_may_be_used(tmp_path):
    (tmp_path / "out").mkdir()
    write_atomically({MARKER: b"m", "a": b"1"}, tmp_path / "out")
    assert (tmp_path / "out" / "a").read_bytes() == b"1"


def test_failed_write_leaves_the_previous_build_untouched(tmp_path, monkeypatch):
    out = tmp_path / "build"
    write_atomically({MARKER: b"m", "index.html": b"previous"}, out)
    calls = []
    real = Path.write_bytes

    def flaky(self, data):
        calls.append(self)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", flaky)
    with pytest.raises(InputError, match=r"cannot write the build \(disk full\)"):
        write_atomically({MARKER: b"m", "index.html": b"new", "z": b"z"}, out)
    assert (out / "index.html").read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
@needs(REFERENCE_MODEL)
def test_cli_builds_byte_identical_sites(tmp_path):
    images = [str(REFERENCE / "images" / f"{n}.jpeg") for n in ("espresso_1", "koala_1")]
    args = ["build", "--weights", str(REFERENCE_MODEL), *[arg for i in images for arg in ("--images", i)]]
    first = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "one")])
    second = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "two")])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "built" in first.stdout and "2 images" in first.stdout
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert one == two
    assert {"data/samples/espresso_1.js", "data/samples/koala_1.js", "index.html", MARKER} <= set(one)


@pytest.mark.slow
@needs(REFERENCE_MODEL)
def test_original_model_and_images_give_the_originals_predictions(tmp_path):
    images = [str(REFERENCE / "images" / f"{name}.jpeg") for name in ORIGINAL_TOP1]
    result = CliRunner().invoke(main, ["build", "--weights", str(REFERENCE_MODEL), "--out", str(tmp_path / "site"),
                                       "--images", *images])  # as a shell glob expands

    assert result.exit_code == 0, result.output
    assert "forward pass (10 images" in result.stderr and "render + write" in result.stderr
    page = (tmp_path / "site" / "index.html").read_text()
    classes = json.loads(re.search(r'id="cnnx-page" type="application/json">(.*?)</script>', page, re.S)[1])["classes"]
    for name, top1 in ORIGINAL_TOP1.items():
        doc = json.loads((tmp_path / "site" / "data" / "samples" / f"{name}.json").read_text())
        assert classes[doc["top1"]] == top1, name


def test_cli_refuses_a_folder_that_is_not_a_build(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["build", "--weights", str(REFERENCE_MODEL), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {tmp_path}: folder is not empty") or "not empty" in result.output
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_class_names_are_translated_per_language(files):
    assert "第一类" in files["zh/index.html"].decode()
    assert "第一类" not in files["index.html"].decode()


@pytest.mark.parametrize("repository", ["", "https://github.com/you/cnn-explainer"], ids=["unset", "set"])
def test_the_header_links_the_paper_and_the_repository_when_one_is_set(repository):
    strings = {key: key for key in UI_STRINGS}
    html = render_site(SiteInputs(
        title="T", base_url="", languages=("en",), strings={"en": strings}, translations={},
        articles={"en": _article("text")}, samples=({"id": "a", "title": "a"},), default_sample="a",
        class_names=CLASSES, data_files={"samples/a": {"id": "a"}}, thumbnails=b"", charts={}, palettes={},
        vega_runtime="",
        repository=repository))["index.html"].decode()
    header = html.split('<header class="site-header">')[1].split("</header>")[0]
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', header)
    expected = [("https://arxiv.org/abs/2004.15004", "paper")]
    if repository:
        expected.append((repository, "repository"))
    assert [link for link in links if not link[0].endswith("index.html")] == expected
