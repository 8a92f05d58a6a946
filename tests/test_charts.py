"""charts: compiled Vega specs take their data from the page, and the runtime is self-contained."""

from __future__ import annotations

import json

import pytest
from cnn_explainer.charts import chart_specs, vega_runtime


@pytest.fixture(scope="module")
def specs():
    return chart_specs()


@pytest.mark.parametrize(("name", "datasets"), [("legend", {"gradient", "ticks", "caps"}),
                                               ("probabilities", {"classes"})])
def test_specs_are_vega_with_empty_named_datasets(specs, name, datasets):
    spec = specs[name]
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega/")
    sources = {d["name"] for d in spec["data"] if "source" not in d}
    assert sources == datasets
    assert all("values" not in d and "url" not in d for d in spec["data"])  # the page pushes the rows
    assert spec["autosize"] == "none"  # pixel positions from the page's layout must hold exactly


def test_specs_are_deterministic(specs):
    assert json.dumps(chart_specs(), sort_keys=True) == json.dumps(specs, sort_keys=True)


def test_runtime_defines_window_vega_and_loads_nothing():
    runtime = vega_runtime()
    assert runtime.startswith("/* Vega ") and runtime.rstrip().endswith("})();")
    assignment = runtime[runtime.rindex("window.vega="):].split(";")[0]
    assert assignment not in ("window.vega=null", "window.vega=__default")  # vl-convert's plain `vega` is null
    assert "import(" not in runtime and "\nimport " not in runtime and "\nexport " not in runtime
