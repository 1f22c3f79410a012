"""Bidirectional text: embedding levels from FriBiDi (UAX #9), and visual reordering (rule L2)."""

from __future__ import annotations

import ctypes
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TypeVar

__all__ = ["base_direction", "embedding_levels", "visual_order"]

T = TypeVar("T")

# FriBiDi's paragraph types (fribidi-types.h).
_PAR_LTR, _PAR_RTL = 0x00000110, 0x00000111
_TYPE_RTL_MASK = 0x00000001  # FRIBIDI_MASK_RTL
_TYPE_STRONG_MASK = 0x00000010  # FRIBIDI_MASK_STRONG
_TYPE_LETTER_MASK = 0x00000100  # FRIBIDI_MASK_LETTER
# Characters that are never right-to-left (R, AL), an Arabic number (AN) or an explicit
# embedding, isolate or mark, in any Unicode version (unassigned code points of these
# blocks default to L or ET): everything below the Hebrew block, General Punctuation but
# for its bidi controls, and the currency signs. Text made of them alone is one
# left-to-right run at level 0, so most stories' text never needs FriBiDi loaded.
_NOT_LTR_ONLY = re.compile("[^\x00-\u058f\u2000-\u200d\u2010-\u2029\u202f-\u2065\u206a-\u20cf]")


@lru_cache(maxsize=1)
def _fribidi() -> ctypes.CDLL | None:
    # Pillow's Raqm already needs this library at run time; we use the same one, so
    # the levels we lay out with are the ones Raqm draws with. Its soname first:
    # `find_library` runs `ldconfig -p` in a subprocess, a cost kept for odd systems.
    lib = _load("libfribidi.so.0")
    if lib is None:
        from ctypes.util import find_library

        name = find_library("fribidi")
        lib = _load(name) if name else None
    if lib is None:
        return None
    u32p = ctypes.POINTER(ctypes.c_uint32)
    lib.fribidi_get_bidi_types.argtypes = [u32p, ctypes.c_int, u32p]
    lib.fribidi_get_bracket_types.argtypes = [u32p, ctypes.c_int, u32p, u32p]
    lib.fribidi_get_par_embedding_levels_ex.argtypes = [
        u32p,
        u32p,
        ctypes.c_int,
        u32p,
        ctypes.POINTER(ctypes.c_int8),
    ]
    lib.fribidi_get_par_embedding_levels_ex.restype = ctypes.c_int8
    return lib


def _load(name: str) -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def _all_ltr(text: str) -> bool:
    """Whether `text` surely resolves to a single left-to-right run (see `_NOT_LTR_ONLY`)."""
    return text.isascii() or _NOT_LTR_ONLY.search(text) is None


_CodePoints = ctypes.Array[ctypes.c_uint32]


def _types(lib: ctypes.CDLL, text: str) -> tuple[_CodePoints, _CodePoints]:
    """The text's code points and FriBiDi's bidi type of each, as C arrays."""
    chars = (ctypes.c_uint32 * len(text))(*map(ord, text))
    types = (ctypes.c_uint32 * len(text))()
    lib.fribidi_get_bidi_types(chars, len(text), types)
    return chars, types


@lru_cache(maxsize=4096)
def base_direction(text: str) -> str:
    """ "rtl" when most strong letters of the text are right-to-left, else "ltr".

    UAX #9 takes the first strong character (rule P2); a Hebrew paragraph that
    opens with an English name is still a right-to-left paragraph to its reader,
    so the majority decides.
    """
    return "ltr" if _all_ltr(text) else _majority_direction(text)


def _majority_direction(text: str) -> str:
    """`base_direction` as FriBiDi's types give it."""
    lib = _fribidi()
    if lib is None:
        return "ltr"
    _, types = _types(lib, text)
    rtl = ltr = 0
    for kind in types:
        if kind & _TYPE_STRONG_MASK and kind & _TYPE_LETTER_MASK:
            if kind & _TYPE_RTL_MASK:
                rtl += 1
            else:
                ltr += 1
    return "rtl" if rtl > ltr else "ltr"


@lru_cache(maxsize=4096)
def embedding_levels(text: str, direction: str = "ltr") -> tuple[int, ...]:
    """The resolved embedding level of each character (even: left-to-right)."""
    if direction != "rtl" and _all_ltr(text):
        return (0,) * len(text)
    return _fribidi_levels(text, 1 if direction == "rtl" else 0)


def _fribidi_levels(text: str, base: int) -> tuple[int, ...]:
    """`embedding_levels` as FriBiDi resolves them, in a paragraph of level `base`."""
    lib = _fribidi()
    if lib is None or not text:
        return (base,) * len(text)
    chars, types = _types(lib, text)
    brackets = (ctypes.c_uint32 * len(text))()
    lib.fribidi_get_bracket_types(chars, len(text), types, brackets)
    par = ctypes.c_uint32(_PAR_RTL if base else _PAR_LTR)
    levels = (ctypes.c_int8 * len(text))()
    if (
        lib.fribidi_get_par_embedding_levels_ex(
            types, brackets, len(text), ctypes.byref(par), levels
        )
        == 0
    ):
        return (base,) * len(text)
    return tuple(levels)


def visual_order(items: Sequence[T], levels: Sequence[int]) -> list[T]:
    """Items of one line in display order (UAX #9 rule L2): from the highest level
    down to the lowest odd one, reverse every run of items at that level or above."""
    order = list(range(len(items)))
    if not levels:
        return []
    highest = max(levels)
    lowest_odd = min((lv for lv in levels if lv % 2), default=highest + 1)
    current = list(levels)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if current[i] >= level:
                j = i
                while j < len(order) and current[j] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                current[i:j] = current[i:j][::-1]
                i = j
            else:
                i += 1
    return [items[k] for k in order]
