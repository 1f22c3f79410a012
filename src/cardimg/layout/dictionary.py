"""Word breaks for scripts written without spaces (Thai, Lao, Khmer, Myanmar), from ICU.

UAX #14 leaves these "complex context" (SA) scripts to a dictionary. ICU's line break
iterator has one, reached in this order, the first that works being used for every text,
so that a text breaks the same wherever it is set:

1. the `icu4py` package, a dependency: its wheels bundle ICU (78) with its full data, the
   Thai, Lao, Khmer and Burmese dictionaries included, so a plain install on a server
   without any ICU library breaks these scripts between words;
2. the system's ICU library through `ctypes` (Debian `libicu72`), where `icu4py` is not
   installed (a platform without its wheel). ICU 72 and 78 found the same words in the
   sentences of `tests/layout/test_syllables.py`, which compares them when both are there;
3. neither: `layout/syllables.py` gives syllable boundaries instead, so such text still
   breaks between syllables, never inside one.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable
from functools import lru_cache

from .syllables import syllable_breaks

__all__ = [
    "COMPLEX_CONTEXT",
    "complex_breaks",
    "dictionary_breaks",
    "icu_available",
    "icu_provider",
]

# Thai, Lao, Myanmar, Khmer: the scripts UAX #14 gives class SA.
COMPLEX_CONTEXT = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff]+")
_UBRK_LINE = 2
_UBRK_DONE = -1
# ICU reads UTF-16 (or, through icu4py, UTF-8): a lone surrogate, which neither can encode,
# is read as U+FFFD, one character for one, so offsets stay those of the text.
_SURROGATE = re.compile("[\ud800-\udfff]")

# A provider: text and language in, the string offsets after each line-break segment out.
_Breaker = Callable[[str, str], list[int]]


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

    def __call__(self, text: str, lang: str) -> list[int]:
        encoded = text.encode("utf-16-le")
        units = len(encoded) // 2
        buffer = ctypes.create_string_buffer(encoded, len(encoded) + 2)
        status = ctypes.c_int(0)
        iterator = self.open(_UBRK_LINE, lang.encode(), buffer, units, ctypes.byref(status))
        if status.value > 0 or not iterator:
            return []
        try:
            offsets = []
            while (position := self.next(iterator)) != _UBRK_DONE:
                offsets.append(position)
        finally:
            self.close(iterator)
        index = _utf16_to_index(text)
        return [index[offset] for offset in offsets]


def _system_icu() -> _Breaker | None:
    # Imported here: `ctypes.util` pulls in subprocess and more, for Thai, Lao, Khmer and
    # Myanmar text where icu4py is missing only.
    import glob
    from ctypes.util import find_library

    names = [find_library("icuuc")]
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


def _icu4py() -> _Breaker | None:
    try:
        # Imported on the first text in these scripts only: ~2.5 ms (it loads ICU), which
        # a story without them, and `cardimg --help`, should not pay.
        from icu4py.breakers import LineBreaker
    except ImportError:
        return None

    def breaks(text: str, lang: str) -> list[int]:
        # The segments are str, so summing their lengths gives string offsets directly.
        offsets, position = [], 0
        for segment in LineBreaker(text, lang):
            position += len(segment)
            offsets.append(position)
        return offsets

    return breaks


# In order of preference; tests replace this to force a path.
PROVIDERS: tuple[tuple[str, Callable[[], _Breaker | None]], ...] = (
    ("icu4py", _icu4py),
    ("system", _system_icu),
)


@lru_cache(maxsize=1)
def _provider() -> tuple[str, _Breaker] | None:
    for name, load in PROVIDERS:
        breaker = load()
        if breaker is not None:
            return name, breaker
    return None


def icu_provider() -> str | None:
    """Which ICU gives the word breaks: "icu4py", "system", or None (syllables)."""
    found = _provider()
    return found[0] if found else None


def icu_available() -> bool:
    return _provider() is not None


def dictionary_breaks(text: str, lang: str = "th") -> frozenset[int]:
    """String offsets where ICU's dictionary allows a line break inside runs of
    complex-context script; empty when there are none or ICU is missing."""
    # The text is looked at first: ICU is loaded for text in these scripts only.
    if not COMPLEX_CONTEXT.search(text):
        return frozenset()
    found = _provider()
    return _dictionary_breaks(found[0], text, lang) if found else frozenset()


@lru_cache(maxsize=4096)
def _dictionary_breaks(provider: str, text: str, lang: str) -> frozenset[int]:
    # `provider` is part of the cache key, so a test that switches providers gets fresh answers.
    found = _provider()
    assert found is not None and found[0] == provider
    offsets = found[1](_SURROGATE.sub("\ufffd", text), lang)
    inside = _complex_spans(text)
    return frozenset(offset for offset in offsets if any(a < offset < b for a, b in inside))


def complex_breaks(text: str, lang: str = "th") -> frozenset[int]:
    """Where lines may break inside runs of complex-context script: between ICU's
    dictionary words, or without ICU between syllables (`layout/syllables.py`)."""
    if not COMPLEX_CONTEXT.search(text):
        return frozenset()
    if icu_available():
        return dictionary_breaks(text, lang)
    inside = _complex_spans(text)
    return frozenset(
        offset for offset in syllable_breaks(text) if any(a < offset < b for a, b in inside)
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
