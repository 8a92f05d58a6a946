"""`cnn-explainer serve` as a writer uses it: start it, edit the article, watch the open page change, Ctrl-C.

One server (a real subprocess on a free port) serves a temporary copy of content/; the tests
run in file order and the last one stops it.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
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

    def wait_for_line(self, prefix: str, timeout: float = 120, since: int = 0) -> str:
        """The first line starting with `prefix` among those printed after the first `since` lines."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.log)[since:]:
                if line.startswith(prefix):
                    return line
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"serve never printed {prefix!r}; it printed: {self.log}")

    def get(self, path: str = "") -> str:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.read().decode("utf-8")

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) of the server, for tests that speak HTTP on a socket of their own."""
        parts = urllib.parse.urlsplit(self.url)
        return parts.hostname, parts.port


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
    printed = len(served.log)
    source.write_text(good, encoding="utf-8")
    served.wait_for_line("rebuilt in", timeout=30, since=printed)  # settled before the next test opens a page


OVERLAY = "[role=alert].cnnx-serve-error"
HOSTILE = "<img src=x onerror=document.title='pwned'>"  # an error message quoting markup must show it as text


def _open(served: Served, context, path: str, problems: list[str]):
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)  # CSP violations too
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(served.url + path)
    page.wait_for_selector("[data-role=overview][data-drawn]", state="attached", timeout=15_000)
    return page


def _overlay_text(page, expected: str) -> str:
    """The overlay's rendered text once it holds `expected`, checked to be on top of the page."""
    page.wait_for_function("([selector, expected]) => { const o = document.querySelector(selector); "
                           "return o !== null && o.innerText.includes(expected); }", arg=[OVERLAY, expected],
                           timeout=15_000)
    box = page.locator(OVERLAY).bounding_box()
    on_top = page.evaluate("([selector, x, y]) => document.querySelector(selector).contains("
                           "document.elementFromPoint(x, y))",
                           [OVERLAY, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert on_top and box["y"] >= 0 and box["width"] > 300, box
    return page.locator(OVERLAY).inner_text()


def test_a_failed_rebuild_shows_its_error_in_the_open_pages_until_a_good_one(served, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    english, chinese = _open(served, context, "", problems), _open(served, context, "zh/", problems)
    config = served.content / "site.toml"
    good = config.read_text(encoding="utf-8")
    assert 'title = "CNN Explainer"' in good

    printed = len(served.log)
    config.write_text(good.replace('title = "CNN Explainer"', "title = 3", 1), encoding="utf-8")
    error = served.wait_for_line("error: ", timeout=30, since=printed).split(" (still serving", 1)[0]
    assert error == f"error: {config}: line 2: 'title' must be a str, got 3"
    for page, heading, dismiss in ((english, "Build failed", "Dismiss"), (chinese, "构建失败", "关闭")):
        text = _overlay_text(page, error)
        assert text.splitlines()[0].startswith(heading) and error in text
        assert page.locator(OVERLAY).get_by_role("button").inner_text() == dismiss
    assert MARK in served.get(), "the last good build stays served"
    assert "__serve__" not in (served.out / "index.html").read_text(encoding="utf-8")

    english.locator(OVERLAY).get_by_role("button").click()  # dismissible
    assert english.locator(OVERLAY).count() == 0

    # Another failure (site.toml mended, the article broken with markup in its message) shows again.
    article = served.content / "en.md"
    good_article = article.read_text(encoding="utf-8")
    printed = len(served.log)
    article.write_text(good_article + f"\n## {HOSTILE}\n", encoding="utf-8")  # first, so no build in between passes
    config.write_text(good, encoding="utf-8")
    error = served.wait_for_line(f"error: {article}", timeout=30, since=printed).split(" (still serving", 1)[0]
    assert HOSTILE in error
    for page in (english, chinese):
        assert error in _overlay_text(page, HOSTILE)
        assert page.locator(f"{OVERLAY} img").count() == 0 and page.locator("img[src=x]").count() == 0
        assert page.title() != "pwned"

    # Mended: both pages reload by themselves, and no overlay comes back.
    with english.expect_event("load", timeout=30_000), chinese.expect_event("load", timeout=30_000):
        article.write_text(good_article, encoding="utf-8")
    for page in (english, chinese):
        page.wait_for_selector("[data-role=overview][data-drawn]", state="attached", timeout=15_000)
        page.wait_for_timeout(500)  # the event stream's first message has come
        assert page.locator(OVERLAY).count() == 0
    assert problems == []
    context.close()


def test_a_file_the_browser_has_already_answers_304(served):
    connection = http.client.HTTPConnection(*served.address, timeout=30)
    connection.request("GET", "/assets/site.css")
    first = connection.getresponse()
    body, etag = first.read(), first.getheader("ETag")
    assert first.status == 200 and body and etag
    connection.request("GET", "/assets/site.css", headers={"If-None-Match": etag})
    again = connection.getresponse()
    assert (again.status, again.read(), again.getheader("ETag")) == (304, b"", etag)
    css = served.out / "assets" / "site.css"
    os.utime(css, ns=(css.stat().st_atime_ns, css.stat().st_mtime_ns + 10**9))  # as a rebuild rewrites it, unchanged
    connection.request("GET", "/assets/site.css", headers={"If-None-Match": etag})
    rewritten = connection.getresponse()
    assert (rewritten.status, rewritten.read()) == (304, b"")
    connection.request("GET", "/assets/site.css", headers={"If-None-Match": '"another"'})
    other = connection.getresponse()
    assert (other.status, other.read()) == (200, body)
    connection.close()


def test_a_page_closed_mid_download_is_no_error(served):
    """The gallery's prefetch and a live reload leave responses half sent; the terminal shows no traceback."""
    printed = len(served.log)
    for _ in range(3):
        with socket.create_connection(served.address) as connection:
            connection.sendall(b"GET /assets/vega.js HTTP/1.1\r\nHost: x\r\n\r\n")  # 590 KB: still sending
            connection.recv(100)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = reset
    assert "<title>" in served.get()  # still serving
    time.sleep(0.5)
    assert not any("Traceback" in line for line in served.log[printed:]), served.log[printed:]


def test_ctrl_c_stops_cleanly(served):
    served.process.send_signal(signal.SIGINT)
    status = served.process.wait(timeout=30)
    assert status in (0, 130)
    assert not any("Traceback" in line for line in served.log), served.log
