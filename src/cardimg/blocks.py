"""Parse a card's Markdown body into a flat sequence of styled text blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .scripts import guess_lang, quotes_for

__all__ = ["Block", "Span", "parse_blocks", "plain_text"]

# Deeper list levels are drawn at this depth: the slide is too narrow for more indents.
MAX_LIST_DEPTH = 3
# Control characters are not text (a font engine may even refuse them): dropped.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE_RUN = re.compile(r"[ \t]{2,}")
_TAG = re.compile(r"<[^>]*>")
_SCRIPT = re.compile(r"<(script|style)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Span:
    """A piece of inline text with one style. A hard line break is the text "\\n"."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False
    link: str | None = None


@dataclass(frozen=True)
class Block:
    """One block of a card: its role decides its style (see the theme's `[styles]`).

    Roles: `h1`…`h6`, `paragraph`, `quote`, `attribution`, `list`, `code`, `rule`.
    List items carry their nesting `depth` (1 = top level) and a `marker` ("•", "3.");
    a second paragraph inside an item has no marker and the same depth.
    """

    role: str
    spans: tuple[Span, ...] = ()
    depth: int = 0
    marker: str | None = None

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)


@cache
def _parser(quotes: tuple[str, str, str, str]) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"typographer": True, "html": True, "quotes": list(quotes)})
    md.enable(["replacements", "smartquotes", "strikethrough"])
    return md


def parse_blocks(markdown: str, *, lang: str | None = None) -> tuple[Block, ...]:
    """Turn a Markdown card body into blocks, in reading order.

    Straight quotes become the quotation marks of `lang` (guessed from the script
    when not given): “…” in English, «…» in French or Russian, 「…」 in Japanese.

    HTML is never interpreted: inline tags are dropped (their text stays), HTML
    blocks keep only their text, and script/style content is dropped.
    """
    markdown = _CONTROLS.sub("", markdown)
    tokens = _parser(quotes_for(lang or guess_lang(markdown))).parse(markdown)
    blocks: list[Block] = []
    quote_depth = 0
    lists: list[list[int | None]] = []  # per open list: [next number or None for bullets]
    pending_marker: str | None = None
    after_quote = False
    heading = ""

    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading = token.tag
        elif kind == "heading_close":
            heading = ""
        elif kind == "blockquote_open":
            quote_depth += 1
        elif kind == "blockquote_close":
            quote_depth -= 1
            after_quote = quote_depth == 0 and not lists
            continue
        elif kind == "bullet_list_open":
            lists.append([None])
        elif kind == "ordered_list_open":
            lists.append([int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            number = lists[-1][0]
            if number is None:
                pending_marker = "•" if len(lists) % 2 else "◦"
            else:
                pending_marker = f"{number}."
                lists[-1][0] = number + 1
        elif kind == "inline":
            spans = _inline_spans(token.children or [])
            if not spans:
                continue
            if lists:
                blocks.append(Block("list", spans, min(len(lists), MAX_LIST_DEPTH), pending_marker))
                pending_marker = None
            else:
                role = (
                    "quote"
                    if quote_depth
                    else heading or ("attribution" if after_quote else "paragraph")
                )
                blocks.append(Block(role, spans))
        elif kind in ("fence", "code_block"):
            # Indentation is meaning in code: keep it as no-break spaces, which a line
            # start does not swallow.
            text = _keep_indentation(token.content.rstrip("\n"))
            if text:
                blocks.append(
                    Block("code", (Span(text, code=True),), min(len(lists), MAX_LIST_DEPTH))
                )
        elif kind == "html_block":
            text = " ".join(_TAG.sub(" ", _SCRIPT.sub(" ", token.content)).split())
            if text:
                blocks.append(Block("paragraph", (Span(text),)))
        elif kind == "hr":
            blocks.append(Block("rule"))
        if kind not in ("inline", "paragraph_open") and (
            kind.endswith("_close")
            or kind in ("fence", "code_block", "html_block", "hr", "heading_open")
        ):
            after_quote = False
    return tuple(blocks)


def _inline_spans(children: list[Token]) -> tuple[Span, ...]:
    bold = italic = strike = 0
    hidden = 0  # inside an inline <script>/<style>: its text is not card text
    links: list[str] = []
    spans: list[Span] = []

    def add(text: str, *, code: bool = False) -> None:
        if not text:
            return
        style = Span(text, bold > 0, italic > 0, code, strike > 0, links[-1] if links else None)
        if spans and replace(spans[-1], text=text) == style and "\n" not in (text, spans[-1].text):
            spans[-1] = replace(style, text=spans[-1].text + text)
        else:
            spans.append(style)

    for child in children:
        kind = child.type
        if kind == "html_inline":
            tag = child.content.lower()
            if tag.startswith(("<script", "<style")) and not tag.endswith("/>"):
                hidden += 1
            elif tag.startswith(("</script", "</style")):
                hidden = max(0, hidden - 1)
        elif hidden:
            continue
        elif kind == "text":
            add(child.content)
        elif kind == "softbreak":
            add(" ")
        elif kind == "hardbreak":
            add("\n")
        elif kind == "code_inline":
            add(child.content, code=True)
        elif kind == "image":
            add(child.content or "")
        elif kind in ("strong_open", "strong_close"):
            bold += 1 if kind.endswith("open") else -1
        elif kind in ("em_open", "em_close"):
            italic += 1 if kind.endswith("open") else -1
        elif kind in ("s_open", "s_close"):
            strike += 1 if kind.endswith("open") else -1
        elif kind == "link_open":
            links.append(str(child.attrGet("href") or ""))
        elif kind == "link_close" and links:
            links.pop()
    # Tags (html_inline) are dropped on purpose: never drawn, never interpreted.
    return _trim(spans)


def _trim(spans: list[Span]) -> tuple[Span, ...]:
    # Dropped tags leave doubled spaces behind; text is set with single spaces.
    collapsed: list[Span] = []
    for span in spans:
        text = span.text if span.code else _SPACE_RUN.sub(" ", span.text)
        if collapsed and text.startswith(" ") and collapsed[-1].text.endswith((" ", "\n")):
            text = text[1:]
        if text:
            collapsed.append(replace(span, text=text))
    spans = collapsed
    while spans and spans[-1].text in ("\n", " "):
        spans.pop()
    while spans and spans[0].text in ("\n", " "):
        spans.pop(0)
    return tuple(spans)


def _keep_indentation(code: str) -> str:
    lines = []
    for line in code.expandtabs(4).split("\n"):
        stripped = line.lstrip(" ")
        lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    return "\n".join(lines)


def plain_text(blocks: tuple[Block, ...]) -> str:
    """The words of the blocks as plain text, one block per line (for alt text)."""
    lines = []
    for block in blocks:
        text = " ".join(block.text.split())
        if text:
            lines.append(f"{block.marker} {text}" if block.marker else text)
    return "\n".join(lines)
