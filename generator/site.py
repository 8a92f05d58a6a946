"""Render the pages and write the build folder: the pipeline's only stage that touches the disk.

`render_site` is pure (inputs -> {relative path: bytes}); `write_atomically` (output.py) writes that
mapping into a temporary sibling folder and swaps it into place only when every file is there, so a
failed or killed build never leaves a half-written site. A marker file identifies build folders, so a
mistyped `--out` can never wipe an unrelated folder.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from .article import Article
from .encode import to_json, to_script
from .network.description import TINYVGG, Architecture
from .output import MARKER
from .output import check_target as check_target  # re-exported: the write stage's API
from .output import write_atomically as write_atomically
from .precompute import SCALE_MODES, blocks, map_layers
from .resources import TEMPLATES

STATIC = TEMPLATES / "static"
MARKER_TEXT = "Written by `cnn-explainer build`. The next build replaces this whole folder.\n"
# The page's own code: classic scripts (file:// refuses ES module scripts), concatenated in this order into
# one file, BUNDLE, so that the first view makes one request for them, not one each. The detail views come
# before app.js: detail.js reads its URL-hash parameters before app.js rewrites the hash. The Vega runtime is
# no part of it: article.js inserts assets/vega.js when an article chart scrolls near.
SCRIPTS = (
    "palette.js", "layout.js", "charts.js", "overview.js", "inplace.js",
    "detail-math.js", "detail.js", "detail-conv.js", "detail-activation.js", "detail-dense.js",
    "app.js", "keyboard.js", "explorer.js", "article.js",
    "preprocess.js", "network.js", "upload.js",  # the reader's own image
)
BUNDLE = "cnnx.js"
INLINED = ("data.js",)  # included in the page itself by the template, not written to assets/
SHORT_NAMES = {"input": "input", "conv": "conv", "relu": "relu", "pool": "max_pool", "dense": "output",
               "hidden": "dense"}

# Content-Security-Policy, as a <meta> tag so it holds on any static host and from file://. Everything
# comes from the site itself ('self'); inline <script> and <style> blocks apply only if their hash is
# listed (filled in per page by seal_csp); no 'unsafe-eval' (Vega runs its expressions in its
# interpreter: charts.vega_runtime), no style attributes. data: and blob: images are pictures the page
# makes itself (the favicon, canvases, a reader's own picture).
CSP_MARKER = "__CONTENT_SECURITY_POLICY__"
CSP = ("default-src 'self'; script-src 'self'{scripts}; style-src 'self'{styles}; img-src 'self' data: blob:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'")
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_DATA_TYPE = re.compile(r"""\btype\s*=\s*["']?(application/(ld\+)?json|text/plain)""", re.IGNORECASE)


@dataclass(frozen=True)
class SiteInputs:
    """Everything the pages need, already computed and encoded by the earlier stages."""

    title: str
    base_url: str
    languages: tuple[str, ...]
    strings: dict[str, dict[str, str]]
    translations: dict[str, dict[str, str]]  # language -> {class name or sample title: its translation}
    articles: dict[str, Article]  # language -> the rendered article
    samples: tuple[dict[str, str], ...]  # {"id", "title"} in gallery order
    default_sample: str
    class_names: tuple[str, ...]
    data_files: dict[str, dict[str, Any]]  # data key ("network", "samples/<id>") -> document
    thumbnails: bytes  # WebP: the gallery's pictures side by side, in gallery order
    charts: dict[str, dict[str, Any]]  # name -> Vega spec
    palettes: dict[str, list[str]]
    vega_runtime: str
    # language -> {name: Vega spec}: the article's charts that differ per language ("About the model")
    article_charts: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    repository: str = ""  # the project's source repository, linked from the header ("": no link)
    architecture: Architecture = TINYVGG  # the network drawn: its columns and legend groups


def columns(class_count: int, arch: Architecture = TINYVGG) -> list[dict[str, Any]]:
    """The overview's columns: the input channels, every map layer (map_layers), the output classes.

    A hidden Dense layer's column has kind "hidden" ("dense" is the output's), so the page tells them apart.
    """
    cols = [{"name": "input", "kind": "input", "shape": list(arch.input_shape), "count": arch.input_shape[-1]}]
    cols += [{"name": layer.name, "kind": "hidden" if layer.kind == "dense" else layer.kind,
              "shape": list(layer.output_shape), "count": layer.output_shape[-1]} for layer in map_layers(arch)]
    cols.append({"name": "output", "kind": "dense", "shape": [class_count], "count": class_count})
    for col in cols:
        col["short"] = "avg_pool" if col["name"].startswith("avg_pool") else SHORT_NAMES[col["kind"]]
    return cols


def legend_groups(arch: Architecture = TINYVGG) -> dict[str, list[list[str]]]:
    """Which layers share one colour range (and so one legend) in each scale mode (precompute.color_ranges)."""
    layers = map_layers(arch)
    unit: list[list[str]] = []
    for layer in layers:
        if layer.kind in ("conv", "dense") or not unit:
            unit.append([])
        unit[-1].append(layer.name)
    return {"layer": [[layer.name] for layer in layers], "unit": unit, "module": blocks(layers),
            "global": [[layer.name for layer in layers]]}


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"]), keep_trailing_newline=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}  # compact, still sorted
    return env


def render_page(env: Environment, inputs: SiteInputs, lang: str, root: str, prefix: str = "") -> str:
    strings = inputs.strings[lang]
    words = inputs.translations.get(lang, {})
    classes = [words.get(name, name) for name in inputs.class_names]
    samples = [{**sample, "title": words.get(sample["title"], sample["title"])} for sample in inputs.samples]
    cols = columns(len(inputs.class_names), inputs.architecture)
    groups = legend_groups(inputs.architecture)
    page = {
        "root": root, "lang": lang, "defaultSample": inputs.default_sample,
        "samples": samples, "classes": classes,
        "columns": cols, "legendGroups": groups, "scaleModes": list(SCALE_MODES),
        "palettes": inputs.palettes, "charts": sorted(_article_charts(inputs, lang)),  # their specs: chart_files
        "strings": strings,
    }
    legends = ["input", *[f"range-{i}" for i in range(max(len(g) for g in groups.values()))], "output"]
    return env.get_template("index.html").render(
        lang=lang, root=root, csp=CSP_MARKER, canonical=f"{inputs.base_url}{prefix}" if inputs.base_url else "",
        title=inputs.title, strings=strings, languages=_language_links(inputs, lang, root),
        repository=inputs.repository,
        page=page, bundle=BUNDLE, samples=samples, columns=cols, classes=classes,
        channels=([f"{strings['grey']} {strings['channel']}"] if inputs.architecture.input_shape[-1] == 1
                  else [f"{strings['red']} {strings['channel']}", strings["green"], strings["blue"]]),
        legends=legends, scale_modes=SCALE_MODES,
        first_sample=htmlsafe_json_dumps(inputs.data_files[f"samples/{inputs.default_sample}"],
                                         dumps=to_json),  # its data file's text, < > & ' escaped
        article=Markup(inputs.articles[lang].html),  # rendered with raw HTML off: see article.py
    )


def _article_charts(inputs: SiteInputs, lang: str) -> dict[str, dict[str, Any]]:
    return {**inputs.charts, **inputs.article_charts.get(lang, {})}


def chart_files(inputs: SiteInputs) -> dict[str, dict[str, Any]]:
    """Data key ("charts/<lang>") -> that page's article Vega specs: loaded with Vega, never on the first view."""
    return {f"charts/{lang}": {"version": 1, "charts": _article_charts(inputs, lang)} for lang in inputs.languages}


def _hashes(blocks: list[str]) -> str:
    digests = {base64.b64encode(hashlib.sha256(b.encode("utf-8")).digest()).decode("ascii") for b in blocks}
    return "".join(f" 'sha256-{d}'" for d in sorted(digests))


def seal_csp(html: str) -> str:
    """Fill the page's CSP with the hash of each inline script and style block (JSON data blocks never run)."""
    scripts = [body for attrs, body in _SCRIPT.findall(html)
               if not re.search(r"\bsrc\s*=", attrs, re.IGNORECASE) and not _DATA_TYPE.search(attrs)]
    policy = CSP.format(scripts=_hashes(scripts), styles=_hashes(_STYLE.findall(html)))
    return html.replace(CSP_MARKER, policy, 1)


def _language_links(inputs: SiteInputs, current: str, root: str) -> list[dict[str, str]]:
    """The other languages' pages, relative to this one (the first language lives at the root)."""
    return [{"code": lang, "name": inputs.strings[lang]["language_name"],
             "href": f"{root}{'' if n == 0 else lang + '/'}index.html"}
            for n, lang in enumerate(inputs.languages) if lang != current]


def render_site(inputs: SiteInputs) -> dict[str, bytes]:
    """Every file of the site, keyed by its path relative to the build folder."""
    env = _environment()
    # .nojekyll: GitHub Pages serves the folder as it is instead of running Jekyll over it.
    files: dict[str, bytes] = {MARKER: MARKER_TEXT.encode(), ".nojekyll": b""}
    for number, lang in enumerate(inputs.languages):
        prefix = "" if number == 0 else f"{lang}/"
        root = "" if number == 0 else "../"
        files[f"{prefix}index.html"] = seal_csp(render_page(env, inputs, lang, root, prefix)).encode("utf-8")
    for key, doc in {**inputs.data_files, **chart_files(inputs)}.items():
        files[f"data/{key}.json"] = (to_json(doc) + "\n").encode("ascii")
        files[f"data/{key}.js"] = to_script(key, doc).encode("ascii")
    files["assets/thumbnails.webp"] = inputs.thumbnails
    for path in sorted(STATIC.iterdir()):
        if path.is_file() and path.suffix != ".js":
            files[f"assets/{path.name}"] = path.read_bytes()
    files[f"assets/{BUNDLE}"] = bundle_scripts()
    files["assets/vega.js"] = inputs.vega_runtime.encode("utf-8")
    return files


def bundle_scripts() -> bytes:
    """SCRIPTS joined into one classic script, each file under a comment naming it.

    Each file is a self-contained IIFE, so plain concatenation keeps their scopes apart; no bundler, no
    rewriting, the same bytes for the same files.
    """
    present = {path.name for path in STATIC.glob("*.js")}
    missing = sorted(set(SCRIPTS) - present)
    unlisted = sorted(present - set(SCRIPTS) - set(INLINED))
    if missing or unlisted:  # a script added to templates/static must be given its place in SCRIPTS
        raise ValueError(f"{STATIC}: SCRIPTS lists missing files {missing} and leaves out {unlisted}")
    parts = [f"/* ---- {name} ---- */\n{(STATIC / name).read_text(encoding='utf-8').rstrip()}\n" for name in SCRIPTS]
    return "".join(parts).encode("utf-8")
