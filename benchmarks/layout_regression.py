"""Layout time of the seed story now versus an earlier commit (the foundation), same run.

    python benchmarks/layout_regression.py [--base 0e7065f] [--repeat 30]

Each side runs in its own process from a `git worktree` of its commit, so both are
measured on the same machine in the same minute. Prints per-slide medians and the
ratio; issue #4 asks that typography keep the seed's layout within 1.5x.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOUNDATION = "0e7065f"  # the last commit before the typography work of issue #4

PROBE = r"""
import json, statistics, sys, time
import cardimg
from cardimg.plan import plan_story
from cardimg import default_theme, theme_fonts
story = cardimg.load_story(sys.argv[1])
theme = default_theme()
repeat = int(sys.argv[2])

def clear(fonts):
    # Cold caches: what a batch of new stories sees (fonts stay loaded).
    import cardimg.layout.items as items
    for name in ("width", "runs", "_reference_width"):
        cache = getattr(fonts, name, None)
        if cache is not None and hasattr(cache, "cache_clear"):
            cache.cache_clear()
    if hasattr(items, "_break_units"):
        items._break_units.cache_clear()

fonts = theme_fonts(theme)
plans = plan_story(story, theme=theme, measurer=fonts, width=1080, height=1350)
cold, warm = [], []
for _ in range(repeat):
    clear(fonts)
    start = time.perf_counter()
    plan_story(story, theme=theme, measurer=fonts, width=1080, height=1350)
    cold.append(time.perf_counter() - start)
for _ in range(repeat):
    start = time.perf_counter()
    plan_story(story, theme=theme, measurer=fonts, width=1080, height=1350)
    warm.append(time.perf_counter() - start)
result = {"slides": len(plans), "cold": statistics.median(cold), "warm": statistics.median(warm)}
print(json.dumps(result))
"""


def measure(src: Path, repeat: int) -> dict:
    story = ROOT / "samples" / "20200314-iraq-latest.md"
    env = {"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(story), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=FOUNDATION, help="commit to compare with")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), args.base],
            check=True,
        )
        try:
            base = measure(tree / "src", args.repeat)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True
            )
    now = measure(ROOT / "src", args.repeat)
    print(
        f"{'layout of the seed story':32} {'slides':>6} {'cold ms/slide':>14} {'warm ms/slide':>14}"
    )
    for name, result in ((f"foundation ({args.base})", base), ("now (working tree)", now)):
        per = result["slides"]
        cold, warm = result["cold"] * 1000 / per, result["warm"] * 1000 / per
        print(f"{name:32} {per:>6} {cold:>14.2f} {warm:>14.2f}")
    cold, warm = now["cold"] / base["cold"], now["warm"] / base["warm"]
    print(f"{'ratio now / foundation':32} {'':>6} {cold:>14.2f} {warm:>14.2f}")


if __name__ == "__main__":
    main()
