"""Behaviour of the `cardimg` command: exit statuses, messages, files written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

import cardimg
from cardimg.cli import main

from .cli_helpers import problems, run

SRC = Path(cardimg.__file__).resolve().parents[1]  # the cardimg these tests import
SEED_SLUG = "20200314-iraq-latest"
TWO_SOURCES = (
    "**First source**  \n[https://example.com/one](https://example.com/one)\n\n"
    "**Second source**  \n[https://example.com/two](https://example.com/two)\n"
)


@pytest.fixture
def small(write_story: Callable[..., Path]) -> Callable[..., Path]:
    """A one-card story with two sources (2 slides)."""

    def make(name: str = "small.md", slug: str = "small", **meta: object) -> Path:
        cards = [{"order": 0, "_key": "k", "body": "Hello **there**."}]
        return write_story(name, cards, sources=TWO_SOURCES, slug=slug, **meta)

    return make


# --------------------------------------------------------------------------- good runs


def test_render_the_seed(seed_path: Path, tmp_path: Path, cwd: Path, tree, capsys) -> None:
    out = tmp_path / "out"
    before = tree(tmp_path)
    assert run(["render", str(seed_path), "-o", str(out)]) == 0
    folder = out / SEED_SLUG
    names = [f"{n:02d}.png" for n in range(1, 7)]
    expected = sorted([*names, "manifest.json", "caption.txt"])
    assert sorted(p.name for p in folder.iterdir()) == expected
    for name in names:
        with Image.open(folder / name) as image:
            assert image.size == (1080, 1350)
    assert all(p.is_relative_to(out) for p in tree(tmp_path) - before)
    captured = capsys.readouterr()
    assert "6 slides" in captured.out
    assert "Traceback" not in captured.err
    assert not [line for line in problems(captured.err) if "error" in line]


def test_render_a_folder_renders_every_story_under_it(small, tmp_path: Path, cwd, capsys) -> None:
    stories = tmp_path / "stories"
    small("stories/one.md", slug="one")
    small("stories/deeper/two.md", slug="two")
    (stories / "notes.txt").write_text("not a story")
    out = tmp_path / "out"
    assert run(["render", str(stories), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["one", "two"]
    for slug in ("one", "two"):
        assert (out / slug / "01.png").is_file() and (out / slug / "02.png").is_file()
    assert problems(capsys.readouterr().err) == []


def test_format_jpeg(small, tmp_path: Path, cwd) -> None:
    out = tmp_path / "out"
    assert run(["render", str(small()), "-o", str(out), "--format", "jpeg"]) == 0
    assert sorted(p.name for p in (out / "small").iterdir()) == [
        "01.jpg",
        "02.jpg",
        "caption.txt",
        "manifest.json",
    ]
    with Image.open(out / "small" / "01.jpg") as image:
        assert image.format == "JPEG" and image.size == (1080, 1350)


def test_no_sources(small, tmp_path: Path, cwd) -> None:
    out = tmp_path / "out"
    assert run(["render", str(small()), "-o", str(out), "--no-sources"]) == 0
    manifest = json.loads((out / "small" / "manifest.json").read_text("utf-8"))
    assert [s["kind"] for s in manifest["slides"]] == ["card"]
    assert not (out / "small" / "02.png").exists()
    # without the flag, the sources slide is there
    assert run(["render", str(small()), "-o", str(out)]) == 0
    manifest = json.loads((out / "small" / "manifest.json").read_text("utf-8"))
    assert [s["kind"] for s in manifest["slides"]] == ["card", "sources"]


def test_unknown_palette_warns_and_strict_fails(small, tmp_path: Path, cwd, tree, capsys) -> None:
    story = small("odd.md", slug="odd", colorpaletteclassname="--no-such-colour")
    out = tmp_path / "out"
    assert run(["render", str(story), "-o", str(out)]) == 0
    warnings = problems(capsys.readouterr().err)
    assert len(warnings) == 1 and "--no-such-colour" in warnings[0] and "odd.md" in warnings[0]

    strict_out = tmp_path / "strict-out"
    before = tree(tmp_path)
    assert run(["render", str(story), "-o", str(strict_out), "--strict"]) == 1
    errors = problems(capsys.readouterr().err)
    assert len(errors) == 1
    assert "--no-such-colour" in errors[0] and "odd.md" in errors[0]
    assert tree(tmp_path) == before


def test_images_option_finds_the_featured_image(write_story, tmp_path: Path, cwd, capsys) -> None:
    assets = tmp_path / "assets"
    assets.mkdir()
    Image.new("RGB", (1600, 1067), (255, 255, 255)).save(assets / "pic.jpg", quality=95)
    story = write_story(
        "stories/pic.md",
        [{"_key": "k", "body": "Hi"}],
        slug="pic",
        colorpaletteclassname="--black",
        featured_image={"alt": "a", "url": "pic.jpg"},
    )
    out = tmp_path / "out"
    assert run(["render", str(story), "-o", str(out)]) == 0
    warnings = problems(capsys.readouterr().err)
    assert len(warnings) == 1 and "pic.jpg" in warnings[0]
    with Image.open(out / "pic" / "01.png") as image:
        assert image.convert("RGB").getpixel((5, 5)) == (0x1A, 0x19, 0x19)

    assert run(["render", str(story), "-o", str(out), "--images", str(assets)]) == 0
    assert problems(capsys.readouterr().err) == []
    with Image.open(out / "pic" / "01.png") as image:
        pixel = image.convert("RGB").getpixel((5, 5))
    expected = [round(b + (255 - b) * 0.15) for b in (0x1A, 0x19, 0x19)]
    assert all(abs(a - b) <= 3 for a, b in zip(pixel, expected, strict=True))


# --------------------------------------------------------------------------- bad input

BAD_STORIES: dict[str, bytes] = {
    "empty.md": b"",
    "no-front-matter.md": b"Just some text, no front matter.\n",
    "yaml-error.md": b"---\ntitle: [unclosed\ncards:\n  - body: x\n---\n",
    "no-cards.md": b"---\ntitle: No cards here\n---\n",
    "cards-not-list.md": b"---\ncards: just text\n---\n",
    "no-body.md": b"---\ncards:\n  - order: 0\n    _key: a\n---\n",
    "body-mapping.md": b"---\ncards:\n  - order: 0\n    body:\n      a: 1\n---\n",
    "latin1.md": "---\ntitle: café\ncards:\n  - body: naïve\n---\n".encode("latin-1"),
}


@pytest.mark.parametrize("name", sorted(BAD_STORIES))
def test_bad_story_one_error_line_exit_1(name, tmp_path: Path, cwd, tree, capsys) -> None:
    story = tmp_path / "in" / name
    story.parent.mkdir()
    story.write_bytes(BAD_STORIES[name])
    before = tree(tmp_path)
    assert run(["render", str(story), "-o", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    lines = problems(captured.err)
    assert len(lines) == 1, lines
    assert name in lines[0]
    assert lines[0].startswith("cardimg: error: ")
    assert "Traceback" not in captured.err
    assert tree(tmp_path) == before


def test_missing_path_and_empty_folder(tmp_path: Path, cwd, tree, capsys) -> None:
    (tmp_path / "empty").mkdir()
    before = tree(tmp_path)
    assert run(["render", str(tmp_path / "nope.md"), "-o", str(tmp_path / "out")]) == 1
    lines = problems(capsys.readouterr().err)
    assert len(lines) == 1 and "nope.md" in lines[0]
    assert run(["render", str(tmp_path / "empty"), "-o", str(tmp_path / "out")]) == 1
    lines = problems(capsys.readouterr().err)
    assert len(lines) == 1 and "empty" in lines[0]
    assert tree(tmp_path) == before


def test_good_and_bad_story_together(small, tmp_path: Path, cwd, tree, capsys) -> None:
    small("stories/good.md", slug="good")
    (tmp_path / "stories" / "bad.md").write_bytes(BAD_STORIES["no-body.md"])
    out = tmp_path / "out"
    before = tree(tmp_path)
    assert run(["render", str(tmp_path / "stories"), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    lines = problems(captured.err)
    assert len(lines) == 1 and "bad.md" in lines[0] and "body" in lines[0]
    assert (out / "good" / "01.png").is_file()
    assert all(p.is_relative_to(out) for p in tree(tmp_path) - before)
    assert "good.md" in captured.out


def test_errors_tell_apart_files_with_the_same_name(tmp_path: Path, cwd, capsys) -> None:
    for folder in ("alpha", "beta"):
        (tmp_path / "stories" / folder).mkdir(parents=True)
        (tmp_path / "stories" / folder / "story.md").write_bytes(BAD_STORIES["no-body.md"])
    assert run(["render", str(tmp_path / "stories"), "-o", str(tmp_path / "out")]) == 1
    lines = problems(capsys.readouterr().err)
    assert len(lines) == 2
    assert any("alpha" in line for line in lines), lines
    assert any("beta" in line for line in lines), lines


def test_two_stories_with_one_slug_are_not_silently_overwritten(
    write_story, tmp_path: Path, cwd, capsys
) -> None:
    long_a = " ".join(["Story A is long."] * 120)
    write_story("stories/a.md", [{"_key": "a", "body": long_a}], slug="same")
    write_story("stories/b.md", [{"_key": "b", "body": "Story B."}], slug="same")
    out = tmp_path / "out"
    status = run(["render", str(tmp_path / "stories"), "-o", str(out)])
    manifests = [json.loads(p.read_text("utf-8")) for p in out.rglob("manifest.json")]
    kept = {Path(m["story"]["source"]).name for m in manifests}
    lines = problems(capsys.readouterr().err)
    reported = status == 1 and any("a.md" in line or "b.md" in line for line in lines)
    assert kept == {"a.md", "b.md"} or reported, (
        f"exit {status}, outputs kept for {sorted(kept)}, stderr {lines}"
    )


def test_real_process_exit_status_and_stderr(small, tmp_path: Path) -> None:
    small("stories/good.md", slug="good")
    (tmp_path / "stories" / "broken.md").write_bytes(BAD_STORIES["yaml-error.md"])
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [sys.executable, "-m", "cardimg", "render", "stories", "-o", "out"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = problems(result.stderr)
    assert len(lines) == 1 and "broken.md" in lines[0] and "line" in lines[0]
    assert (tmp_path / "out" / "good" / "01.png").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "stories"]


def test_real_process_version() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [sys.executable, "-m", "cardimg", "--version"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert cardimg.__version__ in result.stdout


# --------------------------------------------------------------------------- usage


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_names_the_text_engine_and_pillow(flag: str, capsys) -> None:
    import PIL
    from PIL import features

    assert run([flag]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"cardimg {cardimg.__version__} (text engine: ")
    assert f"Pillow {PIL.__version__}" in out and "\n" not in out
    if features.check("raqm"):
        assert f"Raqm {features.version('raqm')}" in out
        assert "FriBiDi" in out and "HarfBuzz" in out


@pytest.mark.parametrize("argv", [["--help"], ["render", "--help"]])
def test_help_shows_examples(argv, capsys) -> None:
    assert run(argv) == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert "cardimg render samples/20200314-iraq-latest.md -o out/" in out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--bogus"],
        ["render"],
        ["render", "x.md", "--bogus"],
        ["render", "x.md", "--format", "gif"],
    ],
)
def test_usage_errors_exit_2(argv, tmp_path: Path, cwd, tree, capsys) -> None:
    before = tree(tmp_path)
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert "usage:" in err
    assert "Traceback" not in err
    assert tree(tmp_path) == before


def test_theme_option_loads_a_theme_file(tmp_path, seed_path):
    from cardimg.resources import data_dir

    theme = (data_dir("themes") / "default.toml").read_text(encoding="utf-8")
    custom = tmp_path / "small.toml"
    custom.write_text(theme.replace("body_size = 44", "body_size = 32"), encoding="utf-8")
    out, default = tmp_path / "out", tmp_path / "default"
    assert main(["render", str(seed_path), "-o", str(out), "--theme", str(custom)]) == 0
    assert main(["render", str(seed_path), "-o", str(default)]) == 0
    manifest = json.loads((out / "20200314-iraq-latest" / "manifest.json").read_text())
    assert len(manifest["slides"]) == 6
    themed = cardimg.render(cardimg.load_story(seed_path), theme=cardimg.load_theme(custom))
    assert max(slide.body_size for slide in themed.slides) == 32
    slide = "20200314-iraq-latest/02.png"
    assert (out / slide).read_bytes() != (default / slide).read_bytes()


def test_bad_theme_file_is_one_error_line(tmp_path, seed_path, capsys):
    custom = tmp_path / "bad.toml"
    custom.write_text("[type\nbody_size = 1", encoding="utf-8")
    assert main(["render", str(seed_path), "-o", str(tmp_path / "o"), "--theme", str(custom)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cardimg: error: bad.toml:")
    assert not (tmp_path / "o").exists()


def test_unwritable_output_names_the_output_path(tmp_path, seed_path, capsys):
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output folder should be")
    assert main(["render", str(seed_path), "-o", str(blocker)]) == 1
    errors = [ln for ln in capsys.readouterr().err.splitlines() if ": error: " in ln]
    assert len(errors) == 1
    assert f"cannot write {blocker}" in errors[0] and "Not a directory" in errors[0]
    assert "Traceback" not in errors[0]
