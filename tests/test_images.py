"""Featured images as newsrooms have them: phone photos with an EXIF orientation, 16-bit
and transparent PNGs, CMYK JPEGs, other colour profiles, thumbnails. Each is checked on
the pixels of the rendered slide."""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFilter, ImageOps, ImageStat, PngImagePlugin

import cardimg
from cardimg.images import MAX_UPSCALE, draft_size, fit_behind, open_image

BLACK = (0x1A, 0x19, 0x19)  # the --black palette's background
SLIDE = (1080, 1350)
RED, GREEN, BLUE, MAGENTA = (230, 20, 20), (20, 200, 40), (20, 40, 220), (255, 0, 255)
# The image fully opaque behind the slide, so pixels show it as it was drawn.
OPAQUE = replace(cardimg.default_theme(), image=replace(cardimg.default_theme().image, opacity=1.0))


def near(pixel: Sequence[int], expected: Sequence[int], tolerance: int = 8) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


@pytest.fixture
def render_with(write_story: Callable[..., Path], tmp_path: Path):
    """render_with(image, name, **save options) -> the carousel of a story showing it."""

    def render(image: Image.Image, name: str, theme=OPAQUE, **save: object) -> cardimg.Carousel:
        image.save(tmp_path / name, **save)
        story = write_story(
            "story.md",
            [{"_key": "a", "body": "One"}, {"_key": "b", "body": "Two"}],
            colorpaletteclassname="--black",
            featured_image={"alt": "x", "url": name},
        )
        return cardimg.render(cardimg.load_story(story), theme=theme)

    return render


def corners(slide: cardimg.Slide) -> dict[str, tuple[int, ...]]:
    w, h = slide.width - 1, slide.height - 1
    points = {"top-left": (20, 20), "top-right": (w - 20, 20), "bottom-left": (20, h - 20)}
    return {name: slide.image.getpixel(point) for name, point in points.items()}


def image_warnings(carousel: cardimg.Carousel) -> list[str]:
    return [note for note in carousel.warnings if "featured_image" in note]


def test_exif_orientation_turns_a_phone_photo_upright(render_with) -> None:
    # Stored sideways as the sensor saw it; EXIF 6 says "turn 90° clockwise to view".
    stored = Image.new("RGB", (SLIDE[1], SLIDE[0]), BLUE)
    stored.paste(RED, (0, 0, 200, 200))  # stored top-left -> shown top-right
    exif = Image.Exif()
    exif[0x0112] = 6
    carousel = render_with(stored, "phone.jpg", exif=exif, quality=95)
    seen = corners(carousel.slides[0])
    assert near(seen["top-right"], RED)
    assert near(seen["top-left"], BLUE) and near(seen["bottom-left"], BLUE)
    assert image_warnings(carousel) == []


def test_a_16_bit_grey_png_keeps_its_tones(render_with) -> None:
    grey = Image.new("I;16", SLIDE, 0x8080)  # mid grey in 16 bits
    grey.paste(0xFFFF, (0, 0, 100, 100))
    carousel = render_with(grey, "scan.png")
    seen = corners(carousel.slides[0])
    assert near(seen["top-right"], (128, 128, 128), 2)  # was a white wash
    assert near(seen["top-left"], (255, 255, 255), 2)


@pytest.mark.parametrize("times", [1, 3], ids=["slide-size", "three-times-larger"])
def test_transparency_shows_the_slide_background_not_the_hidden_colour(render_with, times) -> None:
    # Left half opaque green; right half fully transparent, with magenta stored under it.
    size = (SLIDE[0] * times, SLIDE[1] * times)
    image = Image.new("RGBA", size, (*MAGENTA, 0))
    image.paste((*GREEN, 255), (0, 0, size[0] // 2 + times // 2, size[1]))
    for theme in (OPAQUE, cardimg.default_theme()):
        slide = render_with(image, "cutout.png", theme=theme).slides[0]
        assert slide.image.getpixel((SLIDE[0] - 20, 20)) == BLACK
        row = [slide.image.getpixel((x, 20)) for x in range(SLIDE[0] // 2 - 8, SLIDE[0] - 20)]
        # No magenta fringe where the opaque half meets the transparent one.
        assert all(pixel[0] <= max(GREEN[0], BLACK[0]) + 2 for pixel in row)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: Image.new("LA", SLIDE, (128, 255)), (128, 128, 128)),
        (lambda: Image.new("LA", SLIDE, (200, 0)), BLACK),
        (lambda: Image.new("1", SLIDE, 1), (255, 255, 255)),
        (lambda: Image.new("F", SLIDE, 0.5), (128, 128, 128)),
        (lambda: Image.new("I", SLIDE, 1000), (4, 4, 4)),  # 16-bit range, 1000/65535
    ],
    ids=["grey", "grey-transparent", "1-bit", "float", "32-bit-int"],
)
def test_every_mode_becomes_the_colour_it_shows(render_with, make, expected) -> None:
    image = make()
    name = "pic.tiff" if image.mode in ("F", "I") else "pic.png"
    assert near(corners(render_with(image, name).slides[0])["top-left"], expected, 2)


def test_palette_png_transparency_shows_the_background(render_with) -> None:
    image = Image.new("P", SLIDE, 0)
    image.putpalette([*MAGENTA, *GREEN] + [0] * 762)
    image.paste(1, (0, 0, 300, 300))
    carousel = render_with(image, "indexed.png", transparency=0)
    seen = corners(carousel.slides[0])
    assert near(seen["top-left"], GREEN, 2)
    assert seen["top-right"] == BLACK


def test_a_cmyk_jpeg_is_drawn_in_its_colours(render_with) -> None:
    image = Image.new("CMYK", SLIDE, (0, 255, 255, 0))  # no cyan, full magenta and yellow
    carousel = render_with(image, "print.jpg", quality=95)
    assert near(corners(carousel.slides[0])["top-left"], (255, 0, 0), 12)


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in (x, y, z))


def rgb_profile(red, green, blue, gamma: float = 2.2) -> bytes:
    """A minimal ICC v2 display profile: primaries (D50 XYZ) and one gamma curve."""
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", 5) + b"test\0" + b"\0" * 79
    tags = [
        (b"desc", desc),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz(*red)),
        (b"gXYZ", _xyz(*green)),
        (b"bXYZ", _xyz(*blue)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I4sI4s4s4s", size, b"\0" * 4, 0x02100000, b"mntr", b"RGB ", b"XYZ ")
    header += b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)
    header += _xyz(0.9642, 1.0, 0.8249)[8:] + b"\0" * 4 + b"\0" * 16
    header += b"\0" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + data


# sRGB's own primaries, adapted to D50 as ICC profiles store them.
SRGB_RED, SRGB_GREEN, SRGB_BLUE = (
    (0.4361, 0.2225, 0.0139),
    (0.3851, 0.7169, 0.0971),
    (
        0.1431,
        0.0606,
        0.7141,
    ),
)


def test_an_embedded_colour_profile_is_converted_to_srgb(render_with) -> None:
    # A profile whose "red" channel is sRGB's green: the stored (255, 0, 0) is green.
    profile = rgb_profile(SRGB_GREEN, SRGB_RED, SRGB_BLUE)
    image = Image.new("RGB", SLIDE, (255, 0, 0))
    carousel = render_with(image, "tagged.png", icc_profile=profile)
    assert near(corners(carousel.slides[0])["top-left"], (0, 255, 0), 12)
    assert image_warnings(carousel) == []


def test_adobe_rgb_greens_are_mapped_into_srgb(render_with) -> None:
    adobe = rgb_profile(
        (0.6097, 0.3111, 0.0195), (0.2053, 0.6257, 0.0609), (0.1492, 0.0632, 0.7446)
    )
    image = Image.new("RGB", SLIDE, (60, 150, 60))
    seen = corners(render_with(image, "adobe.jpg", icc_profile=adobe, quality=95).slides[0])
    # The same numbers in Adobe RGB are a more saturated green than in sRGB.
    assert seen["top-left"][1] - seen["top-left"][0] > 150 - 60 + 15


def test_a_broken_colour_profile_is_a_warning_and_the_image_is_still_drawn(render_with) -> None:
    image = Image.new("RGB", SLIDE, (255, 0, 0))
    carousel = render_with(image, "odd.png", icc_profile=b"not a profile")
    assert near(corners(carousel.slides[0])["top-left"], (255, 0, 0), 2)
    (note,) = image_warnings(carousel)
    assert note.startswith("story.md: featured_image: odd.png: its colour profile")


def test_a_thumbnail_is_softened_not_stretched_into_blocks_with_a_warning(render_with) -> None:
    # Pixel-sized detail: enlarged 45× it would show as a checkerboard of 45-pixel blocks.
    checker = Image.new("RGB", (40, 30), RED)
    for x in range(40):
        for y in range(x % 2, 30, 2):
            checker.putpixel((x, y), BLUE)
    carousel = render_with(checker, "thumb.png")
    middle = carousel.slides[0].image.crop((300, 300, 780, 500))
    assert max(ImageStat.Stat(middle).stddev) < 4  # an even wash of the two colours
    (note,) = image_warnings(carousel)
    assert note == (
        "story.md: featured_image: thumb.png: 40×30 pixels is too small for the 1080×1350 "
        "slide (enlarged 45×), drawn softened; use an image of at least 360×450 pixels"
    )


def test_an_ordinary_web_image_still_covers_the_slide(render_with) -> None:
    carousel = render_with(Image.new("RGB", (640, 480), RED), "web.jpg", quality=95)
    assert all(near(pixel, RED) for pixel in corners(carousel.slides[0]).values())
    assert image_warnings(carousel) == []


def test_a_png_encoding_gamma_is_honoured(render_with) -> None:
    linear = PngImagePlugin.PngInfo()
    linear.add(b"gAMA", struct.pack(">I", 100000))  # gamma 1.0: a linear render
    image = Image.new("RGB", SLIDE, (128, 128, 128))
    seen = corners(render_with(image, "linear.png", pnginfo=linear).slides[0])
    assert near(seen["top-left"], (186, 186, 186), 2)  # linear 0.5 is sRGB 186
    plain = corners(render_with(image, "plain.png").slides[0])
    assert plain["top-left"] == (128, 128, 128)


def _premultiplied_fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`fit_behind` without its opaque shortcut: every image resampled premultiplied."""
    fitted = ImageOps.fit(image.convert("RGBa"), size, Image.Resampling.LANCZOS)
    scale = max(size[0] / image.width, size[1] / image.height)
    if scale > MAX_UPSCALE:
        fitted = fitted.filter(ImageFilter.GaussianBlur(scale * 0.6))
    return fitted.convert("RGBA")


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 90),
    st.integers(1, 90),
    st.integers(1, 120),
    st.integers(1, 120),
    st.integers(0, 2**32 - 1),
)
def test_an_opaque_image_is_fitted_to_the_pixels_of_the_premultiplied_path(w, h, sw, sh, seed):
    noise = random.Random(seed).randbytes(w * h * 3)
    image = Image.frombytes("RGB", (w, h), noise).convert("RGBA")
    fitted = fit_behind(image, (sw, sh))
    assert fitted.mode == "RGBA"
    assert fitted.tobytes() == _premultiplied_fit(image, (sw, sh)).tobytes()


def _sized_jpeg(path: Path, size: tuple[int, int], orientation: int = 1) -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.new("RGB", size, BLUE).save(path, exif=exif, quality=90)
    return path


def test_a_large_jpeg_is_decoded_at_the_least_scale_that_covers_the_slide(tmp_path) -> None:
    # 2400×1600 behind a 1200×630 og card: decoded at half size (1200×800) it still covers.
    path = _sized_jpeg(tmp_path / "wide.jpg", (2400, 1600))
    for slide, decoded in [((1200, 630), (1200, 800)), ((1080, 1350), (2400, 1600))]:
        with Image.open(path) as handle:
            handle.draft("RGB", draft_size(handle, slide))
            assert handle.size == decoded  # behind a 1080×1350 slide, half would not cover
    assert open_image(path, 10**8, draft=(1200, 630)).size == (1200, 800)


def test_a_sideways_phone_photo_is_decoded_large_enough_once_upright(tmp_path) -> None:
    # Stored 2400×1600 with EXIF 6: seen as 1600×2400. Covering 1200×630 takes 1200×1800 of
    # it as seen, so no reduction: half of the stored size would be 800 wide once upright.
    path = _sized_jpeg(tmp_path / "phone.jpg", (2400, 1600), orientation=6)
    with Image.open(path) as handle:
        assert draft_size(handle, (1200, 630)) == (1800, 1200)
    assert open_image(path, 10**8, draft=(1200, 630)).size == (1600, 2400)
