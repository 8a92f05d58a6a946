"""The article in both languages: same sections in the same order, formulas as MathML, no raw HTML."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from cnn_explainer.article import render_article
from cnn_explainer.cli import main
from cnn_explainer.errors import InputError

CONTENT = Path(__file__).resolve().parent.parent / "content"
REQUIRED = ["article-intro", "article-terms", "article-input", "article-convolution", "article-hyperparameters",
            "article-relu", "article-softmax", "article-pooling", "article-flatten", "article-training",
            "article-interactive",
            "article-model", "article-implementation", "article-credits"]


# The page's words as the build gives them (about.page_words), for the original model's classes.
WORDS = {"class_count": "10", "first_class": "lifeboat", "last_class": "sport car"}


@pytest.fixture(scope="module", params=["en", "zh"])
def article(request):
    return render_article(CONTENT / f"{request.param}.md", None, WORDS, frozenset({"default-model", "our-pictures"}))


def test_every_section_present_in_order(article):
    assert [s.anchor for s in article.sections] == REQUIRED


def test_formulas_become_mathml(article):
    assert article.html.count("<math") >= 5
    assert "$" not in re.sub(r"<pre>.*?</pre>", "", article.html, flags=re.S)
    assert "<mfrac>" in article.html  # the softmax fraction


def test_explorer_and_relu_chart_are_placed(article):
    assert article.html.count('data-role="explorer"') == 1
    assert article.charts == ("relu",)


def test_original_paper_is_cited_and_linked(article):
    assert 'href="https://arxiv.org/abs/2004.15004"' in article.html
    assert "Tiny ImageNet" in article.html


def test_chinese_article_is_chinese():
    text = re.sub(r"<[^>]+>|<pre>.*?</pre>", "", render_article(CONTENT / "zh.md", None, WORDS).html, flags=re.S)
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    assert han > 2000


def test_raw_html_is_shown_as_text(tmp_path):
    source = tmp_path / "a.md"
    source.write_text("{#x}\n## Title\n\n<script>alert(1)</script> <b onclick=x>bold</b>\n", encoding="utf-8")
    body = render_article(source).html
    assert "<script" not in body and "<b " not in body
    assert "&lt;script&gt;" in body


@pytest.mark.parametrize(("markdown", "absent", "shown"), [
    ("<div>\n<script>window.__pwned=1</script>\n</div>\n", "<script", "&lt;script&gt;window.__pwned=1&lt;/script&gt;"),
    ("<img src=x onerror=alert(1)>\n", "<img", "&lt;img src=x onerror=alert(1)&gt;"),
    ("[click](javascript:alert(1))\n", "href", "[click](javascript:alert(1))"),
    ('{#p onclick="alert(1)" style="color:red"}\nPara\n', "onclick", '<p id="p">Para</p>'),
    ("Text with </script> and {{ 7*7 }}\n", "</script>", "&lt;/script&gt; and {{ 7*7 }}"),
], ids=["script-block", "img-onerror", "javascript-link", "attribute-handlers", "closing-tag-and-braces"])
def test_untrusted_markup_in_markdown_stays_text(tmp_path, markdown, absent, shown):
    source = tmp_path / "a.md"
    source.write_text("{#x}\n## Title\n\n" + markdown, encoding="utf-8")
    body = render_article(source).html
    assert absent not in body and shown in body
    assert "style=" not in body


def test_heading_without_anchor_is_an_error_with_line(tmp_path):
    source = tmp_path / "a.md"
    source.write_text("{#x}\n## One\n\ntext\n\n## Two\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 6: heading 'Two' has no"):
        render_article(source)


def test_a_non_utf8_article_names_the_line_of_the_first_bad_byte(tmp_path):
    """An editor saving Latin-1 is the usual cause; the line says where to look, a byte offset would not."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    good = (content / "en.md").read_bytes()
    (content / "en.md").write_bytes(b"{#article-intro}\n## Intro\n\ncaf\xe9 au lait\n" + good)
    result = CliRunner().invoke(main, ["build", "--content", str(content), "--out", str(tmp_path / "site")])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"error: {content / 'en.md'}: line 4: not UTF-8 text"
    assert not (tmp_path / "site").exists()


def test_table_alignment_is_a_class_not_a_style_attribute(tmp_path):
    """The page's CSP refuses style attributes, so aligned columns must not rely on one."""
    source = tmp_path / "en.md"
    source.write_text("{#t}\n# T\n\n| a | b |\n|---|---:|\n| x | 1 |\n", encoding="utf-8")
    html = render_article(source).html
    assert "style=" not in html
    assert '<th class="align-right">b</th>' in html and '<td class="align-right">1</td>' in html


BLOCKS = """{#a}
## A

````filled
It knows {class_count} classes, from {first_class} to {last_class}.
````

````if default-model
The default model.
````

````if other-model
Another model.
````

````if our-pictures
Pictures drawn by our code.
````

````if own-pictures
Someone's own pictures.
````

$$
p_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}
$$
"""


@pytest.mark.parametrize(("conditions", "shown", "hidden"), [
    ({"default-model", "our-pictures"}, ["The default model.", "Pictures drawn by our code."],
     ["Another model.", "Someone's own pictures."]),
    ({"other-model", "own-pictures"}, ["Another model.", "Someone's own pictures."],
     ["The default model.", "Pictures drawn by our code."]),
], ids=["defaults", "own"])
def test_if_blocks_follow_the_build_and_filled_blocks_name_the_real_classes(tmp_path, conditions, shown, hidden):
    source = tmp_path / "a.md"
    source.write_text(BLOCKS, encoding="utf-8")
    words = {"class_count": "3", "first_class": "cat", "last_class": "dog \\*"}
    html = render_article(source, None, words, frozenset(conditions)).html
    assert "It knows 3 classes, from cat to dog *." in html
    assert all(text in html for text in shown) and not any(text in html for text in hidden)
    assert "<msub><mi>z</mi><mi>i</mi></msub>" in html  # {z_i} outside a block is LaTeX, not a placeholder


@pytest.mark.parametrize(("markdown", "message"), [
    ("````if sunny\nx\n````\n", "condition 'sunny' is not one of default-model, other-model"),
    ("````filled\nfrom {first_clas}\n````\n", r"line 5: \{first_clas\} is not a known fact; known: class_count"),
], ids=["condition", "placeholder"])
def test_a_bad_block_is_a_clear_error(tmp_path, markdown, message):
    source = tmp_path / "a.md"
    source.write_text("{#a}\n## A\n\n" + markdown, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        render_article(source, None, WORDS)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_article_names_the_models_own_classes(lang):
    html = render_article(CONTENT / f"{lang}.md", None, WORDS, frozenset({"other-model", "own-pictures"})).html
    text = " ".join(html.split())
    assert ("from lifeboat to sport car" if lang == "en" else "从lifeboat到sport car") in text
    assert "sports car" not in text and "跑车" not in text
