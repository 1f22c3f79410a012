"""Facts about scripts that layout needs, from the characters alone."""

from __future__ import annotations

__all__ = ["QUOTES", "guess_lang", "quotes_for", "text_lang"]


def text_lang(text: str) -> str | None:
    """A language hint for Han characters, which look different in each CJK locale."""
    if any(0x3040 <= ord(c) <= 0x30FF for c in text):
        return "ja"
    if any(0xAC00 <= ord(c) <= 0xD7AF or 0x1100 <= ord(c) <= 0x11FF for c in text):
        return "ko"
    if any(0x4E00 <= ord(c) <= 0x9FFF for c in text):
        return "zh-cn"
    return None


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
        code = ord(char)
        key = (
            "ja"
            if 0x3040 <= code <= 0x30FF
            else "ko"
            if 0xAC00 <= code <= 0xD7AF
            else "zh"
            if 0x4E00 <= code <= 0x9FFF
            else "ru"
            if 0x0400 <= code <= 0x04FF
            else "el"
            if 0x0370 <= code <= 0x03FF
            else "ar"
            if 0x0600 <= code <= 0x06FF
            else "he"
            if 0x0590 <= code <= 0x05FF
            else None
        )
        if key:
            counts[key] = counts.get(key, 0) + 1
    if counts.get("ja"):
        return "ja"  # kana make it Japanese, however many kanji there are
    letters = sum(1 for char in text if char.isalpha())
    if not counts or max(counts.values()) * 2 < letters:
        return None
    return max(counts, key=counts.__getitem__)


def quotes_for(lang: str | None) -> tuple[str, str, str, str]:
    primary = (lang or "en").lower().replace("_", "-").split("-")[0]
    return QUOTES.get(primary, QUOTES["en"])
