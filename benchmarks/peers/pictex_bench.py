"""PicTex peer: render the benchmark cards with PicTex (Python, Skia) and print JSON timings.

Runs in its own virtualenv (see benchmarks/setup_peers.sh), never with cardimg installed:

    <peers>/pictex-venv/bin/python benchmarks/peers/pictex_bench.py --spec SPEC.json \
        --what image|png --repeat N [--save DIR]

--what image   Canvas.render(): layout, shaping, wrapping, rasterising into a Skia image
--what png     + PNG encoding of that image (Skia's encoder)

The first pass in this fresh process is "cold"; one untimed warm-up pass follows, then
`--repeat` timed passes ("warm"). Times are whole passes over all cards, in ms.
PicTex takes fonts as file paths on each text element and opens them while rendering:
it has no API to load a font once, so its times include that by design.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from importlib.metadata import version

import skia
from pictex import Canvas, Column, FontSmoothing, Text

_FIRST_WORD = re.compile(r"^(\W*\w\S*)")


def vary(text: str, number: int | None) -> str:
    """The text with `number` after its first word (the same rule in every peer)."""
    return text if number is None else _FIRST_WORD.sub(rf"\g<1> {number}", text, count=1)


def _element(spec: dict, card: dict, paths: dict, number: int | None = None) -> Column:
    texts = []
    for block in card["blocks"]:
        text = vary(block["text"], number)
        text = f"{block['marker']}\u00a0{text}" if block.get("marker") else text
        texts.append(
            Text(text)
            .font_family(paths[(block["family"], block["weight"])])
            .font_size(block["size"])
            .line_height(block["line_height"])
            .text_align(block["align"])
            .color(spec["color"])
            .width("100%")
            .margin_bottom(block["space_after"])
            .padding_left(block["indent"])
        )
    return (
        Column(*texts)
        .size(spec["width"], spec["height"])
        .padding(spec["padding"])
        .background_color(spec["background"])
        .justify_content("center")
        .align_items("center")
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--what", choices=["image", "png"], required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--save", help="write each card's PNG here as pictex-NN.png")
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    paths = {(font["name"], font["weight"]): font["path"] for font in spec["fonts"]}
    elements = [_element(spec, card, paths) for card in spec["cards"]]
    canvas = Canvas()
    passes = iter(range(1_000_000))

    def one_pass() -> int:
        # With "vary", every pass writes its number into the text: no earlier result answers.
        number = next(passes) if spec.get("vary") else None
        size = 0
        for element in [_element(spec, card, paths, number) for card in spec["cards"]]:
            image = canvas.render(element, font_smoothing=FontSmoothing.STANDARD)
            if args.what == "image":
                size += image.width * image.height * 4
            else:
                data = image.skia_image.encodeToData(skia.EncodedImageFormat.kPNG, 100)
                size += len(data.bytes())
        return size

    c0, t0 = time.process_time(), time.perf_counter()
    size = one_pass()
    cold, cold_cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    warm: list[float] = []
    cpu: list[float] = []
    if args.repeat > 0:
        one_pass()
        for _ in range(args.repeat):
            c0, t0 = time.process_time(), time.perf_counter()
            one_pass()
            warm.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    if args.save:
        os.makedirs(args.save, exist_ok=True)
        for number, element in enumerate(elements, start=1):
            image = canvas.render(element, font_smoothing=FontSmoothing.STANDARD)
            image.save(os.path.join(args.save, f"pictex-{number:02d}.png"))
    versions = {name: version(name) for name in ("pictex", "skia-python")}
    print(json.dumps({
        "tool": "pictex", "what": args.what, "slides": len(elements), "versions": versions,
        "cold": cold, "cold_cpu": cold_cpu, "warm": warm, "cpu": cpu, "bytes": size,
    }))


if __name__ == "__main__":
    main()
