"""Japanese headings break between phrases (BudouX), never inside a word; body text,
Chinese and a theme that says `phrases = false` keep a break between any two characters."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from cardimg.blocks import Block, Span
from cardimg.layout.breaking import break_balanced, break_greedy, line_ranges
from cardimg.layout.flow import layout_blocks
from cardimg.layout.items import Penalty, inline_items
from cardimg.layout.phrases import phrase_starts, wants_phrases
from cardimg.theme import BlockStyle, default_theme
from tests.fakes import FixedMeasurer

MEASURE = FixedMeasurer(advance=0.1)  # 1 px per character at size 10
HEADLINE = "札幌市、AIで除雪ルートを最適化"
# BudouX's phrases of it: 札幌市、| AIで | 除雪ルートを | 最適化


def texts(items, breaks) -> list[str]:
    return [
        "".join(item.text for item in items[a:b] if not isinstance(item, Penalty))
        for a, b in line_ranges(items, breaks)
    ]


def test_a_japanese_heading_breaks_between_phrases():
    items = inline_items((Span(HEADLINE),), BlockStyle(), 10, MEASURE, lang="ja", phrases=True)
    # 17 characters: the balanced break that keeps phrases whole is after "AIで".
    assert texts(items, break_balanced(items, 12)) == ["札幌市、AIで", "除雪ルートを最適化"]


def test_without_phrases_the_same_heading_splits_a_word():
    items = inline_items((Span(HEADLINE),), BlockStyle(), 10, MEASURE, lang="ja")
    lines = texts(items, break_balanced(items, 12))
    assert "".join(lines) == HEADLINE
    assert lines != ["札幌市、AIで", "除雪ルートを最適化"]


def test_phrases_only_apply_to_japanese():
    assert wants_phrases("ja") and wants_phrases("ja-JP") and wants_phrases("ja_JP")
    assert not wants_phrases("zh") and not wants_phrases("zh-cn") and not wants_phrases(None)
    chinese = "广州新增五十个自助图书站"
    plain = inline_items((Span(chinese),), BlockStyle(), 10, MEASURE, lang="zh")
    asked = inline_items((Span(chinese),), BlockStyle(), 10, MEASURE, lang="zh", phrases=True)
    assert asked == plain


def test_headings_keep_phrases_paragraphs_do_not_and_the_theme_decides():
    theme = default_theme()
    blocks = [Block("h1", (Span(HEADLINE),)), Block("paragraph", (Span(HEADLINE),))]

    def lines(theme) -> list[list[str]]:
        flow = layout_blocks(
            blocks, theme=theme, body_size=10, width=20, measurer=MEASURE, lang="ja"
        )
        out: list[list[str]] = [[], []]
        for line in flow:
            out[line.block].append(line.line.text)
        return out

    heading, paragraph = lines(theme)
    assert heading == ["札幌市、AIで", "除雪ルートを最適化"]
    assert "".join(paragraph) == HEADLINE
    no_phrases = replace(theme.style("h1"), phrases=False)
    heading_off, _ = lines(replace(theme, styles={**theme.styles, "h1": no_phrases}))
    assert heading_off == ["札幌市、AIで除", "雪ルートを最適化"]  # 除雪 split: the old way


def boundaries(items) -> set[int]:
    """Text offsets where the items allow a break."""
    position, found = 0, set()
    for item in items:
        if isinstance(item, Penalty):
            found.add(position)
        else:
            position += len(item.text)
    return found


def drawn(items) -> str:
    return "".join(item.text for item in items if not isinstance(item, Penalty))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["除雪", "ルート", "を", "最適化", "、", "。", "札幌市", "AI", "で", "　", " ",
             "「", "」", "大雪の", "朝", "は", "？", "2024年"]
        ),
        min_size=1,
        max_size=20,
    ).map("".join),
    st.integers(min_value=2, max_value=30),
)  # fmt: skip
def test_phrases_never_lose_text_nor_add_a_break(text, width):
    plain = inline_items((Span(text),), BlockStyle(), 10, MEASURE, lang="ja")
    phrased = inline_items((Span(text),), BlockStyle(), 10, MEASURE, lang="ja", phrases=True)
    assert drawn(phrased) == drawn(plain) == text
    assert boundaries(phrased) <= boundaries(plain)
    starts = phrase_starts(text)
    assert all(cut in starts or text[cut - 1].isspace() for cut in boundaries(phrased))
    lines = texts(phrased, break_greedy(phrased, width))
    assert "".join("".join(lines).split()) == "".join(text.split())
