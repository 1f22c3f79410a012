"""Parse a card's Markdown body into a flat sequence of styled text blocks.

Every word of the body ends up in a block, or in a note saying why it is not drawn
(`parse_body`). HTML is never interpreted, and never hidden either: with the parser's
HTML option off, `<b>`, `A<B` or `<Enter>` are characters like any other and are drawn
as typed. A `<script>…</script>` is drawn as typed too: as text nothing can run it, and
hiding it would hide words. Three exceptions, each a choice:

* `<br>`, `<br/>`, `<br />` are a hard line break (what everyone who types them means);
* an HTML comment `<!-- … -->` is a note to fellow editors, not card text: it is not
  drawn, and a note names it (an unclosed `<!--` is drawn as typed);
* autolinks (`<https://…>`) are links and keep their text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from .scripts import guess_lang, quotes_for

__all__ = ["Block", "ParsedBody", "Span", "parse_blocks", "parse_body", "plain_text"]

# Deeper list levels are drawn at this depth: the slide is too narrow for more indents.
MAX_LIST_DEPTH = 3
# Control characters are not text (a font engine may even refuse them): dropped.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE_RUN = re.compile(r"[ \t]{2,}")
_LINE_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
# markdown-it stops parsing (and drops the rest of the body) at 20 open blocks; a quote
# is one, a list level two. Below that, whatever is nested deeper is parsed flat: the
# slide shows list levels down to MAX_LIST_DEPTH and quotes at one depth anyway.
_FLATTEN_AT_LEVEL = 12
# The quote markers and list markers at the start of a line (what makes nesting).
_CONTAINER_MARKS = re.compile(r"(?:[ \t]*(?:>|[*+-](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)))*")
_LIST_MARK = re.compile(r"[*+-]|\d{1,9}[.)]")
_NOTES = "cardimg_notes"  # where parser rules leave their notes, in the parse env
_COMMENT_ENDS = "cardimg_comment_ends"  # per inline text, where its "-->" are
_SNIPPET = 40  # characters of a dropped text quoted in a note
# Between the cells of a table row; the no-break space keeps the dot off a line's start.
_TABLE_SEPARATOR = "\u00a0· "


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
    A table row is a list item: "Header: value · Header: value".
    """

    role: str
    spans: tuple[Span, ...] = ()
    depth: int = 0
    marker: str | None = None

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)


@dataclass(frozen=True)
class ParsedBody:
    """A card body's blocks, and notes on what was not drawn as written (one line each,
    without the card's name: the caller adds it)."""

    blocks: tuple[Block, ...]
    notes: tuple[str, ...] = ()


@cache
def _parser(quotes: tuple[str, str, str, str]) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"typographer": True, "html": False, "quotes": list(quotes)})
    md.enable(["replacements", "smartquotes", "strikethrough", "table"])
    md.block.ruler.before("table", "flatten_too_deep", _flatten_too_deep)
    # After backticks, so a `<br>` or comment inside a code span stays code.
    md.inline.ruler.before("html_inline", "line_break_tag", _line_break_tag)
    md.inline.ruler.before("html_inline", "html_comment", _html_comment)
    return md


DEFAULT_BULLETS = ("•", "◦")


def parse_blocks(
    markdown: str, *, lang: str | None = None, bullets: tuple[str, ...] = DEFAULT_BULLETS
) -> tuple[Block, ...]:
    """Turn a Markdown card body into blocks, in reading order (see `parse_body`)."""
    return parse_body(markdown, lang=lang, bullets=bullets).blocks


@lru_cache(maxsize=64)
def parse_body(
    markdown: str, *, lang: str | None = None, bullets: tuple[str, ...] = DEFAULT_BULLETS
) -> ParsedBody:
    """Turn a Markdown card body into blocks, in reading order, with notes on anything
    not drawn as written (comments, images, tables, too deep nesting).

    Straight quotes become the quotation marks of `lang` (guessed from the script
    when not given): “…” in English, «…» in French or Russian, 「…」 in Japanese.
    A bulleted item's marker is the theme's `bullets` for its nesting level, in turn.
    """
    markdown = _CONTROLS.sub("", markdown)
    env: dict[str, Any] = {_NOTES: [], _COMMENT_ENDS: {}}
    tokens = _parser(quotes_for(lang or guess_lang(markdown))).parse(markdown, env)
    walker = _Walker(notes=env[_NOTES], bullets=bullets or DEFAULT_BULLETS)
    for token in tokens:
        walker.visit(token)
    return ParsedBody(tuple(walker.blocks), tuple(dict.fromkeys(walker.notes)))


# --------------------------------------------------------------------------- parser rules


def _line_break_tag(state: StateInline, silent: bool) -> bool:
    found = _LINE_BREAK_TAG.match(state.src, state.pos)
    if found is None:
        return False
    end = found.end()
    if not silent:
        # As markdown-it does for a break at the end of a line: no spaces around it.
        state.pending = state.pending.rstrip(" ")
        state.push("hardbreak", "br", 0)
        while end < state.posMax and state.src[end] == " ":
            end += 1
    state.pos = end
    return True


def _html_comment(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("<!--", state.pos):
        return False
    # Where each "-->" is, found once per text: searching on from every "<!--" would
    # take quadratic time on a body of unclosed comments.
    ends = state.env[_COMMENT_ENDS].get(state.src)
    if ends is None:
        ends = [found.start() for found in re.finditer("-->", state.src)]
        state.env[_COMMENT_ENDS][state.src] = ends
    after = bisect_left(ends, state.pos + 4)
    if after == len(ends):
        return False  # never closed: drawn as typed
    end = ends[after] + 3
    if not silent:
        comment = _snippet(state.src[state.pos : end])
        state.env[_NOTES].append(f"an HTML comment is not card text, not drawn: {comment}")
    state.pos = end
    return True


def _flatten_too_deep(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Parse the rest of a block nested too deep as if it were not nested: quote markers
    go, list items stay items (at the deepest level drawn), every word stays."""
    if silent or state.level < _FLATTEN_AT_LEVEL:
        return False
    last = start
    while last < end and (state.isEmpty(last) or state.sCount[last] >= state.blkIndent):
        last += 1
    text = state.getLines(start, last, state.blkIndent, False)
    flat = _flat(text)
    tokens: list[Token] = []
    state.md.block.parse(flat, state.md, state.env, tokens)
    for token in tokens:
        token.level += state.level
    state.tokens.extend(tokens)
    if flat.strip():
        state.env[_NOTES].append(
            "quotes or lists nested too deep are drawn at the deepest level, from: "
            + _snippet(flat.strip().split("\n")[0])
        )
    state.line = last
    return True


def _flat(text: str) -> str:
    """Text without quote markers and indentation; a list item starts a new item."""
    lines: list[str] = []
    for line in text.split("\n"):
        marks = _CONTAINER_MARKS.match(line)
        assert marks is not None  # it matches the empty string too
        items = _LIST_MARK.findall(marks[0])
        rest = line[marks.end() :].strip()
        lines.extend(["", f"{items[-1]} {rest}"] if items else [rest])
    return "\n".join(lines)


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 1] + "…"


# --------------------------------------------------------------------------- tokens to blocks


@dataclass
class _Table:
    """The rows of a table being read: its header cells, then each body row as read."""

    headers: list[tuple[Span, ...]] = field(default_factory=list)
    row: list[tuple[Span, ...]] = field(default_factory=list)
    in_head: bool = False
    shown: set[int] = field(default_factory=set)  # columns whose header was drawn
    rows: int = 0


@dataclass
class _Walker:
    """Reads the token stream in order and collects the blocks."""

    notes: list[str]
    bullets: tuple[str, ...] = DEFAULT_BULLETS
    blocks: list[Block] = field(default_factory=list)
    quote_depth: int = 0
    lists: list[list[int | None]] = field(default_factory=list)  # next number or None
    pending_marker: str | None = None
    after_quote: bool = False
    heading: str = ""
    table: _Table | None = None

    def visit(self, token: Token) -> None:
        kind = token.type
        if kind == "blockquote_close":
            self.quote_depth -= 1
            self.after_quote = self.quote_depth == 0 and not self.lists
            return
        if self.table is not None:  # a table holds only rows of cells of inline text
            self._table_token(token)
        elif kind == "inline":
            self._inline(token)
        else:
            self._structure(token)
        if kind not in ("inline", "paragraph_open") and (
            kind.endswith("_close")
            or kind in ("fence", "code_block", "hr", "heading_open", "table_open")
        ):
            self.after_quote = False

    def _structure(self, token: Token) -> None:
        kind = token.type
        if kind == "heading_open":
            self.heading = token.tag
        elif kind == "heading_close":
            self.heading = ""
        elif kind == "blockquote_open":
            self.quote_depth += 1
        elif kind == "bullet_list_open":
            self.lists.append([None])
        elif kind == "ordered_list_open":
            self.lists.append([int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif kind == "list_item_open":
            number = self.lists[-1][0]
            if number is None:
                self.pending_marker = self.bullets[(len(self.lists) - 1) % len(self.bullets)]
            else:
                self.pending_marker = f"{number}."
                self.lists[-1][0] = number + 1
        elif kind in ("fence", "code_block"):
            # Indentation is meaning in code: keep it as no-break spaces, which a line
            # start does not swallow.
            text = _keep_indentation(token.content.rstrip("\n"))
            if text:
                self.blocks.append(Block("code", (Span(text, code=True),), self._depth()))
        elif kind == "hr":
            self.blocks.append(Block("rule"))
        elif kind == "table_open":
            self.table = _Table()

    def _depth(self, extra: int = 0) -> int:
        return min(len(self.lists) + extra, MAX_LIST_DEPTH)

    def _inline(self, token: Token) -> None:
        spans = _inline_spans(token.children or [], self.notes)
        if not spans:
            return
        if self.lists:
            self.blocks.append(Block("list", spans, self._depth(), self.pending_marker))
            self.pending_marker = None
            return
        role = self.heading or ("attribution" if self.after_quote else "paragraph")
        self.blocks.append(Block("quote" if self.quote_depth else role, spans))

    def _table_token(self, token: Token) -> None:
        table = self.table
        assert table is not None
        kind = token.type
        if kind == "thead_open":
            table.in_head = True
        elif kind == "thead_close":
            table.in_head = False
            table.headers = table.row
        elif kind == "tr_open":
            table.row = []
        elif kind == "inline":
            table.row.append(_inline_spans(token.children or [], self.notes))
        elif kind == "tr_close" and not table.in_head:
            self._table_row(table)
        elif kind == "table_close":
            self._end_table(table)

    def _table_row(self, table: _Table) -> None:
        """A body row as one item: each non-empty cell after its column's header."""
        spans: list[Span] = []
        for column, cell in enumerate(table.row):
            if not cell:
                continue
            if spans:
                spans.append(Span(_TABLE_SEPARATOR))
            header = table.headers[column] if column < len(table.headers) else ()
            if header:
                table.shown.add(column)
                spans.extend(replace(span, bold=True) for span in header)
                spans.append(Span(": ", bold=True))
            spans.extend(cell)
        table.rows += 1
        if spans:
            self._add_row(tuple(spans))

    def _end_table(self, table: _Table) -> None:
        self.table = None
        unshown = [cells for n, cells in enumerate(table.headers) if cells and n not in table.shown]
        if not table.rows:
            # A header alone: its cells in one line.
            spans = [span for cells in unshown for span in (*cells, Span(_TABLE_SEPARATOR))]
            if spans:
                self._add_row(tuple(spans[:-1]))
            return
        for cells in unshown:
            words = "".join(span.text for span in cells)
            self.notes.append(f"table column {_snippet(words)!r} has no values, not drawn")

    def _add_row(self, spans: tuple[Span, ...]) -> None:
        if self.quote_depth:
            self.blocks.append(Block("quote", spans))
        else:
            self.blocks.append(Block("list", spans, self._depth(1), "•"))


def _inline_spans(children: list[Token], notes: list[str]) -> tuple[Span, ...]:
    bold = italic = strike = 0
    links: list[str] = []
    link_starts: list[int] = []  # how much text there was when each open link began
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
        if kind == "text":
            add(child.content)
        elif kind == "softbreak":
            add(" ")
        elif kind == "hardbreak":
            add("\n")
        elif kind == "code_inline":
            add(child.content, code=True)
        elif kind == "image":
            add(child.content)
            notes.append(_image_note(child))
        elif kind in ("strong_open", "strong_close"):
            bold += 1 if kind.endswith("open") else -1
        elif kind in ("em_open", "em_close"):
            italic += 1 if kind.endswith("open") else -1
        elif kind in ("s_open", "s_close"):
            strike += 1 if kind.endswith("open") else -1
        elif kind == "link_open":
            links.append(str(child.attrGet("href") or ""))
            link_starts.append(_letters(spans))
        elif kind == "link_close" and links:
            if _letters(spans) == link_starts.pop():
                notes.append(f"a link with no text is not drawn: {_snippet(links[-1])}")
            links.pop()
    return _trim(spans)


def _letters(spans: list[Span]) -> int:
    return sum(len(span.text.strip()) for span in spans)


def _image_note(image: Token) -> str:
    """Slides show text only: an image is drawn as its alt text, which the note says."""
    source = _snippet(str(image.attrGet("src") or ""))
    title = image.attrGet("title")
    dropped = f" (its title {_snippet(str(title))!r} is not drawn)" if title else ""
    if not image.content.strip():
        return (
            f"image {source!r} has no alt text: nothing is drawn for it{dropped}; "
            "describe it between the brackets of ![…]"
        )
    return f"image {source!r} is drawn as its alt text{dropped}"


def _trim(spans: list[Span]) -> tuple[Span, ...]:
    # Comments left out leave doubled spaces behind; text is set with single spaces.
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
