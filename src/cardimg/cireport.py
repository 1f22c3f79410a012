"""`cardimg check`'s reports for CI: GitHub workflow annotations and SARIF 2.1.0.

GitHub shows an annotation line (`::warning file=…,line=…::message`) that a step prints
on the pull request's diff, at that line of that file; code-scanning dashboards read a
SARIF log. Both say what the text report says: the code, the card or field, the message,
and the line of the story file where the card starts, where it is known.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath
from urllib.parse import quote

from .check import CheckedFile
from .findings import CODES, Finding, Severity

__all__ = [
    "SARIF_SCHEMA",
    "SARIF_VERSION",
    "github_annotation",
    "github_annotations",
    "report_path",
    "sarif_log",
]

SARIF_VERSION = "2.1.0"
# The schema's own identifier (OASIS, errata 01): what a SARIF log's `$schema` names.
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# GitHub's commands are `error`, `warning` and `notice`; SARIF's levels `error`,
# `warning` and `note`.
_GITHUB_COMMANDS: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "notice"}
_SARIF_LEVELS: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}


def report_path(path: str) -> str:
    """A story's path as CI tools resolve it: relative to the current folder (the
    repository's root in a CI job), with forward slashes; a file outside the current
    folder keeps its path as given."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive (Windows)
        return PurePath(path).as_posix()
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return PurePath(path).as_posix()
    return PurePath(relative).as_posix()


def _message(finding: Finding) -> str:
    """The text report's line without the file (the annotation is placed at it)."""
    parts = [finding.where, finding.message]
    return ": ".join(part for part in parts if part)


# --------------------------------------------------------------------------- GitHub

# GitHub's workflow-command escaping: in a command's message `%`, CR and LF are
# percent-encoded; in a property value also `:` and `,`, which separate properties.
# `%` first, so the escapes themselves are not escaped again.
_DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY_ESCAPES = (*_DATA_ESCAPES, (":", "%3A"), (",", "%2C"))


def _escape(text: str, escapes: Iterable[tuple[str, str]]) -> str:
    for char, escaped in escapes:
        text = text.replace(char, escaped)
    return text


def github_annotation(finding: Finding, path: str) -> str:
    """One workflow command: `::warning file=PATH,line=N,title=cardimg CODE::message`
    (without `line` when the finding's line is not known)."""
    properties = [("file", report_path(path))]
    if finding.line is not None:
        properties.append(("line", str(finding.line)))
    properties.append(("title", f"cardimg {finding.code}"))
    joined = ",".join(f"{key}={_escape(value, _PROPERTY_ESCAPES)}" for key, value in properties)
    message = _escape(_message(finding), _DATA_ESCAPES)
    return f"::{_GITHUB_COMMANDS[finding.severity]} {joined}::{message}"


def github_annotations(checked: CheckedFile) -> list[str]:
    """A checked file's findings as workflow commands, in order."""
    return [github_annotation(finding, checked.path) for finding in checked.findings]


# --------------------------------------------------------------------------- SARIF


def _artifact_uri(path: str) -> str:
    """A SARIF `artifactLocation.uri`: relative to the current folder as a URI
    reference (percent-encoded), or a `file:` URI for a file outside it."""
    shown = report_path(path)
    if PurePath(shown).is_absolute() or shown.startswith(".."):
        return Path(os.path.abspath(path)).as_uri()
    return quote(shown, safe="/")


def _rules() -> list[dict[str, object]]:
    return [
        {
            "id": code,
            "shortDescription": {"text": description},
            "defaultConfiguration": {"level": _SARIF_LEVELS[severity]},
        }
        for code, (severity, description) in CODES.items()
    ]


def _result(finding: Finding, path: str, rule_index: dict[str, int]) -> dict[str, object]:
    physical: dict[str, object] = {"artifactLocation": {"uri": _artifact_uri(path)}}
    if finding.line is not None:
        physical["region"] = {"startLine": finding.line}
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index[finding.code],
        "level": _SARIF_LEVELS[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [{"physicalLocation": physical}],
    }


def sarif_log(files: Sequence[CheckedFile], version: str) -> dict[str, object]:
    """A SARIF 2.1.0 log of one run: cardimg (at `version`) as the tool, every finding
    code as a rule, each finding a result at its file and, where known, its line."""
    rule_index = {code: index for index, code in enumerate(CODES)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": {"name": "cardimg", "version": version, "rules": _rules()}},
                "results": [
                    _result(finding, checked.path, rule_index)
                    for checked in files
                    for finding in checked.findings
                ],
            }
        ],
    }
