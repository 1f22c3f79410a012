"""Every platform from one story, at the level a user sees it: the files `cardimg render`
and `Carousel.save` write for each preset, format and target, their sizes, bytes, pixels
and messages (test_presets.py checks the layout itself, plan by plan)."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops, ImageCms, ImageStat, JpegImagePlugin

import cardimg
from cardimg.cli import main
from cardimg.formats import encoders
from cardimg.presets import PRESETS, TARGETS
from cardimg.story import Card, Source, Story
from cardimg.targets import TargetError

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "samples" / "20200314-iraq-latest.md"
SLUG = "20200314-iraq-latest"
CAROUSELS = [name for name, preset in PRESETS.items() if preset.layout == "carousel"]
COVERS = [name for name, preset in PRESETS.items() if preset.layout == "cover"]
# From the registry: every format, its files' extension, whether it writes one a slide.
FORMATS = tuple(codec.name for codec in encoders())
EXTENSION = {codec.name: codec.extension for codec in encoders()}
PER_SLIDE = {codec.name: codec.per_slide for codec in encoders()}


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def opened(path: Path) -> Image.Image:
    image = Image.open(path)
    image.load()
    return image


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return (
        a.size == b.size
        and ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None
    )


def slide_files(folder: Path, extension: str) -> list[Path]:
    return sorted(folder.glob(f"[0-9][0-9].{extension}"))


def many_cards_story(count: int = 22, *, slug: str = "many") -> Story:
    """A story of `count` short cards and one source: `count + 1` slides."""
    cards = tuple(Card(n, f"k{n}", f"Card number {n} says one short thing.") for n in range(count))
    sources = (Source("Agency report", "https://example.com/report"),)
    return Story(slug, "Many cards", "Series", "--default", None, sources, cards)


@pytest.fixture(scope="module")
def seed_carousels() -> dict[str, cardimg.Carousel]:
    """The seed story rendered once per preset, through the API."""
    return {name: cardimg.render(SEED, preset=name) for name in PRESETS}


@pytest.fixture(scope="module")
def many() -> cardimg.Carousel:
    return cardimg.render(many_cards_story())


@pytest.fixture(scope="module")
def many_file(tmp_path_factory) -> Path:
    """The same 23-slide story as a file, for the command line."""
    folder = tmp_path_factory.mktemp("many")
    cards = [{"body": f"Card number {n} says one short thing."} for n in range(22)]
    text = json.dumps(
        {"title": "Many cards", "slug": "many", "card_series": "Series", "cards": cards}
    )
    path = folder / "many.md"
    path.write_text(f"---\n{text}\n---\n- [Agency report](https://example.com/report)\n", "utf-8")
    return path


# --------------------------------------------------------------------------- presets, on disk


@pytest.mark.parametrize("preset_name", [name for name in CAROUSELS if name != "linkedin"])
def test_cli_preset_writes_the_api_slides_at_the_preset_size(
    preset_name, seed_carousels, tmp_path, capsys
):
    code, _, err = run(["render", str(SEED), "-o", str(tmp_path), "--preset", preset_name], capsys)
    assert code == 0, err
    folder = tmp_path / SLUG
    carousel = seed_carousels[preset_name]
    files = slide_files(folder, "png")
    assert len(files) == len(carousel.slides)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["preset"] == preset_name
    assert manifest["size"] == {
        "width": PRESETS[preset_name].width,
        "height": PRESETS[preset_name].height,
    }
    for path, slide in zip(files, carousel.slides, strict=True):
        written = opened(path)
        assert written.size == PRESETS[preset_name].size
        # The file is the API's slide, pixel for pixel: whose lines are all inside its
        # safe box and the slide (tests/test_presets.py).
        assert same_pixels(written, slide.image), path.name
        width, height = written.size
        for line in slide.lines:
            assert cardimg_inside(line.box, (0, 0, width, height)), line.text
        for line in slide.text_lines:
            assert cardimg_inside(line.box, slide.safe_box), line.text


def cardimg_inside(box, area) -> bool:
    return area[0] <= box[0] and area[1] <= box[1] and box[2] <= area[2] and box[3] <= area[3]


def test_story_slides_on_disk_leave_the_covered_zones_plain_background(
    seed_carousels, tmp_path, capsys
):
    code, _, err = run(["render", str(SEED), "-o", str(tmp_path), "--preset", "story"], capsys)
    assert code == 0, err
    carousel = seed_carousels["story"]
    _, top, _, bottom = PRESETS["story"].open_area
    assert (top, bottom) == (round(1920 * 0.14), 1920 - round(1920 * 0.20))
    background = Image.new("RGB", (1, 1), carousel.palette.background).getpixel((0, 0))
    _cover, *flat = slide_files(tmp_path / SLUG, "png")
    # The cover's photo fills the slide, zones too: only its text must keep out of them.
    assert all(
        cardimg_inside(line.box, PRESETS["story"].open_area) for line in carousel.slides[0].lines
    )
    for path in flat:
        image = opened(path).convert("RGB")
        assert image.size == (1080, 1920)
        for zone in ((0, 0, 1080, top), (0, bottom, 1080, 1920)):
            colours = image.crop(zone).getcolors(4)
            assert colours is not None and len(colours) == 1, (path.name, zone, colours)
            assert colours[0][1] == background, (path.name, zone)
        # ...and the open part does hold the slide's text.
        assert image.crop((0, top, 1080, bottom)).getcolors(4) is None


@pytest.mark.parametrize("preset_name", COVERS)
def test_a_cover_preset_writes_exactly_one_image_with_the_title_drawn(
    preset_name, seed_carousels, tmp_path, capsys
):
    code, _, err = run(["render", str(SEED), "-o", str(tmp_path), "--preset", preset_name], capsys)
    assert code == 0, err
    folder = tmp_path / SLUG
    assert sorted(p.name for p in folder.iterdir()) == ["01.png", "caption.txt", "manifest.json"]
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["preset"] == preset_name
    assert [s["kind"] for s in manifest["slides"]] == ["cover"]
    assert manifest["slides"][0]["alt"].endswith("Iraq Latest")
    cover = seed_carousels[preset_name].slides[0]
    image = opened(folder / "01.png").convert("RGB")
    assert image.size == PRESETS[preset_name].size
    assert same_pixels(image, cover.image)
    title = [line for line in cover.text_lines if line.text]
    assert " ".join(line.text for line in title) == "Iraq Latest"
    text_colour = Image.new("RGB", (1, 1), seed_carousels[preset_name].palette.text).getpixel(
        (0, 0)
    )
    for line in title:  # the title's own pixels are there, in the text colour
        drawn = {colour for _, colour in image.crop(line.box).getcolors(1 << 16)}
        assert text_colour in drawn, line.text


# --------------------------------------------------------------------------- formats


@pytest.fixture(scope="module")
def small_story(tmp_path_factory) -> Path:
    """Two cards and a source: small enough to render often."""
    folder = tmp_path_factory.mktemp("small")
    path = folder / "small.md"
    path.write_text(
        "---\ntitle: Small story\nslug: small\ncard_series: Briefing\ncards:\n"
        "  - body: The council voted on Tuesday to rebuild the old bridge by 2027.\n"
        "  - body: Work starts in spring; the river path stays open.\n"
        "---\n- [City council minutes](https://example.com/minutes)\n",
        "utf-8",
    )
    return path


@pytest.fixture(scope="module")
def small(small_story) -> cardimg.Carousel:
    return cardimg.render(small_story)


def check_format(folder: Path, name: str, carousel: cardimg.Carousel) -> None:
    """The files in `folder` are `carousel` in format `name`, as the platform reads them."""
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == name
    if name == "pdf":
        check_pdf(folder / f"{folder.name}.pdf", carousel)
        assert [s["page"] for s in manifest["slides"]] == list(range(1, len(carousel.slides) + 1))
        return
    if not PER_SLIDE[name]:  # a story format with tests of its own (test_video.py)
        assert (folder / f"{folder.name}.{EXTENSION[name]}").is_file()
        return
    files = slide_files(folder, EXTENSION[name])
    assert [s["file"] for s in manifest["slides"]] == [p.name for p in files]
    assert len(files) == len(carousel.slides)
    for path, slide in zip(files, carousel.slides, strict=True):
        image = opened(path)
        assert image.size == slide.image.size
        assert image.format == name.upper()
        if name == "avif":  # lossy, at 4:4:4: close to the slide, not equal
            difference = ImageStat.Stat(ImageChops.difference(image.convert("RGB"), slide.image))
            assert max(difference.mean) < 2, path.name
        elif name == "jpeg":
            profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
            assert "sRGB" in ImageCms.getProfileDescription(profile)
            assert JpegImagePlugin.get_sampling(image) == 0  # 4:4:4
        else:  # PNG and (flat slides) WebP are lossless
            assert same_pixels(image, slide.image), path.name
        if name == "webp":
            data = path.read_bytes()
            assert data[12:16] == b"VP8L"  # the lossless bitstream
            png = slide.encode("png")
            assert len(data) < len(png)


def check_pdf(path: Path, carousel: cardimg.Carousel) -> None:
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == len(carousel.slides)
        for page, slide in zip(pdf.pages, carousel.slides, strict=True):
            assert [float(v) for v in page.mediabox] == [0, 0, slide.width, slide.height]


@pytest.mark.parametrize("name", FORMATS)
def test_cli_format_writes_each_format(name, small_story, small, tmp_path, capsys):
    code, _, err = run(["render", str(small_story), "-o", str(tmp_path), "--format", name], capsys)
    assert code == 0, err
    assert err == ""
    check_format(tmp_path / "small", name, small)


@pytest.mark.parametrize("name", FORMATS)
def test_api_save_writes_each_format_and_encode_gives_the_same_bytes(name, small, tmp_path):
    written = small.save(tmp_path, format=name)
    folder = tmp_path / "small"
    check_format(folder, name, small)
    if not PER_SLIDE[name]:
        assert written[0].name == f"small.{EXTENSION[name]}"
        assert [p.name for p in written][-2:] == ["manifest.json", "caption.txt"]
        return
    for slide, path in zip(small.slides, written, strict=False):
        assert path.read_bytes() == slide.encode(name)


def test_slide_encode_pdf_is_one_page_of_the_slide_size(small):
    data = small.slides[0].encode("pdf")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1
        assert [float(v) for v in pdf.pages[0].mediabox] == [0, 0, 1080, 1350]


def test_poppler_turns_the_pdf_into_pages_of_the_slide_size(small, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler's pdftoppm is not installed")
    small.save(tmp_path, format="pdf")
    pdf = tmp_path / "small" / "small.pdf"
    subprocess.run(
        ["pdftoppm", "-r", "72", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=120
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(small.slides)
    for page, slide in zip(pages, small.slides, strict=True):
        image = opened(page).convert("RGB")
        assert image.size == slide.image.size
        # Poppler draws the slide (the text layer is invisible); its resampling may move
        # an edge by a pixel, so the two differ only along text edges.
        difference = ImageStat.Stat(ImageChops.difference(image, slide.image.convert("RGB")))
        assert max(difference.mean) < 2, (page.name, difference.mean)


def _render_in_new_processes(story: Path, out: Path) -> None:
    """`python -m cardimg render story -o out/F --format F` for every format, side by side."""
    command = [sys.executable, "-m", "cardimg", "render", str(story), "-o"]
    runs = [
        subprocess.Popen(
            [*command, str(out / name), "--format", name],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for name in FORMATS
    ]
    for process in runs:
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_every_format_is_byte_identical_across_processes_a_second_apart(small_story, tmp_path):
    _render_in_new_processes(small_story, tmp_path / "A")
    time.sleep(1.1)  # anything that read the clock (an ICC profile, a PDF date) now differs
    _render_in_new_processes(small_story, tmp_path / "B")
    for name in FORMATS:
        first, second = _files(tmp_path / "A" / name), _files(tmp_path / "B" / name)
        assert "small/manifest.json" in first and "small/caption.txt" in first
        assert len(first) >= (3 if not PER_SLIDE[name] else 5)
        assert first.keys() == second.keys()
        for file in first:
            assert first[file] == second[file], (name, file)


# --------------------------------------------------------------------------- targets


def check_split(story_folder: Path, sizes: list[int], total: int, name: str = "jpeg") -> None:
    parts = sorted(p.name for p in story_folder.iterdir())
    count = len(sizes)
    assert parts == [f"{n:02d}-of-{count:02d}" for n in range(1, count + 1)]
    indices = []
    for number, (part, size) in enumerate(zip(parts, sizes, strict=True), start=1):
        folder = story_folder / part
        record = json.loads((folder / "manifest.json").read_text("utf-8"))
        assert record["format"] == name
        files = slide_files(folder, EXTENSION[name])
        assert [p.name for p in files] == [f"{n:02d}.{EXTENSION[name]}" for n in range(1, size + 1)]
        assert [s["file"] for s in record["slides"]] == [p.name for p in files]
        first, last = record["slides"][0]["index"], record["slides"][-1]["index"]
        assert record["part"] == {"number": number, "of": count, "slides": [first, last]}
        assert "https://example.com/report" in (folder / "caption.txt").read_text("utf-8")
        indices += [s["index"] for s in record["slides"]]
    assert indices == list(range(1, total + 1))  # no slide lost, none twice, in order


def test_instagram_api_splits_23_slides_into_three_even_carousels(many, tmp_path):
    assert len(many.slides) == 23
    many.save(tmp_path, target="instagram-api")
    check_split(tmp_path / "many", [8, 8, 7], 23)
    record = json.loads((tmp_path / "many" / "02-of-03" / "manifest.json").read_text("utf-8"))
    assert record["target"] == "instagram-api"
    # the slides of part 2 are the story's slides 9 to 16, as rendered
    for entry in record["slides"]:
        slide = many.slides[entry["index"] - 1]
        assert (tmp_path / "many" / "02-of-03" / entry["file"]).read_bytes() == slide.encode("jpeg")


def test_instagram_app_takes_20_a_carousel(many, tmp_path):
    many.save(tmp_path, target="instagram-app")  # JPEG or PNG: the preset's PNG
    check_split(tmp_path / "many", [12, 11], 23, "png")


def test_cli_target_splits_and_says_where(many_file, tmp_path, capsys):
    code, out, err = run(
        ["render", str(many_file), "-o", str(tmp_path), "--target", "instagram-api"], capsys
    )
    assert code == 0, err
    check_split(tmp_path / "many", [8, 8, 7], 23)
    assert out.splitlines() == [
        f"{many_file}: 23 slides -> {tmp_path / 'many'} (3 carousels: 01-of-03 … 03-of-03)"
    ]


def test_a_format_the_target_refuses_is_one_line_before_rendering(small_story, tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, out, err = run(
        [
            "render",
            str(small_story),
            "-o",
            str(out_dir),
            "--target",
            "instagram-api",
            "--format",
            "png",
        ],
        capsys,
    )
    assert code == 1
    assert err == "cardimg: error: target instagram-api takes jpeg, not png\n"
    assert out == ""
    assert not out_dir.exists()


def test_an_unknown_preset_is_one_line_naming_the_known_ones(small_story, tmp_path, capsys):
    code, out, err = run(
        ["render", str(small_story), "-o", str(tmp_path), "--preset", "tiktok"], capsys
    )
    assert code == 1 and out == ""
    assert err == f"cardimg: error: unknown preset 'tiktok' (known: {', '.join(PRESETS)})\n"
    assert not any(tmp_path.iterdir())


def test_a_preset_the_target_refuses_is_an_error_before_rendering(small_story, tmp_path, capsys):
    argv = ["render", str(small_story), "-o", str(tmp_path / "out"), "--target", "instagram-api"]
    code, out, err = run([*argv, "--preset", "instagram-tall"], capsys)
    assert code == 1
    assert err.splitlines() == [
        "cardimg: error: target instagram-api refuses preset instagram-tall (1080×1440): "
        "outside its aspect range 0.80…1.91:1 (preset instagram-portrait fits)"
    ]
    assert out == "" and not (tmp_path / "out").exists()


def test_saving_for_a_target_with_a_preset_it_refuses_raises(small_story, tmp_path):
    carousel = cardimg.render(small_story, preset="instagram-tall")
    with pytest.raises(cardimg.CardimgError) as raised:
        carousel.save(tmp_path, target="instagram-api")
    message = str(raised.value)
    assert message.startswith("target instagram-api refuses preset instagram-tall")
    assert "--" not in message  # the API's words: no command-line flags
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(cardimg.CardimgError):
        cardimg.render_batch(
            [small_story], tmp_path, target="instagram-api", preset="instagram-tall"
        )
    assert list(tmp_path.iterdir()) == []


def test_target_x_renders_the_x_cover_by_default(small_story, tmp_path, capsys):
    code, _, err = run(["render", str(small_story), "-o", str(tmp_path), "--target", "x"], capsys)
    assert code == 0, err
    folder = tmp_path / "small"
    assert sorted(p.name for p in folder.iterdir()) == ["01.png", "caption.txt", "manifest.json"]
    assert opened(folder / "01.png").size == (1200, 600)
    record = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert (record["preset"], record["target"]) == ("x", "x")
    assert record["slides"][0]["alt_x"] == record["slides"][0]["alt"]  # short: whole


def test_target_x_refuses_a_carousel_preset(small_story, tmp_path, capsys):
    code, _, err = run(
        ["render", str(small_story), "-o", str(tmp_path), "--target", "x", "--preset", "story"],
        capsys,
    )
    assert code == 1
    assert err.count("\n") == 1 and "target x takes one cover image" in err
    assert not (tmp_path / "small").exists()


def test_alt_text_is_whole_in_alt_and_cut_at_a_word_in_the_platforms_field(tmp_path):
    title = "Officials said on Friday in a statement to reporters at the Pentagon in Washington"
    story = Story("long", title, "Series", "--default", None, (), (Card(0, "k", "Body"),))
    carousel = cardimg.render(story, preset="x")
    assert carousel.slides[0].alt == f"SERIES\n{title}"
    # A cover's alt text is short (its title shrinks to fit): X's 420 keeps it whole...
    carousel.save(tmp_path / "x", target="x")
    entry = json.loads((tmp_path / "x" / "long" / "manifest.json").read_text("utf-8"))["slides"][0]
    assert entry["alt"] == entry["alt_x"] == carousel.slides[0].alt
    # ...and a field that caps it cuts it after a whole word, keeping `alt` whole.
    capped = dataclasses.replace(TARGETS["x"], alt_limit=40)
    carousel.save(tmp_path / "capped", target=capped)
    record = json.loads((tmp_path / "capped" / "long" / "manifest.json").read_text("utf-8"))
    entry = record["slides"][0]
    assert entry["alt"] == carousel.slides[0].alt
    assert entry["alt_x"] == "SERIES\nOfficials said on Friday in a…"
    assert len(entry["alt_x"]) <= 40


@pytest.mark.parametrize("target", ["instagram-api", "x"])
def test_the_caption_keeps_within_the_targets_limit_and_keeps_the_sources(target, tmp_path):
    title = "A very long headline " * 150  # 3,150 characters
    sources = (
        Source("Agency report", "https://example.com/report"),
        Source("Minutes", "https://example.com/m"),
    )
    story = Story("cap", title, None, "--default", None, sources, (Card(0, "k", "Body"),))
    carousel = cardimg.render(story, preset="x" if target == "x" else "instagram-portrait")
    carousel.save(tmp_path, target=target)
    caption = (tmp_path / "cap" / "caption.txt").read_text("utf-8").removesuffix("\n")
    assert len(caption) <= TARGETS[target].caption_limit
    assert "https://example.com/report" in caption and "https://example.com/m" in caption
    assert caption.startswith("A very long headline")


def test_a_slide_over_the_targets_file_size_is_an_error_naming_it(small, tmp_path):
    tiny = dataclasses.replace(TARGETS["instagram-api"], max_bytes=20_000)
    out = tmp_path / "out"
    with pytest.raises(TargetError) as caught:
        small.save(out, target=tiny)
    message = str(caught.value)
    assert message.startswith("target instagram-api: slide 01 is "), message
    assert "\n" not in message
    assert not out.exists()  # nothing written, not even the output folder


def test_an_old_carousel_stays_whole_when_a_save_is_refused(small, tmp_path):
    small.save(tmp_path, format="jpeg")
    before = _files(tmp_path)
    tiny = dataclasses.replace(TARGETS["instagram-api"], max_bytes=20_000)
    with pytest.raises(TargetError, match="slide 01"):
        small.save(tmp_path, target=tiny)
    assert _files(tmp_path) == before


def test_a_tiny_file_size_limit_reads_in_kilobytes(small, tmp_path):
    tiny = dataclasses.replace(TARGETS["instagram-api"], max_bytes=20_000)
    with pytest.raises(TargetError) as caught:
        small.save(tmp_path, target=tiny)
    message = str(caught.value)
    assert "over the 20 kB the platform accepts" in message, message
    assert "even at JPEG quality 70" in message, message


def test_linkedin_target_writes_one_pdf(small_story, small, tmp_path, capsys):
    code, _, err = run(
        ["render", str(small_story), "-o", str(tmp_path), "--target", "linkedin"], capsys
    )
    assert code == 0, err
    folder = tmp_path / "small"
    assert sorted(p.name for p in folder.iterdir()) == ["caption.txt", "manifest.json", "small.pdf"]
    check_pdf(folder / "small.pdf", small)
    record = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert (record["preset"], record["target"], record["format"]) == ("linkedin", "linkedin", "pdf")


# --------------------------------------------------------------------------- contact sheet


def find(sheet: Image.Image, thumb: Image.Image, x: int, rows: range) -> int | None:
    """The y at which `thumb` sits in `sheet` at column position `x`, if anywhere in `rows`."""
    for y in rows:
        if same_pixels(sheet.crop((x, y, x + thumb.width, y + thumb.height)), thumb):
            return y
    return None


def test_contact_sheet_shows_every_slide_in_order_in_rows(many):
    columns, width = 7, 120
    sheet = many.contact_sheet(thumb_width=width, columns=columns)
    thumbs = [
        slide.image.resize(
            (width, round(slide.height * width / slide.width)), Image.Resampling.LANCZOS
        )
        for slide in many.slides
    ]
    gap = (sheet.width - columns * width) / (columns + 1)
    assert gap == int(gap) and 0 <= gap < width
    gap = int(gap)
    first = find(sheet, thumbs[0], gap, range(sheet.height - thumbs[0].height))
    second_row = find(
        sheet, thumbs[columns], gap, range(first + 1, sheet.height - thumbs[0].height)
    )
    assert first is not None and second_row is not None
    pitch = second_row - first
    rows = -(-len(thumbs) // columns)
    assert rows == 4
    assert (
        first + (rows - 1) * pitch + thumbs[0].height <= sheet.height < first + rows * pitch + pitch
    )
    for n, thumb in enumerate(thumbs):
        x, y = gap + (n % columns) * (width + gap), first + (n // columns) * pitch
        assert same_pixels(sheet.crop((x, y, x + width, y + thumb.height)), thumb), n


def test_cli_contact_sheet_is_written_and_a_save_without_it_removes_it(
    small_story, small, tmp_path, capsys
):
    code, _, err = run(["render", str(small_story), "-o", str(tmp_path), "--contact-sheet"], capsys)
    assert code == 0, err
    sheet = tmp_path / "small" / "contact-sheet.png"
    assert same_pixels(opened(sheet), small.contact_sheet())
    code, _, err = run(["render", str(small_story), "-o", str(tmp_path)], capsys)
    assert code == 0, err
    assert not sheet.exists()
    assert sorted(p.name for p in (tmp_path / "small").iterdir()) == [
        "01.png",
        "02.png",
        "03.png",
        "caption.txt",
        "manifest.json",
    ]


# --------------------------------------------------------------------------- presets command


def test_presets_lists_every_preset_with_its_size(capsys):
    code, out, err = run(["presets"], capsys)
    assert code == 0 and err == ""
    presets, targets = out.split("\n\n")
    rows = {line.split()[0]: line.split()[1] for line in presets.splitlines()}
    for name, preset in PRESETS.items():
        assert rows[name] == f"{preset.width}×{preset.height}", name
    assert [line.split()[0] for line in targets.splitlines()][1:] == list(TARGETS)


def test_presets_lists_a_themes_own_preset(tmp_path, capsys):
    default = (Path(cardimg.__file__).parent / "themes" / "default.toml").read_text("utf-8")
    theme = tmp_path / "theme.toml"
    theme.write_text(
        default + '\n[presets.billboard]\nwidth = 1600\nheight = 900\ndescription = "Lobby"\n',
        "utf-8",
    )
    code, out, err = run(["presets", "--theme", str(theme)], capsys)
    assert code == 0, err
    assert any(line.split()[:2] == ["billboard", "1600×900"] for line in out.splitlines())
    code, out, _ = run(["presets"], capsys)
    assert "billboard" not in out


def test_a_split_carousels_contact_sheet_names_each_slide_by_its_part(many, tmp_path):
    many.save(tmp_path, target="instagram-api", contact_sheet=True)
    sheet = opened(tmp_path / "many" / "contact-sheet.png")
    labelled = many.contact_sheet(target="instagram-api")  # 01-of-03/01.jpg … 03-of-03/07.jpg
    assert same_pixels(sheet, labelled)
    assert not same_pixels(sheet, many.contact_sheet(format="jpeg"))  # 01.jpg … 23.jpg
