"""Text widths from HarfBuzz itself: the numbers Pillow's Raqm would give, ~30× sooner.

Layout measures every distinct word once (at a reference size, see `fonts.FontBook.width`).
Through Pillow each measurement builds a new HarfBuzz face and so a new shaping plan: for
Inter, whose layout tables are large, that is ~90 µs a word, most of what `cardimg check`
costs. Here one HarfBuzz font per file is kept, and shaping a word takes ~3 µs.

The answer must be the one Raqm gives when the painter draws the same text, so this is
only used where Raqm would shape the text as a single HarfBuzz run: one script and one
bidi level (Raqm splits a run at each change of either). At the font's size in 26.6
fixed point, as FreeType gives Raqm its positions, the widths then agree to the 1/64
pixel (tests/test_shaping.py checks every shipped font). Anything else (mixed scripts or
levels, neutral characters before the first letter, a mark with no base, features we do
not translate) returns None and the caller asks Pillow, as it does for bitmap fonts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, cast

from .freetype_lib import pillow_size_64ths

if TYPE_CHECKING:
    import uharfbuzz

__all__ = ["direction", "feature_values", "hb_font", "shaped_buffer", "single_run", "width"]

# Bidi classes that always sit at the paragraph's own level in a one-script text;
# anything else (numbers in right-to-left text, explicit embeddings, isolates) may not.
_RTL_LEVEL = frozenset({"R", "AL", "NSM", "WS", "ON", "CS", "ES", "ET", "BN", "S"})
_LTR_LEVEL = frozenset({"L", "EN", "NSM", "WS", "ON", "CS", "ES", "ET", "BN", "S"})
# Scripts that join any run (UAX #24): common punctuation, inherited marks, unassigned.
_NEUTRAL_SCRIPTS = frozenset({"Zyyy", "Zinh", "Zzzz"})


def _plain_latin(text: str) -> bool:
    """Latin, Latin-1, IPA, combining marks and general punctuation without the
    bidi controls: the everyday case, told without looking up any script."""
    for char in text:
        code = ord(char)
        if code >= 0x0370 and not (0x2010 <= code <= 0x2027 or 0x2030 <= code <= 0x205E):
            return False
    return True


def _latin_letter(char: str) -> bool:
    """A letter of the Latin script below U+0300 (ASCII, Latin-1, Extended-A/B, IPA)."""
    code = ord(char)
    return char.isalpha() and (code < 0x80 or 0xC0 <= code < 0x2B0 or code in (0xAA, 0xBA))


@lru_cache(maxsize=1)
def _script_table() -> Callable[[str], str]:
    # fontTools' Unicode script table, imported only for text beyond Latin.
    from fontTools.unicodedata import script

    return cast("Callable[[str], str]", script)


def _broken_cluster(text: str) -> bool:
    """A combining mark with no letter before it: HarfBuzz versions differ in how many
    dotted circles they give it, so such text is left to Pillow's own."""
    previous = "Z"  # the start of the text: a mark there has no base
    for char in text:
        category = unicodedata.category(char)[0]
        if category == "M" and previous not in "LM":
            return True
        previous = category
    return False


def _one_script(text: str) -> bool:
    """Whether Raqm surely gives the whole text one script. It gives neutral characters
    (spaces, punctuation, digits, marks) the script before them and a closing bracket its
    opening one's; for neutrals before the first letter it may not (` (si)` in Inter is
    measured narrower by Raqm than as one run, `(si)` is not): such text is left to
    Raqm. So: at most one script, and a letter of it first (or no letters at all)."""
    if _plain_latin(text):  # Latin is the only script below U+0370
        return _latin_letter(text[0]) or not any(char.isalpha() for char in text)
    script = _script_table()
    scripts = {script(char) for char in text} - _NEUTRAL_SCRIPTS
    return not scripts or (len(scripts) == 1 and script(text[0]) in scripts)


def direction(text: str) -> str | None:
    """The direction Raqm shapes `text` in when every character sits at the paragraph's
    own bidi level ("rtl" when it has a right-to-left letter or mark, else "ltr"); None
    when some may not (numbers in right-to-left text, left-to-right letters in it,
    explicit embeddings). Told from the bidi classes, not from the script: Persian
    digits are Arabic script but left-to-right, a right-to-left mark has no script."""
    if _plain_latin(text):
        return "ltr"
    classes = {unicodedata.bidirectional(char) for char in text}
    if classes & {"R", "AL"}:
        return "rtl" if classes <= _RTL_LEVEL else None
    return "ltr" if classes <= _LTR_LEVEL else None


def single_run(text: str) -> bool:
    """Whether Raqm shapes `text` as one HarfBuzz run (one script, one bidi level)
    with no broken cluster: then HarfBuzz alone gives Raqm's width."""
    return (
        bool(text)
        and not _broken_cluster(text)
        and _one_script(text)
        and direction(text) is not None
    )


def feature_values(features: tuple[str, ...]) -> dict[str, bool] | None:
    """Pillow's feature strings ("tnum", "-liga", "+kern") as HarfBuzz's; None when
    one is in a form we do not translate."""
    values: dict[str, bool] = {}
    for feature in features:
        on = not feature.startswith("-")
        tag = feature.lstrip("+-")
        if len(tag) != 4 or not tag.isascii() or not tag.isalnum():
            return None
        values[tag] = on
    return values


@lru_cache(maxsize=64)
def hb_font(path: str, index: int, size: float, stamp: object = None) -> uharfbuzz.Font | None:
    """One HarfBuzz font per file, face and size: it keeps its shaping plans. None for a
    file HarfBuzz cannot read as a font (WOFF, Type 1: FreeType can, so Pillow measures).
    `stamp` (the file's state, glyphs.file_stamp) is part of the key only: a painter
    passes it, so a font replaced at the same path is read anew."""
    import uharfbuzz

    face = uharfbuzz.Face(uharfbuzz.Blob.from_file_path(path), index)
    if face.glyph_count == 0:  # not an sfnt font HarfBuzz reads: it would shape .notdef
        return None
    font = uharfbuzz.Font(face)
    # 26.6 fixed point, the units FreeType gives Raqm, from the size as Pillow gives it.
    scale = pillow_size_64ths(size)
    font.scale = (scale, scale)
    return font


def width(path: str, index: int, size: float, text: str, features: tuple[str, ...]) -> float | None:
    """The advance width of `text` in an outline font at `size` pixels, as Pillow's Raqm
    measures it; None when that cannot be promised here (the caller asks Pillow)."""
    values = feature_values(features)
    if values is None or not single_run(text):
        return None
    font = hb_font(path, index, size)
    if font is None:
        return None
    buffer = shaped_buffer(font, text, direction(text) or "ltr", values)
    advance: int = sum(position.x_advance for position in buffer.glyph_positions)
    return advance / 64


def shaped_buffer(
    font: uharfbuzz.Font, text: str, text_direction: str, features: dict[str, bool]
) -> uharfbuzz.Buffer:
    """`text` shaped as Raqm shapes one run of it: in the run's bidi direction (not the
    script's), as the beginning and end of a text (so a mark with no base gets HarfBuzz's
    dotted circle, as it does on the slide)."""
    import uharfbuzz  # (already loaded by hb_font: a lookup, not an import)

    buffer = uharfbuzz.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    buffer.direction = text_direction
    buffer.flags = uharfbuzz.BufferFlags.BOT | uharfbuzz.BufferFlags.EOT
    uharfbuzz.shape(font, buffer, features)
    return buffer
