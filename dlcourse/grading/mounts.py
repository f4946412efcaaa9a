"""Bubblewrap, the outer layer of a grading kernel's sandbox: whether the host allows it, which folders a
sandboxed process sees (read-only system and Python environment, its own scratch folders), and the command line."""
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import dlcourse
from dlcourse.grading.forkserver import server


@cache
def sandbox_problem() -> str | None:
    """Why grading kernels cannot be sandboxed on this host, or None when they can."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = [bwrap, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--proc", "/proc", "--dev", "/dev", "true"]
    result = subprocess.run(probe, capture_output=True, text=True)
    if result.returncode != 0:
        return f"bwrap cannot create namespaces here ({result.stderr.strip() or result.returncode})"
    return None


class Mounts:
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


def bwrap_command(command: list[str], uid: int, shared: str | Path, scratch_mb: int, cwd: str | None = None,
                  fork_server: bool = False) -> list[str]:
    """bwrap command line running command with the environment, the folder shared with nbgrader (the
    kernel's sockets) and either cwd's files (a kernel) or the fork server's empty mount points."""
    size = scratch_mb * 1024 * 1024
    namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:  # root needs no user namespace, and inside one could not hand over to 'nobody'
        namespaces.append("--unshare-user")
    mounts = Mounts()
    mounts.add("--tmpfs", None, "/tmp", perms="1777", size=size)
    mounts.system()
    mounts.python()
    mounts.add("--dev", None, "/dev")
    mounts.add("--proc", None, "/proc")
    mounts.add("--bind", str(shared), str(shared))
    if cwd:
        mounts.add("--tmpfs", None, cwd, perms="1777", size=size)
        for entry in sorted(e for e in os.listdir(cwd) if not e.endswith(".ipynb")):  # notebooks hold hidden tests
            mounts.add("--ro-bind", os.path.join(cwd, entry), os.path.join(cwd, entry))
    if fork_server:  # mount points of each kernel's working folder and socket folder; nothing else writable
        mounts.add("--dir", None, server.WORK)
        mounts.add("--dir", None, server.NEW_TMP)
        mounts.args += ["--remount-ro", "/dev", "--remount-ro", "/"]
    # The kernel cannot see its parent from its own PID namespace: JPY_PARENT_PID=1 (init) turns off its
    # watch; --die-with-parent does that job.
    args = ["bwrap", *namespaces, "--die-with-parent", "--setenv", "JPY_PARENT_PID", "1", *mounts.args]
    if cwd:
        args += ["--chdir", cwd]
    if uid != os.geteuid():
        args += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    return args + ["--", *command]
