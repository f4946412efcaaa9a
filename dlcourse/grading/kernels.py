"""Grading kernels: the kernel manager nbgrader uses (sandboxed, resource-limited, forked from the fork server
where the host allows) and a kernel client that is ready without fixed waits."""
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from queue import Empty

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Int, Type

from dlcourse.course.layout import JUPYTER_STATE_DIRS
from dlcourse.grading import cgroups, mounts
from dlcourse.grading.forkserver import syscalls
from dlcourse.grading.forkserver.client import ForkedKernelProvisioner, ForkServerSlot

NOBODY = 65534
START_FAILURES = "DLCOURSE_KERNEL_START_FAILURES"  # file where a grading process appends kernels that did not start
SOCKET_DIR_BYTES, SOCKET_DIR_INODES = 1 << 20, 256  # a kernel's socket folder: sockets and connection file only


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
                self.head += chunk[:2 * self.KEEP - len(self.head)]
            self.tail = (self.tail + chunk)[-self.KEEP:]
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
            text = self.head[:self.KEEP] + f"\n[... {self.size - 2 * self.KEEP} bytes left out ...]\n".encode() + self.tail
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


class GradingKernelClient(AsyncKernelClient):
    """The client of a grading kernel: ready as soon as the kernel has answered, without fixed waits.

    The stock client waits for 0.2 s of silence on IOPub after the kernel's first reply, and its sockets retry
    connecting every 0.1 s; per notebook graded that is idle time. Here the kernel is ready when IOPub has
    delivered the 'idle' status of a kernel_info request: that proves IOPub is connected and everything the
    kernel published before has arrived.
    """

    def _context_default(self):
        context = super()._context_default()
        context.setsockopt(zmq.RECONNECT_IVL, 10)  # reach a kernel still starting within 10 ms, not 100 ms
        return context

    async def wait_for_ready(self, timeout=None):
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            msg_id = self.kernel_info()
            if await self._replied(msg_id, deadline) and await self._went_idle(msg_id):
                if isinstance(self.parent, GradingKernelManager):
                    self.parent.answered = True
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    async def _replied(self, msg_id, deadline):
        """True once the shell channel brings the reply to msg_id; False after a second without it."""
        while time.monotonic() < deadline:
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                return False
            if msg["parent_header"].get("msg_id") == msg_id:
                self._handle_kernel_info_reply(msg)
                return True
        return False

    async def _went_idle(self, msg_id):
        """True when IOPub brings the 'idle' status of request msg_id (False: IOPub was not yet connected)."""
        while True:
            try:
                msg = await self.iopub_channel.get_msg(timeout=0.05)
            except Empty:
                return False
            if (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
                    and msg["parent_header"].get("msg_id") == msg_id):
                return True


class SandboxHost:
    """What a grading process knows of its host, shared by its kernel managers: the sandbox problems it has warned
    about (once each) and its fork server."""

    def __init__(self):
        self.warned = set()
        self.fork_servers = ForkServerSlot()


class GradingKernelManager(AsyncKernelManager):
    """A kernel manager that starts each grading kernel sandboxed and resource-limited."""

    host = SandboxHost()  # one per grading process

    client_factory = Type(GradingKernelClient, klass=AsyncKernelClient)

    sandbox = Bool(True, help="Run grading kernels in a bubblewrap sandbox where the host supports it.").tag(config=True)
    memory_mb = Int(2048, help="Address-space limit of a grading kernel, MiB (RLIMIT_AS).").tag(config=True)
    cpu_seconds = Int(300, help="CPU time limit of a grading kernel, seconds (RLIMIT_CPU).").tag(config=True)
    max_processes = Int(64, help="Processes and threads a grading kernel may add (RLIMIT_NPROC).").tag(config=True)
    max_file_mb = Int(64, help="Largest file a grading kernel may write, MiB (RLIMIT_FSIZE).").tag(config=True)
    scratch_mb = Int(128, help="Size of the kernel's writable working folder and of its /tmp, MiB.").tag(config=True)
    blas_threads = Int(1, help="BLAS threads per kernel (grading runs one kernel per core).").tag(config=True)
    fork_server = Bool(True, help="Fork sandboxed kernels from a pre-loaded server (dlcourse/fork_server.py) "
                                  "instead of starting a new Python for each; same sandbox, quicker.").tag(config=True)
    cgroups = Bool(True, help="Limit each kernel's memory (shared memory and memfds included), CPU time over all "
                              "its processes and tasks with a control group where the host allows.").tag(config=True)

    _kernel_dir = None
    _socket_mount = False
    _stderr = None
    answered = False  # the current kernel answered its client (set by GradingKernelClient)
    group = None

    def _active(self):
        """True when this kernel is to be sandboxed; warns once per process when it cannot be."""
        problem = mounts.sandbox_problem() if self.sandbox else "the sandbox is switched off in nbgrader_config.py"
        if problem and problem not in self.host.warned:
            self.host.warned.add(problem)
            self.log.warning("GRADING KERNELS ARE NOT SANDBOXED: %s. Submissions can read and write whatever this "
                             "user can (source/, gradebook.db, other students) and reach the network; only the "
                             "resource limits apply.", problem)
        return problem is None

    def _run_as(self):
        """The uid the kernel runs as: root hands the kernel to 'nobody', anyone else stays themselves."""
        return NOBODY if os.geteuid() == 0 else os.geteuid()

    async def _async_pre_start_kernel(self, **kw):
        server = self.host.fork_servers.server(self) if self.fork_server and self._active() else None
        if server is not None:
            self.kernel_id = self.kernel_id or str(uuid.uuid4())
            self.provisioner = ForkedKernelProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                                        parent=self, server=server)
        self._kernel_dir = Path(tempfile.mkdtemp(prefix="dlcourse-kernel-", dir=server and server.root))
        if server is None and os.geteuid() == 0 and self._active():  # bounded: the kernel can write here
            syscalls.scratch_mount(str(self._kernel_dir), SOCKET_DIR_BYTES, SOCKET_DIR_INODES)
            self._socket_mount = True
        self.transport, self.ip = "ipc", str(self._kernel_dir / "kernel")
        self.connection_file = str(self._kernel_dir / "connection.json")
        self.kernel_spec.interrupt_mode = "message"  # signals do not cross into the sandbox's process tree
        return await super()._async_pre_start_kernel(**kw)

    def _limit_values(self, uid, forked=False):
        """{prlimit resource: value} of the kernel's resource limits. A forked kernel's user namespace counts
        only its own processes (supervisor, init, kernel); a new process's user counts all it owns."""
        mib = 1024 * 1024
        return {"as": self.memory_mb * mib, "cpu": self.cpu_seconds, "fsize": self.max_file_mb * mib,
                "nproc": (3 if forked else _processes_of(uid)) + self.max_processes}

    def _limits(self, uid):
        """prlimit arguments for the kernel's resource limits."""
        return ["prlimit", *(f"--{name}={value}" for name, value in self._limit_values(uid).items()), "--"]

    def _environment(self, env):
        """The kernel's environment: nothing of the instructor's beyond what Python and Jupyter need."""
        keep = {name: value for name, value in env.items()
                if name in ("LANG", "LC_ALL", "MPLBACKEND", "PYDEVD_DISABLE_FILE_VALIDATION")}
        threads = str(self.blas_threads)
        return {**keep, **{name: f"/tmp/{sub}" for name, sub in JUPYTER_STATE_DIRS}, "HOME": "/tmp",
                "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
                "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}

    def _group(self):
        """A control group for the next kernel, or None (where the host has none: warned once per process)."""
        problem = cgroups.problem() if self.cgroups else "switched off in nbgrader_config.py"
        if problem is None:
            return cgroups.KernelGroup(self.memory_mb * 1024 * 1024, self.cpu_seconds, self.max_processes + 32,
                                       self.log)
        if "cgroups" not in self.host.warned:
            self.host.warned.add("cgroups")
            self.log.warning("Per-notebook limits NOT ENFORCED (no control groups: %s): %s.", problem,
                             "; ".join(cgroups.NOT_ENFORCED))
        return None

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        try:
            return await self._launch(kernel_cmd, **kw)
        except Exception as error:
            record_start_failure(f"the grading kernel could not be launched: {type(error).__name__}: {error}")
            raise

    async def _launch(self, kernel_cmd, **kw):
        # The stock launcher becomes the lean grading kernel (no debugger): same kernel, quicker start.
        kernel_cmd = ["dlcourse.grading.kernel" if part == "ipykernel_launcher" else part for part in kernel_cmd]
        active = self._active()
        uid = self._run_as() if active else os.geteuid()
        if uid != os.geteuid():
            for path in (self._kernel_dir, self.connection_file):
                os.chown(path, uid, uid)
        kw["env"] = self._environment(kw.get("env") or os.environ)
        self._stderr, self.answered = StderrTail(), False
        kw["stderr"] = self._stderr.write_end
        self.group = self._group()
        if isinstance(self.provisioner, ForkedKernelProvisioner):
            self.provisioner.limits = self._limit_values(uid, forked=True)
            self.provisioner.group = self.group
        else:
            if active:
                kernel_cmd = mounts.bwrap_command(kernel_cmd, uid, self._kernel_dir, self.scratch_mb, kw.get("cwd"))
            kernel_cmd = self._limits(uid) + kernel_cmd
            if self.group is not None:  # the first process joins the groups before it starts anything
                joins = " && ".join(f"echo $$ > '{path}'" for path in self.group.procs_files())
                kernel_cmd = ["sh", "-c", f'{joins} && exec "$@"', "sh", *kernel_cmd]
                self.group.start_watch()
        try:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            self._stderr.close_write_end()

    async def _async_wait(self, pollinterval=0.1):
        """Wait for the stopped kernel's process in short steps (the stock 0.1 s poll is idle time per notebook)."""
        await super()._async_wait(pollinterval=min(pollinterval, 0.005))

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if self.group is not None:
            peak = self.group.memory_peak()
            self.log.debug("grading kernel used %.1f s CPU, peak memory %s bytes", self.group.cpu_used(), peak)
            self.group.remove()
            self.group = None
        if self._stderr is not None:
            text = self._stderr.summary()
            if text.strip():
                self.log.info("grading kernel's standard error (%d bytes): %s", self._stderr.size, text)
            if not self.answered:  # never answered: the reason is in what it wrote
                record_start_failure(f"the grading kernel stopped before answering; it wrote: {text[-2000:]}")
            self._stderr = None
        if self._kernel_dir is not None and not restart:
            if self._socket_mount:
                syscalls.unmount(str(self._kernel_dir))
                self._socket_mount = False
            syscalls.remove_tree(str(self._kernel_dir))

    cleanup_resources = _async_cleanup_resources  # as AsyncKernelManager does, but reaching this override
