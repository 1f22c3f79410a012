"""The pipeline: a story in, a carousel out (load → plan → paint), nothing written.

Each stage has its module (see the README's stage table); this one only wires them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .colors import accessible_palette, story_palette
from .cover import plan_cover
from .errors import EnvironmentProblem, StoryError
from .findings import Finding, format_finding, warning_texts
from .fonts import theme_fonts
from .images import featured_image, logo_image
from .layout.page import Geometry
from .model import Carousel, RenderOptions, Slide
from .notes import (
    SlideContrast,
    contrast_findings,
    engine_findings,
    layout_findings,
    markdown_findings,
    missing_glyph_findings,
    off_slide_findings,
    story_findings,
    with_slides,
)
from .paint import Painted, paint_slide
from .plan import MAX_SLIDES, SlidePlan, plan_story
from .presets import Preset, get_preset
from .story import Story, load_story
from .theme import Palette, Theme, default_theme, load_theme

# MAX_SLIDES is checked where slides are planned (plan.py), where the card is known.
__all__ = ["MAX_SLIDES", "Carousel", "RenderOptions", "Slide", "accessible_palette", "render"]


def render(
    story: Story | str | Path,
    *,
    theme: Theme | str | Path | None = None,
    options: RenderOptions | None = None,
    **overrides: object,
) -> Carousel:
    """Render a story (or a story file) to a carousel. A pure function of story, theme and
    options: the same input gives the same slides, pixel for pixel. `theme` is a Theme,
    a built-in theme's name ("bold") or a theme file's path; None is the default theme."""
    if not isinstance(story, Story):
        story = load_story(story)
    theme = default_theme() if theme is None else load_theme(theme)
    options = replace(options or RenderOptions(), **overrides)  # type: ignore[arg-type]
    notes: list[Finding] = story_findings(story)
    notes.extend(markdown_findings(story))
    base_palette, palette = story_palettes(story, theme, options, notes)
    fonts = theme_fonts(theme)
    preset = slide_preset(options, theme)
    plans = plan_slides(story, theme, preset, sources=options.sources, notes=notes)
    notes.extend(layout_findings(story, plans, theme))
    notes.extend(missing_glyph_findings(story, plans, fonts))
    notes.extend(off_slide_findings(story, plans))
    notes.extend(engine_findings(story, plans, allow_basic_layout=options.allow_basic_layout))
    refuse_wrong_text(notes, strict=options.strict)
    size = preset.size
    background = None
    if any(plan.featured_image for plan in plans):
        background = featured_image(story, theme.image.max_pixels, size, options.images_dir, notes)
    logo = logo_image(theme, options.logo, preset.width, story, notes)
    slides = []
    for index, plan in enumerate(plans, start=1):
        painted = paint_slide(
            plan, palette=palette, theme=theme, fonts=fonts, background=background, logo=logo
        )
        slides.append(_slide(index, plan, painted))
    measured = [SlideContrast(s.index, s.card_key, s.contrast_check) for s in slides]
    notes.extend(
        contrast_findings(story, palette, measured, accessible=palette is not base_palette)
    )
    findings = with_slides(notes, plans)
    return Carousel(
        story, tuple(slides), palette, warning_texts(findings), options, preset, findings
    )


def refuse_wrong_text(findings: list[Finding], *, strict: bool) -> None:
    """Raise rather than paint text that would come out wrong: text the machine's text
    engine cannot set (EnvironmentProblem), and with `strict`, characters no font has
    (StoryError). Both name the story and the card."""
    for finding in findings:
        if finding.code == "text-engine-missing" and finding.severity == "error":
            raise EnvironmentProblem(format_finding(finding))
    for finding in findings:
        if strict and finding.code == "glyphs-missing":
            raise StoryError(format_finding(finding) + " (--strict)")


def story_palettes(
    story: Story, theme: Theme, options: RenderOptions, notes: list[Finding]
) -> tuple[Palette, Palette]:
    """The story's palette, and the one its slides are painted in (the accessible variant
    when the options or the theme ask for it). An unknown key is a note, or with
    `strict` a StoryError."""
    base = story_palette(story, theme, strict=options.strict, notes=notes)
    accessible = theme.accessible if options.accessible is None else options.accessible
    return base, accessible_palette(base) if accessible else base


def plan_slides(
    story: Story, theme: Theme, preset: Preset, *, sources: bool, notes: list[Finding]
) -> list[SlidePlan]:
    """Every slide of the story at `preset`: a slide per card (and the sources), or the
    one cover of a cover preset. What `render` paints and `check` checks."""
    fonts = theme_fonts(theme)
    geometry = preset_geometry(theme, preset)
    if preset.layout == "cover":
        return [plan_cover(story, theme=theme, measurer=fonts, geometry=geometry, notes=notes)]
    return plan_story(story, theme=theme, measurer=fonts, geometry=geometry, sources=sources)


def preset_geometry(theme: Theme, preset: Preset) -> Geometry:
    """The frame and safe area of the preset's slides; a ThemeError naming the theme's key
    when the theme leaves no room for text at that size (checked before any story)."""
    return Geometry.for_size(theme, preset.width, preset.height, preset.open_area)


def slide_preset(options: RenderOptions, theme: Theme) -> Preset:
    """The preset to lay out for: the named one (built in or the theme's), at the size
    `options` asks for when it gives one (then called `custom`)."""
    preset = get_preset(options.preset, theme.presets)
    width, height = options.width or preset.width, options.height or preset.height
    if (width, height) == preset.size:
        return preset
    return replace(preset, name="custom", width=width, height=height)


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
