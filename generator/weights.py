"""Model files in, TinyVGG TF.js weights out: what build, serve and train ask of a model file.

`load_network` reads any supported network (TF.js layers model, Keras 3 `.keras`, ONNX), telling the
formats apart by content; `load_model` is the site's: the same network with the site's own layer names
(`site_names`), so the page's labels, data keys and URL hashes never carry a producer's node names
("/block_1/block_1.0/Conv"). The readers live in network/.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .network import load_network
from .network.classes import read_class_names, validate_class_names
from .network.description import Architecture, Network
from .network.tfjs import MODEL_FILE, ORIGINAL_CLASS_NAMES, SHARD_FILE, resolve_model_file, save_tfjs, tfjs_files

Model = Network  # the name build, train and the tests have always used

__all__ = ["MODEL_FILE", "ORIGINAL_CLASS_NAMES", "SHARD_FILE", "Model", "load_model", "load_network", "model_files",
           "read_class_names", "resolve_model_file", "save_model", "site_names", "validate_class_names",
           "with_site_names"]


def site_names(arch: Architecture) -> tuple[str, ...]:
    """The site's name for each layer, TinyVGG's scheme for any stack: block b's convolutions conv_b_1, conv_b_2,
    its ReLUs relu_b_1, ..., the pooling layer that ends it max_pool_b (or avg_pool_b); then flatten, the hidden
    Dense layers dense_1, ... (a ReLU after one: dense_relu_1) and the output layer, always "output".

    TinyVGG gets exactly its own names, so a TinyVGG read from any format builds the same site.
    """
    names = []
    block, convs, relus, dense = 1, 0, 0, 0
    for layer in arch.layers:
        if layer.kind == "conv":
            convs += 1
            names.append(f"conv_{block}_{convs}")
        elif layer.kind == "relu" and dense:
            names.append(f"dense_relu_{dense}")
        elif layer.kind == "relu":
            relus += 1
            names.append(f"relu_{block}_{relus}")
        elif layer.kind == "pool":
            names.append(f"{layer.op}_pool_{block}")  # type: ignore[union-attr]
            block, convs, relus = block + 1, 0, 0
        elif layer.kind == "flatten":
            names.append("flatten")
        elif layer is arch.layers[-1]:
            names.append("output")
        else:
            dense += 1
            names.append(f"dense_{dense}")
    return tuple(names)


def with_site_names(network: Network) -> Network:
    """The same network, its layers (and their weights) renamed by site_names: what the site's stages expect."""
    names = site_names(network.architecture)
    renames = {layer.name: name for layer, name in zip(network.layers, names)}
    layers = tuple(replace(layer, name=name) for layer, name in zip(network.layers, names))
    return replace(network, architecture=replace(network.architecture, layers=layers),
                   params={renames[name]: arrays for name, arrays in network.params.items()})


def load_model(path: str | Path, classes: str | Path | None = None) -> Model:
    """Read any supported network (`check` limits which) with the site's layer names (site_names).

    `classes`, a class-names file (read_class_names), replaces the names the model carries.
    """
    return with_site_names(load_network(path, classes))


def model_files(model: Model) -> dict[str, bytes]:
    """model.json + one shard, as bytes (`train` writes them atomically, model_output.py)."""
    return tfjs_files(model)


def save_model(model: Model, folder: str | Path) -> Path:
    """Write model.json + one shard; a Keras-compatible file the original CNN Explainer can load."""
    return save_tfjs(model, folder)
