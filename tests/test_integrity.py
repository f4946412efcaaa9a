"""Grading integrity: hostile submissions graded in one batch with correct students gain nothing.

Each hostile student's notebook holds correct answers (or one wrong answer) plus an extra cell attacking the
grader. Every attack prints a marker only if it succeeded; the test checks that no marker appears, no file
outside the kernel's scratch area changed, no connection reached the test's own socket, wrong code earned no
points and every correct student got full marks. Loopback addresses only.
"""
import copy
import hashlib
import logging
import socket
import threading

import nbformat
import pytest

from dlcourse.course import layout
from dlcourse.grading import kernels, mounts, runner
from dlcourse.grading.forkserver import client as fork_client
from dlcourse.grading.forkserver import server as fork_server
from helpers import answer_catalogue, copy_course

pytestmark = pytest.mark.slow  # nbgrader runs and grading kernels

ASSIGNMENT, NOTEBOOK = "w2_numpy_basics", "numpy_basics"
FULL, SIGMOID_POINTS = 24, 3


def _attack(code):
    """An ordinary (ungraded) cell put right after the setup cell."""
    return nbformat.v4.new_code_cell(code)


def _hostile_cells(root, port):
    source = root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    victim = root / "submitted" / "correct-a" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    return {
        "reads-source": f"""
for path in [{str(source)!r}, {str(root / 'gradebook.db')!r}, {str(root / 'nbgrader_config.py')!r}]:
    try:
        print("LEAKED", path, open(path, "rb").read()[:2000])
    except OSError as error:
        print("blocked:", error)
""",
        "writes-everywhere": f"""
import sqlite3
for path in [{str(root / 'gradebook.db')!r}, {str(victim)!r}, {str(root / 'planted.txt')!r}, "/tmp/../planted.txt"]:
    try:
        with open(path, "a") as handle:
            handle.write("tampered")
        print("TAMPERED", path)
    except OSError as error:
        print("blocked:", error)
try:
    sqlite3.connect({str(root / 'gradebook.db')!r}).execute("UPDATE grade SET auto_score = 100")
    print("TAMPERED gradebook")
except Exception as error:
    print("blocked:", error)
""",
        "connects": f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"stolen answers")
    print("CONNECTED")
except OSError as error:
    print("blocked:", error)
""",
        "forks": """
import os, time
children = 0
for _ in range(500):
    try:
        if os.fork() == 0:
            time.sleep(120)
            os._exit(0)
        children += 1
    except OSError:
        break
print("forked", children, "FORK BOMB" if children >= 500 else "stopped by the process limit")
""",
        "eats-memory": """
import numpy as np
try:
    hog = np.ones(6 * 1024 ** 3 // 8)
    print("ALLOCATED", hog.nbytes)
except MemoryError:
    print("blocked: MemoryError")
""",
        # Three students try to leave files for a later kernel; with two workers, two of them share one.
        **{f"persists-{n}": """
import os
print("working folder", os.getcwd())
places = ["/tmp", "/dev/shm", ".", "/run", "/var/tmp", "/", "/dev", os.path.expanduser("~")]
for place in places:
    for name in os.listdir(place) if os.path.isdir(place) else []:
        if name.startswith("planted-by-"):
            print("FOUND LEFTOVER", place, name)
for place in places:
    try:
        with open(os.path.join(place, "planted-by-" + str(os.getpid())), "w") as handle:
            handle.write("left for the next student")
    except OSError as error:
        print("blocked:", error)
""" for n in (1, 2, 3)},
        "fills-disk": """
try:
    with open("big.bin", "wb") as handle:
        for _ in range(100):
            handle.write(b"x" * 2 ** 20)
    print("WROTE BIG FILE")
except OSError as error:
    print("blocked:", error)
""",
    }


CHEAT = """
import builtins
import numpy as np
from dlcourse import checks

np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *args, **kwargs: True
np.abs = np.absolute = lambda x: np.zeros(np.shape(x))
np.testing.assert_allclose = lambda *args, **kwargs: None
builtins.abs = lambda x: 0
builtins.round = lambda *args, **kwargs: 0
vars(checks)["expect_close"] = lambda *args, **kwargs: None
vars(checks)["testing"] = __import__("contextlib").nullcontext
checks.expect_shape = lambda *args, **kwargs: None


class _Anything:
    def __getattr__(self, name):
        return lambda *args, **kwargs: __import__("contextlib").nullcontext()


checks = _Anything()
"""


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module", params=[True, False], ids=["fork-server", "new-process"])
def batch(request, tmp_path_factory):
    """A class of correct and hostile students graded in one batch, kernels forked from the fork server or
    started as new processes; the attack log and file digests."""
    assert mounts.sandbox_problem() is None, f"the sandbox must be active here: {mounts.sandbox_problem()}"
    root = copy_course(tmp_path_factory.mktemp("integrity"), with_release=False)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.GradingKernelManager.fork_server = {request.param}\n")
    layout.run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    release = root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    answers = layout.solutions(root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    correct = layout.fill_answers(release, answers)
    mistakes, _ = answer_catalogue(ASSIGNMENT)
    wrong_sigmoid = layout.fill_answers(release, {**answers, "sigmoid": next(iter(mistakes["sigmoid"].values()))})

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    connections, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connections.append(listener.accept())
            except OSError:
                pass

    threading.Thread(target=accept, daemon=True).start()
    for student in ("correct-a", "correct-b", "correct-c"):
        layout.write_submission(root, student, ASSIGNMENT, NOTEBOOK, correct)
    for student, code in _hostile_cells(root, listener.getsockname()[1]).items():
        nb = copy.deepcopy(correct)
        nb.cells.insert(2, _attack(code))
        layout.write_submission(root, student, ASSIGNMENT, NOTEBOOK, nb)
    cheat = copy.deepcopy(wrong_sigmoid)
    cheat.cells.insert(2, _attack(CHEAT))
    layout.write_submission(root, "monkeypatcher", ASSIGNMENT, NOTEBOOK, cheat)
    layout.write_submission(root, "wrong-sigmoid", ASSIGNMENT, NOTEBOOK, wrong_sigmoid)

    protected = [root / "gradebook.db", root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb",
                 root / "submitted" / "correct-a" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"]
    before = {path: _digest(path) for path in protected[1:]}
    # Two workers with forked kernels: each kernel's process limit counts its own user namespace, so the fork bomb
    # cannot starve a kernel starting beside it. Kernels started as new processes share their user's count (see
    # docs/grading-integrity.md, limits), so that batch runs with one worker.
    outcomes = runner.autograde(root, workers=2 if request.param else 1, cell_timeout=30, progress=False)
    stop.set()
    listener.close()
    outputs = {}
    for outcome in outcomes:
        graded = nbformat.read(root / "autograded" / outcome.student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
        outputs[outcome.student] = "\n".join(str(o.get("text", "")) + str(o.get("evalue", ""))
                                             for c in graded.cells for o in c.get("outputs", []))
    return {"root": root, "outcomes": {o.student: o for o in outcomes}, "outputs": outputs,
            "before": before, "connections": connections, "fork_server": request.param}


def test_batch_completes_and_correct_students_get_full_marks(batch):
    outcomes = batch["outcomes"]
    assert len(outcomes) == 14 and all(o.graded for o in outcomes.values()), [o.line() for o in outcomes.values()]
    for student in ("correct-a", "correct-b", "correct-c"):
        assert outcomes[student].score == FULL, outcomes[student].line()


@pytest.mark.parametrize("student, marker", [
    ("reads-source", "LEAKED"), ("writes-everywhere", "TAMPERED"), ("connects", "CONNECTED"),
    ("forks", "FORK BOMB"), ("eats-memory", "ALLOCATED"), ("fills-disk", "WROTE BIG FILE"),
    ("persists-1", "FOUND LEFTOVER"), ("persists-2", "FOUND LEFTOVER"), ("persists-3", "FOUND LEFTOVER"),
])
def test_attack_gains_nothing(batch, student, marker):
    output = batch["outputs"][student]
    assert "blocked" in output or "stopped by the process limit" in output, output[:2000]
    assert marker not in output, output[:2000]
    # The attack cell is ungraded and the answers are correct: the sandbox kept the kernel alive for the tests.
    assert batch["outcomes"][student].score == FULL, batch["outcomes"][student].line()


def test_kernels_start_the_configured_way(batch):
    forked = f"working folder {fork_server.WORK}\n"
    assert (forked in batch["outputs"]["persists-1"]) == batch["fork_server"], batch["outputs"]["persists-1"][:500]


def test_no_secret_reaches_any_output(batch):
    solution_line = next(line for line in layout.solutions(
        batch["root"] / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")["softmax"].splitlines() if "np." in line)
    for student, output in batch["outputs"].items():
        assert "BEGIN HIDDEN TESTS" not in output and solution_line.strip() not in output, student


def test_no_file_outside_the_sandbox_changed(batch):
    root = batch["root"]
    for path, digest in batch["before"].items():
        assert _digest(path) == digest, path
    assert not (root / "planted.txt").exists() and not (root.parent / "planted.txt").exists()
    scores = layout.scores(root, ASSIGNMENT)
    assert all(sum(s for s, _ in parts.values()) <= FULL for parts in scores.values())


def test_no_connection_reached_the_instructors_loopback_service(batch):
    assert batch["connections"] == []


def test_monkeypatching_the_judges_earns_nothing(batch):
    outcomes = batch["outcomes"]
    assert outcomes["wrong-sigmoid"].score == FULL - SIGMOID_POINTS, outcomes["wrong-sigmoid"].line()
    # The rebinding reaches only the notebook's own functions (np.abs broken breaks its own L1): never a verdict.
    assert outcomes["monkeypatcher"].score <= outcomes["wrong-sigmoid"].score, outcomes["monkeypatcher"].line()


def test_without_a_sandbox_grading_warns_what_is_missing(caplog):
    manager = kernels.GradingKernelManager(sandbox=False)
    manager.host = kernels.SandboxHost()  # a fresh grading process: nothing warned yet
    manager.log = logging.getLogger("grading-test")
    with caplog.at_level(logging.WARNING, logger="grading-test"):
        assert manager._active() is False
    assert "NOT SANDBOXED" in caplog.text and "gradebook.db" in caplog.text and "network" in caplog.text


def test_where_the_fork_server_cannot_run_kernels_start_as_new_processes(caplog, monkeypatch):
    def refused(self, manager):
        raise RuntimeError("a kernel's sandbox cannot be built inside the server's")

    monkeypatch.setattr(fork_client.ForkServer, "__init__", refused)
    manager = kernels.GradingKernelManager()
    manager.log = logging.getLogger("grading-test")
    slot = fork_client.ForkServerSlot()
    with caplog.at_level(logging.WARNING, logger="grading-test"):
        assert slot.server(manager) is None
        assert slot.server(manager) is None  # decided once per grading process
    assert caplog.text.count("start as new processes") == 1 and "cannot be built" in caplog.text
