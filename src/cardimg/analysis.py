"""One analysis of a story, shared by `render` and `check` (and whatever serves them).

Both need the same things before a pixel is painted: the story's findings, its palette,
the preset's slide, the laid-out slides, and every finding that comes from the layout
alone (continued cards, missing characters, text the machine cannot shape, lines off
the slide). They used to wire those stages each in turn, kept equal only by a test; now
`analyse` is the one place, and `render` paints what it gives while `check` measures it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .colors import accessible_palette, story_palette
from .cover import plan_cover
from .errors import CardimgError, StoryError, ThemeError
from .findings import Finding
from .fonts import FontBook, theme_fonts
from .images import featured_source, find_featured_image
from .layout.page import Geometry
from .model import RenderOptions, slide_preset
from .notes import (
    engine_findings,
    layout_findings,
    markdown_findings,
    missing_glyph_findings,
    off_slide_findings,
    story_findings,
)
from .plan import SlidePlan, plan_story
from .postcover import plan_post_cover
from .presets import Preset
from .story import Story, story_name
from .theme import Palette, Theme

__all__ = [
    "Analysis",
    "analyse",
    "plan_slides",
    "preset_geometry",
    "slide_preset",
    "story_palettes",
]


@dataclass(frozen=True)
class Analysis:
    """A story laid out for a theme and options, with every finding that needs no pixels.

    `error` is the problem that stopped it (an unknown palette with `strict`, too many
    slides, a theme with no room for text at the preset's size): `render` raises it,
    `check` reports its finding. Then `plans` holds what was laid out before it (none)."""

    story: Story
    theme: Theme
    options: RenderOptions
    preset: Preset
    fonts: FontBook
    base_palette: Palette | None
    palette: Palette | None
    plans: tuple[SlidePlan, ...]
    findings: tuple[Finding, ...]
    error: CardimgError | None = None

    @property
    def error_finding(self) -> Finding | None:
        """The error as a finding (its own, or `theme-invalid` for a theme's)."""
        if self.error is None:
            return None
        if self.error.finding is not None:
            return self.error.finding
        name = story_name(self.story)
        return Finding(
            code="theme-invalid" if isinstance(self.error, ThemeError) else "story-invalid",
            severity="error",
            file=name,
            message=str(self.error).removeprefix(f"{name}: "),
        )


def analyse(story: Story, theme: Theme, options: RenderOptions) -> Analysis:
    """Lay out `story` as `options` ask with `theme`, and find what the layout tells."""
    findings = story_findings(story) + markdown_findings(story)
    preset = slide_preset(options, theme)
    fonts = theme_fonts(theme)
    partial = Analysis(story, theme, options, preset, fonts, None, None, (), ())
    try:
        base, palette = story_palettes(story, theme, options, findings)
        has_image = find_featured_image(story, options.images_dir) is not None
        if story.post is not None and not has_image:
            # A post's cover is laid out without it, so it is never read: say so here.
            featured_source(story, options.images_dir, findings)
        plans = plan_slides(
            story,
            theme,
            preset,
            sources=options.sources,
            notes=findings,
            fonts=fonts,
            has_image=has_image,
        )
    except CardimgError as exc:
        return _stopped(partial, findings, exc)
    findings += layout_findings(story, plans, theme)
    findings += missing_glyph_findings(story, plans, fonts)
    findings += off_slide_findings(story, plans)
    findings += engine_findings(story, plans, allow_basic_layout=options.allow_basic_layout)
    return Analysis(
        story, theme, options, preset, fonts, base, palette, tuple(plans), tuple(findings)
    )


def _stopped(partial: Analysis, findings: list[Finding], error: CardimgError) -> Analysis:
    return Analysis(
        partial.story,
        partial.theme,
        partial.options,
        partial.preset,
        partial.fonts,
        None,
        None,
        (),
        tuple(findings),
        error,
    )


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
    story: Story,
    theme: Theme,
    preset: Preset,
    *,
    sources: bool,
    notes: list[Finding],
    fonts: FontBook | None = None,
    has_image: bool = False,
) -> list[SlidePlan]:
    """Every slide of the story at `preset`: a slide per card (and the sources), or the
    one cover of a cover preset (a post has only that). What `render` paints and `check`
    checks. `fonts` is the render's font book (a new one when not given); `has_image`,
    that the featured image's file is there (a post's cover is laid out around it)."""
    fonts = fonts or theme_fonts(theme)
    geometry = preset_geometry(theme, preset)
    if story.post is not None:
        if preset.layout != "cover":
            raise StoryError.of(_not_a_story(story, preset))
        return [
            plan_post_cover(
                story, theme=theme, measurer=fonts, preset=preset, has_image=has_image, notes=notes
            )
        ]
    if preset.layout == "cover":
        return [plan_cover(story, theme=theme, measurer=fonts, geometry=geometry, notes=notes)]
    return plan_story(story, theme=theme, measurer=fonts, geometry=geometry, sources=sources)


def _not_a_story(story: Story, preset: Preset) -> Finding:
    return Finding(
        code="story-invalid",
        file=story_name(story),
        field="cards",
        message=f"missing: a post (a title, no cards) makes only a cover, not the "
        f"carousel of preset {preset.name} (use preset og or x)",
    )


def preset_geometry(theme: Theme, preset: Preset) -> Geometry:
    """The frame and safe area of the preset's slides; a ThemeError naming the theme's key
    when the theme leaves no room for text at that size (checked before any story)."""
    return Geometry.for_size(theme, preset.width, preset.height, preset.open_area)
