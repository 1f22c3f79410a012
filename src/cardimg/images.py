"""Image files a story or theme points at: the featured image and the brand mark.

Every image is opened through one safe loader; a problem with an image is a warning,
never an error, and the slide is drawn without it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, ImageOps

from .errors import problem
from .story import Story, story_name
from .theme import REFERENCE_WIDTH, Theme

__all__ = ["IMAGE_ERRORS", "featured_image", "logo_image", "open_image"]

IMAGE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


def featured_image(
    story: Story, max_pixels: int, size: tuple[int, int], images_dir: Path | None, notes: list[str]
) -> Image.Image | None:
    """The featured image, cropped to cover `size`; a problem is a note, never an error."""
    if story.featured_image is None:
        return None
    # The field is an asset file name from the CMS: only its last part is ever used.
    name = Path(story.featured_image.url.replace("\\", "/")).name
    folders = [
        d for d in (images_dir, story.base_dir, story.base_dir and story.base_dir / "images") if d
    ]
    path = next((Path(d) / name for d in folders if name and (Path(d) / name).is_file()), None)
    if path is None:
        notes.append(
            f"{story_name(story)}: featured_image: {name or '(empty)'} not found; "
            "rendered without it"
        )
        return None
    try:
        return open_image(path, max_pixels, cover=size)
    except IMAGE_ERRORS as exc:
        notes.append(
            f"{story_name(story)}: featured_image: {name}: unreadable ({problem(exc)}); "
            "rendered without it"
        )
        return None


def open_image(
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


def logo_image(
    theme: Theme, logo: Path | None, width: int, story: Story, notes: list[str]
) -> Image.Image | None:
    """The brand mark for the bottom frame line, sized to the frame; a problem is a note."""
    path = logo or theme.frame.logo
    if path is None:
        return None
    height = round(theme.frame.logo_height * width / REFERENCE_WIDTH)
    try:
        return open_image(Path(path), theme.image.max_pixels, within=(height * 6, height))
    except IMAGE_ERRORS as exc:
        notes.append(
            f"{story_name(story)}: logo: {Path(path).name}: unreadable ({problem(exc)}); "
            "drawn without it"
        )
        return None
