"""`cnn-explainer serve`: build, serve the build folder on 127.0.0.1, rebuild on change, reload the page.

One loop in the main thread polls the modification times of the inputs (the content folder,
the templates, the weights and the sample images) and rebuilds with a `StageCache`, so a change
to the article reuses the model's outputs and only renders the pages again. The HTTP server runs
in a thread beside it.

Live reload exists only on the wire: every HTML response gets one extra
`<script src="/__serve__/reload.js">`, which listens to `/__serve__/events` (server-sent events,
same origin, so the page's Content-Security-Policy allows it) and reloads the page when the build
number changes. While the latest rebuild has failed, the same events carry its one-line error and
the script shows it in an overlay (styled by `/__serve__/overlay.css`) over the last good build.
The files on disk are never touched: `build/` stays exactly what `build` writes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import signal
import threading
import time
import webbrowser
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path

from .build import BuildOptions, StageCache, build_site
from .errors import InputError
from .site import TEMPLATES, check_target

HOST = "127.0.0.1"
PREFIX = "/__serve__/"
POLL_SECONDS = 0.05  # a stat of a few dozen files: cheap, and half the wait before a rebuild
_ASSETS = files(__package__) / "serve_assets"
# What the server adds to the pages it sends, by path under PREFIX: the reload script and its overlay's styles.
SERVED = {"reload.js": ((_ASSETS / "reload.js").read_bytes(), "text/javascript; charset=utf-8"),
          "overlay.css": ((_ASSETS / "overlay.css").read_bytes(), "text/css; charset=utf-8")}
RELOAD_TAG = f'<script src="{PREFIX}reload.js"></script>'.encode()

Log = Callable[[str], None]
Snapshot = dict[Path, tuple[int, int]]


@dataclass(frozen=True)
class ServeOptions:
    build: BuildOptions
    port: int = 8000  # 0: any free port
    open_browser: bool = False


class _BuildState:
    """The current build's number and the latest rebuild's error, which open pages wait on to change.

    `value` is what the event stream sends: `{"build": "<number>", "error": "<line>" or null}`. Every
    change, a repeated failure included, gets a new version, so a dismissed overlay comes back.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._epoch = f"{time.time_ns():x}"  # a restarted server never repeats an old number
        self._count = 0
        self._error: str | None = None
        self.version = 0
        self.closed = False

    @property
    def value(self) -> str:
        with self._changed:
            return json.dumps({"build": f"{self._epoch}-{self._count}", "error": self._error})

    def succeeded(self) -> None:
        self._update(count=self._count + 1, error=None)

    def failed(self, error: str) -> None:
        self._update(count=self._count, error=error)

    def _update(self, count: int, error: str | None) -> None:
        with self._changed:
            self._count, self._error = count, error
            self.version += 1
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait(self, seen: int | None, timeout: float) -> tuple[int, str]:
        """The version and value once the version differs from `seen` (or after `timeout`, or on close)."""
        with self._changed:  # an RLock, so `value` may take it again
            self._changed.wait_for(lambda: self.version != seen or self.closed, timeout)
            return self.version, self.value


class _Handler(SimpleHTTPRequestHandler):
    """Serves the build folder, HTML with the reload script, the script's own files and its event stream.

    Every response says `Cache-Control: no-cache` (ask each time) and files carry an ETag of their
    content, so a reload gets 304 for whatever a rebuild left unchanged: the browser keeps its
    cached copy and its compiled code for the Vega runtime, and the reload is quicker.
    """

    build_state: _BuildState
    etags: dict[tuple[str, int, int], str]  # (path, mtime_ns, size) -> content hash, shared by all requests

    def log_message(self, format, *args):
        """No line per request: the terminal shows builds, not traffic."""

    def handle(self) -> None:
        """A page closed or reloaded while its response was on the way (the gallery's prefetch, a live reload) is
        ordinary here, not an error to print a traceback for."""
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path.startswith(PREFIX) and path[len(PREFIX):] in SERVED:
            self._send(*SERVED[path[len(PREFIX):]])
        elif path == PREFIX + "events":
            self._events()
        elif path.endswith(("/", ".html")) and Path(self.translate_path(path)).exists():
            file = Path(self.translate_path(path))
            file = file / "index.html" if file.is_dir() else file
            if not file.is_file():
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            page = file.read_bytes()
            head = page.find(b"</head>")
            if head >= 0:
                page = page[:head] + RELOAD_TAG + b"\n" + page[head:]
            self._send(page, "text/html; charset=utf-8")
        elif Path(self.translate_path(path)).is_file():
            self._send_file(Path(self.translate_path(path)))
        else:
            super().do_GET()

    def _send_file(self, file: Path) -> None:
        try:
            stat = file.stat()
            key = (str(file), stat.st_mtime_ns, stat.st_size)
            body = None
            if key not in self.etags:
                body = file.read_bytes()
                self.etags[key] = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            etag = self.etags[key]
            unchanged = self.headers.get("If-None-Match") == etag
            if not unchanged and body is None:
                body = file.read_bytes()
        except OSError:  # the file, not the connection: only reading it happens in here
            self.send_error(HTTPStatus.NOT_FOUND)  # replaced by a rebuild while we looked
            return
        if unchanged:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.end_headers()
        else:
            self._send(body, self.guess_type(str(file)), etag)

    def _send(self, body: bytes, content_type: str, etag: str | None = None) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        """Server-sent events: the build state now and after every rebuild, a comment as keep-alive."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        seen = None
        while not self.build_state.closed:  # until the page is closed or reloaded (handle() ends it quietly)
            current, value = self.build_state.wait(seen, timeout=10)
            # one line of JSON: json.dumps escapes any newline, which would end an event's data
            self.wfile.write(f"data: {value}\n\n".encode() if current != seen else b": still here\n\n")
            self.wfile.flush()
            seen = current


def watched_paths(options: BuildOptions, images: Iterable[Path]) -> list[Path]:
    """Everything a build reads: content, templates, weights and the sample images wherever they are."""
    weights = options.weights if options.weights.is_dir() else options.weights.parent
    classes = [options.classes] if options.classes else []
    return [options.content, TEMPLATES, weights, *classes, *options.images, *images]


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """(mtime, size) of every file under `paths`; editor droppings (dotfiles, backups) are left out."""
    found: Snapshot = {}
    for root in paths:
        files = root.rglob("*") if root.is_dir() else [root]
        for file in files:
            if file.name.startswith((".", "#")) or file.name.endswith("~"):
                continue
            try:
                stat = file.stat()
            except OSError:
                continue  # deleted while we looked
            if not file.is_dir():
                found[file] = (stat.st_mtime_ns, stat.st_size)
    return found


def _changed(before: Snapshot, after: Snapshot) -> list[Path]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def _settled(options: BuildOptions, images: Iterable[Path], now: Snapshot, stop: threading.Event) -> Snapshot:
    """The inputs once they stop changing for one poll (at most a second), so a half-written file is not built."""
    for _ in range(int(1 / POLL_SECONDS)):
        if stop.wait(POLL_SECONDS):
            break
        later = snapshot(watched_paths(options, images))
        if later == now:
            break
        now = later
    return now


def _rebuild(options: BuildOptions, cache: StageCache, log: Log, report: Callable[[str, float], None] | None,
             state: _BuildState):
    """One build; a bad input is one line, in the terminal and in the open pages, and the previous build stays."""
    try:
        summary = build_site(options, report=report or (lambda stage, seconds: None), cache=cache)
    except InputError as exc:
        log(f"error: {exc} (still serving the previous build; waiting for a change)")
        state.failed(f"error: {exc}")
        return None
    state.succeeded()
    return summary


def serve(options: ServeOptions, log: Log, stop: threading.Event | None = None) -> None:
    """Build, serve and rebuild until Ctrl-C (or until `stop` is set); returns normally either way."""
    build = options.build
    check_target(build.out)  # never serve (or replace) a folder that is not a build
    build_state = _BuildState()
    handler = functools.partial(type("Handler", (_Handler,), {"build_state": build_state, "etags": {}}),
                                directory=str(build.out.resolve()))
    try:
        server = ThreadingHTTPServer((HOST, options.port), handler)
    except OSError as exc:
        raise InputError(f"--port {options.port}", f"cannot listen on {HOST}: {exc.strerror}") from None
    server.daemon_threads = True
    url = f"http://{HOST}:{server.server_address[1]}/"
    stop = stop or threading.Event()
    previous = _install_signal_handlers(stop)
    cache = StageCache()
    thread = threading.Thread(target=server.serve_forever, name="serve", daemon=True)
    try:
        summary = _rebuild(build, cache, log, lambda stage, seconds: log(f"  {stage:<44} {seconds:6.2f} s"),
                           build_state)
        if summary:
            log(f"built {summary.out} in {summary.seconds:.1f} s")
        thread.start()
        log(f"serving {url} (Ctrl-C to stop)")
        if options.open_browser:
            webbrowser.open(url)
        images = summary.images if summary else ()
        seen = snapshot(watched_paths(build, images))
        while not stop.wait(POLL_SECONDS):
            now = snapshot(watched_paths(build, images))
            changed = _changed(seen, now)
            if not changed:
                continue
            now = _settled(build, images, now, stop)  # an editor may still be writing
            changed = _changed(seen, now)
            seen = now
            started = time.perf_counter()
            summary = _rebuild(build, cache, log, None, build_state)
            if summary:
                images = summary.images
                names = ", ".join(str(p) for p in changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3
                                                                  else "")
                log(f"rebuilt in {time.perf_counter() - started:.2f} s ({names} changed)")
    except KeyboardInterrupt:
        log("stopped")
    finally:
        build_state.close()
        if thread.is_alive():
            server.shutdown()  # waits for serve_forever, so only once it runs
        server.server_close()
        for signum, handler in previous.items():
            if handler is not None:  # None: set outside Python, cannot be put back
                signal.signal(signum, handler)


def _install_signal_handlers(stop: threading.Event) -> dict[int, object]:
    """Ctrl-C raises KeyboardInterrupt even where a shell started us ignoring SIGINT; SIGTERM stops too."""
    if threading.current_thread() is not threading.main_thread():
        return {}  # only the main thread may set handlers (tests run serve() in a thread)
    previous = {signal.SIGINT: signal.getsignal(signal.SIGINT), signal.SIGTERM: signal.getsignal(signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    return previous
