"""Optional hyphenation: long words break at their hyphenation points, never in headings."""

from __future__ import annotations

from dataclasses import replace

from cardimg.blocks import Block, Span
from cardimg.layout.flow import layout_blocks
from cardimg.theme import load_theme
from tests.fakes import FixedMeasurer

THEME = load_theme()
HYPHENATING = replace(THEME, type=replace(THEME.type, hyphenate=True))
TEXT = "servicemembers extraordinarily international communications representatives " * 3


def lines(theme, role="paragraph", width=420):
    block = Block(role, (Span(TEXT.strip()),))
    return layout_blocks([block], theme=theme, body_size=30, width=width, measurer=FixedMeasurer())


def test_off_by_default_words_stay_whole():
    set_lines = lines(THEME)
    assert not any(line.line.hyphenated for line in set_lines)
    assert all(word in TEXT.split() for line in set_lines for word in line.line.text.split())


def test_on_long_words_break_with_a_drawn_hyphen_and_text_is_kept():
    set_lines = lines(HYPHENATING)
    hyphenated = [line for line in set_lines if line.line.hyphenated]
    assert hyphenated
    for line in hyphenated:
        assert line.line.fragments[-1].text.endswith("-")  # drawn
        assert not line.line.text.endswith("-")  # not part of the text
        assert line.line.width <= 420
    joined = ""
    for line in set_lines:
        joined += line.line.text + ("" if line.line.hyphenated else " ")
    assert joined.split() == TEXT.split()


def test_headings_are_never_hyphenated():
    assert not any(line.line.hyphenated for line in lines(HYPHENATING, role="h2", width=700))
