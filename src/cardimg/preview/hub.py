"""The preview's state on the event loop: the stories being shown, their renders, the
slide images, and who is waiting for an update.

A *view* is one story at one preset and theme. Its state is the JSON the page draws;
every change of it wakes the page's event stream. Renders run in worker threads, one at
a time per story: a change that arrives during a render asks for one more render after
it, so a burst of saves costs at most two.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..model import RenderOptions
from ..presets import DEFAULT_PRESET, PRESETS
from .snapshot import Snapshot, ThemeChoice, take_snapshot
from .stories import StoryIndex, Versioned, served_story

log = logging.getLogger("cardimg.preview")

# Editors write a file in several steps (truncate, write, rename): changes within this
# time are one save. watchfiles groups its events too; this covers the gap between them.
DEBOUNCE_SECONDS = 0.08
# How often an idle event stream sends a comment line, so a closed tab is noticed.
KEEPALIVE_SECONDS = 15.0
# Views nobody watches are dropped beyond this many; slide images beyond this many bytes.
MAX_IDLE_VIEWS = 12
MAX_IMAGE_BYTES = 256 * 1024 * 1024

ViewKey = tuple[str, str, str]  # story (relative path), preset, theme


@dataclass(eq=False)
class View:
    """One story at one preset and theme, as the page sees it."""

    story: str
    path: Path
    preset: str
    theme: ThemeChoice
    state: dict[str, Any] = field(default_factory=dict)
    changes: Versioned = field(default_factory=Versioned)
    watched: frozenset[Path] = frozenset()
    stale: bool = True
    watchers: int = 0
    task: asyncio.Task[None] | None = None

    @property
    def version(self) -> int:
        return self.changes.version

    def publish(self, state: dict[str, Any]) -> None:
        self.state = state
        self.changes.bump()

    async def changed_since(self, version: int, closing: asyncio.Event, timeout: float) -> bool:
        """Wait until the state is newer than `version`, the server closes, or `timeout`
        passes; whether it is newer."""
        return await self.changes.changed_since(version, closing, timeout)

    def depends_on(self, changed: Path) -> bool:
        """Whether a file that changed (a resolved path) is one this view shows."""
        return changed == self.path.resolve() or changed in self.watched


class ImageStore:
    """Slide PNGs by content name, the oldest dropped past a byte budget, except those a
    current view shows (the page may still be fetching them)."""

    def __init__(self, budget: int = MAX_IMAGE_BYTES) -> None:
        self._images: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._budget = budget

    def names(self) -> frozenset[str]:
        return frozenset(self._images)

    def get(self, name: str) -> bytes | None:
        data = self._images.get(name)
        if data is not None:
            self._images.move_to_end(name)
        return data

    def add(self, images: dict[str, bytes], pinned: Iterable[str]) -> None:
        for name, data in images.items():
            if name not in self._images:
                self._images[name] = data
                self._size += len(data)
        keep = set(pinned)
        for name in list(self._images):
            if self._size <= self._budget:
                break
            if name not in keep:
                self._size -= len(self._images.pop(name))


class Hub:
    """Everything the server knows: the views, their renders, the slide images."""

    def __init__(
        self,
        root: Path,
        *,
        single: Path | None,
        options: RenderOptions,
        themes: dict[str, ThemeChoice],
        theme: str,
        preset: str | None,
    ) -> None:
        self.root = root
        self.single = single
        self.options = options
        self.themes = themes
        self.default_theme = theme
        self.default_preset = preset or DEFAULT_PRESET
        self.images = ImageStore()
        self.index = StoryIndex(root) if single is None else None
        self.views: dict[ViewKey, View] = {}
        self.closing = asyncio.Event()
        self._locks: dict[str, asyncio.Lock] = {}
        # Renders are CPU work: two threads keep the event loop (and a second story) live.
        self._pool = ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1))

    # ------------------------------------------------------------------ stories

    def story_path(self, story: str) -> Path | None:
        """The file of a story named by its path relative to the root, or None when it is
        not one the preview serves (the same rule as the index's: see `served_story`)."""
        if self.single is not None:
            return self.single if story == self.single.name else None
        return served_story(self.root, story)

    def view(self, story: str, preset: str | None, theme: str | None) -> View | None:
        path = self.story_path(story)
        if path is None:
            return None
        choice = self.themes.get(theme or "") or self.themes[self.default_theme]
        key = (story, preset or self.default_preset, choice.key)
        view = self.views.get(key)
        if view is None:
            view = View(story, path, key[1], choice)
            self.views[key] = view
            self._drop_idle_views()
        return view

    def _drop_idle_views(self) -> None:
        idle = [key for key, view in self.views.items() if not view.watchers]
        for key in idle[: max(0, len(idle) - MAX_IDLE_VIEWS)]:
            del self.views[key]

    def choices(self, view: View) -> dict[str, Any]:
        """What the switchers offer for this view: the presets (cardimg's and the theme's)
        and the themes."""
        presets = list(PRESETS)
        theme_presets = view.state.get("theme_presets", [])
        presets += [name for name in theme_presets if name not in PRESETS]
        return {
            "presets": presets,
            "themes": list(self.themes),
            "preset": view.preset,
            "theme": view.theme.key,
        }

    # ------------------------------------------------------------------ rendering

    def refresh(self, view: View) -> None:
        """Render the view again (soon, off the event loop) and publish the result."""
        view.stale = True
        if view.task is None or view.task.done():
            view.task = asyncio.create_task(self._render(view))

    async def _render(self, view: View) -> None:
        await asyncio.sleep(DEBOUNCE_SECONDS)
        lock = self._locks.setdefault(str(view.path), asyncio.Lock())
        async with lock:
            while view.stale and not self.closing.is_set():
                view.stale = False
                view.publish({**view.state, "rendering": True})
                snapshot = await self._snapshot(view)
                pinned = {s["image"] for v in self.views.values() for s in _slides(v.state)}
                self.images.add(
                    snapshot.images, pinned | {s["image"] for s in _slides(snapshot.state)}
                )
                view.watched = snapshot.watched
                view.publish({**snapshot.state, "rendering": view.stale})

    async def _snapshot(self, view: View) -> Snapshot:
        work = partial(
            take_snapshot,
            view.path,
            preset=view.preset,
            theme=view.theme,
            options=self.options,
            known=self.images.names(),
        )
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, work)
        except Exception as exc:  # take_snapshot never raises; a broken pool might
            log.exception("preview: render of %s failed", view.path)
            return Snapshot({"error": {"message": f"{type(exc).__name__}: {exc}"}})

    def files_changed(self, paths: Iterable[Path]) -> None:
        """Files changed on disk: views that show them render again (now, if a page is
        open; otherwise when one opens), and the story list is read again."""
        changed = {path.resolve() for path in paths}
        for view in list(self.views.values()):
            if any(view.depends_on(path) for path in changed):
                if view.watchers:
                    self.refresh(view)
                else:
                    view.stale = True
        if self.index is not None and any(_may_change_listing(p) for p in changed):
            self.index.invalidate()

    # ------------------------------------------------------------------ streams

    async def view_events(self, view: View) -> AsyncIterator[str]:
        """The view's state as server-sent events: now, and after every change."""
        view.watchers += 1
        try:
            if view.stale:
                self.refresh(view)
            version = -1
            while not self.closing.is_set():
                if view.version != version:
                    version = view.version
                    yield _event({**view.state, **self.choices(view), "version": version})
                elif not await view.changed_since(version, self.closing, KEEPALIVE_SECONDS):
                    yield ": keep-alive\n\n"
        finally:
            view.watchers -= 1

    async def index_events(self) -> AsyncIterator[str]:
        """The folder's stories as server-sent events: now, and after every change of
        the list (a change on disk that leaves it as it was sends nothing)."""
        assert self.index is not None
        version = -1
        sent: list[dict[str, Any]] | None = None
        while not self.closing.is_set():
            if self.index.version != version:
                version = self.index.version
                listing = await asyncio.get_running_loop().run_in_executor(
                    self._pool, self.index.listing
                )
                if listing != sent:
                    sent = listing
                    yield _event({"root": self.root.name, "stories": listing, "version": version})
            elif not await self.index.changed_since(version, self.closing, KEEPALIVE_SECONDS):
                yield ": keep-alive\n\n"

    def close(self) -> None:
        self.closing.set()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _may_change_listing(changed: Path) -> bool:
    """Whether a change on disk may change the folder's list of stories: a Markdown file,
    and a folder too (renaming or removing one moves or removes every story in it, and
    the watcher then names only the folder). A path that is gone may have been a folder."""
    return changed.suffix == ".md" or changed.is_dir() or not changed.exists()


def _slides(state: dict[str, Any]) -> list[dict[str, Any]]:
    return state.get("slides") or []


def _event(data: dict[str, Any]) -> str:
    return "data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n\n"
