"""The page's layout at the window sizes readers have, in both languages: nothing cut off, nothing touching,
nothing that jumps when a message comes or goes. Measured on the rendered page, not read from the CSS."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

SIZES = [(1024, 768), (1280, 800), (1440, 900)]
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]
LANGUAGES = pytest.mark.parametrize("path", ["", "zh/index.html"], ids=["en", "zh"])

# Hover every neuron (as the pointer does: app.js listens for pointerover) and collect the chip texts that
# do not fit the chip.
CHIP_OVERFLOWS = """() => {
  const chip = document.querySelector("[data-role=hover]");
  const cut = [];
  for (const el of document.querySelectorAll("[data-role=overview] [data-neuron]")) {
    el.dispatchEvent(new PointerEvent("pointerover", { bubbles: true }));
    if (chip.scrollWidth > chip.clientWidth + 0.5) cut.push(chip.textContent);
  }
  return { cut, chip: chip.clientWidth };
}"""

CONTROL_ROWS = """() => {
  const boxes = [...document.querySelector(".controls").children]
    .filter((el) => getComputedStyle(el).position !== "absolute" && el.getClientRects().length)
    .map((el) => el.getBoundingClientRect());
  // Items on one row overlap vertically; a wrapped item starts below every item of the first row.
  const firstBottom = Math.min(...boxes.map((b) => b.bottom));
  return boxes.filter((b) => b.top >= firstBottom).length;
}"""

LABEL_GAPS = """() => {
  const boxes = [...document.querySelectorAll("[data-label]")].map((el) => {
    const spans = [...el.querySelectorAll(".short, .long")].filter((s) => s.getClientRects().length);
    const r = spans[0].getBoundingClientRect();
    return { name: el.dataset.label, left: r.left, right: r.right };
  });
  return boxes.slice(1).map((b, i) => [boxes[i].name, b.name, b.left - boxes[i].right]);
}"""


def _rendered(open_page, path: str, width: int, height: int):
    return open_page(path=path, width=width, height=height).page


@pytest.mark.parametrize("origin", ["http"])
@pytest.mark.parametrize(("width", "height"), SIZES, ids=SIZE_IDS)
@LANGUAGES
def test_the_hover_chip_shows_every_neurons_line_whole(open_page, path, width, height):
    found = _rendered(open_page, path, width, height).evaluate(CHIP_OVERFLOWS)
    assert found["cut"] == [], f"cut off with an ellipsis in a {found['chip']} px chip"


@pytest.mark.parametrize("origin", ["http"])
@pytest.mark.parametrize(("width", "height"), SIZES, ids=SIZE_IDS)
@LANGUAGES
def test_the_controls_keep_to_one_row_and_the_graph_fits_the_window(open_page, path, width, height):
    page = _rendered(open_page, path, width, height)
    assert page.evaluate(CONTROL_ROWS) == 0, "some controls wrapped onto a second row"
    # The whole graph, its legends included, is on the first screen.
    bottom = page.evaluate("() => document.querySelector('[data-role=overview]').getBoundingClientRect().bottom")
    assert bottom <= height


@pytest.mark.parametrize("origin", ["http"])
@pytest.mark.parametrize(("width", "height"), SIZES, ids=SIZE_IDS)
@LANGUAGES
def test_layer_labels_keep_apart(open_page, path, width, height):
    page = _rendered(open_page, path, width, height)
    for details in (True, False):  # the long names ("max_pool_1") with details, the short ones without
        if page.evaluate("() => document.querySelector('[data-role=details]').getAttribute('aria-pressed')") \
                != str(details).lower():
            page.click("[data-role=details]")
        touching = [(a, b, round(gap, 1)) for a, b, gap in page.evaluate(LABEL_GAPS) if gap < 6]
        assert touching == [], f"labels less than 6 px apart (details {'on' if details else 'off'})"


@pytest.mark.parametrize("origin", ["http"])
@pytest.mark.parametrize(("width", "height"), SIZES, ids=SIZE_IDS)
def test_an_upload_error_does_not_move_the_graph(open_page, tmp_path, width, height):
    page = _rendered(open_page, "", width, height)
    top = page.evaluate("() => document.querySelector('[data-role=overview]').getBoundingClientRect().top")
    bad = tmp_path / "not-an-image.png"
    bad.write_bytes(b"this is text, not a picture")
    page.set_input_files("[data-role=upload]", str(bad))
    page.wait_for_selector("[data-role=upload-error]:not([hidden])", timeout=10_000)
    assert page.is_visible("[data-role=upload-error]")
    after = page.evaluate("() => document.querySelector('[data-role=overview]').getBoundingClientRect().top")
    assert after == top


GRIDS_BOX = """() => {
  const r = document.querySelector(".explorer-grids").getBoundingClientRect();
  const c = document.querySelector(".explorer-controls").getBoundingClientRect();
  return { left: Math.round(r.left - c.left), top: Math.round(r.top - c.top) };
}"""


@pytest.mark.parametrize("origin", ["http"])
@pytest.mark.parametrize(("width", "height"), SIZES, ids=SIZE_IDS)
@LANGUAGES
def test_the_explorers_grids_stay_put_when_the_stride_stops_fitting(open_page, path, width, height):
    page = _rendered(open_page, path, width, height)
    page.locator("[data-role=explorer]").scroll_into_view_if_needed()
    page.wait_for_selector("[data-role=explorer][data-valid]", timeout=10_000)
    places = []
    # (5 - 2) / s + 1 is whole for strides 1 and 3, not for 2 (test_article checks the message itself)
    for param, value, valid in (("n", 5, None), ("k", 2, None), ("s", 1, "true"), ("s", 2, "false"),
                                ("s", 3, "true")):
        field = f"[data-role=explorer] input[type=number][data-param={param}]"
        page.fill(field, str(value))
        page.dispatch_event(field, "input")
        if valid:
            assert page.get_attribute("[data-role=explorer]", "data-valid") == valid
            places.append(page.evaluate(GRIDS_BOX))
    assert places[0] == places[1] == places[2], places
