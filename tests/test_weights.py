"""TF.js layers-model reading and writing: exact round trips, and a clear error for every bad file."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from cnn_explainer.cli import main
from cnn_explainer.errors import InputError
from cnn_explainer.weights import ORIGINAL_CLASS_NAMES, Model, load_model, save_model
from conftest import REFERENCE_MODEL, without_using
from hypothesis import given
from hypothesis import strategies as st


def test_original_model_loads_with_the_original_class_list(reference_model):
    assert reference_model.class_names == ORIGINAL_CLASS_NAMES
    assert reference_model.params["conv_1_2"]["kernel"].shape == (3, 3, 10, 10)


def test_round_trip_reproduces_the_original_weights_exactly(reference_model, tmp_path):
    save_model(reference_model, tmp_path)
    original = (REFERENCE_MODEL / "group1-shard1of1.bin").read_bytes()
    assert (tmp_path / "group1-shard1of1.bin").read_bytes() == original
    again = load_model(tmp_path / "model.json")
    for layer, arrays in reference_model.params.items():
        for kind, array in arrays.items():
            assert np.array_equal(again.params[layer][kind], array)
    assert again.class_names == ORIGINAL_CLASS_NAMES


def test_class_names_travel_in_the_metadata(reference_model, tmp_path):
    names = tuple(f"class {i}" for i in range(10))
    save_model(Model(reference_model.params, names), tmp_path)
    assert json.loads((tmp_path / "model.json").read_text())["userDefinedMetadata"]["class_names"] == list(names)
    assert load_model(tmp_path).class_names == names


def test_folder_or_file_both_accepted(reference_model):
    assert load_model(REFERENCE_MODEL / "model.json").class_names == reference_model.class_names


# --- bad files: each edit breaks a copy of the original model in one way --------------------------------

def _edit_json(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        doc = json.loads((folder / "model.json").read_text())
        change(doc)
        (folder / "model.json").write_text(json.dumps(doc))
    return apply


def _weights(doc: dict) -> list[dict]:
    return doc["weightsManifest"][0]["weights"]


def _layers(doc: dict) -> list[dict]:
    return doc["modelTopology"]["model_config"]["config"]["layers"]


def _write(name: str, data: bytes | str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        target = folder / name
        target.write_bytes(data if isinstance(data, bytes) else data.encode())
    return apply


def _nan_in_shard(folder: Path) -> None:
    shard = folder / "group1-shard1of1.bin"
    values = np.frombuffer(shard.read_bytes(), "<f4").copy()
    values[1234] = np.nan
    shard.write_bytes(values.tobytes())


def _symlinked_shard(folder: Path) -> None:
    outside = folder.parent / "outside.bin"
    shutil.move(folder / "group1-shard1of1.bin", outside)
    (folder / "group1-shard1of1.bin").symlink_to(outside)


def _set_path(path: str) -> Callable[[Path], None]:
    return _edit_json(lambda d: d["weightsManifest"][0].__setitem__("paths", [path]))


BAD_MODELS = {
    "invalid-json": (_write("model.json", "{not json"), "invalid JSON"),
    "not-an-object": (_write("model.json", "[1, 2]"), "JSON object"),
    "graph-model": (_edit_json(lambda d: d.__setitem__("format", "graph-model")), "layers-model"),
    "no-topology": (_edit_json(lambda d: d.pop("modelTopology")), "modelTopology"),
    "missing-layer": (_edit_json(lambda d: _layers(d).pop(2)), "belongs to no layer"),
    "wrong-filters": (_edit_json(lambda d: _layers(d)[2]["config"].__setitem__("filters", 16)),
                      "kernel has shape (3, 3, 10, 10), expected (3, 3, 10, 16)"),
    "too-many-filters": (_edit_json(lambda d: _layers(d)[2]["config"].__setitem__("filters", 33)), "filters"),
    "wrong-shape": (_edit_json(lambda d: _weights(d)[2].__setitem__("shape", [3, 3, 3, 10])),
                    "conv_1_2 kernel has shape (3, 3, 3, 10), expected (3, 3, 10, 10)"),
    "wrong-dtype": (_edit_json(lambda d: _weights(d)[0].__setitem__("dtype", "int32")), "dtype"),
    "unknown-weight": (_edit_json(lambda d: _weights(d)[0].__setitem__("name", "mystery/kernel")), "mystery"),
    "missing-weight": (_edit_json(lambda d: _weights(d).pop()), "bytes"),
    "missing-shard": (lambda f: (f / "group1-shard1of1.bin").unlink(), "missing"),
    "short-shard": (_write("group1-shard1of1.bin", b"\0" * 100), "hold 100 bytes"),
    "oversized-shard": (_write("group1-shard1of1.bin", b"\0" * 80_000), "hold 80,000 bytes"),
    "nan-value": (_nan_in_shard, "NaN"),
    "path-escape": (_set_path("../../x.bin"), "outside"),
    "absolute-path": (_set_path("/etc/passwd"), "absolute"),
    "symlink-escape": (_symlinked_shard, "outside"),
    "gigabyte-manifest": (_edit_json(lambda d: _weights(d)[8].__setitem__("shape", [1690, 10, 100000])), "shape"),
    # found by the fuzz test below: each once escaped as an AttributeError, TypeError or OSError
    "config-not-a-table": (_edit_json(lambda d: d["modelTopology"]["model_config"].__setitem__("config", "x")),
                           "no layer list"),
    "layer-config-a-list": (_edit_json(lambda d: _layers(d)[0].__setitem__("config", [])), "no config object"),
    "input-shape-a-number": (_edit_json(lambda d: _layers(d)[0]["config"].__setitem__("batch_input_shape", 7)),
                             "input shape is 7"),
    "shard-name-too-long": (_set_path("x" * 300), "not a file name"),
    "shard-name-nul": (_set_path("a\0b.bin"), "not a file name"),
    "bad-class-names": (_edit_json(lambda d: d.__setitem__("userDefinedMetadata", {"class_names": ["a", "b"]})),
                        "2 class names"),
}


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    if not REFERENCE_MODEL.exists():
        pytest.skip("../shared/reference is not beside the checkout")
    folder = tmp_path / "model"
    shutil.copytree(REFERENCE_MODEL, folder)
    return folder


@pytest.mark.parametrize("case", list(BAD_MODELS), ids=list(BAD_MODELS))
def test_bad_model_gets_one_clear_error(model_copy: Path, case: str):
    breaker, message = BAD_MODELS[case]
    breaker(model_copy)
    with pytest.raises(InputError) as info:
        load_model(model_copy)
    assert "model.json" in str(info.value)
    assert message in str(info.value)


def test_cli_reports_bad_model_in_one_line_with_status_2(model_copy: Path):
    _write("model.json", "{not json")(model_copy)
    result = CliRunner().invoke(main, ["predict", "--weights", str(model_copy), "whatever.png"])
    assert result.exit_code == 2
    lines = without_using(result.output).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "model.json" in lines[0]
    assert "Traceback" not in result.output


def test_missing_model_folder_is_an_input_error(tmp_path: Path):
    with pytest.raises(InputError, match="no such model file"):
        load_model(tmp_path / "nowhere")


# --- fuzz: whatever model.json holds, the loader answers with a Model or an InputError, nothing else -----

OWN_WEIGHTS = Path(__file__).resolve().parent.parent / "weights"
_NASTY = st.sampled_from([
    None, True, 0, -1, 1.5, 10**12, -(10**30), 1e308, float("nan"), float("inf"), "", "x" * 300, "a\x00b",
    "../../x.bin", "/etc/passwd", "C:\\x.bin", "group1-shard1of1.bin", "float16", "int32", "layers-model",
    "conv_1_1/kernel", [], {}, [None], [3, 3, 3, 10], [1690, 10], [10], {"config": []}, {"layers": {}},
])
_JSON = st.recursive(
    _NASTY | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8)


def _mutate(doc: Any, data: st.DataObject) -> Any:
    """Walk a random path into `doc`, then replace, delete or add one value there."""
    if not isinstance(doc, dict | list) or not doc or data.draw(st.integers(0, 5)) == 0:
        return copy.deepcopy(data.draw(_JSON))  # a fresh copy: the strategy's own lists must never change
    keys = list(doc) if isinstance(doc, dict) else list(range(len(doc)))
    key = data.draw(st.sampled_from(keys))
    action = data.draw(st.sampled_from(["descend", "descend", "descend", "delete", "add"]))
    if action == "delete":
        del doc[key]
    elif action == "add" and isinstance(doc, dict):
        doc[data.draw(st.text(max_size=8))] = copy.deepcopy(data.draw(_JSON))
    elif action == "add":
        doc.insert(key, copy.deepcopy(data.draw(_JSON)))
    else:
        doc[key] = _mutate(doc[key], data)
    return doc


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(OWN_WEIGHTS / "group1-shard1of1.bin", folder)
    return folder


def _loads_or_input_error(folder: Path) -> None:
    try:
        model = load_model(folder)
    except InputError as exc:
        assert str(exc).startswith(str(folder)) and "\n" not in str(exc)
    else:  # only a mutation that changes nothing the loader checks may pass, and then it must be usable
        assert len(model.class_names) == 10
        assert all(np.isfinite(a).all() for arrays in model.params.values() for a in arrays.values())


@given(data=st.data())
def test_fuzzed_model_json_only_ever_raises_input_error(fuzz_folder: Path, data: st.DataObject):
    doc = json.loads((OWN_WEIGHTS / "model.json").read_text())
    for _ in range(data.draw(st.integers(1, 3))):
        doc = _mutate(doc, data)
    (fuzz_folder / "model.json").write_text(json.dumps(doc))
    _loads_or_input_error(fuzz_folder)


@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_as_model_json_only_ever_raise_input_error(fuzz_folder: Path, raw: bytes):
    (fuzz_folder / "model.json").write_bytes(raw)
    _loads_or_input_error(fuzz_folder)


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000],
                         ids=["deep-list", "deep-object"])
def test_deeply_nested_json_is_an_input_error(tmp_path: Path, text: str):
    (tmp_path / "model.json").write_text(text)
    with pytest.raises(InputError, match="nested"):
        load_model(tmp_path)


@pytest.mark.parametrize("case", list(BAD_MODELS), ids=list(BAD_MODELS))
def test_cli_build_with_a_bad_model_is_one_line_and_status_2(model_copy: Path, tmp_path: Path, case: str):
    breaker, message = BAD_MODELS[case]
    breaker(model_copy)
    result = CliRunner().invoke(main, ["build", "--weights", str(model_copy), "--out", str(tmp_path / "site")])
    assert result.exit_code == 2, result.output
    output = without_using(result.output)
    assert output.count("\n") == 1 and output.startswith(f"error: {model_copy / 'model.json'}: ")
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "site").exists()


def test_the_site_names_any_network_by_tinyvggs_scheme():
    from cnn_explainer.network.description import TINYVGG, Architecture, Conv2D, Dense, Flatten, Pool, ReLU
    from cnn_explainer.weights import site_names

    assert site_names(TINYVGG) == tuple(layer.name for layer in TINYVGG.layers)
    arch = Architecture((40, 48, 3), (Conv2D("/a/Conv", 4, (3, 3)), ReLU("x"), Pool("p", "avg"), Conv2D("c", 4, (3, 3)),
                                      Conv2D("d", 4, (3, 3)), ReLU("y"), Flatten("f"), Dense("h", 8), ReLU("z"),
                                      Dense("logits", 5)))
    assert site_names(arch) == ("conv_1_1", "relu_1_1", "avg_pool_1", "conv_2_1", "conv_2_2", "relu_2_1", "flatten",
                                "dense_1", "dense_relu_1", "output")
