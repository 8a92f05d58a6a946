"""Where `train` writes its model: checked before training starts, replaced only when asked, atomically.

A run's folder holds exactly four files (model.json, its shard, history.json, MODEL_CARD.md). The
`--out` folder must be missing, empty or such a folder, and a folder holding a model (any of the four
files) is replaced only with `--force`: an hour of training must not silently replace `weights/`. It
obeys every rule of a build folder too (output.refuse_unsafe: never the current or home folder, /,
their parents, a folder holding or inside the dataset or a teacher, nor one inside a build). The
four files are written into a temporary sibling folder and swapped in whole (output.write_atomically),
so a run killed or failing while it writes leaves the previous model whole, never half replaced.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .errors import InputError
from .output import refuse_unsafe, write_atomically
from .weights import MODEL_FILE, SHARD_FILE

HISTORY_FILE, CARD_FILE = "history.json", "MODEL_CARD.md"
RUN_FILES = (MODEL_FILE, SHARD_FILE, HISTORY_FILE, CARD_FILE)


def check_model_out(out: Path, inputs: Iterable[Path], force: bool) -> None:
    """InputError unless `train` may write its model into `out` (see the module docstring)."""
    out = Path(out)
    refuse_unsafe(out, inputs, command="training run", hint="like runs/mine/")
    if not out.is_dir():
        return
    held = sorted(p.name for p in out.iterdir())
    others = [name for name in held if name not in RUN_FILES]
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise InputError(out, f"holds files train does not write ({shown}), so it is not an earlier run; "
                              "refusing to replace it (choose another --out)")
    if held and not force:
        raise InputError(out, f"holds a model from an earlier run ({', '.join(held)}); refusing to replace it "
                              "(give --force to replace it, or choose another --out)")


def write_model(files: dict[str, bytes], out: Path, inputs: Iterable[Path], force: bool) -> None:
    """Swap `files` (name -> bytes, the four run files) in as the whole of `out`, checked again first."""
    inputs = list(inputs)
    write_atomically(files, out, check=lambda target: check_model_out(target, inputs, force), what="the model")
