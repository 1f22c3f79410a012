"""Typesetting promises a reader can check on the slides: gaps between blocks, the
legibility floor, last lines of paragraphs, and where a line may not break.

Stories are built in the test and planned with the default theme and its real fonts;
the assertions are on the public lines (text, font size, boxes).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cardimg
from cardimg.blocks import Span
from cardimg.layout.breaking import break_balanced, break_greedy, break_pretty, line_ranges
from cardimg.layout.dictionary import dictionary_breaks
from cardimg.layout.items import Box, Glue, RunStyle, inline_items
from cardimg.layout.linebreak import break_opportunities
from cardimg.plan import plan_story
from cardimg.story import Card, Source, Story
from cardimg.theme import BlockStyle
from tests.fakes import FixedMeasurer

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


# ----------------------------------------------------------------- last lines

WASHINGTON = (
    "The strikes hit five weapons storage sites, officials said on Friday in a "
    "statement to reporters at the Pentagon in Washington."
)


def last_lines_by_block(lines) -> list:
    last: dict[int, object] = {}
    count: dict[int, int] = {}
    for line in lines:
        last[line.block] = line
        count[line.block] = count.get(line.block, 0) + 1
    return [last[block] for block in last if count[block] > 1]


def units(text: str) -> int:
    """Words on a line: a long address or a Thai phrase is several (its break opportunities)."""
    return sum(
        len(break_opportunities(word)) + len(dictionary_breaks(word)) for word in text.split()
    )


def test_a_long_last_word_is_not_left_alone_on_the_last_line():
    lines = text_lines(plan(story_of(WASHINGTON)))
    assert len(lines) == 4  # the greedy line count is kept
    assert lines[-1].text == "in Washington."


def test_a_list_item_does_not_end_in_a_lone_word():
    body = (
        "* Le jury a décerné le prix du public à la réalisatrice tchèque Anežka Šťastná (Tchéquie)"
    )
    for width, height in SIZES:
        for last in last_lines_by_block(text_lines(plan(story_of(body, lang="fr"), width, height))):
            assert len(last.text.split()) >= 2, (width, last.text)


def test_cjk_last_line_is_not_one_or_two_characters():
    body = "東京都は来年度から公園の樹木を増やす計画を発表した。市民の意見も募集する予定です。"
    for width, height in SIZES:
        for last in last_lines_by_block(text_lines(plan(story_of(body, lang="ja"), width, height))):
            assert len(last.text) > 3, (width, last.text)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_no_sample_paragraph_or_list_item_ends_in_a_lone_word(path):
    story = cardimg.load_story(path)
    for width, height in SIZES:
        slides = plan(story, width, height)
        for slide in slides:
            lines = [line for line in slide.lines if not line.chrome]
            for last in last_lines_by_block(lines):
                if last.block_role not in ("paragraph", "list"):
                    continue
                block = [line.text for line in lines if line.block == last.block]
                if any(" " in text.strip() for text in block):
                    assert units(last.text) >= 2, (width, height, last.text)
                else:  # text without spaces (Chinese, Japanese, Thai)
                    assert len(last.text) > 3, (width, height, last.text)


# A property over made-up widths: one pixel a letter, a space one pixel wide.
STYLE = RunStyle("f", 10)


def word_items(word_list: list[str]) -> list:
    items: list = []
    for n, word in enumerate(word_list):
        if n:
            items.append(Glue(" ", 1.0, STYLE))
        items.append(Box(word, float(len(word)), STYLE))
    return items


def min_lines(word_list: list[str], width: int) -> int:
    return len(break_greedy(word_items(word_list), width))


def two_words_can_end(word_list: list[str], width: int, count: int) -> bool:
    """Whether some setting in `count` lines ends with two or more words on the last line."""
    for split in range(1, len(word_list) - 1):
        tail = word_list[split:]
        if (
            len(" ".join(tail)) <= width
            and min_lines(word_list[:split], width) <= count - 1 <= split
        ):
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=9), min_size=2, max_size=14),
    st.integers(min_value=9, max_value=30),
)
def test_total_fit_never_leaves_one_word_on_the_last_line_when_it_can_avoid_it(word_list, width):
    items = word_items(word_list)
    count = len(break_greedy(items, width))
    for breaker in (break_pretty, break_balanced):
        ranges = line_ranges(items, breaker(items, width))
        assert len(ranges) == count
        last_words = sum(isinstance(item, Box) for item in items[slice(*ranges[-1])])
        if count > 1 and two_words_can_end(word_list, width, count):
            assert last_words >= 2, (breaker.__name__, word_list, width)


def test_text_without_spaces_does_not_end_in_two_characters():
    # Fake widths: one pixel a character. Greedy sets 5 + 5 + 2; total fit evens to 4 + 4 + 4.
    items = inline_items((Span("あいうえおかきくけこさし"),), BlockStyle(), 10, FixedMeasurer(0.1))
    for breaker in (break_pretty, break_balanced):
        ranges = line_ranges(items, breaker(items, 5))
        last = "".join(item.text for item in items[slice(*ranges[-1])] if isinstance(item, Box))
        assert len(ranges) == 3 and len(last) > 3, (breaker.__name__, last)


# ----------------------------------------------------------------- abbreviations and units

HOURS = "open 9 a.m.–5 p.m. daily, 10 % off, see No. 7 and p. 12 of J. R. R. Tolkien’s book"
# A line may not end with any of these words of HOURS: each belongs to the word after it.
GLUED_TO_NEXT = {"9", "5", "10", "No.", "p.", "J.", "R."}


@pytest.mark.parametrize("lead", range(0, 24, 1))
def test_times_units_and_numbering_abbreviations_stay_with_their_numbers(lead):
    body = " ".join(f"w{n}" for n in range(lead)) + " " + HOURS
    lines = text_lines(plan(story_of(body)))
    # A range may break after its dash ("9 a.m.–" / "5 p.m."), never inside "5 p.m.".
    assert "".join("".join(line.text.split()) for line in lines) == "".join(body.split())
    for line in lines[:-1]:
        assert line.text.split()[-1] not in GLUED_TO_NEXT, [line.text for line in lines]


@pytest.mark.parametrize(
    ("text", "together"),
    [
        ("from 9 a.m. to 5 p.m.", ["9 a.m. ", "5 p.m."]),
        ("a las 5 p. m. en punto", ["5 p. m. "]),
        ("it was 5 PM.", ["5 PM."]),
        ("10 % des voix", ["10 % "]),
        ("a 5 km walk at 20 °C", ["5 km ", "20 °C"]),
        ("see No. 5 and p. 12", ["No. 5 ", "p. 12"]),
        ("by J. R. R. Tolkien", ["J. R. R. Tolkien"]),
    ],
)
def test_break_opportunities_keep_abbreviations_with_their_words(text, together):
    units = break_opportunities(text)
    assert "".join(units) == text
    for piece in together:
        assert piece in units, units


def test_ordinary_words_after_numbers_still_break():
    assert break_opportunities("In 1990 a man in 5 in") == (
        "In ",
        "1990 ",
        "a ",
        "man ",
        "in ",
        "5 ",
        "in",
    )


def test_a_paragraph_too_long_for_total_fit_still_gets_a_second_word_on_its_last_line():
    # 3,001 words at three a line: past the total-fit budget, set greedily, one word left over.
    items = word_items(["aa"] * 3001)
    greedy = line_ranges(items, break_greedy(items, 8))
    assert sum(isinstance(item, Box) for item in items[slice(*greedy[-1])]) == 1
    pretty = line_ranges(items, break_pretty(items, 8))
    assert len(pretty) == len(greedy)
    assert sum(isinstance(item, Box) for item in items[slice(*pretty[-1])]) == 2
