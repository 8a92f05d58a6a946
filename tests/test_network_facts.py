"""network_facts: the article's numbers about the network, against values worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from cnn_explainer.about import page_words
from cnn_explainer.article import render_article
from cnn_explainer.errors import InputError
from cnn_explainer.model import PARAM_COUNT
from cnn_explainer.network.description import TINYVGG, Architecture, Conv2D, Dense, Flatten, Pool, ReLU
from cnn_explainer.network_facts import network_facts, receptive_field
from conftest import REPO

# The PyTorch tutorial's TinyVGG (tests/fixtures/*.onnx): 28x28 grey, 3x3 convolutions padded by 1.
PYTORCH = Architecture((28, 28, 1), (
    Conv2D("a", 10, (3, 3), padding=((1, 1), (1, 1))), ReLU("b"), Conv2D("c", 10, (3, 3), padding=((1, 1), (1, 1))),
    ReLU("d"), Pool("e"), Conv2D("f", 10, (3, 3), padding=((1, 1), (1, 1))), ReLU("g"),
    Conv2D("h", 10, (3, 3), padding=((1, 1), (1, 1))), ReLU("i"), Pool("j"), Flatten("k"), Dense("l", 10)),
    flatten_order="chw")


def test_tinyvggs_facts_are_the_numbers_the_article_always_had():
    en = network_facts(TINYVGG, "en", PARAM_COUNT)
    assert (en["name"], en["classes_word"], en["convs_word"], en["blocks_word"]) == ("TinyVGG", "ten", "four", "two")
    assert en["parameters_about"] == "twenty thousand"
    assert network_facts(TINYVGG, "zh", PARAM_COUNT)["parameters_about"] == "两万"
    assert (en["input_size"], en["kernel"], en["kernel_cells_word"]) == ("64 × 64", "3 × 3", "nine")
    assert (en["conv1_in"], en["conv1_filters"], en["conv1_kernels"]) == ("3", "10", "30")  # 3 channels x 10 neurons
    assert (en["conv1_fits"], en["conv1_row"], en["conv1_map"]) == ("62", "64", "62 × 62")  # 64 - 3 + 1
    assert (en["flat_map"], en["flat_formula"], en["flat_length"]) == ("13 × 13", "13 × 13 × 10", "1,690")
    assert en["receptive_field"] == "16 × 16" and en["conv1_padding"] == "Because no padding is used"
    assert (en["pool_window"], en["pool_stride"], en["pools_ordinal"]) == ("2 × 2", "2", "second")
    assert (en["conv1_step"], en["pool_cells_word"]) == ("one pixel", "four")


def test_the_pytorch_tinyvggs_facts_follow_its_padding_and_size():
    en = network_facts(PYTORCH, "en", 8_070)
    assert en["name"] == "a custom network" and en["input_size"] == "28 × 28" and en["input_names"] == "(grey)"
    assert (en["conv1_fits"], en["conv1_row"], en["conv1_map"]) == ("28", "30", "28 × 28")  # 28 + 2 - 3 + 1
    assert en["conv1_padding"] == "With a zero border of 1 pixel a side"
    assert (en["flat_formula"], en["flat_length"]) == ("7 × 7 × 10", "490")  # 28 -> 14 -> 7
    assert en["parameters_about"] == "eight thousand"


def test_receptive_field_counts_strides_and_dilation():
    arch = Architecture((32, 32, 3), (Conv2D("a", 2, (3, 3), strides=(2, 2)), Conv2D("b", 2, (3, 3), dilation=(2, 2)),
                                      Pool("c", "max", (2, 2), (2, 2)), Flatten("d"), Dense("e", 2)))
    assert receptive_field(arch) == 3 + (5 - 1) * 2 + (2 - 1) * 2  # 3; a 5-wide reach at jump 2; the pool at jump 2


def test_every_placeholder_in_both_articles_is_a_fact(tmp_path: Path):
    for lang in ("en", "zh"):
        words = page_words(tuple(f"class {i}" for i in range(10)))
        html = render_article(REPO / "content" / f"{lang}.md", None, words,
                              network=network_facts(PYTORCH, lang, 8_070)).html
        assert "{net." not in html and "28 × 28" in html and "490" in html


def test_an_unknown_placeholder_is_one_line_naming_it(tmp_path: Path):
    source = tmp_path / "en.md"
    source.write_text("{#a}\n## A\n\nThe input is {net.input_size}.\n\nIt has {net.wheels} wheels.\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 6: \{net.wheels\} is not a known fact; known: .*input_size"):
        render_article(source, None, network=network_facts(TINYVGG, "en", PARAM_COUNT))


def test_the_pooling_section_says_what_the_networks_pooling_does():
    arch = Architecture((36, 36, 1), (Conv2D("conv_1_1", 4, (3, 3)), ReLU("relu_1_1"),
                                      Pool("avg_pool_1", "avg", (3, 3), (2, 2)), Flatten("flatten"),
                                      Dense("output", 3)))
    for lang, title, words in (("en", "Average pooling", ("mean of the nine values", "from 34 × 34 to 16 × 16")),
                               ("zh", "平均池化", ("取这九个数的平均值", "从 34 × 34 缩小到 16 × 16"))):
        facts = network_facts(arch, lang, 0)
        text = " ".join(facts[key] for key in ("pool_title", "pool_layer", "pool_rule", "pool_effect"))
        assert facts["pool_title"] == title and all(w in text for w in words), text
        assert "quarter" not in text and "四分之一" not in text


def test_one_input_channel_is_singular():
    assert network_facts(PYTORCH, "en", 8_070)["conv1_in_channels"] == "1 channel"
    assert network_facts(TINYVGG, "en", PARAM_COUNT)["conv1_in_channels"] == "3 channels"


@pytest.mark.parametrize("lang,colour,grey", [
    ("en", "a small colour photo", "a small greyscale photo"),
    ("zh", "彩色照片", "灰度照片"),
], ids=["en", "zh"])
def test_the_article_calls_the_input_a_greyscale_photo_only_for_a_greyscale_network(lang, colour, grey):
    words = page_words(tuple(f"class {i}" for i in range(10)))
    intro = {}
    for name, arch in (("rgb", TINYVGG), ("grey", PYTORCH)):
        html = render_article(REPO / "content" / f"{lang}.md", None, words,
                              network=network_facts(arch, lang, 8_070)).html
        intro[name] = html[:html.index("</p>")]  # the opening paragraph, which says what the network looks at
    assert colour in intro["rgb"] and grey not in intro["rgb"]
    assert grey in intro["grey"] and colour not in intro["grey"]
