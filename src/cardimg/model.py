"""The public values a render hands back: options in, slides and a carousel out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import OptionsError
from .options import RenderOptions, SaveOptions, slide_preset
from .presets import DEFAULT_PRESET, MAX_SIDE, MIN_SIDE, PRESETS, Preset, Target
from .timing import VideoStyle

# Only the type checker reads these: Pillow, the layout and the story parser are the
# renderer's to import (a batch that renders nothing imports none of them).
if TYPE_CHECKING:
    from PIL import Image

    from .contrast import TextContrast
    from .findings import Finding
    from .layout.page import Line
    from .story import Story
    from .theme import Palette

# (PaintLater and pixels are the renderer's and the exporters', not the public API.)
__all__ = [
    "MAX_SIDE",
    "MIN_SIDE",
    "Carousel",
    "RenderOptions",
    "SaveOptions",
    "Slide",
    "slide_preset",
]


class Pixels(Protocol):
    """What painting a slide gives (`paint.Painted`): its RGB `image`, and `pixels`, the
    same pixels in the form cheapest to encode (a flat slide's palette image)."""

    @property
    def image(self) -> Image.Image: ...

    @property
    def pixels(self) -> Image.Image: ...


class _Given:
    """Pixels painted before the slide was made: one image in both forms."""

    __slots__ = ("image", "pixels")

    def __init__(self, image: Image.Image) -> None:
        self.image = self.pixels = image


class PaintLater:
    """A slide's pixels before anyone asked for them: how to paint them (pure: the same
    pixels every time) and their size, known without painting. A render hands these to
    its slides, so a carousel holds its plans, not every slide's pixels at once."""

    __slots__ = ("_kept", "_paint", "size")

    def __init__(self, paint: Callable[[], Pixels], size: tuple[int, int]) -> None:
        self._paint = paint
        self._kept: Image.Image | None = None
        self.size = size

    @classmethod
    def painted(cls, image: Image.Image) -> PaintLater:
        """Pixels already painted (a slide made with its image): kept as they are."""
        given = _Given(image)
        held = cls(lambda: given, getattr(image, "size", (0, 0)))  # (check's have none)
        held._kept = image
        return held

    def kept(self) -> Image.Image:
        """The pixels, painted the first time and kept: a user who asks for a slide's
        image may ask again, and gets the same object."""
        if self._kept is None:
            self._kept = self._paint().image
        return self._kept

    def now(self) -> Image.Image:
        """The pixels for one use (a save, a video, a contact sheet): the kept ones if a
        user asked for them, else painted afresh and not kept, so a save of many slides
        holds one slide's pixels at a time."""
        return self._kept if self._kept is not None else self._paint().image

    def to_encode(self) -> Image.Image:
        """The pixels for an encoder, not kept: the kept RGB if a user asked for it (they
        may have drawn on it), else as painted, where a flat slide is a palette image
        (every encoder takes it, and a PNG is written from it with no colour search)."""
        return self._kept if self._kept is not None else self._paint().pixels

    def __getstate__(self) -> dict[str, Any]:
        # A painter holds fonts, which do not cross to another process: the pixels do.
        return {"image": self.now(), "size": self.size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        image: Image.Image = state["image"]
        given = _Given(image)
        self._paint, self._kept, self.size = (lambda: given), image, state["size"]


class _ImageField:
    """`Slide.image`: a slide is made with its image or with a `PaintLater`; the image is
    painted when first read, and then kept (see `pixels` for a use that keeps nothing)."""

    def __get__(self, slide: Slide | None, owner: type[Slide]) -> Image.Image:
        if slide is None:  # (dataclasses asks the class for a default: there is none)
            raise AttributeError("image")
        return _held(slide).kept()

    def __set__(self, slide: Slide, value: Image.Image | PaintLater) -> None:
        # Reached only from the dataclass's own __init__: the slide is frozen after it.
        held = value if isinstance(value, PaintLater) else PaintLater.painted(value)
        slide.__dict__["_pixels"] = held


def _held(slide: Slide) -> PaintLater:
    held: PaintLater = slide.__dict__["_pixels"]
    return held


def pixels(slide: Slide) -> Image.Image:
    """The slide's pixels for one use, as a save uses them: its image if a user already
    asked for it, else painted now and not kept by the slide (the caller drops them)."""
    return _held(slide).now()


def to_encode(slide: Slide) -> Image.Image:
    """The slide's pixels for an encoder, as a save uses them: the same as `pixels`, but
    a flat slide not yet asked for comes as its palette image (cheapest to encode)."""
    return _held(slide).to_encode()


@dataclass(frozen=True)
class Slide:
    """One rendered slide: its pixels and everything drawn on it. `image` is painted when
    first asked for and then kept; saving never keeps it (the pixels are the same)."""

    index: int
    kind: str  # card | continuation | sources
    card_key: str | None
    image: Image.Image = field(repr=False, compare=False)
    lines: tuple[Line, ...]
    safe_box: tuple[int, int, int, int]
    frame_box: tuple[int, int, int, int]
    body_size: float
    part: int = 1
    parts: int = 1
    contrast: float = 21.0  # the weakest text's WCAG ratio against the pixels behind it
    contrast_check: TextContrast | None = field(default=None, repr=False, compare=False)

    @property
    def width(self) -> int:
        """The slide's width in pixels."""
        return _held(self).size[0]

    def encode(self, format: str = "png", *, quality: int | None = None) -> bytes:
        """The slide as file bytes in any registered format (`cardimg.formats.encoders()`;
        a story format such as pdf gives a one-page document), for tools that serve or
        upload slides without touching disk. The same slide always gives the same bytes."""
        from .formats import Page, encoder

        return encoder(format).encode([Page(to_encode(self), self.lines)], quality=quality)

    @property
    def height(self) -> int:
        """The slide's height in pixels."""
        return _held(self).size[1]

    @property
    def text_lines(self) -> tuple[Line, ...]:
        """The lines that carry the card's own words (no series label, citation or markers)."""
        return tuple(line for line in self.lines if not line.chrome)

    @property
    def text(self) -> str:
        """The card text drawn on this slide, lines of one block joined as they read."""
        return join_lines(self.text_lines)

    @property
    def alt(self) -> str:
        """Alt text for screen readers: the slide's words as plain text, in reading order."""
        parts = [join_lines([line for line in self.lines if line.role == "series"])]
        if self.part > 1:
            parts.append(f"(continued, part {self.part} of {self.parts})")
        parts.append(self.text)
        parts.append(join_lines([line for line in self.lines if line.role == "citation"]))
        return "\n".join(part for part in parts if part)

    @property
    def words(self) -> str:
        """The slide's words as a video reads them out in its captions and times them:
        its alt text without the series label, which is on every slide."""
        return join_lines([line for line in self.lines if line.role != "series"])


# The image field reads and writes through `_ImageField` (a data descriptor: the frozen
# dataclass's __init__ sets it with object.__setattr__, which goes through __set__).
Slide.image = _ImageField()  # type: ignore[assignment]


def join_lines(lines: Sequence[Line]) -> str:
    """Lines joined back into text: a new block starts a new line; within a block, lines
    broken at a space get it back, lines broken inside a word (CJK, long URLs) do not."""
    out: list[str] = []
    previous: Line | None = None
    for line in lines:
        if previous is not None:
            same_block = line.block == previous.block and line.block >= 0
            joiner = " " if previous.space_after and not previous.hyphenated else ""
            out.append(joiner if same_block else "\n")
        if line.marker is not None:
            out.append(f"{line.marker.text} ")
        out.append(line.text)
        previous = line
    return "".join(out)


@dataclass(frozen=True)
class Carousel:
    """The slides of one story, ready to inspect or save. `findings` are what was noticed
    while rendering, as values (see `cardimg.findings`); `warnings` the same but `info`
    ones, as lines of text."""

    story: Story
    slides: tuple[Slide, ...]
    palette: Palette
    warnings: tuple[str, ...] = ()
    options: RenderOptions = field(default_factory=RenderOptions)
    preset: Preset = field(default_factory=lambda: PRESETS[DEFAULT_PRESET])
    findings: tuple[Finding, ...] = ()
    video: VideoStyle = field(default_factory=VideoStyle)  # the theme's pace and transitions

    def save(
        self,
        out_dir: str | Path,
        options: SaveOptions | None = None,
        *,
        format: str | None = None,
        source_root: str | Path | None = None,
        target: str | Target | None = None,
        quality: int | None = None,
        contact_sheet: bool = False,
    ) -> list[Path]:
        """Write the slides, `manifest.json` and `caption.txt` under `out_dir/<slug>/`.

        How is `options` (a `SaveOptions`), or the same fields given by keyword: `format`
        is a registered format (`cardimg.formats.encoders()`; pdf is one document for the
        story); without it, the target's format, else the preset's (png; pdf for
        `linkedin`). `target` (a name such as
        `instagram-api`, or a `cardimg.presets.Target`) enforces a platform's rules and
        splits a carousel longer than it takes into numbered folders. `contact_sheet`
        adds `contact-sheet.png`, every slide in order, for a review. The manifest names
        the story file relative to `source_root` (the folder the stories were found in),
        else by its file name alone.
        """
        from .export import save_carousel

        given = (format, target, quality) != (None, None, None) or contact_sheet
        if options is not None and given:
            raise OptionsError("give the save options as SaveOptions or by keyword, not both")
        if options is None:
            options = SaveOptions(format, target, quality, contact_sheet)
        root = Path(source_root) if source_root is not None else None
        return save_carousel(self, Path(out_dir), options, source_root=root)

    def encode_video(self, *, audio: str | Path | None = None, quality: int | None = None) -> bytes:
        """The whole story as one MP4 (H.264, 30 fps, at the preset's size), each slide
        for its reading time at the theme's pace (`timing`), `audio` laid under it; the
        same carousel always gives the same bytes. Needs PyAV (`cardimg[video]`)."""
        from .export import encode_pages, painted_pages, upload_timeline
        from .formats import encoder

        pages = painted_pages(self.slides)  # one slide's pixels at a time, never kept
        plan = upload_timeline(self, range(len(self.slides)))
        sound = Path(audio) if audio is not None else None
        return encode_pages(encoder("mp4"), pages, quality=quality, timeline=plan, audio=sound)

    def contact_sheet(
        self,
        *,
        format: str | None = None,
        target: str | Target | None = None,
        thumb_width: int = 270,
        columns: int = 7,
    ) -> Image.Image:
        """One overview image of every slide in order, labelled with the file name it is
        saved under in `format` for `target` (as `save` chooses them), for a review before
        posting: `02-of-03/01.jpg` when the target splits the carousel."""
        from .export import slide_labels
        from .fonts import theme_fonts
        from .paint import paint_contact_sheet
        from .theme import default_theme

        labels = slide_labels(self, format, target)
        named = [
            (label, _thumbnail(pixels(slide), thumb_width))
            for label, slide in zip(labels, self.slides, strict=True)
        ]
        title = f"{self.story.title or self.story.slug} — {self.preset.name}, {len(named)} slides"
        return paint_contact_sheet(
            [(title, named)],
            fonts=theme_fonts(default_theme()),
            thumb_width=thumb_width,
            columns=columns,
        )


def _thumbnail(image: Image.Image, width: int) -> Image.Image:
    """A slide as a contact sheet shows it, made as soon as the slide is painted, so a
    sheet holds thumbnails, not every slide. The size and filter are the sheet's own
    (`paint_contact_sheet`): its resize of a thumbnail this size is a copy, and the sheet
    is the same as one made from the whole slides."""
    from PIL import Image

    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)
