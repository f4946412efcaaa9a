"""The grading fork server: a Python with the kernel's libraries loaded once, forking every grading kernel.

A fresh kernel process spends most of its start importing IPython, NumPy and Matplotlib, for every notebook
graded. ``GradingKernelManager`` (dlcourse/grading/kernels.py) instead starts this program once per grading process,
inside a bubblewrap sandbox like a kernel's but without any notebook's files. For each kernel it forks a child that
builds the kernel's own sandbox inside that one: new user, mount, IPC, UTS, network and PID namespaces; a fresh
/tmp, /dev/shm and working folder (holding copies of the notebook's files); only its own socket folder; /proc
hidden; the resource limits; every capability dropped. The child then becomes a lean grading kernel
(dlcourse/grading/leankernel.py).
Nothing a kernel does reaches the server or a later kernel: each is a fresh copy of the loaded server, no
student's files pass through the server, and when the kernel ends its PID namespace ends with every process in it.

Protocol on standard input (a Unix socket): the server first sends a status message; then each request (a JSON
message, with a memfd of the notebook's files) is answered with a JSON message carrying the supervising
process's pidfd, or an error. Messages are length-prefixed.
"""

import gc
import importlib
import os
import pkgutil
import signal
import socket
import sys

import numpy.random

from dlcourse.grading import leankernel
from dlcourse.grading.forkserver import syscalls
from dlcourse.grading.forkserver.protocol import receive, send, unpack_files
from dlcourse.grading.forkserver.syscalls import (
    MS_BIND,
    MS_MOVE,
    MS_NODEV,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    PR_SET_DUMPABLE,
    PR_SET_PDEATHSIG,
    libc,
)

WORK = "/run/notebook"  # the kernel's working folder (a fresh tmpfs holding copies of the notebook's files)
NEW_TMP = "/run/kernel-tmp"  # empty mount point where a kernel's /tmp is assembled before it replaces the server's
SUPERVISED = {signal.SIGTERM, signal.SIGCHLD}  # taken synchronously by the supervisor and the kernel's init


def _build_filesystem(request, files=None):
    """A fresh /tmp (keeping what the server had mounted there, such as the Python environment, and this
    kernel's socket folder but not the other kernels'), fresh /dev/shm and working folder; /proc hidden."""
    scratch = f"size={request['scratch_bytes']},mode=1777"
    kernel_dir = request["kernel_dir"]
    syscalls.mount(None, "/", None, MS_REC | MS_PRIVATE)
    syscalls.mount("tmpfs", NEW_TMP, "tmpfs", MS_NOSUID | MS_NODEV, scratch)
    carried = []
    for point in syscalls.mount_points():
        if (
            point.startswith("/tmp/")
            and point != os.path.dirname(kernel_dir)
            and not any(point.startswith(kept + "/") for kept in carried)
        ):
            carried.append(point)
    for point in carried + [kernel_dir]:
        target = NEW_TMP + point[len("/tmp") :]
        if os.path.isdir(point):
            os.makedirs(target, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            open(target, "w").close()
        syscalls.mount(point, target, None, MS_BIND | MS_REC)
    syscalls.mount(NEW_TMP, "/tmp", None, MS_MOVE)
    for folder in ("/dev/shm", WORK):
        syscalls.mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, scratch)
    if files is not None:
        unpack_files(files, WORK)
    syscalls.mount("tmpfs", "/proc", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0555")


def _supervise(child, kill_on_term):
    """Wait for child, reaping every other process that ends meanwhile, then end with child's exit code; on
    SIGTERM kill child first (kill_on_term). SIGTERM and SIGCHLD are blocked and taken synchronously."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        if signal.sigwaitinfo({signal.SIGTERM, signal.SIGCHLD}).si_signo == signal.SIGTERM and kill_on_term:
            os.kill(child, signal.SIGKILL)
        while True:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == child:
                os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
            if pid == 0:
                break


def _become_kernel(request, files, stderr, go):
    """In the forked child: once the grading process says go (it has moved this process into the kernel's
    control group, if any), the kernel's sandbox, then the IPython kernel itself (never returns).

    Three processes: this one supervises from the server's namespaces (SIGTERM ends the kernel; this process
    ends only when the kernel's whole PID namespace has); the init of the kernel's namespaces (PID 1, reaps
    orphans); the kernel (PID 2). SIGTERM and SIGCHLD stay blocked except in the kernel.
    """
    code = 1
    try:
        os.dup2(stderr, 2)  # the kernel's own standard error: a pipe the grading process reads, bounded
        os.close(stderr)
        if os.read(go, 1) != b"1":
            os._exit(1)  # the grading process gave up on this kernel
        os.close(go)
        signal.pthread_sigmask(signal.SIG_BLOCK, SUPERVISED)
        os.setsid()
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        syscalls.enter_namespaces()
        init = os.fork()
        if init:
            os.closerange(0, os.sysconf("SC_OPEN_MAX"))
            _supervise(init, kill_on_term=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        _build_filesystem(request, files)
        syscalls.lock_down(request["limits"])
        kernel = os.fork()
        if kernel:
            os.closerange(0, os.sysconf("SC_OPEN_MAX"))
            _supervise(kernel, kill_on_term=False)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SUPERVISED)
        numpy.random.seed()  # seeded in the server: each kernel's generator starts from the OS, as a new process's
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(WORK)
        null = os.open("/dev/null", os.O_RDWR)
        os.dup2(null, 0)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # standard error stays: the grading log
        sys.argv = ["dlcourse.grading.leankernel", *request["argv"]]
        leankernel.main(request["argv"])
        code = 0
    except BaseException:  # noqa: BLE001 -- reported to the grading log, then this child ends
        try:
            import traceback

            print("grading kernel could not start:", traceback.format_exc(), file=sys.stderr, flush=True)
        except BaseException:  # noqa: BLE001 -- no log to write to
            pass
    finally:
        os._exit(code)


def _probe(kernel_dir):
    """None when a child can build a kernel's whole sandbox here (tried on an empty socket folder), else why not."""
    child = os.fork()
    if child == 0:
        try:
            syscalls.enter_namespaces()
            trial = os.fork()
            if trial == 0:
                try:
                    _build_filesystem({"kernel_dir": kernel_dir, "scratch_bytes": 1 << 20})
                    syscalls.lock_down({})
                    os._exit(0)
                except BaseException as error:  # noqa: BLE001
                    print(f"{type(error).__name__}: {error}", file=sys.stderr, flush=True)
                    os._exit(1)
            os._exit(os.waitstatus_to_exitcode(os.waitpid(trial, 0)[1]) & 0xFF)
        except BaseException as error:  # noqa: BLE001
            print(f"{type(error).__name__}: {error}", file=sys.stderr, flush=True)
            os._exit(1)
    _, status = os.waitpid(child, 0)
    return None if status == 0 else "a kernel's sandbox cannot be built inside the server's (see the message above)"


def _preload():
    """Import what every grading kernel imports, so that each fork starts with it loaded."""
    import IPython.core.interactiveshell  # noqa: F401
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import matplotlib.pyplot  # noqa: F401 -- its backend (inline) is loaded by the kernel, which it then hooks
    import numpy.random  # noqa: F401 -- NumPy loads it on first use: 8 ms in every kernel
    import numpy.testing  # noqa: F401

    import dlcourse.bridge  # noqa: F401
    import dlcourse.checks  # noqa: F401
    import dlcourse.datasets  # noqa: F401
    import dlcourse.figures.images  # noqa: F401
    import dlcourse.figures.plotting  # noqa: F401
    import dlcourse.visible

    for module in pkgutil.iter_modules(dlcourse.visible.__path__, "dlcourse.visible."):  # the visible tests
        importlib.import_module(module.name)
    leankernel.warm_up(leankernel.shell())  # IPython's shell, made once (no code is run in it here)
    gc.collect()
    gc.freeze()  # a kernel's full collections skip all of this (each walked it: 45-95 ms, about one per notebook)


def _serve(sock, request, fds):
    """Fork the kernel of one request (fds: its files' memfd and standard error); reply with its supervisor's
    pidfd and the write end of a pipe on which the child waits for the word to go, or with the error."""
    go = ()
    try:
        files, stderr = fds
        go = os.pipe()
        child = os.fork()
        if child == 0:
            sock.close()
            os.close(go[1])
            _become_kernel(request, files, stderr, go[0])
        pidfd = os.pidfd_open(child)  # the child cannot have been reaped yet: only this loop reaps
        send(sock, {"started": True}, [pidfd, go[1]])
        os.close(pidfd)
    except (OSError, ValueError) as error:
        send(sock, {"started": False, "error": f"{type(error).__name__}: {error}"})
    finally:
        for fd in [*fds, *go]:
            os.close(fd)


def main() -> None:
    sock = socket.socket(fileno=0)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # kernels, the same user, cannot read or trace this process
    leankernel.prepare()
    try:
        _preload()
        problem = _probe(sys.argv[1])
    except Exception as error:  # noqa: BLE001
        problem = f"{type(error).__name__}: {error}"
    send(sock, {"ready": problem is None, "problem": problem})
    while True:
        request, fds = receive(sock)
        if request is None:
            return
        while True:  # supervisors that have ended (their kernels are gone)
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        _serve(sock, request, fds)


if __name__ == "__main__":
    main()
