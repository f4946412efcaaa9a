"""Grading kernels: the kernel manager nbgrader uses (sandboxed, resource-limited, forked from the fork server
where the host allows) and a kernel client that is ready without fixed waits."""
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from queue import Empty

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Int, Type

from dlcourse.course.layout import JUPYTER_STATE_DIRS
from dlcourse.grading import mounts
from dlcourse.grading.forkserver.client import ForkedKernelProvisioner, ForkServerSlot

NOBODY = 65534


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

    _kernel_dir = None

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

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        # The stock launcher becomes the lean grading kernel (no debugger): same kernel, quicker start.
        kernel_cmd = ["dlcourse.grading.kernel" if part == "ipykernel_launcher" else part for part in kernel_cmd]
        active = self._active()
        uid = self._run_as() if active else os.geteuid()
        if uid != os.geteuid():
            for path in (self._kernel_dir, self.connection_file):
                os.chown(path, uid, uid)
        kw["env"] = self._environment(kw.get("env") or os.environ)
        if isinstance(self.provisioner, ForkedKernelProvisioner):
            self.provisioner.limits = self._limit_values(uid, forked=True)
        elif active:
            kernel_cmd = self._limits(uid) + mounts.bwrap_command(kernel_cmd, uid, self._kernel_dir, self.scratch_mb,
                                                                  kw.get("cwd"))
        else:
            kernel_cmd = self._limits(uid) + kernel_cmd
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_wait(self, pollinterval=0.1):
        """Wait for the stopped kernel's process in short steps (the stock 0.1 s poll is idle time per notebook)."""
        await super()._async_wait(pollinterval=min(pollinterval, 0.005))

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if self._kernel_dir is not None and not restart:
            shutil.rmtree(self._kernel_dir, ignore_errors=True)
