"""Errors and warnings that cardimg reports to its users."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from .findings import Finding

# A message quotes what the user wrote (a file name, a theme value): a value of 100,000
# characters must not make a message of 100,000. Longer ones keep their two ends.
MAX_MESSAGE = 500


class CardimgError(Exception):
    """Base of every error cardimg raises on purpose; its message is one line for a person
    (control characters folded, at most MAX_MESSAGE characters), whatever it quotes.

    `finding`, where the error is about a story, is the same problem as a value (code,
    file, field or card, message): what `check` reports, batch sends across processes and
    a service serialises, without parsing the message. It travels with the exception
    when it is pickled (a worker process's error reaches the parent whole)."""

    def __init__(self, message: object = "", *args: object, finding: Finding | None = None) -> None:
        super().__init__(shortened(one_line(str(message))), *args)
        self.finding = finding

    @classmethod
    def of(cls, finding: Finding) -> Self:
        """The error whose message is the finding, as the command line prints it."""
        from .findings import format_finding

        return cls(format_finding(finding), finding=finding)


class StoryError(CardimgError, ValueError):
    """A story file cannot be rendered: the message names the file and the field or card."""


class ThemeError(CardimgError, ValueError):
    """A theme or palette file is malformed, or names something that does not exist."""


class OptionsError(CardimgError, ValueError):
    """An option that cannot work: an unknown preset or target, an impossible slide size."""


class EnvironmentProblem(CardimgError, RuntimeError):
    """The machine lacks something cardimg needs (a system library, a font file)."""


def problem(exc: Exception) -> str:
    """An error as a person reads it: `not found`, not `[Errno 2] No such file...`."""
    if isinstance(exc, FileNotFoundError):
        return "not found"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """Text made safe for a one-line message: file names and YAML messages can carry
    newlines and other control characters; each run of them becomes one space."""
    return _CONTROL_CHARS.sub(" ", text).strip()


def shortened(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` at most `limit` characters: its start and end, joined by an ellipsis."""
    if len(text) <= limit:
        return text
    keep = (limit - 1) // 2
    return text[:keep] + "…" + text[-keep:]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`; did you mean 'instagram-square'?` for a name close to a known one, else "": the
    one way every unknown name (command, option, preset, theme, palette, config key) is
    answered, so a typo costs one look at one line."""
    import difflib  # (only for a mistake: not at every start)

    near = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {near[0]!r}?" if near else ""
