"""Classify image files with a TinyVGG model: the engine behind `cnn-explainer predict`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .images import load_image
from .model import forward
from .weights import Model


def predict_images(model: Model, paths: Sequence[str | Path]) -> list[dict]:
    """One record per image, in argument order: the stable `predict --json` interface.

    {"image": path as given, "top1": class name, "probabilities": {class: p, ...}} with the
    probabilities in the model's class order.
    """
    batch = np.stack([load_image(p) for p in paths])
    probabilities = np.asarray(forward(model.params, batch)["output"], dtype=np.float64)
    return [
        {
            "image": str(path),
            "top1": model.class_names[int(np.argmax(probs))],
            "probabilities": {name: float(p) for name, p in zip(model.class_names, probs)},
        }
        for path, probs in zip(paths, probabilities)
    ]
