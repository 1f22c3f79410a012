"""Stops a cardimg process at one chosen operation, so that a test can signal it at that
exact moment instead of guessing a time (which a loaded machine or a fast one defeats).

The interpreter imports `sitecustomize` at start-up from its path: a test puts this
folder on PYTHONPATH and names the moment in CARDIMG_TEST_PAUSE_AT as
`EVENT|TEXT|N`: the N-th audited EVENT (`os.mkdir`, `open`, `os.rename`,
`shutil.rmtree`: see Python's audit events) of the main thread whose arguments contain
TEXT. There the process creates the file CARDIMG_TEST_PAUSED and sleeps: the signal the
test then sends ends the sleep (Ctrl-C raises KeyboardInterrupt right in the operation,
which then never happens). Without the variable this file does nothing.
"""

from __future__ import annotations

import os
import sys
import threading
import time

_SPEC = os.environ.get("CARDIMG_TEST_PAUSE_AT")


def _install(spec: str, marker: str) -> None:
    event, needle, nth = spec.split("|")
    seen = 0
    pausing = False

    def hook(name: str, args: tuple[object, ...]) -> None:
        nonlocal seen, pausing
        if name != event or pausing or threading.current_thread() is not threading.main_thread():
            return
        if not any(needle in str(arg) for arg in args):
            return
        seen += 1
        if seen != int(nth):
            return
        pausing = True  # the marker's own open() is audited too
        with open(marker, "w") as out:
            out.write(f"{name} {args[0]}\n")
        pausing = False
        time.sleep(300)  # ended by the test's signal

    sys.addaudithook(hook)


if _SPEC:
    _install(_SPEC, os.environ["CARDIMG_TEST_PAUSED"])
