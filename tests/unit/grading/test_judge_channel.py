"""The judge's requests on a kernel's connection stay within the test's time whatever the kernel does with it."""

import threading
import time

import numpy as np

from dlcourse import wire
from dlcourse.grading.judge import Channel, JudgeError
from dlcourse.grading.kernels import KernelConnection, KernelDied


class _Kernel:
    """A kernel that is one end of a socket pair: interrupting it only records that it was."""

    def __init__(self, sock, alive=True):
        self.connection = KernelConnection(sock, lambda: alive)
        self.interrupted, self.numbers = 0, 0
        self.alive = lambda: alive

    def interrupt(self, request_id):
        self.interrupted += 1

    def request_id(self):
        self.numbers += 1
        return self.numbers


def _channel(sock, seconds, alive=True, serving=None):
    channel = Channel(_Kernel(sock, alive), grace=0.2)
    channel.deadline, channel.serving = time.monotonic() + seconds, serving
    return channel


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
    channel = _channel(pair[0], seconds=0.5, serving="test")
    raised = _within(5, lambda: channel._send({"op": "call", "args": [np.zeros(4_000_000)]}))  # 32 MB
    assert isinstance(raised, TimeoutError) and "ran out of time" in str(raised)
    assert channel.kernel.interrupted == 1 and channel.connection.broken  # cut mid-message: the kernel is replaced


def test_a_kernel_that_stalls_in_the_middle_of_a_message_runs_the_test_out_of_time(pair):
    pair[1].sendall(wire.HEADER.pack(100, 0) + b"{")
    channel = _channel(pair[0], seconds=0.5, serving="test")
    raised = _within(5, channel._receive)
    assert isinstance(raised, TimeoutError) and channel.kernel.interrupted == 1 and channel.connection.broken


def test_a_kernel_that_answers_nothing_runs_the_test_out_of_time(pair):
    channel = _channel(pair[0], seconds=0.5)
    raised = _within(5, lambda: channel.request({"op": "describe", "names": ["f"]}, lambda message: None))
    assert isinstance(raised, TimeoutError) and channel.kernel.interrupted == 1
    assert channel.connection.broken  # it did not come back from serving within the grace: it is replaced


def test_a_kernel_that_closes_the_connection_fails_the_test(pair):
    pair[1].close()
    channel = _channel(pair[0], seconds=5)
    raised = _within(5, channel._receive)
    assert isinstance(raised, JudgeError) and channel.connection.broken


def test_a_kernel_that_died_is_reported_as_dead(pair):
    pair[1].close()
    channel = _channel(pair[0], seconds=5, alive=False)
    assert isinstance(_within(5, channel._receive), KernelDied)


def test_a_test_ends_in_step_with_the_kernel_whatever_came_before_the_kernel_returned(pair):
    channel = _channel(pair[0], seconds=5)
    wire.send(pair[1], {"reply": {"f": {"missing": True}}})
    assert channel.request({"op": "describe", "names": ["f"]}, lambda message: None) == {"f": {"missing": True}}
    assert wire.receive(pair[1]) == {"op": "serve", "id": 1}
    assert wire.receive(pair[1]) == {"op": "describe", "names": ["f"]}
    for noise in ({"served": 99}, {"executed": 1}, [1, 2], {"reply": {}}):  # late or made-up messages
        wire.send(pair[1], noise)
    wire.send(pair[1], {"served": 1})
    channel.finish()
    assert wire.receive(pair[1]) == {"op": "done"} and not channel.connection.broken
    wire.send(pair[1], {"next": True})  # everything up to the end of the test was read, nothing after it
    assert channel.connection.receive(time.monotonic() + 1) == {"next": True}


def test_a_message_out_of_turn_fails_the_test(pair):
    channel = _channel(pair[0], seconds=5)
    wire.send(pair[1], {"served": 1})
    raised = _within(5, lambda: channel.request({"op": "describe", "names": ["f"]}, lambda message: None))
    assert isinstance(raised, JudgeError) and "out of turn" in str(raised)


def test_a_kernel_that_does_not_return_from_serving_is_replaced(pair):
    channel = _channel(pair[0], seconds=5)
    channel.serving = 1
    _within(2, channel.finish)
    assert channel.connection.broken and channel.serving is None
