"""`cnn-explainer new DIR`: a ready project folder that `cnn-explainer build` and `serve` use as they are.

It holds copies of the bundled defaults (content/ with its samples, weights/ with the model card and
history), a GitHub Pages workflow, a requirements.txt naming where that workflow installs cnn-explainer
from, and a short README. It is written into a temporary sibling and moved into place whole, so a failure
leaves nothing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

from .config import load_config
from .errors import InputError
from .resources import CONTENT, WEIGHTS

TEMPLATE = Path(__file__).resolve().parent / "project_template"
WORKFLOW = Path(".github") / "workflows" / "pages.yml"


def _check_target(target: Path) -> None:
    """A new or empty folder only: a project is never written over anything."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise InputError(target, "exists and is not a folder; give a new or empty folder")
    if target.is_dir() and any(target.iterdir()):
        raise InputError(target, "is not empty; give a new or empty folder (nothing was changed)")
    if not target.absolute().parent.is_dir():
        raise InputError(target.absolute().parent, "no such folder")


def _fill(folder: Path) -> None:
    _copy_tree(CONTENT, folder / "content")
    _copy_tree(WEIGHTS, folder / "weights")
    (folder / WORKFLOW).parent.mkdir(parents=True)
    shutil.copyfile(TEMPLATE / "pages.yml", folder / WORKFLOW)
    shutil.copyfile(TEMPLATE / "README.md", folder / "README.md")
    (folder / "requirements.txt").write_text(requirements_text(install_source()), encoding="utf-8")
    (folder / ".gitignore").write_text("/build/\n/build.*/\n/runs/\n", encoding="utf-8")




def install_source() -> str | None:
    """Where the Pages workflow can pip-install this cnn-explainer from, or None when nothing says.

    cnn-explainer is not on PyPI, so a version pin would not install. Tried in turn: the URL pip installed
    this copy from (PEP 610's direct_url.json), when it is a git repository or an archive on the web (a local
    folder or wheel is not reachable from a GitHub runner); then the `repository` the bundled site.toml names.
    """
    try:
        record = json.loads(metadata.distribution("cnn-explainer").read_text("direct_url.json") or "{}")
    except (metadata.PackageNotFoundError, json.JSONDecodeError):
        record = {}
    url = str(record.get("url", ""))
    vcs = record.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and url.startswith(("https://", "ssh://", "git://")):
        return f"git+{url}@{vcs['commit_id']}" if vcs.get("commit_id") else f"git+{url}"
    if "archive_info" in record and url.startswith("https://"):
        return url
    repository = load_config(CONTENT).repository
    return f"git+{repository}" if repository else None


def requirements_text(source: str | None) -> str:
    """requirements.txt for the Pages workflow: cnn-explainer from `source`, or comments saying what to write."""
    if source:
        return ("# What the Pages workflow installs: the cnn-explainer that wrote this folder (see README.md).\n"
                f"cnn-explainer @ {source}\n")
    return ("# What the Pages workflow installs (see README.md). cnn-explainer is not on PyPI, and the copy that\n"
            "# wrote this folder was installed from a local folder or wheel, which GitHub cannot reach. Name its\n"
            "# source in a line pip takes, such as:\n"
            "#   cnn-explainer @ git+https://github.com/OWNER/cnn-explainer@COMMIT\n"
            "# or commit the wheel into this folder and name it: ./cnn_explainer-VERSION-py3-none-any.whl\n")


def _copy_tree(source: Path, target: Path) -> None:
    """The files under `source` (not __pycache__), new files with the modes the umask gives: copytree would copy
    the installed package's modes instead."""
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.relative_to(source).parts:
            (target / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / path.relative_to(source))


def create_project(target: Path) -> list[Path]:
    """Write a new project into `target` (missing or empty); returns its files, relative to it."""
    _check_target(target)
    target = Path(target).absolute()
    # mkdtemp's folder is private (0700) whatever the umask: the project is made inside it by mkdir, so it gets
    # the mode any new folder gets.
    container = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        staging = container / target.name
        staging.mkdir()
        _fill(staging)
        if target.is_dir():
            target.rmdir()  # empty, checked above; rmdir refuses if something appeared meanwhile
        staging.rename(target)
    finally:
        shutil.rmtree(container, ignore_errors=True)
    return sorted(p.relative_to(target) for p in target.rglob("*") if p.is_file())
