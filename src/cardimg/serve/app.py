"""The HTTP face of `cardimg serve`: routes, limits, the token, caching, metrics, logs.

    POST /v1/cover?preset=og|x&format=png|…&theme=…          a story → its cover image
    POST /v1/carousel?preset=…&format=…&target=…&theme=…      a story → a ZIP of its files
    POST /v1/check?preset=…&target=…&theme=…                  a story → the check report
    GET  /v1/stories/{slug}/cover.{ext}?preset=og             a content story's cover
    GET  /v1/stories/{slug}/{NN}.{ext}?preset=…               one slide of it
    GET  /healthz                                             alive (even when all are busy)
    GET  /metrics                                             Prometheus text format

The event loop only reads requests, answers from the cache and waits: every render runs
in the worker pool (`pool.py`), and hashing files for ETags runs in a thread.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import anyio
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import CardimgError
from ..formats import by_extension
from ..presets import TARGETS
from ..story import MAX_FILE_BYTES
from ..theme import theme_names
from .content import ContentIndex, StoryFile
from .errors import Problem, error_response, problem_of
from .keys import KeyMaker
from .pool import Overloaded, RenderPool, WorkerFailed, WorkerTimedOut
from .work import Answer, Job, Kind

__all__ = ["ServeSettings", "build_app"]

log = logging.getLogger("cardimg.serve")
# A story is text: any text/* type, raw bytes, and what `curl --data-binary` sends unless
# told otherwise (a form type, with the story as its body). JSON, forms with files and
# images are refused (415) rather than read as a story.
_TEXT_TYPES = {"application/octet-stream", "application/x-www-form-urlencoded"}
_PARAMS: dict[str, frozenset[str]] = {
    "cover": frozenset({"preset", "format", "theme", "quality"}),
    "carousel": frozenset({"preset", "format", "theme", "quality", "target"}),
    "check": frozenset({"preset", "theme", "target"}),
    "slide": frozenset({"preset", "theme", "quality"}),
}


@dataclass(frozen=True)
class ServeSettings:
    """How the service runs: what it serves, with what, and its limits."""

    content: Path | None = None  # a folder of stories served by slug
    theme: str | None = None  # the operator's theme (a built-in name or a file)
    images: Path | None = None  # a folder of featured images
    token: str | None = None  # clients must send `Authorization: Bearer TOKEN`
    workers: int = 2
    queue: int = 64  # jobs waiting beyond the busy workers, before 503
    timeout: float = 60.0  # a job's time limit, seconds
    cors: tuple[str, ...] = ()
    max_body: int = MAX_FILE_BYTES
    body_timeout: float = 30.0  # a request body must arrive within this
    header_timeout: float = 10.0  # a request's headers must arrive within this
    max_header_bytes: int = 16 * 1024
    cache_bytes: int = 64 << 20  # encoded answers kept for repeats


class _Metrics:
    def __init__(self, pool: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "cardimg_requests", "Requests answered", ["route", "status"], registry=self.registry
        )
        self.seconds = Histogram(
            "cardimg_render_seconds",
            "Time to render and encode an answer",
            ["route"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.queue = Gauge(
            "cardimg_queue_depth", "Jobs taken, waiting or running", registry=self.registry
        )
        self.queue.set_function(lambda: float(pool()))
        self.cache = Counter(
            "cardimg_cache", "Answers from the in-memory cache", ["result"], registry=self.registry
        )


class _Cache:
    """Encoded answers by key, least recently used out first, bounded in bytes."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self._items: OrderedDict[str, Answer] = OrderedDict()

    def get(self, key: str) -> Answer | None:
        answer = self._items.get(key)
        if answer is not None:
            self._items.move_to_end(key)
        return answer

    def put(self, key: str, answer: Answer) -> None:
        if len(answer.body) > self.limit // 4 or key in self._items:
            return
        self._items[key] = answer
        self.size += len(answer.body)
        while self.size > self.limit:
            _, old = self._items.popitem(last=False)
            self.size -= len(old.body)


class Service:
    """The state the routes share: settings, pool, content index, cache, metrics."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.pool: RenderPool | None = None
        self.content = ContentIndex(settings.content) if settings.content else None
        self.cache = _Cache(settings.cache_bytes)
        self.keys = KeyMaker(settings.theme, settings.images)
        self.metrics = _Metrics(lambda: self.pool.pending if self.pool else 0)
        self.draining = False
        self.themes = frozenset(theme_names())

    async def answer(self, job: Job, key: str) -> Answer:
        cached = self.cache.get(key)
        self.metrics.cache.labels("hit" if cached else "miss").inc()
        if cached is not None:
            return cached
        assert self.pool is not None
        started = time.perf_counter()
        answer = await self.pool.run(job)
        self.metrics.seconds.labels(job.kind).observe(time.perf_counter() - started)
        self.cache.put(key, answer)
        return answer


# --------------------------------------------------------------------------- requests


def _params(request: Request, kind: Kind, service: Service) -> dict[str, Any]:
    """The query's parameters, each checked: an unknown one or a bad value is a 422."""
    query = request.query_params
    allowed = _PARAMS[kind]
    for name in query:
        if name not in allowed:
            raise Problem(
                422, "options-invalid", f"unknown parameter {name[:40]!r}", field=name[:40]
            )
    values: dict[str, Any] = {name: query.get(name) for name in allowed}
    for name, value in values.items():
        if value is not None and (len(value) > 64 or not value.isprintable()):
            raise Problem(422, "options-invalid", f"{name}: not a valid value", field=name)
    if values.get("preset") is not None:
        values["preset"] = values["preset"].lower()
    if values.get("target") is not None and values["target"].lower() not in TARGETS:
        known = ", ".join(TARGETS)
        raise Problem(422, "options-invalid", f"target: unknown (known: {known})", field="target")
    values["theme"] = _theme(values.get("theme"), service)
    values["quality"] = _quality(values.get("quality"))
    return values


def _theme(name: str | None, service: Service) -> str | None:
    """A client may pick a built-in theme by name; the operator's theme is the default.
    Never a file path: a client names no file on the server."""
    if name is None or name == "":
        return service.settings.theme
    if name not in service.themes:
        known = ", ".join(sorted(service.themes))
        raise Problem(422, "options-invalid", f"theme: unknown (known: {known})", field="theme")
    return name


def _quality(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 100:
        raise Problem(
            422, "options-invalid", "quality: a whole number from 1 to 100", field="quality"
        )
    return int(value)


async def _story_body(request: Request, settings: ServeSettings) -> bytes:
    """The request's story, read no further than the limit, within the time limit."""
    kind = request.headers.get("content-type", "text/markdown").split(";")[0].strip().lower()
    if kind not in _TEXT_TYPES and not kind.startswith("text/"):
        raise Problem(415, "media-type", "send the story as text/markdown (UTF-8)")
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > settings.max_body):
        raise Problem(413, "too-large", f"a story is at most {settings.max_body:,} bytes")
    chunks: list[bytes] = []
    size = 0

    async def collect() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > settings.max_body:
                raise Problem(413, "too-large", f"a story is at most {settings.max_body:,} bytes")
            chunks.append(chunk)

    try:
        await asyncio.wait_for(collect(), settings.body_timeout)
    except TimeoutError:
        raise Problem(408, "body-timeout", "the story did not arrive in time") from None
    body = b"".join(chunks)
    if not body.strip():
        raise Problem(400, "empty", "the request has no story")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(
            400, "not-utf8", f"the story is not UTF-8 text (byte {exc.start:,})"
        ) from None
    return body


def _answer_response(answer: Answer, key: str, cache: str) -> Response:
    headers = {
        "ETag": f'"{key}"',
        "Cache-Control": cache,
        "Content-Disposition": f'inline; filename="{answer.filename}"',
        "X-Cardimg-Warnings": str(answer.warnings),
    }
    return Response(answer.body, 200, headers=headers, media_type=answer.media_type)


def _posted(kind: Kind) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        service: Service = request.app.state.service
        assert service.pool is not None
        service.pool.admit()  # full: 503 now, before the body is read or hashed
        params = _params(request, kind, service)
        body = await _story_body(request, service.settings)
        job = Job(kind, body, "story.md", images=_str(service.settings.images), **params)
        key = service.keys.for_posted(job)  # ~30 µs: cheaper here than a thread hop
        request.state.key = key
        answer = await service.answer(job, key)
        return _answer_response(answer, key, "no-cache")

    return endpoint


def _str(path: Path | None) -> str | None:
    return str(path) if path is not None else None


async def _content_slide(request: Request) -> Response:
    service: Service = request.app.state.service
    if service.content is None:
        raise Problem(404, "not-found", "this server serves no content folder")
    name = request.path_params["name"]
    assert service.pool is not None
    service.pool.admit()
    stem, _, ext = name.rpartition(".")
    codec = by_extension(ext)  # any per-slide format of the registry, by its extension
    numbered = stem == "cover" or (stem.isdigit() and len(stem) <= 3)
    if codec is None or not codec.per_slide or not numbered:
        raise Problem(404, "not-found", "no such file (cover.png or NN.png)")
    kind: Kind = "cover" if stem == "cover" else "slide"
    params = _params(request, kind, service)
    found = await anyio.to_thread.run_sync(service.content.lookup, request.path_params["slug"])
    if found is None:
        raise Problem(404, "not-found", "no story of that slug")
    job = _content_job(found, kind, stem, codec.name, params, service)
    key = await anyio.to_thread.run_sync(service.keys.for_content, job, found.path)
    request.state.key = key
    if _matches(request.headers.get("if-none-match"), key):
        return Response(status_code=304, headers={"ETag": f'"{key}"', "Cache-Control": "no-cache"})
    answer = await service.answer(job, key)
    return _answer_response(answer, key, "public, max-age=60, must-revalidate")


def _content_job(
    found: StoryFile, kind: Kind, stem: str, format: str, params: dict[str, Any], service: Service
) -> Job:
    slide = None if kind == "cover" else int(stem)
    job = Job(
        kind,
        found.data,
        found.path.name,
        path=str(found.path),
        images=_str(service.settings.images),
        format=format,
        slide=slide,
        **{k: v for k, v in params.items() if k != "format"},
    )
    return replace(job, preset=job.preset or ("og" if kind == "cover" else None))


def _matches(header: str | None, key: str) -> bool:
    if not header:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return f'"{key}"' in tags or "*" in tags


async def _healthz(request: Request) -> Response:
    service: Service = request.app.state.service
    pool = service.pool
    body = {
        "status": "draining" if service.draining else "ok",
        "workers": pool.workers if pool else 0,
        "pending": pool.pending if pool else 0,
    }
    return Response(json.dumps(body) + "\n", media_type="application/json")


async def _metrics(request: Request) -> Response:
    service: Service = request.app.state.service
    return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def _problem(request: Request, exc: Exception) -> Response:
    return problem_of(exc)


async def _internal(request: Request, exc: Exception) -> Response:
    return error_response(500, "internal", "internal error (logged)")


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_response(404, "not-found", "no such route")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return error_response(405, "method-not-allowed", "this route takes another method")


# --------------------------------------------------------------------------- the edge


class Edge:
    """Around every request: the token, draining, errors as JSON, a log line, metrics."""

    def __init__(self, app: ASGIApp, service: Service) -> None:
        self.app, self.service = app, service
        token = service.settings.token
        self.expected = f"Bearer {token}".encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        state = scope.setdefault("state", {})

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, sending)
            else:
                await self._guarded(scope, receive, sending)
        finally:
            self._record(scope, status, started, state.get("key"))

    def _refusal(self, scope: Scope) -> Response | None:
        path = scope["path"]
        size = sum(len(name) + len(value) for name, value in scope["headers"])
        if size > self.service.settings.max_header_bytes:
            limit = self.service.settings.max_header_bytes
            return error_response(431, "headers-too-large", f"headers are at most {limit:,} bytes")
        if path == "/healthz":
            return None
        if self.service.draining:
            return error_response(
                503,
                "shutting-down",
                "the server is stopping",
                headers={"Retry-After": "5", "Connection": "close"},
            )
        if self.expected is None or path.startswith("/static"):
            return None
        sent = dict(scope["headers"]).get(b"authorization", b"")
        if not hmac.compare_digest(sent, self.expected):
            return error_response(
                401,
                "unauthorized",
                "send Authorization: Bearer TOKEN",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return None

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            # A bug of ours: logged with its traceback, answered as JSON without it
            # (Starlette re-raises after answering through the 500 handler).
            log.exception("internal error on %s", scope["path"])
            if not started:
                response = error_response(500, "internal", "internal error (logged)")
                await response(scope, receive, send)

    def _record(self, scope: Scope, status: int, started: float, key: object) -> None:
        route = _route_name(scope["path"])
        self.service.metrics.requests.labels(route, str(status)).inc()
        line = {
            "method": scope["method"],
            "path": scope["path"][:200],
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "key": key,
        }
        log.info(json.dumps(line))


def _route_name(path: str) -> str:
    for prefix in ("/v1/cover", "/v1/carousel", "/v1/check", "/v1/stories", "/healthz", "/metrics"):
        if path.startswith(prefix):
            return prefix.rsplit("/", 1)[-1]
    return "other"


def build_app(settings: ServeSettings) -> ASGIApp:
    """The service as an ASGI app; its render pool starts and stops with it (lifespan)."""
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        service.pool = RenderPool(
            workers=settings.workers,
            queue=settings.queue,
            timeout=settings.timeout,
            theme=settings.theme,
        )
        await service.pool.start(settings.theme)
        themes: list[str | None] = [settings.theme, *sorted(service.themes)]
        await anyio.to_thread.run_sync(service.keys.warm, themes)
        try:
            yield
        finally:
            service.pool.close()

    routes = [
        Route("/v1/cover", _posted("cover"), methods=["POST"]),
        Route("/v1/carousel", _posted("carousel"), methods=["POST"]),
        Route("/v1/check", _posted("check"), methods=["POST"]),
        Route("/v1/stories/{slug}/{name}", _content_slide, methods=["GET", "HEAD"]),
        Route("/healthz", _healthz, methods=["GET", "HEAD"]),
        Route("/metrics", _metrics, methods=["GET"]),
    ]
    handlers: dict[Any, Any] = {404: _not_found, 405: _not_allowed, Exception: _internal}
    for kind in (Problem, CardimgError, Overloaded, WorkerTimedOut, WorkerFailed):
        handlers[kind] = _problem
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers)
    app.state.service = service
    inner: ASGIApp = app
    if settings.cors:
        inner = CORSMiddleware(
            app,
            allow_origins=list(settings.cors),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    return Edge(inner, service)
