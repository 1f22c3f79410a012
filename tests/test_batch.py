"""Batches: `cardimg render FOLDER --jobs N` and `cardimg.render_batch` give the files of
one-by-one rendering, byte for byte; skip stories whose inputs did not change; survive a
bad story, Ctrl-C and a kill; keep the parent's memory flat; run on a Dask cluster."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tracemalloc
from concurrent.futures import Executor, Future
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from PIL import Image

import cardimg
from cardimg.batch import local_pool
from cardimg.findings import format_finding
from cardimg.workers import default_jobs

from .cli_helpers import problems, run

SRC = Path(cardimg.__file__).resolve().parents[1]
THEME = SRC / "cardimg" / "themes" / "default.toml"
FONTS = Path(cardimg.default_theme().fonts["sans"]).parent


def write(folder: Path, name: str, *, cards: int = 1, words: int = 12, **meta: object) -> Path:
    """A small story file: `cards` cards of `words` words each."""
    body = " ".join(f"{name}-word{n}" for n in range(words))
    front = {
        "slug": name,
        "title": f"The story of {name}",
        **meta,
        "cards": [{"_key": f"k{i}", "body": f"Card {i}. {body}"} for i in range(cards)],
    }
    path = folder / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n- [Source](https://example.org)\n"
    path.write_text(text, encoding="utf-8")
    return path


def files(out: Path) -> dict[str, bytes]:
    """Every file under `out`, by relative path: what a user finds."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def summary(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("cardimg: "))


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    for n in range(5):
        write(folder, f"s{n}", cards=1 + n % 2)
    image = Image.new("RGB", (900, 1200), (40, 90, 160))
    image.save(folder / "photo.jpg", quality=90)
    write(folder, "pictured", featured_image={"url": "photo.jpg"})
    return folder


# --------------------------------------------------------------------------- parallel


def test_parallel_batch_gives_the_files_of_a_serial_one(content: Path, tmp_path: Path, capsys):
    assert run(["render", str(content), "-o", str(tmp_path / "serial"), "--jobs", "1"]) == 0
    assert run(["render", str(content), "-o", str(tmp_path / "parallel"), "--jobs", "2"]) == 0
    serial, parallel = files(tmp_path / "serial"), files(tmp_path / "parallel")
    assert sorted({name.split("/")[0] for name in serial}) == [
        "pictured",
        "s0",
        "s1",
        "s2",
        "s3",
        "s4",
    ]
    assert parallel == serial
    out = capsys.readouterr().out
    assert summary(out).startswith("cardimg: 6 rendered, 0 failed; 14 slides in ")
    manifest = json.loads((tmp_path / "parallel" / "s1" / "manifest.json").read_text())
    assert len(manifest["render_key"]) == 64


def test_render_batch_on_any_executor_equals_render_and_save(content: Path, tmp_path: Path):
    one_by_one = tmp_path / "one-by-one"
    for path in sorted(content.glob("*.md")):
        cardimg.render(path).save(one_by_one, source_root=content)
    with local_pool(2) as pool:
        result = cardimg.render_batch([content], tmp_path / "pool", executor=pool)
    assert (result.rendered, result.failed, result.slides) == (6, 0, 14)
    expected = {k: v for k, v in files(one_by_one).items() if not k.endswith("manifest.json")}
    got = files(tmp_path / "pool")
    assert {k: v for k, v in got.items() if not k.endswith("manifest.json")} == expected
    for name in (k for k in got if k.endswith("manifest.json")):
        batch_manifest = json.loads(got[name])
        assert batch_manifest.pop("render_key")
        assert batch_manifest.pop("render_inputs")["slug"] == batch_manifest["story"]["slug"]
        assert batch_manifest == json.loads(files(one_by_one)[name])


def test_a_bad_story_among_good_ones_fails_alone(content: Path, tmp_path: Path, capsys):
    (content / "broken.md").write_text("---\nslug: broken\ncards: 5\n---\n", encoding="utf-8")
    write(content, "clash", slug="s2")  # a second story for the folder of s2
    out = tmp_path / "out"
    assert run(["render", str(content), "-o", str(out), "--jobs", "2"]) == 1
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if "error" in line]
    assert len(errors) == 2
    assert errors[0] == f"cardimg: error: {content}/broken.md: cards: expected a list, got a number"
    assert errors[1].startswith(f"cardimg: error: {content}/s2.md: slug: 's2' gives the same")
    # clash.md comes first, so it has the folder s2; s2.md is refused, not overwritten.
    assert sorted(p.name for p in out.iterdir()) == ["pictured", "s0", "s1", "s2", "s3", "s4"]
    manifest = json.loads((out / "s2" / "manifest.json").read_text("utf-8"))
    assert manifest["story"]["source"] == "clash.md"
    assert summary(captured.out).startswith("cardimg: 6 rendered, 2 failed; ")


# --------------------------------------------------------------------------- incremental


def snapshot(out: Path) -> dict[str, int]:
    """Each file's inode and modification time: what changes when a file is rewritten."""
    return {
        p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_unchanged_stories_are_skipped_and_changed_ones_rendered(content, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["render", str(content), "-o", str(out), "--jobs", "1"]
    assert run(argv) == 0
    before = snapshot(out)
    capsys.readouterr()

    assert run(argv) == 0
    assert summary(capsys.readouterr().out).startswith(
        "cardimg: 0 rendered, 6 unchanged (--force renders them), 0 failed; 0 slides in "
    )
    assert snapshot(out) == before  # not one file written

    write(content, "s3", words=30)  # an edited story: only it renders again
    (content / "photo.jpg").write_bytes((content / "photo.jpg").read_bytes() + b"\0")
    assert run(argv) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 2 rendered, 4 unchanged")
    changed = {name.split("/")[0] for name, stamp in snapshot(out).items() if before[name] != stamp}
    assert changed == {"s3", "pictured"}

    current = files(out)
    assert run([*argv, "--force"]) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 6 rendered, 0 failed")
    assert files(out) == current


def test_a_story_whose_sources_alone_changed_is_rendered_again(content, tmp_path, capsys):
    """The parent reads no sources list to plan (the worker does): an edit below the front
    matter, and nowhere else, still changes the story's key and renders it again."""
    out = tmp_path / "out"
    argv = ["render", str(content), "-o", str(out), "--jobs", "1"]
    assert run(argv) == 0
    capsys.readouterr()
    story = content / "s1.md"
    story.write_text(
        story.read_text("utf-8") + "\n**A new source** https://example.org/new\n", "utf-8"
    )
    assert run(argv) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 1 rendered, 5 unchanged")
    record = json.loads((out / "s1" / "manifest.json").read_text("utf-8"))
    assert "A new source" in json.dumps(record, ensure_ascii=False)


def spoil_by_truncating(folder: Path) -> None:
    (folder / "01.png").write_bytes(b"")


def spoil_by_appending(folder: Path) -> None:
    with (folder / "01.png").open("ab") as handle:
        handle.write(b"\0")


def spoil_by_replacing(folder: Path) -> None:
    shutil.copyfile(folder.parent / "s0" / "01.png", folder / "01.png")


def spoil_in_place(folder: Path) -> None:
    """Another byte at the same place: the size stays, only a digest tells."""
    data = bytearray((folder / "01.png").read_bytes())
    data[-20] ^= 0xFF
    (folder / "01.png").write_bytes(bytes(data))


def spoil_the_caption(folder: Path) -> None:
    text = (folder / "caption.txt").read_text("utf-8")
    (folder / "caption.txt").write_text(text.replace("T", "X", 1), "utf-8")


def spoil_with_a_link(folder: Path) -> None:
    (folder / "01.png").unlink()
    (folder / "01.png").symlink_to(folder.parent / "s0" / "01.png")


@pytest.mark.parametrize(
    "spoil",
    [
        spoil_by_truncating,
        spoil_by_appending,
        spoil_by_replacing,
        spoil_in_place,
        spoil_the_caption,
        spoil_with_a_link,
    ],
)
def test_a_folder_whose_files_changed_since_is_rendered_again(spoil, content, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["render", str(content), "-o", str(out), "--jobs", "1"]
    assert run(argv) == 0
    expected = files(out)
    spoil(out / "s1")
    capsys.readouterr()
    assert run(argv) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 1 rendered, 5 unchanged")
    assert files(out) == expected
    assert not (out / "s1" / "01.png").is_symlink()


def test_the_manifest_records_each_files_size_and_digest(content, tmp_path):
    import hashlib

    out = tmp_path / "out"
    assert run(["render", str(content), "-o", str(out), "--jobs", "1"]) == 0
    record = json.loads((out / "s1" / "manifest.json").read_text("utf-8"))
    assert sorted(record["files"]) == ["01.png", "02.png", "03.png", "caption.txt"]
    for name, entry in record["files"].items():
        data = (out / "s1" / name).read_bytes()
        assert entry == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_a_new_cardimg_of_the_same_version_renders_every_story_again(content, tmp_path):
    # A copy of this cardimg (an install from the repository, say), run twice, then with
    # one line of its layout code changed: its version number is the same throughout.
    package = Path(cardimg.__file__).resolve().parent
    root = tmp_path / "copy"
    copy = root / "src" / "cardimg"
    shutil.copytree(
        package, copy, ignore=shutil.ignore_patterns("__pycache__", "fonts", "palettes")
    )
    for name in ("fonts", "palettes"):
        inside = package / name
        (root / name).symlink_to(inside if inside.is_dir() else package.parents[1] / name)
    out = tmp_path / "out"

    def render_with_copy() -> str:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "cardimg",
                "render",
                str(content),
                "-o",
                str(out),
                "--jobs",
                "1",
            ],
            env={**os.environ, "PYTHONPATH": str(copy.parent)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-600:]
        return summary(proc.stdout)

    assert render_with_copy().startswith("cardimg: 6 rendered, 0 failed")
    assert render_with_copy().startswith("cardimg: 0 rendered, 6 unchanged")
    items = copy / "layout" / "items.py"
    items.write_text(items.read_text("utf-8") + "\nMIN_HYPHENATED_WORD = 7\n", "utf-8")
    assert render_with_copy().startswith("cardimg: 6 rendered, 0 failed")


@pytest.mark.parametrize(
    "option", [["--no-sources"], ["--format", "jpeg"], ["--quality", "80", "--format", "webp"]]
)
def test_a_changed_option_renders_every_story_again(option, content, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["render", str(content), "-o", str(out), "--jobs", "1"]
    assert run(argv) == 0
    capsys.readouterr()
    assert run([*argv, *option]) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 6 rendered, 0 failed")
    assert run([*argv, *option]) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 0 rendered, 6 unchanged")


def test_a_changed_theme_or_font_renders_every_story_again(content, tmp_path, capsys):
    theme_dir = tmp_path / "theme"
    (theme_dir / "inter").mkdir(parents=True)
    theme = theme_dir / "theme.toml"
    theme.write_text(THEME.read_text("utf-8"), "utf-8")
    font = theme_dir / "inter" / "Inter-Regular.otf"  # found beside the theme first
    shutil.copyfile(FONTS / "Inter-Regular.otf", font)
    out = tmp_path / "out"
    argv = ["render", str(content), "-o", str(out), "--jobs", "1", "--theme", str(theme)]
    assert run(argv) == 0
    capsys.readouterr()
    assert run(argv) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 0 rendered, 6 unchanged")

    theme.write_text(theme.read_text("utf-8").replace("body_size = 44", "body_size = 40"))
    assert run(argv) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 6 rendered, 0 failed")

    before = files(out)
    shutil.copyfile(FONTS / "Inter-Italic.otf", font)  # the same name, another font
    assert run(argv) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 6 rendered, 0 failed")
    assert files(out)["s0/01.png"] != before["s0/01.png"]


# --------------------------------------------------------------------------- interrupted


def complete(folder: Path) -> bool:
    """The folder holds exactly one whole carousel: its manifest's files, nothing else."""
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    listed = [s["file"] for s in manifest["slides"]]
    names = sorted(p.name for p in folder.iterdir())
    return names == sorted([*listed, "manifest.json", "caption.txt"]) and all(
        (folder / name).stat().st_size > 0 for name in listed
    )


def start_batch(content: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cardimg", "render", str(content), "-o", str(out), "--jobs", "2"],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: its workers can be waited for
    )


def wait_for_stories(process: subprocess.Popen, count: int) -> None:
    """Until the batch has reported `count` finished stories: it prints a line for each
    as it is saved, and reading the next line waits for exactly that (no polling)."""
    done = 0
    for line in process.stdout:  # type: ignore[union-attr]
        done += " -> " in line
        if done >= count:
            return
    pytest.fail("the batch finished before it could be interrupted: make it bigger")


def wait_until_gone(group: int) -> None:
    """Until no process of the batch (the parent or a worker) is left."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail("a worker outlived its batch")


STORIES = 10


STOPPED = {signal.SIGINT: (130, "interrupted"), signal.SIGTERM: (143, "terminated")}


@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"]
)
def test_a_batch_interrupted_midway_leaves_whole_folders_and_resumes(sig, tmp_path):
    content = tmp_path / "content"
    for n in range(STORIES):
        write(content, f"story-{n:02d}", cards=3, words=60)
    out = tmp_path / "out"
    process = start_batch(content, out)
    wait_for_stories(process, 1)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    wait_until_gone(process.pid)
    if sig in STOPPED:  # handled: one line of ours, no Python warning or traceback
        status, word = STOPPED[sig]
        assert process.returncode == status
        assert problems(stderr) == [
            f"cardimg: error: {word}; folders not yet saved keep their previous carousel"
        ]
        assert "Traceback" not in stderr and "resource_tracker" not in stderr
    finished = [p for p in out.iterdir() if not p.name.startswith(".")]
    assert 1 <= len(finished) < STORIES
    for folder in finished:  # nothing half-written under a final name
        assert complete(folder), folder.name
    if sig in STOPPED:
        assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in finished)

    resumed = subprocess.run(
        [sys.executable, "-m", "cardimg", "render", str(content), "-o", str(out), "--jobs", "2"],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    line = summary(resumed.stdout)
    assert line.startswith(
        f"cardimg: {STORIES - len(finished)} rendered, {len(finished)} unchanged"
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"story-{n:02d}" for n in range(STORIES)]  # no staging folder left
    assert all(complete(out / name) for name in names)


# --------------------------------------------------------------------------- memory


def parent_peak(pool, content: Path, out: Path) -> int:
    tracemalloc.start()
    try:
        # The worst case for the parent: it receives every story's files and writes them.
        result = cardimg.render_batch([content], out, executor=pool, write_in_workers=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.failed == 0 and result.rendered > 0
    return peak


def test_the_parents_memory_does_not_grow_with_the_number_of_stories(tmp_path: Path):
    few, many = tmp_path / "few", tmp_path / "many"
    for n in range(32):
        write(many, f"m{n:02d}")
        if n < 8:
            write(few, f"f{n:02d}")
    with local_pool(2) as pool:
        parent_peak(pool, few, tmp_path / "warm-up")  # modules, theme, font hashes: once
        small = parent_peak(pool, few, tmp_path / "few-out")
        large = parent_peak(pool, many, tmp_path / "many-out")
    print(f"parent peak: {small:,} bytes for 8 stories, {large:,} for 32")
    assert large < small * 1.5 + 512 * 1024, (small, large)


# --------------------------------------------------------------------------- Dask


def test_a_batch_on_a_dask_cluster_gives_the_files_of_a_serial_one(content: Path, tmp_path):
    distributed = pytest.importorskip("distributed")
    assert run(["render", str(content), "-o", str(tmp_path / "serial"), "--jobs", "1"]) == 0
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        host="127.0.0.1",
        protocol="tcp://",
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        argv = ["render", str(content), "-o", str(tmp_path / "dask"), "--scheduler", address]
        assert run(argv) == 0
        assert run(argv) == 0  # and again: every story unchanged
    assert files(tmp_path / "dask") == files(tmp_path / "serial")


def test_a_scheduler_that_cannot_be_reached_is_one_line(content: Path, tmp_path: Path, capsys):
    pytest.importorskip("distributed")
    argv = ["render", str(content), "-o", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9"]
    assert run(argv) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if "Raqm" not in line]
    assert len(errors) == 1 and errors[0].startswith("cardimg: error: --scheduler: cannot reach")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


MALFORMED_ADDRESSES = [
    "http://127.0.0.1:8786",  # not a Dask scheme
    "garbage",  # no port
    "tcp://127.0.0.1:99999",  # a port out of range (Dask would try to connect)
    "tcp://127.0.0.1:0",
    "tcp://127.0.0.1:",
    "tcp://127.0.0.1:80x",
    "tcp://127.0.0.1",
    "",
    " ",
    "tcp://127.0.0.1 :8786",
    "tcp://127.0.0.1:8786\nx",
    "tcp://::1:8786",  # IPv6 without brackets
    "tcp://[::1:8786",
    "tcp://[::1]8786",
    "tcp://[nonsense]:8786",
    "tcp://user:secret@127.0.0.1:8786",
    "tcp://127.0.0.1:8786/path",
    "tcp://127.0.0.1:8786?x=1",
    "tcp://:8786",
    "tcp://999.1.1.1:8786",
    "tcp://-host:8786",
    "inproc://127.0.0.1/1",
]


@pytest.mark.parametrize("address", MALFORMED_ADDRESSES)
def test_a_malformed_scheduler_address_is_one_line_before_anything(
    address, content, tmp_path, capsys
):
    out = tmp_path / "out"
    assert run(["render", str(content), "-o", str(out), "--scheduler", address]) == 1
    captured = capsys.readouterr()
    lines = problems(captured.err)
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("cardimg: error: --scheduler: ")
    assert lines[0].endswith("(expected tcp://HOST:PORT)")
    assert captured.out == ""
    assert not out.exists()


@pytest.mark.parametrize(
    ("address", "normal"),
    [
        ("127.0.0.1:8786", "tcp://127.0.0.1:8786"),
        ("TCP://Scheduler.example:08786", "tcp://Scheduler.example:8786"),
        ("tcp://[::1]:8786", "tcp://[::1]:8786"),
        ("tls://10.0.0.5:8786", "tls://10.0.0.5:8786"),
    ],
)
def test_a_well_formed_scheduler_address_is_taken(address, normal):
    from cardimg.batch import scheduler_address

    assert scheduler_address(address) == normal


def started(command: list[str], ready: str) -> tuple[subprocess.Popen, str]:
    """A Dask process, once it has logged `ready` (a regular expression): the process,
    and the line's first group."""
    import re

    process = subprocess.Popen(
        command,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    for line in process.stderr:  # type: ignore[union-attr]
        found = re.search(ready, line)
        if found:
            return process, found.group(1)
    pytest.fail(f"{command[2]} stopped before it was ready")


def stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    process.stderr.close()  # type: ignore[union-attr]


def test_a_scheduler_that_dies_mid_batch_is_said_once_with_a_summary(tmp_path: Path):
    pytest.importorskip("distributed")
    content = tmp_path / "content"
    for n in range(STORIES):
        write(content, f"story-{n:02d}", cards=3, words=60)
    out = tmp_path / "out"
    python = [sys.executable, "-m"]
    local = ["--host", "127.0.0.1", "--port", "0", "--dashboard-address", ":0"]
    scheduler, address = started(
        [*python, "distributed.cli.dask_scheduler", *local], r"Scheduler at:\s+(tcp://\S+)"
    )
    try:
        one = ["--nthreads", "1", "--nworkers", "1", "--no-dashboard"]
        worker, _ = started(
            [*python, "distributed.cli.dask_worker", address, *one], "(Registered to)"
        )
        try:
            argv = ["render", str(content), "-o", str(out), "--scheduler", address]
            batch = subprocess.Popen(
                [*python, "cardimg", *argv],
                env={**os.environ, "PYTHONPATH": str(SRC)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            first = batch.stdout.readline()  # type: ignore[union-attr]
            assert " -> " in first, first
            stop(scheduler)  # the cluster goes away mid-batch
            stdout, stderr = batch.communicate(timeout=120)
        finally:
            stop(worker)
    finally:
        stop(scheduler)
    assert batch.returncode == 1
    assert "Traceback" not in stderr and "CancelledError" not in stderr
    lines = problems(stderr)
    assert lines[0] == (
        "cardimg: error: the Dask cluster went away (its scheduler stopped, or cannot be "
        "reached); not rendered (run again to render them):"
    )
    lost = [line.removeprefix("cardimg: error: ") for line in lines[1:]]
    assert lost and all(line.endswith(".md: not rendered") for line in lost), lines
    finished = [p for p in out.iterdir() if not p.name.startswith(".")]
    assert all(complete(folder) for folder in finished)  # every folder whole
    assert sorted([*lost, *(f"{content}/{p.name}.md: not rendered" for p in finished)]) == [
        f"{content}/story-{n:02d}.md: not rendered" for n in range(STORIES)
    ]
    assert summary(stdout).startswith(f"cardimg: {len(finished)} rendered, {len(lost)} failed; ")


class ClosingExecutor(Executor):
    """Runs the first `jobs` jobs here, then refuses work (as a closed Dask client does)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs

    def submit(self, fn, /, *args, **kwargs):
        if self.jobs == 0:
            raise RuntimeError("the client is closed")
        self.jobs -= 1
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_an_executor_that_goes_away_leaves_its_stories_not_rendered(content, tmp_path):
    seen: list = []
    result = cardimg.render_batch(
        [content], tmp_path / "out", executor=ClosingExecutor(2), on_story=seen.append
    )
    assert (result.rendered, result.failed) == (2, 4)
    lost = [story for story in seen if story.lost]
    assert len(lost) == 4
    assert {story.lost for story in lost} == {
        "the executor went away: RuntimeError: the client is closed"
    }
    assert all(story.message.endswith(".md: not rendered: " + story.lost) for story in lost)


# --------------------------------------------------------------------------- output


def read_only_mounts() -> str | None:
    """Why a read-only bind mount cannot be made here (None when it can)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return "a read-only bind mount needs root and unshare"
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, text=True)
    return None if probe.returncode == 0 else f"unshare -m: {probe.stderr.strip()}"


def test_a_read_only_output_file_system_is_said_as_such(content, tmp_path):
    why = read_only_mounts()
    if why:
        pytest.skip(why)
    volume = tmp_path / "volume"
    volume.mkdir()
    out = volume / "out"
    # A private mount namespace: the read-only mount is seen by this command alone.
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    command = [sys.executable, "-m", "cardimg", "render", str(content), "-o", str(out)]
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", str(volume), *command],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    assert problems(proc.stderr) == [
        f"cardimg: error: -o: cannot write {out}: {volume} is on a read-only file system"
    ]
    assert proc.stdout == "" and list(volume.iterdir()) == []


def test_a_read_only_file_system_is_told_from_a_folder_without_permission(
    content, tmp_path, monkeypatch, capsys
):
    real = os.statvfs

    class ReadOnly:
        def __init__(self, result: os.statvfs_result) -> None:
            self.f_flag = result.f_flag | os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", lambda path: ReadOnly(real(path)))
    out = tmp_path / "out"
    assert run(["render", str(content), "-o", str(out)]) == 1
    assert problems(capsys.readouterr().err) == [
        f"cardimg: error: -o: cannot write {out}: {tmp_path} is on a read-only file system"
    ]


# --------------------------------------------------------------------------- hostile options


@pytest.mark.parametrize("command", ["render", "check"])
@pytest.mark.parametrize("jobs", ["0", "-1", "100000", "99999999999"])
def test_a_number_of_workers_this_machine_cannot_run_is_one_line(
    command, jobs, content, tmp_path, capsys
):
    out = ["-o", str(tmp_path / "out")] if command == "render" else []
    status = run([command, str(content), *out, "--jobs", jobs])
    assert status == (1 if command == "render" else 2)
    (line,) = problems(capsys.readouterr().err)
    most = 4 * default_jobs()
    assert line == (
        f"cardimg: error: --jobs: {jobs} is not a number of workers from 1 to {most} "
        "(4 per CPU here)"
    )
    assert not (tmp_path / "out").exists()


EMPTY = [
    ["render", "", "-o", "out"],
    ["render", "content", "-o", ""],
    ["render", "content", "-o", "out", "--images", ""],
    ["render", "content", "-o", "out", "--logo", ""],
    ["render", "content", "-o", "out", "--preset", ""],
    ["render", "content", "-o", "out", "--theme", ""],
    ["check", ""],
    ["check", "content", "--preset", ""],
    ["check", "content", "--images", ""],
]


@pytest.mark.parametrize("argv", EMPTY, ids=[" ".join(argv) for argv in EMPTY])
def test_an_empty_name_is_a_usage_error_not_the_current_folder(
    argv, content, tmp_path, monkeypatch, capsys
):
    # An unset shell variable: `cardimg render "$DIR" -o "$OUT"`. The current folder is
    # neither the stories nor where they go, and an empty preset is not the default one.
    monkeypatch.chdir(content.parent)
    before = sorted(p.name for p in content.parent.iterdir())
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].endswith(": an empty name")
    assert "Traceback" not in err
    assert sorted(p.name for p in content.parent.iterdir()) == before


TOO_LONG = "x" * 300  # longer than a file name may be (255 bytes on most file systems)


@pytest.mark.parametrize(
    ("option", "where"),
    [
        ({"-o": TOO_LONG}, "-o: cannot write"),
        ({"-o": "/".join(["d"] * 3000)}, "-o: cannot write"),
        ({"--images": TOO_LONG}, "--images:"),
        ({"--logo": TOO_LONG}, "--logo:"),
        ({"--theme": TOO_LONG}, ""),
        ({"PATH": TOO_LONG}, ""),
    ],
    ids=["out", "out-path", "images", "logo", "theme", "path"],
)
def test_a_name_too_long_for_the_system_is_one_line(
    option, where, content, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    given = {"PATH": str(content), "-o": "out", **option}
    argv = ["render", given.pop("PATH"), *(part for pair in given.items() for part in pair)]
    assert run(argv) == 1
    (line,) = problems(capsys.readouterr().err)
    assert line.startswith(f"cardimg: error: {where}")
    # A theme name no file can have is no theme file: said as such, shortened.
    assert line.endswith("File name too long") or "no theme file or built-in theme" in line
    assert len(line) < 600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content"]  # nothing written


@pytest.mark.parametrize("option", [["--images", TOO_LONG], ["--theme", TOO_LONG], [TOO_LONG]])
def test_check_with_a_name_too_long_is_one_line(option, content, capsys):
    status = run(["check", str(content), *option])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert len(problems(err)) <= 2  # the error, or a finding's summary line


def test_a_port_where_no_dask_scheduler_answers_is_one_line(content, tmp_path, capsys):
    # Something listens (and never answers): Dask itself would wait a minute and more.
    import socket

    with socket.create_server(("127.0.0.1", 0)) as listener:
        address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        argv = ["render", str(content), "-o", str(tmp_path / "out"), "--scheduler", address]
        assert run(argv) == 1
    assert problems(capsys.readouterr().err) == [
        f"cardimg: error: --scheduler: cannot reach {address}: something listens there but "
        "says nothing: not a Dask scheduler"
    ]
    assert not (tmp_path / "out").exists()


def test_a_failed_story_carries_its_finding_across_the_process(tmp_path: Path) -> None:
    """A worker's error reaches the parent as a value (code, file, field), not as a
    message to parse: the same for a story that fails to load and one that fails to lay
    out."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "bad.md").write_text("---\ncards: 3\n---\n")
    many = "\n".join(f"- body: {'word ' * 3000}" for _ in range(30))
    (content / "long.md").write_text(f"---\ncards:\n{many}\n---\n")
    results: list[cardimg.StoryResult] = []
    with local_pool(2) as pool:
        cardimg.render_batch([content], tmp_path / "out", executor=pool, on_story=results.append)
    failed = {r.path.name: r for r in results if r.status == "failed"}
    bad = failed["bad.md"].finding
    assert bad is not None and (bad.code, bad.field) == ("story-invalid", "cards")
    assert failed["long.md"].finding is not None
    assert failed["long.md"].finding.code == "slides-over-limit"
    assert failed["long.md"].message == format_finding(failed["long.md"].finding)


def test_an_unchanged_rerun_starts_no_worker(tmp_path: Path) -> None:
    """The batch decides in the parent which stories are up to date: when all are, the
    pool's workers are never started (each would cost an interpreter and cardimg's
    imports)."""
    content = tmp_path / "content"
    for n in range(3):
        write(content, f"s{n}")
    out = tmp_path / "out"
    with local_pool(2) as pool:
        first = cardimg.render_batch([content], out, executor=pool)
        assert first.rendered == 3 and pool._processes  # started for the first run
    with local_pool(2) as pool:
        again = cardimg.render_batch([content], out, executor=pool)
        assert (again.rendered, again.unchanged) == (0, 3)
        assert not pool._processes  # nothing to render: no worker was started
        assert not pool.started  # nor the pool made (its queues start a resource tracker)


# --------------------------------------------------------------------------- told quickly
# A re-run tells an unchanged story from its manifest (`renderkey.quick_folder`), without
# parsing it or importing the renderer; whatever changes the output still renders it.

RERUN_PROBE = """
import json, sys
from cardimg.cli import main
status = main(sys.argv[1:])
print(json.dumps([status, sorted(name for name in {modules} if name in sys.modules)]))
"""
# The renderer, the story parser, the encoders, Pillow's drawing, the process pool, and
# importlib.metadata: an up-to-date re-run needs none of them.
NOT_FOR_A_RERUN = (
    "cardimg.render",
    "cardimg.paint",
    "cardimg.story",
    "cardimg.export",
    "cardimg.images",
    "cardimg.fonts",
    "cardimg.layout.page",
    "PIL.Image",
    "PIL.ImageFont",
    "yaml",
    "markdown_it",
    "multiprocessing",
    "concurrent.futures.process",
    "importlib.metadata",
)


def rerun_in_a_new_process(argv: list[str]) -> tuple[int, list[str], str]:
    """`cardimg ARGV` in a fresh interpreter: its status, the modules of NOT_FOR_A_RERUN it
    loaded, and its summary line."""
    code = RERUN_PROBE.format(modules=NOT_FOR_A_RERUN)
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    status, loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    return status, loaded, summary(proc.stdout)


def test_an_unchanged_rerun_imports_no_renderer_and_starts_no_worker(content, tmp_path):
    out = tmp_path / "out"
    argv = ["render", str(content), "-o", str(out), "--jobs", "2"]
    status, loaded, said = rerun_in_a_new_process(argv)
    assert status == 0 and said.startswith("cardimg: 6 rendered, 0 failed")
    assert "cardimg.render" in loaded and "multiprocessing" in loaded  # (the probe sees them)
    status, loaded, said = rerun_in_a_new_process(argv)
    assert status == 0 and said.startswith("cardimg: 0 rendered, 6 unchanged")
    assert loaded == []  # no multiprocessing: no worker, no pool, no resource tracker


def test_an_unchanged_story_is_not_parsed(content, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    argv = ["render", str(content), "-o", str(out), "--jobs", "1"]
    assert run(argv) == 0
    story_module = importlib.import_module("cardimg.story")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged story was parsed")

    monkeypatch.setattr(story_module, "load_story", refuse)
    monkeypatch.setattr(story_module, "parse_story", refuse)
    capsys.readouterr()
    assert run(argv) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 0 rendered, 6 unchanged")
    record = json.loads((out / "pictured" / "manifest.json").read_text("utf-8"))
    inputs = record["render_inputs"]
    assert (inputs["featured_image"], inputs["slug"], inputs["draft"]) == (
        "photo.jpg",
        "pictured",
        False,
    )


def test_an_image_found_first_in_another_place_renders_the_story_again(tmp_path, capsys):
    """The featured image is looked up again on every run, in the same order as a render
    looks: a file of the same name beside the story now comes before images/."""
    content = tmp_path / "content"
    write(content, "pictured", featured_image={"url": "photo.jpg"})
    (content / "images").mkdir()
    Image.new("RGB", (900, 1200), (40, 90, 160)).save(content / "images" / "photo.jpg")
    out = tmp_path / "out"
    argv = ["render", str(content), "-o", str(out), "--jobs", "1"]
    assert run(argv) == 0
    capsys.readouterr()
    assert run(argv) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 0 rendered, 1 unchanged")
    Image.new("RGB", (900, 1200), (200, 40, 40)).save(content / "photo.jpg")
    assert run(argv) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 1 rendered, 0 failed")


def test_a_folder_copied_under_the_name_of_the_story_file_is_not_its_folder(tmp_path, capsys):
    """A story's folder is the one its slug names: a copy of it under the name the file's
    name gives (where a re-run also looks) is not taken for it."""
    content = tmp_path / "content"
    write(content, "a", slug="x")
    out = tmp_path / "out"
    argv = ["render", str(content), "-o", str(out), "--jobs", "1"]
    assert run(argv) == 0
    shutil.copytree(out / "x", out / "a")
    shutil.rmtree(out / "x")
    capsys.readouterr()
    assert run(argv) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 1 rendered, 0 failed")
    assert (out / "x" / "manifest.json").is_file()


def test_a_rerun_still_refuses_a_second_story_for_a_folder(content, tmp_path, capsys):
    write(content, "clash", slug="s2")  # before s2.md: it has the folder s2
    out = tmp_path / "out"
    argv = ["render", str(content), "-o", str(out), "--jobs", "1"]
    assert run(argv) == 1
    capsys.readouterr()
    assert run(argv) == 1
    captured = capsys.readouterr()
    assert summary(captured.out).startswith("cardimg: 0 rendered, 6 unchanged")
    assert f"{content}/s2.md: slug: 's2' gives the same output folder" in captured.err


def test_drafts_and_future_posts_are_skipped_again_once_rendered(tmp_path):
    """A draft or a future post rendered when asked for is skipped by a re-run that does
    not ask for it, though its folder is up to date; and a bundle's index.md, whose slug
    is its folder's name, is told unchanged like any story."""
    posts = tmp_path / "content"
    (posts / "bundle").mkdir(parents=True)
    (posts / "bundle" / "index.md").write_text("---\ntitle: A bundle\ndate: 2024-11-14\n---\n")
    (posts / "draft.md").write_text("---\ntitle: Not yet\ndraft: true\n---\n")
    (posts / "later.md").write_text("---\ntitle: Tomorrow\npublishDate: 2025-01-01\n---\n")
    (posts / "now.md").write_text("---\ntitle: Today\nslug: today\ndate: 2024-11-30\n---\n")
    now = datetime(2024, 12, 1, tzinfo=UTC)
    out = tmp_path / "out"

    def batch(**asked: bool) -> tuple[int, int, int, int]:
        result = cardimg.render_batch([posts], out, preset="og", now=now, **asked)  # type: ignore[arg-type]
        return result.rendered, result.unchanged, result.drafts, result.future

    assert batch(drafts=True, future=True) == (4, 0, 0, 0)
    assert sorted(p.name for p in out.iterdir()) == ["bundle", "draft", "later", "today"]
    assert batch(drafts=True, future=True) == (0, 4, 0, 0)
    assert batch() == (0, 2, 1, 1)
    assert batch(future=True) == (0, 3, 1, 0)


def flip_a_name_byte(font: Path) -> None:
    """Change one byte of the font's `name` table in place, its size and modification
    time kept: only its status-change time (and its contents) tell."""
    import struct

    data = bytearray(font.read_bytes())
    (tables,) = struct.unpack(">H", data[4:6])
    for n in range(tables):
        tag, _, offset, length = struct.unpack(">4sIII", data[12 + 16 * n : 28 + 16 * n])
        if tag == b"name":
            data[offset + length - 1] ^= 0x01
    info = font.stat()
    font.write_bytes(bytes(data))
    os.utime(font, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert font.stat().st_size == info.st_size and font.stat().st_mtime_ns == info.st_mtime_ns


def test_a_font_stamped_unchanged_is_not_hashed_and_one_edited_in_place_is(
    content, tmp_path, capsys, monkeypatch
):
    """A re-run takes the theme's id from a manifest while its files' stamps (device,
    inode, size, times) are the same; a font changed in place, same size and mtime,
    differs in its status-change time, and renders every story again."""
    import cardimg.renderkey

    monkeypatch.setattr(cardimg.renderkey, "SETTLED_NS", 0)  # (files made this instant)
    theme_dir = tmp_path / "theme"
    (theme_dir / "inter").mkdir(parents=True)
    theme = theme_dir / "theme.toml"
    theme.write_text(THEME.read_text("utf-8"), "utf-8")
    font = theme_dir / "inter" / "Inter-Regular.otf"  # found beside the theme first
    shutil.copyfile(FONTS / "Inter-Regular.otf", font)
    hashed: list[str] = []
    real_hash = cardimg.renderkey.hash_regular

    def counting(path: Path, limit: int) -> str:
        hashed.append(Path(path).name)
        return real_hash(path, limit)

    monkeypatch.setattr(cardimg.renderkey, "hash_regular", counting)
    out = tmp_path / "out"
    argv = ["render", str(content), "-o", str(out), "--jobs", "1", "--theme", str(theme)]
    assert run(argv) == 0 and "Inter-Regular.otf" in hashed
    hashed.clear()
    capsys.readouterr()
    assert run(argv) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 0 rendered, 6 unchanged")
    assert hashed == ["photo.jpg"]  # the featured image; no font

    flip_a_name_byte(font)
    assert run(argv) == 0
    assert summary(capsys.readouterr().out).startswith("cardimg: 6 rendered, 0 failed")
    assert "Inter-Regular.otf" in hashed


def test_a_videos_sound_is_part_of_the_render_key(tmp_path: Path) -> None:
    """`--audio` changes an MP4's bytes: another sound (by its contents) is another key."""
    from cardimg.options import RenderOptions, SaveOptions
    from cardimg.renderkey import Fingerprints, Identity, KeyParts

    one, other = tmp_path / "one.wav", tmp_path / "other.wav"
    one.write_bytes(b"RIFF one")
    other.write_bytes(b"RIFF other")
    theme = cardimg.default_theme()

    def key(audio: Path | None) -> str:
        save = SaveOptions("mp4", audio=audio)
        identity = Identity("theme", "code", None)
        parts = KeyParts(RenderOptions(), save, theme, identity, None, Fingerprints())
        return parts.key(b"story", "a.md", None)

    assert len({key(None), key(one), key(other)}) == 3
    shutil.copyfile(other, tmp_path / "same.wav")
    assert key(tmp_path / "same.wav") == key(other)  # a moved sound is the same sound


def test_code_stamped_unchanged_is_not_read_and_code_edited_in_place_is(
    content, tmp_path, capsys, monkeypatch
):
    """cardimg's code digest is taken from a manifest while its files' stamps are the
    same; a module changed in place, same size and mtime, renders every story again."""
    import cardimg.renderkey as renderkey

    module = tmp_path / "module.py"
    module.write_text("STYLE = 1\n")
    real_files = renderkey._code_files
    monkeypatch.setattr(renderkey, "_code_files", lambda: [*real_files(), ("x.py", module)])
    monkeypatch.setattr(renderkey, "SETTLED_NS", 0)  # (files made this instant)
    renderkey.code_digest.cache_clear()  # (this process's: made with the files above)
    out = tmp_path / "out"
    argv = ["render", str(content), "-o", str(out), "--jobs", "1"]
    try:
        assert run(argv) == 0
        capsys.readouterr()
        renderkey.code_digest.cache_clear()
        read = []
        monkeypatch.setattr(renderkey, "code_digest", lambda: read.append(1) or "")
        assert run(argv) == 0
        assert summary(capsys.readouterr().out).startswith("cardimg: 0 rendered, 6 unchanged")
        assert read == []  # the recorded digest was taken
        monkeypatch.undo()
        monkeypatch.setattr(renderkey, "_code_files", lambda: [*real_files(), ("x.py", module)])
        monkeypatch.setattr(renderkey, "SETTLED_NS", 0)
        info = module.stat()
        module.write_text("STYLE = 2\n")  # the same size, and the same mtime below
        os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns))
        assert run(argv) == 0
        assert summary(capsys.readouterr().out).startswith("cardimg: 6 rendered, 0 failed")
    finally:
        renderkey.code_digest.cache_clear()
