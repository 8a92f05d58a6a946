"""The detail views as a reader sees them: the numbers they show, checked against numpy.

Two independent expectations for every number a view displays:
- numpy on the site's own data files (the exact values docs/data-format.md says the views print, and the
  network's float32 weights): the view must show exactly that, to the digits displayed;
- the real network (tests/numpy_tinyvgg.py, float64, on the sample's image): the view must be within
  float32 rounding of it (test_exact_numbers.py checks the digits against the JAX outputs themselves).
Plus the arithmetic as displayed: patch x kernel summed over the channels + bias = result, to the
precision shown. Every test runs over http and from file://, and fails on any console error.
"""

from __future__ import annotations

import json
from functools import cache
from itertools import pairwise

import numpy as np
import pytest
from cnn_explainer.config import load_config
from cnn_explainer.encode import decode_array
from cnn_explainer.images import load_image
from numpy_tinyvgg import tinyvgg

from .conftest import CONTENT, exact_values

pytestmark = pytest.mark.e2e

HALF = 0.0005  # half a unit of the third decimal: every formula number is shown with three
DETAIL = "[data-role=detail]"
INPLACE = "[data-role=inplace]"  # the in-graph view of a conv, ReLU or pooling neuron (a large screen)
READ = """(role) => [...document.querySelectorAll(`[data-role=detail] [data-role="${role}"]`)].flatMap((el) => {
  const cells = el.querySelectorAll(".cell");
  return cells.length ? [...cells].map((c) => c.textContent) : [el.textContent];
})"""
SAMPLES = {s.id: s for s in load_config(CONTENT).samples}


def read(page, role: str) -> np.ndarray:
    return np.array([float(text) for text in page.evaluate(READ, role)])


def position(page) -> tuple[int, int]:
    return int(page.get_attribute(DETAIL, "data-row")), int(page.get_attribute(DETAIL, "data-col"))


def pause(page) -> None:
    if page.get_attribute(DETAIL, "data-playing") == "true":
        page.click("[data-role=detail-play]")


def chosen_channel(page) -> int:
    """The input channel the formula shows; the in-graph view marks the same one."""
    card = page.get_attribute(f"{DETAIL} .channel-card[aria-pressed=true]", "data-channel")
    assert page.get_attribute(INPLACE, "data-channel") == card
    return int(card)


def wait_view(page, kind: str, row: int | None = None, col: int | None = None) -> None:
    selector = f'{DETAIL}[data-view="{kind}"][data-row]'
    if row is not None:
        selector += f'[data-row="{row}"][data-col="{col}"]'
    page.wait_for_selector(selector, state="attached", timeout=10_000)


class Truth:
    """What the site's data files say, and what the real network computes, for one build."""

    def __init__(self, site):
        self.site = site
        network = json.loads((site.folder / "data" / "network.json").read_text())
        self.weights = {name: (decode_array(w["kernel"]).astype(np.float64), np.array(w["bias"], np.float64))
                        for name, w in network["weights"].items()}
        self.classes = network["classes"]
        self.layers = ["input"] + [layer["name"] for layer in network["layers"]]

    @cache  # noqa: B019 - one Truth per session
    def stored(self, sample: str) -> tuple[dict, dict[str, np.ndarray]]:
        """The sample file and its layers' exact values as documented, (C, H, W) float64."""
        return exact_values(self.site.folder, sample)

    @cache  # noqa: B019
    def network(self, sample: str) -> dict[str, np.ndarray]:
        """The real network on the sample's image, in float64; maps as (C, H, W)."""
        from cnn_explainer.weights import load_model

        out = tinyvgg(load_model(self.site.weights).params, load_image(SAMPLES[sample].path))
        return {k: (np.transpose(v, (2, 0, 1)) if v.ndim == 3 else v) for k, v in out.items()}

    def previous(self, layer: str) -> str:
        return self.layers[self.layers.index(layer) - 1]

    def step(self, sample: str, layer: str) -> np.ndarray:
        """How far a shown input value may be from the real network's, per neuron: 0, as the views show exact
        values (the float32 network's rounding against float64 numpy is in the tests' 1e-5 margins)."""
        _, maps = self.stored(sample)
        return np.zeros(maps[layer].shape[0])


@pytest.fixture(scope="module")
def truth(site) -> Truth:
    return Truth(site)


CONV_CASES = [("espresso", "conv_1_1", 0, 10, 20), ("koala", "conv_1_2", 4, 30, 7),
              ("pizza", "conv_2_1", 9, 5, 13), ("ladybug", "conv_2_2", 2, 25, 0),
              ("school_bus", "conv_1_2", 7, 59, 59)]


@pytest.mark.parametrize(("sample", "layer", "neuron", "row", "col"), CONV_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CONV_CASES])
def test_convolution_numbers_recompute(open_page, truth, sample, layer, neuron, row, col):
    page = open_page(f"#sample={sample}&scale=unit&layer={layer}&neuron={neuron}&row={row}&col={col}").page
    wait_view(page, "conv", row, col)
    previous = truth.previous(layer)
    _, stored = truth.stored(sample)
    kernel, bias = truth.weights[layer]
    x_stored = stored[previous][:, row:row + 3, col:col + 3]  # (C, 3, 3)
    x_true = truth.network(sample)[previous][:, row:row + 3, col:col + 3] if previous != "input" else x_stored
    k = kernel[:, :, :, neuron]  # (3, 3, C)
    channels = x_stored.shape[0]
    sums = read(page, "channel-sum")
    assert sums.shape == (channels,)
    for c in range(channels):
        if c:
            page.click("[data-role=detail-next-channel]")  # the view stays open, the window where it was
        assert chosen_channel(page) == c
        assert position(page) == (row, col)
        patch, kern, products = read(page, "patch"), read(page, "kernel"), read(page, "product")
        value = read(page, "channel-value")[0]
        # what the data files hold, to the digits shown
        np.testing.assert_allclose(patch, x_stored[c].ravel(), atol=HALF + 1e-6)
        np.testing.assert_allclose(kern, k[:, :, c].ravel(), atol=HALF + 1e-7)
        # within the 8-bit storage step of the real network's activations
        step = truth.step(sample, previous)[c]
        np.testing.assert_allclose(patch, x_true[c].ravel(), atol=HALF + step + 1e-5)
        # the displayed arithmetic: each product, and their sum
        per_term = (np.abs(kern) + np.abs(patch)) * HALF + HALF**2
        assert np.all(np.abs(patch * kern - products) <= per_term + HALF + 1e-9)
        assert abs((patch * kern).sum() - value) <= per_term.sum() + HALF + 1e-9
        assert value == sums[c]
    shown_bias, result = read(page, "bias")[0], read(page, "result")[0]
    assert abs(shown_bias - bias[neuron]) <= HALF + 1e-7
    assert abs(sums.sum() + shown_bias - result) <= (channels + 2) * HALF + 1e-9
    recomputed = float(np.sum(x_stored * np.transpose(k, (2, 0, 1))) + bias[neuron])
    assert abs(result - recomputed) <= HALF + 1e-5
    true_value = truth.network(sample)[layer][neuron, row, col]
    bound = float(np.sum(np.abs(np.transpose(k, (2, 0, 1))) * truth.step(sample, previous)[:, None, None]))
    assert abs(result - true_value) <= HALF + bound + 1e-4


ACTIVATION_CASES = [("espresso", "relu_1_1", 3, 40, 2), ("koala", "relu_2_2", 5, 11, 17),
                    ("red_panda", "relu_1_2", 0, 0, 59), ("pizza", "max_pool_1", 2, 10, 12),
                    ("orange", "max_pool_2", 7, 12, 12), ("lifeboat", "max_pool_1", 9, 29, 0)]


@pytest.mark.parametrize(("sample", "layer", "neuron", "row", "col"), ACTIVATION_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in ACTIVATION_CASES])
def test_relu_and_pool_numbers_recompute(open_page, truth, sample, layer, neuron, row, col):
    kind = "pool" if layer.startswith("max_pool") else "relu"
    page = open_page(f"#sample={sample}&layer={layer}&neuron={neuron}&row={row}&col={col}").page
    wait_view(page, kind, row, col)
    previous = truth.previous(layer)
    _, stored = truth.stored(sample)
    size = 2 if kind == "pool" else 1
    block = stored[previous][neuron, size * row:size * row + size, size * col:size * col + size].ravel()
    patch, result = read(page, "patch"), read(page, "result")[0]
    np.testing.assert_allclose(patch, block, atol=HALF + 1e-6)
    # max(0, x) = y and max([a b; c d]) = y hold exactly for the numbers shown
    assert result == (max(0.0, patch[0]) if kind == "relu" else patch.max())
    if kind == "pool":
        marked = page.locator(f"{DETAIL} [data-role=patch] .cell.marked").text_content()
        assert float(marked) == patch.max()
    true_value = truth.network(sample)[layer][neuron, row, col]
    assert abs(result - true_value) <= HALF + truth.step(sample, previous)[neuron] + 1e-5


FLATTEN_CASES = [("espresso", "espresso", 5, 33), ("koala", "pizza", 0, 0), ("sports_car", "orange", 12, 129)]


@pytest.mark.parametrize(("sample", "class_name", "row", "col"), FLATTEN_CASES, ids=[c[0] for c in FLATTEN_CASES])
def test_flatten_numbers_recompute(open_page, truth, sample, class_name, row, col):
    cls = truth.classes.index(class_name)
    page = open_page(f"#sample={sample}&layer=output&neuron={cls}&row={row}&col={col}").page
    wait_view(page, "flatten", row, col)
    _, stored = truth.stored(sample)
    flat = np.transpose(stored["max_pool_2"], (1, 2, 0)).ravel()  # Keras flattens (row, column, channel)
    kernel, bias = truth.weights["output"]
    k = row * 130 + col
    value, weight = read(page, "patch")[0], read(page, "kernel")[0]
    assert abs(value - flat[k]) <= HALF + 1e-6
    assert abs(weight - kernel[k, cls]) <= HALF + 1e-7
    total, shown_bias, logit = read(page, "sum")[0], read(page, "bias")[0], read(page, "result")[0]
    assert abs(total + shown_bias - logit) <= 3 * HALF + 1e-9
    assert abs(logit - (flat @ kernel[:, cls] + bias[cls])) <= HALF + 1e-5
    step = np.tile(truth.step(sample, "max_pool_2"), 169)  # flatten index k has channel k % 10
    true_logit = truth.network(sample)["logits"][cls]
    assert abs(logit - true_logit) <= HALF + float(np.abs(kernel[:, cls]) @ step) + 1e-4
    # the source pixel is outlined in its own channel's map only
    pixel, channel = divmod(k, 10)
    boxes = page.evaluate("""() => [...document.querySelectorAll('[data-role=detail] [data-map=source]')]
        .map((m) => !m.querySelector('.window').hidden)""")
    assert boxes == [c == channel for c in range(10)]
    caption = page.text_content(f"{DETAIL} .formula-caption")
    assert f"channel {channel}, row {pixel // 13}, column {pixel % 13}" in caption


EDGES = """() => [...document.querySelectorAll('[data-role=detail] path.flat-edge')].flatMap((path) => {
  const rgb = getComputedStyle(path).stroke.match(/\\d+/g).map(Number);
  return [...path.getAttribute('d').matchAll(/M([\\d.]+) ([\\d.]+)/g)].map((m) => ({ y: Number(m[2]), rgb }));
})"""


def edges(page) -> list[tuple[float, tuple[int, int, int]]]:
    """Every edge of the flatten view as drawn, top to bottom: (start y, stroke colour)."""
    drawn = page.evaluate(EDGES)
    return sorted((e["y"], tuple(e["rgb"])) for e in drawn)


def luminance(rgb: tuple[int, int, int]) -> float:
    linear = [(c / 255 / 12.92) if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def check_edge_colours(drawn, weights: np.ndarray) -> None:
    """One edge per value, in vector order; brown (red over blue) for a negative weight, teal (blue over red) for
    a positive one; a larger |w| never lighter than a smaller one of the same sign; several colours in use."""
    assert len(drawn) == len(weights)
    assert len({y for y, _ in drawn}) == len(weights)  # one start per value: none drawn twice, none left out
    for sign in (-1, 1):
        picked = [(abs(w), rgb) for w, (_, rgb) in zip(weights, drawn, strict=True) if np.sign(w) == sign]
        if not picked:
            continue
        assert all((rgb[0] > rgb[2]) if sign < 0 else (rgb[2] > rgb[0]) for _, rgb in picked), sign
        by_size = sorted(picked, key=lambda p: p[0])
        lightness = [luminance(rgb) for _, rgb in by_size]
        assert all(a >= b - 1e-12 for a, b in pairwise(lightness)), sign
        if len(picked) > 20:
            assert len({rgb for _, rgb in picked}) >= 3, sign
            assert lightness[0] > lightness[-1]


@pytest.mark.parametrize(("sample", "class_name"), [("koala", "koala"), ("espresso", "lifeboat")])
def test_flatten_edges_one_per_value_coloured_by_weight(open_page, truth, sample, class_name):
    cls = truth.classes.index(class_name)
    page = open_page(f"#sample={sample}&layer=output&neuron={cls}&row=0&col=0").page
    wait_view(page, "flatten", 0, 0)
    kernel, _ = truth.weights["output"]
    drawn = edges(page)
    check_edge_colours(drawn, kernel[:, cls])  # TinyVGG flattens (H, W, C): edge k is kernel row k
    # pointing at the column shows that value times its weight, and outlines its edge
    _, stored = truth.stored(sample)
    flat = np.transpose(stored["max_pool_2"], (1, 2, 0)).ravel()
    box = page.locator(f"{DETAIL} svg.flat-edges").bounding_box()
    height = float(page.get_attribute(f"{DETAIL} svg.flat-edges", "viewBox").split()[3])
    for target in (7, 800, 1689):
        y = box["y"] + drawn[target][0] / height * box["height"]
        page.mouse.move(box["x"] + 8, y)
        row, col = position(page)
        k = row * 130 + col
        assert abs(k - target) <= 3, (k, target)  # a pixel holds a few of the 1,690 values
        mark = page.get_attribute(f"{DETAIL} path.edge-mark", "d")
        assert float(mark.split()[1].split("L")[0]) == drawn[k][0]
        value, weight, product = read(page, "patch")[0], read(page, "kernel")[0], read(page, "product")[0]
        assert abs(value - flat[k]) <= HALF + 1e-6
        assert abs(weight - kernel[k, cls]) <= HALF + 1e-7
        assert abs(product - flat[k] * kernel[k, cls]) <= HALF + 1e-7
    # pointing at an edge halfway to the unit picks that edge
    width = float(page.get_attribute(f"{DETAIL} svg.flat-edges", "viewBox").split()[2])
    mark = page.get_attribute(f"{DETAIL} path.edge-mark", "d")  # "M<x0> <y>L<x1> <cy>"
    x0, x1, cy = float(mark[1:].split()[0]), *map(float, mark.split("L")[1].split())
    for target in (40, 1200):
        x = (x0 + x1) / 2
        y = (drawn[target][0] + cy) / 2
        page.mouse.move(box["x"] + x / width * box["width"], box["y"] + y / height * box["height"])
        row, col = position(page)
        assert abs(row * 130 + col - target) <= 6, (row * 130 + col, target)  # halfway, a pixel spans twice as many
    assert page.get_attribute(DETAIL, "data-playing") == "false"  # pointing pauses the walk
    # the grid stays as the second drawing
    page.click(f"{DETAIL} [data-drawing=grid]")
    assert page.locator(f"{DETAIL} [data-map=flattened]").is_visible()
    assert not page.locator(f"{DETAIL} svg.flat-edges").is_visible()
    assert page.get_attribute(f"{DETAIL} [data-drawing=grid]", "aria-pressed") == "true"


def exp_tolerance(value: float) -> float:
    """Half a unit of the last digit exp(logit) is shown with: four significant digits, none after the point
    from 1000 up."""
    return 0.5 if value >= 1000 else 0.5 * 10.0 ** (np.floor(np.log10(value)) - 3)


SOFTMAX = """() => [...document.querySelectorAll('[data-role=detail] tbody tr')].map((tr) => ({
  logit: tr.querySelector('[data-role=logit]').textContent.trim(),
  exp: tr.querySelector('[data-role=exp]').textContent.trim(),
  probability: tr.querySelector('[data-role=probability]').textContent.trim() }))"""


@pytest.mark.parametrize("sample", ["pizza", "school_bus"])
def test_softmax_reveals_the_classes_in_order(open_page, truth, sample):
    doc, _ = truth.stored(sample)
    logits = np.asarray(doc["logits"], np.float64)
    stored_p = np.asarray(doc["probabilities"], np.float64)
    exps = np.exp(logits)
    running = np.cumsum(exps)
    n = len(logits)
    page = open_page(f"#sample={sample}&layer=output&neuron=3&view=softmax&row=0&col=0").page
    wait_view(page, "softmax", 0, 0)
    assert page.get_attribute(DETAIL, "data-playing") == "false"  # a link opens paused where it points
    for step in range(2 * n):
        shown = page.evaluate(SOFTMAX)
        reached = min(step + 1, n)  # first pass: classes 0..step have their logit and exp
        shared = max(0, step + 1 - n)  # second pass: classes 0..step-n have their probability
        assert [bool(r["logit"]) for r in shown] == [i < reached for i in range(n)], step
        assert [bool(r["probability"]) for r in shown] == [i < shared for i in range(n)], step
        for i in range(reached):
            assert shown[i]["logit"] == f"{logits[i]:.3f}", (step, i)
            assert abs(float(shown[i]["exp"]) - exps[i]) <= exp_tolerance(exps[i]) * (1 + 1e-9), (step, i)
        for i in range(shared):
            p_shown = float(shown[i]["probability"])
            assert abs(p_shown - stored_p[i]) <= 0.00005 + 1e-9, (step, i)
            assert abs(p_shown - exps[i] / running[-1]) <= 0.00005 + 1e-6, (step, i)
        total = running[step] if step < n else running[-1]
        assert abs(read(page, "sum")[0] - total) <= exp_tolerance(total) * (1 + 1e-9), step
        current = step % n
        assert truth.classes[current] in page.text_content(f"{DETAIL} .formula-caption")
        assert page.locator(f"{DETAIL} tr.lit").get_attribute("data-class") == str(current)
        if step >= n:
            assert abs(read(page, "step-probability")[0] - stored_p[current]) <= 0.00005 + 1e-9
        page.click("[data-role=detail-step]")
    assert position(page) == (0, 0)  # past the last class it starts again
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowLeft")
    assert position(page) == (0, 0)
    page.keyboard.press("ArrowDown")  # the second pass at the same class: everything but the later shares
    assert position(page) == (1, 0)
    assert [bool(r["probability"]) for r in page.evaluate(SOFTMAX)] == [i == 0 for i in range(n)]


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_softmax_plays_unless_motion_is_reduced(browser, site, motion):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion=motion)
    page = context.new_page()
    page.goto(site.http_url + "#sample=koala&layer=output&neuron=2&view=softmax")
    wait_view(page, "softmax")
    playing = page.get_attribute(DETAIL, "data-playing")
    if motion == "reduce":  # opens still, on the last step: every class and its probability shown
        assert playing == "false"
        assert position(page) == (1, 9)
        assert all(r["probability"] for r in page.evaluate(SOFTMAX))
    else:
        assert playing == "true"
        page.wait_for_function("() => document.querySelector('[data-role=detail]').dataset.col !== '0'")
    context.close()


@pytest.fixture(scope="module")
def predictions(site) -> dict[str, dict[str, float]]:
    """What `cnn-explainer predict` says for each gallery image."""
    from cnn_explainer.predict import predict_images
    from cnn_explainer.weights import load_model

    records = predict_images(load_model(site.weights), [s.path for s in SAMPLES.values()])
    return {sample: r["probabilities"] for sample, r in zip(SAMPLES, records, strict=True)}


@pytest.mark.parametrize(("sample", "class_name"), [("espresso", "pizza"), ("ladybug", "ladybug"),
                                                    ("school_bus", "koala")])
def test_softmax_matches_predict(open_page, truth, predictions, sample, class_name):
    cls = truth.classes.index(class_name)
    page = open_page(f"#sample={sample}&layer=output&neuron={cls}&view=softmax&row=1&col=9").page
    wait_view(page, "softmax", 1, 9)  # the last step: every class revealed
    logits, probabilities = read(page, "logit"), read(page, "probability")
    assert len(logits) == len(probabilities) == 10
    np.testing.assert_allclose(logits, truth.network(sample)["logits"], atol=HALF + 1e-4)
    expected = np.array([predictions[sample][name] for name in truth.classes])
    np.testing.assert_allclose(probabilities, expected, atol=0.00005 + 1e-6)
    assert abs(probabilities.sum() - 1) <= 10 * 0.00005
    from_shown = np.exp(logits) / np.exp(logits).sum()  # the formula on the numbers shown
    np.testing.assert_allclose(probabilities, from_shown, atol=0.00005 + 2 * HALF * from_shown.max())
    assert read(page, "step-probability")[0] == probabilities[9]
    # hovering a term lights its class's row, and the other way round
    page.hover(f'{DETAIL} .term[data-class="{(cls + 3) % 10}"]')
    assert page.locator(f"{DETAIL} tr.lit").get_attribute("data-class") == str((cls + 3) % 10)
    page.hover(f'{DETAIL} tr[data-class="{(cls + 5) % 10}"]')
    assert page.locator(f"{DETAIL} .term.lit").get_attribute("data-class") == str((cls + 5) % 10)


def test_clicking_a_neuron_opens_its_view_and_esc_closes(open_page):
    page = open_page().page
    for layer, kind in (("conv_2_1", "conv"), ("relu_1_2", "relu"), ("max_pool_2", "pool"), ("output", "flatten")):
        page.click(f'[data-layer="{layer}"][data-neuron="3"]')
        wait_view(page, kind)
        assert page.evaluate("document.querySelector('[data-role=detail]').open")
        # conv, ReLU and pooling open in the graph, the formula docked below it; the flatten view over it
        in_graph = kind != "flatten"
        assert page.evaluate("document.querySelector('[data-role=detail]').matches(':modal')") != in_graph
        assert page.locator(INPLACE).count() == int(in_graph)
        assert f"layer={layer}&neuron=3" in page.evaluate("location.hash")
        for control in ("[data-sample]", "[data-role=scale]", "[data-role=details]"):
            assert page.locator(control).first.is_disabled(), control
        page.keyboard.press("Escape")
        page.wait_for_selector(f"{DETAIL}:not([open])", state="attached")
        assert page.get_attribute(DETAIL, "data-view") is None
        assert "layer=" not in page.evaluate("location.hash")
        assert page.locator("[data-sample]").first.is_enabled()
        assert page.locator(INPLACE).count() == 0
    page.click('[data-layer="input"][data-neuron="0"]')  # the input has no view
    assert not page.evaluate("document.querySelector('[data-role=detail]').open")


def test_animation_advances_and_pauses(open_page):
    page = open_page().page
    page.click('[data-layer="conv_1_1"][data-neuron="1"]')
    wait_view(page, "conv")
    page.wait_for_function("() => Number(document.querySelector('[data-role=detail]').dataset.col) >= 3")
    assert page.get_attribute(DETAIL, "data-playing") == "true"
    page.click("[data-role=detail-play]")
    assert page.get_attribute(DETAIL, "data-playing") == "false"
    paused = position(page)
    page.wait_for_timeout(800)  # several animation steps' worth: the window must stay put
    assert position(page) == paused
    page.click("[data-role=detail-step]")
    assert position(page) == (paused[0], paused[1] + 1)
    page.click("[data-role=detail-play]")
    page.wait_for_function(f"() => document.querySelector('[data-role=detail]').dataset.col !== '{paused[1] + 1}'")


def _hover_cell(page, selector: str, row: int, col: int, height: int, width: int) -> None:
    box = page.locator(selector).bounding_box()
    page.mouse.move(box["x"] + (col + 0.5) * box["width"] / width, box["y"] + (row + 0.5) * box["height"] / height)


def test_hover_moves_the_window_and_pauses(open_page):
    page = open_page("#sample=koala&layer=max_pool_1&neuron=4").page
    wait_view(page, "pool")
    _hover_cell(page, f"{INPLACE} [data-map=input]", 17, 40, 60, 60)  # the maps are in the graph
    assert position(page) == (8, 20)  # the 2x2 window holding input cell (17, 40)
    assert page.get_attribute(DETAIL, "data-playing") == "false"
    _hover_cell(page, f"{INPLACE} [data-map=output]", 3, 25, 30, 30)
    assert position(page) == (3, 25)
    page.click('[data-role=detail-close]')
    page.click('[data-layer="conv_1_2"][data-neuron="0"]')
    wait_view(page, "conv")
    _hover_cell(page, f'{INPLACE} [data-map=input][data-channel="6"]', 61, 5, 62, 62)
    assert position(page) == (59, 5)  # clamped: the last window that fits
    assert chosen_channel(page) == 6


def test_keyboard_opens_moves_and_closes(open_page):
    page = open_page().page
    page.focus('[data-layer="relu_2_1"][data-neuron="2"]')
    page.keyboard.press("Enter")
    wait_view(page, "relu")
    pause(page)
    start = position(page)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert position(page) == (start[0] + 1, start[1] + 2)
    page.keyboard.press("ArrowUp")
    assert position(page) == (start[0], start[1] + 2)
    # Docked below the graph, the view is not modal: Tab goes on to the page after it. It opens on its close button.
    focused = {page.evaluate("document.activeElement.dataset.role || ''")}
    for key in ["Tab"] * 3 + ["Shift+Tab"] * 7:
        page.keyboard.press(key)
        focused.add(page.evaluate("document.activeElement.dataset.role || ''"))
    assert {"detail-close", "detail-info", "detail-play", "detail-next", "detail-prev"} <= focused
    page.focus("[data-role=detail-next]")
    page.keyboard.press("Enter")  # the next neuron of the layer, the window where it was
    wait_view(page, "relu", start[0], start[1] + 2)
    assert "layer=relu_2_1&neuron=3" in page.evaluate("location.hash")
    page.keyboard.press("PageUp")
    wait_view(page, "relu", start[0], start[1] + 2)
    assert "layer=relu_2_1&neuron=2" in page.evaluate("location.hash")
    page.focus("[data-role=detail-close]")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{DETAIL}:not([open])", state="attached")
    # The flatten view is modal: the page behind it is out of reach (past the last control focus leaves the document)
    page.focus('[data-layer="output"][data-neuron="1"]')
    page.keyboard.press("Enter")
    wait_view(page, "flatten")
    for _ in range(8):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement === document.body || !!document.activeElement.closest('dialog')")
    page.keyboard.press("Escape")
    page.wait_for_selector(f"{DETAIL}:not([open])", state="attached")


def test_hash_round_trips(open_page):
    page = open_page("#sample=pizza&scale=module").page
    page.click('[data-layer="conv_2_2"][data-neuron="8"]')
    wait_view(page, "conv")
    page.click(f'{INPLACE} [data-map=input][data-channel="5"]')
    pause(page)
    page.keyboard.press("ArrowDown")
    row, col = position(page)
    hash_ = page.evaluate("location.hash")
    assert hash_ == f"#sample=pizza&scale=module&layer=conv_2_2&neuron=8&channel=5&row={row}&col={col}"
    result = page.text_content(f"{DETAIL} [data-role=result]")

    again = open_page(hash_).page
    wait_view(again, "conv", row, col)
    assert chosen_channel(again) == 5
    assert again.text_content(f"{DETAIL} [data-role=result]") == result
    assert again.get_attribute(DETAIL, "data-playing") == "false"  # a link opens the window where it was

    again.evaluate("location.hash = '#sample=koala&scale=unit&layer=output&neuron=2&view=softmax'")
    wait_view(again, "softmax")
    again.click("[data-role=detail-switch]")
    wait_view(again, "flatten")
    assert "view=" not in again.evaluate("location.hash")
    again.evaluate("location.hash = '#sample=koala&scale=unit'")  # a link without a neuron closes the view
    again.wait_for_selector(f"{DETAIL}:not([open])", state="attached")


def test_info_button_jumps_to_the_article(open_page):
    page = open_page("#layer=max_pool_1&neuron=0").page
    wait_view(page, "pool")
    page.click("[data-role=detail-info]")
    page.wait_for_selector(f"{DETAIL}:not([open])", state="attached")
    page.wait_for_function("() => Math.abs(document.getElementById('article-pooling').getBoundingClientRect().top) < 5")


def test_one_colour_range_for_every_map_of_a_view(open_page, truth, site):
    """Input, intermediate and output maps are painted with one range (the original mixes two)."""
    sample, layer, neuron = "bell_pepper", "conv_2_1", 6
    page = open_page(f"#sample={sample}&scale=unit&layer={layer}&neuron={neuron}&row=0&col=0").page
    wait_view(page, "conv")
    doc, stored = truth.stored(sample)
    kernel, bias = truth.weights[layer]
    x = stored["max_pool_1"]
    inter = np.zeros((10, 28, 28))
    for i in range(3):
        for j in range(3):
            inter += x[:, i:i + 28, j:j + 28] * kernel[i, j, :, neuron][:, None, None]
    output = inter.sum(axis=0) + bias[neuron]
    top = max(np.abs(inter).max(), np.abs(output).max())
    r = max(doc["ranges"]["unit"]["max_pool_1"], doc["ranges"]["unit"][layer],
            2 * (0.1 + np.floor(top * 1000 + 0.5) / 1000))  # docs/data-format.md, "Detail views"
    page_palette = json.loads(page.text_content("#cnnx-page"))["palettes"]["RdBu"]
    rgb = np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in page_palette])
    maps = {"input": x, "intermediate": inter, "output": output[None]}
    got = page.evaluate("""() => [...document.querySelectorAll('[data-role=detail] [data-map] canvas')].map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return { role: c.parentElement.dataset.map, pixels: Array.from(d.filter((_, i) => i % 4 !== 3)) }; })""")
    seen = {"input": 0, "intermediate": 0, "output": 0}
    for entry in got:
        values = maps[entry["role"]][seen[entry["role"]]].ravel()
        seen[entry["role"]] += 1
        index = np.clip(np.floor((values + r / 2) / r * 255 + 0.5), 0, 255).astype(int)
        colours = np.asarray(entry["pixels"]).reshape(-1, 3)
        # a value on a rounding boundary may land one palette entry over
        off = np.abs(colours - rgb[index]).max(axis=1)
        near = np.abs(colours - rgb[np.clip(index + 1, 0, 255)]).max(axis=1)
        near_lo = np.abs(colours - rgb[np.clip(index - 1, 0, 255)]).max(axis=1)
        assert np.all((off == 0) | (near == 0) | (near_lo == 0)), entry["role"]
    assert seen == {"input": 10, "intermediate": 10, "output": 1}


MAPS_LEGEND = """() => [...document.querySelectorAll('[data-role=detail] .detail-legend')].map((el) => ({
  label: el.querySelector('.legend-label').textContent, bar: el.querySelector('.legend-bar').className,
  ticks: [...el.querySelectorAll('.legend-ticks span')].map((t) => Number(t.textContent)) }))"""


@pytest.mark.parametrize(("sample", "layer", "neuron"), [("espresso", "relu_1_1", 0), ("koala", "max_pool_1", 2)],
                         ids=["relu", "pool"])
def test_default_mode_views_draw_with_the_range_of_the_layer_shown(open_page, truth, sample, layer, neuron):
    """In the default mode a ReLU or pooling view paints both maps with its layer's own range from the data file,
    as the overview paints that neuron, and tips the legend's ends that values go beyond."""
    page = open_page(f"#sample={sample}&layer={layer}&neuron={neuron}&row=0&col=0").page
    kind = "relu" if layer.startswith("relu") else "pool"
    wait_view(page, kind)
    doc, stored = truth.stored(sample)
    r = doc["ranges"]["layer"][layer]
    x = stored[truth.previous(layer)][neuron]
    y = np.maximum(x, 0) if kind == "relu" else x[:x.shape[0] // 2 * 2, :x.shape[1] // 2 * 2].reshape(
        x.shape[0] // 2, 2, x.shape[1] // 2, 2).max(axis=(1, 3))
    (legend,) = page.evaluate(MAPS_LEGEND)
    assert legend["ticks"] == [-r / 2, 0, r / 2]
    clipped = {f"clip-{end}" for end, beyond in (("low", x.min() < -r / 2), ("high", x.max() > r / 2)) if beyond}
    assert set(legend["bar"].split()) - {"legend-bar"} == clipped
    rgb = np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)]
                    for h in json.loads(page.text_content("#cnnx-page"))["palettes"]["RdBu"]])
    got = page.evaluate("""() => [...document.querySelectorAll('[data-role=detail] [data-map] canvas')].map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return { role: c.parentElement.dataset.map, pixels: Array.from(d.filter((_, i) => i % 4 !== 3)) }; })""")
    assert sorted(entry["role"] for entry in got) == ["input", "output"]
    for entry in got:
        values = (x if entry["role"] == "input" else y).ravel()
        index = np.clip(np.floor((values + r / 2) / r * 255 + 0.5), 0, 255).astype(int)
        colours = np.asarray(entry["pixels"]).reshape(-1, 3)
        # a value on a rounding boundary may land one palette entry over
        near = [np.abs(colours - rgb[np.clip(index + d, 0, 255)]).max(axis=1) == 0 for d in (-1, 0, 1)]
        assert np.all(near[0] | near[1] | near[2]), entry["role"]


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (390, 844)], ids=["desktop", "phone"])
@pytest.mark.parametrize("hash_", [
    "#layer=conv_1_1&neuron=0", "#layer=conv_2_2&neuron=5", "#layer=relu_1_1&neuron=1", "#layer=max_pool_2&neuron=3",
    "#layer=output&neuron=4", "#layer=output&neuron=4&view=softmax",
], ids=["conv-first", "conv", "relu", "pool", "flatten", "softmax"])
def test_views_fit_the_screen_without_overlap(open_page, width, height, hash_):
    page = open_page(hash_ + "&row=0&col=0", width=width, height=height).page
    page.wait_for_selector(f"{DETAIL}[data-view]", state="attached")
    report = page.evaluate("""() => {
      const dialog = document.querySelector('[data-role=detail]');
      const body = dialog.querySelector('[data-role=detail-body]');
      const box = (el) => el.getBoundingClientRect();
      const shown = box(body);  // the body scrolls: only its visible part can meet the header or the footer
      const clip = (b) => ({ left: b.left, right: b.right, top: Math.max(b.top, shown.top),
                             bottom: Math.min(b.bottom, shown.bottom) });
      const blocks = [...[...body.firstElementChild.children].map((el) => clip(box(el))),
                      box(dialog.querySelector('.detail-head')), box(dialog.querySelector('.detail-foot'))];
      const overlaps = [];
      blocks.forEach((a, i) => blocks.slice(i + 1).forEach((b, j) => {
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) overlaps.push([i, i + 1 + j]);
      }));
      const wide = [...dialog.querySelectorAll('*')].filter((el) => {
        const b = box(el); return b.width > 0 && (b.left < -1 || b.right > innerWidth + 1); }).length;
      const d = box(dialog);
      return { overlaps, wide, scrollX: body.scrollWidth - body.clientWidth,
               scrollY: body.scrollHeight - body.clientHeight,
               inside: d.left >= 0 && d.right <= innerWidth && d.bottom <= innerHeight + 1 };
    }""")
    assert report["overlaps"] == [] and report["wide"] == 0 and report["scrollX"] <= 0 and report["inside"], report
    if width == 1280:
        assert report["scrollY"] <= 0, report  # everything at once on a laptop screen; a phone scrolls


def test_chinese_page_shows_chinese_views(open_page):
    page = open_page("#layer=conv_1_2&neuron=1", path="zh/index.html").page
    wait_view(page, "conv")
    assert page.text_content("[data-role=detail-title]") == "卷积层"
    assert "通道" in page.text_content(f"{DETAIL} .card-label")
