"""Grading kernels in a sandbox: bubblewrap namespaces plus resource limits, no container engine.

nbgrader runs every notebook in a kernel started by ``GradingKernelManager``: ``nbgrader_config.py`` lists
``SandboxedExecute`` among the autograde preprocessors, so ``dlcourse autograde`` and stock ``nbgrader autograde``
both use it.
Each kernel sees the Python environment (read-only), the files of the one notebook being graded
(read-only, in a small writable scratch folder of its own), a private /tmp and nothing else: not the course
folder, the gradebook, other students or the exchange. It has no network (its own empty network namespace;
it talks to nbgrader over Unix sockets in a folder of its own), runs as an unprivileged user, and is limited
in memory, CPU time, processes and file size. See docs/grading-integrity.md for the threat model.

Where the host cannot sandbox (no ``bwrap``, or namespaces refused), kernels run with the resource limits
only and a warning says what protection is missing.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync
from nbgrader.preprocessors import Execute
from traitlets import Bool, Int

import dlcourse
from dlcourse.course import JUPYTER_STATE_DIRS

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


class GradingKernelManager(AsyncKernelManager):
    """A kernel manager that starts each grading kernel sandboxed and resource-limited."""

    sandbox = Bool(True, help="Run grading kernels in a bubblewrap sandbox where the host supports it.").tag(config=True)
    memory_mb = Int(2048, help="Address-space limit of a grading kernel, MiB (RLIMIT_AS).").tag(config=True)
    cpu_seconds = Int(300, help="CPU time limit of a grading kernel, seconds (RLIMIT_CPU).").tag(config=True)
    max_processes = Int(64, help="Processes and threads a grading kernel may add (RLIMIT_NPROC).").tag(config=True)
    max_file_mb = Int(64, help="Largest file a grading kernel may write, MiB (RLIMIT_FSIZE).").tag(config=True)
    scratch_mb = Int(128, help="Size of the kernel's writable working folder and of its /tmp, MiB.").tag(config=True)
    blas_threads = Int(1, help="BLAS threads per kernel (grading runs one kernel per core).").tag(config=True)

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
        self._kernel_dir = Path(tempfile.mkdtemp(prefix="dlcourse-kernel-"))
        self.transport, self.ip = "ipc", str(self._kernel_dir / "kernel")
        self.connection_file = str(self._kernel_dir / "connection.json")
        self.kernel_spec.interrupt_mode = "message"  # signals do not cross into the sandbox's process tree
        return await super()._async_pre_start_kernel(**kw)

    def _limits(self, uid):
        """prlimit arguments for the kernel's resource limits."""
        mib = 1024 * 1024
        return ["prlimit", f"--as={self.memory_mb * mib}", f"--cpu={self.cpu_seconds}",
                f"--fsize={self.max_file_mb * mib}", f"--nproc={_processes_of(uid) + self.max_processes}", "--"]

    def _environment(self, env):
        """The kernel's environment: nothing of the instructor's beyond what Python and Jupyter need."""
        keep = {name: value for name, value in env.items()
                if name in ("LANG", "LC_ALL", "MPLBACKEND", "PYDEVD_DISABLE_FILE_VALIDATION")}
        threads = str(self.blas_threads)
        return {**keep, **{name: f"/tmp/{sub}" for name, sub in JUPYTER_STATE_DIRS}, "HOME": "/tmp",
                "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
                "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}

    def _sandboxed(self, kernel_cmd, cwd, uid):
        """bwrap command line running kernel_cmd with only cwd's files, the environment and its own folder."""
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
        mounts.add("--bind", str(self._kernel_dir), str(self._kernel_dir))
        if cwd:
            mounts.add("--tmpfs", None, cwd, perms="1777", size=size)
            for entry in sorted(os.listdir(cwd)):
                mounts.add("--ro-bind", os.path.join(cwd, entry), os.path.join(cwd, entry))
        # The kernel cannot see its parent from its own PID namespace: JPY_PARENT_PID=1 (init) turns off its
        # watch; --die-with-parent does that job.
        args = ["bwrap", *namespaces, "--die-with-parent", "--setenv", "JPY_PARENT_PID", "1", *mounts.args]
        if cwd:
            args += ["--chdir", cwd]
        if uid != os.geteuid():
            args += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        return args + ["--", *kernel_cmd]

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        # The stock launcher becomes the lean grading kernel (no debugger): same kernel, quicker start.
        kernel_cmd = ["dlcourse.grading_kernel" if part == "ipykernel_launcher" else part for part in kernel_cmd]
        active = self._active()
        uid = self._run_as() if active else os.geteuid()
        if uid != os.geteuid():
            for path in (self._kernel_dir, self.connection_file):
                os.chown(path, uid, uid)
        kw["env"] = self._environment(kw.get("env") or os.environ)
        command = self._sandboxed(kernel_cmd, kw.get("cwd"), uid) if active else kernel_cmd
        return await super()._async_launch_kernel(self._limits(uid) + command, **kw)

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
