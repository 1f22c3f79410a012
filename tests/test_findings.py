"""Findings as values: one format, the same in Carousel.warnings, the manifest and check."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

import cardimg
from cardimg import Card, Story
from cardimg.findings import CODES, Finding, finding_dict, format_finding, warning_texts

DOCS = Path(__file__).resolve().parents[1] / "docs" / "check.md"


def test_a_finding_is_a_frozen_value_with_its_code_s_severity() -> None:
    finding = Finding(code="card-continues", file="s.md", card="k", slide=2, message="m")
    assert finding.severity == "info" and finding.figure is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.code = "other"  # type: ignore[misc]
    assert Finding(code="palette-unknown", file="s.md", message="m").severity == "warning"
    with pytest.raises(ValueError, match="unknown finding code"):
        Finding(code="no-such-code", file="s.md", message="m")
    with pytest.raises(ValueError, match="severity"):
        Finding(code="card-empty", file="s.md", message="m", severity="fatal")  # type: ignore[arg-type]


def test_one_format_names_file_place_and_optionally_the_code() -> None:
    on_card = Finding(code="markdown-hidden", file="s.md", card="k1", message="a note")
    on_field = Finding(code="image-missing", file="s.md", field="featured_image", message="x")
    bare = Finding(code="story-invalid", file="s.md", message="cards: missing")
    assert format_finding(on_card) == "s.md: card k1: a note"
    assert format_finding(on_card, code=True) == "s.md: card k1: markdown-hidden: a note"
    assert format_finding(on_field, code=True) == "s.md: featured_image: image-missing: x"
    assert format_finding(bare, code=True) == "s.md: story-invalid: cards: missing"
    multi = Finding(code="story-warning", file="a\nb.md", message="two\nlines")
    assert "\n" not in format_finding(multi)


def story(*bodies: str, palette: str = "--bronze") -> Story:
    cards = tuple(Card(n, f"k{n}", body) for n, body in enumerate(bodies))
    return Story("s", "S", "Series", palette, None, (), cards)


def test_carousel_warnings_are_the_findings_as_text_without_info() -> None:
    body = " ".join(["word"] * 900)
    carousel = cardimg.render(story("Hi <!-- note -->", body, palette="--nope"))
    codes = [f.code for f in carousel.findings]
    assert {"markdown-hidden", "palette-unknown", "card-continues"} <= set(codes)
    assert carousel.warnings == warning_texts(carousel.findings)
    assert not [w for w in carousel.warnings if "needs" in w and "slides" in w]
    assert all(isinstance(w, str) for w in carousel.warnings)
    (continues,) = [f for f in carousel.findings if f.code == "card-continues"]
    assert (continues.card, continues.slide) == ("k1", 2) and continues.figure >= 2


def test_the_warning_text_is_unchanged_by_findings() -> None:
    carousel = cardimg.render(story("Body", palette="--nope"))
    (line,) = carousel.warnings
    assert line.startswith("s: colorpaletteclassname: unknown palette '--nope' (known: ")
    assert line.endswith("; using '--default'")


def test_the_manifest_lists_findings_as_objects_and_keeps_warnings(tmp_path: Path) -> None:
    carousel = cardimg.render(story("Body <!-- note -->"))
    folder = carousel.save(tmp_path)[0].parent
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["warnings"] == list(carousel.warnings)
    assert manifest["findings"] == [finding_dict(f) for f in carousel.findings]
    assert {f["code"] for f in manifest["findings"]} == {"markdown-hidden", "contrast-low"}
    (contrast,) = [f for f in manifest["findings"] if f["code"] == "contrast-low"]
    assert contrast["figure"] == pytest.approx(2.95, abs=0.01)


def test_story_warnings_are_findings_with_codes(write_story) -> None:
    path = write_story(
        "story.md",
        [{"_key": "a", "body": "One", "order": 1}, {"_key": "b", "body": ""}],
    )
    loaded = cardimg.load_story(path)
    assert [(f.code, f.card, f.field) for f in loaded.findings] == [
        ("card-empty", "b", "cards[1].body"),
        ("card-order-missing", "b", "cards[1].order"),
    ]
    assert loaded.warnings == tuple(format_finding(f) for f in loaded.findings)
    # Once the slides are planned, a card's finding names the card's first slide.
    rendered = cardimg.render(loaded).findings
    assert [(f.code, f.slide) for f in rendered if f.card == "b"] == [
        ("card-empty", 2),
        ("card-order-missing", 2),
    ]


def test_every_code_is_documented_with_its_severity() -> None:
    text = DOCS.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (error|warning|info) \|", text, re.MULTILINE))
    assert rows == {code: severity for code, (severity, _) in CODES.items()}
