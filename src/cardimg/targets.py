"""A platform target's rules applied to a carousel: which format, how many slides an
upload holds, how long alt text may be. Pure functions; `export` writes what they decide.
"""

from __future__ import annotations

import unicodedata

from .errors import CardimgError
from .formats import encoder
from .presets import Preset, Target

__all__ = [
    "TargetError",
    "check_preset",
    "choose_format",
    "refuse_preset",
    "split_slides",
    "trim_at_word",
]


_CUT_PUNCTUATION = " \n\t,;:-–—|·•"


class TargetError(CardimgError, ValueError):
    """What was asked for cannot be posted to the target platform."""


def choose_format(target: Target | None, requested: str | None, preset: Preset) -> str:
    """The format to write: the one asked for, else the target's first, else the preset's.
    A format the target refuses is an error, never a file the platform rejects."""
    if requested is not None:
        chosen = encoder(requested).name  # any case, `jpg` is `jpeg`; unknown: an error
        if target is not None and chosen not in target.formats:
            raise TargetError(
                f"target {target.name} takes {' or '.join(target.formats)}, not {requested}"
            )
        return chosen
    if target is None or preset.format in target.formats:
        return preset.format
    return target.formats[0]


def check_preset(target: Target | None, preset: Preset) -> list[str]:
    """Why `target` refuses files of `preset` (an aspect ratio or a width outside what the
    platform's publishing API accepts): empty when it takes them. Each reason is one line
    naming the target and the preset (no command-line flags: the API says them too)."""
    if target is None:
        return []
    notes = []
    fits = f"preset {target.preset} fits"
    if target.aspect is not None:
        narrowest, widest = target.aspect
        if not narrowest - 1e-9 <= preset.aspect <= widest + 1e-9:
            notes.append(
                f"target {target.name} refuses preset {preset.name} ({preset.width}×"
                f"{preset.height}): outside its aspect range {narrowest:.2f}…{widest:.2f}:1 "
                f"({fits})"
            )
    if target.widths is not None and not target.widths[0] <= preset.width <= target.widths[1]:
        notes.append(
            f"target {target.name} refuses preset {preset.name}: {preset.width} px wide, "
            f"outside its {target.widths[0]}–{target.widths[1]} px ({fits})"
        )
    return notes


def refuse_preset(target: Target | None, preset: Preset) -> None:
    """A TargetError when `target` refuses files of `preset`: never a file the platform
    rejects (see `check_preset`)."""
    notes = check_preset(target, preset)
    if notes:
        raise TargetError(notes[0])


def split_slides(total: int, max_slides: int | None) -> list[range]:
    """Cut `total` slides into the fewest uploads of at most `max_slides`, as even as
    can be (23 at 10 a carousel: 8, 8, 7), in order; nothing is ever left out."""
    if max_slides is None or total <= max_slides:
        return [range(total)]
    parts = -(-total // max_slides)
    size, extra = divmod(total, parts)
    ranges, start = [], 0
    for number in range(parts):
        stop = start + size + (1 if number < extra else 0)
        ranges.append(range(start, stop))
        start = stop
    return ranges


def trim_at_word(text: str, limit: int | None) -> str:
    """`text` within `limit` characters, cut after a whole word and marked with `…`; a
    first word longer than the room (or a script without spaces) is cut between
    characters, never between a letter and its accent."""
    if limit is None or len(text) <= limit:
        return text
    if limit < 1:
        return ""
    cut = text[: limit - 1]
    space = max(cut.rfind(char) for char in " \n\t")
    if text[limit - 1].isspace():
        pass  # the cut falls between words already
    elif space > 0:
        cut = cut[:space]
    else:
        while cut and unicodedata.combining(text[len(cut)]):
            cut = cut[:-1]
    return cut.rstrip(_CUT_PUNCTUATION) + "…"
