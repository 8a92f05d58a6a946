"""The one error type for bad user input: the CLI prints it as one line and exits with status 2."""

from __future__ import annotations

import os
from pathlib import Path


def printable(name: str | Path) -> str:
    """`name` as valid UTF-8 text: bytes of a file name that are not UTF-8 become U+FFFD.

    Python keeps such bytes (a Latin-1 `café.jpg` from an old camera or zip file) as lone
    surrogates, which no UTF-8 writer accepts: every title, message and JSON value made from a
    path goes through here, so it can be printed and written.
    """
    text = os.fspath(name)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte (from JSON, say): replaced too
        return text.encode("utf-8", "replace").decode("utf-8")


class InputError(Exception):
    """A user-supplied file or value is unusable; the message names it and says why."""

    def __init__(self, source: str | Path, problem: str) -> None:
        super().__init__(f"{printable(source)}: {printable(problem)}")
        self.source = printable(source)
        self.problem = printable(problem)


def not_utf8(source: str | Path, exc: UnicodeDecodeError) -> InputError:
    """The error for a text file that is not UTF-8, naming the line of its first bad byte.

    A line is what an editor can jump to; the decoder's byte offset is not.
    """
    line = exc.object[:exc.start].count(b"\n") + 1
    return InputError(source, f"line {line}: not UTF-8 text")
