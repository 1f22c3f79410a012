"""Behaviour of story loading: the seed story, every kind of bad input, sources, slugs."""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardimg.errors import StoryError
from cardimg.story import (
    MAX_BODY_CHARS,
    MAX_CARDS,
    MAX_FILE_BYTES,
    MAX_SOURCES_CHARS,
    FeaturedImage,
    Source,
    Story,
    load_story,
    parse_sources,
    parse_story,
    safe_slug,
)

SEED = Path(__file__).resolve().parents[1] / "samples" / "20200314-iraq-latest.md"

ONE_CARD = "cards:\n  - order: 0\n    body: Hello\n    _key: k0\n"


def write(tmp_path: Path, text: str | bytes, name: str = "story.md") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def story(front: str, after: str = "") -> str:
    return f"---\n{front}---\n{after}"


def load_error(tmp_path: Path, text: str | bytes, name: str = "story.md") -> str:
    with pytest.raises(StoryError) as caught:
        load_story(write(tmp_path, text, name))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{name}: ")
    return message


# --------------------------------------------------------------------------- the seed


@pytest.fixture(scope="module")
def seed() -> Story:
    return load_story(SEED)


def test_seed_header_fields(seed: Story) -> None:
    assert seed.title == "Iraq Latest"
    assert seed.series == "SmartHER News"
    assert seed.palette == "--dark-blue"
    assert seed.slug == "20200314-iraq-latest"
    assert seed.story_id == "2e7c5998-9482-45a0-87d5-95126cd54b8c"
    assert seed.date == "2020-03-14T01:43:00.000Z"
    assert seed.draft is False
    assert seed.warnings == ()
    assert seed.path == SEED
    assert seed.base_dir == SEED.parent


def test_seed_featured_image(seed: Story) -> None:
    assert seed.featured_image == FeaturedImage(
        url="21560c7b6cbd4f98329bbdc508a2ba3cbc824da3-2560x1878.jpg",
        alt="Featured Article Image",
    )


def test_seed_cards_in_order(seed: Story) -> None:
    assert [card.order for card in seed.cards] == [0, 1, 2, 3, 4]
    assert [card.key for card in seed.cards] == [
        "ee382877cb6a",
        "546260fce875",
        "12cb55bd64b6",
        "2bc4ec5b941b",
        "49fd3d7e015e",
    ]
    assert seed.cards[0].body.startswith("## While Americans hunker down at home")
    assert seed.cards[1].body.startswith("## Backstory\n\nSunday: Two Marines")
    assert seed.cards[4].citation == "VIEW SOURCES"
    assert [card.citation for card in seed.cards[:4]] == [None] * 4
    assert all(card.body == card.body.rstrip() for card in seed.cards)


def test_seed_sources_have_exact_urls(seed: Story) -> None:
    assert seed.sources == (
        Source(
            "Statement by the Department of Defense",
            "https://www.defense.gov/Newsroom/Releases/Release/Article/2110827/"
            "statement-by-the-department-of-defense/",
        ),
        Source(
            "DOD Identifies Army, Air Force Casualties",
            "https://www.defense.gov/Newsroom/Releases/Release/Article/2110986/"
            "dod-identifies-army-air-force-casualties/",
        ),
        Source(
            "Officials: US strikes Iran-backed militias in response to Iraq base attack",
            "https://www.stripes.com/news/middle-east/"
            "officials-us-strikes-iran-backed-militias-in-response-to-iraq-base-attack-1.622259",
        ),
    )
    assert seed.sources[-1].url.endswith("-1.622259")


def test_seed_copy_with_crlf_and_bom_loads_the_same(tmp_path: Path, seed: Story) -> None:
    raw = SEED.read_bytes().replace(b"\n", b"\r\n")
    copy = load_story(write(tmp_path, b"\xef\xbb\xbf" + raw, SEED.name))
    assert copy.cards == seed.cards
    assert copy.sources == seed.sources
    assert copy.title == seed.title


# --------------------------------------------------------------------------- valid variations


def test_cards_sorted_by_order_not_file_order(tmp_path: Path) -> None:
    front = (
        "cards:\n"
        "  - {order: 2, body: third, _key: c}\n"
        "  - {order: 0, body: first, _key: a}\n"
        "  - {order: 1, body: second, _key: b}\n"
    )
    loaded = load_story(write(tmp_path, story(front)))
    assert [c.body for c in loaded.cards] == ["first", "second", "third"]
    assert [c.key for c in loaded.cards] == ["a", "b", "c"]


def test_cards_without_order_follow_ordered_cards_in_file_order(tmp_path: Path) -> None:
    front = (
        "cards:\n"
        "  - {body: loose-one}\n"
        "  - {order: 5, body: five}\n"
        "  - {body: loose-two}\n"
        "  - {order: 1, body: one}\n"
    )
    loaded = load_story(write(tmp_path, story(front)))
    assert [c.body for c in loaded.cards] == ["one", "five", "loose-one", "loose-two"]
    assert [c.order for c in loaded.cards] == [1, 5, 6, 7]
    assert [c.key for c in loaded.cards] == ["card-3", "card-1", "card-0", "card-2"]
    assert "story.md: cards[0].order: missing, shown after the ordered cards" in loaded.warnings


def test_equal_orders_keep_file_order(tmp_path: Path) -> None:
    front = "cards:\n  - {order: 1, body: a}\n  - {order: 1, body: b}\n  - {order: 0, body: c}\n"
    loaded = load_story(write(tmp_path, story(front)))
    assert [c.body for c in loaded.cards] == ["c", "a", "b"]


def test_empty_body_is_valid_with_a_warning(tmp_path: Path) -> None:
    front = (
        "cards:\n"
        "  - {order: 0, body: one}\n"
        "  - {order: 1, body: two}\n"
        "  - {order: 2, body: three}\n"
        "  - {order: 3, body: ''}\n"
    )
    loaded = load_story(write(tmp_path, story(front)))
    assert loaded.cards[3].body == ""
    assert loaded.warnings == ("story.md: cards[3].body: empty, rendered as an empty card",)


def test_body_trailing_whitespace_is_stripped(tmp_path: Path) -> None:
    front = "cards:\n  - order: 0\n    body: |\n      line one\n\n      line two   \n\n\n"
    loaded = load_story(write(tmp_path, story(front)))
    assert loaded.cards[0].body == "line one\n\nline two"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("", "--default"),
        ("colorpaletteclassname:\n", "--default"),
        ("colorpaletteclassname: ''\n", "--default"),
        ("colorpaletteclassname: '  --teal  '\n", "--teal"),
        ("colorpaletteclassname: --no-such-key\n", "--no-such-key"),
    ],
)
def test_palette(tmp_path: Path, line: str, expected: str) -> None:
    assert load_story(write(tmp_path, story(line + ONE_CARD))).palette == expected


def test_missing_optional_fields_get_defaults(tmp_path: Path) -> None:
    loaded = load_story(write(tmp_path, story(ONE_CARD), "20240101-no-header.md"))
    assert loaded.slug == "20240101-no-header"
    assert loaded.title is None
    assert loaded.series is None
    assert loaded.featured_image is None
    assert loaded.sources == ()
    assert loaded.draft is False
    assert loaded.date is None
    assert loaded.story_id is None


def test_numbers_where_text_is_expected_become_text(tmp_path: Path) -> None:
    front = "title: 2020\ncard_series: 1.5\nslug: 20200314\n_id: 42\ndraft: true\n" + ONE_CARD
    loaded = load_story(write(tmp_path, story(front)))
    assert (loaded.title, loaded.series, loaded.slug, loaded.story_id) == (
        "2020",
        "1.5",
        "20200314",
        "42",
    )
    assert loaded.draft is True


def test_unquoted_date_stays_text(tmp_path: Path) -> None:
    loaded = load_story(write(tmp_path, story("date: 2020-03-14\n" + ONE_CARD)))
    assert loaded.date == "2020-03-14"


def test_slug_is_kept_as_given(tmp_path: Path) -> None:
    loaded = load_story(write(tmp_path, story("slug: ../../etc/passwd\n" + ONE_CARD)))
    assert loaded.slug == "../../etc/passwd"
    assert safe_slug(loaded.slug).startswith("etc-passwd-")


@pytest.mark.parametrize(
    "image",
    ["featured_image:\n", "featured_image: {alt: x}\n", "featured_image: {alt: x, url: ''}\n"],
)
def test_featured_image_without_url_is_none(tmp_path: Path, image: str) -> None:
    assert load_story(write(tmp_path, story(image + ONE_CARD))).featured_image is None


def test_featured_image_without_alt(tmp_path: Path) -> None:
    loaded = load_story(write(tmp_path, story("featured_image: {url: a.jpg}\n" + ONE_CARD)))
    assert loaded.featured_image == FeaturedImage(url="a.jpg", alt="")


def test_parse_story_without_a_path() -> None:
    parsed = parse_story(story("slug: abc\n" + ONE_CARD))
    assert parsed.slug == "abc"
    assert parsed.path is None
    assert parsed.base_dir is None
    with pytest.raises(StoryError, match=r"^<story>: no front matter"):
        parse_story("just text")


def test_parse_story_names_errors_after_the_path() -> None:
    with pytest.raises(StoryError, match=r"^x\.md: cards: missing"):
        parse_story(story("title: t\n"), path=Path("/somewhere/x.md"))


def test_card_limit_is_inclusive(tmp_path: Path) -> None:
    front = "cards:\n" + "".join(f"  - {{order: {i}, body: b}}\n" for i in range(MAX_CARDS))
    assert len(load_story(write(tmp_path, story(front))).cards) == MAX_CARDS


def test_body_at_the_limit_is_accepted(tmp_path: Path) -> None:
    front = f"cards:\n  - body: {'x' * MAX_BODY_CHARS}\n"
    assert len(load_story(write(tmp_path, story(front))).cards[0].body) == MAX_BODY_CHARS


# --------------------------------------------------------------------------- bad files


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoryError, match=r"^nope\.md: no such file"):
        load_story(tmp_path / "nope.md")


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "stories").mkdir()
    with pytest.raises(StoryError, match=r"^stories: is a directory"):
        load_story(tmp_path / "stories")


def test_accepts_a_str_path(tmp_path: Path) -> None:
    path = write(tmp_path, story(ONE_CARD))
    assert load_story(str(path)).cards[0].body == "Hello"


@pytest.mark.parametrize("text", ["", "   \n\n\t\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    assert load_error(tmp_path, text) == "story.md: empty file"


def test_no_front_matter(tmp_path: Path) -> None:
    message = load_error(tmp_path, "# Just Markdown\n\nNo front matter here.\n")
    assert message == "story.md: no front matter: the file must start with a '---' line"


def test_front_matter_not_closed(tmp_path: Path) -> None:
    message = load_error(tmp_path, "---\ntitle: x\n" + ONE_CARD)
    assert message == "story.md: front matter has no closing '---' line"


def test_yaml_syntax_error_names_the_file_line(tmp_path: Path) -> None:
    text = "---\ntitle: ok\nslug: fine\ncards:\n  - body: x\n    order: [1, 2\n---\n"
    message = load_error(tmp_path, text)
    assert message.startswith("story.md: front matter line 7, column 1: YAML error:")


def test_yaml_syntax_error_line_counts_leading_blank_lines(tmp_path: Path) -> None:
    message = load_error(tmp_path, "\n\n---\ntitle: a\n  bad: indent\n---\n")
    assert message.startswith("story.md: front matter line 5, column 6: YAML error:")
    assert "mapping values are not allowed" in message  # libyaml says "in this context"


@pytest.mark.parametrize(
    ("front", "got"),
    [("- a\n- b\n", "a list"), ("just words\n", "text"), ("42\n", "a number")],
)
def test_front_matter_not_a_mapping(tmp_path: Path, front: str, got: str) -> None:
    assert load_error(tmp_path, story(front)) == (
        f"story.md: front matter: expected a mapping, got {got}"
    )


def test_front_matter_empty(tmp_path: Path) -> None:
    message = load_error(tmp_path, "---\n---\nbody\n")
    assert message.startswith("story.md: front matter: empty")


def test_non_utf8_names_the_byte_offset(tmp_path: Path) -> None:
    data = b"---\ntitle: caf\xe9\n" + ONE_CARD.encode() + b"---\n"
    message = load_error(tmp_path, data)
    offset = data.index(b"\xe9")
    assert message == f"story.md: not UTF-8 text: byte 0xe9 at byte offset {offset} (line 2)"


def test_nul_character_is_rejected_with_its_line(tmp_path: Path) -> None:
    message = load_error(tmp_path, story("title: a\x00b\n" + ONE_CARD))
    assert message == "story.md: front matter line 2: character #x0000 is not allowed"


def test_unsafe_yaml_tag_is_rejected(tmp_path: Path) -> None:
    message = load_error(tmp_path, story("title: !!python/object/apply:os.system [ls]\n"))
    assert message.startswith("story.md: front matter line 2, column 8: YAML error:")
    assert "constructor" in message


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    text = story(ONE_CARD) + "x" * MAX_FILE_BYTES
    size = len(text.encode())
    message = load_error(tmp_path, text, "big.md")
    assert message == f"big.md: {size:,} bytes, over the limit of 2,097,152 bytes"


def test_huge_file_is_rejected_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    with path.open("wb") as handle:
        handle.write(story(ONE_CARD).encode())
        handle.truncate(1024**3)  # sparse: a reader of the whole file would take seconds
    with pytest.raises(StoryError, match=r"^huge\.md: 1,073,741,824 bytes, over the limit"):
        load_story(path)


def test_parse_story_enforces_the_size_limit() -> None:
    with pytest.raises(StoryError, match=r"over the limit of 2,097,152 bytes"):
        parse_story(story(ONE_CARD) + "é" * (MAX_FILE_BYTES // 2), name="s.md")


def test_alias_bomb_is_rejected_before_expansion(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{cur}: &{cur} [{','.join([f'*{prev}'] * 9)}]")
    text = story("\n".join(lines) + "\n" + ONE_CARD)
    message = load_error(tmp_path, text, "bomb.md")
    assert message == (
        "bomb.md: front matter line 2, column 4: "
        "YAML error: anchors (&name) and aliases (*name) are not allowed"
    )


def test_lone_alias_is_rejected(tmp_path: Path) -> None:
    message = load_error(tmp_path, story("title: *nothing\n" + ONE_CARD))
    assert "aliases (*name) are not allowed" in message


# --------------------------------------------------------------------------- bad fields


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: x\n", "story.md: cards: missing; a story needs a list of cards"),
        ("cards: some text\n", "story.md: cards: expected a list, got text"),
        ("cards: {a: 1}\n", "story.md: cards: expected a list, got a mapping"),
        ("cards:\n", "story.md: cards: expected a list, got null"),
        ("cards: []\n", "story.md: cards: empty list; a story needs at least one card"),
    ],
)
def test_bad_cards_list(tmp_path: Path, front: str, expected: str) -> None:
    assert load_error(tmp_path, story(front)) == expected


def test_too_many_cards(tmp_path: Path) -> None:
    front = "cards:\n" + "".join(f"  - {{body: b{i}}}\n" for i in range(MAX_CARDS + 1))
    assert load_error(tmp_path, story(front)) == "story.md: cards: 61 cards, over the limit of 60"


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ("- just text", "cards[2]: expected a mapping, got text"),
        ("- [1, 2]", "cards[2]: expected a mapping, got a list"),
        ("- {order: 2}", "cards[2].body: missing"),
        ("- {body: {a: b}}", "cards[2].body: expected text, got a mapping"),
        ("- {body: [a, b]}", "cards[2].body: expected text, got a list"),
        ("- {body: 12}", "cards[2].body: expected text, got a number"),
        ("- {body: 1.5}", "cards[2].body: expected text, got a number"),
        ("- {body: true}", "cards[2].body: expected text, got a boolean"),
        ("- {body: null}", "cards[2].body: expected text, got null"),
        ("- {body: x, order: '2'}", "cards[2].order: expected an integer, got text"),
        ("- {body: x, order: 2.5}", "cards[2].order: expected an integer, got a number"),
        ("- {body: x, order: true}", "cards[2].order: expected an integer, got a boolean"),
        ("- {body: x, order: [2]}", "cards[2].order: expected an integer, got a list"),
        ("- {body: x, citation: 3}", "cards[2].citation: expected text, got a number"),
        ("- {body: x, citation: [a]}", "cards[2].citation: expected text, got a list"),
        ("- {body: x, citation: {a: b}}", "cards[2].citation: expected text, got a mapping"),
        ("- {body: x, _key: {a: b}}", "cards[2]._key: expected text, got a mapping"),
    ],
)
def test_bad_card(tmp_path: Path, card: str, expected: str) -> None:
    front = f"cards:\n  - {{order: 0, body: a}}\n  - {{order: 1, body: b}}\n  {card}\n"
    assert load_error(tmp_path, story(front)) == f"story.md: {expected}"


def test_body_over_the_limit(tmp_path: Path) -> None:
    front = f"cards:\n  - order: 0\n    body: {'x' * 2_000_000}\n"
    message = load_error(tmp_path, story(front), "big.md")
    assert message == "big.md: cards[0].body: 2,000,000 characters, over the limit of 20,000"


def test_body_one_over_the_limit_names_the_card(tmp_path: Path) -> None:
    front = f"cards:\n  - {{body: ok}}\n  - {{body: {'y' * (MAX_BODY_CHARS + 1)}}}\n"
    message = load_error(tmp_path, story(front))
    assert message == "story.md: cards[1].body: 20,001 characters, over the limit of 20,000"


NOT_AN_IMAGE = "featured_image: expected a mapping with url and alt, got"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("featured_image: a.jpg\n", f"{NOT_AN_IMAGE} text"),
        ("featured_image: [a.jpg]\n", f"{NOT_AN_IMAGE} a list"),
        ("featured_image: {url: {a: b}}\n", "featured_image.url: expected text, got a mapping"),
        ("featured_image: {url: x, alt: [x]}\n", "featured_image.alt: expected text, got a list"),
        ("title: {a: b}\n", "title: expected text, got a mapping"),
        ("title: [a, b]\n", "title: expected text, got a list"),
        ("title: No\n", "title: expected text, got a boolean (quote the value to keep it)"),
        ("card_series: [a]\n", "card_series: expected text, got a list"),
        ("slug: {a: b}\n", "slug: expected text, got a mapping"),
        ("colorpaletteclassname: [a]\n", "colorpaletteclassname: expected text, got a list"),
        ("date: {a: b}\n", "date: expected text, got a mapping"),
        ("draft: maybe\n", "draft: expected true or false, got text"),
    ],
)
def test_bad_header_field(tmp_path: Path, line: str, expected: str) -> None:
    assert load_error(tmp_path, story(line + ONE_CARD)) == f"story.md: {expected}"


def test_file_name_with_a_newline_keeps_the_message_on_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "no front matter", "odd\nname.md")
    with pytest.raises(StoryError) as caught:
        load_story(path)
    assert str(caught.value).startswith("odd name.md: no front matter")


# --------------------------------------------------------------------------- sources


def test_sources_seed_shape() -> None:
    text = "**First**  \n[https://a.example/1](https://a.example/1)\n\n**Second**  \n<https://b.example/2>\n"
    assert parse_sources(text) == (
        Source("First", "https://a.example/1"),
        Source("Second", "https://b.example/2"),
    )


def test_sources_link_without_title_uses_its_text_or_url() -> None:
    text = "- [Pentagon statement](https://a.example/x)\n- [https://b.example/y](https://b.example/y)\n"
    assert parse_sources(text) == (
        Source("Pentagon statement", "https://a.example/x"),
        Source("https://b.example/y", "https://b.example/y"),
    )


def test_sources_bare_urls_count_as_links() -> None:
    text = "**Wire report**\nhttps://a.example/story).\n\nReuters: https://b.example/z, and more"
    assert parse_sources(text) == (
        Source("Wire report", "https://a.example/story"),
        Source("Reuters", "https://b.example/z"),
    )


def test_sources_bare_url_keeps_balanced_parentheses() -> None:
    assert parse_sources("https://en.example/wiki/Foo_(bar)") == (
        Source("https://en.example/wiki/Foo_(bar)", "https://en.example/wiki/Foo_(bar)"),
    )


def test_sources_bold_title_without_link_is_skipped() -> None:
    text = "**Orphan title**\n\n**Real title**  \n[x](https://a.example/)\n\n**Trailing**\n"
    assert parse_sources(text) == (Source("Real title", "https://a.example/"),)


def test_sources_dirty_tail_is_dropped() -> None:
    text = "**T**  \n[https://s.example/a-1.622259](https://s.example/a-1.622259)-1.622259)"
    assert parse_sources(text) == (Source("T", "https://s.example/a-1.622259"),)


def test_sources_script_links_are_not_sources() -> None:
    assert parse_sources("**Bad**  \n[click](javascript:alert(1))") == ()


@pytest.mark.parametrize(
    "text",
    ["", "   ", "no links here", "**bold only**", "```\nhttps://x\n```", "<https://>", "[x]()"],
)
def test_sources_none(text: str) -> None:
    assert parse_sources(text) == ()


def test_long_sources_section_is_cut_with_a_warning(tmp_path: Path) -> None:
    after = "**Kept**  \n[k](https://k.example/)\n\n" + "[" * MAX_SOURCES_CHARS
    after += "\n\n**Lost**  \n[l](https://l.example/)\n"
    loaded = load_story(write(tmp_path, story(ONE_CARD, after)))
    assert loaded.sources == (Source("Kept", "https://k.example/"),)
    assert loaded.warnings == (
        f"story.md: sources: {len(after.strip()):,} characters, "
        "only the first 100,000 are searched for sources",
    )


# --------------------------------------------------------------------------- slugs


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("20200314-iraq-latest", "20200314-iraq-latest"),
        ("snake_case_ok", "snake_case_ok"),
        ("Café", "cafe"),
        ("北京", "北京"),
        ("a---b...c", "a---b...c"),
        # altered (replaced, cut or reserved): the readable part, then a hash of the slug
        ("../../x", "x-#"),
        ("/etc/passwd", "etc-passwd-#"),
        ("C:\\Windows\\system32", "c-windows-system32-#"),
        ("Iraq Latest!", "iraq-latest-#"),
        ("Café au lait", "cafe-au-lait-#"),
        ("--._x_.--", "x-#"),
        ("", "story-#"),
        (".", "story-#"),
        ("..", "story-#"),
        ("...///...", "story-#"),
        ("con", "con-#"),
        ("a" * 100, "a" * 80 + "-#"),
        ("a" * 79 + "-b", "a" * 79 + "-#"),
    ],
)
def test_safe_slug(raw: str, expected: str) -> None:
    pattern = re.escape(expected.removesuffix("#")) + (
        "[0-9a-f]{10}" if expected[-1:] == "#" else ""
    )
    assert re.fullmatch(pattern, safe_slug(raw))


@given(st.text())
def test_safe_slug_is_always_safe(raw: str) -> None:
    slug = safe_slug(raw)
    assert 0 < len(slug.encode("utf-8")) <= 211
    assert all(unicodedata.category(ch)[0] in "LMN" or ch in "-_." for ch in slug)
    assert slug[0] not in "-_." and slug[-1] not in "-_."


# --------------------------------------------------------------------------- properties

PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
card_values = st.one_of(
    yaml_values,
    st.fixed_dictionaries(
        {},
        optional={
            "order": yaml_values,
            "body": yaml_values,
            "citation": yaml_values,
            "_key": yaml_values,
        },
    ),
)
front_matters = st.fixed_dictionaries(
    {},
    optional={
        key: yaml_values
        for key in (
            "title",
            "slug",
            "card_series",
            "colorpaletteclassname",
            "date",
            "draft",
            "_id",
            "featured_image",
        )
    }
    | {"cards": st.lists(card_values, max_size=5) | yaml_values},
)


def parses_or_story_error(text: str) -> None:
    try:
        result = parse_story(text, name="p.md")
    except StoryError as exc:
        assert str(exc).startswith("p.md: ")
        assert "\n" not in str(exc)
    else:
        assert isinstance(result, Story)
        assert result.cards


@PROPERTY
@given(st.text())
def test_parse_story_any_text(text: str) -> None:
    parses_or_story_error(text)


@PROPERTY
@given(st.text(alphabet=st.sampled_from("-:\n &*![]{}'\"#|>?,.ab0 \t\x00")), st.text())
def test_parse_story_any_front_matter_text(front: str, after: str) -> None:
    parses_or_story_error(f"---\n{front}\n---\n{after}")


@PROPERTY
@given(front_matters, st.text())
def test_parse_story_any_yaml_structure(front: dict[str, object], after: str) -> None:
    parses_or_story_error(f"---\n{yaml.safe_dump(front)}---\n{after}")


@PROPERTY
@given(st.text())
def test_parse_sources_never_raises(text: str) -> None:
    sources = parse_sources(text)
    assert all(isinstance(s, Source) and s.url and s.title for s in sources)


@PROPERTY
@given(
    st.lists(
        st.sampled_from(
            ["**", "*", "[", "]", "(", ")", "<", ">", "https://", "a.b/", "\n", "  \n", " ", "`",
             "-1.622259)", "x", "\\", "!", "#", "> ", "- ", "\n\n", "&amp;", "<a href='x'>"]
        )
    ).map("".join)
)  # fmt: skip
def test_parse_sources_never_raises_on_markdown_fragments(text: str) -> None:
    for source in parse_sources(text):
        assert source.url and source.title
        if f"<{source.url}>" in text:
            continue  # an autolink: its URL is what the author put between < and >
        # The seed's dirty tail is a `)` with no `(`: a URL never keeps an unbalanced one.
        assert source.url.count(")") <= source.url.count("(")
        assert not source.url.endswith(".")


def test_an_autolink_keeps_its_url_as_written_and_a_bare_url_loses_its_dirty_tail() -> None:
    # Angle brackets delimit the URL on purpose; a bare URL's `)` with no `(` is text
    # glued to it (the seed's "…-1.622259)").
    assert [s.url for s in parse_sources("<https://a.b/)>")] == ["https://a.b/)"]
    assert [s.url for s in parse_sources("see https://a.b/x) and more")] == ["https://a.b/x"]


def test_seed_survives_a_copy_beside_other_files(tmp_path: Path) -> None:
    copy = tmp_path / "nested" / "seed.md"
    copy.parent.mkdir()
    shutil.copyfile(SEED, copy)
    loaded = load_story(copy)
    assert loaded.base_dir == copy.parent
    assert loaded.slug == "20200314-iraq-latest"


@pytest.mark.parametrize(
    "text",
    ["https://(-1.622259)", "https://", "[x](https://)", "http://-x", "https://https://(-1.6)"],
)
def test_addresses_without_a_host_are_not_sources(text: str) -> None:
    assert parse_sources(text) == ()


@pytest.mark.parametrize(
    "url",
    [
        "https://www.defense.gov/a/",
        "http://example.org",
        "https://user@ex.com:8080/x?q=1#f",
        "https://sub.example.co.uk/",
    ],
)
def test_real_addresses_are_sources(url: str) -> None:
    assert [s.url for s in parse_sources(f"**Title**  \n[{url}]({url})")] == [url]


def test_international_addresses_are_sources_as_written() -> None:
    assert [s.url for s in parse_sources("See https://例え.jp/パス today")] == [
        "https://例え.jp/パス"
    ]


def test_a_story_read_without_its_sources_is_the_same_story_but_them() -> None:
    from dataclasses import replace

    from cardimg.story import load_story as load

    full, head = load(SEED), load(SEED, sources=False)
    assert full.sources and head.sources == ()
    assert replace(full, sources=()) == head
