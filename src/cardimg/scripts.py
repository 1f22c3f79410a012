"""Facts about scripts that layout needs, from the characters alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

__all__ = [
    "QUOTES",
    "guess_lang",
    "is_hangul",
    "min_line_height",
    "quotes_for",
    "script_of",
    "story_languages",
    "text_lang",
]


# Code point ranges of the scripts whose language can be told from the characters.
_SCRIPTS: tuple[tuple[int, int, str], ...] = (
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0530, 0x058F, "armenian"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0x0780, 0x07BF, "thaana"),
    (0x0900, 0x097F, "devanagari"),
    (0x0980, 0x09FF, "bengali"),
    (0x0A00, 0x0A7F, "gurmukhi"),
    (0x0A80, 0x0AFF, "gujarati"),
    (0x0B00, 0x0B7F, "oriya"),
    (0x0B80, 0x0BFF, "tamil"),
    (0x0C00, 0x0C7F, "telugu"),
    (0x0C80, 0x0CFF, "kannada"),
    (0x0D00, 0x0D7F, "malayalam"),
    (0x0D80, 0x0DFF, "sinhala"),
    (0x0E00, 0x0E7F, "thai"),
    (0x0E80, 0x0EFF, "lao"),
    (0x0F00, 0x0FFF, "tibetan"),
    (0x1000, 0x109F, "myanmar"),
    (0x10A0, 0x10FF, "georgian"),
    (0x1100, 0x11FF, "hangul"),
    (0x1200, 0x139F, "ethiopic"),  # with the Ethiopic Supplement
    (0x13A0, 0x13FF, "cherokee"),
    (0x1780, 0x17FF, "khmer"),
    (0x19E0, 0x19FF, "khmer"),  # Khmer Symbols
    (0x1C90, 0x1CBF, "georgian"),  # Mtavruli capitals
    (0x2D00, 0x2D2F, "georgian"),  # Nuskhuri
    (0x2D80, 0x2DDF, "ethiopic"),  # Ethiopic Extended
    (0x3040, 0x30FF, "kana"),
    (0x3130, 0x318F, "hangul"),
    (0x31F0, 0x31FF, "kana"),
    (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"),
    (0xA9E0, 0xA9FF, "myanmar"),  # Myanmar Extended-B
    (0xAA60, 0xAA7F, "myanmar"),  # Myanmar Extended-A
    (0xAB00, 0xAB2F, "ethiopic"),  # Ethiopic Extended-A
    (0xAB70, 0xABBF, "cherokee"),  # Cherokee Supplement (lowercase)
    (0xAC00, 0xD7A3, "hangul"),
    (0xF900, 0xFAFF, "han"),
    (0xFF66, 0xFF9F, "kana"),
    (0x1E7E0, 0x1E7FF, "ethiopic"),  # Ethiopic Extended-B
)
_LANG_OF_SCRIPT = {
    "greek": "el",
    "cyrillic": "ru",
    "armenian": "hy",
    "hebrew": "he",
    "arabic": "ar",
    "devanagari": "hi",
    "bengali": "bn",
    "gurmukhi": "pa",
    "gujarati": "gu",
    "oriya": "or",
    "tamil": "ta",
    "telugu": "te",
    "kannada": "kn",
    "malayalam": "ml",
    "sinhala": "si",
    "thai": "th",
    "lao": "lo",
    "tibetan": "bo",
    "myanmar": "my",
    "georgian": "ka",
    "hangul": "ko",
    "ethiopic": "am",
    "cherokee": "chr",
    "thaana": "dv",
    "khmer": "km",
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


# The least line height (in ems) that keeps a script's stacks clear of the next line.
# Myanmar stacks medials and vowels above and below its letters, Tibetan whole
# consonant clusters: at a Latin line height (1.3-1.4) the marks of one line touch the
# next. Browsers leave this to the page's CSS; newspapers in these scripts set text with
# such leading. Other scripts' marks fit within their fonts' usual extent.
_MIN_LINE_HEIGHT = {"myanmar": 1.8, "tibetan": 2.0}


@lru_cache(maxsize=4096)
def min_line_height(text: str) -> float:
    """The least line height for a block whose letters are mostly in one script (0 when
    the script needs no more than the theme gives)."""
    script = _main_script(text)
    return _MIN_LINE_HEIGHT.get(script or "", 0.0)


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
    "pt-br": ("“", "”", "‘", "’"),
    "de-ch": ("«", "»", "‹", "›"),
    "bg": ("„", "“", "‚", "‘"),
    "mk": ("„", "“", "‚", "‘"),
    "sr": ("„", "”", "‚", "’"),
    "be": ("«", "»", "„", "“"),
    "kk": ("«", "»", "„", "“"),
    "fa": ("«", "»", "“", "”"),
    "ar": ("«", "»", "“", "”"),
    "he": ("”", "”", "’", "’"),
    "ja": ("「", "」", "『", "』"),
    "zh": ("“", "”", "‘", "’"),
    # Traditional Chinese (Taiwan, Hong Kong, Macao) sets corner brackets.
    "zh-hant": ("「", "」", "『", "』"),
    "zh-tw": ("「", "」", "『", "』"),
    "zh-hk": ("「", "」", "『", "』"),
    "zh-mo": ("「", "」", "『", "』"),
    "ko": ("“", "”", "‘", "’"),
}


def _letter_scripts(text: str) -> dict[str, int]:
    """How many letters of `text` are in each script; letters of scripts outside the
    table (Latin above all) count as "latin", marks and digits not at all."""
    counts: dict[str, int] = {}
    # Each distinct character once (a card has a few hundred); Counter keeps the order
    # characters first appear in, so scripts tie-break as they always did.
    for char, number in Counter(text).items():
        if char.isalpha():
            script = script_of(char) or "latin"
            counts[script] = counts.get(script, 0) + number
    return counts


def _main_script(text: str) -> str | None:
    """The script at least half of the letters are in (None: no letters, or no majority).
    Japanese mixes kana with kanji, Korean may use hanja: those count together."""
    counts = _letter_scripts(text)
    letters = sum(counts.values())
    if not letters:
        return None
    han = counts.get("han", 0)
    for script in ("kana", "hangul"):
        if counts.get(script) and (counts[script] + han) * 2 >= letters:
            return script
    script = max(counts, key=counts.__getitem__)
    return script if counts[script] * 2 >= letters else None


# Letters that only some languages written in Cyrillic use; Russian has none of them.
_CYRILLIC_LETTERS: tuple[tuple[str, str], ...] = (
    # Turkic and Mongolian languages (no theme words: English frame words, their quotes)
    ("әғқұһӘҒҚҰҺ", "kk"),
    ("ңҢ", "ky"),
    ("өүӨҮ", "mn"),
    ("ўЎ", "be"),
    ("ђћЂЋ", "sr"),
    ("ѓќѕЃЌЅ", "mk"),
    ("јљњџЈЉЊЏ", "sr"),  # shared by Serbian and Macedonian; ѓ ќ ѕ above tell Macedonian
    ("іїєґІЇЄҐ", "uk"),
)


def _cyrillic_lang(text: str) -> str:
    letters = set(text)
    for marks, lang in _CYRILLIC_LETTERS:
        if not letters.isdisjoint(marks):
            return lang
    # Bulgarian has no letters of its own, but uses ъ as a vowel everywhere and never
    # ы or э; Russian text of any length has ы.
    lower = text.lower()
    hard_signs = lower.count("ъ")
    if hard_signs >= 2 and not letters.intersection("ыэёЫЭЁ"):
        return "bg"
    return "ru"


# Letters Tigrinya writes and Amharic does not: the qhe and qhwe rows (ቐ...).
_TIGRINYA_LETTERS = frozenset(chr(code) for code in range(0x1250, 0x125E))


def _ethiopic_lang(text: str) -> str:
    """Tigrinya or Amharic: Tigrinya has letters of its own, and writes the vowel "a"
    as ኣ where Amharic writes አ."""
    if not _TIGRINYA_LETTERS.isdisjoint(text) or text.count("ኣ") > text.count("አ"):
        return "ti"
    return "am"


def _lang_of(script: str | None, text: str) -> str | None:
    if script == "cyrillic":
        return _cyrillic_lang(text)
    if script == "ethiopic":
        return _ethiopic_lang(text)
    if script == "arabic" and not set(text).isdisjoint("پچژگکی"):
        # Persian and Urdu letters: the theme's Arabic words would be the wrong language.
        return "ur" if not set(text).isdisjoint("ٹڈڑںےھ") else "fa"
    return _LANG_OF_SCRIPT.get(script or "")


def guess_lang(text: str) -> str | None:
    """A language guess from the letters alone, for stories that do not say theirs: the
    script most letters are in, refined where letters tell languages apart (Ukrainian,
    Serbian... from Russian). None for Latin text and mixed text with no main script."""
    return _lang_of(_main_script(text), text)


def story_languages(
    declared: str | None, cards: Sequence[str]
) -> tuple[str | None, tuple[str | None, ...]]:
    """The language of a story's frame words, and of each card's text (quotes, hyphens).

    A declared `lang` is used for everything. Otherwise the story's language is guessed
    from all its cards together, and a card keeps that language unless most of its own
    letters are in another script: an English story quoting one Japanese word stays
    English, a Japanese card in an English story gets Japanese quotes.
    """
    if declared:
        return declared, tuple(declared for _ in cards)
    whole = "\n".join(cards)
    story_script = _main_script(whole)
    story_lang = _lang_of(story_script, whole)
    langs = []
    for body in cards:
        script = _main_script(body)
        clearly_other = script is not None and script != story_script
        langs.append(_lang_of(script, body) if clearly_other else story_lang)
    return story_lang, tuple(langs)


def quotes_for(lang: str | None) -> tuple[str, str, str, str]:
    """The quotation marks of a BCP 47 tag, the most specific entry first: `zh-Hant-TW`
    tries `zh-hant-tw`, `zh-hant`, `zh`; unknown languages get English marks."""
    parts = (lang or "en").strip().lower().replace("_", "-").split("-")
    for end in range(len(parts), 0, -1):
        found = QUOTES.get("-".join(parts[:end]))
        if found is not None:
            return found
    return QUOTES["en"]
