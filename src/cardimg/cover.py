"""Plan a story's cover: the one image a link preview shows (Open Graph, X cards).

A cover holds the story's title, set large and balanced, shrunk until it fits the
safe area, with the series label on the frame and the featured image behind it.
"""

from __future__ import annotations

from .blocks import Block, Span
from .layout.flow import fit
from .layout.measure import Measurer
from .layout.page import Geometry, place_lines
from .plan import SlidePlan, series_lines
from .scripts import guess_lang
from .story import Story
from .theme import Theme

__all__ = ["COVER_ROLE", "plan_cover"]

COVER_ROLE = "cover-title"


def cover_title(story: Story) -> str:
    """The words a cover shows: the title, else the first card's first line, else the slug."""
    if story.title and story.title.strip():
        return " ".join(story.title.split())
    for card in story.cards:
        for line in card.body.splitlines():
            words = " ".join(line.lstrip("#>*-+ ").split())
            if words:
                return words
    return story.slug


def plan_cover(story: Story, *, theme: Theme, measurer: Measurer, geometry: Geometry) -> SlidePlan:
    """The cover's single slide. The title is fitted like a card's body (largest size
    that fits, by binary search); what is too long for one cover at the floor continues
    nowhere, so the fitter's pages are joined and the caller warns (see `render`)."""
    lang = story.lang or guess_lang(cover_title(story))
    blocks = (Block(COVER_ROLE, (Span(cover_title(story)),)),)
    x0, y0, x1, y1 = geometry.safe_box
    result = fit(
        blocks,
        theme=theme,
        measurer=measurer,
        width=x1 - x0,
        height=y1 - y0,
        scale=geometry.unit,
        lang=lang,
    )
    lines, marks = place_lines(result.pages[0], (x0, y0, x1, y1), valign="center")
    series = series_lines(story.series, theme, measurer, geometry)
    return SlidePlan(
        kind="cover",
        card_key=None,
        geometry=geometry,
        lines=(*series, *lines),
        marks=tuple(marks),
        body_size=result.body_size,
        featured_image=True,
        parts=len(result.pages),
    )
