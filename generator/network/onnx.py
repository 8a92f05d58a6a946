"""ONNX models (PyTorch's torch.onnx.export, either exporter) read into a Network.

The graph must be one chain from the image input to the one output: Conv, Relu, MaxPool,
AveragePool, Flatten or a Reshape to (batch, features), Gemm or MatMul (+ Add), and Identity,
Dropout and a final Softmax, which are dropped. Layouts are converted here: OIHW kernels to
HWIO, (out, in) dense weights to (in, out); PyTorch flattens (C, H, W), which the description
records. A batch-1 export (the dynamo exporter's default) still runs a whole batch: a Reshape
to (1, features) is read as a flatten. Weights in external data files are read only from inside
the model's folder, and every tensor's declared size is checked before anything is allocated.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper

from ..errors import InputError
from .classes import numbered_class_names, validate_class_names
from .description import (
    SUPPORTED,
    Architecture,
    Conv2D,
    Dense,
    Flatten,
    Layer,
    Network,
    Pool,
    ReLU,
    check,
    output_shapes,
)

MAX_ONNX_BYTES = 512_000_000
MAX_TENSOR_ELEMENTS = 80_000_000  # above the largest Dense the limits allow (128*128*32 inputs x 128 units)
_DROPPED = {"Identity", "Dropout"}
_FINAL = {"Softmax", "LogSoftmax"}  # softmax of either gives the same probabilities


@dataclass
class _Tensor:
    """An initializer or Constant: its shape is known at once, its values only when read."""

    proto: TensorProto

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.proto.dims)


_A = onnx.AttributeProto
# The type each attribute we read must have: a damaged or hostile file may give `kernel_shape` as a
# string or no value at all, and nothing downstream should have to guess.
_ATTRIBUTE_TYPES = {
    "kernel_shape": _A.INTS, "strides": _A.INTS, "dilations": _A.INTS, "pads": _A.INTS,
    "group": _A.INT, "axis": _A.INT, "ceil_mode": _A.INT, "count_include_pad": _A.INT, "allowzero": _A.INT,
    "transA": _A.INT, "transB": _A.INT, "alpha": _A.FLOAT, "beta": _A.FLOAT, "auto_pad": _A.STRING,
    "value": _A.TENSOR,
}


def _attrs(path: Path, node: onnx.NodeProto) -> dict[str, Any]:
    """The node's attributes as Python values, each of the type the ONNX operator defines for it."""
    attrs = {}
    for attribute in node.attribute:
        expected = _ATTRIBUTE_TYPES.get(attribute.name)
        if expected is not None and attribute.type != expected:
            given = _A.AttributeType.Name(attribute.type) if attribute.type in _A.AttributeType.values() \
                else str(attribute.type)
            raise InputError(path, f"node {node.name or node.op_type}: attribute {attribute.name!r} has type "
                                   f"{given}, expected {_A.AttributeType.Name(expected)}")
        attrs[attribute.name] = helper.get_attribute_value(attribute) if expected is not None else None
    return attrs


def _external_file(path: Path, tensor: TensorProto) -> tuple[Path, int, int | None]:
    """The file, offset and length of an external tensor; only a file inside the model's folder."""
    entries = {e.key: e.value for e in tensor.external_data}
    location = entries.get("location", "")
    folder = path.parent.resolve()
    if not location or "\0" in location or Path(location).is_absolute() or location.startswith(("/", "\\")) \
            or ":" in location or ".." in Path(location).parts:
        raise InputError(path, f"tensor {tensor.name} is stored in {location[:80]!r}, which is not a file name "
                               "inside the model's folder")
    try:
        target = (folder / location).resolve()
    except (OSError, RuntimeError) as exc:
        raise InputError(path, f"tensor {tensor.name}: cannot open {location!r} ({exc})") from None
    if not target.is_relative_to(folder):
        raise InputError(path, f"tensor {tensor.name} is stored in {location!r}, which points outside the "
                               "model's folder")
    if not target.is_file():
        raise InputError(path, f"tensor {tensor.name}: external data file {location!r} is missing")
    try:
        offset = int(entries.get("offset", "0"))
        length = int(entries["length"]) if "length" in entries else None
    except ValueError:
        raise InputError(path, f"tensor {tensor.name}: external data offset or length is not a number") from None
    return target, offset, length


def _values(path: Path, tensor: TensorProto) -> np.ndarray:
    """A float32 tensor's values, refusing any other type and any size that does not add up."""
    shape = tuple(int(d) for d in tensor.dims)
    count = math.prod(shape)
    if tensor.data_type != TensorProto.FLOAT:
        known = tensor.data_type in TensorProto.DataType.values()
        kind = TensorProto.DataType.Name(tensor.data_type) if known else tensor.data_type
        raise InputError(path, f"tensor {tensor.name} has type {kind}, expected FLOAT")
    if tensor.data_location == TensorProto.EXTERNAL:
        target, offset, length = _external_file(path, tensor)
        size = target.stat().st_size
        if length is None:
            length = size - offset
        if length != 4 * count or offset < 0 or offset + length > size:
            raise InputError(path, f"tensor {tensor.name} needs {4 * count:,} bytes, its external data gives "
                                   f"{length:,} at offset {offset:,} of a {size:,}-byte file")
        with target.open("rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
        array = np.frombuffer(data, "<f4")
    elif tensor.raw_data:
        if len(tensor.raw_data) != 4 * count:
            raise InputError(path, f"tensor {tensor.name} holds {len(tensor.raw_data):,} bytes, its shape "
                                   f"{shape} needs {4 * count:,}")
        array = np.frombuffer(tensor.raw_data, "<f4")
    else:
        if len(tensor.float_data) != count:
            raise InputError(path, f"tensor {tensor.name} holds {len(tensor.float_data):,} values, its shape "
                                   f"{shape} needs {count:,}")
        array = np.asarray(tensor.float_data, np.float32)
    array = array.reshape(shape).astype(np.float32)
    if not np.all(np.isfinite(array)):
        raise InputError(path, f"tensor {tensor.name} holds NaN or infinite values")
    return array


def _int_values(path: Path, tensor: TensorProto) -> list[int]:
    if tensor.data_type != TensorProto.INT64 or len(tensor.dims) != 1 or tensor.dims[0] > 8 \
            or tensor.data_location == TensorProto.EXTERNAL:
        raise InputError(path, f"Reshape target {tensor.name} is not a short list of int64")
    if tensor.raw_data:
        if len(tensor.raw_data) != 8 * tensor.dims[0]:
            raise InputError(path, f"Reshape target {tensor.name} has the wrong number of bytes")
        return [int(v) for v in np.frombuffer(tensor.raw_data, "<i8")]
    return [int(v) for v in tensor.int64_data]


def _load(path: Path) -> onnx.ModelProto:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(path, f"cannot read it ({exc.strerror})") from None
    if size > MAX_ONNX_BYTES:
        raise InputError(path, f"the model is {size:,} bytes, more than {MAX_ONNX_BYTES:,}")
    try:
        return onnx.load_model_from_string(path.read_bytes())
    except OSError as exc:
        raise InputError(path, f"cannot read it ({exc.strerror})") from None
    except Exception as exc:  # protobuf's DecodeError and friends: the bytes are not a ModelProto
        raise InputError(path, f"not an ONNX model ({type(exc).__name__})") from None


def _input(path: Path, graph: onnx.GraphProto, constants: dict[str, _Tensor]) -> tuple[str, tuple[int, int, int]]:
    inputs = [i for i in graph.input if i.name not in constants]
    if len(inputs) != 1:
        raise InputError(path, f"the model has {len(inputs)} inputs, expected one image input")
    tensor = inputs[0].type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim]
    if tensor.elem_type != TensorProto.FLOAT or len(dims) != 4 or any(d is None or d < 1 for d in dims[1:]):
        raise InputError(path, f"input {inputs[0].name} is not a float image of known (batch, channels, height, "
                               f"width) shape: {dims}")
    _, c, h, w = dims
    return inputs[0].name, (int(h), int(w), int(c))


def _pads(path: Path, node: onnx.NodeProto, attrs: dict[str, Any], size: tuple[int, int],
          window: tuple[int, int], strides: tuple[int, int]) -> Any:
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto == "VALID":
        return "valid"
    if auto == "SAME_UPPER":
        return "same"
    if auto == "SAME_LOWER":  # the odd pixel of padding goes first
        pads = []
        for n, k, s in zip(size, window, strides):
            total = max((-(-n // s) - 1) * s + k - n, 0)
            pads.append((total - total // 2, total // 2))
        return tuple(pads)
    if auto != "NOTSET":
        raise InputError(path, f"node {node.name or node.op_type}: auto_pad {auto!r} is not supported")
    pads = [int(p) for p in attrs.get("pads", [0, 0, 0, 0])]
    if len(pads) != 4:
        raise InputError(path, f"node {node.name or node.op_type}: pads {pads} are not 2-D")
    explicit = ((pads[0], pads[2]), (pads[1], pads[3]))
    return "valid" if explicit == ((0, 0), (0, 0)) else explicit


def _pair(path: Path, node: onnx.NodeProto, attrs: dict[str, Any], key: str, default: tuple[int, int]) \
        -> tuple[int, int]:
    value = attrs.get(key, default)
    if not isinstance(value, list | tuple) or len(value) != 2 or not all(isinstance(v, int) and v >= 1 for v in value):
        raise InputError(path, f"node {node.name or node.op_type}: {key} {value!r} is not two positive whole numbers")
    return int(value[0]), int(value[1])


def _name(taken: set[str], wanted: str) -> str:
    """A layer name from the producer's (PyTorch's module path, "block_1.0"), unique."""
    base = wanted.strip("/").replace("/", ".") or "layer"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


def read_onnx(path: str | Path, require: Callable[[Path, Architecture], None] | None = None) -> Network:
    """Read an ONNX classifier; `require` may refuse the architecture before any weight is read."""
    path = Path(path)
    model = _load(path)
    graph = model.graph
    constants = {t.name: _Tensor(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and len(node.output) == 1:
            value = _attrs(path, node).get("value")
            if isinstance(value, TensorProto):
                constants[node.output[0]] = _Tensor(value)
    for tensor in constants.values():
        if len(tensor.shape) > 4 or any(d < 0 for d in tensor.shape) or math.prod(tensor.shape) > MAX_TENSOR_ELEMENTS:
            raise InputError(path, f"tensor {tensor.proto.name} declares shape {tensor.shape}, too large or not a "
                                   "weight of a supported layer")
    current, input_shape = _input(path, graph, constants)
    if len(graph.output) != 1:
        raise InputError(path, f"the model has {len(graph.output)} outputs, expected one (the class scores)")

    layers: list[Layer] = []
    sources: dict[str, tuple[str, bool, str | None, float, float]] = {}  # layer -> (weight, transpose, bias, a, b)
    taken: set[str] = set()
    shape: tuple[int, ...] = input_shape
    finished = False
    nodes = [n for n in graph.node if n.op_type != "Constant"]
    index = 0
    while index < len(nodes):
        node = nodes[index]
        index += 1
        label = node.name or node.op_type
        op = node.op_type
        data = [i for i in node.input if i and i not in constants]
        if node.domain not in ("", "ai.onnx"):
            raise InputError(path, f"node {label} is {node.domain}.{op}, which is not supported; supported: "
                                   f"{SUPPORTED}")
        if data != [current] or not node.input or node.input[0] != current or len(node.output) != 1:
            what = "a residual Add" if op in ("Add", "Sum") and len(data) > 1 else f"{op} reading {list(node.input)}"
            raise InputError(path, f"node {label} is {what}, not one step of a plain chain of layers; "
                                   f"supported: {SUPPORTED}")
        if finished:
            raise InputError(path, f"node {label} ({op}) follows the softmax; a softmax is supported only at the end")
        attrs = _attrs(path, node)
        current = node.output[0]
        if op in _DROPPED:
            continue
        if op in _FINAL:
            axis = attrs.get("axis", -1)
            if len(shape) != 1 or axis not in (-1, 1):
                raise InputError(path, f"node {label}: a {op} is supported only over the class scores at the end")
            finished = True
            continue
        if op == "Relu":
            layers.append(ReLU(_name(taken, f"relu_{len(layers)}")))
            continue
        if op == "Conv":
            if len(shape) != 3 or len(node.input) < 2 or node.input[1] not in constants:
                raise InputError(path, f"node {label}: a Conv needs an image and constant weights")
            weight = constants[node.input[1]]
            if len(weight.shape) != 4:
                raise InputError(path, f"node {label}: weight {weight.proto.name} has shape {weight.shape}, "
                                       "expected (out, in, height, width)")
            group = int(attrs.get("group", 1))
            if group != 1:
                raise InputError(path, f"node {label} is a grouped convolution (group={group}); supported: group=1")
            out_c, in_c, kh, kw = weight.shape
            if in_c != shape[2]:
                raise InputError(path, f"node {label}: weight {weight.proto.name} takes {in_c} channels, the layer "
                                       f"before gives {shape[2]}")
            if tuple(attrs.get("kernel_shape", (kh, kw))) != (kh, kw):
                raise InputError(path, f"node {label}: kernel_shape {attrs['kernel_shape']} differs from the "
                                       f"weight's {(kh, kw)}")
            bias = node.input[2] if len(node.input) > 2 and node.input[2] else None
            if bias is not None and (bias not in constants or constants[bias].shape != (out_c,)):
                raise InputError(path, f"node {label}: bias {bias} is not a constant of shape ({out_c},)")
            strides = _pair(path, node, attrs, "strides", (1, 1))
            dilation = _pair(path, node, attrs, "dilations", (1, 1))
            window = ((kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1)
            name = _name(taken, weight.proto.name.removesuffix(".weight") if weight.proto.name else f"conv_{index}")
            layers.append(Conv2D(name, out_c, (kh, kw), strides, _pads(path, node, attrs, shape[:2], window, strides),
                                 dilation, bias is not None))
            sources[name] = (weight.proto.name, False, bias, 1.0, 1.0)
        elif op in ("MaxPool", "AveragePool"):
            if len(shape) != 3 or len(node.output) != 1:
                raise InputError(path, f"node {label}: pooling needs an image")
            size = _pair(path, node, attrs, "kernel_shape", (0, 0))
            strides = _pair(path, node, attrs, "strides", (1, 1))
            if _pair(path, node, attrs, "dilations", (1, 1)) != (1, 1):
                raise InputError(path, f"node {label}: dilated pooling is not supported")
            padding = _pads(path, node, attrs, shape[:2], size, strides)
            if attrs.get("ceil_mode", 0):
                pads = padding if isinstance(padding, tuple) else ((0, 0), (0, 0))
                if padding == "same" or any((n + p[0] + p[1] - k) % s for n, p, k, s in
                                            zip(shape[:2], pads, size, strides)):
                    raise InputError(path, f"node {label}: ceil_mode=1 changes this pooling's output; "
                                           "supported: ceil_mode=0")
            layers.append(Pool(_name(taken, f"{'max' if op == 'MaxPool' else 'avg'}_pool_{len(layers)}"),
                               "max" if op == "MaxPool" else "avg", size, strides, padding,
                               bool(attrs.get("count_include_pad", 0))))
        elif op in ("Flatten", "Reshape"):
            features = math.prod(shape)
            if op == "Flatten" and attrs.get("axis", 1) != 1:
                raise InputError(path, f"node {label}: Flatten axis {attrs.get('axis')} is not 1")
            if op == "Reshape":
                target = constants.get(node.input[1]) if len(node.input) > 1 else None
                if target is None:
                    raise InputError(path, f"node {label}: a Reshape is supported only to a constant shape")
                dims = _int_values(path, target.proto)
                zero_copies = not attrs.get("allowzero", 0)
                if len(dims) != 2 or dims[0] not in (1, -1, *((0,) if zero_copies else ())) \
                        or dims[1] not in (features, -1) or dims == [-1, -1]:
                    raise InputError(path, f"node {label}: a Reshape to {dims} is not a flatten to (batch, "
                                           f"{features}); supported: Flatten, or Reshape to (batch, features)")
            if len(shape) != 3:
                shape_text = "x".join(map(str, shape))
                raise InputError(path, f"node {label}: flattening a {shape_text} tensor; supported: one flatten "
                                       "of an image")
            layers.append(Flatten(_name(taken, "flatten")))
        elif op in ("Gemm", "MatMul"):
            weight = constants.get(node.input[1]) if len(node.input) > 1 else None
            if weight is None or len(weight.shape) != 2 or len(shape) != 1:
                raise InputError(path, f"node {label}: a {op} needs flattened input and a constant 2-D weight")
            transpose = bool(attrs.get("transB", 0)) if op == "Gemm" else False
            if attrs.get("transA", 0):
                raise InputError(path, f"node {label}: Gemm with transA=1 is not supported")
            fan_in, units = weight.shape[::-1] if transpose else weight.shape
            bias = node.input[2] if op == "Gemm" and len(node.input) > 2 and node.input[2] else None
            if op == "MatMul" and index < len(nodes) and nodes[index].op_type == "Add" \
                    and current in nodes[index].input:
                add = nodes[index]
                others = [i for i in add.input if i != current]
                if len(others) == 1 and others[0] in constants:
                    bias, current = others[0], add.output[0]
                    index += 1
            if bias is not None and (bias not in constants or constants[bias].shape not in ((units,), (1, units))):
                raise InputError(path, f"node {label}: bias {bias} is not a constant of shape ({units},)")
            if fan_in != shape[0]:
                raise InputError(path, f"node {label}: weight {weight.proto.name} takes {fan_in} inputs, the layer "
                                       f"before gives {shape[0]}")
            name = _name(taken, weight.proto.name.removesuffix(".weight") if weight.proto.name else f"dense_{index}")
            layers.append(Dense(name, units, bias is not None))
            sources[name] = (weight.proto.name, transpose, bias, float(attrs.get("alpha", 1.0)),
                             float(attrs.get("beta", 1.0)))
        else:
            raise InputError(path, f"node {label} is {op}, which is not supported; supported: {SUPPORTED}")
        shape = output_shapes(Architecture(input_shape, tuple(layers)))[-1]
    if graph.output[0].name != current:
        raise InputError(path, f"the model's output {graph.output[0].name!r} is not the end of its layer chain")

    arch = Architecture(input_shape=input_shape, layers=tuple(layers), flatten_order="chw")
    check(path, arch)
    if require is not None:
        require(path, arch)
    params: dict[str, dict[str, np.ndarray]] = {}
    for layer in arch.layers:
        if layer.name not in sources:
            continue
        weight_name, transpose, bias_name, alpha, beta = sources[layer.name]
        values = _values(path, constants[weight_name].proto)
        if isinstance(layer, Conv2D):
            kernel = np.ascontiguousarray(np.transpose(values, (2, 3, 1, 0)))  # OIHW -> HWIO
            units = layer.filters
        else:
            kernel = np.ascontiguousarray(values.T if transpose else values) * np.float32(alpha)  # -> (in, out)
            units = layer.units
        bias = (_values(path, constants[bias_name].proto).reshape(units) * np.float32(beta) if bias_name
                else np.zeros(units, np.float32))
        params[layer.name] = {"kernel": kernel.astype(np.float32), "bias": bias.astype(np.float32)}
    count = arch.layers[-1].units  # type: ignore[union-attr]
    class_names = numbered_class_names(count)
    metadata = {p.key: p.value for p in model.metadata_props}
    if "class_names" in metadata:
        try:
            names = json.loads(metadata["class_names"])
        except (json.JSONDecodeError, RecursionError):
            raise InputError(path, "metadata class_names is not a JSON list") from None
        class_names = validate_class_names(path, names, count)
    return Network(params=params, class_names=class_names, source=str(path),
                   metadata={"producer": f"{model.producer_name} {model.producer_version}".strip()},
                   architecture=arch)

