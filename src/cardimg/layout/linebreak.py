"""UAX #14 line breaking identical to uniseg 0.10's, but fast, plus kinsoku and French tailoring."""

from __future__ import annotations

import re
import threading
from itertools import islice
from typing import NamedTuple

from ..scripts import is_hangul
from .lbtable import KEY_RANGES, PACKED_KEYS

__all__ = ["break_opportunities", "break_units"]

# How it stays exact: uniseg applies the rules as a chain over a "visible" sequence (combining
# marks absorbed by LB9 are skipped) and the first rule that matches wins. `_rules` is that
# chain, rule for rule, in uniseg's order, written against the previous character's state, the
# current character, and a context object for anything further away. Each (state, character
# key) pair is evaluated once with a context that refuses to answer: if no rule needed it, the
# outcome is stored in a table and the scan is one list lookup per character; if a rule did need
# it, that pair is marked and re-evaluated with the real context wherever it occurs.

# Line_Break values as uniseg names them; AI, SG, XX, SA and CJ never survive LB1.
# fmt: off
_CLASS_NAMES = (
    "BK", "CR", "LF", "CM", "NL", "WJ", "ZW", "GL", "SP", "ZWJ", "B2", "BA", "BB", "HY", "CB",
    "CL", "CP", "EX", "IN", "NS", "OP", "QU", "IS", "NU", "PO", "PR", "SY", "AK", "AL", "AP", "AS",
    "EB", "EM", "H2", "H3", "HL", "ID", "JL", "JV", "JT", "RI", "VF", "VI",
)
(
    BK, CR, LF, CM, NL, WJ, ZW, GL, SP, ZWJ, B2, BA, BB, HY, CB, CL, CP, EX, IN, NS, OP, QU, IS,
    NU, PO, PR, SY, AK, AL, AP, AS, EB, EM, H2, H3, HL, ID, JL, JV, JT, RI, VF, VI,
) = range(len(_CLASS_NAMES))
# fmt: on
_CLASS_BY_NAME = {name: value for value, name in enumerate(_CLASS_NAMES)}
# LB1: uniseg resolves these without looking at neighbours (SA by the character's category).
_LB1 = {"AI": AL, "SG": AL, "XX": AL, "CJ": NS}

_MANDATORY = frozenset((BK, CR, LF, NL))
_LB9_NO_BASE = frozenset((BK, CR, LF, NL, SP, ZW))
_LB15A_BEFORE = frozenset((BK, CR, LF, NL, OP, QU, GL, SP, ZW))
_LB15B_AFTER = frozenset((SP, GL, WJ, CL, QU, CP, EX, IS, SY, BK, CR, LF, NL, ZW))
_LB20A_BEFORE = frozenset((BK, CR, LF, NL, SP, ZW, CB, GL))
_HANGUL = frozenset((JL, JV, JT, H2, H3))
_WIDE = frozenset(("F", "W", "H"))


class _Key(NamedTuple):
    """Everything the rules ask about one character: its class and a few character tests."""

    cls: int
    pi: bool  # General_Category Pi: LB15a, LB19
    pf: bool  # General_Category Pf: LB15b, LB19
    wide: bool  # East_Asian_Width F, W or H: LB19a, LB30
    hyphen: bool  # U+2010 HYPHEN: LB20a
    circle: bool  # U+25CC DOTTED CIRCLE: LB28a
    cn_ep: bool  # unassigned Extended_Pictographic: LB30b


def _char_key(ch: str) -> _Key:
    """The character's key: from the table built from uniseg (`lbtable.py`) for the
    common blocks, so a Latin, Greek or Cyrillic story never imports uniseg (whose package
    imports importlib.metadata); from uniseg itself for any other character."""
    code = ord(ch)
    offset = 0
    for low, high in KEY_RANGES:
        if code < low:
            break
        if code <= high:
            at = (offset + code - low) * 3
            return _unpacked(int(PACKED_KEYS[at : at + 3], 16), ch)
        offset += high - low + 1
    return uniseg_key(ch)


def _unpacked(value: int, ch: str) -> _Key:
    """A key from `pack_key`'s number (the two flags about one character are not stored)."""
    return _Key(
        cls=value & 63,
        pi=bool(value & 64),
        pf=bool(value & 128),
        wide=bool(value & 256),
        hyphen=ch == "\u2010",
        circle=ch == "\u25cc",
        cn_ep=bool(value & 512),
    )


def pack_key(key: _Key) -> int:
    """A key as the number `lbtable.py` stores (see `_unpacked`)."""
    return key.cls | key.pi << 6 | key.pf << 7 | key.wide << 8 | key.cn_ep << 9


def uniseg_key(ch: str) -> _Key:
    """The character's key from uniseg's own lookups, so the Unicode data (and its mix
    of versions) is the same as its."""
    from uniseg.emoji import extended_pictographic
    from uniseg.linebreak import line_break
    from uniseg.unicodedatawrapper import category, east_asian_width

    name = line_break(ch).value
    gc = category(ch).value
    if name == "SA":
        cls = CM if gc in ("Mn", "Mc") else AL  # LB1
    else:
        cls = _CLASS_BY_NAME.get(name, _LB1.get(name, AL))
    return _Key(
        cls=cls,
        pi=gc == "Pi",
        pf=gc == "Pf",
        wide=east_asian_width(ch).value in _WIDE,
        hyphen=ch == "\u2010",
        circle=ch == "\u25cc",
        cn_ep=gc == "Cn" and extended_pictographic(ch),
    )


# Distinct keys are few (classes times the flags that occur): they get small integer ids, and
# the decision table has one row per state and one column per key id. Both grow on demand.
_lock = threading.Lock()
_key_ids: dict[_Key, int] = {}
_keys: list[_Key] = []
_key_cls: list[int] = []
_mark_keys: set[int] = set()  # CM and ZWJ keys: the text needs the LB9/LB10 treatment
_states: list[tuple[int, int, bool]] = []  # (previous key, key before its spaces or -1, RI open)
_state_ids: dict[tuple[int, int, bool], int] = {}
_rows: list[list[int]] = []  # _rows[state][key] = next_state << 2 | action, or -1 (not yet known)

_NO_BREAK, _BREAK, _ASK = 0, 1, 2
_CHAR_CACHE_LIMIT = 1 << 16


def _key_id(key: _Key) -> int:
    with _lock:
        kid = _key_ids.get(key)
        if kid is None:
            kid = len(_keys)
            for row in _rows:
                row.append(-1)
            _keys.append(key)
            _key_cls.append(key.cls)
            if key.cls in (CM, ZWJ):
                _mark_keys.add(kid)
            _key_ids[key] = kid  # published last: every row already has its column
        return kid


class _CharKeys(dict[str, int]):
    """Character -> key id, looked up in uniseg once per distinct character."""

    def __missing__(self, ch: str) -> int:
        kid = _key_id(_char_key(ch))
        if len(self) >= _CHAR_CACHE_LIMIT:
            self.clear()  # bounded memory for texts that wander through all of Unicode
        self[ch] = kid
        return kid


_char_keys = _CharKeys()
# LB10 turns an unattached CM/ZWJ into the letter A: class AL, no flag (a constant, so that
# importing this module reads no table: scripts/build_linebreak_table.py imports it).
_KEY_A = _key_id(_Key(AL, pi=False, pf=False, wide=False, hyphen=False, circle=False, cn_ep=False))


def _state_id(state: tuple[int, int, bool]) -> int:
    sid = _state_ids.get(state)
    if sid is None:
        with _lock:
            sid = _state_ids.get(state)
            if sid is None:
                sid = len(_states)
                _rows.append([-1] * len(_keys))
                _states.append(state)
                _state_ids[state] = sid
    return sid


def _start(c: int) -> int:
    """State after the first character (spaces remember start of text as -1)."""
    cls = _key_cls[c]
    if cls == SP:
        return _state_id((c, -1, False))
    return _state_id((c, c, cls == RI))


def _advance(s: int, c: int) -> int:
    p, before_spaces, ri_open = _states[s]
    cls = _key_cls[c]
    if cls == SP:
        # LB8, LB14-LB17 look through a run of spaces at the character before it.
        return _state_id((c, before_spaces if _key_cls[p] == SP else p, False))
    if cls == RI:
        # LB30a pairs regional indicators from the start of each run: track the parity.
        return _state_id((c, c, not (_key_cls[p] == RI and ri_open)))
    return _state_id((c, c, False))


class _NeedContext(Exception):
    """A rule needs more than the state and the current character."""


class _NoContext:
    """Context for filling the table: any question means the pair must be asked each time."""

    __slots__ = ()

    def __getattr__(self, name: str) -> bool:
        raise _NeedContext(name)


_NO_CONTEXT = _NoContext()


class _Context:
    """The neighbourhood of visible position `j`, as uniseg's `Run` would see it."""

    __slots__ = ("_j", "_vkeys", "eot")

    def __init__(self, vkeys: list[int], j: int, eot: bool) -> None:
        self._vkeys = vkeys
        self._j = j
        self.eot = eot  # uniseg's is_eot() counts raw positions, skipped marks included

    def _key(self, j: int) -> _Key | None:
        return _keys[self._vkeys[j]] if 0 <= j < len(self._vkeys) else None

    def _cls(self, j: int) -> int | None:
        return _key_cls[self._vkeys[j]] if 0 <= j < len(self._vkeys) else None

    @property
    def next_cls(self) -> int | None:
        return self._cls(self._j + 1)

    @property
    def next_wide(self) -> bool:
        key = self._key(self._j + 1)
        return key is not None and key.wide

    @property
    def after_next_cls(self) -> int | None:
        return self._cls(self._j + 2)

    @property
    def before_prev_cls(self) -> int | None:
        return self._cls(self._j - 2)

    @property
    def before_prev_wide(self) -> bool:
        key = self._key(self._j - 2)
        return key is not None and key.wide

    @property
    def before_prev_circle(self) -> bool:
        key = self._key(self._j - 2)
        return key is not None and key.circle

    @property
    def prev_at_sot(self) -> bool:
        return self._j == 1

    def _before_spaces(self) -> int:
        m = self._j - 1
        while m >= 0 and self._cls(m) == SP:
            m -= 1
        return m

    @property
    def lb15a_at_sot(self) -> bool:
        return self._before_spaces() == 0

    @property
    def lb15a_before_cls(self) -> int | None:
        return self._cls(self._before_spaces() - 1)

    @property
    def number_before_prev(self) -> bool:
        m = self._j - 2
        while (cls := self._cls(m)) in (SY, IS):
            m -= 1
        return cls == NU


def _rules(p: _Key, c: _Key, lb: _Key | None, x: _Context | _NoContext) -> int | None:
    """uniseg's LB4-LB30 chain between visible characters `p` and `c`; None if none applies.

    `lb` is the character before the spaces ending at `p` (`p` itself if it is not a space,
    None at the start of text): what uniseg's `is_following(SP, greedy=True).prev` sees.
    Terms are ordered so that `x` is consulted only when the classes leave the rule open.
    """
    chain = (_rules_lb4_to_lb15, _rules_lb16_to_lb22, _rules_lb23_to_lb25, _rules_lb26_to_lb30)
    for rules in chain:
        decided = rules(p, c, lb, x)
        if decided is not None:
            return decided
    return None


def _rules_lb4_to_lb15(p: _Key, c: _Key, lb: _Key | None, x: _Context | _NoContext) -> int | None:
    """Mandatory breaks, spaces, joiners, glue, closing and opening punctuation, quotes."""
    P, C = p.cls, c.cls
    L = lb.cls if lb is not None else None
    # LB4, LB5: mandatory breaks.
    if P == BK:
        return _BREAK
    if P == CR and C == LF:
        return _NO_BREAK
    if P in (CR, LF, NL):
        return _BREAK
    # LB6, LB7
    if C in (BK, CR, LF, NL) or C in (SP, ZW):
        return _NO_BREAK
    # LB8
    if L == ZW:
        return _BREAK
    # LB8a is applied by the caller: it looks at the raw previous character, not the visible one.
    # LB11
    if C == WJ or P == WJ:
        return _NO_BREAK
    # LB12, LB12a
    if P == GL or (C == GL and P not in (SP, BA, HY)):
        return _NO_BREAK
    # LB13 (uniseg's Unicode 16 form: IS moved to LB15d)
    if C in (CL, CP, EX, SY):
        return _NO_BREAK
    # LB14
    if L == OP:
        return _NO_BREAK
    # LB15a; uniseg also accepts a non-QU Pi at the start of text, kept here for exactness.
    if (
        lb is not None
        and lb.pi
        and ((L == QU and x.lb15a_before_cls in _LB15A_BEFORE) or x.lb15a_at_sot)
    ):
        return _NO_BREAK
    # LB15b
    if C == QU and c.pf and (x.next_cls in _LB15B_AFTER or x.eot):
        return _NO_BREAK
    # LB15c
    if P == SP and C == IS and x.next_cls == NU:
        return _BREAK
    # LB15d
    if C == IS:
        return _NO_BREAK
    return None


def _rules_lb16_to_lb22(p: _Key, c: _Key, lb: _Key | None, x: _Context | _NoContext) -> int | None:
    """Spaces, quotes, contingent breaks, hyphens and inseparables."""
    P, C = p.cls, c.cls
    L = lb.cls if lb is not None else None
    # LB16
    if C == NS and L in (CL, CP):
        return _NO_BREAK
    # LB17
    if C == B2 and L == B2:
        return _NO_BREAK
    # LB18
    if P == SP:
        return _BREAK
    # LB19
    if (C == QU and not c.pi) or (P == QU and not p.pf):
        return _NO_BREAK
    # LB19a; uniseg's "or is_eot()" adds nothing: at the end there is no next character.
    if C == QU and (not p.wide or not x.next_wide):
        return _NO_BREAK
    if P == QU and (not c.wide or not x.before_prev_wide):
        return _NO_BREAK
    # LB20
    if C == CB or P == CB:
        return _BREAK
    # LB20a
    if (
        C == AL
        and P in (HY, BA)
        and (P == HY or p.hyphen)
        and (x.before_prev_cls in _LB20A_BEFORE or x.prev_at_sot)
    ):
        return _NO_BREAK
    # LB21
    if C in (BA, HY, NS) or P == BB:
        return _NO_BREAK
    # LB21a
    if P in (HY, BA) and C != HL and x.before_prev_cls == HL:
        return _NO_BREAK
    # LB21b
    if P == SY and C == HL:
        return _NO_BREAK
    # LB22
    if C == IN:
        return _NO_BREAK
    return None


def _rules_lb23_to_lb25(p: _Key, c: _Key, lb: _Key | None, x: _Context | _NoContext) -> int | None:
    """Numbers, prefixes and postfixes."""
    P, C = p.cls, c.cls
    # LB23
    if (P in (AL, HL) and C == NU) or (P == NU and C in (AL, HL)):
        return _NO_BREAK
    # LB23a
    if (P == PR and C in (ID, EB, EM)) or (P in (ID, EB, EM) and C == PO):
        return _NO_BREAK
    # LB24
    if (P in (PR, PO) and C in (AL, HL)) or (P in (AL, HL) and C in (PR, PO)):
        return _NO_BREAK
    # LB25, clause by clause as uniseg writes it (NU (SY|IS)* (CL|CP)? × (PO|PR), ...).
    if C in (PO, PR) and (
        (P in (CL, CP) and x.number_before_prev)
        or P == NU
        or (P in (SY, IS) and x.number_before_prev)
    ):
        return _NO_BREAK
    if (
        P in (PO, PR)
        and C == OP
        and (x.next_cls == NU or (x.next_cls == IS and x.after_next_cls == NU))
    ):
        return _NO_BREAK
    if C == NU and (P in (PO, PR, HY, IS, NU) or (P == SY and x.number_before_prev)):
        return _NO_BREAK
    return None


def _rules_lb26_to_lb30(p: _Key, c: _Key, lb: _Key | None, x: _Context | _NoContext) -> int | None:
    """Hangul, letters, aksaras, brackets."""
    P, C = p.cls, c.cls
    # LB26
    if (
        (P == JL and C in (JL, JV, H2, H3))
        or (P in (JV, H2) and C in (JV, JT))
        or (P in (JT, H3) and C == JT)
    ):
        return _NO_BREAK
    # LB27
    if (P in _HANGUL and C == PO) or (P == PR and C in _HANGUL):
        return _NO_BREAK
    # LB28
    if P in (AL, HL) and C in (AL, HL):
        return _NO_BREAK
    # LB28a (U+25CC stands in for an aksara, as in uniseg)
    p_aksara = P in (AK, AS) or p.circle
    c_aksara = C in (AK, AS) or c.circle
    if (
        (P == AP and c_aksara)
        or (p_aksara and C in (VF, VI))
        or (
            P == VI
            and (C == AK or c.circle)
            and (x.before_prev_cls in (AK, AS) or x.before_prev_circle)
        )
        or (p_aksara and c_aksara and x.next_cls == VF)
    ):
        return _NO_BREAK
    # LB29
    if P == IS and C in (AL, HL):
        return _NO_BREAK
    # LB30
    if (P in (AL, HL, NU) and C == OP and not c.wide) or (
        P == CP and not p.wide and C in (AL, HL, NU)
    ):
        return _NO_BREAK
    return None


def _decide(s: int, c: int, x: _Context | _NoContext) -> int:
    p, before_spaces, ri_open = _states[s]
    pk, ck = _keys[p], _keys[c]
    lb = _keys[before_spaces] if before_spaces >= 0 else None
    verdict = _rules(pk, ck, lb, x)
    if verdict is not None:
        return verdict
    # LB30a: the second of a pair of regional indicators.
    if pk.cls == RI and ck.cls == RI and ri_open:
        return _NO_BREAK
    # LB30b (uniseg tests the previous character's category and Extended_Pictographic).
    if ck.cls == EM and (pk.cls == EB or pk.cn_ep):
        return _NO_BREAK
    # LB31
    return _BREAK


def _fill(s: int, c: int) -> int:
    try:
        action = _decide(s, c, _NO_CONTEXT)
    except _NeedContext:
        action = _ASK
    entry = _advance(s, c) << 2 | action
    _rows[s][c] = entry
    return entry


def _boundaries(text: str) -> list[int]:
    """Indices 0 < i < len(text) where a line may break before text[i] (LB2, LB3 implied)."""
    n = len(text)
    if n < 2:
        return []
    keys = list(map(_char_keys.__getitem__, text))
    rows = _rows
    out: list[int] = []
    if _mark_keys.isdisjoint(keys):
        # Without CM or ZWJ every character is visible and LB8a, LB9 and LB10 never apply.
        s = _start(keys[0])
        for i, c in enumerate(islice(keys, 1, None), 1):
            entry = rows[s][c]
            if entry & 3:
                if entry < 0:
                    entry = _fill(s, c)
                action = entry & 3
                if action == _BREAK or (
                    action == _ASK and _decide(s, c, _Context(keys, i, i == n - 1))
                ):
                    out.append(i)
            s = entry >> 2
        return out

    key_cls = _key_cls
    vis: list[int] = []  # raw index of each visible character
    vkeys: list[int] = []
    base = -1  # class of the last character that is neither CM nor ZWJ (-1: none yet)
    for i, c in enumerate(keys):
        cls = key_cls[c]
        if cls in (CM, ZWJ):
            if i and base not in _LB9_NO_BASE:
                continue  # LB9: absorbed into the preceding character, never a break
            c = _KEY_A  # LB10
        else:
            base = cls
        vis.append(i)
        vkeys.append(c)
    s = _start(vkeys[0])
    for j, c in enumerate(islice(vkeys, 1, None), 1):
        entry = rows[s][c]
        if entry & 3:
            if entry < 0:
                entry = _fill(s, c)
            action = entry & 3
            if action:
                i = vis[j]
                # LB8a: ZWJ × (uniseg checks the raw previous character, before LB9).
                if key_cls[keys[i - 1]] != ZWJ and (
                    action == _BREAK or _decide(s, c, _Context(vkeys, j, i == n - 1))
                ):
                    out.append(i)
        s = entry >> 2
    return out


def _units(text: str, bounds: list[int]) -> tuple[str, ...]:
    if not text:
        return ()
    starts = [0, *bounds]
    ends = [*bounds, len(text)]
    return tuple(text[a:b] for a, b in zip(starts, ends, strict=True))


def break_units(text: str) -> tuple[str, ...]:
    """`text` cut at every UAX #14 break opportunity, exactly as uniseg's `line_break_units`.

    Each unit but the last ends where a line may (or, after BK, CR, LF or NL, must) break.
    """
    return _units(text, _boundaries(text))


# Kinsoku shori: characters that must not start a line, and openers that must not end one.
# UAX #14 already holds most of these back (CL, CP, EX, NS, and QU by LB19; uniseg resolves
# CJ to NS, the strict behaviour); the tailoring adds the cases it leaves open: after a space
# (LB18), after ZWSP (LB8) or around U+FFFC (LB20).
KINSOKU_NOT_STARTING = frozenset(
    "、。，．・：；？！ー」』）］｝〕〉》】〙〗〟’”ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ々〻"
    + "".join(map(chr, range(0x31F0, 0x3200)))
)
KINSOKU_NOT_ENDING = frozenset("「『（［｛〔〈《【〘〖〝‘“")
# French typography puts a (narrow) space before high punctuation and inside guillemets; a
# break there would strand the mark at a line start or the guillemet at a line end.
FRENCH_SPACES = frozenset(" \u00a0\u202f\u2009")
FRENCH_NOT_STARTING = frozenset("!?:;»")
FRENCH_OPENING = "«"


# Abbreviations and units that belong to their neighbour (news style keeps "5 p.m.",
# "10 %", "No. 5" and "J. R. R. Tolkien" on one line). A break is removed only where it
# follows spaces (LB18), so the words themselves still break as UAX #14 says:
# * after a number: a unit or time abbreviation ("9 a.m.", "10 %", "5 km", "20 °C");
# * inside "a. m." / "p. m." written with a space (Spanish and Portuguese usage);
# * before a number: a numbering abbreviation ("No. 5", "p. 12", "§ 4", "art. 7");
# * after an initial (one capital and a full stop) before a capitalised word.
# Ambiguous English words are left out of the units ("in", "a", "at"); "am" and "pm" only
# count after a number, where they are times.
_UNIT_WORDS = (
    "a.m. p.m. am pm a. p. h hrs min s ms % ‰ ‱ ° °c °f km m cm mm µm nm kg g mg µg "
    "t lb lbs oz l ml cl dl ft mi mph km/h m/s ha kw kwh mw gw w v hz khz mhz ghz "
    "kb mb gb tb px pt € $ £ ¥ ₹ ₽ chf bn"
)
_NUMBERING_WORDS = (
    "no. nos. nr. n° nº no p. pp. vol. ch. chap. fig. figs. art. arts. sec. § §§ para."
)
UNITS_AFTER_NUMBER = frozenset(_UNIT_WORDS.split())
NUMBERING_ABBREVIATIONS = frozenset(_NUMBERING_WORDS.split())
_BREAK_SPACES = frozenset(" \u2009")
# A word up to its punctuation or a range dash: "a.m.–5" is the unit "a.m.".
_WORD = re.compile(r"[^\s,;:!?)\]}»”’\"'–—-]+")
_SHORT_WORD = 8  # no abbreviation or unit above is longer: look no further


def _word_before(text: str, i: int) -> str | None:
    """The word that ends before the spaces ending at `i` (None when too far back)."""
    m = i - 1
    while m >= 0 and text[m] in _BREAK_SPACES and i - m <= 3:
        m -= 1
    if m < 0 or text[m] in _BREAK_SPACES:
        return None
    start = m
    while start > 0 and not text[start - 1].isspace() and m - start < _SHORT_WORD:
        start -= 1
    return text[start : m + 1]


def _word_after(text: str, i: int) -> str:
    end = i
    while end < len(text) and not text[end].isspace() and end - i < _SHORT_WORD + 1:
        end += 1
    return text[i:end]


def _may_glue(text: str, i: int) -> bool:
    """What every rule of `_glued_abbreviation` needs, told from two characters: the word
    before the spaces ends in a digit or a full stop, or the word after starts with a
    digit. Most spaces fail it, and are spared cutting out the words around them."""
    m = i - 1
    while m >= 0 and text[m] in _BREAK_SPACES and i - m <= 3:
        m -= 1
    return m >= 0 and (text[m].isdigit() or text[m] == "." or text[i].isdigit())


def _glued_abbreviation(text: str, i: int) -> bool:
    """Whether the break before text[i] would separate an abbreviation or unit from its word."""
    if text[i - 1] not in _BREAK_SPACES or not _may_glue(text, i):
        return False
    before = _word_before(text, i)
    if not before:
        return False
    after = _word_after(text, i)
    found = _WORD.match(after)
    unit = found.group().casefold() if found else ""
    if before[-1].isdigit() and {unit, unit.removesuffix(".")} & UNITS_AFTER_NUMBER:
        return True
    if before.casefold() in ("a.", "p.") and unit == "m.":
        return True
    if after[:1].isdigit() and before.casefold().lstrip("(") in NUMBERING_ABBREVIATIONS:
        return True
    initial = len(before) == 2 and before[0].isupper() and before[1] == "."
    return initial and after[:1].isupper()


def _mandatory(text: str, i: int) -> bool:
    """LB4/LB5: the break before text[i] follows BK, CR, LF or NL and cannot be removed."""
    return _key_cls[_char_keys[text[i - 1]]] in _MANDATORY


def _french_glued(text: str, i: int) -> bool:
    if text[i - 1] not in FRENCH_SPACES:
        return False
    if text[i] in FRENCH_NOT_STARTING:
        return True
    m = i - 1
    while m >= 0 and text[m] in FRENCH_SPACES:
        m -= 1
    return m >= 0 and text[m] == FRENCH_OPENING


def break_opportunities(text: str, *, lang: str | None = None) -> tuple[str, ...]:
    """`break_units` tailored for editorial quality; only mandatory breaks are never removed.

    * Kinsoku (always on): no break before any character of `KINSOKU_NOT_STARTING` (closing
      punctuation, small kana, prolonged sound mark, iteration marks) and none after any of
      `KINSOKU_NOT_ENDING` (opening brackets and quotes). Outside CJK text the only visible
      effect is that a space before ’ or ” stops being a break ("rock ’n’ roll").
    * French spacing (`lang` starting with "fr"): no break between a space (U+0020, U+00A0,
      U+202F or U+2009) and a following ``! ? : ; »``, nor after the spaces that follow ``«``.
    * Korean (always on): no break between two Hangul characters, so Korean breaks between
      words at its spaces, as newsrooms set it (CSS ``word-break: keep-all``).
    * Abbreviations and units (always on): no break at the spaces of "9 a.m.", "5 p. m.",
      "10 %", "5 km", "No. 5", "p. 12" or between initials "J. R. R. Tolkien" (see
      `UNITS_AFTER_NUMBER` and `NUMBERING_ABBREVIATIONS`).
    """
    bounds = _boundaries(text)
    french = lang is not None and lang.lower().startswith("fr")
    kept = [
        i
        for i in bounds
        if _mandatory(text, i)
        or not (
            text[i] in KINSOKU_NOT_STARTING
            or text[i - 1] in KINSOKU_NOT_ENDING
            or (french and _french_glued(text, i))
            or (is_hangul(text[i - 1]) and is_hangul(text[i]))
            or _glued_abbreviation(text, i)
        )
    ]
    return _units(text, kept)
