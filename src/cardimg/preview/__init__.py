"""`cardimg preview`: a live page of a story's slides that updates as the file is saved.

    from cardimg.preview import PreviewServer
    server = PreviewServer(Path("samples/20200314-iraq-latest.md"), port=8000)
    server.run()   # until Ctrl-C; or server.start() ... server.stop()

Needs the `preview` extra (`pip install "cardimg[preview]"`): starlette, uvicorn and
watchfiles. See docs/preview.md for how it is built and why.
"""

from .server import HostError, PreviewServer, is_loopback
from .snapshot import available_themes

__all__ = ["HostError", "PreviewServer", "available_themes", "is_loopback"]
