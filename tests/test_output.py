"""output: nothing is ever lost — refused targets, builds killed half-way, two builds at once, stale folders.

The kill and concurrency tests run the product's own code in child processes and interrupt them at
random moments while they write (found by watching for the staging folder, never by a hook in the
product); after every kill the build folder must be exactly the previous build or exactly the new one.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from cnn_explainer import output
from cnn_explainer.cli import main
from cnn_explainer.errors import InputError
from cnn_explainer.output import MARKER, check_target, write_atomically
from conftest import modes, without_using

REPO = Path(__file__).resolve().parent.parent
# The child: read a finished tree from disk and write it with the product's write_atomically.
WRITER = """
import signal, sys
from pathlib import Path
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if the test runner ignores SIGINT
from cnn_explainer.output import write_atomically
source, out = Path(sys.argv[1]), Path(sys.argv[2])
files = {str(p.relative_to(source)): p.read_bytes() for p in sorted(source.rglob("*")) if p.is_file()}
write_atomically(files, out)
"""


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its bytes: two builds are equal when their trees are."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def snapshot(out: Path) -> dict[str, bytes] | None:
    """The tree at `out` read through one directory handle, or None if it was swapped out meanwhile.

    Reading by path while another process swaps folders could mix two trees in the reader itself;
    a handle pins one folder, and a folder that was still at `out` after the read was the live build
    throughout (a build that leaves `out` never comes back).
    """
    try:
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return None
    try:
        files = {}
        for folder, _, names, folder_fd in os.fwalk(".", dir_fd=fd):
            for name in names:
                with open(os.open(name, os.O_RDONLY, dir_fd=folder_fd), "rb") as handle:
                    files[os.path.normpath(os.path.join(folder, name))] = handle.read()
        live = os.stat(out).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:  # being deleted: it was swapped out
        return None
    finally:
        os.close(fd)
    return files if live else None


def siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f"{out.name}."))


def _fake_build(seed: int, files: int = 40, size: int = 150_000) -> dict[str, str | bytes]:
    """A build-shaped tree big enough that writing it takes a while: marker, pages, data files."""
    rng = random.Random(seed)
    content: dict[str, str | bytes] = {MARKER: b"m", "index.html": f"<p>build {seed}</p>".encode()}
    for n in range(files):
        content[f"data/samples/s{seed}-{n}.js"] = rng.randbytes(size)
    return content


def _materialise(files: dict, root: Path) -> Path:
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    return root


# --- refused targets ---------------------------------------------------------------------------------

def _build(*args: str) -> object:
    return CliRunner().invoke(main, ["build", *args])


@pytest.mark.parametrize("where", ["dot-with-files", "dot-empty", "home", "parent-of-cwd", "root"])
def test_out_that_is_the_current_home_or_root_folder_is_refused(tmp_path, monkeypatch, where):
    home, work = tmp_path / "home", tmp_path / "home" / "project"
    work.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    if where == "dot-with-files":
        (work / "notes.txt").write_text("keep")
    out = {"dot-with-files": ".", "dot-empty": ".", "home": str(home), "parent-of-cwd": "..", "root": "/"}[where]
    before = tree(tmp_path)
    result = _build("--out", out)
    assert result.exit_code == 2, result.output
    output = without_using(result.output)
    assert output.count("\n") == 1 and output.startswith(f"error: {out}: ")
    assert "refusing" in result.output
    assert tree(tmp_path) == before and sorted(os.listdir(home)) == ["project"]


def test_out_with_other_files_is_refused_even_if_a_build_marker_is_missing(tmp_path):
    out = _materialise({"thesis.tex": b"precious", "sub/data.csv": b"1,2"}, tmp_path / "out")
    result = _build("--out", str(out))
    assert result.exit_code == 2 and "has no .cnn-explainer-build marker" in result.output
    assert tree(out) == {"thesis.tex": b"precious", "sub/data.csv": b"1,2"}


def test_a_previous_build_that_holds_an_input_is_refused(tmp_path):
    from PIL import Image
    out = _materialise({MARKER: b"m"}, tmp_path / "site")
    (out / "photos").mkdir()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(out / "photos" / "cat.png")
    before = tree(out)
    result = _build("--images", str(out / "photos"), "--out", str(out))
    assert result.exit_code == 2 and f"holds {out / 'photos' / 'cat.png'}, an input of this build" in result.output
    assert tree(out) == before


def test_symlink_out_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(InputError, match="not a folder"):
        check_target(tmp_path / "link")


# --- the swap itself ---------------------------------------------------------------------------------

@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "two-renames"])
def test_swap_replaces_the_whole_tree_and_leaves_nothing_beside_it(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(output, "_exchange", lambda a, b: False)  # as on systems without renameat2
    out = tmp_path / "build"
    write_atomically({MARKER: b"m", "old.txt": b"old", "data/a.js": b"a"}, out)
    write_atomically({MARKER: b"m", "index.html": b"new"}, out)
    assert tree(out) == {MARKER: b"m", "index.html": b"new"}
    assert siblings(out) == [] and oct(out.stat().st_mode & 0o777) == "0o755"



@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "two-renames"])
def test_the_build_folder_has_the_modes_the_umask_gives(tmp_path, monkeypatch, exchange, umask):
    """Not the private 0700 of the temporary folder it was written in: a web server must read it."""
    if not exchange:
        monkeypatch.setattr(output, "_exchange", lambda a, b: False)
    out = tmp_path / "build"
    write_atomically({MARKER: b"m", "data/a.js": b"a"}, out)
    write_atomically({MARKER: b"m", "data/a.js": b"b", "index.html": b"new"}, out)
    assert modes(out) == {("d", 0o777 & ~umask), ("f", 0o666 & ~umask)}
    assert siblings(out) == []

def test_stale_folders_of_a_killed_build_are_removed(tmp_path):
    out = tmp_path / "build"
    write_atomically({MARKER: b"m", "a": b"1"}, out)
    _materialise({"partial.js": b"x"}, tmp_path / "build.tmp-abcd1234")  # killed while writing
    _materialise({"b": b"2"}, tmp_path / "build.old-zz_x9876")  # killed after the swap (fallback)
    (tmp_path / "build.tmp-notes").mkdir()  # not a name mkdtemp makes: not ours, kept
    write_atomically({MARKER: b"m", "a": b"3"}, out)
    assert tree(out) == {MARKER: b"m", "a": b"3"}
    assert siblings(out) == ["build.tmp-notes"]


def test_previous_build_moved_aside_by_a_killed_fallback_swap_is_put_back(tmp_path, monkeypatch):
    """A kill between the fallback's two renames leaves no build folder; the next build restores it."""
    out = tmp_path / "build"
    previous = {MARKER: b"m", "index.html": b"previous"}
    _materialise(previous, tmp_path / "build.old-abcdefgh" / "build")
    real = Path.write_bytes

    def full_disk(self, data):
        if self.name == "index.html":
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(InputError, match="No space left on device"):
        write_atomically({MARKER: b"m", "index.html": b"new"}, out)
    assert tree(out) == previous and siblings(out) == []


# --- killed half-way ---------------------------------------------------------------------------------

def _wait_for_staging(out: Path, process: subprocess.Popen, timeout: float = 60) -> bool:
    """True once the child has created its staging folder (it is writing); False if it ended first."""
    deadline = time.monotonic() + timeout
    prefix = f"{out.name}.tmp-"
    while time.monotonic() < deadline:
        if any(name.startswith(prefix) for name in os.listdir(out.parent)):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.0005)
    raise AssertionError("the child never started writing")


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_write_killed_at_random_moments_leaves_a_whole_build(tmp_path, sig):
    previous, new = _fake_build(1), _fake_build(2)
    source = _materialise(new, tmp_path / "source")
    out = tmp_path / "www" / "build"
    write_atomically(previous, out)
    command = [sys.executable, "-c", WRITER, str(source), str(out)]

    started = time.monotonic()  # one undisturbed run sets the range of kill moments (nothing asserted on it)
    subprocess.run(command, env=_child_env(), check=True)
    span = time.monotonic() - started
    rng = random.Random(8)
    outcomes = []  # which build each kill left; printed for the curious, not asserted (it depends on timing)
    for _ in range(8):
        write_atomically(previous, out)
        process = subprocess.Popen(command, env=_child_env(), stderr=subprocess.PIPE)
        if _wait_for_staging(out, process):
            time.sleep(rng.uniform(0, span / 4))
            process.send_signal(sig)
        process.communicate(timeout=60)
        state = tree(out)
        assert state in (previous, new), f"mixed tree after {sig!r}: {sorted(state)[:5]}..."
        outcomes.append("previous" if state == previous else "new")
    write_atomically(new, out)  # the next build clears whatever the kills left beside the folder
    assert tree(out) == new and siblings(out) == []
    print(f"{sig!r}: outcomes {outcomes}")


# --- two builds at once ------------------------------------------------------------------------------

def test_two_writers_at_once_never_mix_their_trees(tmp_path):
    first, second = _fake_build(3), _fake_build(4)
    sources = [_materialise(first, tmp_path / "one"), _materialise(second, tmp_path / "two")]
    out = tmp_path / "www" / "build"
    for _ in range(5):
        processes = [subprocess.Popen([sys.executable, "-c", WRITER, str(s), str(out)], env=_child_env(),
                                      stderr=subprocess.PIPE) for s in sources]
        while any(p.poll() is None for p in processes):  # look at the folder while they write
            state = snapshot(out)
            assert state in (None, first, second), "a mixed tree was visible"
        for process in processes:
            assert process.wait() == 0, process.stderr.read().decode()
        assert tree(out) in (first, second) and siblings(out) == []


# --- the same through the real command line ----------------------------------------------------------

CLI = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
       "from cnn_explainer.cli import main; sys.argv[0] = 'cnn-explainer'; main()")
SAMPLES = REPO / "content" / "samples"


def _cli(out: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", CLI, "build", "--out", str(out), *args]


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[list[str], dict, list[str], dict]:
    """Arguments and the finished tree of two different builds: the default site and a two-image one."""
    root = tmp_path_factory.mktemp("refs")
    first_args: list[str] = []
    second_args = ["--images", *sorted(str(p) for p in SAMPLES.iterdir() if p.suffix == ".png")[:2]]
    trees = []
    for name, args in (("first", first_args), ("second", second_args)):
        subprocess.run(_cli(root / name, *args), env=_child_env(), check=True, capture_output=True)
        trees.append(tree(root / name))
    assert trees[0] != trees[1]
    return first_args, trees[0], second_args, trees[1]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_cli_build_killed_while_writing_leaves_the_previous_or_the_new_build(tmp_path, two_builds, sig):
    _, first, second_args, second = two_builds
    out = tmp_path / "build"
    rng = random.Random(int(sig))
    for _ in range(2):  # few: each is a whole build; the quick test above kills the writer many more times
        write_atomically(first, out)  # the previous build, as the first command wrote it
        process = subprocess.Popen(_cli(out, *second_args), env=_child_env(), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        if _wait_for_staging(out, process):
            time.sleep(rng.uniform(0, 0.04))
            process.send_signal(sig)
        _, stderr = process.communicate(timeout=120)
        assert tree(out) in (first, second)
        if sig == signal.SIGINT and process.returncode != 0:
            assert b"Traceback" not in stderr
            # 130 and one line when the build was interrupted; a SIGINT that lands after the work, while the
            # interpreter shuts down, ends the process by the signal itself (-2), the new build complete
            assert process.returncode in (130, -signal.SIGINT)
            if process.returncode == 130:
                assert stderr.decode().rstrip().endswith("interrupted")
    write_atomically(second, out)
    assert tree(out) == second and siblings(out) == []


@pytest.mark.slow
def test_two_cli_builds_into_one_folder_at_once(tmp_path, two_builds):
    first_args, first, second_args, second = two_builds
    out = tmp_path / "build"
    processes = [subprocess.Popen(_cli(out, *args), env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for args in (first_args, second_args)]
    while any(p.poll() is None for p in processes):
        assert snapshot(out) in (None, first, second), "a mixed tree was visible"
        time.sleep(0.01)
    for process in processes:
        _, stderr = process.communicate()
        assert process.returncode == 0, stderr.decode()
    assert tree(out) in (first, second) and siblings(out) == []


def _copy_of_content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    return content


@pytest.mark.parametrize("where", ["in-content", "in-previous-build", "in-images-folder", "in-weights"])
def test_out_inside_an_input_or_a_previous_build_is_refused(tmp_path, where):
    from PIL import Image
    content = _copy_of_content(tmp_path)
    weights = tmp_path / "weights"
    shutil.copytree(REPO / "weights", weights)
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(photos / "cat.png")
    previous = _materialise({MARKER: b"m", "index.html": b"previous"}, tmp_path / "build")
    out = {"in-content": content / "samples" / "out", "in-previous-build": previous / "sub",
           "in-images-folder": photos / "site", "in-weights": weights / "site"}[where]
    before = tree(tmp_path)
    result = _build("--content", str(content), "--weights", str(weights), "--images", str(photos),
                    "--out", str(out))
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and result.output.startswith(f"error: {out}: ")
    assert "inside" in result.output
    assert tree(tmp_path) == before and not out.exists()
