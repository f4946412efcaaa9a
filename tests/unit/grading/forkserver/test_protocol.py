"""The fork server's wire format over a socket pair, and the memfd that carries a notebook's files."""

import os
import socket
import stat
import struct
import threading
import time

import pytest

from dlcourse.grading.forkserver import protocol


@pytest.fixture
def pair():
    ours, theirs = socket.socketpair()
    ours.settimeout(5)
    yield ours, theirs
    ours.close()
    theirs.close()


def _open_fds():
    return len(os.listdir("/proc/self/fd"))


def test_a_message_arrives_whole(pair):
    ours, theirs = pair
    message = {"argv": ["-f", "kernel.json"], "limits": {"cpu": 300}, "text": "é ✔", "nothing": None}
    protocol.send(theirs, message)
    assert protocol.receive(ours) == (message, [])


def test_file_descriptors_travel_with_their_message(pair):
    ours, theirs = pair
    read_end, write_end = os.pipe()
    protocol.send(theirs, {"started": True}, [read_end])
    os.close(read_end)
    message, fds = protocol.receive(ours)
    assert message == {"started": True} and len(fds) == 1
    os.write(write_end, b"through the socket")
    os.close(write_end)
    with os.fdopen(fds[0], "rb") as received:
        assert received.read() == b"through the socket"


def test_messages_follow_each_other_without_mixing(pair):
    ours, theirs = pair
    for number in range(3):
        protocol.send(theirs, {"number": number, "padding": "x" * 10_000 * number})
    assert [protocol.receive(ours)[0]["number"] for _ in range(3)] == [0, 1, 2]


def test_a_message_split_across_reads_is_put_back_together(pair):
    ours, theirs = pair
    data = b'{"argv": ["a", "b"], "env": {"HOME": "/tmp"}}'
    raw = struct.pack("!I", len(data)) + data
    pieces = [raw[:2], raw[2:7], raw[7:20], raw[20:]]

    def trickle():
        for piece in pieces:
            theirs.sendall(piece)
            time.sleep(0.02)

    sender = threading.Thread(target=trickle)
    sender.start()
    try:
        assert protocol.receive(ours) == ({"argv": ["a", "b"], "env": {"HOME": "/tmp"}}, [])
    finally:
        sender.join()


def test_end_of_stream_is_no_message(pair):
    ours, theirs = pair
    theirs.close()
    assert protocol.receive(ours) == (None, [])


def test_a_message_cut_short_raises_and_closes_the_descriptors_it_brought(pair):
    ours, theirs = pair
    read_end, write_end = os.pipe()
    socket.send_fds(theirs, [struct.pack("!I", 100)], [read_end])
    theirs.sendall(b'{"cut": ')
    theirs.close()
    before = _open_fds()
    with pytest.raises(EOFError):
        protocol.receive(ours)
    assert _open_fds() == before  # the received copy of read_end is closed again
    os.close(read_end)
    os.close(write_end)


def test_a_message_that_is_not_json_raises_and_closes_the_descriptors_it_brought(pair):
    ours, theirs = pair
    read_end, write_end = os.pipe()
    socket.send_fds(theirs, [struct.pack("!I", 9)], [read_end])
    theirs.sendall(b"not json!")
    before = _open_fds()
    with pytest.raises(ValueError):
        protocol.receive(ours)
    assert _open_fds() == before
    os.close(read_end)
    os.close(write_end)


@pytest.fixture
def notebook_folder(tmp_path):
    folder = tmp_path / "notebook"
    (folder / "images").mkdir(parents=True)
    (folder / "square.ipynb").write_text('{"cells": []}')
    (folder / "images" / "cat.png").write_bytes(bytes(range(256)) * 4)
    (folder / "link.txt").symlink_to(tmp_path / "outside.txt")
    (tmp_path / "outside.txt").write_text("secret of the instructor")
    return folder


def test_files_round_trip_read_only_and_notebooks_and_symlinks_stay_behind(notebook_folder, tmp_path):
    fd = protocol.pack_files(notebook_folder, limit=1 << 20)
    target = tmp_path / "kernel"
    target.mkdir()
    protocol.unpack_files(fd, target)
    written = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert written == ["images/cat.png"]  # the notebook holds the hidden tests: never the kernel's
    assert (target / "images" / "cat.png").read_bytes() == bytes(range(256)) * 4
    assert stat.S_IMODE((target / "images" / "cat.png").stat().st_mode) == 0o444


TOTAL = 1024  # bytes of the notebook folder's regular files that the kernel receives


@pytest.mark.parametrize("limit", [1000, TOTAL - 1])
def test_files_over_the_scratch_limit_are_refused(notebook_folder, limit):
    with pytest.raises(RuntimeError, match="exceed the kernel's scratch space"):
        protocol.pack_files(notebook_folder, limit=limit)


def test_files_at_the_limit_are_accepted(notebook_folder):
    os.close(protocol.pack_files(notebook_folder, limit=TOTAL))


def test_no_folder_sends_no_files(tmp_path):
    fd = protocol.pack_files(None, limit=1)
    protocol.unpack_files(fd, tmp_path)
    assert list(tmp_path.iterdir()) == []
