"""A test that runs out of time interrupts the student's code, never a message: whenever the judge's interrupt and its
"done" reach the grading kernel, the kernel ends the test in step with its connection, and the notebook's next cell
runs in the same kernel (a kernel out of step loses the cells after it: they are run again in a new one, or their
tests fail).

Each test here plays the judge's side of the protocol (dlcourse.grading.judge.Channel) by hand on a real sandboxed
kernel, so that the interrupt lands exactly where it should be tested.
"""

import signal
import socket
import time

import pytest

from dlcourse import wire
from dlcourse.grading import kernels, leankernel

pytestmark = pytest.mark.slow  # real grading kernels

G_IS_A_STAND_IN = {"g": {"kind": "callback", "id": 0, "name": "g"}}


@pytest.fixture
def kernel(tmp_path):
    manager = kernels.GradingKernelManager()
    manager.start(str(tmp_path))
    yield manager
    manager.stop()


def _soon(seconds=5.0):
    return time.monotonic() + seconds


def _define(kernel, source):
    assert kernel.execute(source, 10, 1 << 20)["outputs"] == []


def _call(kernel, name, stand_ins):
    """Start serving a test and ask for name() with stand_ins; the serving request's id."""
    serving = kernel.request_id()
    kernel.connection.send({"op": "serve", "id": serving}, _soon())
    kernel.connection.send({"op": "call", "name": name, "args": [], "kwargs": {}, "stand_ins": stand_ins}, _soon())
    return serving


def _raised(kernel):
    """The name of the error the call's reply reports."""
    message = kernel.connection.receive(_soon())
    return message["reply"]["raised"]["ename"]


def _message_bytes(value):
    ours, theirs = socket.socketpair()
    with ours, theirs:
        wire.send(ours, value)
        ours.shutdown(socket.SHUT_WR)
        return b"".join(iter(lambda: theirs.recv(1 << 16), b""))


def _ends_in_step(kernel, serving):
    """End the test as the judge does ("done", then "served" within the grace) and run the next cell."""
    kernel.connection.send({"op": "done"}, _soon())
    kernel.connection.reply("served", serving, _soon(2.0))  # TimeoutError: the kernel did not come back in time
    reply = kernel.execute("6 * 7", 10, 1 << 20)
    assert [output.get("data", {}).get("text/plain") for output in reply["outputs"]] == ["42"]
    assert not kernel.connection.broken


def test_an_interrupt_stops_the_students_code(kernel):
    _define(kernel, "def f():\n    while True:\n        pass")
    serving = _call(kernel, "f", {})
    time.sleep(0.3)
    kernel.interrupt(serving)
    assert _raised(kernel) == "KeyboardInterrupt"
    _ends_in_step(kernel, serving)


def test_an_interrupt_while_the_kernel_reads_a_stand_ins_result_waits_for_the_whole_message(kernel):
    _define(kernel, "def f():\n    return g() + 1")
    serving = _call(kernel, "f", G_IS_A_STAND_IN)
    assert "callback" in kernel.connection.receive(_soon())
    result = _message_bytes({"value": 41})
    kernel.connection.sock.sendall(result[:5])
    time.sleep(0.3)
    kernel.interrupt(serving)
    time.sleep(0.3)
    kernel.connection.sock.sendall(result[5:])
    assert _raised(kernel) == "KeyboardInterrupt"  # taken once the result was read, in the student's code
    _ends_in_step(kernel, serving)


def test_an_interrupt_while_the_kernel_sends_a_stand_in_call_waits_for_the_whole_message(kernel):
    _define(kernel, "import numpy as np\ndef f():\n    return g(np.ones(4_000_000))")  # 32 MB: sendall blocks
    serving = _call(kernel, "f", G_IS_A_STAND_IN)
    time.sleep(0.5)
    kernel.interrupt(serving)
    time.sleep(0.3)
    call = kernel.connection.receive(_soon())["callback"]
    assert call["args"][0].shape == (4_000_000,) and call["args"][0].sum() == 4_000_000
    kernel.connection.send({"value": 1.0}, _soon())  # a call's answer is read whole too, then the interrupt taken
    assert _raised(kernel) == "KeyboardInterrupt"
    _ends_in_step(kernel, serving)


def test_a_test_that_ends_while_the_students_code_waits_for_a_stand_in_ends_at_once(kernel):
    """The judge ran out of time before answering a stand-in's call, and its interrupt has not arrived: the "done"
    read in place of the result ends the test, even for code that catches every error and calls again."""
    _define(kernel, "def f():\n    try:\n        return g()\n    except BaseException:\n        return g()")
    serving = _call(kernel, "f", G_IS_A_STAND_IN)
    assert "callback" in kernel.connection.receive(_soon())
    _ends_in_step(kernel, serving)


def test_an_interrupt_that_comes_after_its_request_ended_is_dropped():
    """The kernel forwards an interrupt when its request is running; if the signal is handled only once the next
    request has started (the forwarding thread was descheduled in between), it is dropped, not taken by that one."""
    kernel = object.__new__(leankernel.Kernel)  # the signal handler's state only: no shell, no connection
    kernel.running, kernel.aimed, kernel.taking, kernel.kept = "next-request", "old-request", True, False
    try:
        kernel._on_interrupt(signal.SIGINT, None)
    except KeyboardInterrupt:
        pytest.fail("the next request took an interrupt sent for the one before")
    kernel.aimed = "next-request"
    with pytest.raises(KeyboardInterrupt):
        kernel._on_interrupt(signal.SIGINT, None)
