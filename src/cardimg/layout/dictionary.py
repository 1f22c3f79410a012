"""Word breaks for scripts written without spaces (Thai, Lao, Khmer, Myanmar), from ICU.

UAX #14 leaves these "complex context" (SA) scripts to a dictionary. ICU's line
break iterator has one; it is reached through `ctypes` in the system's ICU library
(Debian `libicu72`, which libxml2 and PostgreSQL already pull in). Without ICU such
text still breaks at its spaces, and inside a too-long phrase between any graphemes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import re
from functools import lru_cache

__all__ = ["COMPLEX_CONTEXT", "dictionary_breaks", "icu_available"]

# Thai, Lao, Myanmar, Khmer: the scripts UAX #14 gives class SA.
COMPLEX_CONTEXT = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff]+")
_UBRK_LINE = 2
_UBRK_DONE = -1


class _ICU:
    def __init__(self, lib: ctypes.CDLL, suffix: str) -> None:
        self.open = getattr(lib, f"ubrk_open{suffix}")
        self.open.restype = ctypes.c_void_p
        self.open.argtypes = [
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_void_p,
            ctypes.c_int32,
            ctypes.POINTER(ctypes.c_int),
        ]
        self.next = getattr(lib, f"ubrk_next{suffix}")
        self.next.restype = ctypes.c_int32
        self.next.argtypes = [ctypes.c_void_p]
        self.close = getattr(lib, f"ubrk_close{suffix}")
        self.close.argtypes = [ctypes.c_void_p]


@lru_cache(maxsize=1)
def _icu() -> _ICU | None:
    names = [ctypes.util.find_library("icuuc")]
    names += sorted(glob.glob("/usr/lib/*/libicuuc.so.*") + glob.glob("/usr/lib/libicuuc.so.*"))
    for name in filter(None, names):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        # ICU's C functions carry the library's major version (ubrk_open_72).
        major = re.search(r"\.so\.(\d+)", name)
        for suffix in ([f"_{major.group(1)}"] if major else []) + [""]:
            if hasattr(lib, f"ubrk_open{suffix}"):
                return _ICU(lib, suffix)
    return None


def icu_available() -> bool:
    return _icu() is not None


@lru_cache(maxsize=4096)
def dictionary_breaks(text: str, lang: str = "th") -> frozenset[int]:
    """String offsets where ICU's dictionary allows a line break inside runs of
    complex-context script; empty when there are none or ICU is missing."""
    icu = _icu()
    if icu is None or not COMPLEX_CONTEXT.search(text):
        return frozenset()
    encoded = text.encode("utf-16-le")
    units = len(encoded) // 2
    buffer = ctypes.create_string_buffer(encoded, len(encoded) + 2)
    status = ctypes.c_int(0)
    iterator = icu.open(_UBRK_LINE, lang.encode(), buffer, units, ctypes.byref(status))
    if status.value > 0 or not iterator:
        return frozenset()
    try:
        offsets = []
        while (position := icu.next(iterator)) != _UBRK_DONE:
            offsets.append(position)
    finally:
        icu.close(iterator)
    index = _utf16_to_index(text)
    inside = _complex_spans(text)
    return frozenset(
        index[offset]
        for offset in offsets
        if offset < units and any(a < index[offset] < b for a, b in inside)
    )


def _utf16_to_index(text: str) -> dict[int, int]:
    mapping, unit = {}, 0
    for position, char in enumerate(text):
        mapping[unit] = position
        unit += 2 if ord(char) > 0xFFFF else 1
    mapping[unit] = len(text)
    return mapping


def _complex_spans(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in COMPLEX_CONTEXT.finditer(text)]
