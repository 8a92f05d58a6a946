"""The one error type for bad user input: the CLI prints it as one line and exits with status 2."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """A user-supplied file or value is unusable; the message names it and says why."""

    def __init__(self, source: str | Path, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = str(source)
        self.problem = problem


def not_utf8(source: str | Path, exc: UnicodeDecodeError) -> InputError:
    """The error for a text file that is not UTF-8, naming the line of its first bad byte.

    A line is what an editor can jump to; the decoder's byte offset is not.
    """
    line = exc.object[:exc.start].count(b"\n") + 1
    return InputError(source, f"line {line}: not UTF-8 text")
