"""Preprocessing: any image file becomes a (64, 64, 3) float32 array in [0, 1], the way a person expects."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import pytest
from cnn_explainer.errors import InputError
from cnn_explainer.images import load_image
from conftest import without_using
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image


def _save(image: Image.Image, path: Path, **kwargs) -> Path:
    image.save(path, **kwargs)
    return path


def test_64x64_rgb_is_used_pixel_for_pixel(tmp_path):
    pixels = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    path = _save(Image.fromarray(pixels), tmp_path / "a.png")
    got = load_image(path)
    assert got.dtype == np.float32 and got.shape == (64, 64, 3)
    assert np.array_equal(got, pixels.astype(np.float32) / np.float32(255))


def _solid(mode: str, colour) -> Image.Image:
    return Image.new(mode, (80, 50), colour)


# mode, how to make it, file suffix, the RGB bytes a person expects
MODES = {
    "L": (lambda: _solid("L", 200), "png", (200, 200, 200)),
    "LA": (lambda: _solid("LA", (100, 128)), "png", (177, 177, 177)),  # over white: (100*128 + 255*127) / 255
    "P": (lambda: _solid("RGB", (10, 200, 30)).convert("P", palette=Image.Palette.ADAPTIVE), "png", (10, 200, 30)),
    "RGBA": (lambda: _solid("RGBA", (250, 20, 40, 60)), "png", (254, 200, 204)),  # 60/255 of it over white
    "CMYK": (lambda: _solid("CMYK", (0, 255, 255, 0)), "jpg", (255, 0, 0)),
    "1": (lambda: _solid("1", 1), "png", (255, 255, 255)),
    "I;16": (lambda: Image.fromarray(np.full((50, 80), 65535, np.uint16)), "png", (255, 255, 255)),
    "I;16-half": (lambda: Image.fromarray(np.full((50, 80), 32896, np.uint16)), "png", (128, 128, 128)),
}


@pytest.mark.parametrize("mode", list(MODES), ids=list(MODES))
def test_every_mode_becomes_rgb(tmp_path, mode):
    make, suffix, expected = MODES[mode]
    got = load_image(_save(make(), tmp_path / f"x.{suffix}"))
    assert got.shape == (64, 64, 3) and got.dtype == np.float32
    tolerance = 3 / 255 if suffix == "jpg" else 1e-6
    np.testing.assert_allclose(got.astype(np.float64).mean(axis=(0, 1)), np.array(expected) / 255, atol=tolerance)


def test_exif_orientation_is_applied(tmp_path):
    stored = np.zeros((64, 64, 3), np.uint8)
    stored[:, :32] = (255, 0, 0)  # left half red
    stored[:, 32:] = (0, 0, 255)  # right half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": the left half ends up on top
    got = load_image(_save(Image.fromarray(stored), tmp_path / "r.jpg", exif=exif, quality=95))
    assert got[:28, :, 0].mean() > 0.9 and got[:28, :, 2].mean() < 0.1
    assert got[36:, :, 2].mean() > 0.9 and got[36:, :, 0].mean() < 0.1


@pytest.mark.parametrize("size", [(1, 1), (20, 30), (1000, 10), (10, 1000), (300, 200)],
                         ids=["1x1", "small", "very-wide", "very-tall", "large"])
def test_any_size_becomes_64x64(tmp_path, size):
    got = load_image(_save(Image.new("RGB", size, (0, 128, 255)), tmp_path / "s.png"))
    assert got.shape == (64, 64, 3)
    np.testing.assert_allclose(got[10, 10], np.array([0, 128, 255]) / 255, atol=1e-6)


def test_centre_crop_keeps_the_middle(tmp_path):
    wide = np.zeros((100, 300, 3), np.uint8)
    wide[:, 100:200] = 255  # the central square is white, the sides black
    got = load_image(_save(Image.fromarray(wide), tmp_path / "w.png"))
    assert got.min() > 0.99


def test_animated_gif_uses_the_first_frame(tmp_path):
    frames = [Image.new("RGB", (64, 64), c) for c in ((255, 0, 0), (0, 255, 0))]
    path = tmp_path / "a.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    got = load_image(path)
    assert got[..., 0].mean() > 0.95 and got[..., 1].mean() < 0.05


BAD_FILES = {
    "zero-byte": (b"", "not an image"),
    "text-renamed": (b"hello, I am not a JPEG\n" * 10, "not an image"),
    "truncated-png": (None, "cannot decode"),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_image_files_raise_input_error(tmp_path, case):
    data, message = BAD_FILES[case]
    path = tmp_path / "bad image.jpg"
    if data is None:
        full = tmp_path / "full.png"
        Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(full)
        data = full.read_bytes()[:400]
    path.write_bytes(data)
    with pytest.raises(InputError, match=message) as info:
        load_image(path)
    assert str(path) in str(info.value)


def test_image_bomb_is_refused_before_decoding(tmp_path):
    path = _save(Image.new("1", (10_000, 10_000)), tmp_path / "bomb.png")
    with pytest.raises(InputError, match="more than the limit"):
        load_image(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_image(tmp_path / "nope.png")


def test_multi_frame_tiff_uses_the_first_frame(tmp_path):
    frames = [Image.new("RGB", (70, 70), c) for c in ((0, 255, 0), (255, 0, 0))]
    path = tmp_path / "pages.tiff"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert Image.open(path).n_frames == 2
    got = load_image(path)
    assert got[..., 1].mean() > 0.99 and got[..., 0].mean() < 0.01


# --- property: whatever the size, mode and format, the input is (64, 64, 3) float32 in [0, 1] ------------

# mode -> a numpy dtype and channel count to draw its pixels from, and the formats that can hold it
_MODES = {
    "1": (np.bool_, 1, ("png", "bmp", "tiff", "gif")), "L": (np.uint8, 1, ("png", "jpeg", "bmp", "tiff", "webp")),
    "LA": (np.uint8, 2, ("png", "tiff")), "P": (np.uint8, 1, ("png", "gif", "bmp", "tiff")),
    "RGB": (np.uint8, 3, ("png", "jpeg", "bmp", "tiff", "webp", "gif")), "RGBA": (np.uint8, 4, ("png", "tiff", "webp")),
    "CMYK": (np.uint8, 4, ("jpeg", "tiff")), "I;16": (np.uint16, 1, ("png", "tiff")),
    "I": (np.int32, 1, ("tiff",)), "F": (np.float32, 1, ("tiff",)),
}


@st.composite
def _image_files(draw) -> tuple[str, bytes]:
    mode = draw(st.sampled_from(list(_MODES)))
    dtype, channels, formats = _MODES[mode]
    width, height = draw(st.integers(1, 300)), draw(st.integers(1, 300))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels == 1 else (height, width, channels)
    if dtype is np.float32:
        pixels = rng.uniform(-0.5, 1.5, shape).astype(np.float32)  # out-of-range floats must be clipped
    elif dtype is np.bool_:
        pixels = rng.integers(0, 2, shape).astype(bool)
    else:
        info = np.iinfo(dtype)
        pixels = rng.integers(max(info.min, -(2**31)), min(info.max, 2**31 - 1), shape, dtype=dtype, endpoint=True)
    if mode == "P":
        image = Image.fromarray(pixels, "L").convert("P")
        image.putpalette(rng.integers(0, 256, 768, dtype=np.uint8).tobytes())
    elif mode in ("I;16", "I", "F", "1"):
        image = Image.fromarray(pixels)
    else:
        image = Image.fromarray(pixels, mode)
    suffix = draw(st.sampled_from(formats))
    exif = Image.Exif()
    exif[0x0112] = draw(st.integers(1, 8))  # every EXIF orientation, where the format keeps it
    buffer = io.BytesIO()
    image.save(buffer, format=suffix, **({"exif": exif} if suffix in ("jpeg", "png", "webp", "tiff") else {}))
    return suffix, buffer.getvalue()


@given(_image_files())
def test_any_image_becomes_a_64x64x3_float_array_in_0_1(file):
    suffix, data = file
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"image.{suffix}"
        path.write_bytes(data)
        got = load_image(path)
    assert got.shape == (64, 64, 3) and got.dtype == np.float32
    assert np.isfinite(got).all() and got.min() >= 0 and got.max() <= 1
    assert np.array_equal(np.rint(got * 255) / np.float32(255), got)  # whole bytes / 255, as documented


# --- through the whole `cnn-explainer build` command ---------------------------------------------------

def _bad_file(case: str, folder: Path) -> Path:
    """One unusable image file of each kind, named as a user might name it."""
    if case == "zero-byte":
        path = folder / "empty photo.jpg"
        path.write_bytes(b"")
    elif case == "text-renamed":
        path = folder / "notes.jpg"
        path.write_text("meeting notes, not a picture\n" * 20)
    elif case == "truncated":
        path = folder / "cut off.png"
        full = io.BytesIO()
        Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(full, "PNG")
        path.write_bytes(full.getvalue()[:400])
    else:  # an image bomb: tiny on disk, 100 million pixels once decoded
        path = folder / "bomb.png"
        Image.new("1", (10_000, 10_000)).save(path)
    return path


BAD_CASES = {"zero-byte": "not an image Pillow can read", "text-renamed": "not an image Pillow can read",
             "truncated": "cannot decode image", "bomb": "image is 10000x10000 pixels, more than the limit"}


@pytest.mark.parametrize("case", list(BAD_CASES), ids=list(BAD_CASES))
def test_cli_build_with_one_bad_image_is_one_line_and_status_2(tmp_path, case):
    from click.testing import CliRunner
    from cnn_explainer.cli import main
    from cnn_explainer.site import MARKER
    bad = _bad_file(case, tmp_path)
    out = tmp_path / "site"
    out.mkdir()
    (out / MARKER).write_text("previous build")
    (out / "index.html").write_text("previous page")
    result = CliRunner().invoke(main, ["build", "--images", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    output = without_using(result.output)
    assert output.count("\n") == 1 and output.startswith(f"error: {bad}: {BAD_CASES[case]}")
    assert (out / "index.html").read_text() == "previous page"


def test_cli_build_with_only_bad_images_names_each_and_fails(tmp_path):
    from click.testing import CliRunner
    from cnn_explainer.cli import main
    folder = tmp_path / "photos"
    folder.mkdir()
    problems = {_bad_file(case, folder): problem for case, problem in BAD_CASES.items()}
    result = CliRunner().invoke(main, ["build", "--images", str(folder), "--out", str(tmp_path / "site")])
    assert result.exit_code == 2
    lines = without_using(result.output).splitlines()
    assert len(lines) == len(problems) + 1
    for line, path in zip(lines, sorted(problems), strict=False):  # one line per file, in file-name order
        assert line.startswith(f"warning: {path}: {problems[path]}") and line.endswith("; skipped")
    assert lines[-1] == "error: --images: none of the 4 image files is usable (each is named above)"
    assert not (tmp_path / "site").exists()


def test_cli_build_with_a_bad_site_toml_sample_stops(tmp_path):
    import shutil

    from click.testing import CliRunner
    from cnn_explainer.cli import main
    content = tmp_path / "content"
    shutil.copytree(Path(__file__).resolve().parent.parent / "content", content)
    koala = content / "samples" / "koala.png"
    koala.write_bytes(b"")
    result = CliRunner().invoke(main, ["build", "--content", str(content), "--out", str(tmp_path / "site")])
    assert result.exit_code == 2 and without_using(result.output) == f"error: {koala}: not an image Pillow can read\n"


def test_cli_build_with_a_missing_image_stops(tmp_path):
    from click.testing import CliRunner
    from cnn_explainer.cli import main
    good = tmp_path / "good.png"
    Image.new("RGB", (64, 64)).save(good)
    result = CliRunner().invoke(main, ["build", "--images", str(good), str(tmp_path / "typo.png"),
                                       "--out", str(tmp_path / "site")])
    assert result.exit_code == 2
    assert without_using(result.output) == f"error: {tmp_path / 'typo.png'}: no such image file or folder\n"


def _awkward_folder(folder: Path) -> dict[str, tuple[str, tuple[int, int, int] | None]]:
    """Every awkward-but-valid kind of picture, plus two bad files; returns id -> (title, expected colour)."""
    folder.mkdir()
    Image.new("RGB", (1, 1), (200, 10, 10)).save(folder / "tiny 1x1.png")
    Image.new("RGB", (2000, 20), (10, 200, 10)).save(folder / "wide.png")
    frames = [Image.new("RGB", (64, 64), c) for c in ((255, 0, 0), (0, 255, 0))]
    frames[0].save(folder / "animated.gif", save_all=True, append_images=frames[1:])
    frames = [Image.new("RGB", (80, 80), c) for c in ((0, 0, 255), (255, 0, 0))]
    frames[0].save(folder / "pages.tiff", save_all=True, append_images=frames[1:])
    Image.fromarray(np.full((50, 80), 32896, np.uint16)).save(folder / "deep 16-bit.png")
    Image.new("CMYK", (80, 50), (0, 255, 255, 0)).save(folder / "cmyk.jpg", quality=95)
    Image.new("RGB", (80, 50), (10, 200, 30)).convert("P", palette=Image.Palette.ADAPTIVE).save(folder / "palette.png")
    Image.new("RGBA", (80, 50), (250, 20, 40, 0)).save(folder / "alpha.png")
    stored = np.zeros((64, 64, 3), np.uint8)
    stored[:, :32], stored[:, 32:] = (255, 0, 0), (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(folder / "rotated.jpg", exif=exif, quality=95)
    Image.new("RGB", (64, 64), (1, 2, 3)).save(folder / "café ☕.png")
    Image.new("RGB", (64, 64), (4, 5, 6)).save(folder / 'it\'s "quoted".png')
    Image.new("RGB", (64, 64), (7, 8, 9)).save(folder / "same.jpg", quality=100)
    Image.new("RGB", (64, 64), (90, 90, 90)).save(folder / "same.png")
    (folder / "broken.jpg").write_bytes(b"")
    (folder / "notes.jpg").write_text("not a picture")
    return {  # in file-name order; ids are lower-case [a-z0-9_-], a repeated stem gets -2
        "alpha": ("alpha", (255, 255, 255)), "animated": ("animated", (255, 0, 0)), "caf": ("café ☕", (1, 2, 3)),
        "cmyk": ("cmyk", (255, 0, 0)), "deep-16-bit": ("deep 16-bit", (128, 128, 128)),
        "it-s-quoted": ('it\'s "quoted"', (4, 5, 6)), "pages": ("pages", (0, 0, 255)),
        "palette": ("palette", (10, 200, 30)), "rotated": ("rotated", None), "same": ("same", (7, 8, 9)),
        "same-2": ("same", (90, 90, 90)), "tiny-1x1": ("tiny 1x1", (200, 10, 10)), "wide": ("wide", (10, 200, 10)),
    }


@pytest.mark.slow
def test_cli_build_of_a_folder_of_awkward_images(tmp_path):
    import json
    import re

    from click.testing import CliRunner
    from cnn_explainer.cli import main
    from cnn_explainer.encode import decode_array
    expected = _awkward_folder(tmp_path / "photos")
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--images", str(tmp_path / "photos"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: {tmp_path / 'photos' / 'broken.jpg'}: not an image Pillow can read; skipped",
                        f"warning: {tmp_path / 'photos' / 'notes.jpg'}: not an image Pillow can read; skipped"]
    page = (out / "index.html").read_text(encoding="utf-8")
    island = json.loads(re.search(r'id="cnnx-page" type="application/json">(.*?)</script>', page, re.S)[1])
    assert island["samples"] == [{"id": i, "title": title} for i, (title, _) in expected.items()]
    assert sorted(p.name for p in (out / "data" / "samples").iterdir()) == sorted(
        f"{i}.{ext}" for i in expected for ext in ("js", "json"))
    for sample_id, (title, colour) in expected.items():
        doc = json.loads((out / "data" / "samples" / f"{sample_id}.json").read_text())
        assert (doc["id"], doc["title"]) == (sample_id, title)
        pixels = decode_array(doc["maps"]["input"], images=doc["images"]) * 255  # (3, 64, 64)
        if colour is None:  # EXIF orientation 6: the stored left half (red) is shown on top
            assert pixels[0, :28].mean() > 230 and pixels[2, 36:].mean() > 230
        else:
            np.testing.assert_allclose(pixels.mean(axis=(1, 2)), colour, atol=4, err_msg=sample_id)


# --- transparency: composited over white, as the page does it -----------------------------------------

def _over_white(rgba: np.ndarray) -> np.ndarray:
    """The expected bytes, worked out in floating point: colour * alpha + white * (1 - alpha)."""
    alpha = rgba[..., 3:].astype(np.float64) / 255
    return np.rint(rgba[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)


def test_transparency_is_composited_over_white(tmp_path):
    from cnn_explainer.images import load_rgb
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[:, :32] = (20, 160, 40, 255)  # opaque left half
    rgba[:, 32:48] = (200, 10, 10, 0)  # fully transparent: its stored red must not show
    rgba[:, 48:] = (0, 0, 250, 100)  # partly transparent blue
    path = _save(Image.fromarray(rgba, "RGBA"), tmp_path / "half.png")
    got = np.asarray(load_rgb(path))
    np.testing.assert_array_equal(got, _over_white(rgba))
    assert got[0, 40].tolist() == [255, 255, 255]


def test_a_transparent_palette_colour_is_white(tmp_path):
    image = Image.new("P", (64, 64), 1)
    image.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
    path = _save(image, tmp_path / "clear.gif", transparency=1)
    np.testing.assert_array_equal(load_image(path), np.ones((64, 64, 3), np.float32))


# --- big photos: JPEGs decode at reduced size; formats decoded whole keep the pixel limit --------------

@pytest.fixture(scope="module")
def big_jpeg(tmp_path_factory) -> Path:
    """An 8000x8000 photo-like JPEG (64 million pixels, over the 50-million limit for whole decodes)."""
    path = tmp_path_factory.mktemp("big") / "big photo.jpg"
    y, x = np.mgrid[0:8000, 0:8000].astype(np.float32) / 8000
    pixels = np.stack([128 + 110 * np.sin(9 * x + 3 * y), 128 + 110 * np.cos(7 * y), 255 * x * y], -1)
    Image.fromarray(pixels.astype(np.uint8)).save(path, quality=90)
    return path


def _full_decode_and_resize(path: Path) -> np.ndarray:
    """An independent reference: Pillow decodes every pixel, then the centre square goes to 64x64."""
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        with Image.open(path) as image:
            image = image.convert("RGB")
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    return np.asarray(square.resize((64, 64), Image.Resampling.BILINEAR)).astype(np.int16)


def test_a_jpeg_over_50_million_pixels_loads_like_a_full_decode(big_jpeg):
    from cnn_explainer.images import load_rgb
    got = np.asarray(load_rgb(big_jpeg)).astype(np.int16)
    want = _full_decode_and_resize(big_jpeg)
    difference = np.abs(got - want)
    assert difference.mean() < 0.5 and difference.max() <= 2, (difference.mean(), difference.max())


def test_predict_classifies_a_big_jpeg(big_jpeg):
    from click.testing import CliRunner
    from cnn_explainer.cli import main
    from conftest import DEFAULT_WEIGHTS
    result = CliRunner().invoke(main, ["predict", "--weights", str(DEFAULT_WEIGHTS), "--json", str(big_jpeg)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    assert [r["image"] for r in __import__("json").loads(result.stdout)] == [str(big_jpeg)]


def test_a_jpeg_too_big_even_when_reduced_is_refused_before_decoding(tmp_path):
    """A 65000x65000 header (a JPEG bomb: one eighth of it is still 66 million pixels) is refused."""
    small = io.BytesIO()
    Image.new("RGB", (16, 16)).save(small, "JPEG")
    data = bytearray(small.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = (65000).to_bytes(2, "big") * 2  # height, width
    path = tmp_path / "bomb.jpg"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="more than the limit"):
        load_image(path)
