"""Quality gates in headless Chromium: keyboard access with a visible focus ring, WCAG AA text contrast
computed from the rendered page, no failed request with the network blocked, no CSP violation.

Generic on purpose: the gates walk whatever controls and text the page holds after its scripts ran
(the article's explorer mounted, a neuron selected), so views added later are checked as well.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from .test_quality_static import validate

pytestmark = pytest.mark.e2e

# Anything a reader can operate: native controls, ARIA widgets, anything made focusable.
CONTROLS = ("a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex], [contenteditable=true], "
            "[role=button], [role=link], [role=checkbox], [role=radio], [role=tab], [role=slider], [role=switch], "
            "[role=menuitem], [role=option], [role=spinbutton], [role=combobox]")

MARK_CONTROLS = """(selector) => {
  const visible = (el) => {
    if (el.closest("[inert]") || el.disabled) return false;
    const style = getComputedStyle(el);
    return el.getClientRects().length > 0 && style.visibility === "visible";
  };
  const controls = [...document.querySelectorAll(selector)].filter(visible);
  controls.forEach((el, i) => { el.dataset.gate = String(i); });
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "") +
    (el.getAttribute("aria-label") ? `[${el.getAttribute("aria-label")}]` : "") +
    (el.textContent.trim() ? ` "${el.textContent.trim().slice(0, 30)}"` : "");
  // Things that look clickable (a pointer cursor) but are no control and sit in none: mouse-only.
  const mouseOnly = [...document.querySelectorAll("body *")].filter((el) =>
    visible(el) && getComputedStyle(el).cursor === "pointer" && !el.closest(selector) &&
    !(el.parentElement && getComputedStyle(el.parentElement).cursor === "pointer"));
  return { controls: controls.map(describe), mouseOnly: mouseOnly.map(describe) };
}"""

ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || !el.dataset.gate) return null;
  const r = el.getBoundingClientRect();
  return { id: Number(el.dataset.gate), x: r.x, y: r.y, width: r.width, height: r.height,
           vw: innerWidth, vh: innerHeight };
}"""


def _ring_fraction(focused: np.ndarray, blurred: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Share of the element's outline where the pixels change with focus (from 2 px inside to 5 px outside)."""
    x0, y0, x1, y1 = box
    changed = np.abs(focused.astype(int) - blurred.astype(int)).sum(axis=2) > 60
    h, w = changed.shape

    def band(lo: int, hi: int, limit: int) -> slice:
        return slice(max(lo, 0), min(hi, limit))

    hits, total = 0, 0
    for x in range(max(x0, 0), min(x1, w)):
        for rows in (band(y0 - 5, y0 + 2, h), band(y1 - 2, y1 + 5, h)):
            total += 1
            hits += bool(changed[rows, x].any())
    for y in range(max(y0, 0), min(y1, h)):
        for cols in (band(x0 - 5, x0 + 2, w), band(x1 - 2, x1 + 5, w)):
            total += 1
            hits += bool(changed[y, cols].any())
    return hits / max(total, 1)


def _shot(page, clip: dict) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB"))


def _prepare(page) -> None:
    """Bring every lazily mounted view onto the page: the explorer, the charts, a selected neuron."""
    page.evaluate("""async () => {
      for (let y = 0; y < document.body.scrollHeight; y += innerHeight / 2) {
        scrollTo(0, y);
        await new Promise((r) => setTimeout(r, 30));
      }
      scrollTo(0, 0);
    }""")
    page.wait_for_selector(".explorer-ready", state="attached", timeout=10_000)
    page.click("[data-layer=conv_1_1][data-neuron='0']")
    page.evaluate("document.activeElement.blur()")


@pytest.mark.parametrize("origin", ["http"])
def test_every_control_is_reachable_by_tab_with_a_visible_focus_ring(open_page):
    page = open_page().page
    _prepare(page)
    found = page.evaluate(MARK_CONTROLS, CONTROLS)
    controls = found["controls"]
    assert found["mouseOnly"] == [], "clickable but not reachable by keyboard"
    assert len(controls) > 20

    reached: dict[int, float] = {}
    checked_kinds: dict[str, int] = {}
    for _ in range(len(controls) * 2 + 20):
        page.keyboard.press("Tab")
        box = page.evaluate(ACTIVE)
        if box is None or box["id"] in reached:
            if len(reached) == len(controls):
                break
            continue
        kind = controls[box["id"]].split(" ")[0].split("[")[0]
        reached[box["id"]] = 1.0
        if checked_kinds.get(kind, 0) >= 3:  # same markup, same style: three of a kind make the point
            continue
        checked_kinds[kind] = checked_kinds.get(kind, 0) + 1
        pad = 8
        left, top = max(int(box["x"]) - pad, 0), max(int(box["y"]) - pad, 0)
        right = min(int(box["x"] + box["width"]) + pad, box["vw"])
        bottom = min(int(box["y"] + box["height"]) + pad, box["vh"])
        if right - left < 4 or bottom - top < 4:
            reached[box["id"]] = 0.0
            continue
        clip = {"x": left, "y": top, "width": right - left, "height": bottom - top}
        focused = _shot(page, clip)
        page.evaluate("(id) => document.querySelector(`[data-gate='${id}']`).blur()", box["id"])
        blurred = _shot(page, clip)
        page.evaluate("(id) => document.querySelector(`[data-gate='${id}']`).focus()", box["id"])
        element = (int(box["x"]) - left, int(box["y"]) - top,
                   int(box["x"] + box["width"]) - left, int(box["y"] + box["height"]) - top)
        reached[box["id"]] = _ring_fraction(focused, blurred, element)

    missing = [controls[i] for i in range(len(controls)) if i not in reached]
    assert missing == [], "not reachable with Tab"
    faint = {controls[i]: round(f, 2) for i, f in reached.items() if f < 0.6}
    assert faint == {}, "no visible focus ring (share of the outline that changes on focus)"


OPERATE = """async (id) => {
  const el = document.querySelector(`[data-gate='${id}']`);
  el.focus();
  const changed = [];
  const observer = new MutationObserver((records) => changed.push(...records));
  observer.observe(document.body, { subtree: true, attributes: true, childList: true, characterData: true });
  // Ambient changes (an animation) must not count: learn which nodes change on their own first.
  await new Promise((r) => setTimeout(r, 40));
  const ambient = new Set(changed.map((r) => r.target));
  changed.length = 0;
  const before = { x: scrollX, y: scrollY, hash: location.hash, active: document.activeElement,
                   value: "value" in el ? el.value : null };
  window.__gateState = { before, changed, ambient, observer, el };
}"""

EFFECT = """() => {
  const { before, changed, ambient, observer, el } = window.__gateState;
  observer.disconnect();
  const own = changed.filter((r) => !ambient.has(r.target) && r.attributeName !== "data-gate");
  return own.length > 0 || scrollX !== before.x || scrollY !== before.y || location.hash !== before.hash ||
    document.activeElement !== before.active || ("value" in el && el.value !== before.value);
}"""


def _key_for(description: str) -> list[str]:
    tag = description.split(".")[0].split("[")[0].split("#")[0].split(" ")[0]
    if tag == "select":
        return ["ArrowDown", "ArrowUp"]
    if tag == "input":
        return ["ArrowUp", "ArrowDown", "ArrowRight", "Space"]
    return ["Enter", "Space"]


@pytest.mark.parametrize("origin", ["http"])
def test_every_control_does_something_from_the_keyboard(open_page):
    watched = open_page()
    page = watched.page
    _prepare(page)
    controls = page.evaluate(MARK_CONTROLS, CONTROLS)["controls"]
    leaving = page.evaluate("""() => [...document.querySelectorAll("a[href][data-gate]")]
        .filter((a) => !a.getAttribute("href").startsWith("#")).map((a) => Number(a.dataset.gate))""")
    inert = []
    for index, description in enumerate(controls):
        if index in leaving:
            continue  # links to other pages and sites: checked below and by the link gate
        worked = False
        for key in _key_for(description):
            page.evaluate(OPERATE, index)
            page.keyboard.press(key)
            try:
                page.wait_for_function(EFFECT, timeout=600, polling=50)
                worked = True
            except Exception:
                worked = False
            if worked:
                break
        if not worked:
            inert.append(description)
    assert inert == [], "pressing Enter, Space or the arrow keys did nothing"

    internal = page.evaluate("""() => [...document.querySelectorAll("a[href][data-gate]")]
        .filter((a) => !/^(#|[a-z]+:)/i.test(a.getAttribute("href"))).map((a) => Number(a.dataset.gate))""")
    for index in internal[:1]:  # one link to another page of the site, followed with Enter
        start = page.url
        page.focus(f"[data-gate='{index}']")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url, start=start: url.split("#")[0] != start.split("#")[0], timeout=10_000)
        page.wait_for_selector("[data-role=overview][data-drawn]", state="attached", timeout=15_000)


CONTRAST = """() => {
  const parse = (text) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(text || "");
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  /** The backdrop of `el`: every background from the root down, composited; null over a picture. */
  function backdrop(el) {
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.unshift(e);
    let bg = [255, 255, 255, 1];
    for (const e of chain) {
      const s = getComputedStyle(e);
      if (s.backgroundImage !== "none" || e.tagName === "CANVAS" || e.tagName === "IMG") return null;
      const c = parse(s.backgroundColor);
      if (c && c[3] > 0) bg = over(c, bg);
    }
    return bg;
  }
  function opacity(el) {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  }
  const failures = [];
  const seen = new Set();
  function check(el, text) {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || s.visibility !== "visible" || el.closest("[hidden]")) return;
    if (el.closest(":disabled")) return;  // WCAG exempts inactive controls
    const svg = el instanceof SVGElement;
    const colour = parse(svg ? s.fill : s.color);
    if (!colour) return;
    colour[3] *= (svg ? Number(s.fillOpacity) : 1) * opacity(el);
    const bg = backdrop(svg ? el.ownerSVGElement || el : el);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    const need = large ? 3 : 4.5;
    if (!bg) { failures.push({ text, problem: "over a picture, contrast unknown" }); return; }
    const value = ratio(over(colour, bg), bg);
    const key = [s.color, s.fill, bg.join(), size, text].join("|");
    if (value < need && !seen.has(key)) {
      seen.add(key);
      failures.push({ text: text.slice(0, 40),
                      element: el.tagName.toLowerCase() + "." + (el.getAttribute("class") || ""),
                      colour: svg ? s.fill : s.color, background: `rgb(${bg.slice(0, 3).map(Math.round)})`,
                      ratio: Math.round(value * 100) / 100, need });
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest("script, style, noscript, option, template")) continue;
    check(el, text);
  }
  for (const el of document.querySelectorAll("select, input:not([type=hidden]):not([type=range])")) {
    if (el.value) check(el, el.value);
  }
  return failures;
}"""


@pytest.mark.parametrize("origin", ["http"])
@pytest.mark.parametrize("path", ["", "zh/index.html"], ids=["en", "zh"])
def test_text_contrast_meets_wcag_aa(open_page, path):
    page = open_page(path=path).page
    _prepare(page)
    page.wait_for_timeout(300)  # let the explorer's first frame and the highlight settle
    failures = page.evaluate(CONTRAST)
    page.hover("[data-layer=conv_1_2][data-neuron='3']")  # the hover chip and highlighted edges
    failures += page.evaluate(CONTRAST)
    # The other state of every toggle button, and the explorer with padding cells.
    page.evaluate("""() => {
      for (const b of document.querySelectorAll("button[aria-pressed]:not([data-sample])")) b.click();
      const padding = document.querySelector("input[type=number][data-param=p]");
      if (padding) { padding.value = "1"; padding.dispatchEvent(new Event("input", { bubbles: true })); }
    }""")
    page.wait_for_timeout(300)
    failures += page.evaluate(CONTRAST)
    assert failures == []


EXERCISE = """async () => {
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  for (const thumb of document.querySelectorAll("[data-sample]")) { thumb.click(); await wait(60); }
  const select = document.querySelector("select");
  if (select) for (const option of select.options) {
    select.value = option.value; select.dispatchEvent(new Event("change", { bubbles: true })); await wait(60);
  }
  for (const el of [...document.querySelectorAll("[data-neuron]")].slice(0, 3)) { el.click(); await wait(60); }
  for (let y = 0; y < document.body.scrollHeight; y += innerHeight / 2) { scrollTo(0, y); await wait(40); }
  for (const el of document.querySelectorAll(".explorer input[type=range]")) {
    el.value = el.max; el.dispatchEvent(new Event("input", { bubbles: true })); await wait(40);
  }
  await wait(500);
}"""


def test_the_site_works_with_the_network_blocked(browser, site, origin):
    """Everything not from the build (file:// or the local server) is aborted; no request may fail."""
    base = site.urls[origin].rsplit("/", 1)[0] + "/"
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    blocked, failed, errors, no_alt = [], [], [], []

    def route(route):
        if route.request.url.startswith((base, "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    context.add_init_script("document.addEventListener('securitypolicyviolation', (e) => "
                            "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))")
    page = context.new_page()
    page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
    page.on("response", lambda r: failed.append(f"{r.url} {r.status}") if r.status >= 400 else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    for path in ["index.html", "zh/index.html"]:
        page.goto(base + path)
        page.wait_for_selector("[data-role=overview][data-drawn]", state="attached", timeout=15_000)
        page.evaluate(EXERCISE)
        no_alt += page.evaluate("[...document.querySelectorAll('img')].filter(i => !i.hasAttribute('alt'))"
                                    ".map(i => i.src.slice(0, 60))")
    context.close()
    assert blocked == [] and failed == [] and errors == [], (blocked, failed, errors)
    assert no_alt == [], "images made at run time need alt text too"


@pytest.mark.parametrize("origin", ["http"])
def test_the_page_stays_valid_html5_after_its_scripts_ran(open_page):
    """The DOM the scripts built (overview drawn, charts, explorer) checked by the same validator."""
    page = open_page().page
    _prepare(page)
    html = page.evaluate("'<!DOCTYPE html>\\n' + document.documentElement.outerHTML")
    assert validate(["-"], stdin=html) == []
