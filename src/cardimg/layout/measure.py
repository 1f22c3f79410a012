"""What layout needs from fonts: a measurer protocol, so layout runs on fake widths in tests."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol

__all__ = ["Measurer", "measure_key"]


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


def measure_key(measurer: Measurer) -> Hashable | None:
    """A value that two measurers share only when they give the same widths for the same
    font, size and text, so measured words can be shared between them (across the cards
    and stories of a process); None for a measurer that makes no such promise (a test's).
    A measurer promises it with a `measure_key` attribute (`fonts.FontBook` does)."""
    key = getattr(measurer, "measure_key", None)
    return key if isinstance(key, Hashable) else None
