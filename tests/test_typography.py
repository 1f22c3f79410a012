"""Typography on real fonts: scripts without tofu, colour emoji as single glyphs,
right-to-left text, balanced headings, contrast warnings and the accessible palette."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

import cardimg
from cardimg import default_theme, theme_fonts
from cardimg.contrast import contrast_ratio
from cardimg.fonts import FontBook
from cardimg.layout.breaking import break_greedy, line_ranges
from cardimg.layout.items import inline_items, split_oversized
from cardimg.story import Card, Story
from cardimg.theme import BlockStyle

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
THEME = default_theme()
FONTS = theme_fonts(THEME)


def story_of(*bodies: str, palette: str = "--default") -> Story:
    cards = tuple(Card(n, f"k{n}", body) for n, body in enumerate(bodies))
    return Story("t", "T", "Series", palette, None, (), cards)


def missing_glyph_warnings(carousel: cardimg.Carousel) -> list[str]:
    return [w for w in carousel.warnings if "no font has these characters" in w]


def has_cjk_system_font() -> bool:
    if not shutil.which("fc-match"):
        return False
    book = FontBook(THEME)
    return all(
        not book.missing(font, text)
        for text in ("日本語の文章", "中文新闻", "한국어")
        for font, text in book.runs(book.face("sans"), text, None)
    )


SHIPPED_SCRIPTS = [
    "20240110-latin-diacritics.md",
    "20240111-greek.md",
    "20240112-cyrillic.md",
    "20240113-arabic.md",
    "20240114-hebrew.md",
    "20240115-devanagari.md",
    "20240116-thai.md",
    "20240120-emoji.md",
]


@pytest.mark.parametrize("name", SHIPPED_SCRIPTS)
def test_scripts_with_shipped_fonts_have_no_tofu(name):
    carousel = cardimg.render(cardimg.load_story(SAMPLES / name))
    assert missing_glyph_warnings(carousel) == []


@pytest.mark.skipif(not has_cjk_system_font(), reason="no CJK font installed (fonts-noto-cjk)")
@pytest.mark.parametrize(
    "name", ["20240117-chinese.md", "20240118-japanese.md", "20240119-korean.md"]
)
def test_cjk_uses_an_installed_system_font(name):
    carousel = cardimg.render(cardimg.load_story(SAMPLES / name))
    assert missing_glyph_warnings(carousel) == []


def test_without_any_font_for_a_script_the_warning_names_characters_and_card():
    book = FontBook(THEME, system_fonts=False)
    # A script no shipped font covers (Tifinagh) stands for CJK on a bare machine.
    story = story_of("Plain text", "ⵜⴰⵎⴰⵣⵉⵖⵜ text")
    from cardimg.notes import missing_glyph_warnings as glyph_notes
    from cardimg.plan import plan_story

    plans = plan_story(story, theme=THEME, measurer=book, width=1080, height=1350)
    notes = glyph_notes(story, plans, book)
    assert len(notes) == 1
    assert "card k1" in notes[0] and "U+2D5C" in notes[0] and "ⵜ" in notes[0]


@pytest.mark.parametrize("sequence", ["👩‍💻", "👨‍👩‍👧", "🇺🇦", "👍🏽", "1️⃣", "🏳️‍🌈", "🫨"])
def test_emoji_sequences_are_one_glyph_in_the_colour_font(sequence):
    runs = FONTS.runs(FONTS.face("sans"), sequence, None)
    assert len(runs) == 1 and runs[0][0].endswith("NotoColorEmoji.ttf")
    one = FONTS.width(runs[0][0], 44, "😀")
    assert FONTS.width(runs[0][0], 44, sequence) == pytest.approx(one, rel=0.01)


def test_emoji_are_drawn_in_colour():
    carousel = cardimg.render(story_of("# ❤️❤️❤️❤️"), sources=False)
    image = carousel.slides[0].image.convert("RGB")
    line = next(ln for ln in carousel.slides[0].lines if ln.role == "heading")
    data = image.crop(line.box).tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    reds = [px for px in pixels if px[0] > 180 and px[1] < 80 and px[2] < 80]
    assert len(reds) > 200


def test_arabic_paragraph_is_right_to_left_with_latin_in_visual_order():
    text = "أعلنت الشركة عن COP28 اليوم"
    carousel = cardimg.render(story_of(f"{text}\n\n* بند أول\n* بند ثان"), sources=False)
    slide = carousel.slides[0]
    para = next(ln for ln in slide.text_lines if ln.role == "paragraph")
    assert para.text == text
    fragments = para.fragments
    assert any(f.rtl for f in fragments) and any(not f.rtl for f in fragments)
    latin = next(f for f in fragments if "COP28" in f.text)
    first_word = next(f for f in fragments if f.text.startswith("أعلنت"))
    last_word = next(f for f in fragments if f.text.endswith("اليوم"))
    # Read right to left: the first word at the right, the last at the left, COP28 between.
    assert last_word.x < latin.x < first_word.x
    items = [ln for ln in slide.text_lines if ln.role == "list"]
    for item in items:
        assert item.marker is not None and item.marker.x > item.fragments[-1].x  # bullet at right
    assert len({round(item.box[2]) for item in items}) == 1  # right-aligned column


def test_hebrew_quote_marks_are_mirrored_by_the_rtl_run():
    carousel = cardimg.render(story_of("«שלום עולם»"), sources=False)
    line = next(ln for ln in carousel.slides[0].text_lines)
    assert line.text == "«שלום עולם»"
    assert all(f.rtl for f in line.fragments if f.text.strip())


def test_seed_cover_headings_are_balanced():
    carousel = cardimg.render(cardimg.load_story(SAMPLES / "20200314-iraq-latest.md"))
    heading = [ln for ln in carousel.slides[0].text_lines if ln.block == 0]
    style = THEME.style("h2")
    widths = [ln.box[2] - ln.box[0] for ln in heading]
    items = split_oversized(
        inline_items(carousel_spans(heading), style, heading[0].font_size, FONTS),
        carousel.slides[0].safe_box[2] - carousel.slides[0].safe_box[0],
        FONTS,
    )
    greedy = line_ranges(
        items, break_greedy(items, carousel.slides[0].safe_box[2] - carousel.slides[0].safe_box[0])
    )
    assert len(greedy) == len(heading)
    assert max(widths) - min(widths) < 0.3 * max(widths)


def carousel_spans(lines):
    from cardimg.blocks import Span

    return (Span(" ".join(ln.text for ln in lines)),)


def test_failing_palette_is_reported_and_accessible_option_fixes_it():
    story = story_of("Some body text on a bronze card.", palette="--bronze")
    plain = cardimg.render(story, sources=False)
    warning = [w for w in plain.warnings if "WCAG" in w]
    assert len(warning) == 1 and "'--bronze'" in warning[0] and "2.95:1" in warning[0]
    fixed = cardimg.render(story, sources=False, accessible=True)
    assert not [w for w in fixed.warnings if "WCAG" in w]
    assert fixed.slides[0].contrast >= 4.5
    assert contrast_ratio(fixed.palette.text, fixed.palette.background) >= 4.5
    assert fixed.palette.background != plain.palette.background  # moved, hue kept (see contrast)


def test_theme_can_turn_accessible_on():
    theme = replace(THEME, accessible=True)
    carousel = cardimg.render(story_of("text", palette="--medium-gray"), theme=theme, sources=False)
    assert carousel.slides[0].contrast >= 4.5


def test_tracking_is_not_applied_to_joined_scripts():
    items = inline_items(
        (cardimg.blocks.Span("أخبار news"),), BlockStyle(uppercase=True, tracking=0.1), 24, FONTS
    )
    arabic = [i for i in items if hasattr(i, "style") and "Arabic" in i.style.font]
    latin = [i for i in items if hasattr(i, "style") and i.text.strip() == "NEWS"]
    assert arabic and all(i.style.tracking == 0 for i in arabic)
    assert latin and latin[0].style.tracking > 0


@pytest.mark.parametrize(
    ("text", "capitals"),
    [("Σύντομες ειδήσεις", "ΣΥΝΤΟΜΕΣ ΕΙΔΗΣΕΙΣ"), ("Προϊόν", "ΠΡΟΪΟΝ"), ("Łódź Ń", "ŁÓDŹ Ń")],
)
def test_capitals_follow_each_script(text, capitals):
    from cardimg.layout.items import upper

    assert upper(text) == capitals


def test_frame_words_follow_the_story_language():
    body = "Ein langer Absatz. " * 400
    story = replace(story_of(body), lang="de", sources=(cardimg.Source("Quelle", "https://x.de"),))
    carousel = cardimg.render(story)
    markers = [ln.text for s in carousel.slides for ln in s.lines if ln.role == "marker"]
    assert "WEITER →" in markers and "FORTSETZUNG" in markers
    heading = next(ln for ln in carousel.slides[-1].text_lines if ln.role == "heading")
    assert heading.text == "Quellen"


def test_system_font_lookups_are_bounded(monkeypatch):
    import cardimg.fonts as fonts_module

    calls: list[int] = []
    monkeypatch.setattr(
        fonts_module, "_fc_match", lambda code, face, lang, state=(): calls.append(code)
    )
    monkeypatch.setattr(fonts_module.shutil, "which", lambda name: "/usr/bin/fc-match")
    book = FontBook(THEME)
    # 3,000 characters no font has, from 12 blocks of 256: one failed lookup rules out a block.
    text = "".join(chr(0x20000 + n) for n in range(3000))
    book.runs(book.face("sans"), text, None)
    assert 0 < len(calls) <= 12
    more = "".join(chr(0x30000 + 256 * n) for n in range(fonts_module.MAX_SYSTEM_LOOKUPS + 50))
    book.runs(book.face("sans"), more, None)
    assert len(calls) <= fonts_module.MAX_SYSTEM_LOOKUPS


def test_frame_line_opens_around_the_labels_that_cross_it():
    carousel = cardimg.render(story_of("Text"), sources=False)
    slide = carousel.slides[0]
    series = next(ln for ln in slide.lines if ln.role == "series")
    x0, y0, x1, _ = slide.frame_box
    frame = tuple(int(c, 16) for c in (THEME.default_palette.frame[i : i + 2] for i in (1, 3, 5)))
    row = [slide.image.getpixel((x, y0)) for x in range(x0 + 5, x1 - 5)]
    drawn = {x0 + 5 + n for n, px in enumerate(row) if px == frame}
    label = set(range(series.box[0], series.box[2]))
    assert not drawn & label  # open where the series name is
    assert drawn  # and drawn elsewhere


@pytest.mark.parametrize(
    ("text", "fonts"),
    [
        ("Plain words, all in Inter.", ["Inter-Regular.otf"]),
        ("© 2024", ["Inter-Regular.otf"]),  # the text font has ©: no emoji
        ("©️ 2024", ["NotoColorEmoji.ttf", "Inter-Regular.otf"]),  # VS16 asks for emoji
        ("go ❤️ now", ["Inter-Regular.otf", "NotoColorEmoji.ttf", "Inter-Regular.otf"]),
        ("סוף", ["NotoSansHebrew-Regular.ttf"]),
        ("a סוף b", ["Inter-Regular.otf", "NotoSansHebrew-Regular.ttf", "Inter-Regular.otf"]),
    ],
)
def test_runs_give_each_cluster_the_first_font_that_has_it(text, fonts):
    runs = FONTS.runs(FONTS.face("sans"), text, None)
    assert "".join(piece for _, piece in runs) == text
    assert [Path(font.partition("#")[0]).name for font, _ in runs] == fonts
