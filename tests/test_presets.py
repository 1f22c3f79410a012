"""Presets: every platform size is laid out again (never scaled), and every guarantee of
the foundation holds at each: text inside the safe area, frame labels inside the slide
(and out of what a Story's app covers), the card's words in order, one cover for og/x."""

from __future__ import annotations

from pathlib import Path

import pytest

import cardimg
from cardimg import default_theme, theme_fonts
from cardimg.layout.page import Geometry
from cardimg.plan import plan_story
from cardimg.presets import PRESETS, get_preset
from cardimg.story import Card, Story

from .test_properties import card_words, drawn_words, overlaps
from .test_render import check_geometry, inside

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "samples").glob("*.md"))
CAROUSELS = [name for name, preset in PRESETS.items() if preset.layout == "carousel"]
COVERS = [name for name, preset in PRESETS.items() if preset.layout == "cover"]
THEME = default_theme()
FONTS = theme_fonts(THEME)


def plans_for(story: Story, preset_name: str):
    preset = get_preset(preset_name)
    geometry = Geometry.for_size(THEME, preset.width, preset.height, preset.open_area)
    return preset, plan_story(story, theme=THEME, measurer=FONTS, geometry=geometry)


def upper(words: list[str]) -> list[str]:
    return [word.casefold() for word in words]


@pytest.mark.parametrize("preset_name", CAROUSELS)
@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_every_sample_at_every_preset_keeps_its_words_inside_the_safe_area(path, preset_name):
    story = cardimg.load_story(path)
    preset, plans = plans_for(story, preset_name)
    for card in story.cards:
        card_plans = [plan for plan in plans if plan.card_key == card.key]
        assert upper(drawn_words(card_plans)) == upper(card_words(card.body)), card.key
    open_area = preset.open_area
    for plan in plans:
        assert (plan.geometry.width, plan.geometry.height) == preset.size
        for line in plan.lines:
            area = plan.safe_box if not line.chrome else open_area
            if line.role == "citation":
                area = plan.safe_box
            assert inside(line.box, area), (preset_name, plan.kind, line.text, line.box, area)
        boxes = [line.box for line in plan.lines if line.box[2] > line.box[0]]
        for i, a in enumerate(boxes):
            assert not any(overlaps(a, b) for b in boxes[i + 1 :]), (preset_name, a)


@pytest.mark.parametrize("preset_name", [*CAROUSELS, *COVERS])
def test_render_makes_slides_of_the_preset_size(seed_path, preset_name):
    carousel = cardimg.render(seed_path, preset=preset_name)
    preset = PRESETS[preset_name]
    assert carousel.preset == preset
    assert {slide.image.size for slide in carousel.slides} == {preset.size}
    check_geometry(carousel)


def test_a_story_slide_keeps_all_text_out_of_the_zones_the_app_covers(seed_path):
    carousel = cardimg.render(seed_path, preset="story")
    top, bottom = round(1920 * 0.14), 1920 - round(1920 * 0.20)
    assert carousel.slides[0].image.size == (1080, 1920)
    for slide in carousel.slides:
        assert top <= slide.safe_box[1] and slide.safe_box[3] <= bottom
        assert top <= slide.frame_box[1] and slide.frame_box[3] <= bottom
        for line in slide.lines:  # card text, series label, citation and markers alike
            assert top <= line.box[1] and line.box[3] <= bottom, (slide.index, line.text)


def test_a_square_slide_holds_less_and_continues_rather_than_clips():
    body = "\n\n".join(f"Paragraph {n} " + "with words that fill the card " * 6 for n in range(6))
    story = Story("s", "S", None, "--default", None, (), (Card(0, "k", body),))
    _, portrait = plans_for(story, "instagram-portrait")
    _, square = plans_for(story, "instagram-square")
    assert len(square) > len(portrait)
    assert upper(drawn_words(square)) == upper(card_words(body))


@pytest.mark.parametrize("preset_name", COVERS)
def test_a_cover_is_one_image_with_the_title_and_series(seed_path, preset_name):
    carousel = cardimg.render(seed_path, preset=preset_name)
    assert len(carousel.slides) == 1
    cover = carousel.slides[0]
    assert cover.kind == "cover"
    assert cover.text == "Iraq Latest"
    assert [line.text for line in cover.lines if line.role == "series"] == ["SMARTHER NEWS"]
    assert all(line.font_size >= 60 for line in cover.text_lines)
    assert "Iraq Latest" in cover.alt


def test_a_cover_title_too_long_for_the_image_is_shortened_with_a_warning():
    title = " ".join(f"word{n}" for n in range(400))
    story = Story("t", title, "Series", "--default", None, (), (Card(0, "k", "Body"),))
    carousel = cardimg.render(story, preset="og")
    drawn = carousel.slides[0].text
    assert drawn.endswith("…") and title.startswith(drawn[:-1])
    assert any("title: too long" in note for note in carousel.warnings)
    check_geometry(carousel)


def test_a_cover_without_a_title_shows_the_first_card_line():
    story = Story("t", None, None, "--default", None, (), (Card(0, "k", "# Big news\n\nBody"),))
    assert cardimg.render(story, preset="x").slides[0].text == "Big news"


def test_width_and_height_override_the_preset_as_a_custom_size(seed_path):
    carousel = cardimg.render(seed_path, width=800, height=1000)
    assert carousel.preset.name == "custom"
    assert carousel.slides[0].image.size == (800, 1000)


def test_an_unknown_preset_names_the_known_ones(seed_path):
    with pytest.raises(ValueError, match=r"unknown preset 'tiktok' \(known: instagram-portrait"):
        cardimg.render(seed_path, preset="tiktok")


def test_preset_names_are_case_insensitive():
    assert get_preset(" Story ").name == "story"


def test_a_theme_may_add_its_own_presets(tmp_path, seed_path):
    theme_file = tmp_path / "theme.toml"
    default = (Path(cardimg.__file__).parent / "themes" / "default.toml").read_text()
    theme_file.write_text(
        default
        + "\n[presets.billboard]\nwidth = 1600\nheight = 900\ncovered_bottom = 0.1\n"
        + 'description = "Lobby screen"\n'
    )
    theme = cardimg.load_theme(theme_file)
    carousel = cardimg.render(seed_path, theme=theme, preset="billboard")
    assert carousel.slides[0].image.size == (1600, 900)
    assert all(line.box[3] <= 810 for slide in carousel.slides for line in slide.lines)


def test_an_unknown_preset_or_size_is_a_cardimg_error(seed_path):
    # Tools catch CardimgError for every problem with what they were given.
    with pytest.raises(cardimg.CardimgError):
        cardimg.render(seed_path, preset="nope")
    with pytest.raises(cardimg.CardimgError):
        cardimg.RenderOptions(width=5)
