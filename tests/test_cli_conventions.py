"""The command line's conventions: a configuration file, standard input and output,
-q/-v, completion scripts, suggestions, no abbreviations, -V."""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import cardimg
from cardimg.story import MAX_FILE_BYTES

from .cli_helpers import problems, run

SRC = Path(cardimg.__file__).resolve().parents[1]
PALETTE = "--dark-blue"
STORY = (
    "---\nslug: piped\ncards:\n  - order: 0\n    _key: k\n    body: Hello **there**.\n---\n"
    "**Source**  \n[https://example.com/one](https://example.com/one)\n"
)


def cardimg_process(
    *args: str, cwd: Path, stdin: bytes = b"", check: bool = False
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "cardimg", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=env,
        check=check,
        timeout=120,
    )


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes], io.BytesIO]:
    """stdin(data): standard input holding `data`; the raw stream, to see how much was read."""

    def give(data: bytes) -> io.BytesIO:
        raw = io.BytesIO(data)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(raw)))
        return raw

    return give


# --------------------------------------------------------------------------- config file


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config_lines(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, str]:
    assert run(["config", *argv]) == 0
    out = capsys.readouterr().out.splitlines()
    return {line.split(" = ")[0]: line.split(" = ", 1)[1] for line in out if " = " in line}


def test_config_file_in_a_parent_sets_defaults_per_command(cwd: Path, capsys) -> None:
    write(cwd.parent / "cardimg.toml", 'preset = "og"\njobs = 2\n[check]\npreset = "x"\n')
    (cwd / "deeper").mkdir()
    os.chdir(cwd / "deeper")
    lines = config_lines(capsys)
    assert lines["render.preset"].startswith('"og"  # ') and "top level" in lines["render.preset"]
    assert lines["check.preset"].startswith('"x"  # ') and "[check]" in lines["check.preset"]
    assert lines["render.jobs"].startswith("2  #")
    assert lines["render.target"] == "(none)  # default"
    assert "serve.preset" not in lines  # serve has no --preset: the top level skips it


def test_pyproject_tool_table_and_command_line_precedence(cwd: Path, small, capsys) -> None:
    write(cwd / "pyproject.toml", '[project]\nname = "x"\n[tool.cardimg.render]\nformat = "jpeg"\n')
    story = small()
    assert run(["render", str(story), "-o", "out"]) == 0
    assert sorted(p.suffix for p in (cwd / "out" / "small").glob("0*")) == [".jpg", ".jpg"]
    assert run(["render", str(story), "-o", "out2", "--format", "webp"]) == 0
    assert {p.suffix for p in (cwd / "out2" / "small").glob("0*")} == {".webp"}
    assert run(["render", str(story), "-o", "out3", "--no-config"]) == 0
    assert {p.suffix for p in (cwd / "out3" / "small").glob("0*")} == {".png"}
    capsys.readouterr()


def test_cardimg_toml_beats_pyproject_in_the_same_folder_and_config_option(cwd, capsys) -> None:
    write(cwd / "pyproject.toml", '[tool.cardimg]\npreset = "og"\n')
    write(cwd / "cardimg.toml", 'preset = "x"\n')
    other = write(cwd / "elsewhere" / "mine.toml", 'preset = "story"\n')
    assert config_lines(capsys)["render.preset"].startswith('"x"')
    assert config_lines(capsys, "--config", str(other))["render.preset"].startswith('"story"')
    assert config_lines(capsys, "--no-config")["render.preset"] == "(none)  # default"


def test_paths_in_the_file_are_relative_to_it(cwd: Path, capsys) -> None:
    write(cwd.parent / "cardimg.toml", '[render]\nimages = "assets"\noutput = "built"\n')
    lines = config_lines(capsys, "render")
    assert lines["render.images"].startswith(f'"{cwd.parent / "assets"}"')
    assert lines["render.out"].startswith(f'"{cwd.parent / "built"}"')


@pytest.mark.parametrize(
    ("text", "key", "said"),
    [
        ('preset = "instagram-sqare"', "preset", "did you mean 'instagram-square'?"),
        ('[render]\ntheme = "bolt"', "render.theme", "did you mean 'bold'?"),
        ('[render]\ntarget = "instagram"', "render.target", "did you mean 'instagram-"),
        ('[render]\nformat = "wepb"', "render.format", "did you mean 'webp'?"),
        ('jobs = "4"', "jobs", "a number, not text"),
        ("strict = 1", "strict", "true or false, not a number"),
        ('presett = "og"', "presett", "did you mean 'preset'?"),
        ('[render]\nhost = "x"', "render.host", "not an option of render"),
        ('[rendr]\npreset = "og"', "[rendr]", "did you mean 'render'?"),
        ('out = ""', "out", "an empty name"),
        ('preset = "og"\n[render', "", "line 2"),
    ],
)
def test_a_mistake_is_one_line_naming_the_file_and_key(
    text: str, key: str, said: str, cwd: Path, small, capsys
) -> None:
    config = write(cwd / "cardimg.toml", text + "\n")
    assert run(["render", str(small()), "-o", "out"]) == 2
    lines = problems(capsys.readouterr().err)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"cardimg: error: {config}: {key}")
    assert said in lines[0]
    assert not (cwd / "out").exists()


def test_a_config_file_that_is_not_a_regular_file_or_too_big_is_refused(cwd: Path, capsys) -> None:
    (cwd / "cardimg.toml").mkdir()
    assert run(["config", "--config", str(cwd / "cardimg.toml")]) == 2
    assert "not a file" in capsys.readouterr().err
    big = write(cwd / "big.toml", "# " + "x" * (300 << 10) + "\n")
    assert run(["config", "--config", str(big)]) == 2
    err = capsys.readouterr().err
    assert "over the limit" in err and len(problems(err)) == 1
    if hasattr(os, "mkfifo"):
        os.mkfifo(cwd / "fifo.toml")  # would block a plain open() forever
        assert run(["config", "--config", str(cwd / "fifo.toml")]) == 2
        assert "not a regular file" in capsys.readouterr().err


# --------------------------------------------------------------------------- stdin, stdout


def test_render_a_story_from_standard_input(cwd: Path, stdin, capsys) -> None:
    stdin(STORY.encode())
    assert run(["render", "-", "-o", "out"]) == 0
    assert sorted(p.name for p in (cwd / "out" / "piped").glob("0*.png")) == ["01.png", "02.png"]
    manifest = json.loads((cwd / "out" / "piped" / "manifest.json").read_text())
    assert "cardimg-stdin" not in json.dumps(manifest)  # no temporary path leaks out
    assert capsys.readouterr().out.startswith("<stdin>: 2 slides -> ")


def test_check_names_a_story_from_standard_input_stdin(cwd: Path, stdin, capsys) -> None:
    stdin(b"---\ncards: 3\n---\n")
    assert run(["check", "-", "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["files"][0]["path"] == "<stdin>"
    assert report["files"][0]["findings"][0]["file"] == "<stdin>"
    stdin(b"---\ncards: 3\n---\n")
    assert run(["check", "-"]) == 2
    assert capsys.readouterr().out.startswith("<stdin>: story-invalid: cards:")


def test_standard_input_is_bounded_like_a_file(cwd: Path, stdin, capsys) -> None:
    raw = stdin(b"x" * (3 * MAX_FILE_BYTES))
    assert run(["check", "-"]) == 2
    # The limit and one byte to tell, and a buffer's worth at most: never the whole stream.
    assert raw.tell() <= MAX_FILE_BYTES + 1 + io.DEFAULT_BUFFER_SIZE
    lines = problems(capsys.readouterr().err)
    assert lines == [
        f"cardimg: error: <stdin>: over the limit of {MAX_FILE_BYTES:,} bytes for a story"
    ]


def test_stdout_writes_one_image_for_a_pipe(cwd: Path) -> None:
    done = cardimg_process(
        "render", "-", "--preset", "og", "--stdout", cwd=cwd, stdin=STORY.encode()
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"\x89PNG\r\n\x1a\n")
    assert not (cwd / "out").exists()
    slide = cardimg_process(
        "render", "-", "--stdout", "--slide", "2", cwd=cwd, stdin=STORY.encode()
    )
    assert slide.returncode == 0 and slide.stdout.startswith(b"\x89PNG")
    assert slide.stdout != done.stdout


def cardimg_program(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The `cardimg` program (`cli.run`, as the console script and `python -m` run it),
    with an exit handler of its own registered first: it says on stderr that it ran."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('exit handler ran', file=sys.stderr))\n"
        f"sys.argv = ['cardimg', *{list(args)!r}]\n"
        "from cardimg.cli import run\n"
        "run()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("PYTHONUNBUFFERED", None)  # output into a pipe is held until flushed
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def test_a_check_ends_its_process_early_with_all_its_output_and_status(cwd: Path, capsys) -> None:
    # `run` ends a checking process without tearing its objects down: what it printed
    # (block-buffered into a pipe), its exit status and the exit handlers must not notice.
    (cwd / "clean.md").write_text(STORY, encoding="utf-8")
    (cwd / "warned.md").write_text(
        STORY.replace("slug: piped", "slug: w\ncolorpaletteclassname: --nope"), encoding="utf-8"
    )
    (cwd / "broken.md").write_text("---\ncards: 3\n---\n", encoding="utf-8")
    for argv, status in (
        (["check", "clean.md", "--format", "json"], 0),
        (["check", "warned.md", "--strict", "--format", "json"], 1),
        (["check", "clean.md", "broken.md", "--format", "json"], 2),
        (["check", "warned.md", "broken.md"], 2),
    ):
        done = cardimg_program(*argv, cwd=cwd)
        assert run(argv) == status
        assert done.returncode == status, done.stderr
        assert done.stdout == capsys.readouterr().out
        assert done.stderr.splitlines()[-1] == "exit handler ran"
    assert cardimg_program("render", "clean.md", "-o", "out", cwd=cwd).returncode == 0
    assert (cwd / "out" / "piped" / "manifest.json").is_file()


def test_a_check_gives_the_collector_back_as_it_found_it(cwd: Path, capsys) -> None:
    (cwd / "clean.md").write_text(STORY, encoding="utf-8")
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert run(["check", "clean.md"]) == 0
    assert (gc.get_threshold(), gc.get_freeze_count()) == (thresholds, frozen)


def test_stdout_of_a_carousel_asks_for_a_slide(cwd: Path, stdin, capsys) -> None:
    stdin(STORY.encode())
    assert run(["render", "-", "--stdout"]) == 1
    assert "choose one with --slide N" in capsys.readouterr().err
    stdin(STORY.encode())
    assert run(["render", "-", "--slide", "1"]) == 1
    assert "--slide: only with --stdout" in capsys.readouterr().err


# --------------------------------------------------------------------------- -q / -v


def test_quiet_says_errors_only_and_verbose_times_on_stderr(cwd: Path, small, capsys) -> None:
    story = small(colorpaletteclassname="nosuch")
    assert run(["render", str(story), "-o", "out", "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert run(["-v", "render", str(story), "-o", "out2"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{story}: 2 slides")  # stdout: what it always says
    assert "cardimg: options and theme: " in captured.err
    assert "cardimg: rendering 1 story: " in captured.err
    assert "cardimg: font sans: " in captured.err


@pytest.mark.parametrize("command", ["render", "check", "presets", "doctor", "serve", "config"])
def test_quiet_and_verbose_are_options_of_every_command(command: str, capsys) -> None:
    assert run([command, "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("-q, --quiet", "-v, --verbose", "--config FILE", "--no-config"):
        assert option in out


# --------------------------------------------------------------------------- completion


def complete(script: str, *words: str) -> list[str]:
    """What the bash completion offers for the last word of `cardimg WORDS`."""
    words_list = " ".join(f"'{word}'" for word in ("cardimg", *words))
    code = (
        f"source {script}\n"
        f"COMP_WORDS=({words_list}); COMP_CWORD={len(words)}\n"
        '_cardimg; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(["bash", "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


@pytest.mark.skipif(not Path("/bin/bash").exists(), reason="needs bash")
def test_bash_completion_loads_and_completes(tmp_path: Path, capsys) -> None:
    assert run(["completion", "bash"]) == 0
    script = tmp_path / "cardimg.bash"
    script.write_text(capsys.readouterr().out)
    loaded = cardimg_process("completion", "bash", cwd=tmp_path)
    subprocess.run(
        ["bash", "-c", f"source <(printf '%s' {json.dumps(loaded.stdout.decode())})"],
        check=True,
    )
    assert complete(str(script), "ren") == ["render"]
    assert complete(str(script), "render", "--preset", "instagram-sq") == ["instagram-square"]
    formats = ["text", "json", "github", "sarif"]
    assert complete(str(script), "-q", "check", "--format", "") == formats
    assert "bold" in complete(str(script), "render", "--theme", "b")
    assert complete(str(script), "render", "--pre") == ["--preset"]
    assert complete(str(script), "completion", "f") == ["fish"]


def test_zsh_and_fish_scripts(capsys) -> None:
    assert run(["completion", "zsh"]) == 0
    assert "bashcompinit" in capsys.readouterr().out
    assert run(["completion", "fish"]) == 0
    fish = capsys.readouterr().out
    assert "complete -c cardimg -n __fish_use_subcommand -a render" in fish
    assert "-l preset -x -a 'instagram-portrait" in fish


# --------------------------------------------------------------------------- mistakes


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["rendr", "x"], "did you mean 'render'?"),
        (
            ["render", "x", "--presett", "og"],
            "unrecognized option --presett; did you mean '--preset'?",
        ),
        (["render", "x", "--pre", "og"], "unrecognized option --pre; did you mean '--preset'?"),
        (["check", "x", "--target", "linkedn"], "did you mean 'linkedin'?"),
        (["check", "x", "--format", "jsn"], "did you mean 'json'?"),
    ],
)
def test_mistyped_names_get_a_one_line_suggestion(argv, said: str, cwd, capsys) -> None:
    assert run(argv) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and said in errors[0]


def test_abbreviated_options_are_refused(cwd: Path, small, capsys) -> None:
    assert run(["render", str(small()), "--pre", "og", "-o", "out"]) == 2
    assert not (cwd / "out").exists()
    assert run(["--vers"]) == 2
    capsys.readouterr()


def test_unknown_preset_theme_and_palette_suggest(cwd: Path, small, capsys) -> None:
    story = small()
    assert run(["render", str(story), "--preset", "instagram-sqare"]) == 1
    assert "did you mean 'instagram-square'?" in capsys.readouterr().err
    assert run(["render", str(story), "--theme", "bolt"]) == 1
    assert "did you mean 'bold'?" in capsys.readouterr().err
    assert (
        run(
            [
                "render",
                str(small("p.md", slug="p", colorpaletteclassname=PALETTE[:-1])),
                "-o",
                "out",
            ]
        )
        == 0
    )
    assert f"did you mean {PALETTE!r}?" in capsys.readouterr().err


@pytest.fixture
def small(write_story: Callable[..., Path]) -> Callable[..., Path]:
    """A one-card story with one source (2 slides)."""

    def make(name: str = "small.md", slug: str = "small", **meta: object) -> Path:
        cards = [{"order": 0, "_key": "k", "body": "Hello **there**."}]
        return write_story(
            name, cards, sources="**S**  \n[https://e.com/a](https://e.com/a)\n", slug=slug, **meta
        )

    return make


def test_a_top_level_value_one_command_cannot_take_stops_only_that_command(cwd: Path, capsys):
    write(cwd / "cardimg.toml", 'format = "jpeg"\n')
    assert config_lines(capsys, "render")["render.format"].startswith('"jpeg"')
    assert run(["check", "x.md"]) == 2
    err = capsys.readouterr().err
    expected = "format: 'jpeg' is not one of text, json, github, sarif (for check: set [check]"
    assert expected in err
    write(
        cwd / "cardimg.toml",
        'format = "jpeg"\n[check]\nformat = "json"\n[doctor]\nformat = "text"\n',
    )
    assert config_lines(capsys)["check.format"].startswith('"json"')
