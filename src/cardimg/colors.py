"""Which palette a story is painted in: its own key, the default for an unknown key
(or an error when strict), and the accessible variant when asked for; and the contrast
of a planned slide's text computed from colours, without painting it."""

from __future__ import annotations

import math
from dataclasses import replace

from PIL import Image, ImageStat

from .contrast import (
    AA_BODY,
    RGB,
    TextContrast,
    accessible_pair,
    parse_hex,
    to_hex,
    weakest_contrast,
)
from .errors import StoryError, did_you_mean
from .findings import Finding
from .layout.page import Line
from .plan import SlidePlan
from .story import Story, story_name
from .theme import Palette, Theme

__all__ = ["accessible_palette", "featured_backdrop", "planned_contrast", "story_palette"]


def story_palette(story: Story, theme: Theme, *, strict: bool, notes: list[Finding]) -> Palette:
    """The theme's palette for the story's key; an unknown key is a `palette-unknown`
    finding (or, when `strict`, a StoryError) and the theme's default palette is used."""
    palette = theme.palette(story.palette)
    if palette is not None:
        return palette
    known = ", ".join(sorted(theme.palettes))
    hint = did_you_mean(story.palette, theme.palettes)
    finding = Finding(
        code="palette-unknown",
        file=story_name(story),
        field="colorpaletteclassname",
        message=f"unknown palette {story.palette!r}{hint} (known: {known})",
    )
    if strict:
        raise StoryError.of(finding)
    notes.append(
        replace(finding, message=f"{finding.message}; using {theme.default_palette.key!r}")
    )
    return theme.default_palette


def accessible_palette(palette: Palette) -> Palette:
    """The palette with text or background lightness moved just enough for WCAG AA body
    text, keeping the hue (see `contrast.accessible_pair`); a passing palette is unchanged."""
    text, background = accessible_pair(palette.text, palette.background, target=AA_BODY)
    if (to_hex(text), to_hex(background)) == (palette.text.lower(), palette.background.lower()):
        return palette
    return replace(palette, text=to_hex(text), background=to_hex(background))


def featured_backdrop(palette: Palette, layer: Image.Image, opacity: float) -> Image.Image:
    """What is behind the text of the slide with the featured image, at the size of
    `layer` (the image fitted to the slide, usually reduced): the image composited over
    the palette's background and blended in at `opacity`, as paint does."""
    base = Image.new("RGB", layer.size, parse_hex(palette.background))
    over = base.copy()
    over.paste(layer, (0, 0), layer if layer.mode == "RGBA" else None)
    return Image.blend(base, over, opacity)


def planned_contrast(
    plan: SlidePlan, palette: Palette, backdrop: Image.Image | None = None
) -> TextContrast:
    """The weakest text of a planned slide against its background, from colours alone:
    the palette's background, or on the slide with the featured image the mean colour of
    `backdrop` (see `featured_backdrop`) behind each line. Paint measures the same on its
    pixels; the frame and marks are left out here, as they never sit behind text."""
    flat = parse_hex(palette.background)
    width = plan.geometry.width

    def behind(line: Line) -> RGB:
        if backdrop is not None and plan.featured_image and plan.image_box is None:
            return _mean_behind(backdrop, line.box, backdrop.width / width)
        return flat

    return weakest_contrast(plan.lines, parse_hex(palette.text), behind, width)


def _mean_behind(
    backdrop: Image.Image, box: tuple[float, float, float, float], scale: float
) -> tuple[int, int, int]:
    # At least one pixel of the reduced backdrop, so a thin line still has a colour.
    x0, y0 = (max(0, math.floor(v * scale)) for v in box[:2])
    x1 = min(backdrop.width, max(x0 + 1, math.ceil(box[2] * scale)))
    y1 = min(backdrop.height, max(y0 + 1, math.ceil(box[3] * scale)))
    mean = ImageStat.Stat(backdrop.crop((x0, y0, x1, y1))).mean
    return (round(mean[0]), round(mean[1]), round(mean[2]))
