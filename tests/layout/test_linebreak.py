"""UAX #14 break units: equal to uniseg's for any text; kinsoku and French tailoring on top."""

from __future__ import annotations

from pathlib import Path

import frontmatter
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uniseg.linebreak import LineBreak, line_break, line_break_units

from cardimg.layout.linebreak import (
    KINSOKU_NOT_ENDING,
    KINSOKU_NOT_STARTING,
    break_opportunities,
    break_units,
)

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.md"))


def uniseg_units(text: str) -> tuple[str, ...]:
    return tuple(line_break_units(text))


def starts(units: tuple[str, ...]) -> set[int]:
    """Offsets where a unit after the first begins: the break opportunities."""
    offsets, at = set(), 0
    for unit in units[:-1]:
        at += len(unit)
        offsets.add(at)
    return offsets


# Characters of every Line_Break value (and the characters the rules test individually: Pi/Pf
# quotes, U+2010, U+25CC, wide brackets, unassigned pictographs, SA marks), so random mixes hit
# rule interactions that ordinary text rarely does.
REPRESENTATIVES = {
    "BK": "\x0b\x0c\u2028\u2029",
    "CR": "\r",
    "LF": "\n",
    "NL": "\x85",
    "CM": "\u0301\u0300\x00\x1b\u20e3\ufe0f\U000e0020",
    "SG": "\ud800\udfff",
    "WJ": "\u2060\ufeff",
    "ZW": "\u200b",
    "GL": "\u00a0\u202f\u2007\u034f",
    "SP": " ",
    "ZWJ": "\u200d",
    "B2": "\u2014\u2e3a",
    "BA": "\t|\u00ad\u2010\u2013\u2009\u3000\u1680",
    "BB": "\u00b4\u02c8",
    "HY": "-",
    "CB": "\ufffc",
    "CL": "}\u3001\u3002\uff0c\u300d\u301f",
    "CP": ")]",
    "EX": "!?\uff01\uff1f",
    "IN": "\u2026\u2025",
    "NS": "\u3005\u30fb\uff1a\u203c",
    "OP": "([{\u300c\uff08\u00a1\u301d",
    "QU": "\"'«»‘’“”\u2039\u203a\u275b\u2e02",
    "IS": ",.:;",
    "NU": "05\u0663\u0e51",
    "PO": "%\u00b0\u2030",
    "PR": "$+\u00a3\u20ac",
    "SY": "/",
    "AI": "\u00a7\u2460",
    "AK": "\u1b05\u1b06",
    "AL": "aZ#\u25cc",
    "AP": "\U00011003",
    "AS": "\u1b50",
    "CJ": "ぁっァ\u30fc\u31f0",
    "EB": "\U0001f44d\u261d",
    "EM": "\U0001f3fb\U0001f3ff",
    "H2": "가",
    "H3": "각",
    "HL": "אב",
    "ID": "中あ\U0001f600\uff02\U0001f02c",
    "JL": "\u1100",
    "JV": "\u1161",
    "JT": "\u11a8",
    "RI": "\U0001f1e6\U0001f1fa\U0001f1e6",
    "SA": "ก\u0e31\u0e33\u1031",
    "VF": "\u1bf2",
    "VI": "\u1b44",
    "XX": "\u0378\ue000",
}
TRICKY = sorted({ch for chars in REPRESENTATIVES.values() for ch in chars})


def test_representatives_cover_every_line_break_value() -> None:
    for name, chars in REPRESENTATIVES.items():
        assert {line_break(ch).value for ch in chars} == {name}, name
    assert set(REPRESENTATIVES) == {value.value for value in LineBreak}


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("", ()),
        ("a", ("a",)),
        ("Hello, world.", ("Hello, ", "world.")),
        (
            "The quick (“brown”) fox can’t jump 32.3 feet, right?",
            (
                "The ",
                "quick ",
                "(“brown”) ",
                "fox ",
                "can’t ",
                "jump ",
                "32.3 ",
                "feet, ",
                "right?",
            ),
        ),
        ("https://a.b/c-d?x=1", ("https://", "a.b/", "c-", "d?", "x=1")),
        ("well-known -5 a - b", ("well-", "known ", "-5 ", "a ", "- ", "b")),
        ("x\u2010y \u2010y", ("x\u2010", "y ", "\u2010y")),  # LB20a
        ("$1,234.56 (12%) and 12 %", ("$1,234.56 ", "(12%) ", "and ", "12 ", "%")),  # LB25
        ("(a)b [c]d", ("(a)b ", "[c]d")),  # LB30
        ("中文，测试。好", ("中", "文，", "测", "试。", "好")),
        ("あい、うえ、お。", ("あ", "い、", "う", "え、", "お。")),
        ("あぁいっう", ("あぁ", "いっ", "う")),  # uniseg resolves CJ to NS: strict
        ("日本語ー。テスト", ("日", "本", "語ー。", "テ", "ス", "ト")),
        ("東京(とうきょう)", ("東", "京", "(と", "う", "きょ", "う)")),
        ("한국어 문장", ("한", "국", "어 ", "문", "장")),
        ("« Bonjour », dit-il !", ("« Bonjour », ", "dit-", "il !")),  # LB15a, LB15b
        ("Il a dit « oui »…", ("Il ", "a ", "dit ", "« oui ", "»…")),
        ("a “ b", ("a ", "“ b")),
        ("👩\u200d💻👩\u200d💻 x", ("👩\u200d💻", "👩\u200d💻 ", "x")),  # LB8a
        ("🇺🇦🇧🇷🇫", ("🇺🇦", "🇧🇷", "🇫")),  # LB30a
        ("👍🏽👍 ok", ("👍🏽", "👍 ", "ok")),  # LB30b
        ("ภาษาไทย ง่ายมาก", ("ภาษาไทย ", "ง่ายมาก")),  # SA: no dictionary, like uniseg
        ("مرحبا بالعالم، كيف الحال؟", ("مرحبا ", "بالعالم، ", "كيف ", "الحال؟")),
        ("שלום עולם תל-אביב", ("שלום ", "עולם ", "תל-", "אביב")),
        ("e\u0301te\u0301 cafe\u0301", ("e\u0301te\u0301 ", "cafe\u0301")),  # LB9
        (" \u0301x", (" ", "\u0301x")),  # LB10: a mark after a space stands alone as AL
        ("\u0301\u0301x", ("\u0301\u0301x",)),
        ("a\r\nb\nc\u2028d\x85e", ("a\r\n", "b\n", "c\u2028", "d\x85", "e")),  # LB4, LB5
        ("a\u00a0b c", ("a\u00a0b ", "c")),  # LB12
        ("a\u200bb", ("a\u200b", "b")),  # LB8
        ("a\u2060 b", ("a\u2060 ", "b")),  # LB11
        ("a\x00b\tc", ("a\x00b\t", "c")),
    ],
)
def test_known_cases(text: str, units: tuple[str, ...]) -> None:
    assert break_units(text) == units
    assert uniseg_units(text) == units


# One case per clause that looks past the two characters around the break (and its twin
# that must come out the other way), so each stays covered whatever hypothesis draws.
@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("“ x", ("“ x",)),  # LB15a at start of text
        ("a“ x", ("a“ ", "x")),
        ("a »", ("a »",)),  # LB15b at end of text
        ("a »b", ("a ", "»b")),
        ("a .5", ("a ", ".5")),  # LB15c
        ("a .b", ("a .b",)),  # LB15d
        ("」 ・あ", ("」 ・", "あ")),  # LB16
        ("a ・あ", ("a ", "・", "あ")),
        ("\u2014 \u2014", ("\u2014 \u2014",)),  # LB17
        ("a \u2014", ("a ", "\u2014")),
        ("あ“い”う", ("あ", "“い”", "う")),  # LB19a: quotes among wide characters
        ("a“い”う", ("a“い”", "う")),
        ("あ“a”う", ("あ“a”う",)),
        ("-a", ("-a",)),  # LB20a
        (" -a", (" ", "-a")),
        ("x-a", ("x-", "a")),
        ("א-a", ("א-a",)),  # LB21a
        ("א-ב", ("א-", "ב")),
        ("(12)%", ("(12)%",)),  # LB25
        ("12.%", ("12.%",)),
        ("1/2", ("1/2",)),
        ("$(5", ("$(5",)),
        ("$(.5", ("$(.5",)),
        ("$(a", ("$", "(a")),
        ("\u1b05\u1b44\u1b05", ("\u1b05\u1b44\u1b05",)),  # LB28a
        ("\u25cc\u1b44\u1b05", ("\u25cc\u1b44\u1b05",)),
        ("\u1b05\u1b05\u1bf2", ("\u1b05\u1b05\u1bf2",)),
        ("\U00011003\u1b05", ("\U00011003\u1b05",)),
        ("a(b", ("a(b",)),  # LB30: only narrow brackets
        ("a（b", ("a", "（b")),
        ("a)b", ("a)b",)),
        ("a）b", ("a）", "b")),
        ("\U0001f02c\U0001f3fb", ("\U0001f02c\U0001f3fb",)),  # LB30b: unassigned pictograph
        ("\U0001f600\U0001f3fb", ("\U0001f600", "\U0001f3fb")),
        ("\u261d\U0001f3fb", ("\u261d\U0001f3fb",)),
    ],
)
def test_context_rules(text: str, units: tuple[str, ...]) -> None:
    assert break_units(text) == units
    assert uniseg_units(text) == units


@settings(max_examples=2000, deadline=None)
@given(st.text(st.characters() | st.sampled_from(TRICKY), max_size=24))
def test_equal_to_uniseg_on_any_text(text: str) -> None:
    assert break_units(text) == uniseg_units(text)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(TRICKY), max_size=16).map("".join))
def test_equal_to_uniseg_on_rule_dense_text(text: str) -> None:
    assert break_units(text) == uniseg_units(text)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.sampled_from(TRICKY) | st.characters(), max_size=32).map("".join),
    st.sampled_from([None, "fr", "fr-CA", "ja", "en"]),
)
def test_units_rebuild_the_text_and_tailoring_only_removes_optional_breaks(
    text: str, lang: str | None
) -> None:
    units = break_units(text)
    tailored = break_opportunities(text, lang=lang)
    assert "".join(units) == text
    assert "".join(tailored) == text
    assert all(units) and all(tailored)
    assert starts(tailored) <= starts(units)
    mandatory = {
        i for i in starts(units) if line_break(text[i - 1]).value in ("BK", "CR", "LF", "NL")
    }
    assert mandatory <= starts(tailored)


def card_bodies(path: Path) -> list[str]:
    cards = frontmatter.load(path).metadata.get("cards") or []
    return [card["body"] for card in cards if isinstance(card.get("body"), str)]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.stem)
def test_sample_card_bodies_equal_uniseg(path: Path) -> None:
    bodies = card_bodies(path)
    assert bodies
    for body in bodies:
        assert break_units(body) == uniseg_units(body)
        assert starts(break_opportunities(body)) <= starts(break_units(body))


# ---------------------------------------------------------------------------- tailoring


@pytest.mark.parametrize(
    ("text", "lang", "units"),
    [
        # Kinsoku: UAX #14 breaks after a space (LB18), after ZWSP (LB8), around U+FFFC (LB20).
        ("ABC ・DEF", None, ("ABC ・", "DEF")),
        ("あ\u200bー", None, ("あ\u200bー",)),
        ("あ\u200b」", None, ("あ\u200b」",)),
        ("あ\ufffcー", None, ("あ", "\ufffcー")),
        ("第1回 ッ", None, ("第", "1", "回 ッ")),
        # Already held by UAX #14: unchanged.
        ("「あ」、「い」。", None, ("「あ」、", "「い」。")),
        ("あぁいっう", None, ("あぁ", "いっ", "う")),
        # A mandatory break stays, whatever follows it.
        ("「あ」\n」", None, ("「あ」\n", "」")),
        ("a\n」b", None, ("a\n", "」", "b")),
        # French spacing: only with a French lang.
        ("Il a dit « oui »…", None, ("Il ", "a ", "dit ", "« oui ", "»…")),
        ("Il a dit « oui »…", "fr", ("Il ", "a ", "dit ", "« oui »…")),
        ("Il a dit « oui »…", "fr-CA", ("Il ", "a ", "dit ", "« oui »…")),
        ("Il a dit « oui »…", "en", ("Il ", "a ", "dit ", "« oui ", "»…")),
        ("x« mot »", None, ("x« ", "mot »")),
        ("x« mot »", "fr", ("x« mot »",)),
        ("x«\u00a0mot\u00a0»", "fr", ("x«\u00a0mot\u00a0»",)),
        ("Score :3 et 10 ; x", None, ("Score ", ":3 ", "et ", "10 ; ", "x")),
        ("Score :3 et 10 ; x", "fr", ("Score :3 ", "et ", "10 ; ", "x")),
        ("Quoi ! Non ? Si.", "fr", ("Quoi ! ", "Non ? ", "Si.")),
        ("« Bonjour », dit-il !", "fr", ("« Bonjour », ", "dit-", "il !")),
    ],
)
def test_break_opportunities(text: str, lang: str | None, units: tuple[str, ...]) -> None:
    assert break_opportunities(text, lang=lang) == units


@pytest.mark.parametrize("ch", sorted(KINSOKU_NOT_STARTING))
def test_kinsoku_never_starts_a_line_with(ch: str) -> None:
    for before in ("あ", "a ", "あ\u3000", "あ\u200b", "\ufffc", "「", "1 "):
        units = break_opportunities(f"{before}{ch}あ")
        assert not any(unit.startswith(ch) for unit in units), (before, units)


@pytest.mark.parametrize("ch", sorted(KINSOKU_NOT_ENDING))
def test_kinsoku_never_ends_a_line_with(ch: str) -> None:
    for after in ("あ", "a", "\ufffc", "ー", "1"):
        units = break_opportunities(f"あ {ch}{after}")
        assert not any(unit.endswith(ch) for unit in units), (after, units)


def test_cj_small_kana_are_nonstarters_without_tailoring() -> None:
    small = [ch for ch in KINSOKU_NOT_STARTING if line_break(ch) == LineBreak.CJ]
    assert len(small) > 20
    for ch in small:
        assert break_units(f"あ{ch}") == (f"あ{ch}",)
