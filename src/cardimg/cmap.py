"""A font's character coverage read straight from its file, without fontTools.

fontTools builds a glyph name for every code point of a cmap, which for a CJK
collection face (45,000 code points) costs tens of milliseconds, paid again by every
process that meets CJK text. Coverage only needs the code points, and the two cmap
formats fonts use for them (4 and 12) are a few arrays: read here with `struct`.

`read_font_info` answers only for plainly well-formed fonts, and then exactly as
fontTools' `getBestCmap()` does; for anything else (WOFF, other cmap formats, any
inconsistency fontTools would warn about or reject) it returns None, and the caller
asks fontTools, which gives the answer, or the error, it always gave.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import struct
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import BinaryIO, TypeVar

__all__ = ["RANGES_ABOVE", "Ranges", "read_font_info"]

# fontTools' getBestCmap() order: the first (platform, encoding) present wins.
_PREFERENCES = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))
_SFNT_VERSIONS = (b"\x00\x01\x00\x00", b"OTTO", b"true")
_MAX_CODE = 0x10FFFF
_T = TypeVar("_T")
# Above this many code points a cmap is kept as its ranges rather than as a set.
RANGES_ABOVE = 16_384
# A CBLC BitmapSize record is 48 bytes; its ppemY byte sits at 45 (after four
# offsets/counts, two 12-byte line metrics, two glyph ids and ppemX).
_BITMAP_SIZE_RECORD = 48
_PPEM_Y = 45


class _Unusual(Exception):
    """The font is not plainly well formed: leave it to fontTools."""


def read_font_info(
    path: str, index: int = 0, *, ranges_above: int = RANGES_ABOVE
) -> tuple[AbstractSet[int], int] | None:
    """(code points of the best Unicode cmap, largest CBLC strike's ppemY or 0) of
    face `index` of the font file at `path`, or None when fontTools must read it."""
    try:
        with open(path, "rb") as file:
            tables = _table_directory(file, index)
            strike = _strike(file, tables)
            coverage = _best_coverage(file, tables, ranges_above)
    except (OSError, struct.error, _Unusual):
        return None
    return coverage, strike


def _read(file: BinaryIO, offset: int, size: int) -> bytes:
    file.seek(offset)
    data = file.read(size)
    if len(data) != size:
        raise _Unusual("truncated")
    return data


def _table_directory(file: BinaryIO, index: int) -> dict[bytes, tuple[int, int]]:
    """Tag -> (offset, length) of the face's tables; a .ttc holds one directory per face."""
    offset = 0
    tag = _read(file, 0, 4)
    if tag == b"ttcf":
        (count,) = struct.unpack(">L", _read(file, 8, 4))
        if not 0 <= index < count:
            raise _Unusual("no such face")
        (offset,) = struct.unpack(">L", _read(file, 12 + 4 * index, 4))
        tag = _read(file, offset, 4)
    elif index != 0:
        raise _Unusual("a single font has only face 0")
    if tag not in _SFNT_VERSIONS:
        raise _Unusual("not an sfnt (WOFF and the like)")
    (count,) = struct.unpack(">H", _read(file, offset + 4, 2))
    records = _read(file, offset + 12, 16 * count)
    tables = {}
    for i in range(count):
        tag, _checksum, start, length = struct.unpack_from(">4sLLL", records, 16 * i)
        tables[tag] = (start, length)
    return tables


def _strike(file: BinaryIO, tables: dict[bytes, tuple[int, int]]) -> int:
    """The largest ppemY of the colour bitmap strikes (CBLC), 0 for outline fonts."""
    if b"CBLC" not in tables:
        return 0
    start, length = tables[b"CBLC"]
    (count,) = struct.unpack(">L", _read(file, start + 4, 4))
    if count == 0 or 8 + count * _BITMAP_SIZE_RECORD > length:
        raise _Unusual("CBLC without strikes")
    data = _read(file, start + 8, count * _BITMAP_SIZE_RECORD)
    return max(data[i * _BITMAP_SIZE_RECORD + _PPEM_Y] for i in range(count))


def _best_coverage(
    file: BinaryIO, tables: dict[bytes, tuple[int, int]], ranges_above: int
) -> AbstractSet[int]:
    if b"cmap" not in tables:
        raise _Unusual("no cmap")
    start, length = tables[b"cmap"]
    cmap = _read(file, start, length)
    chosen = _best_subtable(cmap)
    if chosen is None:
        return frozenset()  # getBestCmap() gives None: nothing covered
    return _coverage(chosen, ranges_above)


def _best_subtable(cmap: bytes) -> bytes | None:
    """The bytes of the subtable getBestCmap() would use (None: no Unicode subtable)."""
    _version, count = struct.unpack_from(">HH", cmap, 0)
    first: dict[tuple[int, int], bytes] = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHL", cmap, 4 + 8 * i)
        fmt = struct.unpack_from(">H", cmap, offset)[0]
        if fmt in (0, 2, 4, 6):  # 16-bit length
            length = struct.unpack_from(">H", cmap, offset + 2)[0]
        elif fmt in (12, 14):  # 32-bit length
            length = struct.unpack_from(">L", cmap, offset + (4 if fmt == 12 else 2))[0]
        else:
            raise _Unusual(f"cmap format {fmt}")
        if length < 6 or offset + length > len(cmap):
            raise _Unusual("cmap subtable out of bounds")
        if fmt == 12 and length != 16 + 12 * struct.unpack_from(">L", cmap, offset + 12)[0]:
            raise _Unusual("inconsistent group count")
        if fmt not in (4, 12):
            # Other formats are rare where getBestCmap() looks (old Mac tables, the
            # variation sequences of format 14 sit elsewhere): not worth a second reader.
            if (platform, encoding) in _PREFERENCES:
                raise _Unusual(f"cmap format {fmt}")
            continue
        first.setdefault((platform, encoding), cmap[offset : offset + length])
    for key in _PREFERENCES:
        if key in first:
            return first[key]
    return None


# Faces often share a subtable byte for byte (a collection's regular and bold files):
# coverage is a pure function of those bytes.
@lru_cache(maxsize=64)
def _coverage(subtable: bytes, ranges_above: int) -> AbstractSet[int]:
    fmt = struct.unpack_from(">H", subtable, 0)[0]
    return _format_4(subtable) if fmt == 4 else _format_12(subtable, ranges_above)


def _format_4(data: bytes) -> frozenset[int]:
    """Segments of 16-bit code points; a code is covered when its glyph id is not 0."""
    seg_count = struct.unpack_from(">H", data, 6)[0] // 2
    words, odd = divmod(len(data) - 14, 2)
    if odd or words < 4 * seg_count + 1:
        raise _Unusual("format 4 arrays truncated")
    arrays = struct.unpack_from(f">{words}H", data, 14)
    end = arrays[:seg_count]
    start = arrays[seg_count + 1 : 2 * seg_count + 1]  # after the reserved pad
    delta = arrays[2 * seg_count + 1 : 3 * seg_count + 1]
    range_offset = arrays[3 * seg_count + 1 : 4 * seg_count + 1]
    glyphs = arrays[4 * seg_count + 1 :]
    covered: set[int] = set()
    for i in range(seg_count - 1):  # the last segment is the 0xFFFF sentinel
        codes = range(start[i], end[i] + 1)
        if range_offset[i] == 0:
            covered.update(code for code in codes if (code + delta[i]) & 0xFFFF)
            continue
        partial = range_offset[i] // 2 - start[i] + i - seg_count
        for code in codes:
            position = code + partial
            if not 0 <= position < len(glyphs):
                raise _Unusual("glyph index out of range")
            if glyphs[position] and (glyphs[position] + delta[i]) & 0xFFFF:
                covered.add(code)
    return frozenset(covered)


def _format_12(data: bytes, ranges_above: int) -> AbstractSet[int]:
    """Sorted groups of consecutive code points mapped to consecutive glyphs."""
    length, _language, count = struct.unpack_from(">LLL", data, 4)
    if length != 16 + 12 * count:
        raise _Unusual("inconsistent group count")
    groups = struct.unpack_from(f">{3 * count}L", data, 16)
    firsts, lasts, glyphs = groups[0::3], groups[1::3], groups[2::3]
    # fontTools clamps or skips groups past U+10FFFF, inverted, or starting before the
    # previous one ends (a group may start on the previous one's last code point).
    if (
        max(lasts, default=0) > _MAX_CODE
        or not all(map(operator.le, firsts, lasts))
        or not all(map(operator.ge, firsts[1:], lasts))
    ):
        raise _Unusual("unsorted, overlapping or out-of-range groups")
    # Glyph 0 is the missing glyph: a group starting on it maps all but its first code.
    starts = firsts
    if 0 in glyphs:
        starts = tuple(first + (glyph == 0) for first, glyph in zip(firsts, glyphs, strict=True))
    disjoint = not any(map(operator.eq, starts[1:], lasts))
    if disjoint and sum(lasts) - sum(starts) + count > ranges_above:
        return Ranges(starts, lasts)
    ends = map(operator.add, lasts, itertools.repeat(1))
    # Ranges chained in C, not a Python loop.
    return frozenset(itertools.chain.from_iterable(map(range, starts, ends)))


class Ranges(AbstractSet[int]):
    """Code points as sorted, disjoint ranges (`firsts[i]..lasts[i]`, both included).

    A CJK face covers ~45,000 code points in ~16,000 groups: a set of them takes
    milliseconds to build for every face a process meets, while the groups are read
    straight from the file and a code point is found among them by bisection."""

    __slots__ = ("_firsts", "_lasts")

    def __init__(self, firsts: Sequence[int], lasts: Sequence[int]) -> None:
        self._firsts = firsts
        self._lasts = lasts

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, int):
            return False
        index = bisect.bisect_right(self._firsts, code) - 1
        return index >= 0 and code <= self._lasts[index]

    def __iter__(self) -> Iterator[int]:
        ends = map(operator.add, self._lasts, itertools.repeat(1))
        return itertools.chain.from_iterable(map(range, self._firsts, ends))

    def __len__(self) -> int:
        return sum(self._lasts) - sum(self._firsts) + len(self._firsts)

    def __hash__(self) -> int:
        return self._hash()

    @classmethod
    def _from_iterable(cls, iterable: Iterable[_T]) -> AbstractSet[_T]:
        # What the set operators (&, |, -) build: a plain frozenset of the result.
        return frozenset(iterable)
