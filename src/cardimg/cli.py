"""The `cardimg` command: render story files to carousels on disk."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from . import __version__
from .errors import CardimgError
from .export import FORMATS
from .fonts import raqm_available
from .render import RenderOptions, render
from .story import load_story, safe_slug
from .theme import Theme, load_theme

EXAMPLES = """\
examples:
  cardimg render samples/20200314-iraq-latest.md -o out/
  cardimg render stories/ -o out/ --format jpeg --images assets/
  cardimg render story.md --strict --no-sources
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cardimg",
        description="Turn news story files into typeset, branded image carousels.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cardimg {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser(
        "render",
        help="render story files to slide images, manifest.json and caption.txt",
        description="Render each story to OUT/<slug>/: 01.png…, manifest.json, caption.txt.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "paths", nargs="+", metavar="PATH", help="a story file, or a folder of *.md stories"
    )
    run.add_argument(
        "-o", "--out", default="out", metavar="OUT", help="output folder (default: out)"
    )
    run.add_argument(
        "--format", default="png", choices=sorted(FORMATS), help="image format (default: png)"
    )
    run.add_argument("--images", metavar="DIR", type=Path, help="folder holding featured images")
    run.add_argument(
        "--theme", metavar="FILE", type=Path, help="a theme TOML file (default: the built-in theme)"
    )
    run.add_argument(
        "--logo", metavar="FILE", type=Path, help="brand mark drawn on the bottom frame line"
    )
    run.add_argument("--strict", action="store_true", help="treat an unknown palette as an error")
    run.add_argument(
        "--accessible",
        action="store_true",
        default=None,
        help="move palette text/background lightness just enough to pass WCAG AA contrast",
    )
    run.add_argument("--no-sources", dest="sources", action="store_false", help="no sources slide")
    return parser


def _story_files(paths: Sequence[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.md") if p.is_file())
        else:
            yield path


def _say(kind: str, message: str) -> None:
    print(f"cardimg: {kind}: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 only when every story rendered)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command != "render":
        parser.print_help(sys.stderr)
        return 2
    if not raqm_available():
        _say(
            "warning",
            "Pillow's Raqm layout is unavailable (install FriBiDi, e.g. Debian's libfribidi0): "
            "text is set without kerning or complex-script shaping",
        )
    warnings.simplefilter("ignore", RuntimeWarning)
    options = RenderOptions(
        images_dir=args.images,
        logo=args.logo,
        sources=args.sources,
        strict=args.strict,
        accessible=args.accessible,
    )
    try:
        theme = load_theme(args.theme) if args.theme else None
    except CardimgError as exc:
        _say("error", str(exc))
        return 1
    files = list(_story_files(args.paths))
    if not files:
        _say("error", "no story files found in " + ", ".join(args.paths))
        return 1
    failures = 0
    claimed: dict[Path, Path] = {}  # output folder -> the story that wrote it in this run
    with _progress(len(files)) as advance:
        for path in files:
            failures += not _render_one(path, args, options, claimed, theme)
            advance()
    return 1 if failures else 0


def _render_one(
    path: Path, args: argparse.Namespace, options: RenderOptions, claimed, theme: Theme | None
) -> bool:
    """Render and save one story, reporting problems; True when it was written."""
    try:
        carousel = render(load_story(path), options=options, theme=theme)
        folder = Path(args.out) / safe_slug(carousel.story.slug)
        if folder in claimed:
            raise CardimgError(
                f"{path.name}: slug: {carousel.story.slug!r} gives the same output folder "
                f"{folder} as {claimed[folder]}; not overwritten (give one story another slug)"
            )
        for note in carousel.warnings:
            _say("warning", _located(note, path))
        written = carousel.save(args.out, format=args.format)
        claimed[folder] = path
    except CardimgError as exc:
        _say("error", _located(str(exc), path))
        return False
    except OSError as exc:
        # Reading the story is checked by load_story; an OSError here is about writing.
        where = f"cannot write {exc.filename}" if exc.filename else "cannot write the output"
        _say("error", f"{path}: {where}: {exc.strerror or exc}")
        return False
    print(f"{path}: {len(carousel.slides)} slides -> {written[0].parent}")
    return True


def _located(message: str, path: Path) -> str:
    """Messages name the story by its file name; on the command line, by the path given,
    so two `story.md` in different folders can be told apart."""
    prefix = f"{path.name}:"
    return f"{path}:{message[len(prefix) :]}" if message.startswith(prefix) else message


@contextmanager
def _progress(total: int) -> Iterator[Callable[[], None]]:
    """A progress bar on a terminal for batches; nothing when output is piped or logged."""
    if total < 2 or not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task("rendering", total=total)
        yield lambda: progress.advance(task)


if __name__ == "__main__":
    sys.exit(main())
