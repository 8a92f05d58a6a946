"""Image-folder datasets (`DIR/train/<class>/*`, `DIR/val/<class>/*`) loaded into memory as uint8."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import InputError
from .image_files import Warn, files_in, usable_images


@dataclass
class Split:
    images: np.ndarray  # (N, 64, 64, 3) uint8
    labels: np.ndarray  # (N,) int32, index into the dataset's class folders


def class_folders(root: Path) -> list[str]:
    """The class folders of `root/train`, sorted: their order is the model's output order."""
    train = root / "train"
    if not train.is_dir():
        raise InputError(root, "expected a train/ folder with one sub-folder per class")
    folders = sorted(p.name for p in train.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise InputError(train, "holds no class folders")
    return folders


def load_split(root: Path, split: str, classes: list[str], warn: Warn | None = None) -> Split:
    """Every usable image of one split, preprocessed exactly as `predict` and `build` preprocess them.

    A file that is not a usable image is skipped with a warning (image_files.py: the same policy as
    `build` and `predict`); a class folder with no usable image at all is an error.
    """
    images, labels = [], []
    for label, name in enumerate(classes):
        folder = root / split / name
        if not folder.is_dir():
            raise InputError(folder, f"missing: {split}/ needs the same class folders as train/")
        files = files_in(folder)
        if not files:
            raise InputError(folder, "holds no images")
        for _, picture in usable_images(files, warn, source=folder):
            images.append(np.asarray(picture, dtype=np.uint8))
            labels.append(label)
    return Split(np.stack(images), np.asarray(labels, dtype=np.int32))
