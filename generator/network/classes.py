"""Class names: from the model file, from `--classes FILE`, or numbered when a model carries none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from ..wording import counted

MAX_NAME = 80


def numbered_class_names(count: int) -> tuple[str, ...]:
    """Names for a model that carries none: "class 0", "class 1", ... (PyTorch's own output indices)."""
    return tuple(f"class {i}" for i in range(count))


def read_class_names(path: str | Path, count: int = 10) -> tuple[str, ...]:
    """`--classes FILE`: UTF-8 text, one class name per line in the model's output order; blank lines ignored."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "no such class-names file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a class-names file") from None
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text (one class name per line)") from None
    except OSError as exc:
        raise InputError(path, f"cannot read it ({exc.strerror})") from None
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if len(names) != count:
        raise InputError(path, f"{counted(len(names), 'class name')}, expected {count} (the model's outputs), "
                               "one per line")
    return validate_class_names(path, names, count)


def validate_class_names(source: str | Path, names: Any, count: int = 10) -> tuple[str, ...]:
    """`count` distinct, non-empty, single-line strings, one per output of the last Dense layer."""
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise InputError(source, "class names must be a list of strings")
    cleaned = tuple(n.strip() for n in names)
    if len(cleaned) != count:
        raise InputError(source, f"{counted(len(cleaned), 'class name')}, expected {count}")
    if any(not n or "\n" in n or len(n) > MAX_NAME for n in cleaned):
        raise InputError(source, f"class names must be non-empty single lines of at most {MAX_NAME} characters")
    repeated = sorted({n for n in cleaned if cleaned.count(n) > 1}, key=cleaned.index)  # in order of first use
    if repeated:
        raise InputError(source, "class names repeat: " + ", ".join(repr(n) for n in repeated))
    return cleaned
