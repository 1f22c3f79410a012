"""An installed cardimg carries its fonts, palettes and theme inside the package."""

from __future__ import annotations

from pathlib import Path

import pytest

import cardimg
from cardimg.resources import data_dir
from cardimg.theme import load_theme

PACKAGE = Path(cardimg.__file__).resolve().parent
FROM_SOURCE_TREE = (PACKAGE.parent.name == "src") and (PACKAGE.parent.parent / "fonts").is_dir()


@pytest.mark.skipif(FROM_SOURCE_TREE, reason="imported from a source checkout, not installed")
@pytest.mark.parametrize("name", ["fonts", "palettes", "themes"])
def test_installed_package_carries_its_data(name):
    assert data_dir(name).parent == PACKAGE


def test_every_theme_font_exists_with_a_license_beside_it():
    theme = load_theme()
    files = [*theme.fonts.values()]
    for entry in theme.fallback:
        files += [p for p in (entry.regular, entry.bold, entry.italic, entry.bold_italic) if p]
    for path in files:
        assert path.is_file(), path
        licenses = list(path.parent.glob("LICENSE*")) + list(path.parent.glob("OFL*"))
        assert licenses, f"no license beside {path}"
