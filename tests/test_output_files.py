"""What a save leaves on disk: one folder per story, file modes, formats side by side,
whole folders after an interrupted save, the manifest's source, the caption, sizes."""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cardimg.export
from cardimg import Carousel, RenderOptions, Source, load_story, render
from cardimg.export import CAPTION_LIMIT, caption_text
from cardimg.story import safe_slug

SLUG = "20200314-iraq-latest"
PNGS = [f"{n:02d}.png" for n in range(1, 7)]
JPGS = [f"{n:02d}.jpg" for n in range(1, 7)]
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=300)


@pytest.fixture(scope="module")
def seed(seed_path: Path) -> Carousel:
    return render(load_story(seed_path))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def hidden(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- one folder a story


def test_stories_in_other_scripts_get_their_own_folders(write_story, tmp_path: Path) -> None:
    out = tmp_path / "out"
    slugs = ["東京ニュース", "大阪ニュース", "Новости", "أخبار", "ข่าว", "समाचार", "뉴스"]
    for slug in slugs:  # one run each, into the same output folder
        story = write_story(f"in/{len(slug)}-{ord(slug[0])}.md", [{"body": slug}], slug=slug)
        render(load_story(story), sources=False).save(out)
    folders = sorted(p.name for p in out.iterdir())
    assert len(folders) == len(slugs), folders
    for slug in slugs:
        manifest = json.loads((out / safe_slug(slug) / "manifest.json").read_text("utf-8"))
        assert manifest["story"]["slug"] == slug
    assert "東京ニュース" in folders and "Новости".lower() in folders  # readable, not a number


def test_a_folder_name_is_stable_and_folds_only_case_and_accents() -> None:
    assert safe_slug(SLUG) == SLUG
    assert safe_slug("Café") == safe_slug("cafe") == "cafe"
    assert safe_slug("ＡＢＣ") == "abc"  # full-width forms are the same letters
    assert safe_slug("東京") == safe_slug(unicodedata.normalize("NFD", "東京"))
    assert safe_slug("हिन्दी") == "हिन्दी"  # vowel signs are part of the letters: kept
    assert safe_slug("Iraq Latest!") != safe_slug("iraq-latest")
    assert safe_slug("../../x").startswith("x-")
    assert safe_slug("../../x") == safe_slug("../../x")


RESERVED = {"con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in range(10)}


def assert_safe_name(name: str) -> None:
    assert name and name not in (".", "..")
    assert not name.startswith(".") and not name.endswith((".", " "))
    assert len(name.encode("utf-8")) <= 255 - len("..cardimg-new")
    assert not set(name) & set('/\\:*?"<>|\0') and name.isprintable()
    assert name.split(".")[0] not in RESERVED
    assert unicodedata.normalize("NFC", name) == name
    assert name == name.lower()


@PROPERTY
@given(st.text(max_size=300))
def test_any_slug_gives_one_safe_name(slug: str) -> None:
    name = safe_slug(slug)
    assert_safe_name(name)
    out = Path("/srv/out")
    assert (out / name).parent == out and len(Path(name).parts) == 1


def variant_key(slug: str) -> str:
    """Two slugs that differ only in case, accents or compatibility forms may share a folder."""
    # lower(), not casefold(): casefold turns some marks into letters (U+0345 into ι),
    # and a mark with no letter before it belongs to no letter: both slugs are marks only.
    text = unicodedata.normalize("NFKD", slug.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return unicodedata.normalize("NFKD", text.lower())


slug_text = st.text(
    st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs")), max_size=40
)


@PROPERTY
@given(slug_text, slug_text)
def test_distinct_slugs_get_distinct_folders(first: str, second: str) -> None:
    if safe_slug(first) == safe_slug(second):
        assert variant_key(first) == variant_key(second), (first, second)


@PROPERTY
@given(slug_text, st.integers(0, 40), st.sampled_from(list(" -_./!?:A\u0301äあ😀\t")))
def test_slugs_one_character_apart_get_distinct_folders(slug: str, at: int, char: str) -> None:
    """Near neighbours (a space for a dash, an added dot, an accent) are where a lossy
    folder name would collide."""
    for other in (slug[:at] + char + slug[at:], slug[:at] + char + slug[at + 1 :]):
        if safe_slug(slug) == safe_slug(other):
            assert variant_key(slug) == variant_key(other), (slug, other)


@pytest.mark.parametrize(
    "slug", ["あ" * 200, "a" * 300, "😀" * 100, "ä" * 200, "x" + "\u0301" * 300]
)
def test_long_slugs_fit_a_file_name_and_stay_distinct(slug: str) -> None:
    name = safe_slug(slug)
    assert_safe_name(name)
    assert safe_slug(slug + "b") != name


# --------------------------------------------------------------------------- file modes


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_files_get_the_mode_new_files_get(umask: int, seed: Carousel, tmp_path: Path) -> None:
    previous = os.umask(umask)
    try:
        paths = seed.save(tmp_path / "out")
    finally:
        os.umask(previous)
    for path in [*paths, paths[0].parent]:
        mode = stat.S_IMODE(path.stat().st_mode)
        expected = (0o777 if path.is_dir() else 0o666) & ~umask
        assert mode == expected, f"{path.name}: {oct(mode)} != {oct(expected)}"


# --------------------------------------------------------------------------- formats side by side


def test_a_second_format_keeps_the_first(seed: Carousel, tmp_path: Path) -> None:
    seed.save(tmp_path)
    folder = tmp_path / SLUG
    pngs = snapshot(folder)
    seed.save(tmp_path, format="jpeg")
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([*PNGS, *JPGS, "caption.txt", "manifest.json"])
    assert all((folder / name).read_bytes() == pngs[name] for name in PNGS)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == "jpeg"
    assert [s["file"] for s in manifest["slides"]] == JPGS
    assert manifest["formats"] == {"jpeg": JPGS, "png": PNGS}
    seed.save(tmp_path, format="PNG")  # any case, and back: both still listed
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == "png" and manifest["formats"] == {"jpeg": JPGS, "png": PNGS}
    assert hidden(tmp_path) == [] and hidden(folder) == []


def test_a_changed_story_lists_only_its_own_format(seed: Carousel, tmp_path: Path) -> None:
    seed.save(tmp_path, format="jpeg")
    shorter = render(seed.story, sources=False)  # 5 slides, not 6
    shorter.save(tmp_path)
    folder = tmp_path / SLUG
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["formats"] == {"png": PNGS[:5]}  # the JPEGs show another render
    assert all((folder / name).is_file() for name in JPGS)  # ...but are not this save's
    shorter.save(tmp_path, format="jpeg")  # the same format: its stale slide goes
    assert sorted(p.name for p in folder.glob("*.jpg")) == JPGS[:5]
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["formats"] == {"jpeg": JPGS[:5], "png": PNGS[:5]}


def test_files_a_person_added_stay(seed: Carousel, tmp_path: Path) -> None:
    seed.save(tmp_path)
    folder = tmp_path / SLUG
    (folder / "notes.txt").write_text("mine")
    (folder / "extra").mkdir()
    (folder / "extra" / "a.txt").write_text("deep")
    render(seed.story, sources=False).save(tmp_path)
    assert (folder / "notes.txt").read_text() == "mine"
    assert (folder / "extra" / "a.txt").read_text() == "deep"
    assert not (folder / "06.png").exists()


# --------------------------------------------------------------------------- links


def test_a_story_folder_that_links_elsewhere_is_refused(seed: Carousel, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep")
    out = tmp_path / "out"
    out.mkdir()
    (out / SLUG).symlink_to(elsewhere)
    with pytest.raises(cardimg.CardimgError, match="symbolic link"):
        seed.save(out)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]
    assert hidden(out) == []


def test_a_slide_that_links_elsewhere_is_replaced_not_written_through(
    seed: Carousel, tmp_path: Path
) -> None:
    seed.save(tmp_path / "out")
    target = tmp_path / "precious.png"
    target.write_bytes(b"precious")
    slide = tmp_path / "out" / SLUG / "02.png"
    slide.unlink()
    slide.symlink_to(target)
    seed.save(tmp_path / "out")
    assert target.read_bytes() == b"precious"
    assert not slide.is_symlink() and slide.read_bytes().startswith(b"\x89PNG")


# --------------------------------------------------------------------------- whole folders


def test_interrupted_save_leaves_the_old_folder_whole(
    seed: Carousel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed.save(tmp_path)
    folder = tmp_path / SLUG
    old = snapshot(folder)
    changed = render(replace(seed.story, palette="--black"), sources=False)
    real_encode = cardimg.export.encode
    calls = 0

    def interrupted(image, image_format, quality=None):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        return real_encode(image, image_format, quality)

    monkeypatch.setattr(cardimg.export, "encode", interrupted)
    with pytest.raises(KeyboardInterrupt):
        changed.save(tmp_path)
    assert snapshot(folder) == old
    assert hidden(tmp_path) == []


def test_interrupted_first_save_leaves_no_folder(
    seed: Carousel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(image, image_format, quality=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(cardimg.export, "encode", interrupted)
    with pytest.raises(KeyboardInterrupt):
        seed.save(tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("stopped", ["writing", "between-renames", "removing-old"])
def test_a_save_killed_at_any_step_is_completed_by_the_next(
    stopped: str, seed: Carousel, tmp_path: Path
) -> None:
    """A process killed outright runs no clean-up: the next save finds the pieces."""
    out = tmp_path / "out"
    seed.save(out)
    old = snapshot(out / SLUG)
    # the states a kill can leave, built by hand from a complete save
    seed.save(tmp_path / "other", format="jpeg")
    new = tmp_path / "other" / SLUG
    staging, aside = out / f".{SLUG}.cardimg-new", out / f".{SLUG}.cardimg-old"
    if stopped == "writing":
        new.rename(staging)
        (staging / "manifest.json").unlink()
    elif stopped == "between-renames":
        (out / SLUG).rename(aside)
        new.rename(staging)
    else:
        (out / SLUG).rename(aside)
        new.rename(out / SLUG)
        (aside / "01.png").unlink()
    # before the new folder is in place the old one comes back; after, the new one stays
    expected = snapshot(out / SLUG) if stopped == "removing-old" else old
    assert cardimg.export.recover_output(out) == [out / SLUG]
    assert snapshot(out / SLUG) == expected
    assert hidden(out) == []
    seed.save(out)  # and a save after a kill works as usual
    assert hidden(out) == []


# --------------------------------------------------------------------------- manifest source


def test_manifest_source_is_relative_to_the_root_given(write_story, tmp_path: Path) -> None:
    path = write_story("content/news/2024/one.md", [{"body": "Hi"}], slug="one")
    carousel = render(load_story(path), sources=False)
    carousel.save(tmp_path / "a")
    carousel.save(tmp_path / "b", source_root=tmp_path / "content")
    carousel.save(tmp_path / "c", source_root=tmp_path / "elsewhere")
    sources = [
        json.loads((tmp_path / d / "one" / "manifest.json").read_text())["story"]["source"]
        for d in "abc"
    ]
    assert sources == ["one.md", "news/2024/one.md", "one.md"]
    assert str(tmp_path) not in "".join(
        (tmp_path / d / "one" / "manifest.json").read_text() for d in "abc"
    )


# --------------------------------------------------------------------------- caption

WORDS = st.lists(st.text("abcdefghij", min_size=1, max_size=15), min_size=1, max_size=8)


@PROPERTY
@given(
    words=WORDS,
    title_length=st.integers(1, 6000),
    source_count=st.integers(0, 120),
    url_length=st.integers(10, 400),
)
def test_caption_keeps_sources_and_cuts_the_title_at_a_word(
    seed: Carousel, words: list[str], title_length: int, source_count: int, url_length: int
) -> None:
    title_words = (words * (title_length // len(" ".join(words)) + 1))[: max(1, title_length // 6)]
    title = " ".join(title_words)
    urls = [f"https://example.com/{i}/" + "u" * url_length for i in range(source_count)]
    sources = tuple(Source(f"Source {i}", url) for i, url in enumerate(urls))
    story = replace(seed.story, title=title, sources=sources)
    caption = caption_text(replace(seed, story=story))
    assert len(caption) <= CAPTION_LIMIT
    head = caption.split("\n\n", 1)[0]
    if head != title:  # cut: whole words, then an ellipsis
        assert head.endswith("…")
        kept = head[:-1].split(" ")
        assert kept == title_words[: len(kept)]
    shown = re.findall(r"https://\S+", caption)
    assert shown == urls[: len(shown)]  # whole links, in order
    more = re.search(r"…and (\d+) more$", caption)
    assert (int(more[1]) if more else 0) == source_count - len(shown)
    first_fits = source_count and len("Source 0 ") + len(urls[0]) < CAPTION_LIMIT - 400
    if first_fits:
        assert shown, "the sources were dropped for the title"


def test_long_title_and_sources_real_story(write_story, tmp_path: Path) -> None:
    urls = [f"https://example.com/{i}/" + "x" * 100 for i in range(5)]
    sources = "".join(f"**Source {i}**  \n[{url}]({url})\n\n" for i, url in enumerate(urls))
    title = "A very long headline " * 150
    path = write_story("long.md", [{"body": "Hi"}], sources=sources, slug="long", title=title)
    caption = render(load_story(path), sources=False).save(tmp_path)[-1].read_text("utf-8")
    assert len(caption.rstrip("\n")) <= 2200
    assert all(url in caption for url in urls)
    head = caption.split("\n\n")[0]
    assert head.endswith("headline…") or head.endswith("long…") or head.endswith("A…")
    assert head.startswith("A very long headline")


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("width", 0),
        ("width", -1080),
        ("height", 0),
        ("width", 100_000),
        ("height", 100_000),
        ("width", 1080.5),
        ("width", "1080"),
        ("height", True),
    ],
)
def test_impossible_sizes_are_a_clear_value_error(seed: Carousel, field: str, value) -> None:
    with pytest.raises(ValueError, match=f"^{field} must be") as error:
        render(seed.story, **{field: value})
    assert "\n" not in str(error.value)
    with pytest.raises(ValueError, match=f"^{field} must be"):
        RenderOptions(**{field: value})


@pytest.mark.parametrize("size", [(200, 250), (200, 200), (1080, 1080)])
def test_sizes_within_bounds_render(seed: Carousel, size: tuple[int, int]) -> None:
    carousel = render(seed.story, width=size[0], height=size[1])
    assert {slide.image.size for slide in carousel.slides} == {size}


def test_a_folder_from_an_older_save_is_tidied_and_its_format_kept(
    seed: Carousel, tmp_path: Path
) -> None:
    """An older cardimg wrote no `formats` and left `.01.png.x.tmp` when interrupted."""
    seed.save(tmp_path)
    folder = tmp_path / SLUG
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    del manifest["formats"]
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    (folder / ".01.png.abc123.tmp").write_bytes(b"half")
    seed.save(tmp_path, format="jpeg")
    assert hidden(folder) == []
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["formats"] == {"jpeg": JPGS, "png": PNGS}


@pytest.mark.parametrize("image_format", ["gif", "", ["png"]])
def test_an_unknown_format_is_an_error_before_anything_is_written(
    seed: Carousel, tmp_path: Path, image_format
) -> None:
    with pytest.raises(cardimg.CardimgError, match="unknown format"):
        seed.save(tmp_path / "out", format=image_format)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "edit",
    [
        {"formats": ["png"]},  # not an object
        {"formats": {"png": 6}},  # files not a list
        {"formats": {"png": [1, 2]}},  # names not text
        {"formats": None, "format": ["png"]},  # an older manifest with a broken format
        {"formats": None, "format": "png", "slides": "01.png"},
    ],
)
def test_a_hand_edited_manifest_is_read_not_trusted(
    seed: Carousel, tmp_path: Path, edit: dict[str, object]
) -> None:
    """manifest.json is a file anyone may edit: a field of the wrong shape is ignored (the
    next save lists only what it can vouch for) instead of failing the save."""
    seed.save(tmp_path)
    folder = tmp_path / SLUG
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    manifest.update(edit)
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    seed.save(tmp_path, format="jpeg")
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == "jpeg" and set(manifest["formats"]) <= {"jpeg", "png"}
    # (the PNGs may be listed again, from the slides of the manifest they came with)
    assert manifest["formats"]["jpeg"] == JPGS and manifest["formats"].get("png", PNGS) == PNGS
    assert all((folder / name).is_file() for name in [*PNGS, *JPGS])


# Two processes saving the same story into one folder, over and over, while a third tidies
# the folder as a starting `cardimg render` does: no save may fail and the folder ends whole.
_SAVER = """
import sys
from pathlib import Path
import cardimg
from cardimg.export import encode_carousel, recover_output, write_carousel
out = Path(sys.argv[2])
encoded = encode_carousel(cardimg.render(cardimg.load_story(sys.argv[1])))
for _ in range(int(sys.argv[3])):
    recover_output(out) if sys.argv[4] == "tidy" else write_carousel(encoded, out)
print("done")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="no flock on Windows (docs/batch.md)")
def test_concurrent_saves_of_one_story_wait_for_each_other(seed_path: Path, tmp_path: Path) -> None:
    import subprocess

    out = tmp_path / "out"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _SAVER, str(seed_path), str(out), "80", role],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for role in ("write", "write", "tidy")
    ]
    results = [run.communicate(timeout=300) for run in runs]
    for run, (stdout, stderr) in zip(runs, results, strict=True):
        assert run.returncode == 0, stderr[-600:]
        assert stdout.strip() == "done"
    assert sorted(p.name for p in out.iterdir()) == ["20200314-iraq-latest"]
    folder = out / "20200314-iraq-latest"
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert [slide["file"] for slide in manifest["slides"]] == [f"0{n}.png" for n in range(1, 7)]
    assert all((folder / f"0{n}.png").stat().st_size > 0 for n in range(1, 7))
