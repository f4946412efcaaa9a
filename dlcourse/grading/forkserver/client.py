"""The grading process's side of the fork server: start it (sandboxed, once per grading process), ask it for
kernels, and hold each forked kernel as a process (polled, waited for, stopped)."""
from __future__ import annotations

import atexit
import os
import platform
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from dlcourse.grading import mounts
from dlcourse.grading.forkserver import protocol, syscalls

SERVER_ROOT_BYTES, SERVER_ROOT_INODES = 4 << 20, 1024  # the kernels' socket folders (one kernel at a time)


class ForkServerSlot:
    """A grading process's one fork server: started on first use, replaced when it has stopped or when kernels are
    now to get another environment than it has (forked kernels inherit the server's), and given up for good
    (kernels then start as new processes) once it could not start here."""

    def __init__(self):
        self.running = None
        self.problem = None  # why it could not start
        self._closes_at_exit = False

    def server(self, manager) -> ForkServer | None:
        """The running fork server (started or restarted when needed), or None when it cannot run here."""
        environment = manager._environment(os.environ)
        if self.problem is None and (
            self.running is None or self.running.process.poll() is not None or self.running.environment != environment
        ):
            if self.running is not None:
                self.running.close()
            try:
                self.running = ForkServer(manager)
            except (OSError, RuntimeError, EOFError) as error:
                self.problem = str(error)
                manager.log.warning("Grading kernels start as new processes (slower, equally sandboxed): the fork "
                                    "server cannot run here: %s", error)
            if not self._closes_at_exit:
                atexit.register(self.close)
                self._closes_at_exit = True
        return None if self.problem else self.running

    def close(self):
        if self.running is not None:
            self.running.close()
            self.running = None


class ForkServer:
    """A fork server of grading kernels (dlcourse/grading/forkserver/server.py).

    It runs in a sandbox like a kernel's, as the kernel's user; every kernel's socket folder is made in its
    socket root, the one folder it shares with this process.
    """

    def __init__(self, manager):
        release = tuple(int(part) for part in re.findall(r"\d+", platform.release())[:2])
        if release < (5, 14):  # before 5.14 the process limit counts the user's processes everywhere
            raise RuntimeError(f"Linux {platform.release()}: per-namespace process limits need Linux 5.14 or later")
        uid = manager._run_as()
        self.root = Path(tempfile.mkdtemp(prefix="dlcourse-kernels-", dir="/tmp"))  # kernels get a fresh /tmp
        self.mounted = os.geteuid() == 0  # kernels write in their socket folders: on a capped tmpfs where we can
        if self.mounted:
            syscalls.scratch_mount(str(self.root), SERVER_ROOT_BYTES, SERVER_ROOT_INODES)
        os.chmod(self.root, 0o755)
        probe = self.root / "probe"  # the server first builds a kernel's sandbox around this empty socket folder
        probe.mkdir()
        if uid != os.geteuid():
            os.chown(probe, uid, uid)
        ours, theirs = socket.socketpair()
        server = [sys.executable, "-m", "dlcourse.grading.forkserver.server", str(probe)]
        command = mounts.bwrap_command(server, uid, self.root, manager.scratch_mb, fork_server=True)
        self.environment = manager._environment(os.environ)  # its kernels' environment
        self.process = subprocess.Popen(command, stdin=theirs, stdout=subprocess.DEVNULL, env=self.environment)
        theirs.close()
        self.sock = ours
        self.sock.settimeout(120)  # loading the libraries takes a few seconds
        status, _ = protocol.receive(self.sock)
        if not status or not status["ready"]:
            self.close()
            raise RuntimeError((status or {}).get("problem") or "the fork server stopped while loading")

    def spawn(self, request: dict[str, Any], files: int, stderr: int, group: Any = None) -> ForkedKernel:
        """Fork a kernel for request (see server.py) with files (a memfd) and standard error; returns it as a
        ForkedKernel. The kernel's first process waits until it has joined its control group (when given).
        On any failure the server is stopped (with every kernel it started) and the error raised."""
        try:
            self.sock.settimeout(30)
            protocol.send(self.sock, request, [files, stderr])
            reply, fds = protocol.receive(self.sock)
            if len(fds) != 2:
                raise RuntimeError(f"the fork server could not start a kernel: {(reply or {}).get('error')}")
            kernel, go = ForkedKernel(fds[0]), fds[1]
            try:
                if group is not None:
                    group.join(kernel.pid)
                os.write(go, b"1")
            finally:
                os.close(go)
            return kernel
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
        if self.mounted:
            syscalls.unmount(str(self.root))
            self.mounted = False
        syscalls.remove_tree(str(self.root))


class ForkedKernel:
    """A forked kernel as a process: polled, waited for and signalled through a pidfd of its supervisor (killing
    that kills the kernel and everything it started)."""

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
