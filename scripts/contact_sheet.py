"""Render sample stories and tile their slides into one contact-sheet PNG.

python scripts/contact_sheet.py samples/*.md -o docs/contact-sheet.png
python scripts/contact_sheet.py samples/20200314-iraq-latest.md --presets -o docs/presets.png
python scripts/contact_sheet.py samples/20200314-iraq-latest.md --strip -o docs/seed-carousel.png
python scripts/contact_sheet.py samples/20200314-iraq-latest.md --themes -o docs/themes.png
python scripts/contact_sheet.py samples/20200314-iraq-latest.md --strip --theme bold \
    -o docs/themes-bold.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

import cardimg
from cardimg import default_theme, theme_fonts
from cardimg.paint import paint_contact_sheet

# One row per preset family, as the README shows them: the feed, a Story, the covers.
FAMILIES = (("feed", ["instagram-portrait"]), ("Story", ["story"]), ("covers", ["og", "x"]))


def _named(carousel: cardimg.Carousel, prefix: str = "") -> list[tuple[str, Image.Image]]:
    return [(f"{prefix}{slide.index:02d}", slide.image) for slide in carousel.slides]


def story_rows(paths: list[Path], preset: str, theme: str | None) -> list:
    rows = []
    for path in paths:
        carousel = cardimg.render(path, preset=preset, theme=_theme(theme))
        rows.append((f"{path.name} — {len(carousel.slides)} slides", _named(carousel)))
    return rows


def preset_rows(path: Path, theme: str | None) -> list:
    rows = []
    for family, presets in FAMILIES:
        images = []
        for preset in presets:
            carousel = cardimg.render(path, preset=preset, theme=_theme(theme))
            prefix = f"{preset} " if len(presets) > 1 else ""
            images += _named(carousel, prefix)
        rows.append((f"{family}: {', '.join(presets)}", images))
    return rows


def theme_rows(path: Path) -> list:
    """One row per built-in theme: the same story in every look cardimg ships."""
    from cardimg.theme import theme_names

    names = ["default", *(name for name in theme_names() if name != "default")]
    return [(f"theme {name}", _named(cardimg.render(path, theme=name))) for name in names]


def strip(path: Path, theme: str | None = None, height: int = 480) -> Image.Image:
    """The README's banner: a story's slides side by side, no labels."""
    slides = cardimg.render(path, theme=_theme(theme)).slides
    thumbs = [s.image.resize((round(s.width * height / s.height), height)) for s in slides]
    gap = 12
    canvas = Image.new(
        "RGB",
        (sum(t.width for t in thumbs) + gap * (len(thumbs) + 1), height + 2 * gap),
        (236, 236, 236),
    )
    x = gap
    for thumb in thumbs:
        canvas.paste(thumb, (x, gap))
        x += thumb.width + gap
    return canvas


def _theme(name: str | None) -> cardimg.Theme | None:
    return cardimg.load_theme(name) if name else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--preset", default="instagram-portrait")
    parser.add_argument("--theme", help="a theme name or file (default: the built-in theme)")
    parser.add_argument("--presets", action="store_true", help="one row per preset family")
    parser.add_argument("--strip", action="store_true", help="one story's slides in a row")
    parser.add_argument("--themes", action="store_true", help="one row per built-in theme")
    parser.add_argument("--thumb-width", type=int, default=270)
    parser.add_argument("--columns", type=int, default=7)
    args = parser.parse_args()
    if args.strip:
        image = strip(args.paths[0], args.theme)
    else:
        if args.themes:
            rows = theme_rows(args.paths[0])
        elif args.presets:
            rows = preset_rows(args.paths[0], args.theme)
        else:
            rows = story_rows(args.paths, args.preset, args.theme)
        fonts = theme_fonts(default_theme())
        image = paint_contact_sheet(
            rows, fonts=fonts, thumb_width=args.thumb_width, columns=args.columns
        )
    image.save(args.out, optimize=True)
    print(args.out)


if __name__ == "__main__":
    main()
