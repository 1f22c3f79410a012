"""Platform targets: formats, splitting, alt-text limits (pure rules; the files are
tested through the API and the CLI in test_target_exports)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardimg.presets import PRESETS, TARGETS
from cardimg.targets import TargetError, check_preset, choose_format, split_slides, trim_at_word


@given(st.integers(0, 400), st.integers(1, 30))
def test_split_keeps_every_slide_in_order_in_the_fewest_even_parts(total, most):
    parts = split_slides(total, most)
    assert [i for part in parts for i in part] == list(range(total))
    assert all(len(part) <= most for part in parts)
    assert len(parts) == max(1, -(-total // most))
    sizes = [len(part) for part in parts]
    assert max(sizes) - min(sizes) <= 1


def test_split_23_at_10():
    assert [len(p) for p in split_slides(23, 10)] == [8, 8, 7]
    assert split_slides(10, 10) == [range(10)]


@given(st.text(min_size=0, max_size=900), st.integers(5, 500))
def test_trimmed_text_fits_and_is_a_prefix(text, limit):
    trimmed = trim_at_word(text, limit)
    assert len(trimmed) <= limit
    if len(text) <= limit:
        assert trimmed == text
    else:
        assert trimmed.endswith("…") and text.startswith(trimmed[:-1])


def test_trim_cuts_at_a_word_boundary():
    text = "The quick brown fox jumps over the lazy dog"
    assert trim_at_word(text, 20) == "The quick brown fox…"
    assert trim_at_word(text, None) == text


def test_instagram_api_takes_jpeg_only():
    api, portrait = TARGETS["instagram-api"], PRESETS["instagram-portrait"]
    assert choose_format(api, None, portrait) == "jpeg"
    assert choose_format(api, "JPG", portrait) == "jpeg"
    with pytest.raises(TargetError, match="target instagram-api takes jpeg, not png"):
        choose_format(api, "png", portrait)


def test_linkedin_writes_a_pdf_and_no_target_keeps_the_preset_format():
    assert choose_format(TARGETS["linkedin"], None, PRESETS["linkedin"]) == "pdf"
    assert choose_format(None, None, PRESETS["linkedin"]) == "pdf"
    assert choose_format(None, "WEBP", PRESETS["story"]) == "webp"


def test_a_tall_preset_is_refused_for_the_publishing_api():
    api = TARGETS["instagram-api"]
    (note,) = check_preset(api, PRESETS["instagram-tall"])
    assert note == (
        "target instagram-api refuses preset instagram-tall (1080×1440): outside its aspect "
        "range 0.80…1.91:1 (preset instagram-portrait fits)"
    )
    assert check_preset(api, PRESETS["instagram-portrait"]) == []
    assert check_preset(api, PRESETS["instagram-square"]) == []
    assert check_preset(None, PRESETS["instagram-tall"]) == []
