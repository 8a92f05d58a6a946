"""The article's "About the model" section: the weights' history.json, checked, summarised and charted.

`cnn-explainer train` writes history.json beside model.json (per-epoch losses and accuracies,
the validation confusion matrix, image counts, the settings). From it this module derives
- the facts the article's ```` ```model trained ```` block quotes as `{name}` placeholders
  (every number the section prints comes from here, never typed into the Markdown), and
- two Altair charts, compiled to Vega: the training curves and the validation confusion matrix.
Weights without a history.json (the original CNN Explainer's) give None: the article then shows
its ```` ```model untrained ```` block, which says so, and no charts. Both outputs are per
language, because class names and axis titles are translated.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np

from .charts import FONT, compile_vega
from .errors import InputError
from .model import PARAM_COUNT
from .network.description import MAX_CLASSES, MIN_CLASSES
from .weights import resolve_model_file

HISTORY_FILE = "history.json"
CONFUSIONS_LISTED = 4
_MARKDOWN_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@dataclass(frozen=True)
class History:
    """What the section shows of one training run; `confusion` rows are true classes, columns predictions."""

    source: Path
    epochs: tuple[dict[str, float | None], ...]  # epoch, train/holdout/val loss and accuracy
    confusion: np.ndarray  # (classes, classes) int
    counts: dict[str, int]  # images in "train", "holdout", "val"
    dataset: str  # the dataset folder's name
    planned_epochs: int
    chosen_epoch: int
    teachers: int  # models it was distilled from (`train --teacher`); 0: it learned from the labels
    init_accuracy: float | None = None  # val accuracy of the model a fine-tune started from
    fine_tuned: bool = False  # started from a trained model's weights (`train --init`), not random ones
    parameters: int = PARAM_COUNT  # of the network trained; histories from before `train` had options are TinyVGG's


def _number(source: Path, where: str, value: Any, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(source, f"{where} must be a finite number, got {value!r}")
    return float(value)


def _count(source: Path, where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(source, f"{where} must be a whole number >= 0, got {value!r}")
    return value


def load_history(weights: str | Path, model_classes: int | None = None) -> History | None:
    """history.json beside the model, checked; None when the weights came without one.

    `model_classes`, the model's class count, must be the history's: a history left beside another model (a user's
    own weights copied over a trained folder) would describe a network that is not the one shown.
    """
    source = resolve_model_file(weights).parent / HISTORY_FILE
    if not source.is_file():
        return None
    try:
        doc = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(source, f"cannot read the training history ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("epochs"), list) or not doc["epochs"] \
            or not isinstance(doc.get("summary"), dict):
        raise InputError(source, "expected an object with a non-empty 'epochs' list and a 'summary' "
                                 "(the file `cnn-explainer train` writes)")
    epochs = []
    for number, entry in enumerate(doc["epochs"], 1):
        if not isinstance(entry, dict):
            raise InputError(source, f"epochs[{number - 1}] is not an object")
        row: dict[str, float | None] = {"epoch": _count(source, f"epochs[{number - 1}].epoch", entry.get("epoch"))}
        for split in ("train", "holdout", "val"):
            for measure in ("loss", "accuracy"):
                key = f"{split}_{measure}"
                row[key] = _number(source, f"epochs[{number - 1}].{key}", entry.get(key), optional=split == "holdout")
        epochs.append(row)
    summary = doc["summary"]
    matrix = summary.get("confusion_matrix")
    # One row and column per class: the class names' count when the file lists them (train writes them).
    classes = len(doc["class_names"]) if isinstance(doc.get("class_names"), list) else \
        len(matrix) if isinstance(matrix, list) else 0
    if not (MIN_CLASSES <= classes <= MAX_CLASSES and isinstance(matrix, list) and len(matrix) == classes
            and all(isinstance(r, list) and len(r) == classes for r in matrix)):
        raise InputError(source, f"summary.confusion_matrix must be {classes} rows of {classes} counts, one per "
                                 f"class ({MIN_CLASSES} to {MAX_CLASSES} classes)")
    if model_classes is not None and classes != model_classes:
        raise InputError(source, f"the training history is of a model with {classes} classes, but the model "
                                 f"beside it has {model_classes}; remove it or put the model's own history there")
    confusion = np.array([[_count(source, "summary.confusion_matrix", v) for v in row] for row in matrix], np.int64)
    if not confusion.sum(axis=1).all():
        raise InputError(source, "summary.confusion_matrix has a class with no validation images")
    counts = summary.get("counts") if isinstance(summary.get("counts"), dict) else {}
    config = summary.get("config") if isinstance(summary.get("config"), dict) else {}
    network = summary.get("network") if isinstance(summary.get("network"), dict) else {}
    init = summary.get("init") if isinstance(summary.get("init"), dict) else {}
    return History(
        source=source, epochs=tuple(epochs), confusion=confusion,
        counts={split: _count(source, f"summary.counts.{split}", counts.get(split))
                for split in ("train", "holdout", "val")},
        dataset=Path(str(config.get("data", "?"))).name,
        planned_epochs=_count(source, "summary.config.epochs", config.get("epochs")),
        chosen_epoch=_count(source, "summary.best_epoch", summary.get("best_epoch")),
        teachers=len(config.get("teachers") or []),
        fine_tuned=bool(config.get("init")),
        init_accuracy=_number(source, "summary.init.val_accuracy", init.get("val_accuracy"), optional=True),
        parameters=_count(source, "summary.network.parameters", network.get("parameters"))
        if "parameters" in network else PARAM_COUNT,
    )


def escape_markdown(text: str) -> str:
    """Backslash before every ASCII punctuation mark: a class name is shown as written, never read as Markdown."""
    return "".join("\\" + ch if ch in _MARKDOWN_PUNCTUATION else ch for ch in text)


def _code_span(text: str) -> str:
    """Markdown code: shown literally; a fence longer than any run of backticks inside it."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def _percent(value: float, digits: int) -> str:
    return f"{value * 100:.{digits}f}%"


def facts(history: History, class_names: tuple[str, ...], strings: dict[str, str]) -> dict[str, str]:
    """The `{name}` placeholders of the article's model block, as Markdown text (class names as readers see them)."""
    names = [escape_markdown(n) for n in class_names]
    matrix = history.confusion
    right = np.diag(matrix)
    totals = matrix.sum(axis=1)
    accuracy = right / totals
    best, worst = int(np.argmax(accuracy)), int(np.argmin(accuracy))  # ties: the first in class order
    chosen = next((e for e in history.epochs if e["epoch"] == history.chosen_epoch), history.epochs[-1])
    pairs = sorted(((int(matrix[t, p]), t, p) for t in range(len(names)) for p in range(len(names))
                    if t != p and matrix[t, p]), key=lambda x: (-x[0], x[1], x[2]))[:CONFUSIONS_LISTED]
    table = [f"| {strings['table_class']} | {strings['table_right']} | {strings['table_wrong']} "
             f"| {strings['table_accuracy']} |", "|---|---:|---:|---:|"]
    table += [f"| {names[i]} | {right[i]} | {totals[i] - right[i]} | {_percent(accuracy[i], 0)} |"
              for i in range(len(names))]
    top = pairs[0] if pairs else (0, 0, 0)
    return {
        "parameters": f"{history.parameters:,}",
        "dataset": _code_span(history.dataset),
        "classes": str(len(names)),
        "train_images": f"{history.counts['train']:,}",
        "holdout_images": f"{history.counts['holdout']:,}",
        "val_images": f"{int(totals.sum()):,}",
        "epochs": str(history.planned_epochs),
        "chosen_epoch": str(history.chosen_epoch),
        "train_accuracy": _percent(float(chosen["train_accuracy"]), 1),
        "val_accuracy": _percent(float(right.sum() / totals.sum()), 1),
        "val_right": f"{int(right.sum()):,}",
        "val_wrong": f"{int(totals.sum() - right.sum()):,}",
        "best_class": names[best], "best_class_accuracy": _percent(accuracy[best], 0),
        "worst_class": names[worst], "worst_class_accuracy": _percent(accuracy[worst], 0),
        "top_true": names[top[1]], "top_predicted": names[top[2]], "top_count": str(top[0]),
        "per_class_table": "\n".join(table),
        "teacher_note": _training_note(history, strings),
        "confusions": "\n".join(f"- {names[t]} → {names[p]}: {n}" for n, t, p in pairs),
    }


def _training_note(history: History, strings: dict[str, str]) -> str:
    """How it learned, beyond the labels: a fine-tune of an earlier model, or a distillation from teachers."""
    if history.fine_tuned:
        accuracy = "?" if history.init_accuracy is None else _percent(history.init_accuracy, 1)
        return strings["model_fine_tuned"].format(epochs=history.planned_epochs, init_accuracy=accuracy)
    return strings["model_teachers"].format(teachers=history.teachers) if history.teachers else ""


def page_words(class_names: tuple[str, ...]) -> dict[str, str]:
    """The placeholders every article block may use, whatever the weights: how many classes, the first and
    the last class name as the page shows them (Markdown-escaped), so "from X to Y" names real classes."""
    return {"class_count": str(len(class_names)), "first_class": escape_markdown(class_names[0]),
            "last_class": escape_markdown(class_names[-1])}


def training_chart(history: History, strings: dict[str, str]) -> alt.VConcatChart:
    """Accuracy and loss per epoch for each split the history holds; a rule marks the epoch kept."""
    splits = [(s, strings[f"split_{s}"]) for s in ("train", "holdout", "val")
              if all(e[f"{s}_accuracy"] is not None for e in history.epochs)]
    rows = [{"epoch": e["epoch"], "split": label, "accuracy": e[f"{s}_accuracy"], "loss": e[f"{s}_loss"]}
            for s, label in splits for e in history.epochs]
    colour = alt.Color("split:N", title=strings["chart_split"],
                       scale=alt.Scale(domain=[label for _, label in splits],
                                       range=["#9e9e9e", "#e6a23c", "#1f6fb2"][:len(splits)]),
                       legend=alt.Legend(orient="top"))
    base = alt.Chart(alt.Data(values=rows)).properties(width=300, height=140)
    x = alt.X("epoch:Q", title=strings["chart_epoch"], scale=alt.Scale(nice=False, zero=False))
    rule = alt.Chart(alt.Data(values=[{"epoch": history.chosen_epoch}])).mark_rule(
        color="#555", strokeDash=[3, 3]).encode(x="epoch:Q")
    accuracy = alt.layer(base.mark_line(strokeWidth=1.5).encode(
        x=x, y=alt.Y("accuracy:Q", title=strings["chart_accuracy"], axis=alt.Axis(format="%"),
                     scale=alt.Scale(domain=[0, 1])), color=colour), rule)
    loss = alt.layer(base.mark_line(strokeWidth=1.5).encode(
        x=x, y=alt.Y("loss:Q", title=strings["chart_loss"], scale=alt.Scale(zero=True)), color=colour), rule)
    chart = alt.vconcat(accuracy, loss, spacing=16)
    return chart.configure(font=FONT).configure_axis(grid=True, gridColor="#eee", labelColor="#555",
                                                     titleColor="#444")


def confusion_chart(history: History, class_names: tuple[str, ...], strings: dict[str, str]) -> alt.LayerChart:
    """The validation confusion matrix as a heatmap with the count in every non-empty cell."""
    names = list(class_names)
    rows = [{"true": names[t], "predicted": names[p], "t": t, "p": p, "count": int(history.confusion[t, p])}
            for t in range(len(names)) for p in range(len(names))]
    top = int(history.confusion.max())
    # Class order by index, not `sort=names`: Vega-Lite writes an explicit sort list into an expression,
    # and some characters a class name may hold (U+2028, say) are not legal there.
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("predicted:N", sort=alt.EncodingSortField("p", op="min"), title=strings["chart_predicted"],
                axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("true:N", sort=alt.EncodingSortField("t", op="min"), title=strings["chart_true"]),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("count:Q", title=strings["chart_count"],
                        # rgb: hcl would tint the white of empty cells with the blue's chroma
                        scale=alt.Scale(domain=[0, top], range=["#ffffff", "#1f4e99"], interpolate="rgb"),
                        legend=alt.Legend(orient="right", gradientLength=120)))
    labels = base.transform_filter("datum.count > 0").mark_text(fontSize=10).encode(
        text="count:Q",
        color=alt.condition(f"datum.count > {top / 2}", alt.value("white"), alt.value("#333")))
    chart = alt.layer(cells, labels).properties(width=26 * len(names), height=26 * len(names))
    return chart.configure(font=FONT).configure_view(stroke=None).configure_axis(labelColor="#555", titleColor="#444")


def chart_specs(history: History, class_names: tuple[str, ...], strings: dict[str, str]) -> dict[str, dict]:
    """The section's Vega specs by the names the article's ```chart NAME``` fences use."""
    return {"training": compile_vega(training_chart(history, strings)),
            "confusion": compile_vega(confusion_chart(history, class_names, strings))}
