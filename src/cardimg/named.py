"""Flat, named output files (`render --name "{slug}.png"`): where each slide goes, and
the one index file that records what was written.

A site wants its covers where its templates point (`static/og/budget-vote.png`), not in
a folder per story with a manifest beside them. So nothing but the named files and
`INDEX` is written into the output folder: the index records, per source file, the
render key and each file's size, digest and alt text, which is what `batch` needs to
skip a post whose files are up to date (as a story folder's manifest.json does).
Every file is written beside its final name and renamed over it (atomic).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import OptionsError

__all__ = ["INDEX", "NAME_FIELDS", "NamedFile", "check_pattern", "file_name", "read_index"]

INDEX = "cardimg-index.json"
INDEX_VERSION = 1
NAME_FIELDS = ("slug", "section", "lang", "preset", "n")
_PART_SUFFIX = ".cardimg-part"  # a file being written, renamed over its name when whole
_MAX_INDEX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class NamedFile:
    """One file written: its name (relative to the output folder), size, digest, alt."""

    name: str
    bytes: int
    sha256: str
    alt: str = ""


def check_pattern(pattern: str, *, carousel: bool) -> None:
    """An OptionsError unless `pattern` is a usable --name: known fields only, and `{n}`
    when a story makes more than one slide (a carousel preset)."""
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(pattern) if field]
    except ValueError as exc:
        raise OptionsError(f"--name {pattern!r}: {exc}") from None
    unknown = [field for field in fields if field.split(".")[0].split("[")[0] not in NAME_FIELDS]
    if unknown:
        known = ", ".join("{" + field + "}" for field in NAME_FIELDS)
        raise OptionsError(f"--name {pattern!r}: unknown field {{{unknown[0]}}} (known: {known})")
    if carousel and "n" not in fields:
        raise OptionsError(
            f"--name {pattern!r}: a carousel has several slides; name each with {{n}} "
            '(--name "{slug}/{n:02}.png")'
        )
    file_name(pattern, {"slug": "x", "section": "s", "lang": "en", "preset": "og", "n": 1})


def file_name(pattern: str, fields: Mapping[str, object]) -> str:
    """The file `pattern` names for `fields`: a relative path inside the output folder
    (no `..`, not absolute, no hidden part), as a POSIX path."""
    try:
        name = pattern.format(**fields)
    except (KeyError, ValueError, IndexError, AttributeError, TypeError) as exc:
        raise OptionsError(f"--name {pattern!r}: {exc}") from None
    parts = PurePosixPath(name.replace("\\", "/")).parts
    bad = not parts or name.startswith(("/", "\\")) or any(p in ("..", ".") for p in parts)
    if bad or any(part.startswith(".") for part in parts) or name == INDEX:
        raise OptionsError(f"--name {pattern!r}: {name!r} is not a file inside the output folder")
    return "/".join(parts)


def read_index(out: Path) -> dict[str, dict[str, Any]]:
    """The index's record per source file; empty when there is none or it is unreadable
    (then every post renders again, which is always safe)."""
    path = out / INDEX
    try:
        if path.stat().st_size > _MAX_INDEX_BYTES:
            return {}
        record = json.loads(path.read_text("utf-8"))
        sources = record["sources"] if record.get("version") == INDEX_VERSION else {}
        return {str(key): value for key, value in sources.items() if isinstance(value, dict)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def index_time(out: Path) -> int:
    """When the index was last written (its status-change time), or 0."""
    try:
        return (out / INDEX).stat().st_ctime_ns
    except OSError:
        return 0


def write_index(out: Path, sources: Mapping[str, Mapping[str, Any]]) -> None:
    """Write the index whole, atomically, sorted (the same records: the same bytes)."""
    record = {"version": INDEX_VERSION, "sources": dict(sorted(sources.items()))}
    text = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    _replace(out / INDEX, text.encode("utf-8"))


def write_files(out: Path, files: list[tuple[str, bytes]]) -> None:
    """Write each (name, data) under `out`, each atomically: a reader sees the old
    file or the new one, never part of one."""
    for name, data in files:
        _replace(out / name, data)


def record(name: str, data: bytes, alt: str) -> NamedFile:
    return NamedFile(name, len(data), hashlib.sha256(data).hexdigest(), alt)


def _replace(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}{_PART_SUFFIX}")
    try:
        with open(part, "wb") as handle:
            handle.write(data)
        os.replace(part, path)
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
