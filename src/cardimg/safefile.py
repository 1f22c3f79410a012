"""Opening the files users name (themes, palettes, fonts, logos, images), safely.

A theme, an option or a story can name any path: a FIFO, a device (`/dev/zero`), a
folder, a file of 10 GB. Opening a FIFO waits for a writer forever, reading a device
never ends, and hashing a huge file takes minutes. Every such file goes through here:
only a regular file is opened (checked on the open file, so a swap between the check and
the open cannot fool it), and no more than a limit per kind is read.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "MAX_FONT_BYTES",
    "MAX_IMAGE_BYTES",
    "MAX_THEME_BYTES",
    "RefusedFile",
    "hash_regular",
    "open_regular",
    "read_regular",
]

MAX_THEME_BYTES = 1 << 20  # a theme or palettes file: the built-in ones are ~10 KB
MAX_FONT_BYTES = 128 << 20  # the largest CJK collections are ~60 MB
MAX_IMAGE_BYTES = 256 << 20  # a featured image or logo (pixels have their own limit)
_CHUNK = 1 << 20


class RefusedFile(OSError):
    """A named file that is not read: not a regular file, or over its kind's limit."""


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MB"


def open_regular(path: str | Path, limit: int) -> BinaryIO:
    """The file open for reading, when it is a regular file of at most `limit` bytes;
    else RefusedFile (an OSError) saying why in a few words."""
    # O_NONBLOCK: opening a FIFO would otherwise wait for a writer; O_NOCTTY: a terminal
    # device never becomes ours. Neither changes how a regular file reads.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0)
    handle = os.open(path, flags)
    try:
        info = os.fstat(handle)
        if stat.S_ISDIR(info.st_mode):
            raise RefusedFile(f"{path}: a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise RefusedFile(f"{path}: not a regular file (a device, a pipe or a socket)")
        if info.st_size > limit:
            raise RefusedFile(
                f"{path}: {_megabytes(info.st_size)}, over the limit of {_megabytes(limit)}"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(handle, True)
        return os.fdopen(handle, "rb")
    except BaseException:
        os.close(handle)
        raise


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (see `open_regular`); a file
    that grows past the limit while it is read is refused too."""
    with open_regular(path, limit) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise RefusedFile(f"{path}: over the limit of {_megabytes(limit)}")
    return data


def hash_regular(path: str | Path, limit: int) -> str:
    """The SHA-256 of a regular file of at most `limit` bytes, read in chunks."""
    digest = hashlib.sha256()
    read = 0
    with open_regular(path, limit) as handle:
        while chunk := handle.read(_CHUNK):
            read += len(chunk)
            if read > limit:
                raise RefusedFile(f"{path}: over the limit of {_megabytes(limit)}")
            digest.update(chunk)
    return digest.hexdigest()
