"""The stories of a folder, for the preview's index page."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path
from typing import Any

from ..errors import CardimgError
from ..story import load_story

__all__ = ["StoryIndex", "served_story", "story_files"]


def served_story(root: Path, name: str) -> Path | None:
    """The file of the story `name` (its path relative to `root`, folders joined by /),
    or None when the preview does not serve it: a name that climbs out (`..`), a hidden
    file or folder, not Markdown, not a regular file (a folder, a FIFO: reading one
    would block), or a link that leads outside `root`. The one rule of what is served:
    the index lists exactly the stories that the story routes answer for."""
    parts = name.split("/")
    if not name.endswith(".md") or any(not p or p == ".." or p.startswith(".") for p in parts):
        return None
    path = root.joinpath(*parts)
    try:
        resolved = path.resolve(strict=True)
        regular = stat.S_ISREG(resolved.stat().st_mode)
    except (OSError, RuntimeError, ValueError):  # missing, a link loop, a NUL in the name
        return None
    if not regular or not resolved.is_relative_to(root.resolve()):
        return None
    return path


def story_files(root: Path) -> list[Path]:
    """The stories under `root` that the preview serves (see `served_story`), sorted;
    hidden files and folders are skipped and folder links not followed, as `cardimg
    render` does for a folder."""
    found = []
    for top, dirs, files in os.walk(root):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        for name in files:
            story = (Path(top) / name).relative_to(root).as_posix()
            path = served_story(root, story)
            if path is not None:
                found.append(path)
    return sorted(found)


class Versioned:
    """A version number a page's event stream can wait on: each change counts one up and
    wakes every waiter."""

    def __init__(self) -> None:
        self.version = 0
        self._changed = asyncio.Event()

    def bump(self) -> None:
        self.version += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def changed_since(self, version: int, closing: asyncio.Event, timeout: float) -> bool:
        """Wait until the version is newer than `version`, the server closes, or `timeout`
        passes; whether it is newer."""
        if self.version != version:
            return True
        waits = [asyncio.ensure_future(self._changed.wait()), asyncio.ensure_future(closing.wait())]
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        return self.version != version


class StoryIndex(Versioned):
    """The folder's stories with their titles, read again after a Markdown file changes
    (a file already read and unchanged is not read again)."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self._cache: dict[Path, tuple[tuple[int, int], dict[str, Any] | None]] = {}

    def invalidate(self) -> None:
        self.bump()

    def listing(self) -> list[dict[str, Any]]:
        """Every story file: its path (relative to the root), title, cards, draft flag, or
        the error that keeps it from loading. Files that are not stories are left out."""
        entries = []
        for path in story_files(self.root):
            try:
                stat = path.stat()
            except OSError:
                continue
            stamp = (stat.st_mtime_ns, stat.st_size)
            cached = self._cache.get(path)
            entry = cached[1] if cached and cached[0] == stamp else self._read(path)
            self._cache[path] = (stamp, entry)
            if entry is not None:
                entries.append(entry)
        return entries

    def _read(self, path: Path) -> dict[str, Any] | None:
        from ..discover import is_story_file  # the same test `cardimg render` uses for a folder

        story_id = path.relative_to(self.root).as_posix()
        try:
            story = load_story(path)
        except CardimgError as exc:
            if not is_story_file(path):
                return None
            return {"story": story_id, "title": path.stem, "error": str(exc)}
        except Exception as exc:  # a bug must not empty the index: list the file, say why
            return {"story": story_id, "title": path.stem, "error": f"{type(exc).__name__}: {exc}"}
        return {
            "story": story_id,
            "title": story.title or story.slug,
            "series": story.series,
            "date": story.date,
            "cards": len(story.cards),
            "draft": story.draft,
        }
