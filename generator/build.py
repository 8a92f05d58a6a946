"""`cnn-explainer build` as one function: inputs -> model -> precompute -> encode -> charts -> site.

Each stage takes the previous stage's output; only the first reads user files and only the
last writes. `report(stage, seconds)` hears about each stage as it finishes, so the CLI can
print progress without this module knowing about terminals.

The slow stages are pure functions of their inputs, so a `StageCache` passed in by a long-lived
caller (`cnn-explainer serve`) keeps their results keyed by a digest of those inputs: after a
change to the article only the article and the pages are made again, never the model's outputs.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from PIL import Image

from .errors import InputError
from .figure_data import Figures
from .network.description import param_count
from .network.normalization import Normalization, normalized
from .wording import counted

FIRST_VIEW_LIMIT = 5_000_000  # bytes, gzipped: the most a network's first view may make the reader download
Report = Callable[[str, float], None]
Warn = Callable[[str], None]
T = TypeVar("T")


@dataclass(frozen=True)
class BuildOptions:
    content: Path
    weights: Path
    out: Path
    images: tuple[Path, ...] = ()
    base_url: str | None = None  # overrides site.toml's base_url
    classes: Path | None = None  # a class-names file (one per line) instead of the model's own names
    default_sample: str | None = None  # the id of the sample shown first; overrides site.toml's
    normalize: Normalization | None = None  # (mean, std) the model's inputs were normalised with; overrides site.toml


@dataclass(frozen=True)
class BuildSummary:
    out: Path
    device: str
    samples: int
    files: int
    bytes: int
    seconds: float
    images: tuple[Path, ...] = ()  # the sample image files it read (the files `serve` watches besides folders)


@dataclass
class StageCache:
    """The last result of each slow stage with the digest of the inputs it was computed from."""

    entries: dict[str, tuple[str, Any]] = field(default_factory=dict)

    def get(self, stage: str, key: str, compute: Callable[[], T]) -> tuple[T, bool]:
        """(result, True) when `stage` last ran on inputs with digest `key`; else compute it now."""
        hit = self.entries.get(stage)
        if hit is not None and hit[0] == key:
            return hit[1], True
        value = compute()
        self.entries[stage] = (key, value)
        return value, False


def digest(*parts: Any) -> str:
    """A stable digest of arrays, bytes and plain values: the key a stage's result is cached under."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(f"{part.dtype}{part.shape}".encode())
            h.update(np.ascontiguousarray(part).tobytes())
        elif isinstance(part, bytes):
            h.update(part)
        elif isinstance(part, dict):
            h.update(digest(*sorted(part)).encode())
            h.update(digest(*(part[k] for k in sorted(part))).encode())
        else:
            h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


@contextmanager
def _stage(name: str, report: Report) -> Iterator[None]:
    started = time.perf_counter()
    yield
    report(name, time.perf_counter() - started)


THUMBNAIL_QUALITY = 75  # WebP: at the pictures' own 64 px, indistinguishable from the PNG by eye at 2x; 50 blurs edges


def thumbnail_strip(pictures: list[Image.Image]) -> bytes:
    """Every gallery picture side by side in one lossy WebP: one request for the whole gallery, not one each.

    The pictures keep their 64 px: a thumbnail shows 35 CSS px, 70 device px on a 2x screen. libwebp at a
    fixed method and no threads writes no timestamps, so the same pixels always give the same bytes.
    """
    size = pictures[0].height
    strip = Image.new("RGB", (size * len(pictures), size))
    for i, picture in enumerate(pictures):
        strip.paste(picture, (i * size, 0))
    buffer = io.BytesIO()
    strip.save(buffer, format="WEBP", quality=THUMBNAIL_QUALITY, method=6)
    return buffer.getvalue()


def _with_image_bytes(sample: dict[str, Any]) -> dict[str, tuple[dict[str, Any], float]]:
    """Each map layer's entry and its share of the gzipped bytes of the image it is in (as the total is counted), by
    the area of its picture."""
    def area(entry: dict[str, Any]) -> int:
        (rows, cols), (_, height, width) = entry["tiles"], entry["shape"]
        return rows * height * cols * width

    maps = sample["maps"]
    images = sample["images"]
    held = {k: sum(area(e) for e in maps.values() if e["image"] == k) for k in range(len(images))}
    gzipped = [len(gzip.compress(url.encode("ascii"), 6, mtime=0)) for url in images]
    return {name: (entry, gzipped[entry["image"]] * area(entry) / held[entry["image"]])
            for name, entry in maps.items()}


def check_first_view(source: Path, sample: dict[str, Any]) -> None:
    """Refuse a network whose first view (one sample's data file, every layer's maps) passes FIRST_VIEW_LIMIT
    gzipped, naming the layer that weighs most: past that the page is too slow to open to be worth building."""
    from .encode import to_json, to_script

    total = len(gzip.compress(to_script("samples/" + sample["id"], sample).encode("ascii"), 6, mtime=0))
    if total <= FIRST_VIEW_LIMIT:
        return
    sizes = {name: len(gzip.compress(to_json(entry).encode("ascii"), 6, mtime=0)) + image_bytes
             for name, (entry, image_bytes) in _with_image_bytes(sample).items()}
    biggest = max(sizes, key=lambda name: sizes[name])
    raise InputError(source, f"the first view would be {total / 1e6:.1f} MB gzipped, more than the limit of "
                             f"{FIRST_VIEW_LIMIT / 1e6:.0f} MB; the biggest layer is {biggest} "
                             f"({' x '.join(map(str, sample['maps'][biggest]['shape']))} values, "
                             f"{sizes[biggest] / 1e6:.1f} MB)")


def build_site(options: BuildOptions, report: Report = lambda stage, seconds: None,
               warn: Warn | None = None, cache: StageCache | None = None) -> BuildSummary:
    """Build the whole site into `options.out`; raises InputError for unusable inputs.

    `warn` hears one line per skipped `--images` file (default: printed to stderr). With a `cache`
    from an earlier call, stages whose inputs did not change are reused.
    """
    from . import about
    from .article import place_figures, render_article
    from .charts import chart_specs, vega_runtime
    from .colors import palettes
    from .config import load_config
    from .encode import FIRST_VIEW_PREDICTION_BUDGET, encode_exact, encode_network, encode_sample
    from .figure_data import figure_data
    from .figures import render_figures
    from .hyperparams import explorer_data
    from .images import SIZE, load_rgb_sizes, network_input
    from .model import compiled_forward, device_description
    from .network_facts import network_facts
    from .precompute import precompute_network, precompute_samples
    from .provenance import are_bundled_pictures, is_default_model
    from .site import SiteInputs, check_target, render_site, write_atomically
    from .static_files import add_static_files, read_static_files
    from .weights import load_model

    cache = cache if cache is not None else StageCache()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1) as pool:
        with _stage("load inputs", report):
            # Fail before the slow stages, not after them. A build folder that holds an input, or lies
            # inside one (or inside another build), is refused: replacing it would delete or pollute that.
            given = [options.content, options.weights, *([options.classes] if options.classes else [])]
            check_target(options.out, given)
            model = load_model(options.weights, options.classes)
            height, width, channels = model.architecture.input_shape
            config = load_config(options.content, list(options.images) or None, options.base_url, warn,
                                 options.default_sample, (width, height))
            check_target(options.out, [*given, *(s.path for s in config.samples), *options.images])
            model = normalized(model, options.normalize or config.normalize,
                               "--normalize" if options.normalize else options.content / "site.toml")
            history = about.load_history(options.weights, len(model.class_names))
            static = read_static_files(options.content)
            arch = model.architecture
            parameters = param_count(arch)
            sizes = tuple(dict.fromkeys(((SIZE, SIZE), (width, height))))  # the thumbnail's, the network's
            decoded = [s.pictures or dict(zip(sizes, load_rgb_sizes(s.path, sizes), strict=True))
                       for s in config.samples]  # each file decoded once
            pictures = [d[SIZE, SIZE] for d in decoded]
            images = np.stack([network_input(d[width, height], channels) for d in decoded])
            conditions = frozenset({
                "default-model" if is_default_model(options.weights) else "other-model",
                "our-pictures" if are_bundled_pictures(s.path for s in config.samples) else "own-pictures"})
            articles = {}
            shown = {}  # language -> the class names as that page shows them
            for lang in config.languages:
                source = options.content / f"{lang}.md"
                if not source.is_file():
                    raise InputError(source, f"no such file (languages lists {lang!r})")
                words = config.translations.get(lang, {})
                shown[lang] = tuple(words.get(name, name) for name in model.class_names)
                facts = about.facts(history, shown[lang], config.strings[lang]) if history else None
                articles[lang] = render_article(source, facts, about.page_words(shown[lang]), conditions,
                                                network_facts(arch, lang, parameters))

        def about_charts() -> dict[str, dict]:
            """Language -> the "About the model" charts (Altair -> Vega takes ~0.2 s a chart: cached)."""
            return {lang: about.chart_specs(history, shown[lang], config.strings[lang])
                    for lang in config.languages} if history else {}

        article_charts, reused = cache.get("about charts", digest(
            history.source.read_bytes() if history else b"", shown, config.strings), about_charts)
        if reused:
            report("about-the-model charts reused (inputs unchanged)", 0.0)

        # Bundling the Vega runtime needs nothing from the model, so it overlaps the model stages
        # (started only now, so that a bad input fails at once instead of after the bundling).
        runtime = pool.submit(vega_runtime)

        ids, titles = [s.id for s in config.samples], [s.title for s in config.samples]

        def model_stages() -> tuple[int, dict[str, dict[str, Any]], bytes, Figures]:
            with _stage(f"forward pass ({counted(len(images), 'image')} on {device_description()})", report):
                forward = compiled_forward(arch)
                outputs = {name: np.asarray(value) for name, value in forward(model.params, images).items()}
            first = ids.index(config.default_sample)  # the article's figures show the sample shown first
            figures = figure_data(arch, model.params, images[first],
                                  {name: value[first] for name, value in outputs.items()}, model.class_names)
            with _stage("precompute", report):
                samples = precompute_samples(ids, titles, images, outputs, arch)
                network = precompute_network(model.params, model.class_names, arch)
            with _stage("encode", report):
                data_files = {"network": encode_network(network), "hyperparams": explorer_data()}
                # The default sample is encoded first, so that a network too big to show is refused at once. The
                # first view decodes it while the page loads, before the JIT has compiled anything: all four of
                # TinyVGG's convolutions predicted delayed the first draw by ~55 ms, conv_1_1 alone by ~4 ms
                # (medians of 16, interleaved) for 22 KB less.
                encoded = {s.id: encode_sample(s, network, FIRST_VIEW_PREDICTION_BUDGET)
                           for s in samples if s.id == config.default_sample}
                check_first_view(options.weights, encoded[config.default_sample])
                for s in samples:
                    doc = data_files[f"samples/{s.id}"] = encoded.get(s.id) or encode_sample(s, network)
                    data_files.update(encode_exact(s, doc["exactFiles"]))  # loaded only by the detail views
                thumbnails = thumbnail_strip(pictures)
            return len(samples), data_files, thumbnails, figures

        (sample_count, data_files, thumbnails, figures), reused = cache.get(
            "model", digest(model.params, model.class_names, images, ids, titles, arch), model_stages)
        if reused:
            report("forward..encode reused (inputs unchanged)", 0.0)
        with _stage("figures", report):
            articles = {lang: place_figures(article, render_figures(figures, lang, shown[lang]))
                        for lang, article in articles.items()}

        def chart_stage() -> tuple[dict[str, dict[str, Any]], dict[str, list[str]], str]:
            return chart_specs(), palettes(), runtime.result()

        with _stage("charts", report):
            (specs, colour_tables, vega), _ = cache.get("charts", "", chart_stage)  # code only, no inputs

    with _stage("render + write", report):
        files = render_site(SiteInputs(
            title=config.title, languages=config.languages, base_url=config.base_url, repository=config.repository,
            strings=config.strings, translations=config.translations, articles=articles,
            samples=tuple({"id": s.id, "title": s.title} for s in config.samples),
            default_sample=config.default_sample, class_names=model.class_names,
            data_files=data_files, thumbnails=thumbnails, charts=specs, palettes=colour_tables,
            vega_runtime=vega, article_charts=article_charts, architecture=arch,
        ))
        files = add_static_files(files, static, options.content)
        write_atomically(files, options.out)

    return BuildSummary(out=options.out, device=device_description(), samples=sample_count, files=len(files),
                        bytes=sum(len(b) for b in files.values()), seconds=time.perf_counter() - started,
                        images=tuple(s.path for s in config.samples))
