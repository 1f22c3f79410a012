"""cardimg: turn a news story file into a typeset, branded social-media image carousel.

import cardimg
story = cardimg.load_story("samples/20200314-iraq-latest.md")
carousel = cardimg.render(story)
carousel.save("out/")
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cardimg")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

from .batch import BatchResult, StoryResult, render_batch
from .errors import CardimgError, StoryError, ThemeError
from .fonts import FontBook, theme_fonts
from .layout.page import Line
from .model import Carousel, RenderOptions, Slide
from .render import render
from .story import Card, FeaturedImage, Source, Story, load_story, parse_story
from .theme import Palette, Theme, default_theme, load_theme

__all__ = [
    "BatchResult",
    "Card",
    "CardimgError",
    "Carousel",
    "FeaturedImage",
    "FontBook",
    "Line",
    "Palette",
    "RenderOptions",
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
