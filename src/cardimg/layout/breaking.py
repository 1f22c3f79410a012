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
    paragraph = _Paragraph(items)
    candidates = paragraph.candidates
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
    greedy = break_greedy(items, max_width)
    if len(greedy) < 2 or max_width <= 0:
        return greedy
    paragraph = _Paragraph(items)
    if len(paragraph.candidates) * len(greedy) > TOTAL_FIT_BUDGET:
        # A paragraph of pages (or one 20,000-letter word) would make the search
        # quadratic; such text is continued over slides anyway, greedy sets it well,
        # but its last line still gets a second word if the line before can spare one.
        return _no_lone_last_word(paragraph, greedy, max_width)
    nodes = [-1, *paragraph.candidates]
    count = len(greedy)
    inf = float("inf")
    # best[k][j]: least cost of setting the text up to node j in k lines.
    best = [[inf] * len(nodes) for _ in range(count + 1)]
    back = [[-1] * len(nodes) for _ in range(count + 1)]
    best[0][0] = 0.0
    # Line counts that reach each node (best[k][j] finite for lo <= k <= hi): the others
    # cannot improve anything, so the inner loop skips them (same result, less work).
    reach: list[tuple[int, int]] = [(0, 0)] + [(count + 1, -1)] * (len(nodes) - 1)
    forced = [False, *(paragraph.forced(node) for node in nodes[1:])]
    starts = [paragraph.start_after(node) for node in nodes]
    for j in range(1, len(nodes)):
        brk = nodes[j]
        lo_j, hi_j = reach[j]
        for i in range(j - 1, -1, -1):
            if i < j - 1 and forced[i + 1]:
                break  # a line may not run over a forced break
            width = paragraph.width_from(starts[i], brk)
            if width > max_width and i < j - 1:
                break  # longer lines only get wider; one oversized piece may stand alone
            lo, hi = reach[i]
            if lo > hi:
                continue
            line_cost = _line_cost(paragraph, width, max_width, brk, balance_last)
            line_cost += paragraph.cost(brk)
            if forced[j] and paragraph.lone_word(nodes[i], brk):
                line_cost += _LONE_WORD_COST
            for k in range(lo, min(hi, count - 1) + 1):
                if best[k][i] + line_cost < best[k + 1][j]:
                    best[k + 1][j] = best[k][i] + line_cost
                    back[k + 1][j] = i
                    lo_j, hi_j = min(lo_j, k + 1), max(hi_j, k + 1)
        reach[j] = (lo_j, hi_j)
    if best[count][-1] == inf:
        return greedy
    breaks, j, k = [], len(nodes) - 1, count
    while k > 0:
        breaks.append(nodes[j])
        j, k = back[k][j], k - 1
    return breaks[::-1]


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


def _line_cost(
    paragraph: _Paragraph, width: float, max_width: float, brk: int, balance_last: bool
) -> float:
    slack = max(0.0, max_width - width) / max_width
    if paragraph.forced(brk) and not balance_last:
        # The last line of a paragraph may be short, but not a lone word.
        return _SHORT_LAST_LINE_COST if width < _SHORT_LAST_LINE * max_width else 0.0
    return _SLACK_WEIGHT * slack * slack
