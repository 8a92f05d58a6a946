"""Shared paths and fixtures: the reference model and images live in ../shared, read by path only."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
REFERENCE = SHARED / "reference" / "cnn-explainer"
REFERENCE_MODEL = REFERENCE / "model"
DATASET = SHARED / "datasets" / "tiny-imagenet-10"
DEFAULT_WEIGHTS = REPO / "weights"

# The original CNN Explainer's ten samples and the class its in-browser model shows for each.
ORIGINAL_TOP1 = {
    "boat_1": "lifeboat", "bug_1": "ladybug", "pizza_1": "pizza", "pepper_1": "bell pepper",
    "bus_1": "school bus", "koala_1": "koala", "espresso_1": "espresso", "panda_1": "red panda",
    "orange_1": "orange", "car_1": "sport car",
}


def needs(path: Path) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not path.exists(), reason=f"{path} is not beside the checkout")


@pytest.fixture(scope="session")
def reference_model():
    if not REFERENCE_MODEL.exists():
        pytest.skip("../shared/reference is not beside the checkout")
    from generator.weights import load_model
    return load_model(REFERENCE_MODEL)
