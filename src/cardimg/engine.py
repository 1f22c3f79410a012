"""The text engine Pillow draws with here, and which text cannot be set without it.

Pillow sets text with Raqm (HarfBuzz shaping, FriBiDi bidi) where both libraries load,
and otherwise with its basic layout: one glyph per character, left to right, no joining,
no reordering, no mark placement. Latin, Greek, Cyrillic or CJK text then loses only its
kerning, a warning. Arabic comes out unjoined and backwards, Devanagari without its
conjuncts, Khmer with its subscripts beside the line: text that is wrong, not plainer.
So a story whose text needs the complete engine is refused where it is missing, unless
the user asks for the basic layout knowingly (`allow_basic_layout`).

What needs the engine is told from the characters alone (`shaping_need`), the same way
on every machine, so `check` on a desktop reports what a slim server would refuse.
"""

from __future__ import annotations

import ctypes
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from PIL import features

__all__ = ["EngineStatus", "engine_status", "shaping_need"]

# Not marks a reader sees: variation selectors pick a glyph's style (text or emoji).
_IGNORED_MARKS = frozenset(range(0xFE00, 0xFE10)) | frozenset(range(0xE0100, 0xE01F0))
# Joiners ask the engine to join or keep apart what is around them (Indic, Arabic, emoji).
_JOINERS = frozenset({0x200C, 0x200D})
# Letters that join with their neighbours without being right-to-left or marks.
_JOINING_SCRIPTS = (
    (0x1100, 0x11FF, "Hangul"),  # conjoining jamo left after NFC: old Korean syllables
    (0x1800, 0x18AF, "Mongolian"),
    (0xA840, 0xA87F, "Phags-pa"),
)


def _script_word(char: str) -> str:
    """The script a character belongs to, from its Unicode name ("BENGALI SIGN VIRAMA")."""
    name = unicodedata.name(char, "")
    word = name.split(" ", 1)[0] if name else ""
    if not word or word in {"COMBINING", "ZERO", "VARIATION"}:
        return "combining-mark"
    return word.title()


def _char_need(char: str) -> str | None:
    code = ord(char)
    if code < 0x0300:  # Latin-1, Latin Extended, IPA: one glyph a character
        return None
    if unicodedata.bidirectional(char) in ("R", "AL"):
        return f"{_script_word(char)} (right-to-left) text"
    if code in _JOINERS or 0x1F3FB <= code <= 0x1F3FF or 0x1F1E6 <= code <= 0x1F1FF:
        return "emoji sequences" if code != 0x200C else "joiners"
    if unicodedata.category(char) in ("Mn", "Mc", "Me") and code not in _IGNORED_MARKS:
        return "emoji sequences" if code == 0x20E3 else f"{_script_word(char)} text"
    for low, high, script in _JOINING_SCRIPTS:
        if low <= code <= high:
            return f"{script} text"
    return None


@lru_cache(maxsize=4096)
def shaping_need(text: str) -> str | None:
    """What in `text` only the complete text engine sets right ("Arabic (right-to-left)
    text", "Bengali text", "emoji sequences"...), or None when the basic layout sets it correctly
    (but for kerning). Marks that compose with their letter (e + ◌́ = é) need nothing."""
    if text.isascii():
        return None
    for char in dict.fromkeys(unicodedata.normalize("NFC", text)):
        need = _char_need(char)
        if need is not None:
            return need
    return None


@dataclass(frozen=True)
class EngineStatus:
    """Which text engine Pillow uses here, and if it is the basic one, why."""

    raqm: bool  # Pillow sets text with Raqm (complete shaping and bidi)
    raqm_version: str | None
    fribidi_version: str | None
    harfbuzz_version: str | None
    missing: str | None  # what to install for Raqm, as one phrase; None when it works

    @property
    def name(self) -> str:
        return "Raqm" if self.raqm else "basic layout"


def _fribidi_loads() -> bool:
    from ctypes.util import find_library  # runs `ldconfig -p`: only asked where Raqm is missing

    name = find_library("fribidi") or "libfribidi.so.0"
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


@lru_cache(maxsize=1)
def engine_status() -> EngineStatus:
    """What Pillow's text engine is in this process (libraries do not come and go)."""
    raqm = bool(features.check("raqm"))
    missing = None
    if not raqm:
        # Pillow's wheels carry Raqm and load FriBiDi (LGPL) from the system: it is
        # almost always FriBiDi that is missing. A Pillow built without Raqm needs it.
        missing = (
            "Pillow's Raqm library (Debian: apt-get install libraqm0)"
            if _fribidi_loads()
            else "the FriBiDi library (Debian: apt-get install libfribidi0)"
        )
    return EngineStatus(
        raqm=raqm,
        raqm_version=features.version("raqm") if raqm else None,
        fribidi_version=features.version("fribidi") if raqm else None,
        harfbuzz_version=features.version("harfbuzz") if raqm else None,
        missing=missing,
    )
