"""`content/site.toml` read and checked once, at the edge: everything later trusts a SiteConfig.

The TOML file holds the site's title, its languages and the sample gallery (paths relative
to the content folder). `--images` replaces the gallery; ids and titles then come from file names,
unless an `images.toml` beside the images names their titles and order (IMAGES_MANIFEST).
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from .errors import InputError, not_utf8, printable
from .image_files import image_files, usable_pictures
from .images import SIZE
from .network.normalization import Normalization, parse_normalization
from .resources import CONTENT

CONFIG_FILE = "site.toml"
# Beside `--images` files: [[images]] tables with `file` (a name in that folder) and an optional `title`;
# the files it lists come first, in its order. Photos are seldom named as a reader should see them.
IMAGES_MANIFEST = "images.toml"
# Every UI string the templates and scripts use; each language's [strings.<lang>] table needs all. A language the
# bundled site.toml also has takes the strings its table lacks from there (bundled_strings), so a string added in
# a later version never breaks a project that `new` made before it.
UI_STRINGS = ("controls", "gallery", "prediction", "details", "scale", "scale_layer", "scale_unit", "scale_module",
              "scale_global", "legend_clipped",
              "overview", "neuron", "red", "green", "blue", "grey", "channel", "values", "probability", "logit",
              "selected", "bias", "hint", "noscript", "language_name", "tagline", "article", "back_to_network",
              "input_size", "padding", "kernel_size", "stride", "dilation", "play", "pause", "explorer_input",
              "explorer_padded", "explorer_kernel", "explorer_dilated", "explorer_output", "stride_invalid",
              "kernel_too_wide",
              # the reader's own image and the "About the model" section
              "upload", "upload_error", "upload_too_large", "upload_pasted", "own_image_elsewhere",
              # the header's links
              "header_links", "paper", "repository",
              "chart_epoch", "chart_accuracy",
               "chart_loss", "chart_split", "split_train", "split_holdout", "split_val", "chart_true",
               "chart_predicted", "chart_count", "table_class", "table_right", "table_wrong", "table_accuracy",
               "model_teachers", "model_fine_tuned",
               # the detail views (detail*.js)
               "detail_conv", "detail_relu", "detail_pool", "detail_avg_pool", "detail_flatten", "detail_softmax",
                "detail_info",
                "detail_close", "detail_step", "detail_speed", "detail_speed_slow", "detail_speed_normal",
                "detail_speed_fast", "detail_hint_conv", "detail_hint_relu", "detail_hint_pool", "detail_hint_flatten",
                "detail_hint_softmax", "detail_input", "detail_output", "detail_kernel", "detail_channels",
                "detail_show_formula", "detail_flattened_chw", "detail_intermediate", "detail_intermediates",
                "detail_patch",
                "detail_products", "detail_per_channel", "detail_result", "detail_window", "detail_legend_input",
                "detail_legend_maps", "detail_legend_kernel", "detail_legend_weight", "detail_flattened",
                "detail_weights_into", "detail_value", "detail_weight", "detail_sum_products", "detail_network_logit",
                "detail_flat_source", "detail_class", "detail_title", "detail_drawing", "detail_view_edges",
                "detail_view_grid", "detail_legend_edges", "detail_edges_caption", "detail_softmax_pass_exp",
                "detail_softmax_pass_share", "detail_sum_so_far", "detail_sum_all",
                # moving between neurons and channels inside a view (detail.js)
                "detail_prev_neuron", "detail_next_neuron", "detail_prev_channel", "detail_next_channel")
MAX_SAMPLES = 100  # the gallery's limit (README: 1 to 100 images); each sample is a data file of ~40 KB
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class SampleSource:
    """One gallery image: `id` names its data file and URL hash, `title` is what readers see."""

    id: str
    title: str
    path: Path
    # (width, height) -> the picture at that size, decoded once when `--images` checked the file (the gallery's
    # 64x64 and the network's input size), so the build does not decode it again; empty for site.toml's samples
    pictures: dict[tuple[int, int], Image.Image] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class SiteConfig:
    title: str
    languages: tuple[str, ...]
    samples: tuple[SampleSource, ...]
    default_sample: str
    base_url: str  # where the site is published ("" if unknown); only for the canonical link
    repository: str  # the project's source repository, linked from the header ("": no link)
    normalize: Normalization | None  # (mean, std) of a PyTorch model's input normalisation, if it had one
    content: Path
    strings: dict[str, dict[str, str]]  # language -> UI string key -> text
    # language -> {word: translation} for class names and sample titles; unlisted words stay as they are
    translations: dict[str, dict[str, str]]


def _require(source: Path, table: dict[str, Any], key: str, kind: type, where: str = "") -> Any:
    """table[key] if it is a `kind`; else InputError naming the key and, in `where`, its line."""
    value = table.get(key)
    if key not in table:
        raise InputError(source, f"{where}missing '{key}' (a {kind.__name__})")
    if not isinstance(value, kind):
        raise InputError(source, f"{where}'{key}' must be a {kind.__name__}, got {value!r}")
    return value


# --- where in site.toml: tomllib reports lines for syntax errors only, so find keys ourselves ---------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]*?)\s*\]")


def _table_start(text: str, table: str, index: int = 1) -> int | None:
    """The line of the `index`-th `[table]` or `[[table]]` header; 0 for the top level; None if absent."""
    if not table:
        return 0
    seen = 0
    for number, line in enumerate(text.splitlines(), 1):
        match = _HEADER.match(line)
        if match and match.group(2) == table:
            seen += 1
            if seen == index:
                return number
    return None


def _where(text: str, key: str = "", table: str = "", index: int = 1) -> str:
    """"line N: " for `key` in `table` (or the table's header when `key` is empty), "" if not found."""
    start = _table_start(text, table, index)
    if start is None:
        return ""
    if not key:
        return f"line {start}: " if start else ""
    assign = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    for number, line in enumerate(text.splitlines()[start:], start + 1):
        if _HEADER.match(line):
            break
        if assign.match(line):
            return f"line {number}: "
    return f"line {start}: " if start else ""


def _syntax_error(source: Path, text: str, exc: tomllib.TOMLDecodeError) -> InputError:
    """tomllib's message with the line number up front and the offending line quoted."""
    message = str(exc)
    at = re.search(r" \(at line (\d+), column (\d+)\)$", message)
    lines = text.splitlines() or [""]
    if at:
        number, column = int(at.group(1)), int(at.group(2))
        message = message[:at.start()] + f" (column {column})"
    else:  # "(at end of document)"
        number = len(lines)
        message = message.replace(" (at end of document)", " (at the end of the file)")
    quoted = lines[number - 1].strip() if number <= len(lines) else ""
    return InputError(source, f"line {number}: invalid TOML: {message}: {quoted!r}")


def slug(name: str) -> str:
    """A file stem as a sample id: lower case, [a-z0-9_-] only (ids appear in file names and URLs)."""
    text = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")
    return text[:64] or "image"


def _samples_from_toml(source: Path, content: Path, entries: Any, text: str = "") -> list[SampleSource]:
    if not isinstance(entries, list) or not entries:
        raise InputError(source, f"{_where(text, 'samples')}'samples' must be a non-empty array of tables "
                                 "([[samples]])")
    samples = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise InputError(source, f"samples entry {number} is not a table")
        sample_id = _require(source, entry, "id", str, _where(text, "id", "samples", number))
        if not _ID.match(sample_id):
            raise InputError(source, f"{_where(text, 'id', 'samples', number)}sample id {sample_id!r} "
                                     f"must match {_ID.pattern}")
        path = content / _require(source, entry, "path", str, _where(text, "path", "samples", number))
        if not path.is_file():
            raise InputError(path, f"sample {sample_id!r}: no such image file")
        samples.append(SampleSource(sample_id, str(entry.get("title", sample_id)), path))
    return samples


def title_from_stem(stem: str) -> str:
    """A file name as a reader should see it: "boat_1" -> "boat 1" (hyphens stay: "t-shirt", "own-1")."""
    return stem.replace("_", " ")


def read_manifest(folder: Path) -> dict[str, tuple[int, str | None]]:
    """`folder/images.toml` as {file name: (position, title or None)}; {} when there is none."""
    source = folder / IMAGES_MANIFEST
    if not source.is_file():
        return {}
    text, doc = _read_toml(source)
    entries = doc.get("images", [])
    unknown = sorted(set(doc) - {"images"})
    if unknown:
        raise InputError(source, f"{_where(text, unknown[0])}unknown key '{unknown[0]}' (expected [[images]] tables)")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError(source, f"{_where(text, 'images')}'images' must be an array of tables ([[images]])")
    listed: dict[str, tuple[int, str | None]] = {}
    for number, entry in enumerate(entries, 1):
        name = _require(source, entry, "file", str, _where(text, "file", "images", number))
        title = entry.get("title")
        if title is not None and (not isinstance(title, str) or not title.strip()):
            raise InputError(source, f"{_where(text, 'title', 'images', number)}'title' must be a non-empty "
                                     f"string, got {title!r}")
        if name in listed:
            raise InputError(source, f"{_where(text, 'file', 'images', number)}{name!r} is listed twice")
        if not (folder / name).is_file() or Path(name).name != name:
            raise InputError(source, f"{_where(text, 'file', 'images', number)}no image {name!r} in this folder")
        listed[name] = (number, title.strip() if title else None)
    return listed


def samples_from_paths(paths: list[Path], warn: Callable[[str], None] | None = None,
                       input_size: tuple[int, int] = (SIZE, SIZE)) -> list[SampleSource]:
    """`--images` arguments (files or folders of images) as gallery entries, in a stable order.

    image_files.py holds the policy (each file once, a bad one skipped with a warning); the gallery
    takes at most MAX_SAMPLES. Ids come from the file name, any bytes of it that are not UTF-8 shown
    as U+FFFD; so do titles, unless the folder's images.toml gives one. Files that manifest lists come
    first, in its order; the rest keep the order they were given in. Each picture is kept at 64x64 and at
    `input_size` (width, height), the network's.
    """
    pictures = usable_pictures(image_files(paths), warn, sizes=tuple(dict.fromkeys(((SIZE, SIZE), input_size))))
    if len(pictures) > MAX_SAMPLES:
        raise InputError("--images", f"{len(pictures)} usable images, more than the gallery's limit of "
                                     f"{MAX_SAMPLES}; choose fewer")
    manifests = {folder: read_manifest(folder) for folder in dict.fromkeys(file.parent for file, _ in pictures)}
    unlisted = (MAX_SAMPLES + 1, None)
    placed = sorted(pictures, key=lambda item: manifests[item[0].parent].get(item[0].name, unlisted)[0])
    samples, seen = [], set()
    for file, picture in placed:
        stem = printable(file.stem)
        base = sample_id = slug(stem)
        counter = 2
        while sample_id in seen:  # two files with the same stem get -2, -3, ...
            sample_id, counter = f"{base}-{counter}", counter + 1
        seen.add(sample_id)
        title = manifests[file.parent].get(file.name, unlisted)[1]
        samples.append(SampleSource(sample_id, title or title_from_stem(stem), file, picture))
    return samples


def _base_url(source: str | Path, value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s\"<>]+/", value):
        raise InputError(source, f"base URL must be an http(s) URL ending in '/', got {value!r}")
    return value


def _repository(source: Path, value: Any, where: str) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s\"<>]+", value):
        raise InputError(source, f"{where}'repository' must be an http(s) URL, got {value!r}")
    return value


def _read_toml(source: Path) -> tuple[str, dict[str, Any]]:
    """A TOML file's text (for finding a key's line later) and its contents; InputError naming the line."""
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(source, exc) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(source, text, exc) from None


def _normalize(source: Path, value: Any, where: str) -> Normalization | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"mean", "std"}:
        raise InputError(source, f"{where}'normalize' must be a table {{mean = [...], std = [...]}}, got {value!r}")
    return parse_normalization(f"{source}: {where}normalize".rstrip(": "), value["mean"], value["std"])


@functools.cache
def _bundled_string_tables() -> dict[str, dict[str, Any]]:
    """The bundled site.toml's [strings.<lang>] tables, read once per process (serve loads the config often)."""
    return tomllib.loads((CONTENT / CONFIG_FILE).read_text(encoding="utf-8")).get("strings", {})


def bundled_strings(language: str) -> dict[str, Any]:
    """The bundled site.toml's [strings.<language>] table; empty for a language it does not have. Do not mutate."""
    return _bundled_string_tables().get(language, {})


def load_config(content: Path, images: list[Path] | None = None, base_url: str | None = None,
                warn: Callable[[str], None] | None = None, default_sample: str | None = None,
                input_size: tuple[int, int] = (SIZE, SIZE)) -> SiteConfig:
    """Read `content/site.toml`; `images`, `base_url` and `default_sample`, when given, override it.

    `input_size` (width, height) is the network's: `images` are decoded at it as well as at 64x64.

    Errors name the line of site.toml they are about; `warn` hears about skipped `--images` files
    (default: printed to stderr). A `default_sample` that is not in the gallery is an error; site.toml's
    own default only falls back to the first image, since `--images` replaces the gallery it was written for.
    """
    source = content / CONFIG_FILE
    if not source.is_file():
        raise InputError(source, "no such file (give --content a folder holding site.toml)")
    text, doc = _read_toml(source)
    languages = tuple(_require(source, doc, "languages", list, _where(text, "languages")))
    if not languages or not all(isinstance(x, str) and re.fullmatch(r"[a-z]{2}(-[A-Za-z]+)?", x) for x in languages):
        raise InputError(source, f"{_where(text, 'languages')}'languages' must list language codes like \"en\", "
                                 f"got {list(languages)!r}")
    strings = doc.get("strings", {})
    if not isinstance(strings, dict):
        raise InputError(source, f"{_where(text, 'strings')}'strings' must be tables [strings.<lang>]")
    for language in languages:
        if not isinstance(strings.get(language), dict):
            raise InputError(source, f"missing [strings.{language}] table of UI strings")
        strings[language] = {**bundled_strings(language), **strings[language]}
        missing = [key for key in UI_STRINGS if key not in strings[language]]
        if missing:
            raise InputError(source, f"{_where(text, table=f'strings.{language}')}[strings.{language}] lacks "
                                     f"{', '.join(missing)}")
    translations = doc.get("translations", {})
    if not isinstance(translations, dict) or not all(
            isinstance(table, dict) and all(isinstance(v, str) for v in table.values())
            for table in translations.values()):
        raise InputError(source, "[translations.<lang>] tables must map words to strings")
    samples = (samples_from_paths(images, warn, input_size) if images
               else _samples_from_toml(source, content, doc.get("samples"), text))
    ids = [s.id for s in samples]
    if len(set(ids)) != len(ids):
        raise InputError(source, f"sample ids must be unique, got {ids}")
    if default_sample is not None and default_sample not in ids:
        shown = ", ".join(ids[:12]) + (", ..." if len(ids) > 12 else "")
        raise InputError("--default-sample", f"no sample {default_sample!r} in the gallery ({shown})")
    wanted = default_sample if default_sample is not None else doc.get("default_sample", ids[0])
    default = wanted if wanted in ids else ids[0]  # --images may not contain the configured default
    return SiteConfig(
        title=_require(source, doc, "title", str, _where(text, "title")),
        languages=languages,
        samples=tuple(samples),
        default_sample=default,
        base_url=_base_url("--base-url", base_url) if base_url is not None else _base_url(source, doc.get("base_url")),
        repository=_repository(source, doc.get("repository"), _where(text, "repository")),
        normalize=_normalize(source, doc.get("normalize"), _where(text, "normalize")),
        content=content,
        strings={lang: {str(k): str(v) for k, v in strings[lang].items()} for lang in languages},
        translations={lang: dict(translations.get(lang, {})) for lang in languages},
    )
