"""Classify image files with a TinyVGG model: the engine behind `cnn-explainer predict`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import printable
from .image_files import Warn, image_files, usable_images
from .images import to_array
from .model import forward
from .weights import Model


def predict_images(model: Model, paths: Sequence[str | Path], warn: Warn | None = None) -> list[dict]:
    """One record per usable image, in argument order: the stable `predict --json` interface.

    `paths` are files or folders, read as `build --images` reads them (image_files.py: each file
    once, an unusable one skipped with a warning). {"image": path as given, its bytes that are not
    UTF-8 shown as U+FFFD; "top1": class name; "probabilities": {class: p, ...}} with the
    probabilities in the model's class order.
    """
    pictures = usable_images(image_files(map(Path, paths)), warn, source="IMAGE")
    batch = np.stack([to_array(picture) for _, picture in pictures])
    probabilities = np.asarray(forward(model.params, batch)["output"], dtype=np.float64)
    return [
        {
            "image": printable(path),
            "top1": model.class_names[int(np.argmax(probs))],
            "probabilities": {name: float(p) for name, p in zip(model.class_names, probs)},
        }
        for (path, _), probs in zip(pictures, probabilities)
    ]
