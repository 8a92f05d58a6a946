"""One policy for image files in `build`, `train` and `predict`: folders and files alike, each file once,
an unusable file skipped with one warning line, failure only when nothing usable is left, and any
file name (even one that is not UTF-8) shown and written as valid UTF-8."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from cnn_explainer.cli import main
from cnn_explainer.config import samples_from_paths
from conftest import DEFAULT_WEIGHTS, REPO
from PIL import Image

REPLACEMENT = "\N{REPLACEMENT CHARACTER}"


def _picture(path: Path, colour=(200, 30, 30), size=(64, 64)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)
    return path


def _photos(folder: Path) -> tuple[list[Path], Path]:
    """Two good pictures and one stray broken file, as a real photo folder might hold."""
    good = [_picture(folder / "a.png", (250, 0, 0)), _picture(folder / "c.png", (0, 0, 250))]
    bad = folder / "b.jpg"
    bad.write_text("a text file renamed to .jpg")
    return good, bad


def _predict(*args: str):
    return CliRunner().invoke(main, ["predict", "--weights", str(DEFAULT_WEIGHTS), *args])


# --- predict -----------------------------------------------------------------------------------------

def test_predict_skips_a_bad_file_and_still_classifies_the_good_ones(tmp_path):
    good, bad = _photos(tmp_path)
    result = _predict("--json", str(good[0]), str(bad), str(good[1]))
    assert result.exit_code == 0, result.output
    assert [r["image"] for r in json.loads(result.stdout)] == [str(good[0]), str(good[1])]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: {bad}: not an image Pillow can read; skipped"]


def test_predict_accepts_a_folder_as_build_does(tmp_path):
    good, bad = _photos(tmp_path / "photos")
    result = _predict("--json", str(tmp_path / "photos"))
    assert result.exit_code == 0, result.output
    assert [r["image"] for r in json.loads(result.stdout)] == [str(p) for p in good]
    assert f"warning: {bad}: not an image Pillow can read; skipped" in result.stderr.splitlines()


def test_predict_fails_only_when_nothing_is_usable(tmp_path):
    _, bad = _photos(tmp_path)
    other = tmp_path / "d.png"
    other.write_bytes(b"")
    result = _predict(str(bad), str(other))
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("error: ") and "none of the 2 image files is usable" in lines[-1]
    assert [line for line in lines if line.startswith("error:")] == [lines[-1]]


def test_predict_lists_each_file_once(tmp_path):
    good, _ = _photos(tmp_path / "photos")
    result = _predict("--json", str(good[1]), str(good[1]), str(tmp_path / "photos"))
    assert result.exit_code == 0, result.output
    assert [r["image"] for r in json.loads(result.stdout)] == [str(good[1]), str(good[0])]


# --- build: each file once, at most 100 ----------------------------------------------------------------

def test_the_same_file_twice_or_a_file_and_its_folder_is_one_sample(tmp_path):
    good, _ = _photos(tmp_path / "photos")
    samples = samples_from_paths([good[1], tmp_path / "photos" / ".." / "photos" / "c.png", tmp_path / "photos"],
                                 warn=lambda line: None)
    assert [(s.id, s.path) for s in samples] == [("c", good[1]), ("a", good[0])]


def test_more_than_100_images_is_one_line_and_nothing_is_written(tmp_path):
    folder = tmp_path / "photos"
    for i in range(101):
        _picture(folder / f"p{i:03d}.png", (i, 2 * i, 0), size=(8, 8))
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--content", str(REPO / "content"), "--weights", str(DEFAULT_WEIGHTS),
                                       "--images", str(folder), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("error: --images: ")
    assert "101" in result.output and "100" in result.output
    assert not out.exists()


# --- train: a stray file is skipped, an unusable class is an error -----------------------------------

@pytest.fixture
def tiny_dataset(tmp_path) -> Path:
    """Ten classes of seven pictures each (one training step of 64 with --holdout 0) and one for val."""
    root = tmp_path / "data"
    for index in range(10):
        colour = (25 * index, 255 - 25 * index, 120)
        for k in range(7):
            _picture(root / "train" / f"c{index}" / f"{k}.png", colour)
        _picture(root / "val" / f"c{index}" / "0.png", colour)
    return root


def test_train_skips_a_stray_file_with_one_warning(tiny_dataset, tmp_path):
    stray = tiny_dataset / "train" / "c3" / "broken.jpg"
    stray.write_bytes(b"")
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", "--data", str(tiny_dataset), "--epochs", "1", "--holdout", "0",
                                       "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"warning: {stray}: not an image Pillow can read; skipped" in result.output.splitlines()
    summary = json.loads((out / "history.json").read_text())["summary"]
    assert summary["counts"] == {"train": 70, "holdout": 0, "val": 10}


def test_train_fails_when_a_class_has_no_usable_image(tiny_dataset, tmp_path):
    folder = tiny_dataset / "val" / "c5"
    (folder / "0.png").write_bytes(b"")
    (folder / "1.png").write_text("not a picture")
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", "--data", str(tiny_dataset), "--epochs", "1", "--holdout", "0",
                                       "--quiet", "--out", str(out)])
    assert result.exit_code == 2, result.output
    last = result.output.splitlines()[-1]
    assert last == f"error: {folder}: none of the 2 image files is usable (each is named above)"
    assert not out.exists()


# --- file names that are not UTF-8 ---------------------------------------------------------------------

def _latin1_name(folder: Path) -> Path:
    """`café.png` with its é in Latin-1 (byte 0xE9): a name from an old camera or a Windows zip."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = os.path.join(os.fsencode(folder), b"caf\xe9.png")
    with open(raw, "wb") as file:
        Image.new("RGB", (64, 64), (10, 120, 200)).save(file, format="PNG")
    return Path(os.fsdecode(raw))


def _run(*args: str | Path) -> subprocess.CompletedProcess:
    """The real command in a child, so stdout and stderr are real byte streams."""
    return subprocess.run([sys.executable, "-m", "cnn_explainer", *map(os.fsencode, args)], capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def test_predict_json_with_a_latin1_file_name_is_valid_utf8(tmp_path):
    path = _latin1_name(tmp_path)
    result = _run("predict", "--weights", DEFAULT_WEIGHTS, "--json", path)
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout.decode("utf-8"))  # strict: a raw 0xE9 byte fails here
    assert records[0]["image"] == str(tmp_path / f"caf{REPLACEMENT}.png")
    text = _run("predict", "--weights", DEFAULT_WEIGHTS, path)
    assert text.returncode == 0, text.stderr
    assert text.stdout.decode("utf-8").startswith(f"{tmp_path / f'caf{REPLACEMENT}.png'}: ")


def test_a_bad_file_with_a_latin1_name_is_named_in_utf8(tmp_path):
    good = _picture(tmp_path / "good.png")
    bad = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"caf\xe9.jpg")))
    bad.write_bytes(b"")
    result = _run("predict", "--weights", DEFAULT_WEIGHTS, good, bad)
    assert result.returncode == 0, result.stderr
    assert (f"warning: {tmp_path / f'caf{REPLACEMENT}.jpg'}: not an image Pillow can read; skipped"
            in result.stderr.decode("utf-8").splitlines())


@pytest.mark.slow
def test_build_with_a_latin1_file_name(tmp_path):
    path = _latin1_name(tmp_path / "photos")
    _picture(tmp_path / "photos" / "plain.png")
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--images", str(tmp_path / "photos"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_bytes().decode("utf-8")
    assert f"caf{REPLACEMENT}" in html
    data = {p.name: p.read_bytes().decode("utf-8") for p in (out / "data" / "samples").iterdir()}
    assert sorted(data) == ["caf.js", "caf.json", "plain.js", "plain.json"]
    assert json.loads(data["caf.json"])["title"] == f"caf{REPLACEMENT}"
    assert path.exists()
    pixels = np.asarray(Image.open(path))
    assert pixels[0, 0].tolist() == [10, 120, 200]
