"""Findings about a story's cards and slides (see `findings.py` for the values): Markdown
a card body has that is not drawn as written, cards that continue or sit at the
legibility floor, characters no font has, and text that fails WCAG contrast.

All but contrast come from the planned slides alone, so `render` and `check` share them;
contrast takes a measurement per slide, painted (`render`) or computed (`check`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from .blocks import parse_body
from .contrast import TextContrast
from .findings import Finding, format_finding
from .fonts import FontBook
from .plan import SlidePlan
from .scripts import guess_lang
from .story import Story, story_name
from .theme import Palette, Theme

__all__ = [
    "SlideContrast",
    "contrast_findings",
    "layout_findings",
    "markdown_findings",
    "missing_glyph_findings",
    "missing_glyph_warnings",
    "story_findings",
    "with_slides",
]


# (a frozen dataclass, not a NamedTuple: a tuple field `index` would hide tuple.index)
@dataclass(frozen=True)
class SlideContrast:
    """The weakest text of one slide, however it was measured."""

    index: int  # 1-based slide number
    card_key: str | None
    check: TextContrast | None


def story_findings(story: Story) -> list[Finding]:
    """The findings made while loading the story; a hand-built `Story` may carry warnings
    as text only, which become `story-warning` findings."""
    if story.findings or not story.warnings:
        return list(story.findings)
    prefix = f"{story_name(story)}: "
    return [
        Finding(code="story-warning", file=story_name(story), message=text.removeprefix(prefix))
        for text in story.warnings
    ]


def with_slides(findings: Sequence[Finding], plans: Sequence[SlidePlan]) -> tuple[Finding, ...]:
    """The findings with the slide filled in where only the card was known (found before
    the slides were planned): the card's first slide."""
    first: dict[str, int] = {}
    for index, plan in enumerate(plans, start=1):
        if plan.card_key is not None:
            first.setdefault(plan.card_key, index)
    return tuple(
        replace(f, slide=first[f.card]) if f.slide is None and f.card in first else f
        for f in findings
    )


def markdown_findings(story: Story) -> list[Finding]:
    """One `markdown-hidden` per thing a card body has that is not drawn as written (an
    HTML comment, an image, nesting too deep...), naming the card; and `card-blank` for
    a body with Markdown that draws nothing at all (an empty body is `card-empty`)."""
    findings: list[Finding] = []
    for card in story.cards:
        # The language the planner parses the card in (it sets only quotation marks).
        parsed = parse_body(card.body, lang=story.lang or guess_lang(card.body))
        findings.extend(
            Finding(code="markdown-hidden", file=story_name(story), card=card.key, message=note)
            for note in parsed.notes
        )
        if card.body and not parsed.blocks:
            findings.append(
                Finding(
                    code="card-blank",
                    file=story_name(story),
                    card=card.key,
                    message=f"draws nothing: {_snippet(card.body)!r}; rendered as an empty slide",
                )
            )
    return findings


def _snippet(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def layout_findings(story: Story, plans: Sequence[SlidePlan], theme: Theme) -> list[Finding]:
    """Per card (and the sources): `card-continues` when it needs more than one slide,
    with how many, else `text-at-floor` when it fits one only at the legibility floor."""
    findings = []
    for index, plan in enumerate(plans, start=1):
        if plan.part != 1 or plan.kind == "cover":
            continue
        size = f"{plan.body_size:g} px"
        if plan.parts > 1:
            message = f"needs {plan.parts} slides (continued; body set at {size})"
            code, figure = "card-continues", float(plan.parts)
        elif plan.body_size <= round(theme.type.min_body_size * plan.geometry.unit):
            message = f"fits one slide only at the legibility floor ({size})"
            code, figure = "text-at-floor", plan.body_size
        else:
            continue
        findings.append(
            Finding(
                code=code,
                file=story_name(story),
                card=plan.card_key,
                field=None if plan.card_key else plan.kind,
                slide=index,
                message=message,
                figure=figure,
            )
        )
    return findings


def missing_glyph_findings(
    story: Story, plans: Sequence[SlidePlan], fonts: FontBook
) -> list[Finding]:
    """One `glyphs-missing` per card whose text has characters that no font can draw
    (tofu), naming the characters; the figure is how many distinct ones."""
    findings = []
    for index, plan in enumerate(plans, start=1):
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
            findings.append(
                Finding(
                    code="glyphs-missing",
                    file=story_name(story),
                    card=plan.card_key,
                    field=None if plan.card_key else plan.kind,
                    slide=index,
                    message=f"no font has these characters: {chars}{more}",
                    figure=float(len(missing)),
                )
            )
    return findings


def missing_glyph_warnings(story: Story, plans: Sequence[SlidePlan], fonts: FontBook) -> list[str]:
    """`missing_glyph_findings` as warning lines (kept for callers of the text form)."""
    return [format_finding(f) for f in missing_glyph_findings(story, plans, fonts)]


def contrast_findings(
    story: Story, palette: Palette, slides: Sequence[SlideContrast], *, accessible: bool
) -> list[Finding]:
    """`contrast-low` for text that fails WCAG AA against what is behind it: one per
    distinct failure (a failing palette fails on every slide alike), naming the slides;
    the figure is the ratio. A failure on one slide also names its card."""
    groups: dict[tuple[float, float], list[SlideContrast]] = {}
    for slide in slides:
        check = slide.check
        if check is not None and check.ratio < check.required:
            groups.setdefault((round(check.ratio, 2), check.required), []).append(slide)
    hint = "" if accessible else " (--accessible moves the colours just enough to pass)"
    findings = []
    for (ratio, required), failing in groups.items():
        where = ", ".join(f"{slide.index:02d}" for slide in failing)
        only = failing[0] if len(failing) == 1 else None
        findings.append(
            Finding(
                code="contrast-low",
                file=story_name(story),
                field=f"palette {palette.key!r}",
                card=only.card_key if only else None,
                slide=only.index if only else None,
                message=(
                    f"text is {ratio:.2f}:1 against its background on "
                    f"slide{'s' if len(failing) > 1 else ''} {where}, below WCAG AA "
                    f"{required:g}:1{hint}"
                ),
                figure=ratio,
            )
        )
    return findings
