"""The optional brand mark on the bottom frame line (theme `[frame] logo`, `--logo`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PIL import Image, ImageDraw

import cardimg
from cardimg import default_theme
from cardimg.cli import main
from cardimg.story import Card, Story

GOLD = (255, 200, 60)


def logo_file(tmp_path: Path) -> Path:
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse([100, 0, 200, 100], fill=(*GOLD, 255))
    path = tmp_path / "logo.png"
    image.save(path)
    return path


def story() -> Story:
    cards = (Card(0, "a", "First"), Card(1, "b", "Last"))
    return Story("s", "S", None, "--default", None, (), cards)


def gold_pixels(slide: cardimg.Slide) -> int:
    x0, _, x1, y1 = slide.frame_box
    region = slide.image.crop((x0, y1 - 40, x1, y1 + 40)).tobytes()
    pixels = [region[i : i + 3] for i in range(0, len(region), 3)]
    return sum(1 for p in pixels if abs(p[0] - GOLD[0]) < 8 and abs(p[1] - GOLD[1]) < 8)


def test_logo_sits_on_the_bottom_line_except_where_the_check_mark_goes(tmp_path):
    carousel = cardimg.render(story(), logo=logo_file(tmp_path))
    first, last = carousel.slides
    assert gold_pixels(first) > 500  # the mark, scaled to the frame
    assert gold_pixels(last) == 0  # the last card shows the check mark instead
    plain = cardimg.render(story())
    assert gold_pixels(plain.slides[0]) == 0


def test_theme_logo_path_is_relative_to_the_theme(tmp_path):
    theme = default_theme()
    themed = replace(theme, frame=replace(theme.frame, logo=logo_file(tmp_path)))
    assert gold_pixels(cardimg.render(story(), theme=themed).slides[0]) > 500


def test_unreadable_logo_is_a_warning_not_an_error(tmp_path):
    bad = tmp_path / "logo.png"
    bad.write_bytes(b"not an image")
    carousel = cardimg.render(story(), logo=bad)
    assert any(w.startswith("s: logo: logo.png: unreadable") for w in carousel.warnings)
    assert len(carousel.slides) == 2


def test_cli_logo_option(tmp_path, seed_path, capsys):
    assert (
        main(
            [
                "render",
                str(seed_path),
                "-o",
                str(tmp_path / "out"),
                "--logo",
                str(logo_file(tmp_path)),
            ]
        )
        == 0
    )
    first = Image.open(tmp_path / "out" / "20200314-iraq-latest" / "01.png").convert("RGB")
    x, y = first.width // 2, first.height - 48
    assert abs(first.getpixel((x, y))[0] - GOLD[0]) < 8
