"""Paint the seed story's featured image: a desert at dusk, made here so it may ship.

python scripts/make_sample_image.py
    -> samples/images/21560c7b6cbd4f98329bbdc508a2ba3cbc824da3-2560x1878.jpg

The sample names a photo from its CMS that the project may not ship; this picture stands
in for it, so the README's first command renders a cover with a photo behind the text and
prints no warning. Everything is drawn with Pillow from a fixed seed (sky gradients, a
sun's glow, streaked clouds, hazy ridges and dunes from midpoint displacement, sand
texture and film grain from seeded noise): the same script gives the same picture.
"""

from __future__ import annotations

import argparse
import itertools
import random
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
NAME = "21560c7b6cbd4f98329bbdc508a2ba3cbc824da3-2560x1878.jpg"
SIZE = (2560, 1878)  # the size the CMS's file name gives
HORIZON = 0.62  # of the height, where the sky meets the farthest ridge
# The setting sun (fractions of the size): outside a portrait crop, so behind no text.
SUN = (0.84, 0.60)
SEED = 20200314
RGB = tuple[int, int, int]

# The sky from its top to the horizon: night blue, dusk violet, a warm band, the glow.
SKY: list[tuple[float, RGB]] = [
    (0.00, (22, 34, 66)),
    (0.30, (60, 70, 112)),
    (0.47, (150, 112, 128)),
    (0.56, (232, 150, 98)),
    (0.62, (250, 202, 140)),
    (1.00, (250, 214, 160)),
]


def gradient(size: tuple[int, int], stops: Sequence[tuple[float, RGB]]) -> Image.Image:
    """A vertical gradient through colour `stops` (position 0..1 down the image)."""
    height = size[1]
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / max(height - 1, 1)
        for (t0, c0), (t1, c1) in itertools.pairwise(stops):
            if t0 <= t <= t1:
                f = (t - t0) / max(t1 - t0, 1e-9)
                column.putpixel(
                    (0, y), tuple(round(a + (b - a) * f) for a, b in zip(c0, c1, strict=True))
                )
                break
    return column.resize(size, Image.Resampling.BILINEAR)


def noise(rng: random.Random, size: tuple[int, int], grid: tuple[int, int]) -> Image.Image:
    """Smooth grey noise: seeded random values on a `grid`, enlarged to `size`."""
    cells = Image.frombytes("L", grid, rng.randbytes(grid[0] * grid[1]))
    return cells.resize(size, Image.Resampling.BICUBIC)


def fractal(
    rng: random.Random, size: tuple[int, int], grids: Sequence[tuple[int, int]]
) -> Image.Image:
    """Octaves of `noise` averaged: large shapes with finer detail on them."""
    result = noise(rng, size, grids[0])
    for index, grid in enumerate(grids[1:], start=2):
        result = Image.blend(result, noise(rng, size, grid), 1 / index)
    return result


def ridge(
    rng: random.Random, width: int, base: float, rough: float, steps: int = 10
) -> list[float]:
    """A skyline by midpoint displacement: heights (pixels from the top) across `width`."""
    points = [base + rng.uniform(-rough, rough), base + rng.uniform(-rough, rough)]
    spread = rough
    for _ in range(steps):
        finer = []
        for a, b in itertools.pairwise(points):
            finer += [a, (a + b) / 2 + rng.uniform(-spread, spread)]
        points = [*finer, points[-1]]
        spread *= 0.55
    scale = (len(points) - 1) / (width - 1)
    return [points[round(x * scale)] for x in range(width)]


def land_mask(size: tuple[int, int], heights: Sequence[float], soften: float) -> Image.Image:
    """White below the skyline `heights`, softened at the edge (haze, or anti-aliasing)."""
    width, height = size
    outline = [(x, heights[x]) for x in range(0, width, 4)] + [(width - 1, heights[-1])]
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).polygon([*outline, (width, height), (0, height)], fill=255)
    return mask.filter(ImageFilter.GaussianBlur(soften))


def sun_glow(size: tuple[int, int]) -> Image.Image:
    """The setting sun: a bright disc in a wide warm glow, to be screened over the sky."""
    width, height = size
    glow = Image.new("RGB", size, (0, 0, 0))
    draw = ImageDraw.Draw(glow)
    cx, cy = SUN[0] * width, SUN[1] * height
    for radius, colour in ((620, (120, 60, 20)), (300, (170, 96, 40)), (120, (230, 150, 80))):
        draw.ellipse((cx - radius, cy - radius * 0.8, cx + radius, cy + radius * 0.8), fill=colour)
    glow = glow.filter(ImageFilter.GaussianBlur(140))
    disc = Image.new("RGB", size, (0, 0, 0))
    ImageDraw.Draw(disc).ellipse((cx - 46, cy - 46, cx + 46, cy + 46), fill=(255, 236, 200))
    return ImageChops.add(glow, disc.filter(ImageFilter.GaussianBlur(3)))


def clouds(rng: random.Random, sky: Image.Image) -> Image.Image:
    """Long thin clouds lit from below by the sun, in the upper sky."""
    width, height = sky.size
    streaks = fractal(rng, (width, height), [(6, 30), (14, 70), (40, 200)])
    # Keep the densest parts only, and fade them out toward the horizon and the top.
    density = streaks.point(lambda v: max(0, min(255, (v - 140) * 4)))
    fade = gradient(
        (width, height), [(0, (60, 60, 60)), (0.25, (255,) * 3), (0.5, (0,) * 3), (1, (0,) * 3)]
    )
    mask = ImageChops.multiply(density, fade.convert("L")).filter(ImageFilter.GaussianBlur(6))
    lit = gradient(
        (width, height), [(0, (120, 96, 120)), (0.35, (238, 150, 130)), (1, (250, 190, 150))]
    )
    return Image.composite(lit, sky, mask.point(lambda v: v * 7 // 10))


def layer(
    rng: random.Random,
    picture: Image.Image,
    heights: Sequence[float],
    colours: Sequence[tuple[float, RGB]],
    texture: float,
    soften: float,
) -> Image.Image:
    """One band of land (a ridge, a dune) over `picture`: coloured down its height,
    with sand or rock `texture` (0..1) from seeded noise."""
    size = picture.size
    colour = gradient(size, colours)
    if texture:
        grain = fractal(rng, size, [(size[0] // 40, size[1] // 60), (size[0] // 6, size[1] // 10)])
        shade = Image.merge("RGB", [grain] * 3)
        colour = Image.blend(colour, ImageChops.multiply(colour, shade), texture)
    return Image.composite(colour, picture, land_mask(size, heights, soften))


def paint(seed: int = SEED) -> Image.Image:
    """The whole picture: sky, sun, clouds, three ridges, two dunes, grain, vignette."""
    rng = random.Random(seed)
    width, height = SIZE
    horizon = HORIZON * height
    picture = ImageChops.screen(gradient(SIZE, SKY), sun_glow(SIZE))
    picture = clouds(rng, picture)
    haze = (244, 196, 150)
    bands = [
        # (base height, roughness, colours top -> bottom, texture, edge softness)
        (horizon - 20, 70, [(0, (196, 140, 136)), (0.75, (226, 170, 140)), (1, haze)], 0.0, 3.0),
        (horizon + 40, 120, [(0, (150, 100, 110)), (0.8, (206, 148, 126)), (1, haze)], 0.1, 2.0),
        (
            horizon + 130,
            110,
            [(0, (112, 74, 80)), (0.85, (168, 112, 96)), (1, (200, 150, 116))],
            0.15,
            1.5,
        ),
        (
            horizon + 300,
            150,
            [(0, (104, 70, 52)), (0.8, (138, 92, 62)), (1, (120, 80, 56))],
            0.25,
            1.2,
        ),
        (
            horizon + 540,
            160,
            [(0, (70, 46, 36)), (0.75, (86, 58, 42)), (1, (44, 30, 24))],
            0.3,
            1.0,
        ),
    ]
    for base, rough, colours, texture, soften in bands:
        heights = ridge(rng, width, base, rough)
        picture = layer(rng, picture, heights, colours, texture, soften)
    return finish(rng, picture)


def finish(rng: random.Random, picture: Image.Image) -> Image.Image:
    """What a camera adds: a soft vignette and a fine grain."""
    width, height = picture.size
    vignette = Image.radial_gradient("L").resize(picture.size, Image.Resampling.BILINEAR)
    vignette = vignette.point(lambda v: 255 - max(0, v - 150) * 90 // 105)
    picture = ImageChops.multiply(picture, Image.merge("RGB", [vignette] * 3))
    grain = Image.frombytes("L", (width // 2, height // 2), rng.randbytes(width * height // 4))
    grain = grain.resize(picture.size, Image.Resampling.BILINEAR).point(
        lambda v: 128 + (v - 128) // 16
    )
    return ImageChops.overlay(picture, Image.merge("RGB", [grain] * 3))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "samples" / "images" / NAME)
    parser.add_argument("--quality", type=int, default=78)
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    paint().save(args.output, quality=args.quality, optimize=True, progressive=True)
    print(f"{args.output}: {args.output.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
