"""Where grading time goes: named stages timed in every grading process, for scripts/benchmark_grading.py.

Off unless the environment variable DLCOURSE_STAGE_TIMES names a file: each process then adds its seconds per stage
(wall time) to it as one JSON line when it ends; :func:`read` sums them. Stages whose names start with CPU are CPU
seconds (:func:`add`): the kernels' (from their control groups) and the grading processes' own.
"""

import atexit
import collections
import contextlib
import json
import os
import resource
import threading
import time
from collections.abc import Iterator
from pathlib import Path

VARIABLE = "DLCOURSE_STAGE_TIMES"
CPU = "CPU: "  # how the names of stages that count CPU seconds start
_totals: dict[str, float] = {}
_lock = threading.Lock()


def enabled() -> bool:
    return bool(os.environ.get(VARIABLE))


@contextlib.contextmanager
def timed(stage: str) -> Iterator[None]:
    """Add the time the block (or the decorated function) takes to stage (when timing is on)."""
    if not enabled():
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        add(stage, time.perf_counter() - start)


def process_cpu() -> float:
    """CPU seconds this process has used so far (user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def add(stage: str, seconds: float) -> None:
    """Add seconds to stage (when timing is on)."""
    if not enabled():
        return
    with _lock:
        if not _totals:
            atexit.register(flush)
        _totals[stage] = _totals.get(stage, 0.0) + seconds


def flush() -> None:
    """Add this process's times so far to the file (done when it ends)."""
    with _lock:
        if _totals and enabled():
            with open(os.environ[VARIABLE], "a") as handle:
                handle.write(json.dumps(_totals) + "\n")
        _totals.clear()


def read(path: str | Path) -> dict[str, float]:
    """{stage: seconds} summed over every process that wrote to path."""
    totals = collections.Counter()
    if Path(path).is_file():
        for line in Path(path).read_text().splitlines():
            totals.update(json.loads(line))
    return dict(totals)
