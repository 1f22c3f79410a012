"""Front matter of any size under the file cap loads in bounded memory: the fields cardimg
does not read are skipped, never built; the fields it reads are capped."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cardimg.errors import StoryError
from cardimg.story import MAX_FILE_BYTES, load_story, parse_story

ONE_CARD = "cards:\n  - order: 0\n    body: Hello\n    _key: k0\n"


def _peak_bytes_while_loading(path: Path):
    tracemalloc.start()
    try:
        story = load_story(path)
        return story, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _just_under_the_cap(head: str, item: str, tail: str) -> str:
    count = (MAX_FILE_BYTES - len(head) - len(tail) - 64) // len(item)
    return head + item * count + tail


def test_a_million_item_list_in_an_ignored_key_loads_in_bounded_memory(tmp_path: Path) -> None:
    text = _just_under_the_cap("---\n" + ONE_CARD + "cms_history: [", "1,", "1]\n---\n")
    assert text.count(",") > 1_000_000
    path = tmp_path / "big.md"
    path.write_text(text, encoding="utf-8")
    story, peak = _peak_bytes_while_loading(path)
    assert [card.body for card in story.cards] == ["Hello"]
    # The file itself is 2 MiB; building the list took ~700 MB before.
    assert peak < 40 * 1024 * 1024


def test_a_huge_ignored_key_inside_a_card_is_skipped(tmp_path: Path) -> None:
    text = _just_under_the_cap(
        "---\ncards:\n  - body: Hello\n    tags: [", "x,", "x]\n    citation: AP\n---\n"
    )
    path = tmp_path / "tags.md"
    path.write_text(text, encoding="utf-8")
    story, peak = _peak_bytes_while_loading(path)
    assert (story.cards[0].body, story.cards[0].citation) == ("Hello", "AP")
    assert peak < 40 * 1024 * 1024


def test_deep_nesting_in_an_ignored_key_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "deep.md"
    path.write_text("---\n" + ONE_CARD + "x: " + "[" * 900 + "]" * 900 + "\n---\n")
    assert load_story(path).cards[0].body == "Hello"


def test_a_huge_value_in_a_field_cardimg_reads_is_one_line_error(tmp_path: Path) -> None:
    text = _just_under_the_cap("---\n" + ONE_CARD + "title: [", "1,", "1]\n---\n")
    path = tmp_path / "title.md"
    path.write_text(text, encoding="utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(StoryError) as caught:
            load_story(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(caught.value).startswith("title.md: front matter line 6, column ")
    assert "more than 10,000 values in the fields cardimg reads" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert peak < 40 * 1024 * 1024


def test_anchors_stay_refused_in_ignored_keys(tmp_path: Path) -> None:
    path = tmp_path / "anchor.md"
    path.write_text("---\n" + ONE_CARD + "extra: &a [1]\nmore: *a\n---\n")
    with pytest.raises(StoryError, match=r"^anchor\.md: front matter line 6, column 8: .*anchors"):
        load_story(path)


def test_unquoted_dates_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "date.md"
    path.write_text("---\ndate: 2024-01-12\n" + ONE_CARD + "---\n")
    assert load_story(path).date == "2024-01-12"


_YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=12), _YAML_VALUES, max_size=4))
def test_keys_cardimg_ignores_never_change_the_story(extra: dict) -> None:
    read = {"title": "T", "cards": [{"body": "Hello", "citation": "AP"}]}
    extra = {key: value for key, value in extra.items() if key not in _READ_KEYS}
    plain = parse_story("---\n" + yaml.safe_dump(read) + "---\n", name="s.md")
    text = "---\n" + yaml.safe_dump({**extra, **read}, allow_unicode=True) + "---\n"
    assert parse_story(text, name="s.md") == plain


_READ_KEYS = {
    "slug",
    "title",
    "card_series",
    "colorpaletteclassname",
    "featured_image",
    "date",
    "draft",
    "_id",
    "lang",
    "language",
    "cards",
    "<<",
}
