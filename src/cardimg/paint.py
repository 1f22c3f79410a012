"""Paint a planned slide with Pillow: background, featured image, frame, marks and text."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

from PIL import Image, ImageChops, ImageDraw, ImageStat

from . import glyphs
from .contrast import (
    AA_BODY,
    AA_LARGE,
    RGB,
    TextContrast,
    contrast_ratio,
    parse_hex,
    weakest_contrast,
)
from .fonts import FontBook, raqm_available
from .glyphs import Box
from .layout.page import Line, Mark, PlacedFragment
from .plan import SlidePlan
from .theme import FrameStyle, ImageStyle, Palette, Theme

__all__ = [
    "Painted",
    "TextContrast",
    "paint_contact_sheet",
    "paint_palette_sheet",
    "paint_slide",
    "slide_contrast",
]


# Text is painted with this many levels of coverage (anti-aliasing), not FreeType's 256:
# side by side at 4x zoom the two cannot be told apart (docs/paint-before-after.png), and
# a slide's palette PNG is ~30 % smaller: with the frame's colour a flat slide has at most
# 16, which PNG packs two pixels to a byte. Evenly spaced levels, 0 and full ink exact.
COVERAGE_LEVELS = 15
_STEP = 255 / (COVERAGE_LEVELS - 1)
QUANTISED = bytes(round(round(level / _STEP) * _STEP) for level in range(256))


class Painted:
    """A painted slide: the weakest contrast of its text, and its pixels: `indexed`, a
    palette image, where the slide was painted as coverage (encoders write it as it is,
    with no search for its colours), and `image` in RGB, made from it when first asked
    (the conversion costs as much as painting the text). A flat slide's contrast is
    also told when first asked: a render has told it already (`slide_contrast`)."""

    __slots__ = ("_contrast", "_image", "indexed")

    def __init__(
        self,
        image: Image.Image | None,
        contrast: TextContrast | Callable[[], TextContrast],
        indexed: Image.Image | None = None,
    ) -> None:
        if image is None and indexed is None:
            raise ValueError("a painted slide needs its pixels")
        self._image = image
        self._contrast = contrast
        self.indexed = indexed

    @property
    def contrast(self) -> TextContrast:
        """The weakest contrast of the slide's text against what is behind it."""
        if callable(self._contrast):
            self._contrast = self._contrast()
        return self._contrast

    @property
    def image(self) -> Image.Image:
        """The pixels in RGB."""
        if self._image is None:
            assert self.indexed is not None
            self._image = self.indexed.convert("RGB")
        return self._image

    @property
    def pixels(self) -> Image.Image:
        """The pixels in the form cheapest to encode: the palette image where there is
        one (every encoder takes it), else the RGB."""
        return self.indexed if self.indexed is not None else self.image


def paint_slide(
    plan: SlidePlan,
    *,
    palette: Palette,
    theme: Theme,
    fonts: FontBook,
    background: Image.Image | None = None,
    logo: Image.Image | None = None,
) -> Painted:
    """The slide's pixels, and the contrast of its text against what is actually behind
    it. `background` is the featured image, already fitted to the slide (RGBA: composited
    over the palette's background).

    Text is painted as coverage (one grey level per pixel) first. A slide that is only
    the palette's three colours (no photo, logo or colour emoji) stays coverage to the
    end: its palette image is made from it directly, exact, and so is its contrast."""
    coverage, inked = _text_coverage(plan, fonts)
    bitmaps = [f for f in _fragments(plan) if fonts.is_bitmap(f.style.font)]
    if background is None and logo is None and not bitmaps:
        painted = _paint_flat(plan, theme, _colours(palette), coverage, inked)
        if painted is not None:
            return painted
    image = _backdrop(plan, palette=palette, theme=theme, background=background, logo=logo)
    text_color = parse_hex(palette.text)
    contrast = _weakest_contrast(image, plan, text_color)
    box = coverage.getbbox()
    if box is not None:
        image.paste(text_color, box, coverage.crop(box).point(list(QUANTISED)))
    for fragment in bitmaps:
        if fragment.text.strip():
            _draw_bitmap_text(image, fragment, fonts)
    return Painted(image, contrast)


def _fragments(plan: SlidePlan) -> list[PlacedFragment]:
    """Every fragment the slide draws, list markers included, in drawing order."""
    placed: list[PlacedFragment] = []
    for line in plan.lines:
        if line.marker is not None:
            placed.append(line.marker)
        placed.extend(line.fragments)
    return placed


def _paint_flat(
    plan: SlidePlan, theme: Theme, colours: Colours, coverage: Image.Image, inked: list[Box]
) -> Painted | None:
    """A slide of the palette's background, frame and text colours, its text painted
    as `coverage` (`inked`: per line, the box its ink may cover): None where text touches
    the frame (a pixel would mix three colours); the caller then paints in colour."""
    frame = _frame_mask(plan, theme)
    contrast = partial(_flat_contrast, plan, theme, colours, frame)
    if any(_touches(coverage, frame, box) for box in inked):
        return None
    indexed, frame_entry = _indexed(coverage, colours)
    # The frame drawn again, as its palette entry: it touches no text.
    _draw_frame_and_marks(ImageDraw.Draw(indexed), plan, theme, frame_entry)
    return Painted(None, contrast, indexed)


def _draw_frame_and_marks(
    draw: ImageDraw.ImageDraw, plan: SlidePlan, theme: Theme, ink: Ink
) -> None:
    _draw_frame(draw, plan, ink, theme)
    for mark in plan.marks:
        _draw_mark(draw, mark, ink, plan.geometry.unit, theme.frame)


def _touches(coverage: Image.Image, frame: Image.Image, box: Box) -> bool:
    """Whether any ink in `box` falls on a pixel of the frame."""
    region = frame.crop(box)
    if region.getbbox() is None:
        return False
    return ImageChops.multiply(region, coverage.crop(box)).getbbox() is not None


class Colours(NamedTuple):
    background: RGB
    text: RGB
    frame: RGB


def _behind(frame: Image.Image, box: tuple[int, int, int, int], colours: Colours) -> RGB:
    """The mean colour of a flat slide under `box` before its text: the background, the
    frame's pixels in it, and black beyond the slide's edge (as a crop of the painted
    slide would count them)."""
    x0, y0, x1, y1 = box
    total = (x1 - x0) * (y1 - y0)
    inside = max(0, min(x1, frame.width) - max(x0, 0)) * max(0, min(y1, frame.height) - max(y0, 0))
    framed = frame.crop(box).histogram()[255]
    plain = inside - framed
    mean = [
        (b * plain + f * framed) / total
        for b, f in zip(colours.background, colours.frame, strict=True)
    ]
    return (round(mean[0]), round(mean[1]), round(mean[2]))


def _indexed(coverage: Image.Image, colours: Colours) -> tuple[Image.Image, int]:
    """The text as a palette image, and the entry of the frame's colour: an entry per
    colour the COVERAGE_LEVELS give (the text colour over the background at that level,
    blended as Pillow blends), and the frame's, sorted by colour: the form an encoder
    writes (formats.py), so the file is the same whichever way the pixels came. (Levels
    the slide does not use are dropped by the encoder: it looks at the pixels anyway.)"""
    ramp = Image.new("RGB", (256, 1), colours.background)
    ramp.paste(colours.text, (0, 0, 256, 1), Image.frombytes("L", (256, 1), bytes(range(256))))
    shades = ramp.tobytes()  # R, G, B of each level in turn
    colour_of = [shades[3 * QUANTISED[level] : 3 * QUANTISED[level] + 3] for level in range(256)]
    entries = sorted({*colour_of, bytes(colours.frame)})
    entry = {colour: number for number, colour in enumerate(entries)}
    indexed = coverage.point([entry[colour] for colour in colour_of])
    indexed.putpalette(b"".join(entries))
    return indexed, entry[bytes(colours.frame)]


def slide_contrast(
    plan: SlidePlan,
    *,
    palette: Palette,
    theme: Theme,
    background: Image.Image | None = None,
    logo: Image.Image | None = None,
) -> TextContrast:
    """The contrast `paint_slide` reports, without painting the text: what a renderer
    that paints each slide only when it is saved needs to know at once. Under the text
    of a slide with no photo or logo are only the palette's colours: it is computed from
    them and the frame's pixels, not sampled."""
    if background is None and logo is None:
        return _flat_contrast(plan, theme, _colours(palette), _frame_mask(plan, theme))
    image = _backdrop(plan, palette=palette, theme=theme, background=background, logo=logo)
    return _weakest_contrast(image, plan, parse_hex(palette.text))


def _colours(palette: Palette) -> Colours:
    return Colours(parse_hex(palette.background), parse_hex(palette.text), parse_hex(palette.frame))


def _frame_mask(plan: SlidePlan, theme: Theme) -> Image.Image:
    """255 where the frame and its marks are, 0 elsewhere."""
    frame = Image.new("L", (plan.geometry.width, plan.geometry.height), 0)
    _draw_frame_and_marks(ImageDraw.Draw(frame), plan, theme, 255)
    return frame


def _flat_contrast(
    plan: SlidePlan, theme: Theme, colours: Colours, frame: Image.Image
) -> TextContrast:
    def behind(line: Line) -> RGB:
        return _behind(frame, line.box, colours)

    return weakest_contrast(plan.lines, colours.text, behind, plan.geometry.width)


def _backdrop(
    plan: SlidePlan,
    *,
    palette: Palette,
    theme: Theme,
    background: Image.Image | None,
    logo: Image.Image | None,
) -> Image.Image:
    """Everything under the text: the palette's background, the featured image, the
    frame, its marks and the logo."""
    size = (plan.geometry.width, plan.geometry.height)
    image = Image.new("RGB", size, parse_hex(palette.background))
    if background is not None and plan.featured_image and plan.image_box is not None:
        # A post cover's panel: the photo at full strength in its box, no text over it.
        image.paste(
            background, plan.image_box[:2], background if background.mode == "RGBA" else None
        )
    elif background is not None and plan.featured_image:
        image = _with_featured_image(image, background, theme.image)
    draw = ImageDraw.Draw(image)
    mark_logo = logo if plan.bottom_mark == "ornament" else None
    _draw_frame(draw, plan, parse_hex(palette.frame), theme, logo=mark_logo)
    if mark_logo is not None:
        x, y = _logo_centre(plan, theme, mark_logo)
        position = (round(x - mark_logo.width / 2), round(y - mark_logo.height / 2))
        image.paste(mark_logo, position, mark_logo)
    for mark in plan.marks:
        _draw_mark(draw, mark, parse_hex(palette.frame), plan.geometry.unit, theme.frame)
    return image


def _weakest_contrast(image: Image.Image, plan: SlidePlan, text_color: RGB) -> TextContrast:
    """Measure each line's text colour against the mean colour of the pixels behind it
    (the palette, or the featured image blended in), before the text is drawn."""

    def behind(line: Line) -> RGB:
        mean = ImageStat.Stat(image.crop(line.box)).mean
        return (round(mean[0]), round(mean[1]), round(mean[2]))

    return weakest_contrast(plan.lines, text_color, behind, plan.geometry.width)


def _with_featured_image(
    image: Image.Image, background: Image.Image, style: ImageStyle
) -> Image.Image:
    """The featured image over the slide's background: faint behind the text (`behind`,
    at the theme's opacity), or the photo at full strength under a scrim (`full-bleed`)."""
    # The image's transparent parts show the palette's background, not hidden colour.
    layer = image.copy()
    layer.paste(background, (0, 0), background if background.mode == "RGBA" else None)
    if style.placement == "behind":
        return Image.blend(image, layer, style.opacity)
    top = style.scrim_opacity
    bottom = top if style.scrim_bottom_opacity is None else style.scrim_bottom_opacity
    if top == bottom == 0:
        return layer
    # A vertical ramp from the top's opacity to the bottom's: darkest where text sits.
    ramp = Image.linear_gradient("L").resize(layer.size, Image.Resampling.BILINEAR)
    mask = ramp.point([round(255 * (top + (bottom - top) * v / 255)) for v in range(256)])
    scrim = Image.new("RGB", layer.size, parse_hex(style.scrim))
    return Image.composite(scrim, layer, mask)


def _logo_centre(plan: SlidePlan, theme: Theme, logo: Image.Image) -> tuple[float, float]:
    """Where the logo's centre goes on the bottom frame line (`logo_position`)."""
    x0, _, x1, y1 = plan.geometry.frame_box
    safe = plan.geometry.safe_box
    if theme.frame.logo_position == "bottom-start":
        return safe[0] + logo.width / 2, y1
    if theme.frame.logo_position == "bottom-end":
        return safe[2] - logo.width / 2, y1
    return (x0 + x1) / 2, y1


def _openings(plan: SlidePlan, theme: Theme, y: float) -> list[tuple[float, float]]:
    """The stretches of the frame line at height `y` left open for the labels drawn across
    it (series name, counter, "Continues"), overlapping ones merged, left to right."""
    boxes = sorted(line.box for line in plan.lines if line.chrome and line.box[1] < y < line.box[3])
    gap = theme.frame.label_gap * plan.geometry.unit
    openings: list[tuple[float, float]] = []
    for box in boxes:
        start, end = box[0] - gap, box[2] + gap
        if openings and start <= openings[-1][1]:
            openings[-1] = (openings[-1][0], max(openings[-1][1], end))
        else:
            openings.append((start, end))
    return openings


def _bottom_mark_opening(
    plan: SlidePlan, theme: Theme, logo: Image.Image | None
) -> tuple[float, float] | None:
    """The stretch of the bottom line the logo, ornament or check mark sits in."""
    frame, unit = theme.frame, plan.geometry.unit
    if logo is not None:
        x, _ = _logo_centre(plan, theme, logo)
        half = logo.width / 2 + frame.label_gap * unit
        return x - half, x + half
    cx = (plan.geometry.frame_box[0] + plan.geometry.frame_box[2]) / 2
    if plan.bottom_mark == "check":
        half = frame.ornament_size * unit * frame.check_scale * 0.55
    elif plan.bottom_mark == "ornament" and frame.ornament:
        half = frame.ornament_size * unit * 0.5
    else:
        return None
    half += frame.label_gap * unit * frame.mark_gap
    return cx - half, cx + half


Ink = RGB | int  # a colour, or a level of an "L" image or an entry of a palette


def _draw_frame(
    draw: ImageDraw.ImageDraw,
    plan: SlidePlan,
    color: Ink,
    theme: Theme,
    *,
    logo: Image.Image | None = None,
) -> None:
    """The frame as the theme draws it: `ruled` lines with openings for the labels and
    marks across them, or `none` (the bottom mark alone); then the bottom mark."""
    x0, y0, x1, y1 = plan.geometry.frame_box
    unit = plan.geometry.unit
    frame = theme.frame
    if frame.style == "ruled":
        width = max(1, round(frame.line_width * unit))
        bottom_gaps = _openings(plan, theme, y1)
        mark = _bottom_mark_opening(plan, theme, logo)
        if mark is not None:
            bottom_gaps = sorted([*bottom_gaps, mark])
        _hline(draw, x0, x1, y0, _openings(plan, theme, y0), color, width)
        _hline(draw, x0, x1, y1, bottom_gaps, color, width)
        draw.line([(x0, y0), (x0, y1)], fill=color, width=width)
        draw.line([(x1, y0), (x1, y1)], fill=color, width=width)
    if frame.band > 0:
        draw.rectangle([0, 0, plan.geometry.width, round(frame.band * unit) - 1], fill=color)
    cx = (x0 + x1) / 2
    ornament = frame.ornament_size * unit
    if plan.bottom_mark == "ornament" and logo is None and frame.ornament:
        _draw_mark(draw, Mark("ornament", cx, y1, ornament), color, unit, frame)
    elif plan.bottom_mark == "check":
        _draw_mark(draw, Mark("check", cx, y1, ornament * frame.check_scale), color, unit, frame)


def _hline(
    draw: ImageDraw.ImageDraw,
    x0: float,
    x1: float,
    y: float,
    gaps: list[tuple[float, float]],
    color: Ink,
    width: int,
) -> None:
    """A frame line from `x0` to `x1`, open at each of `gaps` (sorted, not overlapping)."""
    start = x0
    for gap_start, gap_end in gaps:
        if gap_start > start:
            draw.line([(start, y), (min(gap_start, x1), y)], fill=color, width=width)
        start = max(start, gap_end)
    if start < x1:
        draw.line([(start, y), (x1, y)], fill=color, width=width)


def _draw_mark(
    draw: ImageDraw.ImageDraw, mark: Mark, color: Ink, unit: float, frame: FrameStyle
) -> None:
    """A mark's shape, in the theme's proportions: the ornament (a diamond), the check
    mark closing a story (a ticked circle), a Markdown rule (two arms and a diamond)."""
    x, y, s = mark.x, mark.y, mark.size
    if mark.kind == "ornament":
        h = s / 2
        draw.polygon([(x, y - h), (x + h, y), (x, y + h), (x - h, y)], fill=color)
    elif mark.kind == "check":
        r = s / 2
        stroke = max(2, round(frame.check_stroke * unit))
        draw.ellipse([x - r, y - r, x + r, y + r], outline=color, width=stroke)
        points = [
            (x - r * 0.45, y + r * 0.02),
            (x - r * 0.1, y + r * 0.36),
            (x + r * 0.5, y - r * 0.32),
        ]
        draw.line(points, fill=color, width=stroke, joint="curve")
    elif mark.kind == "rule":
        half = s * frame.rule_length
        width = max(1, round(frame.rule_width * unit))
        draw.line([(x - half, y), (x - s * 0.25, y)], fill=color, width=width)
        draw.line([(x + s * 0.25, y), (x + half, y)], fill=color, width=width)
        d = s * 0.1
        draw.polygon([(x, y - d), (x + d, y), (x, y + d), (x - d, y)], fill=color)


def _draw_bitmap_text(image: Image.Image, fragment: PlacedFragment, fonts: FontBook) -> None:
    """Colour emoji fonts hold bitmaps at one size: draw there, scale, composite."""
    style = fragment.style
    font = fonts.font(style.font, style.size)
    scale = fonts.scale(style.font, style.size)
    ascent, descent = font.getmetrics()
    width = max(1, math.ceil(font.getlength(fragment.text)))
    layer = Image.new("RGBA", (width, ascent + descent), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text(
        (0, ascent), fragment.text, font=font, anchor="ls", embedded_color=True
    )
    size = (max(1, round(width * scale)), max(1, round((ascent + descent) * scale)))
    layer = layer.resize(size, Image.Resampling.LANCZOS)
    image.paste(layer, (round(fragment.x), round(fragment.baseline - ascent * scale)), layer)


def _text_coverage(plan: SlidePlan, fonts: FontBook) -> tuple[Image.Image, list[Box]]:
    """The slide's text (outline fonts) as coverage, 255 where ink is and 0 where none,
    and per line the box its ink may cover."""
    coverage = Image.new("L", (plan.geometry.width, plan.geometry.height), 0)
    draw = ImageDraw.Draw(coverage)
    inked: list[Box] = []
    for line in plan.lines:
        boxes: list[Box] = []
        for fragment in (line.marker, *line.fragments) if line.marker else line.fragments:
            if not fonts.is_bitmap(fragment.style.font):
                boxes.extend(_draw_fragment(coverage, draw, fragment, fonts))
        if boxes:
            inked.append(_union(boxes))
    return coverage, inked


def _union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _draw_fragment(
    coverage: Image.Image, draw: ImageDraw.ImageDraw, fragment: PlacedFragment, fonts: FontBook
) -> list[Box]:
    """Paint one fragment's text and decorations; the boxes its ink may cover."""
    style = fragment.style
    boxes: list[Box] = []
    if style.tracking:
        # Letter-spaced: each character where the layout measured it.
        x = fragment.x
        for char in fragment.text:
            boxes.append(_draw_text(coverage, draw, (x, fragment.baseline), char, fragment, fonts))
            x += fonts.width(style.font, style.size, char) + style.tracking
    elif fragment.text.strip():
        xy = (fragment.x, fragment.baseline)
        boxes.append(_draw_text(coverage, draw, xy, fragment.text, fragment, fonts))
    thickness = max(1, round(style.size / 18))
    decorations = []
    if style.underline and fragment.text.strip():
        decorations.append(fragment.baseline + max(2, math.ceil(style.size * 0.1)))
    if style.strike and fragment.text.strip():
        decorations.append(fragment.baseline - style.size * 0.3)
    for y in decorations:
        draw.line([(fragment.x, y), (fragment.x + fragment.width, y)], fill=255, width=thickness)
        boxes.append(_widened((fragment.x, y, fragment.x + fragment.width, y), thickness))
    return boxes


def _widened(box: tuple[float, float, float, float], margin: float) -> Box:
    """`box` grown by `margin` on every side, in whole pixels that hold it."""
    x0, y0, x1, y1 = box
    return (
        math.floor(x0 - margin),
        math.floor(y0 - margin),
        math.ceil(x1 + margin) + 1,
        math.ceil(y1 + margin) + 1,
    )


def _draw_text(
    coverage: Image.Image,
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    fragment: PlacedFragment,
    fonts: FontBook,
) -> Box:
    """`text` from its cached glyphs where they can be promised to be Pillow's, else by
    Pillow (mixed runs, untranslated features, no FreeType of Pillow's to ask); the box
    its ink may cover."""
    style = fragment.style
    if fonts.shaped_by_harfbuzz:
        ref = (*fonts.file_of(style.font), style.size)
        inked = glyphs.draw_text(coverage, xy, ref, text, style.features, rtl=fragment.rtl)
        if inked is not None:
            return inked
    font = fonts.font(style.font, style.size)
    options: dict[str, Any] = {}  # (keyword arguments of ImageDraw.text)
    if raqm_available():
        options["direction"] = "rtl" if fragment.rtl else "ltr"
        if style.features:
            options["features"] = list(style.features)
    draw.text(xy, text, font=font, fill=255, anchor="ls", **options)
    return _widened(draw.textbbox(xy, text, font=font, anchor="ls", **options), 1)


def paint_contact_sheet(
    rows: Sequence[tuple[str, Sequence[tuple[str, Image.Image]]]],
    *,
    fonts: FontBook,
    thumb_width: int = 270,
    columns: int = 7,
) -> Image.Image:
    """One overview image: per row a heading, then its images as labelled thumbnails in
    order (a review before posting). Thumbnails keep their slides' aspect ratio."""
    gap, heading, caption = 12, 38, 28
    font = fonts.font(fonts.face("sans-semibold"), 20)
    small = fonts.font(fonts.face("sans"), 16)
    layouts = []
    for title, images in rows:
        thumbs = [
            image.resize(
                (thumb_width, max(1, round(image.height * thumb_width / image.width))),
                Image.Resampling.LANCZOS,
            )
            for _, image in images
        ]
        cell = max((t.height for t in thumbs), default=0) + caption
        count = max(1, -(-len(thumbs) // columns))
        layouts.append(
            (title, thumbs, [name for name, _ in images], cell, heading + count * (cell + gap))
        )
    width = gap + min(columns, max((len(t) for _, t, *_ in layouts), default=1)) * (
        thumb_width + gap
    )
    canvas = Image.new("RGB", (width, gap + sum(h for *_, h in layouts)), (236, 236, 236))
    draw = ImageDraw.Draw(canvas)
    y = gap
    for title, thumbs, names, cell, height in layouts:
        draw.text((gap, y + 8), title, font=font, fill=(40, 40, 40))
        for n, (thumb, name) in enumerate(zip(thumbs, names, strict=True)):
            x = gap + (n % columns) * (thumb_width + gap)
            top = y + heading + (n // columns) * (cell + gap)
            canvas.paste(thumb, (x, top))
            draw.text((x, top + thumb.height + 5), name, font=small, fill=(70, 70, 70))
        y += height
    return canvas


def paint_palette_sheet(
    title: str, palettes: Sequence[Palette], *, fonts: FontBook, columns: int = 4
) -> Image.Image:
    """A swatch of each palette: its background with sample text in its text colour, a bar
    of its frame colour, its key, and its WCAG text/background ratio with the AA verdict."""
    cell_w, cell_h, gap, heading = 300, 220, 16, 56
    rows = max(1, -(-len(palettes) // columns))
    width = gap + min(columns, max(1, len(palettes))) * (cell_w + gap)
    canvas = Image.new("RGB", (width, heading + rows * (cell_h + gap) + gap), (240, 240, 240))
    draw = ImageDraw.Draw(canvas)
    draw.text((gap, 16), title, font=fonts.font(fonts.face("sans-semibold"), 24), fill=(30, 30, 30))
    sample = fonts.font(fonts.face("serif"), 44)
    small = fonts.font(fonts.face("sans-semibold"), 18)
    for n, palette in enumerate(palettes):
        x = gap + (n % columns) * (cell_w + gap)
        y = heading + (n // columns) * (cell_h + gap)
        background, text = parse_hex(palette.background), parse_hex(palette.text)
        draw.rectangle([x, y, x + cell_w - 1, y + cell_h - 1], fill=background)
        draw.rectangle([x, y, x + cell_w - 1, y + 9], fill=parse_hex(palette.frame))
        draw.text((x + 20, y + 36), "Aa 123", font=sample, fill=text)
        ratio = contrast_ratio(text, background)
        verdict = "AA" if ratio >= AA_BODY else ("AA large" if ratio >= AA_LARGE else "fails AA")
        draw.text((x + 20, y + 120), palette.key, font=small, fill=text)
        draw.text((x + 20, y + 150), f"{ratio:.2f}:1  {verdict}", font=small, fill=text)
        draw.text(
            (x + 20, y + 180), f"{palette.background} / {palette.text}", font=small, fill=text
        )
    return canvas
