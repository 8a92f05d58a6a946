"""The reader's own image in Chromium: the JS forward pass against JAX, and upload by file input, drop and paste.

Expectations come from the Python side run on the same file: cnn_explainer.images for the pixels,
the JAX model for every layer, `predict` for the class, the build's own encoding for the colours.
"""

from __future__ import annotations

import base64
import io
import json
from types import SimpleNamespace

import numpy as np
import pytest
from cnn_explainer.encode import encode_sample
from cnn_explainer.images import load_image, load_rgb
from cnn_explainer.model import LAYER_NAMES, forward
from cnn_explainer.precompute import MAP_LAYERS, precompute_samples
from cnn_explainer.predict import predict_images
from cnn_explainer.weights import load_model
from PIL import Image

from .conftest import REFERENCE_MODEL
from .test_overview import DEFAULT_MODE, PIXELS, _expected_pixels

pytestmark = pytest.mark.e2e
TOLERANCE = 1e-4

JS_FORWARD = """async (pixels) => {
  const network = await CNNX.loadNetwork();
  const outputs = CNNX.network.forward(network, Float32Array.from(pixels));
  return Object.fromEntries(Object.entries(outputs).map(([name, values]) => [name, Array.from(values)]));
}"""

SAMPLE_SHAPE = """async (id) => {
  const s = await CNNX.loadSample(id);
  const kind = (v) => (ArrayBuffer.isView(v) ? v.constructor.name : Array.isArray(v) ? "Array" : typeof v);
  const maps = Object.fromEntries(Object.entries(s.maps).map(([name, m]) => [name,
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, [kind(v), v.length === undefined ? v : v.length]]))]));
  return { keys: Object.keys(s).sort(), ranges: Object.fromEntries(Object.entries(s.ranges).map(
    ([mode, r]) => [mode, Object.keys(r).sort()])), maps,
    scalars: [kind(s.id), kind(s.title), kind(s.top1), kind(s.logits), kind(s.probabilities)] };
}"""


@pytest.fixture(scope="module")
def model(site):
    return load_model(site.weights)


def _photo(tmp_path, name: str = "photo.png", size=(150, 97), seed: int = 0, fmt: str = "PNG", **save) -> bytes:
    """A smooth picture with noise, of an odd size, so cropping and resizing both matter."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([128 + 100 * np.sin(x / 9.0), 128 + 100 * np.cos(y / 7.0), (x * 3 + y * 2) % 256], -1)
    pixels = np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt, **save)
    (tmp_path / name).write_bytes(buffer.getvalue())
    return buffer.getvalue()


def _wait_own(page, n: int = 1) -> None:
    page.wait_for_selector(f'[data-role=overview][data-drawn="own-{n}|{DEFAULT_MODE}"]', state="attached",
                           timeout=15_000)


def _page_input_bytes(page, sample_id: str) -> np.ndarray:
    codes = page.evaluate(f"CNNX.loadSample('{sample_id}').then((s) => Array.from(s.maps.input.codes))")
    return np.asarray(codes, np.uint8).reshape(3, 64, 64).transpose(1, 2, 0)


@pytest.mark.parametrize("image", ["espresso_1", "noise"])
def test_js_forward_equals_jax_on_every_layer(open_page, model, tmp_path, image):
    if image == "noise":
        pixels = np.random.default_rng(3).random((64, 64, 3)).astype(np.float32)
    else:
        pixels = load_image(REFERENCE_MODEL.parent / "images" / f"{image}.jpeg")
    page = open_page().page
    got = page.evaluate(JS_FORWARD, pixels.ravel().tolist())
    expected = {k: np.asarray(v)[0] for k, v in forward(model.params, pixels[None]).items()}
    assert set(got) == {*LAYER_NAMES, "logits"}
    for name, want in expected.items():
        js = np.asarray(got[name], np.float64)
        assert js.shape == (want.size,), name
        error = np.max(np.abs(js - want.ravel()))
        assert error <= TOLERANCE, f"{name}: JS differs from JAX by {error:.2e}"


JS_RANGES = """async ({ rgb, outputs }) => {
  const floats = Object.fromEntries(Object.entries(outputs).map(([name, values]) => [name, Float32Array.from(values)]));
  return CNNX.network.sampleFrom("own-0", "x", Uint8Array.from(rgb), floats, CNNX.page.columns).ranges;
}"""


@pytest.mark.parametrize("image", ["espresso_1", "noise"])
def test_js_colour_ranges_equal_the_builds_in_every_mode(open_page, model, image):
    """network.js's colourRanges on exactly the values the build sees gives the data files' ranges, every mode."""
    if image == "noise":
        pixels = np.random.default_rng(3).random((64, 64, 3)).astype(np.float32)
    else:
        pixels = load_image(REFERENCE_MODEL.parent / "images" / f"{image}.jpeg")
    rgb = np.rint(pixels * 255).astype(np.uint8)
    outputs = {k: np.asarray(v, np.float32) for k, v in forward(model.params, (rgb / np.float32(255))[None]).items()}
    (sample,) = precompute_samples(["own-0"], ["x"], (rgb / np.float32(255))[None].astype(np.float32), outputs)
    page = open_page().page
    got = page.evaluate(JS_RANGES, {"rgb": rgb.ravel().tolist(),
                                    "outputs": {k: v[0].ravel().tolist() for k, v in outputs.items()}})
    assert got == encode_sample(sample)["ranges"]
    assert list(got) == [DEFAULT_MODE, "unit", "module", "global"]


def test_upload_by_file_input_preprocesses_like_python_and_shows_the_prediction(open_page, model, tmp_path):
    _photo(tmp_path)
    path = tmp_path / "photo.png"
    page = open_page().page
    page.set_input_files("input[type=file][data-role=upload]", str(path))
    _wait_own(page)
    assert page.text_content("[data-role=prediction]") == predict_images(model, [path])[0]["top1"]
    np.testing.assert_array_equal(_page_input_bytes(page, "own-1"), np.asarray(load_rgb(path)))
    thumb = page.locator('[data-sample="own-1"]')
    assert thumb.get_attribute("aria-pressed") == "true" and thumb.get_attribute("title") == "photo.png"
    assert page.evaluate("location.hash").startswith("#sample=own-1&")
    # The same data structure as a built-in sample, so every view reads it the same way.
    assert page.evaluate(SAMPLE_SHAPE, "own-1") == page.evaluate(SAMPLE_SHAPE, "espresso")
    # Back to a built-in sample and forth again: the gallery treats the upload as one of its own.
    page.click('[data-sample="koala"]')
    page.wait_for_selector(f'[data-role=overview][data-drawn="koala|{DEFAULT_MODE}"]', state="attached")
    page.click('[data-sample="own-1"]')
    _wait_own(page)


def test_own_image_comes_back_after_a_reload_and_in_the_other_language_but_not_in_another_tab(
        open_page, model, tmp_path):
    _photo(tmp_path)
    path = tmp_path / "photo.png"
    page = open_page().page
    page.set_input_files("input[data-role=upload]", str(path))
    _wait_own(page)
    page.reload()
    _wait_own(page)
    assert page.text_content("[data-role=prediction]") == predict_images(model, [path])[0]["top1"]
    np.testing.assert_array_equal(_page_input_bytes(page, "own-1"), np.asarray(load_rgb(path)))
    thumb = page.locator('[data-sample="own-1"]')
    assert thumb.get_attribute("aria-pressed") == "true" and thumb.get_attribute("title") == "photo.png"
    assert page.locator("[data-sample^=own-]").count() == 1
    page.click("[data-role=language]")  # the Chinese page, same tab: the hash and the image carry over
    _wait_own(page)
    assert page.get_attribute("html", "lang") == "zh"
    # A new image after the reload takes the next id and the same slot.
    _photo(tmp_path, "second.png", seed=5)
    page.set_input_files("input[data-role=upload]", str(tmp_path / "second.png"))
    _wait_own(page, 2)
    assert page.locator("[data-sample^=own-]").count() == 1
    # Another tab (another browser context) has its own storage: the link falls back to the default sample.
    other = open_page("#sample=own-2").page
    assert not other.get_attribute("[data-role=overview]", "data-drawn").startswith("own-")
    assert other.locator("[data-sample^=own-]").count() == 0


BLACK = base64.b64encode(bytes(64 * 64 * 3)).decode()


@pytest.mark.parametrize("origin", ["http"])
@pytest.mark.parametrize(("stored", "restored"), [
    (json.dumps({"id": "own-1", "title": "black", "rgb": BLACK}), True),  # the control: the key is the page's
    ("not json", False),
    (json.dumps({"id": "own-1", "title": "short", "rgb": "AAAA"}), False),
    (json.dumps({"id": "<b>", "title": 3, "rgb": "%%%"}), False),
], ids=["valid", "not-json", "short", "hostile"])
def test_a_damaged_stored_image_is_ignored(open_page, stored, restored):
    page = open_page().page
    page.evaluate("""(value) => {
      sessionStorage.setItem("cnnx-own-image " + new URL("./", location.href).href, value);
    }""", stored)
    url = page.url.split("#")[0]
    page.goto("about:blank")  # a real load: going to the same URL with another hash would only change the hash
    page.goto(url + "#sample=own-1")
    page.wait_for_selector("[data-role=overview][data-drawn]", state="attached", timeout=15_000)
    assert page.get_attribute("[data-role=overview]", "data-drawn").startswith("own-1|") == restored
    assert page.locator("[data-sample^=own-]").count() == restored


def test_uploaded_image_is_painted_as_the_build_would_paint_it(open_page, model, tmp_path):
    """Every heatmap of the overview against the colours the Python build gives the same file."""
    _photo(tmp_path, seed=5)
    path = tmp_path / "photo.png"
    page = open_page().page
    page.set_input_files("input[data-role=upload]", str(path))
    _wait_own(page)
    images = load_image(path)[None]
    outputs = {k: np.asarray(v) for k, v in forward(model.params, images).items()}
    sample = precompute_samples(["own-1"], ["photo"], images, outputs)[0]
    folder = tmp_path / "data" / "samples"
    folder.mkdir(parents=True)
    (folder / "own-1.json").write_text(json.dumps(encode_sample(sample)))
    expected = _expected_pixels(SimpleNamespace(folder=tmp_path), "own-1", DEFAULT_MODE)  # as the page shows it
    got = {k: np.asarray(v) for k, v in page.evaluate(PIXELS, 7).items()}
    assert got.keys() == expected.keys()
    for key, want in expected.items():
        # float32 sums in another order can move a value across a quantisation step: one palette entry at most
        assert np.max(np.abs(got[key].astype(int) - want.astype(int))) <= 12, key
        assert np.mean(got[key] == want) > 0.97, key
    assert sorted(sample.maps) == sorted(layer.name for layer in MAP_LAYERS)


def test_upload_by_dropping_a_file(open_page, model, tmp_path):
    data = _photo(tmp_path, seed=9, size=(80, 120))
    page = open_page().page
    page.evaluate("""(b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], "dropped.png", { type: "image/png" }));
      const target = document.querySelector("[data-role=overview]");
      target.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }""", base64.b64encode(data).decode())
    _wait_own(page)
    path = tmp_path / "photo.png"
    assert page.text_content("[data-role=prediction]") == predict_images(model, [path])[0]["top1"]
    np.testing.assert_array_equal(_page_input_bytes(page, "own-1"), np.asarray(load_rgb(path)))
    assert page.get_attribute('[data-sample="own-1"]', "title") == "dropped.png"


def test_upload_by_pasting_and_a_second_image_replaces_the_first(open_page, tmp_path):
    first, second = _photo(tmp_path, seed=1), _photo(tmp_path, "b.png", seed=2)
    page = open_page().page
    page.set_input_files("input[data-role=upload]", str(tmp_path / "photo.png"))
    _wait_own(page)
    page.evaluate("""(b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], "image.png", { type: "image/png" }));
      document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }));
    }""", base64.b64encode(second).decode())
    _wait_own(page, 2)
    assert page.locator("[data-sample^=own-]").count() == 1  # one slot for the reader's image
    assert page.get_attribute('[data-sample="own-2"]', "title") == "pasted image"
    np.testing.assert_array_equal(_page_input_bytes(page, "own-2"), np.asarray(load_rgb(tmp_path / "b.png")))
    assert first != second


@pytest.mark.parametrize("path,message", [
    ("", "Could not read “notes.png” as an image. The previous image is still shown."),
    ("zh/index.html", "无法把“notes.png”读成图片。页面仍显示之前的图片。"),
], ids=["en", "zh"])
def test_unreadable_file_keeps_the_previous_image_and_says_so(open_page, tmp_path, path, message):
    (tmp_path / "notes.png").write_text("these are notes, not a picture")
    page = open_page("#sample=koala", path=path).page
    page.wait_for_selector(f'[data-role=overview][data-drawn="koala|{DEFAULT_MODE}"]', state="attached")
    before = page.text_content("[data-role=prediction]")
    page.set_input_files("input[data-role=upload]", str(tmp_path / "notes.png"))
    page.wait_for_selector("[data-role=upload-error]:not([hidden])", timeout=10_000)
    assert page.text_content("[data-role=upload-error]") == message
    assert page.get_attribute("[data-role=overview]", "data-drawn") == f"koala|{DEFAULT_MODE}"
    assert page.text_content("[data-role=prediction]") == before
    assert page.locator("[data-sample^=own-]").count() == 0


def test_exif_orientation_is_applied_like_python(open_page, tmp_path):
    """A JPEG stored sideways with an orientation tag: upright in both; JPEG decoders may differ by a few levels."""
    quadrants = np.zeros((90, 140, 3), np.uint8)
    quadrants[:45, :70] = (220, 30, 30)
    quadrants[:45, 70:] = (30, 200, 40)
    quadrants[45:, :70] = (40, 60, 230)
    quadrants[45:, 70:] = (240, 220, 30)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    Image.fromarray(quadrants).save(tmp_path / "sideways.jpg", quality=95, exif=exif)
    page = open_page().page
    page.set_input_files("input[data-role=upload]", str(tmp_path / "sideways.jpg"))
    _wait_own(page)
    got = _page_input_bytes(page, "own-1").astype(int)
    upright = np.asarray(load_rgb(tmp_path / "sideways.jpg")).astype(int)
    ignored = np.asarray(Image.fromarray(quadrants).crop((25, 0, 115, 90)).resize((64, 64), Image.BILINEAR)).astype(int)
    assert np.mean(np.abs(got - upright)) < 3
    assert np.mean(np.abs(got - ignored)) > 40


def test_a_half_transparent_png_gets_the_same_probabilities_as_predict(open_page, model, tmp_path):
    """Transparency is composited over white in both, so the page and `predict` see the same picture."""
    rgba = np.zeros((97, 150, 4), np.uint8)
    _photo(tmp_path, "base.png")
    rgba[..., :3] = np.asarray(Image.open(tmp_path / "base.png").convert("RGB"))
    rgba[:, :75, 3] = 255  # the left half opaque
    rgba[:, 75:, 3] = 0  # the right half transparent, over colours that must not show
    rgba[:, 60:75, 3] = 100  # and a partly transparent band
    path = tmp_path / "half.png"
    Image.fromarray(rgba, "RGBA").save(path)
    page = open_page().page
    page.set_input_files("input[data-role=upload]", str(path))
    _wait_own(page)
    np.testing.assert_array_equal(_page_input_bytes(page, "own-1"), np.asarray(load_rgb(path)))
    expected = predict_images(model, [path])[0]
    got = page.evaluate("CNNX.loadSample('own-1').then((s) => Array.from(s.probabilities))")
    np.testing.assert_allclose(got, list(expected["probabilities"].values()), atol=TOLERANCE)
    assert page.text_content("[data-role=prediction]") == expected["top1"]
