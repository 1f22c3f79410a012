"""Syllable boundaries in scripts written without spaces, for when no dictionary is at hand.

Thai, Lao, Khmer and Myanmar separate phrases, not words, with spaces: a dictionary (ICU's,
`layout/dictionary.py`) finds the words. Where there is none, and inside a word too wide for
the line, a break may still fall between syllables, never between two graphemes of one
(a Khmer consonant and its subscript, a Myanmar consonant and its asat, a Thai consonant and
its vowel, which Unicode stores as separate graphemes: ม|า, เ|ก).

Two tiers, each a few regular expressions below:

* `syllable_breaks`: where a new syllable surely starts. Myanmar spells its syllables
  unambiguously enough for rules, and Khmer nearly so (a consonant without a vowel sign
  stays with the syllable before, whether final or not); Thai and Lao need a dictionary to
  tell an initial from a final consonant, so only the sure boundaries are kept (before a
  leading vowel, after sara a or sara am). These become ordinary break opportunities when
  ICU is missing.
* `cluster_breaks`: every boundary between clusters that are never split (a syllable in
  Khmer, Myanmar and Tibetan; in Thai and Lao a consonant with its vowels, tone marks and
  the letters they require). The last resort inside a too-long word, before graphemes.

Tibetan needs no rule for ordinary breaking: UAX #14 already allows a break after the tsheg
(class BA) and shad (EX), and none inside a syllable or stack (subjoined letters are CM).
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["atoms", "cluster_breaks", "clusters", "syllable_breaks", "unbreakable"]

# ----------------------------------------------------------------------------- Khmer
# An orthographic syllable: a consonant or independent vowel with its subscripts (coeng
# U+17D2 and a consonant), vowel signs and diacritics; then the consonants that carry no
# vowel sign (with their subscripts, and signs such as bantoc U+17CB): such a consonant is
# either a final or a syllable with the inherent vowel, which only a dictionary can tell
# apart, so they are never split from the syllable before. A break falls only before a
# consonant that has its own vowel: មនុស្ស is ម|នុស្ស, កើតមកមាន is កើតមក|មាន, and ស្ត្រី
# is one syllable.
_KM_LETTER = "[\u1780-\u17b3]"
_KM_SIGNS = "(?:\u17d2[\u1780-\u17b3]|[\u17b4-\u17d3\u17dd\u200c\u200d])*"
_KM_BARE = (
    "[\u1780-\u17a2](?:\u17d2[\u1780-\u17b3])*[\u17cb-\u17d1\u17d3\u17dd]*(?![\u17b4-\u17ca\u17d2])"
)
KHMER_SYLLABLE = f"{_KM_LETTER}{_KM_SIGNS}(?:{_KM_BARE})*"

# ---------------------------------------------------------------------------- Myanmar
# The usual syllable-break rule: a syllable starts at a consonant or independent vowel,
# unless it is stacked under the previous one (preceded by virama U+1039) or is killed by
# asat U+103A or stacks a consonant (followed by U+103A or U+1039, perhaps after the dot
# below U+1037, which Unicode orders first). Medials (U+103B-U+103E), vowels and tones
# follow their consonant: ကျွန်ုပ် and ဖြင့် are one syllable each, မေတ္တာ is မေ|တ္တာ.
_MY_LETTER = (
    "[\u1000-\u102a\u103f\u1050-\u1055\u105a-\u105d\u1061\u1065\u1066\u106e-\u1070"
    "\u1075-\u1081\u108e\ua9e0-\ua9e4\ua9e7-\ua9ef\ua9fa-\ua9fe\uaa60-\uaa6f\uaa71-\uaa76\uaa7a]"
)
_MY_START = f"(?<!\u1039){_MY_LETTER}(?!\u1037?[\u103a\u1039])"
_MY_BODY = (
    "(?:[\u102b-\u103e\u1056-\u1059\u105e-\u1060\u1062-\u1064\u1067-\u106d\u1071-\u1074"
    "\u1082-\u108d\u108f\u109a-\u109d\ua9e5\ua9e6\uaa70\uaa7b-\uaa7d\u200c\u200d]"
    f"|(?!{_MY_START}){_MY_LETTER})*"
)
MYANMAR_SYLLABLE = f"{_MY_START}{_MY_BODY}"

# ------------------------------------------------------------------------ Thai and Lao
# A cluster: a leading vowel, a consonant (or a digraph with ห/ຫ, which writes one sound),
# its vowel and tone marks, then what those marks require: mai han-akat (U+0E31, U+0EB1),
# Thai sara ue (U+0E37) and Lao mai kon (U+0EBB) never end a syllable, so the consonant after
# them is taken along (กัน, ทั้ง, มือ, ຄົນ); following vowels (า ะ ำ, ຽ); then silent letters,
# marked by thanthakhat (U+0E4C, U+0ECC), which belong to the syllable before (ศักดิ์, นุษย์).
# The repetition mark (ๆ, ໆ) repeats the word before: it ends that word's last cluster.
_TH_CONSONANT = "(?:ห[งญนมยรลว]|[\u0e01-\u0e2e])"
_TH_MARK = "[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]"
_TH_SILENT = "(?:[\u0e01-\u0e2e]?[\u0e01-\u0e2e][\u0e34\u0e38]?\u0e4c)*"
THAI_CLUSTER = (
    f"[\u0e40-\u0e44]?{_TH_CONSONANT}"
    f"(?:[\u0e31\u0e37][\u0e48-\u0e4b]?{_TH_CONSONANT}|{_TH_MARK})*"
    f"[\u0e30\u0e32\u0e33\u0e45]*{_TH_MARK}*{_TH_SILENT}\u0e46?"
)
_LO_CONSONANT = "(?:ຫ[ງຍນມລວຣ]|[\u0e81-\u0eae\u0edc-\u0edf])"
_LO_MARK = "[\u0eb1\u0eb4-\u0ebc\u0ec8-\u0ece]"
_LO_SILENT = "(?:[\u0e81-\u0eae]?[\u0e81-\u0eae][\u0eb4\u0eb8]?\u0ecc)*"
LAO_CLUSTER = (
    f"[\u0ec0-\u0ec4]?{_LO_CONSONANT}"
    f"(?:[\u0eb1\u0ebb][\u0ec8-\u0ecb]?{_LO_CONSONANT}|{_LO_MARK})*"
    f"[\u0eb0\u0eb2\u0eb3\u0ebd]*{_LO_MARK}*{_LO_SILENT}\u0ec6?"
)
# Sure syllable boundaries between Thai or Lao clusters: before a leading vowel; after sara a
# or sara am (short a and am take no final consonant) and after the repetition mark.
_TH_LO_STARTS = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44\u0ec0\u0ec1\u0ec2\u0ec3\u0ec4")
_TH_LO_ENDS = frozenset("\u0e30\u0e33\u0e46\u0eb0\u0eb3\u0ec6")

# ---------------------------------------------------------------------------- Tibetan
# Letters (each with its subjoined letters and vowel signs) up to and including a tsheg.
TIBETAN_SYLLABLE = (
    "[\u0f40-\u0f6c\u0f88-\u0f8c][\u0f40-\u0f6c\u0f71-\u0f87\u0f8d-\u0fbc\u0fc6]*[\u0f0b\u0f0c]?"
)


@lru_cache(maxsize=1)  # one pattern: compiled once
def _cluster() -> re.Pattern[str]:
    """The cluster pattern, compiled on the first text in these scripts (~2 ms a Latin story
    does not need). The first alternative that matches at a position wins; anything else
    (digits, punctuation, other scripts) is a cluster of one character no rule breaks before."""
    return re.compile(
        f"(?P<km>{KHMER_SYLLABLE})|(?P<my>{MYANMAR_SYLLABLE})|(?P<th>{THAI_CLUSTER})"
        f"|(?P<lo>{LAO_CLUSTER})|(?P<bo>{TIBETAN_SYLLABLE})|(?P<other>.)",
        re.DOTALL,
    )


_SCRIPTS = re.compile("[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\ua9e0-\uaa7f]")


def clusters(text: str) -> list[tuple[str, str]]:
    """`text` cut into (script, cluster) pairs; the script is "km", "my", "th", "lo", "bo",
    or "other" for a character outside any cluster."""
    return [(str(match.lastgroup), match.group()) for match in _cluster().finditer(text)]


@lru_cache(maxsize=4096)
def _boundaries(text: str) -> tuple[frozenset[int], frozenset[int]]:
    """(sure syllable boundaries, cluster boundaries) inside `text`."""
    if not _SCRIPTS.search(text):
        return frozenset(), frozenset()
    syllables: set[int] = set()
    between: set[int] = set()
    position = 0
    previous: tuple[str, str] | None = None
    for script, cluster in clusters(text):
        # A break only between two letter clusters of one script: never before a mark,
        # a digit or punctuation (UAX #14 decides those), nor across scripts.
        if previous is not None and script == previous[0] and script != "other":
            between.add(position)
            if script in ("km", "my") or (
                script in ("th", "lo")
                and (cluster[0] in _TH_LO_STARTS or previous[1][-1] in _TH_LO_ENDS)
            ):
                syllables.add(position)
        previous = (script, cluster)
        position += len(cluster)
    return frozenset(syllables), frozenset(between)


def syllable_breaks(text: str) -> frozenset[int]:
    """Offsets inside `text` where a syllable surely starts (Khmer, Myanmar, Thai, Lao)."""
    return _boundaries(text)[0]


def cluster_breaks(text: str) -> frozenset[int]:
    """Offsets inside `text` between clusters that are never split (see the module doc);
    a superset of `syllable_breaks`, plus Tibetan syllables."""
    return _boundaries(text)[1]


def unbreakable(text: str) -> bool:
    """Whether `text` is one cluster of these scripts: a line may overflow with it, but
    it is never cut between its graphemes (ស្ត្រី, ကျွန်ုပ်)."""
    match = _cluster().fullmatch(text)
    return match is not None and match.lastgroup != "other"


def atoms(text: str) -> list[str]:
    """`text` cut as finely as a line may ever be cut: each cluster of these scripts
    whole, any other text between its graphemes."""
    # uniseg (and the importlib.metadata its package imports) loads only for a word too
    # long for its line.
    from uniseg.graphemecluster import grapheme_clusters

    result: list[str] = []
    other = ""
    for script, cluster in clusters(text):
        if script == "other":
            other += cluster
            continue
        result.extend(grapheme_clusters(other))
        other = ""
        result.append(cluster)
    result.extend(grapheme_clusters(other))
    return result
