"""Quality gates in headless Chromium: keyboard access with a visible focus ring, WCAG AA text contrast
computed from the rendered page, no failed request with the network blocked, no CSP violation.

Generic on purpose: the gates walk whatever controls and text the page holds after its scripts ran
(the article's explorer mounted, a neuron selected), so views added later are checked as well. The
detail views are found the way a keyboard user finds them (Enter on the first neuron of every layer,
then each view's switch to the views it links to) and every gate runs again inside each of them:
while a modal dialog is open, only what it holds can be reached, so only that is checked; a view docked
below the graph leaves the page in reach, and its keyboard gates check the view's own controls.
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
  // Behind an open modal dialog the page is out of everyone's reach. A docked view (the formula below the graph,
  // not modal) leaves the page in reach, but the page's own controls are checked without it: only the view's count.
  const modal = document.querySelector("dialog:modal, dialog.docked[open]");
  const visible = (el) => {
    if (el.closest("[inert]") || el.disabled) return false;
    if (modal && !modal.contains(el)) return false;

    const style = getComputedStyle(el);
    return el.getClientRects().length > 0 && style.visibility === "visible";
  };
  for (const el of document.querySelectorAll("[data-gate]")) delete el.dataset.gate;
  // A roving-tabindex group ([data-roving]: the overview's neurons) is one Tab stop, its member with
  // tabindex 0; the arrow keys reach the others (test_navigation.py checks that they do).
  const roving = (el) => el.tabIndex < 0 && !!el.closest("[data-roving]");
  const controls = [...document.querySelectorAll(selector)].filter((el) => visible(el) && !roving(el));
  controls.forEach((el, i) => { el.dataset.gate = String(i); });
  // Focusable things that are no widget (tabindex, no role): focusing them is what they are for.
  const native = "a[href], button, input, select, textarea, summary, [contenteditable=true], [role]";
  const focusTargets = controls.flatMap((el, i) => (el.matches(native) ? [] : [i]));
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.tagName === "INPUT" ? `[type=${el.type}]` : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "") +
    (el.getAttribute("aria-label") ? `[${el.getAttribute("aria-label")}]` : "") +
    (el.textContent.trim() ? ` "${el.textContent.trim().slice(0, 30)}"` : "");
  // Things that look clickable (a pointer cursor) but are no control and sit in none: mouse-only.
  // A <label> passes its clicks to its control, which is checked itself (it must be among the controls).
  const mouseOnly = [...document.querySelectorAll("body *")].filter((el) =>
    visible(el) && getComputedStyle(el).cursor === "pointer" && !el.closest(selector) &&
    !(el.parentElement && getComputedStyle(el.parentElement).cursor === "pointer") &&
    !(el instanceof HTMLLabelElement && controls.includes(el.control)));
  return { controls: controls.map(describe), mouseOnly: mouseOnly.map(describe), focusTargets };
}"""

ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || !el.dataset.gate) return null;
  let r = el.getBoundingClientRect();
  // A visually hidden native input (the upload's file input) shows its focus on its label.
  if ((r.width < 4 || r.height < 4) && el.labels && el.labels.length) r = el.labels[0].getBoundingClientRect();
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
    """Bring every lazily mounted view onto the page: the explorer, the charts, a selected neuron.

    The selected neuron is an input channel: it highlights its edges and fills the chip as any neuron
    does, and opens no detail view, so the page itself stays in reach (the views: `_views`, `_open`).
    """
    page.evaluate("""async () => {
      for (let y = 0; y < document.body.scrollHeight; y += innerHeight / 2) {
        scrollTo(0, y);
        await new Promise((r) => setTimeout(r, 30));
      }
      scrollTo(0, 0);
    }""")
    page.wait_for_selector(".explorer-ready", state="attached", timeout=10_000)
    page.wait_for_function("() => [...document.querySelectorAll('figure[data-chart]')]"
                           ".every((f) => f.querySelector('svg'))", timeout=10_000)  # drawn when scrolled near
    page.click("[data-layer=input][data-neuron='0']")
    assert not _is_open(page), "an input channel opened a detail view: _prepare must leave the page in reach"
    page.evaluate("document.activeElement.blur()")


# ---- The detail views: a modal <dialog>, opened from a neuron of the overview. ----

DIALOG = "[data-role=detail]"
SHOWN = """(old) => {
  const d = document.querySelector("[data-role=detail]");
  return d.open && !!d.dataset.view && d.dataset.view !== old && d.dataset.row !== undefined;
}"""


SETTLED = """() => document.getAnimations().every((a) => a.playState !== "running" ||
  a.effect.getComputedTiming().iterations === Infinity)"""  # only endless ones (the dashed edges' flow) go on


def _is_open(page) -> bool:
    return page.evaluate("() => document.querySelector('[data-role=detail]').open")


def _view(page) -> str | None:
    return page.evaluate("() => { const d = document.querySelector('[data-role=detail]');"
                         " return d.open ? d.dataset.view || null : null; }")


def _pause(page) -> None:
    """Stop the window's animation, so that it neither counts as a control's effect nor moves the pixels."""
    still = page.evaluate("""() => {
      const d = document.querySelector("[data-role=detail]");
      if (d.dataset.playing === "true") d.querySelector("[data-role=detail-play]").click();
      return d.dataset.playing !== "true";
    }""")
    assert still, "the view's play button does not pause it"


def _close(page) -> None:
    """Esc, as a keyboard user leaves a view."""
    page.keyboard.press("Escape")
    page.wait_for_function(f"() => !document.querySelector('{DIALOG}').open", timeout=5_000)


def _open(page, layer: str, switches: int = 0) -> str | None:
    """Open the view of `layer`'s first neuron from the keyboard (focus it, Enter), then press the view's
    switch `switches` times; the kind of view shown, paused. None if the neuron has no view (a second
    Enter then gives back the selection it toggled)."""
    if _is_open(page):
        _close(page)
    page.focus(f"[data-layer='{layer}'][data-neuron='0']")
    page.keyboard.press("Enter")
    if not _is_open(page):
        page.keyboard.press("Enter")  # no view for this layer: Enter again deselects the neuron
        return None
    page.wait_for_function(SHOWN, arg=None, timeout=10_000, polling=50)
    for _ in range(switches):
        kind = _view(page)
        page.focus(f"{DIALOG} [data-role=detail-switch]")
        page.keyboard.press("Enter")
        page.wait_for_function(SHOWN, arg=kind, timeout=10_000, polling=50)
    _pause(page)
    # The view's entrance is over (an in-graph view: the columns move apart, its maps fade in): what stays is checked.
    page.wait_for_function(SETTLED, timeout=10_000, polling=50)
    return _view(page)


def _views(page) -> dict[str, tuple[str, int]]:
    """Every kind of detail view the page offers -> how to open it (`_open`'s layer and switches)."""
    layers = page.evaluate("""() => [...new Set([...document.querySelectorAll("[data-layer][data-neuron]")]
        .map((el) => el.dataset.layer))]""")
    found: dict[str, tuple[str, int]] = {}
    for layer in layers:
        kind = _open(page, layer)
        switches = 0
        while kind is not None and kind not in found:
            found[kind] = (layer, switches)
            if not page.query_selector(f"{DIALOG} [data-role=detail-switch]"):
                break
            switches += 1
            kind = _open(page, layer, switches)
        if _is_open(page):
            _close(page)
    # The gates below must not pass by finding nothing: these views exist today.
    assert {"conv", "relu", "pool", "flatten", "softmax"} <= set(found), found
    return found


# ---- Keyboard access ----

def _tab_problems(page, where: str, minimum: int) -> list[str]:
    """Tab through the controls in reach; what is mouse-only, never reached, or focused without a visible ring."""
    found = page.evaluate(MARK_CONTROLS, CONTROLS)
    controls = found["controls"]
    problems = [f"{where}: clickable but not reachable by keyboard: {d}" for d in found["mouseOnly"]]
    if len(controls) < minimum:
        problems.append(f"{where}: only {len(controls)} controls found, expected at least {minimum}")

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

    problems += [f"{where}: not reachable with Tab: {controls[i]}" for i in range(len(controls)) if i not in reached]
    problems += [f"{where}: no visible focus ring ({round(f, 2)} of the outline changes on focus): {controls[i]}"
                 for i, f in reached.items() if f < 0.6]
    return problems


@pytest.mark.parametrize("origin", ["http"])
def test_every_control_is_reachable_by_tab_with_a_visible_focus_ring(open_page):
    page = open_page().page
    _prepare(page)
    problems = _tab_problems(page, "page", minimum=20)
    for kind, how in _views(page).items():
        _open(page, *how)
        page.evaluate("document.activeElement.blur()")
        problems += _tab_problems(page, f"{kind} view", minimum=3)  # at least close, info and one of its own
        _close(page)
    assert problems == []


OPERATE = """async ([id, key]) => {
  const byFocus = key === "focus";
  // Space and the arrows scroll the page by themselves, whatever has the focus: a scroll is no effect of theirs.
  const scrolls = key === "Enter" || byFocus;
  const el = document.querySelector(`[data-gate='${id}']`);
  if (byFocus) el.blur(); else el.focus();
  const changed = [];
  const observer = new MutationObserver((records) => changed.push(...records));
  // Under an open modal dialog only the dialog counts: the page behind it (an animated explorer) is out of reach.
  const root = document.querySelector("dialog:modal") || document.body;
  observer.observe(root, { subtree: true, attributes: true, childList: true, characterData: true });
  // Ambient changes (an animation) must not count: learn which nodes change on their own first.
  await new Promise((r) => setTimeout(r, 40));
  const ambient = new Set(changed.map((r) => r.target));
  changed.length = 0;
  const before = { x: scrollX, y: scrollY, hash: location.hash, active: document.activeElement,
                   value: "value" in el ? el.value : null };
  window.__gateState = { before, changed, ambient, observer, el, byFocus, scrolls };
}"""

EFFECT = """() => {
  const { before, changed, ambient, observer, el, byFocus, scrolls } = window.__gateState;
  observer.disconnect();
  const own = changed.filter((r) => !ambient.has(r.target) && r.attributeName !== "data-gate");
  const scrolled = scrolls && (scrollX !== before.x || scrollY !== before.y);
  return own.length > 0 || scrolled || location.hash !== before.hash ||
    (!byFocus && document.activeElement !== before.active) || ("value" in el && el.value !== before.value);
}"""


def _key_for(description: str, focus_target: bool) -> list[str]:
    if focus_target:
        return ["focus"]  # a focus stop, no widget: reaching it must show something (the Tab gate reaches it)
    if description.startswith("input[type=file]"):
        return ["Space", "Enter"]  # they open the browser's file chooser (see _press)
    tag = description.split(".")[0].split("[")[0].split("#")[0].split(" ")[0]
    if tag == "select":
        return ["ArrowDown", "ArrowUp"]
    if tag == "input":
        return ["ArrowUp", "ArrowDown", "ArrowRight", "Space"]
    return ["Enter", "Space"]


def _press(page, index: int, key: str, chooser: bool = False) -> bool:
    """Press `key` on the marked control `index` (or focus it, for "focus"); whether the page reacted.
    With `chooser` (a file input), the reaction is the browser's file chooser opening; it is dismissed."""
    page.evaluate(OPERATE, [index, key])
    if chooser:
        try:
            with page.expect_file_chooser(timeout=2_000):
                page.keyboard.press(key)
            return True
        except Exception:
            return False
    if key == "focus":
        page.focus(f"[data-gate='{index}']")
    else:
        page.keyboard.press(key)
    try:
        page.wait_for_function(EFFECT, timeout=600, polling=50)
        return True
    except Exception:
        return False


def _inert_controls(page, found: dict, skip: set[int], restore) -> list[str]:
    """The controls that no key moves. `restore()` brings back the state they were marked in (a control
    may close a view or open one). A control that did nothing is tried once more after all the others:
    a toggle that is already on (the chosen channel) works once another has been chosen."""
    controls, targets = found["controls"], set(found["focusTargets"])
    pending = [i for i in range(len(controls)) if i not in skip]
    for _ in range(2):
        inert = []
        for index in pending:
            restore()
            chooser = controls[index].startswith("input[type=file]")
            if not any(_press(page, index, key, chooser) for key in _key_for(controls[index], index in targets)):
                inert.append(index)
        pending = inert
    return [controls[i] for i in pending]


@pytest.mark.parametrize("origin", ["http"])
def test_every_control_does_something_from_the_keyboard(open_page):
    watched = open_page()
    page = watched.page
    _prepare(page)
    found = page.evaluate(MARK_CONTROLS, CONTROLS)
    leaving = page.evaluate("""() => [...document.querySelectorAll("a[href][data-gate]")]
        .filter((a) => !a.getAttribute("href").startsWith("#")).map((a) => Number(a.dataset.gate))""")

    def back_to_the_page() -> None:  # a neuron's Enter opens its view: Esc returns to the page
        if _is_open(page):
            _close(page)

    inert = [f"page: {d}" for d in _inert_controls(page, found, set(leaving), back_to_the_page)]
    unclosed = []
    for kind, how in _views(page).items():
        _open(page, *how)
        in_view = page.evaluate(MARK_CONTROLS, CONTROLS)

        def back_to_the_view(kind=kind, how=how) -> None:
            if _view(page) != kind:
                _open(page, *how)
                page.evaluate(MARK_CONTROLS, CONTROLS)  # the view was rebuilt: mark its controls again
            _pause(page)

        inert += [f"{kind} view: {d}" for d in _inert_controls(page, in_view, set(), back_to_the_view)]
        # What the pointer does over a view's maps and rows (move the window), the arrow keys do.
        back_to_the_view()
        if not _press(page, 0, "ArrowDown"):
            inert.append(f"{kind} view: the arrow keys (the pointer's moves over its maps)")
        # Esc leaves the view and gives the focus back to the neuron it was opened from.
        back_to_the_view()
        _close(page)
        if not page.evaluate("(layer) => document.activeElement.matches(`[data-layer='${layer}'][data-neuron='0']`)",
                             how[0]):
            unclosed.append(kind)
    assert inert == [], "pressing Enter, Space or the arrow keys (or focusing it) did nothing"
    assert unclosed == [], "Esc did not return the focus to the neuron the view was opened from"

    page.evaluate(MARK_CONTROLS, CONTROLS)
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
  /** SVG text lies on the shapes drawn before it in its <svg> (a chart's cells), not on its ancestors:
   * the colour of the last filled shape before it whose box holds the text's centre; null if none. */
  function shapeUnder(el) {
    const svg = el.ownerSVGElement;
    if (!svg) return null;
    const r = el.getBoundingClientRect();
    const [x, y] = [r.left + r.width / 2, r.top + r.height / 2];
    let found = null;
    for (const shape of svg.querySelectorAll("rect, path, circle, ellipse, polygon")) {
      if (!(shape.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)) break;  // drawn after the text
      const s = getComputedStyle(shape);
      const fill = parse(s.fill);
      const b = shape.getBoundingClientRect();
      if (!fill || s.visibility !== "visible" || x < b.left || x > b.right || y < b.top || y > b.bottom) continue;
      fill[3] *= Number(s.fillOpacity) * opacity(shape);
      found = fill;
    }
    return found;
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
    let bg = backdrop(svg ? el.ownerSVGElement || el : el);
    const under = svg && bg ? shapeUnder(el) : null;
    if (under) bg = over(under, bg);
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
  // Under an open modal dialog the page is dimmed and out of use: the dialog is what is read then.
  const root = document.querySelector("dialog:modal") || document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest("script, style, noscript, option, template")) continue;
    check(el, text);
  }
  for (const el of root.querySelectorAll("select, input:not([type=hidden]):not([type=range])")) {
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
    _show_upload_error(page)
    failures += page.evaluate(CONTRAST)
    # The other state of every toggle button, and the explorer with padding cells.
    page.evaluate("""() => {
      for (const b of document.querySelectorAll("button[aria-pressed]:not([data-sample])")) b.click();
      const padding = document.querySelector("input[type=number][data-param=p]");
      if (padding) { padding.value = "1"; padding.dispatchEvent(new Event("input", { bubbles: true })); }
    }""")
    page.wait_for_timeout(300)
    failures += page.evaluate(CONTRAST)
    # Every detail view: its first window, then a few steps on (other numbers, other colours behind them).
    for kind, how in _views(page).items():
        _open(page, *how)
        failures += [{"view": kind, **f} for f in page.evaluate(CONTRAST)]
        for key in ["ArrowDown", "ArrowRight"] * 4:
            page.keyboard.press(key)
        failures += [{"view": kind, **f} for f in page.evaluate(CONTRAST)]
        _close(page)
    assert failures == []


def _show_upload_error(page) -> None:
    """Give the upload a file that is no image: its error line appears (and stays until the next upload)."""
    page.set_input_files("input[type=file][data-role=upload]",
                         files=[{"name": "notes.png", "mimeType": "image/png", "buffer": b"not a picture"}])
    page.wait_for_selector("[data-role=upload-error]:not([hidden])", timeout=10_000)


def _upload_image(page, path) -> None:
    """Upload a real image (noise, so that every layer has something to show) and wait until it is drawn."""
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (80, 96, 3), dtype=np.uint8)).save(path)
    page.set_input_files("input[type=file][data-role=upload]", str(path))
    page.wait_for_function("() => /^own-/.test(document.querySelector('[data-role=overview]').dataset.drawn || '')",
                           timeout=15_000)


EXERCISE = """async () => {
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  for (const thumb of document.querySelectorAll("[data-sample]")) { thumb.click(); await wait(60); }
  const select = document.querySelector("select");
  if (select) for (const option of select.options) {
    select.value = option.value; select.dispatchEvent(new Event("change", { bubbles: true })); await wait(60);
  }
  for (const el of [...document.querySelectorAll("[data-neuron]")].slice(0, 3)) { el.click(); await wait(60); }
  // Every layer's detail view (and the views they switch to), opened and closed.
  const layers = new Set([...document.querySelectorAll("[data-layer][data-neuron]")].map((el) => el.dataset.layer));
  for (const layer of layers) {
    document.querySelector(`[data-layer="${layer}"][data-neuron="0"]`).click(); await wait(150);
    const change = document.querySelector("dialog[open] [data-role=detail-switch]");
    if (change) { change.click(); await wait(150); }
    const close = document.querySelector("dialog[open] [data-role=detail-close]");
    if (close) { close.click(); await wait(40); }
  }
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
def test_the_page_stays_valid_html5_after_its_scripts_ran(open_page, tmp_path):
    """The DOM the scripts built (overview drawn, charts, explorer, an uploaded image and the upload's
    error line, each detail view open) checked by the same validator."""
    page = open_page().page
    _prepare(page)
    _upload_image(page, tmp_path / "noise.png")
    _show_upload_error(page)
    doms = {"page": page.evaluate("'<!DOCTYPE html>\\n' + document.documentElement.outerHTML")}
    for kind, how in _views(page).items():
        _open(page, *how)
        doms[f"{kind}-view"] = page.evaluate("'<!DOCTYPE html>\\n' + document.documentElement.outerHTML")
    paths = []
    for name, html in doms.items():
        paths.append(tmp_path / f"{name}.html")
        paths[-1].write_text(html, encoding="utf-8")
    assert validate([str(path) for path in paths]) == []
