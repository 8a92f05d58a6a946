"""Render the pages and write the build folder: the pipeline's only stage that touches the disk.

`render_site` is pure (inputs -> {relative path: bytes}); `write_atomically` writes that mapping
into a temporary sibling folder and swaps it into place only when every file is there, so a
failed build never leaves a half-written site. A marker file identifies build folders, so a
mistyped `--out` can never wipe an unrelated folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .article import Article
from .encode import to_json, to_script
from .errors import InputError
from .precompute import MAP_LAYERS, SCALE_MODES, blocks

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = TEMPLATES / "static"
MARKER = ".cnn-explainer-build"
MARKER_TEXT = "Written by `cnn-explainer build`. The next build replaces this whole folder.\n"
# Classic scripts, run in this order after parsing (file:// refuses ES module scripts).
# The detail views come before app.js: detail.js reads its URL-hash parameters before app.js rewrites the hash.
DETAIL_SCRIPTS = ("detail-math.js", "detail.js", "detail-conv.js", "detail-activation.js", "detail-dense.js")
SCRIPTS = ("vega.js", "palette.js", "layout.js", "charts.js", "overview.js", *DETAIL_SCRIPTS, "app.js", "explorer.js",
           "article.js")
INLINED = ("data.js",)  # included in the page itself by the template, not written to assets/
SHORT_NAMES = {"input": "input", "conv": "conv", "relu": "relu", "pool": "max_pool", "dense": "output"}


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
    thumbnails: bytes  # PNG: the gallery's pictures side by side, in gallery order
    charts: dict[str, dict[str, Any]]  # name -> Vega spec
    palettes: dict[str, list[str]]
    vega_runtime: str


def columns(class_count: int) -> list[dict[str, Any]]:
    """The overview's twelve columns: the input channels, the ten map layers, the output classes."""
    cols = [{"name": "input", "kind": "input", "shape": [64, 64, 3], "count": 3}]
    cols += [{"name": layer.name, "kind": layer.kind, "shape": list(layer.output_shape),
              "count": layer.output_shape[-1]} for layer in MAP_LAYERS]
    cols.append({"name": "output", "kind": "dense", "shape": [class_count], "count": class_count})
    for col in cols:
        col["short"] = SHORT_NAMES[col["kind"]]
    return cols


def legend_groups() -> dict[str, list[list[str]]]:
    """Which layers share one colour range (and so one legend) in each scale mode."""
    unit: list[list[str]] = []
    for layer in MAP_LAYERS:
        if layer.kind == "conv" or not unit:
            unit.append([])
        unit[-1].append(layer.name)
    return {"unit": unit, "module": blocks(), "global": [[layer.name for layer in MAP_LAYERS]]}


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
    cols = columns(len(inputs.class_names))
    groups = legend_groups()
    page = {
        "root": root, "lang": lang, "defaultSample": inputs.default_sample,
        "samples": samples, "classes": classes,
        "columns": cols, "legendGroups": groups, "scaleModes": list(SCALE_MODES),
        "palettes": inputs.palettes, "charts": inputs.charts, "strings": strings,
    }
    legends = ["input", *[f"range-{i}" for i in range(max(len(g) for g in groups.values()))], "output"]
    return env.get_template("index.html").render(
        lang=lang, root=root, canonical=f"{inputs.base_url}{prefix}" if inputs.base_url else "",
        title=inputs.title, strings=strings, languages=_language_links(inputs, lang, root),
        page=page, scripts=SCRIPTS, samples=samples, columns=cols, classes=classes,
        channels=[f"{strings['red']} {strings['channel']}", strings["green"], strings["blue"]],
        legends=legends, scale_modes=SCALE_MODES,
        article=Markup(inputs.articles[lang].html),  # rendered with raw HTML off: see article.py
    )


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
        files[f"{prefix}index.html"] = render_page(env, inputs, lang, root, prefix).encode("utf-8")
    for key, doc in inputs.data_files.items():
        files[f"data/{key}.json"] = (to_json(doc) + "\n").encode("ascii")
        files[f"data/{key}.js"] = to_script(key, doc).encode("ascii")
    files["assets/thumbnails.png"] = inputs.thumbnails
    for path in sorted(STATIC.iterdir()):
        if path.is_file() and path.name not in INLINED:
            files[f"assets/{path.name}"] = path.read_bytes()
    files["assets/vega.js"] = inputs.vega_runtime.encode("utf-8")
    return files


def check_target(out: Path) -> None:
    """InputError unless `out` is missing, an empty folder or a previous build (it has the marker)."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InputError(out, "exists and is not a folder; refusing to replace it")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise InputError(out, f"folder is not empty and has no {MARKER} marker, so it is not a previous "
                              "build; refusing to overwrite it (choose another --out or empty it)")


def write_atomically(files: dict[str, bytes], out: Path) -> None:
    """Write `files` into a temporary sibling of `out`, then swap it in; on any error `out` is untouched."""
    out = Path(os.path.abspath(out))
    check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{out.name}.tmp-", dir=out.parent))
    old: Path | None = None
    try:
        for relative, content in sorted(files.items()):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        staging.chmod(0o755)  # mkdtemp makes it 0700; a served site must be readable
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f"{out.name}.old-", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(staging, out)
    except BaseException:
        if old is not None and not out.exists():
            os.replace(old / out.name, out)  # put the previous build back
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
