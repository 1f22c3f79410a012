"""Slides painted by an earlier commit beside the same slides painted now, at 4x zoom.

    python scripts/compare_paint.py --base 201e1de --out docs/paint-before-after.png

Each side renders in its own process from a `git worktree` of its commit (the base) or
this checkout (now). For each chosen slide the sheet shows a crop at 4x: the base, now,
and their difference amplified 8x (black: the same pixel). Used to review a change of
painting by eye, as docs/benchmarks.md records.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

ROOT = Path(__file__).resolve().parents[1]

# (sample, theme, preset, slide number, line number): the crop is 280 px of that line
CROPS = [
    ("20200314-iraq-latest", "default", "instagram-portrait", 3, 1),
    ("20200314-iraq-latest", "default", "instagram-portrait", 3, 5),
    ("20240113-arabic", "default", "instagram-portrait", 2, 3),
    ("20240115-devanagari", "default", "instagram-portrait", 2, 3),
    ("20240116-thai", "quiet", "instagram-portrait", 2, 3),
    ("20240117-chinese", "bold", "instagram-portrait", 2, 3),
    ("20240120-emoji", "default", "instagram-portrait", 2, 3),
]
CROP_WIDTH = 280

PROBE = r"""
import json, sys
import cardimg
out, crops = sys.argv[1], json.loads(sys.argv[2])
boxes = []
for n, (sample, theme, preset, slide, line) in enumerate(crops):
    carousel = cardimg.render(f"samples/{sample}.md", theme=theme, preset=preset)
    shown = carousel.slides[slide - 1]
    shown.image.convert("RGB").save(f"{out}/{n}.png")
    boxes.append(shown.lines[line].box)
print(json.dumps(boxes))
"""


def render_side(source: Path, out: Path) -> list[list[int]]:
    """Render the chosen slides with `source`'s code; the boxes of the chosen lines."""
    out.mkdir(parents=True, exist_ok=True)
    env = {"PYTHONPATH": str(source / "src"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), json.dumps(CROPS)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    boxes: list[list[int]] = json.loads(result.stdout.splitlines()[-1])
    return boxes


def sheet(base: Path, now: Path, boxes: list[list[int]], zoom: int = 4) -> Image.Image:
    rows = []
    for n, (sample, theme, _, slide, _) in enumerate(CROPS):
        x0, y0, x1, y1 = boxes[n]
        middle = (x0 + x1) // 2
        box = (middle - CROP_WIDTH // 2, y0, middle + CROP_WIDTH // 2, y1)
        before = Image.open(base / f"{n}.png").crop(box)
        after = Image.open(now / f"{n}.png").crop(box)
        diff = ImageChops.difference(before, after).point(lambda v: min(255, v * 8))
        row = Image.new("RGB", (before.width * 3 + 20, before.height + 18), "white")
        for column, image in enumerate((before, after, diff)):
            row.paste(image, (column * (before.width + 10), 18))
        ImageDraw.Draw(row).text((2, 2), f"{sample} / {theme} / slide {slide}", fill="black")
        rows.append(row.resize((row.width * zoom, row.height * zoom), Image.Resampling.NEAREST))
    width = max(row.width for row in rows)
    canvas = Image.new("RGB", (width, sum(row.height + 8 for row in rows)), "white")
    y = 0
    for row in rows:
        canvas.paste(row, (0, y))
        y += row.height + 8
    return canvas


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the earlier commit")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        tree = work / "base"
        subprocess.run(["git", "worktree", "add", "-q", str(tree), args.base], cwd=ROOT, check=True)
        try:
            render_side(tree, work / "before")
            boxes = render_side(ROOT, work / "now")
            sheet(work / "before", work / "now", boxes).save(args.out, optimize=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
