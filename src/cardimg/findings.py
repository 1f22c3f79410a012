"""Findings as values: every problem cardimg notices about a story, with a stable code.

`render` collects them into `Carousel.findings` (and, as text, `Carousel.warnings`),
the manifest lists them, and `cardimg check` prints them. A finding is turned into text
in one place only, `format_finding`, so a message reads the same wherever it is shown.
The codes are documented identifiers (docs/check.md): a CMS may match on them, so a code
is never renamed or given another meaning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .errors import one_line

__all__ = [
    "CODES",
    "SEVERITIES",
    "Finding",
    "finding_dict",
    "format_finding",
    "warning_texts",
]

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

# Every code, its severity and what it means. docs/check.md lists the same table.
CODES: dict[str, tuple[Severity, str]] = {
    # The story file itself.
    "story-invalid": ("error", "the file is not a valid story (as render reports it)"),
    "slides-over-limit": ("error", "the story needs more slides than cardimg makes for one"),
    "theme-invalid": ("error", "the theme cannot set text at this preset's size"),
    "card-empty": ("warning", "a card body is empty; rendered as an empty card"),
    "card-order-missing": ("warning", "a card has no order among ordered cards"),
    "sources-cut": ("warning", "the sources Markdown is longer than is searched"),
    "story-warning": ("warning", "a warning given as text only (a hand-built Story)"),
    "markdown-hidden": ("warning", "Markdown in a card that is not drawn as written"),
    "card-blank": ("warning", "a card body draws nothing; rendered as an empty slide"),
    # Colours and images.
    "palette-unknown": ("warning", "colorpaletteclassname names no palette of the theme"),
    "contrast-low": ("warning", "text is below WCAG AA contrast against its background"),
    "image-missing": ("warning", "the featured image file is not found"),
    "image-unreadable": ("warning", "the featured image cannot be read or is too large"),
    "image-small": ("warning", "the featured image is enlarged so much it is softened"),
    "image-profile": ("warning", "an image's colour profile cannot be applied"),
    "logo-unreadable": ("warning", "the brand mark (logo) cannot be read"),
    # Type and layout.
    "glyphs-missing": ("warning", "characters no font in the chain has (drawn as boxes)"),
    "text-engine-missing": (
        "error",
        "text needs Pillow's complete text engine (Raqm, FriBiDi), missing on this machine",
    ),
    "text-off-slide": ("warning", "a line would be drawn past the slide's edge and cut"),
    "title-shortened": ("warning", "a cover title too long for the cover is shortened"),
    "card-continues": ("info", "a card needs continuation slides (figure: how many slides)"),
    "text-at-floor": ("info", "a card fits one slide only at the legibility floor"),
    # Platforms (`--target`).
    "target-slides": ("warning", "more slides than the target takes in one upload"),
    "target-preset": ("error", "the target refuses the preset's size (render refuses it)"),
    "caption-too-long": ("warning", "the caption is longer than the platform takes"),
    "alt-too-long": ("warning", "a slide's alt text is longer than the platform takes"),
    "video-too-long": ("warning", "a video longer than the target takes: split in parts"),
    "video-too-short": ("error", "a video shorter than the target takes"),
    "slide-time-cut": ("warning", "a slide's reading time is longer than the video's maximum"),
}


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One thing noticed about a story.

    `file` names the story (its file name, or the path given on the command line);
    `card` is the card's key and `slide` its 1-based slide number, where the finding
    belongs to one; `field` is where in the file it is when that is not a card (e.g.
    `featured_image`, `cards[2].order`); `figure` is the measured number where there is
    one (a contrast ratio, a slide count, a body size in pixels, a length); `line` is the
    1-based line of the story file where the card (or field) starts, where it is known,
    so CI can annotate that line."""

    code: str
    file: str
    severity: Severity = None  # type: ignore[assignment]  # None: the code's own severity
    card: str | None = None
    slide: int | None = None
    message: str
    figure: float | None = None
    field: str | None = None
    line: int | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")
        if self.severity is None:
            object.__setattr__(self, "severity", CODES[self.code][0])
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")

    @property
    def where(self) -> str | None:
        """The place in the story: the field when there is one, else the card."""
        if self.field:
            return self.field
        return f"card {self.card}" if self.card is not None else None


def format_finding(finding: Finding, *, code: bool = False) -> str:
    """The finding as one line: `file: where: message`, or with `code`,
    `file: where: code: message` (what `cardimg check` prints)."""
    parts = [finding.file, finding.where, finding.code if code else None, finding.message]
    return one_line(": ".join(part for part in parts if part))


def warning_texts(findings: Iterable[Finding]) -> tuple[str, ...]:
    """The findings worth a warning (not `info`), as the lines `Carousel.warnings` holds."""
    return tuple(format_finding(f) for f in findings if f.severity != "info")


def finding_dict(finding: Finding) -> dict[str, object]:
    """The finding as a JSON object (the manifest's and `check --format json`'s schema)."""
    return {
        "code": finding.code,
        "severity": finding.severity,
        "file": finding.file,
        "field": finding.field,
        "card": finding.card,
        "slide": finding.slide,
        "message": finding.message,
        "figure": finding.figure,
        "line": finding.line,
    }
