"""The key of an answer: a hash of everything its bytes depend on (the render key of an
incremental batch, for one request): cardimg's code, the libraries that draw, the theme
and the fonts it names, the story's bytes, its featured image, and the request's
options. The same key means the same bytes, so it is the answer's ETag and its cache key.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import asdict
from pathlib import Path

from ..errors import CardimgError
from ..images import find_featured_image
from ..renderkey import Fingerprints, code_digest, digest, engine_versions
from ..story import parse_story
from ..theme import load_theme
from .work import Job

__all__ = ["KeyMaker"]


class KeyMaker:
    """Keys for one server: files are hashed once per version (size and time)."""

    def __init__(self, theme: str | None, images: Path | None) -> None:
        self.images = images
        self._prints = Fingerprints()
        self._lock = threading.Lock()  # asked from threads; the fingerprints are one cache
        self._themes: dict[tuple[str | None, object], object] = {}
        self._base = {"code": code_digest(), "engines": engine_versions()}
        self._default_theme = theme

    def warm(self, themes: list[str | None]) -> None:
        """Fingerprint these themes now (their fonts are read and hashed once), so that no
        request waits for it; called in a thread when the server starts."""
        with self._lock:
            for ref in themes:
                self._theme(ref)

    def for_posted(self, job: Job) -> str:
        """The key of a posted story's answer."""
        with self._lock:
            return self._key(job, image=None)

    def for_content(self, job: Job, path: Path) -> str:
        """The key of a content story's answer: its featured image counts too."""
        with self._lock:
            image = None
            try:
                story = parse_story(job.story, path=path, posts=True)
                image = self._prints.file(find_featured_image(story, self.images))
            except CardimgError:
                pass  # the answer is the story's error, whatever its image
            return self._key(job, image=image)

    def _key(self, job: Job, *, image: str | None) -> str:
        fields = asdict(job)
        fields["story"] = hashlib.sha256(job.story).hexdigest()
        return digest(
            {**self._base, "theme": self._theme(job.theme), "image": image, "job": fields}
        )

    def _theme(self, ref: str | None) -> object:
        """The theme's value with each file it names replaced by its contents' hash."""
        stamp: object = None
        if ref is not None and os.path.isfile(ref):
            info = os.stat(ref)
            stamp = (info.st_size, info.st_mtime_ns)
        if (ref, stamp) not in self._themes:
            try:
                theme = load_theme(ref)
            except CardimgError as exc:
                self._themes[(ref, stamp)] = ["broken", str(exc)]
            else:
                # Its digest, not its value: the value (every style, palette and font
                # hash) is large, and a key is made for every request.
                self._themes[(ref, stamp)] = digest(self._prints.value(theme))
        return self._themes[(ref, stamp)]
