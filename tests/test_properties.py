"""Properties of whole renders over generated card bodies: mixed scripts, emoji, long
words, nested lists, random Markdown. Every line inside the safe area, no overlaps,
the card's words drawn in reading order, the same input giving the same pixels."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cardimg
from cardimg import default_theme
from cardimg.blocks import parse_blocks
from cardimg.fonts import FontBook
from cardimg.layout.items import upper
from cardimg.plan import plan_story
from cardimg.story import Card, Story

THEME = default_theme()
# Random characters would each send the font book to the system's fonts; the theme's
# own fonts (tofu for the rest) keep the property runs fast and the same everywhere.
FONTS = FontBook(THEME, system_fonts=False)

WORDS = [
    "news",
    "Iraq",
    "U.S.",
    "coalition",
    "Wednesday",
    "—",
    "“quoted”",
    "(2024)",
    "$1,234.56",
    "Ελλάδα",
    "Україна",
    "café",
    "naïve",
    "Łódź",
    "Nguyễn",
    "مرحبا",
    "بالعالم",
    "שלום",
    "עולם",
    "नमस्ते",
    "दुनिया",
    "สวัสดีครับ",
    "日本語の文章です",
    "中文新闻",
    "한국어",
    "뉴스",
    "👍🏽",
    "👩‍💻",
    "🇺🇦",
    "❤️",
    "1️⃣",
    "🫨",
    "pneumonoultramicroscopicsilicovolcanoconiosis" * 2,
    "https://example.org/a/very/long/path/that/goes/on/and/on/forever/index.html?q=1&b=2",
]

word = st.sampled_from(WORDS) | st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S")), min_size=1, max_size=12
)
sentence = st.lists(word, min_size=1, max_size=40).map(" ".join)
inline = st.tuples(sentence, st.sampled_from(["", "**", "*", "`", "~~"])).map(
    lambda pair: (
        f"{pair[1]}{pair[0]}{pair[1]}" if pair[1] != "`" else f"`{pair[0].replace('`', '')}`"
    )
)
block = st.one_of(
    inline,
    st.tuples(st.integers(1, 6), sentence).map(lambda p: "#" * p[0] + " " + p[1]),
    sentence.map(lambda s: "> " + s),
    st.lists(sentence, min_size=1, max_size=4).map(
        lambda items: "\n".join(f"* {i}" for i in items)
    ),
    st.lists(sentence, min_size=1, max_size=3).map(
        lambda items: "1. " + items[0] + "".join(f"\n   * {i}" for i in items[1:])
    ),
)
body = st.lists(block, min_size=0, max_size=5).map("\n\n".join) | st.text(max_size=300)


def story_of(text: str) -> Story:
    return Story(
        slug="property",
        title="Property",
        series="Test Series",
        palette="--default",
        featured_image=None,
        sources=(),
        cards=(Card(0, "k0", text, "VIEW SOURCES"),),
    )


def words_of(text: str) -> list[str]:
    return text.replace("\n", " ").split()


# Where a line may or may not break: used by the breaker, never drawn.
BREAK_HINTS = str.maketrans(dict.fromkeys("\u00ad\u200b\u2060\ufeff"))


def card_words(text: str) -> list[str]:
    blocks = parse_blocks(text)
    return [w for b in blocks for w in words_of(" ".join(b.text.translate(BREAK_HINTS).split()))]


def drawn_words(plans) -> list[str]:
    """The words drawn, lines of a block joined as they read (list markers left out).
    A block may run on to the next slide: its lines join across slides the same way."""
    text, previous = "", None
    for line in (ln for plan in plans for ln in plan.lines if not ln.chrome):
        if previous is not None:
            same = line.block == previous.block
            text += (" " if previous.space_after else "") if same else "\n"
        text += line.text
        previous = line
    return words_of(text)


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# CARDIMG_PROPERTY_EXAMPLES=2000 for a longer hunt than CI's.
EXAMPLES = int(os.environ.get("CARDIMG_PROPERTY_EXAMPLES", "150"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body)
def test_any_body_is_laid_out_whole_inside_the_safe_area(text):
    plans = plan_story(story_of(text), theme=THEME, measurer=FONTS, width=1080, height=1350)
    for slide in plans:
        x0, y0, x1, y1 = slide.safe_box
        for line in slide.lines:
            if line.chrome:
                continue
            bx0, by0, bx1, by1 = line.box
            assert x0 <= bx0 and bx1 <= x1 and y0 <= by0 and by1 <= y1, (line.text, line.box)
        boxes = [line.box for line in slide.lines if line.box[2] > line.box[0]]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not overlaps(a, b), (a, b)
    expected = [upper(w) for w in card_words(text)]
    assert [upper(w) for w in drawn_words(plans)] == expected


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body)
def test_same_input_same_pixels(text):
    first = cardimg.render(story_of(text))
    second = cardimg.render(story_of(text))
    assert [s.image.tobytes() for s in first.slides] == [s.image.tobytes() for s in second.slides]
