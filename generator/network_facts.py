"""The article's numbers about the network shown: `{net.<name>}` placeholders, filled per language.

The article explains the network on the page, so every number in it that depends on that network (input
size, map sizes, kernels, the flatten length, the class count, blocks, parameters) is written in
`content/<lang>.md` as a `{net.<name>}` placeholder and filled here from the architecture, in words where
the prose uses words. For TinyVGG the filled text is the text the article always had. The `net.` prefix
keeps them apart from the "About the model" block's `{name}` facts (about.py) and from LaTeX braces,
so they may appear anywhere, formulas included.
"""

from __future__ import annotations

import math
import re

from .network.description import TINYVGG, Architecture, Conv2D, Dense, Pool, explicit_padding, output_shapes

PLACEHOLDER = re.compile(r"\{net\.([a-z][a-z0-9_]*)\}")  # article.fill fills them, before the Markdown is parsed

_EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
       "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ZH = "零一二三四五六七八九"
_EN_ORDINALS = ["last", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
                "tenth"]  # "last": for 0 or more than 10 pooling layers


def _en_word(n: int) -> str:
    """An English number word up to 99 (the article's small counts); digits beyond."""
    if n < 20:
        return _EN[n]
    if n < 100:
        return _EN_TENS[n // 10] + ("" if n % 10 == 0 else "-" + _EN[n % 10])
    return f"{n:,}"


def _zh_word(n: int, counter: bool = False) -> str:
    """A Chinese number word up to 99; `counter`: 两 for 2 before a measure word, as the prose writes it."""
    if n == 2 and counter:
        return "两"
    if n < 10:
        return _ZH[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _ZH[tens]) + "十" + ("" if ones == 0 else _ZH[ones])
    return f"{n:,}"


def _about(n: int, lang: str) -> str:
    """Roughly n, in words: 19,920 is "twenty thousand" / "两万"."""
    if n >= 1000:
        thousands = round(n / 1000)
        if lang == "zh":
            return _zh_word(thousands // 10, counter=True) + "万" if thousands % 10 == 0 and thousands < 1000 \
                else f"{thousands * 1000:,}"
        return f"{_en_word(thousands)} thousand" if thousands < 100 else f"{thousands:,} thousand"
    return f"{round(n, -1):,}"


def _size(shape: tuple[int, ...]) -> str:
    return " × ".join(str(v) for v in shape)


def _padding_clause(pad: tuple[int, int], zh: bool) -> str:
    """How the first convolution's row is padded, as the clause the article opens its sentence with."""
    if pad == (0, 0):
        return "因为不做填充，" if zh else "Because no padding is used"
    if pad[0] == pad[1]:
        plural = "s" * (pad[0] > 1)
        return f"加上每边 {pad[0]} 像素的零填充后，" if zh else f"With a zero border of {pad[0]} pixel{plural} a side"
    return f"加上 {pad[0]} 和 {pad[1]} 像素的零填充后，" if zh else f"With zero padding of {pad[0]} and {pad[1]} pixels"


def receptive_field(arch: Architecture) -> int:
    """How many input pixels across one neuron of the last map layer sees (the larger side)."""
    field, jump = 1, 1
    for layer in arch.layers:
        if isinstance(layer, Conv2D):
            reach = max((k - 1) * d + 1 for k, d in zip(layer.kernel_size, layer.dilation))
            field, jump = field + (reach - 1) * jump, jump * max(layer.strides)
        elif isinstance(layer, Pool):
            field, jump = field + (max(layer.pool_size) - 1) * jump, jump * max(layer.strides)
    return field


def network_facts(arch: Architecture, lang: str, parameters: int) -> dict[str, str]:
    """Every `{net.<name>}` the articles use, for one language ("en" or "zh"; others get English words)."""
    zh = lang == "zh"
    word = (lambda n: _zh_word(n)) if zh else _en_word
    counted = (lambda n: _zh_word(n, counter=True)) if zh else _en_word
    shapes = output_shapes(arch)
    height, width, channels = arch.input_shape
    convs = [(layer, shape) for layer, shape in zip(arch.layers, shapes) if isinstance(layer, Conv2D)]
    pools = [(layer, shape) for layer, shape in zip(arch.layers, shapes) if isinstance(layer, Pool)]
    denses = [layer for layer in arch.layers if isinstance(layer, Dense)]
    flat_at = next(i for i, layer in enumerate(arch.layers) if layer.kind == "flatten")
    before_flat = shapes[flat_at - 1] if flat_at else arch.input_shape
    classes = denses[-1].units
    blocks = len(pools) + (0 if arch.layers[flat_at - 1].kind == "pool" or not convs else 1)
    facts = {
        "name": "TinyVGG" if arch.layers == TINYVGG.layers and arch.input_shape == TINYVGG.input_shape
        else ("自定义网络" if zh else "a custom network"),
        "classes": str(classes), "classes_word": word(classes),
        "convs_word": counted(len(convs)), "blocks_word": counted(blocks),
        "parameters_about": _about(parameters, lang),
        "input_size": _size((height, width)),
        "input_channels": str(channels),
        "receptive_field": _size((receptive_field(arch),) * 2),
        "flat_maps": str(before_flat[-1]), "flat_maps_word": word(before_flat[-1]),
        "flat_map": _size(before_flat[:2]),
        "flat_formula": _size(before_flat),
        "flat_length": f"{math.prod(before_flat):,}",
        "pools_word": counted(len(pools)),
        "pools_ordinal": (f"第{_zh_word(len(pools))}个" if zh else _EN_ORDINALS[len(pools) if len(pools) <= 10 else 0]),
        "input_split": (("只有一个灰度通道" if zh else "as its one grey channel") if channels == 1
                        else ("被拆成红、绿、蓝三个通道" if zh else "split into its red, green and blue channels")),
        "input_names": (("（灰度）" if zh else "(grey)") if channels == 1
                        else ("（红、绿、蓝）" if zh else "(red, green, blue)")),
        "photo": (("一张小小的灰度照片" if zh else "a small greyscale photo") if channels == 1
                  else ("一张小小的彩色照片" if zh else "a small colour photo")),
    }
    # A network without convolutions (or pooling) still fills the sections about them, with a dash.
    facts.update(dict.fromkeys(("kernel", "kernel_h", "kernel_w", "kernel_cells_word", "conv1_in", "conv1_in_word",
                                "conv1_in_channels", "conv1_filters", "conv1_kernels", "conv1_map", "conv1_fits",
                                "conv1_row", "pool_window", "pool_stride", "pool_cells_word", "conv1_padding",
                                "conv1_step", "pool_title", "pool_layer", "pool_rule", "pool_effect", "pool_kept"),
                               "—"))
    if convs:
        conv, out = convs[0]
        index = arch.layers.index(conv)
        c_in = shapes[index - 1][-1] if index else channels
        kh, kw = conv.kernel_size
        reach = (kw - 1) * conv.dilation[1] + 1
        pad = explicit_padding(conv.padding, shapes[index - 1][:2] if index else (height, width),
                               ((kh - 1) * conv.dilation[0] + 1, reach), conv.strides)
        in_width = (shapes[index - 1][1] if index else width) + sum(pad[1])
        facts.update({
            "kernel": _size(conv.kernel_size), "kernel_h": str(kh), "kernel_w": str(kw),
            "kernel_cells_word": word(kh * kw),
            "conv1_in": str(c_in), "conv1_in_word": word(c_in), "conv1_filters": str(conv.filters),
            "conv1_in_channels": f"{c_in} 个通道" if zh else f"{c_in} channel{'s' * (c_in != 1)}",
            "conv1_kernels": str(c_in * conv.filters), "conv1_map": _size(out[:2]),
            "conv1_fits": str(out[1]), "conv1_row": str(in_width),
            "conv1_padding": _padding_clause(pad[1], zh),
            "conv1_step": (f"{_zh_word(conv.strides[1], counter=True)}个像素" if zh
                           else f"{_en_word(conv.strides[1])} pixel{'s' * (conv.strides[1] > 1)}"),
        })
    if pools:
        pool, after = pools[0]
        index = arch.layers.index(pool)
        before, cells = (shapes[index - 1] if index else arch.input_shape), word(math.prod(pool.pool_size))
        shrink = (f"每张图从 {_size(before[:2])} 缩小到 {_size(after[:2])}" if zh
                  else f"Each map shrinks from {_size(before[:2])} to {_size(after[:2])}")
        halves = pool.pool_size == pool.strides == (2, 2) and before[0] % 2 == 0 and before[1] % 2 == 0
        if pool.op == "max":
            title, layer, rule = ("最大池化", "最大池化层", f"只保留{cells}个数中最大的那个") if zh else \
                ("Max pooling", "A max-pooling layer", f"keeps only the largest of the {cells} values")
            effect = (f"{shrink}：大部分数值被舍弃，但最强的反应留了下来。" if zh
                      else f"{shrink}; most values are dropped, but the strongest responses survive.")
            if halves:  # TinyVGG's pooling, in the words its article always had
                effect = ("每张图的面积缩小到四分之一——四个值里扔掉三个——但最强的反应留了下来。" if zh
                          else "Each map shrinks to a quarter of its area — three values in four are thrown away — "
                               "while the strongest responses survive.")
        else:
            title, layer, rule = ("平均池化", "平均池化层", f"取这{cells}个数的平均值") if zh else \
                ("Average pooling", "An average-pooling layer", f"keeps the mean of the {cells} values")
            effect = (f"{shrink}：每个窗口都由它的平均值代表，一个反应占满窗口的部分越多，留下的就越多。" if zh
                      else f"{shrink}; each window is summed up by its mean, so a response survives in proportion "
                           "to how much of the window it fills.")
        if pool.op == "max":
            kept = "每个窗口保留下来的那个值用黑框标出。" if zh else "The value each window keeps is boxed in black."
        else:
            kept = ("每个输出都是它窗口里所有值的平均，没有哪一个格子被单独挑出来。" if zh
                    else "Each output is the mean of its whole window: no single cell is picked.")
        facts.update({"pool_kept": kept, "pool_window": _size(pool.pool_size), "pool_stride": str(pool.strides[1]),
                      "pool_cells_word": cells, "pool_title": title, "pool_layer": layer, "pool_rule": rule,
                      "pool_effect": effect})
    return facts

