"""The stories of a content folder, found by slug: `GET /v1/stories/{slug}/…`.

A slug from a URL is only ever a key of this index, never a piece of a path: whatever a
client sends (`..`, `%2e%2e`, an encoded slash, a name of a file outside the folder), it
either is the slug of a story found inside the folder or it is not found. A story file
reached through a link that points outside the folder is not in the index at all.

The index is read again when a folder or story file in it changes (a story added,
renamed, removed, or its slug edited): each lookup compares their times, a `stat` each
(a few milliseconds for a thousand stories); only changed files are parsed again. A
story's bytes are read for every answer, so an edit is served at once.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..discover import find_stories
from ..errors import CardimgError
from ..safefile import read_regular
from ..story import MAX_FILE_BYTES, parse_story, safe_slug

__all__ = ["ContentIndex", "StoryFile"]


@dataclass(frozen=True)
class StoryFile:
    """A story of the folder: its file, and its bytes when it was looked up."""

    slug: str
    path: Path
    data: bytes


class ContentIndex:
    """Slug → story file, for the stories inside `folder` (links out of it ignored)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(os.path.realpath(folder))
        self._lock = threading.Lock()
        self._state: tuple[tuple[str, int], ...] = ()
        self._slugs: dict[str, Path] = {}
        self._parsed: dict[tuple[str, int, int], str | None] = {}  # file stamp -> slug

    def lookup(self, slug: str) -> StoryFile | None:
        """The story of that slug with its current bytes, or None."""
        with self._lock:
            self._refresh()
            path = self._slugs.get(slug)
        if path is None:
            return None
        try:
            data = read_regular(path, MAX_FILE_BYTES)
        except OSError:
            return None  # removed or replaced since the index was read
        return StoryFile(slug, path, data)

    def slugs(self) -> list[str]:
        with self._lock:
            self._refresh()
            return sorted(self._slugs)

    def _folders_state(self) -> tuple[tuple[str, int], ...]:
        """The folders' and story files' times: what a change of any slug changes."""
        state = []
        for top, dirs, files in os.walk(self.folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            names = [top, *(os.path.join(top, f) for f in sorted(files) if f.endswith(".md"))]
            for name in names:
                try:
                    state.append((name, os.stat(name).st_mtime_ns))
                except OSError:
                    continue
        return tuple(state)

    def _refresh(self) -> None:
        state = self._folders_state()
        if state == self._state:
            return
        slugs: dict[str, Path] = {}
        for item in find_stories([self.folder]):
            slug = self._slug_of(item.path)
            if slug is not None and slug not in slugs:
                slugs[slug] = item.path
        self._state, self._slugs = state, slugs

    def _slug_of(self, path: Path) -> str | None:
        """The story's slug (as its output folder is named), or None for a file that is
        outside the folder (through a link), not a story, or not readable."""
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(self.folder):
            return None
        try:
            info = os.stat(real)
        except OSError:
            return None
        stamp = (str(real), info.st_size, info.st_mtime_ns)
        if stamp not in self._parsed:
            try:
                story = parse_story(read_regular(real, MAX_FILE_BYTES), path=real, posts=True)
                self._parsed[stamp] = safe_slug(story.slug)
            except (CardimgError, OSError):
                self._parsed[stamp] = None
        return self._parsed[stamp]
