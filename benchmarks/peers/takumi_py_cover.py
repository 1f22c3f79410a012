"""takumi-py peer, cold: one Open Graph cover (1200×630 PNG) in a fresh process.

Runs in its own virtualenv (see benchmarks/setup_peers.sh), never with cardimg installed:

    <peers>/takumi-venv/bin/python benchmarks/peers/takumi_py_cover.py SPEC.json START

START is the wall-clock time (time.time()) at which the benchmark started this process.
The script imports takumi-py, registers the spec's fonts (takumi's bundled fonts off),
renders one card with the story's series and title, encodes it as PNG, and prints JSON:
`to_bytes_ms` (from START to the PNG's bytes) and `after_imports_ms` (from the end of the
imports to the bytes). It does nothing else, so that the times are takumi-py's own.
"""

import sys
import time

START = float(sys.argv[2])

import json  # noqa: E402  (after START: everything the process does is timed)

from takumi_py import FontResource, Renderer  # noqa: E402

IMPORTED = time.time()


def cover_node(spec: dict) -> dict:
    """A column of two texts centred on the cover: the series small, the title large."""

    def text(value: str, family: str, size: float, weight: int) -> dict:
        style = {"fontFamily": family, "fontSize": size, "fontWeight": weight,
                 "lineHeight": 1.15, "textAlign": "center", "marginBottom": size * 0.4}
        return {"type": "text", "text": value, "style": style}

    return {
        "type": "container",
        "style": {
            "boxSizing": "border-box", "width": spec["width"], "height": spec["height"],
            "display": "flex", "flexDirection": "column", "justifyContent": "center",
            "alignItems": "stretch", "padding": spec["padding"],
            "backgroundColor": spec["background"], "color": spec["color"],
        },
        "children": [
            text(spec["series"], "Inter", 30, 700),
            text(spec["title"], "Quattrocento", 84, 400),
        ],
    }


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    fonts = []
    for font in spec["fonts"]:
        with open(font["path"], "rb") as handle:
            fonts.append(FontResource(handle.read(), name=font["name"], weight=font["weight"]))
    renderer = Renderer(load_default_fonts=False, fonts=fonts)
    png = renderer.render_node(cover_node(spec), format="png", width=spec["width"],
                               height=spec["height"])
    done = time.time()
    print(json.dumps({"tool": "takumi-py", "bytes": len(png),
                      "to_bytes_ms": (done - START) * 1000,
                      "after_imports_ms": (done - IMPORTED) * 1000}))


if __name__ == "__main__":
    main()
