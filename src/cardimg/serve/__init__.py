"""`cardimg serve`: cardimg as an HTTP render service (needs `pip install "cardimg[serve]"`).

See docs/serve.md. The parts: `work` (what a worker does with a request), `pool`
(bounded worker processes), `content` (stories of a folder by slug), `keys` (ETags),
`errors` (problems as JSON), `app` (routes, limits, token, cache, metrics) and `server`
(uvicorn with header timeouts and graceful shutdown).
"""

from __future__ import annotations

from .app import ServeSettings, build_app
from .server import serve

__all__ = ["ServeSettings", "build_app", "serve"]
