"""The pipeline: a story in, a carousel out (load → plan → paint), nothing written.

Each stage has its module (see the README's stage table); this one only wires them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import cast

from PIL import Image

from .analysis import (
    Analysis,
    analyse,
    plan_slides,
    preset_geometry,
    slide_preset,
    story_palettes,
)
from .colors import accessible_palette
from .contrast import TextContrast
from .errors import EnvironmentProblem, StoryError
from .findings import Finding, warning_texts
from .fonts import FontBook
from .images import featured_image, logo_image
from .model import Carousel, PaintLater, RenderOptions, Slide
from .notes import SlideContrast, contrast_findings, with_lines, with_slides
from .paint import Painted, paint_slide, slide_contrast
from .plan import MAX_SLIDES, SlidePlan
from .story import Story, load_story
from .theme import Palette, Theme, default_theme, load_theme

# MAX_SLIDES is checked where slides are planned (plan.py), where the card is known.
__all__ = [
    "MAX_SLIDES",
    "Carousel",
    "RenderOptions",
    "Slide",
    "accessible_palette",
    "plan_slides",
    "preset_geometry",
    "render",
    "slide_preset",
    "story_palettes",
]


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
    analysis = analyse(story, theme, options)
    if analysis.error is not None:
        raise analysis.error
    notes = list(analysis.findings)
    refuse_wrong_text(notes, strict=options.strict)
    slides = _paint(analysis, notes)
    palette = analysis.palette
    assert palette is not None  # an analysis without an error has its palette
    measured = [SlideContrast(s.index, s.card_key, s.contrast_check) for s in slides]
    accessible = palette is not analysis.base_palette
    notes.extend(contrast_findings(story, palette, measured, accessible=accessible))
    findings = with_lines(with_slides(notes, analysis.plans), story)
    return Carousel(
        story,
        tuple(slides),
        palette,
        warning_texts(findings),
        options,
        analysis.preset,
        findings,
        video=analysis.theme.video,
    )


def _paint(analysis: Analysis, notes: list[Finding]) -> list[Slide]:
    """Every planned slide, its contrast measured and its pixels left to paint when they
    are first needed (`PaintLater`), with the featured image and the logo it needs
    (loaded once for all slides; their problems are findings in `notes`)."""
    story, theme, options, preset = (
        analysis.story,
        analysis.theme,
        analysis.options,
        analysis.preset,
    )
    background = None
    if any(plan.featured_image for plan in analysis.plans):
        max_pixels = theme.image.max_pixels
        box = analysis.plans[0].image_box  # a post cover's panel: the image fills it
        size = (box[2] - box[0], box[3] - box[1]) if box else preset.size
        background = featured_image(story, max_pixels, size, options.images_dir, notes)
    logo = logo_image(theme, options.logo, preset.width, story, notes)
    assert analysis.palette is not None
    slides = []
    for index, plan in enumerate(analysis.plans, start=1):
        painter = _Painter(plan, analysis.palette, theme, analysis.fonts, background, logo)
        slides.append(_slide(index, plan, painter))
    return slides


class _Painter:
    """How one slide is painted: its plan and what `paint_slide` needs. The featured
    image, logo and fonts are the render's, shared by all its slides' painters."""

    __slots__ = ("background", "fonts", "logo", "palette", "plan", "theme")

    def __init__(
        self,
        plan: SlidePlan,
        palette: Palette,
        theme: Theme,
        fonts: FontBook,
        background: Image.Image | None,
        logo: Image.Image | None,
    ) -> None:
        self.plan, self.palette, self.theme, self.fonts = plan, palette, theme, fonts
        self.background, self.logo = background, logo

    def __call__(self) -> Painted:
        return paint_slide(
            self.plan,
            palette=self.palette,
            theme=self.theme,
            fonts=self.fonts,
            background=self.background,
            logo=self.logo,
        )

    def contrast(self) -> TextContrast:
        """The contrast `paint_slide` would report, measured without painting the text."""
        return slide_contrast(
            self.plan,
            palette=self.palette,
            theme=self.theme,
            background=self.background,
            logo=self.logo,
        )


def refuse_wrong_text(findings: list[Finding], *, strict: bool) -> None:
    """Raise rather than paint text that would come out wrong: text the machine's text
    engine cannot set (EnvironmentProblem), and with `strict`, characters no font has
    (StoryError). Both name the story and the card."""
    for finding in findings:
        if finding.code == "text-engine-missing" and finding.severity == "error":
            raise EnvironmentProblem.of(finding)
    for finding in findings:
        if strict and finding.code == "glyphs-missing":
            strict_finding = replace(
                finding, severity="error", message=f"{finding.message} (--strict)"
            )
            raise StoryError.of(strict_finding)


def _slide(index: int, plan: SlidePlan, painter: _Painter) -> Slide:
    contrast = painter.contrast()
    size = (plan.geometry.width, plan.geometry.height)
    return Slide(
        index=index,
        kind=plan.kind,
        card_key=plan.card_key,
        # The pixels stand in for the image until it is read (see model._ImageField).
        image=cast(Image.Image, PaintLater(painter, size)),
        contrast_check=contrast,
        contrast=round(contrast.ratio, 2),
        lines=plan.lines,
        safe_box=plan.safe_box,
        frame_box=plan.frame_box,
        body_size=plan.body_size,
        part=plan.part,
        parts=plan.parts,
    )
