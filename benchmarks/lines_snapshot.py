"""Every laid-out line of the samples, as JSON: proof that a change left layout alone.

    PYTHONPATH=src python benchmarks/lines_snapshot.py /tmp/lines-before.json
    ... change layout (a cache, a faster breaker) ...
    PYTHONPATH=src python benchmarks/lines_snapshot.py /tmp/lines-after.json
    python benchmarks/lines_snapshot.py --compare /tmp/lines-before.json /tmp/lines-after.json

Lays out (no painting) every story in samples/ for every built-in preset and every
built-in theme, as `render` would (`analysis.plan_slides`: a carousel's cards and
sources, or a cover preset's one cover), and records each slide's lines: text, box, font
size, role, baseline, and each fragment's text, x, width, font and size. Floats are kept
exact (JSON round-trips Python floats), so any change of a width or position shows.

Font files are written relative to the checkout (or the package) they came from, so two
worktrees of one commit give identical snapshots. `--compare` prints what differs and
exits 1 when anything does (0 when the snapshots are equal).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _font_name(font: str, roots: tuple[str, ...]) -> str:
    """A font path without the checkout it lives in (system fonts stay absolute)."""
    for root in roots:
        if font.startswith(root):
            return font[len(root) :].lstrip("/")
    return font


def _fragment(fragment: Any, roots: tuple[str, ...]) -> dict[str, Any]:
    return {
        "text": fragment.text,
        "x": fragment.x,
        "width": fragment.width,
        "font": _font_name(fragment.style.font, roots),
        "size": fragment.style.size,
        "baseline": fragment.baseline,
        "rtl": fragment.rtl,
    }


def _line(line: Any, roots: tuple[str, ...]) -> dict[str, Any]:
    return {
        "text": line.text,
        "box": list(line.box),
        "font_size": line.font_size,
        "role": line.role,
        "block_role": line.block_role,
        "baseline": line.baseline,
        "hyphenated": line.hyphenated,
        "fragments": [_fragment(f, roots) for f in line.fragments],
        "marker": _fragment(line.marker, roots) if line.marker is not None else None,
    }


def _slide(plan: Any, roots: tuple[str, ...]) -> dict[str, Any]:
    return {
        "kind": plan.kind,
        "card": plan.card_key,
        "body_size": plan.body_size,
        "part": f"{plan.part}/{plan.parts}",
        "lines": [_line(line, roots) for line in plan.lines],
        "marks": [[m.kind, m.x, m.y, m.size] for m in plan.marks],
    }


def snapshot(samples: Path) -> dict[str, Any]:
    """{story/preset/theme: [slides] or {"error": message}} for every combination."""
    import cardimg
    from cardimg.analysis import plan_slides
    from cardimg.errors import CardimgError
    from cardimg.presets import PRESETS
    from cardimg.resources import data_dir
    from cardimg.theme import load_theme, theme_names

    roots = tuple(sorted({str(ROOT), str(data_dir("fonts").parent)}, key=len, reverse=True))
    result: dict[str, Any] = {}
    for path in sorted(samples.glob("*.md")):
        story = cardimg.load_story(path)
        for theme_name in theme_names():
            theme = load_theme(theme_name)
            for preset in PRESETS.values():
                key = f"{path.name}/{preset.name}/{theme_name}"
                try:
                    plans = plan_slides(story, theme, preset, sources=True, notes=[])
                except CardimgError as exc:
                    result[key] = {"error": str(exc)}
                    continue
                result[key] = [_slide(plan, roots) for plan in plans]
    return result


def _differences(a: Any, b: Any, where: str, out: list[str], limit: int) -> None:
    """Paths where `a` and `b` differ, at most `limit` of them, deepest first."""
    if len(out) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{where}/{key}: only in {'B' if key not in a else 'A'}")
            else:
                _differences(a[key], b[key], f"{where}/{key}", out, limit)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            _differences(x, y, f"{where}[{index}]", out, limit)
    elif a != b:
        if isinstance(a, list) and isinstance(b, list):
            out.append(f"{where}: {len(a)} entries in A, {len(b)} in B")
        else:
            out.append(f"{where}: A {a!r} != B {b!r}")


def compare(first: Path, second: Path, limit: int = 200) -> int:
    a = json.loads(first.read_text(encoding="utf-8"))
    b = json.loads(second.read_text(encoding="utf-8"))
    found: list[str] = []
    _differences(a, b, "", found, limit)
    for line in found:
        print(line)
    if found:
        more = " (first ones only)" if len(found) >= limit else ""
        print(f"{len(found)} differences{more} between {first} and {second}")
        return 1
    print(f"identical: {len(a)} layouts")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", nargs="?", type=Path, help="where to write the JSON")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    parser.add_argument("--samples", type=Path, default=ROOT / "samples")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if args.output is None:
        parser.error("give an output path, or --compare A B")
    data = snapshot(args.samples)
    args.output.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")
    slides = sum(len(v) for v in data.values() if isinstance(v, list))
    print(f"{len(data)} layouts, {slides} slides -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
