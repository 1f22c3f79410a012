"""Turn styled spans into the items a line breaker works on: boxes, glue and break points."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple, Protocol

from ..bidi import embedding_levels
from ..blocks import Span
from ..scripts import text_lang
from ..theme import BlockStyle
from .dictionary import COMPLEX_CONTEXT, complex_breaks, icu_provider
from .linebreak import break_opportunities
from .measure import Measurer, measure_key
from .phrases import phrase_starts, wants_phrases
from .syllables import atoms, cluster_breaks, syllable_breaks

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
# A hyphen costs about as much as a line a third empty: used when it evens the rag.
HYPHEN_COST = 0.1
MIN_HYPHENATED_WORD = 6
_SPACES = frozenset(" \t\u3000")
_SPACE_CHARS = "".join(sorted(_SPACES))
_ENDS = "\n\r\u2028\u2029\x0b\x0c\x85"  # hard line breaks: a unit's end, never drawn
# Distinct words (in a style, size and level) whose items are kept: a few hundred stories.
UNIT_CACHE_SIZE = 32_768
SOFT_HYPHEN = "\u00ad"
# Characters that only say where a line may (U+00AD, U+200B) or may not (U+2060, U+FEFF)
# break: the breaker has used them, and they are never drawn nor part of a line's text
# (a font may not have them, and copied text would carry them). ZWJ and ZWNJ stay:
# shaping needs them.
_BREAK_HINTS = str.maketrans(dict.fromkeys("\u00ad\u200b\u2060\ufeff"))


@dataclass(frozen=True, slots=True)
class RunStyle:
    """How a run of text is drawn: the concrete font file, size and decorations."""

    font: str
    size: float
    tracking: float = 0.0  # extra space after each character, in pixels
    underline: bool = False
    strike: bool = False
    link: str | None = None
    features: tuple[str, ...] = ()  # OpenType features beyond the defaults (e.g. "tnum")


class Box(NamedTuple):
    """Text that is never broken inside (unless it alone is wider than the line).

    `level` is the bidi embedding level of its characters (odd: right-to-left).
    """

    text: str
    width: float
    style: RunStyle
    level: int = 0


class Glue(NamedTuple):
    """A space: a break opportunity that disappears at the end of a line."""

    text: str
    width: float
    style: RunStyle
    level: int = 0


class Penalty(NamedTuple):
    """A break opportunity without a space; `forced` for hard line breaks.

    A hyphenation point carries the `hyphen` it draws when the line breaks there
    (its width counts only then).
    """

    forced: bool = False
    cost: float = 0.0
    hyphen: Box | None = None

    @property
    def width(self) -> float:
        return self.hyphen.width if self.hyphen is not None else 0.0


Item = Box | Glue | Penalty


def _break_units(text: str, lang: str | None = None, phrases: bool = False) -> tuple[str, ...]:
    """UAX #14 break units with the editorial tailoring of `break_opportunities`, cut
    further where a dictionary finds words in scripts written without spaces (Thai), or
    without one between syllables; with `phrases`, Japanese units joined back into whole
    phrases (`layout.phrases`)."""
    # Which ICU answers is part of the cache key: the same text breaks differently without.
    # Asked only for text in those scripts, so that other text never loads ICU.
    provider = icu_provider() if COMPLEX_CONTEXT.search(text) else None
    return _cached_break_units(text, lang, phrases, provider)


@lru_cache(maxsize=4096)
def _cached_break_units(
    text: str, lang: str | None, phrases: bool, provider: str | None
) -> tuple[str, ...]:
    units = _split_at(break_opportunities(text, lang=lang), complex_breaks(text))
    if phrases and wants_phrases(lang) and len(units) > 1:
        return _join_within_phrases(units, phrase_starts(text))
    return units


def _join_within_phrases(units: tuple[str, ...], starts: frozenset[int]) -> tuple[str, ...]:
    """Units joined wherever the break between them falls inside a phrase. A break stays
    at a phrase's start and after white space (a space, an ideographic space, a newline)."""
    joined, position = [units[0]], len(units[0])
    for unit in units[1:]:
        if position in starts or joined[-1][-1].isspace():
            joined.append(unit)
        else:
            joined[-1] += unit
        position += len(unit)
    return tuple(joined)


def _split_at(units: tuple[str, ...], cuts: frozenset[int]) -> tuple[str, ...]:
    """Units cut further at the given string offsets (word breaks a dictionary found)."""
    if not cuts:
        return units
    result, position = [], 0
    for unit in units:
        start = position
        for cut in sorted(c for c in cuts if start < c < start + len(unit)):
            result.append(unit[start - position : cut - position])
            start = cut
        result.append(unit[start - position :])
        position += len(unit)
    return tuple(result)


def _face(style: BlockStyle, span: Span) -> str:
    family = "mono" if span.code else style.family
    bold = span.bold or style.weight == "bold"
    if span.italic:
        return f"{family}-bold-italic" if bold else f"{family}-italic"
    if bold:
        return f"{family}-bold"
    return family if style.weight == "regular" else f"{family}-{style.weight}"


def block_text(spans: tuple[Span, ...], style: BlockStyle) -> str:
    return "".join(upper(span.text) if style.uppercase else span.text for span in spans)


# Greek set in capitals loses its accents and breathings (tonos, perispomeni...),
# keeping the diaeresis; str.upper() keeps them all.
_GREEK_CAPS_DROP = frozenset("\u0301\u0300\u0342\u0313\u0314\u0345")


# A Greek letter with the combining marks that follow it.
_GREEK_LETTER = re.compile("[\u0370-\u03ff\u1f00-\u1fff][\u0300-\u036f]*")


def upper(text: str) -> str:
    """Text in capitals, as each script writes them."""
    # Only Greek letters are decomposed and composed again: normalizing the whole text
    # would change other characters (CJK compatibility ideographs, for one).
    return _GREEK_LETTER.sub(_greek_capital, text.upper())


def _greek_capital(letter: re.Match[str]) -> str:
    marks = unicodedata.normalize("NFD", letter[0])
    kept = marks[0] + "".join(mark for mark in marks[1:] if mark not in _GREEK_CAPS_DROP)
    return unicodedata.normalize("NFC", kept)


def inline_items(
    spans: tuple[Span, ...],
    style: BlockStyle,
    size: float,
    measurer: Measurer,
    *,
    direction: str = "ltr",
    hyphenate: str | None = None,
    lang: str | None = None,
    phrases: bool = False,
) -> tuple[Item, ...]:
    """The items of one block's text at one size, in logical order.

    `hyphenate` names a language (`en`, `fr_FR`...) whose hyphenation patterns add
    break points inside long words; None sets words whole. `lang` tailors line
    breaking (French spacing); `phrases` keeps Japanese phrases whole (headings).
    """
    texts = [upper(span.text) if style.uppercase else span.text for span in spans]
    text = "".join(texts)
    owner: list[int] = []  # index of the span each character comes from
    for index, piece in enumerate(texts):
        owner.extend([index] * len(piece))
    levels = embedding_levels(text, direction)
    context = _Context(text, owner, levels, text_lang(text), _hyphenator(hyphenate), hyphenate)
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
    return _unit_items_of(context, run_styles, _break_units(text, lang, phrases), measurer)


def _unit_items_of(
    context: _Context, run_styles: Sequence[RunStyle], units: Sequence[str], measurer: Measurer
) -> tuple[Item, ...]:
    """The items of a block's break units, in order."""
    items: list[Item] = []
    position = 0
    widths = measure_key(measurer)
    owner, levels = context.owner, context.levels
    for number, unit in enumerate(units):
        end = position + len(unit)
        last = number == len(units) - 1
        span, level = owner[position], levels[position]
        if (
            widths is not None
            and owner[end - 1] == span
            and levels[position:end].count(level) == len(unit)
        ):
            # One span at one bidi level (nearly every word): its items are shared.
            run = run_styles[span]
            boxed = unit.rstrip(_ENDS).rstrip(_SPACE_CHARS).translate(_BREAK_HINTS)
            runs = measurer.runs(run.font, boxed, context.lang) if boxed else ()
            items.extend(
                _shared_unit(unit, runs, run, level, context.hyphenate, last, measurer, widths)
            )
        else:
            _add_unit(items, context, run_styles, position, unit, last, measurer)
        position = end
    return tuple(items)


def _split_unit(unit: str) -> tuple[str, str, bool]:
    """A break unit's text without its line ends (`body`), that without its trailing
    spaces (`content`), and whether it ends in a hard line break."""
    body = unit.rstrip(_ENDS)
    return body, body.rstrip(_SPACE_CHARS), len(body) < len(unit)


def _add_unit(
    items: list[Item],
    context: _Context,
    run_styles: Sequence[RunStyle],
    position: int,
    unit: str,
    last: bool,
    measurer: Measurer,
) -> None:
    """The items of one break unit starting at `position`: its boxes, the glue of its
    trailing spaces, and the break after it."""
    body, content, forced = _split_unit(unit)
    before = len(items)
    _add_boxes(items, context, run_styles, position, position + len(content), measurer)
    _add_glue(items, context, run_styles, position + len(content), position + len(body), measurer)
    if forced:
        items.append(Penalty(forced=True))
    elif len(content) == len(body) and not last:
        word = items[-1] if len(items) > before else None
        items.append(_break_after(content, word, measurer))


class _Widths:
    """A measurer in a cache key, equal to another when their `measure_key`s are (their
    widths are then the same). The measurer is let go once the items are made, so the
    cache keeps no font book (and its own caches) alive."""

    __slots__ = ("key", "measurer")

    def __init__(self, key: Hashable, measurer: Measurer | None) -> None:
        self.key, self.measurer = key, measurer

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Widths) and other.key == self.key


def _shared_unit(
    unit: str,
    runs: tuple[tuple[str, str], ...],
    style: RunStyle,
    level: int,
    hyphenate: str | None,
    last: bool,
    measurer: Measurer,
    widths: Hashable,
) -> tuple[Item, ...]:
    """The items of a break unit in one style and level, as `_add_unit` makes them,
    shared by every block, card and story of the process that sets the same word the
    same way: the key holds everything they depend on (the fonts the measurer chose
    for it, the style with its size, the hyphenation language, the widths)."""
    holder = _Widths(widths, measurer)
    try:
        return _unit_items(unit, runs, style, level, hyphenate, last, holder)
    finally:
        holder.measurer = None


@lru_cache(maxsize=UNIT_CACHE_SIZE)
def _unit_items(
    unit: str,
    runs: tuple[tuple[str, str], ...],
    style: RunStyle,
    level: int,
    hyphenate: str | None,
    last: bool,
    widths: _Widths,
) -> tuple[Item, ...]:
    measurer = widths.measurer
    assert measurer is not None  # set for the call that fills the entry
    body, content, forced = _split_unit(unit)
    items: list[Item] = []
    _add_runs(items, runs, style, level, _hyphenator(hyphenate), measurer)
    glue = body[len(content) :]
    if glue:
        items.append(Glue(glue, styled_width(measurer, style, glue), style, level))
    if forced:
        items.append(Penalty(forced=True))
    elif len(content) == len(body) and not last:
        items.append(_break_after(content, items[-1] if items else None, measurer))
    return tuple(items)


class _Hyphenator(Protocol):
    """What the layout asks of a hyphenation dictionary (pyphen's `Pyphen`)."""

    def positions(self, word: str) -> list[int]: ...


class _Context(NamedTuple):
    """A block's text with, per character, its span, its bidi level, and a language hint."""

    text: str
    owner: list[int]
    levels: tuple[int, ...]
    lang: str | None
    hyphenator: _Hyphenator | None = None
    hyphenate: str | None = None  # the language `hyphenator` is for


def _pieces(context: _Context, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(span index, level, start, end) for each stretch of one span at one bidi level."""
    owner, levels = context.owner, context.levels
    while start < end:
        key = (owner[start], levels[start])
        stop = start
        while stop < end and (owner[stop], levels[stop]) == key:
            stop += 1
        yield key[0], key[1], start, stop
        start = stop


def _break_after(content: str, word: Item | None, measurer: Measurer) -> Penalty:
    """The break point after a unit: a soft hyphen's draws a hyphen when taken, in the
    style of the `word` it ends (the unit's last box)."""
    if not content.endswith(SOFT_HYPHEN) or not isinstance(word, Box):
        return Penalty()
    hyphen = Box("-", styled_width(measurer, word.style, "-"), word.style, word.level)
    return Penalty(cost=HYPHEN_COST, hyphen=hyphen)


def _add_boxes(
    items: list[Item],
    context: _Context,
    run_styles: Sequence[RunStyle],
    start: int,
    end: int,
    measurer: Measurer,
) -> None:
    for span_index, level, a, b in _pieces(context, start, end):
        base = run_styles[span_index]
        text = context.text[a:b].translate(_BREAK_HINTS)
        if not text:
            continue
        runs = measurer.runs(base.font, text, context.lang)
        _add_runs(items, runs, base, level, context.hyphenator, measurer)


def _add_runs(
    items: list[Item],
    runs: Sequence[tuple[str, str]],
    base: RunStyle,
    level: int,
    hyphenator: _Hyphenator | None,
    measurer: Measurer,
) -> None:
    """Boxes (cut at hyphenation points) for text split into (font, text) runs."""
    for font, run in runs:
        style = base if font == base.font else _with_font(base, font)
        if style.tracking and not _trackable(run):
            style = replace(style, tracking=0.0)
        for n, piece in enumerate(_syllables(run, hyphenator)):
            if n:
                hyphen = Box("-", styled_width(measurer, style, "-"), style, level)
                items.append(Penalty(cost=HYPHEN_COST, hyphen=hyphen))
            items.append(Box(piece, styled_width(measurer, style, piece), style, level))


def _add_glue(
    items: list[Item],
    context: _Context,
    run_styles: Sequence[RunStyle],
    start: int,
    end: int,
    measurer: Measurer,
) -> None:
    for span_index, level, a, b in _pieces(context, start, end):
        style = run_styles[span_index]
        text = context.text[a:b]
        items.append(Glue(text, styled_width(measurer, style, text), style, level))


@lru_cache(maxsize=16)
def _hyphenator(lang: str | None) -> _Hyphenator | None:
    if not lang:
        return None
    import pyphen

    found = pyphen.language_fallback(lang.replace("-", "_"))
    return pyphen.Pyphen(lang=found) if found else None


def _hyphenatable(word: str) -> bool:
    """Long enough and all letters: a word hyphenation patterns can cut."""
    return len(word) >= MIN_HYPHENATED_WORD and word.isalpha()


def _syllables(word: str, hyphenator: _Hyphenator | None) -> list[str]:
    """A word cut at its hyphenation points (whole when it is short or not all letters)."""
    if hyphenator is None or not _hyphenatable(word):
        return [word]
    positions = hyphenator.positions(word)
    cuts = [0, *positions, len(word)]
    return [word[a:b] for a, b in pairwise(cuts) if b > a]


def _trackable(text: str) -> bool:
    # Letter-spacing pulls joined scripts (Arabic, Devanagari) apart and breaks the
    # order of right-to-left text, and CJK is already set on a grid: only the
    # alphabetic scripts before Hebrew in Unicode are spaced out.
    return all(ord(char) < 0x0590 or 0x2000 <= ord(char) < 0x2070 for char in text)


def _with_font(style: RunStyle, font: str) -> RunStyle:
    return replace(style, font=font)


def styled_width(measurer: Measurer, style: RunStyle, text: str) -> float:
    """Width of text in a run style. Letter-spaced text is placed character by character
    (the painter cannot track whole strings), so it is measured the same way."""
    if style.tracking:
        return sum(measurer.width(style.font, style.size, char) + style.tracking for char in text)
    if style.features:
        return measurer.width(style.font, style.size, text, style.features)
    return measurer.width(style.font, style.size, text)


def split_oversized(
    items: tuple[Item, ...], max_width: float, measurer: Measurer, *, lang: str | None = None
) -> tuple[Item, ...]:
    """Let a word wider than the line break: at its hyphenation points first (with a
    drawn hyphen), then, in scripts written without spaces, between syllables and then
    between clusters (`layout/syllables.py`), and last between any two graphemes, each
    at a high cost.

    An unbreakable stretch is the boxes between two break opportunities; only those
    wider than `max_width` are split, so ordinary words stay whole.
    """
    result: list[Item] = []
    stretch: list[Box] = []

    def flush() -> None:
        if sum(box.width for box in stretch) <= max_width:
            result.extend(stretch)
            stretch.clear()
            return
        # Patterns load only for a word that is too wide and could be hyphenated (not a
        # link or a number): most cards never need them, and they take ~40 ms to load.
        hyphenator = None
        if any(_hyphenatable(box.text) for box in stretch):
            hyphenator = _hyphenator(lang or "en_US")
        for box in stretch:
            for n, piece in enumerate(_syllables(box.text, hyphenator)):
                if n:
                    hyphen = Box("-", styled_width(measurer, box.style, "-"), box.style, box.level)
                    result.append(Penalty(cost=EMERGENCY_COST / 10, hyphen=hyphen))
                part = Box(piece, styled_width(measurer, box.style, piece), box.style, box.level)
                if part.width > max_width:
                    _add_emergency_pieces(result, part, max_width, measurer)
                else:
                    if n == 0 and result and isinstance(result[-1], Box):
                        result.append(Penalty(cost=EMERGENCY_COST))
                    result.append(part)
        stretch.clear()

    for item in items:
        if isinstance(item, Box):
            stretch.append(item)
        else:
            flush()
            result.append(item)
    flush()
    return tuple(result)


def _add_emergency_pieces(
    result: list[Item], box: Box, max_width: float, measurer: Measurer
) -> None:
    """A box too wide for the line, cut where `_emergency_cuts` allows, each cut a break
    point at its cost; a piece still too wide is cut between its graphemes, except inside
    a syllable of a script without spaces: that overflows the line whole."""
    for piece, cost in _emergency_cuts(box.text):
        width = styled_width(measurer, box.style, piece)
        parts = [(piece, width)]
        if width > max_width:
            parts = [(atom, styled_width(measurer, box.style, atom)) for atom in atoms(piece)]
        for n, (part, part_width) in enumerate(parts):
            if result and isinstance(result[-1], Box):
                result.append(Penalty(cost=cost if n == 0 else EMERGENCY_COST))
            result.append(Box(part, part_width, box.style, box.level))


def _emergency_cuts(text: str) -> list[tuple[str, float]]:
    """`text` cut between clusters that are never split (Thai, Lao, Khmer, Myanmar,
    Tibetan), with the cost of the break before each piece: a sure syllable boundary
    costs as much as a hyphenation point, any other cut the full emergency cost. Text in
    other scripts is one piece."""
    cuts = sorted(cluster_breaks(text))
    if not cuts:
        return [(text, EMERGENCY_COST)]
    syllables = syllable_breaks(text)
    starts = [0, *cuts]
    ends = [*cuts, len(text)]
    return [
        (text[a:b], EMERGENCY_COST / 10 if a in syllables else EMERGENCY_COST)
        for a, b in zip(starts, ends, strict=True)
    ]
