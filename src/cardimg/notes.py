"""Warnings found while rendering: Markdown a card body has that is not drawn as written,
and, from the laid-out or painted slides, characters no font has and text that fails
WCAG contrast against what is behind it."""

from __future__ import annotations

from collections.abc import Sequence

from .blocks import parse_body
from .fonts import FontBook
from .model import Slide
from .plan import SlidePlan
from .scripts import guess_lang
from .story import Story, story_name
from .theme import Palette

__all__ = ["contrast_warnings", "markdown_warnings", "missing_glyph_warnings"]


def markdown_warnings(story: Story) -> list[str]:
    """One warning per thing a card body has that is not drawn as written (an HTML
    comment, an image, nesting too deep...), naming the card as the other notes do."""
    notes = []
    for card in story.cards:
        # The language the planner parses the card in (it sets only quotation marks).
        parsed = parse_body(card.body, lang=story.lang or guess_lang(card.body))
        notes.extend(f"{story_name(story)}: card {card.key}: {note}" for note in parsed.notes)
    return notes


def missing_glyph_warnings(story: Story, plans: Sequence[SlidePlan], fonts: FontBook) -> list[str]:
    """One warning per card whose text has characters that no font can draw (tofu)."""
    notes = []
    for plan in plans:
        if plan.part != 1:
            continue
        missing: set[str] = set()
        for line in plan.lines:
            for fragment in line.fragments:
                missing |= fonts.missing(fragment.style.font, fragment.text)
        if missing:
            shown = sorted(missing)[:12]
            chars = " ".join(f"{c} (U+{ord(c):04X})" for c in shown)
            more = f" and {len(missing) - len(shown)} more" if len(missing) > len(shown) else ""
            where = f"card {plan.card_key}" if plan.card_key else plan.kind
            notes.append(
                f"{story_name(story)}: {where}: no font has these characters: {chars}{more}"
            )
    return notes


def contrast_warnings(
    story: Story, palette: Palette, slides: Sequence[Slide], *, accessible: bool
) -> list[str]:
    """Warnings for text that fails WCAG AA against what is behind it: one per distinct
    failure (a failing palette fails on every slide alike), naming the slides."""
    groups: dict[tuple[float, float], list[Slide]] = {}
    for slide in slides:
        check = slide.contrast_check
        if check is not None and check.ratio < check.required:
            groups.setdefault((round(check.ratio, 2), check.required), []).append(slide)
    hint = "" if accessible else " (--accessible moves the colours just enough to pass)"
    notes = []
    for (ratio, required), failing in groups.items():
        where = ", ".join(f"{slide.index:02d}" for slide in failing)
        notes.append(
            f"{story_name(story)}: palette {palette.key!r}: text is {ratio:.2f}:1 against its "
            f"background on slide{'s' if len(failing) > 1 else ''} {where}, below WCAG AA "
            f"{required:g}:1{hint}"
        )
    return notes
