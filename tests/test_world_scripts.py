"""Every script of the world's major living languages is set from the fonts cardimg
ships: no tofu, no system font, in headings, body, quotes and frame labels alike.

Checked independently of cardimg's own coverage code and warnings: each drawn
character is looked up with fontTools in the cmap of the font file the slide says it
was drawn with."""

from __future__ import annotations

import itertools
import zlib
from functools import cache
from pathlib import Path

import pytest
import yaml
from fontTools.ttLib import TTFont

import cardimg
from cardimg.fonts import FontBook
from cardimg.resources import data_dir
from cardimg.scripts import guess_lang, script_of
from cardimg.theme import load_theme

from .world_scripts import SAMPLES, Sample, card_body

FONTS = data_dir("fonts").resolve()
# Characters no font is asked to draw: spaces and the joiners that only steer shaping.
UNDRAWN = {"\u200c", "\u200d"}
# What a wheel may weigh: the fonts, palettes and code, compressed as a wheel is.
WHEEL_LIMIT = 25_000_000


@cache
def cmap(font: str) -> frozenset[int]:
    path, _, index = font.partition("#")
    with TTFont(path, lazy=True, fontNumber=int(index or 0)) as tt:
        return frozenset(tt.getBestCmap())


def story(sample: Sample) -> str:
    front = {
        "title": sample.heading,
        "card_series": sample.name,
        "cards": [{"order": 0, "body": card_body(sample), "citation": sample.name}],
    }
    return f"---\n{yaml.safe_dump(front, allow_unicode=True, sort_keys=False)}---\n"


@cache
def drawn(sample: Sample, theme: str) -> tuple[tuple[str, str, str], ...]:
    """(line role, text, font file) of every fragment on the story's slides."""
    carousel = cardimg.render(cardimg.parse_story(story(sample)), theme=theme, sources=False)
    return tuple(
        (line.role, fragment.text, fragment.style.font)
        for slide in carousel.slides
        for line in slide.lines
        for fragment in (*line.fragments, *((line.marker,) if line.marker else ()))
    )


def in_script(text: str, script: str) -> bool:
    return any(script_of(char) == script for char in text)


@pytest.mark.parametrize("theme", ["default", "bold", "quiet"])
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.lang)
def test_every_drawn_character_is_in_the_shipped_font_it_was_drawn_with(
    sample: Sample, theme: str
) -> None:
    for role, text, font in drawn(sample, theme):
        path = Path(font.partition("#")[0]).resolve()
        assert path.is_relative_to(FONTS), (role, text, font)  # no system font
        missing = {
            f"U+{ord(char):04X}"
            for char in text
            if not char.isspace() and char not in UNDRAWN and ord(char) not in cmap(font)
        }
        assert not missing, (role, text, path.name, missing)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.lang)
def test_headings_body_quotes_and_labels_all_carry_the_script(sample: Sample) -> None:
    roles = {role for role, text, _ in drawn(sample, "default") if in_script(text, sample.script)}
    assert {"heading", "paragraph", "quote", "series", "citation"} <= roles


# Where Noto has a serif for the script, the serif face (headings, quotes) sets it.
SERIF_SCRIPTS = {
    "armenian",
    "bengali",
    "ethiopic",
    "georgian",
    "gujarati",
    "gurmukhi",
    "kannada",
    "khmer",
    "lao",
    "malayalam",
    "myanmar",
    "sinhala",
    "tamil",
    "telugu",
    "tibetan",
}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.lang)
@pytest.mark.parametrize("face", ["serif", "serif-bold", "sans", "sans-bold", "sans-semibold"])
def test_sans_and_serif_chains_both_cover_the_script(sample: Sample, face: str) -> None:
    book = FontBook(load_theme(), system_fonts=False)
    serif = face.startswith("serif") and sample.script in SERIF_SCRIPTS
    text = f"{sample.heading} {sample.body} {sample.name.upper()}"
    for font, run in book.runs(book.face(face), text):
        assert not book.missing(font, run), (face, run, font)
        name = Path(font).name
        if in_script(run, sample.script):
            assert name.startswith("NotoSerif" if serif else "Noto"), (face, run, name)
            assert ("-Bold" in name) == ("bold" in face), (face, name)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.lang)
def test_the_language_is_told_from_the_letters(sample: Sample) -> None:
    # (The whole card: Tigrinya is told from Amharic by letters a sentence may lack.)
    assert guess_lang(f"{sample.heading} {sample.body} {sample.quote}") == sample.lang


def test_every_shipped_font_is_open_font_license_without_reserved_names() -> None:
    """Modified (subset) files may keep their names only without a Reserved Font Name."""
    for path in sorted(FONTS.rglob("*.[ot]tf")):
        with TTFont(path, lazy=True) as tt:
            names = tt["name"]
            license_text = names.getDebugName(13) or ""
            copyright_text = names.getDebugName(0) or ""
        assert "Open Font License" in license_text, path.name
        if path.name.startswith("Noto"):
            assert "reserved font name" not in copyright_text.lower(), path.name


def test_the_noto_notice_names_every_shipped_family() -> None:
    notice = (FONTS / "noto" / "LICENSE.txt").read_text("utf-8")
    for path in (FONTS / "noto").glob("*.ttf"):
        assert path.name in notice, path.name


def test_the_fonts_fit_a_wheel_of_reasonable_size() -> None:
    """A wheel is a zip: the package data, deflated, is nearly all of it (the code is
    well under a megabyte). Measured the same way, without building one."""
    total = 0
    for folder in (FONTS, data_dir("palettes")):
        for path in folder.rglob("*"):
            if path.is_file():
                total += len(zlib.compress(path.read_bytes(), 6))
    assert total < WHEEL_LIMIT - 1_000_000, f"{total:,} bytes of fonts and palettes"


def test_tall_scripts_get_the_leading_their_stacks_need() -> None:
    """Myanmar and Tibetan stack marks above and below: their lines are set at least
    1.8 and 2.0 ems apart, where Latin keeps the theme's line height."""
    myanmar = "လူတိုင်းသည် တူညီ လွတ်လပ်သော ဂုဏ်သိက္ခာဖြင့်လည်းကောင်း " * 4
    tibetan = "འགྲོ་བ་མིའི་རིགས་རྒྱུད་ཡོངས་རང་དབང་འདྲ་མཉམ་དུ་སྐྱེས་ཤིང་ " * 4
    latin = "Every human being is born free and equal in dignity and rights. " * 4
    for text, least in ((myanmar, 1.8), (tibetan, 2.0), (latin, 0.0)):
        story = cardimg.parse_story(f"---\ncards:\n- body: {text}\n---\n")
        lines = [ln for ln in cardimg.render(story).slides[0].lines if ln.role == "paragraph"]
        assert len(lines) >= 2
        gaps = [b.baseline - a.baseline for a, b in itertools.pairwise(lines)]
        if least:
            assert min(gaps) >= least * lines[0].font_size - 0.5, (text[:10], gaps)
        else:
            assert max(gaps) < 1.6 * lines[0].font_size, gaps
