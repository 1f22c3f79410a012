"""Behaviour of saving a carousel: files, manifest, caption, safe folders, atomic writes."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

import cardimg.export
from cardimg import CardimgError, Carousel, load_story, render
from cardimg.export import CAPTION_LIMIT

SLUG = "20200314-iraq-latest"
SLIDE_FILES = [f"{n:02d}.png" for n in range(1, 7)]


@pytest.fixture(scope="module")
def seed(seed_path: Path) -> Carousel:
    return render(load_story(seed_path))


@pytest.fixture(scope="module")
def saved(seed: Carousel, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("out")
    return out, seed.save(out)


def leftovers(folder: Path) -> list[str]:
    """Temporary or hidden files left behind by a save."""
    return [p.name for p in folder.iterdir() if p.name.startswith(".") or ".tmp" in p.name]


# --------------------------------------------------------------------------- files


def test_save_writes_slides_manifest_and_caption(saved) -> None:
    out, paths = saved
    folder = out / SLUG
    assert paths == [folder / name for name in [*SLIDE_FILES, "manifest.json", "caption.txt"]]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*SLIDE_FILES, "manifest.json", "caption.txt"]
    )
    assert [p.name for p in out.iterdir()] == [SLUG]
    for name in SLIDE_FILES:
        with Image.open(folder / name) as image:
            assert image.format == "PNG"
            assert image.size == (1080, 1350)
    assert leftovers(folder) == []


def test_saved_pngs_hold_the_slide_pixels(saved, seed: Carousel) -> None:
    out, _ = saved
    for slide, name in zip(seed.slides, SLIDE_FILES, strict=True):
        with Image.open(out / SLUG / name) as image:
            assert image.convert("RGB").tobytes() == slide.image.tobytes()


def test_manifest_describes_story_and_slides(saved, seed: Carousel, seed_path: Path) -> None:
    out, _ = saved
    manifest = json.loads((out / SLUG / "manifest.json").read_text("utf-8"))
    story = manifest["story"]
    assert story["slug"] == SLUG
    assert story["title"] == "Iraq Latest"
    assert story["source"] == seed_path.name  # never the local absolute path
    assert story["draft"] is False
    assert manifest["size"] == {"width": 1080, "height": 1350}
    slides = manifest["slides"]
    assert [s["file"] for s in slides] == SLIDE_FILES
    assert [s["kind"] for s in slides] == ["card"] * 5 + ["sources"]
    assert [s["card_key"] for s in slides] == [c.key for c in seed.story.cards] + [None]
    assert all((s["width"], s["height"]) == (1080, 1350) for s in slides)
    assert all(isinstance(s["alt"], str) and s["alt"].strip() for s in slides)


def test_manifest_alt_text_is_the_slide_text(saved, seed: Carousel) -> None:
    out, _ = saved
    slides = json.loads((out / SLUG / "manifest.json").read_text("utf-8"))["slides"]
    assert "Backstory" in slides[1]["alt"]
    assert "Two Marines" in slides[1]["alt"]
    assert "“The United States will not tolerate attacks" in slides[2]["alt"]
    assert "VIEW SOURCES" in slides[4]["alt"]
    for source in seed.story.sources:  # links read whole, not broken where they wrapped
        assert source.url in slides[5]["alt"]
    for entry, slide in zip(slides, seed.slides, strict=True):
        assert entry["alt"] == slide.alt


def test_caption_has_title_and_every_source_url(saved, seed: Carousel) -> None:
    out, _ = saved
    caption = (out / SLUG / "caption.txt").read_text("utf-8")
    assert caption.startswith("Iraq Latest")
    assert len(caption.rstrip("\n")) <= CAPTION_LIMIT == 2200
    assert len(seed.story.sources) == 3
    for source in seed.story.sources:
        assert source.url in caption
        assert source.title in caption


def _many_sources(count: int, url_length: int = 120) -> tuple[str, list[str]]:
    urls = [f"https://example.com/{i}/" + "x" * url_length for i in range(count)]
    text = "".join(
        f"**Source number {i} with a rather long descriptive title**  \n[{url}]({url})\n\n"
        for i, url in enumerate(urls)
    )
    return text, urls


@pytest.mark.parametrize(("count", "title"), [(200, "Many sources"), (3, "T" * 3000), (200, "")])
def test_caption_stays_within_the_limit(count, title, write_story, tmp_path: Path) -> None:
    sources, urls = _many_sources(count)
    meta = {"title": title} if title else {}
    cards = [{"_key": "k", "body": "Hi"}]
    path = write_story("many.md", cards, sources=sources, slug="many", **meta)
    carousel = render(load_story(path), sources=False)
    assert len(carousel.story.sources) == count
    caption_path = carousel.save(tmp_path / "out")[-1]
    caption = caption_path.read_text("utf-8")
    assert len(caption.rstrip("\n")) <= 2200
    assert caption.startswith((title or "many")[:100])
    # every link shown is whole, in order; the ones left out are counted
    shown = re.findall(r"https?://\S+", caption)
    assert all(url in urls for url in shown), "a link was cut"
    assert shown == urls[: len(shown)]
    if count == 200:
        assert 0 < len(shown) < count
        assert f"{count - len(shown)} more" in caption


def test_save_as_jpeg(seed: Carousel, tmp_path: Path) -> None:
    paths = seed.save(tmp_path, format="jpeg")
    folder = tmp_path / SLUG
    jpgs = [f"{n:02d}.jpg" for n in range(1, 7)]
    assert paths == [folder / name for name in [*jpgs, "manifest.json", "caption.txt"]]
    for name in jpgs:
        with Image.open(folder / name) as image:
            assert image.format == "JPEG"
            assert image.size == (1080, 1350)
            assert image.mode == "RGB"
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert [s["file"] for s in manifest["slides"]] == jpgs
    assert not list(folder.glob("*.png"))


def test_unknown_format_is_an_error_and_writes_nothing(seed: Carousel, tmp_path: Path) -> None:
    with pytest.raises(CardimgError, match="gif"):
        seed.save(tmp_path / "out", format="gif")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))


# --------------------------------------------------------------------------- unsafe slugs


@pytest.mark.parametrize(
    "slug",
    ["../../escape", "/etc/x", "..", ".", "a/../../b", "..\\..\\win", "~/x", "C:/x", "", "./..//"],
)
def test_slug_never_writes_outside_the_output_folder(slug, write_story, tree, tmp_path) -> None:
    path = write_story("in/evil.md", [{"_key": "k", "body": "Hello"}], slug=slug)
    out = tmp_path / "deep" / "out"
    before = tree(tmp_path)
    paths = render(load_story(path), sources=False).save(out)
    created = tree(tmp_path) - before
    assert created, "nothing written"
    assert all(p.is_relative_to(out.resolve()) for p in created), sorted(map(str, created))
    assert {p.resolve() for p in paths} == created
    folders = {p.resolve().parent for p in paths}
    assert len(folders) == 1
    folder = folders.pop()
    assert folder.parent == out.resolve()
    assert folder.name not in ("", ".", "..")


# --------------------------------------------------------------------------- atomic writes


def test_resave_with_fewer_slides_removes_stale_slides_only(seed: Carousel, tmp_path: Path) -> None:
    seed.save(tmp_path)
    folder = tmp_path / SLUG
    keep = {"notes.txt": b"mine", "cover.png": b"not a slide", "01-draft.png": b"draft"}
    for name, data in keep.items():
        (folder / name).write_bytes(data)
    paths = render(seed.story, sources=False).save(tmp_path)
    assert [p.name for p in paths[:-2]] == SLIDE_FILES[:5]
    assert not (folder / "06.png").exists()
    for name, data in keep.items():
        assert (folder / name).read_bytes() == data
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert [s["file"] for s in manifest["slides"]] == SLIDE_FILES[:5]
    assert leftovers(folder) == []


def test_encoder_failure_leaves_previous_images_whole(
    seed: Carousel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed.save(tmp_path)
    folder = tmp_path / SLUG
    old = (folder / "03.png").read_bytes()
    changed = render(replace(seed.story, palette="--black"))
    real_encode = cardimg.export.encode
    calls = 0

    def failing_encode(image, image_format, quality=None):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("encoder crashed")
        return real_encode(image, image_format, quality)

    monkeypatch.setattr(cardimg.export, "encode", failing_encode)
    with pytest.raises(RuntimeError, match="encoder crashed"):
        changed.save(tmp_path)
    assert (folder / "03.png").read_bytes() == old
    with Image.open(folder / "03.png") as image:
        image.load()
    assert leftovers(folder) == []


def test_crash_while_writing_leaves_the_old_file_and_no_temp(
    seed: Carousel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed.save(tmp_path)
    folder = tmp_path / SLUG
    old = {name: (folder / name).read_bytes() for name in SLIDE_FILES}
    changed = render(replace(seed.story, palette="--black"))
    real_fdopen = os.fdopen
    calls = 0

    class HalfWriter:
        """A file that writes half of what it is given, then finds the disk full."""

        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()
            return False

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            raise OSError(28, "No space left on device")

    def fdopen(fd, *args, **kwargs):
        nonlocal calls
        handle = real_fdopen(fd, *args, **kwargs)
        calls += 1
        return HalfWriter(handle) if calls == 3 else handle

    monkeypatch.setattr(cardimg.export.os, "fdopen", fdopen)
    with pytest.raises(OSError, match="No space"):
        changed.save(tmp_path)
    monkeypatch.undo()
    assert (folder / "03.png").read_bytes() == old["03.png"]
    for name in SLIDE_FILES[3:]:
        assert (folder / name).read_bytes() == old[name]
    assert leftovers(folder) == []
