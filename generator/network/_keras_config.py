"""Keras layer configs (TF.js modelTopology and Keras 3 config.json share them) -> our Architecture.

Only the JSON is read: no class is looked up or instantiated, so a model file stays data. Keras 2
(`batch_input_shape`, TF.js) and Keras 3 (`batch_shape`, dtype policies) spellings are both accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .description import SUPPORTED, Architecture, Conv2D, Dense, Flatten, Layer, Pool, ReLU

_IGNORED = {"Dropout", "SpatialDropout2D", "GaussianDropout", "GaussianNoise", "AlphaDropout", "Identity",
            "ActivityRegularization"}
_MERGES = {"Add", "Concatenate", "Multiply", "Subtract", "Average", "Maximum", "Minimum", "Dot"}


@dataclass(frozen=True)
class KerasArchitecture:
    """The architecture, and for each weighted layer of ours the name its weights are stored under."""

    architecture: Architecture
    weight_names: dict[str, str]  # our layer name -> its weights' folder in a .keras file's model.weights.h5


def _snake_case(name: str) -> str:
    """Keras' own naming.to_snake_case: "Conv2D" -> "conv2d", "ReLU" -> "re_lu"."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _ints(source: Any, name: str, key: str, value: Any, default: Any = None) -> tuple[int, int]:
    if value is None:
        value = default
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    if (not isinstance(value, list | tuple) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise InputError(source, f"layer {name}: {key} is {value!r}, expected two whole numbers")
    return int(value[0]), int(value[1])


def _padding(source: Any, name: str, cfg: dict[str, Any]) -> str:
    padding = cfg.get("padding", "valid")
    if padding not in ("valid", "same"):
        raise InputError(source, f"layer {name}: padding is {padding!r}; supported: 'valid' or 'same'")
    return padding


def _channels_last(source: Any, name: str, cfg: dict[str, Any]) -> None:
    if cfg.get("data_format") not in (None, "channels_last"):
        raise InputError(source, f"layer {name}: data_format is {cfg.get('data_format')!r}; supported: "
                                 "'channels_last'")


def _activation(cfg: dict[str, Any]) -> Any:
    activation = cfg.get("activation", "linear")
    if isinstance(activation, dict):  # Keras 3 may serialise a built-in activation as an object
        inner = activation.get("config")
        activation = inner.get("name") if isinstance(inner, dict) and "name" in inner else activation.get("class_name")
    return "linear" if activation is None else activation


def _input_shape(source: Any, value: Any) -> tuple[int, int, int]:
    if (not isinstance(value, list) or len(value) != 4
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value[1:])):
        raise InputError(source, f"input shape is {value!r}, expected [batch, height, width, channels]")
    return int(value[1]), int(value[2]), int(value[3])


def _inbound(entry: dict[str, Any]) -> list[str] | None:
    """The layers a Functional model's layer reads from (Keras 3 and Keras 2 spellings), or None if absent."""
    nodes = entry.get("inbound_nodes")
    if not isinstance(nodes, list):
        return None
    names: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            # a reference to a layer's output: Keras 3 keras_history [name, 0, 0], Keras 2 [name, 0, 0, {}]
            if len(value) >= 3 and isinstance(value[0], str) and isinstance(value[1], int):
                names.append(value[0])
                return
            for item in value:
                walk(item)

    walk(nodes)
    return names


def parse_layers(source: Any, entries: Any, input_shape: tuple[int, int, int] | None = None,
                 functional: bool = False) -> KerasArchitecture:
    """Turn a Sequential's (or a linear Functional model's) layer list into our layers, refusing the rest."""
    if not isinstance(entries, list):
        raise InputError(source, "the model has no layer list")
    layers: list[Layer] = []
    weight_names: dict[str, str] = {}
    scale: float | None = None
    offset: float | None = None
    previous: str | None = None
    pending_softmax = False
    # Keras 3 stores a layer's weights under its class name in snake case, numbered from the second
    # of a class on ("conv2d", "conv2d_1"), whatever the layer's own name.
    used: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InputError(source, f"layer {index} is not an object")
        kind, cfg = entry.get("class_name"), entry.get("config")
        if not isinstance(cfg, dict):
            raise InputError(source, f"layer {index} ({kind}) has no config object")
        name = cfg.get("name")
        if not isinstance(name, str) or not name or len(name) > 200:
            raise InputError(source, f"layer {index} ({kind}) has no name")
        if not isinstance(kind, str):
            raise InputError(source, f"layer {name} has no class_name")
        if functional:
            inbound = _inbound(entry)
            if kind != "InputLayer" and inbound is not None and (len(inbound) != 1 or inbound[0] != previous):
                raise InputError(source, f"layer {name} ({kind}) reads from {inbound}, not just the layer before "
                                         "it; supported: a plain stack of layers")
            previous = name
        module = entry.get("module")
        registered = entry.get("registered_name")
        if (isinstance(module, str) and not module.startswith("keras")) or \
                (isinstance(registered, str) and registered not in (kind, f"keras.layers.{kind}")):
            raise InputError(source, f"layer {name} is a custom class ({registered or module}); a model file "
                                     "is read as data, so only Keras' own layers are supported")
        if kind == "Lambda":
            raise InputError(source, f"layer {name} is a Lambda layer (Python code, not data): refused; "
                                     f"supported: {SUPPORTED}")
        if kind in _MERGES:
            raise InputError(source, f"layer {name} is {kind} (a residual or merge connection); supported: a plain "
                                     f"stack of {SUPPORTED}")
        for key in ("batch_input_shape", "batch_shape"):
            if key in cfg and input_shape is None:
                input_shape = _input_shape(source, cfg[key])
        if pending_softmax:
            raise InputError(source, f"layer {name} follows a softmax; a softmax is supported only at the end")
        if kind != "InputLayer" or functional:
            stored = _snake_case(kind)
            used[stored] = used.get(stored, -1) + 1
            stored = f"{stored}_{used[stored]}" if used[stored] else stored
        if kind == "InputLayer":
            continue
        if kind in _IGNORED:
            continue
        if kind == "Rescaling":
            if layers:
                raise InputError(source, f"layer {name}: Rescaling is supported only before the first layer")
            s, o = cfg.get("scale", 1.0), cfg.get("offset", 0.0)
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (s, o)):
                raise InputError(source, f"layer {name}: scale and offset must be numbers (one for all channels)")
            # A model that rescales itself takes bytes (0-255), which we have as pixels in [0, 1] times 255.
            scale, offset = (255.0 if scale is None else scale) * s, (0.0 if offset is None else offset) * s + o
            continue
        if kind in ("Conv2D", "Convolution2D"):
            _channels_last(source, name, cfg)
            if cfg.get("groups", 1) != 1:
                raise InputError(source, f"layer {name} is a grouped convolution (groups={cfg.get('groups')!r}); "
                                         "supported: groups=1")
            filters = cfg.get("filters")
            if not isinstance(filters, int) or isinstance(filters, bool):
                raise InputError(source, f"layer {name}: filters is {filters!r}, expected a whole number")
            layers.append(Conv2D(name, filters, _ints(source, name, "kernel_size", cfg.get("kernel_size")),
                                 _ints(source, name, "strides", cfg.get("strides"), 1), _padding(source, name, cfg),
                                 _ints(source, name, "dilation_rate", cfg.get("dilation_rate"), 1),
                                 bool(cfg.get("use_bias", True))))
            weight_names[name] = stored
            pending_softmax = _fused(source, name, cfg, layers, final_allowed=False)
        elif kind == "Dense":
            units = cfg.get("units")
            if not isinstance(units, int) or isinstance(units, bool):
                raise InputError(source, f"layer {name}: units is {units!r}, expected a whole number")
            layers.append(Dense(name, units, bool(cfg.get("use_bias", True))))
            weight_names[name] = stored
            pending_softmax = _fused(source, name, cfg, layers, final_allowed=True)
        elif kind in ("MaxPooling2D", "AveragePooling2D", "MaxPool2D", "AvgPool2D", "AveragePool2D"):
            _channels_last(source, name, cfg)
            size = _ints(source, name, "pool_size", cfg.get("pool_size"), 2)
            layers.append(Pool(name, "max" if kind.startswith("Max") else "avg", size,
                               _ints(source, name, "strides", cfg.get("strides"), size), _padding(source, name, cfg)))
        elif kind == "Flatten":
            _channels_last(source, name, cfg)
            layers.append(Flatten(name))
        elif kind == "Activation":
            pending_softmax = _fused(source, name, cfg, layers, final_allowed=True, own=True)
        elif kind == "ReLU":
            if cfg.get("max_value") is not None or cfg.get("negative_slope", 0) or cfg.get("threshold", 0):
                raise InputError(source, f"layer {name}: a ReLU with max_value, negative_slope or threshold; "
                                         "supported: the plain ReLU")
            layers.append(ReLU(name))
        elif kind == "Softmax":
            pending_softmax = True
        else:
            raise InputError(source, f"layer {name} is {kind}, which is not supported; supported: {SUPPORTED}")
    if input_shape is None:
        raise InputError(source, "the model does not say its input shape (no InputLayer or batch_input_shape)")
    if pending_softmax and not (layers and isinstance(layers[-1], Dense)):
        raise InputError(source, "the softmax must come right after the last Dense layer")
    channels = input_shape[2]
    arch = Architecture(input_shape=input_shape, layers=tuple(layers), flatten_order="hwc",
                        input_scale=None if scale is None else (float(scale),) * channels,
                        input_offset=None if offset is None or scale is None else (float(offset),) * channels)
    return KerasArchitecture(arch, weight_names)


def _fused(source: Any, name: str, cfg: dict[str, Any], layers: list[Layer], final_allowed: bool,
           own: bool = False) -> bool:
    """Add a fused (or Activation-layer) ReLU as its own layer; True when the activation is a final softmax."""
    activation = _activation(cfg)
    if activation == "linear":
        return False
    if activation == "relu":
        layers.append(ReLU(name if own else f"{name}_relu"))
        return False
    if activation == "softmax" and (final_allowed or own) and layers and isinstance(layers[-1], Dense):
        return True
    raise InputError(source, f"layer {name}: activation {activation!r} is not supported; supported: relu, "
                             "and softmax after the last Dense layer")
