"""Stacking, fitting and paginating a card's blocks, on fake widths."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cardimg.blocks import Block, Span, parse_blocks
from cardimg.layout.flow import fit, layout_blocks, paginate, stack_height
from cardimg.theme import load_theme
from tests.fakes import FixedMeasurer

THEME = load_theme()
MEASURE = FixedMeasurer()


def paragraph(words: int, role: str = "paragraph") -> Block:
    return Block(role, (Span(" ".join(f"w{n:03d}" for n in range(words))),))


def drawn_words(pages) -> list[str]:
    return [word for page in pages for line in page for word in line.line.text.split()]


def test_short_card_fits_at_the_preferred_size():
    result = fit([paragraph(10)], theme=THEME, measurer=MEASURE, width=800, height=1000)
    assert result.body_size == THEME.type.body_size
    assert len(result.pages) == 1


def test_fit_shrinks_to_the_largest_size_that_fits():
    blocks = [paragraph(120)]
    result = fit(blocks, theme=THEME, measurer=MEASURE, width=800, height=900)
    size = result.body_size
    assert THEME.type.min_body_size <= size < THEME.type.body_size
    assert stack_height(result.pages[0]) <= 900
    bigger = layout_blocks(blocks, theme=THEME, body_size=size + 1, width=800, measurer=MEASURE)
    assert stack_height(bigger) > 900


def test_below_the_floor_the_card_continues_without_losing_words():
    blocks = [paragraph(400)]
    result = fit(blocks, theme=THEME, measurer=MEASURE, width=800, height=900)
    # As few pages as the floor allows, at the largest size that keeps that many.
    floor = layout_blocks(
        blocks, theme=THEME, body_size=THEME.type.min_body_size, width=800, measurer=MEASURE
    )
    assert len(result.pages) == len(paginate(floor, 900)) >= 2
    assert THEME.type.min_body_size <= result.body_size <= THEME.type.body_size
    assert all(stack_height(page) <= 900 for page in result.pages)
    assert drawn_words(result.pages) == blocks[0].text.split()


def test_every_line_fits_the_width():
    blocks = parse_blocks("## A heading\n\nSome text " * 20 + "\n\n* item one\n* item two")
    flow = layout_blocks(blocks, theme=THEME, body_size=40, width=600, measurer=MEASURE)
    assert all(line.indent + line.line.width <= 600 + 1e-6 for line in flow)


def test_heading_never_ends_a_page_with_more_to_come():
    blocks = [paragraph(60), Block("h2", (Span("Next section"),)), paragraph(60)]
    flow = layout_blocks(blocks, theme=THEME, body_size=30, width=600, measurer=MEASURE)
    for height in range(200, 1400, 37):
        pages = paginate(flow, height)
        for page in pages[:-1]:
            assert page[-1].role != "h2"
        assert [line for page in pages for line in page] == flow


def test_paragraph_does_not_leave_a_single_line_behind():
    blocks = [paragraph(30), paragraph(30)]
    flow = layout_blocks(blocks, theme=THEME, body_size=30, width=500, measurer=MEASURE)
    first_block_lines = sum(1 for line in flow if line.block == 0)
    # A page that would end after the first line of the second paragraph.
    height = stack_height(flow[: first_block_lines + 1])
    pages = paginate(flow, height)
    assert pages[0][-1].block == 0


def test_list_items_hang_their_markers():
    blocks = parse_blocks("* one two three four five six seven\n* eight\n  * nested")
    flow = layout_blocks(blocks, theme=THEME, body_size=40, width=400, measurer=MEASURE)
    markers = [line.marker for line in flow if line.marker is not None]
    assert [m.text for m in markers] == ["•", "•", "◦"]
    assert all(m.x < 0 for m in markers)  # in the indent, left of the text
    nested = next(line for line in flow if line.line.text == "nested")
    top = next(line for line in flow if line.line.text == "eight")
    assert nested.indent > top.indent


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=150), min_size=1, max_size=6),
    st.integers(min_value=300, max_value=1200),
    st.integers(min_value=400, max_value=1600),
)
def test_fit_never_loses_words_or_overflows(block_sizes, width, height):
    blocks = [paragraph(n) for n in block_sizes]
    result = fit(blocks, theme=THEME, measurer=MEASURE, width=width, height=height)
    assert drawn_words(result.pages) == [w for b in blocks for w in b.text.split()]
    for page in result.pages:
        assert all(line.line.width <= width + 1e-6 for line in page)
        if len(page) > 1:
            assert stack_height(page) <= height + 1e-6


def test_pull_quote_marks_hang_outside_the_centred_words():
    from cardimg.layout.page import place_lines

    # A first line of a quote has its opening mark only: the words, not the line, are centred.
    quote = Block("quote", (Span("“Words of the quote"),))
    flow = layout_blocks([quote], theme=THEME, body_size=40, width=900, measurer=MEASURE)
    (line,) = flow
    assert line.hang_start > 0 and line.hang_end == 0
    (placed,), _ = place_lines(flow, (0, 0, 1000, 500))
    words_left = placed.fragments[0].x + line.hang_start
    words_right = placed.fragments[0].x + line.line.width
    assert abs((words_left + words_right) / 2 - 500) < 1e-6
    both = layout_blocks(
        [Block("quote", (Span("“Words”"),))], theme=THEME, body_size=40, width=900, measurer=MEASURE
    )
    assert both[0].hang_start > 0 and both[0].hang_end > 0
    plain = layout_blocks(
        [Block("paragraph", quote.spans)], theme=THEME, body_size=40, width=900, measurer=MEASURE
    )
    assert plain[0].hang_start == plain[0].hang_end == 0  # only pull quotes hang


def test_numbered_list_markers_use_tabular_figures():
    blocks = parse_blocks("1. one\n2. two\n\n* bullet")
    flow = layout_blocks(blocks, theme=THEME, body_size=40, width=600, measurer=MEASURE)
    markers = [line.marker for line in flow if line.marker is not None]
    assert [m.style.features for m in markers] == [("tnum",), ("tnum",), ()]


def test_a_line_measured_wider_than_its_parts_is_broken_again():
    class Kerned(FixedMeasurer):
        """Whole strings come out 3% wider than the sum of their words."""

        def width(self, font, size, text, features=()):
            base = super().width(font, size, text, features)
            return base * 1.03 if " " in text.strip() else base

    measurer = Kerned()
    block = paragraph(60)
    for width in range(300, 900, 37):
        flow = layout_blocks([block], theme=THEME, body_size=30, width=width, measurer=measurer)
        assert all(line.line.width <= width for line in flow)
        assert [w for line in flow for w in line.line.text.split()] == block.text.split()
