"""Output formats: every encoder gives the same bytes for the same slide in any process, PNG and
lossless WebP give back the exact pixels, JPEG carries sRGB at 4:4:4, and a PDF has one page per
slide at the slide's size with its words searchable."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, JpegImagePlugin

import cardimg
from cardimg.formats import FORMAT_NAMES, Page, encoder, encoders

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SEED = SAMPLES / "20200314-iraq-latest.md"
# Every format of the registry: a new one gets the determinism and re-save tests unasked.
FORMATS = tuple(codec.name for codec in encoders())
PER_SLIDE = tuple(codec.name for codec in encoders() if codec.per_slide)


@pytest.fixture(scope="module")
def seed() -> cardimg.Carousel:
    return cardimg.render(str(SEED))


def photo_like(width: int = 320, height: int = 240) -> Image.Image:
    """A deterministic image with thousands of colours, like a photo behind a slide."""
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    blue = Image.linear_gradient("L").rotate(90).resize((width, height))
    return Image.merge("RGB", (red, green, blue))


def colour_cube() -> Image.Image:
    """Eight colours no channel (nor channel plus the sum of the other two) tells apart."""
    image = Image.new("RGB", (40, 20))
    for number in range(8):
        colour = tuple((number >> bit) & 1 for bit in range(3))
        image.paste(colour, (number * 5, 0, number * 5 + 5, 20))
    return image


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def encode(name: str, slides, **options) -> bytes:
    return encoder(name).encode([Page(s.image, s.lines) for s in slides], **options)


# --------------------------------------------------------------------------- the registry


def test_names_are_case_insensitive_and_jpg_is_jpeg():
    assert encoder("PNG").name == "png"
    assert encoder("Jpg") is encoder("JPEG")
    found = {name: encoder(name) for name in FORMATS}
    described = {n: (e.extension, e.media_type, e.per_slide) for n, e in found.items()}
    assert described == {
        "png": ("png", "image/png", True),
        "jpeg": ("jpg", "image/jpeg", True),
        "webp": ("webp", "image/webp", True),
        "avif": ("avif", "image/avif", True),
        "pdf": ("pdf", "application/pdf", False),
        "mp4": ("mp4", "video/mp4", False),
    }


def test_unknown_format_names_the_known_ones():
    assert {"avif", "jpeg", "jpg", "pdf", "png", "webp"} <= set(FORMAT_NAMES)
    with pytest.raises(ValueError, match="'gif'.*" + ", ".join(FORMAT_NAMES)) as caught:
        encoder("gif")
    assert isinstance(caught.value, cardimg.CardimgError)


def test_a_per_slide_format_takes_one_slide(seed):
    with pytest.raises(ValueError, match="one slide per file"):
        encode("png", seed.slides[:2])


@pytest.mark.parametrize("quality", [0, 101, 9.5])
def test_quality_out_of_range_is_refused(seed, quality):
    with pytest.raises(ValueError, match="quality"):
        encode("jpeg", seed.slides[:1], quality=quality)


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("name", FORMATS)
def test_same_slide_twice_gives_the_same_bytes(seed, name):
    assert encode(name, seed.slides[1:2]) == encode(name, seed.slides[1:2])


HASH_SCRIPT = """
import hashlib, json, sys
import cardimg
from cardimg.formats import FORMAT_NAMES, Page, encoder, encoders
carousel = cardimg.render(sys.argv[1])
pages = [Page(s.image, s.lines) for s in carousel.slides]
def data(codec):
    if codec.per_slide:
        return codec.encode(pages[1:2])
    return codec.encode(pages, title=carousel.story.title, date=carousel.story.date)
print(json.dumps({c.name: hashlib.sha256(data(c)).hexdigest() for c in encoders()}))
"""


def _hashes_in_new_process(env: dict[str, str] | None = None) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", HASH_SCRIPT, str(SEED)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    return json.loads(result.stdout)


def test_separate_processes_a_second_apart_give_the_same_bytes(seed):
    first = _hashes_in_new_process()
    time.sleep(1.1)  # anything that read the clock (an ICC or PDF date) would now differ
    # glibc fills the memory it hands out with this pattern: an encoder reading memory it
    # never wrote would give other bytes (x264 did, only late in a long run without it).
    second = _hashes_in_new_process({"MALLOC_PERTURB_": "1"})
    assert first == second
    here = {name: hashlib.sha256(encode(name, seed.slides[1:2])).hexdigest() for name in PER_SLIDE}
    for name in set(FORMATS) - set(PER_SLIDE):
        story = encode(name, seed.slides, title=seed.story.title, date=seed.story.date)
        here[name] = hashlib.sha256(story).hexdigest()
    assert here == first


# --------------------------------------------------------------------------- PNG


def test_flat_slide_is_an_exact_palette_png(seed):
    cover, *flat = seed.slides  # the cover has the sample's photo behind it
    for slide in flat:
        image = decoded(encode("png", [slide]))
        assert image.mode == "P"
        assert image.convert("RGB").tobytes() == slide.image.tobytes()
    image = decoded(encode("png", [cover]))
    assert image.mode == "RGB" and image.tobytes() == cover.image.tobytes()


@pytest.mark.parametrize("make", [photo_like, colour_cube])
def test_png_gives_back_the_exact_pixels(make):
    original = make()
    image = decoded(encoder("png").encode([original]))
    assert image.convert("RGB").tobytes() == original.tobytes()


def test_photo_is_never_quantised():
    original = photo_like()
    assert original.getcolors(256) is None
    image = decoded(encoder("png").encode([original]))
    assert image.mode == "RGB"
    assert image.tobytes() == original.tobytes()


def test_photo_png_is_one_deflate_stream_with_good_checksums():
    """The RGB PNG is rebuilt from Pillow's stored rows: its chunks are exactly these, in
    order, each CRC right (verify() checks them), and its zlib stream is compressed."""
    original = photo_like(640, 480)
    data = encoder("png").encode([original])
    kinds, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        kinds.append(kind)
        offset += 12 + length
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and kinds == [b"IHDR", b"IDAT", b"IEND"]
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    assert len(data) < 640 * 480 * 3 // 2  # stored rows would be larger than the pixels


@settings(max_examples=60, deadline=None)
@given(
    colours=st.lists(st.tuples(*[st.integers(0, 255)] * 3), min_size=1, max_size=256, unique=True),
    picks=st.lists(st.integers(0, 255), min_size=1, max_size=400),
)
def test_any_image_of_at_most_256_colours_round_trips(colours, picks):
    pixels = [colours[pick % len(colours)] for pick in picks]
    original = Image.new("RGB", (len(pixels), 1))
    original.putdata(pixels)
    image = decoded(encoder("png").encode([original]))
    assert image.mode == "P"
    assert image.convert("RGB").tobytes() == original.tobytes()


@settings(max_examples=60, deadline=None)
@given(
    colours=st.lists(
        st.tuples(*[st.sampled_from([0, 1, 2, 255])] * 3), min_size=1, max_size=64, unique=True
    ),
    picks=st.lists(st.integers(0, 255), min_size=1, max_size=200),
)
def test_colours_that_share_every_channel_value_round_trip(colours, picks):
    """Few channel values shared by many colours: the fast per-channel lookup cannot always
    tell such colours apart, and the exact fallback must then take over."""
    pixels = [colours[pick % len(colours)] for pick in picks]
    original = Image.new("RGB", (len(pixels), 1))
    original.putdata(pixels)
    image = decoded(encoder("png").encode([original]))
    assert image.mode == "P"
    assert image.convert("RGB").tobytes() == original.tobytes()


def test_three_colours_no_per_channel_sum_separates_stay_exact():
    original = Image.new("RGB", (30, 10))
    for number, colour in enumerate([(0, 0, 9), (9, 0, 0), (9, 0, 9)]):
        original.paste(colour, (number * 10, 0, number * 10 + 10, 10))
    image = decoded(encoder("png").encode([original]))
    assert image.mode == "P"
    assert image.convert("RGB").tobytes() == original.tobytes()


def test_every_flat_sample_slide_is_an_exact_palette_png():
    for path in sorted(SAMPLES.glob("*.md"))[:8]:
        for slide in cardimg.render(str(path)).slides:
            if slide.image.getcolors(256) is None:
                continue
            image = decoded(slide.encode("png"))
            assert image.mode == "P", (path.name, slide.index)
            assert image.convert("RGB").tobytes() == slide.image.tobytes(), (path.name, slide.index)


def test_only_the_pixels_decide_the_bytes(seed):
    original = seed.slides[0].image
    tagged = original.copy()
    tagged.info = {"icc_profile": b"not a profile", "transparency": (1, 2, 3)}
    for name in PER_SLIDE:
        assert encoder(name).encode([tagged]) == encoder(name).encode([original])


# --------------------------------------------------------------------------- JPEG


def test_jpeg_has_srgb_profile_full_chroma_and_quality_92(seed):
    data = encode("jpeg", seed.slides[1:2])
    image = decoded(data)
    profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
    assert "sRGB" in ImageCms.getProfileDescription(profile)
    assert JpegImagePlugin.get_sampling(image) == 0  # 4:4:4
    reference = io.BytesIO()
    seed.slides[1].image.save(reference, "JPEG", quality=92, subsampling=0)
    assert image.quantization == decoded(reference.getvalue()).quantization


def test_jpeg_quality_option_is_used(seed):
    low = decoded(encode("jpeg", seed.slides[1:2], quality=50))
    reference = io.BytesIO()
    seed.slides[1].image.save(reference, "JPEG", quality=50, subsampling=0)
    assert low.quantization == decoded(reference.getvalue()).quantization


# --------------------------------------------------------------------------- WebP


def test_flat_slide_webp_is_lossless_and_smaller_than_png(seed):
    for slide in seed.slides[1:]:  # (the cover has the sample's photo behind it)
        data = encode("webp", [slide])
        assert data[12:16] == b"VP8L"  # the lossless bitstream
        assert decoded(data).convert("RGB").tobytes() == slide.image.tobytes()
        assert len(data) < len(encode("png", [slide]))


def test_photo_webp_is_lossy_and_quality_sets_its_size(seed):
    assert encoder("webp").encode([photo_like()])[12:16] == b"VP8 "
    slide = seed.slides[1:2]
    small = encode("webp", slide, quality=40)
    large = encode("webp", slide, quality=95)
    assert small[12:16] == large[12:16] == b"VP8 "
    assert len(small) < len(large)


# --------------------------------------------------------------------------- AVIF


def test_avif_is_close_to_the_slide_at_full_chroma(seed):
    slide = seed.slides[1]
    image = decoded(encode("avif", [slide])).convert("RGB")
    assert image.size == slide.image.size
    assert psnr(image, slide.image) >= 35


def psnr(a: Image.Image, b: Image.Image) -> float:
    """Peak signal-to-noise ratio of two RGB images, in dB (inf when identical)."""
    import math

    from PIL import ImageChops, ImageStat

    squares = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).sum2
    mse = sum(squares) / (a.width * a.height * 3)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


# --------------------------------------------------------------------------- saving again


@pytest.fixture(scope="module")
def small() -> cardimg.Carousel:
    """Two slides, so that saving every format twice stays quick."""
    story = cardimg.Story(
        "resave", "Resave", "Series", "--default", None, (),
        (cardimg.Card(1, "a", "A first short card."),),
    )  # fmt: skip
    return cardimg.render(story, sources=False)


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_saves_twice_and_beside_every_other(small, name, tmp_path):
    """A second save of a format replaces its own files (a format the save did not know
    to replace broke it: `01.avif` already in the staging folder), and keeps the others'."""
    codec = encoder(name)
    first = small.save(tmp_path, format=name)
    second = small.save(tmp_path, format=name)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    other = "pdf" if codec.per_slide else "png"
    small.save(tmp_path, format=other)
    small.save(tmp_path, format=name)
    manifest = json.loads((tmp_path / "resave" / "manifest.json").read_text("utf-8"))
    assert set(manifest["formats"]) == {name, other}
    for files in manifest["formats"].values():
        assert all((tmp_path / "resave" / file).is_file() for file in files)


@pytest.mark.parametrize("codec", encoders(), ids=lambda codec: codec.name)
def test_a_format_replaces_only_its_own_files(codec):
    own = ["01." + codec.extension, "012." + codec.extension] if codec.per_slide else []
    own += [f"story.{codec.extension}"] if not codec.per_slide else []
    for other in encoders():
        if other is not codec and other.extension != codec.extension:
            assert not codec.replaces("01." + other.extension)
    assert all(codec.replaces(name) for name in own)
    assert not codec.replaces("notes.txt") and not codec.replaces("manifest.json")


# --------------------------------------------------------------------------- PDF


def test_pdf_has_a_page_per_slide_at_the_slide_size(seed):
    data = encode("pdf", seed.slides)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == len(seed.slides)
        for page, slide in zip(pdf.pages, seed.slides, strict=True):
            assert [float(v) for v in page.mediabox] == [0, 0, slide.width, slide.height]


def _page_images(page: pikepdf.Page) -> list[pikepdf.Object]:
    # (read from the page's resources: the same in every pikepdf cardimg supports, where
    # Page.images / Page.get_images came and went)
    xobjects = page.obj.Resources.XObject
    return [image for _, image in xobjects.items() if image.Subtype == "/Image"]


def test_pdf_page_images_are_exact_for_flat_slides(seed):
    with pikepdf.open(io.BytesIO(encode("pdf", seed.slides))) as pdf:
        # (the cover, with the sample's photo behind it, is not flat)
        for page, slide in zip(pdf.pages[1:], seed.slides[1:], strict=True):
            (image,) = _page_images(page)
            pixels = pikepdf.PdfImage(image).as_pil_image().convert("RGB")
            assert pixels.tobytes() == slide.image.tobytes()


def test_pdf_photo_page_becomes_jpeg_and_flat_page_stays_exact(seed):
    photo = Image.effect_noise((1080, 1350), 60).convert("RGB")  # over the per-page budget
    data = encoder("pdf").encode([Page(photo), Page(seed.slides[1].image)])
    with pikepdf.open(io.BytesIO(data)) as pdf:
        filters = [str(_page_images(p)[0].Filter) for p in pdf.pages]
    assert filters == ["/DCTDecode", "/FlateDecode"]


def test_pdf_text_is_searchable(seed):
    reader = pypdf.PdfReader(io.BytesIO(encode("pdf", seed.slides)))
    for page, slide in zip(reader.pages, seed.slides, strict=True):
        text = page.extract_text()
        for line in slide.lines:
            assert line.text in text


def test_pdf_text_of_right_to_left_scripts_reads_in_order():
    carousel = cardimg.render(str(SAMPLES / "20240114-hebrew.md"))
    reader = pypdf.PdfReader(io.BytesIO(encode("pdf", carousel.slides[:1])))
    text = reader.pages[0].extract_text()
    for line in carousel.slides[0].lines:
        assert line.text in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("sample", ["20240113-arabic.md", "20240117-chinese.md"])
def test_pdf_text_of_other_scripts_extracts_with_poppler(sample, tmp_path):
    carousel = cardimg.render(str(SAMPLES / sample))
    path = tmp_path / "story.pdf"
    path.write_bytes(encode("pdf", carousel.slides[:1]))
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = "".join(c for c in text if c not in "\u202a\u202b\u202c")  # poppler's bidi marks
    # Words, not whole lines: poppler moves the space beside a number inside Arabic text.
    for line in carousel.slides[0].lines:
        for word in line.text.split():
            assert word in text


def test_pdf_title_and_date_only_when_given(seed):
    with pikepdf.open(io.BytesIO(encode("pdf", seed.slides))) as pdf:
        assert "/CreationDate" not in pdf.docinfo
        assert "/Title" not in pdf.docinfo
    data = encode("pdf", seed.slides, title="Iraq Latest", date="2020-03-14T01:43:00.000Z")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert str(pdf.docinfo.Title) == "Iraq Latest"
        assert str(pdf.docinfo.CreationDate) == "D:20200314014300+00'00'"
    with pikepdf.open(io.BytesIO(encode("pdf", seed.slides, date="last Tuesday"))) as pdf:
        assert "/CreationDate" not in pdf.docinfo  # never a guessed date
    with pikepdf.open(io.BytesIO(encode("pdf", seed.slides[:1], date="2024-01-13"))) as pdf:
        assert str(pdf.docinfo.CreationDate) == "D:20240113"


def test_pdf_title_in_any_script(seed):
    data = encode("pdf", seed.slides[:1], title="موجز الأخبار — 今日快读 📱")
    assert pypdf.PdfReader(io.BytesIO(data)).metadata.title == "موجز الأخبار — 今日快读 📱"


def test_pdf_needs_a_page():
    with pytest.raises(ValueError, match="at least one page"):
        encoder("pdf").encode([])
