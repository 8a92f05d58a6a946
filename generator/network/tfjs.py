"""TF.js layers models (model.json + binary shards), read into a Network and written for TinyVGG.

This is the format the original CNN Explainer ships and that `tensorflowjs_converter` writes for
Keras models, so our weights load there and theirs load here. The topology is checked before a
single weight byte is read: a bad file raises InputError naming the file and the problem.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..errors import InputError
from ._keras_config import parse_layers
from .classes import validate_class_names
from .description import Architecture, Conv2D, Dense, Flatten, Network, Pool, ReLU, check, param_shapes

MODEL_FILE = "model.json"
SHARD_FILE = "group1-shard1of1.bin"
MAX_MODEL_JSON_BYTES = 10_000_000
# The class list the original CNN Explainer hard-codes; used for its ten-class models that carry no labels.
ORIGINAL_CLASS_NAMES = ("lifeboat", "ladybug", "pizza", "bell pepper", "school bus", "koala",
                        "espresso", "red panda", "orange", "sport car")


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


def _architecture(path: Path, doc: dict[str, Any]) -> Architecture:
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
    functional = isinstance(config, dict) and config.get("class_name") in ("Model", "Functional")
    arch = parse_layers(path, layers, functional=functional).architecture
    check(path, arch)
    return arch


def _weight_key(weight_name: str, layers: set[str]) -> tuple[str, str] | None:
    """Map a manifest name like "conv_1_1/kernel" (or "sequential/conv_1_1/kernel") to (layer, kind)."""
    parts = weight_name.split("/")
    if len(parts) < 2:
        return None
    layer, kind = parts[-2], parts[-1].split(":")[0]
    return (layer, kind) if layer in layers and kind in ("kernel", "bias") else None


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


def _read_weights(model_file: Path, doc: dict[str, Any], arch: Architecture) -> dict[str, dict[str, np.ndarray]]:
    shapes = param_shapes(arch)
    biasless = {layer.name for layer in arch.layers if isinstance(layer, Conv2D | Dense) and not layer.use_bias}
    manifest = doc.get("weightsManifest")
    if not isinstance(manifest, list) or not manifest:
        raise InputError(model_file, "missing 'weightsManifest'")
    params: dict[str, dict[str, np.ndarray]] = {name: {} for name in shapes}
    for group in manifest:
        if not isinstance(group, dict) or not isinstance(group.get("paths"), list) \
                or not isinstance(group.get("weights"), list):
            raise InputError(model_file, "each weightsManifest entry needs 'paths' and 'weights' lists")
        specs = []
        for spec in group["weights"]:
            if not isinstance(spec, dict):
                raise InputError(model_file, f"weight entry {spec!r} is not an object")
            name = spec.get("name")
            key = _weight_key(str(name), set(shapes))
            if key is None or (key[1] == "bias" and key[0] in biasless):
                raise InputError(model_file, f"weight {name!r} belongs to no layer of the model")
            if spec.get("dtype", "float32") != "float32":
                raise InputError(model_file, f"weight {name} has dtype {spec.get('dtype')!r}, expected float32")
            if "quantization" in spec:
                raise InputError(model_file, f"weight {name} is quantized; convert without quantization")
            shape = spec.get("shape")
            want = shapes[key[0]][key[1]]
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
    for layer in biasless:
        params[layer]["bias"] = np.zeros(shapes[layer]["bias"], np.float32)
    for layer, layer_shapes in shapes.items():
        for kind in layer_shapes:
            if kind not in params[layer]:
                raise InputError(model_file, f"layer {layer} has no {kind} in weightsManifest")
    return params


def read_tfjs(path: str | Path, require: Callable[[Path, Architecture], None] | None = None) -> Network:
    """Read and validate a TF.js layers model; `require` may refuse the architecture before any weight is read."""
    model_file = resolve_model_file(path)
    doc = _read_json(model_file)
    arch = _architecture(model_file, doc)
    if require is not None:
        require(model_file, arch)
    params = _read_weights(model_file, doc, arch)
    metadata = doc.get("userDefinedMetadata") or {}
    if not isinstance(metadata, dict):
        raise InputError(model_file, "userDefinedMetadata must be a JSON object")
    count = arch.layers[-1].units  # type: ignore[union-attr]
    names = metadata.get("class_names")
    if names is not None:
        class_names = validate_class_names(model_file, names, count)
    elif count == len(ORIGINAL_CLASS_NAMES):
        class_names = ORIGINAL_CLASS_NAMES
    else:
        class_names = tuple(f"class {i}" for i in range(count))
    return Network(params=params, class_names=class_names, source=str(model_file), metadata=metadata,
                   architecture=arch)


def _keras_layer(layer: Any, first: bool, input_shape: tuple[int, int, int]) -> dict[str, Any]:
    """The Keras class and config tensorflowjs_converter writes for one layer."""
    base: dict[str, Any] = {"name": layer.name, "trainable": True, "dtype": "float32"}
    init = {"kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None}
    if first:
        base["batch_input_shape"] = [None, *input_shape]
    if isinstance(layer, Conv2D):
        return {"class_name": "Conv2D", "config": {
            **base, "filters": layer.filters, "kernel_size": list(layer.kernel_size), "strides": list(layer.strides),
            "padding": layer.padding, "data_format": "channels_last", "dilation_rate": list(layer.dilation),
            "activation": "linear", "use_bias": layer.use_bias, **init}}
    if isinstance(layer, ReLU):
        return {"class_name": "Activation", "config": {**base, "activation": "relu"}}
    if isinstance(layer, Pool):
        return {"class_name": "MaxPooling2D" if layer.op == "max" else "AveragePooling2D", "config": {
            **base, "pool_size": list(layer.pool_size), "padding": layer.padding, "strides": list(layer.strides),
            "data_format": "channels_last"}}
    if isinstance(layer, Flatten):
        return {"class_name": "Flatten", "config": {**base, "data_format": "channels_last"}}
    return {"class_name": "Dense", "config": {**base, "units": layer.units, "activation": "softmax",
                                              "use_bias": layer.use_bias, **init}}


def tfjs_files(network: Network) -> dict[str, bytes]:
    """model.json + one shard, as bytes: a Keras-compatible model the original CNN Explainer can load.

    Only TinyVGG-like stacks are written (what `train` makes): valid or same padding, no input
    normalisation, (H, W, C) flatten, a final Dense with softmax and hidden ones without activation.
    """
    arch = network.architecture
    if arch.flatten_order != "hwc" or arch.input_scale is not None or arch.input_offset is not None or any(
            isinstance(layer, Conv2D | Pool) and isinstance(layer.padding, tuple) for layer in arch.layers) or any(
            isinstance(layer, Dense) and layer is not arch.layers[-1] for layer in arch.layers):
        raise ValueError("tfjs_files writes plain Keras stacks only")
    layers = [_keras_layer(layer, index == 0, arch.input_shape) for index, layer in enumerate(arch.layers)]
    weights, chunks = [], []
    for layer, shapes in param_shapes(arch).items():
        for kind, shape in shapes.items():
            array = np.asarray(network.params[layer][kind], dtype="<f4")
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
        "userDefinedMetadata": {**network.metadata, "class_names": list(network.class_names)},
    }
    return {SHARD_FILE: b"".join(chunks),
            MODEL_FILE: (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")}


def save_tfjs(network: Network, folder: str | Path) -> Path:
    """Write `tfjs_files` into `folder` as they are."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in tfjs_files(network).items():
        (folder / name).write_bytes(content)
    return folder / MODEL_FILE

