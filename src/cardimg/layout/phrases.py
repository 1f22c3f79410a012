"""Phrases of Japanese text, so that headings break between phrases, not inside words.

Japanese has no spaces: UAX #14 allows a break between almost any two characters, and a
headline broken there splits words (除 / 雪, 最適 / 化). Japanese designers break
headlines between phrases (文節) instead; browsers do the same with CSS
`word-break: auto-phrase`, using BudouX, Google's phrase segmenter. cardimg asks BudouX
too, for the blocks whose style keeps phrases (headings, pull quotes, cover titles):
only the break opportunities at the start of a phrase (or after a space) are kept.
Removing opportunities never adds one, so kinsoku and every other rule still hold, and
a phrase too wide for its line is still broken between characters, as any word is.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

__all__ = ["phrase_starts", "wants_phrases"]


class _Parser(Protocol):
    def parse(self, sentence: str) -> list[str]: ...


@lru_cache(maxsize=1)
def _japanese() -> _Parser:
    import budoux  # imported on first Japanese heading: most stories never need it

    parser: _Parser = budoux.load_default_japanese_parser()
    return parser


def wants_phrases(lang: str | None) -> bool:
    """Whether text in `lang` is broken by phrase (Japanese; Chinese is broken between
    any two characters, as its readers expect and as browsers do)."""
    return lang is not None and lang.lower().replace("_", "-").split("-")[0] == "ja"


@lru_cache(maxsize=4096)
def phrase_starts(text: str) -> frozenset[int]:
    """The offsets in `text` where a phrase begins (0 excluded)."""
    starts, offset = set(), 0
    for phrase in _japanese().parse(text):
        offset += len(phrase)
        starts.add(offset)
    starts.discard(len(text))
    return frozenset(starts)
