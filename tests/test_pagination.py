"""Pagination as a reader sees it: how a card's text is shared between its slides.

Stories are built in the test and planned with the default theme and its fonts;
assertions are on the public lines (text, font size, boxes) and the slide count.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cardimg
from cardimg.blocks import Block, Span
from cardimg.layout.flow import fit, layout_blocks, paginate, stack_height
from cardimg.plan import plan_story
from cardimg.story import Card, Story
from tests.fakes import FixedMeasurer

THEME = cardimg.default_theme()
FONTS = cardimg.theme_fonts(THEME)
SAMPLES = Path(__file__).resolve().parents[1] / "samples"


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
    body = "Words of a card far too long for one story. " * 3_000
    story = story_of("A short card.", "Another.", "A third.", body)
    with pytest.raises(cardimg.StoryError) as caught:
        cardimg.render(story, width=1080, height=1080)
    message = str(caught.value)
    assert re.match(
        r"^story: cards\[3\] \(key k3\): \d+ slides, bringing the story to \d+, ", message
    )
    assert "over the limit of 100" in message


FLOOR = THEME.type.min_body_size


def at_the_floor():
    """The default theme with its preferred size pinned to the floor: the fewest slides."""
    return replace(THEME, type=replace(THEME.type, body_size=FLOOR))


def card_slides(slides, key: str):
    return [slide for slide in slides if slide.card_key == key]


def text_height(slide) -> int:
    lines = body_lines(slide)
    return lines[-1].box[3] - lines[0].box[1]


def assert_words_in_order(slides, body: str) -> None:
    drawn = [word for slide in slides for line in body_lines(slide) for word in line.text.split()]
    assert drawn == words(body)


# ----------------------------------------------------------------- long headings


def test_a_heading_longer_than_a_slide_shrinks_and_continues_like_text():
    heading = " ".join(f"word{n}" for n in range(150))
    story = story_of(f"# {heading}\n\nThe text under it.")
    slides = plan(story)
    assert len(slides) <= 3
    for slide in slides:
        assert len(body_lines(slide)) > 1
    assert_words_in_order(slides, f"{heading} The text under it.")
    # Only the heading's last line must stay with what follows it.
    last_heading_line = [line for s in slides for line in body_lines(s) if line.block == 0][-1]
    slide_of_last = next(s for s in slides if last_heading_line in s.lines)
    assert body_lines(slide_of_last)[-1] != last_heading_line


def test_a_heading_line_ends_a_slide_only_when_the_heading_continues():
    paragraph = " ".join(f"text{n}" for n in range(200))
    body = f"{paragraph}\n\n## A heading between two long paragraphs\n\n{paragraph}"
    for height in (1080, 1350, 1920):
        slides = plan(story_of(body), height=height)
        for slide in slides[:-1]:
            last = body_lines(slide)[-1]
            if last.role == "heading":
                following = slides[slides.index(slide) + 1]
                assert body_lines(following)[0].role == "heading"


# ----------------------------------------------------------------- continued cards


def test_a_continued_card_keeps_the_larger_size_for_the_same_number_of_slides():
    story = cardimg.load_story(SAMPLES / "20240102-long-card.md")
    key = story.cards[1].key
    slides = card_slides(plan(story), key)
    fewest = card_slides(
        plan_story(story, theme=at_the_floor(), measurer=FONTS, width=1080, height=1350), key
    )
    assert len(slides) == len(fewest) > 1
    assert all(slide.body_size > FLOOR for slide in slides)
    assert {
        line.font_size for s in slides for line in body_lines(s) if line.role == "paragraph"
    } == {slides[0].body_size}


@pytest.mark.parametrize("count", [260, 420, 700, 1100, 1600])
def test_a_continued_card_shares_its_text_evenly_between_its_slides(count):
    paragraphs = [" ".join(f"w{n}x{m}" for m in range(40)) for n in range(count // 40)]
    body = "\n\n".join(paragraphs)
    story = story_of(body)
    slides = plan(story)
    fewest = plan_story(story, theme=at_the_floor(), measurer=FONTS, width=1080, height=1350)
    assert len(slides) == len(fewest)
    assert_words_in_order(slides, body)
    if len(slides) > 1:
        heights = [text_height(slide) for slide in slides]
        assert min(heights) >= 0.7 * max(heights), heights


# ----------------------------------------------------------------- the same, on fake widths


def fake_paragraph(words: int) -> Block:
    return Block("paragraph", (Span(" ".join(f"w{n:03d}" for n in range(words))),))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=220), min_size=1, max_size=6),
    st.integers(min_value=300, max_value=1200),
    st.integers(min_value=300, max_value=1400),
)
def test_a_continued_card_takes_the_fewest_pages_at_the_largest_size(sizes, width, height):
    measurer = FixedMeasurer()
    blocks = [fake_paragraph(n) for n in sizes]

    def pages_at(size: float, final: bool = False) -> int:
        flow = layout_blocks(
            blocks, theme=THEME, body_size=size, width=width, measurer=measurer, final=final
        )
        return len(paginate(flow, height))

    result = fit(blocks, theme=THEME, measurer=measurer, width=width, height=height)
    fewest = pages_at(FLOOR)
    if fewest == 1:
        return
    assert len(result.pages) == fewest
    if result.body_size < THEME.type.body_size:
        bigger = result.body_size + 1
        assert pages_at(bigger) > fewest or pages_at(bigger, final=True) > fewest
    drawn = [w for page in result.pages for line in page for w in line.line.text.split()]
    assert drawn == [w for block in blocks for w in block.text.split()]
    assert all(stack_height(page) <= height + 1e-6 for page in result.pages if len(page) > 1)
