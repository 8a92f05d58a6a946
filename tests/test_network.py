"""Any supported network, read from the file its own producer wrote, against that producer's outputs.

The zoo: PyTorch's tutorial TinyVGG exported by both torch.onnx exporters (vs PyTorch's recorded
probabilities and ONNX Runtime), a Keras 3 model built and saved here (vs Keras' predict), a
three-block greyscale TF.js model (vs a naive numpy forward); then the refusals and a fuzz test
holding every reader to InputError.
"""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import jax
import numpy as np
import pytest
from click.testing import CliRunner
from cnn_explainer.cli import main
from cnn_explainer.errors import InputError
from cnn_explainer.model import compiled_forward, init_params
from cnn_explainer.network import load_network
from cnn_explainer.network.description import (
    TINYVGG,
    Architecture,
    Conv2D,
    Dense,
    Flatten,
    Network,
    Pool,
    ReLU,
    param_count,
    tinyvgg_like,
)
from cnn_explainer.network.tfjs import save_tfjs
from conftest import DEFAULT_WEIGHTS, REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy_network import forward as numpy_forward
from PIL import Image
from zoo_keras import keras_zoo_model

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ONNX_FIXTURES = ["tinyvgg_torchscript.onnx", "tinyvgg_dynamo.onnx"]


def _probabilities(network: Network, images: np.ndarray) -> np.ndarray:
    return np.asarray(compiled_forward(network.architecture)(network.params, images)[network.layers[-1].name])


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --- (a) PyTorch via ONNX, both exporters ------------------------------------------------------------------

@pytest.mark.parametrize("fixture", ONNX_FIXTURES, ids=["torchscript", "dynamo"])
def test_onnx_export_matches_pytorch_and_onnxruntime(fixture: str):
    ort = pytest.importorskip("onnxruntime")
    recorded = np.load(FIXTURES / "tinyvgg_pytorch.npz")
    inputs = recorded["inputs_nchw"]  # (6, 1, 28, 28): a whole batch, though the dynamo export fixed batch 1
    network = load_network(FIXTURES / fixture)
    assert network.input_shape == (28, 28, 1) and network.num_classes == 10
    ours = _probabilities(network, np.transpose(inputs, (0, 2, 3, 1)))
    session = ort.InferenceSession(str(FIXTURES / fixture), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    runtime = _softmax(np.concatenate([session.run(None, {name: inputs[i:i + 1]})[0] for i in range(len(inputs))]))
    np.testing.assert_allclose(ours, recorded["probabilities"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(ours, runtime, atol=1e-4, rtol=0)
    assert np.abs(ours - recorded["probabilities"]).max() < 1e-5  # what it really is, for the record


def _with_external_data(tmp_path: Path, location: str) -> Path:
    import onnx
    model = onnx.load(FIXTURES / "tinyvgg_torchscript.onnx")
    folder = tmp_path / "model"
    folder.mkdir()
    onnx.save_model(model, folder / "m.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
                    location="m.onnx.data", size_threshold=0)
    if location != "m.onnx.data":
        model = onnx.load(folder / "m.onnx", load_external_data=False)
        for tensor in model.graph.initializer:
            for entry in tensor.external_data:
                if entry.key == "location":
                    entry.value = location
        (folder / "m.onnx").write_bytes(model.SerializeToString())
    return folder / "m.onnx"


def test_onnx_external_data_is_read(tmp_path: Path):
    pytest.importorskip("onnx")
    recorded = np.load(FIXTURES / "tinyvgg_pytorch.npz")
    network = load_network(_with_external_data(tmp_path, "m.onnx.data"))
    ours = _probabilities(network, np.transpose(recorded["inputs_nchw"], (0, 2, 3, 1)))
    np.testing.assert_allclose(ours, recorded["probabilities"], atol=1e-4, rtol=0)


@pytest.mark.parametrize("location", ["../m.onnx.data", "/etc/passwd", "link.data"], ids=["dotdot", "absolute",
                                                                                           "symlink-out"])
def test_onnx_external_data_outside_the_folder_is_refused(tmp_path: Path, location: str):
    pytest.importorskip("onnx")
    model_file = _with_external_data(tmp_path, location)
    shutil.copy(model_file.parent / "m.onnx.data", tmp_path / "m.onnx.data")
    (model_file.parent / "link.data").symlink_to(tmp_path / "m.onnx.data")
    with pytest.raises(InputError, match=r"outside the model's folder|not a file name inside"):
        load_network(model_file)


# --- (b) Keras 3 .keras, saved by Keras itself ---------------------------------------------------------------

@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


def test_keras_model_matches_keras_predict(keras, tmp_path: Path):
    model = keras_zoo_model(keras)
    model.save(tmp_path / "m.keras")
    images = np.random.default_rng(3).random((5, 40, 48, 3), dtype=np.float32)
    expected = model.predict(images, verbose=0)
    network = load_network(tmp_path / "m.keras")
    assert network.input_shape == (40, 48, 3) and network.num_classes == 5
    got = _probabilities(network, images)
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)
    assert np.abs(got - expected).max() < 1e-5


def test_keras_rescaling_takes_bytes(keras, tmp_path: Path):
    layers = keras.layers
    model = keras.Sequential([keras.Input((16, 16, 1)), layers.Rescaling(1 / 127.5, offset=-1),
                              layers.Conv2D(4, 3, activation="relu"), layers.Flatten(), layers.Dense(3)])
    model.save(tmp_path / "m.keras")
    images = np.random.default_rng(4).random((3, 16, 16, 1), dtype=np.float32)
    expected = _softmax(model.predict(images * 255.0, verbose=0))  # the model expects bytes
    np.testing.assert_allclose(_probabilities(load_network(tmp_path / "m.keras"), images), expected, atol=1e-4)


def test_keras_lambda_is_refused_without_running_it(keras, tmp_path: Path):
    layers = keras.layers
    model = keras.Sequential([keras.Input((16, 16, 3)), layers.Lambda(lambda x: x * 2), layers.Flatten(),
                              layers.Dense(3)])
    model.save(tmp_path / "m.keras")
    with pytest.raises(InputError, match="Lambda"):
        load_network(tmp_path / "m.keras")


# --- (c) TF.js, three conv blocks, greyscale, written by our own save path -------------------------------------

THREE_BLOCKS = Architecture(
    input_shape=(36, 36, 1),
    layers=(Conv2D("c1", 8, (5, 5), padding="same"), ReLU("r1"), Pool("p1"),                  # (18, 18, 8)
            Conv2D("c2", 12, (3, 3), strides=(2, 2)), ReLU("r2"), Pool("p2", "avg", (2, 2), (1, 1)),  # (7, 7, 12)
            Conv2D("c3", 6, (3, 3), dilation=(2, 2), padding="same"), ReLU("r3"),
            Pool("p3", "max", (3, 3), (2, 2), "same"),                                          # (4, 4, 6)
            Flatten("flatten"), Dense("out", 7)),
)


def test_tfjs_three_blocks_greyscale_matches_numpy(tmp_path: Path):
    params = {k: {n: np.asarray(v) for n, v in d.items()}
              for k, d in init_params(jax.random.PRNGKey(5), THREE_BLOCKS).items()}
    params["c2"]["bias"] = np.linspace(-0.3, 0.3, 12, dtype=np.float32)
    save_tfjs(Network(params, tuple(f"digit {i}" for i in range(7)), architecture=THREE_BLOCKS), tmp_path)
    network = load_network(tmp_path)
    assert network.architecture == THREE_BLOCKS
    assert network.class_names == tuple(f"digit {i}" for i in range(7))
    images = np.random.default_rng(6).random((3, 36, 36, 1), dtype=np.float32)
    outputs = compiled_forward(network.architecture)(network.params, images)
    for b in range(3):
        expected = numpy_forward(THREE_BLOCKS, params, images[b])
        for name, value in expected.items():
            np.testing.assert_allclose(np.asarray(outputs[name][b]), value, atol=1e-5, rtol=1e-5, err_msg=name)


@pytest.mark.parametrize("args,layers,parameters", [
    ((), TINYVGG.layers, 19_920),
    (((32, 32, 1), 1, 8, "same", 3),
     (Conv2D("conv_1_1", 8, (3, 3), padding="same"), ReLU("relu_1_1"), Conv2D("conv_1_2", 8, (3, 3), padding="same"),
      ReLU("relu_1_2"), Pool("max_pool_1"), Flatten("flatten"), Dense("output", 3)),
     3 * 3 * 1 * 8 + 8 + 3 * 3 * 8 * 8 + 8 + 16 * 16 * 8 * 3 + 3),
], ids=["defaults", "one greyscale block"])
def test_tinyvgg_like_repeats_tinyvggs_block(args, layers, parameters):
    """What `train` builds: the defaults are TinyVGG itself, so a default run trains exactly what it always did."""
    arch = tinyvgg_like(*args)
    assert arch.layers == layers and param_count(arch) == parameters
    if not args:
        assert arch == TINYVGG


# --- predict and build with other networks, through the CLI -----------------------------------------------------

@pytest.fixture
def picture(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (50, 70, 3), dtype=np.uint8)).save(path)
    return path


@pytest.mark.parametrize("fixture", ONNX_FIXTURES, ids=["torchscript", "dynamo"])
def test_predict_runs_an_onnx_model_on_greyscale_28x28(fixture: str, picture: Path, tmp_path: Path):
    renamed = tmp_path / "model.bin"  # told apart by content, not by name
    shutil.copy(FIXTURES / fixture, renamed)
    second = tmp_path / "flipped.png"  # two files (predict lists the same file once): a batch of 2
    Image.open(picture).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(second)
    result = CliRunner().invoke(main, ["predict", "--json", "--weights", str(renamed), str(picture), str(second)])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert len(records) == 2 and list(records[0]["probabilities"]) == [f"class {i}" for i in range(10)]
    assert abs(sum(records[0]["probabilities"].values()) - 1) < 1e-5


def test_build_draws_a_network_that_is_not_tinyvgg(tmp_path: Path):
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--content", str(REPO / "content"), "--weights",
                                       str(FIXTURES / ONNX_FIXTURES[0]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "data" / "network.json").read_text())
    assert doc["input"]["shape"] == [28, 28, 1] and doc["flattenOrder"] == "chw"


# 128x128 RGB through 24 "same" convolutions of 32 filters: 48 maps of 524,288 values each.
HUGE = Architecture(
    input_shape=(128, 128, 3),
    layers=(*(layer for i in range(24) for layer in (Conv2D(f"c{i}", 32, (3, 3), padding="same"), ReLU(f"r{i}"))),
            Pool("p", "max", (4, 4), (4, 4)), Flatten("f"), Dense("d", 2)),
)


def test_build_refuses_a_network_whose_first_view_is_too_big(tmp_path: Path):
    params = {k: {n: np.asarray(v) for n, v in d.items()}
              for k, d in init_params(jax.random.PRNGKey(2), HUGE).items()}
    save_tfjs(Network(params, ("a", "b"), architecture=HUGE), tmp_path / "huge")
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--content", str(REPO / "content"), "--weights",
                                       str(tmp_path / "huge"), "--out", str(out)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0] == result.output.strip().splitlines()[-1], result.output
    assert "more than the limit of 5 MB" in errors[0] and "the biggest layer is conv_" in errors[0], errors[0]
    assert not out.exists()


# --- (e) refusals: one line, exit status 2 -------------------------------------------------------------------

def _tfjs_with(tmp_path: Path, change) -> Path:
    folder = tmp_path / "tfjs"
    shutil.copytree(DEFAULT_WEIGHTS, folder)
    doc = json.loads((folder / "model.json").read_text())
    change(doc["modelTopology"]["model_config"]["config"]["layers"])
    (folder / "model.json").write_text(json.dumps(doc))
    return folder


def _batch_norm(layers: list) -> None:
    layers.insert(1, {"class_name": "BatchNormalization", "config": {"name": "batch_normalization", "axis": -1}})


def _units(layers: list) -> None:
    layers[-1]["config"]["units"] = 200


def _big_input(layers: list) -> None:
    layers[0]["config"]["batch_input_shape"] = [None, 512, 512, 3]


def _onnx_graph(tmp_path: Path, kind: str) -> Path:
    from onnx import TensorProto, helper, numpy_helper
    weight = numpy_helper.from_array(np.ones((4, 1 if kind == "grouped" else 2, 3, 3), np.float32), "w")
    dense = numpy_helper.from_array(np.ones((4 * 8 * 8, 3), np.float32), "d")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], group=2 if kind == "grouped" else 1)]
    if kind == "residual":
        nodes.append(helper.make_node("Relu", ["c"], ["r"]))
        nodes.append(helper.make_node("Add", ["c", "r"], ["a"]))
        nodes.append(helper.make_node("Flatten", ["a"], ["f"]))
    else:
        nodes.append(helper.make_node("Flatten", ["c"], ["f"]))
    nodes.append(helper.make_node("MatMul", ["f", "d"], ["y"]))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], [weight, dense])
    path = tmp_path / f"{kind}.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    return path


REFUSALS = {
    "batchnorm": (lambda p: _tfjs_with(p, _batch_norm), "batch_normalization is BatchNormalization"),
    "residual-add": (lambda p: _onnx_graph(p, "residual"), "residual Add"),
    "grouped-conv": (lambda p: _onnx_graph(p, "grouped"), "grouped convolution"),
    "200-classes": (lambda p: _tfjs_with(p, _units), "200 classes; supported: 2 to 32"),
    "512x512-input": (lambda p: _tfjs_with(p, _big_input), "512x512 pixels; supported: 8 to 128"),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
def test_unsupported_network_is_one_line_and_status_2(case: str, tmp_path: Path, picture: Path):
    if "onnx" in case or case in ("residual-add", "grouped-conv"):
        pytest.importorskip("onnx")
    make, message = REFUSALS[case]
    result = CliRunner().invoke(main, ["predict", "--weights", str(make(tmp_path)), str(picture)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert "supported" in lines[0] and "Traceback" not in result.output


def test_a_keras_residual_model_is_refused(keras, tmp_path: Path):
    layers = keras.layers
    x = keras.Input((16, 16, 3))
    c = layers.Conv2D(3, 3, padding="same")(x)
    y = layers.Dense(3)(layers.Flatten()(layers.Add()([x, c])))
    keras.Model(x, y).save(tmp_path / "m.keras")
    with pytest.raises(InputError, match="Add"):
        load_network(tmp_path / "m.keras")


def test_a_file_of_no_known_format_says_which_formats_are(tmp_path: Path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"GIF89a....")
    with pytest.raises(InputError, match=r"TF\.js model\.json .* \.keras .* \.onnx"):
        load_network(path)


# --- (f) fuzz: every reader answers a damaged file with a Network or an InputError, nothing else ---------------

def _loads_or_input_error(path: Path) -> None:
    try:
        network = load_network(path)
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(np.isfinite(a).all() for arrays in network.params.values() for a in arrays.values())


@settings(max_examples=40)
@given(data=st.data())
def test_fuzzed_onnx_only_ever_raises_input_error(tmp_path_factory, data: st.DataObject):
    pytest.importorskip("onnx")
    raw = bytearray((FIXTURES / data.draw(st.sampled_from(ONNX_FIXTURES))).read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[:data.draw(st.integers(0, len(raw)))]
    path = tmp_path_factory.mktemp("onnx") / "m.onnx"
    path.write_bytes(bytes(raw))
    _loads_or_input_error(path)


@pytest.fixture(scope="module")
def keras_file(keras, tmp_path_factory) -> Path:
    layers = keras.layers
    model = keras.Sequential([keras.Input((12, 12, 3)), layers.Conv2D(4, 3, activation="relu"),
                              layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(3, activation="softmax")])
    path = tmp_path_factory.mktemp("keras") / "m.keras"
    model.save(path)
    return path


_JSON = st.recursive(st.none() | st.booleans() | st.integers(-10, 10**9) | st.floats() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                 max_size=3), max_leaves=6)


def _mutate(doc, data: st.DataObject):
    if not isinstance(doc, dict | list) or not doc or data.draw(st.integers(0, 5)) == 0:
        return copy.deepcopy(data.draw(_JSON))
    key = data.draw(st.sampled_from(list(doc) if isinstance(doc, dict) else list(range(len(doc)))))
    if data.draw(st.integers(0, 3)) == 0:
        del doc[key]
    else:
        doc[key] = _mutate(doc[key], data)
    return doc


@settings(max_examples=40)
@given(data=st.data())
def test_fuzzed_keras_file_only_ever_raises_input_error(keras_file: Path, tmp_path_factory, data: st.DataObject):
    with zipfile.ZipFile(keras_file) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    choice = data.draw(st.sampled_from(["config", "weights", "drop"]))
    if choice == "config":
        doc = json.loads(members["config.json"])
        for _ in range(data.draw(st.integers(1, 3))):
            doc = _mutate(doc, data)
        members["config.json"] = json.dumps(doc).encode()
    elif choice == "weights":
        raw = bytearray(members["model.weights.h5"])
        for _ in range(data.draw(st.integers(1, 16))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        members["model.weights.h5"] = bytes(raw)
    else:
        members.pop(data.draw(st.sampled_from(sorted(members))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    path = tmp_path_factory.mktemp("k") / "m.keras"
    path.write_bytes(buffer.getvalue())
    _loads_or_input_error(path)


def test_a_zip_member_declaring_a_huge_size_is_refused_before_reading(keras_file: Path, tmp_path: Path):
    raw = bytearray(keras_file.read_bytes())
    with zipfile.ZipFile(keras_file) as archive:
        info = archive.getinfo("model.weights.h5")
    # the central directory's uncompressed size field for that member, set to 4 GB - 1
    central = raw.rfind(b"PK\x01\x02", 0, raw.rfind(b"model.weights.h5"))
    raw[central + 24:central + 28] = (0xFFFFFFFE).to_bytes(4, "little")
    assert info.file_size < 0xFFFFFFFE
    path = tmp_path / "huge.keras"
    path.write_bytes(bytes(raw))
    with pytest.raises(InputError, match="declares"):
        load_network(path)


@given(raw=st.binary(max_size=400))
def test_arbitrary_bytes_in_any_format_only_ever_raise_input_error(tmp_path_factory, raw: bytes):
    folder = tmp_path_factory.mktemp("any")
    for name, prefix in (("m.onnx", b""), ("m.keras", b"PK\x03\x04"), ("m.bin", b"\x08"), ("m.json", b"{")):
        (folder / name).write_bytes(prefix + raw)
        _loads_or_input_error(folder / name)
