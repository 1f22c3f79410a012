"""The fast cmap reader (cardimg.cmap) answers exactly as fontTools' getBestCmap().

Which characters a font covers decides which font draws them: the fast reader must
agree with fontTools on every font cardimg ships and on the system CJK collections
it falls back to, and hand anything it does not plainly understand to fontTools."""

from __future__ import annotations

import itertools
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._g_l_y_f import Glyph
from fontTools.ttLib.tables.DefaultTable import DefaultTable
from hypothesis import given, settings
from hypothesis import strategies as st

from cardimg import fontconfig
from cardimg.cmap import RANGES_ABOVE, Ranges, read_font_info

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p for p in (ROOT / "fonts").rglob("*") if p.suffix in (".ttf", ".otf"))
SYSTEM_CJK = sorted(Path("/usr/share/fonts").rglob("Noto*CJK*.tt[cf]"))


def fonttools_info(path: Path, index: int = 0) -> tuple[frozenset[int], int]:
    with TTFont(path, lazy=True, fontNumber=index) as tt:
        strike = 0
        if "CBLC" in tt:
            strike = max(s.bitmapSizeTable.ppemY for s in tt["CBLC"].strikes)
        tt.setGlyphOrder([f"glyph{gid}" for gid in range(tt["maxp"].numGlyphs)])
        return frozenset(tt.getBestCmap() or {}), strike


def face_count(path: Path) -> int:
    with path.open("rb") as file:
        header = file.read(12)
    return struct.unpack(">L", header[8:12])[0] if header[:4] == b"ttcf" else 1


@pytest.mark.parametrize("ranges_above", [RANGES_ABOVE, 0], ids=["as-read", "all-as-ranges"])
def test_every_shipped_font_is_read_without_fonttools(ranges_above: int) -> None:
    # With ranges_above=0 every format 12 cmap is kept as Ranges: compared too.
    assert len(SHIPPED) >= 25
    for path in SHIPPED:
        fast = read_font_info(str(path), ranges_above=ranges_above)
        assert fast is not None, path
        assert fast == fonttools_info(path), path
    assert any(isinstance(read_font_info(str(path), ranges_above=0)[0], Ranges) for path in SHIPPED)


def test_the_emoji_font_strike_size() -> None:
    coverage, strike = read_font_info(str(ROOT / "fonts/noto-emoji/NotoColorEmoji.ttf"))
    assert strike == 109
    assert 0x1F600 in coverage


@pytest.mark.skipif(not SYSTEM_CJK, reason="no Noto CJK collection installed (fonts-noto-cjk)")
@pytest.mark.parametrize("path", SYSTEM_CJK, ids=lambda p: p.name)
def test_every_face_of_the_system_cjk_collections(path: Path) -> None:
    for index in range(face_count(path)):
        fast = read_font_info(str(path), index)
        assert fast is not None, (path, index)
        assert fast == fonttools_info(path, index), (path, index)


def build_font(path: Path, cmap: dict[int, int], glyphs: int) -> None:
    """A TrueType font whose cmap maps code -> glyph id (0 is the missing glyph)."""
    order = [".notdef"] + [f"g{gid}" for gid in range(1, glyphs)]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap({code: order[gid] for code, gid in cmap.items()})
    builder.setupGlyf({name: empty_glyph() for name in order})
    builder.setupHorizontalMetrics({name: (500, 0) for name in order})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupMaxp()
    builder.setupPost()
    builder.save(str(path))


def empty_glyph() -> Glyph:
    return TTGlyphPen(None).glyph()


codes = st.one_of(
    st.integers(0, 0xFFFD),  # format 4 only
    st.integers(0, 0x10FFFF).filter(lambda c: not 0xD800 <= c <= 0xDFFF),  # also format 12
)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(codes, st.integers(0, 40), max_size=60))
def test_built_cmaps_match_fonttools(tmp_path_factory: pytest.TempPathFactory, cmap) -> None:
    path = tmp_path_factory.mktemp("font") / "built.ttf"
    build_font(path, cmap, 41)
    assert read_font_info(str(path)) == fonttools_info(path)
    assert read_font_info(str(path))[0] == {code for code, gid in cmap.items() if gid}


def test_what_it_does_not_read_is_left_to_fonttools(tmp_path: Path) -> None:
    woff = tmp_path / "font.woff"
    with TTFont(SHIPPED[0]) as tt:
        tt.flavor = "woff"
        tt.save(woff)
    assert read_font_info(str(woff)) is None
    assert read_font_info(str(SHIPPED[0]), 3) is None  # no face 3 in a single font
    assert read_font_info(str(tmp_path / "missing.ttf")) is None
    truncated = tmp_path / "truncated.ttf"
    truncated.write_bytes(SHIPPED[0].read_bytes()[:2000])
    assert read_font_info(str(truncated)) is None


FC_QUESTIONS = [
    "sans-serif:charset=4eca:weight=bold:lang=zh-cn",
    "serif:charset=5e7f:lang=zh-cn",
    "sans-serif:charset=ac15:lang=ko",
    "sans-serif:charset=30ea:weight=bold:lang=ja",
    "monospace:charset=e01",
    "sans-serif:charset=10fffd",  # no font has it: fontconfig still names its best
    "sans-serif:charset=zz:lang=",  # not a pattern: fc-match prints nothing
]


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="fontconfig not installed")
@pytest.mark.parametrize("pattern", FC_QUESTIONS)
def test_fontconfig_in_process_answers_as_fc_match(pattern: str) -> None:
    fmt = "%{file}#%{index}"
    command = subprocess.run(
        ["fc-match", f"--format={fmt}", pattern], capture_output=True, text=True, check=False
    )
    assert fontconfig.match(pattern, fmt) == command.stdout


def with_raw_cmap(base: Path, path: Path, subtables: list[tuple[int, int, bytes]]) -> None:
    """A copy of `base` whose cmap is exactly `subtables` (platform, encoding, bytes)."""
    header = struct.pack(">HH", 0, len(subtables))
    offset = 4 + 8 * len(subtables)
    records, bodies = b"", b""
    for platform, encoding, body in subtables:
        records += struct.pack(">HHL", platform, encoding, offset + len(bodies))
        bodies += body
    with TTFont(base) as tt:
        raw = DefaultTable("cmap")
        raw.data = header + records + bodies
        tt["cmap"] = raw
        tt.save(path)


def format_12(groups: list[tuple[int, int, int]]) -> bytes:
    body = b"".join(struct.pack(">LLL", *group) for group in groups)
    return struct.pack(">HHLLL", 12, 0, 16 + len(body), 0, len(groups)) + body


VARIATIONS_NONE = struct.pack(">HLL", 14, 10, 0)  # a format 14 subtable with no records
groups = st.lists(
    st.tuples(st.integers(0, 0x110100), st.integers(0, 300), st.integers(0, 3)),
    max_size=12,
).map(lambda gs: [(first, first + span, glyph) for first, span, glyph in gs])


@settings(max_examples=60, deadline=None)
@given(groups, st.booleans())
def test_any_format_12_is_read_as_fonttools_reads_it_or_left_to_it(
    tmp_path_factory: pytest.TempPathFactory, groups, sort: bool
) -> None:
    """Groups on the missing glyph, overlapping, unsorted or past U+10FFFF: the fast
    reader answers as fontTools, or leaves the font to it."""
    if sort:
        groups = sorted(groups)
    path = tmp_path_factory.mktemp("font") / "raw.ttf"
    with_raw_cmap(SHIPPED[0], path, [(3, 10, format_12(groups)), (0, 5, VARIATIONS_NONE)])
    fast = read_font_info(str(path))
    if fast is not None:
        assert fast == fonttools_info(path)
    pairs = itertools.pairwise(groups)
    plain = sort and all(g[1] <= 0x10FFFF for g in groups) and all(a[1] <= b[0] for a, b in pairs)
    assert fast is not None or not plain  # a plain table is read without fontTools


@settings(deadline=None)
@given(
    bounds=st.lists(st.integers(0, 0x3000), min_size=0, max_size=40, unique=True),
    plane=st.sampled_from([0, 0x20000, 0x10C000]),  # the BMP, CJK's plane 2, the top
    probes=st.lists(st.integers(-1, 0x110000), max_size=60),
)
def test_ranges_hold_exactly_the_code_points_of_their_groups(bounds, plane, probes):
    # Sorted, disjoint groups: consecutive pairs of distinct sorted bounds (a few
    # thousand code points at most, so the set to compare with stays small).
    ordered = [plane + bound for bound in sorted(bounds)[: len(bounds) // 2 * 2]]
    firsts, lasts = ordered[0::2], ordered[1::2]
    ranges = Ranges(tuple(firsts), tuple(lasts))
    pairs = zip(firsts, lasts, strict=True)
    expected = {code for first, last in pairs for code in range(first, last + 1)}
    assert len(ranges) == len(expected)
    assert ranges == expected and set(ranges) == expected
    for code in [*probes, *firsts, *lasts, *(last + 1 for last in lasts)]:
        assert (code in ranges) is (code in expected)
    assert "a" not in ranges
