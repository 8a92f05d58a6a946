"""The default gallery: our own drawings, reproducible, and recognised by our own model."""

from __future__ import annotations

import numpy as np
import pytest
from cnn_explainer.illustrations import DEFAULT_OUT, SUBJECTS, render_all
from conftest import DEFAULT_WEIGHTS
from PIL import Image

STEMS = list(SUBJECTS)


def test_rendering_twice_gives_identical_pixels():
    first, second = render_all(), render_all()
    assert list(first) == STEMS
    for stem in STEMS:
        assert np.array_equal(np.asarray(first[stem]), np.asarray(second[stem])), stem


def test_committed_pngs_equal_a_fresh_render():
    """Pixels, not bytes: another zlib may encode the same pixels differently."""
    for stem, image in render_all().items():
        committed = DEFAULT_OUT / f"{stem}.png"
        assert committed.is_file(), f"{committed} is missing: run python -m cnn_explainer.illustrations"
        with Image.open(committed) as old:
            assert np.array_equal(np.asarray(old), np.asarray(image)), \
                f"{committed} differs from a fresh render: run python -m cnn_explainer.illustrations"


@pytest.mark.parametrize("stem", STEMS, ids=STEMS)
def test_committed_png_is_64x64_rgb(stem):
    with Image.open(DEFAULT_OUT / f"{stem}.png") as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (64, 64))
        assert not image.info.get("exif") and not image.text  # no metadata to drift between runs


@pytest.fixture(scope="module")
def default_probabilities() -> dict[str, dict[str, float]]:
    from cnn_explainer.images import load_image
    from cnn_explainer.model import forward
    from cnn_explainer.weights import load_model

    model = load_model(DEFAULT_WEIGHTS)
    batch = np.stack([load_image(DEFAULT_OUT / f"{stem}.png") for stem in STEMS])  # (10, 64, 64, 3)
    probabilities = np.asarray(forward(model.params, batch)["output"])  # (10, 10)
    return {stem: dict(zip(model.class_names, map(float, row), strict=True))
            for stem, row in zip(STEMS, probabilities, strict=True)}


@pytest.mark.parametrize("stem", STEMS, ids=STEMS)
def test_default_model_recognises_illustration(stem, default_probabilities):
    probabilities = default_probabilities[stem]
    label = stem.replace("_", " ")
    best = max(probabilities, key=probabilities.get)
    assert probabilities[label] >= 0.5, f"{stem}.png: p({label}) = {probabilities[label]:.3f}, top-1 is {best}"

