"""Text painted from cached glyphs (glyphs.py, freetype_lib.py) against Pillow's own
drawing, and flat slides painted as coverage (paint.py) against painting in colour."""

from __future__ import annotations

import io
import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw, ImageFont

import cardimg
from cardimg import formats, freetype_lib, glyphs, paint, shaping
from cardimg.analysis import analyse
from cardimg.model import RenderOptions
from cardimg.theme import load_theme

ROOT = Path(__file__).resolve().parents[1]
FONTS = ROOT / "fonts"
SAMPLES = sorted((ROOT / "samples").glob("*.md"))
CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

# One line of each sample script, in a font that sets it (the shipped ones; CJK from the
# system, as a story finds it).
SCRIPTS = [
    ("inter/Inter-Regular.otf", "Backstory: the strikes (hit) “a base” — north, 2020."),
    ("inter/Inter-Bold.otf", "Wafflé AVAST Ty fi fl office"),
    ("quattrocento/Quattrocento-Regular.otf", "The Iraq latest: a quote, fi."),
    ("noto/NotoSerif-Regular.ttf", "Shop owners are split. Žluťoučký kůň"),
    ("noto/NotoSansArabic-Regular.ttf", "العربية الفصحى لغة"),
    ("noto/NotoSansHebrew-Bold.ttf", "עברית שפה"),
    ("noto/NotoSansDevanagari-Regular.ttf", "हिन्दी भाषा क्षत्रिय"),
    ("noto/NotoSansThai-Regular.ttf", "ภาษาไทยที่สวยงาม"),
    ("noto/NotoSansBengali-Bold.ttf", "বাংলা ভাষা"),
    ("noto/NotoSansMyanmar-Regular.ttf", "မြန်မာဘာသာ"),
]
POSITIONS = [(20.0, 80.0), (20.4, 80.3), (20.7, 80.6), (21.5, 79.5), (20.51, 80.49)]


def _pillow(path: str, size: float, xy: tuple[float, float], text: str, rtl: bool) -> Image.Image:
    font = ImageFont.truetype(path, size)
    image = Image.new("L", (1000, 160))
    direction = "rtl" if rtl else "ltr"
    ImageDraw.Draw(image).text(xy, text, font=font, fill=255, anchor="ls", direction=direction)
    return image


def _ours(path: str, size: float, xy: tuple[float, float], text: str, rtl: bool) -> Image.Image:
    image = Image.new("L", (1000, 160))
    assert glyphs.draw_text(image, xy, (path, 0, size), text, rtl=rtl) is not None
    return image


def _cases() -> list[tuple[str, str]]:
    cases = [(str(FONTS / font), text) for font, text in SCRIPTS]
    if CJK.exists():
        cases.append((str(CJK), "中文字体测试，汉字。"))
    return cases


@pytest.mark.parametrize(("path", "text"), _cases(), ids=lambda v: Path(v).stem[:24])
@pytest.mark.parametrize("size", [44.0, 37.5, 61.3])
def test_cached_glyphs_are_pillows_pixels(path: str, text: str, size: float) -> None:
    rtl = shaping.direction(text) == "rtl"
    for xy in POSITIONS:
        expected = _pillow(path, size, xy, text, rtl)
        painted = _ours(path, size, xy, text, rtl)
        assert ImageChops.difference(expected, painted).getbbox() is None, (text, size, xy)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,;'", max_size=30),
    size=st.floats(min_value=12, max_value=90),
    x=st.floats(min_value=0, max_value=200),
    y=st.floats(min_value=60, max_value=100),
)
def test_latin_at_any_size_and_position_is_pillows(
    text: str, size: float, x: float, y: float
) -> None:
    """Outside the fixed cases: any Latin text, size and fractional position. Pillow's
    Raqm takes advances from FreeType, ours from HarfBuzz: the same to the 64th in sum
    (test_shaping.py), but one glyph may land a 64th either side of a pixel's edge and
    sit a pixel over. So: the same ink box to the pixel, and at most a glyph's worth of
    differing pixels (the fixed cases above are exact)."""
    path = str(FONTS / "inter" / "Inter-Regular.otf")
    if not text or not text[0].isalpha():
        text = "A" + text
    image = Image.new("L", (1000, 160))
    inked = glyphs.draw_text(image, (x, y), (path, 0, size), text)
    assert inked is not None
    expected = _pillow(path, size, (x, y), text, False)
    box, reference = image.getbbox(), expected.getbbox()
    assert (box is None) == (reference is None)
    if box is None or reference is None:
        return
    assert all(abs(a - b) <= 1 for a, b in zip(box, reference, strict=True))
    differing = sum(ImageChops.difference(expected, image).histogram()[1:])
    ink = sum(expected.point(lambda v: 255 if v else 0).histogram()[255:])
    assert differing <= max(2 * size * size / 8, 0.1 * ink)
    # The reported ink box holds every painted pixel.
    assert inked[0] <= box[0] and inked[1] <= box[1]
    assert inked[2] >= box[2] and inked[3] >= box[3]


def test_what_cannot_be_promised_is_left_to_pillow() -> None:
    path = str(FONTS / "inter" / "Inter-Regular.otf")
    image = Image.new("L", (200, 100))
    # Mixed scripts, a direction other than the text's, an untranslated feature.
    assert glyphs.draw_text(image, (10, 50), (path, 0, 30.0), "abc Жж") is None
    assert glyphs.draw_text(image, (10, 50), (path, 0, 30.0), "abc", rtl=True) is None
    assert glyphs.draw_text(image, (10, 50), (path, 0, 30.0), "abc", ("ss01=2",)) is None
    assert image.getbbox() is None  # nothing painted


def test_colour_emoji_is_not_a_grey_glyph() -> None:
    path = str(FONTS / "noto-emoji" / "NotoColorEmoji.ttf")
    gid = 100
    assert freetype_lib.render_glyph(path, 0, 109.0, gid) is None


def test_glyphs_come_from_pillows_freetype_even_with_another_loaded() -> None:
    """fontconfig brings the system's FreeType into the process: glyphs rendered after
    it is loaded must still be Pillow's (they were not: a line then sat a pixel off)."""
    script = f"""
import ctypes, ctypes.util, sys
name = ctypes.util.find_library("freetype")
if name: ctypes.CDLL(name)  # another FreeType, loaded first
sys.path.insert(0, {str(ROOT / "src")!r})
from PIL import Image, ImageDraw, ImageFont, ImageChops
from cardimg import glyphs
path = {str(FONTS / "noto" / "NotoSerif-Regular.ttf")!r}
text = "Shop owners are split"
expected = Image.new("L", (600, 100))
ImageDraw.Draw(expected).text((20, 72), text, font=ImageFont.truetype(path, 29.0), fill=255,
                              anchor="ls")
painted = Image.new("L", (600, 100))
glyphs.draw_text(painted, (20, 72), (path, 0, 29.0), text)
print(ImageChops.difference(expected, painted).getbbox())
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "None"


def _analyses() -> list[tuple[str, object]]:
    found = []
    for sample in SAMPLES:
        for theme in ("default", "bold", "quiet"):
            options = RenderOptions(allow_basic_layout=True)
            analysis = analyse(cardimg.load_story(sample), load_theme(theme), options)
            if analysis.error is None:
                found.append((f"{sample.stem}/{theme}", analysis))
    return found


@pytest.fixture(scope="module")
def analyses() -> list[tuple[str, object]]:
    return _analyses()


def _in_colour(plan, analysis) -> Image.Image:  # type: ignore[no-untyped-def]
    """The reference: everything under the text painted in colour, then the text's
    coverage, at COVERAGE_LEVELS, composited in the text colour (a photo slide's way)."""
    image = paint._backdrop(
        plan, palette=analysis.palette, theme=analysis.theme, background=None, logo=None
    )
    coverage, _ = paint._text_coverage(plan, analysis.fonts)
    box = coverage.getbbox()
    if box is not None:
        quantised = coverage.crop(box).point(list(paint.QUANTISED))
        image.paste(paint.parse_hex(analysis.palette.text), box, quantised)
    for fragment in paint._fragments(plan):
        if analysis.fonts.is_bitmap(fragment.style.font) and fragment.text.strip():
            paint._draw_bitmap_text(image, fragment, analysis.fonts)
    return image


def test_flat_slides_are_the_pixels_painted_in_colour(analyses) -> None:  # type: ignore[no-untyped-def]
    flat = 0
    for name, analysis in analyses:
        for plan in analysis.plans:
            painted = paint.paint_slide(
                plan, palette=analysis.palette, theme=analysis.theme, fonts=analysis.fonts
            )
            reference = _in_colour(plan, analysis)
            assert ImageChops.difference(reference, painted.image).getbbox() is None, name
            # Its contrast, told from colours, is the one sampled from the pixels.
            backdrop = paint._backdrop(
                plan, palette=analysis.palette, theme=analysis.theme, background=None, logo=None
            )
            text = paint.parse_hex(analysis.palette.text)
            sampled = paint._weakest_contrast(backdrop, plan, text)
            assert painted.contrast == sampled, name
            told = paint.slide_contrast(plan, palette=analysis.palette, theme=analysis.theme)
            assert told == sampled, name
            flat += painted.indexed is not None
    assert flat > 100  # most sample slides are flat


def test_coverage_palette_pngs_decode_to_the_painted_pixels(analyses) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for name, analysis in analyses[::3]:
        for plan in analysis.plans:
            painted = paint.paint_slide(
                plan, palette=analysis.palette, theme=analysis.theme, fonts=analysis.fonts
            )
            if painted.indexed is None:
                continue
            png = formats.encode_png(painted.indexed)
            decoded = Image.open(io.BytesIO(png)).convert("RGB")
            assert decoded.tobytes() == painted.image.tobytes(), name
            # The same file as the RGB pixels give: bytes depend on pixels alone.
            assert png == formats.encode_png(painted.image), name
            checked += 1
    assert checked > 20


def test_without_pillows_freetype_pillow_draws_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    story = cardimg.load_story(ROOT / "samples" / "20200314-iraq-latest.md")
    cached = cardimg.render(story)
    monkeypatch.setattr(freetype_lib, "_library", lambda: None)
    glyphs.shaped.cache_clear()
    drawn = cardimg.render(story)
    for ours, pillows in zip(cached.slides, drawn.slides, strict=True):
        assert ImageChops.difference(ours.image, pillows.image).getbbox() is None


def test_coverage_has_its_levels_evenly_spaced_with_ink_and_paper_exact() -> None:
    levels = sorted(set(paint.QUANTISED))
    assert len(levels) == paint.COVERAGE_LEVELS
    assert levels[0] == 0 and levels[-1] == 255
    steps = {b - a for a, b in itertools.pairwise(levels)}
    assert max(steps) - min(steps) <= 1
    # Each level goes to its nearest.
    assert all(
        abs(paint.QUANTISED[v] - v) <= (255 / (paint.COVERAGE_LEVELS - 1)) / 2 + 0.5
        for v in range(256)
    )


def test_a_font_replaced_at_the_same_path_is_read_anew(tmp_path: Path) -> None:
    """Caches are keyed by the file's state, not its name: a theme's font edited while a
    process runs (the preview, the service) paints the new glyphs."""
    font = tmp_path / "Font.otf"
    shutil.copyfile(FONTS / "inter" / "Inter-Regular.otf", font)
    first = _ours(str(font), 44.0, (20.0, 80.0), "Hello", False)
    shutil.copyfile(FONTS / "inter" / "Inter-Bold.otf", font)  # same path, same inode
    second = _ours(str(font), 44.0, (20.0, 80.0), "Hello", False)
    assert ImageChops.difference(first, second).getbbox() is not None
    expected = _pillow(str(FONTS / "inter" / "Inter-Bold.otf"), 44.0, (20.0, 80.0), "Hello", False)
    assert ImageChops.difference(expected, second).getbbox() is None


def test_a_flat_slide_is_a_4_bit_png_that_decodes_to_its_pixels() -> None:
    story = cardimg.load_story(ROOT / "samples" / "20240101-block-types.md")
    slides = cardimg.render(story).slides
    for slide in slides:
        png = slide.encode("png")
        bits, colour_type = png[24], png[25]  # IHDR's bit depth and colour type
        decoded = Image.open(io.BytesIO(png))
        assert decoded.convert("RGB").tobytes() == slide.image.tobytes()
        # Every slide of this story is flat: the palette's colours at 15 levels.
        assert len(decoded.getpalette() or []) <= 16 * 3
        assert (bits, colour_type) == (4, 3)
        # And a slide's PNG is the one its RGB pixels give.
        assert png == formats.encode_png(slide.image)
    assert len(slides) > 3


def test_glyphs_rendered_by_threads_at_once_are_the_same() -> None:
    """FreeType's faces are not for two threads at once, and ctypes lets go of the GIL
    during each call: a preview or service painting in threads must get the same pixels."""
    from concurrent.futures import ThreadPoolExecutor

    path = str(FONTS / "noto" / "NotoSerif-Regular.ttf")
    text = "Sphinx of black quartz, judge my vow: 0123456789"
    sizes = [20.0 + n * 1.5 for n in range(24)]  # new sizes: every glyph rendered afresh

    def paint(size: float) -> bytes:
        return _ours(path, size, (10.3, 90.6), text, False).tobytes()

    with ThreadPoolExecutor(max_workers=4) as pool:
        at_once = list(pool.map(paint, sizes))
    glyphs.glyph.cache_clear()
    glyphs.shaped.cache_clear()
    freetype_lib._sized_face.cache_clear()
    assert at_once == [paint(size) for size in sizes]


def test_text_on_the_frame_is_painted_in_colour(analyses) -> None:  # type: ignore[no-untyped-def]
    """A pixel of text over the frame would mix three colours: no palette image then,
    and the caller paints in colour (what a slide with text past its frame gets)."""
    _, analysis = analyses[0]
    plan = analysis.plans[0]
    coverage, inked = paint._text_coverage(plan, analysis.fonts)
    colours = paint._colours(analysis.palette)
    assert paint._paint_flat(plan, analysis.theme, colours, coverage, inked) is not None
    x0, y0, _, _ = plan.geometry.frame_box
    ink = (round(x0) - 3, round(y0) + 40, round(x0) + 3, round(y0) + 60)  # across the left rule
    coverage.paste(255, ink)
    assert paint._paint_flat(plan, analysis.theme, colours, coverage, [*inked, ink]) is None


@pytest.mark.parametrize("axis", ["x", "y"])
def test_a_position_half_a_64th_off_a_step_lands_where_pillows_does(axis: str) -> None:
    """Positions are taken to 64ths of a pixel with halves rounded up, as Pillow rounds
    them (Python's round() goes to even: a baseline at 32.5/64 sat a pixel above, a case
    hypothesis found). Every half 64th across a pixel, on each axis, exactly."""
    path = str(FONTS / "inter" / "Inter-Regular.otf")
    for step in range(128):
        offset = step / 128
        xy = (10 + offset, 60.0) if axis == "x" else (10.0, 60 + offset)
        image = Image.new("L", (1000, 160))  # the size _pillow draws on
        assert glyphs.draw_text(image, xy, (path, 0, 17.3), "Wave") is not None
        expected = _pillow(path, 17.3, xy, "Wave", False)
        assert image.tobytes() == expected.tobytes(), (axis, step)
