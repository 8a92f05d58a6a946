"""Firefox and WebKit for the browser tests, driven through the protocols they ship, as Debian packages them.

Playwright drives only its own builds of these engines, which this machine cannot download, and its Firefox client
speaks a newer WebDriver BiDi than Firefox ESR 140 does. So: Debian's `firefox-esr` through WebDriver BiDi (its own
`--remote-debugging-port`, a WebSocket), and WebKitGTK's MiniBrowser through `WebKitWebDriver` (W3C WebDriver over
HTTP) on an Xvfb screen. Both expose the same small surface: goto, evaluate, upload, errors, close.

`evaluate` takes a JavaScript expression (a Promise is awaited) and returns its value through JSON. Both protocols
run it as the browser's own script, which the pages' Content-Security-Policy does not apply to.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

FIREFOX = "firefox-esr"
WEBKIT_DRIVER = "WebKitWebDriver"
XVFB = "Xvfb"
WIDTH, HEIGHT = 1440, 900
TIMEOUT_S = 60
# The page's uncaught errors and rejections, from a listener put in after each load: WebDriver classic has no way to
# run a script before the page's own, so errors during the load itself show as a page that does not draw.
LISTEN = """(() => { window.cnnxTestErrors = [];
  window.addEventListener("error", (e) => window.cnnxTestErrors.push(String(e.message)));
  window.addEventListener("unhandledrejection", (e) => window.cnnxTestErrors.push(String(e.reason)));
  const error = console.error;
  console.error = (...args) => { window.cnnxTestErrors.push(args.join(" ")); error(...args); };
  return true; })()"""


# Each engine's commands, and the Debian packages that bring them.
NEEDS = {"firefox": ([FIREFOX], "firefox-esr"), "webkit": ([WEBKIT_DRIVER, XVFB], "webkit2gtk-driver xvfb")}


def missing(name: str) -> str | None:
    """Why engine `name` cannot run here (the Debian packages to install), or None."""
    commands, packages = NEEDS[name]
    absent = [command for command in commands if not shutil.which(command)]
    if name == "webkit" and not absent and not _minibrowser():
        absent.append("MiniBrowser")
    return f"needs {', '.join(absent)} (apt-get install {packages})" if absent else None


def launch(name: str) -> Firefox | WebKit:
    return Firefox() if name == "firefox" else WebKit()


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)


class Firefox:
    """firefox-esr, headless, on a profile of its own, through WebDriver BiDi."""

    def __init__(self) -> None:
        from websockets.sync.client import connect

        self.profile = tempfile.mkdtemp(prefix="cnnx-firefox-")
        self.process = subprocess.Popen(
            [FIREFOX, "--headless", "--no-remote", "--remote-debugging-port=0", "--profile", self.profile],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_lines, args=(self.process.stderr, lines), daemon=True).start()
        deadline = time.monotonic() + TIMEOUT_S
        address = None
        while address is None:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            found = re.search(r"WebDriver BiDi listening on (ws://\S+)", line)
            address = found and found.group(1)
        self.connection = contextlib.ExitStack()
        self.socket = self.connection.enter_context(connect(address + "/session", max_size=None,
                                                            open_timeout=TIMEOUT_S))
        self.last_id = 0
        self.logged: list[str] = []
        self.command("session.new", {"capabilities": {}})
        self.command("session.subscribe", {"events": ["log.entryAdded"]})
        self.context = self.command("browsingContext.getTree", {})["contexts"][0]["context"]
        self.command("browsingContext.setViewport",
                     {"context": self.context, "viewport": {"width": WIDTH, "height": HEIGHT}})

    def command(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.last_id += 1
        self.socket.send(json.dumps({"id": self.last_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=TIMEOUT_S))
            if message.get("type") == "event":
                entry = message["params"]
                if message["method"] == "log.entryAdded" and entry.get("level") == "error":
                    self.logged.append(entry.get("text") or "")
            elif message.get("id") == self.last_id:
                if message.get("type") == "error":
                    raise RuntimeError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message["result"]

    def goto(self, url: str) -> None:
        """A fresh load of `url`, even where only its fragment differs from the page's."""
        self.command("browsingContext.navigate", {"context": self.context, "url": "about:blank", "wait": "complete"})
        self.logged.clear()
        self.command("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def evaluate(self, expression: str) -> Any:
        as_json = "(value) => JSON.stringify(value === undefined ? null : value)"
        result = self.command("script.evaluate", {"expression": f"Promise.resolve({expression}).then({as_json})",
                                                  "target": {"context": self.context}, "awaitPromise": True})
        if result["type"] == "exception":
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails'].get('text')}")
        return json.loads(result["result"]["value"])

    def upload(self, selector: str, path: Path) -> None:
        node = self.command("script.evaluate", {"expression": f"document.querySelector({json.dumps(selector)})",
                                                "target": {"context": self.context}, "awaitPromise": False})
        self.command("input.setFiles", {"context": self.context, "element": {"sharedId": node["result"]["sharedId"]},
                                        "files": [str(path)]})

    def errors(self) -> list[str]:
        """Uncaught errors and console.error lines since the last goto (Firefox logs both from the start)."""
        return list(self.logged)

    def close(self) -> None:
        try:
            self.connection.close()
        finally:
            self.process.terminate()
            self.process.wait(timeout=30)
            shutil.rmtree(self.profile, ignore_errors=True)


def _minibrowser() -> str | None:
    found = sorted(glob.glob("/usr/lib/*/webkit2gtk-4.*/MiniBrowser"))
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebKit:
    """WebKitGTK's MiniBrowser through WebKitWebDriver, on an Xvfb screen of its own."""

    def __init__(self) -> None:
        self.screen = subprocess.Popen([XVFB, "-displayfd", "1", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        display = self.screen.stdout.readline().strip()
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.driver = subprocess.Popen([WEBKIT_DRIVER, f"--port={port}"], env={**os.environ, "DISPLAY": f":{display}"},
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            try:
                if self._call("GET", "/status").get("ready"):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{WEBKIT_DRIVER} did not start")
            time.sleep(0.1)
        options = {"binary": _minibrowser(), "args": ["--automation", f"--geometry={WIDTH}x{HEIGHT}"]}
        capabilities = {"alwaysMatch": {"webkitgtk:browserOptions": options}}
        session = self._call("POST", "/session", {"capabilities": capabilities})
        self.session = f"/session/{session['sessionId']}"
        self._call("POST", f"{self.session}/timeouts", {"script": TIMEOUT_S * 1000, "pageLoad": TIMEOUT_S * 1000})
        self._call("POST", f"{self.session}/window/rect", {"width": WIDTH, "height": HEIGHT})

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(self.base + path, method=method, headers={"Content-Type": "application/json"},
                                         data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S + 10) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{method} {path}: {error.read().decode(errors='replace')[:500]}") from None

    def goto(self, url: str) -> None:
        """A fresh load of `url`, even where only its fragment differs from the page's."""
        for target in ("about:blank", url):
            self._call("POST", f"{self.session}/url", {"url": target})
        self.evaluate(LISTEN)

    def evaluate(self, expression: str) -> Any:
        script = ("const done = arguments[arguments.length - 1]; Promise.resolve().then(() => " + expression + ")"
                  ".then((value) => done({ value: JSON.stringify(value === undefined ? null : value) }),"
                  " (error) => done({ error: String(error && error.stack || error) }));")
        outcome = self._call("POST", f"{self.session}/execute/async", {"script": script, "args": []})
        if "error" in outcome:
            raise RuntimeError(f"{expression[:80]}: {outcome['error']}")
        return json.loads(outcome["value"])

    def upload(self, selector: str, path: Path) -> None:
        element = self._call("POST", f"{self.session}/element", {"using": "css selector", "value": selector})
        self._call("POST", f"{self.session}/element/{next(iter(element.values()))}/value", {"text": str(path)})

    def errors(self) -> list[str]:
        """Uncaught errors, rejections and console.error lines since the last goto's load ended (see LISTEN)."""
        return self.evaluate("window.cnnxTestErrors")

    def close(self) -> None:
        try:
            self._call("DELETE", self.session)
        finally:
            self.driver.terminate()
            self.screen.terminate()
            self.driver.wait(timeout=30)
            self.screen.wait(timeout=30)
