"""The article's Vega charts, declared with Altair and compiled to Vega at build time.

Compiled to Vega, so the browser needs only the Vega runtime, never Vega-Lite; the page loads that
runtime only when one of these charts scrolls near (article.js). The overview's legends and
probability bars are no Vega charts: charts.js draws them as plain SVG, so the first view never
waits for Vega.
"""

from __future__ import annotations

import functools
from typing import Any

import altair as alt
import vl_convert

# The Vega-Lite release Altair writes specs for, in vl-convert's "major.minor" spelling.
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


def relu_chart() -> alt.LayerChart:
    """The article's plot of ReLU(x) = max(0, x); its few points are part of the spec."""
    points = [{"x": x, "y": max(0.0, x)} for x in (-4.0, -2.0, 0.0, 2.0, 4.0)]
    scale = alt.Scale(domain=[-4, 4], nice=False)
    base = alt.Chart(alt.Data(values=points))
    line = base.mark_line(color="#c0392b", strokeWidth=2.5).encode(
        x=alt.X("x:Q", scale=scale, title="x"),
        y=alt.Y("y:Q", scale=scale, title="ReLU(x)"),
    )
    dots = base.mark_point(color="#c0392b", filled=True, size=30).encode(x="x:Q", y="y:Q")
    chart = alt.layer(line, dots).properties(width=240, height=240)
    return chart.configure(font=FONT).configure_axis(grid=True, gridColor="#eee", labelColor="#555", titleColor="#444")


def compile_vega(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """Vega-Lite -> Vega, so the page ships only the Vega runtime."""
    return vl_convert.vegalite_to_vega(chart.to_dict(), vl_version=VEGA_LITE_VERSION)


# The CSP-safe expression interpreter vendored inside vl-convert beside its Vega (vega 6 pairs with 2.x).
VEGA_INTERPRETER_VERSION = "2.0.0"


@functools.cache  # ~1 s of bundling, identical for every build of a vl-convert version
def vega_runtime() -> str:
    """The Vega runtime as one classic script that defines window.vega and nothing else.

    The import specifiers are vl-convert's names for the Vega copies vendored inside it (nothing is
    downloaded). The plain `vega` name its docs offer binds Vega's missing default export (null)
    in vl-convert 1.9, hence the namespace import. The function wrapper keeps the bundle's
    top-level names out of the page's global scope.

    Vega compiles its expressions with the Function constructor, which the pages' Content-Security-
    Policy forbids (no 'unsafe-eval'). So window.vega is Vega with two defaults changed: `parse`
    keeps each expression's syntax tree (`ast: true`) and `View` evaluates them with
    vega-interpreter (`expr: expressionInterpreter`). Every view on the page, whoever writes it,
    is then CSP-safe without knowing it.
    """
    version = vl_convert.get_vega_version()
    snippet = f"""import * as vegaNamespace from "https://cdn.jsdelivr.net/npm/vega@{version}/+esm";
import {{ expressionInterpreter }} from "https://cdn.jsdelivr.net/npm/vega-interpreter@{VEGA_INTERPRETER_VERSION}/+esm";
class View extends vegaNamespace.View {{
  constructor(runtime, options) {{
    super(runtime, {{ expr: expressionInterpreter, ...options }});
  }}
}}
function parse(spec, config, options) {{
  return vegaNamespace.parse(spec, config, {{ ast: true, ...options }});
}}
window.vega = Object.freeze({{ ...vegaNamespace, View, parse, expressionInterpreter }});
"""
    bundle = vl_convert.javascript_bundle(snippet)
    return (f"/* Vega {version} with vega-interpreter {VEGA_INTERPRETER_VERSION}, bundled by vl-convert "
            f"{vl_convert.__version__} */\n(function () {{\n{bundle}\n}})();\n")


def chart_specs() -> dict[str, dict[str, Any]]:
    """The article charts that are the same for every build (about.chart_specs adds the model's own)."""
    return {"relu": compile_vega(relu_chart())}
