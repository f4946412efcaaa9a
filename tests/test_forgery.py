"""Grades no student can forge: attacks on the judgment itself, graded in one batch.

Every forger submits the same wrong ``sigmoid`` (an honest 21 / 24) plus an attack from one of the classes a
determined student would try: hooks that run while tests run, what an in-kernel restore step would trust, and the
answer itself (objects that lie, references corrupted from inside the kernel). Each must score at most the honest
wrong answer. Other students try to read hidden tests, whose text must reach no output of any autograded notebook
and no feedback page. Run against the grader before the judge moved out of the kernel, most of these scored 23–24.
"""

import copy

import nbformat
import pytest

from dlcourse.course import layout
from dlcourse.grading import runner
from helpers import answer_catalogue, copy_course

pytestmark = pytest.mark.slow  # nbgrader runs and grading kernels

ASSIGNMENT, NOTEBOOK = "w2_numpy_basics", "numpy_basics"
FULL, HONEST_WRONG = 24, 21

# Patch everything an in-kernel check could rely on; shared by several attacks.
PATCH = """
def _patch_everything(*args, **kwargs):
    import builtins, sys
    import numpy as np
    np.allclose = lambda *a, **k: True
    np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
    np.array_equal = lambda *a, **k: True
    builtins.isinstance = lambda *a: True
    for name in list(sys.modules):
        if name.startswith("dlcourse"):
            module = sys.modules[name]
            for attribute in dir(module):
                if attribute.startswith(("expect", "call_unchanged", "_close", "_fail", "testing")):
                    try:
                        vars(module)[attribute] = (lambda *a, **k: a[1] if len(a) > 1 else None)
                    except Exception:
                        pass
"""

ATTACKS = {
    # Hooks that run while a test runs.
    "event-hooks": PATCH
    + """
ip = get_ipython()
for event in ("pre_execute", "pre_run_cell", "post_execute", "post_run_cell"):
    ip.events.register(event, _patch_everything)
""",
    "input-and-ast-transformers": """
import ast
ip = get_ipython()
ip.input_transformers_cleanup.append(lambda lines: ["pass\\n"] if any("checks." in l for l in lines) else lines)
class _Blank(ast.NodeTransformer):
    def visit_Call(self, node):
        return ast.Constant(None) if "expect" in ast.unparse(node.func) else self.generic_visit(node)
ip.ast_transformers.append(_Blank())
""",
    "exception-handler": """
get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
""",
    "message-sender": """
import dlcourse.wire as _wire
_send = _wire.send
def _quiet(connection, message):
    if isinstance(message, dict) and isinstance(message.get("outputs"), list):
        message = {**message, "outputs": [o for o in message["outputs"] if o.get("output_type") != "error"]}
    if isinstance(message, dict) and isinstance(message.get("reply"), dict) and "raised" in message["reply"]:
        message = {"reply": {**message["reply"], "value": None}}
        message["reply"].pop("raised")
    return _send(connection, message)
_wire.send = _quiet
""",
    "background-thread": PATCH
    + """
import threading, time
def _keep_patching():
    while True:
        _patch_everything()
        time.sleep(0.001)
threading.Thread(target=_keep_patching, daemon=True).start()
""",
    "trace-and-profile": """
import ctypes, sys, threading
def _tracer(frame, event, arg):
    if frame.f_code.co_name in ("expect_close", "_expect_scalar") and "expected" in frame.f_locals:
        frame.f_locals["got"] = frame.f_locals["expected"]
        ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))
    return _tracer
sys.settrace(_tracer); threading.settrace(_tracer)
sys.setprofile(lambda frame, event, arg: _tracer(frame, event, arg))
""",
    "signal-timer": PATCH
    + """
import signal
signal.signal(signal.SIGALRM, lambda signum, frame: _patch_everything())
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
""",
    "gc-callbacks-and-finalizers": PATCH
    + """
import gc, weakref
gc.callbacks.append(lambda phase, info: _patch_everything())
class _Bait: pass
for _ in range(100):
    weakref.finalize(_Bait(), _patch_everything)
""",
    # The kernel's one connection to the grader: a thread that writes made-up replies to the judge's requests, cell
    # results and ends of tests all the time. It may not raise the score, nor stop the batch.
    "answers-for-the-bridge": """
import gc, threading, time
from dlcourse import wire
_connection = next(o for o in gc.get_objects() if type(o).__name__ == "Kernel" and hasattr(o, "connection")).connection
def _write_everything():
    number = 0
    while True:
        number += 1
        for made_up in ({"reply": {"value": 0.5, "args": [], "kwargs": {}, "records": {}}}, {"served": number},
                        {"executed": number, "outputs": [{"output_type": "stream", "name": "stdout",
                                                          "text": "All tests passed"}], "execution_count": 1}):
            wire.send(_connection, made_up)
        time.sleep(0.002)
threading.Thread(target=_write_everything, daemon=True).start()
""",
    # What a restore step inside the kernel would trust.
    "import-global": """
class _Fake:
    def __getattr__(self, name):
        return lambda *a, **k: (lambda *b, **c: None)
__import__ = lambda *a, **k: _Fake()
""",
    "package-attributes": """
import sys, types, dlcourse
_fake = types.ModuleType("dlcourse.checks")
_fake.__getattr__ = lambda name: (lambda *a, **k: __import__("contextlib").nullcontext())
dlcourse.checks = _fake
sys.modules["dlcourse.checks"] = _fake
sys.modules["dlcourse.bridge"] = _fake
""",
    # The visible tests themselves: a `tests` of the student's own, or the package's visible-test module rebound.
    "own-tests-module": """
class _AllPass:
    def __getattr__(self, name):
        return lambda *args, **kwargs: None
tests = _AllPass()
""",
    "rebinds-visible-tests": """
import dlcourse.visible.w2_numpy_basics as _visible
for _name in [name for name, value in vars(_visible).items() if callable(value) and not name.startswith("_")]:
    setattr(_visible, _name, lambda *args, **kwargs: None)
""",
    "checks-internals": """
from dlcourse import checks
for name, value in list(vars(checks).items()):
    if name.startswith("_") and callable(value) and not name.startswith("__"):
        try:
            vars(checks)[name] = lambda *a, **k: True
        except Exception:
            pass
""",
}
# The answer itself: wrong sigmoids that rewire the comparison, lie about their values or corrupt references.
WRONG_ANSWERS = {
    "answer-rewires-while-called": PATCH
    + """
def sigmoid(x):
    _patch_everything()
    return 1 / (1 + np.exp(x))
""",
    "lying-array": """
class _Liar(np.ndarray):
    def __array__(self, dtype=None, copy=None):
        import sys
        frame = sys._getframe(1)
        while frame is not None:
            if "expected" in frame.f_locals:
                return np.asarray(frame.f_locals["expected"], dtype=float)
            frame = frame.f_back
        return np.asarray(self.view(np.ndarray))
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)
    @property
    def shape(self):
        import sys
        frame = sys._getframe(1)
        while frame is not None:
            if "expected" in frame.f_locals:
                return np.shape(frame.f_locals["expected"])
            frame = frame.f_back
        return self.view(np.ndarray).shape

def sigmoid(x):
    return (1 / (1 + np.exp(x))).view(_Liar)
""",
    "lying-float-subclass": """
class _Number(float):
    def __float__(self):
        import sys
        frame = sys._getframe(1)
        while frame is not None:
            if "expected" in frame.f_locals:
                return float(frame.f_locals["expected"])
            frame = frame.f_back
        return 0.5
    def __eq__(self, other):
        return True

def sigmoid(x):
    values = 1 / (1 + np.exp(x))
    return [_Number(v) for v in np.ravel(values)] if np.ndim(values) else _Number(values)
""",
    "floods-the-judge": """
def sigmoid(x):
    return np.zeros(12_000_000)  # 96 MB: more than a message may carry
""",
    "corrupts-references": """
import math as _real_math
_numpy_exp = np.exp
class _FlippedExp:
    def __call__(self, v, *a, **k):
        return _numpy_exp(-np.asarray(v))
np.exp = _FlippedExp()
math.exp = lambda v: _real_math.e ** (-v)

def sigmoid(x):
    return 1 / (1 + _real_math.e ** np.asarray(x, dtype=float))
""",
}
# Cells that try to read hidden tests while grading (put at the end, after every test has run).
READERS = {
    "reads-everything": """
import glob, linecache, os, sys
for path in glob.glob("**/*", recursive=True) + glob.glob("/tmp/**/*", recursive=True):
    if os.path.isfile(path):
        try:
            print(path, open(path, errors="replace").read()[:100000])
        except OSError:
            pass
print(In, Out)
print({name: "".join(lines) for name, (_, _, lines, _) in linecache.cache.items()})
print([str(frame) for frame in sys._current_frames().values()])
print(get_ipython().history_manager.input_hist_raw)
""",
    "records-test-inputs": """
_seen = []
_real_sigmoid = sigmoid
def sigmoid(x):
    import traceback
    stack = "".join(traceback.format_stack())
    _seen.append((repr(x), stack))
    if "bridge" in stack:
        print("JUDGED CALL with", x)
    return _real_sigmoid(x)
""",
}
HIDDEN_MARKERS = ["BEGIN HIDDEN TESTS", "default_rng(2026", '(hidden)")', "_reference_sigmoid"]


def _insert_after_setup(nb, code):
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(code))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class of forgers and readers, graded in one batch, then given feedback."""
    root = copy_course(tmp_path_factory.mktemp("forgery"), with_release=False)
    layout.run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    release = root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    answers = layout.solutions(root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    mistakes, _ = answer_catalogue(ASSIGNMENT)
    wrong_sigmoid = layout.fill_answers(
        release, {**answers, "sigmoid": mistakes["sigmoid"]["exponent without the minus sign"]}
    )
    layout.write_submission(root, "honest-wrong", ASSIGNMENT, NOTEBOOK, wrong_sigmoid)
    for student, code in ATTACKS.items():
        nb = copy.deepcopy(wrong_sigmoid)
        _insert_after_setup(nb, code)
        layout.write_submission(root, student, ASSIGNMENT, NOTEBOOK, nb)
    for student, code in WRONG_ANSWERS.items():
        layout.write_submission(
            root, student, ASSIGNMENT, NOTEBOOK, layout.fill_answers(release, {**answers, "sigmoid": code})
        )
    before_setup = copy.deepcopy(wrong_sigmoid)
    before_setup.cells.insert(0, nbformat.v4.new_code_cell(PATCH + "\n_patch_everything()\n"))
    layout.write_submission(root, "cell-before-setup", ASSIGNMENT, NOTEBOOK, before_setup)
    skipped_setup = copy.deepcopy(wrong_sigmoid)
    for cell in skipped_setup.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "setup":
            cell.metadata["tags"] = ["skip-when-grading"]
    _insert_after_setup(skipped_setup, "import math, numpy as np\n" + PATCH + "\n_patch_everything()\n")
    layout.write_submission(root, "setup-tagged-skip", ASSIGNMENT, NOTEBOOK, skipped_setup)
    correct = layout.fill_answers(release, answers)
    for student, code in READERS.items():
        nb = copy.deepcopy(correct)
        if student == "records-test-inputs":
            nb.cells.insert(
                next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid")
                + 1,
                nbformat.v4.new_code_cell(code),
            )
            nb.cells.append(nbformat.v4.new_code_cell("print(_seen)"))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(code))
        layout.write_submission(root, student, ASSIGNMENT, NOTEBOOK, nb)
    outcomes = runner.autograde(root, workers=2, cell_timeout=30, progress=False)
    layout.run_nbgrader(root, "generate_feedback", ASSIGNMENT, "--force")
    return root, {o.student: o for o in outcomes}


@pytest.mark.parametrize(
    "student", ["honest-wrong", *ATTACKS, *WRONG_ANSWERS, "cell-before-setup", "setup-tagged-skip"]
)
def test_no_forgery_scores_above_the_honest_wrong_answer(graded, student):
    _, outcomes = graded
    assert outcomes[student].graded, outcomes[student].line()
    assert outcomes[student].score <= HONEST_WRONG, outcomes[student].line()
    if student == "honest-wrong":
        assert outcomes[student].score == HONEST_WRONG, outcomes[student].line()


@pytest.mark.parametrize("student", list(READERS))
def test_readers_keep_their_marks_and_learn_no_hidden_test(graded, student):
    root, outcomes = graded
    assert outcomes[student].score == FULL, outcomes[student].line()
    autograded = nbformat.read(root / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    outputs = "\n".join(str(output) for cell in autograded.cells for output in cell.get("outputs", []))
    feedback = "\n".join(path.read_text() for path in (root / "feedback" / student / ASSIGNMENT).glob("*.html"))
    assert feedback, "no feedback page"
    for marker in HIDDEN_MARKERS:
        assert marker not in outputs, f"{marker!r} in the outputs of {student}'s autograded notebook"
        assert marker not in feedback, f"{marker!r} in {student}'s feedback page"
    # What the notebook prints while the judge runs its functions is not kept.
    assert "JUDGED CALL" not in outputs
