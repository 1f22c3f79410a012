"""Text painted from HarfBuzz's glyphs, each glyph rasterised once.

Pillow's `ImageDraw.text` shapes the text again (Raqm: FriBiDi and HarfBuzz) and has
FreeType rasterise every glyph afresh, each time it is called: a slide draws the same few
dozen glyphs hundreds of times, and that was most of the time spent painting. Here a
fragment is shaped by the HarfBuzz font the measurer already holds (`shaping.py`), each
glyph is rendered once per font, size and glyph id by the very FreeType library Pillow
loaded (`freetype_lib.py`: the same version and load flags, so the same coverage), and
pasted where Pillow would have put it: a glyph's pen position rounded to the pixel from a
start at the fragment's fractional x and y, then its bitmap's bearings. On the shipped
fonts of every script the result is Pillow's pixels (tests/test_glyphs.py compares them);
where two glyphs of one fragment overlap, coverage is composited "over" where Pillow takes
the larger, a difference of a few levels along the touching edge.

Only what `shaping.single_run` promises is drawn here (one script, one bidi level,
features we translate); anything else, colour bitmap fonts, and a machine whose Pillow
does not show us its FreeType are left to Pillow. So drawing needs Raqm only where
measuring does.
"""

from __future__ import annotations

import math
import os
from functools import lru_cache
from typing import NamedTuple

from PIL import Image

from . import freetype_lib as freetype
from . import shaping

__all__ = ["Glyph", "draw_text", "file_stamp", "glyph", "shaped"]


Stamp = tuple[int, int, int] | None  # a font file's (inode, size, modification time)


def file_stamp(path: str) -> Stamp:
    """What tells one state of a file from another, cheaply: asked per fragment drawn."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_ino, status.st_size, status.st_mtime_ns)


class Glyph(NamedTuple):
    """A rendered glyph: its coverage (None for an empty one, a space) and where its
    top-left pixel sits from the pen on the baseline."""

    coverage: Image.Image | None
    left: int
    top: int


Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels


class Placed(NamedTuple):
    """A shaped glyph: its id, and offset and advance in 1/64 pixel."""

    gid: int
    x_offset: int
    y_offset: int
    x_advance: int
    y_advance: int


@lru_cache(maxsize=20_000)
def glyph(path: str, index: int, size: float, gid: int, stamp: Stamp = None) -> Glyph | None:
    """Glyph `gid` of the font at `size`, rendered once (a few KB each: bounded); None
    where FreeType gives no grey coverage for it (a colour or monochrome strike)."""
    rendered = freetype.render_glyph(path, index, size, gid, stamp)
    if rendered is None:
        return None
    width, rows, pitch, pixels, left, top = rendered
    if width == 0 or rows == 0:
        return Glyph(None, left, top)
    coverage = Image.frombytes("L", (width, rows), pixels, "raw", "L", pitch)
    return Glyph(coverage, left, top)


@lru_cache(maxsize=8_192)
def shaped(
    path: str,
    index: int,
    size: float,
    text: str,
    features: tuple[str, ...],
    rtl: bool,
    stamp: Stamp = None,
) -> tuple[Placed, ...] | None:
    """The glyphs of `text` as Raqm would give them to Pillow (in visual order), or None
    where that cannot be promised here (see `shaping.single_run`)."""
    values = shaping.feature_values(features)
    direction = "rtl" if rtl else "ltr"
    if values is None or not shaping.single_run(text) or shaping.direction(text) != direction:
        return None
    font = shaping.hb_font(path, index, size, stamp)
    if font is None:
        return None
    buffer = shaping.shaped_buffer(font, text, direction, values)
    return tuple(
        Placed(info.codepoint, pos.x_offset, pos.y_offset, pos.x_advance, pos.y_advance)
        for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True)
    )


def draw_text(
    coverage: Image.Image,
    xy: tuple[float, float],
    ref: tuple[str, int, float],
    text: str,
    features: tuple[str, ...] = (),
    *,
    rtl: bool = False,
) -> Box | None:
    """Paint `text` into the "L" image `coverage` (255 = ink) with its baseline's left end
    at `xy`, as `ImageDraw.text(xy, text, anchor="ls")` would, and give the box its ink
    may cover; None (and nothing painted) where Pillow must draw it. `ref` is (font
    file, face index, size)."""
    path, index, size = ref
    # Every cache below is keyed by the file's state too: a font replaced at the same
    # path (a theme's font edited while the service runs) is read afresh.
    stamp = file_stamp(path)
    glyphs = shaped(path, index, size, text, features, rtl, stamp)
    if glyphs is None or not freetype.available():
        return None
    rendered = [glyph(path, index, size, placed.gid, stamp) for placed in glyphs]
    if None in rendered:
        return None
    x, y = xy
    origin_x, origin_y = math.floor(x), math.floor(y)
    # In 64ths, halves rounded up as Pillow rounds them (Python's round() goes to even:
    # a baseline at 32.5/64 then sat a pixel above Pillow's).
    pen_x, pen_y = math.floor((x - origin_x) * 64 + 0.5), math.floor((y - origin_y) * 64 + 0.5)
    paste = coverage.paste
    ink = [origin_x, origin_y, origin_x, origin_y]
    for placed, one in zip(glyphs, rendered, strict=True):
        assert one is not None
        if one.coverage is not None:
            left = origin_x + ((pen_x + placed.x_offset + 32) >> 6) + one.left
            # y grows downwards here and upwards in HarfBuzz: rounded as Pillow rounds.
            top = origin_y - ((placed.y_offset - pen_y + 32) >> 6) - one.top
            paste(255, (left, top), one.coverage)
            width, height = one.coverage.size
            ink = [
                min(ink[0], left),
                min(ink[1], top),
                max(ink[2], left + width),
                max(ink[3], top + height),
            ]
        pen_x += placed.x_advance
        pen_y -= placed.y_advance
    return (ink[0], ink[1], ink[2], ink[3])
