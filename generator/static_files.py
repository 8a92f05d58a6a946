"""The user's own files for the site: everything under `content/static/`, copied into the site as it is.

A custom domain needs a `CNAME` at the site's root, a site may want its own favicon or a PDF of the
article; a file put into `build/` by hand is gone at the next build, so such files live here instead.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError

FOLDER = "static"
MAX_TOTAL_BYTES = 200_000_000  # a static host's whole site, not a place for data sets


def read_static_files(content: Path) -> dict[str, bytes]:
    """{path relative to the site root: bytes} for every file under content/static/, in sorted order."""
    folder = content / FOLDER
    if not folder.is_dir():
        return {}
    root = folder.resolve()
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            continue
        if not path.resolve().is_relative_to(root):
            raise InputError(path, f"is a link to a file outside {folder}; copy the file in instead")
        if not path.is_file():
            raise InputError(path, "is not a regular file")
        total += path.stat().st_size
        if total > MAX_TOTAL_BYTES:
            raise InputError(folder, f"holds more than {MAX_TOTAL_BYTES:,} bytes")
        files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def add_static_files(site: dict[str, bytes], static: dict[str, bytes], content: Path) -> dict[str, bytes]:
    """The site's files plus the user's; a user file may not replace one the build writes."""
    for name in static:
        if name in site:
            raise InputError(content / FOLDER / name, f"has the path of a file the build writes ({name}); "
                                                      "rename or move it")
    return {**site, **static}
