"""Widths measured with HarfBuzz directly (cardimg.shaping) are the widths Pillow's Raqm
gives, to the 1/64 pixel, wherever shaping.width answers.

Layout measures with HarfBuzz (fast); the painter draws with Pillow's Raqm. If the two
disagreed, a line laid out to fit could be drawn wider than its column. Where HarfBuzz
alone cannot promise Raqm's answer (mixed scripts, numbers in right-to-left text, a
mark with no base, bitmap fonts), shaping.width returns None and Pillow measures."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ImageFont, features

from cardimg import load_story, shaping
from cardimg.fonts import theme_fonts
from cardimg.theme import default_theme

pytestmark = pytest.mark.skipif(not features.check("raqm"), reason="needs Pillow's Raqm")

ROOT = Path(__file__).resolve().parents[1]
OUTLINE_FONTS = sorted(
    p for p in (ROOT / "fonts").rglob("*") if p.suffix in (".ttf", ".otf") and "Emoji" not in p.name
)
SYSTEM_CJK = sorted(Path("/usr/share/fonts").rglob("NotoSansCJK-Regular.tt[cf]"))[:1]
SIZE = 1000.0

# Pieces of text as layout meets them: letters of many scripts, neutrals between and
# around them (spaces, digits, punctuation, brackets and quotes), and combining marks.
ALPHABET = (
    "siAVTWYaxfflé"  # Latin, with kerning pairs and ligatures
    " ,.;:-—–!?/%&*@#0123456789\u00a0…"  # neutrals
    "()[]{}«»‘’“”‹›「」（）"  # brackets and quotes (Raqm pairs them)
    "تجربةمحمد٠١٢"  # Arabic, with Arabic-Indic digits
    "שָׁלוֹם"  # Hebrew with points
    "рускийΕλληνικά"  # Cyrillic, Greek
    "नमस्ते"  # Devanagari (reordering, conjuncts)
    "中文字体のテキスト한국어"  # Han, kana, Hangul
    "สวัสดี"  # Thai
    "\u0301\u0308"  # combining marks
    "۱۲۳\u200e\u200f"  # Persian digits (left-to-right) and the bidi marks
)


@cache
def pillow_font(path: str, index: int = 0) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, SIZE, index=index, layout_engine=ImageFont.Layout.RAQM)


def pillow_width(path: str, text: str, features: tuple[str, ...] = (), index: int = 0) -> float:
    font = pillow_font(path, index)
    return float(
        font.getlength(text, features=list(features)) if features else font.getlength(text)
    )


@pytest.mark.parametrize("path", OUTLINE_FONTS + SYSTEM_CJK, ids=lambda p: p.name)
@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=ALPHABET, min_size=1, max_size=12))
def test_any_text_harfbuzz_measures_is_measured_as_raqm_does(path: Path, text: str) -> None:
    measured = shaping.width(str(path), 0, SIZE, text, ())
    if measured is not None:
        assert measured == pillow_width(str(path), text)


@pytest.mark.parametrize("path", OUTLINE_FONTS, ids=lambda p: p.name)
def test_every_word_of_the_samples_is_measured_as_raqm_does(path: Path) -> None:
    words = {
        word
        for sample in sorted((ROOT / "samples").glob("*.md"))
        for card in load_story(sample).cards
        for word in card.body.split()
    }
    measured = {word: shaping.width(str(path), 0, SIZE, word, ()) for word in words}
    differ = {
        word: (width, pillow_width(str(path), word))
        for word, width in measured.items()
        if width is not None and width != pillow_width(str(path), word)
    }
    assert not differ
    # HarfBuzz answers for nearly all of them (else layout is back to Pillow's speed).
    assert sum(width is not None for width in measured.values()) > 0.8 * len(words)


def test_tabular_figures_are_measured_as_raqm_does() -> None:
    inter = str(ROOT / "fonts" / "inter" / "Inter-Regular.otf")
    for text in ("1.", "11.", "10."):
        tabular = shaping.width(inter, 0, SIZE, text, ("tnum",))
        assert tabular == pillow_width(inter, text, ("tnum",))
    # The feature is on: with tabular figures "1." is as wide as "0.".
    assert shaping.width(inter, 0, SIZE, "1.", ("tnum",)) == shaping.width(
        inter, 0, SIZE, "0.", ("tnum",)
    )
    assert shaping.width(inter, 0, SIZE, "1.", ()) != shaping.width(inter, 0, SIZE, "0.", ())


@pytest.mark.parametrize(
    ("text", "one_run"),
    [
        ("Washington", True),
        ("don’t,", True),
        ("2024", True),  # neutrals only
        ("سلام", True),
        # Neutrals before the first letter: Raqm may shape them as a run of their own
        # (" (si)" in Inter it does), so HarfBuzz is not asked.
        ("(si)", False),
        ("“Washington”", False),
        (" (si)", False),
        ("1er", False),
        ("abc中文", False),  # two scripts
        ("عام 2024", False),  # numbers inside right-to-left text sit a level higher
        ("abc\u202eabc", False),  # an explicit override
        ("\u0301a", False),  # a mark with no base
        ("", False),
    ],
)
def test_single_run_follows_raqm_runs(text: str, one_run: bool) -> None:
    assert shaping.single_run(text) is one_run


def test_unknown_feature_forms_and_bitmap_fonts_are_left_to_pillow() -> None:
    inter = str(ROOT / "fonts" / "inter" / "Inter-Regular.otf")
    assert shaping.width(inter, 0, SIZE, "10", ("tnum=1",)) is None
    book = theme_fonts(default_theme())
    emoji = next(str(p) for p in (ROOT / "fonts").rglob("*Emoji*"))
    # The colour emoji font is a bitmap font: the book measures it through Pillow at its
    # one strike (109 px), scaled to the size asked for.
    strike = ImageFont.truetype(emoji, 109, layout_engine=ImageFont.Layout.RAQM)
    assert book.width(emoji, 100, "👍") == pytest.approx(strike.getlength("👍") * 100 / 109)
    assert 80 < book.width(emoji, 100, "👍") < 160


def test_the_book_measures_with_harfbuzz_what_raqm_would_draw() -> None:
    book = theme_fonts(default_theme())
    sans = book.face("sans")
    # Asked of HarfBuzz, and Raqm's widths: the everyday words.
    for text in ("Washington", "Nguyễn", "don’t,", "2024"):
        assert shaping.width(sans, 0, SIZE, text, ()) is not None
        assert book.width(sans, 48, text) == pillow_width(sans, text) * 48 / SIZE
    # Left to Raqm (neutrals before the first letter), with the same result.
    for text in ("(si)", " (si)", "1er prix"):
        assert shaping.width(sans, 0, SIZE, text, ()) is None
        assert book.width(sans, 48, text) == pillow_width(sans, text) * 48 / SIZE


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("inter/Inter-Bold.otf", "۱۲۳»"),  # Arabic-script digits, set left to right
        ("quattrocento/Quattrocento-Regular.otf", "{\u200f"),  # a right-to-left mark alone
        ("quattrocento/Quattrocento-Regular.otf", "{…\u200f"),
    ],
)
def test_the_direction_is_raqms_not_the_scripts(path: str, text: str) -> None:
    font = str(ROOT / "fonts" / path)
    assert shaping.width(font, 0, SIZE, text, ()) == pillow_width(font, text)


def test_a_font_file_harfbuzz_cannot_read_is_measured_by_pillow(tmp_path: Path) -> None:
    # FreeType reads WOFF, HarfBuzz does not: a theme may name a .woff font.
    from fontTools.ttLib import TTFont

    woff = tmp_path / "NotoSans-Regular.woff"
    with TTFont(ROOT / "fonts" / "noto" / "NotoSans-Regular.ttf") as font:
        font.flavor = "woff"
        font.save(woff)
    assert shaping.width(str(woff), 0, SIZE, "Washington", ()) is None
    book = theme_fonts(default_theme())
    assert (
        book.width(str(woff), 50, "Washington") == pillow_width(str(woff), "Washington") * 50 / SIZE
    )
