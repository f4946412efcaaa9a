"""The fork server's wire format: length-prefixed JSON messages over a Unix socket, with file descriptors
attached; and the memfd in which a kernel's files travel from the grading process to that kernel alone."""
import base64
import json
import os
import socket
import struct
from collections.abc import Sequence
from typing import Any


def send(sock: socket.socket, message: Any, fds: Sequence[int] = ()) -> None:
    """Send one length-prefixed JSON message, with file descriptors attached."""
    data = json.dumps(message).encode()
    socket.send_fds(sock, [struct.pack("!I", len(data))], list(fds))
    sock.sendall(data)


def receive(sock: socket.socket) -> tuple[Any, list[int]]:
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


def pack_files(folder: str | None, limit: int) -> int:
    """A memfd holding JSON {relative path: base64 content} of the regular files under folder (a kernel's
    working folder), notebooks left out, for the forked kernel alone to read (unpack_files)."""
    files, total = {}, 0
    for parent, _, names in os.walk(folder) if folder else ():
        for name in sorted(n for n in names if not n.endswith(".ipynb")):  # notebooks hold the hidden tests
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


def unpack_files(fd: int, folder: str) -> None:
    """Write the notebook's files, sent as a memfd of JSON {relative path: base64} that only this process
    reads (the server never holds a student's files), into folder, read-only."""
    with os.fdopen(fd, "rb") as handle:
        files = json.load(handle)
    for relative, content in files.items():
        path = os.path.join(folder, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(content))
        os.chmod(path, 0o444)
