"""Print the site's budget figures (issue 3). Nothing here asserts; compare the numbers by eye.

    python bench/bench_site.py [--weights PATH] [--runs 5]

- cold build: `cnn-explainer build` in a fresh process (imports, JIT compile and all), wall time;
  warm build: a second build in the same process.
- first view: every request the page makes until the overview is drawn (over http on 127.0.0.1),
  with bytes raw and gzipped (level 6, as a typical static server would send them).
- each further sample: the gzipped size of each sample's data file.
- time to overview drawn (navigation start -> the page's "cnnx-drawn" mark) and to a redrawn
  sample switch (click -> data-drawn updated), medians of N runs in headless system Chromium,
  each on a fresh browser context (empty cache).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.build import BuildOptions, build_site  # noqa: E402 - after the path tweak above

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

SWITCH = """(id) => new Promise((resolve) => {
  const root = document.querySelector("[data-role=overview]");
  const start = performance.now();
  new MutationObserver((_, observer) => {
    if (root.dataset.drawn && root.dataset.drawn.startsWith(id + "|")) {
      observer.disconnect();
      resolve(performance.now() - start);
    }
  }).observe(root, { attributes: true, attributeFilter: ["data-drawn"] });
  document.querySelector(`[data-sample="${id}"]`).click();
})"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        """No line per request."""


def _gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, 6, mtime=0))


def cold_build(weights: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "generator", "build", "--weights", str(weights), "--out", str(out)],
                   cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - started


def browser_figures(www: Path, sub: str, runs: int, default: str, others: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{sub}/"
    drawn, switches, first = [], [], None
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for run in range(runs):
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                page = context.new_page()
                requests: list[str] = []
                page.on("request", lambda r, requests=requests: requests.append(r.url))
                page.goto(url)
                page.wait_for_selector("[data-role=overview][data-drawn]", state="attached")
                drawn.append(page.evaluate("performance.getEntriesByName('cnnx-drawn')[0].startTime"))
                if first is None:
                    first = list(requests)
                switches.append(page.evaluate(SWITCH, others[run % len(others)]))
                context.close()
            browser.close()
    finally:
        server.shutdown()
    return {"drawn": drawn, "switches": switches, "first_requests": first, "url": url}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", type=Path, default=None, help="default: weights/ (or the original model)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    weights = args.weights or REPO / "weights"
    if not (weights / "model.json").exists() and args.weights is None:
        weights = REPO.parent / "shared" / "reference" / "cnn-explainer" / "model"  # before weights/ is trained

    with tempfile.TemporaryDirectory() as tmp:
        www = Path(tmp)
        site = www / "cnn-explainer"
        cold = cold_build(weights, site)
        started = time.perf_counter()
        build_site(BuildOptions(content=REPO / "content", weights=weights, out=site))
        warm = time.perf_counter() - started

        from generator.config import load_config

        config = load_config(REPO / "content")
        others = [s.id for s in config.samples if s.id != config.default_sample]
        figures = browser_figures(www, "cnn-explainer", args.runs, config.default_sample, others)

        raw = gz = 0
        rows = []
        for request in figures["first_requests"]:
            relative = request.removeprefix(figures["url"]) or "index.html"
            body = (site / relative.split("#")[0]).read_bytes()
            raw, gz = raw + len(body), gz + _gzip_size(body)
            rows.append((relative, len(body), _gzip_size(body)))
        extra = {s: _gzip_size((site / "data" / "samples" / f"{s}.js").read_bytes()) for s in others}

    print(f"weights: {weights}")
    print(f"cold build (fresh process): {cold:.2f} s    warm build (same process): {warm:.2f} s")
    print(f"first view: {len(rows)} requests, {raw / 1024:.0f} KiB raw, {gz / 1024:.0f} KiB gzipped")
    for relative, size, zipped in sorted(rows, key=lambda r: -r[2]):
        print(f"    {relative:<40} {size / 1024:8.1f} KiB  {zipped / 1024:7.1f} KiB gz")
    print(f"each further sample: {statistics.mean(extra.values()) / 1024:.0f} KiB gzipped on average, "
          f"{max(extra.values()) / 1024:.0f} KiB at most ({max(extra, key=extra.get)})")
    print(f"overview drawn after navigation: median {statistics.median(figures['drawn']):.0f} ms "
          f"(runs: {', '.join(f'{t:.0f}' for t in figures['drawn'])})")
    print(f"sample switch redrawn: median {statistics.median(figures['switches']):.0f} ms "
          f"(runs: {', '.join(f'{t:.0f}' for t in figures['switches'])})")


if __name__ == "__main__":
    main()
