"""Find the data files (fonts, palettes, themes) that ship with cardimg."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The folder `name` (fonts, palettes, themes) inside the installed package.

    A wheel carries `fonts/` and `palettes/` inside the package; a source checkout
    (or an editable install) keeps them at the top of the repository.
    """
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cardimg data folder {name!r} is missing from the installation")
