"""Write a carousel to disk: slide images, manifest.json and caption.txt, each atomically."""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import ImageCms

from .errors import CardimgError
from .story import safe_slug

if TYPE_CHECKING:
    from .render import Carousel

__all__ = ["CAPTION_LIMIT", "FORMATS", "caption_text", "manifest", "save_carousel"]

CAPTION_LIMIT = 2200  # Instagram's caption limit, in characters
FORMATS = {"png": "png", "jpeg": "jpg", "jpg": "jpg"}
_SLIDE_FILE = re.compile(r"^\d{2,3}\.(png|jpe?g)$")


def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes so that `path` is either the old file or the whole new one, never half."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def encode(image, image_format: str) -> bytes:
    """Encoded image bytes; the same pixels always give the same bytes."""
    buffer = io.BytesIO()
    if image_format == "png":
        image.save(buffer, "PNG", optimize=False, compress_level=6)
    else:
        # 4:4:4 chroma keeps coloured text edges clean; platforms recompress anyway.
        image.save(buffer, "JPEG", quality=92, subsampling=0, icc_profile=_srgb_profile())
    return buffer.getvalue()


def save_carousel(carousel: Carousel, out_dir: Path, *, image_format: str = "png") -> list[Path]:
    """Write the carousel into `out_dir/<safe slug>/` and return the paths written."""
    key = image_format.lower()
    if key not in FORMATS:
        raise CardimgError(f"unknown image format {image_format!r} (use png or jpeg)")
    extension = FORMATS[key]
    kind = "png" if extension == "png" else "jpeg"
    folder = out_dir / safe_slug(carousel.story.slug)
    folder.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(len(carousel.slides))))
    names = [f"{slide.index:0{width}d}.{extension}" for slide in carousel.slides]
    written = []
    # zlib and libjpeg release the GIL: slides encode side by side on every core,
    # and each file's bytes do not depend on which thread made them.
    workers = max(1, min(len(carousel.slides), os.cpu_count() or 1, 8))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        encoded = pool.map(lambda slide: encode(slide.image, kind), carousel.slides)
        for data, name in zip(encoded, names, strict=True):
            write_atomic(folder / name, data)
            written.append(folder / name)
    _remove_stale_slides(folder, set(names))
    data = json.dumps(manifest(carousel, names, kind), ensure_ascii=False, indent=2) + "\n"
    write_atomic(folder / "manifest.json", data.encode("utf-8"))
    write_atomic(folder / "caption.txt", (caption_text(carousel) + "\n").encode("utf-8"))
    return [*written, folder / "manifest.json", folder / "caption.txt"]


def _remove_stale_slides(folder: Path, keep: set[str]) -> None:
    # A story that lost slides since the last run must not leave old ones behind.
    for path in folder.iterdir():
        if _SLIDE_FILE.match(path.name) and path.name not in keep:
            path.unlink()


def manifest(carousel: Carousel, names: list[str], image_format: str) -> dict:
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
            "source": str(story.path) if story.path is not None else None,
            "id": story.story_id,
            "date": story.date,
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


def caption_text(carousel: Carousel, limit: int = CAPTION_LIMIT) -> str:
    """The post caption: the title, then the sources with their links, within `limit`.

    Sources that do not fit are counted, never cut in the middle of a link.
    """
    story = carousel.story
    head = " ".join((story.title or story.slug).split())
    if len(head) > limit:
        return head[: limit - 1] + "…"
    entries = [
        " ".join(f"{s.title} {s.url}".split()) if s.title != s.url else s.url for s in story.sources
    ]
    if not entries:
        return head
    text = f"{head}\n\nSources:"
    for number, entry in enumerate(entries):
        rest = len(entries) - number - 1
        tail = f"\n…and {rest} more" if rest else ""
        if len(text) + 1 + len(entry) + len(tail) > limit:
            more = f"\n…and {len(entries) - number} more"
            return text + more if len(text) + len(more) <= limit else text
        text += "\n" + entry
    return text
