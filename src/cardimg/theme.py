"""Themes and palettes as data: fonts, type scale, frame geometry and colours, read from TOML."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

from .errors import ThemeError, problem
from .presets import REFERENCE_WIDTH, Preset
from .resources import data_dir

__all__ = [
    "REFERENCE_WIDTH",
    "BlockStyle",
    "FallbackFont",
    "Palette",
    "Theme",
    "default_theme",
    "load_palettes",
    "load_theme",
]

Align = Literal["center", "left", "start"]
DEFAULT_PALETTE = "--default"


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
    min_scale: float = 1.0  # labels: how far they may shrink to fit before breaking
    marker_gap: float = 0.45  # lists: between a bullet or number and its text, in em


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


@dataclass(frozen=True)
class FrameStyle:
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


@dataclass(frozen=True)
class ImageStyle:
    opacity: float = 0.15
    max_pixels: int = 50_000_000


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
    accessible: bool = False  # move palette colours just enough to pass WCAG AA
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    presets: Mapping[str, Preset] = field(default_factory=dict)  # beside the built-in ones

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
        return self.palettes[DEFAULT_PALETTE]

    def face_path(self, face: str) -> Path:
        """The font file of a face such as `sans-bold`; a missing weight falls back to regular."""
        family = face.split("-", 1)[0]
        path = self.fonts.get(face) or self.fonts.get(family)
        if path is None:
            raise ThemeError(f"theme {self.name!r}: no font for face {face!r}")
        return path

    def with_palettes(self, palettes: Mapping[str, Palette]) -> Theme:
        return replace(self, palettes=dict(palettes))


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ThemeError(f"{where}: [{key}] must be a table")
    return value


def _build(cls: type, values: Mapping[str, Any], where: str) -> Any:
    names = set(cls.__dataclass_fields__)
    unknown = sorted(set(values) - names)
    if unknown:
        raise ThemeError(
            f"{where}: unknown setting {unknown[0]!r} (known: {', '.join(sorted(names))})"
        )
    try:
        return cls(**{k.replace("-", "_"): v for k, v in values.items()})
    except TypeError as exc:
        raise ThemeError(f"{where}: {problem(exc)}") from None


def load_palettes(path: Path) -> dict[str, Palette]:
    """Read a palettes TOML file: one `[palettes."key"]` table per palette."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ThemeError(f"{path.name}: {problem(exc)}") from None
    palettes: dict[str, Palette] = {}
    for key, values in _table(data, "palettes", path.name).items():
        if not isinstance(values, Mapping):
            raise ThemeError(f"{path.name}: palettes.{key} must be a table")
        palettes[key] = _build(Palette, {"key": key, **values}, f"{path.name}: palettes.{key}")
    if DEFAULT_PALETTE not in palettes:
        raise ThemeError(f"{path.name}: no {DEFAULT_PALETTE!r} palette")
    return palettes


def load_theme(path: str | Path | None = None) -> Theme:
    """Load a theme TOML file; with no path, the default theme that ships with cardimg."""
    theme_path = Path(path) if path is not None else data_dir("themes") / "default.toml"
    where = theme_path.name
    try:
        data = tomllib.loads(theme_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ThemeError(f"{where}: {problem(exc)}") from None

    # Font names are looked up beside the theme file first, then among cardimg's fonts.
    font_dirs = (theme_path.parent, data_dir("fonts"))
    fonts = {
        face: _font_file(font_dirs, rel, where)
        for face, rel in _table(data, "fonts", where).items()
    }
    fallback = tuple(_fallback(font_dirs, entry, where) for entry in data.get("fallback", []))

    palettes_name = data.get("palettes", "brand")
    palettes_path = data_dir("palettes") / f"{palettes_name}.toml"
    if not palettes_path.is_file():
        palettes_path = (theme_path.parent / str(palettes_name)).with_suffix(".toml")
    styles = {
        role: _build(BlockStyle, values, f"{where}: styles.{role}")
        for role, values in _table(data, "styles", where).items()
    }
    return Theme(
        name=str(data.get("name", theme_path.stem)),
        fonts=fonts,
        fallback=fallback,
        palettes=load_palettes(palettes_path),
        styles=styles,
        type=_build(TypeScale, _table(data, "type", where), f"{where}: [type]"),
        frame=_frame(_table(data, "frame", where), theme_path.parent, where),
        image=_build(ImageStyle, _table(data, "image", where), f"{where}: [image]"),
        accessible=bool(data.get("accessible", False)),
        labels=_labels(_table(data, "labels", where), where),
        presets=_presets(_table(data, "presets", where), where),
    )


@cache
def default_theme() -> Theme:
    """The theme that ships with cardimg, loaded once (a theme is an immutable value)."""
    return load_theme()


def _frame(table: Mapping[str, Any], base: Path, where: str) -> FrameStyle:
    values = dict(table)
    if values.get("logo"):
        logo = Path(str(values["logo"]))
        values["logo"] = logo if logo.is_absolute() else base / logo
    return _build(FrameStyle, values, f"{where}: [frame]")


def _presets(table: Mapping[str, Any], where: str) -> dict[str, Preset]:
    """A theme's own presets, `[presets.NAME]` tables with a width and a height at least."""
    presets: dict[str, Preset] = {}
    for name, values in table.items():
        if not isinstance(values, Mapping):
            raise ThemeError(f"{where}: presets.{name} must be a table")
        values = {"description": f"{name} (theme {where})", **values}
        try:
            presets[name.lower()] = _build(Preset, {"name": name.lower(), **values}, where)
        except ValueError as exc:
            raise ThemeError(f"{where}: presets.{name}: {exc}") from None
    return presets


def _labels(table: Mapping[str, Any], where: str) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for lang, words in table.items():
        if not isinstance(words, Mapping) or not all(isinstance(w, str) for w in words.values()):
            raise ThemeError(f"{where}: [labels.{lang}] must map names to text")
        labels[lang] = dict(words)
    return labels


def _fallback(font_dirs: tuple[Path, ...], entry: object, where: str) -> FallbackFont:
    if not isinstance(entry, Mapping) or "regular" not in entry:
        raise ThemeError(f"{where}: each [[fallback]] needs a `regular` font file")
    files = {
        key.replace("-", "_"): _font_file(font_dirs, entry[key], where)
        for key in ("regular", "bold", "italic", "bold-italic")
        if key in entry
    }
    unknown = set(entry) - {"regular", "bold", "italic", "bold-italic", "families", "emoji"}
    if unknown:
        raise ThemeError(f"{where}: [[fallback]]: unknown setting {sorted(unknown)[0]!r}")
    return FallbackFont(
        **files, families=tuple(entry.get("families", ())), emoji=bool(entry.get("emoji", False))
    )


def _font_file(font_dirs: tuple[Path, ...], rel: object, where: str) -> Path:
    if not isinstance(rel, str):
        raise ThemeError(f"{where}: a font must be a file name, got {rel!r}")
    candidates = [Path(rel)] if Path(rel).is_absolute() else [d / rel for d in font_dirs]
    path = next((c for c in candidates if c.is_file()), candidates[-1])
    if not path.is_file():
        raise ThemeError(f"{where}: font file {rel!r} not found")
    return path
