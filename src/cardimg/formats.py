"""Encoders for slides and stories: PNG, JPEG, WebP, AVIF (one file per slide), PDF (one per
story).

Each format is an `Encoder` in a small registry, found by name with `encoder("webp")`: the one
place a format is named (what it writes, its extension, what a save of it replaces). Every
encoder is deterministic: the same pixels (and, for PDF, lines, title and date) give the same
bytes in any process, on any day; nothing here reads the clock or a random source.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, NamedTuple, Protocol, cast
from zlib import crc32

from .errors import CardimgError, OptionsError
from .resources import data_dir

if TYPE_CHECKING:  # Pillow, pikepdf and fontTools load when first needed: `cardimg --help`
    from pathlib import Path  # reads FORMAT_NAMES and should not wait for them

    import pikepdf
    from PIL import Image

    from .timing import Timeline

__all__ = [
    "FORMAT_NAMES",
    "Encoder",
    "Page",
    "TextLine",
    "UnknownFormatError",
    "by_extension",
    "encode_avif",
    "encode_jpeg",
    "encode_pdf",
    "encode_png",
    "encode_webp",
    "encoder",
    "encoders",
    "format_help",
    "palette_image",
    "srgb_profile",
]

JPEG_QUALITY = 92  # high enough that text edges stay clean; platforms recompress anyway
WEBP_LOSSY_QUALITY = 90  # for slides with a photo, where lossless WebP would be huge
WEBP_METHOD = 4  # measured: method 6 gave the same lossless size, 1.5–50× slower
WEBP_LOSSLESS_EFFORT = 75  # measured: 2 % larger than 100 at half the time, 18 % smaller than 50
PNG_LEVEL = 6  # measured: level 9 is 7 % smaller but 7× slower; level 1 is 35 % larger
# Measured on four photo slides (the seed's covers, a full-size crop, an enlarged photo):
# level 5 is within 3 % of level 6's bytes (−1.5 % to +2.8 %) at 55–75 % of its time.
RGB_PNG_LEVEL = 5
MAX_PALETTE = 256  # PNG's (and PDF's /Indexed) palette limit


class UnknownFormatError(CardimgError, ValueError):
    """A format name that is not in the registry; the message lists the known ones."""


class TextLine(Protocol):
    """What the PDF text layer needs from a line: `cardimg.Line` has all of it."""

    @property
    def text(self) -> str: ...
    @property
    def box(self) -> tuple[int, int, int, int]: ...  # x0, y0, x1, y1 in pixels
    @property
    def font_size(self) -> float: ...
    @property
    def baseline(self) -> float: ...  # y of the baseline, pixels from the top

    # Optional, used when present (see `_line_runs`): `fragments`, `marker`.


class Page(NamedTuple):
    """One slide to encode: its pixels and (for PDF's searchable text) the lines drawn on it."""

    image: Image.Image
    lines: Sequence[TextLine] = ()


# --------------------------------------------------------------------------- raster formats


def _clean_rgb(image: Image.Image) -> Image.Image:
    """The image as plain RGB with no metadata, so only the pixels decide the bytes
    (Pillow would otherwise copy an ICC profile or transparency from `image.info`)."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    if image.info:
        image = image.copy()
        image.info = {}
    return image


def _save(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def _key_image(low: Image.Image, high: Image.Image) -> Image.Image:
    """A 32-bit image whose pixels are `high * 256 + low`: a key for a 65536-entry lookup."""
    from PIL import Image

    zero = Image.new("L", low.size)
    packed = Image.merge("RGBA", (low, high, zero, zero)).tobytes()
    return Image.frombytes("I", low.size, packed, "raw", "I;32")  # little-endian, any host


def _lookup(key: Image.Image, keys: dict[int, int]) -> Image.Image:
    """Map a key image (values < 65536) through `keys`, key → value (< 256), to an "L" image."""
    table = [0] * 65536
    for key_value, value in keys.items():
        table[key_value] = value
    return key.point(table, "L")


def _additive_tables(
    colours: list[tuple[int, int, int]],
) -> tuple[list[int], dict[tuple[int, int, int], int]] | None:
    """Three 256-entry tables, one per channel, such that `(R[r] + G[g] + B[b]) % 256` is a
    different number for each of `colours`: then three 8-bit lookups and two modulo sums give
    every pixel its palette index. Returns (the 768 table entries, colour → index) or None.

    Built greedily, one colour after another: a colour with a channel value that no earlier
    colour had gets the next free index by setting that value's entry; a colour whose three
    values are all taken gets whatever sum they make, if that sum is still free. A slide's
    colours (a background, a text colour and the anti-aliased shades between them) form a
    chain in which every next shade changes some channel to a value not seen before, so in
    chain order this always succeeds; the orders tried are the chain orders by lightness and
    by each channel. Every index is checked to be unique, so a success is always exact.
    """
    orders = (
        lambda c: (c[0] + c[1] + c[2], c),
        lambda c: (c[0], c),
        lambda c: (c[1], c),
        lambda c: (c[2], c),
    )
    for key in orders:
        tables: list[dict[int, int]] = [{}, {}, {}]
        index: dict[tuple[int, int, int], int] = {}
        used: set[int] = set()
        free = 0
        for colour in sorted(colours, key=key):
            new = [channel for channel in range(3) if colour[channel] not in tables[channel]]
            taken = sum(tables[ch].get(colour[ch], 0) for ch in range(3) if ch not in new[:1])
            if new:
                while free in used:
                    free += 1
                tables[new[0]][colour[new[0]]] = (free - taken) % 256
                for channel in new[1:]:
                    tables[channel][colour[channel]] = 0
                value = free
            else:
                value = taken % 256
            if value in used:
                break
            used.add(value)
            index[colour] = value
        else:
            flat = [tables[ch].get(v, 0) for ch in range(3) for v in range(256)]
            return flat, index
    return None


def _index_image(image: Image.Image, colours: list[tuple[int, int, int]]) -> Image.Image | None:
    """An "L" image of each pixel's palette index, and the palette (colour per index), found
    by exact lookups, never by nearness; None if no additive lookup tells the colours apart.

    (Pillow's own convert-to-palette snaps to a 6-bit colour cache, which merges the close
    shades of anti-aliased text, and its exact quantizers are 3–10× slower than this.)
    """
    from PIL import ImageChops

    found = _additive_tables(colours)
    if found is None:
        return None
    tables, index = found
    red, green, blue = image.point(tables).split()
    indexed = ImageChops.add_modulo(ImageChops.add_modulo(red, green), blue)
    palette = [(0, 0, 0)] * (max(index.values()) + 1)
    for colour, number in index.items():
        palette[number] = colour
    indexed.putpalette([value for colour in palette for value in colour])
    return indexed


def _index_image_by_keys(image: Image.Image, colours: list[tuple[int, int, int]]) -> Image.Image:
    """The slower exact mapping through 16-bit keys, for colour sets no additive lookup
    separates (a slide with a logo or colour emoji can have such colours)."""
    from PIL import ImageChops

    position = {colour: number for number, colour in enumerate(colours)}
    bands = image.split()
    # Usually one channel with the sum of the other two (mod 256) tells them apart: one lookup.
    for first, second, third in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
        keys = {c[first] * 256 + (c[second] + c[third]) % 256: n for c, n in position.items()}
        if len(keys) == len(colours):
            mixed = ImageChops.add_modulo(bands[second], bands[third])
            indexed = _lookup(_key_image(mixed, bands[first]), keys)
            break
    else:  # always works: (red, green) → which pair it is, then (pair, blue) → colour.
        pair_of = {pair: n for n, pair in enumerate(sorted({colour[:2] for colour in colours}))}
        pairs = _lookup(
            _key_image(bands[1], bands[0]), {r * 256 + g: n for (r, g), n in pair_of.items()}
        )
        keys = {pair_of[c[:2]] * 256 + c[2]: n for c, n in position.items()}
        indexed = _lookup(_key_image(bands[2], pairs), keys)
    indexed.putpalette([value for colour in colours for value in colour])
    return indexed


def palette_image(image: Image.Image) -> Image.Image | None:
    """The same pixels as an exact palette ("P") image, or None if they have over 256 colours.

    A flat slide (one background, text colours and their anti-aliasing) has a few hundred
    colours at most; as a palette PNG it is exact, ~2× smaller and ~3× faster to compress.
    A slide with a photo behind it keeps its thousands of colours: it is never quantised.
    """
    if image.mode == "P" and "transparency" not in image.info:
        return _canonical_palette(image)
    image = _clean_rgb(image)
    counts = image.getcolors(MAX_PALETTE)
    if counts is None:
        return None
    # Sorted by value: an order fixed by the pixels alone (the indices follow from it).
    # (Pillow types one colour for every mode; an RGB image's are (r, g, b) triples)
    colours = sorted(cast(tuple[int, int, int], colour) for _, colour in counts)
    indexed = _index_image(image, colours) or _index_image_by_keys(image, colours)
    return _canonical_palette(indexed)


def _canonical_palette(indexed: Image.Image) -> Image.Image:
    """A palette image in the one form `palette_image` gives any pixels: only the colours
    used, each once, sorted by value; so a slide painted as a palette image (paint.py)
    and the same pixels in RGB make the same file. Returned as it is when it already is
    in that form (a painted slide: no pixel is touched)."""
    from PIL import Image

    raw = indexed.getpalette("RGB") or []
    used = [index for index, count in enumerate(indexed.histogram()) if count]
    colour_of = {index: tuple(raw[3 * index : 3 * index + 3]) for index in used}
    colours = sorted(set(colour_of.values()))
    position = {colour: number for number, colour in enumerate(colours)}
    lut = [0] * 256
    for index, colour in colour_of.items():
        lut[index] = position[colour]
    entries = [value for colour in colours for value in colour]
    if all(lut[index] == index for index in used) and raw == entries:
        return indexed if not indexed.info else _without_info(indexed)
    remapped = Image.frombytes("L", indexed.size, indexed.tobytes()).point(lut)
    remapped.putpalette(entries)
    return remapped


def _without_info(image: Image.Image) -> Image.Image:
    image = image.copy()
    image.info = {}
    return image


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc32(kind + data))


def _palette_png(indexed: Image.Image) -> bytes:
    """A palette PNG of `indexed`, its rows unfiltered (filters only make palette indices
    compress worse, measured), compressed by zlib-ng: at the same level it is ~3× faster
    than zlib and its files are ~5 % smaller (measured on the seed's slides). Sixteen
    colours or fewer (a flat slide: paint.COVERAGE_LEVELS) are packed two pixels to a
    byte, as PNG allows: half the data to compress, and a file ~7 % smaller."""
    from PIL import Image
    from zlib_ng import zlib_ng

    palette = bytes(indexed.getpalette() or [])
    width, height = indexed.size
    bits = 4 if len(palette) <= 16 * 3 else 8
    pixels = indexed.tobytes("raw", "P;4") if bits == 4 else indexed.tobytes()
    stride = (width * bits + 7) // 8  # bytes per row (a row's last byte may be half used)
    # Each row starts with its filter type, 0, then its index bytes: the rows as a grey
    # image one byte wider, pasted after a column of zeros (in C, not a row at a time).
    rows = Image.new("L", (stride + 1, height), 0)
    rows.paste(Image.frombytes("L", (stride, height), pixels), (1, 0))
    framed = rows.tobytes()
    header = struct.pack(">IIBBBBB", width, height, bits, 3, 0, 0, 0)  # palette
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"PLTE", palette),
            _png_chunk(b"IDAT", zlib_ng.compress(framed, PNG_LEVEL)),
            _png_chunk(b"IEND", b""),
        ]
    )


def _exact_png(image: Image.Image) -> bytes:
    """The pixels, losslessly: a palette PNG when they have ≤ 256 colours, else RGB."""
    indexed = palette_image(image)
    if indexed is not None:
        return _palette_png(indexed)
    return _rgb_png(image)


def _rgb_png(image: Image.Image) -> bytes:
    """An RGB PNG whose rows Pillow filters (its encoder picks each row's filter, as
    libpng does) and zlib-ng compresses: Pillow deflates with the system's zlib, 3× slower
    than zlib-ng for files within 3 % of the same size (a photo slide: 270 ms against 90,
    measured). Pillow writes the rows stored (level 0), so taking them back costs a copy."""
    from zlib import decompress

    from zlib_ng import zlib_ng

    stored = _png_chunks(_save(_clean_rgb(image), "PNG", compress_level=0))
    rows = decompress(stored[b"IDAT"])
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", stored[b"IHDR"]),
            _png_chunk(b"IDAT", zlib_ng.compress(rows, RGB_PNG_LEVEL)),
            _png_chunk(b"IEND", b""),
        ]
    )


def encode_png(image: Image.Image, quality: int | None = None) -> bytes:
    """Lossless PNG: an exact palette PNG when the slide has ≤ 256 colours, else RGB.
    (`quality` is accepted for a uniform call and checked, but PNG has none to lose.)"""
    _check_quality(quality)
    return _exact_png(image)


@cache
def srgb_profile() -> bytes:
    """The sRGB ICC profile shipped in `data/` (see its README): fixed bytes, unlike a
    profile made at run time, which carries the moment it was made."""
    return (data_dir("data") / "sRGB.icc").read_bytes()


def _check_quality(quality: int | None) -> None:
    whole = isinstance(quality, int) and not isinstance(quality, bool)
    if quality is not None and not (whole and 1 <= quality <= 100):
        raise OptionsError(f"quality must be a whole number from 1 to 100, not {quality!r}")


def encode_jpeg(image: Image.Image, quality: int | None = None) -> bytes:
    """JPEG with 4:4:4 chroma (coloured text edges stay clean) and the sRGB profile."""
    _check_quality(quality)
    return _save(
        _clean_rgb(image),
        "JPEG",
        quality=JPEG_QUALITY if quality is None else quality,
        subsampling=0,
        icc_profile=srgb_profile(),
    )


def encode_webp(image: Image.Image, quality: int | None = None) -> bytes:
    """WebP: lossless for a flat slide (≤ 256 colours; smaller than its PNG), lossy for a
    photo slide; an explicit `quality` asks for lossy at that quality."""
    _check_quality(quality)
    image = _clean_rgb(image)
    if quality is None and image.getcolors(MAX_PALETTE) is not None:
        return _save(image, "WEBP", lossless=True, quality=WEBP_LOSSLESS_EFFORT, method=WEBP_METHOD)
    lossy = WEBP_LOSSY_QUALITY if quality is None else quality
    return _save(image, "WEBP", quality=lossy, method=WEBP_METHOD)


AVIF_QUALITY = 90  # as WebP's lossy: text edges stay clean at phone size
AVIF_SPEED = 6  # Pillow's default: measured ~0.6 s a 1080×1350 slide on one thread


def encode_avif(image: Image.Image, quality: int | None = None) -> bytes:
    """AVIF (AV1 stills): lossy at `quality` with 4:4:4 chroma, as JPEG, so coloured text
    edges stay clean, and the sRGB profile. One encoder thread: AV1's multi-threaded
    encoders may split the work, and so the bytes, by the number of cores."""
    _check_quality(quality)
    return _save(
        _clean_rgb(image),
        "AVIF",
        quality=AVIF_QUALITY if quality is None else quality,
        subsampling="4:4:4",
        speed=AVIF_SPEED,
        max_threads=1,
        icc_profile=srgb_profile(),
    )


# --------------------------------------------------------------------------- PDF


def _png_chunks(data: bytes) -> dict[bytes, bytes]:
    """PNG chunks by type, IDAT parts joined into the one zlib stream they are (Pillow
    writes a photo slide as ~70 of them: joined once, not added up one by one)."""
    parts: dict[bytes, list[memoryview]] = {}
    view, offset = memoryview(data), 8
    while offset < len(data):
        length, kind = struct.unpack_from(">I4s", data, offset)
        parts.setdefault(kind, []).append(view[offset + 8 : offset + 8 + length])
        offset += 12 + length
    return {kind: b"".join(pieces) for kind, pieces in parts.items()}


# LinkedIn takes documents up to 100 MB and 300 pages: a page whose exact (PNG) data fits its
# share stays exact; a larger one (a photo slide: 1.5–3 MB exact) becomes JPEG.
PAGE_BUDGET = 100_000_000 // 300


def _image_xobject(
    pdf: pikepdf.Pdf, image: Image.Image, colour_space: pikepdf.Object, quality: int
) -> pikepdf.Stream:
    """A page image: exact when it fits the page budget (flat slides always do), else JPEG."""
    import pikepdf

    exact = _exact_png(image)
    if len(exact) <= PAGE_BUDGET:
        return _png_xobject(pdf, exact, colour_space)
    return pdf.make_stream(
        encode_jpeg(image, quality),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=image.width,
        Height=image.height,
        ColorSpace=colour_space,
        BitsPerComponent=8,
        Filter=pikepdf.Name.DCTDecode,
    )


def _png_xobject(pdf: pikepdf.Pdf, png: bytes, colour_space: pikepdf.Object) -> pikepdf.Stream:
    """A PNG's pixel data as an image, without recompressing: PDF's FlateDecode with PNG
    predictors reads IDAT as it is. Pillow writes 8-bit RGB, or palette packed in 1–8 bits."""
    import pikepdf

    chunks = _png_chunks(png)
    width, height, bits, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    if colour_type == 3:  # palette
        palette = chunks[b"PLTE"]
        last = len(palette) // 3 - 1
        space: pikepdf.Object = pikepdf.Array(
            [pikepdf.Name.Indexed, colour_space, last, pikepdf.String(palette)]
        )
        colours = 1
    else:
        space, colours = colour_space, 3
    return pdf.make_stream(
        chunks[b"IDAT"],
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=width,
        Height=height,
        ColorSpace=space,
        BitsPerComponent=bits,
        Filter=pikepdf.Name.FlateDecode,
        DecodeParms=pikepdf.Dictionary(
            Predictor=15, Colors=colours, BitsPerComponent=bits, Columns=width
        ),
    )


def _number(value: float) -> str:
    """A PDF number with fixed precision, so the same layout writes the same text."""
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


GLYPH_ADVANCE = 500  # the text-layer font's one width, in 1/1000 em


def _line_runs(line: TextLine) -> list[tuple[str, float, float]]:
    """(characters in left-to-right order, left x, width) for each piece of the line.

    A `cardimg.Line` also has `fragments` (visual order, each with `x`, `width`, `rtl`) and a
    list `marker`: they place each piece where it was drawn. A right-to-left piece is written
    reversed, as drawn, because text extractors read a page left to right and turn RTL runs
    back into reading order (written in reading order, Arabic and Hebrew came out backwards).
    """
    fragments = getattr(line, "fragments", ())
    marker = getattr(line, "marker", None)
    if not fragments:
        x0, _, x1, _ = line.box
        return [(line.text, x0, x1 - x0)]
    pieces = [marker] if marker is not None else []
    pieces += fragments
    return [(p.text[::-1] if p.rtl else p.text, p.x, p.width) for p in pieces]


def _line_text(line: TextLine, page_height: int, codes: dict[str, int]) -> str:
    """Invisible text (render mode 3), each piece stretched over the width it was drawn in;
    `codes` gives each character its font code, the same across the document."""
    size = line.font_size
    if size <= 0:
        return ""
    y = _number(page_height - line.baseline)
    out = []
    for characters, x, width in _line_runs(line):
        if not characters or width <= 0:
            continue
        hexes = "".join(f"{codes.setdefault(char, len(codes) + 1):04X}" for char in characters)
        stretch = 100 * width / (len(characters) * size * GLYPH_ADVANCE / 1000)
        out.append(f"{_number(stretch)} Tz 1 0 0 1 {_number(x)} {y} Tm <{hexes}> Tj\n")
    return f"/T {_number(size)} Tf\n" + "".join(out) if out else ""


def _page_content(page: Page, codes: dict[str, int]) -> bytes:
    width, height = page.image.size
    text = "".join(_line_text(line, height, codes) for line in page.lines)
    picture = f"q {width} 0 0 {height} 0 0 cm /Slide Do Q\n"
    return (picture + (f"BT 3 Tr\n{text}ET\n" if text else "")).encode("ascii")


@cache
def _glyphless_font() -> bytes:
    """A TrueType font of one empty glyph: the text layer is never drawn, so any character
    of any script can use it; what readers copy and search comes from the ToUnicode map."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "blank"])
    builder.setupCharacterMap({0x20: "blank"})
    empty = TTGlyphPen(None).glyph()
    builder.setupGlyf({".notdef": empty, "blank": empty})
    builder.setupHorizontalMetrics({".notdef": (GLYPH_ADVANCE, 0), "blank": (GLYPH_ADVANCE, 0)})
    builder.setupHorizontalHeader(ascent=1000, descent=0)
    builder.setupNameTable({"familyName": "CardimgText", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=1000, usWinAscent=1000, usWinDescent=0)
    builder.setupPost()
    # FontBuilder stamps the head table with the current time: fix both dates (0 is 1904-01-01)
    # and keep saving from restamping them, so the font, and the PDF, never change.
    builder.font["head"].created = builder.font["head"].modified = 0
    builder.font.recalcTimestamp = False
    buffer = io.BytesIO()
    builder.save(buffer)
    return buffer.getvalue()


def _to_unicode(codes: dict[str, int]) -> bytes:
    """The CMap from font codes to the characters they stand for (UTF-16, so astral
    characters such as emoji map too)."""
    entries = [
        f"<{code:04X}> <{char.encode('utf-16-be').hex().upper()}>" for char, code in codes.items()
    ]
    blocks = [entries[start : start + 100] for start in range(0, len(entries), 100)]
    body = "".join(f"{len(b)} beginbfchar\n" + "\n".join(b) + "\nendbfchar\n" for b in blocks)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{body}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


def _text_font(pdf: pikepdf.Pdf, codes: dict[str, int]) -> pikepdf.Object:
    """A Type 0 font whose every code draws the one empty glyph, embedded (so no viewer
    goes looking for a font), with the ToUnicode map that makes the text searchable."""
    import pikepdf

    glyph_map = b"\x00\x00" + b"\x00\x01" * len(codes)  # code 0 → .notdef, the rest → blank
    Name = pikepdf.Name
    descriptor = pikepdf.Dictionary(
        Type=Name.FontDescriptor,
        FontName=Name.CardimgText,
        Flags=5,  # fixed pitch, symbolic
        FontBBox=[0, 0, GLYPH_ADVANCE, 1000],
        ItalicAngle=0,
        Ascent=1000,
        Descent=0,
        CapHeight=1000,
        StemV=80,
        FontFile2=pdf.make_stream(_glyphless_font()),
    )
    descendant = pikepdf.Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=Name.CardimgText,
        CIDSystemInfo=pikepdf.Dictionary(
            Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0
        ),
        FontDescriptor=pdf.make_indirect(descriptor),
        DW=GLYPH_ADVANCE,
        CIDToGIDMap=pdf.make_stream(glyph_map),
    )
    font = pikepdf.Dictionary(
        Type=Name.Font,
        Subtype=Name.Type0,
        BaseFont=Name.CardimgText,
        Encoding=Name("/Identity-H"),
        DescendantFonts=[pdf.make_indirect(descendant)],
        ToUnicode=pdf.make_stream(_to_unicode(codes)),
    )
    return pdf.make_indirect(font)


def _pdf_date(value: datetime | date | str) -> str | None:
    """A PDF date string (D:YYYYMMDDHHmmSS+HH'mm'), or None for text that is not an ISO date:
    the document then has no date rather than a guessed one."""
    if isinstance(value, str):
        text = value.strip()
        try:  # a bare day stays a day; anything with a time keeps its time and zone
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return value.strftime("D:%Y%m%d")
    stamp = value.strftime("D:%Y%m%d%H%M%S")
    offset = value.utcoffset()
    if offset is None:
        return stamp
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return stamp + f"{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"


def _set_metadata(pdf: pikepdf.Pdf, title: str | None, when: datetime | date | str | None) -> None:
    import pikepdf

    if title:
        pdf.docinfo[pikepdf.Name.Title] = title
        # Viewers show the story title instead of the file name.
        pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    stamp = _pdf_date(when) if when is not None else None
    if stamp:
        pdf.docinfo[pikepdf.Name.CreationDate] = stamp


def encode_pdf(
    pages: Sequence[Page],
    quality: int | None = None,
    *,
    title: str | None = None,
    date: datetime | date | str | None = None,
) -> bytes:
    """One PDF page per slide, each the slide's pixel size in points (72 dpi, so a page is as
    many points as the slide has pixels), with the slide's lines as invisible, searchable text.

    Page images are exact (PNG data) when they fit LinkedIn's share per page (100 MB / 300),
    as flat slides and emoji slides do; photo slides become JPEG at `quality` (4:4:4).
    No clock, no random ID: the /ID is derived from the content.
    """
    import pikepdf

    _check_quality(quality)
    if not pages:
        raise ValueError("a PDF needs at least one page")
    pdf = pikepdf.Pdf.new()
    colour_space = pdf.make_indirect(
        pikepdf.Array([pikepdf.Name.ICCBased, pdf.make_stream(srgb_profile(), N=3)])
    )
    codes: dict[str, int] = {}
    resources = []
    for page in pages:
        image = _image_xobject(pdf, page.image, colour_space, quality or JPEG_QUALITY)
        added = pdf.add_blank_page(page_size=page.image.size)
        added.obj.Contents = pdf.make_stream(_page_content(page, codes))
        resources.append(pikepdf.Dictionary(XObject=pikepdf.Dictionary(Slide=image)))
        added.obj.Resources = resources[-1]
    if codes:  # the font needs every page's characters, so it is made last and shared
        font = _text_font(pdf, codes)
        for resource in resources:
            resource.Font = pikepdf.Dictionary(T=font)
    _set_metadata(pdf, title, date)
    buffer = io.BytesIO()
    pdf.save(buffer, deterministic_id=True)
    return buffer.getvalue()


# --------------------------------------------------------------------------- the registry

DateLike = datetime | date | str


class SlideEncode(Protocol):
    """A per-slide format's encoder: one slide's pixels → its file's bytes."""

    def __call__(self, image: Image.Image, quality: int | None = None, /) -> bytes: ...


class StoryEncode(Protocol):
    """A per-story format's encoder: every page (pixels and lines) → the one file's bytes.
    `title` and `date` are the story's (document metadata)."""

    def __call__(
        self,
        pages: Sequence[Page],
        quality: int | None = None,
        *,
        title: str | None = None,
        date: DateLike | None = None,
    ) -> bytes: ...


class VideoEncode(Protocol):
    """A timed format's encoder: every page shown for its time in `timeline` (by default
    the reading time of its lines), `audio` laid under it → the one file's bytes."""

    def __call__(
        self,
        pages: Sequence[Page],
        quality: int | None = None,
        *,
        title: str | None = None,
        date: DateLike | None = None,
        timeline: Timeline | None = None,
        audio: Path | None = None,
    ) -> bytes: ...


def _encode_mp4(
    pages: Sequence[Page],
    quality: int | None = None,
    *,
    title: str | None = None,
    date: DateLike | None = None,
    timeline: Timeline | None = None,
    audio: Path | None = None,
) -> bytes:
    # PyAV loads when a video is made: it is an optional dependency (cardimg[video]).
    from .video import encode_mp4

    return encode_mp4(pages, quality, title=title, date=date, timeline=timeline, audio=audio)


@dataclass(frozen=True)
class Encoder:
    """One output format, the one place it is named: its file extension and media type,
    whether it writes one file per slide (PNG, JPEG, WebP, AVIF) or one per story (PDF),
    the typed function that makes the bytes, and so which files a save of it replaces.

    A timed format (video) is a story format whose pages each last a time. `aliases` are
    other names a user may give it (`jpg`); `old_extensions` those its files had before (a
    `.jpeg` slide is replaced by a JPEG save writing `.jpg`); `sidecars` the extensions of
    files written beside the story's file (a video's WebVTT captions)."""

    name: str
    extension: str
    media_type: str
    slide_function: SlideEncode | None = field(default=None, repr=False)
    story_function: StoryEncode | None = field(default=None, repr=False)
    video_function: VideoEncode | None = field(default=None, repr=False)
    aliases: tuple[str, ...] = ()
    old_extensions: tuple[str, ...] = ()
    sidecars: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        functions = (self.slide_function, self.story_function, self.video_function)
        if sum(function is not None for function in functions) != 1:
            raise ValueError(f"format {self.name}: give one slide, story or video function")

    @property
    def per_slide(self) -> bool:
        """True for a file per slide (`01.png`…), False for one file per story."""
        return self.slide_function is not None

    @property
    def timed(self) -> bool:
        """True for a video: each slide is shown for a time, and a target's limit on
        length (not on slides) decides how a story is split."""
        return self.video_function is not None

    @property
    def writes(self) -> str:
        """What one file of this format holds: `slide` or `story`."""
        return "slide" if self.per_slide else "story"

    def replaces(self, name: str) -> bool:
        """Whether a save in this format replaces the story folder's file `name`: its own
        slide files (`01.png`, `012.png`; old extensions too) or its story file (any name,
        since the story's folder, and so its file's name, may have been renamed)."""
        extensions = (self.extension, *self.old_extensions, *self.sidecars)
        stem, dot, extension = name.rpartition(".")
        if not dot or extension not in extensions:
            return False
        if not self.per_slide:
            return bool(stem)
        return len(stem) in (2, 3) and stem.isascii() and stem.isdigit()

    def encode(
        self,
        pages: Sequence[Page | Image.Image],
        *,
        quality: int | None = None,
        title: str | None = None,
        date: DateLike | None = None,
        timeline: Timeline | None = None,
        audio: Path | None = None,
    ) -> bytes:
        """The file's bytes: a per-slide format takes exactly one page; a story format any
        number. `quality` matters for the lossy formats; title and date for story formats;
        `timeline` and `audio` for a video (see `cardimg.timing`)."""
        wrapped = [page if isinstance(page, Page) else Page(page) for page in pages]
        if self.video_function is not None:
            return self.video_function(
                wrapped, quality, title=title, date=date, timeline=timeline, audio=audio
            )
        if self.story_function is not None:
            return self.story_function(wrapped, quality, title=title, date=date)
        assert self.slide_function is not None  # (__post_init__: one of the two)
        if len(wrapped) != 1:
            raise ValueError(f"{self.name} holds one slide per file, not {len(wrapped)}")
        return self.slide_function(wrapped[0].image, quality)


_ENCODERS: dict[str, Encoder] = {
    codec.name: codec
    for codec in (
        Encoder("png", "png", "image/png", slide_function=encode_png),
        Encoder(
            "jpeg",
            "jpg",
            "image/jpeg",
            slide_function=encode_jpeg,
            aliases=("jpg",),
            old_extensions=("jpeg",),
        ),
        Encoder("webp", "webp", "image/webp", slide_function=encode_webp),
        Encoder("avif", "avif", "image/avif", slide_function=encode_avif),
        Encoder("pdf", "pdf", "application/pdf", story_function=encode_pdf),
        Encoder("mp4", "mp4", "video/mp4", video_function=_encode_mp4, sidecars=("vtt",)),
    )
}
_ALIASES = {alias: codec.name for codec in _ENCODERS.values() for alias in codec.aliases}
FORMAT_NAMES = tuple(sorted([*_ENCODERS, *_ALIASES]))


def encoders() -> tuple[Encoder, ...]:
    """Every format, in the registry's order (aliases once, under their format)."""
    return tuple(_ENCODERS.values())


def format_help() -> str:
    """The formats as a sentence for a command's help: `png, jpeg, …, or pdf (one file a
    story)`, from the registry, so a new format is never missing from it."""
    names = [c.name if c.per_slide else f"{c.name} (one file a story)" for c in encoders()]
    names = [
        f"{c.name} (a video)" if c.timed else n for c, n in zip(encoders(), names, strict=True)
    ]
    return ", ".join(names[:-1]) + ", or " + names[-1]


def by_extension(extension: str) -> Encoder | None:
    """The format whose files end in `extension` (`jpg`, old `jpeg`, `png`…), or None."""
    key = extension.strip().lower()
    for codec in _ENCODERS.values():
        if key in (codec.extension, *codec.old_extensions):
            return codec
    return None


def encoder(name: str) -> Encoder:
    """The encoder for a format name (any case; `jpg` is `jpeg`); an unknown name is an
    UnknownFormatError that lists the known ones."""
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in _ENCODERS:
        known = ", ".join(FORMAT_NAMES)
        raise UnknownFormatError(f"unknown format {name!r} (known formats: {known})")
    return _ENCODERS[key]
