"""The render workers of `cardimg serve`: a bounded pool of processes with a bounded
queue in front, so the event loop never renders and no load can pile up without end.

Pebble's process pool runs each job with a time limit and replaces a worker that runs
over it (or dies): a story that takes too long costs one worker for that long, not the
server. Admission is counted here, in the event loop: a job is taken while fewer than
`workers + queue` are waiting or running, else it is refused at once (HTTP 503 with
Retry-After), which keeps latency bounded for the requests that are taken.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import multiprocessing

from pebble import ProcessExpired, ProcessPool

from .work import Answer, Job, run, warm

__all__ = ["Overloaded", "RenderPool", "WorkerFailed", "WorkerTimedOut"]


class Overloaded(Exception):
    """Every worker is busy and the queue is full: try again after `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"all {retry_after} render workers are busy")
        self.retry_after = retry_after


class WorkerTimedOut(Exception):
    """The job ran over the time limit; its worker was replaced."""


class WorkerFailed(Exception):
    """The worker died under the job (killed, out of memory); it was replaced."""


class RenderPool:
    """`workers` processes; at most `workers + queue` jobs taken at once."""

    def __init__(self, *, workers: int, queue: int, timeout: float, theme: str | None) -> None:
        # A fresh interpreter per worker ("spawn"): forking a process that runs an event
        # loop and threads can copy a held lock into the child.
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPool(
            max_workers=workers, initializer=warm, initargs=(theme,), context=context
        )
        self.workers, self.capacity, self.timeout = workers, workers + queue, timeout
        self.pending = 0  # jobs taken and not yet answered (the queue depth, with running)
        self.mean_seconds = 1.0  # a running mean of a job's time, for Retry-After

    async def start(self, theme: str | None) -> None:
        """Start every worker now and wait until each has loaded what jobs need: the pool
        starts its processes on demand, and the first requests would pay for that."""
        futures = [self._pool.schedule(warm, args=(theme,)) for _ in range(self.workers)]
        await asyncio.gather(*(asyncio.wrap_future(f) for f in futures))

    def admit(self) -> None:
        """Raise Overloaded when no job can be taken now: asked before a request's body
        is read, so a refusal costs the client nothing but the request line."""
        if self.pending >= self.capacity:
            waves = math.ceil(self.pending / self.workers)
            raise Overloaded(max(1, math.ceil(waves * self.mean_seconds)))

    async def run(self, job: Job) -> Answer:
        """The job's answer, done by a worker. Raises Overloaded at once when full,
        WorkerTimedOut or WorkerFailed, or the CardimgError the job raised."""
        self.admit()
        self.pending += 1
        loop = asyncio.get_running_loop()
        started = loop.time()
        future = self._pool.schedule(run, args=(job,), timeout=self.timeout)
        try:
            answer: Answer = await asyncio.wrap_future(future)
        except concurrent.futures.TimeoutError:
            raise WorkerTimedOut(f"the render took longer than {self.timeout:g} s") from None
        except ProcessExpired as exc:
            raise WorkerFailed(f"the render worker died ({exc})") from None
        except asyncio.CancelledError:
            future.cancel()  # the client went away: the worker stops (and is replaced)
            raise
        finally:
            self.pending -= 1
        elapsed = loop.time() - started
        self.mean_seconds = 0.9 * self.mean_seconds + 0.1 * elapsed
        return answer

    def close(self) -> None:
        """Stop the workers: jobs still running are ended."""
        self._pool.stop()
        self._pool.join(timeout=10)
