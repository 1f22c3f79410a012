"""Behaviour of rendering: slides, lines, boxes, words, roles, palettes, images, continuations."""

from __future__ import annotations

import shutil
import struct
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from PIL import Image, ImageFile

import cardimg
from cardimg import Carousel, Line, Slide, StoryError, load_story, render
from cardimg.blocks import parse_blocks, plain_text
from cardimg.export import encode

SEED_KEYS = ["ee382877cb6a", "546260fce875", "12cb55bd64b6", "2bc4ec5b941b", "49fd3d7e015e"]
SEED_IMAGE = "21560c7b6cbd4f98329bbdc508a2ba3cbc824da3-2560x1878.jpg"
DARK_BLUE = (0x5F, 0x74, 0x7A)
LIGHT_BLUE = (0xCA, 0xDD, 0xDF)  # the --default palette
MIN_BODY = cardimg.load_theme().type.min_body_size


# --------------------------------------------------------------------------- helpers


def joined(lines: Sequence[Line]) -> str:
    """Text lines joined back as they read (markers left out): lines of one block broken
    at a space get the space back, lines broken inside a word do not; blocks get a space."""
    out: list[str] = []
    previous: Line | None = None
    for line in lines:
        if previous is not None:
            inside_word = line.block == previous.block and not previous.space_after
            out.append("" if inside_word else " ")
        out.append(line.text)
        previous = line
    return "".join(out)


def card_words(body: str) -> list[str]:
    """The words of a card body, list markers left out."""
    words: list[str] = []
    for block in parse_blocks(body):
        text = plain_text((block,))
        if block.marker and text.startswith(f"{block.marker} "):
            text = text[len(block.marker) + 1 :]
        words.extend(text.split())
    return words


def slides_of(carousel: Carousel, key: str) -> list[Slide]:
    return [slide for slide in carousel.slides if slide.card_key == key]


def drawn_words(carousel: Carousel, key: str) -> list[str]:
    lines = [line for slide in slides_of(carousel, key) for line in slide.text_lines]
    return joined(lines).split()


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(box: tuple[int, int, int, int], area: tuple[int, int, int, int]) -> bool:
    return area[0] <= box[0] <= box[2] <= area[2] and area[1] <= box[1] <= box[3] <= area[3]


def check_geometry(carousel: Carousel) -> None:
    """What must hold on every slide of every carousel: text inside the safe box, no two
    lines on top of each other, the series label (when there is one) centred on each slide."""
    for slide in carousel.slides:
        where = f"slide {slide.index} ({slide.kind} {slide.card_key})"
        for line in slide.text_lines:
            assert inside(line.box, slide.safe_box), f"{where}: {line.text!r} {line.box} outside"
        for line in slide.lines:
            if line.role == "citation":
                assert inside(line.box, slide.safe_box), f"{where}: citation {line.box} outside"
        lines = slide.lines
        for i, a in enumerate(lines):
            for b in lines[i + 1 :]:
                assert not overlaps(a.box, b.box), f"{where}: {a.text!r} overlaps {b.text!r}"
        series = [line for line in lines if line.role == "series"]
        if carousel.story.series:
            assert series, f"{where}: no series label"
            left = min(line.box[0] for line in series)
            right = max(line.box[2] for line in series)
            # Centred on the frame: the slide's middle, or the open area's where a platform
            # covers one side more than the other (a reel's buttons on the right).
            middle = (slide.frame_box[0] + slide.frame_box[2]) / 2
            assert abs((left + right) / 2 - middle) <= 2, f"{where}: series off centre"
        else:
            assert not series, f"{where}: a series label on a story without card_series"


def solid_jpeg(path: Path, color: tuple[int, int, int] = (255, 0, 0), size=(640, 480)) -> Path:
    Image.new("RGB", size, color).save(path, "JPEG", quality=95)
    return path


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG file whose header declares `width`×`height` (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def near(pixel: Sequence[int], expected: Sequence[int], tolerance: int = 3) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def blend(background: Sequence[int], over: Sequence[int], opacity: float = 0.15) -> tuple[int, ...]:
    return tuple(round(b + (o - b) * opacity) for b, o in zip(background, over, strict=True))


# --------------------------------------------------------------------------- the seed


@pytest.fixture(scope="module")
def seed(seed_path: Path) -> Carousel:
    carousel = render(load_story(seed_path))
    check_geometry(carousel)
    return carousel


def test_seed_has_five_card_slides_then_sources(seed: Carousel) -> None:
    assert [s.kind for s in seed.slides] == ["card"] * 5 + ["sources"]
    assert [s.card_key for s in seed.slides[:5]] == SEED_KEYS
    assert [s.card_key for s in seed.slides[:5]] == [c.key for c in seed.story.cards]
    assert seed.slides[5].card_key is None
    assert [s.index for s in seed.slides] == [1, 2, 3, 4, 5, 6]
    for slide in seed.slides:
        assert slide.image.size == (1080, 1350)
        assert slide.image.mode == "RGB"
        assert (slide.width, slide.height) == (1080, 1350)


def test_seed_text_inside_safe_box_and_no_overlaps(seed: Carousel) -> None:
    check_geometry(seed)  # also done by the fixture; here it is the test itself
    for slide in seed.slides:
        assert slide.text_lines, f"slide {slide.index} draws no text"
        x0, y0, x1, y1 = slide.safe_box
        fx0, fy0, fx1, fy1 = slide.frame_box
        assert fx0 < x0 < x1 < fx1 and fy0 < y0 < y1 < fy1


def test_seed_series_label_sits_on_the_top_frame_line(seed: Carousel) -> None:
    for slide in seed.slides:
        series = [line for line in slide.lines if line.role == "series"]
        assert [line.text for line in series] == ["SMARTHER NEWS"]
        box = series[0].box
        assert box[1] < slide.frame_box[1] < box[3]
        assert series[0].chrome


def test_seed_words_drawn_equal_card_words_in_order(seed: Carousel) -> None:
    for card in seed.story.cards:
        expected = card_words(card.body)
        assert expected, card.key
        assert drawn_words(seed, card.key) == expected, card.key


def test_seed_slide_text_reads_as_the_card(seed: Carousel) -> None:
    # Slide.text keeps the list markers and puts blocks on their own lines.
    for slide, card in zip(seed.slides, seed.story.cards, strict=False):
        assert slide.text.split("\n") == plain_text(parse_blocks(card.body)).split("\n")


def test_seed_lines_are_painted_in_the_text_colour(seed: Carousel) -> None:
    white = (255, 255, 255)  # --dark-blue text
    for slide in seed.slides:
        for line in slide.text_lines:
            colours = slide.image.crop(line.box).getcolors(maxcolors=1_000_000)
            assert any(c == white for _, c in colours), f"nothing drawn for {line.text!r}"


def test_seed_heading_lines_are_larger_than_paragraphs(seed: Carousel) -> None:
    lines = [line for slide in seed.slides[:5] for line in slide.text_lines]
    headings = [line for line in lines if line.role == "heading"]
    paragraphs = [line for line in lines if line.role == "paragraph"]
    heading_text = " ".join(line.text for line in headings)
    assert "Backstory" in heading_text and "Important Context" in heading_text
    assert "While Americans hunker" in heading_text
    assert paragraphs
    assert min(h.font_size for h in headings) > max(p.font_size for p in paragraphs)
    # card 1 is two h2 headings and nothing else
    assert {line.role for line in seed.slides[0].text_lines} == {"heading"}


def test_seed_quote_then_attribution(seed: Carousel) -> None:
    lines = slides_of(seed, "12cb55bd64b6")[0].text_lines
    roles = [line.role for line in lines]
    quotes = roles.count("quote")
    assert quotes >= 1
    assert roles == ["quote"] * quotes + ["attribution"] * (len(roles) - quotes)
    assert len(roles) > quotes
    assert lines[0].text.startswith("“The United States")
    assert lines[quotes].text.startswith("Sec. of Defense")
    assert lines[0].font_size > lines[-1].font_size


def test_seed_list_has_hanging_bullets_left_aligned(seed: Carousel) -> None:
    lines = [line for line in slides_of(seed, "2bc4ec5b941b")[0].text_lines if line.role == "list"]
    assert lines
    firsts = [line for i, line in enumerate(lines) if i == 0 or line.block != lines[i - 1].block]
    rest = [line for line in lines if line not in firsts]
    assert len(firsts) == 3
    assert [line.text.split()[:2] for line in firsts] == [
        ["Despite", "the"],
        ["Despite", "the"],
        ["Bottom", "Line:"],
    ]
    for line in firsts:
        assert line.marker is not None and line.marker.text == "•"
        assert "•" not in line.text
    assert all(line.marker is None for line in rest)
    assert len({line.box[0] for line in firsts}) == 1
    assert len({round(line.marker.x) for line in firsts}) == 1
    assert rest and len({line.box[0] for line in rest}) == 1
    # hanging indent: wrapped lines start where the first line's words start, right of the bullet
    text_start = firsts[0].fragments[0].x
    assert abs(rest[0].box[0] - text_start) <= 1
    assert rest[0].box[0] > firsts[0].marker.x


def test_seed_last_card_citation_at_the_bottom(seed: Carousel) -> None:
    slide = slides_of(seed, "49fd3d7e015e")[0]
    citations = [line for line in slide.lines if line.role == "citation"]
    assert [line.text for line in citations] == ["VIEW SOURCES"]
    citation = citations[0]
    assert citation.chrome and citation not in slide.text_lines
    assert abs(citation.box[3] - slide.safe_box[3]) <= 2
    assert all(line.box[3] <= citation.box[1] for line in slide.text_lines)
    assert abs((citation.box[0] + citation.box[2]) / 2 - slide.width / 2) <= 2
    # the other cards have no citation
    for other in seed.slides[:4]:
        assert not [line for line in other.lines if line.role == "citation"]


def test_seed_sources_slide_lists_every_source(seed: Carousel) -> None:
    slide = seed.slides[-1]
    text = joined(slide.text_lines)
    assert text.startswith("Sources")
    for source in seed.story.sources:
        assert source.url in text
        assert source.title in text
    assert len(seed.story.sources) == 3


def test_seed_background_is_the_dark_blue_palette(seed: Carousel) -> None:
    assert seed.palette.key == "--dark-blue"
    for slide in seed.slides[1:]:
        assert slide.image.getpixel((5, 5)) == DARK_BLUE


def test_no_sources_option_drops_the_sources_slide(seed: Carousel) -> None:
    carousel = render(seed.story, sources=False)
    assert [s.kind for s in carousel.slides] == ["card"] * 5
    assert [s.card_key for s in carousel.slides] == SEED_KEYS


def test_rendering_twice_gives_identical_bytes(seed: Carousel, seed_path: Path) -> None:
    again = render(load_story(seed_path))
    assert len(again.slides) == len(seed.slides)
    for a, b in zip(seed.slides, again.slides, strict=True):
        assert a.lines == b.lines
        assert encode(a.image, "png") == encode(b.image, "png")


# --------------------------------------------------------------------------- long cards


def _words(count: int, start: int = 0) -> list[str]:
    vocab = ["the", "continuation", "of", "words", "must", "never", "be", "lost", "in", "layout"]
    return [f"{vocab[i % len(vocab)]}{i}" for i in range(start, start + count)]


@pytest.fixture(scope="module")
def long_story(tmp_path_factory: pytest.TempPathFactory, story_text) -> Carousel:
    words = _words(900)
    paragraphs = [" ".join(words[i : i + 150]) for i in range(0, 750, 150)]
    items = [" ".join(words[i : i + 50]) for i in range(750, 900, 50)]
    bullets = "\n".join(f"* {item}" for item in items)
    body = "## A long read\n\n" + "\n\n".join(paragraphs) + "\n\n" + bullets
    single = " ".join(_words(400, start=2000))  # one paragraph, far too long for a slide
    cards = [
        {"order": 0, "_key": "long", "body": body, "citation": "VIEW SOURCES"},
        {"order": 1, "_key": "single", "body": single},
        {"order": 2, "_key": "short", "body": "The end."},
    ]
    path = tmp_path_factory.mktemp("long") / "long.md"
    path.write_text(story_text(cards, title="Long", slug="long", card_series="Series X"), "utf-8")
    carousel = render(load_story(path))
    check_geometry(carousel)
    return carousel


def test_long_card_continues_on_extra_slides(long_story: Carousel) -> None:
    for key in ("long", "single"):
        slides = slides_of(long_story, key)
        assert len(slides) >= 2, key
        assert [s.kind for s in slides] == ["card"] + ["continuation"] * (len(slides) - 1)
        assert [s.part for s in slides] == list(range(1, len(slides) + 1))
        assert all(s.parts == len(slides) for s in slides)
    assert [s.card_key for s in long_story.slides] == sorted(
        (s.card_key for s in long_story.slides), key=["long", "single", "short"].index
    )
    short = slides_of(long_story, "short")
    assert [s.kind for s in short] == ["card"]


def test_long_card_keeps_every_word_in_order(long_story: Carousel) -> None:
    for card in long_story.story.cards:
        assert drawn_words(long_story, card.key) == card_words(card.body), card.key


def test_long_card_never_goes_below_the_legibility_floor(long_story: Carousel) -> None:
    assert MIN_BODY == 30
    for slide in long_story.slides:
        assert slide.body_size >= MIN_BODY
        for line in slide.text_lines:
            if line.role in ("paragraph", "list"):
                assert line.font_size >= MIN_BODY, (slide.index, line.text)


def test_continuation_slides_carry_a_marker(long_story: Carousel) -> None:
    for slide in long_story.slides:
        markers = [line for line in slide.lines if line.role == "marker"]
        if slide.kind == "continuation":
            assert markers, f"slide {slide.index} has no continuation marker"
        if slide.parts == 1:
            assert not markers
        for marker in markers:
            assert marker.chrome and marker not in slide.text_lines


def test_long_card_citation_closes_the_card_once(long_story: Carousel) -> None:
    slides = slides_of(long_story, "long")
    citations = [
        (slide.part, line.text)
        for slide in slides
        for line in slide.lines
        if line.role == "citation"
    ]
    assert citations == [(len(slides), "VIEW SOURCES")]


# --------------------------------------------------------------------------- long words and URLs

LONG_WORD = "a" * 30 + "b" * 30
LONG_URL = "https://example.com/" + "/".join(f"seg{i:03d}x" for i in range(23)) + "?q=end"


@pytest.mark.parametrize(
    "body",
    [
        f"Before {LONG_WORD} middle {LONG_URL} after",
        f"{LONG_URL}",
        f"## {LONG_WORD}",
        f"* {LONG_URL} and {LONG_WORD}",
        f"> {LONG_WORD}{LONG_WORD}",
    ],
    ids=["paragraph", "url-alone", "heading", "list", "quote"],
)
def test_long_word_and_url_are_broken_and_kept(body: str, write_story: Callable[..., Path]) -> None:
    assert len(LONG_URL) >= 200
    carousel = render(load_story(write_story("long-words.md", [{"_key": "k", "body": body}])))
    check_geometry(carousel)
    lines = [line for slide in slides_of(carousel, "k") for line in slide.text_lines]
    text = joined(lines)
    assert text.split() == card_words(body)
    for token in (LONG_WORD, LONG_URL):
        if token in body:
            assert token in text
            assert not any(token in line.text for line in lines), f"{token[:20]}… was not broken"


# --------------------------------------------------------------------------- palettes


def test_unknown_palette_warns_and_uses_the_default(write_story: Callable[..., Path]) -> None:
    path = write_story("p.md", [{"_key": "k", "body": "Hello"}], colorpaletteclassname="--nope-ish")
    carousel = render(load_story(path))
    notes = [note for note in carousel.warnings if "--nope-ish" in note]
    assert len(notes) == 1
    for key in cardimg.load_theme().palettes:
        assert key in notes[0]
    assert "p.md" in notes[0]
    assert carousel.slides[0].image.getpixel((5, 5)) == LIGHT_BLUE


def test_unknown_palette_is_an_error_when_strict(write_story: Callable[..., Path]) -> None:
    path = write_story("p.md", [{"_key": "k", "body": "Hello"}], colorpaletteclassname="--nope-ish")
    with pytest.raises(StoryError, match="--nope-ish"):
        render(load_story(path), strict=True)


@pytest.mark.parametrize(
    ("key", "background"),
    [
        (None, LIGHT_BLUE),
        ("--default", LIGHT_BLUE),
        ("--light-blue", LIGHT_BLUE),
        ("--black", (0x1A, 0x19, 0x19)),
        ("--light-yellow", (0xF7, 0xF4, 0xDF)),
    ],
)
def test_palette_sets_the_background(key, background, write_story: Callable[..., Path]) -> None:
    meta = {"colorpaletteclassname": key} if key else {}
    carousel = render(load_story(write_story("p.md", [{"_key": "k", "body": "Hello"}], **meta)))
    assert carousel.slides[0].image.getpixel((5, 5)) == background
    assert not [note for note in carousel.warnings if "palette" in note]


# --------------------------------------------------------------------------- featured image


@pytest.fixture
def seed_copy(tmp_path: Path, seed_path: Path) -> Path:
    folder = tmp_path / "story"
    folder.mkdir()
    return Path(shutil.copy(seed_path, folder / seed_path.name))


def test_featured_image_goes_behind_the_first_slide_only(seed_copy: Path) -> None:
    without = render(load_story(seed_copy))
    assert any(SEED_IMAGE in note and "not found" in note for note in without.warnings)
    solid_jpeg(seed_copy.parent / SEED_IMAGE, (255, 0, 0))
    with_image = render(load_story(seed_copy))
    assert not any(SEED_IMAGE in note for note in with_image.warnings)
    assert with_image.slides[0].image.tobytes() != without.slides[0].image.tobytes()
    for a, b in zip(with_image.slides[1:], without.slides[1:], strict=True):
        assert a.image.tobytes() == b.image.tobytes()
    # at low opacity over the palette background
    assert near(with_image.slides[0].image.getpixel((5, 5)), blend(DARK_BLUE, (255, 0, 0)))


@pytest.fixture
def image_story(write_story: Callable[..., Path]) -> Callable[[str], Path]:
    """A two-card story whose featured image is the named file."""

    def make(name: str, folder: Path | None = None) -> Path:
        cards = [{"order": 0, "_key": "a", "body": "One"}, {"order": 1, "_key": "b", "body": "Two"}]
        return write_story(
            "img.md",
            cards,
            folder=folder,
            colorpaletteclassname="--black",
            featured_image={"alt": "x", "url": name},
        )

    return make


BLACK = (0x1A, 0x19, 0x19)


def test_corrupt_image_warns_and_renders_without_it(image_story, tmp_path: Path) -> None:
    path = image_story("broken.jpg")
    (tmp_path / "broken.jpg").write_bytes(bytes(range(256)) * 40)
    carousel = render(load_story(path))
    assert any("broken.jpg" in note for note in carousel.warnings)
    assert [s.card_key for s in carousel.slides] == ["a", "b"]
    assert carousel.slides[0].image.getpixel((5, 5)) == BLACK
    assert joined(carousel.slides[0].text_lines) == "One"


def test_truncated_jpeg_warns_and_renders_without_it(image_story, tmp_path: Path) -> None:
    path = image_story("cut.jpg")
    data = (solid_jpeg(tmp_path / "full.jpg")).read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    carousel = render(load_story(path))
    assert [s.card_key for s in carousel.slides] == ["a", "b"]
    assert any("cut.jpg" in note for note in carousel.warnings)
    assert carousel.slides[0].image.getpixel((5, 5)) == BLACK  # no half image behind the text


@pytest.mark.parametrize("size", [(100_000, 100_000), (10_000, 10_000), (8_000, 8_000)])
def test_decompression_bomb_warns_without_hanging(
    size, image_story, tmp_path: Path, monkeypatch
) -> None:
    path = image_story("bomb.png")
    (tmp_path / "bomb.png").write_bytes(png_declaring(*size))
    # Refused from its header: a decode of its pixels would take minutes and gigabytes.
    decoded = []
    real_load = ImageFile.ImageFile.load

    def load(image):
        if image.size == size:
            decoded.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    carousel = render(load_story(path))
    assert decoded == []
    assert any("bomb.png" in note for note in carousel.warnings)
    assert carousel.slides[0].image.getpixel((5, 5)) == BLACK


def test_images_dir_option_finds_the_image(image_story, tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    assets.mkdir()
    solid_jpeg(assets / "pic.jpg", (255, 255, 255))
    path = image_story("pic.jpg", folder=tmp_path / "stories")
    without = render(load_story(path))
    assert any("pic.jpg" in note and "not found" in note for note in without.warnings)
    assert without.slides[0].image.getpixel((5, 5)) == BLACK
    found = render(load_story(path), images_dir=assets)
    assert not any("pic.jpg" in note for note in found.warnings)
    assert near(found.slides[0].image.getpixel((5, 5)), blend(BLACK, (255, 255, 255)))
    assert found.slides[1].image.tobytes() == without.slides[1].image.tobytes()


def test_image_url_cannot_reach_outside_the_story_folder(image_story, tmp_path: Path) -> None:
    solid_jpeg(tmp_path / "secret.jpg", (255, 255, 255))
    path = image_story("../secret.jpg", folder=tmp_path / "stories")
    carousel = render(load_story(path))
    assert carousel.slides[0].image.getpixel((5, 5)) == BLACK
    assert any("secret.jpg" in note for note in carousel.warnings)


# --------------------------------------------------------------------------- empty cards, no series


def test_empty_body_renders_an_empty_card_with_its_citation(write_story) -> None:
    cards = [
        {"order": 0, "_key": "first", "body": "First card."},
        {"order": 1, "_key": "empty", "body": "", "citation": "VIEW SOURCES"},
    ]
    carousel = render(load_story(write_story("e.md", cards, card_series="News")))
    check_geometry(carousel)
    assert [(s.kind, s.card_key) for s in carousel.slides] == [("card", "first"), ("card", "empty")]
    empty = carousel.slides[1]
    assert empty.text_lines == ()
    assert [line.text for line in empty.lines if line.role == "citation"] == ["VIEW SOURCES"]
    assert empty.image.size == (1080, 1350)
    notes = [note for note in carousel.warnings if "cards[1]" in note]
    assert notes and "empty" in notes[0] and "e.md" in notes[0]
    assert carousel.story.warnings and all(n in carousel.warnings for n in carousel.story.warnings)


def test_story_without_series_has_no_series_line(write_story) -> None:
    carousel = render(load_story(write_story("n.md", [{"_key": "k", "body": "Hi *there*"}])))
    check_geometry(carousel)
    assert not [line for line in carousel.slides[0].lines if line.role == "series"]
    assert joined(carousel.slides[0].text_lines) == "Hi there"


# --------------------------------------------------------------------------- every block type

RICH_BODY = """# Big h1 title

### Third level heading

#### Fourth level

##### Fifth level

###### Sixth legacy

A **bold** word, *italic*, `code`, ~~struck~~, [a link](https://x.org) and <b>html</b> tags.

1. first numbered
2. second numbered
   * nested bullet one
   * nested bullet two
3. third

> A pull quote that is long enough to wrap onto a second line at least.

— Attribution Person

---

<div>html block text</div>
"""


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory, story_text) -> Carousel:
    path = tmp_path_factory.mktemp("rich") / "rich.md"
    cards = [{"order": 0, "_key": "rich", "body": RICH_BODY}]
    path.write_text(story_text(cards, card_series="Series"), "utf-8")
    return render(load_story(path))


def test_every_block_type_lays_out_inside_the_safe_box(rich: Carousel) -> None:
    check_geometry(rich)


def test_every_block_type_keeps_its_words(rich: Carousel) -> None:
    drawn = [word.casefold() for word in drawn_words(rich, "rich")]  # h4/h5 are set uppercase
    assert drawn == [word.casefold() for word in card_words(RICH_BODY)]
    text = joined([line for s in slides_of(rich, "rich") for line in s.text_lines])
    # HTML is drawn as typed, never interpreted; Markdown markup is interpreted.
    assert "<b>html</b>" in text and "<div>html block text</div>" in text and "**" not in text


def test_every_block_type_has_its_role(rich: Carousel) -> None:
    lines = [line for s in slides_of(rich, "rich") for line in s.text_lines]
    by_text = {line.text: line for line in lines}
    assert by_text["Big h1 title"].role == "heading"
    assert by_text["Third level heading"].role == "heading"
    assert by_text["Big h1 title"].font_size > by_text["Third level heading"].font_size
    markers = [line.marker.text for line in lines if line.marker is not None]
    assert markers == ["1.", "2.", "◦", "◦", "3."]
    nested = by_text["nested bullet one"]
    assert nested.role == "list" and nested.box[0] > by_text["first numbered"].box[0]
    assert [line.role for line in lines if "pull quote" in line.text] == ["quote"]
    assert by_text["— Attribution Person"].role == "attribution"


def test_styled_runs_share_a_baseline(write_story) -> None:
    cards = [{"_key": "k", "body": "A **bold** and *it* word"}]
    carousel = render(load_story(write_story("b.md", cards)))
    [line] = carousel.slides[0].text_lines
    assert line.text == "A bold and it word"
    assert len(line.fragments) >= 3
    assert len({fragment.baseline for fragment in line.fragments}) == 1
    assert len({fragment.style.font for fragment in line.fragments}) >= 3  # regular, bold, italic
    xs = [fragment.x for fragment in line.fragments]
    assert xs == sorted(xs)
    assert "".join(fragment.text for fragment in line.fragments) == line.text


def test_hard_line_break_keeps_words_apart(write_story) -> None:
    body = "Roses are red,  \nviolets are blue."
    carousel = render(load_story(write_story("h.md", [{"_key": "k", "body": body}])))
    slide = carousel.slides[0]
    assert [line.text for line in slide.text_lines] == ["Roses are red,", "violets are blue."]
    assert drawn_words(carousel, "k") == card_words(body)
    assert slide.alt.split() == ["Roses", "are", "red,", "violets", "are", "blue."]


def test_code_block_lines_keep_words_apart(write_story) -> None:
    body = "```\nprint(1)\nprint(2)\n```"
    carousel = render(load_story(write_story("c.md", [{"_key": "k", "body": body}])))
    slide = carousel.slides[0]
    assert [line.text for line in slide.text_lines] == ["print(1)", "print(2)"]
    assert drawn_words(carousel, "k") == card_words(body)
    assert slide.alt.split() == ["print(1)", "print(2)"]


def test_code_block_lines_do_not_overlap(write_story) -> None:
    body = "```\nfirst code line\nsecond code line\nthird code line\n```"
    carousel = render(load_story(write_story("c.md", [{"_key": "k", "body": body}])))
    check_geometry(carousel)


def test_many_sources_continue_over_several_slides(write_story) -> None:
    urls = [f"https://example.com/{i}/" + "path-segment/" * 8 for i in range(30)]
    sources = "".join(f"**Source {i} title**  \n[{url}]({url})\n\n" for i, url in enumerate(urls))
    path = write_story("s.md", [{"_key": "k", "body": "Hi"}], sources=sources)
    carousel = render(load_story(path))
    check_geometry(carousel)
    slides = [slide for slide in carousel.slides if slide.kind == "sources"]
    assert len(slides) >= 2
    assert [s.part for s in slides] == list(range(1, len(slides) + 1))
    text = joined([line for slide in slides for line in slide.text_lines])
    positions = [text.index(url) for url in urls]
    assert positions == sorted(positions)
    for slide in slides[1:]:
        assert [line for line in slide.lines if line.role == "marker"]


# --------------------------------------------------------------------------- every sample

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "samples").glob("*.md"))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_every_sample_keeps_its_words_inside_the_safe_box(path: Path) -> None:
    carousel = render(load_story(path))
    check_geometry(carousel)
    keys = [card.key for card in carousel.story.cards]
    assert [s.card_key for s in carousel.slides if s.kind != "sources"] == [
        key for key in keys for _ in slides_of(carousel, key)
    ]
    for card in carousel.story.cards:
        drawn = [word.casefold() for word in drawn_words(carousel, card.key)]  # h4/h5: uppercase
        assert drawn == [word.casefold() for word in card_words(card.body)], card.key
        assert slides_of(carousel, card.key), card.key


def test_a_story_asking_for_too_many_slides_is_refused_before_painting():
    import re

    from cardimg.render import MAX_SLIDES
    from cardimg.story import Card, Story

    body = "word " * 3000
    cards = tuple(Card(n, f"k{n}", body) for n in range(12))
    story = Story("big", "Big", None, "--default", None, (), cards)
    with pytest.raises(cardimg.StoryError) as caught:
        cardimg.render(story)
    message = str(caught.value)
    assert f"over the limit of {MAX_SLIDES}" in message
    assert re.match(r"^big: cards\[\d+\] \(key k\d+\): \d+ slides", message)


def test_a_20000_letter_word_is_laid_out_whole():
    from cardimg import default_theme, theme_fonts
    from cardimg.plan import plan_story
    from cardimg.story import Card, Story

    story = Story("w", "W", None, "--default", None, (), (Card(0, "k", "a" * 20000),))
    plans = plan_story(
        story, theme=default_theme(), measurer=theme_fonts(default_theme()), width=1080, height=1350
    )
    drawn = "".join(line.text for plan in plans for line in plan.lines if not line.chrome)
    assert drawn == "a" * 20000
    assert all(
        plan.safe_box[0] <= line.box[0] and line.box[2] <= plan.safe_box[2]
        for plan in plans
        for line in plan.lines
        if not line.chrome
    )
