"""The tool as users install it: a wheel in a fresh venv, used from an empty folder outside the checkout.

An editable install reads content/, templates/ and weights/ from the checkout, so it hides a file left
out of the package; only a real wheel shows it. Slow (the fresh venv installs JAX from pip's cache).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(command: list[str | Path], cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{command}: {result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a fresh venv holding the wheel built from this checkout (not editable)."""
    root = tmp_path_factory.mktemp("wheel")
    # setuptools never empties its scratch folder, so a file renamed since an earlier wheel was built here
    # would still ship; start from nothing, as a fresh clone does
    shutil.rmtree(REPO / ".setuptools-build", ignore_errors=True)
    site_before = sorted(p.relative_to(REPO) for p in (REPO / "build").rglob("*")) if (REPO / "build").exists() else []
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", root / "dist", REPO], cwd=root)
    site_after = sorted(p.relative_to(REPO) for p in (REPO / "build").rglob("*")) if (REPO / "build").exists() else []
    assert site_after == site_before, "building the wheel wrote into the site folder build/"
    (wheel,) = (root / "dist").glob("cnn_explainer-*.whl")
    venv.create(root / "venv", with_pip=True)
    _run([root / "venv" / "bin" / "python", "-m", "pip", "install", "-q", wheel], cwd=root)
    return root / "venv" / "bin"


@pytest.fixture()
def empty(tmp_path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_a_build_from_the_wheel_in_an_empty_folder_equals_the_checkouts(installed, empty, tmp_path):
    said = _run([installed / "cnn-explainer", "build"], cwd=empty).stderr
    assert said.startswith("using content: the bundled default (") and "site-packages" in said.splitlines()[0]
    checkout = tmp_path / "checkout-build"
    _run([sys.executable, "-m", "cnn_explainer", "build", "--content", REPO / "content", "--weights",
          REPO / "weights", "--out", checkout], cwd=tmp_path)
    wheel_site = _tree(empty / "build")
    assert wheel_site.keys() == _tree(checkout).keys()
    assert wheel_site == _tree(checkout)


def test_new_then_build_shows_the_users_edit(installed, empty):
    _run([installed / "cnn-explainer", "new", "x"], cwd=empty)
    article = empty / "x" / "content" / "en.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nOur own closing words.\n", encoding="utf-8")
    said = _run([installed / "cnn-explainer", "build"], cwd=empty / "x").stderr
    assert said.splitlines()[0] == "using content: ./content/; weights: ./weights/"
    assert "Our own closing words." in (empty / "x" / "build" / "index.html").read_text(encoding="utf-8")


def test_predict_on_a_bundled_sample(installed, empty):
    where = _run([installed / "python", "-c", "from cnn_explainer.resources import CONTENT; print(CONTENT)"],
                 cwd=empty).stdout.strip()
    assert "site-packages" in where
    result = _run([installed / "cnn-explainer", "predict", Path(where) / "samples" / "koala.png"], cwd=empty)
    assert result.stdout.split(": ", 1)[1].startswith("koala ")


def test_every_commands_help(installed, empty):
    from cnn_explainer.cli import main

    assert {"build", "new", "predict", "serve", "train"} <= set(main.commands)
    for command in [[], *([name] for name in main.commands)]:
        result = _run([installed / "cnn-explainer", *command, "--help"], cwd=empty)
        assert result.stdout.startswith("Usage: cnn-explainer"), command
