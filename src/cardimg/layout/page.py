"""Place lines on a slide: slide geometry, alignment, the frame's labels, the public `Line`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..blocks import Span
from ..errors import ThemeError
from ..theme import REFERENCE_WIDTH, BlockStyle, Theme
from .breaking import break_balanced, line_ranges
from .flow import FlowLine, stack_height
from .items import RunStyle, inline_items, split_oversized
from .lines import SetLine, set_line
from .measure import Measurer

__all__ = [
    "Geometry",
    "Line",
    "Mark",
    "PlacedFragment",
    "label_height",
    "label_lines",
    "place_lines",
    "set_label",
]

BoxT = tuple[int, int, int, int]
_EPSILON = 1e-6

# What each block role is called on a drawn line (the public `Line.role`).
PUBLIC_ROLES = {
    "h1": "heading",
    "h2": "heading",
    "h3": "heading",
    "h4": "heading",
    "h5": "heading",
    "h6": "paragraph",
    "sources-heading": "heading",
    "cover-title": "heading",
    "cover-standfirst": "standfirst",
    "cover-byline": "byline",
    "source-title": "sources",
    "source-url": "sources",
}


CHROME_ROLES = frozenset({"series", "citation", "marker", "counter", "byline"})


@dataclass(frozen=True, slots=True)
class PlacedFragment:
    """A fragment at its place on the slide: `x` is its left edge, `baseline` its baseline."""

    text: str
    x: float
    baseline: float
    width: float
    style: RunStyle
    rtl: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    """One line of text as drawn: the public record tests and tools inspect.

    `box` is (x0, y0, x1, y1) in whole pixels: the line box, from the top of the
    line's height to its bottom, so the boxes of a block stack without overlap;
    `text` is what was drawn, in reading order, without a list marker (`marker`).
    """

    text: str
    box: BoxT
    font_size: float
    role: str
    baseline: float
    fragments: tuple[PlacedFragment, ...]
    marker: PlacedFragment | None = None
    block: int = -1
    block_role: str = ""
    space_after: bool = False
    hyphenated: bool = False  # a hyphen was added at the end: `text` does not have it

    @property
    def chrome(self) -> bool:
        """Frame furniture (series label, citation, markers), not words of the card."""
        return self.role in CHROME_ROLES


@dataclass(frozen=True, slots=True)
class Mark:
    """A drawn mark that is not text: `rule`, `ornament`, `check`."""

    kind: str
    x: float
    y: float
    size: float


@dataclass(frozen=True)
class Geometry:
    """Where things go on a slide of a given size, from the theme's frame settings."""

    width: int
    height: int
    unit: float
    frame_box: BoxT
    safe_box: BoxT

    @classmethod
    def for_size(
        cls,
        theme: Theme,
        width: int,
        height: int,
        open_area: tuple[int, int, int, int] | None = None,
    ) -> Geometry:
        """The frame and safe area of a slide. `open_area` is the part a platform leaves
        visible (a Story's app draws over its top and bottom): the frame, its labels and
        the text all stay inside it, while the background still fills the whole slide."""
        unit = width / REFERENCE_WIDTH
        inset = round(theme.frame.inset * unit)
        pad = round(theme.frame.padding * unit)
        ax0, ay0, ax1, ay1 = open_area or (0, 0, width, height)
        frame = (ax0 + inset, ay0 + inset, ax1 - inset, ay1 - inset)
        safe = (frame[0] + pad, frame[1] + pad, frame[2] - pad, frame[3] - pad)
        # Room for a few words at the legibility floor, or the theme is wrong for this size.
        least = 4 * theme.type.min_body_size * unit
        room = min(safe[2] - safe[0], safe[3] - safe[1])
        if room < least:
            raise ThemeError(_no_room(theme, (width, height), room, least))
        return cls(width, height, unit, frame, safe)

    @property
    def safe_width(self) -> int:
        return self.safe_box[2] - self.safe_box[0]


def _no_room(theme: Theme, size: tuple[int, int], room: float, least: float) -> str:
    """Which key leaves a slide no room for text: the margins when they take most of it,
    else the legibility floor, too large for what they leave."""
    width, height = size
    source = theme.source if theme.source and theme.source != "built-in" else ""
    where = f"{source.rsplit('/', 1)[-1]}: " if source else f"theme {theme.name!r}: "
    if room < min(width, height) / 2:
        return (
            f"{where}frame.inset + frame.padding leave no room for text on a {width}×{height} "
            f"slide (a safe area of {room:.0f} px; expected at least {least:.0f} px)"
        )
    most = room / 4 / (width / REFERENCE_WIDTH)
    return (
        f"{where}type.min_body_size: {theme.type.min_body_size:g} px leaves room for no more "
        f"than a few letters a line on a {width}×{height} slide (expected at most {most:.0f})"
    )


def place_lines(
    lines: Sequence[FlowLine],
    area: tuple[float, float, float, float],
    *,
    valign: str = "center",
    list_column: str = "center",
    rule_start: float | None = None,
) -> tuple[list[Line], list[Mark]]:
    """Place a page of lines inside `area` (x0, y0, x1, y1): blocks aligned by their style,
    list items as one column centred as a whole, the page set at the `valign` (center,
    top, bottom) of the area."""
    x0, y0, x1, y1 = area
    height = stack_height(lines)
    free = y1 - y0 - height
    top = y0 + {"center": free / 2, "bottom": max(0.0, free)}.get(valign, 0.0)
    # A rule's mark is centred, or (`rule_start`: its half-length in line heights) starts
    # at the area's left edge, for themes that set everything flush left.
    columns = _list_columns(lines, x0, x1, centred=list_column == "center")
    placed: list[Line] = []
    marks: list[Mark] = []
    y = top
    for number, flow in enumerate(lines):
        if number:
            y += flow.gap_before
        if flow.rule:
            x = (x0 + x1) / 2 if rule_start is None else x0 + flow.advance * rule_start
            marks.append(Mark("rule", x, y + flow.advance / 2, flow.advance))
            y += flow.advance
            continue
        line = flow.line
        baseline = y + (flow.advance - line.ascent - line.descent) / 2 + line.ascent
        rtl = flow.direction == "rtl"
        if flow.group >= 0:
            column_left, column_width = columns[flow.group]
            left = column_left + flow.indent
            if rtl:
                left = column_left + column_width - flow.indent - line.width
        elif flow.align == "center":
            # Centre the words; hung quote marks sit outside them, inside the area.
            visible = line.width - flow.hang_start - flow.hang_end
            left = x0 + (x1 - x0 - visible) / 2 - flow.hang_start
            left = min(max(left, x0), x1 - line.width)
        elif rtl:
            left = x1 - flow.indent - line.width
        else:
            left = x0 + flow.indent
        placed.append(_public_line(flow, left, baseline, top=y))
        y += flow.advance
    return placed, marks


def _list_columns(
    lines: Sequence[FlowLine], x0: float, x1: float, *, centred: bool = True
) -> dict[int, tuple[float, float]]:
    """Left edge and width of each list group: the widest item decides; the column is
    centred, or (not `centred`) starts at the area's start edge (right-to-left: its right)."""
    widths: dict[int, float] = {}
    rtl: dict[int, bool] = {}
    for flow in lines:
        if flow.group >= 0:
            widths[flow.group] = max(widths.get(flow.group, 0.0), flow.indent + flow.line.width)
            rtl[flow.group] = flow.direction == "rtl"
    if not centred:
        return {g: (x1 - w if rtl[g] else x0, w) for g, w in widths.items()}
    return {group: (x0 + max(0.0, (x1 - x0 - width) / 2), width) for group, width in widths.items()}


def _public_line(flow: FlowLine, left: float, baseline: float, *, top: float) -> Line:
    line = flow.line
    fragments = tuple(
        PlacedFragment(f.text, left + f.x, baseline, f.width, f.style, f.rtl)
        for f in line.fragments
    )
    marker = None
    start, end = left, left + line.width
    if flow.marker is not None:
        m = flow.marker
        # A right-to-left item hangs its marker at the right, mirrored.
        x = left + line.width - m.x - m.width if flow.direction == "rtl" else left + m.x
        marker = PlacedFragment(m.text, x, baseline, m.width, m.style)
        start, end = min(start, x), max(end, x + m.width)
    size = line.fragments[0].style.size if line.fragments else 0.0
    # Rounded outward to whole pixels, forgiving float noise (976.0000001 is 976).
    box = (
        math.floor(start + _EPSILON),
        math.floor(top + _EPSILON),
        math.ceil(end - _EPSILON),
        math.floor(top + flow.advance + _EPSILON),
    )
    return Line(
        text=line.text,
        box=box,
        font_size=size,
        role=PUBLIC_ROLES.get(flow.role, flow.role),
        baseline=baseline,
        fragments=fragments,
        marker=marker,
        block=flow.block,
        block_role=flow.role,
        space_after=line.space_after,
        hyphenated=line.hyphenated,
    )


def set_label(
    text: str,
    style: BlockStyle,
    size: float,
    measurer: Measurer,
    *,
    width: float,
    min_size: float,
) -> tuple[list[SetLine], float]:
    """Set a short label (series name, citation, markers): shrink it to fit `width`,
    down to `min_size`, then break it into balanced lines rather than lose any of it."""
    spans = (Span(text),)
    while True:
        items = inline_items(spans, style, size, measurer)
        one_line = set_line(items, measurer, fallback=RunStyle(measurer.face(style.family), size))
        if one_line.width <= width or size <= min_size:
            break
        size = max(min_size, size * 0.92)
    if one_line.width <= width:
        return [one_line], size
    items = split_oversized(items, width, measurer)
    ranges = line_ranges(items, break_balanced(items, width))
    fallback = RunStyle(measurer.face(style.family), size)
    return [set_line(items[a:b], measurer, fallback=fallback) for a, b in ranges], size


def label_lines(
    lines: Sequence[SetLine],
    *,
    role: str,
    center_x: float,
    top: float,
    line_height: float,
    align: str = "center",
) -> list[Line]:
    """Set label lines under each other, starting at `top`: centred on `center_x`, or with
    `align` "start" beginning at it, "end" ending at it."""
    placed = []
    for number, line in enumerate(lines):
        advance = max(line_height, line.ascent + line.descent)
        baseline = top + number * advance + (advance - line.ascent - line.descent) / 2 + line.ascent
        flow = FlowLine(line, role, -1, advance, 0.0, "center")
        top_of_line = top + number * advance
        shift = {"start": 0.0, "end": line.width}.get(align, line.width / 2)
        placed.append(_public_line(flow, center_x - shift, baseline, top=top_of_line))
    return placed


def label_height(lines: Sequence[SetLine], line_height: float) -> float:
    return sum(max(line_height, line.ascent + line.descent) for line in lines)
