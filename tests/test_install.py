"""An installed cardimg carries its fonts, palettes and theme inside the package."""

from __future__ import annotations

import ast
import re
from importlib import metadata
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


@pytest.mark.skipif(FROM_SOURCE_TREE, reason="imported from a source checkout, not installed")
def test_installed_package_is_marked_typed():
    # PEP 561: type checkers read an installed package's annotations only beside this file.
    assert (PACKAGE / "py.typed").is_file()


def _imported_distributions() -> set[str]:
    """The distributions whose modules cardimg's own code imports, anywhere."""
    modules: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    owners = metadata.packages_distributions()
    return {canonical(dist) for module in modules for dist in owners.get(module, [])}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_declared_dependency_is_used():
    """A requirement nothing imports is a promise the metadata should not make."""
    required = {
        canonical(re.match(r"[A-Za-z0-9._-]+", line)[0])
        for line in metadata.requires("cardimg") or []
        if "extra ==" not in line
    }
    assert required - _imported_distributions() == set()
