"""Where a story's files are, known without parsing it: the size a story file may have,
its output folder's name (`safe_slug` of its slug, or of its file name when it names
none) and the file its featured image is read from.

Apart from `story` (YAML, Markdown) and `images` (Pillow) so that a batch can find an
unchanged story's folder and image in its own process without importing either.
"""

from __future__ import annotations

import hashlib
import itertools
import unicodedata
from collections.abc import Iterator
from pathlib import Path

__all__ = ["MAX_FILE_BYTES", "fallback_slug", "featured_file", "featured_name", "safe_slug"]

MAX_FILE_BYTES = 2 * 1024 * 1024  # a story file is read up to this size and no further
_SLUG_MAX_CHARS = 80


def fallback_slug(name: str, path: Path | None) -> str:
    """The file's name without `.md`; a bundle's `index.md` or a section's `_index.md`
    takes its folder's name, as Hugo names the page."""
    file = path if path is not None else Path(name)
    if file.stem in _BUNDLE_STEMS and file.parent.name not in ("", ".", ".."):
        return file.parent.name
    if file.stem in _BUNDLE_STEMS and path is not None:
        return path.resolve().parent.name or file.stem
    return file.stem or "story"


_BUNDLE_STEMS = frozenset({"index", "_index"})


# A folder name keeps the slug's letters, marks and digits in any script, plus `_ - .`;
# anything else (separators, punctuation, controls) becomes `-`. When that, or the
# length cap, changed the slug, a short hash of the slug is added so that two stories
# never share a folder unless their slugs differ only in case or accents.
_SLUG_KEPT_PUNCTUATION = frozenset("_-.")
_SLUG_EDGES = "-._"
_SLUG_MAX_BYTES = 200  # of 255 a name may take: room for the hash and `.<name>.cardimg-new`
_SLUG_HASH_CHARS = 10  # 40 bits: a collision needs about a million altered slugs
# Windows refuses these as file or folder names, whatever the extension.
_RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{n}" for n in range(10)] + [f"lpt{n}" for n in range(10)]
)


def safe_slug(slug: str) -> str:
    """A safe, stable, readable folder name for `slug`: one path component, never empty.

    Case and accents on Latin letters are folded (`Café` -> `cafe`); letters of other
    scripts stay (`東京-ニュース`), NFC-normalised. Other characters become `-`, so path
    tricks collapse (`../../x` -> `x-…`), and a hash of the folded slug is appended
    whenever something was replaced or cut: distinct slugs get distinct folders.
    At most 80 characters and 200 UTF-8 bytes before the hash.
    """
    key = _slug_key(slug)
    readable = _readable_name(key)
    reserved = readable.split(".", 1)[0] in _RESERVED_NAMES
    if readable and readable == key and not reserved:
        return readable
    if reserved:  # Windows reads `con.txt-…` as `con` too: the hash must join the stem
        readable = readable.replace(".", "-", 1)
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{readable or 'story'}-{digest[:_SLUG_HASH_CHARS]}"


def _slug_key(slug: str) -> str:
    """The slug as a folder compares it: lower case, compatibility forms and the accents
    of ASCII letters folded (marks of other scripts are letters' parts: kept), NFC."""
    # Compatibility forms first (`𝑨` is `A`), then case, then decomposed again for accents.
    lowered = unicodedata.normalize("NFKD", slug).lower()
    decomposed = unicodedata.normalize("NFKD", lowered)
    kept: list[str] = []
    base = ""
    for char in decomposed:
        if unicodedata.combining(char):
            if not base.isascii():
                kept.append(char)
            continue
        base = char
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def _readable_name(key: str) -> str:
    pieces: list[str] = []
    for char in key:
        if unicodedata.category(char)[0] in "LMN" or char in _SLUG_KEPT_PUNCTUATION:
            pieces.append(char)
        elif not pieces or pieces[-1] != "-":
            pieces.append("-")
    name = "".join(pieces).strip(_SLUG_EDGES)[:_SLUG_MAX_CHARS]
    while len(name.encode("utf-8", "surrogatepass")) > _SLUG_MAX_BYTES:
        name = name[:-1]
    return name.strip(_SLUG_EDGES)


# --------------------------------------------------------------------------- images


def featured_name(url: str) -> str:
    """The file name of a featured image: the field is an asset file name from the CMS,
    and only its last part is ever used."""
    return Path(url.replace("\\", "/")).name


def featured_file(url: str, base: Path | None, images_dir: Path | None) -> Path | None:
    """The file a featured image `url` is read from: its file name looked up in
    `images_dir`, beside the story (`base`, its folder), then in its `images/` folder;
    then its path (a post's `/images/x.jpg`, a bundle's `gallery/x.jpg`) under
    `images_dir` and beside the story (its page bundle); None when there is none."""
    url = url.replace("\\", "/")
    name = featured_name(url)
    folders = [d for d in (images_dir, base, base and base / "images") if d]
    found: Iterator[Path] = (Path(d) / name for d in folders if name and (Path(d) / name).is_file())
    relative = _relative_path(url)
    if relative is not None:
        nested = (Path(d) / relative for d in (images_dir, base) if d)
        found = itertools.chain(found, (path for path in nested if path.is_file()))
    return next(found, None)


def _relative_path(url: str) -> Path | None:
    """A path inside a folder: `/images/x.jpg` as `images/x.jpg`; a web address, a
    parent folder (`..`) or a path of one part (already looked up by name) is None."""
    if "://" in url or url.startswith("//"):
        return None
    parts = [part for part in url.split("?")[0].split("/") if part not in ("", ".")]
    if len(parts) < 2 or ".." in parts or ":" in parts[0]:
        return None
    return Path(*parts)
