"""The `cardimg render` command on real content folders: drafts, files that are not
stories, hidden folders, options checked before rendering, the summary, Ctrl-C."""

from __future__ import annotations

import importlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import cardimg
from cardimg.story import safe_slug

from .cli_helpers import problems, run

SRC = Path(cardimg.__file__).resolve().parents[1]


def summary(stdout: str) -> str:
    """The summary line without its slide count and time (`; 3 slides in 0.4 s`)."""
    lines = [line for line in stdout.splitlines() if line.startswith("cardimg: ")]
    assert len(lines) == 1, stdout
    assert re.search(r"; \d+ slides? in \d+\.\d s$", lines[0]), lines[0]
    return re.sub(r"; \d+ slides? in \d+\.\d s$", "", lines[0])


@pytest.fixture
def story(write_story: Callable[..., Path]) -> Callable[..., Path]:
    def make(name: str, slug: str, **meta: object) -> Path:
        return write_story(name, [{"_key": "k", "body": f"Body of {slug}."}], slug=slug, **meta)

    return make


# --------------------------------------------------------------------------- drafts


def test_a_folder_batch_skips_drafts_and_says_so(story, tmp_path: Path, cwd, capsys) -> None:
    story("content/live.md", "live")
    story("content/wip.md", "wip", draft=True)
    out = tmp_path / "out"
    assert run(["render", str(tmp_path / "content"), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["live"]
    captured = capsys.readouterr()
    assert summary(captured.out) == (
        "cardimg: 1 rendered, 1 draft skipped (--drafts renders them), 0 failed"
    )
    assert problems(captured.err) == []

    assert run(["render", str(tmp_path / "content"), "-o", str(out), "--drafts"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["live", "wip"]
    # `live` is up to date from the first run: only the draft is rendered.
    assert summary(capsys.readouterr().out) == (
        "cardimg: 1 rendered, 1 unchanged (--force renders them), 0 failed"
    )
    manifest = json.loads((out / "wip" / "manifest.json").read_text("utf-8"))
    assert manifest["story"]["draft"] is True


def test_a_draft_named_on_the_command_line_renders(story, tmp_path: Path, cwd, capsys) -> None:
    path = story("wip.md", "wip", draft=True)
    out = tmp_path / "out"
    assert run(["render", str(path), "-o", str(out)]) == 0
    manifest = json.loads((out / "wip" / "manifest.json").read_text("utf-8"))
    assert manifest["story"]["draft"] is True
    assert manifest["story"]["source"] == "wip.md"


# --------------------------------------------------------------------------- not stories


def test_a_folder_batch_skips_files_that_are_not_stories(
    story, tmp_path: Path, cwd, capsys
) -> None:
    content = tmp_path / "content"
    story("content/news/one.md", "one")
    (content / "README.md").write_text("# Our stories\n\nNo front matter here.\n")
    (content / "news" / "_index.md").write_text("---\ntitle: News\nweight: 3\n---\nSection.\n")
    (content / "news" / "empty-front.md").write_text("---\n---\nNothing.\n")
    (content / "news" / "broken.md").write_text("---\ncards:\n  - order: 0\n---\n")
    out = tmp_path / "out"
    assert run(["render", str(content), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    errors = problems(captured.err)
    assert len(errors) == 1 and "broken.md" in errors[0]  # a story with an error
    assert sorted(p.name for p in out.iterdir()) == ["one"]
    line = summary(captured.out)
    assert line.startswith("cardimg: 1 rendered, 3 not stories skipped (")
    for name in ("README.md", "_index.md", "empty-front.md"):
        assert name in line
    assert line.endswith(", 1 failed")


def test_a_file_named_on_the_command_line_that_is_not_a_story_is_an_error(
    tmp_path: Path, cwd, capsys
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Read me\n")
    assert run(["render", str(readme), "-o", str(tmp_path / "out")]) == 1
    errors = problems(capsys.readouterr().err)
    assert len(errors) == 1 and "README.md" in errors[0] and "front matter" in errors[0]


def test_hidden_files_and_folders_are_not_scanned(story, tmp_path: Path, cwd, capsys) -> None:
    story("content/one.md", "one")
    story("content/.git/stale.md", "git-stale")
    story("content/.cache/deep/two.md", "cached")
    story("content/.hidden.md", "hidden")
    out = tmp_path / "out"
    assert run(["render", str(tmp_path / "content"), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["one"]
    assert summary(capsys.readouterr().out) == "cardimg: 1 rendered, 0 failed"


def test_a_folder_link_is_not_followed(story, tmp_path: Path, cwd, capsys) -> None:
    story("content/one.md", "one")
    story("elsewhere/two.md", "two")
    (tmp_path / "content" / "linked").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "content" / "loop").symlink_to(tmp_path / "content")
    out = tmp_path / "out"
    assert run(["render", str(tmp_path / "content"), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["one"]


# --------------------------------------------------------------------------- manifest source


def test_manifest_source_is_relative_to_the_folder_given(story, tmp_path: Path, cwd) -> None:
    story("content/news/2024/one.md", "one")
    out = tmp_path / "out"
    assert run(["render", str(tmp_path / "content"), "-o", str(out)]) == 0
    text = (out / "one" / "manifest.json").read_text("utf-8")
    assert json.loads(text)["story"]["source"] == "news/2024/one.md"
    assert str(tmp_path) not in text


# --------------------------------------------------------------------------- folders per story


def test_stories_without_latin_letters_keep_their_own_folders_across_runs(
    story, tmp_path: Path, cwd, capsys
) -> None:
    first = story("a.md", "札幌の除雪")
    second = story("b.md", "大阪の天気")
    out = tmp_path / "out"
    assert run(["render", str(first), "-o", str(out)]) == 0
    assert run(["render", str(second), "-o", str(out)]) == 0
    folders = sorted(p.name for p in out.iterdir())
    assert folders == sorted(["札幌の除雪", "大阪の天気"])
    for folder, name in (("札幌の除雪", "a.md"), ("大阪の天気", "b.md")):
        manifest = json.loads((out / folder / "manifest.json").read_text("utf-8"))
        assert manifest["story"]["source"] == name


# --------------------------------------------------------------------------- options


def test_format_in_any_case(story, tmp_path: Path, cwd) -> None:
    path = story("one.md", "one")
    assert run(["render", str(path), "-o", str(tmp_path / "out"), "--format", "PNG"]) == 0
    assert run(["render", str(path), "-o", str(tmp_path / "out"), "--format", "Jpeg"]) == 0
    names = sorted(p.name for p in (tmp_path / "out" / "one").iterdir())
    assert names == ["01.jpg", "01.png", "caption.txt", "manifest.json"]


@pytest.mark.parametrize(
    ("option", "make", "problem"),
    [
        ("--images", None, "not found"),
        ("--images", "file", "not a folder"),
        ("--logo", None, "not found"),
        ("--logo", "folder", "not a file"),
    ],
)
def test_an_option_naming_something_unusable_fails_before_rendering(
    option, make, problem, story, tmp_path: Path, cwd, tree, capsys
) -> None:
    path = story("one.md", "one")
    named = tmp_path / "named"
    if make == "file":
        named.write_text("x")
    elif make == "folder":
        named.mkdir()
    before = tree(tmp_path)
    assert run(["render", str(path), "-o", str(tmp_path / "out"), option, str(named)]) == 1
    captured = capsys.readouterr()
    errors = problems(captured.err)
    assert errors == [f"cardimg: error: {option}: {named}: {problem}"]
    assert captured.out == ""
    assert tree(tmp_path) == before and not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["out", "out/sub"])
def test_an_output_that_is_a_file_fails_before_rendering(
    where, story, tmp_path: Path, cwd, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("one", "two", "three"):
        story(f"content/{name}.md", name)
    (tmp_path / "out").write_text("a file")
    rendered = []
    # (a batch's worker imports the renderer when it renders a story: patched at home)
    render_module = importlib.import_module("cardimg.render")
    monkeypatch.setattr(render_module, "render", lambda *a, **k: rendered.append(a))
    assert run(["render", str(tmp_path / "content"), "-o", str(tmp_path / where)]) == 1
    captured = capsys.readouterr()
    errors = problems(captured.err)
    assert len(errors) == 1 and str(tmp_path / where) in errors[0], errors
    assert "not a folder" in errors[0]
    assert rendered == [] and captured.out == ""


# --------------------------------------------------------------------------- Ctrl-C

BIG_BODY = "Words flow on and on across the card, line after line. " * 9


def big_story(path: Path, slug: str, palette: str, cards: int = 60) -> Path:
    import yaml

    front = {
        "slug": slug,
        "colorpaletteclassname": palette,
        "cards": [{"_key": f"k{i}", "body": f"Card {i}. {BIG_BODY}"} for i in range(cards)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{yaml.safe_dump(front)}---\n", encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def complete(folder: Path, palette: str) -> bool:
    """The folder holds exactly one whole carousel of this palette."""
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    files = [s["file"] for s in manifest["slides"]]
    names = sorted(p.name for p in folder.iterdir())
    return manifest["story"]["palette"] == palette and names == sorted(
        [*files, "manifest.json", "caption.txt"]
    )


def files_written_since(folder: Path, started: int) -> list[Path]:
    found = []
    for top, _, names in os.walk(folder):  # folders are renamed under us: skip what went
        for name in names:
            try:
                if (Path(top) / name).stat().st_mtime_ns > started:
                    found.append(Path(top) / name)
            except OSError:
                continue
    return found


PAUSE = Path(__file__).resolve().parent / "pause"  # its sitecustomize.py stops a process


def interrupt_at(argv: list[str], cwd: Path, moment: str) -> subprocess.CompletedProcess:
    """Run cardimg, stopped at `moment` (`EVENT|TEXT|N`: see tests/pause/sitecustomize.py)
    and sent SIGINT there: the signal lands at that operation on any machine, loaded or
    fast. Fails when the process ends without reaching the moment."""
    marker = cwd / f".paused-{os.getpid()}-{time.monotonic_ns()}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(PAUSE), str(SRC)]),
        "CARDIMG_TEST_PAUSE_AT": moment,
        "CARDIMG_TEST_PAUSED": str(marker),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "cardimg", *argv],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(marker, process)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
        marker.unlink(missing_ok=True)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _wait_for(marker: Path, process: subprocess.Popen) -> None:
    """Until the paused process has written its marker (it then waits for the signal)."""
    deadline = time.monotonic() + 300
    while not marker.exists():
        if process.poll() is not None:
            _, stderr = process.communicate()
            pytest.fail(f"cardimg ended before the moment to interrupt it: {stderr}")
        if time.monotonic() > deadline:
            pytest.fail("cardimg never reached the moment to interrupt it")
        time.sleep(0.01)


# Where a re-render is interrupted, and which carousel the folder must then hold whole.
_RE_RENDER_MOMENTS = [
    ("open|big.md|1", "old"),  # reading the story, before any layout
    ("os.mkdir|.cardimg-new|1", "old"),  # the staging folder's first moment
    ("open|cardimg-new/30.png|1", "old"),  # halfway through writing the slides
    ("open|cardimg-new/manifest.json|1", "old"),  # the slides written, the manifest not yet
    ("os.rename|.cardimg-new|1", "old"),  # between the two renames of the swap
    ("shutil.rmtree|.cardimg-old|1", "new"),  # swapped in, the old one being removed
]


@pytest.mark.parametrize(
    ("moment", "kept"), _RE_RENDER_MOMENTS, ids=[m for m, _ in _RE_RENDER_MOMENTS]
)
def test_ctrl_c_while_re_rendering_leaves_a_whole_carousel(
    moment: str, kept: str, tmp_path: Path
) -> None:
    path = big_story(tmp_path / "stories" / "big.md", "big", "--white")
    out = tmp_path / "out"
    cardimg.render(path).save(out)
    old = snapshot(out / "big")
    assert len(old) == 62 and complete(out / "big", "--white")
    big_story(path, "big", "--black")
    result = interrupt_at(["render", str(path), "-o", str(out)], tmp_path, moment)
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr
    assert problems(result.stderr) == [
        "cardimg: error: interrupted; folders not yet saved keep their previous carousel"
    ]
    assert sorted(p.name for p in out.iterdir()) == ["big"]  # nothing half-done left
    if kept == "old":
        assert snapshot(out / "big") == old
    else:
        assert complete(out / "big", "--black")


def test_ctrl_c_in_a_batch_leaves_no_half_folder(tmp_path: Path) -> None:
    big_story(tmp_path / "stories" / "a-big.md", "a-big", "--white")
    big_story(tmp_path / "stories" / "b-big.md", "b-big", "--white")
    out = tmp_path / "out"
    # Interrupted while the second story is written: the first is whole, the second absent.
    result = interrupt_at(
        ["render", "stories", "-o", str(out), "--jobs", "1"],
        tmp_path,
        "open|.b-big.cardimg-new/20.png|1",  # the 20th slide of the second story
    )
    assert result.returncode == 130
    assert "Traceback" not in result.stderr
    for folder in out.iterdir() if out.exists() else []:
        assert not folder.name.startswith("."), folder.name
        assert complete(folder, "--white"), folder.name
    assert complete(out / safe_slug("a-big"), "--white")
    assert not (out / safe_slug("b-big")).exists()


def test_an_output_that_links_to_nothing_fails_before_rendering(
    story, tmp_path: Path, cwd, capsys
) -> None:
    path = story("one.md", "one")
    (tmp_path / "out").symlink_to(tmp_path / "gone")
    assert run(["render", str(path), "-o", str(tmp_path / "out")]) == 1
    errors = problems(capsys.readouterr().err)
    assert len(errors) == 1 and "link to nothing" in errors[0]
    assert not (tmp_path / "gone").exists()


# --------------------------------------------------------------------------- one line


def test_a_file_name_with_a_newline_keeps_every_message_on_one_line(
    write_story: Callable[..., Path], tmp_path: Path, cwd, capsys
) -> None:
    folder = tmp_path / "content"
    write_story("good\nname.md", [{"_key": "k", "body": "Body."}], folder=folder, slug="a")
    (folder / "bad\nname.md").write_text("---\nslug: b\ncards: 5\n---\n", encoding="utf-8")
    assert run(["render", str(folder), "-o", str(tmp_path / "out")]) == 1
    out, err = capsys.readouterr()
    assert problems(err) == [
        f"cardimg: error: {folder}/bad name.md: cards: expected a list, got a number"
    ]
    rendered = [line for line in out.splitlines() if " -> " in line]
    assert rendered == [f"{folder}/good name.md: 1 slide -> {tmp_path}/out/a"]
