"""`cardimg serve`, tried as its clients and as an attacker would: the real command, a
real uvicorn on a free loopback port, real requests over sockets. Tests wait on events
(the line the server prints when it listens, a socket closing, a job taken), never on
time."""

from __future__ import annotations

import http.client
import io
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("pebble")
pytest.importorskip("prometheus_client")

import cardimg

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SEED = SAMPLES / "20200314-iraq-latest.md"
GREEK = SAMPLES / "20240111-greek.md"
SRC = Path(cardimg.__file__).resolve().parents[1]


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            answer = (response.status, {k.lower(): v for k, v in response.getheaders()})
            return (*answer, response.read())
        finally:
            connection.close()

    def post(self, path: str, story: bytes, **headers: str) -> tuple[int, dict[str, str], bytes]:
        sent = {"Content-Type": "text/markdown", **headers}
        return self.request("POST", path, story, sent)

    def health(self) -> dict[str, object]:
        status, _, body = self.request("GET", "/healthz")
        assert status == 200
        return json.loads(body)


@contextmanager
def serving(*args: str, cwd: Path, prefix: tuple[str, ...] = ()) -> Iterator[Server]:
    """The real `cardimg serve` on a free port, started through `prefix` where one is
    given (a private namespace); stopped (SIGTERM) afterwards."""
    process = subprocess.Popen(
        [*prefix, sys.executable, "-m", "cardimg", "serve", "--port", "0", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 120)
        line = process.stdout.readline() if ready else ""  # type: ignore[union-attr]
        if "listening on http://127.0.0.1:" not in line:
            process.kill()
            pytest.fail(f"the server did not start: {line!r} {process.stderr.read()}")  # type: ignore[union-attr]
        port = int(line.rsplit(":", 1)[1].strip().rstrip("/"))
        yield Server(process, port)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def error_of(body: bytes) -> dict[str, object]:
    error = json.loads(body)["error"]
    assert isinstance(error, dict) and error["code"] and error["message"]
    assert "Traceback" not in body.decode()
    return error


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("content")
    (folder / "seed.md").write_bytes(SEED.read_bytes())
    (folder / "greek.md").write_bytes(GREEK.read_bytes())
    outside = tmp_path_factory.mktemp("outside") / "secret.md"
    outside.write_text(GREEK.read_text().replace("slug:", "slug: secret-story\nx_old_slug:"))
    (folder / "link.md").symlink_to(outside)
    return folder


@pytest.fixture(scope="module")
def server(content: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(str(content), "--workers", "2", cwd=tmp_path_factory.mktemp("cwd")) as running:
        yield running


# --------------------------------------------------------------------------- routes


def test_a_posted_story_gets_its_cover(server: Server) -> None:
    status, headers, body = server.post("/v1/cover?preset=og", SEED.read_bytes())
    assert status == 200 and headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(body))
    assert image.size == (1200, 630)
    # A posted story has no folder, so no featured image: the same text, read without one.
    posted = cardimg.parse_story(SEED.read_bytes(), name=SEED.name)
    expected = cardimg.render(posted, preset="og").slides[0].encode("png")
    assert body == expected  # the same bytes as the library gives
    assert headers["etag"].strip('"') and headers["cache-control"] == "no-cache"
    status, headers, body = server.post("/v1/cover?preset=x&format=jpeg", SEED.read_bytes())
    assert status == 200 and headers["content-type"] == "image/jpeg"
    assert (
        Image.open(io.BytesIO(body)).size == cardimg.render(SEED, preset="x").slides[0].image.size
    )


def test_a_posted_story_gets_a_zip_of_what_save_writes(server: Server, tmp_path: Path) -> None:
    status, headers, body = server.post("/v1/carousel?format=jpeg", GREEK.read_bytes())
    assert status == 200 and headers["content-type"] == "application/zip"
    saved = cardimg.render(cardimg.parse_story(GREEK.read_bytes())).save(tmp_path, format="jpeg")
    folder = saved[0].parent
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = sorted(archive.namelist())
        assert names == sorted(p.name for p in folder.iterdir())
        for name in names:
            if name != "manifest.json":  # it names the story file, which differs
                assert archive.read(name) == (folder / name).read_bytes(), name
    again = server.post("/v1/carousel?format=jpeg", GREEK.read_bytes())[2]
    assert again == body  # deterministic, and served from the cache


def test_a_posted_story_gets_the_check_report(server: Server) -> None:
    status, headers, body = server.post("/v1/check?target=instagram-api", GREEK.read_bytes())
    assert status == 200 and headers["content-type"] == "application/json"
    report = json.loads(body)
    assert report["version"] == 1 and report["summary"]["files"] == 1
    codes = [f["code"] for f in report["files"][0]["findings"]]
    assert "image-missing" in codes


def test_content_stories_by_slug_with_etags(server: Server, content: Path) -> None:
    path = "/v1/stories/20200314-iraq-latest/cover.png"
    status, headers, body = server.request("GET", path)
    assert status == 200 and Image.open(io.BytesIO(body)).size == (1200, 630)
    etag = headers["etag"]
    assert "max-age" in headers["cache-control"]
    status, headers, body = server.request("GET", path, headers={"If-None-Match": etag})
    assert status == 304 and body == b"" and headers["etag"] == etag
    status, _, slide = server.request("GET", "/v1/stories/20200314-iraq-latest/02.png")
    assert status == 200
    assert slide == cardimg.render(SEED).slides[1].encode("png")
    # Editing the story changes the answer, without a restart.
    story = content / "seed.md"
    story.write_text(story.read_text().replace("Iraq Latest", "Iraq, the latest"))
    status, headers, body = server.request("GET", path, headers={"If-None-Match": etag})
    assert status == 200 and headers["etag"] != etag


@pytest.mark.parametrize(
    "path",
    [
        "/v1/stories/..%2F..%2Fetc%2Fpasswd/cover.png",
        "/v1/stories/%2e%2e/cover.png",
        "/v1/stories/..%252F..%252F/cover.png",
        "/v1/stories/../../etc/cover.png",
        "/v1/stories/secret-story/cover.png",  # a link to a story outside the folder
        "/v1/stories/greek/cover.png",  # a file name is no slug
        "/v1/stories/20240111-greek/99.png",
        "/v1/stories/20240111-greek/01.gif",
        "/v1/stories/20240111-greek/../greek.md",
    ],
)
def test_traversal_and_unknown_files_are_404(server: Server, path: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    connection.putrequest("GET", path, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    assert response.status == 404, (path, body)
    assert error_of(body)["code"] in ("not-found", "slide-not-found")
    assert b"root:" not in body


# --------------------------------------------------------------------------- errors


def test_every_error_is_json_with_its_status(server: Server) -> None:
    cases = [
        (server.post("/v1/cover", b"---\ncards: 3\n---\n"), 422, "story-invalid"),
        (server.post("/v1/cover?preset=nope", SEED.read_bytes()), 422, "options-invalid"),
        (server.post("/v1/cover?preset=story", SEED.read_bytes()), 422, "options-invalid"),
        (server.post("/v1/cover?format=tiff", SEED.read_bytes()), 422, "options-invalid"),
        (server.post("/v1/cover?theme=/etc/passwd", SEED.read_bytes()), 422, "options-invalid"),
        (server.post("/v1/cover?bogus=1", SEED.read_bytes()), 422, "options-invalid"),
        (server.post("/v1/cover?quality=0", SEED.read_bytes()), 422, "options-invalid"),
        (server.post("/v1/carousel?target=myspace", SEED.read_bytes()), 422, "options-invalid"),
        (server.post("/v1/cover", b"\xff\xfe---"), 400, "not-utf8"),
        (server.post("/v1/cover", b"   "), 400, "empty"),
        (
            server.post("/v1/cover", b"{}", **{"Content-Type": "application/json"}),
            415,
            "media-type",
        ),
        (server.request("GET", "/v1/nothing"), 404, "not-found"),
        (server.request("DELETE", "/v1/cover"), 405, "method-not-allowed"),
    ]
    for (status, headers, body), expected, code in cases:
        assert status == expected, body
        assert headers["content-type"] == "application/json"
        assert error_of(body)["code"] == code, body
    status, _, body = server.post("/v1/cover", b"---\ncards: 3\n---\n")
    error = error_of(body)
    assert (
        error["field"] == "cards"
        and error["message"] == "story.md: cards: expected a list, got a number"
    )


def test_a_body_over_the_limit_is_413_without_reading_it(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
        sock.sendall(
            b"POST /v1/cover HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/markdown\r\n"
            b"Content-Length: 999999999\r\n\r\n---\n"
        )
        answer = sock.recv(4096)  # answered though almost nothing of the body was sent
    assert answer.startswith(b"HTTP/1.1 413 ")
    big = b"a" * (3 << 20)
    status, _, body = server.post("/v1/cover", big)
    assert status == 413 and error_of(body)["code"] == "too-large"


def test_headers_over_the_limit_are_431(server: Server) -> None:
    status, _, body = server.request("GET", "/healthz", headers={"X-Big": "a" * 40_000})
    assert status == 431 and error_of(body)["code"] == "headers-too-large"


def test_healthz_and_metrics(server: Server) -> None:
    assert server.health()["status"] == "ok"
    server.post("/v1/cover", SEED.read_bytes())
    status, headers, body = server.request("GET", "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    text = body.decode()
    assert 'cardimg_requests_total{route="cover",status="200"}' in text
    assert "cardimg_render_seconds_bucket" in text and "cardimg_queue_depth" in text
    assert 'cardimg_cache_total{result="hit"}' in text


# --------------------------------------------------------------------------- exposure


def test_the_token(tmp_path: Path) -> None:
    with serving("--token", "s3cret", "--workers", "1", cwd=tmp_path) as running:
        status, headers, body = running.post("/v1/check", GREEK.read_bytes())
        assert status == 401 and error_of(body)["code"] == "unauthorized"
        assert headers["www-authenticate"] == "Bearer"
        wrong = {"Authorization": "Bearer s3cre"}
        assert running.post("/v1/check", GREEK.read_bytes(), **wrong)[0] == 401
        right = {"Authorization": "Bearer s3cret"}
        assert running.post("/v1/check", GREEK.read_bytes(), **right)[0] == 200
        assert running.request("GET", "/healthz")[0] == 200  # liveness needs no token
        assert running.request("GET", "/metrics")[0] == 401


def test_other_machines_are_refused_without_a_token(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cardimg", "serve", "--host", "0.0.0.0", "--port", "0"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(SRC), "CARDIMG_TOKEN": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "without a token" in result.stderr
    for option, value in (("--port", "70000"), ("--workers", "0"), ("--timeout", "nan")):
        bad = subprocess.run(
            [sys.executable, "-m", "cardimg", "serve", option, value],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(SRC)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert bad.returncode == 2 and bad.stderr.startswith(f"cardimg: error: {option}")


def test_a_slow_client_is_cut_off_and_holds_nobody_up(tmp_path: Path) -> None:
    with serving("--workers", "1", "--header-timeout", "1", cwd=tmp_path) as running:
        slow = [socket.create_connection(("127.0.0.1", running.port)) for _ in range(20)]
        for sock in slow:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")  # and then nothing more
        assert running.post("/v1/check", GREEK.read_bytes())[0] == 200  # others are served
        for sock in slow:
            sock.settimeout(60)
            assert sock.recv(100) == b""  # the server closed it: an event, not a time
            sock.close()


def big_story(cards: int) -> bytes:
    words = " ".join(["Words that take a while to set on many slides."] * 40)
    body = "\n".join(f"- body: |\n    ## Card {n}\n    {words}" for n in range(cards))
    return f"---\ntitle: Big\ncards:\n{body}\n---\n".encode()


def wait_until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    """Until the server's own report says `condition` holds (it is asked, not timed)."""
    for _ in range(6000):
        if condition():
            return
        time.sleep(0.02)
    pytest.fail(f"never: {what}")


def test_overload_is_503_with_retry_after_and_health_still_answers(tmp_path: Path) -> None:
    with serving("--workers", "1", "--queue", "0", cwd=tmp_path) as running:
        results: list[int] = []
        slow = threading.Thread(
            target=lambda: results.append(running.post("/v1/carousel", big_story(25))[0])
        )
        slow.start()
        wait_until(lambda: running.health()["pending"] == 1, "the slow job is taken")
        status, headers, body = running.post("/v1/cover", SEED.read_bytes())
        assert status == 503 and int(headers["retry-after"]) >= 1
        assert error_of(body)["code"] == "overloaded"
        assert running.health()["status"] == "ok"  # liveness answers while all are busy
        slow.join(timeout=300)
        assert results == [200]


def test_a_render_over_the_time_limit_is_503_and_its_worker_replaced(tmp_path: Path) -> None:
    with serving("--workers", "1", "--timeout", "0.5", cwd=tmp_path) as running:
        status, headers, body = running.post("/v1/carousel", big_story(30))
        assert status == 503 and error_of(body)["code"] == "render-timeout"
        assert "retry-after" in headers
        ok, _, _ = running.post("/v1/check", GREEK.read_bytes())
        assert ok == 200 or ok == 503  # a fast job: done by the new worker within 0.5 s


def test_sigterm_lets_the_request_under_way_finish(tmp_path: Path) -> None:
    with serving("--workers", "1", cwd=tmp_path) as running:
        results: list[int] = []
        slow = threading.Thread(
            target=lambda: results.append(running.post("/v1/carousel", big_story(20))[0])
        )
        slow.start()
        wait_until(lambda: running.health()["pending"] == 1, "the job is taken")
        running.process.send_signal(signal.SIGTERM)
        slow.join(timeout=300)
        assert results == [200]
        # Stopped by the signal, gracefully (as a supervisor expects of SIGTERM).
        assert running.process.wait(timeout=120) in (0, -signal.SIGTERM)
        log = running.process.stderr.read()  # type: ignore[union-attr]
        assert "Traceback" not in log
        lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        assert {"method", "path", "status", "ms", "key"} <= set(lines[-1])
        assert all("Words that take" not in json.dumps(line) for line in lines)  # no story text


def test_a_plain_post_gets_a_cover_but_no_carousel(server: Server) -> None:
    post = (
        b'+++\ntitle = "Council passes the budget"\ndescription = "A late-night vote."\n'
        b'date = 2024-11-14\nauthor = "Ana Lima"\ntags = ["budget"]\n+++\nBody text.\n'
    )
    status, _, body = server.post("/v1/cover?preset=og", post)
    assert status == 200 and Image.open(io.BytesIO(body)).size == (1200, 630)
    status, _, body = server.post("/v1/carousel", post)
    assert status == 422
    error = error_of(body)
    assert error["field"] == "cards" and "makes only a cover" in str(error["message"])


def test_a_body_that_does_not_arrive_in_time_is_408(tmp_path: Path) -> None:
    with serving("--workers", "1", "--body-timeout", "1", cwd=tmp_path) as running:
        with socket.create_connection(("127.0.0.1", running.port), timeout=60) as sock:
            sock.sendall(
                b"POST /v1/cover HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/markdown\r\n"
                b"Content-Length: 5000\r\n\r\n---\n"  # and the rest never comes
            )
            answer = b""
            while b"}\n" not in answer:  # the JSON body may come in a packet of its own
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b'"code": "body-timeout"' in answer
        assert running.health()["status"] == "ok"


def test_a_story_this_server_cannot_shape_is_501_naming_what_is_missing(tmp_path: Path) -> None:
    """Without FriBiDi (hidden in a private mount namespace), an Arabic story is not the
    client's fault: 501, with the finding's message; a Latin one still renders."""
    from .test_environment import _fribidi, _namespaces_work

    reason = _namespaces_work()
    if reason:
        pytest.skip(reason)
    hidden = _fribidi()
    wrapper = tmp_path / "hide.sh"
    wrapper.write_text(f'#!/bin/sh\nmount --bind /dev/null {hidden} && exec "$@"\n')
    wrapper.chmod(0o755)
    with serving("--workers", "1", cwd=tmp_path, prefix=("unshare", "-m", str(wrapper))) as running:
        arabic = (SAMPLES / "20240113-arabic.md").read_bytes()
        status, _, body = running.post("/v1/cover", arabic)
        assert status == 501
        error = error_of(body)
        assert error["code"] == "text-engine-missing" and "libfribidi0" in str(error["message"])
        assert running.post("/v1/cover", GREEK.read_bytes())[0] == 200
