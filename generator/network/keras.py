"""Keras 3 `.keras` files read into a Network, as data: config.json and model.weights.h5, never Keras itself.

A `.keras` file is a zip. Keras' own loader would deserialise classes named in config.json (and
run a Lambda's code); here the config is only parsed (_keras_config) and the weights are read with
h5py. Every zip member's and tensor's declared size is checked before it is read.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from ..errors import InputError
from ._keras_config import parse_layers
from .classes import numbered_class_names
from .description import Architecture, Network, check, param_shapes

MAX_CONFIG_BYTES = 10_000_000
MAX_WEIGHTS_BYTES = 400_000_000  # above the largest network the limits allow (about 270 MB of float32)


def _member(path: Path, archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise InputError(path, f"the zip holds no {name}, so it is not a Keras 3 .keras file") from None
    if info.file_size > limit:
        raise InputError(path, f"{name} declares {info.file_size:,} bytes, more than {limit:,}")
    try:
        with archive.open(info) as handle:
            data = handle.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise InputError(path, f"cannot unpack {name} ({exc})") from None
    if len(data) > limit:
        raise InputError(path, f"{name} unpacks to more than {limit:,} bytes")
    return data


def _config(path: Path, raw: bytes) -> tuple[Any, bool]:
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(path, f"config.json is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(doc, dict):
        raise InputError(path, "config.json does not hold a JSON object")
    kind = doc.get("class_name")
    if kind not in ("Sequential", "Functional", "Model"):
        raise InputError(path, f"the model is a {kind!r}; supported: a Sequential model or a Functional one that "
                               "is a plain stack of layers (custom Model subclasses are code, not data)")
    inner = doc.get("config")
    if not isinstance(inner, dict):
        raise InputError(path, "config.json has no model config")
    if kind != "Sequential":
        outputs = inner.get("output_layers")
        if isinstance(outputs, list) and outputs and isinstance(outputs[0], list) and len(outputs) != 1:
            raise InputError(path, f"the model has {len(outputs)} outputs, expected one (the class scores)")
    return inner.get("layers"), kind != "Sequential"


def _weights(path: Path, raw: bytes, arch: Architecture, weight_names: dict[str, str]) \
        -> dict[str, dict[str, np.ndarray]]:
    shapes = param_shapes(arch)
    # h5py reads a real file, not a BytesIO: its Python file-object driver calls back into Python from
    # C, which a damaged file can leave in a state that crashes the interpreter at exit.
    try:
        with tempfile.TemporaryDirectory(prefix="cnn-explainer-keras-") as scratch:
            weights_file = Path(scratch) / "model.weights.h5"
            weights_file.write_bytes(raw)
            return _read_h5(path, weights_file, arch, weight_names, shapes)
    except InputError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, OverflowError) as exc:  # h5py: a damaged file
        raise InputError(path, f"model.weights.h5 cannot be read ({type(exc).__name__}: {exc})") from None


def _read_h5(path: Path, weights_file: Path, arch: Architecture, weight_names: dict[str, str],
             shapes: dict[str, dict[str, tuple[int, ...]]]) -> dict[str, dict[str, np.ndarray]]:
    params: dict[str, dict[str, np.ndarray]] = {}
    with h5py.File(weights_file, "r") as h5:
        for layer in arch.layers:
            if layer.name not in shapes:
                continue
            group = h5.get(f"layers/{weight_names[layer.name]}/vars")
            if not isinstance(group, h5py.Group):
                raise InputError(path, f"model.weights.h5 has no weights for layer {layer.name}")
            wanted = list(shapes[layer.name].items())
            if not layer.use_bias:  # type: ignore[union-attr]
                wanted = wanted[:1]
            if sorted(group.keys()) != [str(i) for i in range(len(wanted))]:
                raise InputError(path, f"layer {layer.name} has weights {sorted(group.keys())}, expected "
                                       f"{len(wanted)} (kernel{', bias' if len(wanted) == 2 else ''})")
            params[layer.name] = {}
            for i, (kind, shape) in enumerate(wanted):
                dataset = group[str(i)]
                if not isinstance(dataset, h5py.Dataset) or dataset.shape != shape:
                    got = dataset.shape if isinstance(dataset, h5py.Dataset) else "not an array"
                    raise InputError(path, f"layer {layer.name} {kind} has shape {got}, expected {shape}")
                if dataset.dtype not in (np.float32, np.float16, np.float64):
                    raise InputError(path, f"layer {layer.name} {kind} has dtype {dataset.dtype}, expected float")
                array = np.asarray(dataset[()], np.float32)
                if not np.all(np.isfinite(array)):
                    raise InputError(path, f"layer {layer.name} {kind} holds NaN or infinite values")
                params[layer.name][kind] = array
            if "bias" not in params[layer.name]:
                params[layer.name]["bias"] = np.zeros(shapes[layer.name]["bias"], np.float32)
    return params


def read_keras(path: str | Path, require: Callable[[Path, Architecture], None] | None = None) -> Network:
    """Read a Keras 3 `.keras` model; `require` may refuse the architecture before any weight is read."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            layers, functional = _config(path, _member(path, archive, "config.json", MAX_CONFIG_BYTES))
            parsed = parse_layers(path, layers, functional=functional)
            check(path, parsed.architecture)
            if require is not None:
                require(path, parsed.architecture)
            raw = _member(path, archive, "model.weights.h5", MAX_WEIGHTS_BYTES)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise InputError(path, f"not a readable zip, so not a .keras file ({exc})") from None
    except OSError as exc:
        raise InputError(path, f"cannot read it ({exc.strerror or exc})") from None
    arch = parsed.architecture
    params = _weights(path, raw, arch, parsed.weight_names)
    count = arch.layers[-1].units  # type: ignore[union-attr]
    return Network(params=params, class_names=numbered_class_names(count), source=str(path), architecture=arch)
