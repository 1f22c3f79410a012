"""Plan every slide of a story: which text goes on which slide and where (no pixels yet)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from .blocks import Block, Span, parse_blocks
from .errors import StoryError
from .findings import Finding
from .layout.flow import FlowLine, fit
from .layout.lines import SetLine
from .layout.measure import Measurer
from .layout.page import Geometry, Line, Mark, label_height, label_lines, place_lines, set_label
from .scripts import story_languages
from .story import Card, Story, story_name
from .theme import Theme

__all__ = ["MAX_SLIDES", "CardContext", "SlidePlan", "plan_story", "series_lines"]

SERIES_STYLE_ROLE = "series"
# Languages written right to left: a theme's start-aligned labels start at the right.
RTL_LANGS = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv"})


def _is_rtl(lang: str | None) -> bool:
    return (lang or "").lower().replace("_", "-").split("-")[0] in RTL_LANGS


def _edge(geometry: Geometry, side: str, rtl: bool) -> tuple[float, str]:
    """Where a label at the `side` (start or end) of the text column goes, and how it is
    aligned there: the start is the left, or the right in a right-to-left language."""
    x0, _, x1, _ = geometry.safe_box
    return (x0, "start") if (side == "start") != rtl else (x1, "end")


# Slides are kept in memory until saved (4.4 MB each at 1080x1350): a story may not
# ask for more than this many. Platforms allow 10 to 20 a carousel.
MAX_SLIDES = 100


@dataclass(frozen=True)
class CardContext:
    """What every card of a story is planned against: the slide's geometry, the series
    label drawn on each slide, the theme and measurer, and the language of frame words."""

    theme: Theme
    measurer: Measurer
    geometry: Geometry
    series: tuple[Line, ...]
    label_lang: str | None = None

    @property
    def rtl(self) -> bool:
        return _is_rtl(self.label_lang)


@dataclass(frozen=True)
class SlidePlan:
    """Everything about one slide but its pixels."""

    kind: str  # card | continuation | sources
    card_key: str | None
    geometry: Geometry
    lines: tuple[Line, ...]  # every line of text, in reading order
    marks: tuple[Mark, ...] = ()
    body_size: float = 0.0
    featured_image: bool = False  # the story's image goes behind this slide
    # where the image goes, at full strength (a post cover's panel); None: under the whole
    # slide, as the theme's [image] table says
    image_box: tuple[int, int, int, int] | None = None
    bottom_mark: str = "ornament"  # what sits on the bottom frame line: ornament | check | none
    part: int = 1  # which part of its card (continuations count up)
    parts: int = 1

    @property
    def safe_box(self) -> tuple[int, int, int, int]:
        return self.geometry.safe_box

    @property
    def frame_box(self) -> tuple[int, int, int, int]:
        return self.geometry.frame_box


def _label(
    text: str, role: str, size: float, *, theme: Theme, measurer: Measurer, width: float
) -> tuple[list[SetLine], float, float]:
    """Set a frame label in its theme style (`series`, `citation`, `marker`): its lines,
    the size it was set at, and its line height."""
    style = theme.style(role)
    set_lines, size = set_label(
        " ".join(text.split()), style, size, measurer, width=width, min_size=size * style.min_scale
    )
    return set_lines, size, size * (style.line_height or theme.type.line_height)


def plan_story(
    story: Story,
    *,
    theme: Theme,
    measurer: Measurer,
    geometry: Geometry | None = None,
    width: int | None = None,
    height: int | None = None,
    sources: bool = True,
) -> list[SlidePlan]:
    """The slides of a story in order: each card (in parts when it must be), then sources.

    The slide is `geometry` (from a preset), or a plain slide of `width`×`height`. A story
    that needs more than `MAX_SLIDES` slides is refused with an error naming the card that
    takes it over the limit (planning stops there: nothing is painted)."""
    if geometry is None:
        if width is None or height is None:
            raise TypeError("plan_story needs a geometry, or a width and a height")
        geometry = Geometry.for_size(theme, width, height)
    plans: list[SlidePlan] = []
    # Frame words (Continued, Sources) follow the story's language, one for all slides.
    words, card_langs = story_languages(story.lang, [card.body for card in story.cards])
    series = series_lines(story.series, theme, measurer, geometry, rtl=_is_rtl(words))
    context = CardContext(theme, measurer, geometry, tuple(series), label_lang=words)
    for index, (card, lang) in enumerate(zip(story.cards, card_langs, strict=True)):
        card_plans = _plan_card(
            context,
            card,
            parse_blocks(card.body, lang=lang, bullets=theme.style("list").bullets),
            first=index == 0,
            last=index == len(story.cards) - 1 and len(story.cards) > 1,
            lang=lang,
        )
        _check_slide_count(story, f"cards[{index}] (key {card.key})", card_plans, len(plans))
        plans.extend(card_plans)
    if sources and story.sources:
        blocks = _source_blocks(story, theme.label("sources", words))
        source_plans = _plan_card(
            context, None, blocks, first=False, last=False, kind="sources", lang=words
        )
        _check_slide_count(story, "sources", source_plans, len(plans))
        plans.extend(source_plans)
    if theme.page.counter and len(plans) > 1:
        plans = [
            replace(plan, lines=(*plan.lines, *_counter(context, number, len(plans))))
            for number, plan in enumerate(plans, start=1)
        ]
    return plans


def _counter(context: CardContext, number: int, total: int) -> list[Line]:
    """The slide counter ("2/6"), on the frame line at the corner the theme names."""
    theme, geometry = context.theme, context.geometry
    page = theme.page
    set_lines, _, line_height = _label(
        f"{number}/{total}",
        "counter",
        page.counter_size * geometry.unit,
        theme=theme,
        measurer=context.measurer,
        width=geometry.safe_width,
    )
    vertical, horizontal = page.counter_position.split("-")
    x, align = _edge(geometry, horizontal, context.rtl)
    y = geometry.frame_box[1] if vertical == "top" else geometry.frame_box[3]
    return label_lines(
        set_lines,
        role="counter",
        center_x=x,
        top=y - label_height(set_lines, line_height) / 2,
        line_height=line_height,
        align=align,
    )


def _check_slide_count(story: Story, where: str, plans: list[SlidePlan], before: int) -> None:
    total = before + len(plans)
    if total > MAX_SLIDES:
        raise StoryError.of(
            Finding(
                code="slides-over-limit",
                file=story_name(story),
                field=where,
                card=plans[0].card_key if plans else None,
                message=f"{len(plans)} slides, bringing the story to {total}, over the limit "
                f"of {MAX_SLIDES} for one story (shorten the card or split the story)",
                figure=float(total),
            )
        )


def series_lines(
    series: str | None, theme: Theme, measurer: Measurer, geometry: Geometry, *, rtl: bool = False
) -> list[Line]:
    """The series label across the frame's top line: centred, or from the start of the
    text column (the theme's `label_align`); empty without a series."""
    if not series or not series.strip():
        return []
    frame = theme.frame
    unit = geometry.unit
    available = (
        geometry.frame_box[2] - geometry.frame_box[0] - 2 * (frame.label_gap + frame.padding) * unit
    )
    if theme.page.counter and theme.page.counter_position == "top-end":
        # Leave the counter its corner: room for "88/88" and a gap.
        counter = measurer.width(
            measurer.face(theme.style("counter").family), theme.page.counter_size * unit, "88/88"
        )
        available -= counter + frame.label_gap * unit
    set_lines, _, line_height = _label(
        series, "series", frame.label_size * unit, theme=theme, measurer=measurer, width=available
    )
    total = label_height(set_lines, line_height)
    top = geometry.frame_box[1] - total / 2
    x, align = _edge(geometry, "start", rtl)
    if frame.label_align == "center":  # over the frame's middle (a post's panel narrows it)
        x, align = (geometry.frame_box[0] + geometry.frame_box[2]) / 2, "center"
    return label_lines(
        set_lines, role="series", center_x=x, top=top, line_height=line_height, align=align
    )


def _plan_card(
    context: CardContext,
    card: Card | None,
    blocks: tuple[Block, ...],
    *,
    first: bool,
    last: bool,
    kind: str = "card",
    lang: str | None = None,
) -> list[SlidePlan]:
    theme, measurer, geometry = context.theme, context.measurer, context.geometry
    series = context.series
    valign = (theme.image.valign or theme.page.valign) if first else theme.page.valign
    frame, unit = theme.frame, geometry.unit
    x0, y0, x1, safe_bottom = geometry.safe_box
    citation, band = _citation(card, theme, measurer, geometry, rtl=context.rtl)
    y1 = safe_bottom - band
    marker_band = frame.marker_size * unit * frame.marker_band
    result = fit(
        blocks,
        theme=theme,
        measurer=measurer,
        width=x1 - x0,
        height=y1 - y0,
        page_height=y1 - y0 - marker_band,
        scale=unit,
        lang=lang,
    )
    parts = len(result.pages)
    # "Continued" heads every slide after the first, "Continues" foots every one but the last.
    continued, continues = _run_on_markers(context, top=y0) if parts > 1 else ([], [])
    plans = []
    for part, page in enumerate(result.pages, start=1):
        top = y0 + (marker_band if part > 1 else 0.0)
        lines, marks = _place(theme, page, (x0, top, x1, y1), "top" if part > 1 else valign)
        bottom = "check" if last and part == parts and frame.check else "ornament"
        plans.append(
            SlidePlan(
                kind=kind if part == 1 else ("continuation" if kind == "card" else kind),
                card_key=card.key if card is not None else None,
                geometry=geometry,
                # The citation closes the card: it is drawn once, on the card's last slide.
                lines=(
                    *series,
                    *(continued if part > 1 else ()),
                    *lines,
                    *(citation if part == parts else ()),
                    *(continues if part < parts else ()),
                ),
                marks=tuple(marks),
                body_size=result.body_size,
                featured_image=first and part == 1,
                bottom_mark=bottom if part == parts else "none",
                part=part,
                parts=parts,
            )
        )
    return plans


def _place(
    theme: Theme, page: Sequence[FlowLine], area: tuple[float, float, float, float], valign: str
) -> tuple[list[Line], list[Mark]]:
    """A page's lines placed in `area` as the theme sets pages: its vertical alignment,
    list columns and rules."""
    rule_start = theme.frame.rule_length if theme.page.rules == "start" else None
    return place_lines(
        page, area, valign=valign, list_column=theme.page.lists, rule_start=rule_start
    )


def _citation(
    card: Card | None, theme: Theme, measurer: Measurer, geometry: Geometry, *, rtl: bool
) -> tuple[list[Line], float]:
    """The card's citation, centred at the foot of the safe area, and the height it
    takes from the body (with a gap of most of a body line)."""
    if card is None or not card.citation or not card.citation.strip():
        return [], 0.0
    frame, unit = theme.frame, geometry.unit
    x0, _, x1, y1 = geometry.safe_box
    set_lines, _, line_height = _label(
        card.citation,
        "citation",
        frame.citation_size * unit,
        theme=theme,
        measurer=measurer,
        width=x1 - x0,
    )
    total = label_height(set_lines, line_height)
    x, align = _edge(geometry, "start", rtl)
    if frame.label_align == "center":
        x, align = (x0 + x1) / 2, "center"
    lines = label_lines(
        set_lines, role="citation", center_x=x, top=y1 - total, line_height=line_height, align=align
    )
    return lines, total + theme.type.body_size * unit * frame.citation_gap


def _run_on_markers(context: CardContext, *, top: float) -> tuple[list[Line], list[Line]]:
    """The "Continued" and "Continues" markers of a card that runs on (set only for such
    a card: most cards are one slide)."""
    theme, measurer, geometry = context.theme, context.measurer, context.geometry
    lang = context.label_lang
    return (
        _continued_marker(theme, measurer, geometry, top=top, lang=lang),
        _continues_marker(theme, measurer, geometry, lang=lang),
    )


def _continued_marker(
    theme: Theme, measurer: Measurer, geometry: Geometry, *, top: float, lang: str | None
) -> list[Line]:
    set_lines, _, line_height = _label(
        theme.label("continued", lang),
        "marker",
        theme.frame.marker_size * geometry.unit,
        theme=theme,
        measurer=measurer,
        width=geometry.safe_width,
    )
    x, align = _edge(geometry, "start", _is_rtl(lang))
    if theme.frame.label_align == "center":
        x, align = geometry.width / 2, "center"
    return label_lines(
        set_lines, role="marker", center_x=x, top=top, line_height=line_height, align=align
    )


def _continues_marker(
    theme: Theme, measurer: Measurer, geometry: Geometry, *, lang: str | None
) -> list[Line]:
    set_lines, _, line_height = _label(
        theme.label("continues", lang),
        "marker",
        theme.frame.marker_size * geometry.unit,
        theme=theme,
        measurer=measurer,
        width=geometry.safe_width,
    )
    total = label_height(set_lines, line_height)
    # Start-aligned labels put "Continues" at the end of the line, where the eye goes next.
    x, align = _edge(geometry, "end", _is_rtl(lang))
    if theme.frame.label_align == "center":
        x, align = geometry.width / 2, "center"
    return label_lines(
        set_lines,
        role="marker",
        center_x=x,
        top=geometry.frame_box[3] - total / 2,
        line_height=line_height,
        align=align,
    )


def _source_blocks(story: Story, heading: str) -> tuple[Block, ...]:
    blocks = [Block("sources-heading", (Span(heading),))]
    for source in story.sources:
        title = " ".join(source.title.split())
        if title and title != source.url:
            blocks.append(Block("source-title", (Span(title, bold=True),)))
        if source.url:
            blocks.append(Block("source-url", (Span(source.url, link=source.url),)))
    return tuple(blocks)
