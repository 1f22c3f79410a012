"""Parse a card's Markdown body into a flat sequence of styled text blocks.

Every word of the body ends up in a block, or in a note saying why it is not drawn
(`parse_body`). HTML is never interpreted, and never hidden either. The parser does
recognise HTML as CommonMark does (its HTML option is on), so that what CommonMark keeps
verbatim stays verbatim: an HTML block's lines are not read as Markdown, and a tag's
attributes (`<a title="*x*">`, `[foo <bar attr="](baz)">`) are not taken apart by
emphasis, code spans or links. Each HTML block and inline tag is then drawn as the text
it was typed as: `<b>`, `A<B` or `<Enter>` are characters like any other. A
`<script>…</script>` is drawn as typed too: as text nothing can run it, and hiding it
would hide words. Three exceptions, each a choice:

* `<br>`, `<br/>`, `<br />` are a hard line break (what everyone who types them means);
* an HTML comment is a note to fellow editors, not card text: it is never drawn, in
  whatever shape (`<!-- … -->` over several lines or paragraphs, `<!-->`, `<!--->`),
  and a note names it (an unclosed `<!--` is drawn as typed);
* autolinks (`<https://…>`) are links and keep their text.

Typography: straight quotes become the language's quotation marks, `--` and `---`
dashes and `...` an ellipsis; every other character is drawn as typed (markdown-it's
other replacements, `(c)` → ©, `+-` → ±, `!!!!` → `!!!`, are not used).
A GFM task list item (`- [ ] to do`, `- [x] done`) is drawn with a ballot box marker.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
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
# The typographic replacements kept (markdown-it's own, less the ones that rewrite what
# was typed): em and en dashes, and three dots (not two, not four) as an ellipsis.
_EM_DASH = re.compile(r"(^|[^-])---(?=[^-]|$)", re.MULTILINE)
_EN_DASHES = (
    re.compile(r"(^|\s)--(?=\s|$)", re.MULTILINE),
    re.compile(r"(^|[^-\s])--(?=[^-\s]|$)", re.MULTILINE),
)
_ELLIPSIS = re.compile(r"(?<!\.)\.\.\.(?!\.)")
# A GFM task list item's box, at the start of the item's first paragraph.
_TASK_BOX = re.compile(r"\[([ xX])\][ \t]+")
TASK_MARKERS = {False: "\u2610", True: "\u2611"}  # ☐ and ☑ (in Noto Sans Symbols 2)
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
    # HTML on: CommonMark's HTML blocks and inline tags are recognised (and then drawn
    # as typed, see `_Walker`), so Markdown inside them is left as typed too.
    md = MarkdownIt("commonmark", {"typographer": True, "html": True, "quotes": list(quotes)})
    md.enable(["smartquotes", "strikethrough", "table"])
    md.core.ruler.before("smartquotes", "dashes_and_ellipses", _dashes_and_ellipses)
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


def parse_body(
    markdown: str, *, lang: str | None = None, bullets: tuple[str, ...] = DEFAULT_BULLETS
) -> ParsedBody:
    """Turn a Markdown card body into blocks, in reading order, with notes on anything
    not drawn as written (comments, images, tables, too deep nesting).

    Straight quotes become the quotation marks of `lang` (guessed from the script
    when not given): “…” in English, «…» in French or Russian, 「…」 in Japanese.
    A bulleted item's marker is the theme's `bullets` for its nesting level, in turn.
    """
    # One cache key however the call is spelled: the planner names the bullets and the
    # findings leave them out, and a cache keyed on the call's spelling parsed twice.
    return _parsed_body(markdown, lang, tuple(bullets))


@lru_cache(maxsize=64)
def _parsed_body(markdown: str, lang: str | None, bullets: tuple[str, ...]) -> ParsedBody:
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
    end = _comment_end(state.src, state.pos, ends)
    if end is None:
        return False  # never closed: drawn as typed
    if not silent:
        _note_comment(state.env[_NOTES], state.src[state.pos : end])
    state.pos = end
    return True


def _comment_end(text: str, start: int, ends: list[int]) -> int | None:
    """Where the comment opened at `start` ends (CommonMark 0.31.2, as HTML reads it):
    `<!-->` and `<!--->` are whole comments, else the first "-->" after the "<!--".
    `ends` holds where each "-->" of `text` is, in order."""
    for short in ("<!-->", "<!--->"):
        if text.startswith(short, start):
            return start + len(short)
    after = bisect_left(ends, start + 4)
    return ends[after] + 3 if after < len(ends) else None


def _without_comments(text: str, notes: list[str]) -> str:
    """Text typed as HTML with its comments taken out (each one named in a note)."""
    ends = [found.start() for found in re.finditer("-->", text)]
    kept: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) >= 0:
        end = _comment_end(text, start, ends)
        if end is None:
            break  # never closed: drawn as typed
        kept.append(text[pos:start])
        _note_comment(notes, text[start:end])
        pos = end
    kept.append(text[pos:])
    return "".join(kept)


def _note_comment(notes: list[str], comment: str) -> None:
    notes.append(f"an HTML comment is not card text, not drawn: {_snippet(comment)}")


def _dashes_and_ellipses(state: StateCore) -> None:
    """The typographer's dashes and ellipsis, and none of its other replacements: they
    rewrite what was typed (`(c)` becomes ©, `Really?!!!!` loses a mark)."""
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        in_autolink = False  # an address is drawn as typed: a--b.org stays
        for child in token.children:
            if child.type in ("link_open", "link_close") and child.info == "auto":
                in_autolink = child.type == "link_open"
            elif child.type == "text" and not in_autolink:
                child.content = _typographic(child.content)


def _typographic(text: str) -> str:
    if "--" in text:
        text = _EM_DASH.sub("\\1\u2014", text)
        for en_dash in _EN_DASHES:
            text = en_dash.sub("\\1\u2013", text)
    return _ELLIPSIS.sub("\u2026", text) if "..." in text else text


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
        elif kind == "html_block":
            self._html_block(token)
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
        self._add_text(_inline_spans(token.children or [], self.notes))

    def _html_block(self, token: Token) -> None:
        """An HTML block is drawn as typed, as one paragraph (its lines run on as a
        paragraph's do), less its comments; a `<br>` in it is a line break."""
        text = _without_comments(token.content, self.notes)
        spans: list[Span] = []
        for number, part in enumerate(_LINE_BREAK_TAG.split(text)):
            if number:
                spans.append(Span("\n"))
            spans.append(Span(" ".join(part.split())))
        self._add_text(_trim(spans))

    def _add_text(self, spans: tuple[Span, ...]) -> None:
        if not spans:
            return
        if self.lists:
            marker = self.pending_marker
            if marker is not None:
                spans, marker = _task_box(spans, marker)
            self.blocks.append(Block("list", spans, self._depth(), marker))
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
    builder = _Spans(notes)
    for child in children:
        builder.visit(child)
    return _trim(builder.spans)


@dataclass
class _Spans:
    """Inline tokens to styled spans, in order."""

    notes: list[str]
    spans: list[Span] = field(default_factory=list)
    bold: int = 0
    italic: int = 0
    strike: int = 0
    links: list[str] = field(default_factory=list)
    link_starts: list[int] = field(default_factory=list)  # letters when each link began

    def add(self, text: str, *, code: bool = False) -> None:
        if not text:
            return
        link = self.links[-1] if self.links else None
        style = Span(text, self.bold > 0, self.italic > 0, code, self.strike > 0, link)
        spans = self.spans
        if spans and replace(spans[-1], text=text) == style and "\n" not in (text, spans[-1].text):
            spans[-1] = replace(style, text=spans[-1].text + text)
        else:
            spans.append(style)

    def visit(self, child: Token) -> None:
        kind = child.type
        if kind == "text":
            self.add(child.content)
        elif kind == "softbreak":
            self.add(" ")
        elif kind == "hardbreak":
            self.add("\n")
        elif kind == "code_inline":
            self.add(child.content, code=True)
        elif kind == "html_inline":
            # A tag is drawn as typed (a comment never reaches here: `_html_comment`
            # takes every complete one first; this is in case the parser's rule changes).
            self.add(_without_comments(child.content, self.notes))
        elif kind == "image":
            self.add(_alt_text(child))
            self.notes.append(_image_note(child))
        elif kind in ("strong_open", "strong_close"):
            self.bold += 1 if kind.endswith("open") else -1
        elif kind in ("em_open", "em_close"):
            self.italic += 1 if kind.endswith("open") else -1
        elif kind in ("s_open", "s_close"):
            self.strike += 1 if kind.endswith("open") else -1
        elif kind == "link_open":
            self.links.append(str(child.attrGet("href") or ""))
            self.link_starts.append(_letters(self.spans))
        elif kind == "link_close" and self.links:
            if _letters(self.spans) == self.link_starts.pop():
                self.notes.append(f"a link with no text is not drawn: {_snippet(self.links[-1])}")
            self.links.pop()


def _alt_text(image: Token) -> str:
    """An image's alt text as plain text: what its Markdown says, without the syntax
    (`![a *b*](x)` is "a b"; an image inside it gives its own alt text, not its address)."""
    parts: list[str] = []
    for child in image.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_alt_text(child))
    return "".join(parts)


def _task_box(spans: tuple[Span, ...], marker: str) -> tuple[tuple[Span, ...], str]:
    """A task list item's first line without its `[ ]` or `[x]`, and its marker: the
    box in place of a bullet; in a numbered list, the number and the box before the text
    (a marker is one run of one font: the box comes from a fallback font)."""
    box = _TASK_BOX.match(spans[0].text)
    if box is None or spans[0].code:  # (trimmed: "[ ]" alone is no task, drawn as typed)
        return spans, marker
    checkbox = TASK_MARKERS[box[1] != " "]
    rest = spans[0].text[box.end() :]
    first = (replace(spans[0], text=rest),) if rest else ()
    if marker[:1].isdigit():
        return (replace(spans[0], text=f"{checkbox} "), *first, *spans[1:]), marker
    return first + spans[1:], checkbox


def _letters(spans: list[Span]) -> int:
    return sum(len(span.text.strip()) for span in spans)


def _image_note(image: Token) -> str:
    """Slides show text only: an image is drawn as its alt text, which the note says."""
    source = _snippet(str(image.attrGet("src") or ""))
    title = image.attrGet("title")
    dropped = f" (its title {_snippet(str(title))!r} is not drawn)" if title else ""
    if not _alt_text(image).strip():
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
