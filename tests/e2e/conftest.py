"""Fixtures for the browser tests: one build of the default site per session, served two ways.

The site is built into <tmp>/www/cnn-explainer/ and opened
- over http at a sub-path: a python http.server on 127.0.0.1 serving <tmp>/www/, as GitHub Pages
  serves a project site under /<repo>/, and
- straight from disk as file://.
Every page records console errors, page errors and requests; a test fails if any error was
logged or any request left the build folder.

The pages' Content-Security-Policy forbids eval, and Playwright evaluates an expression string
passed to `wait_for_function` with eval: pass a function (`"() => ..."`) instead.
"""

from __future__ import annotations

import functools
import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"
DEFAULT_WEIGHTS = REPO / "weights"
REFERENCE_MODEL = REPO.parent / "shared" / "reference" / "cnn-explainer" / "model"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SUB_PATH = "cnn-explainer"
# A browser test that fails on a Playwright timeout runs once more (pytest-rerunfailures; the summary counts
# reruns). Headless Chromium now and then stops giving a page animation frames: every click then waits out
# its 30 s on "visible, enabled and stable" (seen once in CI; never in six runs of the suite here). A real bug times
# out on the rerun too; any other failure is never rerun.
RERUN_ON = ["^TimeoutError: "]  # matched against "<exception class name>: <message>"


def pytest_collection_modifyitems(items) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.flaky(reruns=1, only_rerun=RERUN_ON))


def weights_for_tests() -> Path:
    """Our own weights once trained; until then the original model, so the suite still runs."""
    return DEFAULT_WEIGHTS if (DEFAULT_WEIGHTS / "model.json").exists() else REFERENCE_MODEL


@dataclass
class Site:
    folder: Path
    http_url: str
    weights: Path
    urls: dict[str, str] = field(default_factory=dict)  # origin kind -> URL of index.html


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:
    from cnn_explainer.build import BuildOptions, build_site

    www = tmp_path_factory.mktemp("www")
    folder = www / SUB_PATH
    weights = weights_for_tests()
    build_site(BuildOptions(content=CONTENT, weights=weights, out=folder))
    (www / "outside.txt").write_text("a file beside the build, which the page must never request")

    handler = functools.partial(_QuietHandler, directory=str(www))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    http_url = f"http://127.0.0.1:{server.server_address[1]}/{SUB_PATH}/"
    yield Site(folder=folder, http_url=http_url, weights=weights,
               urls={"http": http_url, "file": folder.joinpath("index.html").as_uri()})
    server.shutdown()
    server.server_close()
    shutil.rmtree(www, ignore_errors=True)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        """Keep the test output clean: no line per request."""


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Watched:
    """A page plus everything it logged and requested."""

    page: object
    base: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def outside(self) -> list[str]:
        return [u for u in self.requests if not (u.startswith(self.base) or u.startswith(("data:", "blob:")))]


@pytest.fixture(params=["http", "file"])
def origin(request) -> str:
    return request.param


@pytest.fixture
def open_page(browser, site, origin):
    """open_page(hash="", width=1440, height=900, path="", init_script="") -> Watched, drawn; checks errors and
    requests after.

    `path` is relative to the build folder ("zh/index.html"); empty means the English index. `init_script` runs
    before the page's own scripts (to stand in for a browser setting).
    """
    contexts, watched_pages = [], []

    def opener(hash_: str = "", width: int = 1440, height: int = 900, path: str = "", init_script: str = "") -> Watched:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        url = site.urls[origin]
        base = url if origin == "http" else url.rsplit("/", 1)[0] + "/"
        if path:
            url = base + path
        watched = Watched(page=page, base=base)
        page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: watched.errors.append(str(e)))
        page.on("request", lambda r: watched.requests.append(r.url))
        page.goto(url + hash_)
        page.wait_for_selector("[data-role=overview][data-drawn]", state="attached", timeout=15_000)
        watched_pages.append(watched)
        return watched

    yield opener
    for watched in watched_pages:
        assert watched.errors == [], f"console errors: {watched.errors}"
        assert watched.outside() == [], f"requests outside the build folder: {watched.outside()}"
    for context in contexts:
        context.close()


def original_model_site(root: Path, photos: tuple[str, ...], *build_args: str, manifest: str | None = None) -> Path:
    """A site of the original model on some of its own sample photos (copied into `root`, never into shared/),
    built into `root`/site with `build_args` added; skips when the reference model is not beside the checkout."""
    if not (REFERENCE_MODEL / "model.json").exists():
        pytest.skip(f"{REFERENCE_MODEL} is not here")
    folder = root / "photos"
    folder.mkdir()
    for name in photos:
        shutil.copy(REFERENCE_MODEL.parent / "images" / name, folder / name)
    if manifest is not None:
        (folder / "images.toml").write_text(manifest, encoding="utf-8")
    from click.testing import CliRunner
    from cnn_explainer.cli import main

    result = CliRunner().invoke(main, ["build", "--content", str(CONTENT), "--weights", str(REFERENCE_MODEL),
                                       "--images", str(folder), *build_args, "--out", str(root / "site")])
    assert result.exit_code == 0, result.output
    return root / "site"


def exact_values(folder: Path, sample: str) -> tuple[dict, dict[str, np.ndarray]]:
    """A built sample's document and every map layer's exact values, (C, H, W) float64: what the detail views print."""
    from cnn_explainer.encode import exact_maps

    def read(key: str) -> dict:
        return json.loads((folder / "data" / f"{key}.json").read_text())

    doc = read(f"samples/{sample}")
    return doc, {name: v.astype(np.float64) for name, v in exact_maps(doc, read("network"), read).items()}
