"""Model files -> one Network: a reader per format, the format told by the file's content.

    model.json (TF.js layers) ─┐
    model.keras (Keras 3)     ─┼─> description.Network ─> model.forward_network ─> predict, the site
    model.onnx (PyTorch, ...) ─┘

Each reader converts to our layout at the edge (NHWC, HWIO, (in, out) dense kernels) and records
the producer's flatten order; nothing after `load_network` knows which format a network came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..errors import InputError
from .classes import read_class_names
from .description import Architecture, Network

Require = Callable[[Path, Architecture], None]
SNIFF_BYTES = 64


def detect_format(path: Path) -> str:
    """"tfjs", "keras" or "onnx", from what the file holds (its name only breaks a tie)."""
    if path.is_dir() or path.suffix.lower() == ".json":
        return "tfjs"
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise InputError(path, "no such model file (give a model.json or its folder, a .keras or an .onnx file)") \
            from None
    except OSError as exc:
        raise InputError(path, f"cannot read it ({exc.strerror})") from None
    if head.startswith(b"PK\x03\x04"):
        return "keras"  # the Keras reader checks the zip holds config.json
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "tfjs"
    # An ONNX ModelProto starts with field 1, ir_version, a varint: the byte 0x08.
    if head.startswith(b"\x08") or path.suffix.lower() == ".onnx":
        return "onnx"
    raise InputError(path, "not a model file we read: give a TF.js model.json (or its folder), a Keras 3 .keras "
                           "file or an ONNX .onnx file")


def _missing_extra(path: Path, extra: str, module: str) -> InputError:
    return InputError(path, f"reading this {extra} model needs the {module} package: "
                            f"pip install 'cnn-explainer[{extra}]'")


def load_network(path: str | Path, classes: str | Path | None = None, require: Require | None = None) -> Network:
    """Read, validate and convert any supported model file; the only way weights enter the pipeline.

    `require` may refuse the architecture before any weight is read; `classes`, a class-names file,
    replaces the names the model carries.
    """
    path = Path(path)
    kind = detect_format(path)
    if kind == "tfjs":
        from .tfjs import read_tfjs
        network = read_tfjs(path, require)
    elif kind == "keras":
        try:
            from .keras import read_keras
        except ImportError:
            raise _missing_extra(path, "keras", "h5py") from None
        network = read_keras(path, require)
    else:
        try:
            from .onnx import read_onnx
        except ImportError:
            raise _missing_extra(path, "onnx", "onnx") from None
        network = read_onnx(path, require)
    if classes is not None:
        network = replace(network, class_names=read_class_names(classes, network.num_classes))
    return network
