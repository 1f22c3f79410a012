"""Write a carousel to disk: slide images, manifest.json and caption.txt.

A story's folder is written whole in a hidden staging folder beside it, then swapped in
with renames, so it is always either the previous complete carousel or the new one; an
interrupted save is finished or undone by the next one (`recover_folder`).

manifest.json describes the last save (`format`, and `file` for each slide) and lists, in
`formats`, the slide files of every format in the folder that shows this same carousel.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import ImageCms

from .errors import CardimgError
from .story import safe_slug

if TYPE_CHECKING:
    from .model import Carousel
    from .story import Story

__all__ = [
    "CAPTION_LIMIT",
    "FORMATS",
    "caption_text",
    "manifest",
    "recover_folder",
    "recover_output",
    "save_carousel",
]

CAPTION_LIMIT = 2200  # Instagram's caption limit, in characters
FORMATS = {"png": "png", "jpeg": "jpg", "jpg": "jpg"}
_SLIDE_FILE = re.compile(r"^\d{2,3}\.(png|jpe?g)$")
# What an interrupted save of cardimg 0.x left beside the file it was replacing.
_OLD_TEMP_FILE = re.compile(r"^\.(?:\d{2,3}\.(?:png|jpe?g)|manifest\.json|caption\.txt)\..+\.tmp$")


def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def encode(image, image_format: str) -> bytes:
    """Encoded image bytes; the same pixels always give the same bytes."""
    buffer = io.BytesIO()
    if image_format == "png":
        image.save(buffer, "PNG", optimize=False, compress_level=6)
    else:
        # 4:4:4 chroma keeps coloured text edges clean; platforms recompress anyway.
        image.save(buffer, "JPEG", quality=92, subsampling=0, icc_profile=_srgb_profile())
    return buffer.getvalue()


def save_carousel(
    carousel: Carousel,
    out_dir: Path,
    *,
    image_format: str = "png",
    source_root: Path | None = None,
) -> list[Path]:
    """Write the carousel into `out_dir/<safe slug>/` and return the paths written.

    The folder is swapped in whole: it is always either the previous complete carousel or
    the new one, whatever interrupts the save. Slides of the other format and files that
    are not cardimg's are kept.
    """
    kind, extension = _format(image_format)
    out_dir.mkdir(parents=True, exist_ok=True)
    folder = out_dir / safe_slug(carousel.story.slug)
    recover_folder(folder)
    _check_story_folder(folder)
    staging = _sibling(folder, STAGING_SUFFIX)
    staging.mkdir()  # the mode any new folder gets (0777 less the umask)
    try:
        _carry_over(folder, staging, extension)
        names = _write_slides(carousel, staging, kind, extension)
        record = manifest(carousel, names, kind, source=_source(carousel.story, source_root))
        formats = _formats(folder, staging, record, kind, names)
        record = _with_formats(record, formats)
        text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
        _write_new(staging / "manifest.json", text.encode("utf-8"))
        _write_new(staging / "caption.txt", (caption_text(carousel) + "\n").encode("utf-8"))
        _swap_in(staging, folder)
    except BaseException:
        with contextlib.suppress(OSError):  # else the next save finishes the job
            recover_folder(folder)  # back to the old folder (or none), or on to the new one
        raise
    return [folder / name for name in [*names, "manifest.json", "caption.txt"]]


def _format(image_format: str) -> tuple[str, str]:
    key = image_format.lower() if isinstance(image_format, str) else None
    if key not in FORMATS:
        raise CardimgError(f"unknown image format {image_format!r} (use png or jpeg)")
    extension = FORMATS[key]
    return ("png" if extension == "png" else "jpeg"), extension


def _check_story_folder(folder: Path) -> None:
    # A story folder that links elsewhere would have cardimg write (and delete) outside
    # the output folder; something that is not a folder is not cardimg's to replace.
    if folder.is_symlink():
        raise CardimgError(f"{folder} is a symbolic link; not followed (remove it)")
    if folder.exists() and not folder.is_dir():
        raise CardimgError(f"{folder} is not a folder; not replaced (remove it)")


def _write_slides(carousel: Carousel, folder: Path, kind: str, extension: str) -> list[str]:
    width = max(2, len(str(len(carousel.slides))))
    names = [f"{slide.index:0{width}d}.{extension}" for slide in carousel.slides]
    # zlib and libjpeg release the GIL: slides encode side by side on every core,
    # and each file's bytes do not depend on which thread made them.
    workers = max(1, min(len(carousel.slides), os.cpu_count() or 1, 8))
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        encoded = pool.map(lambda slide: encode(slide.image, kind), carousel.slides)
        for data, name in zip(encoded, names, strict=True):
            _write_new(folder / name, data)
    finally:
        # On Ctrl-C or an error, slides not yet started are dropped, not encoded.
        pool.shutdown(wait=True, cancel_futures=True)
    return names


def _write_new(path: Path, data: bytes) -> None:
    """Create `path` (it must not exist) with the mode any new file gets: 0666 less the
    umask, as `open()` does; the folder it is in is swapped in whole later."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    with os.fdopen(handle, "wb") as out:
        out.write(data)


# --------------------------------------------------------------------------- swapping

STAGING_SUFFIX = ".cardimg-new"  # the next carousel, being written
ASIDE_SUFFIX = ".cardimg-old"  # the previous carousel, during the swap
_LEFTOVER = re.compile(r"^\.(.+)(\.cardimg-new|\.cardimg-old)$", re.DOTALL)


def _sibling(folder: Path, suffix: str) -> Path:
    # Hidden, beside the story folder: the same file system, so renames are atomic, and
    # never a story folder itself (safe_slug never starts a name with a dot).
    return folder.with_name(f".{folder.name}{suffix}")


def _swap_in(staging: Path, folder: Path) -> None:
    # os.replace cannot put a folder over a non-empty one: move the old one aside first.
    # Every step leaves a state recover_folder() completes or undoes.
    aside = _sibling(folder, ASIDE_SUFFIX)
    if os.path.lexists(folder):
        os.rename(folder, aside)
    os.rename(staging, folder)
    _remove(aside)


def recover_folder(folder: Path) -> None:
    """Finish or undo a save of `folder` that was interrupted: afterwards the folder is a
    complete carousel (the old or the new one) or absent, and no staging folder is left."""
    aside = _sibling(folder, ASIDE_SUFFIX)
    staging = _sibling(folder, STAGING_SUFFIX)
    if os.path.lexists(aside):
        if os.path.lexists(folder):
            _remove(aside)  # the new folder is in place; the old one was being removed
        else:
            os.rename(aside, folder)  # stopped between the two renames: put the old one back
    _remove(staging)


def recover_output(out_dir: Path) -> list[Path]:
    """Recover every story folder in `out_dir` whose save was interrupted; returns them."""
    try:
        names = sorted(entry.name for entry in os.scandir(out_dir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    folders = sorted({out_dir / match[1] for match in map(_LEFTOVER.match, names) if match})
    for folder in folders:
        recover_folder(folder)
    return folders


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def _carry_over(old: Path, new: Path, extension: str) -> None:
    """Put into `new` everything of `old` this save does not replace: slides of another
    format, files a person added. Hard links: nothing is copied, nothing can be half."""
    if not old.is_dir():
        return
    for entry in sorted(os.scandir(old), key=lambda e: e.name):
        if _replaced(entry.name, extension):
            continue
        target = new / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), target)
        elif entry.is_dir():
            shutil.copytree(entry.path, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry.path, target)


def _replaced(name: str, extension: str) -> bool:
    if name in ("manifest.json", "caption.txt") or _OLD_TEMP_FILE.match(name):
        return True
    match = _SLIDE_FILE.match(name)
    return match is not None and FORMATS[match[1]] == extension


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


def _formats(old: Path, staging: Path, record: dict, kind: str, names: list[str]) -> dict:
    """Slide files per format in this folder that show this same carousel. A format saved
    from another render stays on disk (it is not this save's to delete) but is not listed."""
    formats = {kind: names}
    previous = _read_manifest(old / "manifest.json")
    if previous is not None and _content(previous) == _content(record):
        listed = previous.get("formats") or _saved_files(previous)
        for other, files in listed.items():
            present = all((staging / str(name)).is_file() for name in files)
            if other != kind and isinstance(files, list) and files and present:
                formats[other] = files
    return dict(sorted(formats.items()))


def _saved_files(record: dict) -> dict:
    # A manifest written before `formats` existed lists one format's files in its slides.
    slides = record.get("slides") if isinstance(record.get("slides"), list) else []
    return {record.get("format"): [s.get("file") for s in slides if isinstance(s, dict)]}


def _with_formats(record: dict, formats: dict) -> dict:
    """The manifest with `formats` placed right after `format`, where a reader looks."""
    ordered: dict = {}
    for key, value in record.items():
        ordered[key] = value
        if key == "format":
            ordered["formats"] = formats
    return ordered


def _read_manifest(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _content(record: dict) -> object:
    """A manifest without what differs between formats of one carousel."""
    slides = record.get("slides")
    if not isinstance(slides, list):
        return None
    return (
        {k: v for k, v in record.items() if k not in ("format", "formats", "slides")},
        [{k: v for k, v in s.items() if k != "file"} for s in slides if isinstance(s, dict)],
    )


def manifest(
    carousel: Carousel, names: list[str], image_format: str, *, source: str | None = None
) -> dict:
    """What a save wrote: the story, the size and format, and each slide's file and alt
    text. `source` is the story file as the user named it (see `save_carousel`)."""
    story = carousel.story
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
                "kind": slide.kind,
                "card_key": slide.card_key,
                "part": slide.part,
                "parts": slide.parts,
                "width": slide.width,
                "height": slide.height,
                "alt": slide.alt,
                "contrast": slide.contrast,
            }
            for slide, name in zip(carousel.slides, names, strict=True)
        ],
        "warnings": list(carousel.warnings),
    }


# A long title gives way to the sources, down to this many characters (a long headline).
_TITLE_KEEP = 300
_TITLE_CUT_PUNCTUATION = " ,;:-–—|·•"


def caption_text(carousel: Carousel, limit: int = CAPTION_LIMIT) -> str:
    """The post caption: the title, then the sources with their links, within `limit`.

    When both do not fit, a long title is cut at a word (with `…`) to make room for the
    sources; sources that still do not fit are counted (`…and 3 more`), never cut in the
    middle of a link.
    """
    story = carousel.story
    title = " ".join((story.title or story.slug).split())
    entries = [
        " ".join(f"{s.title} {s.url}".split()) if s.title != s.url else s.url for s in story.sources
    ]
    if not entries:
        return _cut_at_word(title, limit)
    block = "\n\nSources:\n" + "\n".join(entries)
    if len(title) + len(block) <= limit:
        return title + block
    head = _cut_at_word(title, max(limit - len(block), min(_TITLE_KEEP, limit)))
    return head + _sources_within(entries, limit - len(head))


def _cut_at_word(text: str, limit: int) -> str:
    """`text` within `limit` characters: cut after a whole word, marked with `…`."""
    if len(text) <= limit:
        return text
    if limit < 1:
        return ""
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    else:  # one word longer than the room (or a script without spaces): keep whole characters
        while cut and unicodedata.combining(text[len(cut)]):
            cut = cut[:-1]
    return cut.rstrip(_TITLE_CUT_PUNCTUATION) + "…"


def _sources_within(entries: list[str], room: int) -> str:
    text = "\n\nSources:"
    for number, entry in enumerate(entries):
        rest = len(entries) - number - 1
        tail = f"\n…and {rest} more" if rest else ""
        if len(text) + 1 + len(entry) + len(tail) > room:
            more = f"\n…and {len(entries) - number} more"
            return text + more if len(text) + len(more) <= room else ""
        text += "\n" + entry
    return text
