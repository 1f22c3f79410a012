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


def test_html_is_never_interpreted():
    blocks = parse_blocks(
        'Hi <b>there</b> <script>alert(1)</script>\n\n<div onclick="x">block text</div>'
    )
    text = plain_text(blocks)
    assert "there" in text and "block text" in text
    assert "<" not in text and "alert" not in text


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
