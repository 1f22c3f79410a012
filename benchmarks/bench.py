"""Benchmark cardimg against its peers on the same content, in the same run.

    PYTHONPATH=src /tmp/venv/bin/python benchmarks/bench.py            # full run (N=20)
    PYTHONPATH=src /tmp/venv/bin/python benchmarks/bench.py --quick    # a fast look

Renders the cards of the seed story (samples/20200314-iraq-latest.md) as 1080×1350 slides
with cardimg and with each peer, and prints one table: per slide, the cold time (the
first render in a fresh process, fonts included), the warm median and p90 (steady state),
and the ratio peer time / cardimg time for the same stage.

Peers (installed OUTSIDE the repository by benchmarks/setup_peers.sh, default
/tmp/bench-peers): Satori + resvg-js and takumi (node scripts in benchmarks/peers/*.mjs),
PicTex (benchmarks/peers/pictex_bench.py, in its own venv). Each tool runs in its own
subprocesses, one after another (never two at once), and reports JSON timings.

This is not a test: it is never collected by pytest (testpaths = ["tests"]) and is not run
by CI. Its numbers depend on the machine; compare ratios, not milliseconds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEERS_SCRIPTS = HERE / "peers"
DEFAULT_STORY = ROOT / "samples" / "20200314-iraq-latest.md"
DEFAULT_PEERS = Path(os.environ.get("BENCH_PEERS", "/tmp/bench-peers"))
WIDTH, HEIGHT = 1080, 1350
BACKGROUND, COLOR = "#5f747a", "#ffffff"
PADDING = 64
FONTS = [  # name, weight, file under fonts/
    ("Quattrocento", 400, "quattrocento/Quattrocento-Regular.otf"),
    ("Inter", 400, "inter/Inter-Regular.otf"),
    ("Inter", 700, "inter/Inter-Bold.otf"),
]
FAMILIES = {"serif": "Quattrocento", "sans": "Inter", "mono": "Inter"}

# The card of the target rows: the seed's "Backstory" card (heading + two paragraphs).
TARGET_CARD = "Backstory"
# Every pass writes its number after the first word of each block (each paragraph of a card's
# Markdown), the same rule in every tool: no cache of a whole earlier result can answer.
FIRST_WORD = re.compile(r"^(\W*\w\S*)")
MARKDOWN_FIRST_WORD = re.compile(r"^(\s*(?:\d+[.)]\s+)?\W*\w\S*)")

# A row measured while other processes used more than this many cores is marked with "*".
BUSY = 0.1

# Stages compared across tools: a peer's row is divided by cardimg's row of the same stage.
STAGES = {
    "layout": "layout only",
    "image": "layout + pixels",
    "png": "layout + pixels + PNG",
    "jpeg": "layout + pixels + JPEG",
}


@dataclass(frozen=True)
class Job:
    """One tool at one stage: how to start a worker process for it."""

    tool: str
    stage: str
    label: str
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    baseline: bool = False
    section: str = "main"  # "main": the story table; "target": one slide, the targets


@dataclass
class Row:
    job: Job
    slides: int = 0
    cold: list[float] = field(default_factory=list)      # ms per slide, one per fresh process
    process: list[float] = field(default_factory=list)   # ms, spawn to exit of a fresh process
    warm: list[float] = field(default_factory=list)      # ms per slide, one per pass
    cpu: list[float] = field(default_factory=list)
    bytes_per_slide: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    others: float | None = None   # CPU cores used by other processes while this row ran


# --------------------------------------------------------------------------- content


def snapshot_source(dest: Path) -> Path:
    """Copy cardimg's code and data (src/, fonts/, palettes/) to `dest` (outside the repository)
    so that every worker of one run measures the same code, even if the working tree changes
    while the benchmark runs. Returns the folder to put on PYTHONPATH."""
    for name in ("src", "fonts", "palettes"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    return dest / "src"


def source_state() -> str:
    """The commit measured and whether cardimg's files differ from it (read-only git calls)."""
    def git(*argv: str) -> str:
        proc = subprocess.run(["git", "--no-optional-locks", "-C", str(ROOT), *argv],
                              capture_output=True, text=True, check=False)
        return proc.stdout.strip() if proc.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "src", "fonts", "palettes")
    return f"{commit} + uncommitted changes" if dirty else commit


def vary(text: str, number: int | None) -> str:
    """`text` with the pass number after its first word (None: unchanged)."""
    return text if number is None else FIRST_WORD.sub(rf"\g<1> {number}", text, count=1)


def vary_markdown(body: str, number: int | None) -> str:
    """A card's Markdown with the pass number after the first word of each paragraph, heading
    and list item: the same words the peers get from `vary` on each block."""
    if number is None:
        return body
    chunks = body.split("\n\n")
    return "\n\n".join(MARKDOWN_FIRST_WORD.sub(rf"\g<1> {number}", c, count=1) for c in chunks)


def is_target_card(body: str) -> bool:
    first = body.strip().splitlines()[0] if body.strip() else ""
    return first.lstrip("#").strip() == TARGET_CARD


def build_spec(
    story_path: Path, fonts_dir: Path, *, vary_text: bool = True, target: bool = False
) -> dict:
    """The cards as plain blocks with the fonts, sizes and gaps of cardimg's default theme at
    its preferred body size: the markup every peer builds, one element tree per card.
    `target`: only the target card. `vary_text`: the peers write the pass number into it."""
    import frontmatter

    from cardimg import default_theme
    from cardimg.blocks import parse_blocks

    theme = default_theme()
    body = theme.type.body_size
    post = frontmatter.load(story_path)
    cards = sorted(post.metadata["cards"], key=lambda card: card.get("order", 0))
    if target:
        cards = [card for card in cards if is_target_card(card["body"])][:1]
    out = []
    for card in cards:
        blocks = []
        for block in parse_blocks(card["body"]):
            if block.role == "rule" or not block.text.strip():
                continue
            style = theme.style(block.role)
            size = body * style.scale
            line_height = style.line_height or theme.type.line_height
            after = (
                style.space_after * size * line_height
                if style.space_after is not None
                else theme.type.paragraph_gap * body * theme.type.line_height
            )
            blocks.append({
                "role": block.role,
                "text": block.text.replace("\n", " "),
                "marker": block.marker,
                "family": FAMILIES[style.family],
                "weight": 700 if style.weight in ("bold", "semibold") else 400,
                "size": round(size, 2),
                "line_height": line_height,
                "align": "left" if style.align in ("start", "left") else "center",
                "space_after": round(after, 2),
                "indent": round(style.indent * size * max(block.depth - 1, 0), 2),
            })
        if blocks:
            blocks[-1]["space_after"] = 0
        out.append({"key": card.get("_key"), "blocks": blocks})
    return {
        "width": WIDTH, "height": HEIGHT, "background": BACKGROUND, "color": COLOR,
        "padding": PADDING, "vary": vary_text,
        "fonts": [
            {"name": name, "weight": weight, "style": "normal", "path": str(fonts_dir / rel)}
            for name, weight, rel in FONTS
        ],
        "cards": out,
    }


# --------------------------------------------------------------------------- cardimg worker


def cardimg_worker(
    what: str,
    story_path: Path,
    repeat: int,
    sources: bool,
    save: Path | None = None,
    *,
    vary_text: bool = True,
    target: bool = False,
) -> dict:
    """Runs in a fresh process: the first pass is cold (theme, FontBook, font files and
    Pillow's font objects are all created lazily inside it), then warm-up and timed passes.
    Each pass renders the story with its number written into every paragraph (`vary_text`);
    `target`: only the target card, as one slide."""
    from dataclasses import replace

    import cardimg
    from cardimg import default_theme, theme_fonts
    from cardimg.export import encode
    from cardimg.plan import plan_story

    # The peers draw text only: so does cardimg here (the seed has a featured image, which
    # would make its first slide a photo slide, another job).
    story = replace(cardimg.load_story(story_path), featured_image=None)
    if target:
        story = replace(story, cards=tuple(c for c in story.cards if is_target_card(c.body))[:1])
    passes = iter(range(1_000_000))

    def one_pass() -> tuple[int, int]:
        number = next(passes) if vary_text else None
        cards = tuple(replace(c, body=vary_markdown(c.body, number)) for c in story.cards)
        varied = replace(story, cards=cards)
        if what == "layout":
            theme = default_theme()
            plans = plan_story(varied, theme=theme, measurer=theme_fonts(theme), width=WIDTH,
                               height=HEIGHT, sources=sources)
            return len(plans), 0
        carousel = cardimg.render(varied, sources=sources)
        if what == "image":
            return len(carousel.slides), sum(s.width * s.height * 3 for s in carousel.slides)
        # Encoded as a user's code does (Slide.encode): the slide's own pixels, as painted.
        return len(carousel.slides), sum(len(s.encode(what)) for s in carousel.slides)

    c0, t0 = time.process_time(), time.perf_counter()
    slides, size = one_pass()
    cold, cold_cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    warm: list[float] = []
    cpu: list[float] = []
    if repeat > 0:
        one_pass()
        for _ in range(repeat):
            c0, t0 = time.process_time(), time.perf_counter()
            one_pass()
            warm.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    if save:
        save.mkdir(parents=True, exist_ok=True)
        for slide in cardimg.render(story, sources=sources).slides:
            (save / f"cardimg-{slide.index:02d}.png").write_bytes(encode(slide.image, "png"))
    return {
        "tool": "cardimg", "what": what, "slides": slides, "versions": cardimg_versions(),
        "cold": cold, "cold_cpu": cold_cpu, "warm": warm, "cpu": cpu, "bytes": size,
    }


def slides_worker(story_path: Path, repeat: int) -> dict:
    """Warm per-slide breakdown of cardimg: paint and PNG encode of each planned slide."""
    import cardimg
    from cardimg import default_theme, theme_fonts
    from cardimg.export import encode
    from cardimg.paint import paint_slide
    from cardimg.plan import plan_story

    story = cardimg.load_story(story_path)
    theme = default_theme()
    fonts = theme_fonts(theme)
    palette = theme.palette(story.palette) or theme.default_palette
    cardimg.render(story)  # warm up
    plans = plan_story(story, theme=theme, measurer=fonts, width=WIDTH, height=HEIGHT)
    rows = []
    for index, plan in enumerate(plans, start=1):
        paint, enc = [], []
        size = 0
        for _ in range(max(repeat, 1)):
            t0 = time.perf_counter()
            painted = paint_slide(plan, palette=palette, theme=theme, fonts=fonts, background=None)
            t1 = time.perf_counter()
            # (newer cardimgs paint a palette image where they can: `pixels`, what save encodes)
            image = getattr(painted, "pixels", None) or getattr(painted, "image", painted)
            size = len(encode(image, "png"))
            t2 = time.perf_counter()
            paint.append((t1 - t0) * 1000)
            enc.append((t2 - t1) * 1000)
        rows.append({
            "slide": index, "kind": plan.kind, "body_size": plan.body_size,
            "lines": sum(1 for line in plan.lines if not line.chrome),
            "paint": statistics.median(paint), "encode": statistics.median(enc), "bytes": size,
        })
    return {"slides": rows}


def floor_worker(story_path: Path, repeat: int) -> dict:
    """The floor of the target slide on this machine: its laid-out lines drawn by hand with
    Pillow (text only: no frame, no contrast check, no layout) and encoded as fast as any
    encoder here can. What no change to cardimg's layout or painting could go below."""
    import io
    import zlib
    from dataclasses import replace

    from PIL import Image, ImageDraw
    from zlib_ng import zlib_ng

    import cardimg
    from cardimg import default_theme, theme_fonts

    story = cardimg.load_story(story_path)
    story = replace(story, cards=tuple(c for c in story.cards if is_target_card(c.body))[:1])
    slide = cardimg.render(story, sources=False).slides[0]
    theme = default_theme()
    fonts = theme_fonts(theme)
    palette = theme.palette(story.palette) or theme.default_palette
    background, text = palette.background, palette.text
    pieces = [p for line in slide.lines for p in ([line.marker] if line.marker else [])
              + list(line.fragments) if p.text.strip()]

    def paint(mode: str, ink: object, paper: object) -> Image.Image:
        image = Image.new(mode, slide.image.size, paper)
        draw = ImageDraw.Draw(image)
        for piece in pieces:
            font = fonts.font(piece.style.font, piece.style.size)
            draw.text((piece.x, piece.baseline), piece.text, font=font, fill=ink, anchor="ls",
                      direction="rtl" if piece.rtl else "ltr")
        return image

    def hex_rgb(value: str) -> tuple[int, int, int]:
        value = value.lstrip("#")
        return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))

    bg, fg = hex_rgb(background), hex_rgb(text)
    pairs = list(zip(bg, fg, strict=True))
    ramp = bytes(round(b + (f - b) * a / 255) for a in range(256) for b, f in pairs)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))

    def palette_png(coverage: Image.Image, compress) -> bytes:
        framed = Image.new("L", (coverage.width + 1, coverage.height))
        framed.paste(coverage, (1, 0))
        header = (coverage.width.to_bytes(4, "big") + coverage.height.to_bytes(4, "big")
                  + bytes([8, 3, 0, 0, 0]))
        return b"".join([b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", header), chunk(b"PLTE", ramp),
                         chunk(b"IDAT", compress(framed.tobytes())), chunk(b"IEND", b"")])

    def jpeg(image: Image.Image) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=92, subsampling=0)
        return buffer.getvalue()

    coverage, rgb = paint("L", 255, 0), paint("RGB", fg, bg)

    def fast(data: bytes) -> bytes:
        return zlib_ng.compress(data, 1)

    def ng6(data: bytes) -> bytes:
        return zlib_ng.compress(data, 6)

    def zlib6(data: bytes) -> bytes:
        return zlib.compress(data, 6)

    steps = {
        "paint text, coverage (L)": lambda: paint("L", 255, 0),
        "paint text, RGB": lambda: paint("RGB", fg, bg),
        "palette PNG, zlib-ng level 1": lambda: palette_png(coverage, fast),
        "palette PNG, zlib-ng level 6": lambda: palette_png(coverage, ng6),
        "palette PNG, zlib level 6": lambda: palette_png(coverage, zlib6),
        "JPEG q92 4:4:4 of the RGB": lambda: jpeg(rgb),
    }
    out = {}
    for name, step in steps.items():
        step()
        times = []
        for _ in range(max(repeat, 5)):
            t0 = time.perf_counter()
            result = step()
            times.append((time.perf_counter() - t0) * 1000)
        size = len(result) if isinstance(result, bytes) else 0
        out[name] = {"ms": statistics.median(times), "bytes": size}
    return out


def cardimg_versions() -> dict[str, str]:
    import PIL
    from PIL import features

    import cardimg

    return {
        "cardimg": cardimg.__version__, "Pillow": PIL.__version__,
        "raqm": str(features.version("raqm")), "freetype2": str(features.version("freetype2")),
        "python": platform.python_version(), **zlib_ng_version(),
    }


def zlib_ng_version() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return {"zlib-ng": version("zlib-ng")}
    except PackageNotFoundError:  # an older cardimg, without it
        return {}


# --------------------------------------------------------------------------- driver


def jobs(args: argparse.Namespace, spec_path: Path, target_spec: Path, src: Path) -> list[Job]:
    py = sys.executable
    me = str(Path(__file__).resolve())
    env = {"PYTHONPATH": str(src)}
    story = str(args.story)
    fixed = ("--no-vary",) if args.no_vary else ()
    out: list[Job] = []
    for stage, label in (("layout", "plan_story"), ("image", "render"), ("png", "render + encode")):
        out.append(Job("cardimg", stage, label,
                       (py, me, "--worker", stage, "--story", story, *fixed), env, baseline=True))
    out.append(Job("cardimg (cards only)", "png", "render(sources=False) + encode",
                   (py, me, "--worker", "png", "--story", story, "--no-sources", *fixed), env))
    node = shutil.which("node") or "node"
    peers = str(args.peers)
    takumi_py = str(args.peers / "takumi-venv" / "bin" / "python")
    pictex_py = str(args.peers / "pictex-venv" / "bin" / "python")

    def satori(what: str, spec: Path) -> tuple[str, ...]:
        return (node, str(PEERS_SCRIPTS / "satori.mjs"), "--what", what, "--spec", str(spec),
                "--peers", peers)

    def takumi(what: str, spec: Path) -> tuple[str, ...]:
        return (node, str(PEERS_SCRIPTS / "takumi.mjs"), "--what", what, "--spec", str(spec),
                "--peers", peers)

    def takumi_python(what: str, spec: Path) -> tuple[str, ...]:
        return (takumi_py, str(PEERS_SCRIPTS / "takumi_py_bench.py"), "--what", what,
                "--spec", str(spec))

    for what, stage, label in (("svg", "layout", "satori → SVG"),
                               ("raster", "image", "satori + resvg render"),
                               ("png", "png", "satori + resvg → PNG")):
        out.append(Job("satori", stage, label, satori(what, spec_path)))
    for what, stage, label in (("layout", "layout", "measure"),
                               ("raster", "image", "render raw RGBA"),
                               ("png", "png", "render PNG")):
        out.append(Job("takumi", stage, label, takumi(what, spec_path)))
    for what, stage, label in (("layout", "layout", "measure_node"),
                               ("raster", "image", "render_node raw RGBA"),
                               ("png", "png", "render_node PNG")):
        out.append(Job("takumi-py", stage, label, takumi_python(what, spec_path)))
    for what, stage, label in (("image", "image", "Canvas.render"),
                               ("png", "png", "render + PNG encode")):
        out.append(Job("pictex", stage, label,
                       (pictex_py, str(PEERS_SCRIPTS / "pictex_bench.py"), "--what", what,
                        "--spec", str(spec_path))))
    # The target rows: one slide, the target card, every tool in the same run.
    one = ("--story", story, "--target", "--no-sources", *fixed)
    out += [
        Job("cardimg", "png", "one slide → PNG", (py, me, "--worker", "png", *one), env,
            section="target"),
        Job("cardimg", "jpeg", "one slide → JPEG", (py, me, "--worker", "jpeg", *one), env,
            section="target"),
        Job("takumi-py", "png", "one slide → PNG", takumi_python("png", target_spec),
            section="target"),
        Job("takumi", "png", "one slide → PNG", takumi("png", target_spec), section="target"),
        Job("satori", "png", "one slide → PNG", satori("png", target_spec), section="target"),
    ]
    if args.only:
        wanted = set(args.only.split(","))
        out = [job for job in out if job.tool.split()[0] in wanted or job.tool == "cardimg"]
    return out


def missing_reason(job: Job, peers: Path) -> str | None:
    tool = job.tool.split()[0]
    if tool == "cardimg":
        return None
    if tool in ("satori", "takumi") and not shutil.which("node"):
        return "skipped: node not found"
    packages = {"satori": ["satori", "@resvg/resvg-js"], "takumi": ["@takumi-rs/core"]}
    for name in packages.get(tool, []):
        if not (peers / "node" / "node_modules" / name / "package.json").is_file():
            return f"skipped: {name} not installed (run benchmarks/setup_peers.sh)"
    scope = peers / "node" / "node_modules" / "@takumi-rs"
    if tool == "takumi" and not any(scope.glob("core-*")):
        return (f"skipped: no prebuilt @takumi-rs/core binary installed for "
                f"{platform.system().lower()}-{platform.machine()}")
    if tool == "pictex" and not (peers / "pictex-venv" / "bin" / "python").is_file():
        return "skipped: pictex venv not installed (run benchmarks/setup_peers.sh)"
    if tool == "takumi-py" and not (peers / "takumi-venv" / "bin" / "python").is_file():
        return "skipped: takumi-py venv not installed (run benchmarks/setup_peers.sh)"
    return None


def run_worker(
    job: Job, repeat: int, timeout: float, extra: tuple[str, ...] = ()
) -> tuple[dict, float]:
    argv = [*job.argv, "--repeat", str(repeat), *extra]
    env = {**os.environ, **job.env}
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout,
                          check=False)
    elapsed = (time.perf_counter() - t0) * 1000
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"exit {proc.returncode}: {tail[:160]}")
    return json.loads(lines[-1]), elapsed


def measure(job: Job, args: argparse.Namespace) -> Row:
    row = Row(job)
    reason = missing_reason(job, args.peers)
    if reason:
        row.error = reason
        return row
    before = other_cpu_sample()
    try:
        # Cold: fresh processes that render every slide once and exit.
        for _ in range(args.cold_runs):
            result, elapsed = run_worker(job, 0, args.timeout)
            row.slides = result["slides"]
            row.cold.append(result["cold"] / row.slides)
            row.process.append(elapsed)
        # Warm: one process, one untimed warm-up pass, then --repeat timed passes.
        save = ("--save", str(args.save)) if args.save and job.stage == "png" else ()
        if job.tool == "cardimg (cards only)" or job.section != "main":
            save = ()
        result, _ = run_worker(job, args.repeat, args.timeout, save)
    except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError, KeyError) as exc:
        row.error = f"failed: {exc}"
        return row
    row.others = other_cpu(before, other_cpu_sample())
    row.slides = result["slides"]
    row.warm = [ms / row.slides for ms in result["warm"]]
    row.cpu = [ms / row.slides for ms in result["cpu"]]
    row.bytes_per_slide = result["bytes"] / row.slides
    row.versions = result["versions"]
    return row


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:.{digits}f}"


def table(rows: list[Row]) -> list[list[str]]:
    base = {
        r.job.stage: r for r in rows if r.job.baseline and not r.error and r.warm
    }
    rows = [r for r in rows if r.job.section == "main"]
    header = ["tool", "what", "stage", "slides", "cold ms/slide", "warm median", "warm p90",
              "warm CPU", "ratio warm", "ratio cold", "PNG KB/slide", "fresh process ms"]
    out = [header]
    for r in rows:
        if r.error:
            out.append([r.job.tool, r.job.label, STAGES[r.job.stage], "—", "—", "—", "—", "—",
                        "—", "—", "—", r.error])
            continue
        median = statistics.median(r.warm) if r.warm else float("nan")
        cold = statistics.median(r.cold) if r.cold else float("nan")
        b = base.get(r.job.stage)
        ratio_warm = median / statistics.median(b.warm) if b else float("nan")
        ratio_cold = cold / statistics.median(b.cold) if b and b.cold else float("nan")
        cpu = statistics.median(r.cpu) if r.cpu else float("nan")
        busy = r.others is not None and r.others > BUSY
        out.append([
            r.job.tool + (" *" if busy else ""), r.job.label, STAGES[r.job.stage], str(r.slides),
            fmt(cold), fmt(median),
            fmt(p90(r.warm)) if r.warm else "—", fmt(cpu),
            "1.00 (base)" if r.job.baseline else fmt(ratio_warm, 2),
            "1.00 (base)" if r.job.baseline else fmt(ratio_cold, 2),
            fmt(r.bytes_per_slide / 1024, 0) if r.job.stage == "png" else "",
            fmt(statistics.median(r.process), 0) if r.process else "—",
        ])
    return out


# --------------------------------------------------------------------------- start-up, batch


def measure_startup(src: Path, runs: int, tmp: Path) -> dict:
    """Median wall time of `cardimg --help` (as the installed command runs it) and of a bare
    `python -c pass`, alternating, each in a fresh process. Both use compiled bytecode, as an
    installed cardimg does (pip compiles it at install): with PYTHONDONTWRITEBYTECODE set,
    every run would compile cardimg's modules again (see `bytecode_env`)."""
    env = bytecode_env(src, tmp)
    bare = [sys.executable, "-c", "pass"]
    helps = [sys.executable, "-c", "import sys; from cardimg.cli import main; sys.exit(main())",
             "--help"]
    times: dict[str, list[float]] = {"pass": [], "help": []}
    for argv in (bare, helps):  # untimed: writes the bytecode
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
    for _ in range(runs):
        for name, argv in (("pass", bare), ("help", helps)):
            t0 = time.perf_counter()
            subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
            times[name].append((time.perf_counter() - t0) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def batch_stories(story_path: Path, folder: Path, count: int) -> None:
    """`count` copies of the story, each with its own slug and its number in every paragraph."""
    import frontmatter
    import yaml

    post = frontmatter.load(story_path)
    folder.mkdir(parents=True)
    for number in range(count):
        meta = dict(post.metadata)
        meta["slug"] = f"bench-{number:03d}"
        meta["cards"] = [{**card, "body": vary_markdown(card["body"], number)}
                         for card in post.metadata["cards"]]
        text = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n"
        (folder / f"bench-{number:03d}.md").write_text(text + post.content + "\n", "utf-8")


def measure_batch(src: Path, story_path: Path, count: int, tmp: Path, timeout: float) -> dict:
    """`cardimg render FOLDER --jobs 1`, then `--jobs 2` into a fresh folder, timed whole,
    from compiled bytecode (see `bytecode_env`; the re-run row is `measure_rerun`'s)."""
    env = bytecode_env(src, tmp)
    command = [sys.executable, "-m", "cardimg", "render"]
    usage = subprocess.run([*command, "--help"], env=env, capture_output=True, text=True,
                           check=False)
    if "--jobs" not in usage.stdout:
        return {"error": "not available: this cardimg's `render` has no --jobs option"}
    stories = tmp / "batch-stories"
    batch_stories(story_path, stories, count)

    def run(jobs: int, out: Path) -> float:
        t0 = time.perf_counter()
        proc = subprocess.run([*command, str(stories), "-o", str(out), "--jobs", str(jobs)],
                              env=env, capture_output=True, text=True, timeout=timeout,
                              check=False)
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"--jobs {jobs} exited {proc.returncode}: {tail[:160]}")
        return time.perf_counter() - t0

    try:
        serial = run(1, tmp / "batch-out-1")
        parallel = run(2, tmp / "batch-out-2")
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return {"error": f"failed: {exc}"}
    slides = sum(1 for _ in (tmp / "batch-out-2").rglob("*.png"))
    return {"stories": count, "slides": slides, "jobs1_s": serial, "jobs2_s": parallel}


def measure_check(src: Path, folder: Path, runs: int, tmp: Path, copies: int = 1) -> dict:
    """CPU time (user + system) of `cardimg check FOLDER` and of `cardimg render FOLDER
    --jobs 1` into a fresh folder, each a fresh process, alternating, `runs` times each;
    `copies` > 1 checks a folder holding that many copies of FOLDER's stories. Both run
    from compiled bytecode, as an installed cardimg does (see `bytecode_env`)."""
    env = bytecode_env(src, tmp)
    stories = tmp / f"check-stories-{copies}"
    for copy in range(copies):
        # Each copy under its own slug (else render would skip the copies as unchanged).
        for path in sorted(folder.glob("*.md")):
            text = path.read_text("utf-8")
            if copy:
                text = re.sub(r"(?m)^slug: *(\S+)", rf"slug: \g<1>-copy{copy}", text, count=1)
            target = stories / f"{copy:02d}" / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, "utf-8")
    command = [sys.executable, "-m", "cardimg"]
    check = [*command, "check", str(stories)]
    times: dict[str, list[float]] = {"check": [], "render": []}
    cpu: dict[str, list[float]] = {"check": [], "render": []}

    def timed(name: str, argv: list[str]) -> None:
        before = os.times()
        t0 = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=False)
        times[name].append(time.perf_counter() - t0)
        after = os.times()
        cpu[name].append(after.children_user - before.children_user
                         + after.children_system - before.children_system)

    subprocess.run(check, env=env, capture_output=True, check=False)  # untimed: bytecode
    for number in range(runs):
        out = tmp / f"check-render-{copies}-{number}"
        timed("check", check)
        timed("render", [*command, "render", str(stories), "-o", str(out), "--jobs", "1"])
        shutil.rmtree(out, ignore_errors=True)
    stories_count = sum(1 for _ in stories.rglob("*.md"))
    return {"stories": stories_count, "runs": runs,
            **{f"{name}_cpu_s": statistics.median(v) for name, v in cpu.items()},
            **{f"{name}_wall_s": statistics.median(v) for name, v in times.items()}}


def measure_checks(src: Path, runs: int, tmp: Path) -> list[dict]:
    """The check section: samples/ as it is, and four copies of it (60 stories)."""
    results = []
    for copies in (1, 4):
        print(f"… check vs render: samples/ ×{copies}", file=sys.stderr, flush=True)
        results.append(measure_check(src, ROOT / "samples", runs, tmp, copies))
    return results


def check_section_only(args: argparse.Namespace) -> int:
    """`--check-only`: the check rows alone, from a snapshot of src/ (or src/ with --live)."""
    with tempfile.TemporaryDirectory(prefix="cardimg-bench-") as tmp:
        src = ROOT / "src" if args.live else snapshot_source(Path(tmp) / "cardimg")
        checks = measure_checks(src, args.check_runs, Path(tmp))
    print(render_table([TARGET_HEADER, *check_rows(checks, "no story")], args.markdown))
    print("\nmachine: " + "; ".join(f"{k} {v}" for k, v in machine().items()))
    return 0


# ------------------------------------------------------------- cold cover, re-run, memory

# What a fresh cardimg process does for one Open Graph cover: its imports, the story, the
# cover, the PNG; it prints when the bytes were ready, from START (set by the benchmark
# just before it started the process) and from the end of its imports.
COVER_SCRIPT = """\
import sys, time
START = float(sys.argv[2])
import json
from cardimg import load_story, render
IMPORTED = time.time()
png = render(load_story(sys.argv[1]), preset="og").slides[0].encode("png")
done = time.time()
print(json.dumps({"tool": "cardimg", "bytes": len(png), "to_bytes_ms": (done - START) * 1000,
                  "after_imports_ms": (done - IMPORTED) * 1000}))
"""

# A fresh process that renders a story at the Story preset and saves it, then reports its
# peak resident memory (ru_maxrss is in KiB on Linux; VmHWM is the same peak, from /proc).
MEMORY_SCRIPT = """\
import json, resource, sys
import cardimg
carousel = cardimg.render(sys.argv[1], preset="story")
slides = len(carousel.slides)
carousel.save(sys.argv[2])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
try:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            peak = max(peak, int(line.split()[1]) * 1024)
except OSError:
    pass
print(json.dumps({"slides": slides, "peak_bytes": peak}))
"""
COVER_SIZE = (1200, 630)
MEMORY_CARDS = 60


def bytecode_env(src: Path, tmp: Path) -> dict[str, str]:
    """The environment of a cardimg child that runs from compiled bytecode, as an installed
    cardimg does (pip compiles it at install): written once to a folder of `tmp`, never
    into the source tree, even where PYTHONDONTWRITEBYTECODE is set."""
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONPYCACHEPREFIX": str(tmp / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def json_child(argv: list[str], env: dict[str, str] | None, timeout: float) -> dict:
    """Run `argv` and return the last JSON line it printed (RuntimeError if it failed)."""
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout,
                          check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"exit {proc.returncode}: {tail[:160]}")
    return json.loads(lines[-1])


def cover_spec(story_path: Path, fonts_dir: Path) -> dict:
    """What takumi-py draws for the cold cover: the story's series and title, 1200×630."""
    import frontmatter

    meta = frontmatter.load(story_path).metadata
    return {
        "width": COVER_SIZE[0], "height": COVER_SIZE[1], "padding": PADDING,
        "background": BACKGROUND, "color": COLOR,
        "title": str(meta.get("title") or meta.get("slug")),
        "series": str(meta.get("card_series") or ""),
        "fonts": [{"name": name, "weight": weight, "path": str(fonts_dir / rel)}
                  for name, weight, rel in FONTS],
    }


def measure_cover(src: Path, args: argparse.Namespace, tmp: Path) -> dict:
    """The cold Open Graph cover: cardimg and takumi-py each in `--cover-runs` fresh
    processes, alternating (one untimed run of each first: bytecode, page cache). Per tool,
    medians of: spawn to PNG bytes, spawn to exit, and end of imports to bytes (ms)."""
    spec_path = tmp / "cover-spec.json"
    spec_path.write_text(json.dumps(cover_spec(args.story, src.parent / "fonts")), "utf-8")
    # The same story where its featured image is not found: a cover of text only, as
    # takumi-py's (cardimg says so on stderr and renders without it).
    text_only = tmp / "cover-text-only" / args.story.name
    text_only.parent.mkdir()
    shutil.copyfile(args.story, text_only)
    tools: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "cardimg": ([sys.executable, "-c", COVER_SCRIPT, str(args.story)],
                    bytecode_env(src, tmp)),
        "cardimg (text only)": ([sys.executable, "-c", COVER_SCRIPT, str(text_only)],
                                bytecode_env(src, tmp)),
    }
    takumi_py = args.peers / "takumi-venv" / "bin" / "python"
    out: dict[str, dict] = {}
    if takumi_py.is_file():
        tools["takumi-py"] = ([str(takumi_py), str(PEERS_SCRIPTS / "takumi_py_cover.py"),
                               str(spec_path)], None)
    else:
        out["takumi-py"] = {"error": "skipped: takumi-py venv not installed "
                                     "(run benchmarks/setup_peers.sh)"}
    times: dict[str, dict[str, list[float]]] = {
        tool: {"to_bytes": [], "process": [], "after_imports": []} for tool in tools}
    failed: dict[str, str] = {}
    for number in range(args.cover_runs + 1):
        for tool, (argv, env) in tools.items():
            if tool in failed:
                continue
            start = time.time()
            t0 = time.perf_counter()
            try:
                result = json_child([*argv, repr(start)], env, args.timeout)
            except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
                failed[tool] = f"failed: {exc}"
                continue
            if number:  # the first run of each is untimed
                times[tool]["process"].append((time.perf_counter() - t0) * 1000)
                times[tool]["to_bytes"].append(result["to_bytes_ms"])
                times[tool]["after_imports"].append(result["after_imports_ms"])
                out.setdefault(tool, {})["bytes"] = result["bytes"]
    for tool, values in times.items():
        if tool in failed:
            out[tool] = {"error": failed[tool]}
        else:
            out[tool].update({name: statistics.median(v) for name, v in values.items()})
            out[tool]["runs"] = len(values["process"])
    return out


def measure_rerun(src: Path, args: argparse.Namespace, tmp: Path) -> dict:
    """`cardimg render FOLDER -o OUT --jobs 2` over `--rerun-stories` stories into a fresh
    folder, then the same command again with nothing changed, `--rerun-runs` times (the
    median is compared with the first run). From compiled bytecode (an untimed render of one
    story writes it first), as an installed cardimg runs."""
    env = bytecode_env(src, tmp)
    command = [sys.executable, "-m", "cardimg", "render"]
    stories = tmp / "rerun-stories"
    batch_stories(args.story, stories, args.rerun_stories)

    def run(folder: Path, out: Path) -> float:
        t0 = time.perf_counter()
        proc = subprocess.run([*command, str(folder), "-o", str(out), "--jobs", "2"], env=env,
                              capture_output=True, text=True, timeout=args.timeout, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"exited {proc.returncode}: {tail[:160]}")
        return time.perf_counter() - t0

    try:
        run(stories / "bench-000.md", tmp / "rerun-warmup")  # untimed: writes the bytecode
        first = run(stories, tmp / "rerun-out")
        reruns = [run(stories, tmp / "rerun-out") for _ in range(max(args.rerun_runs, 1))]
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return {"error": f"failed: {exc}"}
    return {"stories": args.rerun_stories, "first_s": first,
            "rerun_s": statistics.median(reruns), "reruns_s": reruns}


def memory_story(story_path: Path, path: Path, cards: int = MEMORY_CARDS) -> None:
    """One story of `cards` cards: the seed's cards over and over, each copy's text numbered
    (so no two slides are the same), each card with its own key and order."""
    import frontmatter
    import yaml

    post = frontmatter.load(story_path)
    seed = sorted(post.metadata["cards"], key=lambda card: card.get("order", 0))
    meta = dict(post.metadata)
    meta["slug"] = f"bench-memory-{cards}"
    meta["cards"] = [
        {**seed[n % len(seed)], "order": n, "_key": f"memory{n:03d}",
         "body": vary_markdown(seed[n % len(seed)]["body"], n)}
        for n in range(cards)
    ]
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n"
    path.write_text(text + post.content + "\n", "utf-8")


def measure_memory(src: Path, args: argparse.Namespace, tmp: Path) -> dict:
    """Peak resident memory of a fresh process that renders a 60-card story at the Story
    preset and saves it (`cardimg.render(path, preset="story")`, then `carousel.save`)."""
    story = tmp / f"memory-{MEMORY_CARDS}.md"
    memory_story(args.story, story)
    try:
        result = json_child([sys.executable, "-c", MEMORY_SCRIPT, str(story),
                             str(tmp / "memory-out")], bytecode_env(src, tmp), args.timeout)
    except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        return {"error": f"failed: {exc}"}
    return {"cards": MEMORY_CARDS, "slides": result["slides"],
            "peak_mb": result["peak_bytes"] / 1e6}


# --------------------------------------------------------------------------- the targets


@dataclass
class Measures:
    """Everything of one run besides the per-tool rows: each None when not measured (the
    table then says why, from `skipped`), or a dict with "error" when it failed."""

    startup: dict | None = None
    batch: dict | None = None
    checks: list[dict] | None = None
    cover: dict | None = None
    rerun: dict | None = None
    memory: dict | None = None
    skipped: dict[str, str] = field(default_factory=dict)


TARGET_HEADER = ["measure", "cardimg", "other", "ratio", "also", "target", "met"]


def verdict(ok: bool) -> str:
    return "met" if ok else "not met"


def missing(label: str, target: str, why: str) -> list[str]:
    """The row of a measure that has no number in this run: still a row, saying why."""
    return [label, "—", "—", "—", "", target, why if why.startswith(("skipped", "failed"))
            else f"skipped: {why}"]


def _row(rows: list[Row], tool: str, stage: str) -> Row | None:
    return next((r for r in rows if r.job.section == "target" and r.job.tool == tool
                 and r.job.stage == stage and not r.error and r.warm), None)


def _why(rows: list[Row], tool: str, stage: str) -> str:
    row = next((r for r in rows if r.job.section == "target" and r.job.tool == tool
                and r.job.stage == stage), None)
    return row.error if row is not None and row.error else "not measured (--only)"


def slide_rows(rows: list[Row]) -> list[list[str]]:
    """The one-slide rows: speed against each peer, JPEG against Satori's PNG, PNG bytes."""
    out: list[list[str]] = []
    png, jpeg = _row(rows, "cardimg", "png"), _row(rows, "cardimg", "jpeg")

    def speed(label: str, mine: Row | None, peer: str, limit: float) -> None:
        other = _row(rows, peer, "png")
        if mine is None or other is None:
            why = _why(rows, peer, "png") if other is None else "failed: cardimg's row failed"
            out.append(missing(label, f"≤ {limit}×", why))
            return
        wall = statistics.median(mine.warm) / statistics.median(other.warm)
        cpu = statistics.median(mine.cpu) / statistics.median(other.cpu)
        out.append([label, f"{statistics.median(mine.warm):.1f} ms",
                    f"{statistics.median(other.warm):.1f} ms", f"{wall:.2f}×",
                    f"CPU {cpu:.2f}×", f"≤ {limit}×", verdict(wall <= limit)])

    speed("one slide → PNG vs takumi-py", png, "takumi-py", 0.6)
    speed("one slide → PNG vs @takumi-rs/core (Node)", png, "takumi", 1.0)
    speed("one slide → PNG vs Satori + resvg", png, "satori", 0.25)
    speed("one slide → JPEG vs Satori + resvg PNG", jpeg, "satori", 0.15)
    label = "PNG bytes per slide vs the smallest peer's"
    peers = [r for r in (_row(rows, t, "png") for t in ("takumi-py", "takumi", "satori")) if r]
    if png is None or not peers:
        out.append(missing(label, "≤ 1.0×", "failed: cardimg's row failed" if png is None
                           else "no peer measured the slide"))
    else:
        smallest = min(peers, key=lambda r: r.bytes_per_slide)
        ratio = png.bytes_per_slide / smallest.bytes_per_slide
        out.append([label, f"{png.bytes_per_slide / 1024:.1f} KB",
                    f"{smallest.bytes_per_slide / 1024:.1f} KB ({smallest.job.tool})",
                    f"{ratio:.2f}×", "", "≤ 1.0×", verdict(ratio <= 1)])
    return out


def cover_row(cover: dict | None, why: str, tool: str = "cardimg") -> list[str]:
    """The cold og cover row: `tool` is "cardimg" (the seed story, its featured image
    drawn) or "cardimg (text only)" (the image not found: text only, as takumi-py's)."""
    label = "og cover from a cold process (spawn → PNG bytes) vs takumi-py cold"
    if tool != "cardimg":
        label = "  the same, text only (no featured image, as takumi-py's cover)"
    if cover is None or "error" in cover.get(tool, {"error": why}):
        return missing(label, "≤ 1.0×", cover[tool]["error"] if cover else why)
    if "error" in cover.get("takumi-py", {"error": "skipped"}):
        return missing(label, "≤ 1.0×", cover["takumi-py"]["error"])
    mine, other = cover[tool], cover["takumi-py"]
    ratio = mine["to_bytes"] / other["to_bytes"]
    after = mine["after_imports"] / other["after_imports"]

    def cell(t: dict) -> str:
        return (f"{t['to_bytes']:.0f} ms (exit {t['process']:.0f}, "
                f"after imports {t['after_imports']:.0f})")

    runs = f", median of {mine['runs']}" if tool == "cardimg" else ""
    return [label + runs, cell(mine), cell(other), f"{ratio:.2f}×",
            f"after imports {after:.2f}×", "≤ 1.0×", verdict(ratio <= 1)]


def rerun_row(rerun: dict | None, why: str) -> list[str]:
    if rerun is None or "error" in rerun:
        return missing("unchanged re-run of 60 stories vs the first run (--jobs 2)", "≤ 5 %",
                       rerun["error"] if rerun else why)
    ratio = rerun["rerun_s"] / rerun["first_s"]
    return [f"unchanged re-run of {rerun['stories']} stories vs the first run (--jobs 2)",
            f"{rerun['rerun_s']:.2f} s", f"{rerun['first_s']:.1f} s", f"{ratio:.1%}", "",
            "≤ 5 %", verdict(ratio <= 0.05)]


def memory_row(memory: dict | None, why: str) -> list[str]:
    label = f"peak memory, {MEMORY_CARDS}-card story at the Story preset, render + save"
    if memory is None or "error" in memory:
        return missing(label, "≤ 150 MB", memory["error"] if memory else why)
    peak = memory["peak_mb"]
    return [label, f"{peak:.0f} MB ({memory['slides']} slides)", "", "", "", "≤ 150 MB",
            verdict(peak <= 150)]


def extra_rows(measures: Measures) -> list[list[str]]:
    """Targets of other issues, measured in the same run: --jobs, check, start-up."""
    out: list[list[str]] = []
    batch = measures.batch
    if batch is None or "error" in batch:
        why = batch["error"] if batch else measures.skipped.get("batch", "not measured")
        out.append(missing("--jobs 2 vs --jobs 1 throughput", "≥ 1.7×", why))
    else:
        speedup = batch["jobs1_s"] / batch["jobs2_s"]
        out.append([f"--jobs 2 vs --jobs 1 throughput ({batch['stories']} stories)",
                    f"{batch['jobs2_s']:.1f} s", f"{batch['jobs1_s']:.1f} s",
                    f"{speedup:.2f}×", "", "≥ 1.7×", verdict(speedup >= 1.7)])
    out += check_rows(measures.checks, measures.skipped.get("check", "not measured"))
    startup = measures.startup
    if startup is None:
        out.append(missing("`cardimg --help` start-up vs `python -c pass`", "≤ 3×",
                           measures.skipped.get("startup", "not measured")))
    else:
        ratio = startup["help"] / startup["pass"]
        out.append(["`cardimg --help` start-up vs `python -c pass`", f"{startup['help']:.0f} ms",
                    f"{startup['pass']:.0f} ms", f"{ratio:.2f}×", "", "≤ 3×",
                    verdict(ratio <= 3)])
    return out


def check_rows(checks: list[dict] | None, why: str) -> list[list[str]]:
    if not checks:
        return [missing("`check` vs `render --jobs 1` (CPU)", "≤ 0.25", why)]
    out = []
    for result in checks:
        ratio = result["check_cpu_s"] / result["render_cpu_s"]
        wall = result["check_wall_s"] / result["render_wall_s"]
        out.append([f"`check` vs `render --jobs 1`, {result['stories']} stories (CPU)",
                    f"{result['check_cpu_s']:.2f} s", f"{result['render_cpu_s']:.2f} s",
                    f"{ratio:.2f}", f"wall {wall:.2f}", "≤ 0.25", verdict(ratio <= 0.25)])
    return out


def target_table(rows: list[Row], measures: Measures) -> list[list[str]]:
    """The issue's target table, every row in the issue's order, each with "met" or "not
    met" (or why it has no number: "skipped: …", "failed: …"); then the targets of other
    issues. Ratios are cardimg / other (below 1: cardimg is faster or smaller)."""
    skipped = measures.skipped
    return [
        TARGET_HEADER,
        *slide_rows(rows),
        cover_row(measures.cover, skipped.get("cover", "not measured")),
        cover_row(measures.cover, skipped.get("cover", "not measured"), "cardimg (text only)"),
        rerun_row(measures.rerun, skipped.get("rerun", "not measured")),
        memory_row(measures.memory, skipped.get("memory", "not measured")),
        ["(targets of other issues)", "", "", "", "", "", ""],
        *extra_rows(measures),
    ]


def floor_table(rows: list[Row], floor: dict) -> list[list[str]]:
    """Each step of the floor, and the floor of a whole slide (paint + encode) against the
    peers' whole slide: how low cardimg could go with Pillow on this machine."""
    peers = {t: _row(rows, t, "png") for t in ("takumi-py", "takumi", "satori")}
    out = [["step", "ms", "KB", *(f"÷ {t}" for t in peers)]]

    def add(name: str, ms: float, size: int) -> None:
        ratios = [f"{ms / statistics.median(r.warm):.2f}×" if r else "—" for r in peers.values()]
        out.append([name, f"{ms:.1f}", f"{size / 1024:.0f}" if size else "", *ratios])

    for name, step in floor.items():
        add(name, step["ms"], step["bytes"])
    paint_l = floor["paint text, coverage (L)"]["ms"]
    for level in (1, 6):
        step = floor[f"palette PNG, zlib-ng level {level}"]
        add(f"floor PNG slide: paint (L) + palette PNG level {level}", paint_l + step["ms"],
            step["bytes"])
    rgb = floor["paint text, RGB"]["ms"] + floor["JPEG q92 4:4:4 of the RGB"]["ms"]
    add("floor JPEG slide: paint (RGB) + JPEG", rgb, floor["JPEG q92 4:4:4 of the RGB"]["bytes"])
    return out


def render_table(cells: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(cells[0]) + " |", "|" + "|".join("---" for _ in cells[0]) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def other_cpu_sample() -> tuple[float, float, float] | None:
    """(wall s, CPU s used by the whole machine, CPU s used by us and our finished workers)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    values = [int(x) for x in fields]
    busy = sum(values[:8]) - values[3] - values[4]  # all but idle and iowait
    t = os.times()
    ours = t.user + t.system + t.children_user + t.children_system
    return time.monotonic(), busy / ticks, ours


def other_cpu(start: tuple | None, end: tuple | None) -> float | None:
    """CPU used by processes other than this benchmark between two samples, in cores."""
    if start is None or end is None or end[0] <= start[0]:
        return None
    others = (end[1] - start[1]) - (end[2] - start[2])
    return max(others, 0.0) / (end[0] - start[0])


def machine() -> dict[str, str]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "node": node.stdout.strip() if node.returncode == 0 else "not found",
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--repeat", type=int, default=20, help="timed warm passes (default 20)")
    add("--cold-runs", type=int, default=3,
        help="fresh processes per row for the cold time (default 3)")
    add("--quick", action="store_true",
        help="--repeat 5 --cold-runs 1 --startup-runs 5 --cover-runs 3 --rerun-runs 1 "
        "--check-runs 1")
    add("--peers", type=Path, default=DEFAULT_PEERS,
        help="where setup_peers.sh installed the peers (default %(default)s)")
    add("--story", type=Path, default=DEFAULT_STORY)
    add("--only", help="comma-separated peers to run (cardimg always runs)")
    add("--markdown", action="store_true", help="print the table as Markdown")
    add("--json", type=Path, help="also write all raw timings here")
    add("--no-breakdown", action="store_true", help="skip cardimg's per-slide breakdown")
    add("--timeout", type=float, default=600, help="seconds per worker")
    add("--live", action="store_true",
        help="run cardimg from src/ itself, not from a snapshot taken at the start")
    add("--save", type=Path,
        help="write every tool's PNGs here (outside the repo) to compare by eye")
    add("--no-vary", action="store_true",
        help="render the same text on every pass (as runs before 2026-12 did)")
    add("--batch-stories", type=int, default=200,
        help="stories of the --jobs 2 vs --jobs 1 row (default 200)")
    add("--rerun-stories", type=int, default=60,
        help="stories of the unchanged re-run row (default 60, the issue's)")
    add("--rerun-runs", type=int, default=3,
        help="unchanged re-runs, their median compared with the first run (default 3)")
    add("--no-batch", action="store_true", help="skip the batch rows (--jobs, re-run)")
    add("--cover-runs", type=int, default=10,
        help="fresh processes per tool for the cold og cover (default 10)")
    add("--no-memory", action="store_true", help="skip the peak memory row")
    add("--startup-runs", type=int, default=20,
        help="fresh processes for each start-up time (default 20)")
    add("--check-runs", type=int, default=5,
        help="runs of `check` and of `render` per folder (default 5)")
    add("--no-check", action="store_true", help="skip the check section")
    add("--check-only", action="store_true",
        help="only the check section: `check` vs `render` of samples/")
    # Internal: run one measurement in this (fresh) process and print JSON.
    add("--worker", choices=["layout", "image", "png", "jpeg", "slides", "floor"],
        help=argparse.SUPPRESS)
    add("--no-sources", action="store_true", help=argparse.SUPPRESS)
    add("--target", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.cold_runs = min(args.repeat, 5), 1
        args.startup_runs = min(args.startup_runs, 5)
        args.cover_runs, args.rerun_runs = min(args.cover_runs, 3), min(args.rerun_runs, 1)
        args.check_runs = min(args.check_runs, 1)
    for name in ("peers", "save"):
        path = getattr(args, name)
        if path is not None:
            path = path.resolve()
            setattr(args, name, path)
            if path == ROOT or ROOT in path.parents:
                parser.error(f"--{name} must be outside the repository")
    return args


def worker_main(args: argparse.Namespace) -> int:
    """--worker: one measurement in this (fresh) process, printed as JSON."""
    if args.worker == "slides":
        result = slides_worker(args.story, args.repeat)
    elif args.worker == "floor":
        result = floor_worker(args.story, args.repeat)
    else:
        result = cardimg_worker(args.worker, args.story, args.repeat, not args.no_sources,
                                args.save, vary_text=not args.no_vary, target=args.target)
    print(json.dumps(result))
    return 0


def say(what: str) -> None:
    print(f"… {what}", file=sys.stderr, flush=True)


def helper_worker(args: argparse.Namespace, env: dict[str, str], name: str) -> dict | None:
    """cardimg's per-slide breakdown or the floor, in a fresh process (None if it failed)."""
    job = Job("cardimg", "png", name, (sys.executable, str(Path(__file__).resolve()),
                                       "--worker", name, "--story", str(args.story)), env)
    try:
        return run_worker(job, args.repeat, args.timeout)[0]
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"{name} failed: {exc}", file=sys.stderr)
        return None


def measure_sections(args: argparse.Namespace, src: Path, tmp: Path) -> Measures:
    """Start-up, check, batch, the cold cover and peak memory: each in fresh processes."""
    measures = Measures()
    say("start-up: cardimg --help vs python -c pass")
    measures.startup = measure_startup(src, args.startup_runs, tmp)
    if args.no_check:
        measures.skipped["check"] = "skipped: --no-check"
    else:
        measures.checks = measure_checks(src, args.check_runs, tmp)
    say(f"cold og cover: cardimg vs takumi-py, {args.cover_runs} fresh processes each")
    measures.cover = measure_cover(src, args, tmp)
    if args.no_batch:
        measures.skipped["batch"] = measures.skipped["rerun"] = "skipped: --no-batch"
    else:
        say(f"re-run: {args.rerun_stories} stories, --jobs 2, then unchanged")
        measures.rerun = measure_rerun(src, args, tmp)
        say(f"batch: {args.batch_stories} stories, --jobs 1, --jobs 2")
        measures.batch = measure_batch(src, args.story, args.batch_stories, tmp, args.timeout)
    if args.no_memory:
        measures.skipped["memory"] = "skipped: --no-memory"
    else:
        say(f"peak memory: a {MEMORY_CARDS}-card story at the Story preset, render + save")
        measures.memory = measure_memory(src, args, tmp)
    return measures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker_main(args)
    if args.check_only:
        return check_section_only(args)
    source = source_state()
    before = other_cpu_sample()
    time.sleep(1.0)
    idle_check = other_cpu(before, other_cpu_sample())
    if idle_check is not None and idle_check > 0.1:
        print(f"warning: other processes use {idle_check:.0%} of a core before the start: "
              "the times will be noisy", file=sys.stderr)
    before = other_cpu_sample()
    with tempfile.TemporaryDirectory(prefix="cardimg-bench-") as tmp:
        src = ROOT / "src" if args.live else snapshot_source(Path(tmp) / "cardimg")
        sys.path.insert(0, str(src))
        spec = build_spec(args.story, src.parent / "fonts", vary_text=not args.no_vary)
        spec_path = Path(tmp) / "spec.json"
        spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        target = build_spec(args.story, src.parent / "fonts", vary_text=not args.no_vary,
                            target=True)
        target_path = Path(tmp) / "spec-target.json"
        target_path.write_text(json.dumps(target, ensure_ascii=False), encoding="utf-8")
        rows = []
        todo = jobs(args, spec_path, target_path, src)
        for job in todo:
            say(f"{job.tool}: {job.label}")
            rows.append(measure(job, args))
        breakdown = None
        if not args.no_breakdown:
            say("cardimg: per-slide breakdown")
            breakdown = helper_worker(args, todo[0].env, "slides")
        say("floor: the target slide's lines drawn by hand, fastest encoders")
        floor = helper_worker(args, todo[0].env, "floor")
        measures = measure_sections(args, src, Path(tmp))
    info = machine()
    others = other_cpu(before, other_cpu_sample())
    if others is not None:
        info["other processes during the run"] = f"{others:.0%} of one core on average"
    info["cardimg source"] = source + (" (live src/)" if args.live else " (snapshot at start)")
    report(args, spec, rows, measures, breakdown, floor, info)
    return 0


def report(args: argparse.Namespace, spec: dict, rows: list[Row], measures: Measures,
           breakdown: dict | None, floor: dict | None, info: dict[str, str]) -> None:
    """Print the tables (and write --json)."""
    versions: dict[str, str] = {}
    for row in rows:
        versions.update(row.versions)
    print(f"\n{args.story.name}: {len(spec['cards'])} cards, {WIDTH}×{HEIGHT}; "
          f"warm = median of {args.repeat} passes after 1 warm-up; "
          f"cold = median of {args.cold_runs} fresh process(es)")
    print("times are ms per slide; ratio = tool / cardimg at the same stage "
          "(> 1: cardimg faster)\n")
    print(render_table(table(rows), args.markdown))
    print(f"\nthe issue's targets: one slide = the \"{TARGET_CARD}\" card alone, its text "
          "different on every pass; ratio = cardimg / other (below 1: cardimg faster or "
          "smaller); \"met\" judges the ratio column (wall time; CPU time for `check`)\n")
    print(render_table(target_table(rows, measures), args.markdown))
    if floor:
        print("\nthe floor: the target slide's laid-out lines drawn by hand with Pillow (text "
              "only), and encoders alone (warm medians); ratio = floor / peer's whole slide\n")
        print(render_table(floor_table(rows, floor), args.markdown))
    busy = [r for r in rows if r.others is not None and r.others > BUSY]
    if busy:
        print(f"\n* other processes used more than {BUSY:.0%} of a core while this row ran "
              f"({', '.join(f'{r.others:.0%}' for r in busy)}): its times are noisy")
    if breakdown:
        cells = [["slide", "kind", "body px", "lines", "paint ms", "PNG encode ms", "PNG KB"]]
        for s in breakdown["slides"]:
            cells.append([str(s["slide"]), s["kind"], fmt(s["body_size"], 0), str(s["lines"]),
                          fmt(s["paint"]), fmt(s["encode"]), fmt(s["bytes"] / 1024, 0)])
        print("\ncardimg per slide (warm medians; layout is done for the whole story at once)\n")
        print(render_table(cells, args.markdown))
    print("\nmachine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    print("versions: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())))
    if args.json:
        args.json.write_text(json.dumps({
            "machine": info, "versions": versions, "repeat": args.repeat,
            "cold_runs": args.cold_runs, "spec": spec, "breakdown": breakdown,
            "startup": measures.startup, "batch": measures.batch, "floor": floor,
            "vary": not args.no_vary, "check": measures.checks, "cover": measures.cover,
            "rerun": measures.rerun, "memory": measures.memory,
            "rows": [{"tool": r.job.tool, "what": r.job.label, "stage": r.job.stage,
                      "slides": r.slides, "cold": r.cold, "process": r.process,
                      "warm": r.warm, "cpu": r.cpu, "bytes_per_slide": r.bytes_per_slide,
                      "others": r.others, "error": r.error, "section": r.job.section}
                     for r in rows],
        }, indent=1, ensure_ascii=False), encoding="utf-8")

if __name__ == "__main__":
    sys.exit(main())
