"""Render many stories: in parallel, incrementally, safe to interrupt, on any Executor.

The parent process finds the story files, checks that no two stories share an output
folder, and fingerprints every input of a story's render (its render key, see
`renderkey`): the story file, the theme (its values and the contents of every font and
image file it names), the options, the featured image, the logo and a video's sound, and cardimg's
version and code. A story whose folder already holds a complete carousel recorded with
the same key is skipped: told first from what its manifest records, without parsing the
story (`renderkey.quick_folder`), else by loading it (cheap: front matter and Markdown,
no layout) to learn its slug and featured image. The others are sent out as small jobs.
Nothing of the renderer is imported here: a re-run of an up-to-date archive costs little
more than Python's start. A worker renders and encodes; on this machine it also writes
the story's folder (swapped in whole, see `folders`); on another machine
(`write_in_workers=False`, the default for executors that are not local) it sends the
encoded files back and the parent writes them the same way. Either way a worker returns
a few strings and numbers, never a `Carousel`, and at most a few jobs per worker are in
flight: the parent's memory does not grow with the number of stories.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    CancelledError,
    Executor,
    Future,
    wait,
)
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .dates import is_future
from .discover import StoryInput, find_stories, is_story_file
from .errors import CardimgError, OptionsError, StoryError, one_line, problem
from .findings import Finding, format_finding
from .folders import recover_output
from .named import NamedFile, file_name, index_time, read_index, write_files, write_index
from .named import record as named_record
from .options import RenderOptions, SaveOptions, slide_preset
from .presets import get_target
from .renderkey import (
    Fingerprints,
    Identity,
    KeyParts,
    Skipped,
    featured_path,
    identity,
    intact,
    is_complete,
    quick_folder,
    render_inputs,
)
from .storyfiles import safe_slug
from .targets import refuse_preset
from .theme import Theme, default_theme, load_theme

# The renderer, the story parser and the encoders are imported where a story is rendered
# (in a worker) or parsed: a re-run that finds every story up to date imports none of them.
if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor  # (imports multiprocessing)

    from .export import EncodedCarousel
    from .story import Story

_T = TypeVar("_T")

__all__ = ["BatchResult", "StoryInput", "StoryResult", "find_stories", "render_batch"]

# Jobs in flight per worker: enough to keep every worker busy, few enough that the
# parent holds (and, for remote workers, receives) little at a time.
_IN_FLIGHT_PER_WORKER = 2


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class StoryResult:
    """What became of one story: `status` is rendered, unchanged, failed, draft or
    not-story; `message` the error (failed) in one line, starting with the file's name."""

    path: Path
    status: str  # also future: a post dated after the batch's `now`, skipped
    slides: int = 0
    folder: Path | None = None
    warnings: tuple[str, ...] = ()
    message: str | None = None
    parts: tuple[str, ...] = ()  # the carousels a target split it into: 01-of-03, …
    # failed because the executor went away (a Dask cluster stopped): why, the same for
    # every story it took with it (the command line says it once)
    lost: str | None = None
    finding: Finding | None = None  # the failure as a value, where it is about the story
    named: tuple[NamedFile, ...] = ()  # with a --name pattern: the files written
    render_key: str | None = None  # with named files: what the index records them with


@dataclass
class BatchResult:
    """Counts of a batch, and its failures (path, message): no carousels, no pixels."""

    rendered: int = 0
    unchanged: int = 0
    failed: int = 0
    drafts: int = 0
    future: int = 0  # posts dated in the future, skipped (Hugo's rule; `future` renders them)
    slides: int = 0
    seconds: float = 0.0
    not_stories: list[Path] = field(default_factory=list)
    failures: list[tuple[Path, str]] = field(default_factory=list)

    def count(self, result: StoryResult) -> None:
        """Add one story's outcome to the counts (`render_batch` calls it as stories finish)."""
        if result.status == "rendered":
            self.rendered += 1
            self.slides += result.slides
        elif result.status == "unchanged":
            self.unchanged += 1
        elif result.status == "draft":
            self.drafts += 1
        elif result.status == "future":
            self.future += 1
        elif result.status == "not-story":
            self.not_stories.append(result.path)
        else:
            self.failed += 1
            self.failures.append((result.path, result.message or "failed"))


# --------------------------------------------------------------------------- jobs


@dataclass(frozen=True)
class _Settings:
    """What every story of a batch is rendered and saved with (sent with each job)."""

    out_dir: Path
    theme_file: Path | None
    identity: Identity  # the theme's fingerprint, cardimg's code digest (see renderkey)
    options: RenderOptions
    save: SaveOptions
    write_in_workers: bool
    # In a pool, stories run side by side: a worker encodes its slides one after another
    # rather than start threads that compete with the other workers for the same cores.
    encode_threads: int | None = None
    name: str | None = None  # a --name pattern: flat files, not a folder per story


@dataclass(frozen=True)
class _Job:
    """One story to render: its text (already read, fingerprinted by the parent), what
    the manifest names it, its key, and (for workers elsewhere) its image files' bytes."""

    path: Path
    text: str
    source: str | None
    key: str
    settings: _Settings
    files: tuple[tuple[str, str, bytes], ...] = ()  # (role, name, bytes): image, logo
    name_fields: tuple[tuple[str, str], ...] | None = None  # --name's fields but {n}


@dataclass(frozen=True)
class _Outcome:
    """A worker's answer: a result, and the encoded files when the parent writes them."""

    result: StoryResult
    encoded: EncodedCarousel | None = None
    files: tuple[tuple[str, bytes], ...] = ()  # named files for the parent to write


_THEMES: dict[tuple[Path | None, str], Theme] = {}  # per worker; keyed by content


def _theme(settings: _Settings) -> Theme:
    key = (settings.theme_file, settings.identity.theme)
    theme = _THEMES.get(key)
    if theme is None:  # workers may be threads: build, then publish, never read back
        theme = load_theme(settings.theme_file) if settings.theme_file else default_theme()
        _THEMES.clear()
        _THEMES[key] = theme
    return theme


def _run_job(job: _Job) -> _Outcome:
    """Render one story (in a worker): never raises for a problem of the story."""
    import tempfile

    from .export import encode_carousel, write_carousel
    from .render import render
    from .story import parse_story

    name = one_line(job.path.name)
    try:
        with tempfile.TemporaryDirectory(prefix="cardimg-") as scratch:
            options = _with_shipped_files(job, Path(scratch))
            theme = _theme(job.settings)
            posts = slide_preset(options, theme).layout == "cover"
            story = parse_story(job.text, name=name, path=job.path, posts=posts)
            carousel = render(story, theme=theme, options=options)
            encoded = encode_carousel(
                carousel,
                job.settings.save,
                source=job.source,
                render_key=job.key,
                render_inputs=render_inputs(story, job.path, job.settings.identity),
                threads=job.settings.encode_threads,
            )
        slides, warnings = len(carousel.slides), tuple(carousel.warnings)
        del carousel  # the pixels: gone before the files are written
        if job.name_fields is not None:
            return _named_outcome(job, encoded, slides, warnings)
        folder = job.settings.out_dir / encoded.folder
        parts = tuple(upload.folder for upload in encoded.uploads if upload.folder)
        result = StoryResult(job.path, "rendered", slides, folder, warnings, parts=parts)
        if not job.settings.write_in_workers:
            return _Outcome(result, encoded)
        write_carousel(encoded, job.settings.out_dir)
        return _Outcome(result)
    except Exception as exc:  # one bad story never stops the others
        return _Outcome(_failed(job.path, name, exc))


def _named_outcome(
    job: _Job, encoded: EncodedCarousel, slides: int, warnings: tuple[str, ...]
) -> _Outcome:
    """A story's files under the names --name gives them (slide by slide, `{n}` from 1),
    written here or sent back to the parent to write."""
    settings = job.settings
    assert settings.name is not None and job.name_fields is not None
    fields: dict[str, object] = dict(job.name_fields)
    files: list[tuple[str, bytes]] = []
    records: list[NamedFile] = []
    for upload in encoded.uploads:
        alts = [str(slide.get("alt", "")) for slide in upload.record.get("slides", [])]
        for index, (_, data) in enumerate(upload.files):
            name = file_name(settings.name, {**fields, "n": len(files) + 1})
            files.append((name, data))
            records.append(named_record(name, data, alts[index] if index < len(alts) else ""))
    out = settings.out_dir
    first = out / files[0][0]
    result = StoryResult(
        job.path, "rendered", slides, first, warnings, named=tuple(records), render_key=job.key
    )
    if not settings.write_in_workers:
        return _Outcome(result, files=tuple(files))
    write_files(out, files)
    return _Outcome(result)


def _with_shipped_files(job: _Job, scratch: Path) -> RenderOptions:
    """Options that point at this job's image files, written to `scratch` when they came
    with the job (a worker on a machine without the parent's files)."""
    options = job.settings.options
    for role, name, data in job.files:
        path = scratch / role / name
        path.parent.mkdir()
        path.write_bytes(data)
        if role == "image":
            options = replace(options, images_dir=path.parent)
        else:
            options = replace(options, logo=path)
    return options


def _failed(path: Path, name: str, exc: Exception) -> StoryResult:
    """A story that failed: its one-line message, and its finding where the error has one
    (a value that crossed from the worker whole, not a message to parse)."""
    finding = exc.finding if isinstance(exc, CardimgError) else None
    return StoryResult(path, "failed", message=_failure(name, exc), finding=finding)


def _failure(name: str, exc: Exception) -> str:
    if isinstance(exc, CardimgError):
        if exc.finding is not None:
            return format_finding(exc.finding)  # it names the story file itself
        return f"{name}: {exc}"
    if isinstance(exc, OSError):
        where = f"cannot write {exc.filename}" if exc.filename else "cannot write the output"
        return f"{name}: {where}: {exc.strerror or exc}"
    return f"{name}: internal error ({type(exc).__name__}: {exc}); please report it"


# --------------------------------------------------------------------------- planning


class _Planner:
    """Turns story files into jobs, in order: not stories, drafts, slug clashes and
    unchanged stories are answered here, in the parent, before any work is sent out."""

    def __init__(self, settings: _Settings, theme: Theme, when: _When) -> None:
        self.settings, self.theme, self.when = settings, theme, when
        self.keys = KeyParts(
            settings.options, settings.save, theme, settings.identity, settings.name, Fingerprints()
        )
        self.claimed: dict[Path, Path] = {}  # output folder -> the story that has it
        self.preset = slide_preset(settings.options, theme)
        self.names: dict[str, Path] = {}  # --name: file -> the story that writes it
        self.sources: dict[Path, str] = {}  # story file -> its key in the index
        self.index = read_index(settings.out_dir) if settings.name else {}
        self.index_time = index_time(settings.out_dir) if settings.name else 0
        self.before_render: Callable[[], None] | None = None  # see `render_batch`

    def plan(self, item: StoryInput) -> _Job | StoryResult:
        planned = self._plan(item)
        if isinstance(planned, _Job) and self.before_render is not None:
            before, self.before_render = self.before_render, None
            before()  # once, before the first story that needs rendering (see render_batch)
        return planned

    def _plan(self, item: StoryInput) -> _Job | StoryResult:
        path = item.path
        name = one_line(path.name or str(path))
        if not self.when.force and self.settings.name is None:
            unchanged = self._quick(item)
            if unchanged is not None:
                return unchanged
        from .story import load_story  # (only for a story that may need rendering)

        posts = self.preset.layout == "cover"  # a post (no cards) makes only a cover
        try:
            # The sources list is the worker's to read: nothing here depends on it.
            story = load_story(path, posts=posts, sources=False)
            data = path.read_bytes()
        except StoryError as exc:
            if not item.named and not is_story_file(path):
                return StoryResult(path, "not-story")
            return StoryResult(path, "failed", message=str(exc), finding=exc.finding)
        except OSError as exc:
            return StoryResult(path, "failed", message=f"{name}: cannot read: {exc.strerror}")
        if story.draft and not item.named and not self.when.drafts:
            return StoryResult(path, "draft")
        if self._future(story) and not item.named:
            return StoryResult(path, "future")
        if self.settings.name is not None:
            return self._named_job(item, story, data)
        folder = self.settings.out_dir / safe_slug(story.slug)
        if folder in self.claimed:
            return StoryResult(path, "failed", message=self._clash(name, story, folder))
        self.claimed[folder] = path
        try:
            return self._job(item, story, data, folder)
        except (CardimgError, OSError, ValueError) as exc:
            return _failed(path, name, exc)

    def _quick(self, item: StoryInput) -> StoryResult | None:
        """The story as unchanged, when its folder is up to date and no story before it
        in this batch took that folder; told without parsing it (see `quick_folder`)."""
        named = item.named  # a file named on the command line renders even as a draft
        skipped = Skipped(self.when.drafts or named, self.when.future or named, self.when.now)
        try:
            out = self.settings.out_dir
            folder = quick_folder(item.path, _source(item), out, self.keys, skipped)
        except (CardimgError, OSError, ValueError):
            return None  # the parse and the whole key tell what is wrong
        if folder is None or folder in self.claimed:
            return None
        self.claimed[folder] = item.path
        return StoryResult(item.path, "unchanged", folder=folder)

    def _clash(self, name: str, story: Story, folder: Path) -> str:
        return (
            f"{name}: slug: {story.slug!r} gives the same output folder {folder} as "
            f"{self.claimed[folder]}; not overwritten (give one story another slug)"
        )

    def _future(self, story: Story) -> bool:
        """A post published after the batch's `now` (Hugo's rule: `publishDate`, else
        `date`), unless future posts are asked for."""
        if story.post is None or self.when.future:
            return False
        return is_future(story.post.publish_date or story.date, self.when.now)

    def _named_job(self, item: StoryInput, story: Story, data: bytes) -> _Job | StoryResult:
        """A story written to the files --name gives it. Two stories naming the same file
        stop the batch (an OptionsError naming both) before anything is written."""
        assert self.settings.name is not None
        source = _source(item)
        parts = Path(source).parts
        fields = {
            "slug": safe_slug(story.slug),
            "section": parts[0] if len(parts) > 1 else "",
            "lang": story.lang or "",
            "preset": self.preset.name,
        }
        first = file_name(self.settings.name, {**fields, "n": 1})
        if first in self.names:
            raise OptionsError(
                f"--name {self.settings.name!r}: {self.names[first]} and {item.path} would "
                f"both write {first}; nothing written (give one another slug, or use {{slug}})"
            )
        self.names[first] = item.path
        self.sources[item.path] = source
        key = self.keys.key(data, source, featured_path(story, self.settings.options.images_dir))
        entry = self.index.get(source, {})
        if not self.when.force and entry.get("render_key") == key and self._intact(entry):
            return StoryResult(item.path, "unchanged", folder=self.settings.out_dir / first)
        files = () if self.settings.write_in_workers else self._shipped(story)
        text = data.decode("utf-8")
        return _Job(item.path, text, source, key, self.settings, files, tuple(fields.items()))

    def _intact(self, entry: dict[str, Any]) -> bool:
        """Whether every file the index records for a story is there as written."""
        try:
            recorded = entry["files"]
            out = self.settings.out_dir
            return bool(recorded) and all(
                intact(out, name, recorded, self.index_time) for name in recorded
            )
        except (OSError, KeyError, TypeError, AttributeError):
            return False

    def _job(self, item: StoryInput, story: Story, data: bytes, folder: Path) -> _Job | StoryResult:
        settings = self.settings
        source = _source(item)
        key = self.keys.key(data, source, featured_path(story, settings.options.images_dir))
        if not self.when.force and is_complete(folder, key, settings.save.contact_sheet):
            return StoryResult(item.path, "unchanged", folder=folder)
        files = () if settings.write_in_workers else self._shipped(story)
        return _Job(item.path, data.decode("utf-8"), source, key, settings, files)

    def _shipped(self, story: Story) -> tuple[tuple[str, str, bytes], ...]:
        """The image files a worker elsewhere needs: the featured image and the logo."""
        options = self.settings.options
        found = [
            ("image", featured_path(story, options.images_dir)),
            ("logo", options.logo or self.theme.frame.logo),
        ]
        return tuple(
            (role, path.name, path.read_bytes())
            for role, path in found
            if path is not None and Path(path).is_file()
        )


@dataclass(frozen=True)
class _When:
    """Which stories a batch renders: `force` renders unchanged ones, `drafts` drafts,
    `future` posts dated after `now` (the batch's start, or what a test fixes)."""

    force: bool
    drafts: bool
    future: bool
    now: datetime


def _source(item: StoryInput) -> str:
    """The story file as the manifest names it: relative to the folder the user named
    (never a local path that says where someone's files live), else its name."""
    relative = os.path.relpath(os.path.abspath(item.path), os.path.abspath(item.root))
    if not relative.startswith(os.pardir):
        return Path(relative).as_posix()
    return item.path.name


# --------------------------------------------------------------------------- running


def render_batch(
    paths: Iterable[str | Path | StoryInput],
    out_dir: str | Path,
    *,
    executor: Executor | None = None,
    theme: str | Path | None = None,
    options: RenderOptions | None = None,
    save: SaveOptions | None = None,
    format: str | None = None,
    target: str | None = None,
    quality: int | None = None,
    contact_sheet: bool = False,
    force: bool = False,
    drafts: bool = False,
    future: bool = False,
    now: datetime | None = None,
    name: str | None = None,
    write_in_workers: bool | None = None,
    on_story: Callable[[StoryResult], None] | None = None,
    before_render: Callable[[], None] | None = None,
    **overrides: object,
) -> BatchResult:
    """Render every story of `paths` (files, or folders of *.md files) into `out_dir`.

    `theme` is a built-in theme's name or a theme TOML file (default: the default
    theme); `options` and keyword `overrides` (`preset=`, `sources=`...) are those of
    `render`; `save` (or `format`, `target`, `quality` and `contact_sheet` by keyword) are
    those of `Carousel.save`.
    `executor` is any `concurrent.futures.Executor` (a process pool, a Dask client's
    `get_executor()`); without one, stories render one after another in this process.
    Workers of a process or thread pool write their stories' folders themselves; any
    other executor's workers send the encoded files back (`write_in_workers=False`), so
    they need no storage shared with this machine. Stories whose folder already holds
    the carousel of the same inputs are skipped unless `force`. `on_story` is called
    with each story's result as it comes. Ctrl-C stops the batch at once: finished
    stories stay, unfinished ones keep their previous carousel. `before_render` is called
    once, here, before the first story that needs rendering is sent out (never when every
    story is up to date); what it raises stops the batch.

    With a cover preset, a file with a `title` and no `cards` is a post and gets a cover;
    a post dated after `now` (default: when the batch starts) is skipped unless
    `future`. `name` (a pattern such as `"{slug}.png"`, see `cardimg.named`) writes
    flat files instead of a folder per story, and `cardimg-index.json` beside them.
    """
    started = time.monotonic()
    out = Path(out_dir)
    if write_in_workers is None:
        local = executor is None or isinstance(executor, _LazyPool)
        write_in_workers = local or _is_pool(executor, "process") or _is_pool(executor, "thread")
    theme_obj = load_theme(theme) if theme is not None else default_theme()
    if save is not None and ((format, target, quality) != (None, None, None) or contact_sheet):
        raise OptionsError("give the save options as SaveOptions or by keyword, not both")
    save = save or SaveOptions(format, target, quality, contact_sheet)
    settings = _Settings(
        out_dir=out,
        theme_file=Path(theme) if theme is not None else None,
        identity=identity(theme_obj, out),
        options=replace(options or RenderOptions(), **overrides),  # type: ignore[arg-type]
        save=save,
        write_in_workers=write_in_workers,
        encode_threads=None if executor is None else 1,
        name=name,
    )
    if name is not None:
        _check_name(name, settings, theme_obj)
    if save.target is not None:  # a preset the platform refuses: refused once, before any story
        rules = get_target(save.target) if isinstance(save.target, str) else save.target
        refuse_preset(rules, slide_preset(settings.options, theme_obj))
    when = _When(force, drafts, future, now or datetime.now(UTC))
    result = _run_batch(paths, settings, theme_obj, executor, when, on_story, before_render)
    result.seconds = time.monotonic() - started
    return result


def _check_name(name: str, settings: _Settings, theme: Theme) -> None:
    """A --name pattern that cannot work is refused before any story is read."""
    from .named import check_pattern

    preset = slide_preset(settings.options, theme)
    check_pattern(name, carousel=preset.layout != "cover")
    if settings.save.contact_sheet:
        raise OptionsError("--name writes only the named files: no --contact-sheet with it")


def _run_batch(
    paths: Iterable[str | Path | StoryInput],
    settings: _Settings,
    theme: Theme,
    executor: Executor | None,
    when: _When,
    on_story: Callable[[StoryResult], None] | None,
    before_render: Callable[[], None] | None = None,
) -> BatchResult:
    """Plan every story and render the ones to do, here or on `executor`, reporting each."""
    out = settings.out_dir
    recover_output(out)  # a save cut short by a kill: finish or undo it first
    planner = _Planner(settings, theme, when)
    planner.before_render = before_render
    result = BatchResult()
    written: dict[str, dict[str, Any]] = {}  # --name: the index's new records

    def report(story: StoryResult) -> None:
        result.count(story)
        if story.named:
            written[planner.sources[story.path]] = _index_record(story)
        if on_story is not None:
            on_story(story)

    planned: Iterator[_Job | StoryResult] = (planner.plan(item) for item in _inputs(paths))
    if settings.name is not None:  # every name known (and no two the same) before a write
        planned = iter(list(planned))
    try:
        _run_planned(planned, executor, report, out)
    finally:
        if written:
            write_index(out, {**planner.index, **written})
    return result


def _index_record(story: StoryResult) -> dict[str, Any]:
    files = {f.name: {"bytes": f.bytes, "sha256": f.sha256, "alt": f.alt} for f in story.named}
    return {"render_key": story.render_key, "files": files}


def _run_planned(
    planned: Iterator[_Job | StoryResult],
    executor: Executor | None,
    report: Callable[[StoryResult], None],
    out: Path,
) -> None:
    if executor is None:
        for job in planned:
            report(_write(_run_job(job), out) if isinstance(job, _Job) else job)
    else:
        _run_on(executor, planned, report, out)


def _inputs(paths: Iterable[str | Path | StoryInput]) -> Iterator[StoryInput]:
    for path in paths:
        if isinstance(path, StoryInput):
            yield path
        else:
            yield from find_stories([path])


def _write(outcome: _Outcome, out: Path) -> StoryResult:
    """A worker's outcome, its files written here when it sent them."""
    if outcome.encoded is None and not outcome.files:
        return outcome.result
    try:
        if outcome.files:
            write_files(out, list(outcome.files))
        elif outcome.encoded is not None:
            from .export import write_carousel

            write_carousel(outcome.encoded, out)
    except (CardimgError, OSError) as exc:
        name = one_line(outcome.result.path.name)
        return _failed(outcome.result.path, name, exc)
    return outcome.result


def _run_on(
    executor: Executor,
    planned: Iterator[_Job | StoryResult],
    report: Callable[[StoryResult], None],
    out: Path,
) -> None:
    """Keep a few jobs per worker in flight; report results in the order they finish.
    When the executor goes away (a Dask scheduler stopped), nothing more is sent: every
    story not yet back is reported as not rendered, and planning goes on (unchanged
    stories are still told apart) so that the summary counts every story."""
    limit = _IN_FLIGHT_PER_WORKER * max(1, getattr(executor, "_max_workers", 0) or 4)
    batch = _Flight(executor, report, out)
    try:
        for job in planned:
            if not isinstance(job, _Job):
                report(job)
            elif batch.gone is not None:
                report(batch.not_rendered(job.path))
            else:
                batch.submit(job)
                while len(batch.running) >= limit:
                    batch.collect()
        while batch.running:
            batch.collect()
    except BaseException:
        for future in batch.running:
            future.cancel()
        _stop_workers(executor)
        recover_output(out)  # folders the stopped workers were writing: back as they were
        raise


class _Flight:
    """The jobs sent to an executor and not yet back, and whether the executor is gone."""

    def __init__(
        self, executor: Executor, report: Callable[[StoryResult], None], out: Path
    ) -> None:
        self.executor, self.report, self.out = executor, report, out
        self.running: dict[Future[_Outcome], Path] = {}
        self.gone: str | None = None  # why the executor can take no more work

    def submit(self, job: _Job) -> None:
        try:
            self.running[self.executor.submit(_run_job, job)] = job.path
        except BrokenExecutor as exc:  # a worker died (killed, out of memory)
            self.report(StoryResult(job.path, "failed", message=_lost(job.path, exc)))
        except Exception as exc:  # a closed Dask client: the cluster went away
            self._lose(exc)
            self.report(self.not_rendered(job.path))

    def collect(self) -> None:
        done, _ = wait(self.running, return_when=FIRST_COMPLETED)
        for future in sorted(done, key=lambda f: self.running[f]):
            path = self.running.pop(future)
            try:
                outcome = future.result()
            except CancelledError as exc:  # never cancelled here: the executor dropped it
                self._lose(exc)
                self.report(self.not_rendered(path))
            except Exception as exc:  # the worker itself died or could not be reached
                self.report(StoryResult(path, "failed", message=_lost(path, exc)))
            else:
                self.report(_write(outcome, self.out))
        if self.gone is not None:  # the rest will not come back either: do not wait for it
            for future in sorted(self.running, key=lambda f: self.running[f]):
                future.cancel()
                self.report(self.not_rendered(self.running[future]))
            self.running.clear()

    def _lose(self, exc: BaseException) -> None:
        if self.gone is None:
            self.gone = _gone(self.executor, exc)

    def not_rendered(self, path: Path) -> StoryResult:
        why = self.gone or "its executor went away"
        message = one_line(f"{path.name}: not rendered: {why}")
        return StoryResult(path, "failed", message=message, lost=why)


def _gone(executor: Executor, exc: BaseException) -> str:
    """Why an executor can take no more work, in words for the person who started it."""
    if type(executor).__module__.split(".")[0] == "distributed":
        return "the Dask cluster went away (its scheduler stopped, or cannot be reached)"
    detail = f": {type(exc).__name__}: {exc}" if str(exc) else f": {type(exc).__name__}"
    return one_line(f"the executor went away{detail}")


def _lost(path: Path, exc: Exception) -> str:
    """Why a story's work never came back."""
    if isinstance(exc, BrokenExecutor):
        why = "a worker process stopped (killed, or out of memory)"
    else:
        detail = f": {exc}" if str(exc) else ""
        why = f"its worker failed ({type(exc).__name__}{detail})"
    return one_line(f"{path.name}: not rendered: {why}")


def _stop_workers(executor: Executor) -> None:
    """Stop a process pool's workers now, mid-story (their half-written staging folders
    are recovered by the caller); other executors only drop their queued work."""
    if isinstance(executor, _LazyPool):
        if not executor.started:
            return  # no pool made yet: no worker, no queue
        executor = executor.pool()
    if _is_pool(executor, "process"):
        _quiet_pool_threads(executor)
        terminate = getattr(executor, "terminate_workers", None)  # Python 3.14+
        processes = list((getattr(executor, "_processes", None) or {}).values())
        if terminate is not None:
            terminate()
        for process in processes:
            with contextlib.suppress(Exception):
                process.kill()
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(10)
    with contextlib.suppress(Exception):
        executor.shutdown(wait=False, cancel_futures=True)


def _is_pool(executor: Executor | None, kind: str) -> bool:
    """A ProcessPoolExecutor (`kind` "process") or a ThreadPoolExecutor ("thread"), told
    without importing its module (multiprocessing, queues) when no such pool was ever
    made: then nothing can be one."""
    module = sys.modules.get(f"concurrent.futures.{kind}")
    pool = getattr(module, f"{kind.title()}PoolExecutor", None)
    return pool is not None and isinstance(executor, pool)


def _quiet_pool_threads(executor: Executor) -> None:
    """The pool's own manager thread raises (cancelled, broken pool) when its workers are
    stopped on purpose: that is not news to the user, who pressed Ctrl-C. Errors of every
    other thread still reach the previous hook."""
    manager = getattr(executor, "_executor_manager_thread", None)
    if manager is None:
        return
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if args.thread is not manager:
            previous(args)

    threading.excepthook = hook


# --------------------------------------------------------------------------- local pool


def local_pool(jobs: int) -> _LazyPool:
    """A pool of `jobs` worker processes for a batch on this machine. Workers leave
    Ctrl-C to the parent (which stops them) and die with it, even when it is killed."""
    return _LazyPool(jobs)


class _LazyPool(Executor):
    """A process pool made with its first job, its workers all started then (with Ctrl-C
    ignored while they start): a batch decides in this process which stories are
    unchanged, so a re-run of an up-to-date archive starts no worker, makes none of the
    pool's queues (their semaphores start multiprocessing's resource tracker, one more
    interpreter), and does not even import multiprocessing."""

    def __init__(self, jobs: int) -> None:
        self._max_workers = jobs  # (how many jobs a batch keeps in flight: see _run_on)
        self._pool: ProcessPoolExecutor | None = None
        self._parent = os.getpid()

    @property
    def started(self) -> bool:
        return self._pool is not None

    @property
    def _processes(self) -> dict[int, Any]:
        """The pool's worker processes (none before it is made)."""
        return dict(getattr(self._pool, "_processes", None) or {})

    def pool(self) -> ProcessPoolExecutor:
        """The process pool, made now if it is not yet, every worker started."""
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(
                max_workers=self._max_workers,
                mp_context=multiprocessing.get_context("spawn"),  # no fork of a threaded parent
                initializer=_worker_start,
                initargs=(self._parent,),
            )
            _start_workers_deaf(self._pool, self._max_workers)
        return self._pool

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        return self.pool().submit(fn, *args, **kwargs)

    def map(
        self,
        fn: Callable[..., _T],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[_T]:
        # The pool's own map: it sends the items in chunks of `chunksize`.
        return self.pool().map(fn, *iterables, timeout=timeout, chunksize=chunksize)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._pool is not None:  # else there is nothing to stop
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _start_workers_deaf(pool: ProcessPoolExecutor, jobs: int) -> None:
    """Start every worker now, with Ctrl-C ignored while they start: a worker inherits
    that, so a Ctrl-C while it is still importing cardimg (before `_worker_start` runs)
    does not print its traceback. (A pool starts one worker per task submitted until it
    has them all; the parent hears Ctrl-C again as soon as they are started.)"""
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may change signal handlers; workers start on demand
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        for _ in range(jobs):
            pool.submit(os.getpid)
    finally:
        signal.signal(signal.SIGINT, previous)


def _worker_start(parent: int) -> None:
    import warnings

    warnings.simplefilter("ignore", RuntimeWarning)  # the parent says it once
    # Ctrl-C and SIGTERM sent to the whole process group are the parent's to handle: it
    # stops the workers itself and says so once.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    with contextlib.suppress(Exception):  # Linux: the kernel kills us when the parent dies
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:  # elsewhere: notice the parent is gone within half a second
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


# A scheduler's address as Dask takes it: tcp:// or tls://, a host name, an IPv4 address
# or an IPv6 one in brackets, and a port. Checked here, before Dask sees it: Dask answers
# a malformed address with a traceback, or (a port over 65535) tries to connect to it.
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_SCHEMES = ("tcp", "tls")


def scheduler_address(address: str) -> str:
    """`address` as `SCHEME://HOST:PORT` (tcp:// when no scheme is given), or an
    OptionsError saying what is wrong with it, in one line."""
    shown = address if address.isprintable() and address.strip() else repr(address)

    def refuse(why: str) -> OptionsError:
        return OptionsError(f"--scheduler: {shown}: {why} (expected tcp://HOST:PORT)")

    if not address.isprintable() or any(char.isspace() for char in address) or not address:
        raise refuse("not an address")
    scheme, found, rest = address.partition("://")
    if not found:
        scheme, rest = "tcp", address
    if scheme.lower() not in _SCHEMES:
        raise refuse(f"{scheme}:// is not a Dask scheduler's scheme (tcp:// or tls://)")
    if any(char in rest for char in "/?#@"):
        raise refuse("an address has no path, query or user name")
    if rest.startswith("["):
        host, bracket, after = rest.partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise refuse("an IPv6 address is [ADDRESS] followed by :PORT")
        host, port = host + "]", after[1:] if after else None
    elif rest.count(":") > 1:
        raise refuse("more than one colon (an IPv6 address goes in brackets: [::1]:8786)")
    else:
        host, colon, port = rest.partition(":")
        port = port if colon else None
    if not _valid_host(host):
        raise refuse(f"{host} is not a host name or IP address" if host else "no host")
    if port is None or not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        raise refuse("no port" if port is None else f"port {port or '(empty)'} is not 1 to 65535")
    return f"{scheme.lower()}://{host}:{int(port)}"


def _valid_host(host: str) -> bool:
    """A host name (letters, digits, hyphens, dots), an IPv4 address or a bracketed IPv6."""
    import ipaddress

    if host.startswith("["):
        try:
            return host.endswith("]") and ipaddress.ip_address(host[1:-1]).version == 6
        except ValueError:
            return False
    labels = host.removesuffix(".").split(".")
    if not host.isascii() or len(host) > 253 or not all(map(_HOST_LABEL.fullmatch, labels)):
        return False
    if all(label.isdigit() for label in labels):  # looks like IPv4: must be one
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return False
    return True


@contextlib.contextmanager
def dask_executor(address: str) -> Iterator[Executor]:
    """An Executor running on the Dask distributed scheduler at `address`
    (tcp://HOST:PORT); needs the `dask` extra (`pip install "cardimg[dask]"`)."""
    address = scheduler_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise CardimgError(
            '--scheduler needs Dask distributed: pip install "cardimg[dask]"'
        ) from None
    if address.startswith("tcp://"):
        _probe_scheduler(address)
    with _dask_logs_quiet():
        try:
            client = Client(address, timeout="5s")
        except Exception as exc:  # refused, timed out, a TLS scheduler without certificates
            why = one_line(str(exc)) or type(exc).__name__
            raise CardimgError(f"--scheduler: cannot reach {address}: {why}") from None
        try:
            yield client.get_executor(pure=False)
        finally:
            with contextlib.suppress(Exception):  # a scheduler gone: nothing left to close
                client.close(timeout=5)


_PROBE_SECONDS = 5.0


def _probe_scheduler(address: str) -> None:
    """A CardimgError unless a Dask scheduler answers at `address` (tcp://) within a few
    seconds. Dask waits much longer (a minute and more) on a port where something else
    listens, an HTTP server say, that never answers its handshake; a Dask scheduler
    speaks first, the moment it accepts a connection, so hearing nothing is telling."""
    import socket

    host, _, port = address.removeprefix("tcp://").rpartition(":")
    connected, said = False, None
    try:
        with socket.create_connection((host.strip("[]"), int(port)), _PROBE_SECONDS) as conn:
            connected = True
            conn.settimeout(_PROBE_SECONDS)
            said = conn.recv(1)
    except TimeoutError:
        pass
    except OSError as exc:  # refused, no route, no such host
        raise CardimgError(f"--scheduler: cannot reach {address}: {problem(exc)}") from None
    if said:
        return
    if not connected:
        why = f"no answer within {_PROBE_SECONDS:.0f} s"
    else:
        did = "says nothing" if said is None else "hangs up"
        why = f"something listens there but {did}: not a Dask scheduler"
    raise CardimgError(f"--scheduler: cannot reach {address}: {why}")


@contextlib.contextmanager
def _dask_logs_quiet() -> Iterator[None]:
    """Dask's client logs a lost scheduler with tracebacks, several times over; cardimg
    says it once in its own words (see `_gone`), so Dask's logs wait until it is done."""
    import logging

    names = ["distributed", "tornado", "asyncio"]
    names += [name for name in logging.root.manager.loggerDict if name.startswith("distributed.")]
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
