"""`cnn-explainer predict`: the documented JSON interface and the one-line errors users see."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from cnn_explainer.cli import main
from cnn_explainer.weights import ORIGINAL_CLASS_NAMES
from conftest import ORIGINAL_TOP1, REFERENCE, REFERENCE_MODEL, REPO, needs, without_using


@needs(REFERENCE_MODEL)
def test_predict_json_gives_the_originals_top1_in_argument_order():
    names = list(reversed(ORIGINAL_TOP1))
    paths = [str(REFERENCE / "images" / f"{n}.jpeg") for n in names]
    result = CliRunner().invoke(main, ["predict", "--weights", str(REFERENCE_MODEL), "--json", *paths])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [r["image"] for r in records] == paths
    assert [r["top1"] for r in records] == [ORIGINAL_TOP1[n] for n in names]
    for record in records:
        assert list(record["probabilities"]) == list(ORIGINAL_CLASS_NAMES)
        assert abs(sum(record["probabilities"].values()) - 1) < 1e-5
        assert record["top1"] == max(record["probabilities"], key=record["probabilities"].get)


@needs(REFERENCE_MODEL)
def test_predict_prints_top_classes_per_image():
    path = str(REFERENCE / "images" / "koala_1.jpeg")
    result = CliRunner().invoke(main, ["predict", "--weights", str(REFERENCE_MODEL), "--top", "2", path])
    assert result.exit_code == 0
    line = result.stdout.strip()
    assert line.startswith(f"{path}: koala ") and line.count("%") == 2


@needs(REFERENCE_MODEL)
def test_unreadable_image_is_one_line_and_status_2(tmp_path):
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a picture")
    result = CliRunner().invoke(main, ["predict", "--weights", str(REFERENCE_MODEL), str(bad)])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {bad}: not an image Pillow can read"


def test_module_entry_point_and_help_work():
    result = subprocess.run([sys.executable, "-m", "cnn_explainer", "--help"], capture_output=True, text=True,
                            check=True)
    assert "predict" in result.stdout and "train" in result.stdout


# A bug stand-in: the real CLI in a child process, with one pipeline function replaced by one that fails.
_BROKEN = ("import cnn_explainer.config as config; config.load_config = lambda *a, **k: {}['no such key']; "
           "import sys; from cnn_explainer.cli import main; sys.argv[0] = 'cnn-explainer'; main()")


@pytest.mark.parametrize("where", [None, "before", "after"], ids=["plain", "debug-before", "debug-after"])
def test_internal_error_is_status_1_with_a_traceback_only_under_debug(tmp_path, where):
    # The hint says "run with --debug": it works before the command name and after it.
    debug = where is not None
    build = ["build", "--out", str(tmp_path / "s")]
    args = [sys.executable, "-c", _BROKEN, *(["--debug"] if where == "before" else []), *build,
            *(["--debug"] if where == "after" else [])]
    result = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 1
    if debug:
        assert "Traceback (most recent call last)" in result.stderr and "KeyError: 'no such key'" in result.stderr
    else:
        last_line = result.stderr.splitlines()[-1]
        assert last_line == "internal error: KeyError: 'no such key' (run with --debug for a traceback)"
    assert not (tmp_path / "s").exists()


def test_bad_input_is_one_line_status_2_even_under_debug(tmp_path):
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a picture")
    result = subprocess.run([sys.executable, "-m", "cnn_explainer", "--debug", "build", "--images", str(bad),
                             "--out", str(tmp_path / "s")], capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 2 and without_using(result.stderr) == f"error: {bad}: not an image Pillow can read\n"


@pytest.mark.parametrize("command", ["build", "serve", "predict", "train", "new"])
def test_every_command_accepts_debug(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "--debug" in result.stdout


def test_train_help_explains_epochs_and_seed():
    result = CliRunner().invoke(main, ["train", "--help"], terminal_width=200)
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip().startswith("--")}
    assert "Passes over train/" in lines["--epochs"]
    assert "same seed" in lines["--seed"]
