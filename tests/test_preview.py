"""`cardimg preview`: the live page, driven in the system's Chromium by Playwright.

The browser is Debian's `chromium` (installed by .ci/run where missing); these tests never
download one, and skip, saying why, only where no chromium binary exists. Each server
listens on 127.0.0.1 on a free port, from a thread, and is stopped at the end.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import playwright.sync_api as playwright
import pytest

from cardimg.cli import main
from cardimg.preview import PreviewServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_browser = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium binary (Debian: apt-get install chromium)"
)
WAIT_MS = 8000  # the longest any step may take before the test fails (a render, a save)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if CHROMIUM is None:
        pytest.skip("no chromium binary (Debian: apt-get install chromium)")
    with playwright.sync_playwright() as driver:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start;
        # --disable-dev-shm-usage: a container's small /dev/shm must not crash a tab.
        chromium = driver.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., PreviewServer]]:
    servers: list[PreviewServer] = []

    def start(path: Path, **options) -> PreviewServer:
        server = PreviewServer(path, host="127.0.0.1", port=0, **options)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def _alts(page) -> list[str]:
    return page.locator(".slide .alt").all_inner_texts()


@needs_browser
def test_page_shows_every_slide_and_follows_saves(seed_path, tmp_path, serve, page) -> None:
    story = tmp_path / seed_path.name
    story.write_text(seed_path.read_text("utf-8"), "utf-8")
    server = serve(story)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/slide/" in r.url else None)
    page.goto(server.url)
    slides = page.locator("#slides > li.slide")
    playwright.expect(slides).to_have_count(6)  # five cards and the sources slide
    playwright.expect(page.locator("#title")).to_have_text("Iraq Latest")
    # Alt text under each slide, from the manifest's alt.
    assert "Backstory" in _alts(page)[1]
    assert all(alt.strip() for alt in _alts(page))
    assert len(set(fetched)) == 6

    # Saving the story updates the page by itself; only the changed slide is fetched.
    fetched.clear()
    story.write_text(story.read_text("utf-8").replace("Meanwhile, Iran", "Meanwhile, Tehran"))
    playwright.expect(slides.nth(4).locator(".alt")).to_contain_text("Meanwhile, Tehran")
    page.wait_for_load_state("networkidle")
    assert len(set(fetched)) == 1, fetched
    assert "Meanwhile, Tehran" in _alts(page)[4]
    assert "Backstory" in _alts(page)[1]

    # A new card: a new slide, in its place.
    text = story.read_text("utf-8")
    new_card = "  - order: 5\n    body: An added card about the ceasefire.\n    _key: added\n"
    story.write_text(text.replace("\n---\n**Statement", f"{new_card}\n---\n**Statement", 1))
    playwright.expect(slides).to_have_count(7)
    playwright.expect(slides.nth(5).locator(".alt")).to_contain_text("ceasefire")


@needs_browser
def test_preset_switcher_renders_at_the_chosen_size(write_story, serve, page) -> None:
    story = write_story("brief.md", [{"body": "One short card.", "_key": "a"}], slug="brief")
    server = serve(story)
    page.goto(server.url)
    first = page.locator("#slides > li.slide").first.locator("img")
    playwright.expect(first).to_have_attribute("height", "1350")
    options = page.locator("#preset option").all_inner_texts()
    assert {"instagram-portrait", "instagram-square", "story", "og"} <= set(options)
    assert page.locator("#theme option").all_inner_texts()[0] == "default"
    page.select_option("#preset", "instagram-square")
    playwright.expect(first).to_have_attribute("height", "1080")
    assert "preset=instagram-square" in page.url  # a reload keeps the choice


@needs_browser
def test_warnings_stand_beside_their_slide(write_story, serve, page) -> None:
    paragraph = "The council met again on Tuesday to weigh the river plan and its cost. " * 6
    cards = [
        {"body": "A clean first card.", "_key": "clean"},
        {"body": "Second card.\n\n![a chart of prices](chart.png)", "_key": "pictured"},
        {"body": "\n\n".join([paragraph] * 10), "_key": "long"},
    ]
    server = serve(write_story("warned.md", cards, slug="warned", colorpaletteclassname="--nope"))
    page.goto(server.url)
    slides = page.locator("#slides > li.slide")
    playwright.expect(slides.nth(2)).to_be_visible()
    playwright.expect(slides.nth(1).locator(".warnings")).to_contain_text("chart")
    playwright.expect(slides.nth(0).locator(".warnings")).to_have_text("No warnings")
    # A card too long for one slide: each of its slides says so.
    continued = slides.filter(has_text="card 3 · part")
    assert continued.count() >= 2
    for number in range(continued.count()):
        playwright.expect(continued.nth(number).locator(".warnings")).to_contain_text("continued")
    # The unknown palette is about the whole story: shown once, above the slides.
    playwright.expect(page.locator("#story-warnings")).to_contain_text("--nope")


@needs_browser
def test_an_error_replaces_the_slides_until_the_file_is_fixed(write_story, serve, page) -> None:
    cards = [{"body": "First card.", "_key": "one"}, {"body": "Second card.", "_key": "two"}]
    story = write_story("broken.md", cards, slug="broken", title="Broken")
    good = story.read_text("utf-8")
    server = serve(story)
    page.goto(server.url)
    playwright.expect(page.locator("#slides > li.slide")).to_have_count(2)

    # Broken YAML: the file, the line and the message, and the lines around it.
    story.write_text(good.replace("title: Broken", "title: [Broken"), "utf-8")
    error = page.locator("#error")
    playwright.expect(error).to_be_visible()
    playwright.expect(page.locator("#slides")).to_be_hidden()
    where = page.locator("#error-where").inner_text()
    assert "broken.md" in where and re.search(r"line \d+", where), where
    playwright.expect(page.locator("#error-context .bad")).to_have_count(1)

    # A wrong field: named, and found on its line in the file.
    story.write_text(good.replace("body: Second card.", "body: [1, 2]"), "utf-8")
    playwright.expect(page.locator("#error-where")).to_contain_text("cards[1].body")
    line = next(n for n, t in enumerate(story.read_text().splitlines(), 1) if "[1, 2]" in t)
    playwright.expect(page.locator("#error-where")).to_contain_text(f"line {line}")

    story.write_text(good.replace("First card.", "First card, fixed."), "utf-8")
    playwright.expect(error).to_be_hidden()
    playwright.expect(page.locator("#slides > li.slide").first.locator(".alt")).to_contain_text(
        "fixed"
    )


@needs_browser
def test_a_folder_lists_its_stories_and_opens_each(write_story, tmp_path, serve, page) -> None:
    folder = tmp_path / "desk"
    write_story("one.md", [{"body": "Story one.", "_key": "a"}], folder=folder, title="First")
    write_story(
        "world/two.md", [{"body": "Story two.", "_key": "b"}], folder=folder, title="Second"
    )
    (folder / "README.md").write_text("# Notes for the desk\n", "utf-8")  # not a story
    server = serve(folder)
    page.goto(server.url)
    stories = page.locator("#stories > li")
    playwright.expect(stories).to_have_count(2)
    playwright.expect(stories.nth(1)).to_contain_text("world/two.md")

    # A story saved into the folder appears without a reload.
    write_story("three.md", [{"body": "Story three.", "_key": "c"}], folder=folder, title="Third")
    playwright.expect(stories).to_have_count(3)

    page.get_by_text("Second").click()
    playwright.expect(page.locator("#title")).to_have_text("Second")
    playwright.expect(page.locator("#slides > li.slide")).to_have_count(1)
    assert page.url.endswith("/story/world/two.md")


def test_preview_refuses_what_it_cannot_serve(tmp_path, capsys) -> None:
    assert main(["preview", str(tmp_path / "missing.md")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.md: not found" in err


def test_preview_on_every_address_warns_and_a_busy_port_is_one_error(write_story, capsys) -> None:
    story = write_story("brief.md", [{"body": "One card.", "_key": "a"}])
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        status = main(["preview", str(story), "--host", "0.0.0.0", "--port", str(port)])
    assert status == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("cardimg: warning: --host 0.0.0.0: ") and "network" in lines[0]
    assert lines[1].startswith(f"cardimg: error: --port {port}: cannot listen")
    assert len(lines) == 2


def test_only_requests_naming_this_machine_are_answered(write_story, serve) -> None:
    """A page elsewhere that points its own name at 127.0.0.1 (DNS rebinding) gets nothing."""
    story = write_story("brief.md", [{"body": "One card.", "_key": "a"}])
    server = serve(story)
    host, port = server.url.split("//")[1].rstrip("/").split(":")

    def status(host_header: str) -> int:
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        connection.putrequest("GET", "/", skip_host=True)
        connection.putheader("Host", host_header)
        connection.endheaders()
        answer = connection.getresponse().status
        connection.close()
        return answer

    assert status(f"127.0.0.1:{port}") == 200
    assert status(f"localhost:{port}") == 200
    assert status(f"attacker.example:{port}") == 400
    assert status("attacker.example") == 400


@needs_browser
def test_a_broken_theme_is_shown_and_saving_the_theme_rerenders(write_story, tmp_path, serve, page):
    """Any failure, even one cardimg does not foresee (here a theme value of the wrong
    type), is the page's error; the server goes on, and saving the theme re-renders."""
    import cardimg

    theme = tmp_path / "house.toml"
    good = (Path(cardimg.__file__).parent / "themes" / "default.toml").read_text("utf-8")
    assert re.search(r"^body_size = 44\b", good, re.M)
    theme.write_text(good, "utf-8")
    story = write_story("brief.md", [{"body": "One short card.", "_key": "a"}], slug="brief")
    server = serve(story, theme=theme)
    page.goto(server.url)
    playwright.expect(page.locator("#theme option").first).to_have_text("house.toml")
    playwright.expect(page.locator("#slides > li.slide")).to_have_count(1)

    theme.write_text(re.sub(r"^body_size = 44", 'body_size = "big"', good, flags=re.M), "utf-8")
    playwright.expect(page.locator("#error")).to_be_visible()
    theme.write_text(good + "oops = = 1\n", "utf-8")  # a TOML error: its line is shown
    playwright.expect(page.locator("#error-where")).to_contain_text("house.toml")
    lines = len(good.splitlines()) + 1
    playwright.expect(page.locator("#error-where")).to_contain_text(f"line {lines}")

    theme.write_text(good.replace("body_size = 44", "body_size = 40"), "utf-8")
    playwright.expect(page.locator("#error")).to_be_hidden()
    playwright.expect(page.locator("#slides > li.slide")).to_have_count(1)


# --------------------------------------------------------------------------- hostile input


def _raw_status(server: PreviewServer, request: bytes) -> int:
    """Send `request` as bytes over a socket, exactly as written; the status it gets."""
    host, port = server.socket.getsockname()[:2]
    with socket.create_connection((host, port), timeout=WAIT_MS / 1000) as connection:
        connection.sendall(request)
        head = connection.makefile("rb").readline()
    return int(head.split()[1])


def _get(server: PreviewServer, path: str, host: str = "127.0.0.1") -> int:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    return _raw_status(server, request.encode("latin-1"))


class _Events:
    """A page's event stream read as the page reads it: each `next()` is the next
    `data:` event, waited for (the socket's timeout fails the test, never a sleep)."""

    def __init__(self, server: PreviewServer, path: str) -> None:
        host, port = server.socket.getsockname()[:2]
        self.connection = http.client.HTTPConnection(host, port, timeout=WAIT_MS / 1000)
        self.connection.request("GET", path)
        self.response = self.connection.getresponse()
        assert self.response.status == 200, self.response.status

    def next(self) -> dict:
        while True:
            line = self.response.readline()
            assert line, "the stream ended"
            if line.startswith(b"data: "):
                return json.loads(line[len(b"data: ") :])

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def events() -> Iterator[Callable[[PreviewServer, str], _Events]]:
    opened: list[_Events] = []

    def open_stream(server: PreviewServer, path: str) -> _Events:
        opened.append(_Events(server, path))
        return opened[-1]

    yield open_stream
    for stream in opened:
        stream.close()


@pytest.mark.parametrize(
    "header",
    [
        "localhost:1@evil.com",
        "127.0.0.1:{port}, evil.com",
        "127.0.0.1:{port},evil.com",
        "localhost evil.com",
        "localhost:{port}/evil",
        "localhost:",
        "localhost:abc",
        "localhost:0",
        "localhost:65536",
        "localhost:123456",
        "localhost.",
        "user@localhost",
        "127.1",
        "127.0.0.01",
        "::1",
        "[::1",
        "::1]",
        "[::1]x",
        "[::1]:",
        "[::1%25lo]",
        "[127.0.0.1]",
        "[evil.com]",
        "",
        "evil.com:{port}",
        "localhost.evil.com",
    ],
)
def test_a_host_header_is_parsed_strictly(write_story, serve, header) -> None:
    """Whatever is not exactly a name of this machine with an optional valid port is
    refused, over a real socket (no client library tidies the header first)."""
    server = serve(write_story("brief.md", [{"body": "One card.", "_key": "a"}]))
    port = server.socket.getsockname()[1]
    assert _get(server, "/", header.format(port=port)) == 400


@pytest.mark.parametrize(
    "header", ["127.0.0.1:{port}", "localhost:{port}", "LocalHost", "127.0.0.1", "[::1]:{port}"]
)
def test_a_host_header_naming_this_machine_is_answered(write_story, serve, header) -> None:
    server = serve(write_story("brief.md", [{"body": "One card.", "_key": "a"}]))
    port = server.socket.getsockname()[1]
    assert _get(server, "/", header.format(port=port)) == 200


def test_two_host_headers_or_none_are_refused(write_story, serve) -> None:
    server = serve(write_story("brief.md", [{"body": "One card.", "_key": "a"}]))
    two = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.com\r\nConnection: close\r\n\r\n"
    none = b"GET / HTTP/1.0\r\n\r\n"
    assert _raw_status(server, two) == 400
    assert _raw_status(server, none) == 400


def test_a_link_leading_outside_is_neither_listed_nor_served(
    write_story, tmp_path, serve, events
) -> None:
    """One rule for the index and the story routes: a story reached through a link that
    points outside the folder served, a FIFO, a folder named like a story, are not there."""
    folder = tmp_path / "desk"
    write_story("one.md", [{"body": "Story one.", "_key": "a"}], folder=folder, title="First")
    secret = write_story("secret.md", [{"body": "Hidden.", "_key": "s"}], title="Secret")
    (folder / "link.md").symlink_to(secret)
    (folder / "inside.md").symlink_to(folder / "one.md")  # a link within: served
    os.mkfifo(folder / "fifo.md")
    (folder / "folder.md").mkdir()
    server = serve(folder)
    listing = events(server, "/events/index").next()["stories"]
    assert [entry["story"] for entry in listing] == ["inside.md", "one.md"]
    for story in ("link.md", "fifo.md", "folder.md", "missing.md"):
        assert _get(server, f"/story/{story}") == 404, story
        assert _get(server, f"/events/story/{story}") == 404, story
    assert _get(server, "/story/inside.md") == 200


@pytest.mark.parametrize(
    "path",
    [
        "/story/..%2Fsecret.md",
        "/story/%2e%2e/secret.md",
        "/story/%252e%252e/secret.md",
        "/story/%2e%2e%2fsecret.md",
        "/events/story/..%2F..%2Fsecret.md",
        "/story/desk/../secret.md",
        "/story//etc/passwd.md",
        "/story/%00.md",
        "/story/one.md%00",
        "/story/%ff.md",
        "/story/.hidden.md",
        "/slide/..%2F..%2Fsecret.png",
        "/static/..%2F..%2F__init__.py",
        "/fonts/..%2F..%2Fthemes%2Fdefault.toml",
    ],
)
def test_paths_that_climb_out_are_404(write_story, tmp_path, serve, path) -> None:
    """(Most held before; the double-encoded and undecodable ones named no file and were
    answered with a page, as every missing story was: a missing story is a 404 now.)"""
    folder = tmp_path / "desk"
    write_story("one.md", [{"body": "Story one.", "_key": "a"}], folder=folder)
    write_story(".hidden.md", [{"body": "Hidden.", "_key": "h"}], folder=folder)
    write_story("secret.md", [{"body": "Secret.", "_key": "s"}])
    assert _get(serve(folder), path) == 404


def test_the_index_follows_a_folder_renamed_removed_or_added(
    write_story, tmp_path, serve, events
) -> None:
    """A folder renamed is reported by the watcher as the folder alone, not as the
    stories in it: the open index must list the new path and drop the old one."""
    folder = tmp_path / "desk"
    write_story("one.md", [{"body": "Story one.", "_key": "a"}], folder=folder)
    write_story("world/two.md", [{"body": "Story two.", "_key": "b"}], folder=folder)
    stream = events(serve(folder), "/events/index")

    def stories() -> list[str]:
        return [entry["story"] for entry in stream.next()["stories"]]

    assert stories() == ["one.md", "world/two.md"]
    (folder / "world").rename(folder / "europe")
    assert stories() == ["europe/two.md", "one.md"]
    shutil.rmtree(folder / "europe")
    assert stories() == ["one.md"]
    write_story("asia/three.md", [{"body": "Three.", "_key": "c"}], folder=tmp_path / "new")
    (tmp_path / "new" / "asia").rename(folder / "asia")  # a folder moved in, stories and all
    assert stories() == ["asia/three.md", "one.md"]


def test_a_story_replaced_by_a_fifo_or_a_folder_is_an_error_not_a_hang(
    write_story, tmp_path, serve, events
) -> None:
    """(A guard: this held before, the story module reads only a regular file.)"""
    story = write_story("brief.md", [{"body": "One card.", "_key": "a"}])
    server = serve(story)
    stream = events(server, "/events/story/brief.md")
    state = stream.next()
    while state.get("rendering") or "slides" not in state:
        state = stream.next()
    story.unlink()
    os.mkfifo(story)
    while "error" not in (state := stream.next()):
        pass
    assert "not a regular file" in state["error"]["message"]
    story.unlink()
    story.mkdir()
    while "directory" not in (state := stream.next()).get("error", {}).get("message", ""):
        pass
    assert _get(server, "/") == 200  # the server goes on


def test_a_theme_file_replaced_by_a_fifo_is_an_error_not_a_hang(
    write_story, tmp_path, serve, events
) -> None:
    """Reading a FIFO blocks until something writes to it: the render thread would hang
    for good, and with it every later render of the page."""
    import cardimg

    theme = tmp_path / "house.toml"
    theme.write_text((Path(cardimg.__file__).parent / "themes" / "default.toml").read_text())
    story = write_story("brief.md", [{"body": "One card.", "_key": "a"}])
    stream = events(serve(story, theme=theme), "/events/story/brief.md")
    while "slides" not in (state := stream.next()) or state.get("rendering"):
        pass
    theme.unlink()
    os.mkfifo(theme)
    while "error" not in (state := stream.next()):
        pass
    assert state["error"]["file"] == "house.toml"
    assert state["error"]["message"] == "not a regular file"


def test_unknown_or_huge_preset_and_theme_in_the_query_are_answered(
    write_story, serve, events
) -> None:
    """An unknown preset is the page's error, an unknown theme the default: neither a 500.
    (A guard: this held before.)"""
    story = write_story("brief.md", [{"body": "One card.", "_key": "a"}])
    server = serve(story)
    huge = "x" * 6000
    stream = events(server, f"/events/story/brief.md?preset={huge}&theme={huge}")
    while "error" not in (state := stream.next()):
        pass
    assert "is not one of this theme's presets" in state["error"]["message"]
    assert state["theme"] == "default"
    assert _get(server, f"/?{'q=' + 'y' * 6000}") == 200


def test_preview_theme_takes_a_built_in_name_or_a_file_as_render_does(
    write_story, tmp_path, serve, events, monkeypatch, capsys
) -> None:
    import cardimg

    story = write_story("brief.md", [{"body": "One card.", "_key": "a"}])
    state = events(serve(story, theme="bold"), "/events/story/brief.md").next()
    assert state["theme"] == "bold" and state["themes"][0] == "default"

    # A file named like a built-in theme is the file, not the built-in one.
    good = (Path(cardimg.__file__).parent / "themes" / "default.toml").read_text("utf-8")
    (tmp_path / "bold").write_text(good, "utf-8")
    monkeypatch.chdir(tmp_path)
    state = events(serve(story, theme="./bold"), "/events/story/brief.md").next()
    assert state["theme"] == "./bold" and state["themes"][:2] == ["./bold", "default"]

    # On the command line: a name, or a file without its .toml as render finds it; a
    # busy port stops the command after the options were taken.
    (tmp_path / "house.toml").write_text(good, "utf-8")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        for theme in ("bold", "house", "house.toml"):
            assert main(["preview", str(story), "--theme", theme, "--port", port]) == 1
            err = capsys.readouterr().err
            assert err.startswith(f"cardimg: error: --port {port}: cannot listen"), err
    assert main(["preview", str(story), "--theme", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--theme: nope: no theme file or built-in theme" in err


@pytest.mark.parametrize("host", ["é" * 70, "no such host", "[::1"])
def test_a_bad_host_is_one_error_naming_host(write_story, capsys, host) -> None:
    """(A name no encoding spells was a traceback; `[::1` was taken as ::1.)"""
    story = write_story("brief.md", [{"body": "One card.", "_key": "a"}])
    with pytest.raises(OSError):  # (the server object first: `[::1` once served for good)
        PreviewServer(story, host=host, port=0)
    assert main(["preview", str(story), "--host", host, "--port", "0"]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1
    assert errors[0].startswith(f"cardimg: error: --host {host}: not an address of this machine")


@pytest.mark.parametrize("port", ["-1", "65536", "99999999999999999999"])
def test_a_port_out_of_range_is_one_error(write_story, capsys, port) -> None:
    story = write_story("brief.md", [{"body": "One card.", "_key": "a"}])
    assert main(["preview", str(story), "--port", port]) == 1
    err = capsys.readouterr().err
    assert err == f"cardimg: error: --port: {port} is not from 0 to 65535\n"


def test_the_server_on_127_1_checks_the_host_as_127_0_0_1_does(write_story) -> None:
    """--host 127.1 listens on 127.0.0.1: the same DNS rebinding defence applies."""
    server = PreviewServer(write_story("b.md", [{"body": "A.", "_key": "a"}]), host="127.1", port=0)
    server.start()
    try:
        assert _get(server, "/", "evil.com") == 400
        assert _get(server, "/", "127.0.0.1") == 200
    finally:
        server.stop()
