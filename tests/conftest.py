"""Shared paths and fixtures: the reference model and images live in ../shared, read by path only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property and fuzz tests: deterministic (the same examples every run, so CI cannot flake) and modest
# (CI has two cores). HYPOTHESIS_PROFILE=thorough runs many more examples, still derandomized.
settings.register_profile("ci", derandomize=True, max_examples=40, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", settings.get_profile("ci"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

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


def without_using(output: str) -> str:
    """A command's output less the line that says which default folders it used (cli._resolve_defaults)."""
    return "".join(line for line in output.splitlines(keepends=True) if not line.startswith("using "))


def needs(path: Path) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not path.exists(), reason=f"{path} is not beside the checkout")


@pytest.fixture(scope="session")
def reference_model():
    if not REFERENCE_MODEL.exists():
        pytest.skip("../shared/reference is not beside the checkout")
    from cnn_explainer.weights import load_model
    return load_model(REFERENCE_MODEL)


@pytest.fixture(params=[0o022, 0o027], ids=["umask-022", "umask-027"])
def umask(request):
    """The process's umask set for one test (restored after): a published folder must follow it."""
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def modes(root: Path) -> set[tuple[str, int]]:
    """("d" or "f", permission bits) of `root` and of everything under it."""
    return {("d" if p.is_dir() else "f", p.stat().st_mode & 0o777) for p in [root, *root.rglob("*")]}
