"""Set one broken line: merge its items into measured fragments of one style each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..bidi import visual_order
from .items import Box, Glue, Item, RunStyle, styled_width
from .measure import Measurer

__all__ = ["Fragment", "SetLine", "set_line"]


@dataclass(frozen=True, slots=True)
class Fragment:
    """Text in one style and one direction, `x` pixels from the left end of its line."""

    text: str
    x: float
    width: float
    style: RunStyle
    level: int = 0  # bidi level: odd levels are drawn right-to-left

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1


@dataclass(frozen=True, slots=True)
class SetLine:
    """A line of text with its width and vertical metrics, not yet placed on a slide."""

    fragments: tuple[Fragment, ...]
    text: str  # in reading (logical) order
    width: float
    ascent: float
    descent: float
    space_after: bool = False  # the line was broken at a space (joins with " " in plain text)
    direction: str = "ltr"
    hyphenated: bool = False  # ends in a hyphen the breaker added (not in the text)


def set_line(
    items: Sequence[Item],
    measurer: Measurer,
    *,
    fallback: RunStyle,
    space_after: bool = False,
    direction: str = "ltr",
    hyphenated: bool = False,
) -> SetLine:
    """Merge consecutive items of one style and level, measure each merged fragment
    whole, and put the fragments in display order (bidi rule L2).

    Measuring the whole fragment (not the sum of words) keeps the kerning across
    spaces that the painter will draw, so the line box is the drawn width.
    `fragments` are in display order, left to right; `text` stays in reading order.
    """
    pieces: list[tuple[str, RunStyle, int]] = []
    for item in items:
        if not isinstance(item, (Box, Glue)):
            continue
        if pieces and pieces[-1][1] == item.style and pieces[-1][2] == item.level:
            pieces[-1] = (pieces[-1][0] + item.text, item.style, item.level)
        else:
            pieces.append((item.text, item.style, item.level))
    logical = [
        Fragment(text, 0.0, styled_width(measurer, style, text), style, level)
        for text, style, level in pieces
    ]
    if direction == "rtl" or any(fragment.level for fragment in logical):
        display = visual_order(logical, [fragment.level for fragment in logical])
    else:
        display = logical
    fragments, x = [], 0.0
    for fragment in display:
        fragments.append(Fragment(fragment.text, x, fragment.width, fragment.style, fragment.level))
        x += fragment.width
    reading = "".join(fragment.text for fragment in logical)
    if hyphenated:
        reading = reading[:-1]  # the added hyphen is drawn, but is no part of the text
    # The block's own face sets the line's metrics, as CSS does with a fixed line
    # height: a fallback font with tall metrics (Arabic) must not spread the lines.
    ascent, descent = measurer.metrics(fallback.font, fallback.size)
    return SetLine(
        tuple(fragments),
        reading,
        x,
        ascent,
        descent,
        space_after,
        direction,
        hyphenated,
    )
