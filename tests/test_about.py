"""about: history.json read and checked, the article's model facts, the section's two charts."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from cnn_explainer import about
from cnn_explainer.article import render_article
from cnn_explainer.config import load_config
from cnn_explainer.errors import InputError
from cnn_explainer.weights import load_model
from conftest import DEFAULT_WEIGHTS, REFERENCE_MODEL, needs

CONTENT = Path(__file__).resolve().parent.parent / "content"
STRINGS = load_config(CONTENT).strings["en"]
pytestmark = needs(DEFAULT_WEIGHTS / "history.json")


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads((DEFAULT_WEIGHTS / "history.json").read_text())


@pytest.fixture(scope="module")
def history() -> about.History:
    return about.load_history(DEFAULT_WEIGHTS)


@pytest.fixture(scope="module")
def facts(history) -> dict[str, str]:
    return about.facts(history, load_model(DEFAULT_WEIGHTS).class_names, STRINGS)


def test_facts_agree_with_what_training_recorded(facts, raw):
    summary = raw["summary"]
    assert facts["val_accuracy"] == f"{summary['val_accuracy'] * 100:.1f}%"
    assert facts["val_wrong"] == str(summary["val_errors"])
    assert facts["val_images"] == str(summary["counts"]["val"])
    assert facts["train_images"] == f"{summary['counts']['train']:,}"
    assert facts["chosen_epoch"] == str(summary["best_epoch"]) and facts["epochs"] == str(len(raw["epochs"]))
    rows = [line.split("|")[1:-1] for line in facts["per_class_table"].splitlines()[2:]]
    for name, right, wrong, accuracy in (map(str.strip, r) for r in rows):
        assert accuracy == f"{summary['per_class_accuracy'][name]:.0%}", name
        assert int(right) + int(wrong) == summary["counts"]["val"] // 10
    worst = min(summary["per_class_accuracy"], key=summary["per_class_accuracy"].get)
    assert facts["worst_class"] == about.escape_markdown(worst)


def test_confusions_are_the_largest_off_diagonal_counts(facts, raw):
    matrix = np.array(raw["summary"]["confusion_matrix"])
    off = sorted((matrix - np.diag(np.diag(matrix))).ravel(), reverse=True)[:about.CONFUSIONS_LISTED]
    listed = [int(line.rsplit(": ", 1)[1]) for line in facts["confusions"].splitlines()]
    assert listed == off


def test_article_fills_every_number_from_the_facts(facts):
    article = render_article(CONTENT / "en.md", facts, about.page_words(("bell pepper", "sports car")))
    text = re.sub(r"<[^>]+>", "", article.html)
    assert "{" not in text.split("About the model")[1].split("How this site is made")[0]
    for key in ("val_accuracy", "val_wrong", "train_images", "best_class_accuracy"):
        assert facts[key] in text
    assert article.charts == ("relu", "training", "confusion")
    assert "came without a training history" not in text


@needs(REFERENCE_MODEL)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_weights_without_history_say_so_and_have_no_charts(lang):
    assert about.load_history(REFERENCE_MODEL) is None
    article = render_article(CONTENT / f"{lang}.md", None, about.page_words(("lifeboat", "sport car")))
    assert article.charts == ("relu",)
    assert ("came without a training history" if lang == "en" else "没有附带训练记录") in article.html


def test_unknown_placeholder_is_a_clear_error(tmp_path, facts):
    source = tmp_path / "a.md"
    source.write_text("{#a}\n## A\n\n````model trained\nIt scored {score}.\n````\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"a\.md: line 5: \{score\} is not a known fact; known: best_class"):
        render_article(source, facts)


@pytest.mark.parametrize("damage,problem", [
    (lambda d: d.pop("summary"), "non-empty 'epochs' list"),
    (lambda d: d["epochs"][3].update(val_accuracy="high"), r"epochs\[3\]\.val_accuracy must be a finite number"),
    (lambda d: d["summary"]["confusion_matrix"].pop(), "10 rows of 10 counts"),
    (lambda d: d["summary"]["confusion_matrix"][0].__setitem__(0, -1), "whole number"),
    (lambda d: d["summary"]["counts"].pop("val"), r"summary\.counts\.val"),
], ids=["no summary", "text accuracy", "short matrix", "negative count", "no val count"])
def test_broken_history_is_one_clear_error(tmp_path, raw, damage, problem):
    for name in ("model.json", "group1-shard1of1.bin"):
        shutil.copy(DEFAULT_WEIGHTS / name, tmp_path / name)
    doc = json.loads(json.dumps(raw))
    damage(doc)
    (tmp_path / "history.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match=problem) as caught:
        about.load_history(tmp_path)
    assert str(caught.value).startswith(str(tmp_path / "history.json"))


def test_class_names_are_shown_as_written_not_as_markdown():
    assert about.escape_markdown("a_b*c|<d>") == "a\\_b\\*c\\|\\<d\\>"
    assert about._code_span("x`y") == "`` x`y ``"


def test_charts_are_vega_with_the_history_inline(history):
    names = tuple(f"class {i}" for i in range(10))
    specs = about.chart_specs(history, names, STRINGS)
    assert set(specs) == {"training", "confusion"}
    for spec in specs.values():
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega/")
    values = [v for d in specs["confusion"]["data"] for v in d.get("values", [])]
    assert sum(v["count"] for v in values if "count" in v) == int(history.confusion.sum())
    assert json.dumps(specs, sort_keys=True) == json.dumps(about.chart_specs(history, names, STRINGS), sort_keys=True)


def _note(tmp_path: Path, doc: dict) -> str:
    folder = tmp_path / f"w{len(list(tmp_path.iterdir()))}"
    shutil.copytree(DEFAULT_WEIGHTS, folder)
    (folder / "history.json").write_text(json.dumps(doc))
    return about.facts(about.load_history(folder), load_model(DEFAULT_WEIGHTS).class_names, STRINGS)["teacher_note"]


def test_the_section_says_how_the_model_learned_beyond_its_labels(tmp_path, raw):
    """The default weights are a fine-tune of an earlier model: the section says so with that model's accuracy and
    the fine-tune's epochs; a distilled model names how many networks taught it; a label-trained one says nothing."""
    summary = raw["summary"]
    assert summary["config"]["init"], "the default weights are a fine-tune (train --init)"
    earlier = f"{summary['init']['val_accuracy'] * 100:.1f}%"
    note = _note(tmp_path, raw)
    assert f"Those {summary['config']['epochs']} passes were a second round" in note and f"({earlier} right" in note
    distilled = json.loads(json.dumps(raw))
    distilled["summary"]["config"]["init"] = None
    distilled["summary"]["config"]["teachers"] = ["t1", "t2", "t3"]
    assert "First, 3 networks of the same shape" in _note(tmp_path, distilled)
    distilled["summary"]["config"]["teachers"] = []
    assert _note(tmp_path, distilled) == ""


def test_any_class_names_chart_in_class_order(history):
    """Names with characters that are illegal inside Vega expressions still chart, in the model's order."""
    names = ("<!-- x --> ]]> \u2028 end", "a\u2029b", "${x} `y`", "'q' \"d\"", "\\back\\slash", "{{ 7*7 }}",
             "</script>", "z", "y", "x")
    spec = about.chart_specs(history, names, STRINGS)["confusion"]
    values = next(d["values"] for d in spec["data"] if d.get("values"))
    shown = sorted({(row["p"], row["predicted"]) for row in values})
    assert [name for _, name in shown] == list(names)
    scales = {scale["name"]: scale for scale in spec["scales"]}
    assert scales["x"]["domain"]["sort"] == {"op": "min", "field": "p"}  # axis order = the model's class order
    assert scales["y"]["domain"]["sort"] == {"op": "min", "field": "t"}
