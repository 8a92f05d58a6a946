"""The article: Markdown (one file per language) to HTML, with LaTeX formulas turned into MathML.

Policy for raw HTML in the Markdown: it is not trusted and is shown as text (markdown-it's `html`
option is off), so the article cannot inject scripts or markup. `{...}` attribute lines may set only
`id` and `class` (no `style`, no `on*` handlers), and links with `javascript:` or other unsafe URLs
stay plain text (markdown-it's validateLink). Three fenced blocks are directives:
```` ```explorer ```` marks where the hyperparameter explorer goes and ```` ```chart NAME ```` where an
Altair chart goes; the page's scripts fill both. ```` ```figure NAME ```` places one of the build-time
figures (figures.NAMES), its Markdown content the caption; `place_figures` puts the SVG in once the
forward pass has run, or drops the figure when the network has no layer of its kind. A `{#id}` line
before a heading sets its anchor.

A ```` ````model trained ```` block (four backticks, so it may hold ```` ```chart ```` fences) is
Markdown shown only when the weights carry a training history; its `{name}` placeholders are
filled from generator/about.py's facts, so every number in it comes from the data. A
```` ````model untrained ```` block is shown only when they carry none.

An ```` ````if CONDITION ```` block is Markdown shown only when CONDITION (one of CONDITIONS) holds for
this build: the Credits say who drew the pictures only when they are ours, and what the default
model learned from only when it is the one shown. A ```` ````filled ```` block is always shown. The
`{name}` placeholders of these blocks, and of the model blocks, may use the page's words
(`class_count`, `first_class`, `last_class`: the model's classes as this page shows them), so the
article never names a class the model does not have. (Placeholders are filled only inside blocks:
elsewhere `{z_i}` is LaTeX.)
`{net.<name>}` placeholders, anywhere in the text, are the numbers of the network shown
(generator/network_facts.py). One function, `fill`, fills both kinds: the `net.` ones before the
Markdown is parsed, a block's own when the block is rendered.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from pathlib import Path

import latex2mathml.converter
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

from .errors import InputError, not_utf8
from .figures import NAMES as FIGURES
from .network_facts import PLACEHOLDER as NET_PLACEHOLDER
from .network_facts import network_facts


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    level: int


@dataclass(frozen=True)
class Article:
    html: str
    sections: tuple[Section, ...]
    charts: tuple[str, ...]  # chart names the article asks for, in order
    figures: tuple[str, ...] = ()  # figure names (figures.NAMES) the article places, in order


def _math(latex: str, options: dict) -> str:
    display = "block" if options.get("display_mode") else "inline"
    return latex2mathml.converter.convert(latex.strip(), display=display)


# Where a figure's SVG goes: the figures are drawn after the forward pass, the article before it.
_FIGURE_SLOT = "<!--figure-svg:{}-->"
_FIGURE = re.compile(r'<figure class="article-figure" data-figure="([a-z-]+)">.*?</figure>\n', re.DOTALL)
BLOCK_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")  # only inside blocks: elsewhere {z_i} is LaTeX
# What an ````if```` block may depend on: the weights are the bundled default model or not, the gallery
# pictures are the bundled ones (drawn by our code) or someone's own.
CONDITIONS = ("default-model", "other-model", "our-pictures", "own-pictures")


class _UnknownFigure(Exception):
    """A figure block names a figure that is not one of figures.NAMES."""


class _UnknownCondition(Exception):
    """An if block names a condition that is not one of CONDITIONS."""


def fill(text: str, values: dict[str, str], pattern: re.Pattern, source: object, first_line: int = 1) -> str:
    """`text` with every placeholder `pattern` matches replaced from `values` (keyed by the match's group 1);
    one the values lack is an InputError naming it, its line and the names there are."""
    def value(match: re.Match) -> str:
        name = match[1]
        if name not in values:
            line = first_line + text.count("\n", 0, match.start())
            raise InputError(source, f"line {line}: {match[0]} is not a known fact; known: "
                                     f"{', '.join(sorted(values))}")
        return values[name]
    return pattern.sub(value, text)


def _filled(token: Token, values: dict[str, str], env: dict) -> str:
    """A block's Markdown with its `{name}` placeholders filled, rendered."""
    first_line = (token.map or [0])[0] + 2  # the line after the opening fence
    return env["parser"].render(fill(token.content, values, BLOCK_PLACEHOLDER, env["source"], first_line), env)


def _model_block(variant: str, token: Token, env: dict) -> str:
    facts = env.get("facts")
    if (variant == "trained") != (facts is not None):
        return ""
    return _filled(token, {**env["words"], **facts}, env) if facts else env["parser"].render(token.content, env)


def _if_block(condition: str | None, token: Token, env: dict) -> str:
    """An ````if CONDITION```` block, or with None a ````filled```` one, shown always."""
    if condition is not None and condition not in CONDITIONS:
        raise _UnknownCondition(condition)
    if condition is not None and condition not in env["conditions"]:
        return ""
    return _filled(token, {**env["words"], **(env.get("facts") or {})}, env)


def _fence(renderer, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    info = token.info.strip().split()
    if info[:1] == ["model"] and len(info) == 2 and info[1] in ("trained", "untrained"):
        return _model_block(info[1], token, env)
    if info[:1] == ["if"] and len(info) == 2:
        return _if_block(info[1], token, env)
    if info == ["filled"]:
        return _if_block(None, token, env)
    if info[:1] == ["explorer"]:
        return '<div class="explorer" data-role="explorer"></div>\n'
    if info[:1] == ["figure"] and len(info) == 2:
        if info[1] not in FIGURES:
            raise _UnknownFigure(info[1])
        env.setdefault("figures", []).append(info[1])
        caption = env["parser"].render(token.content, env)
        return (f'<figure class="article-figure" data-figure="{info[1]}">\n{_FIGURE_SLOT.format(info[1])}\n'
                f"<figcaption>{caption}</figcaption>\n</figure>\n")
    if info[:1] == ["chart"] and len(info) == 2:
        env.setdefault("charts", []).append(info[1])
        return f'<figure class="chart" data-chart="{html.escape(info[1])}"></figure>\n'
    language = f' class="language-{html.escape(info[0])}"' if info else ""
    return f"<pre><code{language}>{html.escape(token.content)}</code></pre>\n"


def _aligned_cell(self, tokens, idx, options, env) -> str:
    """Table cells say their alignment with a class: the page's CSP refuses markdown-it's style attributes."""
    token = tokens[idx]
    align = str(token.attrs.pop("style", "")).removeprefix("text-align:")
    if align:
        token.attrSet("class", f"align-{align}")
    return self.renderToken(tokens, idx, options, env)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.add_render_rule("th_open", _aligned_cell)
    md.add_render_rule("td_open", _aligned_cell)
    md.use(attrs_block_plugin, allowed=("id", "class"))  # anchors only: no style, no handlers
    md.use(dollarmath_plugin, renderer=_math, allow_space=True, double_inline=True)
    md.add_render_rule("fence", _fence)
    return md


def render_article(source: Path, facts: dict[str, str] | None = None, words: dict[str, str] | None = None,
                   conditions: frozenset[str] = frozenset(), network: dict[str, str] | None = None) -> Article:
    """Render one language's article; InputError for unreadable files or broken formulas.

    `facts` fill the ````model trained```` block (generator/about.py); None shows ````model untrained```` instead.
    `words` (Markdown text) fill the placeholders any block may use; `conditions` are the CONDITIONS that hold.
    `network` fills the `{net.<name>}` placeholders (network_facts); None: TinyVGG's, in the file's language.
    """
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(source, exc) from None
    except OSError as exc:
        raise InputError(source, f"cannot read the article ({exc})") from None
    if network is None:
        from .model import PARAM_COUNT
        from .network.description import TINYVGG
        network = network_facts(TINYVGG, source.stem, PARAM_COUNT)
    text = fill(text, network, NET_PLACEHOLDER, source)
    md = _parser()
    env: dict = {"facts": facts, "parser": md, "words": dict(words or {}), "conditions": conditions,
                 "source": source}
    tokens = md.parse(text, env)
    sections = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            anchor = token.attrs.get("id")
            title = tokens[index + 1].content
            if not anchor:
                line = (token.map or [0])[0] + 1
                raise InputError(source, f"line {line}: heading {title!r} has no {{#anchor}} line above it")
            sections.append(Section(str(anchor), title, int(token.tag[1])))
    try:
        body = md.renderer.render(tokens, md.options, env)
    except InputError:
        raise
    except _UnknownFigure as exc:
        raise InputError(source, f"a figure block names {str(exc)!r}, which is not one of "
                                 f"{', '.join(FIGURES)}") from None
    except _UnknownCondition as exc:
        raise InputError(source, f"an if block's condition {str(exc)!r} is not one of "
                                 f"{', '.join(CONDITIONS)}") from None
    except Exception as exc:  # latex2mathml raises many types for malformed LaTeX
        raise InputError(source, f"a formula cannot be converted to MathML ({exc})") from None
    return Article(html=body, sections=tuple(sections), charts=tuple(env.get("charts", [])),
                   figures=tuple(env.get("figures", [])))


def place_figures(article: Article, svgs: dict[str, str | None]) -> Article:
    """The article with each figure's SVG in its slot; a figure whose SVG is None (the network has no layer
    of that kind) is left out with its caption."""
    def place(match: re.Match) -> str:
        svg = svgs.get(match[1])
        return "" if svg is None else match[0].replace(_FIGURE_SLOT.format(match[1]), svg, 1)
    return replace(article, html=_FIGURE.sub(place, article.html))
