"""A frame strip of a story's video: the middle of each slide and the middle of each
transition, read back from the MP4 with PyAV (what a viewer sees, not the slides).

    python scripts/video_frames.py samples/20200314-iraq-latest.md -o docs/video-frames.png
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import av
from PIL import Image, ImageDraw

import cardimg

THUMB = (216, 384)  # a 9:16 frame at a fifth of 1080×1920


def moments(slides: list[dict[str, float]]) -> list[tuple[float, str]]:
    """When to take a frame, and its label: each slide's middle, each cross-fade's."""
    wanted = []
    for number, slide in enumerate(slides, start=1):
        wanted.append(((slide["start"] + slide["end"]) / 2, f"slide {number}"))
        if number < len(slides):
            # A transition is centred on the boundary: there the two slides are half each.
            wanted.append((slide["end"], f"{number} to {number + 1}"))
    return wanted


def frames(video: Path, wanted: list[tuple[float, str]]) -> list[tuple[Image.Image, str]]:
    taken: list[tuple[Image.Image, str]] = []
    pending = sorted(wanted)
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            seconds = float(frame.pts * stream.time_base)
            while pending and seconds >= pending[0][0]:
                taken.append((frame.to_image(), f"{pending[0][1]} · {pending[0][0]:.1f} s"))
                pending.pop(0)
    return taken


def strip(taken: list[tuple[Image.Image, str]]) -> Image.Image:
    width, height = THUMB
    sheet = Image.new("RGB", (len(taken) * (width + 8) + 8, height + 40), "#eeeeee")
    draw = ImageDraw.Draw(sheet)
    for index, (image, label) in enumerate(taken):
        x = 8 + index * (width + 8)
        sheet.paste(image.convert("RGB").resize(THUMB, Image.Resampling.LANCZOS), (x, 8))
        draw.text((x, height + 16), label, fill="#333333")
    return sheet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("story", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True)
    args = parser.parse_args()
    carousel = cardimg.render(args.story, preset="reel")
    with tempfile.TemporaryDirectory() as folder:
        written = carousel.save(folder, format="mp4")
        video = next(path for path in written if path.suffix == ".mp4")
        manifest = json.loads((video.parent / "manifest.json").read_text("utf-8"))
        taken = frames(video, moments(manifest["slides"]))
    strip(taken).save(args.out, optimize=True)
    print(args.out)


if __name__ == "__main__":
    main()
