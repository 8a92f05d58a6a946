"""A short training run on a small image-folder dataset made here: loss falls, output plugs into predict."""

from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np
import pytest
from click.testing import CliRunner
from cnn_explainer.cli import main
from cnn_explainer.model import init_params
from cnn_explainer.train import TrainConfig, _targets
from cnn_explainer.weights import ORIGINAL_CLASS_NAMES, Model, load_model, save_model
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
    targets = np.asarray(_targets(config, stacked, images, np.zeros(3, np.int32)))
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
