"""A short training run on a small image-folder dataset made here: loss falls, output plugs into predict."""

from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np
import pytest
from click.testing import CliRunner
from cnn_explainer import about
from cnn_explainer.cli import main
from cnn_explainer.config import load_config
from cnn_explainer.images import load_image
from cnn_explainer.model import init_params
from cnn_explainer.network import load_network as load_model_any
from cnn_explainer.network.description import TINYVGG, Architecture, Conv2D, Dense, Flatten, Pool, ReLU, tinyvgg_like
from cnn_explainer.train import TrainConfig, _targets, load_teachers
from cnn_explainer.weights import ORIGINAL_CLASS_NAMES, Model, load_model, save_model
from conftest import DATASET, REPO, needs
from numpy_network import forward as numpy_forward
from numpy_tinyvgg import tinyvgg
from PIL import Image

COLOURS = [(230, 30, 30), (30, 200, 40), (40, 60, 230), (240, 220, 30), (200, 40, 220),
           (30, 210, 220), (250, 140, 20), (120, 70, 20), (250, 250, 250), (20, 20, 20)]


@pytest.fixture(scope="module")
def colour_dataset(tmp_path_factory) -> Path:
    """Ten classes, each a noisy picture of its own colour: learnable in a few steps."""
    root = tmp_path_factory.mktemp("colours")
    rng = np.random.default_rng(0)
    for split, count in (("train", 20), ("val", 4)):
        for index, colour in enumerate(COLOURS):
            folder = root / split / f"class_{index}"
            folder.mkdir(parents=True)
            for k in range(count):
                pixels = np.clip(np.array(colour) + rng.normal(0, 25, (64, 64, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(folder / f"{k}.png")
    return root


@pytest.mark.slow
def test_training_lowers_the_loss_and_writes_a_usable_model(colour_dataset, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", "--data", str(colour_dataset), "--epochs", "6",
                                       "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    history = json.loads((out / "history.json").read_text())
    losses = [e["train_loss"] for e in history["epochs"]]
    assert len(losses) == 6 and losses[-1] < losses[0] * 0.8
    assert {"train_loss", "train_accuracy", "val_loss", "val_accuracy"} <= set(history["epochs"][0])
    model = load_model(out)
    assert model.class_names == tuple(f"class {i}" for i in range(10))
    card = (out / "MODEL_CARD.md").read_text()
    assert "Confusion matrix" in card and "class 9" in card

    predicted = CliRunner().invoke(main, ["predict", "--weights", str(out), "--json",
                                          str(colour_dataset / "val" / "class_0" / "0.png")])
    assert predicted.exit_code == 0, predicted.output
    record = json.loads(predicted.output)[0]
    assert list(record["probabilities"]) == list(model.class_names)


@pytest.mark.slow
def test_same_seed_gives_the_same_weights(colour_dataset, tmp_path):
    shards = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = CliRunner().invoke(main, ["train", "--data", str(colour_dataset), "--epochs", "2",
                                           "--seed", "7", "--out", str(out), "--quiet"])
        assert result.exit_code == 0, result.output
        shards.append((out / "group1-shard1of1.bin").read_bytes())
    assert shards[0] == shards[1]


def test_dataset_without_train_folder_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["train", "--data", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "train/ folder" in result.output


@pytest.mark.slow
def test_holdout_zero_trains_on_everything_and_keeps_the_last_epoch(colour_dataset, tmp_path):
    out = tmp_path / "all"
    result = CliRunner().invoke(main, ["train", "--data", str(colour_dataset), "--epochs", "2", "--holdout", "0",
                                       "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "history.json").read_text())["summary"]
    assert summary["counts"] == {"train": 200, "holdout": 0, "val": 40}
    assert summary["best_epoch"] == 2
    assert "all 200 images" in (out / "MODEL_CARD.md").read_text()


@pytest.mark.slow
def test_a_trained_model_can_teach_another(colour_dataset, tmp_path):
    teacher = tmp_path / "teacher"
    assert CliRunner().invoke(main, ["train", "--data", str(colour_dataset), "--epochs", "6", "--out", str(teacher),
                                     "--quiet"]).exit_code == 0
    student = tmp_path / "student"
    result = CliRunner().invoke(main, ["train", "--data", str(colour_dataset), "--epochs", "6", "--out", str(student),
                                       "--teacher", str(teacher), "--teacher", str(teacher / "model.json"),
                                       "--quiet"])
    assert result.exit_code == 0, result.output
    card = (student / "MODEL_CARD.md").read_text()
    assert "Distilled from 2 teacher model(s)" in card and f"`{teacher}`: val top-1" in card
    summary = json.loads((student / "history.json").read_text())["summary"]
    assert summary["config"]["teachers"] == [str(teacher), str(teacher / "model.json")]
    assert load_model(student).class_names == load_model(teacher).class_names


def test_distillation_targets_are_the_teachers_mean_prediction():
    """The target is what the teachers predict (a float64 numpy TinyVGG says what that is), not the label."""
    teachers = [jax.tree_util.tree_map(np.asarray, init_params(jax.random.PRNGKey(seed))) for seed in (1, 2)]
    images = np.random.default_rng(0).random((3, 64, 64, 3), dtype=np.float32)
    stacked = jax.tree_util.tree_map(lambda *leaves: np.stack(leaves), *teachers)
    config = TrainConfig(data=Path("unused"), out=Path("unused"))
    targets = np.asarray(_targets(config, 10, ((TINYVGG, stacked),), images, np.zeros(3, np.int32)))
    expected = [np.mean([tinyvgg(t, image)["output"] for t in teachers], axis=0) for image in images]
    np.testing.assert_allclose(targets, expected, atol=1e-5)


def test_a_teacher_with_other_classes_is_refused(colour_dataset, tmp_path):
    save_model(Model(params=jax.tree_util.tree_map(np.asarray, init_params(jax.random.PRNGKey(0))),
                     class_names=ORIGINAL_CLASS_NAMES), tmp_path / "other")
    result = CliRunner().invoke(main, ["train", "--data", str(colour_dataset), "--epochs", "1", "--quiet",
                                       "--out", str(tmp_path / "o"), "--teacher", str(tmp_path / "other")])
    assert result.exit_code == 2
    assert "teacher predicts" in result.output and "other" in result.output


# --- where `train --out` writes: checked before training, never replacing a model unasked, atomically ------

TRAIN_FILES = ("model.json", "group1-shard1of1.bin", "history.json", "MODEL_CARD.md")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _older_model(folder: Path) -> dict[str, bytes]:
    """A previous run's four files (a real model, so it must stay loadable), as bytes."""
    save_model(Model(params=jax.tree_util.tree_map(np.asarray, init_params(jax.random.PRNGKey(3))),
                     class_names=tuple(f"class {i}" for i in range(10))), folder)
    (folder / "history.json").write_text('{"previous": true}\n')
    (folder / "MODEL_CARD.md").write_text("the previous model card\n")
    return _tree(folder)


def _train(data: Path, *args: str):
    return CliRunner().invoke(main, ["train", "--data", str(data), "--epochs", "1", "--quiet", *args])


def _refused_before_training(result, out: str, problem: str) -> None:
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [result.output.splitlines()[-1]] and errors[0].startswith(f"error: {out}: ")
    assert problem in errors[0]
    assert not any(line.startswith(("loading", "epoch")) for line in result.output.splitlines())


@pytest.mark.parametrize("where", ["dot", "home", "parent-of-cwd", "root"])
def test_train_out_that_is_the_current_home_or_root_folder_is_refused(colour_dataset, tmp_path, monkeypatch, where):
    home, work = tmp_path / "home", tmp_path / "home" / "project"
    work.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    out = {"dot": ".", "home": str(home), "parent-of-cwd": "..", "root": "/"}[where]
    result = _train(colour_dataset, "--out", out)
    _refused_before_training(result, out, "refusing")
    assert _tree(tmp_path) == {} and not list(Path("/").glob("model.json"))


def test_train_out_that_is_a_file_is_refused_before_training(colour_dataset, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    result = _train(colour_dataset, "--out", str(target))
    _refused_before_training(result, str(target), "not a folder")
    assert target.read_text() == "keep me"


def test_train_never_replaces_a_model_without_force(colour_dataset, tmp_path):
    out = tmp_path / "weights"
    before = _older_model(out)
    result = _train(colour_dataset, "--out", str(out))
    _refused_before_training(result, str(out), "--force")
    assert _tree(out) == before


def test_train_refuses_a_folder_that_holds_one_file_of_an_older_run(colour_dataset, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "model.json").write_text("{}")
    result = _train(colour_dataset, "--out", str(out))
    _refused_before_training(result, str(out), "--force")
    assert _tree(out) == {"model.json": b"{}"}


def test_train_refuses_a_folder_of_other_files_even_with_force(colour_dataset, tmp_path):
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    result = _train(colour_dataset, "--out", str(out), "--force")
    _refused_before_training(result, str(out), "refusing")
    assert _tree(out) == {"thesis.tex": b"precious"}


def test_train_refuses_an_out_inside_its_data_or_a_build(colour_dataset, tmp_path):
    inside = colour_dataset / "train" / "runs"
    result = _train(colour_dataset, "--out", str(inside))
    _refused_before_training(result, str(inside), "inside")
    assert not inside.exists()
    site = tmp_path / "site"
    site.mkdir()
    (site / ".cnn-explainer-build").write_text("m")
    result = _train(colour_dataset, "--out", str(site / "model"))
    _refused_before_training(result, str(site / "model"), "inside")
    assert _tree(site) == {".cnn-explainer-build": b"m"}


def test_a_fine_tune_never_writes_over_the_model_it_starts_from(colour_dataset, tmp_path):
    start = _random_model(tmp_path / "start", TINYVGG, tuple(f"class {i}" for i in range(10)))
    before = _tree(start)
    result = _train(colour_dataset, "--out", str(start), "--init", str(start), "--force")
    assert result.exit_code == 2 and str(start) in result.output, result.output
    assert _tree(start) == before


@pytest.mark.slow
def test_train_with_force_replaces_the_model_whole(colour_dataset, tmp_path):
    out = tmp_path / "weights"
    before = _older_model(out)
    result = _train(colour_dataset, "--out", str(out), "--force")
    assert result.exit_code == 0, result.output
    after = _tree(out)
    assert sorted(after) == sorted(TRAIN_FILES)
    assert all(after[name] != before[name] for name in TRAIN_FILES)
    assert load_model(out).class_names == tuple(f"class {i}" for i in range(10))
    assert [p.name for p in tmp_path.iterdir()] == ["weights"]  # no temporary folder left beside it


def test_a_train_that_fails_while_writing_leaves_the_old_model_whole(tmp_path, monkeypatch):
    import cnn_explainer.train as train_module
    from cnn_explainer.train import EpochStats, write_outputs

    out = tmp_path / "weights"
    before = _older_model(out)

    def broken_card(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(train_module, "render_model_card", broken_card)
    params = jax.tree_util.tree_map(np.asarray, init_params(jax.random.PRNGKey(9)))
    history = [EpochStats(1, 1.0, 0.5, None, None, 1.0, 0.5, 1.0)]
    summary = {"val_accuracy": 0.5}
    with pytest.raises(OSError, match="No space left"):
        write_outputs(out, params, tuple(f"class {i}" for i in range(10)), history, summary,
                      TrainConfig(data=tmp_path, out=out))
    assert _tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["weights"]


# --- the network the options choose: TinyVGG by default, any TinyVGG-style stack otherwise -------------------

def _class_dataset(root: Path, classes: int, train: int = 0, val: int = 0) -> Path:
    """`classes` class folders, each of noisy 40x30 pictures of one colour; no images: the folders alone."""
    rng = np.random.default_rng(1)
    for split, count in (("train", train), ("val", val)):
        for index in range(classes):
            folder = root / split / f"class_{index}"
            folder.mkdir(parents=True)
            for k in range(count):
                colour = np.array(COLOURS[index % len(COLOURS)])
                pixels = np.clip(colour + rng.normal(0, 25, (30, 40, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(folder / f"{k}.png")
    return root


@pytest.mark.parametrize("count", [1, 33], ids=["one class", "33 classes"])
def test_a_class_count_we_cannot_train_is_refused_before_reading_images(tmp_path, count):
    data = _class_dataset(tmp_path / "data", count)
    result = _train(data, "--out", str(tmp_path / "o"))
    _refused_before_training(result, str(data / "train"), f"holds {count} class folder")
    assert "supported: 2 to 32 classes" in result.output.splitlines()[-1]


@pytest.mark.parametrize("options,source,problem", [
    (["--input-size", "16", "--blocks", "3"], "--blocks 3", "too many for a 16x16 input with valid padding"),
    (["--input-size", "12x40", "--blocks", "2"], "--blocks 2", "at most 1 fit"),
    (["--input-size", "16", "--padding", "same", "--blocks", "5"], "--blocks 5", "at most 4 fit"),
    (["--filters", "33"], "--filters 33", "supported: 1 to 32 filters"),
    (["--filters", "0"], "--filters 0", "supported: 1 to 32 filters"),
    (["--input-size", "7"], "--input-size 7x7", "supported: 8 to 128 pixels a side"),
    (["--input-size", "64x200"], "--input-size 64x200", "supported: 8 to 128 pixels a side"),
    (["--blocks", "0"], "--blocks 0", "at least 1 block"),
], ids=["blocks too many", "blocks for a flat input", "same padding", "filters too many", "no filters",
        "input too small", "input too wide", "no blocks"])
def test_a_network_we_cannot_train_is_refused_in_one_line_before_training(colour_dataset, tmp_path, options,
                                                                          source, problem):
    result = _train(colour_dataset, "--out", str(tmp_path / "o"), *options)
    _refused_before_training(result, source, problem)
    assert not (tmp_path / "o").exists()


def test_an_input_size_that_is_no_size_is_a_usage_error(colour_dataset, tmp_path):
    result = _train(colour_dataset, "--out", str(tmp_path / "o"), "--input-size", "big")
    assert result.exit_code == 2 and "'big' is not a size" in result.output


def _random_model(folder: Path, arch, class_names: tuple[str, ...], seed: int = 0) -> Path:
    params = jax.tree_util.tree_map(np.asarray, init_params(jax.random.PRNGKey(seed), arch))
    save_model(Model(params=params, class_names=class_names, architecture=arch), folder)
    return folder


@pytest.mark.parametrize("teacher_arch,problem", [
    (tinyvgg_like(classes=3), "teacher predicts 3 classes; the dataset has 10"),
    (tinyvgg_like((32, 32, 1)), "teacher takes 32x32 greyscale images; the network trained takes 64x64 RGB"),
], ids=["other class count", "other input"])
def test_a_teacher_that_cannot_teach_this_network_is_refused(colour_dataset, tmp_path, teacher_arch, problem):
    names = tuple(f"class {i}" for i in range(teacher_arch.layers[-1].units))
    teacher = _random_model(tmp_path / "teacher", teacher_arch, names)
    result = _train(colour_dataset, "--out", str(tmp_path / "o"), "--teacher", str(teacher))
    _refused_before_training(result, str(teacher), problem)


@pytest.mark.parametrize("init_arch,names,problem", [
    (tinyvgg_like(filters=4), tuple(f"class {i}" for i in range(10)),
     "--init is 64x64 RGB input, 2 blocks of 4 filters, valid padding, 10 classes"),
    (TINYVGG, ORIGINAL_CLASS_NAMES, "--init predicts lifeboat, ladybug"),
], ids=["other network", "other classes"])
def test_an_init_model_that_is_not_this_network_is_refused(colour_dataset, tmp_path, init_arch, names, problem):
    start = _random_model(tmp_path / "start", init_arch, names)
    result = _train(colour_dataset, "--out", str(tmp_path / "o"), "--init", str(start))
    _refused_before_training(result, str(start), problem)


def test_a_fine_tune_starts_from_its_init_model(colour_dataset, tmp_path):
    """With a learning rate too small to move anything, the fine-tuned weights are the --init model's."""
    names = tuple(f"class {i}" for i in range(10))
    start = _random_model(tmp_path / "start", TINYVGG, names, seed=5)
    result = _train(colour_dataset, "--out", str(tmp_path / "tuned"), "--init", str(start), "--teacher", str(start),
                    "--learning-rate", "1e-12", "--holdout", "0")
    assert result.exit_code == 0, result.output
    tuned, original = load_model(tmp_path / "tuned"), load_model(start)
    for layer, weights in original.params.items():
        for name, value in weights.items():
            np.testing.assert_allclose(tuned.params[layer][name], value, atol=1e-7, err_msg=f"{layer}/{name}")
    card = (tmp_path / "tuned" / "MODEL_CARD.md").read_text()
    assert f"Fine-tuned: started from the weights of `{start}`" in card


def test_teachers_of_different_architectures_teach_together(tmp_path):
    """Teachers need the student's input and classes only: each runs its own network, the target is the mean."""
    student = tinyvgg_like((20, 20, 3))  # small, so the numpy reference is quick
    small = tinyvgg_like((20, 20, 3), blocks=1, filters=4, padding="same")
    archs = [student, small, small]
    paths = tuple(_random_model(tmp_path / f"t{i}", arch, ORIGINAL_CLASS_NAMES, seed=i) for i, arch in enumerate(archs))
    teachers = load_teachers(paths, ORIGINAL_CLASS_NAMES, student)
    assert len(teachers) == 2  # one vmapped group per architecture
    images = np.random.default_rng(0).random((2, 20, 20, 3), dtype=np.float32)
    config = TrainConfig(data=Path("unused"), out=Path("unused"))
    targets = np.asarray(_targets(config, 10, teachers, images, np.zeros(2, np.int32)))
    models = [load_model_any(path) for path in paths]
    expected = [np.mean([numpy_forward(m.architecture, m.params, image)["output"] for m in models], axis=0)
                for image in images]
    np.testing.assert_allclose(targets, expected, atol=1e-5)


# 24x24 greyscale, one block of 4 filters with same padding, 3 classes, written out by hand: the network the
# options below must give. Parameters: 3*3*1*4+4 + 3*3*4*4+4 + 12*12*4*3+3 = 40 + 148 + 1,731 = 1,919.
SMALL = Architecture(input_shape=(24, 24, 1), layers=(
    Conv2D("c1", 4, (3, 3), padding="same"), ReLU("r1"), Conv2D("c2", 4, (3, 3), padding="same"), ReLU("r2"),
    Pool("p"), Flatten("f"), Dense("d", 3)))
SMALL_OPTIONS = ["--input-size", "24", "--greyscale", "--padding", "same", "--filters", "4", "--blocks", "1"]


@pytest.mark.slow
def test_a_chosen_network_trains_and_predict_gives_what_training_computed(tmp_path, monkeypatch):
    import cnn_explainer.train as train_module

    data = _class_dataset(tmp_path / "data", 3, train=26, val=2)
    out = tmp_path / "run"
    trained = {}
    write_outputs = train_module.write_outputs

    def keep_params(out, params, *args, **kwargs):
        trained["params"] = params
        return write_outputs(out, params, *args, **kwargs)

    monkeypatch.setattr(train_module, "write_outputs", keep_params)
    result = CliRunner().invoke(main, ["train", "--data", str(data), "--epochs", "2", "--out", str(out), "--quiet",
                                       *SMALL_OPTIONS])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(TRAIN_FILES)

    model = load_model_any(out)
    assert model.class_names == ("class 0", "class 1", "class 2")
    assert model.input_shape == (24, 24, 1)
    assert [layer.kind for layer in model.layers] == [layer.kind for layer in SMALL.layers]

    images = sorted((data / "val").rglob("*.png"))
    predicted = CliRunner().invoke(main, ["predict", "--weights", str(out), "--json", *map(str, images)])
    assert predicted.exit_code == 0, predicted.output
    renamed = dict(zip(("c1", "c2", "d"), (trained["params"][n] for n in ("conv_1_1", "conv_1_2", "output"))))
    for record, image in zip(json.loads(predicted.stdout), images):
        expected = numpy_forward(SMALL, renamed, load_image(image, (24, 24, 1)))["d"]
        np.testing.assert_allclose(list(record["probabilities"].values()), expected, atol=1e-5)

    card = (out / "MODEL_CARD.md").read_text()
    for words in ("24x24 pixels, greyscale", "1 block of conv 3x3", "4 filters per convolution", "`same` padding",
                  "1,919 parameters", "Dense to 3 classes", "| class 2 |"):
        assert words in card, words
    summary = json.loads((out / "history.json").read_text())["summary"]
    assert {k: summary["config"][k] for k in ("input_size", "greyscale", "filters", "padding", "blocks")} == \
        {"input_size": [24, 24], "greyscale": True, "filters": 4, "padding": "same", "blocks": 1}
    assert summary["network"]["parameters"] == 1919 and len(summary["confusion_matrix"]) == 3

    facts = about.facts(about.load_history(out), model.class_names, load_config(REPO / "content").strings["en"])
    assert facts["classes"] == "3" and facts["parameters"] == "1,919"
    assert len(facts["per_class_table"].splitlines()) == 2 + 3


@needs(DATASET)
@pytest.mark.slow
def test_a_small_greyscale_network_learns_three_real_classes(tmp_path):
    """Three Tiny ImageNet classes, linked (not copied): the README's 6,811-parameter greyscale network, 40 epochs
    (~20 s on two idle cores), gets 84.0% of val/ right where chance is 33%."""
    data = tmp_path / "three"
    for split in ("train", "val"):
        (data / split).mkdir(parents=True)
        for name in ("koala", "ladybug", "school_bus"):
            (data / split / name).symlink_to(DATASET / split / name)
    out = tmp_path / "run"
    result = _train(data, "--out", str(out), "--epochs", "40", "--input-size", "32", "--greyscale",
                    "--padding", "same", "--filters", "8", "--blocks", "1")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "history.json").read_text())["summary"]
    assert summary["counts"] == {"train": 1350, "holdout": 150, "val": 150}
    assert summary["network"]["parameters"] == 6811
    assert summary["val_accuracy"] > 0.6
    assert f"Top-1: {summary['val_accuracy']:.1%}" in (out / "MODEL_CARD.md").read_text()
