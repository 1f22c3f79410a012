"""Plan a story's cover: the one image a link preview shows (Open Graph, X cards).

A cover holds the story's title, set large and balanced, shrunk until it fits the
safe area, with the series label on the frame and the featured image behind it.
"""

from __future__ import annotations

from .blocks import Block, Span
from .findings import Finding
from .layout.flow import FitResult, fit
from .layout.measure import Measurer
from .layout.page import Geometry, place_lines
from .plan import SlidePlan, series_lines
from .scripts import guess_lang
from .story import Story, story_name
from .theme import Theme

__all__ = ["COVER_ROLE", "cover_title", "plan_cover", "shortened_words"]

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


def plan_cover(
    story: Story, *, theme: Theme, measurer: Measurer, geometry: Geometry, notes: list[Finding]
) -> SlidePlan:
    """The cover's single slide. The title gets the largest size that fits; a title too
    long for one cover even at the legibility floor is shortened at a word, with an
    ellipsis, and a `title-shortened` finding says so (the manifest's alt text keeps it
    whole)."""
    title = cover_title(story)
    lang = story.lang or guess_lang(title)
    words = title.split()
    result = _fit_title(title, theme, measurer, geometry, lang)
    if len(result.pages) > 1:
        # The longest run of whole words that fits, found by halving: pages only
        # grow with words, so the search is sound.
        low, high = 1, len(words) - 1
        while low < high:
            middle = (low + high + 1) // 2
            fits = len(
                _fit_title(shortened_words(words, middle), theme, measurer, geometry, lang).pages
            )
            low, high = (middle, high) if fits == 1 else (low, middle - 1)
        result = _fit_title(shortened_words(words, low), theme, measurer, geometry, lang)
        notes.append(
            Finding(
                code="title-shortened",
                file=story_name(story),
                field="title",
                message=f"too long for a {geometry.width}×{geometry.height} cover; "
                f"shown as its first {low} of {len(words)} words",
                figure=float(low),
            )
        )
    x0, y0, x1, y1 = geometry.safe_box
    lines, marks = place_lines(result.pages[0], (x0, y0, x1, y1), valign="center")
    return SlidePlan(
        kind="cover",
        card_key=None,
        geometry=geometry,
        lines=(*series_lines(story.series, theme, measurer, geometry), *lines),
        marks=tuple(marks),
        body_size=result.body_size,
        featured_image=True,
    )


def shortened_words(words: list[str], count: int) -> str:
    """The first `count` words, and an ellipsis in place of the rest."""
    return " ".join(words[:count]).rstrip(",;:—–-") + "…"


def _fit_title(
    title: str, theme: Theme, measurer: Measurer, geometry: Geometry, lang: str | None
) -> FitResult:
    x0, y0, x1, y1 = geometry.safe_box
    return fit(
        (Block(COVER_ROLE, (Span(title),)),),
        theme=theme,
        measurer=measurer,
        width=x1 - x0,
        height=y1 - y0,
        scale=geometry.unit,
        lang=lang,
    )
