"""`cnn-explainer serve` as a writer uses it: start it, edit the article, watch the open page change, Ctrl-C.

One server (a real subprocess on a free port) serves a temporary copy of content/; the tests
run in file order and the last one stops it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import CONTENT, REPO, weights_for_tests

pytestmark = pytest.mark.e2e
MARK = "Reloaded-by-serve-7f3a"  # a word no real article contains


@dataclass
class Served:
    process: subprocess.Popen
    content: Path
    out: Path
    log: list[str] = field(default_factory=list)
    url: str = ""

    def wait_for_line(self, prefix: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.log):
                if line.startswith(prefix):
                    return line
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"serve never printed {prefix!r}; it printed: {self.log}")

    def get(self, path: str = "") -> str:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.read().decode("utf-8")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    content = root / "content"
    shutil.copytree(CONTENT, content)
    out = root / "build"
    process = subprocess.Popen(
        [sys.executable, "-m", "cnn_explainer", "serve", "--port", "0", "--content", str(content),
         "--weights", str(weights_for_tests()), "--out", str(out)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    served = Served(process=process, content=content, out=out)
    threading.Thread(target=lambda: [served.log.append(line.rstrip("\n")) for line in process.stderr],
                     daemon=True).start()
    served.url = served.wait_for_line("serving http://").split()[1]
    yield served
    if process.poll() is None:
        process.kill()
        process.wait()


def test_pages_carry_the_reload_script_on_the_wire_only(served):
    assert '<script src="/__serve__/reload.js">' in served.get()
    assert '<script src="/__serve__/reload.js">' in served.get("zh/index.html")
    assert "EventSource" in served.get("__serve__/reload.js")
    on_disk = (served.out / "index.html").read_text(encoding="utf-8")
    assert "__serve__" not in on_disk, "the live-reload script leaked into the built site"


def test_an_article_edit_shows_up_in_the_open_page(served, browser):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(served.url)
    page.wait_for_selector("[data-role=overview][data-drawn]", state="attached", timeout=15_000)
    assert MARK not in page.inner_text("body")

    source = served.content / "en.md"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "A *classifier* is a function", f"{MARK}. A *classifier* is a function", 1), encoding="utf-8")
    # No reload by the test: the page reloads itself when the rebuild lands.
    # A function, not an expression string: Playwright evals strings, which the page's CSP refuses.
    page.wait_for_function("(mark) => document.body.innerText.includes(mark)", arg=MARK, timeout=15_000)
    page.wait_for_selector("[data-role=overview][data-drawn]", state="attached", timeout=15_000)
    assert MARK in (served.out / "index.html").read_text(encoding="utf-8")
    assert errors == []
    context.close()


def test_a_broken_article_keeps_the_last_good_build(served):
    source = served.content / "en.md"
    good = source.read_text(encoding="utf-8")
    source.write_text(good + "\n## A heading without its anchor line\n", encoding="utf-8")
    line = served.wait_for_line("error: ", timeout=30)
    assert "en.md" in line
    assert MARK in served.get(), "the previous build should still be served"
    source.write_text(good, encoding="utf-8")


def test_ctrl_c_stops_cleanly(served):
    served.process.send_signal(signal.SIGINT)
    status = served.process.wait(timeout=30)
    assert status in (0, 130)
    assert not any("Traceback" in line for line in served.log), served.log
