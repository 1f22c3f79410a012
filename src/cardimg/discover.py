"""Story files on disk: the Markdown files of the paths given, and which of them are stories.

Shared by `render` and `check`, which must agree on what a folder holds; kept apart from
the batch runner so that `check` starts without a process pool or the encoders.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .storyfiles import MAX_FILE_BYTES

__all__ = ["StoryInput", "find_stories", "is_story_file"]


@dataclass(frozen=True)
class StoryInput:
    """A story file to render: `root` is what the manifest names it relative to; `named`
    when the user gave this file itself (its problems are always errors, a draft renders)."""

    path: Path
    root: Path
    named: bool


def find_stories(paths: Iterable[str | Path]) -> Iterator[StoryInput]:
    """The story files of `paths`: a file as given, a folder's *.md files (sorted)."""
    for raw in paths:
        path = Path(raw)
        if _is_dir(path):
            for found in _walk(path):
                yield StoryInput(found, path, named=False)
        else:
            yield StoryInput(path, path.parent, named=True)


def _is_dir(path: Path) -> bool:
    # Path.is_dir raises for a name too long or a link loop: the story file reports it.
    try:
        return stat.S_ISDIR(path.stat().st_mode)
    except OSError:
        return False


def _walk(folder: Path) -> list[Path]:
    """The *.md files under `folder`, sorted; hidden files and folders (a name starting
    with '.', like .git or cardimg's own staging folders) are skipped, and folder links
    are not followed (no loops)."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        for name in files:
            path = Path(top) / name
            if name.endswith(".md") and not name.startswith(".") and path.is_file():
                found.append(path)
    return sorted(found)


# A top-level `cards` key in the front matter, in block style (the only style CMS exports
# and people write); checked only on a file that failed to load.
_CARDS_KEY = re.compile(r"""^(?:cards|"cards"|'cards')[ \t]*:""", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A(?:[ \t]*\n)*---[ \t]*\n(.*?)(?:^---[ \t]*$|\Z)", re.S | re.M)


def is_story_file(path: Path) -> bool:
    """Whether a file that failed to load was meant as a story: it has front matter, and
    that front matter has a `cards` key. Other Markdown (a README, a section's
    `_index.md`) is not a story; a story with a broken card is a story with an error."""
    try:
        with path.open("rb") as handle:
            head = handle.read(MAX_FILE_BYTES)
    except OSError:
        return True  # unreadable: report it, as for any story
    text = head.decode("utf-8", "replace").removeprefix("\ufeff").replace("\r\n", "\n")
    front = _FRONT_MATTER.match(text)
    return front is not None and _CARDS_KEY.search(front[1]) is not None
