"""Themes and palettes as data: fonts, type scale, frame geometry and colours, read from TOML."""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import UnionType
from typing import (
    Any,
    Generic,
    Literal,
    NoReturn,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from .errors import ThemeError, did_you_mean, one_line, problem
from .presets import REFERENCE_WIDTH, Preset
from .resources import data_dir
from .safefile import (
    MAX_FONT_BYTES,
    MAX_IMAGE_BYTES,
    MAX_THEME_BYTES,
    RefusedFile,
    open_regular,
    read_regular,
)
from .timing import VideoStyle

__all__ = [
    "REFERENCE_WIDTH",
    "BlockStyle",
    "FallbackFont",
    "FrameStyle",
    "FrozenMap",
    "ImageStyle",
    "PageStyle",
    "Palette",
    "PostStyle",
    "Theme",
    "default_theme",
    "load_palettes",
    "load_theme",
    "theme_names",
]

Align = Literal["center", "left", "start"]
DEFAULT_PALETTE = "--default"
K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V], Generic[K, V]):
    """A read-only mapping: a theme's tables. The default theme is loaded once per
    process and shared by every render: were its tables plain dicts, one caller's
    `theme.palettes[key] = ...` would change every later render. Pickles (a theme may
    travel to a worker process) and compares like the dict it copies."""

    __slots__ = ("_items",)
    _items: dict[K, V]

    def __init__(self, items: Mapping[K, V] | None = None) -> None:
        object.__setattr__(self, "_items", dict(items or {}))

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a FrozenMap cannot be changed")

    def __reduce__(self) -> tuple[type[FrozenMap[K, V]], tuple[dict[K, V]]]:
        return (FrozenMap, (self._items,))


def _frozen(items: Mapping[Any, Any]) -> FrozenMap[Any, Any]:
    """A read-only copy, nested mappings included (labels are a table of tables)."""
    return FrozenMap(
        {
            key: _frozen(value) if isinstance(value, Mapping) else value
            for key, value in items.items()
        }
    )


@dataclass(frozen=True)
class Palette:
    """The colours of one brand palette (`#rrggbb` strings)."""

    key: str
    background: str
    text: str
    frame: str
    icon: Literal["light", "dark"] = "light"


@dataclass(frozen=True)
class BlockStyle:
    """How one kind of block is set: face, size relative to the body, spacing, alignment."""

    family: str = "sans"
    weight: str = "regular"
    scale: float = 1.0
    line_height: float | None = None
    space_before: float = 0.0
    space_after: float | None = None
    align: Align = "center"
    uppercase: bool = False
    tracking: float = 0.0
    underline: bool = False
    indent: float = 0.0
    hyphenate: bool | None = None  # None: as [type] hyphenate says (headings never)
    # Japanese: break only between phrases (BudouX). None: headings, pull quotes, covers.
    phrases: bool | None = None
    min_scale: float = 1.0  # labels: how far they may shrink to fit before breaking
    marker_gap: float = 0.45  # lists: between a bullet or number and its text, in em
    bullets: tuple[str, ...] = ("•", "◦")  # lists: the bullet of each nesting level, repeating


@dataclass(frozen=True)
class FallbackFont:
    """A fallback family: files per style, used for characters the theme's faces lack."""

    regular: Path
    bold: Path | None = None
    italic: Path | None = None
    bold_italic: Path | None = None
    families: tuple[str, ...] = ()  # only for faces of these families (empty: all)
    emoji: bool = False  # colour emoji: preferred for emoji clusters

    def pick(self, *, bold: bool, italic: bool) -> Path:
        if bold and italic and self.bold_italic:
            return self.bold_italic
        if bold and self.bold:
            return self.bold
        if italic and self.italic:
            return self.italic
        return self.regular


@dataclass(frozen=True)
class TypeScale:
    body_size: float = 44
    min_body_size: float = 30
    line_height: float = 1.4
    paragraph_gap: float = 0.7
    hyphenate: bool = False


FrameKind = Literal["ruled", "none"]
VAlign = Literal["center", "top", "bottom"]


@dataclass(frozen=True)
class FrameStyle:
    """The frame: a `ruled` line around the text with labels across it, or `none` (the
    labels sit at the same places, with nothing drawn). The frame box is `inset` from
    the slide's edges, the text `padding` inside it."""

    style: FrameKind = "ruled"
    inset: float = 48
    line_width: float = 2
    padding: float = 56
    label_size: float = 24
    label_gap: float = 20
    ornament_size: float = 16
    citation_size: float = 24
    citation_gap: float = 0.8
    marker_size: float = 22
    marker_band: float = 2.2
    logo: Path | None = None  # an image centred on the bottom frame line
    logo_height: float = 44
    logo_position: Literal["bottom-center", "bottom-start", "bottom-end"] = "bottom-center"
    label_align: Literal["center", "start"] = "center"  # series, citation and markers
    ornament: bool = True  # the small diamond on the bottom line when there is no logo
    check: bool = True  # the check mark closing the story's last card
    check_scale: float = 2.0  # the check mark's diameter, in ornament sizes
    check_stroke: float = 2.5
    mark_gap: float = 0.6  # clear space each side of the ornament or check, in label gaps
    rule_width: float = 2  # a Markdown rule (---): its line width,
    rule_length: float = 1.2  # and the half-length of its arms, in line heights
    band: float = 0  # an accent band this thick along the slide's top edge (frame colour)


@dataclass(frozen=True)
class PageStyle:
    """Where the text sits on a slide, and what is added to every slide."""

    valign: VAlign = "center"  # a card's text in the safe area (continuations: top)
    lists: Literal["center", "start"] = "center"  # a list's column: centred, or at the start
    rules: Literal["center", "start"] = "center"  # a Markdown rule's mark (---)
    counter: bool = False  # "2/6" on every slide of a carousel (style: [styles.counter])
    counter_size: float = 22
    counter_position: Literal["bottom-end", "top-end", "bottom-start"] = "bottom-end"


@dataclass(frozen=True)
class ImageStyle:
    """The story's featured image, on its first slide: `behind` the text, faint
    (`opacity`), or a `full-bleed` photo under a `scrim` colour that keeps text legible."""

    placement: Literal["behind", "full-bleed"] = "behind"
    opacity: float = 0.15
    scrim: str = "#000000"
    scrim_opacity: float = 0.0  # full-bleed: at the top of the slide,
    scrim_bottom_opacity: float | None = None  # and at the bottom (None: the same, even)
    valign: VAlign | None = None  # the text on that slide (None: as [page] valign)
    max_pixels: int = 50_000_000


@dataclass(frozen=True)
class PostStyle:
    """Where a post's fields go on its cover (presets og, x): the theme decides.

    `image`: the featured image as a `panel` filling the end side of the cover edge to
    edge (the frame and text take the rest), `inset` inside the frame at the end of the
    text, or under the whole `slide` as the theme's [image] table says (full-bleed under
    its scrim, or faint behind the text); without an image the text takes the whole
    cover. `byline` (authors and date) goes across the bottom `frame` line, at the `foot`
    of the text column, or nowhere. `kicker` (the first `max_tags` tags) sits where a
    story's series does."""

    image: Literal["panel", "inset", "slide"] = "panel"
    image_width: float = 0.42  # panel, inset: the image's share of the cover's width
    image_gap: float = 48  # inset: between the text and the image
    valign: VAlign = "center"  # the title and standfirst in the text column
    byline: Literal["frame", "foot", "none"] = "frame"
    byline_gap: float = 0.6  # foot: above the byline, in title line heights
    kicker: Literal["tags", "none"] = "tags"
    max_tags: int = 2
    standfirst_italic: bool = True
    max_standfirst: int = 180  # characters; a longer standfirst is cut at a word


@dataclass(frozen=True, eq=False)  # identity equality: themes key the font caches
class Theme:
    """Everything about the look of a slide that is not the story itself."""

    name: str
    fonts: Mapping[str, Path]
    fallback: tuple[FallbackFont, ...]
    palettes: Mapping[str, Palette]
    styles: Mapping[str, BlockStyle]
    type: TypeScale = field(default_factory=TypeScale)
    frame: FrameStyle = field(default_factory=FrameStyle)
    image: ImageStyle = field(default_factory=ImageStyle)
    page: PageStyle = field(default_factory=PageStyle)
    post: PostStyle = field(default_factory=PostStyle)
    accessible: bool = False  # move palette colours just enough to pass WCAG AA
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    presets: Mapping[str, Preset] = field(default_factory=dict)  # beside the built-in ones
    video: VideoStyle = field(default_factory=VideoStyle)  # reading pace, transitions
    description: str = ""
    source: str = ""  # where it was read from: "built-in" or the file's path

    def __post_init__(self) -> None:
        # Read-only copies, however the theme was built: a theme is a value.
        for name in ("fonts", "palettes", "styles", "labels", "presets"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "fallback", tuple(self.fallback))

    def style(self, role: str) -> BlockStyle:
        """The style of a block role (`h2`, `paragraph`, `quote`...); unknown roles read as body."""
        return self.styles.get(role) or self.styles.get("paragraph") or BlockStyle()

    def label(self, name: str, lang: str | None) -> str:
        """A word cardimg puts on slides (`sources`, `continued`, `continues`) in `lang`,
        falling back to English, then to the name itself."""
        primary = (lang or "en").lower().replace("_", "-").split("-")[0]
        for key in (primary, "en"):
            if name in self.labels.get(key, {}):
                return self.labels[key][name]
        return name.capitalize()

    def palette(self, key: str | None) -> Palette | None:
        """The palette for a story's key, or None when the theme has no such palette."""
        return self.palettes.get(key or DEFAULT_PALETTE)

    @property
    def default_palette(self) -> Palette:
        """The `--default` palette: a story's when it names none, or one the theme lacks."""
        return self.palettes[DEFAULT_PALETTE]

    def face_path(self, face: str) -> Path:
        """The font file of a face such as `sans-bold`; a missing weight falls back to regular."""
        family = face.split("-", 1)[0]
        path = self.fonts.get(face) or self.fonts.get(family)
        if path is None:
            raise ThemeError(f"theme {self.name!r}: no font for face {face!r}")
        return path

    def with_palettes(self, palettes: Mapping[str, Palette]) -> Theme:
        """A copy of this theme with `palettes` (key to Palette) in place of its own."""
        return replace(self, palettes=dict(palettes))


# ---------------------------------------------------------------------------------------
# Reading theme files. A theme file holds only what it changes: the rest comes from the
# theme it `extends` ("default" when absent), tables merged key by key. Every key of every
# table is checked (name and type) before anything is built, and a problem is one line
# naming the file, the key with its table path, and what was expected.

ROOT_THEME = "default"
BUILT_IN = "built-in"
LABEL_NAMES = ("sources", "continued", "continues")
# Every block role a theme may style: Markdown blocks, frame labels, sources, cover.
STYLE_ROLES = (
    *(f"h{level}" for level in range(1, 7)),
    "paragraph",
    "quote",
    "attribution",
    "list",
    "code",
    "series",
    "citation",
    "marker",
    "counter",
    "sources-heading",
    "cover-title",
    "cover-standfirst",
    "cover-byline",
    "source-title",
    "source-url",
)
_FALLBACK_KEYS = {
    "regular": str,
    "bold": str,
    "italic": str,
    "bold-italic": str,
    "families": tuple[str, ...],
    "emoji": bool,
}
_BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
# How many entries a theme's tables may hold: far more than any brand needs (the brand
# palettes are 16), few enough that a hostile file cannot make loading it slow.
MAX_ENTRIES = {"palettes": 1_000, "styles": 100, "labels": 500, "presets": 100, "fallback": 64}
MAX_EXTENDS = 16  # themes extending themes


def theme_names() -> list[str]:
    """The names of the themes that ship with cardimg, sorted."""
    return sorted(path.stem for path in data_dir("themes").glob("*.toml"))


def load_theme(source: str | Path | Theme | None = None) -> Theme:
    """A theme by built-in name (`"bold"`), by TOML file path, or as given (a `Theme`);
    with nothing, the default theme that ships with cardimg."""
    if isinstance(source, Theme):
        return source
    path = _find_theme(ROOT_THEME if source is None else source, base=Path.cwd(), where="theme")
    where = _where(path)
    data = _layer(path, chain=())
    return _build_theme(data, path, where)


@cache
def default_theme() -> Theme:
    """The theme that ships with cardimg, loaded once (a theme is an immutable value)."""
    return load_theme()


def load_palettes(path: Path) -> dict[str, Palette]:
    """Read a palettes TOML file: one `[palettes."key"]` table per palette."""
    where = _where(path)
    data = _read_toml(path, where)
    for key in data:
        if key != "palettes":
            _unknown(where, (key,), ["palettes"])
    table = data.get("palettes", {})
    _check_palettes(table, where, ("palettes",))
    return _palettes(table, where)


def _where(path: Path) -> str:
    """How messages name a theme or palettes file: by its name, as they name stories."""
    return path.name


def _key_path(parts: tuple[str | int, ...]) -> str:
    """`palettes."--dark-blue".background`, `fallback[2].regular`: a key as TOML spells it."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        key = part if _BARE_KEY.match(part) else '"' + part.replace('"', '\\"') + '"'
        out += ("." if out else "") + key
    return out


def _fail(where: str, parts: tuple[str | int, ...], message: str) -> ThemeError:
    return ThemeError(f"{where}: {_key_path(parts)}: {message}" if parts else f"{where}: {message}")


def _unknown(where: str, parts: tuple[str | int, ...], known: Sequence[str]) -> NoReturn:
    key = str(parts[-1])
    hint = did_you_mean(key, known) or f" (known: {', '.join(sorted(known))})"
    raise _fail(where, parts, f"unknown key{hint}")


def _is_file(path: Path) -> bool:
    """Whether `path` is a regular file; False for a name the system cannot even look up
    (too long, a NUL byte, a loop of links) rather than an error."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _find_theme(ref: str | Path, *, base: Path, where: str) -> Path:
    """A theme file from a reference: a path (relative to `base`), else a built-in name."""
    text = str(ref)
    path = Path(text) if Path(text).is_absolute() else base / text
    looks_like_path = "/" in text or "\\" in text or text.endswith(".toml")
    built_in = data_dir("themes") / f"{text}.toml"
    if not looks_like_path and _is_file(built_in):
        return built_in
    for candidate in (path, path.with_name(path.name + ".toml")):
        if _is_file(candidate):
            return candidate
    names = ", ".join(theme_names())
    hint = "" if looks_like_path else did_you_mean(text, theme_names())
    raise ThemeError(
        f"{where}: {text}: no theme file or built-in theme of that name{hint} ({names})"
    )


def _read_toml(path: Path, where: str) -> dict[str, Any]:
    try:
        text = read_regular(path, MAX_THEME_BYTES).decode("utf-8")
        return tomllib.loads(text)
    except RefusedFile as exc:
        reason = str(exc).removeprefix(f"{path}: ")
        raise ThemeError(f"{where}: {one_line(reason)} (a theme or palettes file)") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ThemeError(f"{where}: {one_line(problem(exc))}") from None


def _layer(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """A theme file's settings merged over those of the theme it extends, with every file
    name in it resolved where it was written (fonts and logos beside their theme file)."""
    where = _where(path)
    data = _read_toml(path, where)
    _check_theme_table(data, where)
    resolved = _resolve_files(data, path.parent, where)
    root = data_dir("themes") / f"{ROOT_THEME}.toml"
    if "extends" not in data and path == root:
        return resolved
    parent_path = _find_theme(data.get("extends", ROOT_THEME), base=path.parent, where=where)
    if len(chain) >= MAX_EXTENDS:
        raise _fail(where, ("extends",), f"more than {MAX_EXTENDS} themes extending each other")
    if os.path.realpath(parent_path) in {os.path.realpath(p) for p in (*chain, path)}:
        cycle = " → ".join(_where(p) for p in (*chain, path, parent_path))
        raise _fail(where, ("extends",), f"a cycle of themes extending each other: {cycle}")
    parent = _layer(parent_path, (*chain, path))
    for key in ("name", "description", "extends"):
        parent.pop(key, None)
    merged = _merged(parent, resolved)
    if isinstance(data.get("palettes"), str):
        merged["palettes"] = resolved["palettes"]  # a palettes file replaces them all
    return merged


def _merged(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """`top` over `base`, tables merged key by key; a list or a value replaces."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


# -- checking a theme file's keys and types ---------------------------------------------


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _conforms(value: object, hint: Any) -> bool:
    origin = get_origin(hint)
    if origin is Literal:
        return isinstance(value, str) and value in get_args(hint)
    if origin in (Union, UnionType):
        return any(_conforms(value, arg) for arg in get_args(hint) if arg is not type(None))
    if origin is tuple:
        args = get_args(hint)
        if not isinstance(value, list):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_conforms(item, args[0]) for item in value)
        return len(value) == len(args) and all(map(_conforms, value, args))
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint in (str, Path):
        return isinstance(value, str)
    return True


def _expected(hint: Any) -> str:
    origin = get_origin(hint)
    if origin is Literal:
        return " or ".join(f'"{arg}"' for arg in get_args(hint))
    if origin in (Union, UnionType):
        return " or ".join(_expected(a) for a in get_args(hint) if a is not type(None))
    if origin is tuple:
        return f"a list of {_expected(get_args(hint)[0]).removeprefix('a ')}s"
    names = {bool: "true or false", int: "a whole number", float: "a number", Path: "a file"}
    return names.get(hint, "text")


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, bool) else str(value).lower()
    return text if len(text) <= 40 else text[:37] + "..."


# What numbers may be: sizes within what a slide can show (a huge font or margin must
# not exhaust memory or leave no room), fractions from 0 to 1; the rest from 0 to 10000.
_RANGES: dict[str, tuple[float, float]] = {
    "opacity": (0, 1),
    "image_width": (0.2, 0.6),
    "max_tags": (0, 10),
    "max_standfirst": (0, 1000),
    "scrim_opacity": (0, 1),
    "scrim_bottom_opacity": (0, 1),
    "tracking": (-0.5, 2),
    "scale": (0, 10),
    "min_scale": (0, 1),
    "line_height": (0, 5),
    # In pixels on a 1080 px slide: below 8 nothing is legible (and a size under one
    # pixel on a small slide is no size at all); above 240 no card fits a sentence.
    "body_size": (8, 240),
    "min_body_size": (8, 240),
    "max_pixels": (1, 500_000_000),
    "inset": (0, 1000),
    "padding": (0, 1000),
    "width": (0, 100_000),
    "height": (0, 100_000),
}
for _size in (
    "label_size",
    "citation_size",
    "marker_size",
    "counter_size",
    "logo_height",
    "ornament_size",
):
    _RANGES[_size] = (4, 240)
_POSITIVE = frozenset(
    {"scale", "line_height", "body_size", "min_body_size", "min_scale", "max_pixels"}
    | {"label_size", "citation_size", "marker_size", "counter_size", "logo_height"}
)


def _check_value(value: object, hint: Any, where: str, parts: tuple[str | int, ...]) -> None:
    if isinstance(value, Mapping) and get_origin(hint) is not Mapping:
        raise _fail(where, parts, f"expected {_expected(hint)}, got a table")
    if not _conforms(value, hint):
        raise _fail(where, parts, f"expected {_expected(hint)}, got {_shown(value)}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, high = _RANGES.get(str(parts[-1]), (0, 10_000))
        if not low <= value <= high or (low == 0 and parts[-1] in _POSITIVE and value == 0):
            span = (
                f"greater than 0 and at most {high}"
                if parts[-1] in _POSITIVE and low == 0
                else f"from {low:g} to {high:g}"
            )
            raise _fail(where, parts, f"expected a number {span}, got {_shown(value)}")


def _check_fields(
    cls: type,
    table: object,
    where: str,
    parts: tuple[str | int, ...],
    *,
    skip: tuple[str, ...] = (),
) -> None:
    """Every key of `table` names a field of `cls`, with a value of the field's type."""
    if not isinstance(table, Mapping):
        raise _fail(where, parts, f"expected a table, got {_shown(table)}")
    hints = {name: hint for name, hint in _hints(cls).items() if name not in skip}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in hints:
            _unknown(where, (*parts, key), list(hints))
        _check_value(value, hints[name], where, (*parts, key))


def _check_colour(value: object, where: str, parts: tuple[str | int, ...]) -> None:
    from .contrast import parse_hex  # contrast imports this module (REFERENCE_WIDTH)

    try:
        parse_hex(value)  # type: ignore[arg-type]
    except ValueError:
        raise _fail(
            where, parts, f"expected a colour '#rgb' or '#rrggbb', got {_shown(value)}"
        ) from None


def _check_count(table: Sized, where: str, parts: tuple[str | int, ...]) -> None:
    """A table or list of tables no longer than its kind's limit (MAX_ENTRIES)."""
    limit = MAX_ENTRIES[str(parts[-1])]
    if len(table) > limit:
        raise _fail(where, parts, f"{len(table):,} entries, over the limit of {limit:,}")


def _check_palettes(table: object, where: str, parts: tuple[str | int, ...]) -> None:
    if not isinstance(table, Mapping):
        raise _fail(where, parts, f"expected a table of palettes, got {_shown(table)}")
    _check_count(table, where, parts)
    for key, values in table.items():
        _check_fields(Palette, values, where, (*parts, key), skip=("key",))
        for colour in ("background", "text", "frame"):
            if colour in values:
                _check_colour(values[colour], where, (*parts, key, colour))


# Checks one part of a theme file: (value, file, key path), raising ThemeError.
_Check = Callable[[object, str, tuple[str | int, ...]], None]
# Checks one entry of a table of tables: (key, table, key path).
_EntryCheck = Callable[[str, Mapping[str, Any], tuple[str | int, ...]], None]


def _check_tables(
    table: object, where: str, parts: tuple[str | int, ...], check: _EntryCheck
) -> None:
    """A table of tables (styles, labels, presets): each one checked by `check`."""
    if not isinstance(table, Mapping):
        raise _fail(where, parts, f"expected a table, got {_shown(table)}")
    _check_count(table, where, parts)
    for key, value in table.items():
        if not isinstance(value, Mapping):
            raise _fail(where, (*parts, key), f"expected a table, got {_shown(value)}")
        check(key, value, (*parts, key))


def _check_theme_table(data: Mapping[str, Any], where: str) -> None:
    """Check every key of a theme file, at every level, before anything is built."""
    for key, value in data.items():
        check = _TOP_LEVEL.get(key)
        if check is None:
            _unknown(where, (key,), list(_TOP_LEVEL))
        check(value, where, (key,))


def _check_style(where: str) -> _EntryCheck:
    def check(role: str, values: Mapping[str, Any], parts: tuple[str | int, ...]) -> None:
        if role not in STYLE_ROLES:
            _unknown(where, parts, STYLE_ROLES)
        _check_fields(BlockStyle, values, where, parts)
        if values.get("bullets") == []:
            raise _fail(where, (*parts, "bullets"), "expected at least one bullet")

    return check


def _check_labels(where: str) -> _EntryCheck:
    def check(lang: str, values: Mapping[str, Any], parts: tuple[str | int, ...]) -> None:
        for name, word in values.items():
            if name not in LABEL_NAMES:
                _unknown(where, (*parts, name), LABEL_NAMES)
            _check_value(word, str, where, (*parts, name))

    return check


def _check_fonts(table: object, where: str, parts: tuple[str | int, ...]) -> None:
    if not isinstance(table, Mapping):
        raise _fail(where, parts, f"expected a table of faces, got {_shown(table)}")
    for face, file in table.items():
        _check_value(file, Path, where, (*parts, face))


def _check_fallback(entries: object, where: str, parts: tuple[str | int, ...]) -> None:
    if not isinstance(entries, list):
        raise _fail(where, parts, "expected [[fallback]] tables")
    _check_count(entries, where, parts)
    for number, entry in enumerate(entries):
        at = (*parts, number)
        if not isinstance(entry, Mapping):
            raise _fail(where, at, f"expected a table, got {_shown(entry)}")
        for key, value in entry.items():
            if key not in _FALLBACK_KEYS:
                _unknown(where, (*at, key), list(_FALLBACK_KEYS))
            _check_value(value, _FALLBACK_KEYS[key], where, (*at, key))
        if "regular" not in entry:
            raise _fail(where, at, "expected a `regular` font file")


def _check_theme_palettes(value: object, where: str, parts: tuple[str | int, ...]) -> None:
    if not isinstance(value, str):
        _check_palettes(value, where, parts)


def _check_image(table: object, where: str, parts: tuple[str | int, ...]) -> None:
    _check_fields(ImageStyle, table, where, parts)
    if "scrim" in table:  # type: ignore[operator]
        _check_colour(table["scrim"], where, (*parts, "scrim"))  # type: ignore[index]


def _fields_of(cls: type) -> _Check:
    return lambda value, where, parts: _check_fields(cls, value, where, parts)


def _of_type(hint: Any) -> _Check:
    return lambda value, where, parts: _check_value(value, hint, where, parts)


_TOP_LEVEL: dict[str, _Check] = {
    "name": _of_type(str),
    "description": _of_type(str),
    "extends": _of_type(str),
    "accessible": _of_type(bool),
    "palettes": _check_theme_palettes,
    "fonts": _check_fonts,
    "fallback": _check_fallback,
    "type": _fields_of(TypeScale),
    "frame": _fields_of(FrameStyle),
    "image": lambda v, w, p: _check_image(v, w, p),
    "page": _fields_of(PageStyle),
    "post": _fields_of(PostStyle),
    "video": _fields_of(VideoStyle),
    "styles": lambda v, w, p: _check_tables(v, w, p, _check_style(w)),
    "labels": lambda v, w, p: _check_tables(v, w, p, _check_labels(w)),
    "presets": lambda v, w, p: _check_tables(
        v, w, p, lambda _k, t, at: _check_fields(Preset, t, w, at, skip=("name",))
    ),
}


# -- files named in a theme: fonts, logo, palettes ----------------------------------------


def _resolve_files(data: Mapping[str, Any], base: Path, where: str) -> dict[str, Any]:
    """The file's settings with each file it names found (beside it first, then among
    cardimg's own), and a palettes name or file read into palette tables."""
    out = dict(data)
    font_dirs = (base, data_dir("fonts"))
    own = _FontsFolder()
    if "fonts" in data:
        out["fonts"] = {
            face: _font_file(font_dirs, own, rel, where, ("fonts", face))
            for face, rel in data["fonts"].items()
        }
    if "fallback" in data:
        out["fallback"] = [
            {
                key: _font_file(font_dirs, own, value, where, ("fallback", number, key))
                if key in ("regular", "bold", "italic", "bold-italic")
                else value
                for key, value in entry.items()
            }
            for number, entry in enumerate(data["fallback"])
        ]
    logo = data.get("frame", {}).get("logo")
    if logo:
        path = Path(logo) if Path(logo).is_absolute() else base / logo
        _check_logo(path, where)
        out["frame"] = {**data["frame"], "logo": path}
    if isinstance(data.get("palettes"), str):
        out["palettes"] = _palette_tables(data["palettes"], base, where)
    return out


def _check_logo(path: Path, where: str) -> None:
    """A logo that is not there is a finding when a slide needs it (`logo-unreadable`);
    one that is a device, a pipe or a folder is a mistake in the theme, said now."""
    if not os.path.lexists(path):
        return
    try:
        open_regular(path, MAX_IMAGE_BYTES).close()
    except RefusedFile as exc:
        raise _fail(where, ("frame", "logo"), one_line(str(exc))) from None
    except OSError:
        return  # unreadable: the same finding as a missing one, when it is drawn


def _palette_tables(ref: str, base: Path, where: str) -> dict[str, Any]:
    """The palette tables of a palettes file named by a theme: a built-in name (`brand`)
    or a path from the theme file."""
    candidates = [data_dir("palettes") / f"{ref}.toml"] if "/" not in ref else []
    path = Path(ref) if Path(ref).is_absolute() else base / ref
    candidates += [path, path.with_name(path.name + ".toml")]
    found = next((c for c in candidates if _is_file(c)), None)
    if found is None:
        raise _fail(where, ("palettes",), f"no palettes file {ref!r} (a name or a .toml file)")
    file_where = _where(found)
    data = _read_toml(found, file_where)
    for key in data:
        if key != "palettes":
            _unknown(file_where, (key,), ["palettes"])
    table = data.get("palettes", {})
    _check_palettes(table, file_where, ("palettes",))
    return {key: dict(values) for key, values in table.items()}


class _FontsFolder:
    """cardimg's own fonts folder, and which font paths lie inside it once links are
    resolved. The default theme names about a hundred fonts in a few folders: each folder
    is resolved once (`os.path.realpath` asks the system about every part of a path)."""

    def __init__(self) -> None:
        self.real = os.path.realpath(data_dir("fonts"))
        self._folders: dict[str, str] = {}

    def holds(self, path: Path) -> bool:
        """Whether `os.path.realpath(path)` is inside the folder."""
        if path.name in ("", "..") or os.path.islink(path):
            real = os.path.realpath(path)
        else:
            # A file that is no link resolves to its resolved folder and its own name.
            parent = str(path.parent)
            folder = self._folders.get(parent)
            if folder is None:
                folder = self._folders[parent] = os.path.realpath(parent)
            real = os.path.join(folder, path.name)
        return Path(real).is_relative_to(self.real)


def _font_file(
    font_dirs: tuple[Path, ...],
    own: _FontsFolder,
    rel: str,
    where: str,
    parts: tuple[str | int, ...],
) -> Path:
    """The font file `rel` names; one outside cardimg's own fonts is checked first."""
    candidates = [Path(rel)] if Path(rel).is_absolute() else [d / rel for d in font_dirs]
    path = next((c for c in candidates if os.path.lexists(c)), None)
    if path is None:
        raise _fail(where, parts, f"font file {rel!r} not found (beside the theme or in fonts/)")
    if own.holds(path):
        return path  # cardimg's own: tested, and read at every start-up
    reason = _font_problem(path)
    if reason:
        raise _fail(where, parts, f"{rel!r}: {reason}")
    return path


def _font_problem(path: Path) -> str | None:
    """Why a font file named by a theme cannot be used, or None: it must be a regular
    file FreeType draws from (Pillow) and whose characters can be listed (its cmap)."""
    try:
        with open_regular(path, MAX_FONT_BYTES) as handle:
            data = handle.read(MAX_FONT_BYTES)
    except OSError as exc:
        return one_line(
            str(exc).removeprefix(f"{path}: ") if isinstance(exc, RefusedFile) else problem(exc)
        )
    from .fonts import font_file_problem  # fonts needs this module: imported when used

    return font_file_problem(path, data)


# -- building the Theme value -------------------------------------------------------------


def _build(cls: type, values: Mapping[str, Any], where: str, parts: tuple[str | int, ...]) -> Any:
    """A settings value from a checked table (lists become tuples)."""
    kwargs = {
        key.replace("-", "_"): tuple(v) if isinstance(v, list) else v for key, v in values.items()
    }
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise _fail(where, parts, one_line(problem(exc))) from None


def _palettes(tables: Mapping[str, Any], where: str) -> dict[str, Palette]:
    for key, values in tables.items():
        missing = [c for c in ("background", "text", "frame") if c not in values]
        if missing:
            raise _fail(where, ("palettes", key), f"expected a colour for {', '.join(missing)}")
    palettes = {
        key: _build(Palette, {"key": key, **values}, where, ("palettes", key))
        for key, values in tables.items()
    }
    if DEFAULT_PALETTE not in palettes:
        raise _fail(where, ("palettes",), f"expected a {DEFAULT_PALETTE!r} palette")
    return palettes


def _build_theme(data: Mapping[str, Any], path: Path, where: str) -> Theme:
    styles = {
        role: _build(BlockStyle, values, where, ("styles", role))
        for role, values in data.get("styles", {}).items()
    }
    theme = Theme(
        name=str(data.get("name", path.stem)),
        fonts=dict(data.get("fonts", {})),
        fallback=tuple(_fallback(entry) for entry in data.get("fallback", [])),
        palettes=_palettes(data.get("palettes", {}), where),
        styles=styles,
        type=_build(TypeScale, data.get("type", {}), where, ("type",)),
        frame=_build(FrameStyle, data.get("frame", {}), where, ("frame",)),
        image=_build(ImageStyle, data.get("image", {}), where, ("image",)),
        page=_build(PageStyle, data.get("page", {}), where, ("page",)),
        post=_build(PostStyle, data.get("post", {}), where, ("post",)),
        video=_build(VideoStyle, data.get("video", {}), where, ("video",)),
        accessible=bool(data.get("accessible", False)),
        labels={lang: dict(words) for lang, words in data.get("labels", {}).items()},
        presets=_presets(data.get("presets", {}), where),
        description=str(data.get("description", "")),
        source=BUILT_IN if path.parent == data_dir("themes") else str(path),
    )
    _check_faces(theme, where)
    return theme


def _check_faces(theme: Theme, where: str) -> None:
    """Every style's family has a font: found now, not when a slide needs it."""
    for role, style in theme.styles.items():
        try:
            theme.face_path(style.family)
        except ThemeError:
            families = sorted({face.split("-", 1)[0] for face in theme.fonts})
            raise _fail(
                where,
                ("styles", role, "family"),
                f"no font for {style.family!r} in [fonts] (expected one of {', '.join(families)})",
            ) from None
    if theme.type.min_body_size > theme.type.body_size:
        raise _fail(where, ("type", "min_body_size"), "expected at most body_size")
    _check_frame(theme, where)


def _check_frame(theme: Theme, where: str) -> None:
    """Labels and marks sit centred on the frame line: half of each lies outside the
    frame, in the inset, which must hold it or the slide's edge cuts it off."""
    frame, page = theme.frame, theme.page

    def line(role: str, size: float) -> float:
        return size * (theme.style(role).line_height or theme.type.line_height)

    tallest = {
        "frame.label_size": line("series", frame.label_size),
        "frame.marker_size": line("marker", frame.marker_size),
        "frame.logo_height": frame.logo_height if frame.logo else 0.0,
        "frame.ornament_size": frame.ornament_size * (frame.check_scale if frame.check else 1),
        "page.counter_size": line("counter", page.counter_size) if page.counter else 0.0,
    }
    key, height = max(tallest.items(), key=lambda item: item[1])
    if frame.inset < height / 2:
        raise _fail(
            where,
            ("frame", "inset"),
            f"expected at least {math.ceil(height / 2)} (half of what {key} puts on the frame "
            f"line, which would be cut at the slide's edge), got {_shown(frame.inset)}",
        )


def _presets(table: Mapping[str, Any], where: str) -> dict[str, Preset]:
    """A theme's own presets, `[presets.NAME]` tables with a width and a height at least."""
    presets: dict[str, Preset] = {}
    for name, values in table.items():
        values = {"description": f"{name} (theme {where})", **values}
        presets[name.lower()] = _build(
            Preset, {"name": name.lower(), **values}, where, ("presets", name)
        )
    return presets


def _fallback(entry: Mapping[str, Any]) -> FallbackFont:
    return FallbackFont(
        **{
            key.replace("-", "_"): entry[key]
            for key in ("regular", "bold", "italic", "bold-italic")
            if key in entry
        },
        families=tuple(entry.get("families", ())),
        emoji=bool(entry.get("emoji", False)),
    )
