"""One render of a story for the preview page, done in a worker thread: the slides as
PNG bytes named by their content, each with its warnings and alt text, or the error
that stopped the render, located in its file.

Nothing here touches the event loop or the server; `take_snapshot` is a plain function
of the story file, the preset and the theme, so it can run in any thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import CardimgError, ThemeError, one_line
from ..export import encode
from ..model import Carousel, RenderOptions, pixels
from ..presets import PRESETS
from ..render import render
from ..resources import data_dir
from ..story import Story, load_story
from ..theme import Theme, _find_theme, default_theme, load_theme

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger("cardimg.preview")

__all__ = ["Snapshot", "ThemeChoice", "available_themes", "take_snapshot", "theme_choice"]

DEFAULT_THEME = "default"


def available_themes() -> list[str]:
    """The names of the themes cardimg ships: every `themes/*.toml` in the package,
    `default` first. Written to keep working as themes are added (a folder listing, no
    registry to keep up to date) and never to fail: an unreadable folder lists `default`."""
    try:
        names = sorted(path.stem for path in data_dir("themes").glob("*.toml"))
    except OSError:
        names = []
    return [DEFAULT_THEME, *(name for name in names if name != DEFAULT_THEME)]


@dataclass(frozen=True)
class ThemeChoice:
    """A theme the switcher offers: a built-in name, or a file the user gave (`path`)."""

    key: str
    path: Path | None = None

    def load(self) -> Theme:
        if self.path is not None:
            # A theme file replaced by a FIFO while served would block the render thread
            # for good on reading it: only a regular file is read.
            with contextlib.suppress(OSError):  # a missing file: load_theme says so
                if not stat.S_ISREG(self.path.stat().st_mode):
                    raise ThemeError(f"{self.path.name}: not a regular file")
            return load_theme(self.path)  # read again each time: the file may have changed
        if self.key == DEFAULT_THEME:
            return default_theme()
        return load_theme(data_dir("themes") / f"{self.key}.toml")


def theme_choice(ref: str | Path) -> ThemeChoice:
    """The theme `--theme` names: a built-in theme's name or a theme file, found as
    `render --theme` finds it (the theme module's own lookup, so the two never differ).
    A file is offered under its file name, or as given when that name is a built-in's.
    Raises ThemeError when there is neither."""
    path = _find_theme(ref, base=Path.cwd(), where="--theme")
    builtins = available_themes()
    if path == data_dir("themes") / f"{ref}.toml" and str(ref) in builtins:
        return ThemeChoice(str(ref))
    return ThemeChoice(path.name if path.name not in builtins else str(ref), path)


@dataclass(frozen=True)
class Snapshot:
    """What the page shows for one story, preset and theme. `state` is the JSON the page
    receives; `images` maps each slide's content name to its PNG bytes (only slides that
    were not already in `known` are encoded); `watched` are the files whose change must
    re-render it."""

    state: dict[str, Any]
    images: dict[str, bytes] = field(default_factory=dict)
    watched: frozenset[Path] = frozenset()


def take_snapshot(
    path: Path,
    *,
    preset: str,
    theme: ThemeChoice,
    options: RenderOptions,
    known: frozenset[str] = frozenset(),
) -> Snapshot:
    """Render the story at `path` for the page. Never raises: any exception, expected
    (a StoryError naming the field) or not (a bug), becomes the page's error."""
    watched = {path.resolve()}
    if theme.path is not None:
        watched.add(theme.path.resolve())
    if options.logo is not None:
        watched.add(options.logo.resolve())
    try:
        loaded = theme.load()
        story = load_story(path)
        watched |= _image_candidates(story, options)
        carousel = render(story, theme=loaded, options=_with_preset(options, preset, loaded))
    except CardimgError as exc:
        return Snapshot({"error": locate_error(str(exc), path, theme)}, watched=frozenset(watched))
    except Exception as exc:  # a bug must not take the server down: show it, log it
        log.exception("preview: rendering %s failed", path)
        error: dict[str, Any] = {
            "message": one_line(f"{type(exc).__name__}: {exc}"),
            "file": path.name,
        }
        error["internal"] = True
        return Snapshot({"error": error}, watched=frozenset(watched))
    snapshot = _slides_snapshot(carousel, known, frozenset(watched))
    snapshot.state["theme_presets"] = list(loaded.presets)
    return snapshot


def _with_preset(options: RenderOptions, preset: str, theme: Theme) -> RenderOptions:
    if preset not in PRESETS and preset not in theme.presets:
        raise CardimgError(f"preset {preset!r} is not one of this theme's presets")
    return replace(options, preset=preset)


def _image_candidates(story: Story, options: RenderOptions) -> set[Path]:
    """Every path where the featured image is looked up (see images.featured_image):
    adding, replacing or removing the image at any of them re-renders."""
    if story.featured_image is None or story.base_dir is None:
        return set()
    name = Path(story.featured_image.url.replace("\\", "/")).name
    if not name:
        return set()
    folders = [options.images_dir, story.base_dir, story.base_dir / "images"]
    return {(Path(folder) / name).resolve() for folder in folders if folder is not None}


def _slides_snapshot(
    carousel: Carousel, known: frozenset[str], watched: frozenset[Path]
) -> Snapshot:
    images: dict[str, bytes] = {}
    slides = []
    notes = assign_warnings(carousel)
    numbers = {card.key: number for number, card in enumerate(carousel.story.cards, start=1)}
    for slide in carousel.slides:
        image = pixels(slide)  # painted for this snapshot, not kept by the carousel
        name = _content_name(image)
        if name not in known:
            images[name] = encode(image, "png")
        slides.append(
            {
                "index": slide.index,
                "kind": slide.kind,
                "card_key": slide.card_key,
                "card": numbers.get(slide.card_key or ""),
                "part": slide.part,
                "parts": slide.parts,
                "width": slide.width,
                "height": slide.height,
                "image": name,
                "alt": slide.alt,
                "contrast": slide.contrast,
                "contrast_required": slide.contrast_check and slide.contrast_check.required,
                "warnings": notes.per_slide.get(slide.index, []),
            }
        )
    story = carousel.story
    state = {
        "title": story.title or story.slug,
        "slug": story.slug,
        "palette": carousel.palette.key,
        "preset": carousel.preset.name,
        "size": [carousel.preset.width, carousel.preset.height],
        "slides": slides,
        "warnings": notes.story,
    }
    return Snapshot(state, images, watched)


def _content_name(image: Image.Image) -> str:
    """A slide's name from its pixels: the same slide always has the same name, so the
    page fetches again only the slides whose pixels changed (and may cache the rest)."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(f"{image.mode} {image.width}x{image.height}\n".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------- warnings


@dataclass
class _Assigned:
    per_slide: dict[int, list[str]] = field(default_factory=dict)
    story: list[str] = field(default_factory=list)


_CARD = re.compile(r"^[^:]*: card (?P<key>\S+?): ")
_CARD_INDEX = re.compile(r"^[^:]*: cards\[(?P<index>\d+)\]")
_SLIDES = re.compile(r"\bslides? (?P<list>\d+(?:, \d+)*)\b")
_SOURCES = re.compile(r"^[^:]*: sources: ")


def assign_warnings(carousel: Carousel) -> _Assigned:
    """Put each warning beside the slides it is about: a warning naming a card goes to
    that card's slides, one naming slides (contrast) to those slides, one about the
    sources to the sources slide; the rest (palette, image) are about the whole story.
    A card continued over several slides gets a note on each. The story's file name that
    starts every warning is dropped: the page shows it once."""
    slides = carousel.slides
    by_card: dict[str, list[int]] = {}
    for slide in slides:
        if slide.card_key is not None:
            by_card.setdefault(slide.card_key, []).append(slide.index)
    keys = [card.key for card in carousel.story.cards]
    sources = [slide.index for slide in slides if slide.kind == "sources"]
    assigned = _Assigned()
    for slide in slides:
        if slide.parts > 1:  # not a warning of cardimg's, but what an editor should know
            assigned.per_slide[slide.index] = [
                f"continued: part {slide.part} of {slide.parts}; the card does not fit one "
                "slide even at the smallest text size (shorten it to keep it on one)"
            ]
    for note in carousel.warnings:
        targets = _targets(note, by_card, keys, sources, len(slides))
        text = _without_file(note)
        if targets:
            for index in targets:
                assigned.per_slide.setdefault(index, []).append(text)
        else:
            assigned.story.append(text)
    return assigned


def _targets(
    note: str, by_card: dict[str, list[int]], keys: list[str], sources: list[int], count: int
) -> list[int]:
    if match := _CARD.match(note):
        return by_card.get(match["key"], [])
    if match := _CARD_INDEX.match(note):
        index = int(match["index"])
        return by_card.get(keys[index], []) if index < len(keys) else []
    if _SOURCES.match(note):
        return sources
    if match := _SLIDES.search(note):
        numbers = [int(n) for n in match["list"].split(", ")]
        return [n for n in numbers if 1 <= n <= count]
    return []


def _without_file(note: str) -> str:
    head, sep, rest = note.partition(": ")
    return rest if sep and head.endswith((".md", ".markdown")) else note


# --------------------------------------------------------------------------- errors

_WHERE = re.compile(r"^(?P<file>[^:]+): (?:(?P<field>[^:]+): )?(?P<message>.*)$", re.S)
_FRONT_MATTER_LINE = re.compile(r"front matter line (?P<line>\d+)(?:, column (?P<column>\d+))?")
_FIELD = re.compile(r"^(?:[A-Za-z_][\w-]*|\[\d+\])(?:\.[A-Za-z_][\w-]*|\[\d+\])*$")
_TOML_LINE = re.compile(r"\(at line (?P<line>\d+), column (?P<column>\d+)\)")
_CONTEXT_LINES = 3


def locate_error(message: str, path: Path, theme: ThemeChoice) -> dict[str, Any]:
    """An error as the page shows it: the file, the field, the line (found in the file
    when the message names a field but no line) and the lines around it."""
    error: dict[str, Any] = {"message": message, "file": path.name}
    match = _WHERE.match(message)
    if match is None:
        return error
    error["file"] = match["file"]
    error["message"] = match["message"]
    where = match["field"]
    source = path
    if theme.path is not None and match["file"] == theme.path.name != path.name:
        source = theme.path
    if where is None:
        toml = _TOML_LINE.search(message)  # tomllib: "... (at line 3, column 5)"
        if toml is not None:
            error["line"], error["column"] = int(toml["line"]), int(toml["column"])
            error["context"] = _context(source, error["line"])
        return error
    position = _FRONT_MATTER_LINE.search(where)
    line: int | None
    if position is not None:  # a YAML error: its place is a line, not a field
        line = int(position["line"])
        error["column"] = int(position["column"]) if position["column"] else None
    else:
        error["field"] = where
        line = _line_of(where, source)
    if line is not None:
        error["line"] = line
        error["context"] = _context(source, line)
    return error


def _line_of(where: str, source: Path) -> int | None:
    try:
        text = source.read_text("utf-8", "replace")
    except OSError:
        return None
    if source.suffix == ".toml":
        return _toml_line(where, text)
    if where.startswith("card "):
        return _card_key_line(where.removeprefix("card "), text)
    if _FIELD.match(where):
        return _yaml_line(where, text)
    return None


def _yaml_line(where: str, text: str) -> int | None:
    """The line of a field such as `cards[2].body` in the front matter, found by walking
    the YAML nodes (which keep their positions) rather than the values."""
    front = re.match(r"\A\ufeff?(?:[ \t]*\n)*---[ \t]*\n", text)
    if front is None:
        return None
    offset = text.count("\n", 0, front.end())
    end = re.search(r"^---[ \t]*$", text[front.end() :], re.M)
    body = text[front.end() : front.end() + end.start()] if end else text[front.end() :]
    try:
        node: yaml.Node | None = yaml.compose(body, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    for part in re.findall(r"[A-Za-z_][\w-]*|\[\d+\]", where):
        node = _child(node, part)
    return offset + node.start_mark.line + 1 if node is not None else None


def _child(node: yaml.Node | None, part: str) -> yaml.Node | None:
    # (types-PyYAML leaves a node's value untyped: a collection's holds nodes)
    if part.startswith("[") and isinstance(node, yaml.SequenceNode):
        index = int(part[1:-1])
        items: list[yaml.Node] = node.value
        return items[index] if index < len(items) else None
    if isinstance(node, yaml.MappingNode):
        pairs: list[tuple[yaml.Node, yaml.Node]] = node.value
        for key, value in pairs:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                return value
    return None


def _card_key_line(key: str, text: str) -> int | None:
    pattern = re.compile(rf"^\s*-?\s*_key:\s*['\"]?{re.escape(key)}['\"]?\s*$", re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _toml_line(where: str, text: str) -> int | None:
    table = re.match(r"\[?(?P<name>[\w.-]+)\]?", where)
    if table is None:
        return None
    pattern = re.compile(rf"^\s*\[{re.escape(table['name'])}\]\s*$", re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _context(source: Path, line: int) -> list[list[int | str]]:
    """The lines around `line`, numbered, for the page to show the place of the error."""
    try:
        lines = source.read_text("utf-8", "replace").splitlines()
    except OSError:
        return []
    first = max(1, line - _CONTEXT_LINES)
    last = min(len(lines), line + _CONTEXT_LINES)
    return [[number, lines[number - 1][:200]] for number in range(first, last + 1)]
