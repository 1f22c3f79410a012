"""`cardimg doctor`: what this machine gives cardimg to set text with, and what it lacks.

Stories are set right only where Pillow has its complete text engine and a font for
every script they use. Slim containers and CI images often lack a system library or
system fonts, and a missing piece shows only on the slides of the stories that need it.
The doctor asks every piece once (the same questions `render` asks) and says, for what
is missing, the command that installs it (the convention of `flutter doctor`).
"""

from __future__ import annotations

import platform
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from PIL import __version__ as pillow_version
from PIL import features

from . import fontconfig, fonts
from .engine import engine_status
from .layout.dictionary import icu_provider
from .resources import data_dir
from .theme import Theme, default_theme

__all__ = ["SCRIPT_SAMPLES", "Check", "diagnose", "header", "problems"]


@dataclass(frozen=True)
class Check:
    """One thing looked at: `ok` False means a story could come out wrong here."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None  # the command (or step) that mends it
    required: bool = True  # False: a lack that makes output plainer, never wrong


# Scripts of the world's major living languages, each with letters that need its font
# (and its shaping) and the language fontconfig is asked for.
SCRIPT_SAMPLES: tuple[tuple[str, str, str | None], ...] = (
    ("Latin", "Aaŋẞ", None),
    ("Greek", "Ωωά", "el"),
    ("Cyrillic", "Жжё", "ru"),
    ("Armenian", "Աա", "hy"),
    ("Georgian", "ქა", "ka"),
    ("Hebrew", "שלום", "he"),
    ("Arabic", "عربي", "ar"),
    ("Thaana", "ދިވެހި", "dv"),
    ("Devanagari", "हिन्दी", "hi"),
    ("Bengali", "বাংলা", "bn"),
    ("Gurmukhi", "ਪੰਜਾਬੀ", "pa"),
    ("Gujarati", "ગુજરાતી", "gu"),
    ("Odia", "ଓଡ଼ିଆ", "or"),
    ("Tamil", "தமிழ்", "ta"),
    ("Telugu", "తెలుగు", "te"),
    ("Kannada", "ಕನ್ನಡ", "kn"),
    ("Malayalam", "മലയാളം", "ml"),
    ("Sinhala", "සිංහල", "si"),
    ("Thai", "ภาษาไทย", "th"),
    ("Lao", "ພາສາລາວ", "lo"),
    ("Tibetan", "བོད་ཡིག", "bo"),
    ("Myanmar", "မြန်မာ", "my"),
    ("Khmer", "ភាសាខ្មែរ", "km"),
    ("Ethiopic", "አማርኛ", "am"),
    ("Cherokee", "ᏣᎳᎩ", "chr"),
    ("Chinese", "中文汉字", "zh-cn"),
    ("Japanese", "日本語かなカナ", "ja"),
    ("Korean", "한국어", "ko"),
    ("Emoji", "😀🇫🇷", None),
)


def _package(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _engine_check() -> Check:
    status = engine_status()
    if status.raqm:
        detail = (
            f"Raqm {status.raqm_version}, FriBiDi {status.fribidi_version}, "
            f"HarfBuzz {status.harfbuzz_version}"
        )
        return Check("text engine", True, detail)
    return Check(
        "text engine",
        False,
        "Pillow's basic layout: right-to-left, Indic, Thai, Khmer... stories are refused",
        fix=f"install {status.missing}",
    )


def _measuring_check() -> Check:
    import uharfbuzz

    detail = f"HarfBuzz {uharfbuzz.version_string()} (uharfbuzz {_package('uharfbuzz')})"
    return Check("measuring", True, detail)


def _fontconfig_check() -> Check:
    if fontconfig.available():
        return Check("system fonts", True, f"fontconfig {fontconfig.version()} (library)")
    if shutil.which("fc-match"):
        return Check("system fonts", True, "fontconfig's fc-match program")
    return Check(
        "system fonts",
        False,
        "no fontconfig: fonts installed on this machine (CJK above all) are never found",
        fix="apt-get install libfontconfig1 (Debian)",
    )


def _word_break_check() -> Check:
    provider = icu_provider()
    if provider is not None:
        detail = f"ICU from {provider} (Thai, Lao, Khmer, Myanmar dictionaries)"
        return Check("word breaks", True, detail)
    return Check(
        "word breaks",
        False,
        "no ICU: Thai, Lao, Khmer and Myanmar break between syllables, not words",
        fix="pip install icu4py (a dependency of cardimg: reinstall it)",
        required=False,
    )


def _script_check(label: str, sample: str, lang: str | None, theme: Theme) -> Check:
    """Whether a font of the theme (bundled) or of the system has the whole sample."""
    book = fonts.theme_fonts(theme)
    face = book.face("sans")
    runs = book.runs(face, sample, lang)
    drawn_by = {font for font, _text in runs}
    missing = {char for font, text in runs for char in book.missing(font, text)}
    if missing:
        cjk = label in ("Chinese", "Japanese", "Korean")
        package = "fonts-noto-cjk" if cjk else "fonts-noto-core fonts-noto-extra"
        return Check(
            label,
            False,
            f"no font has {''.join(sorted(missing))}: drawn as boxes",
            fix=f"apt-get install {package} (Debian), or a [[fallback]] font in the theme",
        )
    bundled = str(data_dir("fonts"))
    where = sorted(
        ("bundled " if font.startswith(bundled) else "system ") + font.rsplit("/", 1)[-1]
        for font in drawn_by
    )
    return Check(label, True, ", ".join(where))


def diagnose(theme: Theme | None = None) -> list[Check]:
    """Every check, in the order `cardimg doctor` prints them."""
    theme = theme or default_theme()
    checks = [_engine_check(), _measuring_check(), _fontconfig_check(), _word_break_check()]
    checks += [_script_check(*entry, theme) for entry in SCRIPT_SAMPLES]
    return checks


def problems(checks: Sequence[Check]) -> list[Check]:
    """The checks that fail for something a story could need."""
    return [check for check in checks if not check.ok and check.required]


def header() -> str:
    """Which cardimg, Python and Pillow this is."""
    from . import __version__

    return (
        f"cardimg {__version__} on Python {platform.python_version()}, Pillow "
        f"{pillow_version} (FreeType {features.version('freetype2')})"
    )
