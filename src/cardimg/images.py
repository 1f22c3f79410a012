"""Image files a story or theme points at: the featured image and the brand mark.

Every image is opened through one safe loader and normalised the same way: its size is
checked before any pixel is decoded, then it is turned upright (EXIF orientation), into
8-bit RGBA whatever its mode (16-bit and float grey, palette with transparency, CMYK,
1-bit), and into sRGB when it carries another colour profile (Adobe RGB, Display P3)
or, a PNG, another encoding gamma.
Transparency is kept: paint composites it over the slide's own background colour.
A problem with an image is a warning, never an error, and the slide is drawn without it.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PIL import ExifTags, Image, ImageOps

from .errors import problem
from .findings import Finding
from .safefile import MAX_IMAGE_BYTES, open_regular
from .story import Story, story_name
from .storyfiles import featured_file, featured_name
from .theme import REFERENCE_WIDTH, Theme

if TYPE_CHECKING:
    from PIL import ImageCms

__all__ = [
    "IMAGE_ERRORS",
    "MAX_UPSCALE",
    "ImageSource",
    "featured_image",
    "featured_source",
    "find_featured_image",
    "fit_behind",
    "logo_image",
    "open_image",
    "probe_featured",
    "read_featured",
    "small_image_finding",
    "upright_size",
]

IMAGE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)

# Enlarged more than this, a featured image shows its pixels as blocks and its JPEG
# artefacts as blotches: it is then blurred just enough to hide them (a soft wash of its
# colours, which behind text at low opacity reads as intended) and a warning says so.
# Ordinary web sizes such as 640×480 stay sharp on a 1080×1350 slide.
MAX_UPSCALE = 3.0
# The blur radius, in source pixels as they come out enlarged: enough to melt a pixel
# into its neighbours.
_SOFTEN_RADIUS = 0.6

# Modes whose pixels LittleCMS converts directly; other modes go through RGB first.
_PROFILE_MODES = ("RGB", "CMYK", "L")


@dataclass(frozen=True)
class ImageSource:
    """An image file a story points at, and how findings about it name it: the story's
    file, the field (`featured_image`, `logo`) and the image's own file name."""

    path: Path
    file: str
    field: str
    label: str

    def finding(self, code: str, problem: str, figure: float | None = None) -> Finding:
        return Finding(code=code, file=self.file, field=self.field, message=problem, figure=figure)


def find_featured_image(story: Story, images_dir: Path | None) -> Path | None:
    """The file the story's featured image is read from (see `storyfiles.featured_file`);
    None when there is none."""
    if story.featured_image is None:
        return None
    return featured_file(story.featured_image.url, story.base_dir, images_dir)


def featured_source(
    story: Story, images_dir: Path | None, notes: list[Finding]
) -> ImageSource | None:
    """Where the featured image is: beside the story, in its `images/` folder or in
    `images_dir`; not found is an `image-missing` finding (and None)."""
    if story.featured_image is None:
        return None
    name = featured_name(story.featured_image.url)
    path = find_featured_image(story, images_dir)
    if path is None:
        notes.append(
            Finding(
                code="image-missing",
                file=story_name(story),
                field="featured_image",
                message=f"{name or '(empty)'} not found; rendered without it",
            )
        )
        return None
    return ImageSource(path, story_name(story), "featured_image", name)


def featured_image(
    story: Story,
    max_pixels: int,
    size: tuple[int, int],
    images_dir: Path | None,
    notes: list[Finding],
) -> Image.Image | None:
    """The featured image as an RGBA layer the size of the slide (see `fit_behind`); a
    problem is a finding, never an error."""
    source = featured_source(story, images_dir, notes)
    if source is None:
        return None
    image = read_featured(source, max_pixels, size, notes)
    if image is None:
        return None
    small = small_image_finding(source, image.size, size)
    if small is not None:
        notes.append(small)
    return fit_behind(image, size)


def read_featured(
    source: ImageSource, max_pixels: int, draft: tuple[int, int], notes: list[Finding]
) -> Image.Image | None:
    """The featured image decoded (reduced to about `draft` when larger), or None and an
    `image-unreadable` finding."""
    try:
        return open_image(source.path, max_pixels, draft=draft, notes=notes, source=source)
    except IMAGE_ERRORS as exc:
        notes.append(_unreadable(source, exc))
        return None


def probe_featured(
    source: ImageSource, max_pixels: int, notes: list[Finding]
) -> tuple[int, int] | None:
    """The featured image's size as seen, from its header alone (see `upright_size`), or
    None and the `image-unreadable` finding `read_featured` would give."""
    try:
        return upright_size(source.path, max_pixels)
    except IMAGE_ERRORS as exc:
        notes.append(_unreadable(source, exc))
        return None


def _unreadable(source: ImageSource, exc: Exception) -> Finding:
    return source.finding(
        "image-unreadable", f"{source.label}: unreadable ({problem(exc)}); rendered without it"
    )


def small_image_finding(
    source: ImageSource, image: tuple[int, int], size: tuple[int, int]
) -> Finding | None:
    """`image-small` when covering a `size` slide enlarges an `image`-sized picture more
    than `MAX_UPSCALE` (it is then drawn softened); the figure is the enlargement."""
    scale = _cover_scale(image, size)
    if scale <= MAX_UPSCALE:
        return None
    smallest = (-(-size[0] // MAX_UPSCALE), -(-size[1] // MAX_UPSCALE))
    return source.finding(
        "image-small",
        f"{source.label}: {image[0]}×{image[1]} pixels is too small for the "
        f"{size[0]}×{size[1]} slide (enlarged {scale:.0f}×), drawn softened; "
        f"use an image of at least {smallest[0]:.0f}×{smallest[1]:.0f} pixels",
        figure=round(scale, 2),
    )


def upright_size(path: Path, max_pixels: int) -> tuple[int, int]:
    """An image's size as it is seen (EXIF orientation applied), from its header alone:
    no pixel is decoded. Over `max_pixels` is a ValueError, as for `open_image`."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with open_regular(path, MAX_IMAGE_BYTES) as raw, Image.open(raw) as source:
            if source.width * source.height > max_pixels:
                raise ValueError(f"{source.width}×{source.height} pixels is over the limit")
            turned = source.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
            return (source.height, source.width) if turned else source.size


def _cover_scale(image: tuple[int, int], size: tuple[int, int]) -> float:
    return max(size[0] / image[0], size[1] / image[1])


def fit_behind(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """An RGBA layer of `size`: the image cropped to cover it, softened when that takes
    more than `MAX_UPSCALE` (paint shows the slide's background through transparency)."""
    # Resampling premultiplied pixels keeps the colour hidden under alpha 0 out of the
    # edges of what is seen. An opaque image (most photos) is resampled as RGB: under alpha
    # 255 premultiplying changes nothing, so the pixels are the same, for three channels'
    # work instead of four and no conversion there and back.
    opaque = image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255)
    working = image.convert("RGB") if opaque else image.convert("RGBa")
    fitted = ImageOps.fit(working, size, Image.Resampling.LANCZOS)
    scale = _cover_scale(image.size, size)
    if scale > MAX_UPSCALE:
        from PIL import ImageFilter  # only a small image is softened

        fitted = fitted.filter(ImageFilter.GaussianBlur(scale * _SOFTEN_RADIUS))
    if opaque:
        fitted.putalpha(255)
        return fitted
    return fitted.convert("RGBA")


def open_image(
    path: Path,
    max_pixels: int,
    *,
    within: tuple[int, int] | None = None,
    draft: tuple[int, int] | None = None,
    notes: list[Finding] | None = None,
    source: ImageSource | None = None,
) -> Image.Image:
    """Open an image file safely as upright 8-bit sRGB RGBA: its size is checked before
    any pixel is decoded, so a decompression bomb costs nothing. `draft` is the size the
    image will cover: a larger one is decoded (JPEG) or reduced to about that. `within`
    crops transparent margins and shrinks the image to fit that size. A colour profile
    that cannot be applied is an `image-profile` finding about `source`; the pixels are
    used as they are."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        # Only a regular file: a FIFO or a device named as an image would never end.
        with open_regular(path, MAX_IMAGE_BYTES) as raw, Image.open(raw) as handle:
            if handle.width * handle.height > max_pixels:
                raise ValueError(f"{handle.width}×{handle.height} pixels is over the limit")
            if draft is not None:
                handle.draft(
                    handle.mode if handle.mode == "CMYK" else "RGB", draft_size(handle, draft)
                )
            icc = handle.info.get("icc_profile")
            image = _upright(handle)
            if draft is not None:
                image = _reduced(image, draft)
            image = _rgba(image, icc, notes, source)
            if not icc and "srgb" not in handle.info:
                image = _with_display_gamma(image, handle.info.get("gamma"))
    if within is not None:
        # Transparent margins would open the frame line wider than the mark.
        box = image.getbbox(alpha_only=True)
        if box is not None:
            image = image.crop(box)
        image = ImageOps.contain(image.convert("RGBa"), within, Image.Resampling.LANCZOS)
        image = image.convert("RGBA")
    return image


def draft_size(handle: Image.Image, size: tuple[int, int]) -> tuple[int, int]:
    """The least size, in the file's own orientation, at which the image still covers a
    `size` slide once turned upright: a JPEG is then decoded at the largest of 1/2, 1/4,
    1/8 that is at least that (`Image.draft`), a quarter or less of the work."""
    turned = handle.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
    width, height = (size[1], size[0]) if turned else size
    scale = min(_cover_scale(handle.size, (width, height)), 1.0)
    return (math.ceil(handle.width * scale), math.ceil(handle.height * scale))


def _upright(image: Image.Image) -> Image.Image:
    """The image as it is meant to be seen (EXIF orientation applied); no copy when it
    already is."""
    if image.getexif().get(ExifTags.Base.Orientation, 1) in (None, 1):
        return image
    return ImageOps.exif_transpose(image)


# Modes a box reduction would garble: palette indices, bits, 16-bit integers.
_NOT_REDUCIBLE = ("1", "P", "PA", "I;16", "I;16B", "I;16L", "I;16N")


def _reduced(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """An image many times larger than `size` shrunk by a whole factor first (still at
    least `size`), so converting it never holds several full-size copies at once."""
    factor = min(image.width // size[0], image.height // size[1])
    if factor < 2 or image.mode in _NOT_REDUCIBLE or "transparency" in image.info:
        return image
    premultiplied = {"RGBA": "RGBa", "LA": "La"}.get(image.mode)
    if premultiplied is None:
        return image.reduce(factor)
    # Averaged premultiplied, so the colour hidden under alpha 0 does not tint edges.
    return image.convert(premultiplied).reduce(factor).convert(image.mode)


def _rgba(
    image: Image.Image, icc: bytes | None, notes: list[Finding] | None, source: ImageSource | None
) -> Image.Image:
    """8-bit RGBA in sRGB from any mode: alpha (or palette transparency) kept apart,
    the colour converted through the embedded profile when there is one."""
    image = _eight_bit(image)
    alpha = None
    if image.mode in ("RGBA", "LA", "La", "RGBa", "PA") or "transparency" in image.info:
        alpha = image.convert("RGBA").getchannel("A")
    colour = image if image.mode in _PROFILE_MODES else image.convert("RGB")
    rgb = _to_srgb(colour, icc, notes, source) if icc else colour.convert("RGB")
    rgb.putalpha(alpha if alpha is not None else 255)
    return rgb


# The encoding gamma sRGB images are written with, as a PNG gAMA chunk states it.
_SRGB_FILE_GAMMA = 1 / 2.2


def _with_display_gamma(image: Image.Image, gamma: object) -> Image.Image:
    """A PNG written with another encoding gamma (a gAMA chunk, no colour profile and no
    sRGB chunk: linear renders store 1.0) re-encoded for sRGB, as browsers show it."""
    if not isinstance(gamma, int | float) or gamma <= 0 or abs(gamma - _SRGB_FILE_GAMMA) < 0.01:
        return image
    exponent = _SRGB_FILE_GAMMA / gamma
    curve = [round(255 * (level / 255) ** exponent) for level in range(256)]
    return image.point(curve * 3 + list(range(256)))  # alpha stays as it is


def _eight_bit(image: Image.Image) -> Image.Image:
    """Grey images of more than 8 bits scaled into 0-255: a plain convert clips them, so
    a 16-bit photo (0-65535) comes out as a white wash."""
    if image.mode.startswith("I;16"):
        return image.convert("I").point(lambda v: v / 257).convert("L")
    if image.mode == "I":  # PNG and TIFF read 16-bit grey into 32-bit integers
        return _stretched(image, (255, 65535))
    if image.mode == "F":  # floats: 0-1 by convention, sometimes 0-255
        return _stretched(image, (1.0, 255.0))
    return image


def _stretched(image: Image.Image, ranges: tuple[float, ...]) -> Image.Image:
    """Grey levels mapped to 0-255 from the smallest of `ranges` (from 0) that holds them
    all, else from their own extremes."""
    # (Pillow types one result for every mode; a one-band image's is its (low, high))
    low, high = cast(tuple[float, float], image.getextrema())
    top = next((limit for limit in ranges if low >= 0 and high <= limit), None)
    base = 0 if top is not None else low
    span = top if top is not None else (high - low) or 1
    return image.point(lambda v: (v - base) * 255 / span).convert("L")


@cache
def _srgb() -> ImageCms.ImageCmsProfile:
    """LittleCMS's sRGB profile, made on the first image that carries another profile."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(
    image: Image.Image, icc: bytes, notes: list[Finding] | None, source: ImageSource | None
) -> Image.Image:
    # Imported here: most featured images carry no profile, and LittleCMS's bindings are
    # not needed to draw them.
    from PIL import ImageCms

    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, profile, _srgb(), outputMode="RGB")
        # (None comes back only with inPlace=True; Pillow's types do not tell them apart)
        return cast(Image.Image, converted)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        if notes is not None and source is not None:
            notes.append(
                source.finding(
                    "image-profile",
                    f"{source.label}: its colour profile cannot be used ({problem(exc)}); "
                    "colours are drawn as stored",
                )
            )
        return image.convert("RGB")


def logo_image(
    theme: Theme, logo: Path | None, width: int, story: Story, notes: list[Finding]
) -> Image.Image | None:
    """The brand mark for the bottom frame line, sized to the frame; a problem is a
    finding (`logo-unreadable`, `image-profile`)."""
    path = logo or theme.frame.logo
    if path is None:
        return None
    height = round(theme.frame.logo_height * width / REFERENCE_WIDTH)
    source = ImageSource(Path(path), story_name(story), "logo", Path(path).name)
    try:
        return open_image(
            Path(path),
            theme.image.max_pixels,
            within=(height * 6, height),
            notes=notes,
            source=source,
        )
    except IMAGE_ERRORS as exc:
        notes.append(
            source.finding(
                "logo-unreadable", f"{source.label}: unreadable ({problem(exc)}); drawn without it"
            )
        )
        return None
