"""Render sample stories and tile their slides into one contact-sheet PNG per story set.

python scripts/contact_sheet.py samples/*.md -o docs/contact-sheet.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

import cardimg
from cardimg import default_theme, theme_fonts


def sheet(
    paths: list[Path], *, thumb_width: int = 270, columns: int = 7, labels: bool = True
) -> Image.Image:
    rows: list[tuple[str, list[Image.Image]]] = []
    for path in paths:
        carousel = cardimg.render(cardimg.load_story(path))
        thumbs = [
            s.image.resize(
                (thumb_width, round(s.height * thumb_width / s.width)), Image.Resampling.LANCZOS
            )
            for s in carousel.slides
        ]
        rows.append((path.name, thumbs))
    thumb_height = max(t.height for _, ts in rows for t in ts)
    gap, label = 10, 34 if labels else 0
    width = gap + columns * (thumb_width + gap)
    heights = [
        label + ((len(ts) + columns - 1) // columns) * (thumb_height + gap) for _, ts in rows
    ]
    canvas = Image.new("RGB", (width, sum(heights) + gap), (236, 236, 236))
    draw = ImageDraw.Draw(canvas)
    font = theme_fonts(default_theme()).font(theme_fonts(default_theme()).face("sans-semibold"), 20)
    y = gap
    for (name, thumbs), height in zip(rows, heights, strict=True):
        if labels:
            draw.text((gap, y + 6), f"{name} — {len(thumbs)} slides", font=font, fill=(40, 40, 40))
        for n, thumb in enumerate(thumbs):
            col, row = n % columns, n // columns
            canvas.paste(
                thumb, (gap + col * (thumb_width + gap), y + label + row * (thumb_height + gap))
            )
        y += height
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--thumb-width", type=int, default=270)
    parser.add_argument("--columns", type=int, default=7)
    parser.add_argument("--no-labels", dest="labels", action="store_false")
    args = parser.parse_args()
    image = sheet(
        args.paths, thumb_width=args.thumb_width, columns=args.columns, labels=args.labels
    )
    image.save(args.out, optimize=True)
    print(args.out)


if __name__ == "__main__":
    main()
