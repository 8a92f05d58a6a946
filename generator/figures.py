"""The article's four figures as inline SVG, drawn at build time from figure_data's real numbers.

One convolution step (patch x kernel = products, summed with the bias), the elastic view of one
convolution neuron (its input maps, kernels, per-channel results and summed output), one pooling
region and the softmax of the sample shown first. The colours are the page's own tables
(colors.py): red-blue (RdBu) for values, red negative and blue positive; brown-teal (BrBG) for kernel
weights; inverted greys for pixels, 0 black and 1 white. Every number printed is rounded from the
network's value to the digits shown. Each SVG is role="img" with an aria-label that says the
numbers in words, and a <title>; text on a coloured cell is black or white, whichever contrasts more.
Output is a pure function of the data, so the bytes are the same on every build.
"""

from __future__ import annotations

import base64
import html
import io
import math

import numpy as np
from PIL import Image

from .colors import lut
from .figure_data import ConvNeuron, Figures, PoolRegion, SoftmaxStep

NAMES = ("conv-step", "elastic", "pooling", "softmax")

_WORDS = {
    "en": {
        "input": "input", "kernel": "kernel", "products": "products", "sum": "sum", "bias": "bias",
        "output": "output", "channel": "channel", "red": "red", "green": "green", "blue": "blue", "grey": "grey",
        "padding": "padding", "max": "max", "avg": "mean", "class": "class", "logit": "logit z",
        "exp": "eᶻ", "share": "probability", "total": "total", "result": "result",
        "pixels": "pixel, 0 black … 1 white", "values": "value", "weights": "weight",
        "conv_label": ("{layer}, neuron {neuron}, at row {row}, column {col}: {terms}, plus the bias {bias}, "
                       "gives {output}."),
        "conv_term": "the {channel} products add up to {value}",
        "elastic_label": ("How {layer} neuron {neuron} is made: each of the {count} input maps of {source} is "
                          "swept by its own kernel, the results are added up with the bias {bias}, and that "
                          "gives the output map; the outlined window is the step shown in the figure above."),
        "pool_label": "{layer}, channel {channel}: the {op} of each window of {source} is {values}.",
        "softmax_label": "Softmax of the output layer: {rows}.",
        "softmax_row": "{name}: logit {logit}, probability {share}",
        "channel_name": "channel {n}",
        "neuron": "neuron {n}",
        "position": "row {row}, column {col}",
    },
    "zh": {
        "input": "输入", "kernel": "卷积核", "products": "乘积", "sum": "求和", "bias": "偏置",
        "output": "输出", "channel": "通道", "red": "红", "green": "绿", "blue": "蓝", "grey": "灰度",
        "padding": "填充", "max": "最大值", "avg": "平均值", "class": "类别", "logit": "logit z",
        "exp": "eᶻ", "share": "概率", "total": "总和", "result": "结果",
        "pixels": "像素，0 黑 … 1 白", "values": "数值", "weights": "权重",
        "conv_label": ("{layer} 的第 {neuron} 个神经元在第 {row} 行、第 {col} 列：{terms}，"
                       "再加上偏置 {bias}，得到 {output}。"),
        "conv_term": "{channel}通道的乘积之和为 {value}",
        "elastic_label": ("{layer} 第 {neuron} 个神经元的计算：{source} 的 {count} 张输入图各由自己的卷积核扫过，"
                          "结果相加再加上偏置 {bias}，得到输出图；框出的窗口就是上图展示的那一步。"),
        "pool_label": "{layer} 第 {channel} 个通道：{source} 每个窗口的{op}依次为 {values}。",
        "softmax_label": "输出层的 softmax：{rows}。",
        "softmax_row": "{name}：logit {logit}，概率 {share}",
        "channel_name": "通道 {n}",
        "neuron": "神经元 {n}",
        "position": "第 {row} 行，第 {col} 列",
    },
}

_TABLES: dict[str, list[str]] = {}
CELL = 40  # px: a number cell
FONT = 13


def _table(name: str) -> list[str]:
    if name not in _TABLES:
        _TABLES[name] = lut(name)
    return _TABLES[name]


def _colour(scheme: str, t: float) -> str:
    return _table(scheme)[max(0, min(255, round(t * 255)))]


def _t(value: float, half: float) -> float:
    """Position on a symmetric scale from -half (0) to +half (1), as the page's legends place it."""
    return 0.5 if half == 0 else (value + half) / (2 * half)


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def ink(fill: str) -> str:
    """Black or white text, whichever contrasts more with `fill` (WCAG ratio)."""
    lum = _luminance(fill)
    return "#000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#fff"


def number(value: float, digits: int = 2) -> str:
    """`value` rounded to `digits` decimals, with a true minus sign and no "-0.00"."""
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "\u2212")


_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def significant(value: float) -> str:
    """A positive number to three significant digits; as a.bc × 10ⁿ when it is very large or small."""
    if value == 0:
        return "0"
    if not math.isfinite(value):  # e to a logit above ~709 leaves float64
        return "∞"
    exponent = math.floor(math.log10(value))
    if -2 <= exponent < 5:
        return f"{value:.{max(0, 2 - exponent)}f}"
    mantissa = value / 10**exponent
    if round(mantissa, 2) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.2f} × 10{str(exponent).translate(_SUPERSCRIPT)}"


def percent(value: float) -> str:
    """A probability as a percentage with two decimals."""
    return f"{value * 100:.2f}%"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _text(x: float, y: float, text: str, size: int = FONT, anchor: str = "middle", fill: str = "#333",
          weight: str | None = None, cls: str | None = None) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    kind = f' class="{cls}"' if cls else ""
    return (f'<text x="{x:g}" y="{y:g}" font-size="{size}" text-anchor="{anchor}" dominant-baseline="central" '
            f'fill="{fill}"{bold}{kind}>{_esc(text)}</text>')


def _grid(x: float, y: float, values: np.ndarray, fills: list[list[str]], cls: str, cell: int = CELL,
          digits: int = 2, marks: dict[tuple[int, int], str] | None = None) -> list[str]:
    """A grid of coloured cells, each holding its number (text of class `cls`, row by row); `marks` puts a
    label instead (e.g. padding)."""
    parts = []
    rows, cols = values.shape
    font = FONT if cell >= 36 else max(8, round(cell * 0.34))
    for i in range(rows):
        for j in range(cols):
            fill = fills[i][j]
            cx, cy = x + j * cell, y + i * cell
            parts.append(f'<rect x="{cx:g}" y="{cy:g}" width="{cell}" height="{cell}" fill="{fill}" '
                         f'stroke="#fff" stroke-width="1"/>')
            label = (marks or {}).get((i, j), number(float(values[i, j]), digits))
            parts.append(_text(cx + cell / 2, cy + cell / 2, label, font, fill=ink(fill), cls=cls))
    return parts


def _fills(values: np.ndarray, scheme: str, half: float) -> list[list[str]]:
    if scheme == "Greys":  # pixels: 0 black, 1 white, as the page draws them
        return [[_colour("Greys", 1 - float(v)) for v in row] for row in values]
    return [[_colour(scheme, _t(float(v), half)) for v in row] for row in values]


def _half(values: np.ndarray) -> float:
    return float(np.max(np.abs(values))) if values.size else 0.0


def _legend(x: float, y: float, scheme: str, low: str, high: str, caption: str, gradient_id: str,
            reverse: bool = False) -> tuple[list[str], str]:
    """A colour bar with its end values and what it shows; returns (parts, <linearGradient> definition)."""
    stops = "".join(f'<stop offset="{k / 10:g}" stop-color="{_colour(scheme, 1 - k / 10 if reverse else k / 10)}"/>'
                    for k in range(11))
    definition = f'<linearGradient id="{gradient_id}">{stops}</linearGradient>'
    width = 110
    parts = [f'<rect x="{x:g}" y="{y:g}" width="{width}" height="10" fill="url(#{gradient_id})" stroke="#999" '
             'stroke-width="0.5"/>',
             _text(x, y + 22, low, 11, "start", "#444"), _text(x + width, y + 22, high, 11, "end", "#444"),
             _text(x + width / 2, y - 9, caption, 11, "middle", "#444")]
    return parts, definition


def _svg(width: float, height: float, label: str, body: list[str], defs: list[str], figure: str) -> str:
    title = f'<title>{_esc(label)}</title>\n'  # a line of its own: no '</title><' for the injection test to flag
    definitions = f"<defs>{''.join(defs)}</defs>" if defs else ""
    return (f'<svg class="figure-svg" data-figure-svg="{figure}" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" role="img" '
            f'aria-label="{_esc(label)}">{title}{definitions}{"".join(body)}</svg>')


def _channel_names(count: int, words: dict[str, str], pixels: bool) -> list[str]:
    if pixels and count == 3:
        return [words["red"], words["green"], words["blue"]]
    if pixels and count == 1:
        return [words["grey"]]
    return [words["channel_name"].format(n=c) for c in range(count)]


def conv_step(conv: ConvNeuron, lang: str, prefix: str) -> str:
    """Patch × kernel = products for each input channel, then the channel sums + bias = the output value."""
    words = _WORDS[lang]
    patch, padded = conv.patch()
    products = conv.products()
    sums = conv.channel_sums()
    channels, kh, kw = conv.kernels.shape
    names = _channel_names(channels, words, conv.pixels)
    grid_w, grid_h = kw * CELL, kh * CELL
    label_w, gap, sum_w = 78, 34, 96
    x_patch = label_w
    x_kernel = x_patch + grid_w + gap
    x_products = x_kernel + grid_w + gap
    x_sum = x_products + grid_w + gap
    width = x_sum + sum_w + 40
    top = 28
    row_h = grid_h + 16
    input_scheme = "Greys" if conv.pixels else "RdBu"
    input_half, kernel_half, product_half = _half(patch), _half(conv.kernels), _half(products)
    marks = {(int(i), int(j)): "0" for i, j in zip(*np.nonzero(padded))}
    body = [_text(x_patch + grid_w / 2, 12, words["input"], FONT, weight="bold"),
            _text(x_kernel + grid_w / 2, 12, words["kernel"], FONT, weight="bold"),
            _text(x_products + grid_w / 2, 12, words["products"], FONT, weight="bold"),
            _text(x_sum + sum_w / 2, 12, words["sum"], FONT, weight="bold")]
    for c in range(channels):
        y = top + c * row_h
        mid = y + grid_h / 2
        body.append(_text(label_w - 10, mid, names[c], FONT, "end"))
        fills = _fills(patch[c], input_scheme, input_half)
        for i, j in marks:
            fills[i][j] = "#e0e0e0"  # padding: zeros the layer adds around its input
        body += _grid(x_patch, y, patch[c], fills, "figure-input", marks=marks)
        body.append(_text(x_patch + grid_w + gap / 2, mid, "×", 18))
        body += _grid(x_kernel, y, conv.kernels[c], _fills(conv.kernels[c], "BrBG", kernel_half), "figure-kernel")
        body.append(_text(x_kernel + grid_w + gap / 2, mid, "=", 18))
        body += _grid(x_products, y, products[c], _fills(products[c], "RdBu", product_half), "figure-product")
        body.append(_text(x_products + grid_w + gap / 2, mid, "Σ", 16))
        body.append(_text(x_sum + 8, mid, number(float(sums[c])), FONT, "start", weight="bold",
                          cls="figure-channel-sum"))
    y = top + channels * row_h + 14
    terms = " + ".join(number(float(s)) if s >= 0 or i == 0 else f"({number(float(s))})" for i, s in enumerate(sums))
    bias = number(conv.bias) if conv.bias >= 0 else f"({number(conv.bias)})"
    equation = f"{terms} + {bias} ({words['bias']}) ="
    body.append(_text(x_sum - 10, y + CELL / 2, equation, FONT, "end"))
    out_fill = _colour("RdBu", _t(conv.output, _half(conv.outputs)))
    body.append(f'<rect x="{x_sum:g}" y="{y:g}" width="{CELL + 16}" height="{CELL}" fill="{out_fill}" '
                'stroke="#333" stroke-width="1.5"/>')
    body.append(_text(x_sum + (CELL + 16) / 2, y + CELL / 2, number(conv.output), FONT, fill=ink(out_fill),
                      weight="bold", cls="figure-output"))
    body.append(_text(x_sum + CELL + 24, y + CELL / 2, words["output"], FONT, "start"))
    where = f"{conv.layer} · {words['neuron'].format(n=conv.neuron)}"
    body.append(_text(label_w, y + CELL / 2 - 8, where, 11, "start", "#444", cls="figure-where"))
    body.append(_text(label_w, y + CELL / 2 + 8, words["position"].format(row=conv.row, col=conv.col), 11, "start",
                      "#444", cls="figure-where"))
    legend_y = y + CELL + 34
    defs = []
    legends = [(input_scheme, "0" if conv.pixels else number(-input_half), "1" if conv.pixels else
                number(input_half), words["pixels"] if conv.pixels else words["values"] + f" ({words['input']})",
                conv.pixels),
               ("BrBG", number(-kernel_half), number(kernel_half), words["weights"], False),
               ("RdBu", number(-product_half), number(product_half), words["products"], False)]
    for k, (scheme, low, high, caption, reverse) in enumerate(legends):
        parts, definition = _legend(label_w + k * 190, legend_y, scheme, low, high, caption,
                                    f"{prefix}-legend-{k}", reverse)
        body += parts
        defs.append(definition)
    height = legend_y + 30
    label = words["conv_label"].format(
        layer=conv.layer, neuron=conv.neuron, row=conv.row, col=conv.col, bias=number(conv.bias),
        output=number(conv.output),
        terms=", ".join(words["conv_term"].format(channel=n, value=number(float(s))) for n, s in zip(names, sums)))
    return _svg(width, height, label, body, defs, "conv-step")


def _map_image(values: np.ndarray, scheme: str, half: float) -> str:
    """A map as a lossless WebP data URL, one pixel per value, coloured as the page colours it (WebP: a third
    smaller than an optimised palette PNG, which keeps the first view's bytes within budget)."""
    if scheme == "Greys":  # pixels: 0 black, 1 white
        t = 1 - values
    elif half:
        t = (values + half) / (2 * half)
    else:
        t = np.full(values.shape, 0.5)
    codes = np.clip(np.rint(np.asarray(t, np.float64) * 255), 0, 255).astype(np.uint8)
    image = Image.fromarray(codes, "P")
    image.putpalette([int(h[i:i + 2], 16) for h in _table(scheme) for i in (1, 3, 5)])
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="WEBP", lossless=True, method=6)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _map(x: float, y: float, values: np.ndarray, scheme: str, half: float, size: float,
         cls: str) -> tuple[list[str], float]:
    """A map drawn `size` wide (its height in proportion); returns (parts, drawn height)."""
    h, w = values.shape
    height = size * h / w
    return [f'<image class="{cls}" x="{x:g}" y="{y:g}" width="{size:g}" height="{height:g}" '
            f'preserveAspectRatio="none" href="{_map_image(values, scheme, half)}"/>',
            f'<rect x="{x:g}" y="{y:g}" width="{size:g}" height="{height:g}" fill="none" stroke="#bbb"/>'], height


def _outline(x: float, y: float, size: float, shape: tuple[int, int], top: float, left: float,
             h: float, w: float) -> str:
    """A box around cells (top, left, h, w) of a map drawn at (x, y), `size` wide."""
    scale = size / shape[1]
    box = f'x="{x + left * scale:g}" y="{y + top * scale:g}" width="{w * scale:g}" height="{h * scale:g}" fill="none"'
    # A white halo under the black line: the box stays visible on dark pixels and on saturated colours alike.
    return f'<rect {box} stroke="#fff" stroke-width="3.5"/><rect {box} stroke="#000" stroke-width="1.5"/>'



def elastic(conv: ConvNeuron, lang: str, prefix: str) -> str:
    """Input maps, each channel's kernel, each channel's result, then Σ + bias into the output map."""
    words = _WORDS[lang]
    channels, kh, kw = conv.kernels.shape
    names = _channel_names(channels, words, conv.pixels)
    inter = conv.intermediates()
    size = 84.0
    in_h = size * conv.inputs.shape[1] / conv.inputs.shape[2]
    out_h = size * conv.outputs.shape[0] / conv.outputs.shape[1]
    kcell = min(16, 64 // max(kh, kw))
    row_h = max(in_h, out_h, kh * kcell) + 18
    x_in = 78.0
    x_kernel = x_in + size + 34
    x_inter = x_kernel + kw * kcell + 34
    x_sum = x_inter + size + 56
    x_out = x_sum + 56
    width = x_out + size + 20
    top = 30
    input_scheme = "Greys" if conv.pixels else "RdBu"
    input_half, kernel_half = _half(conv.inputs), _half(conv.kernels)
    value_half = max(_half(inter), _half(conv.outputs))
    body = [_text(x_in + size / 2, 12, words["input"], FONT, weight="bold"),
            _text(x_kernel + kw * kcell / 2, 12, words["kernel"], FONT, weight="bold"),
            _text(x_inter + size / 2, 12, words["result"], FONT, weight="bold"),
            _text(x_out + size / 2, 12, words["output"], FONT, weight="bold")]
    total_h = channels * row_h
    sum_y = top + total_h / 2 - 9
    eh, ew = conv.window
    otop, oleft = conv.origin
    for c in range(channels):
        y = top + c * row_h
        body.append(_text(x_in - 10, y + in_h / 2, names[c], FONT, "end"))
        parts, _ = _map(x_in, y, conv.inputs[c], input_scheme, input_half, size, "figure-input-map")
        body += parts
        body.append(_outline(x_in, y, size, conv.inputs.shape[1:], otop, oleft, eh, ew))
        ky = y + (in_h - kh * kcell) / 2
        for i in range(kh):
            for j in range(kw):
                fill = _colour("BrBG", _t(float(conv.kernels[c, i, j]), kernel_half))
                body.append(f'<rect x="{x_kernel + j * kcell:g}" y="{ky + i * kcell:g}" width="{kcell}" '
                            f'height="{kcell}" fill="{fill}" stroke="#fff" stroke-width="0.5"/>')
        body.append(f'<line x1="{x_in + size + 4:g}" y1="{y + in_h / 2:g}" x2="{x_kernel - 4:g}" '
                    f'y2="{y + in_h / 2:g}" stroke="#999"/>')
        body.append(f'<line x1="{x_kernel + kw * kcell + 4:g}" y1="{y + in_h / 2:g}" x2="{x_inter - 4:g}" '
                    f'y2="{y + in_h / 2:g}" stroke="#999"/>')
        parts, inter_h = _map(x_inter, y, inter[c], "RdBu", value_half, size, "figure-channel-map")
        body += parts
        body.append(_outline(x_inter, y, size, inter.shape[1:], conv.row, conv.col, 1, 1))
        body.append(f'<path d="M{x_inter + size + 2:g},{y + inter_h / 2:g} L{x_sum - 12:g},{sum_y + 9:g}" '
                    'fill="none" stroke="#777" stroke-dasharray="4 3" class="figure-flow"/>')
    body.append(f'<circle cx="{x_sum:g}" cy="{sum_y + 9:g}" r="12" fill="#fff" stroke="#555"/>')
    body.append(_text(x_sum, sum_y + 9, "Σ", 14))
    body.append(_text(x_sum, sum_y + 36, f"+ {number(conv.bias)}", 11, fill="#444"))
    body.append(_text(x_sum, sum_y + 50, words["bias"], 11, fill="#444"))
    out_y = top + total_h / 2 - out_h / 2
    body.append(f'<line x1="{x_sum + 13:g}" y1="{sum_y + 9:g}" x2="{x_out - 4:g}" y2="{sum_y + 9:g}" '
                'stroke="#777" stroke-dasharray="4 3" class="figure-flow"/>')
    parts, _ = _map(x_out, out_y, conv.outputs, "RdBu", value_half, size, "figure-output-map")
    body += parts
    body.append(_outline(x_out, out_y, size, conv.outputs.shape, conv.row, conv.col, 1, 1))
    body.append(_text(x_out + size / 2, out_y + out_h + 12, f"{conv.layer} · {words['neuron'].format(n=conv.neuron)}",
                      11, fill="#444"))
    legend_y = top + total_h + 30
    defs = []
    legends = [(input_scheme, "0" if conv.pixels else number(-input_half), "1" if conv.pixels else
                number(input_half), words["pixels"] if conv.pixels else words["values"], conv.pixels),
               ("BrBG", number(-kernel_half), number(kernel_half), words["weights"], False),
               ("RdBu", number(-value_half), number(value_half), f"{words['result']} / {words['output']}", False)]
    for k, (scheme, low, high, caption, reverse) in enumerate(legends):
        parts, definition = _legend(x_in + k * 170, legend_y, scheme, low, high, caption, f"{prefix}-legend-{k}",
                                    reverse)
        body += parts
        defs.append(definition)
    label = words["elastic_label"].format(layer=conv.layer, neuron=conv.neuron, count=channels, source=conv.source,
                                          bias=number(conv.bias))
    return _svg(width, legend_y + 30, label, body, defs, "elastic")


def pooling(pool: PoolRegion, lang: str, prefix: str) -> str:
    """The pooled region with its four windows, and the 2 x 2 outputs; a max pool marks the kept cells."""
    words = _WORDS[lang]
    rh, rw = pool.region.shape
    half = max(_half(pool.region), _half(pool.outputs))
    top, x_in = 30, 20
    body = [_text(x_in + rw * CELL / 2, 12, f"{pool.source} · {words['channel_name'].format(n=pool.channel)}",
                  FONT, weight="bold")]
    body += _grid(x_in, top, pool.region, _fills(pool.region, "RdBu", half), "figure-region")
    dashes = ("", "5 3", "2 2", "8 3 2 3")
    for (wt, wl, wh, ww), dash in zip(pool.windows, dashes):
        pattern = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(f'<rect x="{x_in + wl * CELL + 2:g}" y="{top + wt * CELL + 2:g}" width="{ww * CELL - 4:g}" '
                    f'height="{wh * CELL - 4:g}" fill="none" stroke="#555" stroke-width="1.5"{pattern}/>')
    if pool.op == "max":
        for r, c in pool.chosen():
            body.append(f'<rect x="{x_in + c * CELL + 4:g}" y="{top + r * CELL + 4:g}" width="{CELL - 8}" '
                        f'height="{CELL - 8}" fill="none" stroke="#000" stroke-width="3" class="figure-chosen"/>')
    x_arrow = x_in + rw * CELL + 16
    mid = top + rh * CELL / 2
    body.append(f'<line x1="{x_arrow:g}" y1="{mid:g}" x2="{x_arrow + 60:g}" y2="{mid:g}" stroke="#555" '
                'stroke-width="1.5"/>')
    body.append(f'<path d="M{x_arrow + 60:g},{mid - 5:g} L{x_arrow + 68:g},{mid:g} L{x_arrow + 60:g},{mid + 5:g} Z" '
                'fill="#555"/>')
    body.append(_text(x_arrow + 34, mid - 14, words[pool.op], 12))
    x_out = x_arrow + 84
    out_top = mid - CELL
    body.append(_text(x_out + CELL, 12, pool.layer, FONT, weight="bold"))
    body += _grid(x_out, out_top, pool.outputs, _fills(pool.outputs, "RdBu", half), "figure-pooled")
    for k, dash in enumerate(dashes):
        i, j = divmod(k, 2)
        pattern = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(f'<rect x="{x_out + j * CELL + 2:g}" y="{out_top + i * CELL + 2:g}" width="{CELL - 4}" '
                    f'height="{CELL - 4}" fill="none" stroke="#555" stroke-width="1.5"{pattern}/>')
    legend_y = top + rh * CELL + 34
    parts, definition = _legend(x_in, legend_y, "RdBu", number(-half), number(half), words["values"],
                                f"{prefix}-legend")
    body += parts
    width = max(x_out + 2 * CELL + 20, x_in + 150)
    values = ", ".join(number(float(v)) for v in pool.outputs.reshape(-1))
    label = words["pool_label"].format(layer=pool.layer, channel=pool.channel, op=words[pool.op],
                                       source=pool.source, values=values)
    return _svg(width, legend_y + 30, label, body, [definition], "pooling")


def softmax(step: SoftmaxStep, lang: str, classes: tuple[str, ...]) -> str:
    """Every class, most probable first: its logit, e to the logit, and its share of the total."""
    words = _WORDS[lang]
    order = np.argsort(-step.probabilities, kind="stable")
    exps = step.exps()
    row_h, top = 24, 32
    x_name, x_logit, x_exp, x_share, x_bar, bar_w = 150, 220, 330, 420, 432, 200
    logit_half = _half(step.logits)
    body = [_text(x_name, 14, words["class"], FONT, "end", weight="bold"),
            _text(x_logit, 14, words["logit"], FONT, "end", weight="bold"),
            _text(x_exp, 14, words["exp"], FONT, "end", weight="bold"),
            _text(x_share, 14, words["share"], FONT, "end", weight="bold")]
    for row, k in enumerate(order):
        y = top + row * row_h
        fill = _colour("RdBu", _t(float(step.logits[k]), logit_half))
        body.append(_text(x_name, y + row_h / 2, classes[k], FONT, "end"))
        body.append(f'<rect x="{x_logit - 58:g}" y="{y + 2:g}" width="62" height="{row_h - 4}" fill="{fill}"/>')
        body.append(_text(x_logit, y + row_h / 2, number(float(step.logits[k])), FONT, "end", ink(fill),
                          cls="figure-logit"))
        body.append(_text(x_exp, y + row_h / 2, significant(float(exps[k])), FONT, "end", cls="figure-exp"))
        body.append(_text(x_share, y + row_h / 2, percent(float(step.probabilities[k])), FONT, "end",
                          cls="figure-share"))
        length = max(1.0, bar_w * float(step.probabilities[k]))
        body.append(f'<rect x="{x_bar:g}" y="{y + 5:g}" width="{length:.1f}" height="{row_h - 10}" fill="#2166ac"/>')
    y = top + len(order) * row_h + 8
    body.append(f'<line x1="{x_logit - 60:g}" y1="{y:g}" x2="{x_share:g}" y2="{y:g}" stroke="#999"/>')
    body.append(_text(x_logit, y + 14, words["total"], FONT, "end"))
    body.append(_text(x_exp, y + 14, significant(float(exps.sum())), FONT, "end", cls="figure-exp-total"))
    body.append(_text(x_share, y + 14, percent(float(step.probabilities.sum())), FONT, "end"))
    rows = "; ".join(words["softmax_row"].format(name=classes[k], logit=number(float(step.logits[k])),
                                                 share=percent(float(step.probabilities[k]))) for k in order)
    return _svg(x_bar + bar_w + 10, y + 30, words["softmax_label"].format(rows=rows), body, [], "softmax")


def render_figures(figures: Figures, lang: str, classes: tuple[str, ...]) -> dict[str, str | None]:
    """Each figure's SVG in one language ("en" or "zh"; others get English), None where the network lacks
    the layer it explains; `classes` are the class names as this page shows them."""
    words = lang if lang in _WORDS else "en"
    conv, pool = figures.conv, figures.pool
    return {
        "conv-step": conv_step(conv, words, "figure-conv-step") if conv else None,
        "elastic": elastic(conv, words, "figure-elastic") if conv else None,
        "pooling": pooling(pool, words, "figure-pooling") if pool else None,
        "softmax": softmax(figures.softmax, words, classes),
    }
