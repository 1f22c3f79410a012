"""Text that Markdown parsing must never lose: angle brackets, HTML-shaped text, deep
nesting, tables, images, soft hyphens and other invisible characters (issue 7)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from cardimg import Card, Carousel, Line, Story, load_story, render
from cardimg.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SHY = "\u00ad"
INVISIBLE = ("\u00ad", "\u200b", "\u2060", "\ufeff")


def story(*bodies: str, slug: str = "md") -> Story:
    cards = tuple(Card(order=n, key=f"k{n}", body=body) for n, body in enumerate(bodies))
    return Story(
        slug=slug,
        title=None,
        series=None,
        palette="--default",
        featured_image=None,
        sources=(),
        cards=cards,
    )


def drawn(carousel: Carousel, key: str = "k0") -> str:
    """The card's drawn text, slides joined."""
    return "\n".join(slide.text for slide in carousel.slides if slide.card_key == key)


def text_lines(carousel: Carousel, key: str = "k0") -> list[Line]:
    return [line for s in carousel.slides if s.card_key == key for line in s.text_lines]


# --------------------------------------------------------------------------- HTML-shaped text


def test_angle_brackets_are_drawn_as_typed() -> None:
    carousel = render(story("Scores: A<B and C>D.\n\nPress <Enter> to continue."))
    assert drawn(carousel).split("\n") == ["Scores: A<B and C>D.", "Press <Enter> to continue."]
    assert carousel.warnings == ()


def test_html_tags_are_text_never_markup() -> None:
    carousel = render(story("Stored <b>as typed</b>: <script>alert(1)</script> <i>x</i>."))
    assert drawn(carousel) == "Stored <b>as typed</b>: <script>alert(1)</script> <i>x</i>."
    faces = {f.style.font for line in text_lines(carousel) for f in line.fragments}
    assert len(faces) == 1  # nothing turned bold or italic


def test_html_block_is_drawn_as_typed() -> None:
    carousel = render(story("<div>Reading-room hours: 9–5</div>\n\n<p>\nsecond\n</p>"))
    assert drawn(carousel) == "<div>Reading-room hours: 9–5</div>\n<p> second </p>"


def test_br_tags_are_line_breaks_but_not_in_code() -> None:
    carousel = render(story("one<br>two <br/> three<BR />four and `<br>`"))
    assert [line.text for line in text_lines(carousel)] == ["one", "two", "three", "four and <br>"]


def test_entities_decode_and_autolinks_keep_their_text() -> None:
    carousel = render(story("5 &lt; 7 &amp;&amp; 7 &gt; 5, see <https://example.org/a>."))
    assert drawn(carousel) == "5 < 7 && 7 > 5, see https://example.org/a."
    links = {f.text: f.style.link for line in text_lines(carousel) for f in line.fragments}
    assert links["https://example.org/a"] == "https://example.org/a"


def test_html_comment_is_not_drawn_and_a_warning_names_the_card() -> None:
    carousel = render(story("Before <!-- editor: check the figure --> after."))
    assert drawn(carousel) == "Before after."
    assert carousel.warnings == (
        "md: card k0: an HTML comment is not card text, not drawn: "
        "<!-- editor: check the figure -->",
    )


def test_link_without_text_is_named_in_a_warning() -> None:
    carousel = render(story("Read [](https://example.org/report) and [this](https://x.org)."))
    assert drawn(carousel) == "Read and this."
    assert carousel.warnings == (
        "md: card k0: a link with no text is not drawn: https://example.org/report",
    )


@pytest.mark.parametrize(
    "body",
    ["[ref]: https://example.org/report", ">", "> \n>", "<!-- only a note -->", "[x]: /u\n\n> "],
)
def test_a_card_that_draws_nothing_is_a_warning_naming_it(body: str) -> None:
    carousel = render(story("First card.", body))
    assert drawn(carousel, "k1") == ""
    blank = [f for f in carousel.findings if f.code == "card-blank"]
    assert [(f.card, f.severity) for f in blank] == [("k1", "warning")]
    assert any(w.startswith("md: card k1: draws nothing") for w in carousel.warnings)


def test_unclosed_comment_is_drawn_as_typed() -> None:
    carousel = render(story("Before <!-- never closed"))
    assert drawn(carousel) == "Before <!-- never closed"
    assert carousel.warnings == ()


def test_block_types_sample_loses_no_words() -> None:
    path = SAMPLES / "20240101-block-types.md"
    loaded = load_story(path)
    carousel = render(loaded)
    for card in loaded.cards:
        # What a reader should see: the body without link targets and a fence's language.
        body = re.sub(r"\]\([^)]*\)", "]", card.body)
        body = re.sub(r"```\w+", "```", body)
        expected = re.findall(r"\w+", body.casefold())
        shown = re.findall(r"\w+", drawn(carousel, card.key).casefold())
        assert shown == expected, card.key
    text = "\n".join(slide.text for slide in carousel.slides)
    assert "<b>bold</b> or <script>alert(1)</script> is never run as code" in " ".join(text.split())
    assert "<div>Reading-room hours" in text


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.text(alphabet="abzAZ09<>&/=", min_size=1, max_size=8), min_size=1, max_size=12).map(
        " ".join
    )
)
def test_any_text_with_angle_brackets_draws_its_words(words: str) -> None:
    assume(not re.search(r"<br\s*/?>", words, re.IGNORECASE))  # the one tag that is a break
    body = f"Text {words}"
    carousel = render(story(body))
    assert drawn(carousel).split() == body.split()
    assert carousel.warnings == ()


# --------------------------------------------------------------------------- structure


def test_quote_25_deep_keeps_its_words() -> None:
    body = "> " * 25 + "Deep words stay.\n\nAfter the quote."
    carousel = render(story(body))
    assert drawn(carousel).split("\n") == ["Deep words stay.", "After the quote."]
    assert len(carousel.warnings) == 1
    assert carousel.warnings[0].startswith("md: card k0: quotes or lists nested too deep")


def test_quote_nested_in_lists_too_deep_keeps_its_words() -> None:
    body = "\n".join("  " * n + f"- item {n} " + "> " * n + f"quoted {n}" for n in range(12))
    words = re.findall(r"\w+", body)
    assert re.findall(r"\w+", drawn(render(story(body)))) == words


@settings(max_examples=25, deadline=None)
@example(["> - " * 12 + "1. ", "  " * 30 + "- ", "> " * 30])
@given(
    st.lists(
        st.lists(st.sampled_from(["> ", "- ", "* ", "1. ", "  "]), max_size=40).map("".join),
        min_size=1,
        max_size=6,
    )
)
def test_any_nesting_keeps_every_word_in_order(prefixes: list[str]) -> None:
    body = "\n".join(f"{prefix}word{n}" for n, prefix in enumerate(prefixes))
    text = drawn(render(story(body)))
    assert re.findall(r"word\d+", text) == [f"word{n}" for n in range(len(prefixes))]


def test_list_10_deep_keeps_its_words_as_items() -> None:
    body = "\n".join("  " * n + f"* level {n + 1} item" for n in range(10)) + "\n\nEnd."
    carousel = render(story(body))
    lines = text_lines(carousel)
    assert [line.text for line in lines] == [f"level {n + 1} item" for n in range(10)] + ["End."]
    assert all(line.marker is not None for line in lines[:10])


def test_image_only_body_shows_its_alt_text_and_says_so() -> None:
    carousel = render(story("![Volunteers drying ledgers in the basement](ledgers.jpg)"))
    assert drawn(carousel) == "Volunteers drying ledgers in the basement"
    assert carousel.warnings == ("md: card k0: image 'ledgers.jpg' is drawn as its alt text",)


def test_image_without_alt_text_is_named_in_a_warning() -> None:
    carousel = render(story("Text.\n\n![](chart.png)"))
    assert drawn(carousel) == "Text."
    (warning,) = carousel.warnings
    assert warning.startswith("md: card k0: image 'chart.png' has no alt text")


TABLE = """## Flood peaks

| Year | Peak stage | Gauge |
|------|-----------:|-------|
| 1913 | 27.1 ft | RVR-07 |
| 1937 | 31.4 ft | **RVR-12** |

Measured at the courthouse."""


def test_table_rows_read_as_header_value_pairs() -> None:
    carousel = render(story(TABLE))
    lines = text_lines(carousel)
    text = drawn(carousel)
    assert "|" not in text and "—" not in text
    rows = [" ".join(line.split()) for line in text.split("\n") if line.startswith("•")]
    assert rows == [
        "• Year: 1913 · Peak stage: 27.1 ft · Gauge: RVR-07",
        "• Year: 1937 · Peak stage: 31.4 ft · Gauge: RVR-12",
    ]
    cells = re.findall(r"\w[\w.-]*", TABLE.split("\n", 4)[4])  # the body rows, in order
    assert [w for w in re.findall(r"\w[\w.-]*", text) if w in cells] == cells
    assert lines[-1].text == "Measured at the courthouse."
    assert carousel.warnings == ()


def test_table_header_only_and_empty_column() -> None:
    carousel = render(story("| a | b |\n|---|---|\n\n| x | y |\n|---|---|\n| 1 |  |"))
    assert [" ".join(t.split()) for t in drawn(carousel).split("\n")] == ["• a · b", "• x: 1"]
    assert carousel.warnings == ("md: card k0: table column 'y' has no values, not drawn",)


# --------------------------------------------------------------------------- invisible characters

COMPOUND = SHY.join(
    ["Donau", "dampf", "schiff", "fahrts", "gesell", "schafts", "kapitäns", "mütze"]
)


def test_soft_hyphen_breaks_with_a_drawn_hyphen() -> None:
    carousel = render(story(f"# {COMPOUND}\n\nDie {COMPOUND} fährt."), width=600, height=750)
    lines = text_lines(carousel)
    broken = [line for line in lines if line.hyphenated]
    assert broken, "the compound should break at a soft hyphen"
    for line in broken:
        last = max(line.fragments, key=lambda fragment: fragment.x)
        assert last.text.endswith("-") and not line.text.endswith("-")
    whole = COMPOUND.replace(SHY, "")
    for slide in carousel.slides:
        for text in (slide.text, slide.alt, *(line.text for line in slide.lines)):
            assert SHY not in text
            assert SHY not in "".join(f.text for line in slide.lines for f in line.fragments)
    assert drawn(carousel).split("\n") == [whole, f"Die {whole} fährt."]


def test_soft_hyphen_not_taken_draws_nothing() -> None:
    carousel = render(story(f"Ein Schiff{SHY}fahrt."))
    (line,) = text_lines(carousel)
    assert line.text == "Ein Schifffahrt." and not line.hyphenated
    assert "".join(f.text for f in line.fragments) == "Ein Schifffahrt."


@pytest.mark.parametrize("char", INVISIBLE[1:])
def test_break_hints_are_never_drawn_nor_in_the_text(char: str) -> None:
    carousel = render(story(f"one{char}two three{char}"))
    (line,) = text_lines(carousel)
    assert line.text == "onetwo three"
    assert all(char not in f.text for f in line.fragments)
    assert carousel.warnings == ()


def test_zero_width_space_is_a_break_opportunity() -> None:
    long_word = "\u200b".join(["Riverside"] * 12)
    carousel = render(story(long_word), width=600, height=750)
    lines = text_lines(carousel)
    assert len(lines) > 1 and all(not line.hyphenated for line in lines)
    assert all(line.text.replace("Riverside", "") == "" for line in lines)  # whole words
    assert drawn(carousel) == "Riverside" * 12


# --------------------------------------------------------------------------- where warnings go


def test_warnings_reach_the_manifest_and_stderr(write_story, tmp_path, capsys) -> None:
    path = write_story("story.md", [{"order": 0, "_key": "abc", "body": "Hi <!-- x --> there"}])
    assert main(["render", str(path), "-o", str(tmp_path / "out")]) == 0
    expected = "story.md: card abc: an HTML comment is not card text, not drawn: <!-- x -->"
    assert expected in capsys.readouterr().err
    (manifest,) = (tmp_path / "out").rglob("manifest.json")
    assert json.loads(manifest.read_text())["warnings"] == [expected]


def test_capitals_change_no_character_but_greek_accents() -> None:
    # h4 is set in capitals: Greek drops its accents, a CJK compatibility ideograph
    # (which Unicode normalization would swap for its unified twin) stays as typed.
    carousel = render(story("#### ἀρχή \U0002f800 Ϊ"))
    assert drawn(carousel) == "ΑΡΧΗ \U0002f800 Ϊ"


def test_task_boxes_are_drawn_from_a_font_that_has_them() -> None:
    carousel = render(story("- [ ] to do\n- [x] done\n- plain"))
    markers = [line.marker for line in text_lines(carousel)]
    assert [m.text for m in markers if m] == ["☐", "☑", "•"]
    fonts = [Path(m.style.font).name for m in markers if m]
    assert fonts[0] == fonts[1] == "NotoSansSymbols2-Regular.ttf"
    assert fonts[2] != fonts[0]  # the bullet stays in the text face
    assert [line.text for line in text_lines(carousel)] == ["to do", "done", "plain"]
    assert carousel.warnings == ()  # no tofu: the boxes are in the fallback chain
