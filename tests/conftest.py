"""Shared fixtures: the seed story's path and a writer for small story files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

SEED_PATH = Path(__file__).resolve().parents[1] / "samples" / "20200314-iraq-latest.md"


def _story_text(cards: list[dict], *, sources: str = "", **meta: object) -> str:
    """A story file: front matter (meta fields, then the cards) and the sources Markdown."""
    front = yaml.safe_dump({**meta, "cards": cards}, allow_unicode=True, sort_keys=False, width=80)
    return f"---\n{front}---\n{sources}"


@pytest.fixture(scope="session")
def story_text() -> Callable[..., str]:
    """story_text(cards, sources="", **meta) -> the text of a story file."""
    return _story_text


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED_PATH


@pytest.fixture
def write_story(tmp_path: Path) -> Callable[..., Path]:
    """write_story(name, cards, sources="", folder=tmp_path, **meta) -> path of the new file."""

    def write(
        name: str,
        cards: list[dict],
        *,
        sources: str = "",
        folder: Path | None = None,
        **meta: object,
    ) -> Path:
        path = (folder or tmp_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_story_text(cards, sources=sources, **meta), encoding="utf-8")
        return path

    return write


@pytest.fixture
def tree() -> Callable[[Path], set[Path]]:
    """tree(root) -> every file under root (for "nothing written outside OUT" checks)."""

    def files(root: Path) -> set[Path]:
        return {p.resolve() for p in root.rglob("*") if p.is_file()}

    return files


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from a folder of our own, so a stray relative write is caught too."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder
