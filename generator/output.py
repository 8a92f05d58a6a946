"""The build folder on disk: never lose anything, never leave a half-written or mixed site.

- `check_target` refuses any `--out` that is not missing, empty or a previous build (it has the
  marker), and (`refuse_unsafe`, shared with `train --out`) the folders a slip of the keyboard could
  name: the current folder, the home folder, the file-system root and their ancestors, any folder
  holding one of the command's inputs, and any folder inside an input or inside a previous build.
- `write_atomically` writes every file into a temporary sibling folder and then swaps it with the
  previous build in one step (Linux `renameat2(RENAME_EXCHANGE)`), so at every instant — even if
  the process is killed with SIGKILL — `--out` is either the whole previous build or the whole new
  one. Where the exchange is not available it falls back to two renames, and the next build puts
  the previous one back if a kill landed between them.
- Builds into the same folder are serialised by an advisory lock (`flock`) on the folder's parent:
  a second build waits for the first to finish writing, then replaces it whole. Temporary folders
  left by a killed build are removed by the next build, which can tell they are stale because it
  holds the lock.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import InputError

MARKER = ".cnn-explainer-build"
_STAGING, _OLD = "tmp", "old"  # <out>.tmp-XXXXXXXX: the new build being written; <out>.old-XXXXXXXX: fallback swap


def _protected(out: Path) -> str | None:
    """Why `out` must never be replaced whatever it holds, or None."""
    here = Path.cwd().resolve()
    home = Path(os.path.expanduser("~")).resolve()
    if out == Path(out.anchor):
        return "is the file-system root"
    if here.is_relative_to(out):
        return "is the current folder or one of its parents"
    if home.is_absolute() and home.is_relative_to(out):
        return "is the home folder or one of its parents"
    return None


def refuse_unsafe(out: Path, inputs: Iterable[Path] = (), command: str = "build", hint: str = "like build/") -> Path:
    """The rules every output folder obeys (`build --out`, `train --out`); returns `out` resolved.

    InputError if `out` is a file or a link, a protected folder (`_protected`), holds one of the
    command's `inputs` (replacing it would delete that input) or lies inside one of them or inside a
    previous build (the next build of that folder would delete it; a build inside the content or
    images folder would be read as input).
    """
    out = Path(out)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InputError(out, "exists and is not a folder; refusing to replace it")
    resolved = out.resolve()
    reason = _protected(resolved)
    if reason:
        raise InputError(out, f"{reason}; refusing to replace it (give --out a folder of its own, {hint})")
    for item in inputs:
        where = Path(item).resolve()
        if where.is_relative_to(resolved):
            raise InputError(out, f"holds {item}, an input of this {command}; refusing to replace it")
        if where.is_dir() and resolved.is_relative_to(where):
            raise InputError(out, f"is inside {item}, an input of this {command}; refusing to write there "
                                  "(give --out a folder of its own)")
    for parent in resolved.parents:
        if (parent / MARKER).is_file():
            raise InputError(out, f"is inside {parent}, a previous build, which the next build replaces whole; "
                                  "refusing to write there")
    return resolved


def check_target(out: Path, inputs: Iterable[Path] = ()) -> None:
    """InputError unless `out` is missing, an empty folder or a previous build (it has the marker).

    `inputs` are the files and folders the build reads: `refuse_unsafe` says which places that rules out.
    """
    out = Path(out)
    refuse_unsafe(out, inputs)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise InputError(out, f"folder is not empty and has no {MARKER} marker, so it is not a previous "
                              "build; refusing to overwrite it (choose another --out or empty it)")


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on `folder` (blocking): one build writes beside it at a time."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; builds there are not serialised
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _siblings(out: Path, kind: str) -> list[Path]:
    """This build folder's temporary siblings of one kind (names as tempfile.mkdtemp makes them)."""
    pattern = re.compile(re.escape(out.name) + rf"\.{kind}-[a-z0-9_]{{8}}")
    return sorted(p for p in out.parent.iterdir()
                  if pattern.fullmatch(p.name) and p.is_dir() and not p.is_symlink())


def _clean_stale(out: Path) -> None:
    """Remove what a killed write left beside `out`; first restore the previous folder it had moved aside.

    Called with the lock held, so no other build is using these folders.
    """
    for old in _siblings(out, _OLD):
        if not out.exists() and (old / out.name).is_dir():
            os.replace(old / out.name, out)
        shutil.rmtree(old, ignore_errors=True)
    for staging in _siblings(out, _STAGING):
        shutil.rmtree(staging, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):  # kernel or file system without it
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap_in(staging: Path, out: Path) -> Path | None:
    """Put `staging` at `out`; return the folder now holding the previous build (to delete), if any."""
    if not out.exists():
        os.replace(staging, out)
        return None
    if _exchange(staging, out):
        return staging
    old = Path(tempfile.mkdtemp(prefix=f"{out.name}.{_OLD}-", dir=out.parent))
    os.replace(out, old / out.name)  # a kill between these two renames is undone by the next build
    try:
        os.replace(staging, out)
    except BaseException:
        os.replace(old / out.name, out)
        raise
    return old


def write_atomically(files: dict[str, bytes], out: Path, check: Callable[[Path], None] = check_target,
                     what: str = "the build") -> None:
    """Write `files` into a temporary sibling of `out`, then swap it in; on any error `out` is untouched.

    `check(out)` says whether `out` may be replaced (build folders by default; `train` passes its own).
    """
    out = Path(os.path.abspath(out))
    check(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with _locked(out.parent):
            _clean_stale(out)
            check(out)  # again, under the lock: another build may have changed it meanwhile
            # mkdtemp's folder is private (0700) whatever the umask, so it only holds the new tree: that is made
            # by mkdir, with the mode every other folder gets (0755 under the usual umask 022).
            container = Path(tempfile.mkdtemp(prefix=f"{out.name}.{_STAGING}-", dir=out.parent))
            try:
                staging = container / out.name
                for relative, content in sorted(files.items()):
                    target = staging / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(content)
                staging.mkdir(exist_ok=True)  # `files` may be empty
                previous = _swap_in(staging, out)
            finally:
                shutil.rmtree(container, ignore_errors=True)  # after an exchange it holds the previous build
            if previous is not None:
                shutil.rmtree(previous, ignore_errors=True)
    except OSError as exc:  # a full disk, a read-only folder: the user's to fix, not a bug of ours
        raise InputError(out, f"cannot write {what} ({exc.strerror or exc})") from None
