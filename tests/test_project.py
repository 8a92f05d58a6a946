"""`cnn-explainer new`, defaults that follow the current folder, and the user's own static files."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, modes

CLI = [sys.executable, "-m", "cnn_explainer"]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_new_writes_a_project_whose_content_and_weights_are_the_defaults(tmp_path):
    result = _run("new", "site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "site"
    for name in ("content", "weights"):
        assert _tree(project / name) == _tree(REPO / name), name
    assert {".github/workflows/pages.yml", "README.md", "requirements.txt", ".gitignore"} <= set(_tree(project))
    assert "cnn-explainer==" not in (project / "requirements.txt").read_text()  # not on PyPI: a pin cannot install
    assert oct(project.stat().st_mode & 0o777) == "0o755"
    assert not [p for p in tmp_path.iterdir() if p.name != "site"]  # no staging folder left behind


def test_the_new_projects_workflow_is_ours_but_installs_its_requirements(tmp_path):
    _run("new", "site", cwd=tmp_path)
    ours = yaml.safe_load((REPO / ".github" / "workflows" / "pages.yml").read_text())
    theirs = yaml.safe_load((tmp_path / "site" / ".github" / "workflows" / "pages.yml").read_text())
    install = [i for i, step in enumerate(ours["jobs"]["build"]["steps"]) if step.get("name") == "Install"]
    assert len(install) == 1
    assert theirs["jobs"]["build"]["steps"][install[0]]["run"].startswith("pip install -r requirements.txt\n")
    theirs["jobs"]["build"]["steps"][install[0]]["run"] = ours["jobs"]["build"]["steps"][install[0]]["run"]
    assert theirs == ours


@pytest.mark.parametrize("occupant", ["a file inside", "a file in its place"])
def test_new_refuses_anything_but_a_new_or_empty_folder_and_touches_nothing(tmp_path, occupant):
    target = tmp_path / "site"
    if occupant == "a file inside":
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    else:
        target.write_text("mine")
    before = _tree(tmp_path)
    result = _run("new", "site", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: site: ") and len(result.stderr.splitlines()) == 1
    assert _tree(tmp_path) == before and sorted(os.listdir(tmp_path)) == ["site"]


def test_new_fills_an_empty_folder(tmp_path):
    (tmp_path / "site").mkdir()
    assert _run("new", "site", cwd=tmp_path).returncode == 0
    assert (tmp_path / "site" / "content" / "site.toml").is_file()


@pytest.mark.slow
def test_build_in_a_folder_with_its_own_content_uses_it_and_says_so(tmp_path):
    shutil.copytree(REPO / "content", tmp_path / "content")
    article = tmp_path / "content" / "en.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nA sentence only this folder has.\n", encoding="utf-8")
    static = tmp_path / "content" / "static"
    (static / "docs").mkdir(parents=True)
    (static / "CNAME").write_text("cnn.example.org\n")
    (static / "docs" / "paper.pdf").write_bytes(b"%PDF-1.4 not really")
    result = _run("build", cwd=tmp_path)  # no weights/ here: the bundled ones
    assert result.returncode == 0, result.stderr
    said = result.stderr.splitlines()[0]
    assert said.startswith("using content: ./content/; weights: the bundled default (")
    assert _tree(Path(said.split("(", 1)[1].rstrip(")"))) == _tree(REPO / "weights")  # installed or checkout
    site = tmp_path / "build"
    assert "A sentence only this folder has." in (site / "index.html").read_text(encoding="utf-8")
    assert (site / "CNAME").read_text() == "cnn.example.org\n"
    assert filecmp.cmp(site / "docs" / "paper.pdf", static / "docs" / "paper.pdf", shallow=False)

    # a static file may not replace one the build writes; the previous build stays whole
    before = _tree(site)
    (static / "index.html").write_text("<p>mine</p>")
    result = _run("build", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (f"error: {Path('content') / 'static' / 'index.html'}: has the path "
                                              "of a file the build writes (index.html); rename or move it")
    assert _tree(site) == before


def test_help_shows_the_default_a_run_from_here_would_use(tmp_path):
    empty = _run("build", "--help", cwd=tmp_path).stdout
    assert "the bundled default (" in " ".join(empty.split())
    (tmp_path / "content").mkdir()
    (tmp_path / "weights").mkdir()
    here = " ".join(_run("build", "--help", cwd=tmp_path).stdout.split())
    assert "[default: (./content/)]" in here and "[default: (./weights/)]" in here


def test_the_new_project_has_the_modes_the_umask_gives(tmp_path, umask):
    from cnn_explainer.project import create_project

    create_project(tmp_path / "site")
    assert modes(tmp_path / "site") == {("d", 0o777 & ~umask), ("f", 0o666 & ~umask)}
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


class _Installed:
    """A distribution as importlib.metadata gives it, with the direct_url.json pip wrote (PEP 610)."""

    def __init__(self, direct_url: dict | None) -> None:
        self.direct_url = direct_url

    def read_text(self, name: str) -> str | None:
        import json
        return json.dumps(self.direct_url) if name == "direct_url.json" and self.direct_url else None


@pytest.mark.parametrize(("direct_url", "repository", "expected"), [
    ({"url": "https://github.com/someone/cnn-explainer", "vcs_info": {"vcs": "git", "commit_id": "a" * 40}}, "",
     "git+https://github.com/someone/cnn-explainer@" + "a" * 40),
    ({"url": "https://example.org/cnn_explainer-0.1.0.tar.gz", "archive_info": {}}, "",
     "https://example.org/cnn_explainer-0.1.0.tar.gz"),
    ({"url": "file:///home/me/cnn-explainer", "dir_info": {"editable": True}}, "https://github.com/us/cnn-explainer",
     "git+https://github.com/us/cnn-explainer"),
    ({"url": "file:///home/me/cnn-explainer", "dir_info": {}}, "", None),
    (None, "", None),
], ids=["from-git", "from-a-web-archive", "local-then-site-toml", "local-only", "no-record"])
def test_requirements_name_a_cnn_explainer_pip_can_install_on_a_runner(monkeypatch, direct_url, repository, expected):
    from cnn_explainer import project
    from packaging.requirements import Requirement

    monkeypatch.setattr(project.metadata, "distribution", lambda name: _Installed(direct_url))
    real_config = project.load_config
    monkeypatch.setattr(project, "load_config", lambda content: __import__("dataclasses").replace(
        real_config(content), repository=repository))
    assert project.install_source() == expected
    lines = [line for line in project.requirements_text(expected).splitlines() if not line.startswith("#")]
    if expected is None:
        assert lines == []
    else:
        [requirement] = [Requirement(line) for line in lines]
        assert (requirement.name, requirement.url, str(requirement.specifier)) == ("cnn-explainer", expected, "")


def test_the_workflow_stops_at_install_when_requirements_name_no_cnn_explainer(tmp_path):
    """Its Install step run by bash with a pip that installs nothing: one ::error line, exit 1."""
    step = next(s for s in yaml.safe_load((REPO / "generator" / "project_template" / "pages.yml").read_text())
                ["jobs"]["build"]["steps"] if s.get("name") == "Install")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "pip").write_text("#!/bin/sh\nexit 0\n")
    (tmp_path / "bin" / "pip").chmod(0o755)
    result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, capture_output=True, text=True,
                            env={"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"})
    assert result.returncode == 1
    assert result.stdout.strip() == ("::error file=requirements.txt::names no cnn-explainer to install; "
                                     "see its comments")
