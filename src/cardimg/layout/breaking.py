"""Decide where to break lines: greedy first fit, and total fit over the greedy line count.

Both work on items (boxes, glue, penalties) and a maximum width only, so they are
tested with made-up widths. A break is the index of the item the line ends before:
a glue or penalty index, or `len(items)` for the end of the text.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from functools import cached_property
from itertools import accumulate
from typing import NamedTuple

from .items import Box, Glue, Item, Penalty

__all__ = ["LineRange", "break_balanced", "break_greedy", "break_pretty", "line_ranges"]

LineRange = tuple[int, int]  # items[start:end] are drawn on the line (glue trimmed)

# A last line narrower than this share of the measure reads as an orphan.
_SHORT_LAST_LINE = 0.25
_SHORT_LAST_LINE_COST = 4.0
# A last line holding a single word (one unit between break opportunities: a word, or
# one ideograph in CJK) is an orphan whatever its width ("Washington." is 30% of a
# line). The cost outweighs any rag (at most 1 a line, and total fit runs on at most
# a few hundred lines), so another break is taken whenever the line count allows one.
_LONE_WORD_COST = 1000.0
# Text without spaces (Chinese, Japanese) has a break between any two ideographs: there a
# last line of this many characters or fewer (two ideographs and a full stop) is the orphan.
_FEW_CHARACTERS = 3
_SLACK_WEIGHT = 1.0
# Total fit costs (break candidates × lines) steps; past this, greedy breaking is used.
TOTAL_FIT_BUDGET = 60_000


class _Paragraph:
    """Prefix sums over the items so any line's width is one subtraction."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = items
        widths = [item.width if isinstance(item, (Box, Glue)) else 0.0 for item in items]
        self.prefix = [0.0, *accumulate(widths)]
        self.candidates = [
            index
            for index, item in enumerate(items)
            if isinstance(item, (Glue, Penalty))
            and not (isinstance(item, Glue) and index > 0 and isinstance(items[index - 1], Glue))
        ] + [len(items)]

    # The counts below serve only the total-fit cost of last lines: computed on first use,
    # so greedy breaking (the fitter's hot loop) does not pay for them.
    @cached_property
    def word_breaks(self) -> list[int]:
        """Word breaks before each item: spaces and plain break opportunities (between
        ideographs, after a URL's slash), not hyphenation or emergency points inside a word."""
        return [0, *accumulate(int(self._word_break(n)) for n in range(len(self.items)))]

    @cached_property
    def spaces(self) -> list[int]:
        return [0, *accumulate(int(isinstance(item, Glue)) for item in self.items)]

    @cached_property
    def characters(self) -> list[int]:
        return [
            0,
            *accumulate(len(item.text) if isinstance(item, Box) else 0 for item in self.items),
        ]

    def is_word_break(self, index: int) -> bool:
        return self.word_breaks[index + 1] > self.word_breaks[index]

    def _word_break(self, index: int) -> bool:
        item = self.items[index]
        if isinstance(item, Glue):
            return index > 0 and not isinstance(self.items[index - 1], Glue)
        return (
            isinstance(item, Penalty) and not item.forced and item.cost == 0 and item.hyphen is None
        )

    def lone_word(self, prev: int, brk: int) -> bool:
        """Whether the line between two breaks holds a single word (no word break inside),
        or, in text without spaces, only a few characters."""
        start = self.start_after(prev)
        end = self.end_before(start, brk)
        if end <= start:
            return False
        if self.word_breaks[end] - self.word_breaks[start + 1] == 0:
            return True
        spaced = self.spaces[end] - self.spaces[start] > 0
        return not spaced and self.characters[end] - self.characters[start] <= _FEW_CHARACTERS

    def start_after(self, brk: int) -> int:
        """First item of the line that follows a break at `brk` (-1: paragraph start)."""
        index = brk + 1 if brk >= 0 else 0
        while index < len(self.items) and not isinstance(self.items[index], Box):
            item = self.items[index]
            if isinstance(item, Penalty) and item.forced:
                break
            index += 1
        return index

    def end_before(self, start: int, brk: int) -> int:
        end = brk
        while end > start and isinstance(self.items[end - 1], Glue):
            end -= 1
        return end

    def width(self, prev: int, brk: int) -> float:
        return self.width_from(self.start_after(prev), brk)

    def width_from(self, start: int, brk: int) -> float:
        """The width of the line from item `start` (see `start_after`) to a break."""
        if brk <= start:
            return 0.0
        width = self.prefix[self.end_before(start, brk)] - self.prefix[start]
        item = self.items[brk] if brk < len(self.items) else None
        return width + item.width if isinstance(item, Penalty) else width

    def forced(self, brk: int) -> bool:
        if brk == len(self.items):
            return True
        item = self.items[brk]
        return isinstance(item, Penalty) and item.forced

    def cost(self, brk: int) -> float:
        item = self.items[brk] if brk < len(self.items) else None
        return item.cost if isinstance(item, Penalty) else 0.0


def line_ranges(items: Sequence[Item], breaks: Sequence[int]) -> list[LineRange]:
    """The item range drawn on each line, for breaks as returned by the breakers."""
    paragraph = _Paragraph(items)
    ranges, prev = [], -1
    for brk in breaks:
        start = paragraph.start_after(prev)
        ranges.append((start, max(start, paragraph.end_before(start, brk))))
        prev = brk
    return ranges


def break_greedy(items: Sequence[Item], max_width: float) -> list[int]:
    """First fit: fill each line as far as it goes. Returns the breaks, one per line."""
    return _greedy(_Paragraph(items), max_width)


def _greedy(paragraph: _Paragraph, max_width: float) -> list[int]:
    items, candidates = paragraph.items, paragraph.candidates
    breaks: list[int] = []
    prev, i = -1, 0
    while prev != len(items):
        chosen = None
        start = paragraph.start_after(prev)
        for j in range(i, len(candidates)):
            if paragraph.width_from(start, candidates[j]) > max_width:
                # Text wider than the line with no break before it: it goes alone.
                chosen = j if chosen is None else chosen
                break
            chosen = j
            if paragraph.forced(candidates[j]):
                break
        assert chosen is not None  # the end of the text is always a candidate
        prev, i = candidates[chosen], chosen + 1
        breaks.append(prev)
    return breaks


def break_pretty(items: Sequence[Item], max_width: float) -> list[int]:
    """Total fit with the greedy line count: an even rag and no one-word last line.

    Keeping the greedy count means the text takes exactly the height the fitter
    measured, while the breaks are chosen over the whole paragraph (Knuth–Plass
    style, squared slack) instead of line by line.
    """
    return _total_fit(items, max_width, balance_last=False)


def break_balanced(items: Sequence[Item], max_width: float) -> list[int]:
    """Balanced lines for headings (CSS `text-wrap: balance`): same count, even lengths."""
    return _total_fit(items, max_width, balance_last=True)


def _total_fit(items: Sequence[Item], max_width: float, *, balance_last: bool) -> list[int]:
    paragraph = _Paragraph(items)  # one for both searches: its sums are made once
    greedy = _greedy(paragraph, max_width)
    if len(greedy) < 2 or max_width <= 0:
        return greedy
    if len(paragraph.candidates) * len(greedy) > TOTAL_FIT_BUDGET:
        # A paragraph of pages (or one 20,000-letter word) would make the search
        # quadratic; such text is continued over slides anyway, greedy sets it well,
        # but its last line still gets a second word if the line before can spare one.
        return _no_lone_last_word(paragraph, greedy, max_width)
    nodes = _Nodes.of(paragraph)
    count = len(greedy)
    back = _search(paragraph, nodes, count, max_width, balance_last)
    if back is None:
        return greedy
    breaks, j, k = [], len(nodes.nodes) - 1, count
    while k > 0:
        breaks.append(nodes.nodes[j])
        j, k = back[j][k], k - 1
    return breaks[::-1]


class _Nodes(NamedTuple):
    """What the search asks of each node (the paragraph start, then each candidate break)
    for every line that ends or starts there, worked out once instead of per line."""

    nodes: list[int]
    starts: list[int]  # first item of the line after the node (`_Paragraph.start_after`)
    ends: list[int]  # the break with the glue before it walked back (`end_before`, unbounded)
    extras: list[float | None]  # the width a penalty adds when taken (None: no penalty)
    forced: list[bool]
    costs: list[float]

    @classmethod
    def of(cls, paragraph: _Paragraph) -> _Nodes:
        items = paragraph.items
        nodes = [-1, *paragraph.candidates]
        ends, extras = [], []
        for node in nodes:
            end = max(node, 0)
            while end > 0 and isinstance(items[end - 1], Glue):
                end -= 1
            ends.append(end)
            item = items[node] if 0 <= node < len(items) else None
            extras.append(item.width if isinstance(item, Penalty) else None)
        return cls(
            nodes,
            [paragraph.start_after(node) for node in nodes],
            ends,
            extras,
            [False, *(paragraph.forced(node) for node in nodes[1:])],
            [0.0, *(paragraph.cost(node) for node in nodes[1:])],
        )


def _search(
    paragraph: _Paragraph, nodes: _Nodes, count: int, max_width: float, balance_last: bool
) -> list[list[int]] | None:
    """The least-cost setting in `count` lines: back[j][k] is the node before node j
    on the best k-line setting up to j; None when no setting has that many lines."""
    inf = float("inf")
    size = len(nodes.nodes)
    # best[j][k]: least cost of setting the text up to node j in k lines (one list per
    # node, so the innermost loop indexes two local lists).
    best = [[inf] * (count + 1) for _ in range(size)]
    back = [[-1] * (count + 1) for _ in range(size)]
    best[0][0] = 0.0
    # Line counts that reach each node (best[j][k] finite for lo <= k <= hi): the others
    # cannot improve anything, so the inner loop skips them (same result, less work).
    reach: list[tuple[int, int]] = [(0, 0)] + [(count + 1, -1)] * (size - 1)
    forced, starts, prefix = nodes.forced, nodes.starts, paragraph.prefix
    for j in range(1, size):
        brk, end, extra, last = nodes.nodes[j], nodes.ends[j], nodes.extras[j], nodes.forced[j]
        best_j, back_j = best[j], back[j]
        lo_j, hi_j = reach[j]
        for i in range(j - 1, -1, -1):
            if i < j - 1 and forced[i + 1]:
                break  # a line may not run over a forced break
            start = starts[i]
            # As `_Paragraph.width_from`, with the break's share looked up once.
            width = 0.0
            if brk > start:
                width = prefix[end if end > start else start] - prefix[start]
                if extra is not None:
                    width = width + extra
            if width > max_width and i < j - 1:
                break  # longer lines only get wider; one oversized piece may stand alone
            lo, hi = reach[i]
            if lo > hi:
                continue
            line_cost = _line_cost(width, max_width, last and not balance_last)
            line_cost += nodes.costs[j]
            if last and paragraph.lone_word(nodes.nodes[i], brk):
                line_cost += _LONE_WORD_COST
            best_i = best[i]
            for k in range(lo + 1, min(hi + 1, count) + 1):  # k: lines up to node j
                total = best_i[k - 1] + line_cost
                if total < best_j[k]:
                    best_j[k], back_j[k] = total, i
                    lo_j = k if k < lo_j else lo_j
                    hi_j = k if k > hi_j else hi_j
        reach[j] = (lo_j, hi_j)
    return None if best[-1][count] == inf else back


def _no_lone_last_word(paragraph: _Paragraph, breaks: list[int], max_width: float) -> list[int]:
    """`breaks` with the previous line's last word pulled down onto a lone last line,
    when both lines still fit and neither is emptied (the line count is kept)."""
    if len(breaks) < 2 or paragraph.forced(breaks[-2]):
        return breaks
    before = breaks[-3] if len(breaks) > 2 else -1
    last = breaks[-1]
    if not paragraph.lone_word(breaks[-2], last):
        return breaks
    position = bisect_left(paragraph.candidates, breaks[-2])
    for candidate in reversed(paragraph.candidates[:position]):
        if candidate <= before or paragraph.forced(candidate):
            break
        if not paragraph.is_word_break(candidate):
            continue  # a hyphenation point: the word would be cut
        if paragraph.width(candidate, last) <= max_width and paragraph.width(before, candidate) > 0:
            return [*breaks[:-2], candidate, last]
        break
    return breaks


def _line_cost(width: float, max_width: float, last: bool) -> float:
    if last:
        # The last line of a paragraph may be short, but not a lone word.
        return _SHORT_LAST_LINE_COST if width < _SHORT_LAST_LINE * max_width else 0.0
    slack = (max_width - width) / max_width if width < max_width else 0.0
    return _SLACK_WEIGHT * slack * slack
