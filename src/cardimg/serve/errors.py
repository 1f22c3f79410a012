"""Every problem of `cardimg serve` as a JSON body with the right status.

A problem a client caused is the library's CardimgError, whose finding (code, file,
field or card) is serialised as it is; the message is the one line the command line
prints. Nothing a client sends gives a 500, and no body ever holds a traceback.
"""

from __future__ import annotations

import json

from starlette.responses import Response

from ..errors import CardimgError, EnvironmentProblem, OptionsError, StoryError, ThemeError
from ..formats import UnknownFormatError
from ..targets import TargetError
from .pool import Overloaded, WorkerFailed, WorkerTimedOut
from .work import NoSuchSlide

__all__ = ["Problem", "error_response", "problem_of"]


class Problem(Exception):
    """A problem found by the server itself (a body too large, a bad parameter)."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_response(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: object
) -> Response:
    """`{"error": {"code": …, "message": …, …}}` with `status`."""
    error = {"code": code, "message": message, **{k: v for k, v in extra.items() if v is not None}}
    body = json.dumps({"error": error}, ensure_ascii=False) + "\n"
    return Response(body, status, headers=headers, media_type="application/json")


def _status(exc: CardimgError) -> tuple[int, str]:
    if isinstance(exc, NoSuchSlide):
        return 404, "slide-not-found"
    if isinstance(exc, EnvironmentProblem):
        # The server lacks a library the story needs: not the client's fault.
        return 501, "text-engine-missing"
    if isinstance(exc, StoryError):
        return 422, "story-invalid"
    if isinstance(exc, ThemeError):
        return 422, "theme-invalid"
    if isinstance(exc, OptionsError | TargetError | UnknownFormatError):
        return 422, "options-invalid"
    return 422, "invalid"


def problem_of(exc: BaseException) -> Response:
    """The JSON answer for an exception a request's work raised."""
    if isinstance(exc, Problem):
        return error_response(exc.status, exc.code, exc.message, field=exc.field)
    if isinstance(exc, Overloaded):
        headers = {"Retry-After": str(exc.retry_after)}
        return error_response(503, "overloaded", str(exc), headers=headers)
    if isinstance(exc, WorkerTimedOut):
        return error_response(503, "render-timeout", str(exc), headers={"Retry-After": "5"})
    if isinstance(exc, WorkerFailed):
        return error_response(503, "worker-failed", str(exc), headers={"Retry-After": "5"})
    if isinstance(exc, CardimgError):
        status, code = _status(exc)
        finding = exc.finding
        if finding is None:
            return error_response(status, code, str(exc))
        return error_response(
            status,
            finding.code if status == 422 else code,
            str(exc),
            file=finding.file,
            field=finding.field,
            card=finding.card,
        )
    raise exc
