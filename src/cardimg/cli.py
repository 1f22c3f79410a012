"""The `cardimg` command: render story files to carousels on disk."""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CardimgError, StoryError, one_line
from .formats import FORMAT_NAMES
from .presets import DEFAULT_PRESET, PRESETS, TARGETS, get_preset

if TYPE_CHECKING:
    from .model import RenderOptions
    from .story import Story
    from .theme import Theme


def _on_first_use(module: str, name: str) -> Callable[..., Any]:
    """`module.name`, imported when first called: Pillow, fontTools, markdown-it and rich
    take most of a second to import, and `cardimg --help` needs none of them."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(import_module(module, __package__), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


Console = _on_first_use("rich.console", "Console")
recover_output = _on_first_use(".export", "recover_output")
raqm_available = _on_first_use(".fonts", "raqm_available")
RenderOptions = _on_first_use(".model", "RenderOptions")
render = _on_first_use(".render", "render")
load_story = _on_first_use(".story", "load_story")
safe_slug = _on_first_use(".story", "safe_slug")
check_preset = _on_first_use(".targets", "check_preset")
choose_format = _on_first_use(".targets", "choose_format")
default_theme = _on_first_use(".theme", "default_theme")
load_theme = _on_first_use(".theme", "load_theme")


def _max_file_bytes() -> int:
    from .story import MAX_FILE_BYTES

    return MAX_FILE_BYTES


class _VersionAction(argparse.Action):
    """--version, looked up only when asked for (importlib.metadata is slow to import)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.update(nargs=0, default=argparse.SUPPRESS)
        super().__init__(option_strings, dest, help="show the version and exit", **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from . import __version__

        print(f"cardimg {__version__}")
        parser.exit()


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
    parser.add_argument("--version", action=_VersionAction)
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
        "--preset",
        type=str.lower,
        metavar="NAME",
        help="slide size and layout: " + ", ".join(PRESETS) + " (or a theme's; see `presets`)",
    )
    run.add_argument(
        "--target",
        type=str.lower,
        choices=list(TARGETS),
        help="enforce a platform's rules (formats, sizes, slides per carousel, alt text)",
    )
    run.add_argument(
        "--format",
        type=str.lower,
        choices=FORMAT_NAMES,
        help="png, jpeg, webp, or pdf (one document a story); default: the target's, "
        "else the preset's (png; pdf for linkedin)",
    )
    run.add_argument(
        "--quality",
        type=int,
        metavar="1-100",
        help="JPEG, lossy WebP and PDF photo pages (default: 92 for JPEG, 90 for WebP)",
    )
    run.add_argument(
        "--contact-sheet",
        action="store_true",
        help="also write contact-sheet.png: every slide in order, labelled, for review",
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
    run.add_argument(
        "--drafts",
        action="store_true",
        help="in a folder, render stories marked `draft: true` too (a file named always renders)",
    )
    listing = commands.add_parser(
        "presets",
        help="list the presets (slide sizes per platform) and the platform targets",
        description="List every preset (the built-in ones and a theme's) and every target.",
    )
    listing.add_argument("--theme", metavar="FILE", type=Path, help="include a theme's presets")
    return parser


@dataclass(frozen=True)
class _Input:
    """A story file to render: `root` is what the manifest names it relative to; `named`
    when the user gave this file itself (its problems are always errors, a draft renders)."""

    path: Path
    root: Path
    named: bool


@dataclass
class _Tally:
    rendered: int = 0
    drafts: int = 0
    failed: int = 0
    not_stories: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.rendered} rendered"]
        if self.drafts:
            parts.append(
                f"{self.drafts} draft{'s' * (self.drafts > 1)} skipped (--drafts renders them)"
            )
        if self.not_stories:
            shown = ", ".join(str(p) for p in self.not_stories[:_SHOWN_SKIPS])
            more = len(self.not_stories) - _SHOWN_SKIPS
            shown += f" and {more} more" if more > 0 else ""
            parts.append(f"{len(self.not_stories)} not stories skipped ({shown})")
        parts.append(f"{self.failed} failed")
        return "cardimg: " + ", ".join(parts)


_SHOWN_SKIPS = 5


def _story_files(paths: Sequence[str]) -> Iterator[_Input]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found in _walk(path):
                yield _Input(found, path, named=False)
        else:
            yield _Input(path, path.parent, named=True)


def _walk(folder: Path) -> list[Path]:
    """The *.md files under `folder`, sorted; hidden files and folders (a name starting
    with '.', like .git or cardimg's own staging folders) are skipped, and folder links
    are not followed (no loops)."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        for name in files:
            path = Path(top) / name
            if name.endswith(".md") and not name.startswith(".") and path.is_file():
                found.append(path)
    return sorted(found)


# A top-level `cards` key in the front matter, in block style (the only style CMS exports
# and people write); checked only on a file that failed to load.
_CARDS_KEY = re.compile(r"""^(?:cards|"cards"|'cards')[ \t]*:""", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A(?:[ \t]*\n)*---[ \t]*\n(.*?)(?:^---[ \t]*$|\Z)", re.S | re.M)


def _is_story_file(path: Path) -> bool:
    """Whether a file that failed to load was meant as a story: it has front matter, and
    that front matter has a `cards` key. Other Markdown (a README, a section's
    `_index.md`) is not a story; a story with a broken card is a story with an error."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_max_file_bytes())
    except OSError:
        return True  # unreadable: report it, as for any story
    text = head.decode("utf-8", "replace").removeprefix("\ufeff").replace("\r\n", "\n")
    front = _FRONT_MATTER.match(text)
    return front is not None and _CARDS_KEY.search(front[1]) is not None


def _say(kind: str, message: str) -> None:
    # One problem, one line: a file name with a newline must not split it.
    print(f"cardimg: {kind}: {one_line(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 only when every story rendered)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "presets":
        return _presets_command(args)
    if args.command != "render":
        parser.print_help(sys.stderr)
        return 2
    try:
        return _render_command(args)
    except KeyboardInterrupt:
        # Every story folder is whole (old or new); the next run tidies any staging folder.
        _say("error", "interrupted; folders not yet saved keep their previous carousel")
        return 130


def _render_command(args: argparse.Namespace) -> int:
    if not raqm_available():
        _say(
            "warning",
            "Pillow's Raqm layout is unavailable (install FriBiDi, e.g. Debian's libfribidi0): "
            "text is set without kerning or complex-script shaping",
        )
    warnings.simplefilter("ignore", RuntimeWarning)
    problem = _option_problem(args)
    if problem:
        _say("error", problem)
        return 1
    try:
        theme = load_theme(args.theme) if args.theme else None
        preset = _platform(args, theme)
    except (CardimgError, ValueError) as exc:
        _say("error", str(exc))
        return 1
    options = RenderOptions(
        preset=preset,
        images_dir=args.images,
        logo=args.logo,
        sources=args.sources,
        strict=args.strict,
        accessible=args.accessible,
    )
    inputs = list(_story_files(args.paths))
    if not inputs:
        _say("error", "no story files found in " + ", ".join(args.paths))
        return 1
    try:
        recover_output(Path(args.out))  # a save cut short by a kill: finish or undo it first
    except OSError as exc:
        _say("error", f"-o: cannot tidy {exc.filename or args.out}: {exc.strerror or exc}")
        return 1
    tally = _Tally()
    claimed: dict[Path, Path] = {}  # output folder -> the story that wrote it in this run
    with _progress(len(inputs)) as advance:
        for item in inputs:
            _render_one(item, args, options, claimed, theme, tally)
            advance()
    if len(inputs) > 1 or not inputs[0].named:
        print(one_line(tally.summary()))
    return 1 if tally.failed else 0


def _option_problem(args: argparse.Namespace) -> str | None:
    """An option that names something unusable, found before any story is rendered."""
    if args.images is not None and not args.images.is_dir():
        return f"--images: {args.images}: {_missing_or(args.images, 'not a folder')}"
    if args.logo is not None and not args.logo.is_file():
        return f"--logo: {args.logo}: {_missing_or(args.logo, 'not a file')}"
    out = Path(args.out)
    if out.is_symlink() and not out.exists():
        return f"-o: cannot write {out}: it is a link to nothing ({os.readlink(out)})"
    existing = next((p for p in (out, *out.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        return f"-o: cannot write {out}: {existing} is not a folder (Not a directory)"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"-o: cannot write {out}: {existing} is not writable (Permission denied)"
    return None


def _platform(args: argparse.Namespace, theme: Theme | None) -> str:
    """The preset to render for (the one named, else the target's), checked with the
    target and format before any story is rendered; warnings for a risky combination."""
    target = TARGETS[args.target] if args.target else None
    name = args.preset or (target.preset if target else DEFAULT_PRESET)
    preset = get_preset(name, (theme or default_theme()).presets)
    choose_format(target, args.format, preset)  # a format the target refuses: an error now
    if args.quality is not None and not 1 <= args.quality <= 100:
        raise CardimgError(f"--quality: {args.quality} is not from 1 to 100")
    if target is not None and target.single_image and preset.layout != "cover":
        raise CardimgError(
            f"--target {target.name} takes one cover image; --preset {preset.name} makes "
            f"a carousel (use --preset {target.preset})"
        )
    for note in check_preset(target, preset):
        _say("warning", note)
    return preset.name


def _presets_command(args: argparse.Namespace) -> int:
    try:
        theme = load_theme(args.theme) if args.theme else default_theme()
    except CardimgError as exc:
        _say("error", str(exc))
        return 1
    rows = [
        (p.name, f"{p.width}×{p.height}", p.layout, p.format, p.description)
        for p in {**PRESETS, **theme.presets}.values()
    ]
    print(_columns(("preset", "size", "layout", "format", ""), rows))
    print()
    rows = [(t.name, "/".join(t.formats), _limit(t), t.description) for t in TARGETS.values()]
    print(_columns(("target", "formats", "slides", ""), rows))
    return 0


def _limit(target) -> str:
    if target.single_image:
        return "1 image"
    return f"≤ {target.max_slides}" + (" pages" if target.document else "")


def _columns(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


def _missing_or(path: Path, problem: str) -> str:
    return problem if path.exists() else "not found"


def _render_one(
    item: _Input,
    args: argparse.Namespace,
    options: RenderOptions,
    claimed: dict[Path, Path],
    theme: Theme | None,
    tally: _Tally,
) -> None:
    """Render and save one story, reporting problems and counting the outcome."""
    path = item.path
    try:
        story = load_story(path)
    except StoryError as exc:
        if not item.named and not _is_story_file(path):
            tally.not_stories.append(path)
            return
        tally.failed += 1
        _say("error", _located(str(exc), path))
        return
    if story.draft and not item.named and not args.drafts:
        tally.drafts += 1
        return
    if _save(story, item, args, options, claimed, theme):
        tally.rendered += 1
    else:
        tally.failed += 1


def _save(
    story: Story,
    item: _Input,
    args: argparse.Namespace,
    options: RenderOptions,
    claimed: dict[Path, Path],
    theme: Theme | None,
) -> bool:
    path = item.path
    try:
        folder = Path(args.out) / safe_slug(story.slug)
        if folder in claimed:
            raise CardimgError(
                f"{path.name}: slug: {story.slug!r} gives the same output folder "
                f"{folder} as {claimed[folder]}; not overwritten (give one story another slug)"
            )
        carousel = render(story, options=options, theme=theme)
        for note in carousel.warnings:
            _say("warning", _located(note, path))
        written = carousel.save(
            args.out,
            format=args.format,
            source_root=item.root,
            target=args.target,
            quality=args.quality,
            contact_sheet=args.contact_sheet,
        )
        claimed[folder] = path
    except CardimgError as exc:
        _say("error", _located(str(exc), path))
        return False
    except OSError as exc:
        # Reading the story is checked by load_story; an OSError here is about writing.
        where = f"cannot write {exc.filename}" if exc.filename else "cannot write the output"
        _say("error", f"{path}: {where}: {exc.strerror or exc}")
        return False
    print(one_line(f"{path}: {len(carousel.slides)} slides -> {written[0].parent}"))
    return True


def _located(message: str, path: Path) -> str:
    """Messages name the story by its file name; on the command line, by the path given,
    so two `story.md` in different folders can be told apart."""
    prefix = f"{one_line(path.name)}:"
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
