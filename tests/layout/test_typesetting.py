"""Typesetting promises a reader can check on the slides: gaps between blocks, the
legibility floor, last lines of paragraphs, and where a line may not break.

Stories are built in the test and planned with the default theme and its real fonts;
the assertions are on the public lines (text, font size, boxes).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cardimg
from cardimg.plan import plan_story
from cardimg.story import Card, Source, Story

THEME = cardimg.default_theme()
FONTS = cardimg.theme_fonts(THEME)
SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.md"))
SIZES = [(1080, 1350), (1080, 1080), (1080, 1920), (720, 900)]


def story_of(*bodies: str, sources: tuple[Source, ...] = (), lang: str | None = None) -> Story:
    cards = tuple(Card(n, f"k{n}", body) for n, body in enumerate(bodies))
    return Story("story", "Story", None, "--default", None, sources, cards, lang=lang)


def plan(story: Story, width: int = 1080, height: int = 1350):
    return plan_story(story, theme=THEME, measurer=FONTS, width=width, height=height)


def text_lines(slides) -> list:
    return [line for slide in slides for line in slide.lines if not line.chrome]


def floor_at(width: int) -> float:
    return round(THEME.type.min_body_size * width / 1080)


# ----------------------------------------------------------------- gaps between blocks


def gap_between(lines, first: str, second: str) -> int:
    upper = next(line for line in lines if line.text == first)
    lower = next(line for line in lines if line.text == second)
    return lower.box[1] - upper.box[3]


def test_a_paragraph_after_a_list_gets_the_paragraph_gap_not_the_item_gap():
    body = "Before the list.\n\n* One item\n* Two item\n\nAfter the list."
    lines = text_lines(plan(story_of(body)))
    paragraph_gap = gap_between(lines, "Before the list.", "One item")
    item_gap = gap_between(lines, "One item", "Two item")
    assert item_gap < paragraph_gap
    assert gap_between(lines, "Two item", "After the list.") == paragraph_gap


def test_a_heading_or_code_after_a_list_is_set_off_by_the_paragraph_gap():
    body = "Intro text.\n\n* One item\n* Two item\n\n### Next part\n\n* Three\n\n```\nx = 1\n```"
    lines = text_lines(plan(story_of(body)))
    paragraph_gap = gap_between(lines, "Intro text.", "One item")
    assert gap_between(lines, "Two item", "Next part") >= paragraph_gap
    assert gap_between(lines, "Three", "x = 1") >= paragraph_gap


# ----------------------------------------------------------------- legibility floor


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_no_text_of_any_sample_is_set_below_the_legibility_floor(path):
    story = cardimg.load_story(path)
    for width, height in SIZES:
        for line in text_lines(plan(story, width, height)):
            assert line.font_size >= floor_at(width), (width, height, line.block_role, line.text)


def test_source_addresses_code_and_attributions_keep_the_floor_on_a_crowded_card():
    crowded = " ".join(["A sentence that fills the card."] * 120)
    body = f"{crowded}\n\n> A quote.\n\nThe attribution.\n\n```\nsome = code()\n```"
    sources = (Source("A title", "https://example.org/a/rather/long/address/to/read"),)
    lines = text_lines(plan(story_of(body, sources=sources)))
    roles = {line.block_role for line in lines}
    assert {"attribution", "code", "source-url", "source-title"} <= roles
    assert min(line.font_size for line in lines) >= floor_at(1080)
