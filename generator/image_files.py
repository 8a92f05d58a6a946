"""The image files a command was given, and the one policy for those that are not usable.

`build --images`, `predict` and `train --data` all read files the user names, often a folder of
someone's photos. The same rules hold in all three:
- a folder stands for the image files directly in it (by suffix, in name order); a path that does
  not exist and a folder without image files are errors;
- each file counts once, by its resolved path, the first mention winning: `a.jpg a.jpg`, or a file
  and its folder, is one image;
- a file that is not a usable image (empty, truncated, not an image, a pixel bomb) is skipped with
  one line, `warning: <file>: <problem>; skipped`. A photo folder often holds one stray broken file,
  and the rest is still what the user asked for; the command fails (exit 2) only when nothing
  usable is left, with a single bad file's own error when it was the only one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from PIL import Image

from .errors import InputError
from .images import IMAGE_SUFFIXES, SIZE, load_rgb_sizes

Warn = Callable[[str], None]


def warn_on_stderr(line: str) -> None:
    """The default `warn`: one line on stderr, as the CLI prints it."""
    print(f"warning: {line}", file=sys.stderr)


def files_in(folder: Path) -> list[Path]:
    """The image files directly in `folder` (by suffix), sorted by name."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def image_files(paths: Iterable[Path]) -> list[Path]:
    """Files and folders as the image files they name, each once, in the order given."""
    files: list[Path] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        if path.is_dir():
            found = files_in(path)
            if not found:
                raise InputError(path, f"folder holds no images ({', '.join(IMAGE_SUFFIXES)})")
        elif path.is_file():
            found = [path]
        else:
            raise InputError(path, "no such image file or folder")
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files


def usable_images(files: list[Path], warn: Warn | None = None, source: str | Path = "--images",
                  size: tuple[int, int] = (SIZE, SIZE)) -> list[tuple[Path, Image.Image]]:
    """Each file that loads with its decoded picture at `size` (width, height); the rest are warned
    about and skipped.

    InputError when none is usable: the file's own error for a single file, otherwise one naming
    `source` (the option or folder the files came from) after a warning for each.
    """
    return [(file, pictures[size]) for file, pictures in usable_pictures(files, warn, source, (size,))]


def usable_pictures(files: list[Path], warn: Warn | None = None, source: str | Path = "--images",
                    sizes: tuple[tuple[int, int], ...] = ((SIZE, SIZE),)
                    ) -> list[tuple[Path, dict[tuple[int, int], Image.Image]]]:
    """`usable_images` at several sizes (width, height), each file decoded once."""
    good: list[tuple[Path, dict[tuple[int, int], Image.Image]]] = []
    problems: list[InputError] = []
    for file in files:
        try:
            good.append((file, dict(zip(sizes, load_rgb_sizes(file, sizes), strict=True))))
        except InputError as exc:
            problems.append(exc)
    if not good and len(problems) == 1:
        raise problems[0]
    for problem in problems:
        (warn or warn_on_stderr)(f"{problem}; skipped")
    if not good:
        raise InputError(source, f"none of the {len(files)} image files is usable (each is named above)")
    return good
