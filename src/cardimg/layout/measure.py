"""What layout needs from fonts: a measurer protocol, so layout runs on fake widths in tests."""

from __future__ import annotations

from typing import Protocol

__all__ = ["Measurer"]


class Measurer(Protocol):
    """Measures text. Fonts are opaque strings (file paths for the real FontBook)."""

    def face(self, face: str) -> str:
        """The font of a theme face such as `sans-bold`."""
        ...

    def width(self, font: str, size: float, text: str, features: tuple[str, ...] = ()) -> float:
        """The advance width of `text` set in one font, kerning included, with extra
        OpenType `features` (such as "tnum") switched on."""
        ...

    def metrics(self, font: str, size: float) -> tuple[float, float]:
        """Ascent and descent (both positive) of the font at `size`."""
        ...

    def runs(self, font: str, text: str, lang: str | None = None) -> tuple[tuple[str, str], ...]:
        """`text` split into (font, text) runs, each character in the first font that has it;
        `lang` hints which CJK locale's forms to prefer."""
        ...
