"""Classify image files with any supported network: the engine behind `cnn-explainer predict`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .images import load_image
from .model import compiled_forward
from .network.description import Network


def predict_images(model: Network, paths: Sequence[str | Path]) -> list[dict]:
    """One record per image, in argument order: the stable `predict --json` interface.

    {"image": path as given, "top1": class name, "probabilities": {class: p, ...}} with the
    probabilities in the model's class order. Each image is fitted to the network's own input size
    and channel count.
    """
    batch = np.stack([load_image(p, model.input_shape) for p in paths])
    outputs = compiled_forward(model.architecture)(model.params, batch)
    probabilities = np.asarray(outputs[model.layers[-1].name], dtype=np.float64)
    return [
        {
            "image": str(path),
            "top1": model.class_names[int(np.argmax(probs))],
            "probabilities": {name: float(p) for name, p in zip(model.class_names, probs)},
        }
        for path, probs in zip(paths, probabilities)
    ]
