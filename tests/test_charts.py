"""charts: the article's compiled Vega specs are self-contained, and the runtime is too."""

from __future__ import annotations

import json

import pytest
from cnn_explainer.charts import chart_specs, vega_runtime


@pytest.fixture(scope="module")
def specs():
    return chart_specs()


def test_specs_are_vega_with_their_data_inline(specs):
    assert set(specs) == {"relu"}  # the overview's legends and bars are drawn by charts.js, not Vega
    spec = specs["relu"]
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega/")
    assert all("url" not in d for d in spec["data"])  # file:// refuses Vega's data.url
    rows = [row for d in spec["data"] for row in d.get("values", [])]
    assert {(row["x"], row["y"]) for row in rows} == {(x, max(0.0, x)) for x in (-4.0, -2.0, 0.0, 2.0, 4.0)}


def test_specs_are_deterministic(specs):
    assert json.dumps(chart_specs(), sort_keys=True) == json.dumps(specs, sort_keys=True)


def test_runtime_defines_window_vega_and_loads_nothing():
    runtime = vega_runtime()
    assert runtime.startswith("/* Vega ") and runtime.rstrip().endswith("})();")
    assignment = runtime[runtime.rindex("window.vega="):].split(";")[0]
    assert assignment not in ("window.vega=null", "window.vega=__default")  # vl-convert's plain `vega` is null
    assert "import(" not in runtime and "\nimport " not in runtime and "\nexport " not in runtime
