"""Facts about scripts that layout needs, from the characters alone."""

from __future__ import annotations

__all__ = ["text_lang"]


def text_lang(text: str) -> str | None:
    """A language hint for Han characters, which look different in each CJK locale."""
    if any(0x3040 <= ord(c) <= 0x30FF for c in text):
        return "ja"
    if any(0xAC00 <= ord(c) <= 0xD7AF or 0x1100 <= ord(c) <= 0x11FF for c in text):
        return "ko"
    if any(0x4E00 <= ord(c) <= 0x9FFF for c in text):
        return "zh-cn"
    return None
