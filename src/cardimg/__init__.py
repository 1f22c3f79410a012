"""cardimg: turn a news story file into a typeset, branded image carousel.

import cardimg
story = cardimg.load_story("samples/20200314-iraq-latest.md")
carousel = cardimg.render(story)
carousel.save("out/")

The public names load their modules on first use (PEP 562): Pillow, fontTools and
markdown-it take most of a second to import, and `cardimg --help` needs none of them.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch import BatchResult, StoryResult, render_batch
    from .errors import CardimgError, OptionsError, StoryError, ThemeError
    from .fonts import FontBook, theme_fonts
    from .layout.page import Line
    from .model import Carousel, RenderOptions, SaveOptions, Slide
    from .render import render
    from .story import Card, FeaturedImage, Source, Story, load_story, parse_story
    from .theme import Palette, Theme, default_theme, load_theme

# Each public name and the module that defines it.
_HOMES = {
    "BatchResult": "batch",
    "StoryResult": "batch",
    "render_batch": "batch",
    "CardimgError": "errors",
    "StoryError": "errors",
    "ThemeError": "errors",
    "OptionsError": "errors",
    "FontBook": "fonts",
    "theme_fonts": "fonts",
    "Line": "layout.page",
    "Carousel": "model",
    "RenderOptions": "model",
    "SaveOptions": "model",
    "Slide": "model",
    "render": "render",
    "Card": "story",
    "FeaturedImage": "story",
    "Source": "story",
    "Story": "story",
    "load_story": "story",
    "parse_story": "story",
    "Palette": "theme",
    "Theme": "theme",
    "default_theme": "theme",
    "load_theme": "theme",
}

__all__ = [
    "BatchResult",
    "Card",
    "CardimgError",
    "Carousel",
    "FeaturedImage",
    "FontBook",
    "Line",
    "OptionsError",
    "Palette",
    "RenderOptions",
    "SaveOptions",
    "Slide",
    "Source",
    "Story",
    "StoryError",
    "StoryResult",
    "Theme",
    "ThemeError",
    "__version__",
    "default_theme",
    "load_story",
    "load_theme",
    "parse_story",
    "render",
    "render_batch",
    "theme_fonts",
]


def _version() -> str:
    from .installed import version  # (not importlib.metadata: see there)

    # None: running from a source tree that was never installed
    return version("cardimg") or "0.0.0+source"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _HOMES:
        value = getattr(import_module(f".{_HOMES[name]}", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # found once; later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(ModuleType):
    """Importing the submodule `cardimg.render` makes Python set the package's `render`
    to that module; the package's `render` is the function, so keep it."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "render" and isinstance(value, ModuleType):
            value = value.render
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
