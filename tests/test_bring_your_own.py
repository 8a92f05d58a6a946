"""`build` with the reader's own images, class names and weights: 1 to 100 images, --classes, train -> build."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from cnn_explainer.cli import main
from cnn_explainer.predict import predict_images
from cnn_explainer.weights import load_model
from conftest import DEFAULT_WEIGHTS, ORIGINAL_TOP1, REFERENCE, REFERENCE_MODEL, REPO, needs, without_using
from PIL import Image

EVIL = ['<script>alert("x")</script>', "Tom's \"best\" & <b>bold</b>", "a_b*c|d", *[f"class {i}" for i in range(7)]]


def make_images(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """`count` pictures of assorted sizes and formats, each different."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        w, h = (int(v) for v in rng.integers(40, 130, 2))
        colour = rng.integers(0, 256, 3)
        pixels = np.clip(colour + rng.normal(0, 40, (h, w, 3)), 0, 255).astype(np.uint8)
        path = folder / f"img_{i:03d}.{('png', 'jpg', 'webp')[i % 3]}"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths


def page_json(site: Path, page: str = "index.html") -> dict:
    html = (site / page).read_text(encoding="utf-8")
    return json.loads(re.search(r'id="cnnx-page" type="application/json">(.*?)</script>', html, re.S)[1])


def build(*args: str) -> CliRunner:
    return CliRunner().invoke(main, ["build", *args])


@pytest.mark.slow
@pytest.mark.parametrize("count", [1, 10, 100])
def test_a_gallery_of_1_to_100_images(tmp_path, count):
    images = make_images(tmp_path / "photos", count)
    out = tmp_path / "site"
    result = build("--images", str(tmp_path / "photos"), "--out", str(out))
    assert result.exit_code == 0, result.output
    images_word = "1 image" if count == 1 else f"{count} images"  # counted nouns agree with their number
    assert re.fullmatch(rf"built {re.escape(str(out))} in [\d.]+ s: {images_word} on .+, \d+ files, [\d.]+ MB\n",
                        result.stdout), result.stdout
    assert f"forward pass ({images_word} on " in result.stderr
    page = page_json(out)
    ids = [s["id"] for s in page["samples"]]
    assert ids == [p.stem for p in images]
    assert len(ids) == count and page["defaultSample"] == ids[0]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert html.count('class="thumb" data-sample=') == count
    assert html.count(f"--n: {count}; }}") == count  # every thumbnail offsets into one strip of {count}
    with Image.open(out / "assets" / "thumbnails.webp") as strip:
        assert strip.size == (64 * count, 64)
    expected = predict_images(load_model(DEFAULT_WEIGHTS), images)
    for sample_id, record in zip(ids, expected, strict=True):
        doc = json.loads((out / "data" / "samples" / f"{sample_id}.json").read_text())
        assert page["classes"][doc["top1"]] == record["top1"], sample_id


@pytest.mark.slow
@needs(REFERENCE_MODEL)
def test_original_model_with_a_class_file_reproduces_its_top1s(tmp_path):
    names = ["rettungsboot", "marienkäfer", "pizza", "paprika", "schulbus", "koala", "espresso", "roter panda",
             "orange", "sportwagen"]
    (tmp_path / "classes.txt").write_text("\n".join(names) + "\n\n", encoding="utf-8")
    german = dict(zip(["lifeboat", "ladybug", "pizza", "bell pepper", "school bus", "koala", "espresso", "red panda",
                       "orange", "sport car"], names, strict=True))
    images = [str(REFERENCE / "images" / f"{name}.jpeg") for name in ORIGINAL_TOP1]
    out = tmp_path / "site"
    result = build("--weights", str(REFERENCE_MODEL), "--classes", str(tmp_path / "classes.txt"),
                   "--out", str(out), "--images", *images)
    assert result.exit_code == 0, result.output
    assert page_json(out)["classes"] == names
    for name, top1 in ORIGINAL_TOP1.items():
        doc = json.loads((out / "data" / "samples" / f"{name}.json").read_text())
        assert names[doc["top1"]] == german[top1], name
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "came without a training history" in html and 'data-chart="confusion"' not in html


@pytest.mark.parametrize("text,problem", [
    ("one\ntwo\n", "2 class names, expected 10 (the model's outputs), one per line"),
    ("one\n", "1 class name, expected 10 (the model's outputs), one per line"),
    ("\n".join(["same"] * 10), "class names repeat: 'same'"),
    ("\n".join(["cat", "dog", "cat", "dog", "emu", *[f"c{i}" for i in range(5)]]), "class names repeat: 'cat', 'dog'"),
    (None, "no such class-names file"),
], ids=["too few", "one", "repeated", "two repeated", "missing"])
def test_bad_class_file_is_one_line_and_status_2(tmp_path, text, problem):
    path = tmp_path / "classes.txt"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    result = build("--classes", str(path), "--out", str(tmp_path / "site"))
    assert result.exit_code == 2
    assert without_using(result.stderr) == f"error: {path}: {problem}\n"
    assert not (tmp_path / "site").exists()


def test_class_file_must_be_utf8(tmp_path):
    path = tmp_path / "classes.txt"
    path.write_bytes("\n".join(["caf\xe9"] + [f"c{i}" for i in range(9)]).encode("latin-1"))
    result = CliRunner().invoke(main, ["predict", "--classes", str(path), str(REFERENCE / "images" / "koala_1.jpeg")])
    assert result.exit_code == 2 and "not UTF-8 text" in result.stderr


@pytest.mark.slow
def test_custom_class_names_are_escaped_in_the_page(tmp_path):
    (tmp_path / "classes.txt").write_text("\n".join(EVIL), encoding="utf-8")
    out = tmp_path / "site"
    result = build("--classes", str(tmp_path / "classes.txt"), "--out", str(out))
    assert result.exit_code == 0, result.output
    for page in ("index.html", "zh/index.html"):
        html = (out / page).read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<b>bold" not in html
        assert 'aria-label="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"' in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html  # the About section's table
        assert page_json(out, page)["classes"][:3] == EVIL[:3]
    network = json.loads((out / "data" / "network.json").read_text())
    assert network["classes"] == EVIL


@pytest.mark.slow
def test_train_output_plugs_straight_into_build(tmp_path):
    data = tmp_path / "data"
    rng = np.random.default_rng(0)
    for split, count in (("train", 8), ("val", 3)):
        for index in range(10):
            folder = data / split / f"kind_{index}"
            folder.mkdir(parents=True)
            colour = np.array([(index * 25) % 256, (index * 70) % 256, (255 - index * 25) % 256])
            for k in range(count):
                pixels = np.clip(colour + rng.normal(0, 20, (64, 64, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(folder / f"{k}.png")
    trained = CliRunner().invoke(main, ["train", "--data", str(data), "--epochs", "2", "--out",
                                        str(tmp_path / "run"), "--quiet"])
    assert trained.exit_code == 0, trained.output
    out = tmp_path / "site"
    result = build("--weights", str(tmp_path / "run"), "--out", str(out), "--images", str(data / "val" / "kind_3"))
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "run" / "history.json").read_text())["summary"]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert page_json(out)["classes"] == [f"kind {i}" for i in range(10)]
    assert f"an accuracy of\n<strong>{summary['val_accuracy'] * 100:.1f}%</strong>" in html
    assert f"It gets {summary['val_errors']} of the {summary['counts']['val']} validation photos wrong" in html
    assert set(page_json(out)["charts"]) >= {"training", "confusion"}


@pytest.mark.parametrize("with_images", [False, True], ids=["site-toml-samples", "--images"])
def test_a_network_of_another_size_decodes_each_gallery_image_once(tmp_path, monkeypatch, with_images):
    """A 32x32 network needs each picture at 64x64 (thumbnail) and 32x32 (input): one decode gives both."""
    import jax
    from cnn_explainer import images
    from cnn_explainer.build import BuildOptions, build_site
    from cnn_explainer.model import init_params
    from cnn_explainer.network.description import tinyvgg_like
    from cnn_explainer.weights import Model, save_model

    arch = tinyvgg_like((32, 32, 3))
    params = jax.tree_util.tree_map(np.asarray, init_params(jax.random.PRNGKey(0), arch))
    save_model(Model(params=params, class_names=tuple(EVIL), architecture=arch), tmp_path / "m")
    paths = make_images(tmp_path / "photos", 3) if with_images else []
    opened: list[Path] = []
    real_open = images._open
    monkeypatch.setattr(images, "_open", lambda path: opened.append(Path(path)) or real_open(path))
    build_site(BuildOptions(content=REPO / "content", weights=tmp_path / "m", out=tmp_path / "site",
                            images=tuple(paths)))
    assert len(opened) == len(set(opened)) == (3 if with_images else 10)
    site = page_json(tmp_path / "site")
    assert len(site["samples"]) == len(opened)


def test_a_history_of_another_model_is_one_line_naming_it(tmp_path):
    """A user's 5-class model in a folder that still holds the 10-class default's history.json."""
    import shutil

    import jax
    from cnn_explainer.model import init_params
    from cnn_explainer.network.description import tinyvgg_like
    from cnn_explainer.weights import Model, save_model

    arch = tinyvgg_like(classes=5)
    params = jax.tree_util.tree_map(np.asarray, init_params(jax.random.PRNGKey(0), arch))
    save_model(Model(params=params, class_names=tuple(EVIL[:5]), architecture=arch), tmp_path / "m")
    shutil.copyfile(DEFAULT_WEIGHTS / "history.json", tmp_path / "m" / "history.json")
    result = build("--weights", str(tmp_path / "m"), "--out", str(tmp_path / "site"))
    assert result.exit_code == 2 and not (tmp_path / "site").exists()  # as every bad input
    assert result.output.splitlines()[-1] == (
        f"error: {tmp_path / 'm' / 'history.json'}: the training history is of a model with 10 classes, but the "
        "model beside it has 5; remove it or put the model's own history there")
