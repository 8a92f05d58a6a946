"""`--normalize MEAN STD` (and site.toml's normalize): a PyTorch model's input normalisation, which an
ONNX file does not record, applied exactly as onnxruntime sees the normalised pixels."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from cnn_explainer.cli import main
from cnn_explainer.images import load_image
from conftest import REPO, without_using

FIXTURE = REPO / "tests" / "fixtures" / "tinyvgg_torchscript.onnx"  # 28x28 greyscale, PyTorch's C,H,W order
MEAN, STD = 0.1307, 0.3081  # MNIST's, the usual Normalize in the PyTorch tutorials


def _onnxruntime(pixels_nhwc: np.ndarray) -> np.ndarray:
    """The producer's own probabilities for (pixels - MEAN) / STD, batch by batch (the export is batch-1 safe)."""
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(FIXTURE), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    normalised = ((np.transpose(pixels_nhwc, (0, 3, 1, 2)) - MEAN) / STD).astype(np.float32)
    logits = np.concatenate([session.run(None, {name: normalised[i:i + 1]})[0] for i in range(len(normalised))])
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def test_predict_with_normalize_equals_onnxruntime_on_normalised_pixels():
    samples = sorted((REPO / "content" / "samples").glob("*.png"))[:4]
    result = CliRunner().invoke(main, ["predict", "--json", "--weights", str(FIXTURE),
                                       "--normalize", str(MEAN), str(STD), *map(str, samples)])
    assert result.exit_code == 0, result.output
    ours = np.array([list(r["probabilities"].values()) for r in json.loads(result.stdout)])
    expected = _onnxruntime(np.stack([load_image(p, (28, 28, 1)) for p in samples]))
    assert np.abs(ours - expected).max() <= 1e-4
    plain = CliRunner().invoke(main, ["predict", "--json", "--weights", str(FIXTURE), *map(str, samples)])
    unnormalised = np.array([list(r["probabilities"].values()) for r in json.loads(plain.stdout)])
    assert np.abs(unnormalised - expected).max() > 1e-2  # the option really changes what the network sees


@pytest.mark.slow
@pytest.mark.parametrize("where", ["command line", "site.toml"])
def test_a_site_built_with_normalize_shows_the_networks_probabilities_and_the_pictures_own_pixels(tmp_path, where):
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    args = ["build", "--content", str(content), "--weights", str(FIXTURE), "--out", str(tmp_path / "site")]
    if where == "command line":
        args += ["--normalize", str(MEAN), str(STD)]
    else:
        toml = content / "site.toml"
        toml.write_text(f"normalize = {{mean = [{MEAN}], std = [{STD}]}}\n" + toml.read_text(encoding="utf-8"),
                        encoding="utf-8")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    site = tmp_path / "site" / "data"
    network = json.loads((site / "network.json").read_text())
    assert network["input"]["shape"] == [28, 28, 1]
    sample = json.loads((site / "samples" / "koala.json").read_text())
    expected = _onnxruntime(load_image(REPO / "content" / "samples" / "koala.png", (28, 28, 1))[None])[0]
    assert np.abs(np.asarray(sample["probabilities"]) - expected).max() <= 1e-4


@pytest.mark.parametrize("values,problem", [
    (["0.5", "0"], "normalisation std must be positive"),
    (["0.5", "a,b"], "normalisation std must be numbers"),
    (["0.1,0.2", "0.3,0.4"], "normalisation gives 2 mean and 2 std values for a model with 1 input channel(s)"),
], ids=["zero-std", "not-numbers", "wrong-count"])
def test_a_bad_normalize_is_one_line_and_status_2(tmp_path, values, problem):
    image = REPO / "content" / "samples" / "koala.png"
    result = CliRunner().invoke(main, ["predict", "--weights", str(FIXTURE), "--normalize", *values, str(image)])
    assert result.exit_code == 2
    output = without_using(result.output)
    assert output.count("\n") == 1 and output.startswith("error: --normalize: ") and problem in output
