"""WCAG 2.x contrast of text on its background, and the smallest hue-keeping fix when it fails."""

from __future__ import annotations

import math
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .theme import REFERENCE_WIDTH

if TYPE_CHECKING:
    from .layout.page import Line

__all__ = [
    "AA_BODY",
    "AA_LARGE",
    "PaletteReport",
    "accessible_pair",
    "contrast_ratio",
    "format_table",
    "lab_to_rgb",
    "parse_hex",
    "relative_luminance",
    "report_palettes",
    "required_ratio",
    "rgb_to_lab",
    "to_hex",
]

RGB = tuple[int, int, int]
Color = str | Sequence[int]

AA_BODY = 4.5
AA_LARGE = 3.0

# WCAG's "large text" is 18 pt, or 14 pt bold. A 1080-px slide is seen about 390 pt
# wide on a phone, which puts the bars at about 66 px and 51 px. Keeping them as
# fractions of the reference width makes them scale with any other slide width.
LARGE_PX = 66
LARGE_BOLD_PX = 51

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")

# sRGB (IEC 61966-2-1) linear RGB -> XYZ. Its Y row is exactly WCAG's luminance
# weights, so CIE L* is a function of WCAG relative luminance alone: moving L* at a
# fixed hue moves the contrast ratio monotonically, with no surprises from a*/b*.
_RGB_TO_XYZ = (
    (0.4124, 0.3576, 0.1805),
    (0.2126, 0.7152, 0.0722),
    (0.0193, 0.1192, 0.9505),
)
# D65 white taken as the row sums, so #ffffff is exactly L*=100, a*=b*=0 and the
# grey axis stays grey through a round trip.
_WHITE = tuple(sum(row) for row in _RGB_TO_XYZ)


def _invert3(m: tuple[tuple[float, ...], ...]) -> tuple[tuple[float, ...], ...]:
    # Computed rather than copied from a table, so the inverse matches the matrix
    # above to float precision and white round-trips to (255, 255, 255).
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return (
        ((e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det),
        ((f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det),
        ((d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det),
    )


_XYZ_TO_RGB = _invert3(_RGB_TO_XYZ)

_DELTA = 6 / 29  # CIE Lab's switch between the cube root and the linear toe


# --- parsing and formatting -------------------------------------------------------


def parse_hex(color: str) -> RGB:
    """`#rgb` or `#rrggbb` (any case) as an (r, g, b) tuple of 0-255 integers."""
    if not isinstance(color, str):
        raise ValueError(f"colour must be a '#rgb' or '#rrggbb' string, got {color!r}")
    digits = color.strip()
    if (
        not digits.startswith("#")
        or len(digits) not in (4, 7)
        or not set(digits[1:]) <= _HEX_DIGITS
    ):
        raise ValueError(f"not a hex colour: {color!r} (expected '#rgb' or '#rrggbb')")
    digits = digits[1:]
    if len(digits) == 3:
        # CSS shorthand: each digit is doubled, so #abc is #aabbcc.
        digits = "".join(ch * 2 for ch in digits)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def to_hex(rgb: Color) -> str:
    """The colour as a lowercase `#rrggbb` string."""
    r, g, b = _as_rgb(rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def _as_rgb(color: Color) -> RGB:
    # Every public function takes either form, so callers can pass palette strings
    # straight from TOML or tuples they computed.
    if isinstance(color, str):
        return parse_hex(color)
    try:
        r, g, b = color
    except (TypeError, ValueError):
        raise ValueError(
            f"colour must be a hex string or an (r, g, b) triple, got {color!r}"
        ) from None
    for channel in (r, g, b):
        # bool is an int subclass; True as a colour channel is a bug, not a 1.
        if isinstance(channel, bool) or not isinstance(channel, int) or not 0 <= channel <= 255:
            raise ValueError(f"RGB channels must be integers 0-255, got {color!r}")
    return (r, g, b)


# --- WCAG luminance and contrast -------------------------------------------------


def _linearize(channel: float) -> float:
    # sRGB transfer curve; 0.04045 is the IEC figure (WCAG 2.0 printed 0.03928, which
    # gives the same result for every 8-bit value).
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _encode(linear: float) -> float:
    return linear * 12.92 if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055


def relative_luminance(rgb: Color) -> float:
    """WCAG 2.x relative luminance, 0 (black) to 1 (white)."""
    r, g, b = (_linearize(c / 255) for c in _as_rgb(rgb))
    wr, wg, wb = _RGB_TO_XYZ[1]
    return wr * r + wg * g + wb * b


def _ratio_of_luminances(la: float, lb: float) -> float:
    lighter, darker = max(la, lb), min(la, lb)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_ratio(a: Color, b: Color) -> float:
    """WCAG contrast ratio of two colours, 1.0 to 21.0; the order does not matter."""
    return _ratio_of_luminances(relative_luminance(a), relative_luminance(b))


def required_ratio(px_size: float, *, bold: bool, slide_width: int = REFERENCE_WIDTH) -> float:
    """The AA ratio text of this pixel size needs: 3.0 if it counts as large, else 4.5."""
    if slide_width <= 0:
        raise ValueError(f"slide_width must be positive, got {slide_width!r}")
    if px_size < 0:
        raise ValueError(f"px_size must not be negative, got {px_size!r}")
    # Cross-multiplied so 66 px on a 1080-px slide is large exactly, without
    # 66/1080*1080 landing a hair under 66 in floating point.
    scaled = px_size * REFERENCE_WIDTH
    if scaled >= LARGE_PX * slide_width or (bold and scaled >= LARGE_BOLD_PX * slide_width):
        return AA_LARGE
    return AA_BODY


# --- CIE L*a*b* (D65) ----------------------------------------------------------------


def _f(t: float) -> float:
    return math.cbrt(t) if t > _DELTA**3 else t / (3 * _DELTA**2) + 4 / 29


def _f_inv(t: float) -> float:
    return t**3 if t > _DELTA else 3 * _DELTA**2 * (t - 4 / 29)


def _luminance_to_lstar(y: float) -> float:
    return 116 * _f(y) - 16


def _lstar_to_luminance(lstar: float) -> float:
    return _f_inv((lstar + 16) / 116)


def rgb_to_lab(rgb: Color) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour; L* is 0-100."""
    linear = [_linearize(c / 255) for c in _as_rgb(rgb)]
    x, y, z = (sum(w * c for w, c in zip(row, linear, strict=True)) for row in _RGB_TO_XYZ)
    fx, fy, fz = _f(x / _WHITE[0]), _f(y / _WHITE[1]), _f(z / _WHITE[2])
    return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))


def _lab_to_linear(lstar: float, a: float, b: float) -> tuple[float, float, float]:
    fy = (lstar + 16) / 116
    xyz = (
        _WHITE[0] * _f_inv(fy + a / 500),
        _WHITE[1] * _f_inv(fy),
        _WHITE[2] * _f_inv(fy - b / 200),
    )
    r, g, b_ = (sum(w * c for w, c in zip(row, xyz, strict=True)) for row in _XYZ_TO_RGB)
    return (r, g, b_)


def _in_gamut(linear: tuple[float, float, float]) -> bool:
    return all(-1e-9 <= c <= 1 + 1e-9 for c in linear)


def _fit_gamut(lstar: float, a: float, b: float) -> tuple[float, float, float]:
    """L*a*b* with chroma shrunk (a* and b* together, so the hue stays) until it fits sRGB."""
    lstar = min(100.0, max(0.0, lstar))
    if _in_gamut(_lab_to_linear(lstar, a, b)):
        return (lstar, a, b)
    # The grey axis (scale 0) is always in gamut, so bisect the chroma scale.
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if _in_gamut(_lab_to_linear(lstar, a * mid, b * mid)):
            lo = mid
        else:
            hi = mid
    return (lstar, a * lo, b * lo)


def _lab_to_srgb_floats(lstar: float, a: float, b: float) -> tuple[float, float, float]:
    r, g, b_ = (255 * _encode(min(1.0, max(0.0, c))) for c in _lab_to_linear(lstar, a, b))
    return (r, g, b_)


def lab_to_rgb(lstar: float, a: float, b: float) -> RGB:
    """The 8-bit sRGB colour nearest to L*a*b*, keeping L* and hue when out of gamut.

    A colour outside sRGB loses chroma (a* and b* together) until it fits; clipping
    the RGB channels instead would shift both hue and lightness.
    """
    r, g, b_ = (round(c) for c in _lab_to_srgb_floats(*_fit_gamut(lstar, a, b)))
    return (r, g, b_)


# --- the accessible variant ---------------------------------------------------------

# The midpoint luminance where black and white text reach the same ratio (~0.179):
# above it a background is "light". Only used when text and background are equally
# light and the polarity of the design gives no direction.
_MID_LUMINANCE = math.sqrt(1.05 * 0.05) - 0.05
_NUDGE = 0.02  # L* step used to recover a pass lost to 8-bit rounding


def _passes(a: RGB, b: RGB, target: float) -> bool:
    return contrast_ratio(a, b) >= target


def _move_lightness(moving: RGB, fixed: RGB, lighter: bool, target: float) -> RGB | None:
    """`moving` at the L* closest to its own that reaches `target` against `fixed`.

    Only lightness changes: a* and b* (hue and chroma) stay, except that chroma
    shrinks where the new lightness cannot hold it in sRGB. Returns None when even
    the extreme (pure white or black) does not reach the target.
    """
    extreme = (255, 255, 255) if lighter else (0, 0, 0)
    if not _passes(extreme, fixed, target):
        return None
    lstar, a, b = rgb_to_lab(moving)
    fixed_y = relative_luminance(fixed)
    # L* is a function of luminance alone (see _RGB_TO_XYZ), and the ratio is
    # monotonic in luminance, so the smallest passing L* comes from solving the
    # ratio for luminance; bisection on L* would find the same point more slowly.
    needed_y = target * (fixed_y + 0.05) - 0.05 if lighter else (fixed_y + 0.05) / target - 0.05
    goal = _luminance_to_lstar(min(1.0, max(0.0, needed_y)))
    # Never move the wrong way, even if float noise put the goal behind the start.
    goal = max(goal, lstar) if lighter else min(goal, lstar)
    step = _NUDGE if lighter else -_NUDGE
    # Rounding to 8 bits lands a hair short of the target about half the time: then
    # step on in small L* steps until the rounded colour passes (a few tenths of L*
    # at most, below what the eye sees). The extreme passes, so this ends.
    while True:
        candidate = lab_to_rgb(goal, a, b)
        if _passes(candidate, fixed, target):
            return candidate
        if (lighter and goal >= 100) or (not lighter and goal <= 0):
            return extreme
        goal += step


def accessible_pair(text: Color, background: Color, *, target: float = AA_BODY) -> tuple[RGB, RGB]:
    """(text, background) moved in lightness just enough to reach `target`, hue kept.

    A passing pair comes back unchanged. Otherwise, in this order:

    1. Only the text moves, away from the background (lighter if it is already the
       lighter of the two, darker if it is the darker), when it can pass before
       reaching pure white or black. Text is the cheaper colour to change: the
       background carries the brand.
    2. Otherwise only the background moves, away from the text, by the least L*
       that passes, the text untouched.
    3. Otherwise (mid-tone text on a mid-tone background with a high target) the
       text goes to pure white or black and the background moves the least that
       passes.

    The design's polarity (light text on a dark card or the reverse) never flips:
    it matches the palette's icon tone and the look the brand chose. Lightness is
    CIE L* at fixed a*/b*, so the hue stays; the result is checked after rounding
    to 8-bit channels.
    """
    if not 1.0 <= target <= 21.0:
        raise ValueError(f"target contrast must be between 1 and 21, got {target!r}")
    fg, bg = _as_rgb(text), _as_rgb(background)
    if _passes(fg, bg, target):
        return fg, bg
    fg_y, bg_y = relative_luminance(fg), relative_luminance(bg)
    text_lighter = fg_y > bg_y if fg_y != bg_y else bg_y < _MID_LUMINANCE

    moved_text = _move_lightness(fg, bg, text_lighter, target)
    if moved_text is not None:
        return moved_text, bg
    moved_background = _move_lightness(bg, fg, not text_lighter, target)
    if moved_background is not None:
        return fg, moved_background
    # Black on white is 21:1, so with the text at its extreme the background can
    # always pass at the opposite one.
    extreme_text = (255, 255, 255) if text_lighter else (0, 0, 0)
    moved_background = _move_lightness(bg, extreme_text, not text_lighter, target)
    assert moved_background is not None
    return extreme_text, moved_background


# --- palette reports ---------------------------------------------------------------


@dataclass(frozen=True)
class PaletteReport:
    """One palette's text-on-background contrast, and its accessible variant."""

    key: str
    text: str
    background: str
    ratio: float
    passes_body: bool
    passes_large: bool
    accessible_text: str
    accessible_background: str
    accessible_ratio: float


def report_palettes(palettes: Mapping[str, Mapping[str, str]]) -> list[PaletteReport]:
    """Measure each palette (the `palettes` table of brand.toml), in the given order."""
    reports = []
    for key, palette in palettes.items():
        try:
            text, background = palette["text"], palette["background"]
        except KeyError as missing:
            raise ValueError(f"palette {key!r} has no {missing.args[0]!r} colour") from None
        try:
            fg, bg = parse_hex(text), parse_hex(background)
        except ValueError as error:
            raise ValueError(f"palette {key!r}: {error}") from None
        ratio = contrast_ratio(fg, bg)
        new_fg, new_bg = accessible_pair(fg, bg, target=AA_BODY)
        reports.append(
            PaletteReport(
                key=key,
                text=to_hex(fg),
                background=to_hex(bg),
                ratio=ratio,
                passes_body=ratio >= AA_BODY,
                passes_large=ratio >= AA_LARGE,
                accessible_text=to_hex(new_fg),
                accessible_background=to_hex(new_bg),
                accessible_ratio=contrast_ratio(new_fg, new_bg),
            )
        )
    return reports


def _ratio_text(ratio: float) -> str:
    return f"{ratio:.2f}:1"


def format_table(reports: Iterable[PaletteReport]) -> str:
    """A Markdown table of palette reports; ratios to 2 decimals, changed colours in bold."""
    rows = [
        "| palette | text | background | ratio | AA body | AA large "
        "| accessible text | accessible background | accessible ratio |",
        "|---|---|---|---:|:---:|:---:|---|---|---:|",
    ]
    for r in reports:
        # Bold marks a colour the accessible variant changed, so a reader sees at a
        # glance which side moved.
        new_text = f"**`{r.accessible_text}`**" if r.accessible_text != r.text else f"`{r.text}`"
        new_bg = (
            f"**`{r.accessible_background}`**"
            if r.accessible_background != r.background
            else f"`{r.background}`"
        )
        rows.append(
            f"| `{r.key}` | `{r.text}` | `{r.background}` | {_ratio_text(r.ratio)} "
            f"| {'pass' if r.passes_body else 'FAIL'} | {'pass' if r.passes_large else 'FAIL'} "
            f"| {new_text} | {new_bg} | {_ratio_text(r.accessible_ratio)} |"
        )
    return "\n".join(rows) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the contrast table of a palettes TOML file (default: the bundled brand.toml)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1:
        print("usage: python -m cardimg.contrast [palettes.toml]", file=sys.stderr)
        return 2
    if args:
        path = Path(args[0])
    else:
        # Imported here so the measuring functions above stay free of package lookups.
        from cardimg.resources import data_dir

        path = data_dir("palettes") / "brand.toml"
    with path.open("rb") as handle:
        palettes = tomllib.load(handle)["palettes"]
    sys.stdout.write(format_table(report_palettes(palettes)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


class TextContrast(NamedTuple):
    """The weakest text on a slide: its WCAG ratio against what is behind it."""

    ratio: float
    required: float
    line: Line | None


def weakest_contrast(
    lines: Iterable[Line], text: RGB, behind: Callable[[Line], RGB], slide_width: int
) -> TextContrast:
    """The line whose text colour stands out least from what is `behind` it, against the
    WCAG bar for its size and weight (paint asks its pixels, `check` the colours)."""
    weakest = TextContrast(21.0, AA_BODY, None)
    for line in lines:
        x0, y0, x1, y1 = line.box
        if x1 <= x0 or y1 <= y0:
            continue
        ratio = contrast_ratio(text, behind(line))
        bold = any("bold" in f.style.font.lower() for f in line.fragments)
        required = required_ratio(line.font_size, bold=bold, slide_width=slide_width)
        if ratio / required < weakest.ratio / weakest.required:
            weakest = TextContrast(ratio, required, line)
    return weakest
