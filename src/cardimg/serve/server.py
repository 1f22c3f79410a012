"""Running `cardimg serve`: uvicorn with limits a public service needs.

uvicorn bounds a request's header size and the connections it keeps, and closes idle
keep-alive connections; it does not bound how long a client may take to send its
headers, so a client sending a byte a second would hold its connection (and, with
enough of them, every connection) for ever. `GuardedH11Protocol` closes a connection
whose request headers are not complete within `HEADER_TIMEOUT` seconds. A request body
has its own time limit in the app. SIGTERM stops the server gracefully: requests under
way finish (up to `GRACE` seconds), new ones are answered 503 meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .app import Edge, ServeSettings, build_app

__all__ = ["GRACE", "HEADER_TIMEOUT", "GuardedH11Protocol", "serve"]

HEADER_TIMEOUT = 10.0
GRACE = 30
MAX_CONNECTIONS = 512


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request headers take too
    long to arrive (after it opens, or after the previous response on it)."""

    header_timeout = HEADER_TIMEOUT
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not None and self._deadline is not None:
            self._deadline.cancel()  # a request is under way: its headers are all here
            self._deadline = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()  # the next request on this connection gets the same limit

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _too_slow(self) -> None:
        self._deadline = None
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.transport.close()


class _Server(uvicorn.Server):
    """On SIGTERM or Ctrl-C, first mark the service as draining: new requests get 503."""

    edge: Edge | None = None

    def handle_exit(self, sig: int, frame: Any) -> None:
        if self.edge is not None:
            self.edge.service.draining = True
        super().handle_exit(sig, frame)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only for a
    # socket whose protocol says TCP; otherwise a response's body, written after its
    # headers, waits for the client's delayed ACK, about 40 ms on every answer.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def serve(settings: ServeSettings, *, host: str, port: int) -> None:
    """Run the service until SIGTERM or Ctrl-C. Prints one line with its address when it
    is ready to answer (what a supervisor, or a test, waits for)."""
    app = build_app(settings)
    assert isinstance(app, Edge)
    sock = _bind(host.strip("[]"), port)
    protocol = type(
        "GuardedH11", (GuardedH11Protocol,), {"header_timeout": settings.header_timeout}
    )
    config = uvicorn.Config(
        app,
        http=protocol,
        lifespan="on",
        access_log=False,
        log_level="warning",
        timeout_keep_alive=5,
        timeout_graceful_shutdown=GRACE,
        limit_concurrency=MAX_CONNECTIONS,
        h11_max_incomplete_event_size=settings.max_header_bytes,
        server_header=False,
    )
    server = _Server(config)
    server.edge = app
    _log_requests()
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host

    async def run() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.05)
        if server.started:
            print(f"cardimg serve: listening on http://{shown}:{bound_port}/", flush=True)
        await task

    asyncio.run(run())


def _log_requests() -> None:
    """One JSON line per request on standard error (the app writes them)."""
    logger = logging.getLogger("cardimg.serve")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
