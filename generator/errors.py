"""The one error type for bad user input: the CLI prints it as one line and exits with status 2."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """A user-supplied file or value is unusable; the message names it and says why."""

    def __init__(self, source: str | Path, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = str(source)
        self.problem = problem
