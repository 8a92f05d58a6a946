"""The overview as a reader sees it, over http at a sub-path and from file://.

Every test runs once per origin; the fixtures fail a test on any console error and on any
request outside the build folder.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from cnn_explainer.colors import palettes
from cnn_explainer.config import load_config
from cnn_explainer.encode import decode_all_codes, decode_maps
from cnn_explainer.precompute import MAP_LAYERS

from .conftest import CONTENT, DEFAULT_WEIGHTS

pytestmark = pytest.mark.e2e

MAP_NAMES = [layer.name for layer in MAP_LAYERS]
DEFAULT_MODE = "layer"  # README: the page opens in "Per layer", each layer its own robust range
# The least mean drawn intensity (|v| / (R/2), capped at 1, over a layer's values and the ten gallery samples)
# any column of the default site may have, in every colour mode: about the original model's weakest layer in
# its own unit mode (12.5%) less a margin. Under the original's rules ("unit", "module", "global") the weights
# before the readable-maps fine-tune (train.py) gave the ReLU and pooling columns 0.7-2.7%.
INTENSITY_FLOOR = 0.08
PIXEL_STEP = 7  # compare every 7th pixel of every heatmap: ~30k pixels per mode

# Each map neuron's picture (overview.js): the map at its own resolution, which the graph's one canvas draws from.
PAINTED = """() => [...document.querySelectorAll("canvas[data-picture]")].map((c) => {
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let unpainted = 0;
  const colours = new Set();
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] !== 255) unpainted++;
    colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
  }
  const [layer, neuron] = c.dataset.picture.split("/");
  return { layer, neuron: Number(neuron), unpainted, colours: colours.size };
})"""

PIXELS = """(step) => Object.fromEntries([...document.querySelectorAll("canvas[data-picture]")].map((c) => {
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  const out = [];
  for (let p = 0; p < c.width * c.height; p += step) out.push(d[4 * p], d[4 * p + 1], d[4 * p + 2]);
  return [c.dataset.picture, out];
}))"""


# Each map neuron's mean colour where the graph's canvas shows it (its box, less two pixels at each edge, where the
# scaled map blends with the background) beside its picture's over about the same part; and the canvas's alpha
# midway between two columns.
SHOWN = """() => {
  const canvas = document.querySelector("[data-role=maps]");
  const origin = canvas.getBoundingClientRect();
  const scale = canvas.width / origin.width;
  const shown = canvas.getContext("2d");
  const mean = (d) => {
    const m = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) for (let k = 0; k < 3; k++) m[k] += d[i + k];
    return m.map((v) => v / (d.length / 4));
  };
  const neurons = [...document.querySelectorAll(".map-neuron")].map((el) => {
    const r = el.getBoundingClientRect();
    const x = Math.ceil((r.left - origin.left) * scale) + 2, y = Math.ceil((r.top - origin.top) * scale) + 2;
    const w = Math.floor(r.width * scale) - 5, h = Math.floor(r.height * scale) - 5;
    const picture = document.querySelector(`canvas[data-picture="${el.dataset.layer}/${el.dataset.neuron}"]`);
    const inset = Math.ceil(3 * picture.width / (r.width * scale)); // the same inner part of the map
    const inner = picture.getContext("2d")
      .getImageData(inset, inset, picture.width - 2 * inset, picture.height - 2 * inset);
    return { key: el.dataset.layer + "/" + el.dataset.neuron, shown: mean(shown.getImageData(x, y, w, h).data),
             picture: mean(inner.data) };
  });
  const a = document.querySelector(".map-neuron[data-layer=conv_1_1]").getBoundingClientRect();
  const b = document.querySelector(".map-neuron[data-layer=relu_1_1]").getBoundingClientRect();
  const gap = shown.getImageData(Math.round(((a.right + b.left) / 2 - origin.left) * scale),
    Math.round((a.top + a.height / 2 - origin.top) * scale), 1, 1).data[3];
  return { neurons, gap };
}"""


@pytest.fixture(scope="module")
def expected_top1(site) -> dict[str, str]:
    """What `cnn-explainer predict` says for each gallery image."""
    from cnn_explainer.predict import predict_images
    from cnn_explainer.weights import load_model

    samples = load_config(CONTENT).samples
    records = predict_images(load_model(site.weights), [s.path for s in samples])
    return {s.id: r["top1"] for s, r in zip(samples, records, strict=True)}


def _wait_drawn(page, sample: str, mode: str = DEFAULT_MODE) -> None:
    page.wait_for_selector(f'[data-role=overview][data-drawn="{sample}|{mode}"]', state="attached", timeout=10_000)


def _expected_pixels(site, sample: str, mode: str) -> dict[str, np.ndarray]:
    """The colours docs/data-format.md prescribes, computed from the data file in float64 as the page does."""
    doc = json.loads((site.folder / "data" / "samples" / f"{sample}.json").read_text())
    tables = {name: np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in lut])
              for name, lut in palettes().items()}
    expected = {}
    all_codes = decode_all_codes(doc["maps"], doc["images"])
    for layer in ["input", *MAP_NAMES]:
        entry = doc["maps"][layer]
        count = entry["shape"][0]
        codes = all_codes[layer].reshape(count, -1).astype(np.float64)
        r = doc["ranges"][mode][layer]
        for c in range(count):
            v = entry["offset"][c] + codes[c, ::PIXEL_STEP] * entry["scale"][c]
            t = 1 - v if layer == "input" else (v + r / 2) / r
            index = np.clip(np.floor(t * 255 + 0.5), 0, 255).astype(int)
            expected[f"{layer}/{c}"] = tables["Greys" if layer == "input" else "RdBu"][index].ravel()
    return expected


SAVE_DATA = "Object.defineProperty(navigator, 'connection', { value: { saveData: true } });"


def test_first_view_draws_every_neuron_and_loads_no_data_file(open_page, expected_top1):
    # Saving data holds back the gallery's prefetch (app.js), which starts once the graph is drawn: what is left is
    # what the first view itself needed.
    watched = open_page(init_script=SAVE_DATA)
    page = watched.page
    assert page.locator("[data-sample]").count() == 10
    assert page.locator('[data-sample][aria-pressed="true"]').get_attribute("data-sample") == "espresso"
    counts = page.evaluate("""() => { const n = {}; for (const el of document.querySelectorAll("[data-neuron]"))
        n[el.dataset.layer] = (n[el.dataset.layer] || 0) + 1; return n; }""")
    assert counts == {"input": 3, **dict.fromkeys(MAP_NAMES, 10), "output": 10}
    painted = page.evaluate(PAINTED)
    assert len(painted) == 103
    assert all(p["unpainted"] == 0 for p in painted), [p for p in painted if p["unpainted"]]
    for layer in ["input", *MAP_NAMES]:
        assert any(p["colours"] > 1 for p in painted if p["layer"] == layer), f"{layer} is flat"
    shown = page.evaluate(SHOWN)  # and the graph shows each picture in its neuron's box, and nothing between them
    assert len(shown["neurons"]) == 103 and shown["gap"] == 0
    for neuron in shown["neurons"]:
        assert np.abs(np.subtract(neuron["shown"], neuron["picture"])).max() < 8, neuron
    assert page.locator(".probabilities .bars rect").count() == 10  # one bar per output neuron
    assert page.locator("svg.edges path").count() == 490
    assert page.text_content("[data-role=prediction]") == expected_top1["espresso"]
    assert page.locator(".legend:not([hidden]) svg").count() == 12  # input, one per map layer, output
    assert [u for u in watched.requests if "/data/" in u] == []  # the default sample's data is in the page itself
    assert not [u for u in watched.requests if u.endswith("/vega.js")]  # Vega waits for the article's charts


def test_the_gallery_loads_while_idle_so_a_click_needs_no_download(open_page):
    """After the first sample is drawn the page fetches the other gallery samples; a click then downloads nothing."""
    watched = open_page()
    page = watched.page
    page.wait_for_selector("[data-role=overview][data-prefetched]", state="attached")
    ids = page.eval_on_selector_all("[data-sample]", "els => els.map((el) => el.dataset.sample)")
    fetched = sorted(u.rsplit("/", 1)[1] for u in watched.requests if "/data/samples/" in u)
    assert fetched == sorted(f"{i}.js" for i in ids if i != "espresso")  # the default came in the page
    count = len(watched.requests)
    page.click("[data-sample=koala]")
    page.wait_for_selector("[data-role=overview][data-drawn^='koala|']", state="attached")
    assert len(watched.requests) == count


def test_a_connection_that_saves_data_loads_only_what_is_shown(open_page):
    watched = open_page(init_script=SAVE_DATA)
    page = watched.page
    page.wait_for_timeout(1500)  # idle time in which the gallery would have been fetched
    assert [u for u in watched.requests if "/data/samples/" in u] == []  # the one shown came in the page
    assert page.get_attribute("[data-role=overview]", "data-prefetched") is None


def test_a_sample_the_reader_asks_for_is_decoded_before_one_loading_in_the_background(open_page):
    """A click while the gallery's prefetch decodes another sample: the clicked one is ready first, though its data
    file was asked for after the other's."""
    page = open_page(init_script=SAVE_DATA).page  # no prefetch of its own: the test starts the background load
    order = page.evaluate("""() => {
      const order = [];
      const background = CNNX.loadSample("koala", true).then(() => order.push("koala"));
      const clicked = CNNX.loadSample("pizza").then(() => order.push("pizza"));
      return Promise.all([background, clicked]).then(() => order);
    }""")
    assert order == ["pizza", "koala"]


def _holding_koalas_file(browser, site):
    """A fresh page over http that prefetches nothing (it saves data), drawn on espresso, whose requests for koala's
    data file are held: (context, page, the held routes (`continue_()` one to let it through), the page's errors)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(SAVE_DATA)
    held = []
    context.route("**/data/samples/koala.js", lambda route: held.append(route))
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site.urls["http"])
    _wait_drawn(page, "espresso")
    return context, page, held, errors


def test_a_background_file_still_on_its_way_does_not_hold_back_the_one_the_reader_clicks(browser, site):
    """The gallery's prefetch asked for koala's file, which is slow to come (held here); the reader clicks pizza: it is
    drawn without waiting for koala's file, which still loads once it comes."""
    context, page, held, errors = _holding_koalas_file(browser, site)
    page.evaluate("() => { CNNX.loadSample('koala', true).catch(() => {}); }")
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(25)
    assert held, "the background load asked for nothing"
    page.click("[data-sample=pizza]")
    _wait_drawn(page, "pizza")
    held[0].continue_()
    assert page.evaluate("() => CNNX.loadSample('koala').then((sample) => sample.id)") == "koala"
    context.close()
    assert errors == []


def test_a_click_on_a_picture_whose_data_is_slow_to_come_shows_it_pressed_meanwhile(browser, site):
    """The controls change with the redraw; a download that takes long still gets the clicked picture pressed (and
    no other) within a moment, and the graph draws it once the file comes."""
    context, page, held, _ = _holding_koalas_file(browser, site)
    page.click("[data-sample=koala]")
    page.wait_for_selector("[data-sample=koala][aria-pressed=true]", timeout=2000)
    assert page.eval_on_selector_all("[data-sample][aria-pressed=true]", "els => els.map((e) => e.dataset.sample)") \
        == ["koala"]
    assert held and page.get_attribute("[data-role=overview]", "data-drawn") is None  # still on its way
    held[0].continue_()
    _wait_drawn(page, "koala")
    context.close()


SCROLL_TO_CHARTS = """async () => {
  for (const figure of document.querySelectorAll("figure[data-chart]")) {
    figure.scrollIntoView();
    await new Promise((r) => setTimeout(r, 50));
  }
}"""


def test_first_screen_draws_with_the_vega_runtime_blocked(browser, site, expected_top1):
    """Every request for Vega refused: the overview is complete (maps, legends, bars, labels) with no error; only
    the article's charts, scrolled to, stay empty and say why on the console."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    blocked, errors = [], []
    context.route("**/vega.js", lambda route: (blocked.append(route.request.url), route.abort()))
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site.urls["http"])
    _wait_drawn(page, "espresso")
    painted = page.evaluate(PAINTED)
    assert len(painted) == 103 and all(p["unpainted"] == 0 for p in painted)
    legends = page.evaluate(LEGEND_BOXES)
    assert len(legends) == 12 and all(len(legend["labels"]) >= 2 for legend in legends.values())
    from cnn_explainer.weights import load_model

    classes = list(load_model(site.weights).class_names)
    assert page.locator(".probabilities .names text").all_text_contents() == classes
    assert page.locator(".probabilities .bars rect").count() == 10
    percents = page.locator(".probabilities .values text").all_text_contents()
    assert len(percents) == 10 and all(p.endswith("%") for p in percents)
    assert page.locator("[data-label]").count() == len(MAP_NAMES) + 2
    assert all(page.locator("[data-label] .long").nth(i).is_visible() for i in range(len(MAP_NAMES) + 2))
    assert page.text_content("[data-role=prediction]") == expected_top1["espresso"]
    assert blocked == [] and errors == []  # the first screen never even asked for Vega

    assert page.locator("figure[data-chart]").count() > 0
    with page.expect_console_message(lambda m: m.type == "error" and "could not load" in m.text):
        page.evaluate(SCROLL_TO_CHARTS)
    assert blocked and all(url.endswith("/assets/vega.js") for url in blocked)
    assert errors and all("vega.js" in e or "net::ERR_FAILED" in e for e in errors), errors
    assert page.locator("figure[data-chart] svg").count() == 0  # the charts stay empty, nothing else breaks
    context.close()


def test_a_map_image_that_does_not_decode_is_reported_and_the_graph_stays(browser, site, expected_top1):
    """A sample file whose image of conv_1_1 to max_pool_2 is broken (served so here): the click says which sample
    and layers in the chip and on the console, the graph keeps the sample it showed, and another picture still
    draws."""
    from cnn_explainer.encode import to_script

    doc = json.loads((site.folder / "data" / "samples" / "koala.json").read_text())
    doc["images"][doc["maps"]["conv_1_2"]["image"]] = "data:image/webp;base64,AAAAAAAAAAAAAAAA"
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.route("**/data/samples/koala.js", lambda route: route.fulfill(
        body=to_script("samples/koala", doc), content_type="text/javascript"))
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(site.urls["http"] + "#sample=espresso")
    _wait_drawn(page, "espresso")
    page.click('[data-sample="koala"]')
    page.wait_for_function("() => document.querySelector('[data-role=hover]').textContent.includes('decode')")
    message = "sample koala, layers conv_1_1 to max_pool_2: its image does not decode"
    assert page.text_content("[data-role=hover]") == message
    assert len(errors) == 1 and message in errors[0]
    assert page.get_attribute("[data-role=overview]", "data-drawn") is None  # not marked drawn as koala
    assert page.text_content("[data-role=prediction]") == expected_top1["espresso"]  # still espresso's
    page.click('[data-sample="pizza"]')
    _wait_drawn(page, "pizza")
    context.close()


def test_each_thumbnail_shows_its_own_prediction(open_page, expected_top1):
    page = open_page().page
    for sample, top1 in expected_top1.items():
        page.click(f'[data-sample="{sample}"]')
        _wait_drawn(page, sample)
        assert page.text_content("[data-role=prediction]") == top1, sample
        assert page.locator('[data-sample][aria-pressed="true"]').get_attribute("data-sample") == sample
        assert page.evaluate("location.hash").startswith(f"#sample={sample}&")


def test_pointing_at_a_thumbnail_starts_loading_only_its_sample(open_page):
    watched = open_page(init_script=SAVE_DATA)  # even when the gallery is not prefetched
    page = watched.page
    page.hover('[data-sample="koala"]')
    page.wait_for_function("() => window.CNNX_DATA && window.CNNX_DATA['samples/koala']")
    data = sorted(u.rsplit("/", 1)[1] for u in watched.requests if "/data/samples/" in u)
    assert data == ["koala.js"]  # espresso, shown, came in the page
    page.click('[data-sample="koala"]')
    _wait_drawn(page, "koala")
    assert len([u for u in watched.requests if u.endswith("/koala.js")]) == 1  # the click reuses it


def test_colour_modes_repaint_every_heatmap_correctly(open_page, site):
    page = open_page("#sample=koala").page
    _wait_drawn(page, "koala")
    ranges = json.loads((site.folder / "data" / "samples" / "koala.json").read_text())["ranges"]
    seen, expected_by_mode = {}, {}
    for mode, legends in (("module", 2), ("global", 1), ("unit", 4), (DEFAULT_MODE, 10)):
        page.select_option("[data-role=scale]", mode)
        _wait_drawn(page, "koala", mode)
        got = {k: np.asarray(v) for k, v in page.evaluate(PIXELS, PIXEL_STEP).items()}
        expected = expected_by_mode[mode] = _expected_pixels(site, "koala", mode)
        assert got.keys() == expected.keys()
        wrong = [k for k in got if not np.array_equal(got[k], expected[k])]
        assert wrong == [], f"{mode}: heatmaps not painted as documented: {wrong}"
        assert page.locator(".legend[data-legend^=range]:not([hidden])").count() == legends
        first = page.locator('.legend[data-legend="range-0"] .labels text').all_text_contents()
        half = ranges[mode]["conv_1_1"] / 2
        if mode != DEFAULT_MODE:  # the original's legends, as it labelled them (d3 format ".2f")
            assert first[0] == f"{-half:.2f}" and first[-1] == f"{half:.2f}", (mode, first)
        seen[mode] = got
    # Switching modes must repaint exactly the heatmaps whose documented colours change: every map of a
    # layer whose range changed, except maps so close to zero (a dead ReLU) that they stay white anyway.
    unit, global_ = expected_by_mode["unit"], expected_by_mode["global"]
    documented = {k for k in unit if not np.array_equal(unit[k], global_[k])}
    repainted = {k for k in seen["unit"] if not np.array_equal(seen["unit"][k], seen["global"][k])}
    assert repainted == documented
    changed_layers = {layer for layer in MAP_NAMES if ranges["unit"][layer] != ranges["global"][layer]}
    assert {k.split("/")[0] for k in repainted} == changed_layers


def _drawn_intensity(values: np.ndarray, r: float) -> float:
    """How far from the palette's white centre a layer is painted on average: 0 all white, 1 all full colour."""
    return float(np.mean(np.minimum(np.abs(values) / (r / 2), 1.0)))


@pytest.mark.parametrize("mode", [DEFAULT_MODE, "unit", "module", "global"])
def test_every_mode_draws_every_column_readably(site, mode):
    """Every map column of the default site, in each colour mode, from the built data files."""
    assert site.weights == DEFAULT_WEIGHTS  # the default site, not the fallback model
    docs = [json.loads(path.read_text()) for path in sorted((site.folder / "data" / "samples").glob("*.json"))]
    assert len(docs) == 10 and list(docs[0]["ranges"]) == [DEFAULT_MODE, "unit", "module", "global"]
    maps = [decode_maps(doc["maps"], doc["images"]) for doc in docs]
    intensity = {layer: np.mean([_drawn_intensity(values[layer].astype(np.float64), doc["ranges"][mode][layer])
                                 for doc, values in zip(docs, maps, strict=True)])
                 for layer in MAP_NAMES}
    faint = {layer: f"{value:.1%}" for layer, value in intensity.items() if value < INTENSITY_FLOOR}
    assert faint == {}, f"columns drawn fainter than {INTENSITY_FLOOR:.0%}: {faint}"


LEGEND_BOXES = """() => Object.fromEntries([...document.querySelectorAll(".legend:not([hidden])")].map((el) => {
  const box = (node) => { const r = node.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; };
  return [el.dataset.legend, {
    labels: [...el.querySelectorAll(".labels text")].map((t) => ({ text: t.textContent, box: box(t) })),
    bar: box(el.querySelector(".gradient")), caps: el.querySelectorAll(".caps path").length,
    clipped: el.dataset.clipped || "", title: el.title }];
}))"""
COLUMN_BOXES = """() => Object.fromEntries([...document.querySelectorAll(".map-neuron[data-neuron='0']")].map((c) => {
  const r = c.getBoundingClientRect(); return [c.dataset.layer, [r.left, r.right]]; }))"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1440, 900)], ids=["1280x800", "1440x900"])
def test_default_mode_legends_show_the_ranges_in_the_data(open_page, site, width, height):
    """One legend under each map column, labelled with the range its data file holds, arrow tips on the ends whose
    values go beyond it, and no two labels overlapping."""
    page = open_page(width=width, height=height).page
    _wait_drawn(page, "espresso")
    assert page.input_value("[data-role=scale]") == DEFAULT_MODE
    doc = json.loads((site.folder / "data" / "samples" / "espresso.json").read_text())
    legends = page.evaluate(LEGEND_BOXES)
    columns = page.evaluate(COLUMN_BOXES)
    assert len(legends) == 12
    for k, layer in enumerate(MAP_NAMES):
        legend = legends[f"range-{k}"]
        half = doc["ranges"][DEFAULT_MODE][layer] / 2
        lowest, highest = min(doc["maps"][layer]["min"]), max(doc["maps"][layer]["max"])
        labels = [float(label["text"]) for label in legend["labels"]]
        # ReLU and pooling values are never negative: their legend runs from 0, the rest from -R/2
        assert labels[0] == (0.0 if lowest >= 0 else -half) and labels[-1] == half, (layer, labels, half)
        assert labels == sorted(labels) and 0.0 in labels
        assert legend["bar"][0] == pytest.approx(columns[layer][0], abs=1)  # under its own column
        assert legend["bar"][1] == pytest.approx(columns[layer][1], abs=1)
        clipped = {"low"} if lowest < -half else set()
        clipped |= {"high"} if highest > half else set()
        assert set(legend["clipped"].split()) == clipped and legend["caps"] == len(clipped), layer
        assert legend["labels"][-1]["text"] in legend["title"]
    assert any(legend["caps"] for legend in legends.values())  # the robust range does clip a few values
    texts = [(name, label) for name, legend in legends.items() for label in legend["labels"]]
    for (name_a, a), (name_b, b) in itertools.combinations(texts, 2):
        assert not _overlap(a["box"], b["box"]), f"{name_a} {a['text']!r} overlaps {name_b} {b['text']!r}"


def test_url_hash_round_trips(open_page, origin, site):
    page = open_page().page
    page.click('[data-sample="koala"]')
    _wait_drawn(page, "koala")
    page.select_option("[data-role=scale]", "module")
    _wait_drawn(page, "koala", "module")
    page.click('[data-layer="conv_2_1"][data-neuron="3"]')
    hash_ = page.evaluate("location.hash")
    # the detail view that opens adds its own parameters (test_detail.py)
    assert hash_.startswith("#sample=koala&scale=module&layer=conv_2_1&neuron=3")

    again = open_page(hash_).page
    _wait_drawn(again, "koala", "module")
    assert again.locator('[data-sample][aria-pressed="true"]').get_attribute("data-sample") == "koala"
    assert again.input_value("[data-role=scale]") == "module"
    assert again.get_attribute('[data-layer="conv_2_1"][data-neuron="3"]', "class").split().count("selected") == 1
    assert again.locator(".neuron.selected").count() == 1
    again.wait_for_function("() => document.querySelector('[data-role=hover]').textContent.includes('bias')")
    again.evaluate("location.hash = '#sample=pizza&scale=global'")  # a pasted link is applied too
    _wait_drawn(again, "pizza", "global")
    assert again.locator(".neuron.selected").count() == 0


@pytest.mark.parametrize(("layer", "neuron", "edges", "source_layer"), [
    ("conv_1_2", 4, 10, "relu_1_1"), ("relu_1_1", 2, 1, "conv_1_1"), ("conv_1_1", 0, 3, "input"),
    ("output", 3, 10, "max_pool_2"), ("input", 1, 0, None),
], ids=["conv", "relu", "first conv", "output", "input"])
def test_hover_highlights_incoming_edges_and_sources(open_page, layer, neuron, edges, source_layer):
    page = open_page().page
    page.hover(f'[data-layer="{layer}"][data-neuron="{neuron}"]')
    assert page.locator("svg.edges path.active").count() == edges
    sources = page.eval_on_selector_all(".neuron.source", "els => els.map((e) => e.dataset.layer)")
    assert len(sources) == edges and set(sources) <= {source_layer}
    chip = page.text_content("[data-role=hover]")
    assert ("…" in chip) if layer != "output" else ("probability" in chip)
    page.mouse.move(5, 5)
    assert page.locator("svg.edges path.active").count() == 0


def test_resizing_the_window_relays_out_the_graph(open_page):
    page = open_page(width=1440, height=900).page
    box = page.locator('[data-layer="output"][data-neuron="9"]').bounding_box()
    page.set_viewport_size({"width": 1024, "height": 640})
    page.wait_for_function(f"""() => {{
        const b = document.querySelector('[data-layer="output"][data-neuron="9"]').getBoundingClientRect();
        return Math.abs(b.x - {box["x"]}) > 50 && Math.abs(b.y - {box["y"]}) > 20; }}""")
    xs = page.evaluate("""() => [...document.querySelectorAll('[data-neuron="0"]')]
        .map((el) => el.getBoundingClientRect()).map((b) => [b.x, b.right])""")
    assert all(right <= next_x for (_, right), (next_x, _) in itertools.pairwise(xs)), xs
    assert xs[-1][1] <= 1024
    assert page.locator(".probabilities .bars rect").count() == 10


def test_the_graph_is_placed_for_its_real_size_where_the_first_guess_is_off(open_page):
    """The graph is first placed for the size the window's width and height give (app.js); a vertical scrollbar
    takes 15 px of that width on many desktops. Stood in for by a window that reports 15 px more than it has, the
    graph ends up placed exactly as on a page that guessed right."""
    boxes = "() => [...document.querySelectorAll('[data-neuron]')].map((el) => el.getBoundingClientRect().toJSON())"
    right = open_page(width=1200, height=800).page.evaluate(boxes)
    page = open_page(width=1200, height=800, init_script="Object.defineProperty(window, 'innerWidth', "
                                                         "{ get: () => 1215 });").page
    assert page.evaluate("() => CNNX.viewport.width") == 1215
    assert page.evaluate(boxes) == right
    assert max(b["right"] for b in right) <= 1200


def test_details_toggle_hides_legends_and_long_labels(open_page):
    page = open_page().page
    assert page.locator('[data-label="conv_1_1"] .long').is_visible()
    page.click("[data-role=details]")
    assert page.locator('[data-label="conv_1_1"] .short').is_visible()
    assert not page.locator('[data-label="conv_1_1"] .long').is_visible()
    assert not page.locator(".legend[data-legend=input]").is_visible()
    assert "details=off" in page.evaluate("location.hash")
    page.click("[data-role=details]")
    assert page.locator(".legend[data-legend=input]").is_visible()
