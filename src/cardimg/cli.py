"""The `cardimg` command: render story files to carousels on disk."""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import re
import stat
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, redirect_stdout, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .errors import CardimgError, did_you_mean, one_line, shortened
from .errors import problem as problem_text
from .formats import FORMAT_NAMES, format_help
from .presets import DEFAULT_PRESET, PRESETS, TARGETS, get_preset

# Pillow, fontTools, markdown-it and rich take most of a second to import and
# `cardimg --help` needs none of them: the commands import them when they run.
if TYPE_CHECKING:
    from concurrent.futures import Executor

    from .batch import BatchResult, StoryResult
    from .check import CheckedFile
    from .discover import StoryInput
    from .options import RenderOptions, SaveOptions
    from .presets import Target
    from .theme import Theme

    # What add_subparsers returns: the parser's commands, each added as a sub-parser
    # (generic only to the type checker).
    _Commands = argparse._SubParsersAction["_Parser"]


class _VersionAction(argparse.Action):
    """-V/--version, looked up only when asked for (importlib.metadata and Pillow are slow
    to import, and `--help` needs neither)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.update(nargs=0, default=argparse.SUPPRESS)
        super().__init__(
            option_strings,
            dest,
            help="show the version, the text engine and Pillow, and exit",
            **kwargs,
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(version_text())
        parser.exit()


def version_text() -> str:
    """`cardimg 0.1.0 (text engine: Raqm 0.11.0, FriBiDi 1.0.8, HarfBuzz 14.5.0; Pillow 13.0.0)`:
    a bug report's first line says what sets the text, which decides how it looks."""
    from PIL import __version__ as pillow

    from . import __version__
    from .engine import engine_status

    status = engine_status()
    if status.raqm:
        engine = (
            f"Raqm {status.raqm_version}, FriBiDi {status.fribidi_version}, "
            f"HarfBuzz {status.harfbuzz_version}"
        )
    else:
        engine = f"Pillow's basic layout (no Raqm: {status.missing} missing)"
    return f"cardimg {__version__} (text engine: {engine}; Pillow {pillow})"


class _Parser(argparse.ArgumentParser):
    """argparse with no abbreviated options (`--pre` taken for `--preset` would make an
    option added later change what an old script means) and a suggestion for a mistyped
    choice (a command, a target, a format)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        choice = _INVALID_CHOICE.search(message)
        if choice:
            known = re.findall(r"'((?:[^'\\]|\\.)*)'", choice[2])
            hint = did_you_mean(choice[1], known)
            said = f"invalid choice: {choice[1]!r}{hint} ({choice[2]})"
            message = message.replace(choice[0], said)
        super().error(one_line(message))


_INVALID_CHOICE = re.compile(r"invalid choice: '(.*?)' \((choose from .*)\)")


EXAMPLES = """\
examples:
  cardimg render samples/20200314-iraq-latest.md -o out/
  cardimg render stories/ -o out/ --format jpeg --images assets/
  cardimg render story.md --strict --no-sources
"""


def _named(text: str) -> str:
    """A name an option or PATH takes: never empty (an unset shell variable), which the
    system reads as the current folder and cardimg would as no option at all."""
    if not text:
        raise argparse.ArgumentTypeError("an empty name")
    return text


def _named_path(text: str) -> Path:
    return Path(_named(text))


def _preset_name(text: str) -> str:
    return _named(text).lower()


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cardimg",
        description="Turn news story files into typeset, branded image carousels.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-V", "--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = _add_render_parser(commands)
    _add_platform_options(run)
    _add_batch_options(run)
    _add_stdout_options(run)
    _add_presets_parser(commands)
    _add_theme_commands(commands)
    _add_check_parser(commands)
    _add_preview_parser(commands)
    _add_doctor_parser(commands)
    _add_serve_parser(commands)
    _add_config_commands(commands)
    # Every command, whoever adds it, takes the same -q/-v/--config: added last, to all.
    _add_common_options(parser)
    for command in commands.choices.values():
        _add_common_options(command)
    return parser


def _add_common_options(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: given before the command or after it, neither level resets the other's.
    common = parser.add_argument_group("options of every command")
    quiet_or_loud = common.add_mutually_exclusive_group()
    quiet_or_loud.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="say errors only (no warnings, progress or summaries)",
    )
    quiet_or_loud.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="also say each stage's time and the fonts chosen (on standard error)",
    )
    common.add_argument(
        "--config",
        metavar="FILE",
        type=_named_path,
        default=argparse.SUPPRESS,
        help="read defaults from FILE instead of the cardimg.toml or pyproject.toml found",
    )
    common.add_argument(
        "--no-config",
        action="store_true",
        default=argparse.SUPPRESS,
        help="read no configuration file",
    )


def _add_render_parser(commands: _Commands) -> argparse.ArgumentParser:
    run = commands.add_parser(
        "render",
        help="render story files to slide images, manifest.json and caption.txt",
        description="Render each story to OUT/<slug>/: 01.png…, manifest.json, caption.txt.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "paths",
        nargs="+",
        type=_named,
        metavar="PATH",
        help="a story file, or a folder of *.md stories",
    )
    run.add_argument(
        "-o",
        "--out",
        default="out",
        type=_named,
        metavar="OUT",
        help="output folder (default: out)",
    )
    return run


def _add_platform_options(run: argparse.ArgumentParser) -> None:
    """What the files are for: the preset, the platform's rules, the format, the look."""
    run.add_argument(
        "--preset",
        type=_preset_name,
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
        help=format_help() + "; default: the target's, else the preset's (png; pdf for linkedin)",
    )
    run.add_argument(
        "--quality",
        type=int,
        metavar="1-100",
        help="JPEG, lossy WebP and PDF photo pages (default: 92 for JPEG, 90 for WebP)",
    )
    run.add_argument(
        "--audio",
        metavar="FILE",
        type=_named_path,
        help="a sound file laid under a video (mp4): cut at its end with a fade, never "
        "looped; without it the video is silent",
    )
    run.add_argument(
        "--contact-sheet",
        action="store_true",
        help="also write contact-sheet.png: every slide in order, labelled, for review",
    )
    run.add_argument(
        "--images", metavar="DIR", type=_named_path, help="folder holding featured images"
    )
    run.add_argument(
        "--theme",
        type=_named,
        metavar="NAME",
        help="a built-in theme's name (see `cardimg themes`) or a theme TOML file "
        "(default: the default theme)",
    )
    run.add_argument(
        "--logo", metavar="FILE", type=_named_path, help="brand mark drawn on the bottom frame line"
    )
    run.add_argument(
        "--strict",
        action="store_true",
        help="treat an unknown palette, or characters no font has, as an error",
    )
    run.add_argument(
        "--allow-basic-layout",
        action="store_true",
        help="where Pillow lacks its Raqm text engine (FriBiDi missing), set right-to-left, "
        "Indic, Thai... text with the basic layout, wrongly, instead of refusing the story",
    )
    run.add_argument(
        "--accessible",
        action="store_true",
        default=None,
        help="move palette text/background lightness just enough to pass WCAG AA contrast",
    )
    run.add_argument("--no-sources", dest="sources", action="store_false", help="no sources slide")


def _add_batch_options(run: argparse.ArgumentParser) -> None:
    """How a folder is rendered: workers, what is rendered again, where."""
    run.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="stories rendered side by side in worker processes (default: one per CPU; "
        "1: in this process)",
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="render every story, even one whose files are up to date with its inputs",
    )
    run.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="render on a Dask distributed cluster (needs cardimg[dask]); the files come "
        "back here, so the workers need no shared storage",
    )
    run.add_argument(
        "--drafts",
        action="store_true",
        help="in a folder, render stories marked `draft: true` too (a file named always renders)",
    )
    run.add_argument(
        "--future",
        action="store_true",
        help="in a folder, render posts dated in the future too (publishDate, else date)",
    )
    run.add_argument(
        "--name",
        metavar="PATTERN",
        help="write each slide to OUT/PATTERN, flat, with cardimg-index.json beside them: "
        'fields {slug} {section} {lang} {preset} {n} (e.g. "{slug}.png")',
    )


def _add_stdout_options(run: argparse.ArgumentParser) -> None:
    """One image for a pipe: `cardimg render - --preset og --stdout | upload`."""
    run.add_argument(
        "--stdout",
        action="store_true",
        help="write the one image of one story (a cover, a PDF, or --slide N) to standard "
        "output instead of a folder",
    )
    run.add_argument(
        "--slide", type=int, metavar="N", help="with --stdout: the slide to write (1: the first)"
    )


def _add_presets_parser(commands: _Commands) -> None:
    listing = commands.add_parser(
        "presets",
        help="list the presets (slide sizes per platform) and the platform targets",
        description="List every preset (the built-in ones and a theme's) and every target.",
    )
    listing.add_argument("--theme", metavar="NAME", help="include a theme's presets")


def _add_theme_commands(commands: _Commands) -> None:
    commands.add_parser(
        "themes",
        help="list the built-in themes",
        description="List the built-in themes: name, what they look like, where they come from. "
        "Use one with `render --theme NAME`; a theme file can `extends` one.",
    )
    palettes = commands.add_parser(
        "palettes",
        help="list a theme's palettes with their WCAG contrast",
        description="Print every palette of a theme: its colours, the WCAG contrast ratio of "
        "its text on its background, and whether that passes AA for body text (4.5:1).",
    )
    palettes.add_argument("--theme", metavar="NAME", help="a theme name or file (default: default)")
    palettes.add_argument(
        "--sheet", metavar="FILE", type=Path, help="also write a swatch image of them (PNG)"
    )


_SHOWN_SKIPS = 5


# -1 with --quiet (errors only), 1 with --verbose (timings, fonts), else 0. A context
# variable, not a global: a service may call main() from several threads at once.
_LOUDNESS: ContextVar[int] = ContextVar("cardimg_loudness", default=0)
# The temporary file holding a story read from standard input, named <stdin> in messages.
_STDIN_FILE: ContextVar[Path | None] = ContextVar("cardimg_stdin_file", default=None)
STDIN_NAME = "<stdin>"


def _say(kind: str, message: str) -> None:
    if kind == "warning" and _LOUDNESS.get() < 0:
        return
    # One problem, one line: a file name with a newline must not split it.
    print(f"cardimg: {kind}: {shortened(one_line(message))}", file=sys.stderr)


def _tell(message: str, *, err: bool = False) -> None:
    """A line of progress or summary: left out with --quiet."""
    if _LOUDNESS.get() >= 0:
        print(one_line(message), file=sys.stderr if err else sys.stdout, flush=True)


def _verbose(message: str) -> None:
    """A line for --verbose, on standard error: standard output stays the command's own."""
    if _LOUDNESS.get() > 0:
        print(f"cardimg: {shortened(one_line(message))}", file=sys.stderr, flush=True)


@contextmanager
def _stage(name: str) -> Iterator[None]:
    """With --verbose, how long a stage took."""
    started = time.perf_counter()
    try:
        yield
    finally:
        _verbose(f"{name}: {time.perf_counter() - started:.3f} s")


def _shown(path: Path) -> str:
    """A story's path as messages give it: <stdin> for the one read from standard input."""
    return STDIN_NAME if path == _STDIN_FILE.get() else str(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 only when every story rendered)."""
    return _main(argv)[0]


# Commands whose process, once they return, holds nothing that must be closed or written:
# `run` ends it without tearing down every object it made (see `run`).
_NOTHING_TO_CLOSE = frozenset({"check"})


def run() -> NoReturn:
    """The `cardimg` program (and `python -m cardimg`): `main`'s status as the exit status.

    After `check`, the process ends at once once its output is flushed and the exit
    handlers have run: freeing the fonts, caches and laid-out text of every story one by
    one (and the collector's last pass over them) cost a check of a small folder a tenth
    of its time, for nothing. Every other command exits as Python does."""
    status, command = _main(None)
    if command in _NOTHING_TO_CLOSE and _flushed():
        atexit._run_exitfuncs()
        os._exit(status)
    sys.exit(status)


def _flushed() -> bool:
    """Whether standard output and error took everything written to them; if not (a
    closed pipe), Python's own exit says so as it always did."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return False
    return True


def _main(argv: Sequence[str] | None) -> tuple[int, str | None]:
    """The exit status, and the command that ran (None when none did)."""
    parser = _parser()
    args = _parse(parser, list(sys.argv[1:] if argv is None else argv))
    loudness = _LOUDNESS.set(args.loudness)
    try:
        return _command(parser, args), args.command
    except OSError as exc:
        # A file an option names that the system refuses in a way no check foresaw (a
        # name too long for it, say): one line, not a traceback.
        where = f"{one_line(str(exc.filename))}: " if exc.filename else ""
        _say("error", f"{where}{problem_text(exc)}")
        return (2 if args.command == "check" else 1), None
    finally:
        _LOUDNESS.reset(loudness)


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """The options: the command line's, over the configuration file's, over the built-in
    defaults. An unknown option is a usage error with a suggestion."""
    args, extra = parser.parse_known_args(argv)
    commands = _commands(parser)
    command = commands.get(args.command) if args.command else None
    if extra:
        _refuse_extra(command or parser, extra)
    args.loudness = _loudness(args)
    args.settings = None
    if command is None or getattr(args, "no_config", False):
        return args
    settings = _settings(args, commands)
    defaults = {
        dest: setting.value
        for dest, setting in settings.of(args.command).items()
        if setting.value is not argparse.SUPPRESS
    }
    loudness = args.loudness or _loudness(argparse.Namespace(**defaults))
    if defaults:
        command.set_defaults(**defaults)
        args = parser.parse_args(argv)
    args.loudness, args.settings = loudness, settings
    return args


def _loudness(args: argparse.Namespace) -> int:
    return -1 if getattr(args, "quiet", False) else int(getattr(args, "verbose", False))


def _refuse_extra(parser: argparse.ArgumentParser, extra: list[str]) -> NoReturn:
    first = extra[0]
    if first.startswith("-") and first != "-":
        name = first.split("=", 1)[0]
        known = [option for action in parser._actions for option in action.option_strings]
        parser.error(f"unrecognized option {name}{did_you_mean(name, known)}")
    parser.error(f"unrecognized arguments: {' '.join(extra)}")


def _settings(args: argparse.Namespace, commands: dict[str, argparse.ArgumentParser]) -> Any:
    """The configuration file's settings (--config FILE, else the one found), checked;
    a mistake in it is one line naming the file and the key, and exit status 2."""
    from .config import ConfigError, find_config, load_settings

    try:
        path = getattr(args, "config", None) or find_config(Path.cwd())
        # `config` shows (so checks) the commands it names; any other, only its own.
        shown = [args.name] if args.command == "config" and args.name in commands else None
        running = shown or (None if args.command == "config" else [args.command])
        settings = load_settings(path, commands, running)
    except (ConfigError, OSError) as exc:
        _say("error", str(exc) if isinstance(exc, ConfigError) else problem_text(exc))
        raise SystemExit(2) from None
    if settings.path is not None and _loudness(args) > 0:
        print(f"cardimg: configuration: {settings.path}", file=sys.stderr)
    return settings


def _command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "config":
        return _config_command(parser, args)
    if args.command == "completion":
        from .completion import completion_script

        print(completion_script(args.shell, parser))
        return 0
    if args.command == "presets":
        return _presets_command(args)
    if args.command == "themes":
        return _themes_command()
    if args.command == "palettes":
        return _palettes_command(args)
    if args.command == "check":
        with _terminated_as_interrupt():
            try:
                return _check_command(args)
            except KeyboardInterrupt as stop:
                _say("error", "interrupted" if not isinstance(stop, Terminated) else "terminated")
                return _interrupted_status(stop)
    if args.command == "preview":
        return _preview_command(args)
    if args.command == "doctor":
        return _doctor_command(args)
    if args.command == "serve":
        return _serve_command(args)
    if args.command != "render":
        parser.print_help(sys.stderr)
        return 2
    with _terminated_as_interrupt():
        try:
            return _render_command(args)
        except KeyboardInterrupt as stop:
            # Every story folder is whole (old or new); the next run tidies any staging folder.
            why = "terminated" if isinstance(stop, Terminated) else "interrupted"
            _say("error", f"{why}; folders not yet saved keep their previous carousel")
            return _interrupted_status(stop)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a `kill`, a service manager stopping cardimg), raised where the program
    is: a KeyboardInterrupt, so that every path that stops workers and restores folders
    on Ctrl-C does the same for it."""


def _interrupted_status(stop: KeyboardInterrupt) -> int:
    # 128 + the signal's number, as a shell reports a process the signal ended.
    return 143 if isinstance(stop, Terminated) else 130


@contextmanager
def _terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM raises `Terminated` while a command runs (only the main thread may set a
    handler; elsewhere, as in a web service calling `main`, SIGTERM is left alone)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _render_command(args: argparse.Namespace) -> int:
    _warn_without_raqm()
    warnings.simplefilter("ignore", RuntimeWarning)
    try:
        with _standard_input(args), _stdout_folder(args):
            return _render(args)
    except CardimgError as exc:
        _say("error", str(exc))
        return 1


def _render(args: argparse.Namespace) -> int:
    from .batch import render_batch
    from .discover import find_stories
    from .folders import recover_output

    with _stage("options and theme"):
        problem = _option_problem(args)
        if problem:
            _say("error", problem)
            return 1
        try:
            options, save = _render_options(args)
        except (CardimgError, ValueError) as exc:
            _say("error", str(exc))
            return 1
    inputs = list(find_stories(args.paths))
    if not inputs:
        _say("error", "no story files found in " + ", ".join(args.paths))
        return 1
    if args.stdout and (len(inputs) != 1 or not inputs[0].named):
        _say("error", f"--stdout: writes the image of one story file, not {len(inputs)}")
        return 1
    try:
        recover_output(Path(args.out))  # a save cut short by a kill: finish or undo it first
    except OSError as exc:
        _say("error", f"-o: cannot tidy {exc.filename or args.out}: {exc.strerror or exc}")
        return 1
    with (
        _stage(f"rendering {len(inputs)} stor{'ies' if len(inputs) != 1 else 'y'}"),
        _executor(args, len(inputs)) as executor,
        _progress(len(inputs)) as advance,
    ):
        result = render_batch(
            inputs,
            args.out,
            executor=executor,
            theme=args.theme,
            options=options,
            save=save,
            force=args.force,
            drafts=args.drafts,
            future=args.future,
            name=args.name,
            on_story=_reporting(advance),
            before_render=_room_check(args.theme, options.preset),
        )
    if len(inputs) > 1 or not inputs[0].named:
        _tell(_summary(result))
    if args.stdout and not result.failed:
        return _write_stdout(Path(args.out), args.slide, args.image_out)
    return 1 if result.failed else 0


def _render_options(args: argparse.Namespace) -> tuple[RenderOptions, SaveOptions]:
    """The render and save options of the command line, checked (an unknown preset, a
    format the target refuses: one line before anything is rendered)."""
    from .options import RenderOptions, SaveOptions
    from .theme import load_theme

    theme = load_theme(args.theme) if args.theme else None
    preset = _platform(args, theme)
    if _LOUDNESS.get() > 0:
        _say_fonts(theme)
    options = RenderOptions(
        preset=preset,
        images_dir=args.images,
        logo=args.logo,
        sources=args.sources,
        strict=args.strict,
        accessible=args.accessible,
        allow_basic_layout=args.allow_basic_layout,
    )
    save = SaveOptions(args.format, args.target, args.quality, args.contact_sheet, audio=args.audio)
    return options, save


def _say_fonts(theme: Theme | None) -> None:
    """--verbose: the text engine and the font file of each face and fallback; characters
    none of them has are looked up among the system's fonts as a story needs them."""
    from .engine import engine_status
    from .theme import default_theme

    theme = theme or default_theme()
    _verbose(f"text engine: {engine_status().name}")
    for face, path in sorted(theme.fonts.items()):
        _verbose(f"font {face}: {path}")
    for number, fallback in enumerate(theme.fallback, 1):
        _verbose(f"fallback font {number}: {fallback.regular}")


@contextmanager
def _standard_input(args: argparse.Namespace) -> Iterator[None]:
    """`-` among the paths: the story on standard input, read (no more than a story may
    be, and one byte to tell) into a private temporary folder, where the batch reads it
    like any file; messages name it <stdin>, and its images are looked up in --images,
    else the current folder (it has no folder of its own)."""
    if "-" not in args.paths:
        yield
        return
    if args.paths.count("-") > 1:
        raise CardimgError("-: standard input is named more than once")
    import tempfile

    from .story import MAX_FILE_BYTES

    data = _read_stdin(MAX_FILE_BYTES)
    with tempfile.TemporaryDirectory(prefix="cardimg-stdin-") as folder:
        path = Path(folder) / STDIN_NAME
        path.write_bytes(data)
        token = _STDIN_FILE.set(path)
        args.paths = [str(path) if given == "-" else given for given in args.paths]
        if args.images is None:
            args.images = Path.cwd()
        try:
            yield
        finally:
            _STDIN_FILE.reset(token)


def _read_stdin(limit: int) -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise CardimgError(f"{STDIN_NAME}: there is no standard input to read a story from")
    try:
        data = stream.read(limit + 1)
    except (OSError, ValueError) as exc:
        raise CardimgError(f"{STDIN_NAME}: cannot read: {problem_text(exc)}") from None
    if not isinstance(data, bytes):
        raise CardimgError(f"{STDIN_NAME}: cannot read: not a byte stream")
    if len(data) > limit:
        raise CardimgError(f"{STDIN_NAME}: over the limit of {limit:,} bytes for a story")
    return data


@contextmanager
def _stdout_folder(args: argparse.Namespace) -> Iterator[None]:
    """--stdout: the story renders into a private temporary folder (always afresh), and
    what would be said on standard output goes to standard error, which leaves standard
    output to the image's bytes."""
    if not args.stdout:
        if args.slide is not None:
            raise CardimgError("--slide: only with --stdout (a folder gets every slide)")
        yield
        return
    if args.slide is not None and args.slide < 1:
        raise CardimgError(f"--slide: {args.slide} is not a slide number (1 is the first)")
    if sys.stdout.isatty():
        raise CardimgError("--stdout: standard output is a terminal; send it to a pipe or file")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="cardimg-stdout-") as folder:
        args.out, args.force, args.contact_sheet = folder, True, False
        args.image_out = sys.stdout  # the real one, for the bytes, once rendered
        with redirect_stdout(sys.stderr):
            yield


def _write_stdout(out: Path, slide: int | None, stream: Any) -> int:
    """The one file of the story rendered to `out` (a cover, a PDF), or its slide number
    `slide`, written to `stream` (standard output)."""
    found = sorted(
        path
        for path in out.rglob("*")
        if path.is_file() and path.name not in {"manifest.json", "caption.txt"}
    )
    if slide is None and len(found) != 1:
        _say("error", f"--stdout: the story has {len(found)} slides; choose one with --slide N")
        return 1
    if slide is not None and slide > len(found):
        _say("error", f"--slide: {slide}: the story has {len(found)} slide(s)")
        return 1
    data = found[(slide or 1) - 1].read_bytes()
    try:
        stream.buffer.write(data)
        stream.flush()
    except BrokenPipeError:
        # The reader stopped early: no traceback, and no second error at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        return 1
    return 0


def _warn_without_raqm() -> None:
    from .renderkey import pillow_text_libraries  # (not `fonts`: it imports Pillow's drawing)

    if pillow_text_libraries()["raqm"] is None:
        _say(
            "warning",
            "Pillow's Raqm layout is unavailable (install FriBiDi, e.g. Debian's libfribidi0): "
            "text is set without kerning, and stories whose text needs shaping (right-to-left, "
            "Indic, Thai...) are refused; `cardimg doctor` tells what is missing",
        )


@contextmanager
def _executor(args: argparse.Namespace, stories: int) -> Iterator[Executor | None]:
    """Where stories render: a Dask cluster, worker processes here, or this process."""
    from .batch import dask_executor, local_pool
    from .workers import default_jobs

    if args.scheduler is not None:
        with dask_executor(args.scheduler) as executor:
            yield executor
        return
    jobs = min(args.jobs or default_jobs(), stories)
    if jobs <= 1:
        yield None
        return
    pool = local_pool(jobs)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _reporting(advance: Callable[[], None]) -> Callable[[StoryResult], None]:
    """Each story's outcome reported, and the progress bar moved on."""

    lost: list[str] = []

    def on_story(story: StoryResult) -> None:
        if story.lost is not None and not lost:  # once, before the stories it took
            lost.append(story.lost)
            _say("error", f"{story.lost}; not rendered (run again to render them):")
        _report(story)
        advance()

    return on_story


def _report(story: StoryResult) -> None:
    """One story's outcome, as it comes: its warnings, its error, or where it went."""
    path = story.path
    for note in story.warnings:
        _say("warning", _located(note, path))
    if story.status == "failed":
        message = f"{path.name}: not rendered" if story.lost else story.message or "failed"
        _say("error", _located(message, path))
    elif story.status == "rendered":
        slides = f"{story.slides} slide{'s' * (story.slides != 1)}"
        _tell(f"{_shown(path)}: {slides} -> {_written_to(story)}")
    elif story.status == "unchanged":
        _tell(f"{_shown(path)}: unchanged -> {story.folder}")


def _summary(result: BatchResult) -> str:
    parts = [f"{result.rendered} rendered"]
    if result.unchanged:
        parts.append(f"{result.unchanged} unchanged (--force renders them)")
    if result.drafts:
        drafts = result.drafts
        parts.append(f"{drafts} draft{'s' * (drafts > 1)} skipped (--drafts renders them)")
    if result.future:
        parts.append(f"{result.future} future skipped (--future renders them)")
    if result.not_stories:
        shown = ", ".join(str(p) for p in result.not_stories[:_SHOWN_SKIPS])
        more = len(result.not_stories) - _SHOWN_SKIPS
        shown += f" and {more} more" if more > 0 else ""
        parts.append(f"{len(result.not_stories)} not stories skipped ({shown})")
    parts.append(f"{result.failed} failed")
    slides = f"{result.slides} slide{'s' * (result.slides != 1)}"
    return "cardimg: " + ", ".join(parts) + f"; {slides} in {result.seconds:.1f} s"


def _option_problem(args: argparse.Namespace) -> str | None:
    """An option that names something unusable, found before any story is rendered."""
    if args.scheduler is not None:
        from .batch import scheduler_address

        try:
            args.scheduler = scheduler_address(args.scheduler)
        except CardimgError as exc:
            return str(exc)
    if args.images is not None and (problem := _unusable(args.images, folder=True)):
        return f"--images: {args.images}: {problem}"
    if args.logo is not None and (problem := _unusable(args.logo, folder=False)):
        return f"--logo: {args.logo}: {problem}"
    out = Path(args.out)
    try:  # (a name too long, a loop of links: OSError from the checks themselves)
        if out.is_symlink() and not out.exists():
            return f"-o: cannot write {out}: it is a link to nothing ({os.readlink(out)})"
        existing = next((p for p in (out, *out.parents) if p.exists()), Path("."))
        if not existing.is_dir():
            return f"-o: cannot write {out}: {existing} is not a folder (Not a directory)"
    except OSError as exc:
        return f"-o: cannot write {out}: {problem_text(exc)}"
    unwritable = _unwritable(existing)
    return f"-o: cannot write {out}: {existing} {unwritable}" if unwritable else None


def _unusable(path: Path, *, folder: bool) -> str | None:
    """Why `path` is not the folder (or regular file) an option needs; None if it is."""
    try:
        info = path.stat()
    except OSError as exc:  # not found, a name too long, a loop of links...
        return problem_text(exc)
    if folder:
        return None if stat.S_ISDIR(info.st_mode) else "not a folder"
    return None if stat.S_ISREG(info.st_mode) else "not a file"


def _unwritable(folder: Path) -> str | None:
    """Why nothing can be written in `folder`, as it is: a read-only file system (which
    `os.access` reports as a mere no) or a folder without write permission; else None."""
    with suppress(OSError, AttributeError):  # (no statvfs on Windows)
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "is on a read-only file system"
    if not os.access(folder, os.W_OK | os.X_OK):
        return "is not writable (Permission denied)"
    return None


def _check_jobs(jobs: int) -> None:
    """A number of worker processes this machine can run: 1 to 4 per CPU (each worker is
    a process with its own memory; `--jobs 100000` would start one per story)."""
    from .workers import default_jobs  # not batch: `check` needs none of what it imports

    most = 4 * default_jobs()
    if not 1 <= jobs <= most:
        raise CardimgError(
            f"--jobs: {jobs} is not a number of workers from 1 to {most} (4 per CPU here)"
        )


def _platform(args: argparse.Namespace, theme: Theme | None) -> str:
    """The preset to render for (the one named, else the target's), checked with the
    target and format before any story is rendered (its room for text: see `_room_check`)."""
    from .targets import choose_format, refuse_preset
    from .theme import default_theme

    target = TARGETS[args.target] if args.target else None
    name = args.preset or (target.preset if target else DEFAULT_PRESET)
    preset = get_preset(name, (theme or default_theme()).presets)
    choose_format(target, args.format, preset)  # a format the target refuses: an error now
    if args.jobs is not None:
        _check_jobs(args.jobs)
    if args.quality is not None and not 1 <= args.quality <= 100:
        raise CardimgError(f"--quality: {args.quality} is not from 1 to 100")
    if target is not None and target.single_image and preset.layout != "cover":
        raise CardimgError(
            f"--target {target.name} takes one cover image; --preset {preset.name} makes "
            f"a carousel (use --preset {target.preset})"
        )
    refuse_preset(target, preset)  # a size the platform refuses: an error now
    return preset.name


def _room_check(theme_ref: str | None, preset: str) -> Callable[[], None]:
    """Whether the theme leaves room for text on the preset's slides, checked once
    before the first story that needs rendering: a ThemeError then stops the batch, in
    one line, rather than failing every story. (It needs the layout's modules: a re-run
    that renders nothing imports none of them, and every story it finds up to date was
    rendered with this theme and preset, so the room was there.)"""

    def check() -> None:
        from .render import preset_geometry
        from .theme import default_theme, load_theme

        theme = load_theme(theme_ref) if theme_ref else default_theme()
        preset_geometry(theme, get_preset(preset, theme.presets))

    return check


def _presets_command(args: argparse.Namespace) -> int:
    from .theme import default_theme, load_theme

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
    targets = [(t.name, "/".join(t.formats), _limit(t), t.description) for t in TARGETS.values()]
    print(_columns(("target", "formats", "slides", ""), targets))
    return 0


def _themes_command() -> int:
    from .theme import load_theme, theme_names

    rows = []
    try:
        for name in theme_names():
            theme = load_theme(name)
            rows.append((theme.name, theme.source, theme.description))
    except CardimgError as exc:
        _say("error", str(exc))
        return 1
    print(_columns(("theme", "from", ""), rows))
    return 0


def _palettes_command(args: argparse.Namespace) -> int:
    """Each palette's colours and text/background contrast; a palette failing AA for body
    text is listed as such (exit 0: this is a report, `check` is the gate)."""
    from .contrast import AA_BODY, AA_LARGE, contrast_ratio
    from .theme import default_theme, load_theme

    try:
        theme = load_theme(args.theme) if args.theme else default_theme()
    except CardimgError as exc:
        _say("error", str(exc))
        return 1
    rows = []
    for palette in theme.palettes.values():
        ratio = contrast_ratio(palette.text, palette.background)
        verdict = (
            "pass" if ratio >= AA_BODY else ("large text only" if ratio >= AA_LARGE else "FAIL")
        )
        rows.append(
            (palette.key, palette.background, palette.text, palette.frame, f"{ratio:.2f}", verdict)
        )
    print(_columns(("palette", "background", "text", "frame", "ratio", "AA"), rows))
    if args.sheet is not None:
        try:
            _write_sheet(args.sheet, theme)
        except OSError as exc:
            _say("error", f"--sheet: cannot write {args.sheet}: {exc.strerror or exc}")
            return 1
        print(one_line(f"swatches -> {args.sheet}"))
    return 0


def _write_sheet(path: Path, theme: Theme) -> None:
    """The swatch image, written whole or not at all (a temporary file renamed over)."""
    from .fonts import theme_fonts
    from .paint import paint_palette_sheet

    image = paint_palette_sheet(
        f"Palettes of theme {theme.name!r}", list(theme.palettes.values()), fonts=theme_fonts(theme)
    )
    temporary = path.with_name(f".{path.name}.cardimg-new")
    try:
        image.save(temporary, format="PNG")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _limit(target: Target) -> str:
    if target.single_image:
        return "1 image"
    return f"≤ {target.max_slides}" + (" pages" if target.document else "")


def _columns(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


def _missing_or(path: Path, problem: str) -> str:
    return problem if path.exists() else "not found"


def _written_to(story: StoryResult) -> str:
    """The story folder, and the carousels a target split it into."""
    if not story.parts:
        return str(story.folder)
    return f"{story.folder} ({len(story.parts)} carousels: {story.parts[0]} … {story.parts[-1]})"


def _located(message: str, path: Path) -> str:
    """Messages name the story by its file name; on the command line, by the path given,
    so two `story.md` in different folders can be told apart."""
    prefix = f"{one_line(path.name)}:"
    return f"{_shown(path)}:{message[len(prefix) :]}" if message.startswith(prefix) else message


# --------------------------------------------------------------------------- check

CHECK_EXAMPLES = """\
examples:
  cardimg check stories/
  cardimg check stories/ --target instagram-api --strict
  cardimg check story.md --format json > findings.json
  cardimg check stories/ --format github     (annotations on a pull request's diff)
  cardimg check stories/ --format sarif > cards.sarif     (for code scanning)

exit status: 0 clean (info and, without --strict, warnings allowed), 1 warnings with
--strict, 2 errors (a story that cannot render, or an option that cannot be used).
"""


def _add_check_parser(commands: _Commands) -> None:
    check = commands.add_parser(
        "check",
        help="check story files for what rendering them would warn about, without painting",
        description="Lay out each story as render would and report its findings, one line "
        "each: FILE: card KEY: CODE: message. Nothing is painted or written.",
        epilog=CHECK_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "paths",
        nargs="+",
        type=_named,
        metavar="PATH",
        help="a story file, or a folder of *.md stories",
    )
    check.add_argument("--preset", type=_preset_name, metavar="NAME", help="lay out for a preset")
    check.add_argument(
        "--target",
        type=str.lower,
        choices=list(TARGETS),
        help="also check a platform's limits: slides per upload, caption and alt text",
    )
    check.add_argument(
        "--theme", type=_named, metavar="NAME|FILE", help="a built-in theme or a theme file"
    )
    check.add_argument(
        "--images", metavar="DIR", type=_named_path, help="folder holding featured images"
    )
    check.add_argument(
        "--no-sources", dest="sources", action="store_false", help="no sources slide"
    )
    check.add_argument("--drafts", action="store_true", help="in a folder, check drafts too")
    check.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="stories checked side by side in N worker processes (default 1: in this "
        "process; for a whole archive, the number of CPUs)",
    )
    check.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when there are warnings, characters no font has among them (errors exit 2)",
    )
    check.add_argument(
        "--allow-basic-layout",
        action="store_true",
        help="where Pillow lacks its Raqm text engine (FriBiDi missing), set right-to-left, "
        "Indic, Thai... text with the basic layout, wrongly, instead of refusing the story",
    )
    check.add_argument(
        "--format",
        dest="output",
        choices=("text", "json", "github", "sarif"),
        default="text",
        help="text (one line per finding, the default), json (docs/check.md), github "
        "(GitHub workflow annotations) or sarif (SARIF 2.1.0, for code scanning)",
    )


def _check_command(args: argparse.Namespace) -> int:
    """Check every story named; print the findings; 0 clean, 1 warnings with --strict,
    2 errors."""
    warnings.simplefilter("ignore", RuntimeWarning)
    try:
        with _standard_input(args):
            return _check(args)
    except (CardimgError, ValueError) as exc:
        _say("error", str(exc))
        return 2


def _check(args: argparse.Namespace) -> int:
    from .discover import find_stories

    with _stage("options and theme"):
        _check_jobs(args.jobs)
        theme, options, target = _check_setup(args)
    inputs = list(find_stories(args.paths))
    if not inputs:
        _say("error", "no story files found in " + ", ".join(args.paths))
        return 2
    try:
        with _stage(f"checking {len(inputs)} file{'s' * (len(inputs) != 1)}"), _collected_rarely():
            report = _check_all(inputs, args, theme, options, target)
    except BrokenPipeError:
        # The reader stopped early (`| head`): no traceback, and no second error at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 2
    return int(report["summary"]["exit_status"])  # type: ignore[index]


@contextmanager
def _collected_rarely() -> Iterator[None]:
    """The cycle collector set aside for what was made before the stories (modules,
    theme: it lives as long as the process) and run less often: checking a folder
    makes tens of thousands of small objects, nearly none of them in cycles, and the
    collector's passes over them (and over every module) were a twentieth of a check.
    What is left in cycles is still collected, only later; both are restored after."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], _GC_FIRST_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


# Allocations between two of the collector's youngest passes while stories are checked
# (Python's default is 700).
_GC_FIRST_THRESHOLD = 20_000


def _check_all(
    inputs: list[StoryInput],
    args: argparse.Namespace,
    theme: Theme,
    options: RenderOptions,
    target: Target | None,
) -> dict[str, object]:
    """Check every input, printing each file's findings as it goes (text, github) or
    the whole report at the end (json, sarif); the report."""
    from .check import CheckedFile, check_files, check_report, located

    checked: list[CheckedFile] = []
    skipped = 0
    results = check_files(
        inputs, theme=theme, options=options, target=target, drafts=args.drafts, jobs=args.jobs
    )
    for item, findings in results:
        if findings is None:
            skipped += 1
            continue
        if item.path == _STDIN_FILE.get():
            findings = located(findings, STDIN_NAME)
        checked.append(CheckedFile(_shown(item.path), findings))
        for line in _check_lines(checked[-1], args.output):
            print(line)
    report = check_report(checked, strict=args.strict, skipped=skipped)
    if args.output == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    elif args.output == "sarif":
        from . import __version__
        from .cireport import sarif_log

        print(json.dumps(sarif_log(checked, __version__), ensure_ascii=False, indent=2))
    else:
        _say_summary(report["summary"])  # type: ignore[arg-type]
    return report


def _check_lines(checked: CheckedFile, output: str) -> list[str]:
    """A file's findings as the lines printed as it is checked: text's, or GitHub's
    annotations; none for the formats printed whole at the end."""
    from .findings import format_finding

    if output == "text":
        return [format_finding(finding, code=True) for finding in checked.findings]
    if output == "github":
        from .cireport import github_annotations

        return github_annotations(checked)
    return []


def _check_setup(args: argparse.Namespace) -> tuple[Theme, RenderOptions, Target | None]:
    """The theme, options and target to check with; an unusable one is an error now."""
    from .analysis import preset_geometry  # not render's: a check paints nothing
    from .model import RenderOptions
    from .theme import default_theme, load_theme

    if args.images is not None and (problem := _unusable(args.images, folder=True)):
        raise CardimgError(f"--images: {args.images}: {problem}")
    theme = load_theme(args.theme) if args.theme else default_theme()
    target = TARGETS[args.target] if args.target else None
    preset = get_preset(args.preset or (target.preset if target else DEFAULT_PRESET), theme.presets)
    preset_geometry(theme, preset)  # a theme with no room for text: one line, not one a story
    if target is not None and target.single_image and preset.layout != "cover":
        raise CardimgError(
            f"--target {target.name} takes one cover image; --preset {preset.name} makes "
            f"a carousel (use --preset {target.preset})"
        )
    options = RenderOptions(
        preset=preset.name,
        images_dir=args.images,
        sources=args.sources,
        allow_basic_layout=args.allow_basic_layout,
    )
    return theme, options, target


def _say_summary(summary: dict[str, int]) -> None:
    counts = [
        f"{summary[key]} {key if summary[key] != 1 else key.rstrip('s')}"
        for key in ("errors", "warnings")
    ]
    counts.append(f"{summary['info']} info")
    skipped = f" ({summary['skipped']} skipped)" if summary["skipped"] else ""
    files = f"{summary['files']} file{'s' * (summary['files'] != 1)}"
    _tell(f"cardimg: checked {files}{skipped}: {', '.join(counts)}", err=True)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[], None]]:
    """A progress bar on a terminal for batches; nothing when output is piped or logged
    (then rich, slow to import, is not imported)."""
    if total < 2 or not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task("rendering", total=total)
        yield lambda: progress.advance(task)


# --------------------------------------------------------------------------- doctor


def _add_doctor_parser(commands: _Commands) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="check this machine: text engine, system libraries, a font for every script",
        description="Say which text engine, FriBiDi, HarfBuzz, fontconfig and Pillow cardimg "
        "uses here, which scripts the bundled and the system's fonts set, and for anything "
        "missing the command that installs it. Exit status: 0 when every story could be set "
        "right here, 1 when something a story could need is missing.",
    )
    doctor.add_argument("--theme", metavar="NAME|FILE", help="check this theme's fonts")
    doctor.add_argument(
        "--format",
        dest="output",
        choices=("text", "json"),
        default="text",
        help="text (a line per check, the default) or json",
    )


def _doctor_command(args: argparse.Namespace) -> int:
    from .doctor import diagnose, header, problems
    from .theme import load_theme

    warnings.simplefilter("ignore", RuntimeWarning)
    try:
        theme = load_theme(args.theme) if args.theme else None
    except (CardimgError, ValueError) as exc:
        _say("error", str(exc))
        return 2
    checks = diagnose(theme)
    failing = problems(checks)
    if args.output == "json":
        report = {"cardimg": header(), "ok": not failing, "checks": [vars(c) for c in checks]}
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 1 if failing else 0
    print(header())
    width = max(len(check.name) for check in checks)
    for check in checks:
        mark = "ok" if check.ok else ("MISSING" if check.required else "plainer")
        fix = f"  -> {check.fix}" if check.fix else ""
        print(f"  {mark:<8} {check.name:<{width}}  {check.detail}{fix}")
    if failing:
        names = ", ".join(check.name for check in failing)
        print(f"cardimg doctor: missing here: {names} (the fixes are above)", file=sys.stderr)
        return 1
    print("cardimg doctor: every script and engine a story may need is here", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- serve


def _add_serve_parser(commands: _Commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="an HTTP render service: stories in, covers, slides, ZIPs and checks out",
        description='Serve cardimg over HTTP (needs `pip install "cardimg[serve]"`): '
        "POST /v1/cover, /v1/carousel and /v1/check take a story; with a CONTENT folder, "
        "GET /v1/stories/SLUG/cover.png and /v1/stories/SLUG/NN.png render its stories. "
        "See docs/serve.md.",
    )
    serve.add_argument("content", nargs="?", metavar="CONTENT", help="a folder of stories")
    serve.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default: 8080; 0: any)")
    serve.add_argument(
        "--token",
        metavar="TOKEN",
        help="clients must send `Authorization: Bearer TOKEN` (or set CARDIMG_TOKEN); "
        "required to listen on anything but this machine",
    )
    serve.add_argument(
        "--workers", type=int, metavar="N", help="render processes (default: one per CPU)"
    )
    serve.add_argument(
        "--queue",
        type=int,
        default=64,
        metavar="N",
        help="requests waiting beyond the busy workers before 503 (default: 64)",
    )
    serve.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="a render's time limit in seconds (default: 60)",
    )
    serve.add_argument(
        "--header-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="close a connection whose request headers take longer (default: 10)",
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="answer 408 when a request's body takes longer to arrive (default: 30)",
    )
    serve.add_argument("--theme", metavar="NAME|FILE", help="the theme answers use by default")
    serve.add_argument("--images", metavar="DIR", type=Path, help="folder holding featured images")
    serve.add_argument(
        "--cors",
        metavar="ORIGIN",
        action="append",
        default=[],
        help="allow browser requests from this origin (repeatable; none by default)",
    )


def _serve_command(args: argparse.Namespace) -> int:
    try:
        settings, host, port = _serve_setup(args)
    except CardimgError as exc:
        _say("error", str(exc))
        return 2
    from .serve import serve

    try:
        serve(settings, host=host, port=port)
    except OSError as exc:
        _say("error", f"--port {port}: cannot listen on {host}: {problem_text(exc)}")
        return 1
    return 0


def _serve_setup(args: argparse.Namespace) -> tuple[Any, str, int]:
    """The service's settings from the options, every one checked before it starts."""
    try:
        from .serve import ServeSettings
    except ImportError as exc:
        raise CardimgError(
            f'cardimg serve needs its extra: pip install "cardimg[serve]" ({exc.name} is missing)'
        ) from None
    from .preview.server import is_loopback
    from .theme import load_theme
    from .workers import default_jobs

    token = args.token or os.environ.get("CARDIMG_TOKEN") or None
    if not is_loopback(args.host) and not token:
        raise CardimgError(
            f"--host {args.host}: refusing to serve other machines without a token "
            "(give --token or CARDIMG_TOKEN, or listen on 127.0.0.1 behind a proxy)"
        )
    if not 0 <= args.port <= 65535:
        raise CardimgError(f"--port: {args.port} is not a port (0 to 65535)")
    workers = args.workers if args.workers is not None else default_jobs()
    if not 1 <= workers <= 256:
        raise CardimgError(f"--workers: {workers} is not from 1 to 256")
    if not 0 <= args.queue <= 100_000:
        raise CardimgError(f"--queue: {args.queue} is not from 0 to 100000")
    for name in ("timeout", "header_timeout", "body_timeout"):
        value = getattr(args, name)
        if not 0.1 <= value <= 3600:
            flag = "--" + name.replace("_", "-")
            raise CardimgError(f"{flag}: {value:g} is not from 0.1 to 3600 seconds")
    content = Path(args.content) if args.content else None
    if content is not None and not content.is_dir():
        raise CardimgError(f"{args.content}: {_missing_or(content, 'not a folder')}")
    if args.images is not None and not args.images.is_dir():
        raise CardimgError(f"--images: {args.images}: {_missing_or(args.images, 'not a folder')}")
    theme = args.theme
    if theme is not None:
        load_theme(theme)  # a broken theme: one line now, not an error on every request
        if os.sep in theme or theme.endswith(".toml"):
            theme = str(Path(theme).resolve())
    settings = ServeSettings(
        content=content,
        theme=theme,
        images=args.images.resolve() if args.images else None,
        token=token,
        workers=workers,
        queue=args.queue,
        timeout=args.timeout,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        cors=tuple(args.cors),
    )
    return settings, args.host, args.port


# --------------------------------------------------------------------------- preview


def _add_preview_parser(commands: _Commands) -> None:
    preview = commands.add_parser(
        "preview",
        help="a live page of a story's slides that updates as you save the file",
        description="Serve a page showing every slide of the story, its warnings and alt "
        "text; saving the story, its theme or an image updates the page by itself. A "
        "folder gives an index of its stories.",
    )
    preview.add_argument("path", metavar="PATH", help="a story file, or a folder of stories")
    preview.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )
    preview.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free)")
    preview.add_argument("--preset", type=str.lower, metavar="NAME", help="preset shown first")
    preview.add_argument(
        "--theme",
        metavar="NAME|FILE",
        help="a built-in theme's name (see `cardimg themes`) or a theme TOML file, shown first",
    )
    preview.add_argument("--images", metavar="DIR", type=Path, help="folder of featured images")
    preview.add_argument("--logo", metavar="FILE", type=Path, help="brand mark for the frame")
    preview.add_argument("--strict", action="store_true", help="an unknown palette is an error")
    preview.add_argument(
        "--accessible", action="store_true", default=None, help="colours moved to pass WCAG AA"
    )


def _preview_command(args: argparse.Namespace) -> int:
    from .model import RenderOptions

    try:
        from .preview import HostError, PreviewServer, is_loopback
    except ImportError as exc:
        _say("error", f"preview needs its extra: pip install 'cardimg[preview]' ({exc.name})")
        return 1
    path = Path(args.path)
    problem = _preview_problem(args, path)
    if problem:
        _say("error", problem)
        return 1
    if not is_loopback(args.host):
        _say(
            "warning",
            f"--host {args.host}: the preview is open to other machines on the network, "
            "and shows them the stories in this folder",
        )
    options = RenderOptions(
        images_dir=args.images, logo=args.logo, strict=args.strict, accessible=args.accessible
    )
    try:
        server = PreviewServer(
            path,
            host=args.host,
            port=args.port,
            options=options,
            theme=args.theme,
            preset=args.preset,
        )
    except HostError as exc:
        _say("error", f"--host {args.host}: {exc}")
        return 1
    except OSError as exc:
        _say("error", f"--port {args.port}: cannot listen on {args.host}: {problem_text(exc)}")
        return 1
    print(f"cardimg preview: {server.url} (Ctrl-C stops)", flush=True)
    # uvicorn stops cleanly on Ctrl-C, then passes the interrupt on.
    with suppress(KeyboardInterrupt):
        server.run()
    return 0


def _preview_problem(args: argparse.Namespace, path: Path) -> str | None:
    from .preview.snapshot import theme_choice
    from .theme import default_theme, load_theme

    if not path.exists():
        return f"{path}: not found"
    if not path.is_dir() and not path.is_file():
        return f"{path}: not a file or folder"
    if args.theme is not None:
        try:  # a built-in theme's name or a file, found as `render --theme` finds it
            theme_choice(args.theme)
        except CardimgError as exc:
            return str(exc)
    if args.images is not None and not args.images.is_dir():
        return f"--images: {args.images}: {_missing_or(args.images, 'not a folder')}"
    if args.logo is not None and not args.logo.is_file():
        return f"--logo: {args.logo}: {_missing_or(args.logo, 'not a file')}"
    if not 0 <= args.port <= 65535:
        return f"--port: {args.port} is not from 0 to 65535"
    if args.preset is not None:
        try:
            theme = load_theme(args.theme) if args.theme else default_theme()
            get_preset(args.preset, theme.presets)
        except (CardimgError, ValueError) as exc:
            return str(exc)
    return None


# --------------------------------------------------------------------------- config


def _add_config_commands(commands: _Commands) -> None:
    config = commands.add_parser(
        "config",
        help="print the settings in effect and where each came from",
        description="Print every command's options as the configuration file (cardimg.toml, "
        "or [tool.cardimg] in pyproject.toml, in this folder or a parent) and the built-in "
        "defaults set them, each with where it came from. See docs/cli.md.",
    )
    config.add_argument(
        "name", nargs="?", metavar="COMMAND", help="only this command's options (default: all)"
    )
    completion = commands.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Print a script that completes cardimg's commands, options, and preset, "
        "theme, target and format names. bash: `source <(cardimg completion bash)`; zsh: "
        "the same in ~/.zshrc; fish: `cardimg completion fish | source`.",
    )
    completion.add_argument("shell", choices=("bash", "zsh", "fish"), help="the shell")


def _config_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .config import Settings, describe

    commands = {
        name: command
        for name, command in _commands(parser).items()
        if name not in {"config", "completion"}
    }
    if args.name is not None:
        if args.name not in commands:
            hint = did_you_mean(args.name, commands)
            _say("error", f"config: {args.name!r} is not a command{hint} ({', '.join(commands)})")
            return 2
        commands = {args.name: commands[args.name]}
    settings = args.settings or Settings(None, {})
    try:
        print("\n".join(describe(settings, commands)), flush=True)
    except BrokenPipeError:  # `cardimg config | head`: no traceback, no second error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
