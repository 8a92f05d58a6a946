"""`content/site.toml` read and checked once, at the edge: everything later trusts a SiteConfig.

The TOML file holds the site's title, its languages and the sample gallery (paths relative
to the content folder). `--images` replaces the gallery; ids then come from file names.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .images import IMAGE_SUFFIXES

CONFIG_FILE = "site.toml"
# Every UI string the templates and scripts use; each language's [strings.<lang>] table needs all.
UI_STRINGS = ("controls", "gallery", "prediction", "details", "scale", "scale_unit", "scale_module", "scale_global",
              "overview", "neuron", "red", "green", "blue", "channel", "values", "probability", "logit",
              "selected", "bias", "hint", "noscript", "language_name", "tagline", "article", "back_to_network",
              "input_size", "padding", "kernel_size", "stride", "dilation", "play", "pause", "explorer_input",
              "explorer_padded", "explorer_kernel", "explorer_dilated", "explorer_output", "stride_invalid",
              "kernel_too_wide")
# The detail views' strings (detail*.js).
UI_STRINGS += ("detail_conv", "detail_relu", "detail_pool", "detail_flatten", "detail_softmax", "detail_info",
                "detail_close", "detail_step", "detail_speed", "detail_speed_slow", "detail_speed_normal",
                "detail_speed_fast", "detail_hint_conv", "detail_hint_relu", "detail_hint_pool", "detail_hint_flatten",
                "detail_hint_softmax", "detail_input", "detail_output", "detail_kernel", "detail_channels",
                "detail_show_formula", "detail_intermediate", "detail_intermediates", "detail_patch",
                "detail_products", "detail_per_channel", "detail_result", "detail_window", "detail_legend_input",
                "detail_legend_maps", "detail_legend_kernel", "detail_legend_weight", "detail_flattened",
                "detail_weights_into", "detail_value", "detail_weight", "detail_sum_products", "detail_network_logit",
                "detail_flat_source", "detail_class")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class SampleSource:
    """One gallery image: `id` names its data file and URL hash, `title` is what readers see."""

    id: str
    title: str
    path: Path


@dataclass(frozen=True)
class SiteConfig:
    title: str
    languages: tuple[str, ...]
    samples: tuple[SampleSource, ...]
    default_sample: str
    base_url: str  # where the site is published ("" if unknown); only for the canonical link
    content: Path
    strings: dict[str, dict[str, str]]  # language -> UI string key -> text
    # language -> {word: translation} for class names and sample titles; unlisted words stay as they are
    translations: dict[str, dict[str, str]]


def _require(source: Path, table: dict[str, Any], key: str, kind: type) -> Any:
    value = table.get(key)
    if not isinstance(value, kind):
        raise InputError(source, f"'{key}' must be a {kind.__name__}, got {value!r}")
    return value


def slug(name: str) -> str:
    """A file stem as a sample id: lower case, [a-z0-9_-] only (ids appear in file names and URLs)."""
    text = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")
    return text[:64] or "image"


def _samples_from_toml(source: Path, content: Path, entries: Any) -> list[SampleSource]:
    if not isinstance(entries, list) or not entries:
        raise InputError(source, "'samples' must be a non-empty array of tables ([[samples]])")
    samples = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise InputError(source, f"samples entry {number} is not a table")
        sample_id = _require(source, entry, "id", str)
        if not _ID.match(sample_id):
            raise InputError(source, f"sample id {sample_id!r} must match {_ID.pattern}")
        path = content / _require(source, entry, "path", str)
        if not path.is_file():
            raise InputError(path, f"sample {sample_id!r}: no such image file")
        samples.append(SampleSource(sample_id, str(entry.get("title", sample_id)), path))
    return samples


def samples_from_paths(paths: list[Path]) -> list[SampleSource]:
    """`--images` arguments (files or folders of images) as gallery entries, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise InputError(path, f"folder holds no images ({', '.join(IMAGE_SUFFIXES)})")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(path, "no such image file or folder")
    samples, seen = [], set()
    for file in files:
        base = sample_id = slug(file.stem)
        counter = 2
        while sample_id in seen:  # two files with the same stem get -2, -3, ...
            sample_id, counter = f"{base}-{counter}", counter + 1
        seen.add(sample_id)
        samples.append(SampleSource(sample_id, file.stem.replace("_", " "), file))
    return samples


def _base_url(source: str | Path, value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s\"<>]+/", value):
        raise InputError(source, f"base URL must be an http(s) URL ending in '/', got {value!r}")
    return value


def load_config(content: Path, images: list[Path] | None = None, base_url: str | None = None) -> SiteConfig:
    """Read `content/site.toml`; `images` and `base_url`, when given, override it."""
    source = content / CONFIG_FILE
    if not source.is_file():
        raise InputError(source, "no such file (give --content a folder holding site.toml)")
    try:
        doc = tomllib.loads(source.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(source, f"invalid TOML: {exc}") from None
    languages = tuple(_require(source, doc, "languages", list))
    if not languages or not all(isinstance(x, str) and re.fullmatch(r"[a-z]{2}(-[A-Za-z]+)?", x) for x in languages):
        raise InputError(source, f"'languages' must list language codes like \"en\", got {list(languages)!r}")
    strings = doc.get("strings", {})
    for language in languages:
        if not isinstance(strings.get(language), dict):
            raise InputError(source, f"missing [strings.{language}] table of UI strings")
        missing = [key for key in UI_STRINGS if key not in strings[language]]
        if missing:
            raise InputError(source, f"[strings.{language}] lacks {', '.join(missing)}")
    translations = doc.get("translations", {})
    if not isinstance(translations, dict) or not all(
            isinstance(table, dict) and all(isinstance(v, str) for v in table.values())
            for table in translations.values()):
        raise InputError(source, "[translations.<lang>] tables must map words to strings")
    samples = samples_from_paths(images) if images else _samples_from_toml(source, content, doc.get("samples"))
    ids = [s.id for s in samples]
    if len(set(ids)) != len(ids):
        raise InputError(source, f"sample ids must be unique, got {ids}")
    wanted = doc.get("default_sample", ids[0])
    default = wanted if wanted in ids else ids[0]  # --images may not contain the configured default
    return SiteConfig(
        title=_require(source, doc, "title", str),
        languages=languages,
        samples=tuple(samples),
        default_sample=default,
        base_url=_base_url("--base-url", base_url) if base_url is not None else _base_url(source, doc.get("base_url")),
        content=content,
        strings={lang: {str(k): str(v) for k, v in strings[lang].items()} for lang in languages},
        translations={lang: dict(translations.get(lang, {})) for lang in languages},
    )
