"""Which palette a story is painted in: its own key, the default for an unknown key
(or an error when strict), and the accessible variant when asked for."""

from __future__ import annotations

from dataclasses import replace

from .contrast import AA_BODY, accessible_pair, to_hex
from .errors import StoryError
from .story import Story, story_name
from .theme import Palette, Theme

__all__ = ["accessible_palette", "story_palette"]


def story_palette(story: Story, theme: Theme, *, strict: bool, notes: list[str]) -> Palette:
    """The theme's palette for the story's key; an unknown key is a note (or, when
    `strict`, a StoryError) and the theme's default palette is used."""
    palette = theme.palette(story.palette)
    if palette is not None:
        return palette
    known = ", ".join(sorted(theme.palettes))
    message = (
        f"{story_name(story)}: colorpaletteclassname: unknown palette {story.palette!r} "
        f"(known: {known})"
    )
    if strict:
        raise StoryError(message)
    notes.append(f"{message}; using {theme.default_palette.key!r}")
    return theme.default_palette


def accessible_palette(palette: Palette) -> Palette:
    """The palette with text or background lightness moved just enough for WCAG AA body
    text, keeping the hue (see `contrast.accessible_pair`); a passing palette is unchanged."""
    text, background = accessible_pair(palette.text, palette.background, target=AA_BODY)
    if (to_hex(text), to_hex(background)) == (palette.text.lower(), palette.background.lower()):
        return palette
    return replace(palette, text=to_hex(text), background=to_hex(background))
