"""A theme is input too: every hostile theme gets one line naming its file and key, in
bounded time, from the command line and the API alike (and never a traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import cardimg
from cardimg.check import check_story
from cardimg.errors import CardimgError, OptionsError, StoryError, ThemeError
from cardimg.model import RenderOptions
from cardimg.theme import load_theme

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
GREEK = SAMPLES / "20240111-greek.md"
SRC = Path(cardimg.__file__).resolve().parents[1]


def cardimg_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command, in its own process, with a bound: a hang fails the test."""
    return subprocess.run(
        [sys.executable, "-m", "cardimg", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if "Raqm" not in line]
    assert "Traceback" not in stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("cardimg: error: "), stderr
    return lines[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    path = tmp_path / "pipe.ttf"
    os.mkfifo(path)
    return path


def theme_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "brand.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- files


def font_cases(tmp_path: Path, fifo: Path) -> dict[str, tuple[str, str]]:
    text = tmp_path / "notes.ttf"
    text.write_text("this is not a font\n")
    noise = tmp_path / "noise.otf"
    noise.write_bytes(bytes(range(256)) * 40)
    return {
        "a text file": (str(text), "not a font file FreeType can read"),
        "random bytes": (str(noise), "not a font file FreeType can read"),
        "/etc/passwd": ("/etc/passwd", "not a font file FreeType can read"),
        "a FIFO": (str(fifo), "not a regular file"),
        "/dev/zero": ("/dev/zero", "not a regular file"),
        "a folder": (str(tmp_path), "a folder, not a file"),
    }


def test_a_font_that_is_not_a_font_is_one_line_naming_the_theme_and_key(tmp_path, fifo):
    for case, (font, reason) in font_cases(tmp_path, fifo).items():
        theme = theme_file(tmp_path, f'[fonts]\nsans = "{font}"\n')
        with pytest.raises(ThemeError, match=f"brand.toml: fonts.sans: .*{reason}"):
            load_theme(theme)
        checked = cardimg_cli("check", str(GREEK), "--theme", str(theme), cwd=tmp_path)
        assert checked.returncode == 2, case
        assert "brand.toml: fonts.sans:" in one_error(checked.stderr), case
        out = tmp_path / "out"
        rendered = cardimg_cli(
            "render", str(GREEK), str(SAMPLES / "20240112-cyrillic.md"), "-o", str(out),
            "--theme", str(theme), cwd=tmp_path,
        )  # fmt: skip
        assert rendered.returncode == 1, case
        error = one_error(rendered.stderr)  # once for the batch, not once a story
        assert reason in error and GREEK.name not in error, case
        assert not out.exists()


def test_a_fallback_font_is_checked_too(tmp_path):
    theme = theme_file(tmp_path, '[[fallback]]\nregular = "/etc/passwd"\n')
    with pytest.raises(ThemeError, match=r"brand.toml: fallback\[0\].regular: '/etc/passwd'"):
        load_theme(theme)


@pytest.mark.parametrize("logo", ["fifo", "/dev/zero", "folder"])
def test_a_logo_that_is_a_device_or_a_pipe_is_refused_without_waiting(tmp_path, fifo, logo):
    path = {"fifo": str(fifo), "/dev/zero": "/dev/zero", "folder": str(tmp_path)}[logo]
    theme = theme_file(tmp_path, f'[frame]\nlogo = "{path}"\n')
    result = cardimg_cli("render", str(GREEK), "-o", "out", "--theme", str(theme), cwd=tmp_path)
    assert result.returncode == 1
    assert "brand.toml: frame.logo:" in one_error(result.stderr)
    checked = cardimg_cli("check", str(GREEK), "--theme", str(theme), cwd=tmp_path)
    assert checked.returncode == 2
    assert "frame.logo" in one_error(checked.stderr)


def test_a_logo_option_that_is_a_fifo_is_refused(tmp_path, fifo):
    result = cardimg_cli("render", str(GREEK), "-o", "out", "--logo", str(fifo), cwd=tmp_path)
    assert result.returncode == 1
    assert str(fifo) in one_error(result.stderr)


def test_a_theme_file_that_is_a_fifo_or_a_device_is_refused(tmp_path, fifo):
    theme = tmp_path / "pipe.toml"
    os.mkfifo(theme)
    for ref in (str(theme), "/dev/zero"):
        result = cardimg_cli("check", str(GREEK), "--theme", ref, cwd=tmp_path)
        assert result.returncode == 2
        one_error(result.stderr)


def test_a_huge_theme_is_refused_before_it_is_parsed(tmp_path):
    tables = "".join(
        f'[palettes."--p{n}"]\nbackground = "#000000"\ntext = "#ffffff"\nframe = "#ffffff"\n'
        for n in range(40_000)
    )
    theme = theme_file(tmp_path, tables)
    assert theme.stat().st_size > 1 << 20
    with pytest.raises(ThemeError, match=r"brand.toml: .* over the limit of 1.0 MB"):
        load_theme(theme)
    result = cardimg_cli("check", str(GREEK), "--theme", str(theme), cwd=tmp_path)
    assert result.returncode == 2
    assert "over the limit" in one_error(result.stderr)


def test_a_theme_with_too_many_palettes_is_refused(tmp_path):
    tables = "".join(
        f'[palettes."--p{n}"]\nbackground = "#000000"\ntext = "#ffffff"\nframe = "#ffffff"\n'
        for n in range(1_001)
    )
    theme = theme_file(tmp_path, '[palettes."--default"]\n' + tables.split("\n", 1)[1])
    with pytest.raises(ThemeError, match=r"brand.toml: palettes: 1,001 entries, over the limit"):
        load_theme(theme)


def test_themes_extending_each_other_too_deep_are_refused(tmp_path):
    for n in range(20):
        (tmp_path / f"t{n}.toml").write_text(f'extends = "t{n + 1}.toml"\n')
    (tmp_path / "t20.toml").write_text("")
    with pytest.raises(ThemeError, match="more than 16 themes extending each other"):
        load_theme(tmp_path / "t0.toml")


# --------------------------------------------------------------------------- sizes


def test_a_body_size_no_font_can_be_set_at_is_refused_naming_the_key(tmp_path):
    theme = theme_file(tmp_path, "[type]\nbody_size = 0.01\n")
    with pytest.raises(ThemeError, match=r"brand.toml: type.body_size: expected a number from 8"):
        load_theme(theme)
    result = cardimg_cli("render", str(GREEK), "-o", "out", "--theme", str(theme), cwd=tmp_path)
    assert result.returncode == 1 and "type.body_size" in one_error(result.stderr)


def test_a_legibility_floor_too_large_for_the_slide_blames_the_floor(tmp_path):
    theme = theme_file(tmp_path, "[type]\nbody_size = 240\nmin_body_size = 240\n")
    checked = cardimg_cli("check", str(GREEK), "--theme", str(theme), cwd=tmp_path)
    assert checked.returncode == 2
    error = one_error(checked.stderr)
    assert "brand.toml: type.min_body_size: 240 px" in error and "frame.inset" not in error
    rendered = cardimg_cli("render", str(GREEK), "-o", "o", "--theme", str(theme), cwd=tmp_path)
    assert rendered.returncode == 1 and "type.min_body_size" in one_error(rendered.stderr)
    # From Python, check gives a finding rather than raising.
    findings = check_story(GREEK, theme=load_theme(theme))
    assert [f.code for f in findings if f.severity == "error"] == ["theme-invalid"]


def test_margins_that_leave_no_room_blame_the_margins(tmp_path):
    theme = theme_file(tmp_path, "[frame]\ninset = 300\npadding = 300\n")
    with pytest.raises(ThemeError, match=r"frame.inset \+ frame.padding leave no room"):
        cardimg.render(GREEK, theme=theme)


def test_frame_labels_must_stay_on_the_slide(tmp_path):
    theme = theme_file(tmp_path, "[frame]\ninset = 0\npadding = 0\n")
    with pytest.raises(ThemeError, match=r"brand.toml: frame.inset: expected at least 16"):
        load_theme(theme)
    # With room for them, every line is on the slide.
    fits = theme_file(tmp_path, "[frame]\ninset = 16\npadding = 0\n")
    carousel = cardimg.render(GREEK, theme=fits)
    for slide in carousel.slides:
        width, height = slide.image.size
        for line in slide.lines:
            x0, y0, x1, y1 = line.box
            assert x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height, line


# --------------------------------------------------------------------------- the API


def test_saving_over_a_file_is_an_options_error(tmp_path):
    carousel = cardimg.render(GREEK)
    afile = tmp_path / "hostname"
    afile.write_text("x")
    with pytest.raises(OptionsError, match="is not a folder"):
        carousel.save(afile)
    with pytest.raises(OptionsError, match="is not a folder"):
        carousel.save(afile / "out")


@pytest.mark.parametrize("quality", [0, 101, -5, 2.5, True, "90"])
def test_a_bad_quality_is_an_options_error(tmp_path, quality):
    carousel = cardimg.render(GREEK)
    with pytest.raises(OptionsError, match="quality must be a whole number from 1 to 100"):
        carousel.save(tmp_path, format="jpeg", quality=quality)
    assert not (tmp_path / carousel.story.slug).exists()


def test_parse_story_takes_bytes_and_refuses_what_is_not_text():
    text = GREEK.read_text(encoding="utf-8")
    assert cardimg.parse_story(text.encode()).cards == cardimg.parse_story(text).cards
    with pytest.raises(StoryError, match="not UTF-8 text"):
        cardimg.parse_story(b"---\ncards:\n- body: \xff\n---\n")
    for value in (None, 42, ["---"]):
        with pytest.raises(StoryError, match="expected the story's text"):
            cardimg.parse_story(value)  # type: ignore[arg-type]


def test_every_input_error_of_the_api_is_a_cardimg_error(tmp_path):
    with pytest.raises(CardimgError):
        cardimg.render(GREEK, options=RenderOptions(width=10))
    with pytest.raises(CardimgError):
        cardimg.render(GREEK, theme=tmp_path / "missing.toml")
    with pytest.raises(CardimgError):
        cardimg.render(GREEK).save(tmp_path, format="tiff")


# --------------------------------------------------------------------------- every key


def _theme_keys() -> list[tuple[str, ...]]:
    """Every key the default theme sets, as a path of tables, and the file-naming keys."""
    import tomllib

    default = tomllib.loads((SRC / "cardimg" / "themes" / "default.toml").read_text())
    keys: list[tuple[str, ...]] = []
    for top, value in default.items():
        if isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(inner, dict):
                    keys.extend((top, key, leaf) for leaf in inner)
                else:
                    keys.append((top, key))
        elif not isinstance(value, list):
            keys.append((top,))
    return [*keys, ("fallback", "regular"), ("frame", "logo"), ("palettes",), ("extends",)]


def _toml(value: object) -> str:
    if isinstance(value, float):
        return "nan" if value != value else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode().replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ a = { b = 1 } }"
    return str(value).lower() if isinstance(value, bool) else str(value)


_HOSTILE = [
    float("nan"),
    float("inf"),
    -1,
    10**30,
    True,
    "a" * 5000,
    "\n\u202e\u0000",
    [],
    [1, [2]],
    {},
    "/dev/zero",
    "/nonexistent/x",
]


def test_every_key_of_a_theme_takes_hostile_values_with_one_line(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    values = [*_HOSTILE, str(loop), str(tmp_path)]
    path = tmp_path / "t.toml"
    loaded = refused = 0
    for key in _theme_keys():
        for value in values:
            if key[0] == "fallback":
                text = f"[[fallback]]\n{key[1]} = {_toml(value)}\n"
            elif len(key) == 1:
                text = f"{key[0]} = {_toml(value)}\n"
            else:
                tables = ".".join(f'"{k}"' if k.startswith("-") else k for k in key[:-1])
                text = f"[{tables}]\n{key[-1]} = {_toml(value)}\n"
            path.write_text(text, encoding="utf-8")
            try:
                theme = load_theme(path)
                cardimg.render(GREEK, theme=theme, preset="instagram-square")
                loaded += 1
            except CardimgError as exc:
                message = str(exc)
                assert "\n" not in message and len(message) <= 500, (key, value, message)
                assert message.startswith("t.toml: ") or "t.toml" in message, (key, message)
                refused += 1
    assert refused > loaded > 0


def test_which_fonts_are_cardimgs_own_is_decided_as_realpath_would(tmp_path):
    from cardimg.resources import data_dir
    from cardimg.theme import _FontsFolder

    own = _FontsFolder()
    fonts = data_dir("fonts")
    font = next(fonts.rglob("*.ttf"))
    outside = tmp_path / "outside.ttf"
    outside.write_bytes(b"")
    (tmp_path / "to-own.ttf").symlink_to(font)
    (tmp_path / "to-own-folder").symlink_to(font.parent)
    (tmp_path / "own-folder-link").symlink_to(fonts)
    paths = [
        font,
        outside,
        tmp_path / "to-own.ttf",
        tmp_path / "to-own-folder" / font.name,
        tmp_path / "own-folder-link" / font.relative_to(fonts),
        fonts / ".." / "fonts" / font.relative_to(fonts),
        font.parent / "..",
        Path(str(font.parent) + "/../" + font.parent.name) / font.name,
    ]
    for path in paths:
        assert own.holds(path) == Path(os.path.realpath(path)).is_relative_to(own.real), path
