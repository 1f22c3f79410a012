"""A batch's render key, and whether a story's folder is up to date, told in the batch's
own process with nothing of the renderer imported (no Pillow images, no layout, no
story parser): a re-run of an up-to-date archive costs little more than Python's start.

The render key (`KeyParts.key`) fingerprints everything a story's files depend on: the
story file's bytes and the path it is named by, its featured image, the theme (its
values and the contents of every font and logo file it names), the options, and
cardimg's version, code and libraries. A folder is up to date when every manifest in it
records the same key and every file it lists is there as written (`is_complete`).

To know a story's key without parsing it, a batch's manifest also records what the key
needs from the story (`render_inputs`, written by the worker that parsed it): its
featured image's field, its slug and whether it is a draft or a post. They are trusted
only through the key: they are read from the manifest of the folder the story names,
and the key made with them must be the one recorded, which holds the story's bytes,
so they are the inputs of this very text (see `quick_folder`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__, installed
from .dates import is_future
from .errors import problem
from .folders import CONTACT_SHEET
from .options import RenderOptions, SaveOptions, slide_preset
from .presets import get_target
from .safefile import MAX_FONT_BYTES, MAX_IMAGE_BYTES, hash_regular, read_regular
from .storyfiles import MAX_FILE_BYTES, fallback_slug, featured_file, safe_slug
from .targets import choose_format
from .theme import Theme

if TYPE_CHECKING:
    from .story import Story

__all__ = [
    "Fingerprints",
    "Identity",
    "KeyParts",
    "Skipped",
    "code_digest",
    "digest",
    "engine_versions",
    "featured_path",
    "identity",
    "intact",
    "is_complete",
    "quick_folder",
    "render_inputs",
]


def _stat(path: Path | None) -> os.stat_result | str | None:
    """A named file's status; None when no file is named, "missing" when it cannot be
    read (both are what a fingerprint records for it)."""
    if path is None:
        return None
    try:
        return path.stat()
    except OSError:
        return "missing"


class Fingerprints:
    """Content hashes of the files a batch reads, each file hashed once per batch."""

    def __init__(self) -> None:
        self._files: dict[tuple[str, int, int], str] = {}

    def file(self, path: Path | None) -> str | None:
        info = _stat(path)
        if not isinstance(info, os.stat_result):
            return info  # None for no file, "missing" for one that is not there
        assert path is not None
        key = (str(path.resolve()), info.st_size, info.st_mtime_ns)
        if key not in self._files:
            # Only a regular file, and only so much of it: a theme's logo may name a FIFO
            # or /dev/zero, which the render then reports; hashing must not wait on it.
            try:
                self._files[key] = hash_regular(path, max(MAX_FONT_BYTES, MAX_IMAGE_BYTES))
            except OSError as exc:
                self._files[key] = f"unreadable: {problem(exc)}"
        return self._files[key]

    def value(self, value: object) -> object:
        """A plain, comparable form of a theme or options value, each file it names
        replaced by its contents' hash (a moved font is the same font; an edited one not)."""
        if isinstance(value, Path):
            return ["file", self.file(value)]
        if is_dataclass(value) and not isinstance(value, type):
            named = [[f.name, self.value(getattr(value, f.name))] for f in fields(value)]
            return [type(value).__name__, named]
        if isinstance(value, Mapping):
            pairs = [[str(k), self.value(v)] for k, v in value.items()]
            # by key alone: two values are never compared (a list and a string cannot be)
            return sorted(pairs, key=lambda pair: str(pair[0]))
        if isinstance(value, list | tuple | set | frozenset):
            items = [self.value(v) for v in value]
            return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
        return repr(value)


def digest(value: object) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of cardimg's own code and data (its Python modules, built-in themes and
    colour profiles): part of every render key, so that a new cardimg whose output may
    differ renders stories again even when its version number did not change (an install
    from the repository). Fonts are fingerprinted with the theme that names them."""
    sha = hashlib.sha256()
    for name, path in _code_files():
        sha.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def _code_files() -> list[tuple[str, Path]]:
    """The files `code_digest` hashes, by their names in the package, in order."""
    package = Path(__file__).resolve().parent
    found = []
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package)
        if relative.parts[0] in _NOT_OUTPUT or not path.is_file():
            continue
        data = relative.parts[0] == "data" and path.suffix != ".md"  # (not the folder's notes)
        if path.suffix in (".py", ".toml") or data:
            found.append((relative.as_posix(), path))
    return found


# Package folders and modules whose files never change a rendered file (or are
# fingerprinted apart): the command line, check, story discovery, the live preview.
_NOT_OUTPUT = frozenset(
    {"__pycache__", "preview", "fonts", "palettes", "cli.py", "__main__.py", "check.py"}
    | {"discover.py"}
)
# The libraries whose versions can change a rendered file's bytes.
_ENGINES: tuple[str, ...] = ("pillow", "uharfbuzz", "budoux", "pyphen", "uniseg", "fonttools")
_ENGINES += ("markdown-it-py", "pikepdf", "zlib-ng")
# ICU's dictionaries, which break Thai, Lao, Khmer and Myanmar, come with icu4py's version.
_ENGINES += ("icu4py",)
# The libraries Pillow sets text with, as `PIL.features` names them.
_TEXT_LIBRARIES = ("freetype2", "raqm", "fribidi", "harfbuzz")


@lru_cache(maxsize=1)
def engine_versions() -> dict[str, str | None]:
    """The versions of the libraries that draw, shape, break and encode, and of the
    FreeType and Raqm that Pillow uses: part of every render key, so that an upgrade
    that may change pixels renders stories again."""
    return {**installed.versions(list(_ENGINES)), **pillow_text_libraries()}


@lru_cache(maxsize=1)
def pillow_text_libraries() -> dict[str, str | None]:
    """The version of each library Pillow sets text with (None where it is missing), as
    `PIL.features.version` tells them, read from Pillow's FreeType module itself:
    `PIL.features` imports all of Pillow's Image module, which an up-to-date batch
    needs nothing else of. A Pillow whose module has other names is asked through
    `PIL.features`."""
    try:
        from PIL import _imagingft as ft
    except ImportError:
        return dict.fromkeys(_TEXT_LIBRARIES)
    names = ["freetype2_version"] + [f"{n}_version" for n in _TEXT_LIBRARIES[1:]]
    flags = [f"HAVE_{name.upper()}" for name in _TEXT_LIBRARIES[1:]]
    if not all(hasattr(ft, name) for name in names + flags):
        from PIL import features

        return {name: features.version(name) for name in _TEXT_LIBRARIES}
    versions = {"freetype2": ft.freetype2_version}
    for name, flag in zip(_TEXT_LIBRARIES[1:], flags, strict=True):
        versions[name] = getattr(ft, f"{name}_version") if getattr(ft, flag) else None
    return versions


# --------------------------------------------------------------------------- the theme

# A file whose status changed this recently may change again within the same tick of
# its file system's clock (a second on some), its stamp unchanged: it is hashed instead.
SETTLED_NS = 2_000_000_000


class _Stamps(Fingerprints):
    """A fingerprint with each file as its stamp (device, inode, size, modification and
    status-change times) instead of its contents' hash: made with a `stat` a file. No
    program can set a status-change time back, so a file with the same stamp has the
    same contents. `trusted` is False when a stamp cannot tell that: not POSIX (Windows
    gives a creation time), not a regular file, or changed too recently."""

    def __init__(self, now_ns: int) -> None:
        super().__init__()
        self.now_ns, self.trusted = now_ns, os.name == "posix"

    def file(self, path: Path | None) -> str | None:
        info = _stat(path)
        if not isinstance(info, os.stat_result):
            return info
        if not stat.S_ISREG(info.st_mode) or info.st_ctime_ns > self.now_ns - SETTLED_NS:
            self.trusted = False
        return f"{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"


@dataclass(frozen=True)
class Identity:
    """The parts of a batch's key that take reading many files: the digest of the theme's
    fingerprint (its values and the contents of every file it names), cardimg's
    `code_digest`, and `stamp`, the digest of the stamps of all those files (None when
    they cannot stand for the contents, see `_Stamps`)."""

    theme: str
    code: str
    stamp: str | None

    def record(self) -> list[str] | None:
        """What a manifest records of it (see `render_inputs`)."""
        return [self.stamp, self.theme, self.code] if self.stamp is not None else None


def identity(theme: Theme, out_dir: Path) -> Identity:
    """The theme's and cardimg's own fingerprints. Hashing a theme's fonts, tens of
    megabytes, and cardimg's code would be most of the work of a re-run of an up-to-date
    batch: a manifest of the output folder records them with the stamps of their files,
    and while the stamps are the same, so are the files, and the recorded ones are taken."""
    stamps = _Stamps(time.time_ns())  # before any file is read: a change after it shows
    code = [(name, stamps.file(path)) for name, path in _code_files()]
    value = {"cardimg": __version__, "code": code, "theme": stamps.value(theme)}
    stamp = digest(value) if stamps.trusted else None
    if stamp is not None:
        for recorded in _recorded(out_dir):
            if recorded[0] == stamp:
                return Identity(recorded[1], recorded[2], stamp)
    return Identity(digest(Fingerprints().value(theme)), code_digest(), stamp)


def _recorded(out_dir: Path, folders: int = 3) -> list[list[str]]:
    """The identities (`Identity.record`) that the manifests of a few story folders of
    `out_dir` record (any of them: a batch's stories share their theme)."""
    found: list[list[str]] = []
    try:
        entries = [e for e in os.scandir(out_dir) if not e.name.startswith(".") and e.is_dir()]
    except OSError:
        return found
    for entry in entries[:folders]:
        records = _records(Path(entry.path))
        record = records[0][1] if records else None
        inputs = record.get("render_inputs") if isinstance(record, dict) else None
        known = inputs.get("identity") if isinstance(inputs, dict) else None
        if isinstance(known, list) and len(known) == 3 and all(isinstance(k, str) for k in known):
            found.append(known)
    return found


# --------------------------------------------------------------------------- the key


@dataclass
class KeyParts:
    """What the render keys of a batch's stories are made of: the parts every story
    shares, made once (`shared`), and the story's own (`key`)."""

    options: RenderOptions
    save: SaveOptions
    theme: Theme
    identity: Identity  # the theme's fingerprint and cardimg's code digest
    name: str | None  # a --name pattern
    prints: Fingerprints
    _shared: str | None = field(default=None, init=False, repr=False)  # made once

    def shared(self) -> str:
        """The digest of the parts of every story's key but its file, its name and its
        image. A problem (a format the target refuses) is raised for each story that asks."""
        if self._shared is None:
            options, save = self.options, self.save
            target = get_target(save.target) if isinstance(save.target, str) else save.target
            self._shared = digest(
                {
                    "cardimg": __version__,
                    "code": self.identity.code,
                    "engines": engine_versions(),
                    "theme": self.identity.theme,
                    "options": self.prints.value(replace(options, images_dir=None, logo=None)),
                    "logo": self.prints.file(options.logo or self.theme.frame.logo),
                    "format": choose_format(target, save.format, slide_preset(options, self.theme)),
                    "target": target.name if target else None,
                    "quality": save.quality,
                    "contact_sheet": save.contact_sheet,
                    "audio": self.prints.file(save.audio),  # a video's sound, by its contents
                    "name": self.name,
                }
            )
        return self._shared

    def key(self, data: bytes, source: str | None, image: Path | None) -> str:
        """The render key of the story file whose bytes are `data`, named `source` in
        its manifest, whose featured image is read from `image`."""
        story = {
            "story": hashlib.sha256(data).hexdigest(),
            "source": source,
            "image": self.prints.file(image),
        }
        return digest({"shared": self.shared(), **story})


def featured_path(story: Story, images_dir: Path | None) -> Path | None:
    """The file the story's featured image is read from (as `images.find_featured_image`
    finds it), None when it has none."""
    if story.featured_image is None:
        return None
    return featured_file(story.featured_image.url, story.base_dir, images_dir)


def render_inputs(story: Story, path: Path, identity: Identity) -> dict[str, object]:
    """What a story's render key and its place in a batch need from its text, recorded
    in its manifest so that a re-run need not parse it (see `quick_folder`): the featured
    image's field, the slug and the slug its file's name gives (the slug names the
    folder; which of the two it came from tells whether moving the file moves the
    folder), and whether it is a draft or a post (and when a post is published). And the
    batch's `Identity`, when its files' stamps can stand for their contents."""
    post = story.post
    return {
        "identity": identity.record(),
        "featured_image": story.featured_image.url if story.featured_image else None,
        "slug": story.slug,
        "file_slug": fallback_slug(path.name, path),
        "draft": story.draft,
        "post": post is not None,
        "publish": (post.publish_date or story.date) if post is not None else None,
    }


# --------------------------------------------------------------------------- up to date


def is_complete(folder: Path, key: str, contact_sheet: bool) -> bool:
    """Whether `folder` holds a whole carousel saved with this key: every manifest (one,
    or one per part of a split carousel) records it, and every file it lists is there as
    written (see `_intact`)."""
    return _complete(folder, _records(folder), key, contact_sheet)


def _complete(
    folder: Path, records: list[tuple[Path, Any]] | None, key: str, contact_sheet: bool
) -> bool:
    """`is_complete`, with the folder's manifests already read (`_records`)."""
    if not records or (contact_sheet and not (folder / CONTACT_SHEET).is_file()):
        return False
    for path, record in records:
        try:
            names = {str(slide["file"]) for slide in record["slides"]}
            recorded = record["files"]
            if record.get("render_key") != key or not names or not isinstance(recorded, dict):
                return False
            saved = os.stat(path).st_ctime_ns
            if not all(intact(path.parent, name, recorded, saved) for name in names):
                return False
            if not intact(path.parent, "caption.txt", recorded, saved, always=True):
                return False
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return False
    return True


def _records(folder: Path) -> list[tuple[Path, Any]] | None:
    """The manifest of a story folder, or those of its parts (a split carousel), each
    with its contents; None when one cannot be read."""
    whole = folder / "manifest.json"
    try:
        manifests = [whole] if whole.is_file() else _parts(folder)
        return [(path, json.loads(path.read_text("utf-8"))) for path in manifests]
    except (OSError, ValueError):
        return None


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]-of-[0-9][0-9]/manifest.json"))


def intact(
    folder: Path, name: str, recorded: dict[str, Any], saved: int, *, always: bool = False
) -> bool:
    """Whether the file `name` is as the manifest records it. Its size is compared always
    (a stat: an emptied or cut file); its SHA-256 only when the file changed after the
    manifest was written (its status-change time is later: no program can set that back)
    or `always` (the small caption): a batch of a thousand stories reads no slide."""
    entry = recorded[name]
    path = os.path.join(folder, name)  # (not a Path: a stat or two for each of many files)
    info = os.lstat(path)  # a link put in its place is not the file written
    if not stat.S_ISREG(info.st_mode) or info.st_size != entry["bytes"]:
        return False
    if info.st_ctime_ns <= saved and not always:
        return True
    return bool(_sha256(path) == entry["sha256"])


def _sha256(path: str) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


# --------------------------------------------------------------------------- quickly


@dataclass(frozen=True)
class Skipped:
    """Which stories a batch leaves out, as `quick_folder` must tell them: drafts unless
    `drafts`, posts published after `now` unless `future`."""

    drafts: bool
    future: bool
    now: datetime


def quick_folder(
    path: Path, source: str, out_dir: Path, parts: KeyParts, skipped: Skipped
) -> Path | None:
    """The folder of story file `path` when it is up to date, told without parsing the
    story; None when that cannot be told so (the story is then parsed, as on a first run).

    The folder is looked for where the story's slug would put it (the `slug:` line of its
    front matter, else its file's name); its manifest's `render_inputs` give what the key
    needs from the story, and the key made with them must be the one recorded. The key
    holds the story's bytes, so the inputs are those of this very text, and the folder
    must be the one its slug names (a folder copied under another name is not)."""
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except OSError:  # unreadable, too big, not a file: the parse says so
        return None
    for folder in _guesses(data, path, out_dir):
        records = _records(folder)
        record = records[0][1] if records and isinstance(records[0][1], dict) else None
        inputs = record.get("render_inputs") if record else None
        if not isinstance(inputs, dict) or not _names_folder(inputs, path, folder):
            continue
        url = inputs.get("featured_image")
        if (url is not None and not isinstance(url, str)) or _left_out(inputs, skipped):
            return None
        image = featured_file(url, path.parent, parts.options.images_dir) if url else None
        key = parts.key(data, source, image)
        if record and record.get("render_key") == key:
            return folder if _complete(folder, records, key, parts.save.contact_sheet) else None
    return None


# A `slug:` line at the top level of the front matter (the first such line of the file:
# a guess, which the key confirms), as a story names its folder.
_SLUG_LINE = re.compile(r"^slug[ \t]*:[ \t]*(.*?)[ \t]*$", re.M)


def _guesses(data: bytes, path: Path, out_dir: Path) -> list[Path]:
    """Where the story's folder may be: a guess, which the key then confirms (a `slug:`
    line read without YAML, else the slug the file's name gives)."""
    text = data.decode("utf-8", "replace").removeprefix("\ufeff").replace("\r\n", "\n")
    line = _SLUG_LINE.search(text)
    slugs = [fallback_slug(path.name, path)]
    if line:
        value = line[1].split(" #", 1)[0].strip()
        if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        slugs.insert(0, value)
    return [out_dir / name for name in dict.fromkeys(safe_slug(s) for s in slugs if s)]


def _names_folder(inputs: Mapping[str, object], path: Path, folder: Path) -> bool:
    """Whether the story, at `path` now, names `folder` (its slug's). A slug from the
    front matter names it wherever the file is; a slug the file's name gave (or one
    equal to it: which, the record cannot tell) only while the file's name gives it."""
    slug, file_slug = inputs.get("slug"), inputs.get("file_slug")
    if not isinstance(slug, str) or not isinstance(file_slug, str):
        return False
    if slug == file_slug and fallback_slug(path.name, path) != file_slug:
        return False
    return safe_slug(slug) == folder.name


def _left_out(inputs: Mapping[str, object], skipped: Skipped) -> bool:
    """Whether the batch leaves the story out (or may: what the record says is not of
    the expected kind), so that the parse must tell why."""
    draft, post, publish = inputs.get("draft"), inputs.get("post"), inputs.get("publish")
    if not isinstance(draft, bool) or not isinstance(post, bool):
        return True
    if publish is not None and not isinstance(publish, str):
        return True
    if draft and not skipped.drafts:
        return True
    return post and not skipped.future and is_future(publish, skipped.now)
