"""Grading kernels, the grading process's side: start one sandboxed, resource-limited lean kernel per notebook
(dlcourse/grading/leankernel.py; forked from the fork server where the host allows, else a new process), talk to it
over its one connection within deadlines, interrupt it, stop it."""

import contextlib
import json
import os
import secrets
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from traitlets import Bool, Int
from traitlets.config import LoggingConfigurable

from dlcourse import wire
from dlcourse.course.layout import JUPYTER_STATE_DIRS
from dlcourse.grading import cgroups, mounts, stages
from dlcourse.grading.forkserver import protocol, syscalls
from dlcourse.grading.forkserver.client import ForkServerSlot

NOBODY = 65534
START_FAILURES = "DLCOURSE_KERNEL_START_FAILURES"  # file where a grading process appends kernels that did not start
SOCKET_DIR_BYTES, SOCKET_DIR_INODES = 1 << 20, 256  # a kernel's socket folder: sockets and connection file only
KERNELS_CPU = f"{stages.CPU}kernels (their control groups)"


def record_start_failure(reason: str) -> None:
    """Tell the grading run (runner.py) that a kernel could not start: not the student's doing (no student code
    has run yet), and if it repeats, no kernel will start."""
    path = os.environ.get(START_FAILURES)
    if path:
        with open(path, "a") as handle:
            handle.write(json.dumps({"reason": reason}) + "\n")


class StderrTail:
    """A pipe for a kernel's standard error, read by a thread that keeps only its first and last few KiB: however
    much a kernel writes there, the grading process holds a bounded amount (and the log gets a summary)."""

    KEEP = 4096

    def __init__(self):
        self.read_end, self.write_end = os.pipe()
        self.head, self.tail, self.size = b"", b"", 0
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        while chunk := os.read(self.read_end, 1 << 16):
            self.size += len(chunk)
            if len(self.head) < 2 * self.KEEP:
                self.head += chunk[: 2 * self.KEEP - len(self.head)]
            self.tail = (self.tail + chunk)[-self.KEEP :]
        os.close(self.read_end)

    def close_write_end(self):
        if self.write_end is not None:
            os.close(self.write_end)
            self.write_end = None

    def summary(self, wait=2.0):
        """What the kernel wrote, shortened: its start and its end."""
        self.close_write_end()
        self._thread.join(wait)
        text = self.head
        if self.size > len(self.head):
            text = (
                self.head[: self.KEEP]
                + f"\n[... {self.size - 2 * self.KEEP} bytes left out ...]\n".encode()
                + self.tail
            )
        return text.decode("utf-8", "replace")


def _processes_of(uid):
    """Number of processes the user owns now (RLIMIT_NPROC counts all of them)."""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                pass
    return count


class KernelDied(RuntimeError):
    """The kernel's process ended, or its connection closed or broke (the grader cannot go on with it)."""


POLL_SECONDS = 0.05  # how often a wait for the kernel checks that it is still alive


class KernelConnection:
    """The grading side of a kernel's connection: wire messages sent and received within deadlines. A kernel that
    does not read, stalls in the middle of a message or sends garbage costs the time left, never more; a message cut
    by a deadline leaves the connection out of step (``broken``), and the kernel is then replaced."""

    def __init__(self, sock, alive):
        self.sock, self.alive, self.broken = sock, alive, False

    def send(self, message, deadline):
        """Send message before deadline (time.monotonic()); TimeoutError when the kernel does not take it in time."""
        self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            wire.send(self.sock, message)
        except TimeoutError:
            self.broken = True
            raise
        except OSError as error:
            self.broken = True
            raise KernelDied(f"the kernel's connection closed: {error}") from None

    def receive(self, deadline):
        """The kernel's next message, before deadline; TimeoutError when none came in time, KernelDied when the
        kernel has ended or its connection closed or broke."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message from the kernel in time")
            if select.select([self.sock], [], [], min(left, POLL_SECONDS))[0]:
                break
            if not self.alive():
                self.broken = True
                raise KernelDied("the kernel's process ended")
        self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            return wire.receive(self.sock)
        except TimeoutError:  # in the middle of a message: the rest would be read as the next one
            self.broken = True
            raise
        except (EOFError, OSError, wire.WireError) as error:
            self.broken = True
            raise KernelDied(f"the kernel's connection closed or broke: {error}") from None

    def reply(self, key, request_id, deadline):
        """The kernel's message {key: request_id, ...} (others before it are late replies or noise: skipped)."""
        while True:
            message = self.receive(deadline)
            if isinstance(message, dict) and message.get(key) == request_id:
                return message

    def close(self):
        self.sock.close()


class SandboxHost:
    """What a grading process knows of its host, shared by its kernel managers: the sandbox problems it has warned
    about (once each) and its fork server."""

    def __init__(self):
        self.warned = set()
        self.fork_servers = ForkServerSlot()


class GradingKernelManager(LoggingConfigurable):
    """Starts and stops the grading kernels of one grading process, one at a time, sandboxed and resource-limited;
    while one runs, its requests go through ``connection`` (a KernelConnection)."""

    host = SandboxHost()  # one per grading process

    sandbox = Bool(True, help="Run grading kernels in a bubblewrap sandbox where the host supports it.").tag(
        config=True
    )
    memory_mb = Int(2048, help="Address-space limit of a grading kernel, MiB (RLIMIT_AS).").tag(config=True)
    cpu_seconds = Int(300, help="CPU time limit of a grading kernel, seconds (RLIMIT_CPU).").tag(config=True)
    max_processes = Int(64, help="Processes and threads a grading kernel may add (RLIMIT_NPROC).").tag(config=True)
    max_file_mb = Int(64, help="Largest file a grading kernel may write, MiB (RLIMIT_FSIZE).").tag(config=True)
    scratch_mb = Int(128, help="Size of the kernel's writable working folder and of its /tmp, MiB.").tag(config=True)
    blas_threads = Int(1, help="BLAS threads per kernel (grading runs one kernel per core).").tag(config=True)
    fork_server = Bool(
        True,
        help="Fork sandboxed kernels from a pre-loaded server (dlcourse/grading/forkserver/) "
        "instead of starting a new Python for each; same sandbox, quicker.",
    ).tag(config=True)
    cgroups = Bool(
        True,
        help="Limit each kernel's memory (shared memory and memfds included), CPU time over all "
        "its processes and tasks with a control group where the host allows.",
    ).tag(config=True)
    start_timeout = Int(60, help="Seconds a grading kernel has to start and connect.").tag(config=True)

    connection = None  # KernelConnection of the running kernel
    process = None  # its process: a ForkedKernel or a subprocess.Popen
    group = None
    _interrupts = None
    _kernel_dir = None
    _socket_mount = False
    _stderr = None
    waiting = None  # id of the last execute request
    last_words = ""  # what the last kernel stopped wrote on standard error (shortened)

    def _active(self):
        """True when this kernel is to be sandboxed; warns once per process when it cannot be."""
        problem = mounts.sandbox_problem() if self.sandbox else "the sandbox is switched off in nbgrader_config.py"
        if problem and problem not in self.host.warned:
            self.host.warned.add(problem)
            self.log.warning(
                "GRADING KERNELS ARE NOT SANDBOXED: %s. Submissions can read and write whatever this "
                "user can (source/, gradebook.db, other students) and reach the network; only the "
                "resource limits apply.",
                problem,
            )
        return problem is None

    def _run_as(self):
        """The uid the kernel runs as: root hands the kernel to 'nobody', anyone else stays themselves."""
        return NOBODY if os.geteuid() == 0 else os.geteuid()

    def _limit_values(self, uid, forked=False):
        """{prlimit resource: value} of the kernel's resource limits. A forked kernel's user namespace counts
        only its own processes (supervisor, init, kernel); a new process's user counts all it owns."""
        mib = 1024 * 1024
        return {
            "as": self.memory_mb * mib,
            "cpu": self.cpu_seconds,
            "fsize": self.max_file_mb * mib,
            "nproc": (3 if forked else _processes_of(uid)) + self.max_processes,
        }

    def _limits(self, uid):
        """prlimit arguments for the kernel's resource limits."""
        return ["prlimit", *(f"--{name}={value}" for name, value in self._limit_values(uid).items()), "--"]

    def _environment(self, env):
        """The kernel's environment: nothing of the instructor's beyond what Python needs."""
        keep = {
            name: value
            for name, value in env.items()
            if name in ("LANG", "LC_ALL", "MPLBACKEND", "PYDEVD_DISABLE_FILE_VALIDATION")
        }
        threads = str(self.blas_threads)
        return {
            **keep,
            **{name: f"/tmp/{sub}" for name, sub in JUPYTER_STATE_DIRS},
            "HOME": "/tmp",
            "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
            "OPENBLAS_NUM_THREADS": threads,
            "OMP_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
        }

    def _group(self):
        """A control group for the next kernel, or None (where the host has none: warned once per process)."""
        problem = cgroups.problem() if self.cgroups else "switched off in nbgrader_config.py"
        if problem is None:
            return cgroups.KernelGroup(
                self.memory_mb * 1024 * 1024, self.cpu_seconds, self.max_processes + 32, self.log
            )
        if "cgroups" not in self.host.warned:
            self.host.warned.add("cgroups")
            self.log.warning(
                "Per-notebook limits NOT ENFORCED (no control groups: %s): %s.",
                problem,
                "; ".join(cgroups.NOT_ENFORCED),
            )
        return None

    # --- start and stop ---------------------------------------------------------------------------------------
    def start(self, cwd=None):
        """Start a kernel working in cwd (a copy of its files, notebooks left out, when sandboxed) and wait until it
        has connected. A kernel that cannot start is recorded (record_start_failure) and RuntimeError raised."""
        active = self._active()
        server = self.host.fork_servers.server(self) if self.fork_server and active else None
        self._kernel_dir = Path(tempfile.mkdtemp(prefix="dlcourse-kernel-", dir=server and server.root))
        if server is None and os.geteuid() == 0 and active:  # bounded: the kernel can write here
            syscalls.scratch_mount(str(self._kernel_dir), SOCKET_DIR_BYTES, SOCKET_DIR_INODES)
            self._socket_mount = True
        uid = self._run_as() if active else os.geteuid()
        if uid != os.geteuid():
            os.chown(self._kernel_dir, uid, uid)
        path = str(self._kernel_dir / "kernel.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(path)
            os.chmod(path, 0o666)  # the kernel runs as another user
            listener.listen(2)
            self._stderr = StderrTail()
            self.group = self._group()
            try:
                self._launch(server, path, uid, cwd, active)
            finally:
                self._stderr.close_write_end()
            self._accept(listener)
        except BaseException as error:
            self.stop()
            if not isinstance(error, Exception):  # the grading run itself was interrupted
                raise
            reason = f"{type(error).__name__}: {error}"
            record_start_failure(f"the grading kernel could not start ({reason}); it wrote: {self.last_words[-2000:]}")
            raise RuntimeError(f"the grading kernel could not start: {reason}") from None
        finally:
            listener.close()
            with contextlib.suppress(OSError):
                os.unlink(path)

    def _launch(self, server, path, uid, cwd, active):
        env = self._environment(os.environ)
        if server is not None:
            scratch = self.scratch_mb * 1024 * 1024
            request = {
                "argv": [path],
                "env": env,
                "kernel_dir": str(self._kernel_dir),
                "limits": self._limit_values(uid, forked=True),
                "scratch_bytes": scratch,
            }
            files = protocol.pack_files(cwd, scratch)
            try:  # a failure stops the server (this notebook's grading fails); the next kernel gets a new server
                self.process = server.spawn(request, files, self._stderr.write_end, self.group)
            finally:
                os.close(files)
            return
        command = [sys.executable, "-m", "dlcourse.grading.leankernel", path]
        if active:
            command = mounts.bwrap_command(command, uid, self._kernel_dir, self.scratch_mb, cwd)
        command = self._limits(uid) + command
        if self.group is not None:  # the first process joins the groups before it starts anything
            joins = " && ".join(f"echo $$ > '{group}'" for group in self.group.procs_files())
            command = ["sh", "-c", f'{joins} && exec "$@"', "sh", *command]
            self.group.start_watch()
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr.write_end,
            start_new_session=True,
        )

    def _accept(self, listener):
        """The kernel's two connections (requests, then interrupts), then its ready message, within start_timeout."""
        deadline = time.monotonic() + self.start_timeout
        accepted = []
        while len(accepted) < 2:
            if not self.alive():
                raise RuntimeError("the kernel stopped before it connected")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the kernel did not connect within {self.start_timeout} s")
            if select.select([listener], [], [], POLL_SECONDS)[0]:
                accepted.append(listener.accept()[0])
        self.connection, self._interrupts = KernelConnection(accepted[0], self.alive), accepted[1]
        self._interrupts.setblocking(False)  # a kernel that stops reading them never blocks the grader
        ready = self.connection.receive(deadline)
        if not (isinstance(ready, dict) and ready.get("ready")):
            raise RuntimeError("the kernel did not say it was ready")

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        """Stop the kernel (at once: its outputs are in) and remove what it had: its control group, its socket
        folder; what it wrote on standard error goes to the log."""
        for sock in (self.connection, self._interrupts):
            if sock is not None:
                sock.close()
        self.connection = self._interrupts = None
        if self.process is not None:
            if isinstance(self.process, subprocess.Popen):
                with contextlib.suppress(OSError):
                    os.killpg(self.process.pid, signal.SIGKILL)
            else:
                self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        if self.group is not None:
            peak, cpu = self.group.memory_peak(), self.group.cpu_used()
            self.log.debug("grading kernel used %.1f s CPU, peak memory %s bytes", cpu, peak)
            stages.add(KERNELS_CPU, cpu)
            self.group.remove()
            self.group = None
        if self._stderr is not None:
            text = self._stderr.summary()
            if text.strip():
                self.log.info("grading kernel's standard error (%d bytes): %s", self._stderr.size, text)
            self.last_words, self._stderr = text, None
        if self._kernel_dir is not None:
            if self._socket_mount:
                syscalls.unmount(str(self._kernel_dir))
                self._socket_mount = False
            syscalls.remove_tree(str(self._kernel_dir))
            self._kernel_dir = None

    # --- requests -----------------------------------------------------------------------------------------------
    def request_id(self) -> str:
        """An id for the next request (16 hexadecimal digits), which its reply carries: unguessable, so that the
        notebook's code cannot answer a request it has not seen."""
        return secrets.token_hex(8)

    def execute(self, source: str, seconds: float, limit: int, silent: bool = False) -> dict:
        """Run source as a cell: the kernel's reply {"outputs", "execution_count"} (outputs unchecked: the kernel is
        not trusted; about limit bytes of them), TimeoutError when it did not end within seconds (the request's id
        is then in ``waiting``: see interrupted)."""
        deadline = time.monotonic() + seconds
        self.waiting = self.request_id()
        request = {"op": "execute", "id": self.waiting, "source": source, "silent": silent, "limit": limit}
        self.connection.send(request, deadline)
        return self.connection.reply("executed", self.waiting, deadline)

    def interrupted(self, grace: float) -> dict | None:
        """After execute's TimeoutError: interrupt the kernel; its reply if the cell ends within grace seconds, else
        None (it is stuck: the connection is marked broken)."""
        self.interrupt(self.waiting)
        if self.connection.broken:
            return None
        try:
            return self.connection.reply("executed", self.waiting, time.monotonic() + grace)
        except (TimeoutError, KernelDied):
            self.connection.broken = True
            return None

    def interrupt(self, request_id: str) -> None:
        """Interrupt the request request_id if the kernel is still running it (KeyboardInterrupt in its code, as
        SIGINT would raise)."""
        with contextlib.suppress(OSError, AttributeError):
            self._interrupts.send(request_id.encode())
