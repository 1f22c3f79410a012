"""Stack a card's blocks into lines, fit the body size to the slide, and split what does not fit.

`fit` is the whole story of a card's text: it searches the largest body size
between the theme's preferred size and its legibility floor at which everything
fits; when nothing fits even at the floor, the card continues over as few pages as
the floor allows, set at the largest size that keeps that many, with the text
shared evenly between them (each page is what one slide shows). Nothing is ever dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..bidi import base_direction
from ..blocks import Block
from ..scripts import min_line_height
from ..theme import BlockStyle, Theme
from .breaking import break_balanced, break_greedy, break_pretty, line_ranges
from .items import Glue, Item, Penalty, RunStyle, block_text, inline_items, split_oversized
from .lines import Fragment, SetLine, set_line
from .measure import Measurer

__all__ = [
    "FitResult",
    "FlowLine",
    "balance_pages",
    "fit",
    "largest_where",
    "layout_blocks",
    "paginate",
    "stack_height",
]

Breaker = Callable[..., list[int]]
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "sources-heading", "cover-title"})
# Display text is balanced like headings: even lines read better than a full first line.
BALANCED = HEADINGS | {"quote"}


@dataclass(frozen=True, slots=True)
class FlowLine:
    """A set line with what stacking and placing it needs to know."""

    line: SetLine
    role: str  # the block role: h2, paragraph, quote, list, source-url...
    block: int  # index of its block in the card
    advance: float  # line height, baseline to baseline
    gap_before: float  # space above it, unless it opens a slide
    align: str
    indent: float = 0.0  # list text offset inside the list column
    marker: Fragment | None = None
    group: int = -1  # consecutive list items share a group, centred as one column
    first_in_block: bool = True
    last_in_block: bool = True
    keep_with_next: bool = False
    rule: bool = False  # a thematic break: no text, an ornament is drawn
    direction: str = "ltr"  # of the block: right-to-left blocks start at the right
    hang_start: float = 0.0  # width of an opening quote mark hung outside the column
    hang_end: float = 0.0  # width of a closing quote mark hung outside the column


# Roles whose `space_after` is the gap between items of one run (list items): a block
# of another kind after the run is set off by the paragraph gap, as any new block is.
ITEM_ROLES = frozenset({"list"})


def _size(body_size: float, style: BlockStyle, floor: float) -> float:
    """A block's font size: its scale of the body size, never under the legibility
    floor (a 0.62 source address or 0.8 code at a 30 px body would be unreadable)."""
    return max(round(body_size * style.scale * 2) / 2, floor)


def layout_blocks(
    blocks: Sequence[Block],
    *,
    theme: Theme,
    body_size: float,
    width: float,
    measurer: Measurer,
    final: bool = True,
    lang: str | None = None,
    min_size: float = 0.0,
    memo: dict[tuple[int, float, float], Sequence[Item]] | None = None,
) -> list[FlowLine]:
    """Break every block into lines at one body size. `final` picks the careful breakers;
    without it, greedy breaking (same line count, so same height) keeps fitting fast.
    `lang` picks the hyphenation patterns when the theme hyphenates; no block is set
    smaller than `min_size` (the theme's legibility floor at the slide's scale).
    `memo` keeps each block's measured items between passes over the same `blocks`
    (`fit` lays a card out greedily, then carefully, at the same size)."""
    setting = _Setting(theme, measurer, width, final, lang, {} if memo is None else memo)
    flow: list[FlowLine] = []
    paragraph_gap = theme.type.paragraph_gap * body_size * theme.type.line_height
    previous_after = 0.0
    group, previous_role = -1, ""
    for index, block in enumerate(blocks):
        style = theme.style(block.role)
        size = _size(body_size, style, min_size)
        line_height = style.line_height or theme.type.line_height
        advance = size * max(line_height, min_line_height(block.text))
        if previous_role in ITEM_ROLES and block.role != previous_role:
            previous_after = max(previous_after, paragraph_gap)
        gap = max(previous_after, style.space_before * advance)
        if block.role == "list" and previous_role != "list":
            group += 1
        previous_role = block.role
        previous_after = paragraph_gap if style.space_after is None else style.space_after * advance

        if block.role == "rule":
            empty = SetLine((), "", 0.0, size * 0.5, size * 0.5)
            flow.append(FlowLine(empty, "rule", index, advance, gap, "center", rule=True))
            continue
        place = _Place(index, style, size, advance, gap, group)
        flow.extend(_block_lines(block, place, setting))
    return flow


class _Place(NamedTuple):
    """Where a block sits in the card: its number, style, size, line advance, the gap
    above it and its list group."""

    block: int
    style: BlockStyle
    size: float
    advance: float
    gap: float
    group: int


class _Setting(NamedTuple):
    """What every block of a card is set with."""

    theme: Theme
    measurer: Measurer
    width: float
    final: bool
    lang: str | None
    memo: dict[tuple[int, float, float], Sequence[Item]]


def _block_lines(block: Block, place: _Place, setting: _Setting) -> list[FlowLine]:
    """One block broken into flow lines: its marker and indent, direction, hung quotes."""
    index, style, size, advance, gap, group = place
    measurer = setting.measurer
    marker = _marker(block, style, size, measurer) if block.marker else None
    indent = _indent(block, style, size, marker)
    direction = base_direction(block_text(block.spans, style))
    width = setting.width - indent
    key = (index, size, width)
    if key not in setting.memo:
        hyphenate = _hyphenation(block, style, setting.theme, setting.lang)
        items = inline_items(
            block.spans,
            style,
            size,
            measurer,
            direction=direction,
            hyphenate=hyphenate,
            lang=setting.lang,
            phrases=block.role in BALANCED if style.phrases is None else style.phrases,
        )
        setting.memo[key] = split_oversized(items, width, measurer, lang=hyphenate or setting.lang)
    lines = _break_block(
        setting.memo[key], block.role, style, size, width, measurer, setting.final, direction
    )
    flow = []
    for number, line in enumerate(lines):
        hang_start, hang_end = _hanging(line, measurer) if block.role == "quote" else (0, 0)
        last = number == len(lines) - 1
        flow.append(
            FlowLine(
                line,
                block.role,
                index,
                max(advance, line.ascent + line.descent),
                gap if number == 0 else 0.0,
                "start" if block.role == "list" else style.align,
                indent=indent,
                marker=marker if number == 0 else None,
                group=group if block.role == "list" else -1,
                first_in_block=number == 0,
                last_in_block=last,
                # Only a heading's last line must stay with what follows: a heading
                # longer than a slide continues like any text.
                keep_with_next=block.role in HEADINGS and last,
                direction=direction,
                hang_start=hang_start,
                hang_end=hang_end,
            )
        )
    return flow


def _hyphenation(block: Block, style: BlockStyle, theme: Theme, lang: str | None) -> str | None:
    """The language whose patterns hyphenate this block, or None (headings never are)."""
    wants = style.hyphenate if style.hyphenate is not None else theme.type.hyphenate
    return (lang or "en_US") if wants and block.role not in HEADINGS else None


OPENING_QUOTES = frozenset("“‘«„‚‹\"'「『")
CLOSING_QUOTES = frozenset("”’»“‘›\"'」』")


def _hanging(line: SetLine, measurer: Measurer) -> tuple[float, float]:
    """Pull-quote marks hang outside the text column (hanging punctuation), so the
    words, not the marks, line up: the widths to hang at each end of a line."""
    if not line.fragments or line.direction != "ltr":
        return 0.0, 0.0
    first, last = line.fragments[0], line.fragments[-1]
    start = end = 0.0
    if first.text[:1] in OPENING_QUOTES:
        start = measurer.width(first.style.font, first.style.size, first.text[0])
    if last.text[-1:] in CLOSING_QUOTES and len(line.text) > 1:
        end = measurer.width(last.style.font, last.style.size, last.text[-1])
    return start, end


def _break_block(
    items: Sequence[Item],
    role: str,
    style: BlockStyle,
    size: float,
    width: float,
    measurer: Measurer,
    final: bool,
    direction: str,
) -> list[SetLine]:
    breaker: Breaker = break_greedy
    if final and role in BALANCED:
        breaker = break_balanced
    elif final and role not in ("code",):
        breaker = break_pretty
    fallback = RunStyle(measurer.face(style.family), size)
    # The breaker adds up word widths; a set line is measured whole, and shaping
    # across words (kerning, a fallback font's spacing) can make it a few pixels
    # wider. Such a line is broken again against a measure narrowed by the excess.
    target, step = width, 0.0
    for _ in range(8):
        lines = _set_lines(items, breaker(items, target), measurer, fallback, direction)
        excess = max((line.width for line in lines), default=0.0) - width
        if excess <= 0:
            break
        step = max(2 * step, excess + 1.0)  # the parts may add up far below the whole
        target = width - step
    return lines


def _set_lines(
    items: Sequence[Item],
    breaks: list[int],
    measurer: Measurer,
    fallback: RunStyle,
    direction: str,
) -> list[SetLine]:
    lines = []
    for (start, end), brk in zip(line_ranges(items, breaks), breaks, strict=True):
        taken = items[brk] if brk < len(items) else None
        hyphen = taken.hyphen if isinstance(taken, Penalty) else None
        line_items = [*items[start:end], hyphen] if hyphen is not None else items[start:end]
        lines.append(
            set_line(
                line_items,
                measurer,
                fallback=fallback,
                space_after=_at_space(items, brk),
                direction=direction,
                hyphenated=hyphen is not None,
            )
        )
    return lines


def _at_space(items: Sequence[Item], brk: int) -> bool:
    """Whether the text had white space at this break (a space, or a hard line break)."""
    if brk >= len(items):
        return False
    item = items[brk]
    return isinstance(item, Glue) or (isinstance(item, Penalty) and item.forced)


def _indent(block: Block, style: BlockStyle, size: float, marker: Fragment | None) -> float:
    """How far list text sits in from the list's edge: one step per level, and never
    less than its marker needs to hang ("10." is wider than "•")."""
    if block.role != "list":
        return 0.0
    step = style.indent * size
    own = max(step, -marker.x) if marker is not None else step
    return step * (block.depth - 1) + own


def _marker(block: Block, style: BlockStyle, size: float, measurer: Measurer) -> Fragment:
    """The bullet or number hanging in the indent; `x` is its offset before the text
    (left of it, or right of it in a right-to-left block: see `page.place_lines`)."""
    text = block.marker or ""
    # Numbers stacked down a list line up when their figures are all one width.
    features = ("tnum",) if text[:1].isdigit() else ()
    font = measurer.face(style.family)
    # A marker the face lacks (a task list's ☐) is set in the fallback font that has it.
    runs = measurer.runs(font, text)
    if len(runs) == 1:
        font = runs[0][0]
    run = RunStyle(font, size, features=features)
    width = measurer.width(run.font, size, text, features)
    gap = size * style.marker_gap
    return Fragment(text, -width - gap, width, run)


def stack_height(lines: Sequence[FlowLine]) -> float:
    """Height of lines stacked on one slide (the first line's gap does not count)."""
    return sum(line.advance + (line.gap_before if n else 0.0) for n, line in enumerate(lines))


@dataclass(frozen=True)
class FitResult:
    """The body size chosen for a card and its lines cut into pages (one per slide)."""

    body_size: float
    pages: tuple[tuple[FlowLine, ...], ...]

    @property
    def continued(self) -> bool:
        return len(self.pages) > 1


def fit(
    blocks: Sequence[Block],
    *,
    theme: Theme,
    measurer: Measurer,
    width: float,
    height: float,
    page_height: float | None = None,
    scale: float = 1.0,
    lang: str | None = None,
) -> FitResult:
    """Pick the largest body size that fits `width`×`height`, by binary search.

    A card that does not fit even at the floor continues over pages of `page_height`
    (default `height`): as few pages as the floor allows, at the largest size that
    keeps that many, with the text shared evenly between them."""
    preferred = round(theme.type.body_size * scale)
    floor = round(theme.type.min_body_size * scale)
    page_height = page_height or height

    laid_out: dict[tuple[float, bool], list[FlowLine]] = {}
    memo: dict[tuple[int, float, float], Sequence[Item]] = {}  # one block's items, per size

    def lay_out(size: float, final: bool) -> list[FlowLine]:
        if (size, final) not in laid_out:  # the searches below ask for some sizes twice
            laid_out[size, final] = layout_blocks(
                blocks,
                theme=theme,
                body_size=size,
                width=width,
                measurer=measurer,
                final=final,
                lang=lang,
                min_size=floor,
                memo=memo,
            )
        return laid_out[size, final]

    def height_at(size: float) -> float:
        return stack_height(lay_out(size, False))

    low, high = floor, max(floor, preferred)
    # Most cards fit at the preferred size: then neither the floor nor a search is needed.
    fits = height_at(high) <= height
    if not fits and height_at(low) > height:
        return _run_on(lay_out, floor, high, page_height)
    low = high if fits else largest_where(low, high, lambda size: height_at(size) <= height)
    final = lay_out(low, True)
    if stack_height(final) > height:
        # The careful breakers keep the greedy line count, but a line re-broken to
        # its measured width may add one: then the card continues rather than overflow.
        return FitResult(low, tuple(balance_pages(final, page_height)))
    return FitResult(low, (tuple(final),))


def _run_on(
    lay_out: Callable[[float, bool], list[FlowLine]], floor: int, high: int, page_height: float
) -> FitResult:
    """A card too long for one page even at the floor: as few pages as the floor needs,
    at the largest size that keeps that many, the lines shared evenly."""

    def pages_at(size: float) -> int:
        return len(paginate(lay_out(size, False), page_height))

    fewest = pages_at(floor)
    low = largest_where(floor, high, lambda size: pages_at(size) <= fewest)
    # The careful breakers may add a line the greedy count did not have: step down
    # rather than add a slide.
    while low > floor and len(paginate(lay_out(low, True), page_height)) > fewest:
        low -= 1
    return FitResult(low, tuple(balance_pages(lay_out(low, True), page_height)))


def largest_where(low: int, high: int, good: Callable[[int], bool]) -> int:
    """The largest number in low..high for which `good` holds, given that it holds at
    `low` and, above some number, no longer does (binary search): a body size, a count of
    words kept."""
    if good(high):  # most cards fit at the preferred size: one layout instead of a search
        return high
    while low < high:
        middle = (low + high + 1) // 2
        if good(middle):
            low = middle
        else:
            high = middle - 1
    return low


def balance_pages(lines: Sequence[FlowLine], height: float) -> list[tuple[FlowLine, ...]]:
    """Cut lines into as few pages as `paginate` does, but share them evenly: the pages
    are filled to the smallest height that still needs no more pages, so the last
    slide is not left a third full. The keep-together rules hold as in `paginate`."""
    pages = paginate(lines, height)
    if len(pages) < 2:
        return pages
    low, high = stack_height(lines) / len(pages), height
    for _ in range(24):  # a fraction of a pixel
        middle = (low + high) / 2
        if len(paginate(lines, middle)) <= len(pages):
            high = middle
        else:
            low = middle
    return paginate(lines, high)


def paginate(lines: Sequence[FlowLine], height: float) -> list[tuple[FlowLine, ...]]:
    """Cut lines into pages no taller than `height`, each page resuming where the last stopped.

    A heading never ends a page that has more to come, and a paragraph does not leave
    a single line behind at the foot of a page or alone at the top of the next.
    """
    pages: list[tuple[FlowLine, ...]] = []
    start = 0
    while start < len(lines):
        end = _fill(lines, start, height)
        end = _keep_together(lines, start, end)
        pages.append(tuple(lines[start:end]))
        start = end
    return pages


def _fill(lines: Sequence[FlowLine], start: int, height: float) -> int:
    used, end = 0.0, start
    while end < len(lines):
        step = lines[end].advance + (lines[end].gap_before if end > start else 0.0)
        if used + step > height and end > start:
            break
        used += step
        end += 1
    return end


def _keep_together(lines: Sequence[FlowLine], start: int, end: int) -> int:
    if end >= len(lines):
        return end
    candidate = end
    # A lone first line of a block at the foot of the page (orphan) moves on.
    if (
        candidate - 1 > start
        and lines[candidate - 1].first_in_block
        and not lines[candidate - 1].last_in_block
    ) or (
        lines[candidate].last_in_block
        and not lines[candidate].first_in_block
        and candidate - 1 > start
        and not lines[candidate - 1].first_in_block
    ):
        candidate -= 1
    # Headings stay with what follows them.
    while candidate - 1 > start and lines[candidate - 1].keep_with_next:
        candidate -= 1
    return candidate
