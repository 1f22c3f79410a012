"""The post caption that goes with a carousel (`caption.txt`): the title and the sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .targets import trim_at_word

if TYPE_CHECKING:
    from .model import Carousel

__all__ = ["CAPTION_LIMIT", "caption_text"]

CAPTION_LIMIT = 2200  # Instagram's caption limit, in characters

# A long title gives way to the sources, down to this many characters (a long headline).
_TITLE_KEEP = 300


def caption_text(carousel: Carousel, limit: int = CAPTION_LIMIT) -> str:
    """The post caption: the title, then the sources with their links, within `limit`.

    When both do not fit, a long title is cut at a word (with `…`) to make room for the
    sources; sources that still do not fit are counted (`…and 3 more`), never cut in the
    middle of a link.
    """
    story = carousel.story
    title = " ".join((story.title or story.slug).split())
    entries = [
        " ".join(f"{s.title} {s.url}".split()) if s.title != s.url else s.url for s in story.sources
    ]
    if not entries:
        return trim_at_word(title, limit)
    block = "\n\nSources:\n" + "\n".join(entries)
    if len(title) + len(block) <= limit:
        return title + block
    # A short caption (X's 280) keeps a third for the title, not all of it: else the
    # title would take every character and the sources none.
    head = trim_at_word(title, max(limit - len(block), min(_TITLE_KEEP, limit // 3)))
    return head + _sources_within(entries, limit - len(head))


def _sources_within(entries: list[str], room: int) -> str:
    text = "\n\nSources:"
    for number, entry in enumerate(entries):
        rest = len(entries) - number - 1
        tail = f"\n…and {rest} more" if rest else ""
        if len(text) + 1 + len(entry) + len(tail) > room:
            more = f"\n…and {len(entries) - number} more"
            return text + more if len(text) + len(more) <= room else ""
        text += "\n" + entry
    return text
