"""Layout shares what it measured (a word's items, break opportunities, widths) across
blocks, cards and stories of a process: the caches only ever make it faster. The same
text gives the same lines whatever was laid out before it, with the caches warm or
cleared, and every cache is bounded."""

from __future__ import annotations

import gc
import importlib
import pkgutil
import weakref
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cardimg
import cardimg.layout
from cardimg import default_theme, load_theme
from cardimg.blocks import Block, Span
from cardimg.fonts import FontBook
from cardimg.layout import breaking, items, linebreak
from cardimg.layout.breaking import break_balanced, break_greedy, break_pretty
from cardimg.layout.flow import fit
from cardimg.layout.items import Box, Glue, Item, Penalty, RunStyle, inline_items
from cardimg.layout.measure import measure_key
from cardimg.plan import plan_story
from cardimg.story import Card, Story
from tests.fakes import FixedMeasurer

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SEED = SAMPLES / "20200314-iraq-latest.md"
THEME = default_theme()


def book() -> FontBook:
    # The theme's own fonts only: random text must not send the book to the system's.
    return FontBook(THEME, system_fonts=False)


def clear_shared() -> None:
    """Empty every cache layout shares between stories (not the fonts' own)."""
    items._unit_items.cache_clear()
    items._cached_break_units.cache_clear()


def story_of(body: str, key: str = "k0") -> Story:
    return Story(
        slug="sharing",
        title="Sharing",
        series="Test Series",
        palette="--default",
        featured_image=None,
        sources=(),
        cards=(Card(0, key, body, "VIEW SOURCES"),),
    )


def lines_of(story: Story, *, width: int = 1080, height: int = 1350, theme=THEME) -> list:
    plans = plan_story(
        story, theme=theme, measurer=FontBook(theme, system_fonts=False), width=width, height=height
    )
    return [(plan.body_size, plan.lines, plan.marks) for plan in plans]


def test_a_story_is_laid_out_the_same_whatever_was_laid_out_before_it() -> None:
    seed = cardimg.load_story(SEED)
    clear_shared()
    first = lines_of(seed)
    # Other stories, other sizes and another theme share words with the seed in between.
    for path in sorted(SAMPLES.glob("*.md"))[:6]:
        lines_of(cardimg.load_story(path), width=720, height=900)
    lines_of(seed, width=1080, height=1080, theme=load_theme("bold"))
    assert lines_of(seed) == first
    clear_shared()
    assert lines_of(seed) == first


def test_shared_words_do_not_carry_one_size_or_style_into_another() -> None:
    # The same words at two sizes and in two styles: each gets its own widths.
    measurer = book()
    spans = (Span("The swift retaliation and why it matters."),)
    small = inline_items(spans, THEME.style("paragraph"), 30, measurer)
    large = inline_items(spans, THEME.style("paragraph"), 60, measurer)
    heading = inline_items(spans, THEME.style("h2"), 30, measurer)
    assert [i.text for i in small if isinstance(i, Box)] == [
        i.text for i in large if isinstance(i, Box)
    ]
    for a, b in zip(small, large, strict=True):
        assert a.width * 2 == b.width or abs(a.width * 2 - b.width) < 1e-9
    assert {i.style for i in heading if isinstance(i, Box)} != {
        i.style for i in small if isinstance(i, Box)
    }


def test_every_cache_of_layout_and_fonts_is_bounded() -> None:
    modules = [cardimg.fonts, cardimg.bidi, cardimg.shaping]
    for info in pkgutil.iter_modules(cardimg.layout.__path__):
        modules.append(importlib.import_module(f"cardimg.layout.{info.name}"))
    caches = [
        (module.__name__, name, value)
        for module in modules
        for name, value in vars(module).items()
        if hasattr(type(value), "cache_info")
        and getattr(value, "__module__", None) == module.__name__
    ]
    assert any(name == "_unit_items" for _, name, _ in caches)
    for module, name, cache in caches:
        assert cache.cache_info().maxsize is not None, f"{module}.{name} is unbounded"


def test_only_a_measurer_that_promises_its_widths_shares_them() -> None:
    assert measure_key(book()) is not None
    assert measure_key(FixedMeasurer()) is None

    class Wider(FontBook):
        def width(self, font: str, size: float, text: str, features: tuple[str, ...] = ()) -> float:
            return 2 * super().width(font, size, text, features)

    wider = Wider(THEME, system_fonts=False)
    assert measure_key(wider) is None
    spans = (Span("Wednesday: two soldiers"),)
    plain = inline_items(spans, THEME.style("paragraph"), 40, book())
    doubled = inline_items(spans, THEME.style("paragraph"), 40, wider)
    assert [2 * i.width for i in plain] == [i.width for i in doubled]


def test_the_shared_cache_keeps_no_font_book_alive() -> None:
    # A book holds a theme and caches of its own: the shared words must not pin it.
    clear_shared()
    measurer = book()
    inline_items((Span("words kept for later"),), THEME.style("paragraph"), 40, measurer)
    assert items._unit_items.cache_info().currsize > 0
    gone = weakref.ref(measurer)
    del measurer
    gc.collect()
    assert gone() is None


# --------------------------------------------------------------------------- properties

WORDS = [
    "news", "Iraq", "U.S.", "9 a.m.", "No. 5", "J. R. R. Tolkien", "café", "naïve",
    "Ελλάδα", "Україна", "مرحبا", "שלום", "नमस्ते", "日本語の文章です", "한국어",
    "👍🏽", "—", "“quoted”", "(2024)", "co\u00adop\u00aderation", "pneumonoultramicroscopic",
]  # fmt: skip
word = st.sampled_from(WORDS) | st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), min_size=1, max_size=9
)
paragraph = st.lists(word, min_size=1, max_size=30).map(" ".join)


roles = st.sampled_from(["paragraph", "h2", "quote", "list", "source-url"])
blocks_of = st.lists(st.tuples(roles, paragraph, st.booleans()), min_size=1, max_size=3).map(
    lambda parts: tuple(Block(role, (Span(text, bold=bold),)) for role, text, bold in parts)
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=blocks_of,
    blocks=blocks_of,
    widths=st.tuples(st.integers(300, 1000), st.integers(300, 1000)),
)
def test_layout_with_the_caches_warm_equals_layout_with_them_cleared(
    before: tuple[Block, ...], blocks: tuple[Block, ...], widths: tuple[int, int]
) -> None:
    def laid_out(card: tuple[Block, ...], width: int) -> object:
        return fit(card, theme=THEME, measurer=book(), width=width, height=900, lang="en")

    clear_shared()
    laid_out(before, widths[0])  # shares words, in other roles, sizes and widths
    warm = laid_out(blocks, widths[1])
    clear_shared()
    assert laid_out(blocks, widths[1]) == warm


# ----------------------------------------------------- total fit against its plain statement


def reference_total_fit(line_items: list[Item], max_width: float, balance_last: bool) -> list[int]:
    """Total fit written plainly (every node, every line count, every width by summing
    the items), as the breaker's docstrings describe it: the fast search must agree."""
    paragraph = breaking._Paragraph(line_items)
    greedy = break_greedy(line_items, max_width)
    if len(greedy) < 2 or max_width <= 0:
        return greedy
    nodes = [-1, *paragraph.candidates]
    count, inf = len(greedy), float("inf")
    best = [[inf] * len(nodes) for _ in range(count + 1)]
    back = [[-1] * len(nodes) for _ in range(count + 1)]
    best[0][0] = 0.0
    for j in range(1, len(nodes)):
        brk = nodes[j]
        for i in range(j - 1, -1, -1):
            if i < j - 1 and paragraph.forced(nodes[i + 1]):
                break
            width = paragraph.width(nodes[i], brk)
            if width > max_width and i < j - 1:
                break
            last = paragraph.forced(brk) and not balance_last
            slack = max(0.0, max_width - width) / max_width
            cost = (4.0 if width < 0.25 * max_width else 0.0) if last else slack * slack
            cost += paragraph.cost(brk)
            if paragraph.forced(brk) and paragraph.lone_word(nodes[i], brk):
                cost += 1000.0
            for k in range(count):
                if best[k][i] + cost < best[k + 1][j]:
                    best[k + 1][j], back[k + 1][j] = best[k][i] + cost, i
    if best[count][-1] == inf:
        return greedy
    breaks, j = [], len(nodes) - 1
    for k in range(count, 0, -1):
        breaks.append(nodes[j])
        j = back[k][j]
    return breaks[::-1]


STYLE = RunStyle("f", 10.0)
piece = st.one_of(
    st.floats(1, 120).map(lambda w: Box("w", w, STYLE)),
    st.floats(2, 8).map(lambda w: Glue(" ", w, STYLE)),
    st.just(Penalty()),
    st.floats(2, 6).map(lambda w: Penalty(cost=0.1, hyphen=Box("-", w, STYLE))),
    st.just(Penalty(forced=True)),
)


@settings(max_examples=300, deadline=None)
@given(line_items=st.lists(piece, max_size=60), max_width=st.floats(20, 400))
def test_total_fit_finds_what_the_plain_search_finds(
    line_items: list[Item], max_width: float
) -> None:
    assert break_pretty(line_items, max_width) == reference_total_fit(line_items, max_width, False)
    assert break_balanced(line_items, max_width) == reference_total_fit(line_items, max_width, True)


# ------------------------------------------------- the abbreviation rule's quick refusal

TOKENS = ["9", "10", "a.m.", "p.", "m.", "No.", "(no.", "§", "p.", "J.", "R.", "Tolkien", "km",
          "%", "words", "end.", "5", "x", "«", "»", "’n’", "a."]  # fmt: skip
spaced = st.lists(
    st.tuples(st.sampled_from(TOKENS), st.sampled_from([" ", "  ", "\u2009", " \u2009 ", "    "])),
    max_size=12,
).map(lambda pairs: "".join(token + space for token, space in pairs))


@settings(max_examples=300, deadline=None)
@given(text=spaced, lang=st.sampled_from([None, "fr", "en"]))
def test_the_quick_refusal_never_changes_a_break(text: str, lang: str | None) -> None:
    quick = linebreak.break_opportunities(text, lang=lang)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(linebreak, "_may_glue", lambda text, i: True)
        assert linebreak.break_opportunities(text, lang=lang) == quick
