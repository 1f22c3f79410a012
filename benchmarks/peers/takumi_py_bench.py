"""takumi-py peer: render the benchmark cards with takumi's Python binding (Rust) and print
JSON timings.

Runs in its own virtualenv (see benchmarks/setup_peers.sh), never with cardimg installed:

    <peers>/takumi-venv/bin/python benchmarks/peers/takumi_py_bench.py --spec SPEC.json \
        --what layout|raster|png --repeat N [--save DIR]

--what layout   Renderer.measure_node(): layout, shaping, line breaking (no pixels)
--what raster   Renderer.render_node(format="raw"): + rasterising to RGBA
--what png      Renderer.render_node(format="png"): + PNG encoding

Fonts are registered once on one Renderer (with takumi's bundled fonts off). Every pass
builds its node trees from the spec with the pass number written into each block's text
(when the spec says "vary"), so no cache of a whole earlier result can answer. The first
pass in this fresh process is "cold"; one untimed warm-up pass follows, then `--repeat`
timed passes ("warm"). Times are whole passes over all cards, in ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from importlib.metadata import version

from takumi_py import FontResource, Renderer

_FIRST_WORD = re.compile(r"^(\W*\w\S*)")


def vary(text: str, number: int | None) -> str:
    """The text with `number` after its first word (the same rule in every peer)."""
    return text if number is None else _FIRST_WORD.sub(rf"\g<1> {number}", text, count=1)


def _node(spec: dict, card: dict, number: int | None) -> dict:
    children = []
    for block in card["blocks"]:
        text = vary(block["text"], number)
        if block.get("marker"):
            text = f"{block['marker']}\u00a0{text}"
        children.append({
            "type": "text",
            "text": text,
            "style": {
                "fontFamily": block["family"],
                "fontSize": block["size"],
                "fontWeight": block["weight"],
                "lineHeight": block["line_height"],
                "textAlign": block["align"],
                "marginBottom": block["space_after"],
                "paddingLeft": block["indent"],
            },
        })
    return {
        "type": "container",
        "style": {
            "boxSizing": "border-box",
            "width": spec["width"],
            "height": spec["height"],
            "display": "flex",
            "flexDirection": "column",
            "justifyContent": "center",
            "alignItems": "stretch",
            "padding": spec["padding"],
            "backgroundColor": spec["background"],
            "color": spec["color"],
        },
        "children": children,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--what", choices=["layout", "raster", "png"], required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--save", help="write each card's PNG here as takumi-py-NN.png")
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    size = {"width": spec["width"], "height": spec["height"]}
    passes = iter(range(1_000_000))

    def setup() -> Renderer:
        fonts = []
        for font in spec["fonts"]:
            with open(font["path"], "rb") as handle:
                data = handle.read()
            fonts.append(FontResource(data, name=font["name"], weight=font["weight"]))
        return Renderer(load_default_fonts=False, fonts=fonts)

    def one_pass(renderer: Renderer) -> int:
        number = next(passes) if spec.get("vary") else None
        total = 0
        for card in spec["cards"]:
            node = _node(spec, card, number)
            if args.what == "layout":
                renderer.measure_node(node, **size)
            else:
                fmt = "png" if args.what == "png" else "raw"
                total += len(renderer.render_node(node, format=fmt, **size))
        return total

    c0, t0 = time.process_time(), time.perf_counter()
    renderer = setup()
    total = one_pass(renderer)
    cold, cold_cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    warm: list[float] = []
    cpu: list[float] = []
    if args.repeat > 0:
        one_pass(renderer)
        for _ in range(args.repeat):
            c0, t0 = time.process_time(), time.perf_counter()
            one_pass(renderer)
            warm.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    if args.save:
        os.makedirs(args.save, exist_ok=True)
        for number, card in enumerate(spec["cards"], start=1):
            png = renderer.render_node(_node(spec, card, None), format="png", **size)
            with open(os.path.join(args.save, f"takumi-py-{number:02d}.png"), "wb") as handle:
                handle.write(png)
    print(json.dumps({
        "tool": "takumi-py", "what": args.what, "slides": len(spec["cards"]),
        "versions": {"takumi-py": version("takumi-py")},
        "cold": cold, "cold_cpu": cold_cpu, "warm": warm, "cpu": cpu, "bytes": total,
    }))


if __name__ == "__main__":
    main()
