"""`cardimg check` for CI: the line of the file each finding is at, GitHub workflow
annotations (escaped as GitHub documents) and SARIF 2.1.0, validated against the
published schema (tests/data/sarif, shipped: never fetched)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from cardimg import __version__
from cardimg.check import CheckedFile, check_story
from cardimg.cireport import github_annotation, report_path, sarif_log
from cardimg.cli import main
from cardimg.findings import CODES, Finding

SCHEMA = Path(__file__).parent / "data" / "sarif" / "sarif-schema-2.1.0.json"

# Line numbers below are the file's, 1-based: a blank line before the front matter moves
# everything down one, as an editor shows it.
STORY = """
---
title: Lines
colorpaletteclassname: '--nope'
featured_image:
  url: gone.jpg
cards:
  - order: 0
    _key: first
    body: One
  - order: 1
    _key: empty
    body: ""
  - _key: loose
    body: Text <!-- a note --> here
---
"""
LINES = {"first": 8, "empty": 11, "loose": 14, "featured_image": 5, "palette": 4}


@pytest.fixture
def story(cwd: Path) -> Path:
    folder = cwd / "stories, 2024"  # a comma and a space: escaped in both formats
    folder.mkdir()
    path = folder / "lines.md"
    path.write_text(STORY, encoding="utf-8")
    return path


def _line_of(finding: Finding) -> int | None:
    if finding.field and finding.field.startswith(("palette", "colorpaletteclassname")):
        return LINES["palette"]
    if finding.field == "featured_image":
        return LINES["featured_image"]
    return LINES[finding.card] if finding.card else None


def test_each_finding_knows_the_line_its_card_or_field_starts_at(story: Path) -> None:
    findings = check_story(story)
    codes = {f.code for f in findings}
    assert {"card-empty", "card-order-missing", "markdown-hidden", "image-missing"} <= codes
    assert "palette-unknown" in codes
    for finding in findings:
        assert finding.line == _line_of(finding), finding


def test_a_story_error_is_at_its_line(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_type = cwd / "type.md"
    bad_type.write_text("---\ncards:\n  - body: One\n  - body: [1]\n---\n", encoding="utf-8")
    bad_yaml = cwd / "yaml.md"
    bad_yaml.write_text("---\ntitle: x\ncards:\n  - body: one\n   _key: : a\n---\n", "utf-8")
    assert main(["check", str(bad_type), str(bad_yaml), "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [entry["findings"][0]["line"] for entry in report["files"]] == [4, 5]


def test_a_story_built_in_code_has_no_lines() -> None:
    from cardimg import Card, Story

    story = Story("s", None, None, "--nope", None, (), (Card(0, "k", ""),))
    assert {f.line for f in check_story(story)} == {None}


# --------------------------------------------------------------------------- GitHub


def test_github_escaping_follows_the_documented_rules() -> None:
    finding = Finding(
        code="card-empty", file="x", card="k", line=3, message="100% empty\r\nsee: a, b"
    )
    line = github_annotation(finding, "a,b:c%d.md")
    assert line == (
        "::warning file=a%2Cb%3Ac%25d.md,line=3,title=cardimg card-empty"
        "::card k: 100%25 empty%0D%0Asee: a, b"
    )


def test_github_format_prints_one_annotation_per_finding(
    story: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["check", str(story.relative_to(Path.cwd())), "--format", "github"])
    out, err = capsys.readouterr()
    findings = check_story(story)
    lines = out.splitlines()
    assert status == 0 and len(lines) == len(findings)
    pattern = re.compile(
        r"::(error|warning|notice) file=([^,:]+)(?:,line=(\d+))?,title=cardimg ([a-z-]+)::(.+)"
    )
    commands = {"error": "error", "warning": "warning", "info": "notice"}
    for line, finding in zip(lines, findings, strict=True):
        match = pattern.fullmatch(line)
        assert match is not None, line
        assert match[1] == commands[finding.severity]
        assert match[2] == "stories%2C 2024/lines.md"
        assert match[3] == (str(finding.line) if finding.line is not None else None)
        assert match[4] == finding.code and finding.message in match[5]
    assert err.startswith("cardimg: checked 1 file")


# --------------------------------------------------------------------------- SARIF


def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)  # type: ignore[no-any-return]


def test_sarif_output_is_valid_sarif_2_1_0(
    story: Path, cwd: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = cwd / "broken.md"
    broken.write_text("---\ncards: []\n---\n", encoding="utf-8")
    status = main(["check", str(story), str(broken), "--format", "sarif"])
    out, err = capsys.readouterr()
    log = json.loads(out)
    errors = sorted(_validator().iter_errors(log), key=str)
    assert not errors, errors[0].message if errors else ""
    assert status == 2 and err == ""
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("cardimg", __version__)
    levels = {"error": "error", "warning": "warning", "info": "note"}
    assert [(r["id"], r["defaultConfiguration"]["level"]) for r in driver["rules"]] == [
        (code, levels[severity]) for code, (severity, _) in CODES.items()
    ]
    expected = [*check_story(story), *check_story(broken)]
    assert len(run["results"]) == len(expected)
    uris = {"stories%2C%202024/lines.md", "broken.md"}
    for result, finding in zip(run["results"], expected, strict=True):
        assert result["ruleId"] == finding.code
        assert driver["rules"][result["ruleIndex"]]["id"] == finding.code
        assert result["level"] == levels[finding.severity]
        assert finding.message in result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] in uris
        assert location.get("region", {}).get("startLine") == finding.line


def test_the_schema_refuses_what_is_not_sarif() -> None:
    """The validation means something: a log missing what SARIF requires fails it."""
    log = sarif_log([CheckedFile("a.md", check_story(Path("missing.md")))], "1.0")
    validator = _validator()
    assert not list(validator.iter_errors(log))
    del log["version"]
    assert list(validator.iter_errors(log))
    run = {"tool": {"driver": {"name": "cardimg"}}, "results": [{"level": "loud"}]}
    assert list(validator.iter_errors({"version": "2.1.0", "runs": [run]}))


def test_paths_outside_the_current_folder(tmp_path: Path, cwd: Path) -> None:
    outside = tmp_path / "elsewhere" / "story one.md"
    assert report_path(str(outside)) == outside.as_posix()
    finding = Finding(code="card-empty", file="x", message="empty")
    log = sarif_log([CheckedFile(str(outside), (finding,))], "1.0")
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]  # type: ignore[index]
    assert uri["artifactLocation"]["uri"] == outside.as_uri()
    assert "region" not in uri  # no line known: the file alone
