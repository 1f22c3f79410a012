"""A story's folder in the output folder: written whole beside it and swapped in with
renames, so that it is always the previous complete carousel or the new one; a save
that was interrupted is finished or undone by the next (`recover_folder`).

Apart from `export` (which encodes and writes) so that a batch can tidy the output
folder and tell an up-to-date folder without importing Pillow or the encoders.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "ASIDE_SUFFIX",
    "CONTACT_SHEET",
    "STAGING_SUFFIX",
    "output_lock",
    "recover_folder",
    "recover_output",
]

CONTACT_SHEET = "contact-sheet.png"  # --contact-sheet: every slide in order, for a review
STAGING_SUFFIX = ".cardimg-new"  # the next carousel, being written
ASIDE_SUFFIX = ".cardimg-old"  # the previous carousel, during the swap
_LEFTOVER = re.compile(r"^\.(.+)(\.cardimg-new|\.cardimg-old)$", re.DOTALL)


def sibling(folder: Path, suffix: str) -> Path:
    # Hidden, beside the story folder: the same file system, so renames are atomic, and
    # never a story folder itself (safe_slug never starts a name with a dot).
    return folder.with_name(f".{folder.name}{suffix}")


def swap_in(staging: Path, folder: Path) -> None:
    # os.replace cannot put a folder over a non-empty one: move the old one aside first.
    # Every step leaves a state recover_folder() completes or undoes.
    aside = sibling(folder, ASIDE_SUFFIX)
    if os.path.lexists(folder):
        os.rename(folder, aside)
    os.rename(staging, folder)
    remove(aside)


def recover_folder(folder: Path) -> None:
    """Finish or undo a save of `folder` that was interrupted: afterwards the folder is a
    complete carousel (the old or the new one) or absent, and no staging folder is left."""
    aside = sibling(folder, ASIDE_SUFFIX)
    staging = sibling(folder, STAGING_SUFFIX)
    if os.path.lexists(aside):
        if os.path.lexists(folder):
            remove(aside)  # the new folder is in place; the old one was being removed
        else:
            os.rename(aside, folder)  # stopped between the two renames: put the old one back
    remove(staging)


def recover_output(out_dir: Path) -> list[Path]:
    """Recover every story folder in `out_dir` whose save was interrupted; returns them."""
    if not out_dir.is_dir():
        return []  # no output folder yet: nothing to do
    with output_lock(out_dir):
        names = sorted(entry.name for entry in os.scandir(out_dir))
        folders = sorted({out_dir / match[1] for match in map(_LEFTOVER.match, names) if match})
        for folder in folders:
            recover_folder(folder)
    return folders


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold the output folder's lock while a story folder is written and swapped in, or
    leftovers are tidied: another cardimg process (a second batch, an editor's render)
    saving into the same folder waits instead of taking this one's staging folder for a
    leftover and removing it. An advisory lock on the folder itself (flock): no file is
    created, and the lock goes with the process if it is killed. Where the system has no
    flock (Windows), saves are not serialised."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    handle = os.open(out_dir, os.O_RDONLY)
    try:
        # A file system without locks (some network mounts) saves as it did before.
        with contextlib.suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock


def remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)
