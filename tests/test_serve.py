"""What `serve` relies on without a browser: cached rebuilds, the watched files, a taken port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys

import pytest
from cnn_explainer.build import BuildOptions, StageCache, build_site
from cnn_explainer.serve import snapshot, watched_paths
from conftest import DEFAULT_WEIGHTS, REFERENCE_MODEL, REPO, without_using

WEIGHTS = DEFAULT_WEIGHTS if (DEFAULT_WEIGHTS / "model.json").exists() else REFERENCE_MODEL


def _build(options: BuildOptions, cache: StageCache) -> list[str]:
    stages: list[str] = []
    build_site(options, report=lambda stage, seconds: stages.append(stage), cache=cache)
    return stages


@pytest.mark.slow
def test_an_article_edit_rebuilds_the_pages_but_not_the_model(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    options = BuildOptions(content=content, weights=WEIGHTS, out=tmp_path / "build")
    cache = StageCache()
    first = _build(options, cache)
    assert any(stage.startswith("forward pass") for stage in first)
    data_before = {p.relative_to(options.out): p.read_bytes() for p in (options.out / "data").rglob("*.js")}

    source = content / "en.md"
    source.write_text(source.read_text(encoding="utf-8").replace("A *classifier*", "A *sorter*", 1), encoding="utf-8")
    second = _build(options, cache)
    assert not any(stage.startswith("forward pass") for stage in second), second
    assert any(stage.startswith("about-the-model charts reused") for stage in second), second
    assert "A <em>sorter</em>" in (options.out / "index.html").read_text(encoding="utf-8")
    data_after = {p.relative_to(options.out): p.read_bytes() for p in (options.out / "data").rglob("*.js")}
    assert data_after == data_before

    shutil.copy(REPO / "content" / "samples" / "koala.png", content / "samples" / "pizza.png")  # a sample changed
    third = _build(options, cache)
    assert any(stage.startswith("forward pass") for stage in third)
    assert (options.out / "data" / "samples" / "pizza.js").read_bytes() != data_before[
        (options.out / "data" / "samples" / "pizza.js").relative_to(options.out)]


def test_the_watch_covers_every_input_and_skips_editor_droppings(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "en.md").write_text("x")
    (content / ".en.md.swp").write_text("x")
    (content / "en.md~").write_text("x")
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(b"png")
    classes = tmp_path / "classes.txt"
    classes.write_text("x")
    options = BuildOptions(content=content, weights=WEIGHTS / "model.json", out=tmp_path / "build", classes=classes)
    seen = snapshot(watched_paths(options, [outside]))
    assert content / "en.md" in seen and outside in seen and WEIGHTS / "model.json" in seen and classes in seen
    assert any(path.parent.name == "templates" for path in seen)
    assert content / ".en.md.swp" not in seen and content / "en.md~" not in seen


def test_a_taken_port_is_one_line_and_status_2(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "cnn_explainer", "serve", "--port", str(port),
                                 "--out", str(tmp_path / "build")], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2
    assert without_using(result.stderr).startswith(f"error: --port {port}: cannot listen on 127.0.0.1")
    assert len(without_using(result.stderr).strip().splitlines()) == 1
