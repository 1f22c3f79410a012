"""How many worker processes this machine can run, told without importing `batch`.

`cardimg check` validates `--jobs` before its first story and usually runs in this one
process: importing `batch` for this one number (its executors, `export`, `render`,
`paint`, multiprocessing, importlib.metadata) cost a check of a small folder a tenth of
its time.
"""

from __future__ import annotations

import os

__all__ = ["default_jobs"]


def default_jobs() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
