"""Set one broken line: merge its items into measured fragments of one style each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .items import Box, Glue, Item, RunStyle, styled_width
from .measure import Measurer

__all__ = ["Fragment", "SetLine", "set_line"]


@dataclass(frozen=True, slots=True)
class Fragment:
    """Text in one style, `x` pixels from the start of its line."""

    text: str
    x: float
    width: float
    style: RunStyle


@dataclass(frozen=True, slots=True)
class SetLine:
    """A line of text with its width and vertical metrics, not yet placed on a slide."""

    fragments: tuple[Fragment, ...]
    width: float
    ascent: float
    descent: float
    space_after: bool = False  # the line was broken at a space (joins with " " in plain text)

    @property
    def text(self) -> str:
        return "".join(fragment.text for fragment in self.fragments)


def set_line(
    items: Sequence[Item], measurer: Measurer, *, fallback: RunStyle, space_after: bool = False
) -> SetLine:
    """Merge consecutive items of one style and measure each merged fragment whole.

    Measuring the whole fragment (not the sum of words) keeps the kerning across
    spaces that the painter will draw, so the line box is the drawn width.
    """
    pieces: list[tuple[str, RunStyle]] = []
    for item in items:
        if not isinstance(item, (Box, Glue)):
            continue
        if pieces and pieces[-1][1] == item.style:
            pieces[-1] = (pieces[-1][0] + item.text, item.style)
        else:
            pieces.append((item.text, item.style))
    fragments, x = [], 0.0
    for text, style in pieces:
        width = styled_width(measurer, style, text)
        fragments.append(Fragment(text, x, width, style))
        x += width
    styles = [style for _, style in pieces] or [fallback]
    metrics = [measurer.metrics(style.font, style.size) for style in styles]
    return SetLine(
        tuple(fragments),
        x,
        max(ascent for ascent, _ in metrics),
        max(descent for _, descent in metrics),
        space_after,
    )
