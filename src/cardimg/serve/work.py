"""What a render worker of `cardimg serve` does with one request: plain values in, bytes
out, so a job crosses to a worker process and its answer comes back as it is.

Every function here is the library itself (`parse_story`, `render`, `Slide.encode`,
`Carousel.save`, `check_story`): the service is no third copy of the pipeline. A problem
is the library's own CardimgError, with its finding, which the server turns into JSON.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

from ..check import CheckedFile, check_report, check_story
from ..errors import CardimgError, OptionsError
from ..formats import encoder
from ..model import RenderOptions, SaveOptions
from ..presets import get_target
from ..render import render
from ..story import Story, parse_story
from ..theme import Theme, default_theme, load_theme

__all__ = ["Answer", "Job", "NoSuchSlide", "run", "warm"]

Kind = Literal["cover", "carousel", "check", "slide"]
# Every file of a ZIP gets this time: the same carousel gives the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class NoSuchSlide(CardimgError):
    """A slide number the story does not have (HTTP 404)."""


@dataclass(frozen=True)
class Job:
    """One request's work: the story's bytes and how to render it."""

    kind: Kind
    story: bytes
    name: str  # how messages name the story
    path: str | None = None  # the story file of a content folder (images are beside it)
    theme: str | None = None  # a built-in theme's name or a theme file, the operator's
    images: str | None = None  # the operator's folder of featured images
    preset: str | None = None
    format: str | None = None
    target: str | None = None
    quality: int | None = None
    slide: int | None = None  # 1-based, for kind "slide"


@dataclass(frozen=True)
class Answer:
    """What a job gives back: the body, its media type and a file name for it."""

    body: bytes
    media_type: str
    filename: str
    warnings: int = 0  # findings worth a warning (the story still rendered)


def warm(theme: str | None) -> None:
    """Run in each new worker: import and load what every job needs, once."""
    _theme(theme, _stamp(theme))


def run(job: Job) -> Answer:
    """Do one job (in a worker process). Raises CardimgError for what the client sent."""
    path = Path(job.path) if job.path else None
    story = parse_story(job.story, name=job.name, path=path, posts=True)  # a post: its cover
    theme = _theme(job.theme, _stamp(job.theme))
    if job.kind == "check":
        return _check(job, story, theme)
    if job.kind == "carousel":
        return _carousel(job, story, theme)
    return _image(job, story, theme)


def _options(job: Job, preset: str | None) -> RenderOptions:
    images = Path(job.images) if job.images else None
    return (
        RenderOptions(images_dir=images)
        if preset is None
        else RenderOptions(preset=preset, images_dir=images)
    )


def _image(job: Job, story: Story, theme: Theme) -> Answer:
    """A cover (kind "cover") or one slide of a carousel (kind "slide")."""
    preset = job.preset or ("og" if job.kind == "cover" else None)
    carousel = render(story, theme=theme, options=_options(job, preset))
    if job.kind == "cover" and carousel.preset.layout != "cover":
        raise OptionsError(
            f"preset {carousel.preset.name} makes a carousel, not a cover (use og or x)"
        )
    number = 1 if job.kind == "cover" else job.slide or 1
    if not 1 <= number <= len(carousel.slides):
        raise NoSuchSlide(f"{job.name}: no slide {number} (it has {len(carousel.slides)})")
    codec = encoder(job.format or "png")
    if not codec.per_slide:
        raise OptionsError(f"format {codec.name} is one document a story: use /v1/carousel")
    body = carousel.slides[number - 1].encode(codec.name, quality=job.quality)
    warnings = len(carousel.warnings)
    name = f"{'cover' if job.kind == 'cover' else f'{number:02d}'}.{codec.extension}"
    return Answer(body, codec.media_type, name, warnings)


def _carousel(job: Job, story: Story, theme: Theme) -> Answer:
    """Exactly what `Carousel.save` writes for the story, as a ZIP."""
    carousel = render(story, theme=theme, options=_options(job, job.preset))
    with tempfile.TemporaryDirectory(prefix="cardimg-serve-") as scratch:
        save = SaveOptions(format=job.format, target=job.target, quality=job.quality)
        written = carousel.save(scratch, save)
        root = Path(scratch)
        folder = next(iter(written)).relative_to(root).parts[0]
        body = _zipped(root / folder)
    return Answer(body, "application/zip", f"{folder}.zip", len(carousel.warnings))


def _zipped(folder: Path) -> bytes:
    """The folder's files in a ZIP, in name order, with fixed times: deterministic."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return out.getvalue()


def _check(job: Job, story: Story, theme: Theme) -> Answer:
    """The same JSON report as `cardimg check --format json`, for this one story."""
    target = get_target(job.target) if job.target else None
    preset = job.preset or (target.preset if target else None)
    findings = check_story(story, theme=theme, options=_options(job, preset), target=target)
    report = check_report([CheckedFile(job.name, findings)])
    body = json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    return Answer(body, "application/json", "check.json")


def _stamp(theme: str | None) -> tuple[int, int] | None:
    """What tells a theme file's versions apart: its size and time (None: built in)."""
    if theme is None or (os.path.sep not in theme and not theme.endswith(".toml")):
        return None
    try:
        info = os.stat(theme)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


@lru_cache(maxsize=8)
def _theme(theme: str | None, stamp: tuple[int, int] | None) -> Theme:
    """The theme, loaded once per version of its file (a theme is an immutable value)."""
    del stamp  # part of the cache key only
    return default_theme() if theme is None else load_theme(theme)


def with_slide(job: Job, number: int) -> Job:
    """The same job for another slide."""
    return replace(job, kind="slide", slide=number)
