"""Per-notebook limits with control groups (cgroup v1 or v2, whichever the host offers): memory including shared
memory and memfd, CPU time across all the kernel's processes, number of processes and threads.

Resource limits (RLIMIT_*) count per process and leave memory in shared memory or memfds out; a control group
counts everything the kernel and its children use. Each grading kernel gets its own group, made under the grading
process's own group (so a host's or a service manager's limits still apply above it) and removed with it.
"""

import os
import signal
import threading
import time
import uuid
from functools import cache
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "cpu", "pids")
NOT_ENFORCED = (
    "memory held in shared memory and memfds",
    "CPU time summed over the kernel's processes",
    "a process count of the kernel's own",
)


def _own_groups():
    """{controller or '' (v2): path of this process's group}, from /proc/self/cgroup."""
    groups = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        for name in names.split(",") if names else [""]:
            groups[name] = path
    return groups


@cache
def support() -> tuple[int | None, dict[str, Path] | str]:
    """(version, {controller: parent folder}) where this process may make groups with memory, cpu and pids
    limits, or (None, why not)."""
    try:
        groups = _own_groups()
        if (ROOT / "cgroup.controllers").is_file():  # v2: one tree
            parent = ROOT / groups.get("", "/").lstrip("/")
            enabled = (parent / "cgroup.subtree_control").read_text().split()
            missing = [c for c in CONTROLLERS if c not in enabled]
            if missing:
                try:
                    (parent / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in missing))
                except OSError as error:
                    return (
                        None,
                        f"cgroup v2 controllers {', '.join(missing)} are not delegated to {parent} ({error.strerror})",
                    )
            if not os.access(parent, os.W_OK):
                return None, f"no permission to make cgroups under {parent}"
            return 2, {c: parent for c in CONTROLLERS}
        parents = {}
        for controller in ("memory", "cpu", "cpuacct", "pids"):
            mounted = next((p for p in ROOT.iterdir() if controller in p.name.split(",") and p.is_dir()), None)
            if mounted is None or controller not in groups:
                return None, f"the cgroup v1 controller {controller} is not mounted under {ROOT}"
            parent = mounted / groups[controller].lstrip("/")
            if not os.access(parent, os.W_OK):
                return None, f"no permission to make cgroups under {parent}"
            parents[controller] = parent
        return 1, parents
    except OSError as error:
        return None, f"control groups cannot be read here ({error})"


def problem() -> str | None:
    """Why per-notebook control groups are not available here, or None."""
    version, found = support()
    return None if version else found


class KernelGroup:
    """The control group(s) of one grading kernel: created with its limits, joined by the kernel's first process
    before it forks, watched for CPU time, killed and removed with the kernel."""

    def __init__(self, memory_bytes, cpu_seconds, max_tasks, log=None):
        self.version, parents = support()
        if self.version is None:
            raise RuntimeError(parents)
        name = f"dlcourse-kernel-{uuid.uuid4().hex[:12]}"
        self.folders = {c: p / name for c, p in parents.items()}
        self.cpu_seconds, self.log, self.cpu_exceeded = cpu_seconds, log, False
        for folder in set(self.folders.values()):
            folder.mkdir()
        if self.version == 2:
            self._write("memory", "memory.max", memory_bytes)
            self._write("memory", "memory.swap.max", 0, optional=True)
            self._write("cpu", "cpu.max", "100000 100000")  # at most one core
            self._write("pids", "pids.max", max_tasks)
        else:
            self._write("memory", "memory.limit_in_bytes", memory_bytes)
            self._write("memory", "memory.memsw.limit_in_bytes", memory_bytes, optional=True)
            self._write("cpu", "cpu.cfs_period_us", 100000)
            self._write("cpu", "cpu.cfs_quota_us", 100000)
            self._write("pids", "pids.max", max_tasks)
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._watch_cpu, daemon=True)

    def _write(self, controller, name, value, optional=False):
        try:
            (self.folders[controller] / name).write_text(str(value))
        except OSError:
            if not optional:
                raise

    def procs_files(self):
        """The cgroup.procs files a process writes its pid into to join every group."""
        return sorted({str(folder / "cgroup.procs") for folder in self.folders.values()})

    def join(self, pid):
        """Move process pid (not yet forked) into every group, then start watching the CPU time."""
        for path in self.procs_files():
            Path(path).write_text(str(pid))
        self.start_watch()

    def start_watch(self):
        if not self._watch.is_alive() and not self._stop.is_set():
            self._watch.start()

    def cpu_used(self):
        """CPU seconds used by every process that was in the group."""
        if self.version == 2:
            stat = dict(line.split() for line in (self.folders["cpu"] / "cpu.stat").read_text().splitlines())
            return int(stat["usage_usec"]) / 1e6
        return int((self.folders["cpuacct"] / "cpuacct.usage").read_text()) / 1e9

    def memory_peak(self):
        """Most memory the group held at once, bytes (None where the host does not say)."""
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        try:
            return int((self.folders["memory"] / name).read_text())
        except (OSError, ValueError):
            return None

    def _watch_cpu(self):
        while not self._stop.wait(0.2):
            try:
                if self.cpu_used() > self.cpu_seconds:
                    self.cpu_exceeded = True
                    if self.log:
                        self.log.warning(
                            "grading kernel stopped: CPU time limit of %d s reached (all its processes)",
                            self.cpu_seconds,
                        )
                    self.kill()
                    return
            except OSError:
                return

    def _pids(self):
        pids = set()
        for folder in set(self.folders.values()):
            try:
                pids.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
            except OSError:
                pass
        return pids

    def kill(self):
        """Kill every process in the group (repeated: a process may fork while being killed)."""
        kill_file = self.folders["memory"] / "cgroup.kill"
        if self.version == 2 and kill_file.exists():
            kill_file.write_text("1")
        for _ in range(100):
            pids = self._pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)

    def remove(self):
        """Stop watching, kill what is left, remove the groups (retried while the last processes exit)."""
        self._stop.set()
        self.kill()
        for folder in set(self.folders.values()):
            for _ in range(200):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)
