"""Findings about a story's cards and slides (see `findings.py` for the values): Markdown
a card body has that is not drawn as written, cards that continue or sit at the
legibility floor, characters no font has, and text that fails WCAG contrast.

All but contrast come from the planned slides alone, so `render` and `check` share them;
contrast takes a measurement per slide, painted (`render`) or computed (`check`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .blocks import parse_body
from .contrast import TextContrast
from .engine import engine_status, shaping_need
from .findings import Finding, format_finding
from .fonts import FontBook
from .plan import SlidePlan
from .scripts import guess_lang
from .story import Story, field_line, story_name
from .theme import Palette, Theme

__all__ = [
    "SlideContrast",
    "contrast_findings",
    "engine_findings",
    "layout_findings",
    "markdown_findings",
    "missing_glyph_findings",
    "missing_glyph_warnings",
    "off_slide_findings",
    "story_findings",
    "with_lines",
    "with_slides",
]


# (a frozen dataclass, not a NamedTuple: a tuple field `index` would hide tuple.index)
@dataclass(frozen=True)
class SlideContrast:
    """The weakest text of one slide, however it was measured."""

    index: int  # 1-based slide number
    card_key: str | None
    check: TextContrast | None


def _at(story: Story, plan: SlidePlan, index: int) -> dict[str, Any]:
    """Where a finding about a planned slide belongs: the story's file, the card (or,
    for the sources slide or a cover, the slide's kind as the field) and the slide."""
    field = None if plan.card_key else plan.kind
    return {"file": story_name(story), "card": plan.card_key, "field": field, "slide": index}


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


def with_lines(findings: Sequence[Finding], story: Story) -> tuple[Finding, ...]:
    """The findings with the line of the file where their card or field starts, where
    the story knows it (a story built in code knows none)."""
    return tuple(
        replace(f, line=line)
        if f.line is None and (line := field_line(f.where, story.lines)) is not None
        else f
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
                **_at(story, plan, index),
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
                    **_at(story, plan, index),
                    message=f"no font has these characters: {chars}{more}; {_font_hint(missing)}",
                    figure=float(len(missing)),
                )
            )
    return findings


def off_slide_findings(story: Story, plans: Sequence[SlidePlan]) -> list[Finding]:
    """`text-off-slide` for a line that would be drawn past the slide's edge (a series
    label wrapped into more lines than the frame's inset holds): paint would cut it."""
    findings = []
    for index, plan in enumerate(plans, start=1):
        width, height = plan.geometry.width, plan.geometry.height
        for line in plan.lines:
            x0, y0, x1, y1 = line.box
            over = max(-x0, -y0, x1 - width, y1 - height)
            if over <= 0:
                continue
            findings.append(
                Finding(
                    code="text-off-slide",
                    **_at(story, plan, index),
                    message=(
                        f"its {line.role} line {line.text[:40]!r} runs {over:g} px past the "
                        "slide's edge and would be cut (a larger frame.inset gives it room)"
                    ),
                    figure=float(over),
                )
            )
            break  # one a slide says it
    return findings


def engine_findings(
    story: Story, plans: Sequence[SlidePlan], *, allow_basic_layout: bool = False
) -> list[Finding]:
    """One `text-engine-missing` per card whose text the basic layout would set wrong
    (right-to-left, joined, reordered or stacked), where Pillow has no Raqm: an error,
    or a warning when the user allowed the basic layout."""
    status = engine_status()
    if status.raqm:
        return []
    findings: list[Finding] = []
    seen: set[str | None] = set()
    for index, plan in enumerate(plans, start=1):
        key = plan.card_key or plan.kind
        need = None if key in seen else _first_need(plan)
        if need is None:
            continue
        if allow_basic_layout and findings:
            break  # asked for knowingly: said once a story, not once a card
        seen.add(key)
        consequence = (
            "set with the basic layout as asked, wrongly (letters unjoined or out of order)"
            if allow_basic_layout
            else "install it, or allow the wrong basic layout with --allow-basic-layout"
        )
        findings.append(
            Finding(
                code="text-engine-missing",
                severity="warning" if allow_basic_layout else "error",
                **_at(story, plan, index),
                message=(
                    f"Pillow's Raqm text engine, needed for its {need}, is missing here "
                    f"(it needs {status.missing}): {consequence} (`cardimg doctor` tells more)"
                ),
            )
        )
    return findings


def _first_need(plan: SlidePlan) -> str | None:
    for line in plan.lines:
        need = shaping_need(line.text)
        if need is not None:
            return need
    return None


# Debian's packages of fonts for the scripts no bundled font has: CJK is too large to
# ship (tens of MB a face); the rest of Noto is in fonts-noto-core and fonts-noto-extra.
_CJK_WORDS = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC"})


def _font_hint(missing: set[str]) -> str:
    """What to do about characters no font has: the font to install, or the theme key."""
    words = {unicodedata.name(char, "").split(" ", 1)[0] for char in missing}
    if words & _CJK_WORDS:
        install = "a CJK font (Debian: apt-get install fonts-noto-cjk)"
    else:
        named = sorted(w.title() for w in words if w and w.isalpha())[:3]
        script = f"a font with {'/'.join(named)}" if named else "a font that has them"
        install = f"{script} (Debian: apt-get install fonts-noto-core fonts-noto-extra)"
    return f"install {install}, or add a font to the theme's [[fallback]] list"


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
