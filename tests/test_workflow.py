"""The GitHub Pages workflow: builds with the CLI and publishes the folder with its dotfiles."""

from __future__ import annotations

import subprocess
import tarfile

import yaml
from conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"


def _steps() -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["build"]["steps"]


def test_it_builds_with_the_cli_and_deploys_the_pages_artifact():
    doc = yaml.safe_load(WORKFLOW.read_text())
    assert doc[True]["push"]["branches"] == ["main"]  # YAML reads the key `on` as True
    runs = [step.get("run", "") for step in _steps()]
    assert any(run.startswith("cnn-explainer build --base-url") for run in runs)
    upload = next(step for step in _steps() if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "github-pages"
    assert doc["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_the_archive_keeps_nojekyll(tmp_path):
    site = tmp_path / "build"
    (site / "assets").mkdir(parents=True)
    (site / ".nojekyll").write_bytes(b"")
    (site / "index.html").write_text("<!doctype html>")
    (site / "assets" / "site.css").write_text("")
    archive = next(step["run"] for step in _steps() if step.get("name") == "Archive the site")
    subprocess.run(archive, shell=True, cwd=tmp_path, env={"RUNNER_TEMP": str(tmp_path), "PATH": "/usr/bin:/bin"},
                   check=True, capture_output=True)
    with tarfile.open(tmp_path / "artifact.tar") as tar:
        names = {name.removeprefix("./") for name in tar.getnames()}
    assert {".nojekyll", "index.html", "assets/site.css"} <= names
