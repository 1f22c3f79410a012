"""Pagination as a reader sees it: how a card's text is shared between its slides.

Stories are built in the test and planned with the default theme and its fonts;
assertions are on the public lines (text, font size, boxes) and the slide count.
"""

from __future__ import annotations

import re

import pytest

import cardimg
from cardimg.plan import plan_story
from cardimg.story import Card, Story

THEME = cardimg.default_theme()
FONTS = cardimg.theme_fonts(THEME)


def story_of(*bodies: str, citation: str | None = None) -> Story:
    cards = tuple(Card(n, f"k{n}", body, citation) for n, body in enumerate(bodies))
    return Story("story", "Story", None, "--default", None, (), cards)


def plan(story: Story, width: int = 1080, height: int = 1350):
    return plan_story(story, theme=THEME, measurer=FONTS, width=width, height=height)


def body_lines(slide):
    return [line for line in slide.lines if not line.chrome]


def words(text: str) -> list[str]:
    return text.split()


def test_too_many_slides_names_the_card_that_takes_the_story_over():
    body = " ".join(f"w{n}" for n in range(20_000))
    story = story_of("A short card.", "Another.", "A third.", body)
    with pytest.raises(cardimg.StoryError) as caught:
        cardimg.render(story)
    message = str(caught.value)
    assert re.match(
        r"^story: cards\[3\] \(key k3\): \d+ slides, bringing the story to \d+, ", message
    )
    assert "over the limit of 100" in message
