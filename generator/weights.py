"""Model files in, TinyVGG TF.js weights out: what build, serve and train ask of a model file.

`load_network` reads any supported network (TF.js layers model, Keras 3 `.keras`, ONNX), telling the
formats apart by content; `load_model` is the site's: the same, refused in one line unless the
network is TinyVGG-shaped, the one network the site draws so far. The readers live in network/.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError
from .network import load_network
from .network.classes import read_class_names, validate_class_names
from .network.description import Architecture, Network, as_tinyvgg, tinyvgg_problem
from .network.tfjs import MODEL_FILE, ORIGINAL_CLASS_NAMES, SHARD_FILE, resolve_model_file, save_tfjs, tfjs_files

Model = Network  # the name build, train and the tests have always used

__all__ = ["MODEL_FILE", "ORIGINAL_CLASS_NAMES", "SHARD_FILE", "Model", "load_model", "load_network", "model_files",
           "read_class_names", "resolve_model_file", "save_model", "validate_class_names"]


def _require_tinyvgg(source: Path, arch: Architecture) -> None:
    problem = tinyvgg_problem(arch)
    if problem:
        raise InputError(source, f"{problem} (the site draws only TinyVGG-shaped networks so far; "
                                 "`cnn-explainer predict` runs this one)")


def load_model(path: str | Path, classes: str | Path | None = None) -> Model:
    """Read a TinyVGG-shaped network from any supported model file, with TinyVGG's layer names.

    `classes`, a class-names file (read_class_names), replaces the names the model carries.
    """
    return as_tinyvgg(load_network(path, classes, require=_require_tinyvgg))


def model_files(model: Model) -> dict[str, bytes]:
    """model.json + one shard, as bytes (`train` writes them atomically, model_output.py)."""
    return tfjs_files(model)


def save_model(model: Model, folder: str | Path) -> Path:
    """Write model.json + one shard; a Keras-compatible file the original CNN Explainer can load."""
    return save_tfjs(model, folder)
