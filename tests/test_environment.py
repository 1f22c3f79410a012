"""cardimg on machines that lack something: FriBiDi, fontconfig's program, any system
font. Broken text must never be published with exit 0.

The machine cases run the real command line in a private mount namespace where the
library or program is hidden under /dev/null (`unshare -m`, as root: CI runs as root),
so the process really cannot load it; where that cannot be made, they skip and say why.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import pytest

import cardimg
from cardimg import fontconfig
from cardimg.engine import shaping_need
from cardimg.errors import StoryError
from cardimg.fonts import FontBook
from cardimg.theme import default_theme

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ARABIC = SAMPLES / "20240113-arabic.md"
GREEK = SAMPLES / "20240111-greek.md"
JAPANESE = SAMPLES / "20240118-japanese.md"


# --------------------------------------------------------------------------- helpers


def _library_file(soname: str) -> str | None:
    """Where the dynamic loader finds a library (the file itself, links resolved)."""
    try:
        listing = subprocess.run(
            ["ldconfig", "-p"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in listing.splitlines():
        if line.strip().startswith(soname + " ") and "=>" in line:
            return os.path.realpath(line.rsplit("=>", 1)[-1].strip())
    return None


@cache
def _namespaces_work() -> str | None:
    """None when hiding files in a private mount namespace works here, else why not."""
    if shutil.which("unshare") is None:
        return "the unshare program is not installed"
    if os.geteuid() != 0:
        return "a private mount namespace needs root (CI runs as root)"
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind /dev/null /dev/null"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return f"unshare -m is refused here: {probe.stderr.strip()}"
    return None


def _hidden(files: list[str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`cardimg ARGS` with each of `files` bound over by /dev/null, for this process only."""
    reason = _namespaces_work()
    if reason:
        pytest.skip(reason)
    mounts = " && ".join(f"mount --bind /dev/null {shlex.quote(f)}" for f in files)
    command = [sys.executable, "-m", "cardimg", *args]
    script = f'{mounts} && exec "$@"'
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", *command],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def _fribidi() -> str:
    found = _library_file("libfribidi.so.0")
    if found is None:
        pytest.skip("FriBiDi is not installed here: nothing to hide")
    return found


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("cardimg: error:")]


# --------------------------------------------------------------------------- FriBiDi


def test_without_fribidi_a_right_to_left_story_is_refused_naming_what_to_install(tmp_path):
    result = _hidden([_fribidi()], "render", str(ARABIC), "-o", "out", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    (error,) = _errors(result.stderr)
    assert str(ARABIC) in error and "card " in error
    assert "Arabic (right-to-left) text" in error
    assert "FriBiDi" in error and "libfribidi0" in error and "cardimg doctor" in error
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / ARABIC.stem).exists()


def test_without_fribidi_a_latin_story_still_renders_with_a_warning(tmp_path):
    result = _hidden([_fribidi()], "render", str(GREEK), "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Raqm layout is unavailable" in result.stderr
    assert (tmp_path / "out" / GREEK.stem / "01.png").is_file()


def test_without_fribidi_the_basic_layout_is_only_used_when_asked_for(tmp_path):
    result = _hidden(
        [_fribidi()],
        "render",
        str(ARABIC),
        "-o",
        "out",
        "--allow-basic-layout",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "set with the basic layout" in line]
    assert len(warned) == 1  # once a story, not once a card
    manifest = json.loads((tmp_path / "out" / ARABIC.stem / "manifest.json").read_text())
    assert any("text-engine-missing" in json.dumps(entry) for entry in manifest["findings"])


def test_without_fribidi_check_reports_the_same_as_an_error(tmp_path):
    result = _hidden(
        [_fribidi()], "check", str(ARABIC), str(GREEK), "--format", "json", cwd=tmp_path
    )
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    by_file = {entry["path"]: entry["findings"] for entry in report["files"]}
    arabic = [f for f in by_file[str(ARABIC)] if f["code"] == "text-engine-missing"]
    assert arabic and all(f["severity"] == "error" and f["card"] for f in arabic[:-1])
    assert not [f for f in by_file[str(GREEK)] if f["code"] == "text-engine-missing"]


def test_doctor_without_fribidi_says_what_to_install_and_fails(tmp_path):
    result = _hidden([_fribidi()], "doctor", cwd=tmp_path)
    assert result.returncode == 1
    engine = next(line for line in result.stdout.splitlines() if "text engine" in line)
    assert "MISSING" in engine and "apt-get install libfribidi0" in engine
    assert "text engine" in result.stderr


# --------------------------------------------------------------------------- fontconfig


def _fontconfig_library() -> str:
    found = _library_file("libfontconfig.so.1")
    if found is None:
        pytest.skip("fontconfig's library is not installed here")
    return found


def _cjk_system_font() -> None:
    if fontconfig.match("sans-serif:charset=3042:lang=ja", "%{file}") in (None, ""):
        pytest.skip("no Japanese system font here (Debian: fonts-noto-cjk)")
    answer = fontconfig.match("sans-serif:charset=3042:lang=ja", "%{file}") or ""
    if "CJK" not in answer and "Japan" not in answer and "Gothic" not in answer:
        pytest.skip(f"the system's Japanese font is not a CJK face ({answer})")


def test_without_the_fc_match_program_system_fonts_are_asked_through_the_library(tmp_path):
    _cjk_system_font()
    program = shutil.which("fc-match")
    if program is None:
        pytest.skip("fc-match is not installed: nothing to hide")
    result = _hidden([os.path.realpath(program)], "check", str(JAPANESE), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "glyphs-missing" not in result.stdout


def test_without_any_system_font_japanese_names_the_package_and_strict_fails(tmp_path):
    hide = [_fontconfig_library()]
    if shutil.which("fc-match"):
        hide.append(os.path.realpath(shutil.which("fc-match") or ""))
    checked = _hidden(hide, "check", str(JAPANESE), "--strict", cwd=tmp_path)
    assert checked.returncode == 1, checked.stderr
    missing = [line for line in checked.stdout.splitlines() if "glyphs-missing" in line]
    assert missing and all("apt-get install fonts-noto-cjk" in line for line in missing)
    assert all("[[fallback]]" in line for line in missing)
    rendered = _hidden(hide, "render", str(JAPANESE), "-o", "out", "--strict", cwd=tmp_path)
    assert rendered.returncode == 1
    (error,) = _errors(rendered.stderr)
    assert "no font has these characters" in error and "--strict" in error
    assert not (tmp_path / "out" / JAPANESE.stem).exists()
    doctor = _hidden(hide, "doctor", cwd=tmp_path)
    assert doctor.returncode == 1
    assert re.search(r"MISSING +Japanese .*fonts-noto-cjk", doctor.stdout)
    assert re.search(r"MISSING +system fonts", doctor.stdout)


_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{fonts}</dir><cachedir>{cache}</cachedir></fontconfig>
"""

_INSTALL_WHILE_RUNNING = textwrap.dedent(
    """
    import json, shutil, sys
    import cardimg
    from cardimg.check import check_story
    story = cardimg.parse_story("---\\ncards:\\n- body: 中中中\\n---\\n")
    before = [f.code for f in check_story(story)]
    shutil.copy(sys.argv[1], sys.argv[2])   # a font installed while the process runs
    after = [f.code for f in check_story(story)]
    print(json.dumps([before, after]))
    """
)


def _square_font(path: Path, code: int) -> None:
    """A tiny TrueType font with one glyph (a square) for `code`."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    square = TTGlyphPen(None)
    for point in ((100, 0), (100, 700), (900, 700), (900, 0)):
        (square.lineTo if point != (100, 0) else square.moveTo)(point)
    square.closePath()
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "square"])
    builder.setupCharacterMap({code: "square"})
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "square": square.glyph()})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "square": (1000, 100)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Square Test", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    builder.save(str(path))


def test_a_font_installed_while_the_process_runs_is_found(tmp_path):
    if not fontconfig.available():
        pytest.skip("fontconfig's library is not installed here")
    fonts, cache_dir = tmp_path / "fonts", tmp_path / "cache"
    fonts.mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(_FONTS_CONF.format(fonts=fonts, cache=cache_dir))
    font = tmp_path / "square.ttf"
    _square_font(font, ord("中"))
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    result = subprocess.run(
        [sys.executable, "-c", _INSTALL_WHILE_RUNNING, str(font), str(fonts / "square.ttf")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    before, after = json.loads(result.stdout)
    assert "glyphs-missing" in before
    assert "glyphs-missing" not in after


def test_the_library_is_asked_when_the_program_is_absent(monkeypatch):
    if not fontconfig.available():
        pytest.skip("fontconfig's library is not installed here")
    import cardimg.fonts as fonts_module

    monkeypatch.setattr(fonts_module.shutil, "which", lambda name: None)
    assert FontBook(default_theme())._system


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("Plain English, with café and naïve", None),
        ("e\u0301", None),  # composes to é: one glyph
        ("Ελληνικά русский 中文 한국어", None),
        ("❤️ ok", None),  # a variation selector only picks the emoji glyph
        ("مرحبا", "Arabic (right-to-left) text"),
        ("שלום", "Hebrew (right-to-left) text"),
        ("ދިވެހި", "Thaana (right-to-left) text"),
        ("नमस्ते", "Devanagari text"),
        ("বাংলা", "Bengali text"),
        ("ស្ត្រី", "Khmer text"),
        ("ကျွန်", "Myanmar text"),
        ("สวัสดี", "Thai text"),
        ("བོད", "Tibetan text"),
        ("ᠮᠣᠩᠭᠣᠯ", "Mongolian text"),
        ("👨\u200d👩\u200d👧", "emoji sequences"),
        ("🇫🇷", "emoji sequences"),
        ("1\ufe0f\u20e3", "emoji sequences"),
        ("a\u0332", "combining-mark text"),  # no precomposed form: the mark is placed
    ],
)
def test_what_needs_the_complete_text_engine(text, need):
    assert shaping_need(text) == need


# --------------------------------------------------------------------------- strict


def test_strict_render_refuses_characters_no_font_has():
    story = cardimg.parse_story("---\ncards:\n- body: A \u0378 B\n---\n")
    cardimg.render(story)  # a warning only
    with pytest.raises(StoryError, match=r"U\+0378.*--strict"):
        cardimg.render(story, strict=True)


# --------------------------------------------------------------------------- themes


def test_the_shared_default_theme_cannot_be_changed_by_a_caller():
    theme = default_theme()
    with pytest.raises(TypeError):
        theme.palettes["--default"] = theme.palettes["--black"]  # type: ignore[index]
    with pytest.raises(TypeError):
        theme.labels["en"]["sources"] = "Hacked"  # type: ignore[index]
    with pytest.raises(TypeError):
        theme.styles["h1"] = theme.styles["paragraph"]  # type: ignore[index]
    with pytest.raises(TypeError):
        theme.fonts["sans"] = Path("/etc/passwd")  # type: ignore[index]
    with pytest.raises(AttributeError):
        theme.palettes._items = {}  # type: ignore[attr-defined]
    assert default_theme().label("sources", "en") == "Sources"


def test_a_hand_built_theme_is_read_only_too_and_travels_to_workers():
    theme = default_theme()
    palettes = dict(theme.palettes)
    copy = theme.with_palettes(palettes)
    palettes.clear()  # the caller's dict is not the theme's
    assert len(copy.palettes) == len(theme.palettes)
    again = pickle.loads(pickle.dumps(copy))
    assert again.palettes == copy.palettes and again.labels == copy.labels
    with pytest.raises(TypeError):
        again.palettes["--x"] = theme.default_palette  # type: ignore[index]
