"""How long a video shows each slide: the reading-time rule, as pure functions and values.

A slide stays on screen as long as its words take to read at the theme's pace (words a
minute; characters a minute for scripts written without spaces between words), within a
minimum and a maximum, plus a short hold on the first slide (the cover) and the last.
Times are whole frames, so a video's length is exactly the sum of its slides' times.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .errors import OptionsError

__all__ = [
    "FPS",
    "Timeline",
    "VideoStyle",
    "reading_seconds",
    "split_by_time",
    "timeline",
    "word_count",
]

FPS = 30  # every platform's recommended rate (and inside the Reels API's 23-60)

Transition = Literal["cut", "fade", "push"]


@dataclass(frozen=True)
class VideoStyle:
    """A theme's `[video]` table: the reading pace, the limits per slide, the hold on the
    first and last slides, and the transition between slides."""

    # ~200-250 words a minute is silent reading of running text (IReST: English 228).
    words_per_minute: float = 220
    # Chinese and Japanese, counted in characters (IReST: ~255 and ~357 a minute).
    characters_per_minute: float = 300
    min_seconds: float = 3.0  # a short slide still needs a glance and a moment
    max_seconds: float = 20.0  # a slide longer to read is too dense for a video: `check` says
    hold_seconds: float = 1.0  # added to the cover and to the last slide
    transition: Transition = "fade"
    transition_seconds: float = 0.4

    def __post_init__(self) -> None:
        for name in ("words_per_minute", "characters_per_minute"):
            if not 30 <= getattr(self, name) <= 2000:
                raise OptionsError(f"video.{name} must be from 30 to 2000")
        if not 0.5 <= self.min_seconds <= self.max_seconds <= 60:
            raise OptionsError("video: expected 0.5 <= min_seconds <= max_seconds <= 60")
        if not 0 <= self.hold_seconds <= 10:
            raise OptionsError("video.hold_seconds must be from 0 to 10")
        if not 0 <= self.transition_seconds <= min(2.0, self.min_seconds / 2):
            raise OptionsError("video.transition_seconds must be from 0 to min_seconds / 2 (≤ 2)")
        if self.transition not in ("cut", "fade", "push"):
            raise OptionsError(f"video.transition is cut, fade or push, not {self.transition!r}")


@lru_cache(maxsize=1)  # one pattern, compiled on first use: its wide ranges take ~2 ms
def _unspaced() -> re.Pattern[str]:
    """Characters of scripts written without spaces between words, read a character at a
    time: Han ideographs, kana, and the CJK punctuation and full-width forms between them."""
    return re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def word_count(text: str) -> tuple[int, int]:
    """(words, characters read one by one): a text's words between spaces, and its
    Chinese and Japanese characters, which are counted apart."""
    unspaced = _unspaced()
    characters = len(unspaced.findall(text))
    words = len(unspaced.sub(" ", text).split())
    return words, characters


def reading_seconds(text: str, style: VideoStyle) -> float:
    """The time `text` takes to read at `style`'s pace, before the limits."""
    words, characters = word_count(text)
    return 60 * (words / style.words_per_minute + characters / style.characters_per_minute)


@dataclass(frozen=True)
class Timeline:
    """Each slide's time on screen, in frames, and the transition between slides."""

    frames: tuple[int, ...]
    fps: int = FPS
    transition: Transition = "fade"
    transition_frames: int = 12
    clipped: tuple[bool, ...] = ()  # whose reading time the maximum cut short

    @property
    def seconds(self) -> tuple[float, ...]:
        return tuple(count / self.fps for count in self.frames)

    @property
    def starts(self) -> tuple[int, ...]:
        """The frame each slide starts at (a transition is centred on this boundary)."""
        out, at = [], 0
        for count in self.frames:
            out.append(at)
            at += count
        return tuple(out)

    @property
    def total_frames(self) -> int:
        return sum(self.frames)

    @property
    def duration(self) -> float:
        return self.total_frames / self.fps


def _slide_frames(text: str, style: VideoStyle, fps: int, hold: bool) -> tuple[int, bool]:
    wanted = reading_seconds(text, style)
    seconds = min(max(wanted, style.min_seconds), style.max_seconds)
    seconds += style.hold_seconds if hold else 0.0
    return round(seconds * fps), wanted > style.max_seconds


def timeline(
    texts: Sequence[str],
    style: VideoStyle | None = None,
    *,
    fps: int = FPS,
    holds: Sequence[int] | None = None,
) -> Timeline:
    """The timeline of slides with these words: each slide's reading time within the
    style's limits, plus the hold on the slides at `holds` (the first and the last
    unless said otherwise: a story split into parts holds each part's first and last)."""
    style = style or VideoStyle()
    if not texts:
        raise OptionsError("a video needs at least one slide")
    held = set(holds) if holds is not None else {0, len(texts) - 1}
    timed = [_slide_frames(t, style, fps, i in held) for i, t in enumerate(texts)]
    transition = 0 if style.transition == "cut" else round(style.transition_seconds * fps)
    return Timeline(
        tuple(frames for frames, _ in timed),
        fps,
        style.transition if transition else "cut",
        transition,
        tuple(clipped for _, clipped in timed),
    )


def split_by_time(
    texts: Sequence[str], style: VideoStyle | None, max_seconds: float, fps: int = FPS
) -> list[range]:
    """The fewest runs of slides each within `max_seconds` as a video of its own (its
    first and last slides held), as even in length as can be; nothing is left out, and no
    slide is ever shortened to fit."""
    style = style or VideoStyle()
    limit = round(max_seconds * fps)

    def length(part: range) -> int:
        return timeline([texts[i] for i in part], style, fps=fps).total_frames

    def greedy(bound: int) -> list[range] | None:
        parts, start = [], 0
        while start < len(texts):
            stop = start + 1
            if length(range(start, stop)) > bound:
                return None
            while stop < len(texts) and length(range(start, stop + 1)) <= bound:
                stop += 1
            parts.append(range(start, stop))
            start = stop
        return parts

    fewest = greedy(limit)
    if fewest is None:
        raise OptionsError(f"a slide alone is longer than {max_seconds:g} s: no split fits")
    low, high = 1, limit  # the smallest bound that needs no more parts: even lengths
    while low < high:
        middle = (low + high) // 2
        parts = greedy(middle)
        if parts is not None and len(parts) <= len(fewest):
            high = middle
        else:
            low = middle + 1
    return greedy(low) or fewest
