"""Where slides go, as data: presets (a slide's size and what a platform covers) and
targets (the rules a platform enforces on what is uploaded).

A preset decides the layout: every preset is laid out again at its own size, never
scaled. A target decides what may be written: formats, slide counts, file sizes, the
aspect range and the text limits. Figures marked ★ in docs/platforms.md come from the
platforms' own API documentation; the others are the widely repeated ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .errors import OptionsError, did_you_mean

__all__ = [
    "DEFAULT_PRESET",
    "MAX_SIDE",
    "MIN_SIDE",
    "PRESETS",
    "REFERENCE_WIDTH",
    "TARGETS",
    "Preset",
    "Target",
    "get_preset",
    "get_target",
]

Layout = Literal["carousel", "cover"]

# The one reference size: theme lengths are pixels on a slide this wide, and scale with
# a slide's width, because legibility on a phone depends on how wide the slide is shown.
REFERENCE_WIDTH = 1080

# Slide sides, in pixels. Below 200 the frame, margins and a readable body size no longer
# fit (the theme is drawn for 1080). Above 4096 (every platform downsizes far below it) a
# slide takes 50 MB in memory, and a story keeps all its slides until they are saved.
MIN_SIDE = 200
MAX_SIDE = 4096


@dataclass(frozen=True)
class Preset:
    """A slide size and the parts of it a platform draws over.

    `covered_top` and `covered_bottom` are fractions of the height where the app puts
    its own controls (a Story's progress bar and reply box): no text goes there, frame
    labels included. `layout` is `carousel` (a slide per card) or `cover` (one image per
    story: title, series, featured image). `format` is the format the platform wants
    when the user names none (LinkedIn documents are PDFs).
    """

    name: str
    width: int
    height: int
    description: str
    layout: Layout = "carousel"
    covered_top: float = 0.0
    covered_bottom: float = 0.0
    format: str = "png"
    # Fractions of the width a vertical-video app draws over (its button column, right).
    covered_left: float = 0.0
    covered_right: float = 0.0

    def __post_init__(self) -> None:
        for side in (self.width, self.height):
            if isinstance(side, bool) or not isinstance(side, int):
                raise OptionsError(f"preset {self.name!r}: sizes are whole numbers of pixels")
            if not MIN_SIDE <= side <= MAX_SIDE:
                raise OptionsError(f"preset {self.name!r}: sides are {MIN_SIDE} to {MAX_SIDE} px")
        if not (0 <= self.covered_top < 1 and 0 <= self.covered_bottom < 1):
            raise OptionsError(f"preset {self.name!r}: covered zones are fractions from 0 to 1")
        if not (0 <= self.covered_left < 1 and 0 <= self.covered_right < 1):
            raise OptionsError(f"preset {self.name!r}: covered zones are fractions from 0 to 1")
        if self.covered_top + self.covered_bottom >= 0.8:
            raise OptionsError(f"preset {self.name!r}: covered zones leave no room for text")
        if self.covered_left + self.covered_right >= 0.5:
            raise OptionsError(f"preset {self.name!r}: covered sides leave no room for text")

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def aspect(self) -> float:
        return self.width / self.height

    @property
    def open_area(self) -> tuple[int, int, int, int]:
        """The part of the slide the platform leaves visible: (x0, y0, x1, y1) in pixels."""
        top = round(self.height * self.covered_top)
        bottom = self.height - round(self.height * self.covered_bottom)
        left = round(self.width * self.covered_left)
        right = self.width - round(self.width * self.covered_right)
        return left, top, right, bottom


_FEED_HEIGHT = REFERENCE_WIDTH * 5 // 4

PRESETS: Mapping[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "instagram-portrait",
            REFERENCE_WIDTH,
            _FEED_HEIGHT,
            "Instagram carousel, 4:5: the feed's tallest (default)",
        ),
        Preset("instagram-square", REFERENCE_WIDTH, REFERENCE_WIDTH, "Instagram carousel, 1:1"),
        Preset(
            "instagram-tall",
            REFERENCE_WIDTH,
            REFERENCE_WIDTH * 4 // 3,
            "Instagram carousel, 3:4 (the app takes it; the publishing API does not)",
        ),
        Preset(
            "story",
            REFERENCE_WIDTH,
            REFERENCE_WIDTH * 16 // 9,
            "Instagram/Facebook Story, 9:16: no text in the top 14% and bottom 20%",
            covered_top=0.14,
            covered_bottom=0.20,
        ),
        Preset(
            "reel",
            REFERENCE_WIDTH,
            REFERENCE_WIDTH * 16 // 9,
            "Reels, TikTok, Shorts video, 9:16: no text in the top 14%, bottom 35%, "
            "left 6% and right 14% (the apps' captions and buttons)",
            covered_top=0.14,
            covered_bottom=0.35,
            covered_left=0.06,
            covered_right=0.14,
        ),
        Preset(
            "linkedin",
            REFERENCE_WIDTH,
            _FEED_HEIGHT,
            "LinkedIn document carousel: every slide a page of one PDF",
            format="pdf",
        ),
        Preset("og", 1200, 630, "Open Graph preview: one cover image", layout="cover"),
        Preset("x", 1200, 600, "X summary_large_image card: one cover image", layout="cover"),
    )
}
DEFAULT_PRESET = "instagram-portrait"


@dataclass(frozen=True)
class Target:
    """What a platform accepts: cardimg refuses to write what it would reject.

    `max_slides` splits a longer carousel into numbered parts (never truncates);
    `aspect` is the (narrowest, widest) width/height ratio accepted; `max_bytes` is per
    file; `alt_limit` caps the platform's alt-text field (the manifest keeps it whole).
    """

    name: str
    description: str
    formats: tuple[str, ...]
    max_bytes: int
    max_slides: int | None = None
    aspect: tuple[float, float] | None = None
    widths: tuple[int, int] | None = None
    alt_limit: int | None = None
    caption_limit: int = 2200
    single_image: bool = False
    document: bool = False  # one PDF holds every slide (max_slides counts its pages)
    preset: str = DEFAULT_PRESET  # laid out for, unless another preset is asked for
    max_seconds: float | None = None  # a video's length: a longer story is split in parts
    min_seconds: float | None = None  # a video shorter than this is refused


_MB = 1_000_000

TARGETS: Mapping[str, Target] = {
    target.name: target
    for target in (
        Target(
            "instagram-api",
            "Instagram publishing API: JPEG, ≤ 8 MB, ≤ 10 slides, 4:5…1.91:1, sRGB",
            formats=("jpeg",),
            max_bytes=8 * _MB,
            max_slides=10,
            aspect=(4 / 5, 1.91),
            widths=(320, 1440),
        ),
        Target(
            "instagram-app",
            "Instagram app: JPEG or PNG, ≤ 20 slides",
            formats=("jpeg", "png"),
            max_bytes=8 * _MB,
            max_slides=20,
        ),
        Target(
            "linkedin",
            "LinkedIn document: one PDF, ≤ 300 pages, ≤ 100 MB",
            formats=("pdf",),
            max_bytes=100 * _MB,
            max_slides=300,
            caption_limit=3000,
            document=True,
            preset="linkedin",
        ),
        Target(
            "reels",
            "Instagram Reels through the publishing API: MP4 (H.264, AAC), 3-90 s, ≤ 300 MB",
            formats=("mp4",),
            max_bytes=300 * _MB,
            widths=(320, 1920),
            preset="reel",
            max_seconds=90,
            min_seconds=3,
        ),
        Target(
            "x",
            "X card: one image under 5 MB, alt text ≤ 420 characters",
            formats=("jpeg", "png", "webp"),
            max_bytes=5 * _MB - 1,
            alt_limit=420,
            caption_limit=280,
            single_image=True,
            preset="x",
        ),
        Target(
            "og",
            "Open Graph preview: one image, ≤ 8 MB",
            formats=("jpeg", "png", "webp"),
            max_bytes=8 * _MB,
            single_image=True,
            preset="og",
        ),
    )
}


def _pick(kind: str, name: str, known: Mapping[str, object]) -> object:
    key = name.strip().lower()
    if key not in known:
        hint = did_you_mean(key, known)
        raise OptionsError(f"unknown {kind} {name!r}{hint} (known: {', '.join(known)})")
    return known[key]


def get_preset(name: str, extra: Mapping[str, Preset] | None = None) -> Preset:
    """The preset called `name`, among the built-in ones and `extra` (a theme's own)."""
    preset = _pick("preset", name, {**PRESETS, **(extra or {})})
    assert isinstance(preset, Preset)
    return preset


def get_target(name: str) -> Target:
    """The platform target called `name`."""
    target = _pick("target", name, TARGETS)
    assert isinstance(target, Target)
    return target
