"""How to render and how to save: the options a render and a save take (`RenderOptions`,
`SaveOptions`, re-exported by `model`), and the preset the render options lay out for.

Apart from `model` (slides, carousels) so that a batch's own process, which decides which
stories need rendering, defines none of the classes a render hands back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import OptionsError
from .presets import DEFAULT_PRESET, MAX_SIDE, MIN_SIDE, Preset, Target, get_preset

if TYPE_CHECKING:
    from .theme import Theme

__all__ = ["RenderOptions", "SaveOptions", "slide_preset"]


@dataclass(frozen=True)
class RenderOptions:
    """How to render: the preset (slide size and what the platform covers), where images
    are, what to include, how strict to be. `width`/`height` override the preset's size."""

    preset: str = DEFAULT_PRESET
    width: int | None = None
    height: int | None = None
    images_dir: Path | None = None
    sources: bool = True
    strict: bool = False
    accessible: bool | None = None  # None: as the theme says
    logo: Path | None = None  # brand mark on the bottom frame line (else the theme's)
    # Set text that needs Raqm with Pillow's basic layout where Raqm is missing (wrongly:
    # unjoined, unordered) instead of refusing the story.
    allow_basic_layout: bool = False

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if value is None:  # the preset's size
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise OptionsError(f"{name} must be a whole number of pixels, got {value!r}")
            if not MIN_SIDE <= value <= MAX_SIDE:
                raise OptionsError(f"{name} must be {MIN_SIDE} to {MAX_SIDE} pixels, got {value:,}")


def slide_preset(options: RenderOptions, theme: Theme) -> Preset:
    """The preset to lay out for: the named one (built in or the theme's), at the size
    `options` asks for when it gives one (then called `custom`)."""
    preset = get_preset(options.preset, theme.presets)
    width, height = options.width or preset.width, options.height or preset.height
    if (width, height) == preset.size:
        return preset
    return replace(preset, name="custom", width=width, height=height)


@dataclass(frozen=True)
class SaveOptions:
    """How a carousel is written: the one record of the save options, taken by
    `Carousel.save`, the batch and the render service alike.

    `format` is a name in the format registry (`cardimg.formats.encoders()`: png, jpeg,
    …; one file a slide, or one a story such as pdf); None: the target's, else the preset's.
    `target` (a name such as `instagram-api`, or a `cardimg.presets.Target`) enforces a
    platform's rules. `quality` (1-100) is that of JPEG, lossy WebP and PDF photo pages.
    `contact_sheet` adds `contact-sheet.png`, every slide in order, for a review.
    `audio` is a sound file laid under a video (mp4); without it a video is silent."""

    format: str | None = None
    target: str | Target | None = None
    quality: int | None = None
    contact_sheet: bool = False
    audio: Path | None = None

    def __post_init__(self) -> None:
        quality = self.quality
        whole = isinstance(quality, int) and not isinstance(quality, bool)
        if quality is not None and not (whole and 1 <= quality <= 100):
            raise OptionsError(f"quality must be a whole number from 1 to 100, not {quality!r}")
        if self.format is not None:
            from .formats import encoder

            encoder(self.format)  # an unknown format: an error now, listing the known ones
