"""The judge's connection to a kernel stays within the test's time whatever the kernel does with it."""

import threading
import time

import numpy as np

from dlcourse import wire
from dlcourse.grading.judge import Channel, JudgeError


class _Channel(Channel):
    """A channel on one end of a socket pair, without a kernel: stopping it only records that it did."""

    def __init__(self, connection, seconds):
        self.connection, self.deadline, self.serving, self.stopped = connection, time.monotonic() + seconds, None, 0

    def _stop(self):
        self.stopped += 1
        self._disconnect()

    def _wait(self, sock):
        pass

    def _ended(self, wait=2.0):
        pass


def _within(seconds, action):
    """What action() raised, failing the test if it took longer than seconds (run in a thread)."""
    raised = []

    def run():
        try:
            action()
        except BaseException as error:  # noqa: BLE001
            raised.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    return raised[0] if raised else None


def test_a_kernel_that_never_reads_runs_the_test_out_of_time(pair):
    channel = _Channel(pair[0], seconds=0.5)
    raised = _within(5, lambda: channel._send({"op": "call", "args": [np.zeros(4_000_000)]}))  # 32 MB
    assert isinstance(raised, TimeoutError) and "ran out of time" in str(raised)
    assert channel.stopped == 1 and channel.connection is None


def test_a_kernel_that_stalls_in_the_middle_of_a_message_runs_the_test_out_of_time(pair):
    pair[1].sendall(wire.HEADER.pack(100, 0) + b"{")
    channel = _Channel(pair[0], seconds=0.5)
    raised = _within(5, channel._receive)
    assert isinstance(raised, TimeoutError) and channel.stopped == 1


def test_a_kernel_that_closes_the_connection_fails_the_test(pair):
    pair[1].close()
    channel = _Channel(pair[0], seconds=5)
    raised = _within(5, channel._receive)
    assert isinstance(raised, JudgeError) and channel.connection is None
