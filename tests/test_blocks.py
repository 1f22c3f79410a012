"""Markdown card bodies to blocks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardimg.blocks import parse_blocks, plain_text


def roles(markdown: str) -> list[str]:
    return [block.role for block in parse_blocks(markdown)]


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# a", ["h1"]),
        ("## a", ["h2"]),
        ("### a", ["h3"]),
        ("#### a", ["h4"]),
        ("##### a", ["h5"]),
        ("###### a", ["h6"]),
        ("text", ["paragraph"]),
        ("> quote\n\nwho said it\n\nmore", ["quote", "attribution", "paragraph"]),
        ("* a\n* b", ["list", "list"]),
        ("1. a\n2. b", ["list", "list"]),
        ("```\ncode\n```", ["code"]),
        ("a\n\n---\n\nb", ["paragraph", "rule", "paragraph"]),
    ],
)
def test_block_roles(markdown, expected):
    assert roles(markdown) == expected


def test_inline_styles_become_spans():
    (block,) = parse_blocks("a **bold** *it* `code` ~~gone~~ [link](https://x.org)")
    styled = {span.text: span for span in block.spans}
    assert styled["bold"].bold and styled["it"].italic and styled["code"].code
    assert styled["gone"].strike and styled["link"].link == "https://x.org"


def test_smart_quotes_and_dashes():
    (block,) = parse_blocks("\"Hi,\" she said -- and left... 'ok'")
    assert block.text == "“Hi,” she said – and left… ‘ok’"


def test_hard_break_is_a_newline_span():
    (block,) = parse_blocks("one  \ntwo")
    assert block.text == "one\ntwo"


def test_numbered_and_nested_lists():
    blocks = parse_blocks("3. three\n   * inner\n4. four")
    assert [(b.marker, b.depth, b.text) for b in blocks] == [
        ("3.", 1, "three"),
        ("◦", 2, "inner"),
        ("4.", 1, "four"),
    ]


def test_html_is_never_interpreted_but_drawn_as_typed():
    blocks = parse_blocks("Hi <b>there</b> <script>alert(1)</script>\n\n<div>block text</div>")
    assert plain_text(blocks) == "Hi <b>there</b> <script>alert(1)</script>\n<div>block text</div>"
    assert all(not span.bold for block in blocks for span in block.spans)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_parses_to_blocks_without_markup_loss(markdown):
    blocks = parse_blocks(markdown)
    assert all(
        block.role
        in {
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "paragraph",
            "quote",
            "attribution",
            "list",
            "code",
            "rule",
        }
        for block in blocks
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "“hi” and ‘ok’"),
        ("fr", "«\u202fhi\u202f» and “ok”"),
        ("de", "„hi“ and ‚ok‘"),
        ("ru", "«hi» and „ok“"),
        ("xx-unknown", "“hi” and ‘ok’"),
    ],
)
def test_quotation_marks_follow_the_language(lang, expected):
    (block,) = parse_blocks("\"hi\" and 'ok'", lang=lang)
    assert block.text == expected


def test_language_is_guessed_from_the_script_when_not_given():
    (block,) = parse_blocks('Он сказал "привет" вчера')
    assert block.text == "Он сказал «привет» вчера"


def test_code_keeps_its_indentation():
    (block,) = parse_blocks('```\n{\n  "a": 1,\n\t"b": 2\n}\n```')
    assert block.text.split("\n") == ["{", '\u00a0\u00a0"a": 1,', "\u00a0" * 4 + '"b": 2', "}"]


def test_control_characters_are_dropped():
    (block,) = parse_blocks("a\x1eb\x00c\x7fd")
    assert block.text == "abcd"
