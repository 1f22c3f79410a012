"""Text with no right-to-left character skips FriBiDi: the levels and the direction it
is given are FriBiDi's own."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardimg import bidi

# The blocks the shortcut covers, and the bidi controls next to them that it must not.
LTR_ONLY = st.characters(
    include_characters="\u2000\u200d\u2010\u2029\u202f\u2065\u206a\u20cf\u00a0\u2019\u2014",
    max_codepoint=0x058F,
)
CONTROLS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"

needs_fribidi = pytest.mark.skipif(bidi._fribidi() is None, reason="no FriBiDi here")


@needs_fribidi
@settings(max_examples=300, deadline=None)
@given(st.text(LTR_ONLY, max_size=40))
def test_left_to_right_text_gets_fribidis_levels_and_direction(text):
    assert bidi._all_ltr(text)
    assert bidi.embedding_levels(text, "ltr") == bidi._fribidi_levels(text, 0)
    assert bidi.base_direction(text) == bidi._majority_direction(text)


@needs_fribidi
@settings(max_examples=200, deadline=None)
@given(st.text(LTR_ONLY, max_size=20), st.sampled_from(CONTROLS + "\u05d0\u0627\u0661"))
def test_a_control_or_a_right_to_left_character_goes_to_fribidi(text, odd):
    mixed = text + odd + text
    assert not bidi._all_ltr(mixed)
    assert bidi.embedding_levels(mixed, "ltr") == bidi._fribidi_levels(mixed, 0)


def test_every_code_point_of_the_shortcut_is_never_right_to_left():
    shortcut = [chr(c) for c in range(0x110000) if bidi._all_ltr(chr(c))]
    kinds = {unicodedata.bidirectional(ch) for ch in shortcut}
    assert kinds.isdisjoint(
        {"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
    )
