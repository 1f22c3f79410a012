"""Render a story: plan its slides, paint them, and hand back an inspectable carousel."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageOps

from .contrast import AA_BODY, accessible_pair, to_hex
from .errors import StoryError, problem
from .fonts import FontBook
from .layout.page import Line
from .paint import Painted, TextContrast, paint_slide
from .plan import SlidePlan, plan_story
from .story import Story, load_story
from .theme import Palette, Theme, load_theme

__all__ = ["MAX_SLIDES", "Carousel", "RenderOptions", "Slide", "render"]

# Slides are kept in memory until saved (4.4 MB each at 1080x1350): a story may not
# ask for more than this many. Platforms allow 10 to 20 a carousel.
MAX_SLIDES = 100


@dataclass(frozen=True)
class RenderOptions:
    """How to render: slide size, where images are, what to include, how strict to be."""

    width: int = 1080
    height: int = 1350
    images_dir: Path | None = None
    sources: bool = True
    strict: bool = False
    accessible: bool | None = None  # None: as the theme says
    logo: Path | None = None  # brand mark on the bottom frame line (else the theme's)


@dataclass(frozen=True)
class Slide:
    """One rendered slide: its pixels and everything drawn on it."""

    index: int
    kind: str  # card | continuation | sources
    card_key: str | None
    image: Image.Image = field(repr=False, compare=False)
    lines: tuple[Line, ...]
    safe_box: tuple[int, int, int, int]
    frame_box: tuple[int, int, int, int]
    body_size: float
    part: int = 1
    parts: int = 1
    contrast: float = 21.0  # the weakest text's WCAG ratio against the pixels behind it
    contrast_check: TextContrast | None = field(default=None, repr=False, compare=False)

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height

    @property
    def text_lines(self) -> tuple[Line, ...]:
        """The lines that carry the card's own words (no series label, citation or markers)."""
        return tuple(line for line in self.lines if not line.chrome)

    @property
    def text(self) -> str:
        """The card text drawn on this slide, lines of one block joined as they read."""
        return _join(self.text_lines)

    @property
    def alt(self) -> str:
        """Alt text for screen readers: the slide's words as plain text, in reading order."""
        parts = [_join([line for line in self.lines if line.role == "series"])]
        if self.part > 1:
            parts.append(f"(continued, part {self.part} of {self.parts})")
        parts.append(self.text)
        parts.append(_join([line for line in self.lines if line.role == "citation"]))
        return "\n".join(part for part in parts if part)


def _join(lines: Sequence[Line]) -> str:
    """Lines joined back into text: a new block starts a new line; within a block, lines
    broken at a space get it back, lines broken inside a word (CJK, long URLs) do not."""
    out: list[str] = []
    previous: Line | None = None
    for line in lines:
        if previous is not None:
            same_block = line.block == previous.block and line.block >= 0
            joiner = " " if previous.space_after and not previous.hyphenated else ""
            out.append(joiner if same_block else "\n")
        if line.marker is not None:
            out.append(f"{line.marker.text} ")
        out.append(line.text)
        previous = line
    return "".join(out)


@dataclass(frozen=True)
class Carousel:
    """The slides of one story, ready to inspect or save."""

    story: Story
    slides: tuple[Slide, ...]
    palette: Palette
    warnings: tuple[str, ...] = ()
    options: RenderOptions = field(default_factory=RenderOptions)

    def save(self, out_dir: str | Path, *, format: str = "png") -> list[Path]:
        """Write the slides, `manifest.json` and `caption.txt` under `out_dir/<slug>/`."""
        from .export import save_carousel

        return save_carousel(self, Path(out_dir), image_format=format)


@lru_cache(maxsize=4)
def _default_theme() -> Theme:
    return load_theme()


@lru_cache(maxsize=8)
def _fonts(theme: Theme) -> FontBook:
    return FontBook(theme)


def render(
    story: Story | str | Path,
    *,
    theme: Theme | None = None,
    options: RenderOptions | None = None,
    **overrides: object,
) -> Carousel:
    """Render a story (or a story file) to a carousel. A pure function of story, theme and
    options: the same input gives the same slides, pixel for pixel."""
    if not isinstance(story, Story):
        story = load_story(story)
    theme = theme or _default_theme()
    options = replace(options or RenderOptions(), **overrides)  # type: ignore[arg-type]
    notes = list(story.warnings)
    base_palette = _palette(story, theme, options, notes)
    accessible = theme.accessible if options.accessible is None else options.accessible
    palette = accessible_palette(base_palette) if accessible else base_palette
    fonts = _fonts(theme)
    plans = plan_story(
        story,
        theme=theme,
        measurer=fonts,
        width=options.width,
        height=options.height,
        sources=options.sources,
    )
    if len(plans) > MAX_SLIDES:
        raise StoryError(
            f"{_name(story)}: cards: {len(plans)} slides, over the limit of {MAX_SLIDES} "
            "for one story (shorten the cards or split the story)"
        )
    notes.extend(_missing_glyph_warnings(story, plans, fonts))
    background = (
        _featured_image(story, theme, options, notes)
        if any(p.featured_image for p in plans)
        else None
    )
    logo = _logo(theme, options, story, notes)
    slides = []
    for index, plan in enumerate(plans, start=1):
        painted = paint_slide(
            plan, palette=palette, theme=theme, fonts=fonts, background=background, logo=logo
        )
        slides.append(_slide(index, plan, painted))
    notes.extend(_contrast_warnings(story, palette, slides, accessible=palette is not base_palette))
    return Carousel(story, tuple(slides), palette, tuple(notes), options)


def _contrast_warnings(
    story: Story, palette: Palette, slides: list[Slide], *, accessible: bool
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
            f"{_name(story)}: palette {palette.key!r}: text is {ratio:.2f}:1 against its "
            f"background on slide{'s' if len(failing) > 1 else ''} {where}, below WCAG AA "
            f"{required:g}:1{hint}"
        )
    return notes


def accessible_palette(palette: Palette) -> Palette:
    """The palette with text or background lightness moved just enough for WCAG AA body
    text, keeping the hue (see `contrast.accessible_pair`); a passing palette is unchanged."""
    text, background = accessible_pair(palette.text, palette.background, target=AA_BODY)
    if (to_hex(text), to_hex(background)) == (palette.text.lower(), palette.background.lower()):
        return palette
    return replace(palette, text=to_hex(text), background=to_hex(background))


def _slide(index: int, plan: SlidePlan, painted: Painted) -> Slide:
    return Slide(
        index=index,
        kind=plan.kind,
        card_key=plan.card_key,
        image=painted.image,
        contrast_check=painted.contrast,
        contrast=round(painted.contrast.ratio, 2),
        lines=plan.lines,
        safe_box=plan.safe_box,
        frame_box=plan.frame_box,
        body_size=plan.body_size,
        part=plan.part,
        parts=plan.parts,
    )


def _palette(story: Story, theme: Theme, options: RenderOptions, notes: list[str]) -> Palette:
    palette = theme.palette(story.palette)
    if palette is not None:
        return palette
    known = ", ".join(sorted(theme.palettes))
    message = (
        f"{_name(story)}: colorpaletteclassname: unknown palette {story.palette!r} (known: {known})"
    )
    if options.strict:
        raise StoryError(message)
    notes.append(f"{message}; using {theme.default_palette.key!r}")
    return theme.default_palette


def _name(story: Story) -> str:
    return story.path.name if story.path is not None else story.slug


def _missing_glyph_warnings(story: Story, plans: list[SlidePlan], fonts: FontBook) -> list[str]:
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
            notes.append(f"{_name(story)}: {where}: no font has these characters: {chars}{more}")
    return notes


def _featured_image(
    story: Story, theme: Theme, options: RenderOptions, notes: list[str]
) -> Image.Image | None:
    """The featured image, cropped to cover the slide; any problem is a warning, never an error."""
    if story.featured_image is None:
        return None
    # The field is an asset file name from the CMS: only its last part is ever used.
    name = Path(story.featured_image.url.replace("\\", "/")).name
    folders = [
        d
        for d in (options.images_dir, story.base_dir, story.base_dir and story.base_dir / "images")
        if d
    ]
    path = next((Path(d) / name for d in folders if name and (Path(d) / name).is_file()), None)
    if path is None:
        notes.append(
            f"{_name(story)}: featured_image: {name or '(empty)'} not found; rendered without it"
        )
        return None
    try:
        fitted = _open_image(path, theme.image.max_pixels, cover=(options.width, options.height))
    except _IMAGE_ERRORS as exc:
        notes.append(
            f"{_name(story)}: featured_image: {name}: unreadable ({problem(exc)}); "
            "rendered without it"
        )
        return None
    return fitted


_IMAGE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


def _open_image(
    path: Path,
    max_pixels: int,
    *,
    cover: tuple[int, int] | None = None,
    within: tuple[int, int] | None = None,
) -> Image.Image:
    """Open an image file safely: its size is checked before any pixel is decoded, so a
    decompression bomb costs nothing. `cover` crops it to fill a size; `within` shrinks
    it to fit one, keeping transparency."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as source:
            if source.width * source.height > max_pixels:
                raise ValueError(f"{source.width}×{source.height} pixels is over the limit")
            if cover is not None:
                source.draft("RGB", cover)
                return ImageOps.fit(source.convert("RGB"), cover, Image.Resampling.LANCZOS)
            image = source.convert("RGBA")
    # Transparent margins would open the frame line wider than the mark.
    box = image.getbbox(alpha_only=True)
    if box is not None:
        image = image.crop(box)
    if within is not None:
        image = ImageOps.contain(image, within, Image.Resampling.LANCZOS)
    return image


def _logo(
    theme: Theme, options: RenderOptions, story: Story, notes: list[str]
) -> Image.Image | None:
    """The brand mark for the bottom frame line, sized to the frame; a problem is a warning."""
    path = options.logo or theme.frame.logo
    if path is None:
        return None
    unit = options.width / 1080
    height = round(theme.frame.logo_height * unit)
    try:
        return _open_image(Path(path), theme.image.max_pixels, within=(height * 6, height))
    except _IMAGE_ERRORS as exc:
        notes.append(
            f"{_name(story)}: logo: {Path(path).name}: unreadable ({problem(exc)}); "
            "drawn without it"
        )
        return None
