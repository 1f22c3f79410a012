"""Write a carousel to disk: slide images, manifest.json and caption.txt.

A story's folder is written whole in a hidden staging folder beside it, then swapped in
with renames, so it is always either the previous complete carousel or the new one; an
interrupted save is finished or undone by the next one (`recover_folder`).

manifest.json describes the last save (`format`, and `file` for each slide) and lists, in
`formats`, the slide files of every format in the folder that shows this same carousel.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from PIL import Image

from .caption import CAPTION_LIMIT, caption_text
from .errors import CardimgError, OptionsError
from .findings import finding_dict
from .folders import (
    CONTACT_SHEET,
    STAGING_SUFFIX,
    output_lock,
    recover_folder,
    recover_output,
)
from .folders import sibling as _sibling
from .folders import swap_in as _swap_in
from .formats import Encoder, Page, encoder
from .model import SaveOptions, pixels, to_encode
from .presets import Target, get_target
from .story import safe_slug
from .targets import TargetError, choose_format, refuse_preset, split_slides, trim_at_word
from .timing import Timeline, split_by_time, timeline
from .video import webvtt

if TYPE_CHECKING:
    from .model import Carousel, Slide
    from .story import Story

__all__ = [
    "CAPTION_LIMIT",
    "EncodedCarousel",
    "caption_text",
    "encode",
    "encode_carousel",
    "manifest",
    "recover_folder",
    "recover_output",
    "save_carousel",
    "slide_labels",
    "write_carousel",
]

_PART_FOLDER = re.compile(r"^\d{2}-of-\d{2}$")  # a carousel split for a target: 01-of-03
# A slide over a target's file size is encoded again at these JPEG qualities, in turn;
# below the last, text edges show blocks at phone size: the slide is refused instead.
_FALLBACK_QUALITIES = (85, 78, 70)
# What an interrupted save of cardimg 0.x left beside the file it was replacing.
_OLD_TEMP_FILE = re.compile(r"^\.(?:\d{2,3}\.(?:png|jpe?g)|manifest\.json|caption\.txt)\..+\.tmp$")


def encode(image: Image.Image, image_format: str, quality: int | None = None) -> bytes:
    """One slide's file bytes in a per-slide format (see `formats.encoders()`); the same pixels
    always give the same bytes (see `formats`)."""
    return encoder(image_format).encode([image], quality=quality)


def save_carousel(
    carousel: Carousel,
    out_dir: Path,
    options: SaveOptions | None = None,
    *,
    source_root: Path | None = None,
    render_key: str | None = None,
) -> list[Path]:
    """Write the carousel into `out_dir/<safe slug>/` as `options` say, and return the
    paths written.

    The format is the one asked for, else the target's, else the preset's (PNG; PDF for
    `linkedin`). A `target` enforces a platform's rules: its formats, its file size (a
    JPEG is encoded again at lower quality; what still does not fit is an error naming
    the slide), its slides per carousel (more are split into `01-of-03/`… folders, each
    a whole carousel with its manifest and caption), its alt-text and caption limits.
    `render_key` (a batch's fingerprint of the inputs) is recorded in the manifest.

    The folder is swapped in whole: it is always either the previous complete carousel or
    the new one, whatever interrupts the save. Slides of another format and files that
    are not cardimg's are kept.
    """
    _check_out_dir(out_dir)
    encoded = encode_carousel(  # before the folder is touched: a refusal leaves it as it is
        carousel,
        options or SaveOptions(),
        source=_source(carousel.story, source_root),
        render_key=render_key,
    )
    return write_carousel(encoded, out_dir)


@dataclass(frozen=True)
class EncodedUpload:
    """One upload's files as bytes (see `_Upload`), and its manifest before `formats`."""

    folder: str
    names: tuple[str, ...]  # per slide (a document: its one name, once per page)
    files: tuple[tuple[str, bytes], ...]
    record: dict[str, Any]  # manifest.json
    caption: str
    whole: bool  # the story's only upload: its manifest lists the folder's formats


@dataclass(frozen=True)
class EncodedCarousel:
    """A carousel's files, encoded and ready to write: small, plain values, so a batch
    worker on another machine can send them back to be written (`write_carousel`)."""

    folder: str  # the safe slug
    codec: str
    extension: str
    uploads: tuple[EncodedUpload, ...]
    contact_sheet: bytes | None = None


def encode_carousel(
    carousel: Carousel,
    options: SaveOptions | None = None,
    *,
    source: str | None = None,
    render_key: str | None = None,
    render_inputs: Mapping[str, object] | None = None,
    threads: int | None = None,
) -> EncodedCarousel:
    """Every file of a save, as bytes, touching no disk (see `save_carousel`); `source`
    is the story file as the manifest names it; `render_key` and `render_inputs` (a
    batch's: see `renderkey`) are recorded in it. `threads` encode slides side by side (one
    per core by default; a batch worker, one of several stories at once, uses one)."""
    options = options or SaveOptions()
    target, quality = options.target, options.quality
    rules = get_target(target) if isinstance(target, str) else target
    codec = encoder(choose_format(rules, options.format, carousel.preset))
    _check_target(carousel, rules)
    folder = safe_slug(carousel.story.slug)
    uploads = _uploads(carousel, codec, rules)
    if codec.timed:  # a video for each upload (a story longer than the target: parts)
        files = [_video(carousel, codec, rules, quality, u, options.audio) for u in uploads]
    else:
        files = _encode_files(carousel, codec, rules, quality, title=folder, threads=threads)
    save = _Save(carousel, codec, rules, source, folder, render_key, render_inputs)
    sheet = None
    if options.contact_sheet:
        sheet = encode(carousel.contact_sheet(format=codec.name, target=rules), "png")
    return EncodedCarousel(
        folder, codec.name, codec.extension, tuple(save.upload(u, files) for u in uploads), sheet
    )


def _check_out_dir(out_dir: Path) -> None:
    """An output folder that is a file (or under one) is the caller's mistake: an
    OptionsError, said before anything is encoded, not an OSError from deep inside."""
    for folder in (out_dir, *out_dir.parents):
        if os.path.lexists(folder):
            if not folder.is_dir():
                raise OptionsError(f"output folder {out_dir}: {folder} is not a folder")
            return


def write_carousel(encoded: EncodedCarousel, out_dir: Path) -> list[Path]:
    """Write encoded files into `out_dir/<slug>/`, swapping the folder in whole (see
    `save_carousel`); the paths written."""
    _check_out_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with output_lock(out_dir):
        return _write_locked(encoded, out_dir)


def _write_locked(encoded: EncodedCarousel, out_dir: Path) -> list[Path]:
    folder = out_dir / encoded.folder
    recover_folder(folder)
    _check_story_folder(folder)
    staging = _sibling(folder, STAGING_SUFFIX)
    try:  # from the staging folder's first moment: Ctrl-C may come at any bytecode
        staging.mkdir()  # the mode any new folder gets (0777 less the umask)
        _carry_over(folder, staging, encoder(encoded.codec))
        written = [
            path for upload in encoded.uploads for path in _write_upload(upload, encoded, staging)
        ]
        if encoded.contact_sheet is not None:
            _write_new(staging / CONTACT_SHEET, encoded.contact_sheet)
            written.append(Path(CONTACT_SHEET))
        _swap_in(staging, folder)
    except BaseException:
        with contextlib.suppress(OSError):  # else the next save finishes the job
            recover_folder(folder)  # back to the old folder (or none), or on to the new one
        raise
    return [folder / path for path in written]


def _write_upload(upload: EncodedUpload, encoded: EncodedCarousel, staging: Path) -> list[Path]:
    """Write one upload's files, manifest and caption; the paths, relative to the story
    folder."""
    where = staging / upload.folder
    where.mkdir(exist_ok=True)
    for name, data in upload.files:
        _write_new(where / name, data)
    record = upload.record
    if upload.whole:
        names = list(upload.names)
        formats = _formats(staging.parent / encoded.folder, staging, record, encoded.codec, names)
        record = _with_formats(record, formats)
    text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    _write_new(where / "manifest.json", text.encode("utf-8"))
    _write_new(where / CAPTION, _caption_bytes(upload.caption))
    written = [*dict.fromkeys(name for name, _ in upload.files), "manifest.json", "caption.txt"]
    return [Path(upload.folder) / name for name in written]


def _check_target(carousel: Carousel, rules: Target | None) -> None:
    """Refuse what the target platform would refuse, before anything is encoded."""
    if rules is None:
        return
    refuse_preset(rules, carousel.preset)
    if rules.single_image and (carousel.preset.layout != "cover" or len(carousel.slides) != 1):
        raise TargetError(
            f"target {rules.name} takes one cover image: render with preset "
            f"{rules.name if rules.name in ('og', 'x') else 'og'}"
        )
    if rules.document and rules.max_slides and len(carousel.slides) > rules.max_slides:
        raise TargetError(
            f"target {rules.name}: {len(carousel.slides)} pages, over its "
            f"{rules.max_slides}-page limit"
        )


@dataclass(frozen=True)
class _Upload:
    """One carousel as a platform receives it: which slides, and the folder it goes in
    ("" for the story folder itself, `01-of-03` for a part of a split one)."""

    slides: range
    number: int = 1
    count: int = 1

    @property
    def folder(self) -> str:
        return f"{self.number:02d}-of-{self.count:02d}" if self.count > 1 else ""


def _file_names(codec: Encoder, story_folder: str, count: int) -> list[str]:
    """The files of one upload's `count` slides: 01.png…, or the story's one PDF."""
    if not codec.per_slide:
        return [f"{story_folder}.{codec.extension}"] * count
    width = max(2, len(str(count)))
    return [f"{n:0{width}d}.{codec.extension}" for n in range(1, count + 1)]


def slide_labels(
    carousel: Carousel, image_format: str | None = None, target: str | Target | None = None
) -> list[str]:
    """What each slide is saved as, for a contact sheet: `03.png`, `02-of-03/01.jpg` in a
    carousel split for a target, `page 3` of a PDF."""
    rules = get_target(target) if isinstance(target, str) else target
    codec = encoder(choose_format(rules, image_format, carousel.preset))
    if not codec.per_slide:
        return [f"page {number}" for number in range(1, len(carousel.slides) + 1)]
    labels = []
    if codec.timed:
        return [_clock(start, count) for start, count in _slide_times(carousel, codec, rules)]
    for upload in _uploads(carousel, codec, rules):
        for name in _file_names(codec, "", len(upload.slides)):
            labels.append(f"{upload.folder}/{name}" if upload.folder else name)
    return labels


def _uploads(carousel: Carousel, codec: Encoder, rules: Target | None) -> list[_Upload]:
    """The uploads a save makes: a carousel split at the target's slide count, a video at
    its length (never cut, never faster: see `timing.split_by_time`)."""
    total = len(carousel.slides)
    if codec.timed:
        longest = rules.max_seconds if rules is not None else None
        texts = [slide.words for slide in carousel.slides]
        parts = split_by_time(texts, carousel.video, longest) if longest else [range(total)]
    else:
        most = rules.max_slides if rules is not None and codec.per_slide else None
        parts = split_slides(total, most)
    return [_Upload(part, number, len(parts)) for number, part in enumerate(parts, start=1)]


def upload_timeline(carousel: Carousel, slides: range) -> Timeline:
    """The timeline of a video of these slides (each part of a split story is a video of
    its own, its first and last slides held): from their words and the theme's pace."""
    return timeline([carousel.slides[i].words for i in slides], carousel.video)


def _slide_times(
    carousel: Carousel, codec: Encoder, rules: Target | None
) -> list[tuple[float, float]]:
    """(start, seconds) of every slide in the video (or the part of it) it is in."""
    out = []
    for upload in _uploads(carousel, codec, rules):
        plan = upload_timeline(carousel, upload.slides)
        out += [(s / plan.fps, n / plan.fps) for s, n in zip(plan.starts, plan.frames, strict=True)]
    return out


def _clock(start: float, seconds: float) -> str:
    def stamp(value: float) -> str:
        return f"{int(value // 60)}:{value % 60:04.1f}"

    return f"{stamp(start)}–{stamp(start + seconds)}"


def _video(
    carousel: Carousel,
    codec: Encoder,
    rules: Target | None,
    quality: int | None,
    upload: _Upload,
    audio: Path | None,
) -> bytes:
    """One upload's video: its slides for their reading times, `audio` under it."""
    pages = painted_pages([carousel.slides[i] for i in upload.slides])
    plan = upload_timeline(carousel, upload.slides)
    data = encode_pages(codec, pages, quality=quality, timeline=plan, audio=audio)
    _check_size(data, f"{safe_slug(carousel.story.slug)}.{codec.extension}", rules)
    return data


class _PaintedPages(Sequence[Page]):
    """Slides as the pages of a document or a video, each painted when it is read and not
    kept: an encoder that reads its pages in turn holds a slide's pixels at a time."""

    def __init__(self, slides: Sequence[Slide]) -> None:
        self._slides = slides

    def __len__(self) -> int:
        return len(self._slides)

    @overload
    def __getitem__(self, index: int) -> Page: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Page]: ...
    def __getitem__(self, index: int | slice) -> Page | Sequence[Page]:
        if isinstance(index, slice):
            return _PaintedPages(self._slides[index])
        slide = self._slides[index]
        return Page(pixels(slide), slide.lines)


def painted_pages(slides: Sequence[Slide]) -> Sequence[Page]:
    """The slides as pages for `encode_pages`, painted one at a time as they are read."""
    return _PaintedPages(slides)


def encode_pages(
    codec: Encoder,
    pages: Sequence[Page],
    *,
    quality: int | None = None,
    title: str | None = None,
    date: datetime | date | str | None = None,
    timeline: Timeline | None = None,
    audio: Path | None = None,
) -> bytes:
    """A story format's (PDF) or a video's one file, its pages read in turn. Not through
    `Encoder.encode`, which first gathers its pages in a list: with `painted_pages`, that
    list would hold every slide's pixels at once."""
    if codec.video_function is not None:
        return codec.video_function(
            pages, quality, title=title, date=date, timeline=timeline, audio=audio
        )
    assert codec.story_function is not None, f"{codec.name} is not a story format"
    return codec.story_function(pages, quality, title=title, date=date)


def _encode_files(
    carousel: Carousel,
    codec: Encoder,
    rules: Target | None,
    quality: int | None,
    *,
    title: str,
    threads: int | None = None,
) -> list[bytes]:
    """Every file's bytes: one per slide, or one document for the story. Encoded before
    the folder is touched, so a slide the target refuses leaves the old carousel as it is."""
    story = carousel.story
    if not codec.per_slide:
        pages = painted_pages(carousel.slides)
        data = encode_pages(codec, pages, quality=quality, title=story.title, date=story.date)
        _check_size(data, f"{title}.{codec.extension}", rules)
        return [data]
    workers = max(1, min(len(carousel.slides), threads or os.cpu_count() or 1, 8))
    return _encode_slides(carousel.slides, codec, rules, quality, workers)


def _encode_slides(
    slides: Sequence[Slide],
    codec: Encoder,
    rules: Target | None,
    quality: int | None,
    workers: int,
) -> list[bytes]:
    """Each slide's file, in order: slides are painted here one after another while
    `workers` threads encode the ones before them. At most `workers` painted slides wait
    or are being encoded, so a save holds a few slides' pixels, never the story's."""
    # zlib, libjpeg and libwebp release the GIL: slides encode side by side on every core,
    # and each file's bytes do not depend on which thread made them.
    pool = ThreadPoolExecutor(max_workers=workers)
    waiting: deque[Future[bytes]] = deque()
    files: list[bytes] = []
    try:
        for slide in slides:
            image = to_encode(slide)
            while len(waiting) >= workers:
                files.append(waiting.popleft().result())
            waiting.append(pool.submit(_fitted, slide, image, codec, rules, quality))
            del image  # the encoder's now: dropped when its file is made
        files.extend(future.result() for future in waiting)
        return files
    finally:
        # On Ctrl-C or an error, slides not yet started are dropped, not encoded.
        pool.shutdown(wait=True, cancel_futures=True)


def _fitted(
    slide: Slide, image: Image.Image, codec: Encoder, rules: Target | None, quality: int | None
) -> bytes:
    """A slide's bytes within the target's file size: a JPEG gets lower qualities in
    turn; anything else over the size, or a JPEG still over it, is an error."""
    data = encode(image, codec.name, quality)
    if rules is None or len(data) <= rules.max_bytes or codec.name != "jpeg":
        _check_size(data, f"slide {slide.index:02d}", rules)
        return data
    tried = None
    for lower in _FALLBACK_QUALITIES:
        if quality is None or lower < quality:
            data, tried = encode(image, codec.name, lower), lower
            if len(data) <= rules.max_bytes:
                return data
    _check_size(data, f"slide {slide.index:02d}", rules, tried)
    return data


def _check_size(data: bytes, what: str, rules: Target | None, quality: int | None = None) -> None:
    if rules is not None and len(data) > rules.max_bytes:
        even = f" even at JPEG quality {quality}" if quality is not None else ""
        raise TargetError(
            f"target {rules.name}: {what} is {_file_size(len(data))}{even}, over the "
            f"{_file_size(rules.max_bytes)} the platform accepts"
        )


def _file_size(size: int) -> str:
    """A file size as people read it: 8 MB, 4.2 MB, 20 kB (a limit under a megabyte
    written in MB would read "0 MB")."""
    if size >= 1_000_000:
        return f"{size / 1e6:.1f}".removesuffix(".0") + " MB"
    return f"{size / 1e3:.1f}".removesuffix(".0") + " kB"


class _Save:
    """Builds the uploads of one save: their files, manifests and captions."""

    def __init__(
        self,
        carousel: Carousel,
        codec: Encoder,
        rules: Target | None,
        source: str | None,
        folder: str,
        render_key: str | None = None,
        render_inputs: Mapping[str, object] | None = None,
    ) -> None:
        self.carousel, self.codec, self.rules = carousel, codec, rules
        self.source, self.folder, self.render_key = source, folder, render_key
        self.render_inputs = render_inputs

    def names(self, upload: _Upload) -> list[str]:
        return _file_names(self.codec, self.folder, len(upload.slides))

    def upload(self, upload: _Upload, files: list[bytes]) -> EncodedUpload:
        names = self.names(upload)
        if self.codec.per_slide:
            named = tuple(
                (name, files[index]) for index, name in zip(upload.slides, names, strict=True)
            )
        else:
            named = ((names[0], files[upload.number - 1 if self.codec.timed else 0]),)
        record = manifest(
            self.carousel, names, self.codec.name, source=self.source, slides=upload.slides
        )
        if self.codec.timed:
            plan = upload_timeline(self.carousel, upload.slides)
            texts = [self.carousel.slides[i].words for i in upload.slides]
            captions = names[0].rsplit(".", 1)[0] + ".vtt"
            named += ((captions, webvtt(texts, plan).encode("utf-8")),)
            record = _with_timing(record, plan, captions, self.codec)
        record = _for_target(record, self.rules, upload, self.carousel)
        limit = self.rules.caption_limit if self.rules else CAPTION_LIMIT
        caption = caption_text(self.carousel, limit)
        if self.render_key is not None:
            record["render_key"] = self.render_key
        if self.render_inputs is not None:
            record["render_inputs"] = dict(self.render_inputs)
        # Each file's size and SHA-256 as written: a batch tells an intact folder from one
        # whose files were emptied or replaced since (renderkey.is_complete), and so can anyone.
        written = [*named, (CAPTION, _caption_bytes(caption))]
        record["files"] = {name: _file_record(data) for name, data in written}
        return EncodedUpload(upload.folder, tuple(names), named, record, caption, upload.count == 1)


CAPTION = "caption.txt"


def _caption_bytes(caption: str) -> bytes:
    return (caption + "\n").encode("utf-8")


def _file_record(data: bytes) -> dict[str, Any]:
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _with_timing(
    record: dict[str, Any], plan: Timeline, captions: str, codec: Encoder
) -> dict[str, Any]:
    """A video's manifest: its length, rate and transition, its captions file, and each
    slide's start and end in seconds (its words are its `alt`, as in the captions)."""
    record = dict(record)
    record["video"] = {
        "seconds": round(plan.duration, 3),
        "fps": plan.fps,
        "frames": plan.total_frames,
        "transition": plan.transition,
        "transition_seconds": round(plan.transition_frames / plan.fps, 3),
        "media_type": codec.media_type,
        "captions": captions,
    }
    times = zip(plan.starts, plan.frames, plan.clipped, strict=True)
    record["slides"] = [
        {
            **entry,
            "start": round(start / plan.fps, 3),
            "end": round((start + count) / plan.fps, 3),
            **({"cut_by_maximum": True} if clipped else {}),
        }
        for entry, (start, count, clipped) in zip(record["slides"], times, strict=True)
    ]
    return record


def _for_target(
    record: dict[str, Any], rules: Target | None, upload: _Upload, carousel: Carousel
) -> dict[str, Any]:
    """The manifest with what a target adds: its name, the part this upload is, and the
    alt text cut to the platform's field (the whole text stays in `alt`)."""
    if rules is None:
        return record
    record = {**record, "target": rules.name}
    if upload.count > 1:
        first, last = upload.slides[0] + 1, upload.slides[-1] + 1
        record["part"] = {"number": upload.number, "of": upload.count, "slides": [first, last]}
    if rules.alt_limit is not None:
        key = f"alt_{rules.name}".replace("-", "_")
        record["slides"] = [
            {**entry, key: trim_at_word(entry["alt"], rules.alt_limit)}
            for entry in record["slides"]
        ]
    return record


def _check_story_folder(folder: Path) -> None:
    # A story folder that links elsewhere would have cardimg write (and delete) outside
    # the output folder; something that is not a folder is not cardimg's to replace.
    if folder.is_symlink():
        raise CardimgError(f"{folder} is a symbolic link; not followed (remove it)")
    if folder.exists() and not folder.is_dir():
        raise CardimgError(f"{folder} is not a folder; not replaced (remove it)")


def _write_new(path: Path, data: bytes) -> None:
    """Create `path` (it must not exist) with the mode any new file gets: 0666 less the
    umask, as `open()` does; the folder it is in is swapped in whole later."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    with os.fdopen(handle, "wb") as out:
        out.write(data)


def _carry_over(old: Path, new: Path, codec: Encoder) -> None:
    """Put into `new` everything of `old` this save does not replace: slides of another
    format, files a person added. Hard links: nothing is copied, nothing can be half."""
    if not old.is_dir():
        return
    for entry in sorted(os.scandir(old), key=lambda e: e.name):
        if _replaced(entry.name, codec):
            continue
        target = new / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), target)
        elif entry.is_dir():
            shutil.copytree(entry.path, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry.path, target)


def _replaced(name: str, codec: Encoder) -> bool:
    """Whether a save in format `codec` replaces this entry of the old folder: its
    manifest and caption, any split parts, and the files of that format, as its registry
    entry says (`Encoder.replaces`): the files of other formats stay."""
    if name in ("manifest.json", "caption.txt", CONTACT_SHEET) or _OLD_TEMP_FILE.match(name):
        return True
    return bool(_PART_FOLDER.match(name)) or codec.replaces(name)


def _link_or_copy(source: str, target: str | Path) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:  # a file system without hard links (FAT, some network shares)
        shutil.copy2(source, target, follow_symlinks=False)


# --------------------------------------------------------------------------- manifest


def _source(story: Story, root: Path | None) -> str | None:
    """Where the story came from, relative to what the user named: never a local path
    that says where someone's files live."""
    if story.path is None:
        return None
    if root is not None:
        relative = os.path.relpath(os.path.abspath(story.path), os.path.abspath(root))
        if not relative.startswith(os.pardir):
            return Path(relative).as_posix()
    return story.path.name


def _formats(
    old: Path, staging: Path, record: dict[str, Any], kind: str, names: list[str]
) -> dict[str, list[str]]:
    """Slide files per format in this folder that show this same carousel. A format saved
    from another render stays on disk (it is not this save's to delete) but is not listed."""
    formats = {kind: names}
    previous = _read_manifest(old / "manifest.json")
    if previous is not None and _content(previous) == _content(record):
        # (a manifest is a file anyone may have edited: each field is checked as read)
        listed = previous.get("formats")
        if not isinstance(listed, dict) or not listed:
            listed = _saved_files(previous)
        for other, files in listed.items():
            if other == kind or not isinstance(files, list) or not files:
                continue
            names_of = [name for name in files if isinstance(name, str)]
            if len(names_of) == len(files) and all((staging / n).is_file() for n in names_of):
                formats[other] = names_of
    return dict(sorted(formats.items()))


def _saved_files(record: dict[str, Any]) -> dict[str, list[object]]:
    # A manifest written before `formats` existed lists one format's files in its slides.
    slides = record.get("slides")
    kind = record.get("format")
    if not isinstance(slides, list) or not isinstance(kind, str):
        return {}
    return {kind: [s.get("file") for s in slides if isinstance(s, dict)]}


def _with_formats(record: dict[str, Any], formats: dict[str, list[str]]) -> dict[str, Any]:
    """The manifest with `formats` placed right after `format`, where a reader looks."""
    ordered: dict[str, Any] = {}
    for key, value in record.items():
        ordered[key] = value
        if key == "format":
            ordered["formats"] = formats
    return ordered


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


# What a manifest says of one save's files rather than of the carousel they show.
_PER_SAVE = ("format", "formats", "slides", "render_key", "render_inputs", "files", "video")
# What a manifest says of one slide's place in a save's files (its file, its page of a
# document, its time in a video) rather than of the slide: a PDF or a video beside PNGs
# of the same render is the same carousel.
_PER_FILE = ("file", "page", "start", "end", "cut_by_maximum")


def _content(record: dict[str, Any]) -> object:
    """A manifest without what differs between formats of one carousel."""
    slides = record.get("slides")
    if not isinstance(slides, list):
        return None
    return (
        {k: v for k, v in record.items() if k not in _PER_SAVE},
        [{k: v for k, v in s.items() if k not in _PER_FILE} for s in slides if isinstance(s, dict)],
    )


def manifest(
    carousel: Carousel,
    names: list[str],
    image_format: str,
    *,
    source: str | None = None,
    slides: range | None = None,
) -> dict[str, Any]:
    """What a save wrote: the story, the size and format, and each slide's file and alt
    text. `source` is the story file as the user named it (see `save_carousel`); `slides`
    the slides this manifest's carousel holds (all of them unless split for a target)."""
    story = carousel.story
    chosen = [carousel.slides[i] for i in (slides if slides is not None else range(len(names)))]
    per_slide = encoder(image_format).per_slide  # else a page (of a PDF) of the one file
    return {
        "story": {
            "slug": story.slug,
            "title": story.title,
            "series": story.series,
            "palette": carousel.palette.key,
            "colors": {
                "background": carousel.palette.background,
                "text": carousel.palette.text,
                "frame": carousel.palette.frame,
            },
            "source": source,
            "id": story.story_id,
            "date": story.date,
            "draft": story.draft,
        },
        "preset": carousel.preset.name,
        "size": {"width": carousel.preset.width, "height": carousel.preset.height},
        "format": image_format,
        "slides": [
            {
                "file": name,
                **({"page": number} if not per_slide else {}),
                "index": slide.index,
                "kind": slide.kind,
                "card_key": slide.card_key,
                "part": slide.part,
                "parts": slide.parts,
                "width": slide.width,
                "height": slide.height,
                "alt": slide.alt,
                "contrast": slide.contrast,
            }
            for number, (slide, name) in enumerate(zip(chosen, names, strict=True), start=1)
        ],
        "warnings": list(carousel.warnings),
        "findings": [finding_dict(finding) for finding in carousel.findings],
    }
