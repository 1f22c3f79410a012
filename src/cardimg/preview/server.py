"""The preview's web server: a Starlette app served by uvicorn, files watched with
watchfiles, updates pushed to the page as server-sent events.

    GET /                      the story's page (a file) or the index of stories (a folder)
    GET /story/<path>          a story's page; <path> is relative to the folder served
    GET /events/story/<path>   the story's state as server-sent events (?preset=&theme=)
    GET /events/index          the folder's stories as server-sent events
    GET /slide/<name>.png      a slide image, named by its content (cached for good)
    GET /static/…              the page's script and style sheet
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import ipaddress
import json
import logging
import re
import socket
import threading
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from watchfiles import watch

from ..errors import problem as problem_text
from ..model import RenderOptions
from ..resources import data_dir
from .hub import Hub
from .snapshot import DEFAULT_THEME, ThemeChoice, available_themes, theme_choice

__all__ = ["HostError", "PreviewServer", "is_loopback", "local_host"]

log = logging.getLogger("cardimg.preview")
STATIC = resources.files("cardimg.preview") / "static"
_NO_STORE = {"Cache-Control": "no-store"}


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or `localhost`, as --host takes it) is reachable only
    from this machine. An address is read as listening on it reads it (127.1 is
    127.0.0.1), never looked up: a name other than localhost is not taken as loopback."""
    if host.lower() == "localhost":
        return True
    try:
        found = socket.getaddrinfo(host.strip("[]"), None, flags=socket.AI_NUMERICHOST)
    except (OSError, UnicodeError, ValueError):
        return False
    addresses = {str(info[4][0]).partition("%")[0] for info in found}
    return all(ipaddress.ip_address(address).is_loopback for address in addresses)


def _page(name: str, config: dict[str, Any]) -> HTMLResponse:
    template = (STATIC / name).read_text("utf-8")
    data = html.escape(json.dumps(config, ensure_ascii=False), quote=True)
    return HTMLResponse(template.replace("{{config}}", data), headers=_NO_STORE)


def build_app(hub: Hub, *, local_only: bool = True) -> ASGIApp:
    """The preview's routes (see the module's docstring) around `hub`."""

    async def home(request: Request) -> Response:
        if hub.single is not None:
            return _story_page(hub.single.name)
        return _page("index.html", {"root": hub.root.name})

    async def story_page(request: Request) -> Response:
        story = request.path_params["story"]
        if hub.story_path(story) is None:
            return Response("No such story here.", status_code=404)
        return _story_page(story)

    def _story_page(story: str) -> HTMLResponse:
        return _page("story.html", {"story": story, "index": hub.single is None})

    async def story_events(request: Request) -> Response:
        query = request.query_params
        view = hub.view(request.path_params["story"], query.get("preset"), query.get("theme"))
        if view is None:
            return Response("No such story here.", status_code=404)
        return _stream(hub.view_events(view))

    async def index_events(request: Request) -> Response:
        if hub.index is None:
            return Response("Not a folder.", status_code=404)
        return _stream(hub.index_events())

    async def slide(request: Request) -> Response:
        data = hub.images.get(request.path_params["name"])
        if data is None:
            return Response("Gone: the page will ask for the current slide.", status_code=404)
        # The name is the content: the same URL is always the same image.
        headers = {"Cache-Control": "public, max-age=31536000, immutable"}
        return Response(data, media_type="image/png", headers=headers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        watcher = asyncio.create_task(_watch(hub))
        try:
            yield
        finally:
            hub.close()
            watcher.cancel()

    routes = [
        Route("/", home),
        Route("/story/{story:path}", story_page),
        Route("/events/story/{story:path}", story_events),
        Route("/events/index", index_events),
        Route("/slide/{name:str}.png", slide),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
        # cardimg's own fonts, for the page's type (see preview.css)
        Mount("/fonts", StaticFiles(directory=str(data_dir("fonts"))), name="fonts"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    return app if not local_only else LocalHostsOnly(app)


class LocalHostsOnly:
    """Answer only requests addressed to this machine by name (Host: localhost, or a
    loopback address: 127.0.0.1, [::1]). A web page elsewhere can point a name of its own
    at 127.0.0.1 (DNS rebinding) and so read a local server as if it were its own; its
    requests carry that name. The header is parsed strictly (see `local_host`): a lax
    parse is what lets `localhost:1@evil.com` or `127.0.0.1:80, evil.com` through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            hosts = [value for name, value in scope["headers"] if name == b"host"]
            if len(hosts) != 1 or not local_host(hosts[0].decode("latin-1")):
                response = Response("This preview answers only to 127.0.0.1.", status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


# RFC 9110's Host, narrowed to what names this machine: a name or IPv4 address, or an
# IPv6 address in brackets, then an optional port of 1 to 5 digits, and nothing else
# (no userinfo, no list, no path, no space, no zone). [0-9], not \d: no other digits.
_HOST = re.compile(
    r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::(?P<port>[1-9][0-9]{0,4}))?"
)


def local_host(header: str) -> bool:
    """Whether a Host header names this machine: `localhost` or a loopback address
    written as browsers write it (127.0.0.1, [::1]), with an optional valid port."""
    match = _HOST.fullmatch(header)
    if match is None or int(match["port"] or 1) > 65535:
        return False
    try:
        if match["ipv6"] is not None:
            return ipaddress.IPv6Address(match["ipv6"]).is_loopback
        if match["name"].lower() == "localhost":
            return True
        # Only the dotted form: a browser writes http://127.1/ as 127.0.0.1.
        return ipaddress.IPv4Address(match["name"]).is_loopback
    except ValueError:
        return False


def _stream(events: AsyncIterator[str]) -> StreamingResponse:
    headers = {**_NO_STORE, "X-Accel-Buffering": "no"}
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


def watched_folders(hub: Hub) -> tuple[list[Path], list[Path]]:
    """The folders to watch, recursively (a folder of stories) and not (a story's own
    folder, its images/, the --images folder, the theme's and logo's folders). Folders,
    not files: editors save by writing a new file and renaming it over the old one, which
    a watch on the old file would miss."""
    recursive = [hub.root] if hub.single is None else []
    flat: list[Path] = []
    candidates = [hub.options.images_dir, hub.options.logo and hub.options.logo.parent]
    candidates += [choice.path.parent for choice in hub.themes.values() if choice.path]
    if hub.single is not None:
        candidates += [hub.single.parent, hub.single.parent / "images"]
    for folder in candidates:
        if folder is None or not Path(folder).is_dir():
            continue
        folder = Path(folder).resolve()
        inside = any(folder.is_relative_to(r.resolve()) for r in recursive)
        if not inside and folder not in flat:
            flat.append(folder)
    return recursive, flat


async def _watch(hub: Hub) -> None:
    """Watch the folders until the hub closes, each set in a thread of its own (the
    watching blocks); changes are handed to the hub on the event loop."""
    loop = asyncio.get_running_loop()
    stop = threading.Event()
    recursive, flat = watched_folders(hub)
    for folders, deep in ((recursive, True), (flat, False)):
        if folders:
            threading.Thread(
                target=_watch_folders,
                args=(hub, loop, stop, folders, deep),
                name="cardimg-preview-watch",
                daemon=True,  # never keeps the process alive after Ctrl-C
            ).start()
    try:
        await hub.closing.wait()
    finally:
        stop.set()


def _watch_folders(
    hub: Hub,
    loop: asyncio.AbstractEventLoop,
    stop: threading.Event,
    folders: list[Path],
    recursive: bool,
) -> None:
    try:
        for changes in watch(
            *folders,
            recursive=recursive,
            stop_event=stop,
            debounce=400,
            step=30,
            rust_timeout=500,  # wake up now and then to see the stop event
            raise_interrupt=False,
            ignore_permission_denied=True,
        ):
            paths = [Path(path) for _, path in changes]
            loop.call_soon_threadsafe(hub.files_changed, paths)
    except RuntimeError:  # the loop closed while a change was on its way
        pass
    except Exception:  # no watching (too many folders for inotify...): say so, keep serving
        log.exception("preview: cannot watch %s; the page will not update by itself", folders)


class PreviewServer:
    """`cardimg preview`: serve the page for a story file or a folder of stories.

    `run()` serves until Ctrl-C; `start()` serves from a thread (tests, tools) until
    `stop()`. The socket is bound when the server is made, so the port is known (pass
    port 0 for a free one) and a port in use is an OSError here, not in a thread."""

    def __init__(
        self,
        path: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        options: RenderOptions | None = None,
        theme: str | Path | None = None,
        preset: str | None = None,
    ) -> None:
        path = Path(path)
        single = path if not path.is_dir() else None
        root = path.parent if single is not None else path
        themes = {name: ThemeChoice(name) for name in available_themes()}
        default = DEFAULT_THEME
        if theme is not None:  # a built-in theme's name or a file, as `render --theme`
            choice = theme_choice(theme)
            default = choice.key
            if choice.path is not None:  # a file: first in the menu
                themes = {choice.key: choice, **themes}
        self.hub = Hub(
            root,
            single=single,
            options=options or RenderOptions(),
            themes=themes,
            theme=default,
            preset=preset,
        )
        self.socket = _bind(host, port)
        config = uvicorn.Config(
            # On a loopback address, only requests naming this machine are answered; with
            # --host 0.0.0.0 the user chose to be reached by other names too.
            # (The address bound, not the one given: --host 127.1 is 127.0.0.1.)
            build_app(self.hub, local_only=is_loopback(self.socket.getsockname()[0])),
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
            lifespan="on",
        )
        self._server = _Server(config, self.hub)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def run(self) -> None:
        self._server.run(sockets=[self.socket])

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="cardimg-preview", daemon=True)
        self._thread.start()
        while not self._server.started and self._thread.is_alive():
            threading.Event().wait(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.socket.close()


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, hub: Hub) -> None:
        super().__init__(config)
        self.hub = hub

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # The event streams never end by themselves: end them first, or uvicorn would
        # wait for them (its graceful shutdown waits for every open response).
        self.hub.close()
        await super().shutdown(sockets=sockets)


class HostError(OSError):
    """--host names no address to listen on: a name that does not resolve, or not a
    name at all (`[::1`, a name no encoding can spell)."""


def _bind(host: str, port: int) -> socket.socket:
    if not 0 <= port <= 65535:  # (socket says so with an OverflowError, not an OSError)
        raise OSError(f"port {port} is not from 0 to 65535")
    bracketed = host.startswith("[") and host.endswith("]")
    address = host[1:-1] if bracketed else host
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((address, port))
    except (socket.gaierror, TypeError, UnicodeError, ValueError) as exc:
        sock.close()  # (TypeError: "encoding of hostname failed", a NUL in the name)
        raise HostError(f"not an address of this machine ({problem_text(exc)})") from None
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock
