"""The in-graph view (issue 15): a conv, ReLU or pooling neuron opens inside the overview, as a reader sees it.

Expectations come from outside the page's code: numpy on the site's data files (the stored maps decoded as
docs/data-format.md says, the network's float32 weights) for every intermediate map, the real network
(tests/numpy_tinyvgg.py) for what they add up to, and the rendered DOM for where things are drawn.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from .test_detail import DETAIL, INPLACE, Truth, chosen_channel, pause, position, wait_view

pytestmark = pytest.mark.e2e

BOXES = """(selector) => [...document.querySelectorAll(selector)].map((el) => {
  const b = el.getBoundingClientRect();
  return { x: b.left, y: b.top, right: b.right, bottom: b.bottom, w: b.width, h: b.height };
})"""
# Each intermediate map of the view: its channel, the values it holds, its colour range and its pixels' RGB.
INTERMEDIATES = """() => [...document.querySelectorAll('[data-role=inplace] [data-map=intermediate]')].map((el) => {
  const canvas = el.querySelector('canvas');
  const rgba = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const rgb = [];
  for (let i = 0; i < rgba.length; i += 4) rgb.push([rgba[i], rgba[i + 1], rgba[i + 2]]);
  return { channel: Number(el.dataset.channel), values: Array.from(el.values), range: Number(el.dataset.range),
           height: canvas.height, width: canvas.width, rgb };
})"""


@pytest.fixture(scope="module")
def truth(site) -> Truth:
    return Truth(site)


def _x(page, selector: str) -> float:
    return page.locator(selector).bounding_box()["x"]


def _intermediates(truth, sample: str, layer: str, neuron: int) -> np.ndarray:
    """numpy: every input channel (as stored) cross-correlated with its 3x3 kernel, (C, H-2, W-2), no bias."""
    _, stored = truth.stored(sample)
    x = stored[truth.previous(layer)]  # (C, H, W)
    kernel = truth.weights[layer][0][:, :, :, neuron]  # (3, 3, C)
    windows = sliding_window_view(x, (3, 3), axis=(1, 2))  # (C, H-2, W-2, 3, 3)
    return np.einsum("chwij,ijc->chw", windows, kernel)


CASES = [("espresso", "conv_1_1", 4), ("koala", "conv_1_2", 3), ("pizza", "conv_2_2", 7)]


@pytest.mark.parametrize(("sample", "layer", "neuron"), CASES, ids=[f"{c[1]}-{c[2]}" for c in CASES])
def test_intermediate_maps_are_each_channel_convolved_with_its_kernel(open_page, truth, sample, layer, neuron):
    page = open_page(f"#sample={sample}&scale=unit&layer={layer}&neuron={neuron}&row=0&col=0").page
    wait_view(page, "conv", 0, 0)
    expected = _intermediates(truth, sample, layer, neuron)
    shown = page.evaluate(INTERMEDIATES)
    assert [m["channel"] for m in shown] == list(range(expected.shape[0]))
    palette = np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in page.evaluate("CNNX.page.palettes.RdBu")])
    for m in shown:
        want = expected[m["channel"]]
        values = np.array(m["values"]).reshape(m["height"], m["width"])
        np.testing.assert_allclose(values, want, atol=1e-5, rtol=1e-5)
        # ...and drawn in the view's red-blue scale: each pixel the palette's colour of numpy's value (to one step)
        index = np.clip(np.rint((want.ravel() + m["range"] / 2) / m["range"] * 255), 0, 255).astype(int)
        rgb = np.array(m["rgb"])
        nearest = np.argmin(((rgb[:, None, :] - palette[None, :, :]) ** 2).sum(-1), axis=1)
        assert np.all(np.abs(nearest - index) <= 1)
    # Their sum plus the bias is the neuron's map, as the real network computes it (within 8-bit storage).
    bias = truth.weights[layer][1][neuron]
    kernel = truth.weights[layer][0][:, :, :, neuron]
    bound = float(np.sum(np.abs(kernel) * truth.step(sample, truth.previous(layer))[None, None, :]))
    real = truth.network(sample)[layer][neuron]
    assert np.abs(expected.sum(axis=0) + bias - real).max() <= bound + 1e-4


def test_a_conv_neuron_opens_in_the_graph_with_its_neighbours(open_page):
    page = open_page().page
    before = {layer: _x(page, f'[data-layer="{layer}"][data-neuron="0"]')
              for layer in ("conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1", "output")}
    page.click('[data-layer="conv_1_2"][data-neuron="3"]')
    wait_view(page, "conv")
    page.wait_for_selector(f"[data-role=overview]:not(.moving) {INPLACE}", state="attached")
    assert not page.evaluate("document.querySelector('[data-role=detail]').matches(':modal')")
    # the input channels (the previous column's maps), one kernel, one intermediate map each, the sum and the output
    inputs = page.evaluate(BOXES, f"{INPLACE} [data-map=input]")
    kernels = page.evaluate(BOXES, f"{INPLACE} .inplace-kernel")
    mids = page.evaluate(BOXES, f"{INPLACE} [data-map=intermediate]")
    plus = page.evaluate(BOXES, f"{INPLACE} .inplace-plus")
    output = page.evaluate(BOXES, f"{INPLACE} [data-map=output]")
    sources = page.evaluate(BOXES, '[data-layer="relu_1_1"]')
    neuron = page.evaluate(BOXES, '[data-layer="conv_1_2"][data-neuron="3"]')[0]
    assert len(inputs) == len(kernels) == len(mids) == 10 and len(plus) == len(output) == 1
    dashed = page.eval_on_selector_all(f"{INPLACE} .inplace-edge",
                                       "els => els.map((e) => getComputedStyle(e).strokeDasharray)")
    assert len(dashed) == 2 * 10 + 2 and all(d not in ("none", "") for d in dashed)
    for box, source in zip(inputs, sources, strict=True):
        assert abs(box["x"] - source["x"]) < 1 and abs(box["y"] - source["y"]) < 1  # over the channel's own neuron
    for i, k, m in zip(inputs, kernels, mids, strict=True):
        assert i["right"] <= k["x"] and k["right"] < m["x"] and m["right"] < plus[0]["x"]  # input ∗ kernel = map
    assert plus[0]["right"] < output[0]["x"] and abs(output[0]["x"] - neuron["x"]) < 1
    # the columns moved apart to make the room, and the network around stays in view
    assert _x(page, '[data-layer="conv_1_2"][data-neuron="0"]') > before["conv_1_2"] + 50
    viewport = page.viewport_size
    for layer in ("conv_1_1", "relu_1_2", "max_pool_1", "output"):
        for box in page.evaluate(BOXES, f'[data-layer="{layer}"]'):
            assert box["x"] >= 0 and box["right"] <= viewport["width"] and box["bottom"] <= viewport["height"], layer
        opacity = page.eval_on_selector(f'[data-layer="{layer}"][data-neuron="0"]', "e => getComputedStyle(e).opacity")
        assert opacity == "1", layer
    panel = page.locator(DETAIL).bounding_box()  # the formula panel, docked below the graph
    graph = page.locator("[data-role=overview]").bounding_box()
    assert panel["y"] >= graph["y"] + graph["height"] - 1 and panel["y"] + panel["height"] <= viewport["height"] + 1
    # the window sweeps over the maps in step with the formula
    page.wait_for_function("() => Number(document.querySelector('[data-role=detail]').dataset.col) >= 2")
    page.click("[data-role=detail-play]")
    row, col = position(page)
    mid = mids[0]
    window = page.evaluate(BOXES, f"{INPLACE} [data-map=intermediate][data-channel='0'] .window")[0]
    assert abs(window["x"] - (mid["x"] + col * mid["w"] / 60)) < 1.5  # conv_1_2's maps are 60 x 60
    assert abs(window["y"] - (mid["y"] + row * mid["h"] / 60)) < 1.5
    page.keyboard.press("Escape")
    page.wait_for_selector(f"{DETAIL}:not([open])", state="attached")
    assert page.locator(INPLACE).count() == 0
    page.wait_for_selector("[data-role=overview]:not(.moving)", state="attached")
    for layer, x in before.items():
        assert abs(_x(page, f'[data-layer="{layer}"][data-neuron="0"]') - x) < 1, layer


def test_relu_and_pool_open_in_the_graph(open_page):
    page = open_page("#layer=max_pool_1&neuron=2&row=4&col=5").page
    wait_view(page, "pool", 4, 5)
    page.wait_for_selector(f"[data-role=overview]:not(.moving) {INPLACE}", state="attached")  # the columns are in place
    big = page.evaluate(BOXES, f"{INPLACE} [data-map=input], {INPLACE} [data-map=output]")
    source = page.evaluate(BOXES, '[data-layer="relu_1_2"][data-neuron="2"]')[0]
    target = page.evaluate(BOXES, '[data-layer="max_pool_1"][data-neuron="2"]')[0]
    assert len(big) == 2
    assert source["right"] < big[0]["x"] < big[0]["right"] < big[1]["x"] < big[1]["right"] < target["x"]
    window = page.evaluate(BOXES, f"{INPLACE} [data-map=input] .window")[0]
    assert abs(window["w"] - 2 * big[0]["w"] / 60) < 1  # the 2x2 window on the 60x60 input
    assert abs(window["x"] - (big[0]["x"] + 10 * big[0]["w"] / 60)) < 1.5  # at input column 2 * 5
    page.click('[data-layer="relu_2_1"][data-neuron="0"]')  # another layer: the view moves there
    wait_view(page, "relu")
    assert page.get_attribute(INPLACE, "data-kind") == "relu"
    assert "layer=relu_2_1&neuron=0" in page.evaluate("location.hash")


def test_moving_between_neurons_and_channels_keeps_the_view_open(open_page, truth):
    page = open_page("#sample=koala&scale=unit").page
    page.click('[data-layer="conv_2_1"][data-neuron="0"]')  # a click: one history entry, which Back closes
    wait_view(page, "conv")
    # Positions are compared once settled: the columns have glided apart, and the page has laid its article out
    # (at idle, once parsed: the page's script draws the graph before the article below it is parsed).
    page.wait_for_selector("[data-role=overview]:not(.moving)", state="attached")
    page.wait_for_selector(".article.laid-out", state="attached")
    pause(page)
    page.keyboard.press("ArrowRight")
    row, col = position(page)
    history = page.evaluate("history.length")
    page.keyboard.press("]")
    assert chosen_channel(page) == 1
    page.keyboard.press("[")
    page.keyboard.press("[")
    assert chosen_channel(page) == 9  # round to the last channel
    page.click("[data-role=detail-prev-channel]")
    assert chosen_channel(page) == 8
    x = _x(page, '[data-layer="conv_2_1"][data-neuron="0"]')
    page.click("[data-role=detail-next]")
    page.wait_for_function("() => location.hash.includes('layer=conv_2_1&neuron=1&')")
    wait_view(page, "conv", row, col)
    assert chosen_channel(page) == 8  # the same channel and window, the next neuron
    assert abs(_x(page, '[data-layer="conv_2_1"][data-neuron="0"]') - x) < 1  # the same layer: nothing moves
    shown = page.evaluate(INTERMEDIATES)
    np.testing.assert_allclose(shown[8]["values"], _intermediates(truth, "koala", "conv_2_1", 1)[8].ravel(), atol=1e-5)
    page.keyboard.press("PageDown")
    page.wait_for_function("() => location.hash.includes('layer=conv_2_1&neuron=2&')")
    assert page.evaluate("history.length") == history  # moving replaces the entry: Back still closes the view
    page.go_back()
    page.wait_for_selector(f"{DETAIL}:not([open])", state="attached")
    assert "layer=" not in page.evaluate("location.hash") and page.locator(INPLACE).count() == 0


def test_reduced_motion_opens_without_moving(open_page):
    page = open_page().page
    watch = """() => { window.runs = 0; document.querySelector('[data-role=overview]')
      .addEventListener('transitionrun', (e) => { if (e.target.matches('.neuron')) window.runs += 1; }); }"""
    page.evaluate(watch)
    page.click('[data-layer="conv_1_1"][data-neuron="0"]')
    wait_view(page, "conv")
    page.wait_for_function("() => window.runs > 0")  # the columns glide apart
    page.keyboard.press("Escape")
    page.wait_for_selector(f"{DETAIL}:not([open])", state="attached")
    page.wait_for_selector("[data-role=overview]:not(.moving)", state="attached")

    page.emulate_media(reduced_motion="reduce")
    page.evaluate("() => { window.runs = 0; }")
    page.click('[data-layer="conv_1_1"][data-neuron="0"]')
    wait_view(page, "conv")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    assert page.evaluate("window.runs") == 0
    assert not page.evaluate("document.querySelector('[data-role=overview]').classList.contains('moving')")
    assert page.evaluate("document.querySelector('[data-role=detail]').dataset.playing") == "false"


def test_a_phone_keeps_the_full_screen_panel(open_page):
    page = open_page("#layer=conv_1_2&neuron=1", width=390, height=844).page
    wait_view(page, "conv")
    assert page.evaluate("document.querySelector('[data-role=detail]').matches(':modal')")
    assert page.locator(INPLACE).count() == 0
    assert page.locator(f"{DETAIL} .channel-card").first.is_visible()
    box = page.locator(DETAIL).bounding_box()
    assert box["x"] == 0 and box["width"] == 390


def test_keyboard_only(open_page):
    page = open_page().page
    page.focus('[data-layer="input"][data-neuron="0"]')
    page.keyboard.press("ArrowRight")  # conv_1_1, the neuron nearest in height
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("[document.activeElement.dataset.layer, document.activeElement.dataset.neuron]")
    assert focused[0] == "conv_1_1"
    page.keyboard.press("Enter")
    wait_view(page, "conv")
    assert page.evaluate("document.activeElement.dataset.role") == "detail-close"
    page.keyboard.press("]")
    assert chosen_channel(page) == 1
    page.keyboard.press("Tab")  # the play button comes right after the close button
    assert page.evaluate("document.activeElement.dataset.role") == "detail-play"
    if page.get_attribute(DETAIL, "data-playing") == "true":
        page.keyboard.press("Enter")
    assert page.get_attribute(DETAIL, "data-playing") == "false"
    start = position(page)
    page.keyboard.press("ArrowDown")
    assert position(page) == (start[0] + 1, start[1])
    page.keyboard.press("PageDown")
    page.wait_for_function(f"() => location.hash.includes('neuron={int(focused[1]) + 1}&')")
    page.keyboard.press("Escape")
    page.wait_for_selector(f"{DETAIL}:not([open])", state="attached")
    assert "layer=" not in page.evaluate("location.hash")
