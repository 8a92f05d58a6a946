"""Whether a build uses the project's own defaults: the bundled weights, the bundled gallery pictures.

The article says different things about each (the Credits: what the default model was trained on, who
drew the pictures), so a build with a reader's own model or photos must not repeat them. The check is
by content, not by path: `cnn-explainer new` copies the defaults into a project folder, and they stay
the defaults there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from .errors import InputError
from .images import IMAGE_SUFFIXES
from .resources import CONTENT, WEIGHTS
from .weights import MODEL_FILE, SHARD_FILE, resolve_model_file


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _model_digests(model_file: Path) -> tuple[str, ...] | None:
    """The digests of a TF.js model's two files; None for any other model format or layout."""
    shard = model_file.parent / SHARD_FILE
    if model_file.name != MODEL_FILE or not shard.is_file():
        return None
    return _digest(model_file), _digest(shard)


@cache
def _bundled_pictures() -> frozenset[str]:
    folder = CONTENT / "samples"
    return frozenset(_digest(p) for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def is_default_model(weights: str | Path) -> bool:
    """Whether `weights` holds the very model bundled with the tool (byte for byte)."""
    try:
        mine = _model_digests(resolve_model_file(weights))
    except InputError:  # a folder holding another format: not ours
        return False
    return mine is not None and mine == _model_digests(WEIGHTS / MODEL_FILE)


def are_bundled_pictures(paths: Iterable[Path]) -> bool:
    """Whether every one of `paths` is one of the gallery pictures bundled with the tool (drawn by our code)."""
    bundled = _bundled_pictures()
    return all(_digest(p) in bundled for p in paths)
