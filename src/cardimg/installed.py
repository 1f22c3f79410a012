"""The version of an installed distribution, found as `importlib.metadata.version` finds
it (the first `*.dist-info` or `*.egg-info` of that name along `sys.path`, its `Version`
header), without importing `importlib.metadata`: with the email parser it reads headers
with, that import costs a re-run of an up-to-date batch about as much as its whole check
of sixty stories. Whatever this does not read plainly (a zip or egg on the path, two
records of one name in a folder, another finder of distributions, a record without a
plain `Version` line) is asked of `importlib.metadata` itself.
"""

from __future__ import annotations

import os
import re
import sys
from importlib.machinery import PathFinder

__all__ = ["version", "versions"]

_SEPARATORS = re.compile(r"[-_.]+")
_RECORDS = (".dist-info", ".egg-info")


class _Unclear(Exception):
    """What is installed is not plain to read here: `importlib.metadata` tells."""


def version(name: str) -> str | None:
    """The installed version of the distribution `name`; None when it is not installed."""
    return versions([name])[name]


def versions(names: list[str]) -> dict[str, str | None]:
    """The installed version of each distribution of `names` (None: not installed), each
    folder of `sys.path` listed once for them all."""
    listings: dict[str, dict[str, list[str]]] = {}
    return {name: _version(name, listings) for name in names}


def _version(name: str, listings: dict[str, dict[str, list[str]]]) -> str | None:
    try:
        return _plain_version(name, listings)
    except (_Unclear, OSError, UnicodeDecodeError):
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as metadata_version

        try:
            return metadata_version(name)
        except PackageNotFoundError:
            return None


def _plain_version(name: str, listings: dict[str, dict[str, list[str]]]) -> str | None:
    # importlib.metadata asks every finder on sys.meta_path that finds distributions;
    # the standard one (PathFinder) looks along sys.path, which is read here.
    if any(f is not PathFinder and hasattr(f, "find_distributions") for f in sys.meta_path):
        raise _Unclear(name)
    wanted = _normal(name)
    for entry in sys.path:
        folder = entry or "."  # an empty entry is the current folder
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                raise _Unclear(folder)  # a zip or an egg: distributions may be inside
            continue
        if folder.endswith(".egg"):
            raise _Unclear(folder)
        if folder not in listings:
            listings[folder] = _records(folder)
        found = listings[folder].get(wanted, [])
        if len(found) > 1:
            raise _Unclear(name)
        if found:
            return _header(os.path.join(folder, found[0]))
    return None


def _normal(name: str) -> str:
    """A distribution's name as `importlib.metadata` compares it (PEP 503, `_` for `-`)."""
    return _SEPARATORS.sub("-", name).lower().replace("-", "_")


def _records(folder: str) -> dict[str, list[str]]:
    """The distribution records of a folder, by the name they are of."""
    records: dict[str, list[str]] = {}
    for child in os.listdir(folder):
        low = child.lower()
        if low.endswith(_RECORDS):
            records.setdefault(_normal(low.rpartition(".")[0].partition("-")[0]), []).append(child)
    return records


def _header(record: str) -> str:
    """The `Version` header of a record: METADATA, else PKG-INFO, in a folder; a file
    record is its own metadata."""
    if os.path.isdir(record):
        files = [os.path.join(record, name) for name in ("METADATA", "PKG-INFO")]
        found = [path for path in files if os.path.isfile(path)]
        if not found:
            raise _Unclear(record)
        record = found[0]
    with open(record, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                break  # the headers end at the first empty line
            key, colon, value = line.partition(":")
            if colon and key.strip().lower() == "version" and value.strip():
                return value.strip()
    raise _Unclear(record)
