"""Line breaking over fake widths: greedy, total fit (pretty) and balanced."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardimg.blocks import Span
from cardimg.layout.breaking import break_balanced, break_greedy, break_pretty, line_ranges
from cardimg.layout.dictionary import icu_available
from cardimg.layout.items import Box, Glue, Penalty, RunStyle, inline_items, split_oversized
from cardimg.theme import BlockStyle
from tests.fakes import FixedMeasurer

STYLE = RunStyle("f", 10)
MEASURE = FixedMeasurer(advance=0.1)  # 1 px per character at size 10


def words(text: str) -> list:
    items: list = []
    for n, word in enumerate(text.split()):
        if n:
            items.append(Glue(" ", 1.0, STYLE))
        items.append(Box(word, float(len(word)), STYLE))
    return items


def texts(items, breaks) -> list[str]:
    return [
        "".join(item.text for item in items[a:b] if not isinstance(item, Penalty))
        for a, b in line_ranges(items, breaks)
    ]


BREAKERS = [break_greedy, break_pretty, break_balanced]


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("aa bb cc", 5, ["aa bb", "cc"]),
        ("aa bb cc", 8, ["aa bb cc"]),
        ("aa bb cc", 2, ["aa", "bb", "cc"]),
        ("aaaa b", 3, ["aaaa", "b"]),  # an oversized word stands alone
        ("", 10, [""]),
    ],
)
def test_greedy_fills_lines(text, width, expected):
    items = words(text)
    assert texts(items, break_greedy(items, width)) == expected


def test_forced_break_is_always_taken():
    items = [*words("aa bb"), Penalty(forced=True), *words("cc")]
    for breaker in BREAKERS:
        assert texts(items, breaker(items, 100)) == ["aa bb", "cc"]


def test_pretty_avoids_a_lone_short_last_word():
    text = "aaaaa bbbbb ccccc ddddd on"
    items = words(text)
    greedy = texts(items, break_greedy(items, 11))
    pretty = texts(items, break_pretty(items, 11))
    assert greedy[-1] == "on"  # greedy leaves an orphan
    assert len(pretty) == len(greedy)  # same height
    assert len(pretty[-1].split()) >= 2
    assert " ".join(pretty).split() == text.split()


def test_balanced_keeps_line_count_and_evens_lengths():
    text = "While Americans hunker down at home, four soldiers died abroad"
    items = words(text)
    greedy = texts(items, break_greedy(items, 40))
    balanced = texts(items, break_balanced(items, 40))
    assert len(balanced) == len(greedy) == 2
    spread = lambda lines: max(map(len, lines)) - min(map(len, lines))  # noqa: E731
    assert spread(balanced) < spread(greedy)
    assert all(len(line) <= 40 for line in balanced)


def test_breaks_at_uax14_opportunities_not_only_spaces():
    items = inline_items((Span("https://example.org/a/very/long/path"),), BlockStyle(), 10, MEASURE)
    lines = texts(items, break_greedy(items, 14))
    assert "".join(lines) == "https://example.org/a/very/long/path"
    assert all(len(line) <= 14 for line in lines)
    assert lines[0] == "https://"


def test_cjk_breaks_between_ideographs():
    items = inline_items((Span("日本語の文章です"),), BlockStyle(), 10, MEASURE)
    assert texts(items, break_greedy(items, 3)) == ["日本語", "の文章", "です"]


def test_oversized_word_is_split_between_graphemes():
    word = "a" * 45
    items = split_oversized(tuple(words(f"x {word} y")), 10, MEASURE)
    lines = texts(items, break_greedy(items, 10))
    assert "".join(lines).replace(" ", "") == f"x{word}y"
    assert max(map(len, lines)) <= 10


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=14), min_size=1, max_size=40),
    st.integers(min_value=1, max_value=40),
)
def test_breakers_keep_every_word_in_order_within_width(word_list, width):
    items = split_oversized(tuple(words(" ".join(word_list))), width, MEASURE)
    greedy_count = len(break_greedy(items, width))
    for breaker in BREAKERS:
        lines = texts(items, breaker(items, width))
        assert "".join(line.replace(" ", "") for line in lines) == "".join(word_list)
        assert all(len(line) <= width for line in lines)
        assert len(lines) == greedy_count


def test_korean_breaks_between_words_not_syllables():
    text = "강릉 해변에서 쓰레기 줍는 관광객"
    items = inline_items((Span(text),), BlockStyle(), 10, MEASURE)
    lines = texts(items, break_greedy(items, 5))
    assert [line.strip() for line in lines] == text.split()


def test_kinsoku_no_line_starts_with_closing_punctuation():
    text = "図書館は「本を借りる場所」です。毎日開いています。"
    items = inline_items((Span(text),), BlockStyle(), 10, MEASURE)
    for width in range(2, 12):
        lines = texts(items, break_greedy(items, width))
        assert "".join(lines) == text
        assert not any(line[:1] in "、。」』）" for line in lines[1:]), lines
        assert not any(line[-1:] in "「『（" for line in lines[:-1]), lines


def test_french_punctuation_stays_with_its_word():
    text = "Vraiment\u00a0? Oui\u00a0! « Bien\u00a0»"
    items = inline_items((Span(text),), BlockStyle(), 10, MEASURE, lang="fr")
    for width in range(4, 30):
        lines = texts(items, break_greedy(items, width))
        assert not any(line.lstrip()[:1] in "?!:;»" for line in lines), lines


@pytest.mark.skipif(not icu_available(), reason="no ICU: neither icu4py nor the system library")
def test_thai_breaks_between_words_from_the_dictionary():
    text = "เชียงใหม่มักติดอันดับเมืองที่มีคุณภาพอากาศแย่ที่สุดแห่งหนึ่งของโลก"
    items = inline_items((Span(text),), BlockStyle(), 10, MEASURE)
    lines = texts(items, break_greedy(items, 12))
    assert "".join(lines) == text
    assert len(lines) > 1
    words = {
        "เชียงใหม่",
        "มัก",
        "ติด",
        "อันดับ",
        "เมือง",
        "ที่",
        "มี",
        "คุณภาพ",
        "อากาศ",
        "แย่",
        "ที่สุด",
        "แห่ง",
        "หนึ่ง",
        "ของ",
        "โลก",
    }
    # Every line is made of whole dictionary words: never a word cut in two.
    for line in lines:
        rest = line
        while rest:
            word = next(
                (w for w in sorted(words, key=len, reverse=True) if rest.startswith(w)), None
            )
            assert word is not None, (line, rest)
            rest = rest[len(word) :]


def test_an_oversized_word_breaks_at_a_hyphenation_point_with_a_drawn_hyphen():
    word = "incomprehensibilities"
    items = split_oversized(tuple(words(word)), 14, MEASURE)
    breaks = break_greedy(items, 14)
    hyphens = [
        b for b in breaks if b < len(items) and isinstance(items[b], Penalty) and items[b].hyphen
    ]
    assert hyphens  # broken between syllables, not letters
    lines = texts(items, breaks)
    assert "".join(lines) == word
    assert all(len(line) + 1 <= 14 for line in lines[:-1])  # room left for the hyphen
