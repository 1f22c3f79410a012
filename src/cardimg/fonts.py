"""Font files: loading, coverage, fallback and cached measurement (the pipeline's measurer)."""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import ImageFont, features

from .theme import Theme

__all__ = ["FontBook", "raqm_available"]

# Emoji presentation and joiners belong to the cluster they sit in, whatever the font.
_IGNORABLE = frozenset({0x200C, 0x200D, 0xFE0E, 0xFE0F, 0x20E3})


@lru_cache(maxsize=1)
def raqm_available() -> bool:
    """Whether Pillow can use Raqm (needs the FriBiDi system library at run time)."""
    return bool(features.check("raqm"))


def layout_engine() -> ImageFont.Layout:
    if raqm_available():
        return ImageFont.Layout.RAQM
    warnings.warn(
        "Pillow's Raqm layout is unavailable (install the FriBiDi library, "
        "e.g. Debian's libfribidi0): falling back to basic layout, without kerning or complex-script shaping",
        RuntimeWarning,
        stacklevel=2,
    )
    return ImageFont.Layout.BASIC


@lru_cache(maxsize=64)
def _coverage(path: str) -> frozenset[int]:
    font = TTFont(path, lazy=True, fontNumber=0)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


@lru_cache(maxsize=512)
def _font(path: str, size: float, engine: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, layout_engine=engine)


class FontBook:
    """The fonts of a theme, with per-font caches for coverage, metrics and text lengths.

    Fonts are identified by their file path (a string), so laid-out text carries the
    exact file the painter must use, fallbacks included.
    """

    def __init__(self, theme: Theme) -> None:
        self._theme = theme
        self._engine = layout_engine()
        self._fallback = tuple(str(path) for path in theme.fallback)
        self.width = lru_cache(maxsize=200_000)(self._width)
        self.runs = lru_cache(maxsize=50_000)(self._runs)
        self.metrics = lru_cache(maxsize=4_096)(self._metrics)

    def face(self, face: str) -> str:
        """The font file of a theme face (`sans-bold`, `serif`...)."""
        return str(self._theme.face_path(face))

    def font(self, font: str, size: float) -> ImageFont.FreeTypeFont:
        return _font(font, size, self._engine)

    def _width(self, font: str, size: float, text: str) -> float:
        return float(self.font(font, size).getlength(text))

    def _metrics(self, font: str, size: float) -> tuple[float, float]:
        ascent, descent = self.font(font, size).getmetrics()
        return float(ascent), float(descent)

    def _runs(self, font: str, text: str) -> tuple[tuple[str, str], ...]:
        """Split text into (font, text) runs: each character goes to the first font that has it."""
        chain = (font, *self._fallback)
        runs: list[tuple[str, str]] = []
        for char in text:
            code = ord(char)
            if code in _IGNORABLE or (char.isspace() and code in _coverage(font)):
                chosen = runs[-1][0] if runs else font
            else:
                chosen = next((f for f in chain if code in _coverage(f)), font)
            if runs and runs[-1][0] == chosen:
                runs[-1] = (chosen, runs[-1][1] + char)
            else:
                runs.append((chosen, char))
        return tuple(runs)

    def missing(self, font: str, text: str) -> set[str]:
        """Characters of `text` that no font of the chain can draw."""
        chain = (font, *self._fallback)
        return {
            char
            for char in text
            if not char.isspace()
            and ord(char) not in _IGNORABLE
            and not any(ord(char) in _coverage(f) for f in chain)
        }


def font_name(path: str) -> str:
    return Path(path).stem
