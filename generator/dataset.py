"""Image-folder datasets (`DIR/train/<class>/*`, `DIR/val/<class>/*`) loaded into memory as uint8."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .errors import InputError
from .image_files import Warn, files_in, usable_images
from .model import INPUT_SHAPE
from .network.description import MAX_CLASSES, MIN_CLASSES


@dataclass
class Split:
    images: np.ndarray  # (N, H, W, C) uint8, at the network's input size; C is 1 for greyscale, else 3
    labels: np.ndarray  # (N,) int32, index into the dataset's class folders


def class_folders(root: Path) -> list[str]:
    """The class folders of `root/train`, sorted: their order is the model's output order.

    Their count is the network's output count, so one we cannot train or draw is refused here,
    before any image is read.
    """
    train = root / "train"
    if not train.is_dir():
        raise InputError(root, "expected a train/ folder with one sub-folder per class")
    folders = sorted(p.name for p in train.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise InputError(train, "holds no class folders")
    if not MIN_CLASSES <= len(folders) <= MAX_CLASSES:
        raise InputError(train, f"holds {len(folders)} class folder{'s' if len(folders) != 1 else ''}; "
                                f"supported: {MIN_CLASSES} to {MAX_CLASSES} classes, one sub-folder each")
    return folders


def _pixels(picture: Image.Image, channels: int) -> np.ndarray:
    """The bytes behind images.network_input (which divides them by 255): greyscale is Pillow's "L" luma."""
    if channels == 1:
        return np.asarray(picture.convert("L"), dtype=np.uint8)[..., None]
    return np.asarray(picture, dtype=np.uint8)


def load_split(root: Path, split: str, classes: list[str], warn: Warn | None = None,
               shape: tuple[int, int, int] = INPUT_SHAPE) -> Split:
    """Every usable image of one split, preprocessed exactly as `predict` and `build` preprocess them
    for a network taking `shape` (H, W, C).

    A file that is not a usable image is skipped with a warning (image_files.py: the same policy as
    `build` and `predict`); a class folder with no usable image at all is an error.
    """
    height, width, channels = shape
    images, labels = [], []
    for label, name in enumerate(classes):
        folder = root / split / name
        if not folder.is_dir():
            raise InputError(folder, f"missing: {split}/ needs the same class folders as train/")
        files = files_in(folder)
        if not files:
            raise InputError(folder, "holds no images")
        for _, picture in usable_images(files, warn, source=folder, size=(width, height)):
            images.append(_pixels(picture, channels))
            labels.append(label)
    return Split(np.stack(images), np.asarray(labels, dtype=np.int32))
