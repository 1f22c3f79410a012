"""Facts about scripts that layout needs, from the characters alone."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["QUOTES", "guess_lang", "is_hangul", "quotes_for", "script_of", "text_lang"]


# Code point ranges of the scripts whose language can be told from the characters.
_SCRIPTS: tuple[tuple[int, int, str], ...] = (
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x04FF, "cyrillic"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x1100, 0x11FF, "hangul"),
    (0x3040, 0x30FF, "kana"),
    (0x3130, 0x318F, "hangul"),
    (0x4E00, 0x9FFF, "han"),
    (0xAC00, 0xD7A3, "hangul"),
)
_LANG_OF_SCRIPT = {
    "greek": "el",
    "cyrillic": "ru",
    "hebrew": "he",
    "arabic": "ar",
    "hangul": "ko",
    "kana": "ja",
    "han": "zh",
}


def script_of(char: str) -> str | None:
    """The script of a character, for the scripts in `_SCRIPTS` (else None)."""
    code = ord(char)
    if code < 0x0370:  # Latin and punctuation, most of all text: no table walk
        return None
    for low, high, script in _SCRIPTS:
        if low <= code <= high:
            return script
    return None


def is_hangul(char: str) -> bool:
    return script_of(char) == "hangul"


@lru_cache(maxsize=4096)  # asked for every block at every size the fitter tries
def text_lang(text: str) -> str | None:
    """A language hint for Han characters, which look different in each CJK locale."""
    scripts = {script_of(char) for char in text}
    if "kana" in scripts:
        return "ja"
    if "hangul" in scripts:
        return "ko"
    return "zh-cn" if "han" in scripts else None


# Quotation marks per language: primary open/close, then secondary open/close.
# French sets a narrow no-break space inside its guillemets.
QUOTES: dict[str, tuple[str, str, str, str]] = {
    "en": ("“", "”", "‘", "’"),
    "fr": ("«\u202f", "\u202f»", "“", "”"),
    "de": ("„", "“", "‚", "‘"),
    "cs": ("„", "“", "‚", "‘"),
    "pl": ("„", "”", "«", "»"),
    "ru": ("«", "»", "„", "“"),
    "uk": ("«", "»", "„", "“"),
    "el": ("«", "»", "“", "”"),
    "es": ("«", "»", "“", "”"),
    "it": ("«", "»", "“", "”"),
    "pt": ("«", "»", "“", "”"),
    "ar": ("«", "»", "“", "”"),
    "he": ("”", "”", "’", "’"),
    "ja": ("「", "」", "『", "』"),
    "zh": ("“", "”", "‘", "’"),
    "ko": ("“", "”", "‘", "’"),
}


def guess_lang(text: str) -> str | None:
    """A language guess from the script alone, for stories that do not say theirs."""
    counts: dict[str, int] = {}
    for char in text:
        script = script_of(char)
        if script is not None:
            counts[script] = counts.get(script, 0) + 1
    if counts.get("kana"):
        return "ja"  # kana make it Japanese, however many kanji there are
    letters = sum(1 for char in text if char.isalpha())
    if not counts or max(counts.values()) * 2 < letters:
        return None
    return _LANG_OF_SCRIPT[max(counts, key=counts.__getitem__)]


def quotes_for(lang: str | None) -> tuple[str, str, str, str]:
    primary = (lang or "en").lower().replace("_", "-").split("-")[0]
    return QUOTES.get(primary, QUOTES["en"])
