"""Classify image files with any supported network: the engine behind `cnn-explainer predict`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import printable
from .image_files import Warn, image_files, usable_images
from .images import network_input
from .model import compiled_forward
from .network.description import Network


def predict_images(model: Network, paths: Sequence[str | Path], warn: Warn | None = None) -> list[dict]:
    """One record per usable image, in argument order: the stable `predict --json` interface.

    `paths` are files or folders, read as `build --images` reads them (image_files.py: each file
    once, an unusable one skipped with a warning). Each image is fitted to the network's own input
    size and channel count. {"image": path as given, its bytes that are not UTF-8 shown as U+FFFD;
    "top1": class name; "probabilities": {class: p, ...}} with the probabilities in the model's
    class order.
    """
    height, width, channels = model.input_shape
    pictures = usable_images(image_files(map(Path, paths)), warn, source="IMAGE", size=(width, height))
    batch = np.stack([network_input(picture, channels) for _, picture in pictures])
    outputs = compiled_forward(model.architecture)(model.params, batch)
    probabilities = np.asarray(outputs[model.layers[-1].name], dtype=np.float64)
    return [
        {
            "image": printable(path),
            "top1": model.class_names[int(np.argmax(probs))],
            "probabilities": {name: float(p) for name, p in zip(model.class_names, probs)},
        }
        for (path, _), probs in zip(pictures, probabilities)
    ]
