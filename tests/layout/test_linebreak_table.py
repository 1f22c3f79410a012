"""The packed table of line-breaking keys is uniseg's answer for every character it holds,
and it is what scripts/build_linebreak_table.py writes from the installed uniseg."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from cardimg.layout import linebreak
from cardimg.layout.lbtable import KEY_RANGES

ROOT = Path(__file__).resolve().parents[2]


def test_every_key_in_the_table_is_unisegs():
    differ = [
        f"U+{code:04X}"
        for low, high in KEY_RANGES
        for code in range(low, high + 1)
        if linebreak._char_key(chr(code)) != linebreak.uniseg_key(chr(code))
    ]
    assert differ == []


def test_characters_outside_the_table_are_asked_of_uniseg():
    for ch in ("\u0800", "\u1dff", "\u20d0", "\u3001", "\U0001f600", "\u0e01"):
        assert linebreak._char_key(ch) == linebreak.uniseg_key(ch)


def test_the_table_is_the_one_the_script_writes():
    spec = importlib.util.spec_from_file_location(
        "build_linebreak_table", ROOT / "scripts" / "build_linebreak_table.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    written = (ROOT / "src" / "cardimg" / "layout" / "lbtable.py").read_text(encoding="utf-8")
    assert written == script.table_source()
