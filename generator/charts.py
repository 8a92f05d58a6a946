"""The page's Vega charts, declared with Altair and compiled to Vega at build time.

Two specs serve every image: a colour legend (gradient bar, ticks, and an arrow tip at an end
whose values are clipped to its colour) and the output
layer's probability bars. Neither holds data: the page pushes rows into the named datasets
with view.data(...) whenever the image or the colour-range mode changes, so the browser needs
only the Vega runtime, never Vega-Lite. Pixel positions come from the page's own layout
(scale=None) so bars line up with the graph drawn around them.
"""

from __future__ import annotations

import functools
from typing import Any

import altair as alt
import vl_convert

# The Vega-Lite release Altair writes specs for, in vl-convert's "major.minor" spelling.
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
LEGEND_HEIGHT = 5  # px, the original's legend bar
LEGEND_PADDING = 24  # px each side, room for the end labels
# The arrow tip at a clipped end: a symbol in Vega's unit square scaled by sqrt(size) / 2, so 8 px tall and
# 6 px long, pointing away from the bar (the colour-bar "extend" convention for values beyond the range).
CAP_SIZE = 64
CAP_PATHS = {"low": "M0.75,-1L-0.75,0L0.75,1Z", "high": "M-0.75,-1L0.75,0L-0.75,1Z"}
FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    configured = chart.configure(font=FONT, background="transparent", autosize=alt.AutoSizeParams(type="none"))
    return configured.configure_view(stroke=None)


def legend_chart() -> alt.LayerChart:
    """A horizontal colour legend. Datasets: `gradient` {v0, v1, color}, `ticks` {v, label}, and
    `caps` {x, side, color}: x in pixels from the bar's left end, side "low" or "high"."""
    x_scale = alt.Scale(zero=False, nice=False, padding=0)
    bar = alt.Chart(alt.Data(name="gradient")).mark_rect().encode(
        x=alt.X("v0:Q", scale=x_scale, axis=None), x2="v1:Q",
        y=alt.value(0), y2=alt.value(LEGEND_HEIGHT),
        color=alt.Color("color:N", scale=None),
    )
    ticks = alt.Chart(alt.Data(name="ticks")).mark_rule(color="#888", strokeWidth=1).encode(
        x=alt.X("v:Q", scale=x_scale, axis=None), y=alt.value(LEGEND_HEIGHT), y2=alt.value(LEGEND_HEIGHT + 3),
    )
    labels = alt.Chart(alt.Data(name="ticks")).mark_text(
        baseline="top", fontSize=10, color="#666", y=LEGEND_HEIGHT + 5,
    ).encode(x=alt.X("v:Q", scale=x_scale, axis=None), text="label:N")
    caps = alt.Chart(alt.Data(name="caps")).mark_point(filled=True, opacity=1, strokeWidth=0, size=CAP_SIZE).encode(
        x=alt.X("x:Q", scale=None), y=alt.value(LEGEND_HEIGHT / 2),
        shape=alt.Shape("side:N", scale=alt.Scale(domain=list(CAP_PATHS), range=list(CAP_PATHS.values())),
                        legend=None),
        color=alt.Color("color:N", scale=None),
    )
    chart = alt.layer(bar, ticks, labels, caps).properties(
        width=100, height=LEGEND_HEIGHT + 18,
        padding={"left": LEGEND_PADDING, "right": LEGEND_PADDING, "top": 0, "bottom": 0},
    )
    return _config(chart)


def probability_chart() -> alt.LayerChart:
    """The output column. Dataset `classes` {name, p, text, top, label_y, bar_y, bar_y2, text_y} (pixels)."""
    x = alt.X("p:Q", scale=alt.Scale(zero=True, nice=False), axis=None)
    base = alt.Chart(alt.Data(name="classes"))
    bars = base.mark_rect(cornerRadiusEnd=1).encode(
        x=x, x2=alt.datum(0),
        y=alt.Y("bar_y:Q", scale=None), y2="bar_y2:Q",
        color=alt.condition("datum.top", alt.value("#5a5a5a"), alt.value("#a8a8a8")),
    )

    def names(top: bool) -> alt.Chart:
        return base.transform_filter("datum.top" if top else "!datum.top").mark_text(
            # the runners-up in grey #555, not #333 at 60% opacity: 7:1 instead of 3.7:1 (WCAG AA)
            align="left", baseline="alphabetic", fontSize=11, color="#333" if top else "#555",
            fontWeight="bold" if top else "normal",
        ).encode(x=alt.value(0), y=alt.Y("label_y:Q", scale=None), text="name:N")

    values = base.mark_text(align="left", baseline="middle", fontSize=9, color="#666", dx=4).encode(
        x=x, y=alt.Y("text_y:Q", scale=None), text="text:N",
    )
    chart = alt.layer(bars, names(True), names(False), values).properties(
        width=60, height=400, padding={"left": 0, "right": 44, "top": 0, "bottom": 0})
    return _config(chart)


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
    return {"legend": compile_vega(legend_chart()), "probabilities": compile_vega(probability_chart()),
            "relu": compile_vega(relu_chart())}
