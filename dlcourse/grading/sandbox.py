"""Grading kernels in a sandbox: bubblewrap namespaces plus resource limits, no container engine.

nbgrader runs every notebook in a kernel started by ``GradingKernelManager``: ``nbgrader_config.py`` lists
``SandboxedExecute`` among the autograde preprocessors, so ``dlcourse autograde`` and stock ``nbgrader autograde``
both use it.
Each kernel sees the Python environment (read-only), the files of the one notebook being graded
(read-only, in a small writable scratch folder of its own), a private /tmp and nothing else: not the course
folder, the gradebook, other students or the exchange. It has no network (its own empty network namespace;
it talks to nbgrader over Unix sockets in a folder of its own), runs as an unprivileged user, and is limited
in memory, CPU time, processes and file size. See docs/grading-integrity.md for the threat model.

Kernels are forked from a fork server (dlcourse/fork_server.py) that has the kernel's libraries loaded: one per
grading process, itself sandboxed; each forked kernel then builds a sandbox of its own with the same
properties. Where the host refuses the nested namespaces this needs, each kernel is a new process in its own
bubblewrap sandbox (slower, equally safe); ``c.GradingKernelManager.fork_server = False`` chooses that too.

Where the host cannot sandbox (no ``bwrap``, or namespaces refused), kernels run with the resource limits
only and a warning says what protection is missing.
"""
import atexit
import os
import platform
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from functools import lru_cache
from pathlib import Path
from queue import Empty

import nbformat
import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync
from nbgrader.preprocessors import Execute
from traitlets import Bool, Int, Type

import dlcourse
from dlcourse.grading import fork_server as server_program
from dlcourse.course.layout import JUPYTER_STATE_DIRS

NOBODY = 65534
KERNEL_DIED = "KernelDied"  # ename of the error recorded in the cell where a grading kernel died
_warned = set()


@lru_cache(maxsize=None)
def sandbox_problem():
    """Why grading kernels cannot be sandboxed on this host, or None when they can."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = [bwrap, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--proc", "/proc", "--dev", "/dev", "true"]
    result = subprocess.run(probe, capture_output=True, text=True)
    if result.returncode != 0:
        return f"bwrap cannot create namespaces here ({result.stderr.strip() or result.returncode})"
    return None


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


class _Mounts:
    """bwrap's filesystem arguments. Parent folders of mount points are made world-readable (0755): bwrap as
    root would make them 0700, which the unprivileged kernel cannot pass through."""

    def __init__(self):
        self.args, self.made, self.bound = [], {"/"}, []

    def _inside_bound(self, path):
        """True when path lies in a folder bound from the host (it exists there already)."""
        return any(path == b or path.startswith(b + "/") for b in self.bound)

    def add(self, option, source, dest, *, perms=None, size=None):
        for parent in reversed(Path(dest).parents):
            if str(parent) not in self.made and not self._inside_bound(str(parent)):
                self.args += ["--perms", "0755", "--dir", str(parent)]
                self.made.add(str(parent))
        self.args += (["--perms", perms] if perms else []) + (["--size", str(size)] if size else [])
        self.args += [option, source, dest] if source is not None else [option, dest]
        (self.bound.append if source is not None else self.made.add)(dest)

    def system(self):
        """The system's programs and libraries, read-only."""
        self.add("--ro-bind", "/usr", "/usr")
        for path in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
            if os.path.islink(path):
                self.args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                self.add("--ro-bind", path, path)
        for path in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/passwd",
                     "/etc/group", "/etc/nsswitch.conf", "/etc/localtime", "/etc/fonts", "/etc/matplotlibrc"):
            if os.path.exists(path):
                self.add("--ro-bind", path, path)

    def python(self):
        """This Python environment and the dlcourse package, read-only."""
        paths = {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)),
                 os.path.dirname(dlcourse.__file__)}
        for path in sorted(paths):
            if not self._inside_bound(path):
                self.add("--ro-bind", path, path)


class _ForkServer:
    """This process's fork server of grading kernels (dlcourse/fork_server.py), started on first use.

    It runs in a sandbox like a kernel's, as the kernel's user; every kernel's socket folder is made in its
    socket root, the one folder it shares with this process.
    """

    _running = None
    _problem = None  # why it could not start; kernels then start as new processes, equally sandboxed

    @classmethod
    def of(cls, manager):
        """The running fork server (started or restarted when needed), or None when it cannot run here."""
        if cls._problem is None and (cls._running is None or cls._running.process.poll() is not None):
            if cls._running is not None:
                cls._running.close()
            try:
                cls._running = cls(manager)
            except (OSError, RuntimeError, EOFError) as error:
                cls._problem = str(error)
                manager.log.warning("Grading kernels start as new processes (slower, equally sandboxed): the fork "
                                    "server cannot run here: %s", error)
        return None if cls._problem else cls._running

    def __init__(self, manager):
        release = tuple(int(part) for part in re.findall(r"\d+", platform.release())[:2])
        if release < (5, 14):  # before 5.14 the process limit counts the user's processes everywhere
            raise RuntimeError(f"Linux {platform.release()}: per-namespace process limits need Linux 5.14 or later")
        uid = manager._run_as()
        self.root = Path(tempfile.mkdtemp(prefix="dlcourse-kernels-", dir="/tmp"))  # kernels get a fresh /tmp
        os.chmod(self.root, 0o755)
        probe = self.root / "probe"  # the server first builds a kernel's sandbox around this empty socket folder
        probe.mkdir()
        if uid != os.geteuid():
            os.chown(probe, uid, uid)
        ours, theirs = socket.socketpair()
        command = manager._sandboxed([sys.executable, "-m", "dlcourse.grading.fork_server", str(probe)], uid, self.root,
                                     fork_server=True)
        self.process = subprocess.Popen(command, stdin=theirs, stdout=subprocess.DEVNULL,
                                        env=manager._environment(os.environ))
        theirs.close()
        self.sock = ours
        atexit.register(self.close)
        self.sock.settimeout(120)  # loading the libraries takes a few seconds
        status, _ = server_program.receive(self.sock)
        if not status or not status["ready"]:
            self.close()
            raise RuntimeError((status or {}).get("problem") or "the fork server stopped while loading")

    def spawn(self, request, files):
        """Fork a kernel for request (see fork_server.py) with files (a memfd); returns it as a _ForkedKernel.
        On any failure the server is stopped (with every kernel it started) and the error raised."""
        try:
            self.sock.settimeout(30)
            server_program.send(self.sock, request, [files])
            reply, fds = server_program.receive(self.sock)
            if not fds:
                raise RuntimeError(f"the fork server could not start a kernel: {(reply or {}).get('error')}")
            return _ForkedKernel(fds[0])
        except BaseException:
            self.close()
            raise

    def close(self):
        """Stop the server: end of its input, or killed (its sandbox then takes every kernel with it)."""
        self.sock.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


class _ForkedKernel:
    """A forked kernel as jupyter_client expects a kernel process: polled, waited for and signalled through a
    pidfd of its supervisor (killing that kills the kernel and everything it started)."""

    stdin = stdout = stderr = None

    def __init__(self, pidfd):
        self.pidfd, self.returncode = pidfd, None
        with open(f"/proc/self/fdinfo/{pidfd}") as info:
            self.pid = next(int(line.split()[1]) for line in info if line.startswith("Pid:"))

    def poll(self):
        if self.returncode is None and select.select([self.pidfd], [], [], 0)[0]:
            self.returncode = 0  # ended; its exit status stays with the fork server, which reaps it
            os.close(self.pidfd)
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is None:
            select.select([self.pidfd], [], [], timeout)
        return self.poll()

    def send_signal(self, signum):
        if self.poll() is None:
            try:
                signal.pidfd_send_signal(self.pidfd, signum)
            except ProcessLookupError:
                pass

    def kill(self):
        """Stop the kernel; the supervisor ends once the kernel's whole PID namespace has (SIGKILL to the
        supervisor would end it at once, the kernel a moment later)."""
        self.send_signal(signal.SIGTERM)

    terminate = kill


class _ForkedKernelProvisioner(LocalProvisioner):
    """Starts the kernel through the fork server instead of as a new process."""

    def __init__(self, server, **kw):
        super().__init__(**kw)
        self.server, self.limits = server, {}

    async def launch_kernel(self, cmd, **kwargs):
        manager = self.parent
        scratch = manager.scratch_mb * 1024 * 1024
        request = {"argv": cmd[cmd.index("dlcourse.grading.kernel") + 1:], "env": kwargs["env"],
                   "kernel_dir": str(manager._kernel_dir), "limits": self.limits, "scratch_bytes": scratch}
        files = server_program.pack_files(kwargs.get("cwd"), scratch)
        try:  # a failure stops the server (this notebook's grading fails); the next kernel gets a new server
            self.process = self.server.spawn(request, files)
        finally:
            os.close(files)
        self.pid, self.pgid, self.cwd = self.process.pid, None, kwargs.get("cwd")
        return self.connection_info

    async def kill(self, restart=False):
        if self.process:
            self.process.kill()


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


class GradingKernelManager(AsyncKernelManager):
    """A kernel manager that starts each grading kernel sandboxed and resource-limited."""

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
        problem = sandbox_problem() if self.sandbox else "the sandbox is switched off in nbgrader_config.py"
        if problem and problem not in _warned:
            _warned.add(problem)
            self.log.warning("GRADING KERNELS ARE NOT SANDBOXED: %s. Submissions can read and write whatever this "
                             "user can (source/, gradebook.db, other students) and reach the network; only the "
                             "resource limits apply.", problem)
        return problem is None

    def _run_as(self):
        """The uid the kernel runs as: root hands the kernel to 'nobody', anyone else stays themselves."""
        return NOBODY if os.geteuid() == 0 else os.geteuid()

    async def _async_pre_start_kernel(self, **kw):
        server = _ForkServer.of(self) if self.fork_server and self._active() else None
        if server is not None:
            self.kernel_id = self.kernel_id or str(uuid.uuid4())
            self.provisioner = _ForkedKernelProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
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

    def _sandboxed(self, command, uid, shared, cwd=None, fork_server=False):
        """bwrap command line running command with the environment, the folder shared with nbgrader (the
        kernel's sockets) and either cwd's files (a kernel) or the fork server's empty mount points."""
        size = self.scratch_mb * 1024 * 1024
        namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        if os.geteuid() != 0:  # root needs no user namespace, and inside one could not hand over to 'nobody'
            namespaces.append("--unshare-user")
        mounts = _Mounts()
        mounts.add("--tmpfs", None, "/tmp", perms="1777", size=size)
        mounts.system()
        mounts.python()
        mounts.add("--dev", None, "/dev")
        mounts.add("--proc", None, "/proc")
        mounts.add("--bind", str(shared), str(shared))
        if cwd:
            mounts.add("--tmpfs", None, cwd, perms="1777", size=size)
            for entry in sorted(os.listdir(cwd)):
                mounts.add("--ro-bind", os.path.join(cwd, entry), os.path.join(cwd, entry))
        if fork_server:  # mount points of each kernel's working folder and socket folder; nothing else writable
            mounts.add("--dir", None, server_program.WORK)
            mounts.add("--dir", None, server_program.NEW_TMP)
            mounts.args += ["--remount-ro", "/dev", "--remount-ro", "/"]
        # The kernel cannot see its parent from its own PID namespace: JPY_PARENT_PID=1 (init) turns off its
        # watch; --die-with-parent does that job.
        args = ["bwrap", *namespaces, "--die-with-parent", "--setenv", "JPY_PARENT_PID", "1", *mounts.args]
        if cwd:
            args += ["--chdir", cwd]
        if uid != os.geteuid():
            args += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        return args + ["--", *command]

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        # The stock launcher becomes the lean grading kernel (no debugger): same kernel, quicker start.
        kernel_cmd = ["dlcourse.grading.kernel" if part == "ipykernel_launcher" else part for part in kernel_cmd]
        active = self._active()
        uid = self._run_as() if active else os.geteuid()
        if uid != os.geteuid():
            for path in (self._kernel_dir, self.connection_file):
                os.chown(path, uid, uid)
        kw["env"] = self._environment(kw.get("env") or os.environ)
        if isinstance(self.provisioner, _ForkedKernelProvisioner):
            self.provisioner.limits = self._limit_values(uid, forked=True)
        elif active:
            kernel_cmd = self._limits(uid) + self._sandboxed(kernel_cmd, uid, self._kernel_dir, kw.get("cwd"))
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


def _error(name, message):
    """An error output, as a kernel would have sent it."""
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


class SandboxedExecute(Execute):
    """nbgrader's Execute preprocessor (configured as ``c.Execute``) made safe for untrusted notebooks.

    Kernels are sandboxed (GradingKernelManager). Before every graded test cell, whatever the tests rely on is
    put back as it was before any student code ran (``dlcourse.checks.restore``), so rebinding np.allclose,
    builtins or the checks does not turn a wrong answer into points. A value a graded test cell happens to end
    with is shown but never read as a partial score (nbgrader would read a number there as points).
    """

    restore_code = "__import__('dlcourse.checks').checks.restore(globals())"
    _died_in = None  # index of the cell in which the kernel died, for the notebook being run

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", GradingKernelManager)  # nbgrader's own default would win otherwise
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._died_in = None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if self._died_in is not None:  # the cells after a kernel's death score 0; the ones before keep their points
            if cell.cell_type == "code":
                cell.outputs = [_error("NotRun", f"not run: the kernel died in cell {self._died_in}")]
            return cell, resources
        graded = cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade", False)
        try:
            if graded:
                self._restore_judges()
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._died_in = index
            cell.outputs.append(_error(KERNEL_DIED, "the kernel stopped while running this cell (os._exit, a crash "
                                                     "or a resource limit); the cells after it were not run"))
            return cell, resources
        if graded:
            for output in cell.get("outputs", []):
                if output.output_type == "execute_result":
                    output.output_type = "display_data"
                    output.pop("execution_count", None)
        return cell, resources

    def _restore_judges(self):
        """Run checks.restore() in the kernel, silently (nothing is recorded in the notebook)."""
        msg_id = self.kc.execute(self.restore_code, silent=True, store_history=False)
        run_sync(self.async_wait_for_reply)(msg_id)
