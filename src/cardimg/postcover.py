"""Plan a post's cover: its title, standfirst, tags, byline and featured image, each
where the theme's [post] table puts it (see `PostStyle`).

A post is a page of a site (a title, no cards); its cover is the image a link preview
shows. The title and standfirst are fitted together to the text column at the largest
size that fits; a standfirst that does not fit is shortened first, then the title
(with a `title-shortened` finding), so the title keeps its size as long as it can.
"""

from __future__ import annotations

from dataclasses import dataclass

from .blocks import Block, Span
from .cover import COVER_ROLE, shortened_words
from .dates import format_date
from .findings import Finding
from .layout.flow import FitResult, fit, largest_where
from .layout.lines import SetLine
from .layout.measure import Measurer
from .layout.page import Geometry, Line, label_height, label_lines, place_lines, set_label
from .plan import SlidePlan, _is_rtl, series_lines
from .presets import Preset
from .scripts import guess_lang
from .story import Post, Story, story_name
from .theme import Theme

__all__ = ["STANDFIRST_ROLE", "byline_text", "plan_post_cover"]

STANDFIRST_ROLE = "cover-standfirst"
BYLINE_ROLE = "cover-byline"
Box = tuple[int, int, int, int]
# A standfirst cut to fewer words than this says too little: the title has it all.
_MIN_STANDFIRST_WORDS = 6


@dataclass(frozen=True)
class _Layout:
    """Where things go: the frame's geometry, the text column, the image's box."""

    geometry: Geometry
    text: Box
    image: Box | None  # None: the image (if any) lies under the whole cover, or nowhere


def plan_post_cover(
    story: Story,
    *,
    theme: Theme,
    measurer: Measurer,
    preset: Preset,
    has_image: bool,
    notes: list[Finding],
) -> SlidePlan:
    """The post's cover. `has_image`: the featured image's file was found (without it the
    text takes the whole cover, however the theme places images)."""
    post = story.post or Post()
    title = " ".join((story.title or story.slug).split())
    lang = story.lang or guess_lang(title)
    rtl = _is_rtl(lang)
    layout = _layout(theme, preset, has_image=has_image, rtl=rtl)
    geometry, (x0, y0, x1, y1) = layout.geometry, layout.text
    kicker = _kicker(post, theme, measurer, geometry, rtl)
    byline = byline_text(story, lang)
    short = byline_text(story, lang, authors=1)
    foot: list[Line] = []
    if byline and theme.post.byline == "foot":
        foot, used = _foot_byline(byline, theme, measurer, layout.text, rtl, geometry.unit)
        y1 -= round(used)
    standfirst = _cut(post.standfirst or "", theme.post.max_standfirst)
    column = (x0, y0, x1, y1)
    fitting = _Fitting(theme, measurer, column, geometry.unit, lang)
    result = _fitted(story, title, standfirst, fitting, notes)
    lines, marks = place_lines(result.pages[0], column, valign=theme.post.valign)
    framed: list[Line] = []
    if byline and theme.post.byline == "frame":
        framed = _frame_byline(byline, theme, measurer, geometry, rtl)
        if len(framed) > 1:  # a line across the frame is one line: the first author then
            framed = _frame_byline(short, theme, measurer, geometry, rtl)
    return SlidePlan(
        kind="cover",
        card_key=None,
        geometry=geometry,
        lines=(*kicker, *lines, *foot, *framed),
        marks=tuple(marks),
        body_size=result.body_size,
        featured_image=has_image,
        bottom_mark="none" if framed else "ornament",
        image_box=layout.image,
    )


def _layout(theme: Theme, preset: Preset, *, has_image: bool, rtl: bool) -> _Layout:
    """The cover's parts. A `panel` takes the end side edge to edge (the left in a
    right-to-left language) and the frame is drawn around the rest; an `inset` image
    sits inside the frame at the end of the text column."""
    style = theme.post
    width, height = preset.size
    ax0, ay0, ax1, ay1 = preset.open_area
    if has_image and style.image == "panel":
        side = round(width * style.image_width)
        area = (ax0 + side, ay0, ax1, ay1) if rtl else (ax0, ay0, ax1 - side, ay1)
        geometry = Geometry.for_size(theme, width, height, area)
        image = (0, 0, side, height) if rtl else (width - side, 0, width, height)
        return _Layout(geometry, geometry.safe_box, image)
    geometry = Geometry.for_size(theme, width, height, preset.open_area)
    x0, y0, x1, y1 = geometry.safe_box
    if has_image and style.image == "inset":
        side = round(width * style.image_width)
        gap = round(style.image_gap * geometry.unit)
        if rtl:
            return _Layout(geometry, (x0 + side + gap, y0, x1, y1), (x0, y0, x0 + side, y1))
        return _Layout(geometry, (x0, y0, x1 - side - gap, y1), (x1 - side, y0, x1, y1))
    return _Layout(geometry, geometry.safe_box, None)


def byline_text(story: Story, lang: str | None, *, authors: int | None = None) -> str:
    """`Ana Lima, Rui Costa · 14 March 2024`: the authors (the first `authors` of them,
    and `…` for the others), then the date in `lang`."""
    post = story.post or Post()
    when = format_date(story.date or post.publish_date, lang)
    names = post.authors[:authors] if authors is not None else post.authors
    more = ", …" if len(names) < len(post.authors) else ""
    parts = [", ".join(names) + more, when or ""]
    return " · ".join(part for part in parts if part)


def _kicker(
    post: Post, theme: Theme, measurer: Measurer, geometry: Geometry, rtl: bool
) -> list[Line]:
    """The first tags, where a story's series goes (the theme's series label)."""
    if theme.post.kicker != "tags" or not post.tags or theme.post.max_tags == 0:
        return []
    text = " · ".join(post.tags[: theme.post.max_tags])
    return series_lines(text, theme, measurer, geometry, rtl=rtl)


def _byline_set(
    text: str, theme: Theme, measurer: Measurer, unit: float, width: float
) -> tuple[list[SetLine], float]:
    """The byline set at the theme's label size in its style, and its line height."""
    style = theme.style(BYLINE_ROLE)
    size = theme.frame.label_size * unit
    lines, size = set_label(text, style, size, measurer, width=width, min_size=size * 0.8)
    return lines, size * (style.line_height or theme.type.line_height)


def _frame_byline(
    text: str, theme: Theme, measurer: Measurer, geometry: Geometry, rtl: bool
) -> list[Line]:
    """The byline across the bottom frame line: centred, or from the column's start."""
    frame, unit = theme.frame, geometry.unit
    fx0, _, fx1, fy1 = geometry.frame_box
    width = fx1 - fx0 - 2 * (frame.label_gap + frame.padding) * unit
    set_lines, line_height = _byline_set(text, theme, measurer, unit, width)
    top = fy1 - label_height(set_lines, line_height) / 2
    x, align = (fx0 + fx1) / 2, "center"
    if frame.label_align == "start":
        x0, _, x1, _ = geometry.safe_box
        x, align = (x1, "end") if rtl else (x0, "start")
    return label_lines(
        set_lines,
        role=BYLINE_ROLE,
        center_x=x,
        top=top,
        line_height=line_height,
        align=align,
    )


def _foot_byline(
    text: str, theme: Theme, measurer: Measurer, column: Box, rtl: bool, unit: float
) -> tuple[list[Line], float]:
    """The byline at the foot of the text column, and the height it takes from it (its
    lines and the gap above them)."""
    x0, _, x1, y1 = column
    set_lines, line_height = _byline_set(text, theme, measurer, unit, x1 - x0)
    height = label_height(set_lines, line_height)
    align = theme.style(BYLINE_ROLE).align
    if align == "center":
        x, side = (x0 + x1) / 2, "center"
    else:
        x, side = (x1, "end") if rtl else (x0, "start")
    lines = label_lines(
        set_lines,
        role=BYLINE_ROLE,
        center_x=x,
        top=y1 - height,
        line_height=line_height,
        align=side,
    )
    return lines, height + theme.post.byline_gap * line_height


def _cut(text: str, limit: int) -> str:
    """`text` at most `limit` characters, cut after a whole word where it has spaces
    (Chinese and Japanese have none: cut at a character), with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[:limit]
    if " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(",;:—–- ") + "…"


def _blocks(title: str, standfirst: str, theme: Theme) -> tuple[Block, ...]:
    blocks = [Block(COVER_ROLE, (Span(title),))]
    if standfirst:
        italic = theme.post.standfirst_italic
        blocks.append(Block(STANDFIRST_ROLE, (Span(standfirst, italic=italic),)))
    return tuple(blocks)


@dataclass(frozen=True)
class _Fitting:
    """What the title and standfirst are fitted with: the column and its type."""

    theme: Theme
    measurer: Measurer
    column: Box
    unit: float
    lang: str | None

    def fit(self, title: str, standfirst: str) -> FitResult:
        x0, y0, x1, y1 = self.column
        return fit(
            _blocks(title, standfirst, self.theme),
            theme=self.theme,
            measurer=self.measurer,
            width=x1 - x0,
            height=y1 - y0,
            scale=self.unit,
            lang=self.lang,
        )

    def one_page(self, title: str, standfirst: str) -> bool:
        return len(self.fit(title, standfirst).pages) == 1


def _fitted(
    story: Story, title: str, standfirst: str, fitting: _Fitting, notes: list[Finding]
) -> FitResult:
    """Title and standfirst fitted to one cover: the standfirst shortened (to nothing if
    need be) before the title is, each at a word, by halving (pages only grow with words)."""
    result = fitting.fit(title, standfirst)
    if len(result.pages) == 1:
        return result
    words = standfirst.split()
    kept = largest_where(
        0, len(words), lambda n: fitting.one_page(title, shortened_words(words, n))
    )
    if kept >= _MIN_STANDFIRST_WORDS or kept == len(words):
        return fitting.fit(title, shortened_words(words, kept))
    result = fitting.fit(title, "")
    if len(result.pages) == 1:
        return result
    words = title.split()
    kept = largest_where(
        0, len(words) - 1, lambda n: fitting.one_page(shortened_words(words, n), "")
    )
    kept = max(1, kept)
    notes.append(
        Finding(
            code="title-shortened",
            file=story_name(story),
            field="title",
            message=f"too long for the cover; shown as its first {kept} of {len(words)} words",
            figure=float(kept),
        )
    )
    return fitting.fit(shortened_words(words, kept), "")
