"""Tests for cardimg.contrast: WCAG values, the brand palettes, and the accessible variant."""

from __future__ import annotations

import math
import tomllib
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardimg.contrast import (
    PaletteReport,
    accessible_pair,
    contrast_ratio,
    format_table,
    lab_to_rgb,
    parse_hex,
    relative_luminance,
    report_palettes,
    required_ratio,
    rgb_to_lab,
    to_hex,
)

BRAND_TOML = Path(__file__).resolve().parents[1] / "palettes" / "brand.toml"

# BRAND.md, "Known weaknesses": the palettes that fail 4.5:1, with their ratios.
FAILING = {
    "--bronze": 2.95,
    "--medium-gray": 2.91,
    "--dark-green": 3.89,
    "--dark-pink": 4.25,
    "--dark-brown": 4.43,
}

rgb_channels = st.integers(min_value=0, max_value=255)
colors = st.tuples(rgb_channels, rgb_channels, rgb_channels)


@pytest.fixture(scope="module")
def brand() -> dict[str, dict[str, str]]:
    with BRAND_TOML.open("rb") as handle:
        return tomllib.load(handle)["palettes"]


# --- independent reference formulas (not the module's code) ---------------------------


def lstar_of_luminance(y: float) -> float:
    """CIE L* from relative luminance Y (white = 1), textbook form."""
    return 116 * y ** (1 / 3) - 16 if y > 216 / 24389 else y * 24389 / 27


def luminance_of_lstar(lstar: float) -> float:
    return ((lstar + 16) / 116) ** 3 if lstar > 8 else lstar * 27 / 24389


def ratio_of(y1: float, y2: float) -> float:
    return (max(y1, y2) + 0.05) / (min(y1, y2) + 0.05)


def hue_degrees(rgb) -> tuple[float, float]:
    """(chroma, hue angle) in CIE LCh."""
    _, a, b = rgb_to_lab(rgb)
    return math.hypot(a, b), math.degrees(math.atan2(b, a)) % 360


def hue_difference(h1: float, h2: float) -> float:
    return abs((h1 - h2 + 180) % 360 - 180)


def brute_force_min_lstar(moving, fixed, target: float, lighter: bool | None = None) -> float:
    """Scan L* from the moving colour away from `fixed` in 0.01 steps; first that passes.

    `lighter` gives the direction when both colours are equally light.
    """
    y_moving, y_fixed = relative_luminance(moving), relative_luminance(fixed)
    start = lstar_of_luminance(y_moving)
    if lighter is None:
        lighter = y_moving > y_fixed
    step = 0.01 if lighter else -0.01
    lstar = start
    while 0 <= lstar <= 100:
        if ratio_of(luminance_of_lstar(lstar), y_fixed) >= target:
            return lstar
        lstar += step
    raise AssertionError("no lightness passes")


def changed_side(original, result):
    """Which colour of the pair changed: 'text', 'background', 'none' or 'both'."""
    text_changed = original[0] != result[0]
    background_changed = original[1] != result[1]
    return {
        (False, False): "none",
        (True, False): "text",
        (False, True): "background",
        (True, True): "both",
    }[(text_changed, background_changed)]


# --- parsing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#000000", (0, 0, 0)),
        ("#FFFFFF", (255, 255, 255)),
        ("#bf8A75", (0xBF, 0x8A, 0x75)),
        ("#abc", (0xAA, 0xBB, 0xCC)),
        ("#F0a", (0xFF, 0x00, 0xAA)),
    ],
)
def test_parse_hex(text, expected):
    assert parse_hex(text) == expected


@pytest.mark.parametrize(
    "bad",
    ["", "#", "abc", "aabbcc", "#ab", "#abcd", "#abcde", "#abcdefa", "#ggg", "#12 456", "#+1234"],
)
def test_parse_hex_rejects(bad):
    with pytest.raises(ValueError, match="hex colour"):
        parse_hex(bad)


def test_parse_hex_rejects_non_string():
    with pytest.raises(ValueError):
        parse_hex(0xFFFFFF)  # type: ignore[arg-type]


def test_to_hex_is_lowercase_and_padded():
    assert to_hex((255, 10, 0)) == "#ff0a00"
    assert to_hex("#ABC") == "#aabbcc"


@pytest.mark.parametrize("bad", [(256, 0, 0), (-1, 0, 0), (1.5, 0, 0), (0, 0), (True, 0, 0)])
def test_rgb_tuples_are_checked(bad):
    with pytest.raises(ValueError):
        to_hex(bad)


@given(colors)
def test_hex_round_trip(rgb):
    text = to_hex(rgb)
    assert text == text.lower() and len(text) == 7
    assert parse_hex(text) == rgb
    assert parse_hex(text.upper()) == rgb


# --- WCAG values -----------------------------------------------------------------------


def test_known_wcag_values():
    assert relative_luminance("#ffffff") == pytest.approx(1.0)
    assert relative_luminance("#000000") == pytest.approx(0.0)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#bf8a75", "#bf8a75") == pytest.approx(1.0)
    assert round(contrast_ratio("#777777", "#ffffff"), 2) == 4.48
    # The well-known lightest grey that passes AA on white, and its neighbour that fails.
    assert contrast_ratio("#767676", "#ffffff") >= 4.5 > contrast_ratio("#777777", "#ffffff")
    # Pure primaries, from the WCAG luminance weights.
    assert relative_luminance("#ff0000") == pytest.approx(0.2126)
    assert relative_luminance("#00ff00") == pytest.approx(0.7152)
    assert relative_luminance("#0000ff") == pytest.approx(0.0722)


def test_linear_toe_of_the_srgb_curve():
    # 10/255 = 0.0392 is on the linear part of the sRGB curve, 11/255 = 0.0431 is not.
    assert relative_luminance((10, 10, 10)) == pytest.approx(10 / 255 / 12.92)
    assert relative_luminance((11, 11, 11)) == pytest.approx(((11 / 255 + 0.055) / 1.055) ** 2.4)


@given(colors, colors)
def test_contrast_is_symmetric_and_bounded(a, b):
    ratio = contrast_ratio(a, b)
    assert ratio == contrast_ratio(b, a)
    assert 1.0 <= ratio <= 21.0 + 1e-9


# --- Lab -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rgb", "lab"),
    [
        ("#ffffff", (100.0, 0.0, 0.0)),
        ("#000000", (0.0, 0.0, 0.0)),
        ("#808080", (53.585, 0.0, 0.0)),
        ("#ff0000", (53.24, 80.09, 67.20)),
        ("#0000ff", (32.30, 79.19, -107.86)),
        ("#00ff00", (87.73, -86.18, 83.18)),
    ],
)
def test_rgb_to_lab_reference_values(rgb, lab):
    assert rgb_to_lab(rgb) == pytest.approx(lab, abs=0.05)


@given(colors)
def test_lab_round_trip(rgb):
    assert lab_to_rgb(*rgb_to_lab(rgb)) == rgb


@given(colors)
def test_lstar_depends_on_luminance_only(rgb):
    # What makes the L* search exact: L* and WCAG luminance map one to one.
    assert rgb_to_lab(rgb)[0] == pytest.approx(
        lstar_of_luminance(relative_luminance(rgb)), abs=1e-6
    )


def test_out_of_gamut_lab_keeps_lightness_and_hue():
    # Saturated red at a lightness sRGB cannot hold at that chroma.
    _, a, b = rgb_to_lab("#ff0000")
    result = lab_to_rgb(85.0, a, b)
    assert lstar_of_luminance(relative_luminance(result)) == pytest.approx(85.0, abs=0.5)
    assert hue_difference(hue_degrees(result)[1], hue_degrees("#ff0000")[1]) < 3


# --- the text-size rule --------------------------------------------------------------


@pytest.mark.parametrize(
    ("px", "bold", "width", "expected"),
    [
        (44, False, 1080, 4.5),
        (44, True, 1080, 4.5),
        (50.9, True, 1080, 4.5),
        (51, True, 1080, 3.0),
        (51, False, 1080, 4.5),
        (65.9, False, 1080, 4.5),
        (66, False, 1080, 3.0),
        (66, True, 1080, 3.0),
        (120, False, 1080, 3.0),
        # Twice the width: twice the pixels for the same physical size.
        (66, False, 2160, 4.5),
        (132, False, 2160, 3.0),
        (101, True, 2160, 4.5),
        (102, True, 2160, 3.0),
        # 720 px: 44 px and 34 px bold.
        (44, False, 720, 3.0),
        (43.9, False, 720, 4.5),
        (34, True, 720, 3.0),
        (33.9, True, 720, 4.5),
    ],
)
def test_required_ratio(px, bold, width, expected):
    assert required_ratio(px, bold=bold, slide_width=width) == expected


def test_required_ratio_default_width_is_1080():
    assert required_ratio(66, bold=False) == 3.0
    assert required_ratio(65, bold=False) == 4.5


@pytest.mark.parametrize(("px", "width"), [(44, 0), (44, -1080), (-1, 1080)])
def test_required_ratio_rejects_nonsense(px, width):
    with pytest.raises(ValueError):
        required_ratio(px, bold=False, slide_width=width)


# --- the brand palettes --------------------------------------------------------------


def test_brand_has_sixteen_palettes_and_default(brand):
    assert len(brand) == 17 and "--default" in brand


@pytest.mark.parametrize(("key", "ratio"), sorted(FAILING.items()))
def test_failing_brand_palettes(brand, key, ratio):
    palette = brand[key]
    measured = contrast_ratio(palette["text"], palette["background"])
    assert round(measured, 2) == ratio
    assert measured < 4.5


def test_other_brand_palettes_pass(brand):
    passing = [key for key in brand if key not in FAILING]
    assert len(passing) == 12  # 11 palettes + --default
    for key in passing:
        assert contrast_ratio(brand[key]["text"], brand[key]["background"]) >= 4.5, key


def test_report_palettes(brand):
    reports = report_palettes(brand)
    assert [r.key for r in reports] == list(brand)
    by_key = {r.key: r for r in reports}
    assert {r.key for r in reports if not r.passes_body} == set(FAILING)
    # BRAND.md: two of the five fail even the 3:1 large-text bar.
    assert {r.key for r in reports if not r.passes_large} == {"--bronze", "--medium-gray"}
    for report in reports:
        assert isinstance(report, PaletteReport)
        assert report.accessible_ratio >= 4.5
        assert report.accessible_ratio == pytest.approx(
            contrast_ratio(report.accessible_text, report.accessible_background)
        )
        if report.passes_body:
            assert (report.accessible_text, report.accessible_background) == (
                report.text,
                report.background,
            )
    assert by_key["--bronze"].text == "#ffffff"
    assert by_key["--bronze"].background == "#bf8a75"
    with pytest.raises(FrozenInstanceError):
        by_key["--bronze"].ratio = 5.0  # type: ignore[misc]


def test_report_palettes_names_a_bad_palette():
    with pytest.raises(ValueError, match="--broken"):
        report_palettes({"--broken": {"text": "#fff"}})
    with pytest.raises(ValueError, match="--broken"):
        report_palettes({"--broken": {"text": "#fff", "background": "white"}})


def test_accessible_pair_fixes_every_brand_palette(brand):
    for key, palette in brand.items():
        text, background = parse_hex(palette["text"]), parse_hex(palette["background"])
        new_text, new_background = accessible_pair(text, background)
        assert contrast_ratio(new_text, new_background) >= 4.5, key
        if key not in FAILING:
            assert (new_text, new_background) == (text, background), key


@pytest.mark.parametrize("key", sorted(FAILING))
def test_failing_brand_palettes_move_background_minimally_keeping_hue(brand, key):
    text, background = parse_hex(brand[key]["text"]), parse_hex(brand[key]["background"])
    new_text, new_background = accessible_pair(text, background)
    # Light text (#ffffff / #fafafa) cannot get light enough on these mid-tone
    # cards, so the text stays and the background darkens.
    assert changed_side((text, background), (new_text, new_background)) == "background"
    assert relative_luminance(new_background) < relative_luminance(background)
    # Hue kept (all five have visible chroma except --medium-gray, a near grey).
    chroma, hue = hue_degrees(background)
    new_chroma, new_hue = hue_degrees(new_background)
    if chroma > 5:
        assert hue_difference(hue, new_hue) < 3, (key, hue, new_hue)
        assert new_chroma == pytest.approx(chroma, abs=2)
    else:
        assert new_chroma < 5
    # Minimal: within a few tenths of L* of the least lightness that passes.
    least = brute_force_min_lstar(background, text, 4.5)
    new_lstar = lstar_of_luminance(relative_luminance(new_background))
    assert abs(new_lstar - least) <= 0.5


# --- the accessible variant: strategy ----------------------------------------------------


def test_passing_pair_is_returned_unchanged():
    assert accessible_pair("#000000", "#ffffff") == ((0, 0, 0), (255, 255, 255))
    assert accessible_pair("#777777", "#ffffff", target=3.0) == ((0x77,) * 3, (255, 255, 255))


def test_text_moves_first_darker_on_light():
    # #767676 is the lightest grey that passes on white: one step, text only.
    assert accessible_pair("#777777", "#ffffff") == ((0x76,) * 3, (255, 255, 255))


def test_text_moves_first_lighter_on_dark():
    new_text, new_background = accessible_pair("#444444", "#000000")
    assert new_background == (0, 0, 0)
    assert contrast_ratio(new_text, new_background) >= 4.5
    one_step_back = tuple(c - 1 for c in new_text)
    assert contrast_ratio(one_step_back, new_background) < 4.5


def test_coloured_text_keeps_its_hue():
    text, background = parse_hex("#6c816f"), parse_hex("#cadddf")  # frame green on light blue
    new_text, new_background = accessible_pair(text, background)
    assert new_background == background
    assert contrast_ratio(new_text, background) >= 4.5
    assert relative_luminance(new_text) < relative_luminance(text)
    assert hue_difference(hue_degrees(text)[1], hue_degrees(new_text)[1]) < 3
    least = brute_force_min_lstar(text, background, 4.5)
    assert abs(lstar_of_luminance(relative_luminance(new_text)) - least) <= 0.5


def test_polarity_never_flips():
    # Black text on #bf8a75 would pass at 7:1, but the card is a light-on-dark design.
    new_text, new_background = accessible_pair("#ffffff", "#bf8a75")
    assert relative_luminance(new_text) > relative_luminance(new_background)


def test_both_move_when_neither_alone_can():
    # Mid-grey on mid-grey at 7:1: no text or background alone gets there.
    new_text, new_background = accessible_pair("#808080", "#7f7f7f", target=7.0)
    assert new_text in {(0, 0, 0), (255, 255, 255)}
    assert contrast_ratio(new_text, new_background) >= 7.0


def test_target_is_checked():
    for bad in (0.5, 21.5):
        with pytest.raises(ValueError):
            accessible_pair("#000", "#fff", target=bad)


def test_target_21_is_reachable():
    assert contrast_ratio(*accessible_pair("#808080", "#808080", target=21.0)) >= 21.0


# --- the accessible variant: properties ---------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(colors, colors, st.floats(min_value=3.0, max_value=7.0))
def test_accessible_pair_always_reaches_target(text, background, target):
    new_text, new_background = accessible_pair(text, background, target=target)
    assert contrast_ratio(new_text, new_background) >= target
    side = changed_side((text, background), (new_text, new_background))
    if contrast_ratio(text, background) >= target:
        assert side == "none"
    else:
        # One colour moves, or (last resort) the text goes to black/white as well.
        assert side in {"text", "background"} or new_text in {(0, 0, 0), (255, 255, 255)}


@settings(max_examples=300, deadline=None)
@given(colors, colors, st.floats(min_value=3.0, max_value=7.0))
def test_accessible_pair_moves_lightness_minimally(text, background, target):
    new_text, new_background = accessible_pair(text, background, target=target)
    side = changed_side((text, background), (new_text, new_background))
    if side not in {"text", "background"}:
        return
    original, moved, fixed = (
        (text, new_text, background) if side == "text" else (background, new_background, text)
    )
    if moved in {(0, 0, 0), (255, 255, 255)}:
        return  # clipped at the extreme: nothing closer can exist
    lighter = relative_luminance(moved) > relative_luminance(original)
    least = brute_force_min_lstar(original, fixed, target, lighter)
    assert abs(lstar_of_luminance(relative_luminance(moved)) - least) <= 0.75
    # Moved away from the other colour, never across it.
    before = relative_luminance(original) - relative_luminance(fixed)
    after = relative_luminance(moved) - relative_luminance(fixed)
    assert before * after >= 0 or before == 0


@settings(max_examples=300, deadline=None)
@given(colors, colors, st.floats(min_value=3.0, max_value=7.0))
def test_accessible_pair_keeps_hue_of_saturated_colours(text, background, target):
    new_text, new_background = accessible_pair(text, background, target=target)
    for before, after in ((text, new_text), (background, new_background)):
        if before == after or after in {(0, 0, 0), (255, 255, 255)}:
            continue
        chroma, hue = hue_degrees(before)
        new_chroma, new_hue = hue_degrees(after)
        # Near-greys have no meaningful hue, and the gamut may force chroma down
        # (dark or very light colours hold little); judge hue where both have colour.
        if chroma > 20 and new_chroma > 20:
            assert hue_difference(hue, new_hue) < 5, (before, after)


# --- the table ---------------------------------------------------------------------------


def test_format_table(brand):
    table = format_table(report_palettes(brand))
    lines = table.strip().splitlines()
    assert len(lines) == 2 + 17
    assert lines[0].startswith("| palette | text | background | ratio | AA body | AA large")
    assert "accessible ratio" in lines[0]
    bronze = next(line for line in lines if line.startswith("| `--bronze`"))
    assert "2.95:1" in bronze and bronze.count("FAIL") == 2
    black = next(line for line in lines if line.startswith("| `--black`"))
    assert "FAIL" not in black and "**" not in black
