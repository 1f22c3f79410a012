"""Font files: loading, coverage, fallback and cached measurement (the pipeline's measurer)."""

from __future__ import annotations

import io
import os
import shutil
import unicodedata
import warnings
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont, features

from . import fontconfig, shaping
from .cmap import read_font_info as _read_font_info
from .errors import one_line
from .theme import FallbackFont, Theme

__all__ = ["FontBook", "clusters", "font_file_problem", "raqm_available", "theme_fonts"]

# Characters that only modify the one before them: they never choose a font.
_JOINERS = frozenset({0x200C, 0x200D, 0xFE0E, 0xFE0F, 0x20E3})
_ZWJ = "\u200d"
_REFERENCE_SIZE = 1000.0
MAX_SYSTEM_LOOKUPS = 256


@lru_cache(maxsize=1)
def raqm_available() -> bool:
    """Whether Pillow can use Raqm (needs the FriBiDi system library at run time)."""
    return bool(features.check("raqm"))


def layout_engine() -> ImageFont.Layout:
    if raqm_available():
        return ImageFont.Layout.RAQM
    warnings.warn(
        "Pillow's Raqm layout is unavailable (install the FriBiDi library, "
        "e.g. Debian's libfribidi0): falling back to basic layout, without kerning "
        "or complex-script shaping",
        RuntimeWarning,
        stacklevel=2,
    )
    return ImageFont.Layout.BASIC


def _split_ref(font: str) -> tuple[str, int]:
    """Fonts are named by path, with `#N` for face N of a collection (.ttc)."""
    path, _, index = font.partition("#")
    return path, int(index or 0)


@lru_cache(maxsize=128)
def _font_info(font: str) -> tuple[AbstractSet[int], int]:
    """The code points a font maps, and its bitmap strike size (0 for outline fonts)."""
    path, index = _split_ref(font)
    # Read straight from the file's bytes when the font is plainly well formed: a CJK
    # collection's cmap takes fontTools tens of milliseconds, and every process that
    # meets CJK text pays it per face. Anything unusual goes to fontTools, which then
    # gives the same answer (or the same error) it always did.
    fast = _read_font_info(path, index)
    if fast is not None:
        return fast
    return _font_info_fonttools(path, index)


def _font_info_fonttools(path: str, index: int) -> tuple[AbstractSet[int], int]:
    # Imported here: most processes never need fontTools, and it costs ~10 ms to import.
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True, fontNumber=index) as tt:
        strike = 0
        if "CBLC" in tt:
            strike = max(strike.bitmapSizeTable.ppemY for strike in tt["CBLC"].strikes)
        # Only the code points are kept, not the glyph names the cmap maps them to:
        # numbered names spare reading them (for a CJK font's CFF charset, most of the
        # time it takes to learn its coverage).
        tt.setGlyphOrder([f"glyph{gid}" for gid in range(tt["maxp"].numGlyphs)])
        cmap = frozenset(tt.getBestCmap() or {})
    return cmap, strike


def font_file_problem(path: Path, data: bytes) -> str | None:
    """Why a font file (its path and bytes) cannot be used, in a few words, or None:
    FreeType must draw from it and its character map must be readable. A theme's font
    is checked when the theme is loaded, so a text file or random bytes named as a font
    is one line naming the theme's key, not an error from deep inside a render."""
    try:
        ImageFont.truetype(io.BytesIO(data), 12)
    except (OSError, ValueError) as exc:
        return f"not a font file FreeType can read ({one_line(str(exc)) or type(exc).__name__})"
    try:
        if _read_font_info(str(path), 0) is None:
            _font_info_fonttools(str(path), 0)
    except Exception as exc:  # fontTools raises many kinds on a broken table
        return f"its character map cannot be read ({type(exc).__name__}: {one_line(str(exc))})"
    return None


def _covers(font: str, code: int) -> bool:
    return code in _font_info(font)[0]


# Characters that make a cluster prefer the emoji font, even where a text font has them.
_EMOJI_MAKERS = frozenset({"\ufe0f", "\u20e3", _ZWJ})


def _all_in(font: str, text: str) -> bool:
    """Whether the font has every character of `text` and none of it asks for emoji:
    then every cluster would choose `font` (the usual case, told in one set operation)."""
    if not text.isascii() and (max(text) >= "\U0001f000" or not _EMOJI_MAKERS.isdisjoint(text)):
        return False
    covered = _font_info(font)[0]
    return all(map(covered.__contains__, {ord(char) for char in text} - _JOINERS))


@lru_cache(maxsize=512)
def _load(font: str, size: float, engine: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    path, index = _split_ref(font)
    return ImageFont.truetype(path, size, index=index, layout_engine=engine)


def _scale(font: str, size: float) -> float:
    strike = _font_info(font)[1]
    return size / strike if strike else 1.0


def _sized(font: str, size: float, engine: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    return _load(font, _font_info(font)[1] or size, engine)


# Pure functions of a font file and text: shared by every book in the process.
@lru_cache(maxsize=200_000)
def _reference_width(
    font: str, text: str, features: tuple[str, ...], engine: ImageFont.Layout
) -> float:
    path, index = _split_ref(font)
    if engine == ImageFont.Layout.RAQM and not _font_info(font)[1]:
        shaped = shaping.width(path, index, _REFERENCE_SIZE, text, features)
        if shaped is not None:
            return shaped
    loaded = _sized(font, _REFERENCE_SIZE, engine)
    if features and engine == ImageFont.Layout.RAQM:
        length = loaded.getlength(text, features=list(features))
    else:  # the basic layout takes no OpenType features (it refuses the argument)
        length = loaded.getlength(text)
    return float(length) * _scale(font, _REFERENCE_SIZE)


@lru_cache(maxsize=4_096)
def _metrics(font: str, size: float, engine: ImageFont.Layout) -> tuple[float, float]:
    ascent, descent = _sized(font, size, engine).getmetrics()
    scale = _scale(font, size)
    return float(ascent) * scale, float(descent) * scale


def _is_emoji_cluster(cluster: str) -> bool:
    if "\ufe0e" in cluster:
        return False
    base = ord(cluster[0])
    return (
        base >= 0x1F000
        or "\ufe0f" in cluster
        or "\u20e3" in cluster
        or _ZWJ in cluster
        or any(0x1F3FB <= ord(c) <= 0x1F3FF for c in cluster)
    )


def clusters(text: str) -> Iterator[str]:
    """Split text into what must share one font: a base character with its marks,
    an emoji with its modifiers and joiners, a pair of regional indicators."""
    current = ""
    for char in text:
        code = ord(char)
        attach = bool(current) and (
            unicodedata.category(char) in ("Mn", "Mc", "Me")
            or code in _JOINERS
            or 0x1F3FB <= code <= 0x1F3FF
            or 0xE0020 <= code <= 0xE007F
            or current.endswith(_ZWJ)
            or (_is_regional(code) and len(current) == 1 and _is_regional(ord(current)))
        )
        if attach:
            current += char
        else:
            if current:
                yield current
            current = char
    if current:
        yield current


def _is_regional(code: int) -> bool:
    return 0x1F1E6 <= code <= 0x1F1FF


class FontBook:
    """The fonts of a theme, measuring text for one render (or one tool's job).

    Fonts are named by file path (a string, `path#N` inside a collection), so laid
    out text carries the exact file the painter must use, fallbacks included.
    Characters no theme font has are looked up among the system's fonts
    (fontconfig), which is how large CJK fonts are used without shipping them.

    What only depends on a font file (its coverage, metrics, shaped widths, and
    fontconfig's answer for a character) is cached process-wide. What a book decides
    from its own history (which system fonts it found, which blocks it ruled out, its
    budget of MAX_SYSTEM_LOOKUPS questions to fontconfig) is the book's own: a fresh
    book (`theme_fonts`) per render keeps a render's output independent of whatever
    rendered before it in the process, and its work bounded per render.
    """

    def __init__(self, theme: Theme, *, system_fonts: bool = True) -> None:
        self._theme = theme
        self._engine = layout_engine()
        self._face_of = {str(path): face for face, path in theme.fonts.items()}
        self._fallback: tuple[FallbackFont, ...] = theme.fallback
        # Whether the system's fonts can be asked, found out on the first character the
        # theme's fonts lack: loading fontconfig's library is work a story drawn with its
        # theme's fonts alone never needs.
        self._system_wanted = system_fonts
        self._system_reachable: bool | None = None
        self._font_state: tuple[tuple[str, int], ...] | None = None  # read on first need
        self._system_found: dict[tuple[str, bool, str | None], list[str]] = {}
        self._system_missing: set[tuple[tuple[str, bool, str | None], int]] = set()
        self._system_lookups = 0
        # Font choices depend on this book's system lookups: cached per book only.
        self.runs = lru_cache(maxsize=50_000)(self._runs)
        # The font each cluster went to, where no later lookup can change it.
        self._chosen: dict[tuple[str, str, str | None], str] = {}
        # Asked once per grapheme cluster: the chain of a font is built once.
        self._chain = lru_cache(maxsize=256)(self._build_chain)

    def face(self, face: str) -> str:
        """The font file of a theme face (`sans-bold`, `serif`...)."""
        return str(self._theme.face_path(face))

    def font(self, font: str, size: float) -> ImageFont.FreeTypeFont:
        """A loaded font. Bitmap fonts (colour emoji) load at their one strike size:
        use `scale` to bring their measurements and pixels to `size`."""
        return _sized(font, size, self._engine)

    def scale(self, font: str, size: float) -> float:
        return _scale(font, size)

    def file_of(self, font: str) -> tuple[str, int]:
        """A font's file and its face's index in it (a collection holds several)."""
        return _split_ref(font)

    @property
    def shaped_by_harfbuzz(self) -> bool:
        """Whether text is measured as Raqm shapes it (HarfBuzz), not by Pillow's basic
        layout: painting must then place glyphs as HarfBuzz does, and may do it itself."""
        return self._engine == ImageFont.Layout.RAQM

    def is_bitmap(self, font: str) -> bool:
        return _font_info(font)[1] > 0

    def width(self, font: str, size: float, text: str, features: tuple[str, ...] = ()) -> float:
        # Advances scale linearly with size (measured: within 0.15 px over 1,000 px of
        # text), so each text is shaped once, at a reference size, whatever sizes the
        # fitter tries: the cache then serves every size.
        return _reference_width(font, text, features, self._engine) * size / _REFERENCE_SIZE

    def metrics(self, font: str, size: float) -> tuple[float, float]:
        return _metrics(font, size, self._engine)

    @property
    def measure_key(self) -> tuple[str, int] | None:
        """What this book's widths depend on beyond font, size and text: only the layout
        engine (`_reference_width` is a pure function of them). Layout shares the words
        it measured between books with equal keys (`layout.measure.measure_key`). A
        subclass that measures otherwise makes no such promise."""
        if type(self).width is not FontBook.width:
            return None
        return ("FontBook", int(self._engine))

    def _build_chain(self, font: str, *, emoji_first: bool) -> tuple[str, ...]:
        face = self._face_of.get(font, "")
        family = face.split("-", 1)[0]
        bold = "bold" in face or "semibold" in face
        italic = "italic" in face
        text_fonts: list[str] = [font]
        emoji_fonts: list[str] = []
        for entry in self._fallback:
            if entry.families and family not in entry.families:
                continue
            path = entry.pick(bold=bold, italic=italic)
            (emoji_fonts if entry.emoji else text_fonts).append(str(path))
        return tuple(emoji_fonts + text_fonts if emoji_first else text_fonts + emoji_fonts)

    def _runs(self, font: str, text: str, lang: str | None = None) -> tuple[tuple[str, str], ...]:
        """Split text into (font, text) runs: each cluster goes to the first font that has it."""
        if _all_in(font, text):
            return ((font, text),) if text else ()
        runs: list[tuple[str, str]] = []
        for cluster in clusters(text):
            if cluster.isspace():
                previous = runs[-1][0] if runs else font
                chosen = previous if _covers(previous, ord(cluster[0])) else font
            else:
                chosen = self._choose(font, cluster, lang)
            if runs and runs[-1][0] == chosen:
                runs[-1] = (chosen, runs[-1][1] + cluster)
            else:
                runs.append((chosen, cluster))
        return tuple(runs)

    def _choose(self, font: str, cluster: str, lang: str | None) -> str:
        key = (font, cluster, lang)
        if key in self._chosen:
            return self._chosen[key]
        needed = [ord(c) for c in cluster if ord(c) not in _JOINERS]
        if not needed:
            return font
        chain = self._chain(font, emoji_first=_is_emoji_cluster(cluster))
        for candidate in chain:
            if all(_covers(candidate, code) for code in needed):
                self._chosen[key] = candidate
                return candidate
        system = self._system_font(needed[0], font, lang)
        if system is not None:
            # Kept: later lookups only add fonts after this one, so the answer stands.
            self._chosen[key] = system
            return system
        # Not kept: a system font found later for a neighbour may cover this cluster.
        return next((c for c in chain if _covers(c, needed[0])), font)

    @property
    def _system(self) -> bool:
        if self._system_reachable is None:
            # The library answers without the `fc-match` program (absent from slim images
            # that have libfontconfig); the program serves where the library won't load.
            self._system_reachable = self._system_wanted and system_fonts_reachable()
        return self._system_reachable

    def _system_font(self, code: int, font: str, lang: str | None) -> str | None:
        if not self._system:
            return None
        face = self._face_of.get(font, "sans")
        # One system font per family, weight and language, reused while it covers.
        key = (face.split("-", 1)[0], "bold" in face, lang)
        found_before = self._system_found.setdefault(key, [])
        for known in found_before:
            if _covers(known, code):
                return known
        # Asking fontconfig costs a process: one failure rules out its whole block of
        # 256 code points, and a book asks at most MAX_SYSTEM_LOOKUPS times, so no
        # text of rare characters can keep it busy. A question counts against the
        # budget even when an earlier book asked it (its answer is cached): which
        # characters get a system font must not depend on what ran before.
        block = (key, code >> 8)
        if block in self._system_missing or self._system_lookups >= MAX_SYSTEM_LOOKUPS:
            return None
        self._system_lookups += 1
        if self._font_state is None:
            self._font_state = _system_font_state()
        found = _fc_match(code, face, lang, self._font_state)
        if found is not None:
            found_before.append(found)
        else:
            self._system_missing.add(block)
        return found

    def missing(self, font: str, text: str) -> set[str]:
        """Characters of `text` that the font it was given to cannot draw (tofu)."""
        return {
            char
            for char in text
            if not char.isspace()
            and ord(char) not in _JOINERS
            and not _covers(font, ord(char))
            and unicodedata.category(char) not in ("Cf", "Cc")
        }


def system_fonts_reachable() -> bool:
    """Whether the system's fonts can be asked for: fontconfig's library, or its program."""
    return fontconfig.available() or shutil.which("fc-match") is not None


# The font folders as last seen: when they change, fontconfig's library is told to
# read them again before the next question (it would otherwise answer from the fonts
# it found when it started). Only ever compared, never part of an answer.
_seen_font_state: tuple[tuple[str, int], ...] | None = None
_STANDARD_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.fonts",
    "~/.local/share/fonts",
)


def _system_font_state() -> tuple[tuple[str, int], ...]:
    """What fontconfig's answers depend on: its font folders and their times. Asked once
    per font book (per render), so a long-running process (the preview, a service) sees
    fonts installed while it runs, and answers cached under other fonts are not reused."""
    global _seen_font_state
    state = fontconfig.font_dirs_state() or _walked_font_state()
    if _seen_font_state is not None and state != _seen_font_state:
        fontconfig.refresh()
    _seen_font_state = state
    return state


def _walked_font_state() -> tuple[tuple[str, int], ...]:
    """The usual font folders' times, walked, where the library is absent (then each
    question runs `fc-match`, whose answers are cached under this state)."""
    state = []
    for top in _STANDARD_FONT_DIRS:
        for folder, _dirs, _files in os.walk(os.path.expanduser(top)):
            try:
                state.append((folder, os.stat(folder).st_mtime_ns))
            except OSError:
                continue
    return tuple(state)


@lru_cache(maxsize=4_096)  # the answer depends on the question and the installed fonts
def _fc_match(
    code: int, face: str, lang: str | None, font_state: tuple[tuple[str, int], ...] = ()
) -> str | None:
    """Ask fontconfig for an installed font that has `code`; None when there is none.
    `font_state` (`_system_font_state`) keys the cache: fonts installed since an
    answer was given make it ask again."""
    family = (
        "serif"
        if face.startswith("serif")
        else "monospace"
        if face.startswith("mono")
        else "sans-serif"
    )
    pattern = f"{family}:charset={code:x}"
    if "bold" in face:
        pattern += ":weight=bold"
    if lang:
        pattern += f":lang={lang}"
    found = _ask_fontconfig(pattern, "%{file}#%{index}")
    if not found or not Path(_split_ref(found)[0]).is_file():
        return None
    try:
        return found if _covers(found, code) else None
    except Exception:  # a font fontconfig lists but fontTools cannot read is no use
        return None


def _ask_fontconfig(pattern: str, fmt: str) -> str:
    """fc-match's answer, from the library in this process when it loads (the same
    answer without a process per question), else from the command."""
    answer = fontconfig.match(pattern, fmt)
    if answer is None:
        import subprocess  # only where fontconfig's library is missing

        try:
            answer = subprocess.run(
                ["fc-match", f"--format={fmt}", pattern],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return ""
    return answer.strip()


def theme_fonts(theme: Theme) -> FontBook:
    """A new font book (the pipeline's measurer) of a theme, for one render or job.

    Cheap: what only depends on font files is cached process-wide; what a book learns
    from its own system-font lookups stays in it, so the same story always gets the
    same fonts, whatever was rendered before it in this process."""
    return FontBook(theme)
