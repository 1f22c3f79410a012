"""Load-test `cardimg serve` on loopback, side by side with Satori + resvg behind Node's http.

    PYTHONPATH=src python benchmarks/serve.py                      # full run (16 clients, 30 s)
    PYTHONPATH=src python benchmarks/serve.py --duration 5 --clients 4   # a short look
    PYTHONPATH=src python benchmarks/serve.py --write-docs         # full run, docs updated

Phases, each bounded by a duration or a count, so the script always stops by itself:

1. in-process baseline: `render(story, preset="og").slides[0].encode("png")` in as many
   worker processes as the server has, for `--duration` seconds: covers per second;
2. for each server (cardimg serve, then the peer when installed): single-request latency
   (median of sequential requests on the idle server), then `--clients` clients on
   persistent HTTP/1.1 connections for `--duration` seconds, then `--workers` clients
   (no queueing) for a third of it; /healthz is timed every 100 ms from its own connection
   throughout, and the server's memory (RSS of it and its children) before and after;
3. overload: a cardimg server with a small queue (`--overload-workers 2 --overload-queue
   4`), `--burst` concurrent POST /v1/carousel at once, `--rounds` times: every answer must
   be 200 or 503 with Retry-After.

Every request's story is different (a number in its title), so no cache answers it. The
load generator runs on the same cores as the server: its own CPU use is printed.
This is not a test: pytest never collects it and CI does not run it.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.client
import itertools
import json
import math
import multiprocessing
import os
import platform
import re
import select
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT / "src"
SEED = ROOT / "samples" / "20200314-iraq-latest.md"
DEFAULT_PEERS = Path(os.environ.get("BENCH_PEERS", "/tmp/bench-peers"))
BENCH_DOC = ROOT / "docs" / "benchmarks.md"
SERVE_DOC = ROOT / "docs" / "serve.md"
START, END = "<!-- serve-bench:start -->", "<!-- serve-bench:end -->"
# A newsroom headline, longer than the seed's title, so the cover's title wraps and is
# balanced as a real one would be; the request's number goes at its end.
HEADLINE = "Four US soldiers die abroad as Americans hunker down at home"
SERIES = "SmartHER News"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HEALTH_EVERY = 0.1  # seconds between /healthz probes
STARTUP_TIMEOUT = 120.0
REQUEST_TIMEOUT = 120.0

# The targets.
THROUGHPUT_SHARE = 0.80  # server covers/s ÷ in-process covers/s, at least
P99_FACTOR = 3.0  # p99 under load ÷ a single request's latency, at most
HEALTH_LIMIT_MS = 100.0  # every /healthz answer, at most


# --------------------------------------------------------------------------- stories


@functools.cache
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def story(number: int) -> bytes:
    """The seed story with a headline ending in `number`: a different cover every time."""
    text = seed_text()
    title = f"title: {json.dumps(f'{HEADLINE}, update {number}')}"
    return re.sub(r"^title: .*$", lambda _: title, text, count=1, flags=re.M).encode()


def peer_body(number: int) -> bytes:
    """What the peer gets for the same cover: the same headline and series label."""
    return json.dumps({"title": f"{HEADLINE}, update {number}", "series": SERIES}).encode()


# --------------------------------------------------------------------------- HTTP client


@dataclass
class Reply:
    status: int  # 0: the connection failed (see `error`)
    headers: dict[str, str]
    body: bytes
    seconds: float
    error: str = ""


class Connection:
    """One persistent HTTP/1.1 connection to 127.0.0.1 (asyncio). Minimal on purpose: the
    load generator shares the cores with the server, so each request should cost it little.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Reply:
        started = time.perf_counter()
        try:
            reply = await asyncio.wait_for(
                self._exchange(method, path, body, headers or {}), REQUEST_TIMEOUT
            )
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
            await self.close()  # a fresh connection for the next request
            return Reply(0, {}, b"", time.perf_counter() - started, type(exc).__name__)
        reply.seconds = time.perf_counter() - started
        return reply

    async def _exchange(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> Reply:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status, answer = _parse_head(head)
        content = await self._body(answer)
        if answer.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, answer, content, 0.0)

    async def _body(self, headers: dict[str, str]) -> bytes:
        assert self.reader is not None
        if "content-length" in headers:
            return await self.reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            await self.reader.readuntil(b"\r\n")  # no trailers are sent by either server
            return b"".join(chunks)
        return await self.reader.read()  # until the server closes

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    first, *rest = head.decode("latin-1").split("\r\n")
    status = int(first.split(" ", 2)[1])
    headers = {}
    for line in rest:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return status, headers


# --------------------------------------------------------------------------- servers


@dataclass
class Server:
    """A server under test, started by this script."""

    kind: str  # "cardimg" or "satori"
    process: subprocess.Popen[bytes]
    port: int
    log: Path  # its standard error (cardimg: one JSON line a request)
    versions: dict[str, str] = field(default_factory=dict)

    def cover(self, number: int) -> tuple[str, bytes, dict[str, str]]:
        """The path, body and headers of a cover request for this server."""
        if self.kind == "cardimg":
            return "/v1/cover?preset=og", story(number), {"Content-Type": "text/markdown"}
        return "/cover", peer_body(number), {"Content-Type": "application/json"}


@contextmanager
def running(kind: str, command: list[str], marker: str, log: Path) -> Iterator[Server]:
    """Start a server, wait for its "listening on http://127.0.0.1:PORT/" line, and stop it
    (SIGTERM, as a supervisor would) afterwards."""
    with log.open("wb") as errors:
        # stderr to a file, never a pipe: a pipe nobody reads would fill and stall the
        # server's logging, which would be measured as the server's slowness.
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors)
    try:
        line = _first_line(process)
        found = re.search(rf"{re.escape(marker)} http://127\.0\.0\.1:(\d+)/(.*)", line)
        if found is None:
            raise SystemExit(f"{kind} did not start: {line!r}\n{log.read_text(errors='replace')}")
        extra = found.group(2).strip()
        versions = json.loads(extra) if extra.startswith("{") else {}
        yield Server(kind, process, int(found.group(1)), log, versions)
    finally:
        _stop(process)


def _first_line(process: subprocess.Popen[bytes]) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], STARTUP_TIMEOUT)
    return process.stdout.readline().decode(errors="replace") if ready else ""


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cardimg_command(workers: int, queue: int) -> list[str]:
    return [
        sys.executable, "-m", "cardimg", "serve", "--port", "0",
        "--workers", str(workers), "--queue", str(queue),
    ]  # fmt: skip


def satori_command(peers: Path, workers: int) -> list[str]:
    script = HERE / "peers" / "satori_server.mjs"
    return [
        "node", str(script), "--port", "0", "--peers", str(peers),
        "--fonts", str(ROOT / "fonts"), "--workers", str(workers),
    ]  # fmt: skip


def peer_missing(peers: Path) -> str | None:
    """Why the peer cannot run here, or None."""
    for name in ("satori", "@resvg/resvg-js"):
        if not (peers / "node" / "node_modules" / name / "package.json").is_file():
            return f"{name} not installed (run benchmarks/setup_peers.sh)"
    try:
        subprocess.run(["node", "--version"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "node not found"
    return None


# --------------------------------------------------------------------------- /proc


@dataclass(frozen=True)
class Usage:
    rss: int  # bytes, summed over the process tree (shared pages counted in each)
    cpu: float  # seconds of CPU, user + system, of the processes alive now
    processes: int


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (Linux /proc; just `pid` elsewhere)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def usage(pid: int) -> Usage | None:
    """Memory and CPU of a server and its workers, or None where /proc is missing."""
    if not Path(f"/proc/{pid}").exists():
        return None
    rss, cpu, count = 0, 0.0, 0
    ticks = os.sysconf("SC_CLK_TCK")
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
            stat = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        kb = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        rss += int(kb.group(1)) * 1024 if kb else 0
        cpu += (int(stat[11]) + int(stat[12])) / ticks  # utime, stime
        count += 1
    return Usage(rss, cpu, count)


def machine_cpu() -> float | None:
    """CPU seconds the whole machine has used (all but idle and iowait)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- /healthz probe


class HealthProbe:
    """/healthz every HEALTH_EVERY s from its own connection, in a thread: what a load
    balancer sees while the server is busy."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.times: list[float] = []  # ms
        self.failures: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        while not self._stop.wait(HEALTH_EVERY):
            started = time.perf_counter()
            try:
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.failures[type(exc).__name__] += 1
                connection.close()  # reconnects on the next request
                continue
            self.times.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                self.failures[str(response.status)] += 1
        connection.close()


# --------------------------------------------------------------------------- phases


@dataclass
class Phase:
    """What one phase against one server measured."""

    clients: int
    seconds: float
    latencies: list[float]  # ms, answers that were good
    statuses: Counter[str]  # "200", "503", "0:ConnectionResetError", "200:not-png", …
    health: list[float]
    health_failures: Counter[str]
    before: Usage | None
    after: Usage | None
    client_cpu: float  # seconds of CPU this script used meanwhile
    others_cpu: float | None  # cores other processes used meanwhile
    retry_after_missing: int = 0  # 503s without Retry-After
    refusal_ms: list[float] = field(default_factory=list)  # how fast 503s came back

    @property
    def good(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.good / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_ms(self) -> float | None:
        """Server CPU per good answer (ms), over the phase."""
        if self.before is None or self.after is None or not self.good:
            return None
        return (self.after.cpu - self.before.cpu) * 1000 / self.good


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


@contextmanager
def observed(server: Server, record: dict[str, object]) -> Iterator[HealthProbe]:
    """Around a phase: memory, CPU and /healthz of the server, CPU of everyone else."""
    record["before"] = usage(server.process.pid)
    machine0, ours0, wall0 = machine_cpu(), time.process_time(), time.perf_counter()
    with HealthProbe(server.port) as probe:
        yield probe
    record["after"] = usage(server.process.pid)
    machine1, ours = machine_cpu(), time.process_time() - ours0
    wall = time.perf_counter() - wall0
    record["client_cpu"] = ours
    before, after = record["before"], record["after"]
    server_cpu = (
        after.cpu - before.cpu if isinstance(before, Usage) and isinstance(after, Usage) else 0
    )
    if machine0 is not None and machine1 is not None and wall > 0:
        record["others_cpu"] = max(0.0, machine1 - machine0 - ours - server_cpu) / wall
    else:
        record["others_cpu"] = None


def single_latency(
    server: Server, count: int, numbers: Iterator[int], untimed: int = 2
) -> list[float]:
    """Sequential requests on the idle server (after `untimed` ones): their times, ms."""

    async def run() -> list[float]:
        connection = Connection(server.port)
        times = []
        for index in range(count + untimed):
            path, body, headers = server.cover(next(numbers))
            reply = await connection.request("POST", path, body, headers)
            if reply.status != 200:
                raise SystemExit(f"{server.kind}: a single request failed: {_describe(reply)}")
            if index >= untimed:
                times.append(reply.seconds * 1000)
        await connection.close()
        return times

    return asyncio.run(run())


def load(server: Server, clients: int, duration: float, numbers: Iterator[int]) -> Phase:
    """`clients` clients, each sending covers back to back on its own persistent
    connection for `duration` seconds (closed loop: a client waits for its answer)."""
    record: dict[str, object] = {}
    statuses: Counter[str] = Counter()
    latencies: list[float] = []

    async def client(deadline: float) -> None:
        connection = Connection(server.port)
        while time.perf_counter() < deadline:
            path, body, headers = server.cover(next(numbers))
            reply = await connection.request("POST", path, body, headers)
            key = _status_key(reply, expect_png=True)
            statuses[key] += 1
            if key == "200":
                latencies.append(reply.seconds * 1000)
        await connection.close()

    async def run() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(client(started + duration) for _ in range(clients)))
        return time.perf_counter() - started  # answers that began in time all count

    with observed(server, record) as probe:
        seconds = asyncio.run(run())
    return Phase(
        clients, seconds, latencies, statuses, probe.times, probe.failures,
        record["before"], record["after"], record["client_cpu"], record["others_cpu"],  # type: ignore[arg-type]
    )  # fmt: skip


def overload(
    server: Server, burst: int, rounds: int, workers: int, numbers: Iterator[int]
) -> Phase:
    """`burst` carousels at once on their own connections, `rounds` times: more than the
    server takes, so most must be refused at once with 503 and Retry-After."""
    record: dict[str, object] = {}
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    refusals: list[float] = []
    missing = 0

    async def one(connection: Connection, number: int) -> None:
        nonlocal missing
        reply = await connection.request(
            "POST", "/v1/carousel", story(number), {"Content-Type": "text/markdown"}
        )
        key = _status_key(reply, expect_png=False)
        statuses[key] += 1
        if reply.status == 200:
            latencies.append(reply.seconds * 1000)
        elif reply.status == 503:
            refusals.append(reply.seconds * 1000)
            missing += not reply.headers.get("retry-after", "").isdigit()

    async def warm() -> None:
        # pebble starts its workers on the first job, not when the server says it listens:
        # one carousel a worker first, so the bursts meet running workers.
        connections = [Connection(server.port) for _ in range(workers)]
        replies = await asyncio.gather(
            *(c.request("POST", "/v1/carousel", story(next(numbers))) for c in connections)
        )
        await asyncio.gather(*(c.close() for c in connections))
        if any(r.status != 200 for r in replies):
            raise SystemExit(f"overload warm-up failed: {[_describe(r) for r in replies]}")

    async def run() -> float:
        started = time.perf_counter()
        for _ in range(rounds):
            connections = [Connection(server.port) for _ in range(burst)]
            await asyncio.gather(*(c.request("GET", "/healthz") for c in connections))  # open
            await asyncio.gather(*(one(c, next(numbers)) for c in connections))
            await asyncio.gather(*(c.close() for c in connections))
        return time.perf_counter() - started

    asyncio.run(warm())
    with observed(server, record) as probe:
        seconds = asyncio.run(run())
    return Phase(
        burst, seconds, latencies, statuses, probe.times, probe.failures,
        record["before"], record["after"], record["client_cpu"], record["others_cpu"],  # type: ignore[arg-type]
        missing, refusals,
    )  # fmt: skip


def _status_key(reply: Reply, *, expect_png: bool) -> str:
    if reply.status == 0:
        return f"0:{reply.error}"
    if reply.status == 200 and expect_png and not reply.body.startswith(PNG_MAGIC):
        return "200:not-png"
    return str(reply.status)


def _describe(reply: Reply) -> str:
    return f"{reply.status or reply.error} {reply.body[:200]!r}"


# --------------------------------------------------------------------------- in-process


def _render_for(seconds: float, first: int, stride: int) -> tuple[int, float, float]:
    """In a worker process: covers rendered and encoded back to back for `seconds`,
    after a warm-up. Returns (covers, elapsed s, median ms of one)."""
    import cardimg
    from cardimg.story import parse_story

    def one(number: int) -> float:
        started = time.perf_counter()
        # parse_story + render + encode: what a server's worker does with a request.
        parsed = parse_story(story(number), name="story.md")
        cardimg.render(parsed, preset="og").slides[0].encode("png")
        return time.perf_counter() - started

    numbers = itertools.count(first, stride)
    for _ in range(3):
        one(next(numbers))
    times: list[float] = []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        times.append(one(next(numbers)))
    return len(times), time.perf_counter() - started, statistics.median(times) * 1000


@dataclass
class Baseline:
    workers: int
    per_second: float
    median_ms: float  # one cover in-process, while all workers run
    others_cpu: float | None


def in_process(workers: int, duration: float) -> Baseline:
    """The in-process ceiling: `workers` processes rendering covers for `duration` s."""
    context = multiprocessing.get_context("spawn")  # as the server's workers start
    machine0, wall0 = machine_cpu(), time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        # Numbers far from the servers' so that no answer could repeat theirs.
        futures = [pool.submit(_render_for, duration, 10**9 + i, workers) for i in range(workers)]
        results = [future.result() for future in futures]
    machine1, wall = machine_cpu(), time.perf_counter() - wall0
    rate = sum(count / elapsed for count, elapsed, _ in results)
    busy = sum(count * ms / 1000 for count, _, ms in results)
    others = None
    if machine0 is not None and machine1 is not None:
        # Whatever the machine used beyond our workers' rendering (an estimate).
        others = max(0.0, machine1 - machine0 - busy) / wall
    return Baseline(workers, rate, statistics.median(ms for _, _, ms in results), others)


# --------------------------------------------------------------------------- the server's log


def log_summary(log: Path) -> dict[str, object]:
    """What the server itself logged: statuses, 5xx other than 503, tracebacks."""
    statuses: Counter[str] = Counter()
    tracebacks, other = 0, []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{") and '"status"' in line:
            try:
                statuses[str(json.loads(line)["status"])] += 1
            except (ValueError, KeyError):
                other.append(line)
        elif "Traceback" in line:
            tracebacks += 1
        elif line.strip():
            other.append(line)
    bad = {s: n for s, n in statuses.items() if s.startswith("5") and s != "503"}
    return {"statuses": dict(statuses), "5xx": bad, "tracebacks": tracebacks, "other": other[:20]}


# --------------------------------------------------------------------------- report


@dataclass
class Run:
    args: argparse.Namespace
    machine: dict[str, str]
    versions: dict[str, str]
    baseline: Baseline
    single: dict[str, list[float]] = field(default_factory=dict)
    first: dict[str, float] = field(default_factory=dict)  # ms, right after "listening"
    loads: dict[str, Phase] = field(default_factory=dict)
    light: dict[str, Phase] = field(default_factory=dict)
    overload: Phase | None = None
    logs: dict[str, dict[str, object]] = field(default_factory=dict)
    peer_skipped: str | None = None


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:,.{digits}f}{unit}"


def mb(value: Usage | None) -> str:
    return "—" if value is None else f"{value.rss / 2**20:,.0f} MB ({value.processes} proc.)"


def errors_of(phase: Phase, allowed: tuple[str, ...] = ("200",)) -> int:
    return sum(n for status, n in phase.statuses.items() if status not in allowed)


def target_rows(run: Run) -> list[list[str]]:
    """The issue's targets, each "met" or "not met"."""
    main = run.loads["cardimg"]
    single = statistics.median(run.single["cardimg"])
    share = main.per_second / run.baseline.per_second if run.baseline.per_second else 0.0
    p99 = percentile(main.latencies, 99)
    phases = [main, run.light.get("cardimg"), run.overload]
    health = [t for p in phases if p for t in p.health]
    health_failed = sum(sum(p.health_failures.values()) for p in phases if p)
    worst = max(health, default=math.nan)
    over = run.overload
    over_bad = errors_of(over, ("200", "503", "429")) if over else 0
    rows = [["target", "measured", "goal", "result"]]
    rows.append([
        f"throughput vs in-process ({main.clients} clients)",
        f"{main.per_second:.1f} vs {run.baseline.per_second:.1f} covers/s = {share:.0%}",
        f"≥ {THROUGHPUT_SHARE:.0%}", _met(share >= THROUGHPUT_SHARE),
    ])  # fmt: skip
    rows.append([
        f"p99 latency vs a single request ({main.clients} clients)",
        f"{p99:.0f} ms vs {single:.1f} ms = {p99 / single:.1f}×",
        f"≤ {P99_FACTOR:g}×", _met(p99 <= P99_FACTOR * single),
    ])  # fmt: skip
    rows.append([
        "errors under load (anything but 200)", str(errors_of(main)), "0",
        _met(errors_of(main) == 0),
    ])  # fmt: skip
    if over is not None:
        rows.append([
            "errors under overload other than 503/429",
            f"{over_bad} (503 without Retry-After: {over.retry_after_missing})",
            "0", _met(over_bad == 0 and over.retry_after_missing == 0),
        ])  # fmt: skip
    rows.append([
        "/healthz, slowest answer throughout",
        f"{worst:.1f} ms of {len(health)}, {health_failed} failed",
        f"< {HEALTH_LIMIT_MS:g} ms", _met(worst < HEALTH_LIMIT_MS and health_failed == 0),
    ])  # fmt: skip
    return rows


def _met(ok: bool) -> str:
    return "met" if ok else "not met"


def detail_rows(run: Run) -> list[list[str]]:
    """cardimg serve and the peer side by side."""
    names = list(run.loads)
    rows = [["", *(_label(n) for n in names)]]

    def add(what: str, value: Callable[[str], str]) -> None:
        rows.append([what, *(value(n) for n in names)])

    add("first request after start (ms)", lambda n: fmt(run.first[n]))
    add("single request, median (p90)", lambda n: _single(run.single[n]))
    add("workers (processes rendering)", lambda n: str(run.args.workers))
    for label, phases in (
        (f"{run.args.clients} clients", run.loads),
        ("clients = workers", run.light),
    ):
        cells: tuple[tuple[str, Callable[[Phase, str], str]], ...] = (
            ("covers/s", lambda p, n: fmt(p.per_second)),
            ("p50 / p99 ms", lambda p, n: _p50_p99(p.latencies)),
            ("p99 ÷ single", lambda p, n: _ratio(p, run.single[n])),
            ("statuses", lambda p, n: _statuses(p.statuses)),
        )
        rows += [[f"{label}: {what}", *(cell(phases[n], n) for n in names)] for what, cell in cells]
    loads = run.loads
    add("server CPU per cover (ms)", lambda n: fmt(loads[n].server_cpu_ms))
    add("/healthz p50 / max ms", lambda n: _health(loads[n]))
    add("memory before load", lambda n: mb(loads[n].before))
    add("memory after load", lambda n: mb(loads[n].after))
    add("load generator CPU (cores)", lambda n: fmt(loads[n].client_cpu / loads[n].seconds, 2))
    add("other processes' CPU (cores)", lambda n: fmt(loads[n].others_cpu, 2))
    return rows


def overload_rows(run: Run) -> list[list[str]]:
    over = run.overload
    assert over is not None
    args = run.args
    return [
        ["overload", "value"],
        ["server", f"--workers {args.overload_workers} --queue {args.overload_queue}"],
        ["requests", f"{args.rounds} × {args.burst} concurrent POST /v1/carousel"],
        ["statuses", _statuses(over.statuses)],
        ["503 without Retry-After", str(over.retry_after_missing)],
        ["200: p50 / p99 ms", _p50_p99(over.latencies)],
        ["503: p50 / p99 ms (time to be refused)", _p50_p99(over.refusal_ms)],
        ["/healthz p50 / max ms", _health(over)],
        ["memory before / after", f"{mb(over.before)} / {mb(over.after)}"],
    ]


def _label(name: str) -> str:
    return "cardimg serve" if name == "cardimg" else "Satori + resvg (Node http)"


def _single(times: list[float]) -> str:
    return f"{statistics.median(times):.1f} ms ({percentile(times, 90):.1f})"


def _p50_p99(values: list[float]) -> str:
    return f"{fmt(percentile(values, 50), 0)} / {fmt(percentile(values, 99), 0)}"


def _ratio(phase: Phase, single: list[float]) -> str:
    return f"{percentile(phase.latencies, 99) / statistics.median(single):.1f}×"


def _statuses(statuses: Counter[str]) -> str:
    return ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items())) or "none"


def _health(phase: Phase) -> str:
    failed = sum(phase.health_failures.values())
    text = f"{fmt(percentile(phase.health, 50))} / {fmt(max(phase.health, default=math.nan))}"
    return text + (f" ({failed} failed)" if failed else "")


def render_table(cells: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(cells[0]) + " |", "|" + "|".join("---" for _ in cells[0]) + "|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells[1:]])
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def report(run: Run, markdown: bool) -> str:
    """Every table, with the run's machine and versions."""
    args = run.args
    parts = [
        f"{run.machine['date']}; {run.machine['cpu']}; {run.machine['os']}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in run.versions.items()),
        f"covers: POST /v1/cover?preset=og (1200×630 PNG), the seed story with the request's "
        f"number in its title; in-process: the same in {args.workers} processes, "
        f"{run.baseline.per_second:.1f} covers/s, {run.baseline.median_ms:.1f} ms each",
    ]
    if run.peer_skipped:
        parts.append(f"peer skipped: {run.peer_skipped}")
    if markdown:  # one line each, not one paragraph
        parts = [f"- {part}" for part in parts]
    parts += [
        "",
        render_table(target_rows(run), markdown),
        "",
        render_table(detail_rows(run), markdown),
    ]
    if run.overload is not None:
        parts += ["", render_table(overload_rows(run), markdown)]
    parts += ["", *notes(run)]
    return "\n".join(parts)


def notes(run: Run) -> list[str]:
    """What a reader needs to judge the numbers: queueing, noise, what the server logged."""
    main = run.loads["cardimg"]
    # A closed loop of C clients on W workers queues C/W requests per worker: even a
    # server with no overhead at all answers in about C/W × a request's time.
    floor = main.clients / run.args.workers * statistics.median(run.single["cardimg"])
    out = [
        f"- Queueing alone: {main.clients} clients on {run.args.workers} workers wait for "
        f"about {main.clients / run.args.workers:g} renders each, ≈ {floor:.0f} ms at the "
        f'single request\'s latency; the "clients = workers" rows show latency without it.',
    ]
    busy = [p.others_cpu for p in (main, run.light.get("cardimg")) if p and p.others_cpu]
    if busy and max(busy) > 0.1:
        out.append(f"- Other processes used up to {max(busy):.2f} cores during the run: noisy.")
    for name, summary in run.logs.items():
        statuses = summary["statuses"]
        out.append(
            f"- cardimg serve's own log ({name} phases): statuses {statuses or 'not logged'}; "
            f"5xx other than 503: {summary['5xx'] or 'none'}; tracebacks: {summary['tracebacks']}"
        )
        for line in summary["other"][:5]:  # type: ignore[index]
            out.append(f"  - logged: `{str(line)[:160]}`")
    return out


# --------------------------------------------------------------------------- docs


def write_docs(run: Run) -> None:
    """Replace the marked section of docs/benchmarks.md and the end of docs/serve.md."""
    label = f" ({run.args.label})" if run.args.label else ""
    shown = [a for a in run.args.argv if not a.startswith("--json")]  # a local path
    command = "PYTHONPATH=src python benchmarks/serve.py " + shlex.join(shown)
    body = report(run, markdown=True)
    section = "\n".join([
        START,
        f"## `cardimg serve` under load{label}",
        "",
        f"`{command.strip()}` — how it measures: `benchmarks/README.md`.",
        "",
        body,
        END,
    ])  # fmt: skip
    text = BENCH_DOC.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{BENCH_DOC}: the markers {START} … {END} are missing")
    head, rest = text.split(START, 1)
    BENCH_DOC.write_text(head + section + rest.split(END, 1)[1], encoding="utf-8")
    serve = SERVE_DOC.read_text(encoding="utf-8")
    marker = "\n## Measured\n"
    if marker not in serve:
        raise SystemExit(f"{SERVE_DOC}: no '## Measured' section")
    measured = "\n".join([
        "",
        f"`benchmarks/serve.py` drives a running server from a load generator on loopback "
        f"(all of it, with the peer and the overload phase: [Benchmarks](benchmarks.md)){label}:",
        "",
        f"{run.machine['date']}; {run.machine['cpu']}",
        "",
        render_table(target_rows(run), markdown=True),
        "",
    ])  # fmt: skip
    SERVE_DOC.write_text(serve.split(marker, 1)[0] + marker + measured, encoding="utf-8")


# --------------------------------------------------------------------------- machine


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu}, nproc {os.cpu_count()}",
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
    }


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    import cardimg

    out = {"cardimg": f"{cardimg.__version__} ({_commit()})", "python": platform.python_version()}
    for name in ("uvicorn", "starlette", "pebble", "Pillow"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    return commit + (" + changes" if git("status", "--porcelain", "--", "src") else "")


# --------------------------------------------------------------------------- driver


def options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--duration", type=float, default=30.0, help="seconds of load per server (default 30)")
    add("--clients", type=int, default=16, help="concurrent clients (default 16)")
    add("--workers", type=int, default=os.cpu_count() or 1,
        help="server workers and in-process processes (default: one per CPU)")  # fmt: skip
    add("--single", type=int, default=30, help="sequential requests for the single latency")
    add("--burst", type=int, default=64, help="concurrent carousels in the overload phase")
    add("--rounds", type=int, default=3, help="overload bursts (default 3)")
    add("--overload-workers", type=int, default=2)
    add("--overload-queue", type=int, default=4)
    add("--peers", type=Path, default=DEFAULT_PEERS, help="where setup_peers.sh installed them")
    add("--no-peer", action="store_true", help="cardimg serve only")
    add("--no-overload", action="store_true")
    add("--markdown", action="store_true", help="print the tables as Markdown")
    add("--json", type=Path, help="also write the raw measurements here")
    add("--label", default="", help='said in the docs, e.g. "short validation run, noisy machine"')
    add("--write-docs", action="store_true",
        help="update docs/benchmarks.md (between its markers) and docs/serve.md")  # fmt: skip
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    if args.duration <= 0 or args.clients < 1 or args.workers < 1 or args.burst < 1:
        parser.error("--duration, --clients, --workers and --burst must be positive")
    return args


def use_this_checkout() -> None:
    """Make this checkout's cardimg the one imported here, by the servers and by the
    in-process workers (a venv may hold an install of another checkout)."""
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(SRC), os.environ.get("PYTHONPATH", "")) if p
    )
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))


def measure_server(run: Run, server: Server, numbers: Iterator[int]) -> None:
    args = run.args
    name = server.kind
    print(f"{name}: first request, then single requests …", file=sys.stderr, flush=True)
    run.first[name] = single_latency(server, 1, numbers, untimed=0)[0]
    # Warm every worker (each loads fonts on its first cover) before anything is timed.
    load(server, args.workers * 2, min(2.0, args.duration), numbers)
    run.single[name] = single_latency(server, args.single, numbers)
    print(f"{name}: {args.clients} clients for {args.duration:g} s …", file=sys.stderr, flush=True)
    run.loads[name] = load(server, args.clients, args.duration, numbers)
    light = max(3.0, args.duration / 3)
    print(f"{name}: {args.workers} clients for {light:g} s …", file=sys.stderr, flush=True)
    run.light[name] = load(server, args.workers, light, numbers)


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    use_this_checkout()
    numbers = itertools.count()
    with tempfile.TemporaryDirectory(prefix="cardimg-serve-bench-") as scratch:
        logs = Path(scratch)
        print(f"in-process: {args.workers} processes for {args.duration:g} s …", file=sys.stderr)
        run = Run(args, machine(), versions(), in_process(args.workers, args.duration))
        with running(
            "cardimg", cardimg_command(args.workers, 64), "cardimg serve: listening on",
            logs / "cardimg.log",
        ) as server:  # fmt: skip
            measure_server(run, server, numbers)
        run.logs["cardimg"] = log_summary(logs / "cardimg.log")
        run.peer_skipped = "--no-peer" if args.no_peer else peer_missing(args.peers)
        if run.peer_skipped is None:
            command = satori_command(args.peers, args.workers)
            marker = "satori server: listening on"
            with running("satori", command, marker, logs / "satori.log") as peer:
                run.versions.update(peer.versions)
                measure_server(run, peer, numbers)
        if not args.no_overload:
            print(f"overload: {args.rounds} × {args.burst} carousels …", file=sys.stderr)
            command = cardimg_command(args.overload_workers, args.overload_queue)
            log = logs / "overload.log"
            with running("cardimg", command, "cardimg serve: listening on", log) as server:
                run.overload = overload(
                    server, args.burst, args.rounds, args.overload_workers, numbers
                )
            run.logs["overload"] = log_summary(log)
    print(report(run, args.markdown))
    if args.json:
        args.json.write_text(json.dumps(raw(run), indent=1, default=str), encoding="utf-8")
    if args.write_docs:
        write_docs(run)
        print(f"\nwrote {BENCH_DOC.relative_to(ROOT)} and {SERVE_DOC.relative_to(ROOT)}")
    return 0


def raw(run: Run) -> dict[str, object]:
    """The measurements as plain values, for --json."""
    phases = {f"load:{k}": v for k, v in run.loads.items()}
    phases |= {f"light:{k}": v for k, v in run.light.items()}
    if run.overload:
        phases["overload"] = run.overload
    return {
        "machine": run.machine, "versions": run.versions, "baseline": vars(run.baseline),
        "single_ms": run.single, "first_ms": run.first, "logs": run.logs,
        "phases": {k: vars(v) for k, v in phases.items()},
    }  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
