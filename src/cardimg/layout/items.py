"""Turn styled spans into the items a line breaker works on: boxes, glue and break points."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from uniseg.graphemecluster import grapheme_clusters
from uniseg.linebreak import line_break_units

from ..blocks import Span
from ..theme import BlockStyle
from .measure import Measurer

__all__ = [
    "Box",
    "Glue",
    "Item",
    "Penalty",
    "RunStyle",
    "inline_items",
    "split_oversized",
    "styled_width",
]

# Breaking inside a word, between any two graphemes, is the last resort.
EMERGENCY_COST = 10_000.0
_SPACES = frozenset(" \t\u3000")


@dataclass(frozen=True, slots=True)
class RunStyle:
    """How a run of text is drawn: the concrete font file, size and decorations."""

    font: str
    size: float
    tracking: float = 0.0  # extra space after each character, in pixels
    underline: bool = False
    strike: bool = False
    link: str | None = None


class Box(NamedTuple):
    """Text that is never broken inside (unless it alone is wider than the line)."""

    text: str
    width: float
    style: RunStyle


class Glue(NamedTuple):
    """A space: a break opportunity that disappears at the end of a line."""

    text: str
    width: float
    style: RunStyle


class Penalty(NamedTuple):
    """A break opportunity without a space; `forced` for hard line breaks."""

    forced: bool = False
    cost: float = 0.0


Item = Box | Glue | Penalty


@lru_cache(maxsize=4096)
def _break_units(text: str) -> tuple[str, ...]:
    # uniseg implements UAX #14 but costs ~70 µs a character: cache per text.
    return tuple(line_break_units(text))


def _face(style: BlockStyle, span: Span) -> str:
    family = "mono" if span.code else style.family
    bold = span.bold or style.weight == "bold"
    if span.italic:
        return f"{family}-bold-italic" if bold else f"{family}-italic"
    if bold:
        return f"{family}-bold"
    return family if style.weight == "regular" else f"{family}-{style.weight}"


def inline_items(
    spans: tuple[Span, ...], style: BlockStyle, size: float, measurer: Measurer
) -> tuple[Item, ...]:
    """The items of one block's text at one size, in logical order."""
    texts = [span.text.upper() if style.uppercase else span.text for span in spans]
    text = "".join(texts)
    owner: list[int] = []  # index of the span each character comes from
    for index, piece in enumerate(texts):
        owner.extend([index] * len(piece))
    run_styles = [
        RunStyle(
            font=measurer.face(_face(style, span)),
            size=size,
            tracking=style.tracking * size,
            underline=style.underline or span.link is not None,
            strike=span.strike,
            link=span.link,
        )
        for span in spans
    ]
    items: list[Item] = []
    position = 0
    units = _break_units(text)
    for number, unit in enumerate(units):
        end = position + len(unit)
        body = unit.rstrip("\n\r\u2028\u2029\x0b\x0c\x85")
        forced = len(body) < len(unit)
        content = body.rstrip("".join(_SPACES))
        _add_boxes(items, text, owner, run_styles, position, position + len(content), measurer)
        _add_glue(
            items, text, owner, run_styles, position + len(content), position + len(body), measurer
        )
        if forced:
            items.append(Penalty(forced=True))
        elif len(content) == len(body) and number < len(units) - 1:
            items.append(Penalty())
        position = end
    return tuple(items)


def _pieces(owner: list[int], start: int, end: int):
    """(span index, start, end) for each stretch of characters from one span."""
    while start < end:
        span_index = owner[start]
        stop = start
        while stop < end and owner[stop] == span_index:
            stop += 1
        yield span_index, start, stop
        start = stop


def _add_boxes(items, text, owner, run_styles, start, end, measurer: Measurer) -> None:
    for span_index, a, b in _pieces(owner, start, end):
        base = run_styles[span_index]
        for font, run in measurer.runs(base.font, text[a:b]):
            style = base if font == base.font else _with_font(base, font)
            items.append(Box(run, _measure(measurer, style, run), style))


def _add_glue(items, text, owner, run_styles, start, end, measurer: Measurer) -> None:
    for span_index, a, b in _pieces(owner, start, end):
        style = run_styles[span_index]
        items.append(Glue(text[a:b], _measure(measurer, style, text[a:b]), style))


def _with_font(style: RunStyle, font: str) -> RunStyle:
    return RunStyle(font, style.size, style.tracking, style.underline, style.strike, style.link)


def styled_width(measurer: Measurer, style: RunStyle, text: str) -> float:
    """Width of text in a run style. Letter-spaced text is placed character by character
    (the painter cannot track whole strings), so it is measured the same way."""
    if style.tracking:
        return sum(measurer.width(style.font, style.size, char) + style.tracking for char in text)
    return measurer.width(style.font, style.size, text)


_measure = styled_width


def split_oversized(
    items: tuple[Item, ...], max_width: float, measurer: Measurer
) -> tuple[Item, ...]:
    """Let a word wider than the line break between any two graphemes, at a high cost.

    An unbreakable stretch is the boxes between two break opportunities; only those
    wider than `max_width` are split, so ordinary words stay whole.
    """
    result: list[Item] = []
    stretch: list[Box] = []

    def flush() -> None:
        if sum(box.width for box in stretch) <= max_width:
            result.extend(stretch)
        else:
            for box in stretch:
                for cluster in grapheme_clusters(box.text):
                    if result and isinstance(result[-1], Box):
                        result.append(Penalty(cost=EMERGENCY_COST))
                    result.append(Box(cluster, _measure(measurer, box.style, cluster), box.style))
        stretch.clear()

    for item in items:
        if isinstance(item, Box):
            stretch.append(item)
        else:
            flush()
            result.append(item)
    flush()
    return tuple(result)
