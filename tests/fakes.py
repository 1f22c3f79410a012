"""A fake measurer: every character is half an em wide, so breaking is exact and font-free."""

from __future__ import annotations


class FixedMeasurer:
    """Monospaced make-believe font: `width = len(text) * size * advance`."""

    def __init__(self, advance: float = 0.5) -> None:
        self.advance = advance

    def face(self, face: str) -> str:
        return face

    def width(self, font: str, size: float, text: str, features: tuple[str, ...] = ()) -> float:
        return len(text) * size * self.advance

    def metrics(self, font: str, size: float) -> tuple[float, float]:
        return size * 0.8, size * 0.2

    def runs(self, font: str, text: str, lang: str | None = None) -> tuple[tuple[str, str], ...]:
        return ((font, text),) if text else ()
