"""TinyVGG weights in the TF.js layers-model format (model.json + binary shards), read and written.

This is the format the original CNN Explainer ships and that `tensorflowjs_converter` writes for
Keras models, so our weights load there and theirs load here. Everything is validated before a
single weight byte is read: a bad file raises InputError naming the file and the problem.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .errors import InputError
from .model import FILTERS, INPUT_SHAPE, KERNEL_SIZE, LAYERS, NUM_CLASSES, PARAM_SHAPES
from .wording import counted

MODEL_FILE = "model.json"
SHARD_FILE = "group1-shard1of1.bin"
MAX_MODEL_JSON_BYTES = 10_000_000
# The class list the original CNN Explainer hard-codes; used for models that carry no labels.
ORIGINAL_CLASS_NAMES = ("lifeboat", "ladybug", "pizza", "bell pepper", "school bus", "koala",
                        "espresso", "red panda", "orange", "sport car")
_KERAS_CLASS = {"conv": "Conv2D", "relu": "Activation", "pool": "MaxPooling2D",
                "flatten": "Flatten", "dense": "Dense"}


@dataclass
class Model:
    """Weights (numpy, keyed by layer then "kernel"/"bias"), the labels they predict, and provenance."""

    params: dict[str, dict[str, np.ndarray]]
    class_names: tuple[str, ...]
    source: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


def resolve_model_file(path: str | Path) -> Path:
    """`--weights` accepts model.json itself or the folder holding it."""
    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        raise InputError(path, "no such model file (give a model.json or the folder holding it)")
    return path


def _read_json(path: Path) -> dict[str, Any]:
    size = path.stat().st_size
    if size > MAX_MODEL_JSON_BYTES:
        raise InputError(path, f"model.json is {size:,} bytes, more than {MAX_MODEL_JSON_BYTES:,}")
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text, so not a TF.js model.json") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise InputError(path, "JSON nested too deeply to be a TF.js model.json") from None
    if not isinstance(doc, dict):
        raise InputError(path, "expected a JSON object at the top level")
    return doc


def _check_topology(path: Path, doc: dict[str, Any]) -> list[str]:
    """Check the layer list is TinyVGG; return the file's own layer names, in our LAYERS order."""
    if doc.get("format") not in ("layers-model", None):
        raise InputError(path, f"format is {doc.get('format')!r}, expected 'layers-model' "
                               "(a graph model cannot be visualised layer by layer)")
    topology = doc.get("modelTopology")
    if not isinstance(topology, dict):
        raise InputError(path, "missing 'modelTopology': not a TF.js layers model")
    config = topology.get("model_config", topology)
    inner = config.get("config") if isinstance(config, dict) else None
    layers = inner.get("layers") if isinstance(inner, dict) else inner  # Keras 2.1 and older: the list itself
    if not isinstance(layers, list):
        raise InputError(path, "modelTopology has no layer list")
    layers = [layer for layer in layers if isinstance(layer, dict) and layer.get("class_name") != "InputLayer"]
    found = [f"{layer.get('class_name')}" for layer in layers]
    expected = [_KERAS_CLASS[layer.kind] for layer in LAYERS]
    if found != expected:
        raise InputError(path, f"layers are {found}, expected TinyVGG's {expected}")
    names = []
    for ours, theirs in zip(LAYERS, layers, strict=True):
        cfg = theirs.get("config")
        if not isinstance(cfg, dict):
            raise InputError(path, f"layer {len(names)} ({ours.name}) has no config object")
        name = cfg.get("name")
        if not isinstance(name, str) or not name:
            raise InputError(path, f"layer {len(names)} ({ours.name}) has no name")
        problem = _layer_problem(ours.kind, cfg)
        if problem:
            raise InputError(path, f"layer {name}: {problem}")
        names.append(name)
    if len(set(names)) != len(names):
        raise InputError(path, f"layer names repeat: {names}")
    return names


def _layer_problem(kind: str, cfg: dict[str, Any]) -> str | None:
    def differs(key: str, want: Any) -> str | None:
        got = cfg.get(key, want)
        if isinstance(got, list):
            got = tuple(got)
        return None if got == want else f"{key} is {got!r}, expected {want!r}"

    checks: list[tuple[str, Any]] = []
    if kind == "conv":
        checks = [("filters", FILTERS), ("kernel_size", (KERNEL_SIZE, KERNEL_SIZE)), ("strides", (1, 1)),
                  ("padding", "valid"), ("dilation_rate", (1, 1)), ("activation", "linear"),
                  ("use_bias", True), ("data_format", "channels_last")]
    elif kind == "relu":
        checks = [("activation", "relu")]
    elif kind == "pool":
        checks = [("pool_size", (2, 2)), ("strides", (2, 2)), ("padding", "valid"),
                  ("data_format", "channels_last")]
    elif kind == "flatten":
        checks = [("data_format", "channels_last")]
    elif kind == "dense":
        checks = [("units", NUM_CLASSES), ("activation", "softmax"), ("use_bias", True)]
    for key, want in checks:
        problem = differs(key, want)
        if problem:
            return problem
    if kind == "conv" and "batch_input_shape" in cfg:
        given = cfg["batch_input_shape"]
        shape = tuple(given)[1:] if isinstance(given, list) else given
        if shape != INPUT_SHAPE:
            return f"input shape is {shape}, expected {INPUT_SHAPE}"
    return None


def _weight_key(weight_name: str, layer_names: list[str]) -> tuple[str, str] | None:
    """Map a manifest name like "conv_1_1/kernel" (or "sequential/conv_1_1/kernel") to ours."""
    parts = weight_name.split("/")
    if len(parts) < 2:
        return None
    layer, kind = parts[-2], parts[-1].split(":")[0]
    if layer in layer_names and kind in ("kernel", "bias"):
        ours = LAYERS[layer_names.index(layer)].name
        if ours in PARAM_SHAPES:
            return ours, kind
    return None


def _shard_path(path: Path, folder: Path, name: Any) -> Path:
    if not isinstance(name, str) or not name or "\0" in name or len(name) > 255:
        raise InputError(path, f"weight shard path {name[:80] if isinstance(name, str) else name!r} "
                               "is not a file name")
    if Path(name).is_absolute() or name.startswith(("/", "\\")) or ":" in name:
        raise InputError(path, f"weight shard path {name!r} is absolute; it must lie in {folder}")
    try:
        shard = (folder / name).resolve()
    except (OSError, RuntimeError) as exc:  # a name too long for the file system, a symlink loop
        raise InputError(path, f"weight shard {name!r} cannot be opened ({exc})") from None
    if not shard.is_relative_to(folder.resolve()):
        raise InputError(path, f"weight shard path {name!r} points outside the model folder")
    if not shard.is_file():
        raise InputError(path, f"weight shard {name!r} is missing")
    return shard


def load_model(path: str | Path, classes: str | Path | None = None) -> Model:
    """Read and validate a TinyVGG TF.js layers model; the only way weights enter the pipeline.

    `classes`, a class-names file (read_class_names), replaces the names the model carries.
    """
    model_file = resolve_model_file(path)
    doc = _read_json(model_file)
    layer_names = _check_topology(model_file, doc)
    manifest = doc.get("weightsManifest")
    if not isinstance(manifest, list) or not manifest:
        raise InputError(model_file, "missing 'weightsManifest'")

    params: dict[str, dict[str, np.ndarray]] = {name: {} for name in PARAM_SHAPES}
    for group in manifest:
        if not isinstance(group, dict) or not isinstance(group.get("paths"), list) \
                or not isinstance(group.get("weights"), list):
            raise InputError(model_file, "each weightsManifest entry needs 'paths' and 'weights' lists")
        specs = []
        for spec in group["weights"]:
            if not isinstance(spec, dict):
                raise InputError(model_file, f"weight entry {spec!r} is not an object")
            name = spec.get("name")
            key = _weight_key(str(name), layer_names)
            if key is None:
                raise InputError(model_file, f"weight {name!r} belongs to no TinyVGG layer")
            if spec.get("dtype", "float32") != "float32":
                raise InputError(model_file, f"weight {name} has dtype {spec.get('dtype')!r}, expected float32")
            if "quantization" in spec:
                raise InputError(model_file, f"weight {name} is quantized; convert without quantization")
            shape = spec.get("shape")
            want = PARAM_SHAPES[key[0]][key[1]]
            if not isinstance(shape, list) or tuple(shape) != want:
                raise InputError(model_file, f"layer {key[0]} {key[1]} has shape "
                                             f"{tuple(shape) if isinstance(shape, list) else shape}, expected {want}")
            if key[1] in params[key[0]] or any(k == key for k, _ in specs):
                raise InputError(model_file, f"weight {name} appears twice")
            specs.append((key, want))
        shards = [_shard_path(model_file, model_file.parent, p) for p in group["paths"]]
        expected = 4 * sum(math.prod(shape) for _, shape in specs)
        actual = sum(shard.stat().st_size for shard in shards)
        if actual != expected:
            names = ", ".join(p for p in group["paths"])
            raise InputError(model_file, f"weight shards ({names}) hold {actual:,} bytes, "
                                         f"the manifest needs {expected:,}")
        try:
            data = b"".join(shard.read_bytes() for shard in shards)
        except OSError as exc:
            raise InputError(model_file, f"cannot read weight shard {exc.filename} ({exc.strerror})") from None
        values = np.frombuffer(data, dtype="<f4")
        offset = 0
        for (layer, kind), shape in specs:
            count = math.prod(shape)
            array = values[offset:offset + count].reshape(shape).astype(np.float32)
            offset += count
            if not np.all(np.isfinite(array)):
                raise InputError(model_file, f"layer {layer} {kind} holds NaN or infinite values")
            params[layer][kind] = array
    for layer, shapes in PARAM_SHAPES.items():
        for kind in shapes:
            if kind not in params[layer]:
                raise InputError(model_file, f"layer {layer} has no {kind} in weightsManifest")

    metadata = doc.get("userDefinedMetadata") or {}
    if not isinstance(metadata, dict):
        raise InputError(model_file, "userDefinedMetadata must be a JSON object")
    class_names = read_class_names(classes) if classes is not None else _class_names(model_file,
                                                                                     metadata.get("class_names"))
    return Model(params=params, class_names=class_names, source=str(model_file), metadata=metadata)


def _class_names(path: Path, names: Any) -> tuple[str, ...]:
    if names is None:
        return ORIGINAL_CLASS_NAMES
    return validate_class_names(path, names)


def read_class_names(path: str | Path) -> tuple[str, ...]:
    """`--classes FILE`: UTF-8 text, one class name per line in the model's output order; blank lines ignored."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "no such class-names file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a class-names file") from None
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text (one class name per line)") from None
    except OSError as exc:
        raise InputError(path, f"cannot read it ({exc.strerror})") from None
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if len(names) != NUM_CLASSES:
        raise InputError(path, f"{counted(len(names), 'class name')}, expected {NUM_CLASSES} (the model's outputs), "
                               "one per line")
    return validate_class_names(path, names)


def validate_class_names(source: str | Path, names: Any) -> tuple[str, ...]:
    """Ten distinct, non-empty, single-line strings (the dense layer has ten outputs)."""
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise InputError(source, "class names must be a list of strings")
    cleaned = tuple(n.strip() for n in names)
    if len(cleaned) != NUM_CLASSES:
        raise InputError(source, f"{counted(len(cleaned), 'class name')}, expected {NUM_CLASSES}")
    if any(not n or "\n" in n or len(n) > 80 for n in cleaned):
        raise InputError(source, "class names must be non-empty single lines of at most 80 characters")
    repeated = sorted({n for n in cleaned if cleaned.count(n) > 1}, key=cleaned.index)  # in order of first use
    if repeated:
        raise InputError(source, "class names repeat: " + ", ".join(repr(n) for n in repeated))
    return cleaned


def _layer_config(layer_name: str, kind: str, first: bool) -> dict[str, Any]:
    """The Keras config tensorflowjs_converter writes for each TinyVGG layer."""
    base: dict[str, Any] = {"name": layer_name, "trainable": True, "dtype": "float32"}
    init = {"kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None}
    if kind == "conv":
        if first:
            base["batch_input_shape"] = [None, *INPUT_SHAPE]
        return {**base, "filters": FILTERS, "kernel_size": [KERNEL_SIZE, KERNEL_SIZE], "strides": [1, 1],
                "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1],
                "activation": "linear", "use_bias": True, **init}
    if kind == "relu":
        return {**base, "activation": "relu"}
    if kind == "pool":
        return {**base, "pool_size": [2, 2], "padding": "valid", "strides": [2, 2],
                "data_format": "channels_last"}
    if kind == "flatten":
        return {**base, "data_format": "channels_last"}
    return {**base, "units": NUM_CLASSES, "activation": "softmax", "use_bias": True, **init}


def model_files(model: Model) -> dict[str, bytes]:
    """model.json + one shard, as bytes: a Keras-compatible model the original CNN Explainer can load."""
    layers = [{"class_name": _KERAS_CLASS[layer.kind],
               "config": _layer_config(layer.name, layer.kind, index == 0)}
              for index, layer in enumerate(LAYERS)]
    weights, chunks = [], []
    for layer, shapes in PARAM_SHAPES.items():
        for kind, shape in shapes.items():
            array = np.asarray(model.params[layer][kind], dtype="<f4")
            if array.shape != shape:
                raise ValueError(f"{layer} {kind} has shape {array.shape}, expected {shape}")
            weights.append({"name": f"{layer}/{kind}", "shape": list(shape), "dtype": "float32"})
            chunks.append(array.tobytes())
    doc = {
        "format": "layers-model",
        "generatedBy": f"cnn-explainer {__version__}",
        "convertedBy": f"cnn-explainer {__version__}",
        "modelTopology": {
            "keras_version": "2.2.4-tf",
            "backend": "tensorflow",
            "model_config": {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}},
        },
        "weightsManifest": [{"paths": [SHARD_FILE], "weights": weights}],
        "userDefinedMetadata": {**model.metadata, "class_names": list(model.class_names)},
    }
    return {SHARD_FILE: b"".join(chunks),
            MODEL_FILE: (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")}


def save_model(model: Model, folder: str | Path) -> Path:
    """Write `model_files` into `folder` as they are (`train` writes them atomically, model_output.py)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in model_files(model).items():
        (folder / name).write_bytes(content)
    return folder / MODEL_FILE
