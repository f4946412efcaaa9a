"""A CPU of its own for each grading process, with its fork server and kernels.

A grading process and its kernel take turns: the judge sends a request and waits, the kernel runs the student's
code and answers. When the two sit on different CPUs, every message wakes the other CPU (on the 2-core machine a
round trip of grading messages costs about 290 us of CPU across two CPUs, 170-205 us on one). Kept on one CPU, the
wake-up is a switch between two processes. A grading process claims its CPU with a lock file (held while it grades,
released when it ends, however it ends), so that grading processes of other runs or workers on the same machine
never crowd onto one CPU while another idles: where no CPU is free, a process runs wherever the system puts it.
"""

import contextlib
import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

LOCKS = Path(tempfile.gettempdir()) / "dlcourse-cpus"  # one lock file per CPU, shared by every user's grading


def _lock(cpu):
    """An open file descriptor holding CPU cpu's lock, or None when another process holds it (or it cannot be had)."""
    try:
        if not LOCKS.exists():
            LOCKS.mkdir(exist_ok=True)
            os.chmod(LOCKS, 0o1777)  # every user's grading claims CPUs here
        if not stat.S_ISDIR(os.lstat(LOCKS).st_mode):  # not a link someone left to a folder of their choice
            return None
        fd = os.open(LOCKS / f"{cpu}.lock", os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


@contextlib.contextmanager
def claimed(count: int) -> Iterator[list[int | None]]:
    """CPUs for count grading processes, one each, that no other grading process on this machine has claimed,
    held until the block ends: a list of count CPU numbers, or of count Nones when there are not that many free."""
    held = []
    try:
        for cpu in sorted(os.sched_getaffinity(0)):
            if len(held) == count:
                break
            fd = _lock(cpu)
            if fd is not None:
                held.append((cpu, fd))
        if len(held) < count:  # not enough: none is kept
            for _, fd in held:
                os.close(fd)
            held = []
        yield [cpu for cpu, _ in held] if held else [None] * count
    finally:
        for _, fd in held:
            os.close(fd)


def keep_on(pid: int, cpu: int | None) -> None:
    """Keep process pid on cpu (None: leave it where it is). Threads and processes it starts later inherit it."""
    if cpu is not None:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, {cpu})


_held = contextlib.ExitStack()  # a queue worker's process keeps its CPU for its whole life


def keep_this_process_on_a_free_cpu() -> int | None:
    """Claim a free CPU for this process (a queue worker's pool process) until it ends, and keep it there; the CPU,
    or None when none was free."""
    [cpu] = _held.enter_context(claimed(1))
    keep_on(0, cpu)
    return cpu
