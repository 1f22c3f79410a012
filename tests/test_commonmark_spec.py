"""The CommonMark 0.31.2 spec's own examples (tests/data/commonmark), each run through
cardimg's Markdown stage: what a card draws is the example's visible text, in order, or
the loss is a note (which becomes a warning naming the card).

"Visible text" is computed from the spec's expected HTML under cardimg's documented
rules (docs/story-format.md):

* markup CommonMark generates (`<p>`, `<em>`, `<a href>`, `<pre><code>`, ...) is not
  text; a block element separates the text around it;
* HTML that CommonMark passes through raw is drawn as typed, except that a comment is
  never drawn and `<br>` is a line break. A tag in the HTML is raw when it is not of a
  form CommonMark generates, or when it was typed, character for character, in the
  example's Markdown (checked: no example has a generated tag that was also typed);
* an image is its alt text; character references in text are the characters;
* whitespace is normalised: every run of whitespace is one space, none at either end
  (a slide sets text with single spaces, lines are layout's), and the typographic
  characters cardimg draws for typed ones (curly quotes, dashes, ellipsis) are
  compared as what was typed.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cardimg.blocks import parse_body

SPEC = Path(__file__).resolve().parent / "data" / "commonmark" / "commonmark.json"
EXAMPLES: list[dict[str, Any]] = json.loads(SPEC.read_text(encoding="utf-8"))

# Raw HTML as CommonMark recognises it: tags, comments, processing instructions,
# declarations, CDATA. A "<" that is none of these is text (generated text escapes it).
_ATTRIBUTE = r"""(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)"""
_HTML = re.compile(
    r"<!---?>|<!--.*?-->|<\?.*?\?>|<![A-Za-z][^>]*>|<!\[CDATA\[.*?\]\]>"
    rf"|<[A-Za-z][A-Za-z0-9-]*{_ATTRIBUTE}*\s*/?>|</[A-Za-z][A-Za-z0-9-]*\s*>",
    re.DOTALL,
)
# What CommonMark's HTML writer generates: blocks, inline styles, links, images.
_GENERATED_BLOCK = re.compile(r'</?(?:p|pre|blockquote|ul|ol(?: start="\d+")?|li|h[1-6])>|<hr />')
_GENERATED_INLINE = re.compile(r'</?(?:em|strong|code|a)>|<code class="[^"]*">')
_GENERATED_LINK = re.compile(r'<a href="[^"]*"(?: title="[^"]*")?>')
_GENERATED_IMAGE = re.compile(r'<img src="[^"]*" alt="([^"]*)"(?: title="[^"]*")? />')
_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TYPOGRAPHIC = str.maketrans(
    {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u2014": "---", "\u2013": "--"}
    | {"\u2026": "..."}
)

# Examples whose comparison needs a rule of its own: none. (Kept as a table so that one
# that does is added here, with its reason, and never skipped wholesale.)
SPECIAL: dict[int, str] = {}


def visible_text(expected_html: str, markdown: str) -> str:
    """The text a reader of the example should see on a slide (see the module's rules)."""
    out: list[str] = []
    pos = 0
    for found in _HTML.finditer(expected_html):
        out.append(html.unescape(expected_html[pos : found.start()]))
        pos = found.end()
        out.append(_tag_text(found[0], generated=found[0] not in markdown))
    out.append(html.unescape(expected_html[pos:]))
    return "".join(out)


def _tag_text(tag: str, *, generated: bool) -> str:
    if generated and (_GENERATED_BLOCK.fullmatch(tag) or tag == "<br />"):
        return "\n"
    if generated and (_GENERATED_INLINE.fullmatch(tag) or _GENERATED_LINK.fullmatch(tag)):
        return ""
    image = _GENERATED_IMAGE.fullmatch(tag) if generated else None
    if image is not None:
        return html.unescape(image[1])
    if tag.startswith("<!--"):
        return ""  # a comment is never drawn
    return "\n" if _LINE_BREAK.fullmatch(tag) else tag  # raw HTML: as typed


def normalised(text: str) -> str:
    return " ".join(text.translate(_TYPOGRAPHIC).split())


def _example_id(example: dict[str, Any]) -> str:
    return f"{example['example']:03d}-{example['section'].lower().replace(' ', '-')}"


def test_the_data_is_the_whole_0_31_2_spec() -> None:
    assert [e["example"] for e in EXAMPLES] == list(range(1, 653))
    assert "0.31.2" in (SPEC.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("example", EXAMPLES, ids=_example_id)
def test_spec_example_is_drawn_or_its_loss_is_a_note(example: dict[str, Any]) -> None:
    assert example["example"] not in SPECIAL  # (none yet: see SPECIAL)
    # English quotation marks, whatever script an example is in: compared as typed.
    parsed = parse_body(example["markdown"], lang="en")
    drawn = normalised("\n".join(block.text for block in parsed.blocks))
    visible = normalised(visible_text(example["html"], example["markdown"]))
    if drawn == visible:
        return
    # Not drawn as visible: every word lost must be named by a note.
    lost = Counter(visible.split()) - Counter(drawn.split())
    notes = " ".join(parsed.notes)
    assert parsed.notes and all(word in notes for word in lost), (drawn, visible, parsed.notes)
    assert not Counter(drawn.split()) - Counter(visible.split()), "drawn words not in the text"


def test_the_visible_text_rules_catch_what_they_should() -> None:
    # Raw HTML as typed, comments gone, generated markup gone, images as their alt.
    assert visible_text("<p><em>a</em> <b>b</b> <!-- c --></p>\n", "*a* <b>b</b> <!-- c -->") == (
        "\na <b>b</b> \n\n"
    )
    assert visible_text('<p><img src="x" alt="an &amp; b" /></p>', "![an & b](x)") == ("\nan & b\n")
    assert normalised("\u201cHi\u201d \u2014 ok\u2026") == '"Hi" --- ok...'
