"""`cardimg check`: what rendering a story would warn about, found without painting.

A check loads the story and plans its slides exactly as `render` does (the same
palette, fonts, preset and layout), then reports the same findings, computing contrast
from the palette's colours instead of painted pixels: the featured image is the only
pixel source, read at a quarter of the slide's size and blended in as paint blends it.
It adds what only matters before posting: a platform target's slide, caption and alt
text limits. Nothing is painted, encoded or written.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from PIL import Image

from .analysis import Analysis, analyse, slide_preset
from .caption import CAPTION_LIMIT, caption_text
from .colors import featured_backdrop, planned_contrast
from .discover import StoryInput, is_story_file
from .errors import CardimgError, OptionsError, StoryError, one_line
from .findings import SEVERITIES, Finding, finding_dict
from .images import (
    featured_source,
    fit_behind,
    logo_image,
    probe_featured,
    read_featured,
    small_image_finding,
)
from .model import RenderOptions, Slide
from .notes import (
    SlideContrast,
    contrast_findings,
    with_lines,
    with_slides,
)
from .plan import SlidePlan
from .presets import TARGETS, Preset, Target
from .story import Story, load_story, story_name
from .targets import check_preset, split_slides
from .theme import Palette, Theme, default_theme
from .timing import VideoStyle, reading_seconds, split_by_time, timeline

__all__ = [
    "REPORT_VERSION",
    "CheckedFile",
    "check_file",
    "check_files",
    "check_report",
    "check_story",
    "error_finding",
    "exit_status",
    "located",
]

# The version of `check --format json`'s schema (docs/check.md): raised only when a
# field is removed or changes meaning; new fields may appear within a version.
REPORT_VERSION = 1
# The featured image is measured at this fraction of the slide's size: the mean colour
# behind a line of text barely moves, and decoding a JPEG at 1/4 or 1/8 is cheap.
_BACKDROP_SCALE = 4


def check_story(
    story: Story | str | Path,
    *,
    theme: Theme | None = None,
    options: RenderOptions | None = None,
    target: Target | None = None,
) -> tuple[Finding, ...]:
    """Every finding rendering `story` with `theme` and `options` would give, and those
    of posting it to `target`, without painting. A story that cannot be loaded or
    planned gives one `error` finding (as `render` would raise it)."""
    if not isinstance(story, Story):
        path = story
        try:
            story = load_story(path)
        except StoryError as exc:
            return (error_finding("story-invalid", Path(path).name, exc),)
    analysis = analyse(story, theme or default_theme(), options or RenderOptions())
    findings = list(analysis.findings)
    if analysis.error_finding is not None:
        return with_lines((*findings, analysis.error_finding), story)
    findings += _measured_findings(analysis, findings)
    if target is not None:
        findings += target_findings(story, list(analysis.plans), analysis.preset, target)
    # A video's rules: the target's, or the Reels ones for the reel preset.
    timed = target if target is not None else TARGETS.get(analysis.preset.name + "s")
    if timed is not None and timed.max_seconds is not None:
        style = (theme or default_theme()).video
        findings += video_findings(story, list(analysis.plans), style, timed)
    findings += caption_findings(story, target)
    return with_lines(with_slides(findings, analysis.plans), story)


def _measured_findings(analysis: Analysis, notes: list[Finding]) -> list[Finding]:
    """What render finds from pixels, computed instead: the featured image's and logo's
    problems (into `notes`), and contrast from the palette's colours."""
    story, theme, options, preset = (
        analysis.story,
        analysis.theme,
        analysis.options,
        analysis.preset,
    )
    palette = analysis.palette
    assert palette is not None  # an analysis without an error has its palette
    backdrop = None
    if any(plan.featured_image for plan in analysis.plans):
        backdrop = _backdrop(story, theme, palette, preset.size, options.images_dir, notes)
    logo_image(theme, options.logo, preset.width, story, notes)
    measured = [
        SlideContrast(index, plan.card_key, planned_contrast(plan, palette, backdrop))
        for index, plan in enumerate(analysis.plans, start=1)
    ]
    accessible = palette is not analysis.base_palette
    return contrast_findings(story, palette, measured, accessible=accessible)


def _backdrop(
    story: Story,
    theme: Theme,
    palette: Palette,
    size: tuple[int, int],
    images_dir: Path | None,
    notes: list[Finding],
) -> Image.Image | None:
    """The first slide's background with the featured image blended in, at a quarter of
    the slide's size; its problems are the findings `render` gives for it."""
    source = featured_source(story, images_dir, notes)
    if source is None:
        return None
    full = probe_featured(source, theme.image.max_pixels, notes)
    if full is None:
        return None
    reduced = (math.ceil(size[0] / _BACKDROP_SCALE), math.ceil(size[1] / _BACKDROP_SCALE))
    image = read_featured(source, theme.image.max_pixels, reduced, notes)
    if image is None:
        return None
    small = small_image_finding(source, full, size)
    if small is not None:
        notes.append(small)
    return featured_backdrop(palette, fit_behind(image, reduced), theme.image.opacity)


def target_findings(
    story: Story, plans: Sequence[SlidePlan], preset: Preset, target: Target
) -> list[Finding]:
    """What posting to `target` runs into: a preset outside what it accepts
    (`target-preset`), more slides than one upload takes (`target-slides`, saying how
    many uploads the save makes) and alt text over its field (`alt-too-long`)."""
    name = story_name(story)
    findings = [
        Finding(code="target-preset", file=name, message=note)
        for note in check_preset(target, preset)
    ]
    total = len(plans)
    if target.max_slides is not None and total > target.max_slides:
        uploads = split_slides(total, target.max_slides)
        unit = "pages in one document" if target.document else "slides in one carousel"
        sizes = ", ".join(str(len(part)) for part in uploads)
        findings.append(
            Finding(
                code="target-slides",
                file=name,
                message=f"{total} slides; {target.name} takes at most {target.max_slides} "
                f"{unit}: saved as {len(uploads)} uploads ({sizes} slides)",
                figure=float(total),
            )
        )
    if target.alt_limit is not None:
        for index, plan in enumerate(plans, start=1):
            length = len(_alt_text(index, plan))
            if length > target.alt_limit:
                findings.append(
                    Finding(
                        code="alt-too-long",
                        file=name,
                        card=plan.card_key,
                        field=None if plan.card_key else plan.kind,
                        slide=index,
                        message=f"alt text of slide {index:02d} is {length:,} characters, over "
                        f"{target.name}'s {target.alt_limit:,}: cut at a word for that field",
                        figure=float(length),
                    )
                )
    return findings


def video_findings(
    story: Story, plans: Sequence[SlidePlan], style: VideoStyle, target: Target
) -> list[Finding]:
    """What a video for `target` runs into: a slide whose reading time the theme's
    maximum cuts (`slide-time-cut`), a story longer than the platform takes, saved in
    parts (`video-too-long`), or shorter than it takes (`video-too-short`)."""
    name = story_name(story)
    texts = [_slide(index, plan).words for index, plan in enumerate(plans, start=1)]
    findings = []
    for index, (plan, text) in enumerate(zip(plans, texts, strict=True), start=1):
        wanted = reading_seconds(text, style)
        if wanted > style.max_seconds:
            findings.append(
                Finding(
                    code="slide-time-cut",
                    file=name,
                    card=plan.card_key,
                    slide=index,
                    message=f"slide {index:02d} takes {wanted:.1f} s to read; the video "
                    f"shows it {style.max_seconds:g} s (video.max_seconds): split the card",
                    figure=round(wanted, 1),
                )
            )
    total = timeline(texts, style).duration
    if target.max_seconds is not None and total > target.max_seconds:
        try:
            saved_as = f"saved as {len(split_by_time(texts, style, target.max_seconds))} videos"
        except OptionsError:
            saved_as = "a slide alone is longer: no split fits (lower video.max_seconds)"
        findings.append(
            Finding(
                code="video-too-long",
                file=name,
                message=f"a {total:.1f} s video; {target.name} takes at most "
                f"{target.max_seconds:g} s: {saved_as}",
                figure=round(total, 1),
            )
        )
    if target.min_seconds is not None and total < target.min_seconds:
        findings.append(
            Finding(
                code="video-too-short",
                file=name,
                message=f"a {total:.1f} s video; {target.name} takes {target.min_seconds:g} s "
                "at least",
                figure=round(total, 1),
            )
        )
    return findings


def _alt_text(index: int, plan: SlidePlan) -> str:
    return _slide(index, plan).alt


def _slide(index: int, plan: SlidePlan) -> Slide:
    # Alt text and words come from the lines alone: a slide without pixels gives the same.
    return Slide(
        index=index,
        kind=plan.kind,
        card_key=plan.card_key,
        image=None,  # type: ignore[arg-type]
        lines=plan.lines,
        safe_box=plan.safe_box,
        frame_box=plan.frame_box,
        body_size=plan.body_size,
        part=plan.part,
        parts=plan.parts,
    )


@dataclass(frozen=True)
class _StoryOnly:
    """What `caption_text` reads of a carousel: its story (the caption has no slides)."""

    story: Story


def caption_findings(story: Story, target: Target | None) -> list[Finding]:
    """`caption-too-long` when the caption (title and sources) is longer than the
    platform takes (the target's limit, else Instagram's): the save cuts it."""
    limit = target.caption_limit if target is not None else CAPTION_LIMIT
    whole = caption_text(_StoryOnly(story), limit=sys.maxsize)  # type: ignore[arg-type]
    if len(whole) <= limit:
        return []
    platform = target.name if target is not None else "Instagram"
    return [
        Finding(
            code="caption-too-long",
            file=story_name(story),
            field="caption",
            message=f"the caption (title and sources) is {len(whole):,} characters, over "
            f"{platform}'s "
            f"{limit:,}: caption.txt cuts the title at a word and counts the sources left out",
            figure=float(len(whole)),
        )
    ]


def error_finding(code: str, name: str, exc: Exception) -> Finding:
    """An error as a finding: the message without the file name it starts with (and
    the line of the file it is about, where the error knows it)."""
    message = str(exc)
    known = exc.finding if isinstance(exc, CardimgError) else None
    return Finding(
        code=code,
        severity="error",
        file=name,
        message=message.removeprefix(f"{name}: "),
        line=known.line if known is not None else None,
    )


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class CheckedFile:
    """One story file checked: the path as given, and its findings."""

    path: str
    findings: tuple[Finding, ...]


def exit_status(findings: Iterable[Finding], *, strict: bool = False) -> int:
    """2 when there is an error, 1 when there are warnings and `strict`, else 0 (`info`
    findings never fail a check)."""
    severities = {finding.severity for finding in findings}
    if "error" in severities:
        return 2
    return 1 if strict and "warning" in severities else 0


def check_report(
    files: Sequence[CheckedFile], *, strict: bool = False, skipped: int = 0
) -> dict[str, object]:
    """The JSON document `cardimg check --format json` prints (docs/check.md)."""
    every = [finding for checked in files for finding in checked.findings]
    counts = {severity: sum(f.severity == severity for f in every) for severity in SEVERITIES}
    return {
        "version": REPORT_VERSION,
        "files": [
            {"path": checked.path, "findings": [finding_dict(f) for f in checked.findings]}
            for checked in files
        ],
        "summary": {
            "files": len(files),
            "skipped": skipped,
            "errors": counts["error"],
            "warnings": counts["warning"],
            "info": counts["info"],
            "exit_status": exit_status(every, strict=strict),
        },
    }


def located(findings: Iterable[Finding], path: str) -> tuple[Finding, ...]:
    """The findings naming their story by `path` (as given on the command line)."""
    return tuple(replace(finding, file=path) for finding in findings)


def check_file(
    item: StoryInput,
    *,
    theme: Theme,
    options: RenderOptions,
    target: Target | None = None,
    drafts: bool = False,
) -> tuple[Finding, ...] | None:
    """One story file's findings, naming it by the path given; None for a file skipped
    (in a folder: not a story, or a draft without `drafts`)."""
    path = item.path
    try:
        # With a cover preset a post (a title, no cards) is checked as its cover.
        story = load_story(path, posts=slide_preset(options, theme).layout == "cover")
    except StoryError as exc:
        if not item.named and not is_story_file(path):
            return None
        return located([error_finding("story-invalid", one_line(path.name), exc)], str(path))
    if story.draft and not item.named and not drafts:
        return None
    findings = check_story(story, theme=theme, options=options, target=target)
    return located(findings, str(path))


def check_files(
    items: Sequence[StoryInput],
    *,
    theme: Theme,
    options: RenderOptions,
    target: Target | None = None,
    drafts: bool = False,
    jobs: int = 1,
) -> Iterator[tuple[StoryInput, tuple[Finding, ...] | None]]:
    """Each file with its findings (as `check_file`), in the order given. With `jobs` > 1
    the files are checked side by side in that many worker processes (worth it for a
    whole archive: each worker pays cardimg's start-up once)."""
    check = partial(check_file, theme=theme, options=options, target=target, drafts=drafts)
    jobs = min(jobs, len(items))
    if jobs <= 1:
        for item in items:
            yield item, check(item)
        return
    from .batch import local_pool  # its process pool: Ctrl-C and a killed parent handled

    pool = local_pool(jobs)
    try:
        chunk = max(1, min(16, len(items) // (4 * jobs)))
        yield from zip(items, pool.map(check, items, chunksize=chunk), strict=True)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
