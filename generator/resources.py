"""Where the bundled default site lives: the templates, the default content and the default weights.

A wheel installs content/, templates/ and weights/ inside the package (pyproject's package-dir maps
them to `cnn_explainer.content` and so on); an editable checkout keeps them beside generator/. Every
module asks here, so nothing else knows which of the two layouts it runs from.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_PACKAGE = Path(str(files(__package__)))


def bundled(name: str) -> Path:
    """The bundled folder `name` ("content", "templates" or "weights") as a real directory on disk."""
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


def default_folder(name: str) -> Path:
    """`./<name>/` when the current folder has one (as mkdocs reads ./mkdocs.yml), else the bundled one."""
    local = Path(name)
    return local if local.is_dir() else bundled(name)


def shown_default(name: str) -> str:
    """How --help and the `using` line name `default_folder(name)`: the folder a run from here really uses."""
    return f"./{name}/" if Path(name).is_dir() else f"the bundled default ({bundled(name)})"


TEMPLATES = bundled("templates")
CONTENT = bundled("content")
WEIGHTS = bundled("weights")
