"""Themes as a designer owns them: files that hold only what they change, inheritance,
one-line errors for bad files, the built-in themes, and the `themes` / `palettes` commands."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import cardimg
from cardimg import Line, ThemeError, load_story
from cardimg.blocks import parse_blocks, plain_text
from cardimg.cli import main
from cardimg.plan import plan_story
from cardimg.theme import theme_names

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "samples").glob("*.md"))
BUILT_IN = ["bold", "default", "quiet"]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def theme_error(path: Path) -> str:
    with pytest.raises(ThemeError) as caught:
        cardimg.load_theme(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- inheritance


def test_a_one_key_theme_takes_everything_else_from_the_default(tmp_path: Path, seed_path):
    path = write(tmp_path, "big.toml", "[type]\nbody_size = 40\n")
    theme = cardimg.load_theme(path)
    default = cardimg.default_theme()
    assert theme.type.body_size == 40
    assert theme.type.min_body_size == default.type.min_body_size
    assert theme.fonts == default.fonts and theme.palettes == default.palettes
    assert theme.styles == default.styles and theme.labels == default.labels
    assert theme.name == "big" and theme.source == str(path)
    carousel = cardimg.render(load_story(seed_path), theme=path)
    assert max(slide.body_size for slide in carousel.slides) <= 40 * carousel.slides[0].width / 1080


def test_a_theme_extending_a_theme_extending_the_default(tmp_path: Path):
    write(tmp_path, "house.toml", "[frame]\ninset = 70\n\n[styles.h2]\nscale = 1.7\n")
    child = write(tmp_path, "desk.toml", 'extends = "house.toml"\n\n[styles.h2]\nalign = "left"\n')
    theme = cardimg.load_theme(child)
    h2 = theme.style("h2")
    assert theme.frame.inset == 70  # from house
    assert (h2.scale, h2.align) == (1.7, "left")  # house's scale, desk's alignment
    assert h2.family == "serif" and h2.line_height == 1.2  # the default's, merged key by key
    assert theme.frame.padding == cardimg.default_theme().frame.padding


def test_a_theme_extends_a_built_in_theme_by_name(tmp_path: Path):
    theme = cardimg.load_theme(
        write(tmp_path, "t.toml", 'extends = "bold"\n[page]\ncounter = false\n')
    )
    bold = cardimg.load_theme("bold")
    assert theme.frame == bold.frame and theme.page.counter is False and bold.page.counter


def test_themes_are_picked_by_name_path_or_value(tmp_path: Path, seed_path):
    bold = cardimg.load_theme("bold")
    assert bold.name == "bold" and bold.source == "built-in" and bold.description
    assert cardimg.load_theme(bold) is bold
    copy = write(tmp_path, "mine.toml", 'extends = "quiet"\n')
    assert cardimg.load_theme(str(copy)).frame == cardimg.load_theme("quiet").frame
    story = load_story(seed_path)
    by_name = cardimg.render(story, theme="quiet")
    by_value = cardimg.render(story, theme=cardimg.load_theme("quiet"))
    assert [s.encode() for s in by_name.slides] == [s.encode() for s in by_value.slides]


def test_an_unknown_theme_name_lists_the_built_in_ones():
    with pytest.raises(
        ThemeError, match=r"nosuch: no theme file or built-in theme .*bold, default, quiet"
    ):
        cardimg.load_theme("nosuch")


def test_a_cycle_of_extends_is_one_error_naming_the_chain(tmp_path: Path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    message = theme_error(tmp_path / "a.toml")
    assert message == (
        "b.toml: extends: a cycle of themes extending each other: a.toml → b.toml → a.toml"
    )


# --------------------------------------------------------------------------- bad files

BAD_THEMES = [
    ("[type]\nline_heigth = 1.5\n", "type.line_heigth: unknown key; did you mean 'line_height'?"),
    ("acessible = true\n", "acessible: unknown key; did you mean 'accessible'?"),
    ("[frame]\nlabel_sise = 20\n", "frame.label_sise: unknown key; did you mean 'label_size'?"),
    ("[styles.paragrph]\nscale = 1\n", "styles.paragrph: unknown key; did you mean 'paragraph'?"),
    ("[styles.h2]\nalign = 'centre'\n", 'styles.h2.align: expected "center" or "left" or "start"'),
    (
        "[labels.en]\nsorces = 'On'\n",
        "labels.en.sorces: unknown key; did you mean 'sources'?",
    ),
    (
        '[[fallback]]\nregular = "noto/NotoSans-Regular.ttf"\nemojii = true\n',
        "fallback[0].emojii: unknown key; did you mean 'emoji'?",
    ),
    ("[type]\nbody_size = 'big'\n", "type.body_size: expected a number, got 'big'"),
    ("accessible = 'yes'\n", "accessible: expected true or false, got 'yes'"),
    ("[frame]\nstyle = 'dotted'\n", 'frame.style: expected "ruled" or "none", got \'dotted\''),
    ("[styles.list]\nbullets = '*'\n", "styles.list.bullets: expected a list of texts, got '*'"),
    ("[page]\ncounter = 1\n", "page.counter: expected true or false, got 1"),
    ("[image]\nopacity = 2\n", "image.opacity: expected a number from 0 to 1, got 2"),
    (
        "[image]\nscrim = 'black'\n",
        "image.scrim: expected a colour '#rgb' or '#rrggbb', got 'black'",
    ),
    ("type = 3\n", "type: expected a table, got 3"),
    ("[fonts]\nsans = 'nope.otf'\n", "fonts.sans: font file 'nope.otf' not found"),
    ("[styles.h1]\nfamily = 'comic'\n", "styles.h1.family: no font for 'comic' in [fonts]"),
    (
        '[palettes."--dark-blue"]\nbackground = "blue"\n',
        "palettes.\"--dark-blue\".background: expected a colour '#rgb' or '#rrggbb', got 'blue'",
    ),
    (
        '[palettes."--dark-blue"]\nbackgrund = "#000"\n',
        "palettes.\"--dark-blue\".backgrund: unknown key; did you mean 'background'?",
    ),
    (
        '[palettes."--new"]\nbackground = "#000"\n',
        'palettes."--new": expected a colour for text, frame',
    ),
    ("palettes = 'nothere'\n", "palettes: no palettes file 'nothere'"),
    ("[presets.square]\nwidth = 1080\nheigt = 1080\n", "presets.square.heigt: unknown key"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_THEMES)
def test_a_bad_theme_is_one_line_naming_file_key_and_expectation(tmp_path, text, expected):
    message = theme_error(write(tmp_path, "t.toml", text))
    assert message.startswith(f"t.toml: {expected}"), message


def test_a_bad_theme_on_the_command_line_is_one_line_and_exit_1(tmp_path, seed_path, capsys):
    bad = write(tmp_path, "brand.toml", "[type]\nline_heigth = 1.5\n")
    status = main(["render", str(seed_path), "-o", str(tmp_path / "out"), "--theme", str(bad)])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1
    assert err == [
        "cardimg: error: brand.toml: type.line_heigth: unknown key; did you mean 'line_height'?"
    ]
    assert not (tmp_path / "out").exists()


def test_a_bad_key_in_an_extended_theme_names_that_file(tmp_path: Path):
    write(tmp_path, "base.toml", "[frame]\ninsett = 3\n")
    message = theme_error(write(tmp_path, "child.toml", 'extends = "base.toml"\n'))
    assert message.startswith("base.toml: frame.insett: unknown key; did you mean 'inset'?")


# --------------------------------------------------------------------------- palettes


def test_an_inline_palette_changes_only_what_it_names(tmp_path: Path):
    path = write(tmp_path, "t.toml", '[palettes."--dark-blue"]\nbackground = "#102030"\n')
    palette = cardimg.load_theme(path).palette("--dark-blue")
    brand = cardimg.default_theme().palette("--dark-blue")
    assert (palette.background, palette.text, palette.frame) == ("#102030", brand.text, brand.frame)


def test_a_new_inline_palette_is_added_to_the_inherited_ones(tmp_path: Path, seed_path):
    text = '[palettes."--ink"]\nbackground = "#101010"\ntext = "#fafafa"\nframe = "#ff0000"\n'
    theme = cardimg.load_theme(write(tmp_path, "t.toml", text))
    assert theme.palette("--ink").frame == "#ff0000" and theme.palette("--white") is not None


def test_palettes_by_name_and_by_path(tmp_path: Path):
    by_name = cardimg.load_theme(write(tmp_path, "a.toml", 'palettes = "brand"\n'))
    assert by_name.palettes == cardimg.default_theme().palettes
    own = '[palettes."--default"]\nbackground = "#ffffff"\ntext = "#000000"\nframe = "#ff0000"\n'
    (tmp_path / "colours").mkdir()
    write(tmp_path / "colours", "house.toml", own)
    theme = cardimg.load_theme(write(tmp_path, "b.toml", 'palettes = "colours/house.toml"\n'))
    assert list(theme.palettes) == ["--default"]  # a palettes file replaces them all
    assert theme.default_palette.frame == "#ff0000"


def test_a_bad_palettes_file_names_that_file_and_the_key(tmp_path: Path):
    write(tmp_path, "house.toml", '[palettes."--default"]\nbackground = "#fff"\ntext = "#00"\n')
    message = theme_error(write(tmp_path, "t.toml", 'palettes = "house.toml"\n'))
    assert message.startswith('house.toml: palettes."--default".text: expected a colour')


# --------------------------------------------------------------------------- theme data


def test_bullets_are_chosen_by_the_theme(tmp_path: Path, write_story):
    theme = cardimg.load_theme(write(tmp_path, "t.toml", '[styles.list]\nbullets = ["→", "–"]\n'))
    story = load_story(write_story("s.md", [{"_key": "a", "body": "* one\n  * two\n* three"}]))
    markers = [
        line.marker.text
        for line in cardimg.render(story, theme=theme).slides[0].lines
        if line.marker is not None
    ]
    assert markers == ["→", "–", "→"]


def test_bold_has_no_frame_lines_a_counter_and_start_aligned_labels(seed_path):
    carousel = cardimg.render(load_story(seed_path), theme="bold")
    total = len(carousel.slides)
    for number, slide in enumerate(carousel.slides, start=1):
        counter = [line.text for line in slide.lines if line.role == "counter"]
        assert counter == [f"{number}/{total}"]
        x0, y0, _, y1 = slide.frame_box
        background = slide.image.getpixel((x0, (y0 + y1) // 2))
        if number > 1:  # (the cover's photo varies from pixel to pixel: no flat background)
            assert slide.image.getpixel((x0 - 3, (y0 + y1) // 2)) == background  # no side line
        series = [line for line in slide.lines if line.role == "series"]
        assert series and series[0].box[0] == slide.safe_box[0]


def test_the_default_theme_has_no_counter(seed_path):
    carousel = cardimg.render(load_story(seed_path))
    assert not [line for s in carousel.slides for line in s.lines if line.role == "counter"]


def test_vertical_alignment_is_a_theme_setting(tmp_path: Path, write_story):
    story = load_story(
        write_story("s.md", [{"_key": "a", "body": "Short."}, {"_key": "b", "body": "x"}])
    )
    tops = {}
    for valign in ("top", "center", "bottom"):
        theme = cardimg.load_theme(
            write(tmp_path, f"{valign}.toml", f'[page]\nvalign = "{valign}"\n')
        )
        slide = cardimg.render(story, theme=theme).slides[1]
        (line,) = slide.text_lines
        tops[valign] = line.box[1]
        if valign == "top":
            assert line.box[1] == slide.safe_box[1]
    assert tops["top"] < tops["center"] < tops["bottom"]


# --------------------------------------------------------------------------- built-ins


def joined(lines: Sequence[Line]) -> str:
    out: list[str] = []
    previous: Line | None = None
    for line in lines:
        if previous is not None:
            inside_word = line.block == previous.block and not previous.space_after
            out.append("" if inside_word else " ")
        out.append(line.text)
        previous = line
    return "".join(out)


def card_words(body: str, bullets: tuple[str, ...]) -> list[str]:
    words: list[str] = []
    for block in parse_blocks(body, bullets=bullets):
        text = plain_text((block,))
        if block.marker and text.startswith(f"{block.marker} "):
            text = text[len(block.marker) + 1 :]
        words.extend(text.split())
    return words


def inside(box, area) -> bool:
    return area[0] <= box[0] <= box[2] <= area[2] and area[1] <= box[1] <= box[3] <= area[3]


@pytest.mark.parametrize("name", BUILT_IN)
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_each_built_in_theme_keeps_every_word_of_every_sample_inside_the_safe_area(name, sample):
    theme = cardimg.load_theme(name)
    story = load_story(sample)
    plans = plan_story(
        story, theme=theme, measurer=cardimg.theme_fonts(theme), width=1080, height=1350
    )
    bullets = theme.style("list").bullets
    for card in story.cards:
        lines = [
            line for p in plans if p.card_key == card.key for line in p.lines if not line.chrome
        ]
        # Compared case-folded: some styles are set in capitals (h4, h5).
        drawn = joined(lines).casefold().split()
        assert drawn == [w.casefold() for w in card_words(card.body, bullets)], card.key
    for plan in plans:
        for line in plan.lines:
            area = (0, 0, 1080, 1350) if line.chrome else plan.safe_box
            assert inside(line.box, area), (plan.card_key, line.text, line.box)


@pytest.mark.parametrize("name", ["bold", "quiet"])
def test_each_new_theme_renders_the_seed_without_contrast_warnings(name, seed_path):
    carousel = cardimg.render(load_story(seed_path), theme=name)
    assert len(carousel.slides) >= 5
    assert not [note for note in carousel.warnings if "contrast" in note]
    default = cardimg.render(load_story(seed_path))
    assert carousel.slides[1].encode() != default.slides[1].encode()


@pytest.mark.parametrize("name", ["bold", "quiet"])
def test_every_palette_of_the_new_themes_passes_aa(name, capsys):
    assert main(["palettes", "--theme", name]) == 0
    rows = capsys.readouterr().out.strip().splitlines()[1:]
    assert len(rows) == len(cardimg.load_theme(name).palettes)
    assert all(row.split()[-1] == "pass" for row in rows)


# --------------------------------------------------------------------------- commands


def test_themes_lists_name_source_and_description(capsys):
    assert main(["themes"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].split() == ["theme", "from"]
    assert [row.split()[0] for row in out[1:]] == theme_names() == BUILT_IN
    for row in out[1:]:
        name = row.split()[0]
        assert row.split()[1] == "built-in"
        assert row.endswith(cardimg.load_theme(name).description)


def test_palettes_prints_each_ratio_and_verdict(capsys):
    assert main(["palettes"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].split() == ["palette", "background", "text", "frame", "ratio", "AA"]
    rows = {row.split()[0]: row.split() for row in out[1:]}
    assert set(rows) == set(cardimg.default_theme().palettes)
    assert rows["--bronze"][1:] == ["#bf8a75", "#ffffff", "#f8dbd5", "2.95", "FAIL"]
    assert rows["--black"][-2:] == ["17.54", "pass"]


def test_palettes_sheet_is_written(tmp_path: Path, capsys):
    sheet = tmp_path / "swatches.png"
    assert main(["palettes", "--theme", "quiet", "--sheet", str(sheet)]) == 0
    assert f"swatches -> {sheet}" in capsys.readouterr().out
    with Image.open(sheet) as image:
        assert image.format == "PNG" and image.width > 600 and image.height > 600
    assert [p.name for p in tmp_path.iterdir()] == ["swatches.png"]


def test_palettes_of_a_bad_theme_is_one_line_and_exit_1(tmp_path: Path, capsys):
    bad = write(tmp_path, "t.toml", "[frame]\nstyle = 'dotted'\n")
    assert main(["palettes", "--theme", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        'cardimg: error: t.toml: frame.style: expected "ruled" or "none", got \'dotted\''
    ]


def test_palettes_sheet_into_a_missing_folder_is_one_line_and_exit_1(tmp_path: Path, capsys):
    assert main(["palettes", "--sheet", str(tmp_path / "no" / "s.png")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cardimg: error: --sheet: cannot write")


def test_start_aligned_labels_mirror_in_a_right_to_left_story():
    arabic = next(p for p in SAMPLES if "arabic" in p.name)
    slide = cardimg.render(load_story(arabic), theme="bold").slides[1]
    (series,) = [line for line in slide.lines if line.role == "series"]
    (counter,) = [line for line in slide.lines if line.role == "counter"]
    assert series.box[2] == slide.safe_box[2]  # the series starts at the right,
    assert counter.box[0] == slide.safe_box[0]  # the counter sits at the left


def test_a_rule_follows_the_theme(tmp_path: Path, write_story):
    story = load_story(write_story("s.md", [{"_key": "a", "body": "One.\n\n---\n\nTwo."}]))
    for rules, expect_left in (("center", False), ("start", True)):
        theme = cardimg.load_theme(write(tmp_path, f"{rules}.toml", f'[page]\nrules = "{rules}"\n'))
        plan = plan_story(
            story, theme=theme, measurer=cardimg.theme_fonts(theme), width=1080, height=1350
        )
        (mark,) = plan[0].marks
        x0, _, x1, _ = plan[0].safe_box
        assert (mark.x < (x0 + x1) / 2 - 10) is expect_left


BAD_NUMBERS = [
    (
        "[type]\nbody_size = 0\n",
        "type.body_size: expected a number from 8 to 240, got 0",
    ),
    (
        "[type]\nbody_size = 0.01\n",
        "type.body_size: expected a number from 8 to 240, got 0.01",
    ),
    ("[frame]\ninset = -5\n", "frame.inset: expected a number from 0 to 1000, got -5"),
    (
        "[styles.h1]\nscale = 1e9\n",
        "styles.h1.scale: expected a number greater than 0 and at most 10",
    ),
    ("[type]\nmin_body_size = 50\n", "type.min_body_size: expected at most body_size"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_NUMBERS)
def test_numbers_out_of_range_are_one_line(tmp_path: Path, text: str, expected: str):
    assert theme_error(write(tmp_path, "t.toml", text)).startswith(f"t.toml: {expected}")


def test_margins_leaving_no_room_for_text_are_an_error_not_a_crash(tmp_path, seed_path, capsys):
    path = write(tmp_path, "t.toml", "[frame]\ninset = 500\npadding = 100\n")
    status = main(["render", str(seed_path), "-o", str(tmp_path / "out"), "--theme", str(path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1 and len(err) == 1 and "leave no room for text" in err[0]


# Any value under any key: the theme loads, or one ThemeError line; never another exception.
_VALUES = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.booleans(),
    st.text(max_size=8),
    st.lists(st.text(max_size=3), max_size=3),
)
_TABLES = ["type", "frame", "page", "image", "styles.h2", "styles.list", 'palettes."--x"']
_KEYS = [
    "body_size", "min_body_size", "line_height", "style", "inset", "padding", "valign",
    "counter", "placement", "opacity", "scale", "align", "bullets", "background", "text",
    "frame", "label_align", "band", "tracking", "nonsense",
]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_TABLES), st.sampled_from(_KEYS), _VALUES), max_size=4))
def test_any_theme_file_loads_or_is_one_error_line(entries):
    tables: dict[str, dict[str, object]] = {}
    for table, key, value in entries:
        tables.setdefault(table, {})[key] = value
    text = "".join(
        f"[{table}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
        for table, values in tables.items()
    )
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), "t.toml", text)
        try:
            theme = cardimg.load_theme(path)
        except ThemeError as exc:
            assert str(exc).startswith("t.toml: ") and "\n" not in str(exc)
            return
    plan_story(
        load_story(SAMPLES[0]), theme=theme, measurer=cardimg.theme_fonts(theme), width=1080,
        height=1350,
    )  # fmt: skip
