"""The grading fork server: a Python with the kernel's libraries loaded once, forking every grading kernel.

A fresh kernel process spends most of its start importing ipykernel, NumPy and Matplotlib, for every notebook
graded. ``GradingKernelManager`` (sandbox.py) instead starts this program once per grading process, inside a
bubblewrap sandbox like a kernel's but without any notebook's files. For each kernel it forks a child that
builds the kernel's own sandbox inside that one: new user, mount, IPC, UTS, network and PID namespaces; a fresh
/tmp, /dev/shm and working folder (holding copies of the notebook's files); only its own socket folder; /proc
hidden; the resource limits; every capability dropped. The child then becomes an ordinary IPython kernel.
Nothing a kernel does reaches the server or a later kernel: each is a fresh copy of the loaded server, no
student's files pass through the server, and when the kernel ends its PID namespace ends with every process in it.

Protocol on standard input (a Unix socket): the server first sends a status message; then each request (a JSON
message, with a memfd of the notebook's files) is answered with a JSON message carrying the supervising
process's pidfd, or an error. Messages are length-prefixed.
"""
import base64
import ctypes
import errno
import json
import os
import re
import signal
import socket
import struct
import sys

from dlcourse.grading import kernel as grading_kernel

WORK = "/run/notebook"      # the kernel's working folder (a fresh tmpfs holding copies of the notebook's files)
NEW_TMP = "/run/kernel-tmp"  # empty mount point where a kernel's /tmp is assembled before it replaces the server's

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 8192, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_SECUREBITS = 1, 4, 24, 28
PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
SECUREBITS_LOCKED_NOROOT = 0xEF  # no capabilities from uid 0 or set-uid files, no ambient raise; all locked
SUPERVISED = {signal.SIGTERM, signal.SIGCHLD}  # taken synchronously by the supervisor and the kernel's init
LIMITS = {"as": "RLIMIT_AS", "cpu": "RLIMIT_CPU", "fsize": "RLIMIT_FSIZE", "nproc": "RLIMIT_NPROC"}

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.capset.argtypes = [ctypes.c_void_p, ctypes.c_void_p]


def _check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source, target, fstype=None, flags=0, data=None):
    encode = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(_libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)),
           f"mount {target}")


def send(sock, message, fds=()):
    """Send one length-prefixed JSON message, with file descriptors attached."""
    data = json.dumps(message).encode()
    socket.send_fds(sock, [struct.pack("!I", len(data))], list(fds))
    sock.sendall(data)


def receive(sock):
    """(message, fds) of one length-prefixed JSON message; (None, []) at end of stream."""
    header, fds, _, _ = socket.recv_fds(sock, 4, 4, socket.MSG_CMSG_CLOEXEC)
    if not header:
        return None, []
    try:
        data = _receive_exactly(sock, 4 - len(header))
        size, = struct.unpack("!I", header + data)
        return json.loads(_receive_exactly(sock, size)), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _receive_exactly(sock, size):
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(min(size - len(data), 1 << 20))
        if not chunk:
            raise EOFError("fork server connection closed mid-message")
        data += chunk
    return bytes(data)


def _enter_namespaces():
    """Own user (the same user, with capabilities there until _lock_down), mount, IPC, UTS and network (not
    even loopback) namespaces and, for the next child, a PID namespace."""
    uid, gid = os.getuid(), os.getgid()
    _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # the server is not (see main); /proc/self must be this user's
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWPID),
           "unshare")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)


def _mount_points():
    """This mount namespace's mount points, in mount order (mountinfo escapes blanks and backslashes as octal)."""
    with open("/proc/self/mountinfo", "rb") as table:
        fields = [line.split()[4] for line in table]
    return [os.fsdecode(re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), field)) for field in fields]


def pack_files(folder, limit):
    """A memfd holding JSON {relative path: base64 content} of the regular files under folder (a kernel's
    working folder), for the forked kernel alone to read (_copy_files)."""
    files, total = {}, 0
    for parent, _, names in os.walk(folder) if folder else ():
        for name in sorted(names):
            path = os.path.join(parent, name)
            if os.path.isfile(path) and not os.path.islink(path):
                total += os.path.getsize(path)
                if total > limit:
                    raise RuntimeError(f"the files of {folder} exceed the kernel's scratch space")
                with open(path, "rb") as handle:
                    files[os.path.relpath(path, folder)] = base64.b64encode(handle.read()).decode()
    fd = os.memfd_create("notebook-files", os.MFD_CLOEXEC)
    try:
        os.write(fd, json.dumps(files).encode())
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        os.close(fd)
        raise
    return fd


def _copy_files(fd):
    """Write the notebook's files, sent as a memfd of JSON {relative path: base64} that only this process
    reads (the server never holds a student's files), into the working folder, read-only."""
    with os.fdopen(fd, "rb") as handle:
        files = json.load(handle)
    for relative, content in files.items():
        path = os.path.join(WORK, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(content))
        os.chmod(path, 0o444)


def _build_filesystem(request, files=None):
    """A fresh /tmp (keeping what the server had mounted there, such as the Python environment, and this
    kernel's socket folder but not the other kernels'), fresh /dev/shm and working folder; /proc hidden."""
    scratch = f"size={request['scratch_bytes']},mode=1777"
    kernel_dir = request["kernel_dir"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", NEW_TMP, "tmpfs", MS_NOSUID | MS_NODEV, scratch)
    carried = []
    for point in _mount_points():
        if point.startswith("/tmp/") and point != os.path.dirname(kernel_dir) \
                and not any(point.startswith(kept + "/") for kept in carried):
            carried.append(point)
    for point in carried + [kernel_dir]:
        target = NEW_TMP + point[len("/tmp"):]
        if os.path.isdir(point):
            os.makedirs(target, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            open(target, "w").close()
        _mount(point, target, None, MS_BIND | MS_REC)
    _mount(NEW_TMP, "/tmp", None, MS_MOVE)
    for folder in ("/dev/shm", WORK):
        _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, scratch)
    if files is not None:
        _copy_files(files)
    _mount("tmpfs", "/proc", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0555")


def _lock_down(limits):
    """Resource limits, then no capabilities now or ever again (not even through uid 0 or set-uid files)."""
    import resource

    for key, value in limits.items():
        limit = getattr(resource, LIMITS[key])
        resource.setrlimit(limit, (value, value))
    _check(_libc.prctl(PR_SET_SECUREBITS, SECUREBITS_LOCKED_NOROOT, 0, 0, 0), "securebits")
    for capability in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            if ctypes.get_errno() == errno.EINVAL:
                break  # past the last capability this kernel knows
            _check(-1, "bounding set")
    _check(_libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "ambient capabilities")
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    _check(_libc.capset(header, (ctypes.c_uint32 * 6)()), "capset")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


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


def _become_kernel(request, files):
    """In the forked child: the kernel's sandbox, then the IPython kernel itself (never returns).

    Three processes: this one supervises from the server's namespaces (SIGTERM ends the kernel; this process
    ends only when the kernel's whole PID namespace has); the init of the kernel's namespaces (PID 1, reaps
    orphans); the kernel (PID 2). SIGTERM and SIGCHLD stay blocked except in the kernel.
    """
    code = 1
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, SUPERVISED)
        os.setsid()
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        _enter_namespaces()
        init = os.fork()
        if init:
            os.closerange(0, os.sysconf("SC_OPEN_MAX"))
            _supervise(init, kill_on_term=True)
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        _build_filesystem(request, files)
        _lock_down(request["limits"])
        kernel = os.fork()
        if kernel:
            os.closerange(0, os.sysconf("SC_OPEN_MAX"))
            _supervise(kernel, kill_on_term=False)
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SUPERVISED)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(WORK)
        null = os.open("/dev/null", os.O_RDWR)
        os.dup2(null, 0)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # standard error stays: the grading log
        argv = request["argv"]
        sys.argv = ["dlcourse.grading.kernel", *argv]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=argv)
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
            _enter_namespaces()
            trial = os.fork()
            if trial == 0:
                try:
                    _build_filesystem({"kernel_dir": kernel_dir, "scratch_bytes": 1 << 20})
                    _lock_down({})
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
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # as ipykernel sets it
    from ipykernel import kernelapp  # noqa: F401
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import numpy.testing  # noqa: F401

    import dlcourse.datasets  # noqa: F401
    import dlcourse.figures.images  # noqa: F401
    import dlcourse.figures.plotting  # noqa: F401
    # Not dlcourse.checks: it takes its snapshot of the kernel's shell when a notebook imports it.


def _serve(sock, request, fds):
    """Fork the kernel of one request; reply with its supervisor's pidfd, or with the error."""
    files = fds[0] if fds else None
    try:
        child = os.fork()
        if child == 0:
            sock.close()
            _become_kernel(request, files)
        pidfd = os.pidfd_open(child)  # the child cannot have been reaped yet: only this loop reaps
        send(sock, {"started": True}, [pidfd])
        os.close(pidfd)
    except OSError as error:
        send(sock, {"started": False, "error": f"{type(error).__name__}: {error}"})
    finally:
        for fd in fds:
            os.close(fd)


def main():
    sock = socket.socket(fileno=0)
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # kernels, the same user, cannot read or trace this process
    grading_kernel.prepare()
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
