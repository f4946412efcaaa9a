"""release/ is what nbgrader makes of source/, and nothing a student receives holds solution code."""
import json
import re
from pathlib import Path

import nbformat
import pytest

import dlcourse
from dlcourse.course import layout
from helpers import REPO

ASSIGNMENTS = layout.assignments(REPO)
HIDDEN_MODULES = sorted((REPO / "source").glob("*/hidden_*.py"))
SECRET_BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
# A line that only opens a call, as the formatter splits long calls (`checks.expect_gradient(`), tells nothing.
CALL_OPENER = re.compile(r"[\w.]+\(")


@pytest.mark.slow  # runs nbgrader generate_assignment
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_generated_from_source(assignment):
    assert layout.release_differences(REPO, assignment) == [], "regenerate release/ with 'dlcourse release'"


def _secret_lines(only=None, kinds=("SOLUTION", "HIDDEN TESTS")):
    """Lines of solutions and hidden tests that appear nowhere in the public part of any source notebook.

    only -- keep the secrets of this assignment only; kinds -- which blocks count ("SOLUTION", "HIDDEN TESTS")
    """
    secret, public = set(), set()
    for path in (REPO / "source").rglob("*.ipynb"):
        assignment = path.relative_to(REPO / "source").parts[0]
        for cell in nbformat.read(path, as_version=4).cells:
            if only in (None, assignment):
                hidden = "".join(block for kind, block in SECRET_BLOCK.findall(cell.source) if kind in kinds)
                secret.update(line.strip() for line in hidden.splitlines())
            public.update(line.strip() for line in SECRET_BLOCK.sub("", cell.source).splitlines())
    if "HIDDEN TESTS" in kinds:  # the hidden tests' shared references (source/<assignment>/hidden_*.py)
        for path in HIDDEN_MODULES:
            if only in (None, path.parent.name):
                secret.update(line.strip() for line in path.read_text().splitlines())
    return {line for line in secret - public
            if len(line) >= 12 and not line.startswith("#") and not CALL_OPENER.fullmatch(line)}


# The one intended exception (CURRICULUM: the week-4 application is given the step-by-step building blocks by a
# helper module released with it only): the module generated from the step-by-step solutions by
# dlcourse.course.blocks may hold solution lines of w4_deep_nn_step_by_step — and nothing else secret. Everywhere
# else they stay forbidden.
ALLOWED_SOLUTIONS = {"release/w4_deep_nn_application/dnn_blocks.py": "w4_deep_nn_step_by_step"}


def _leaks(texts, secret, allowed):
    """[(name, what leaked)] for (name, text) pairs; allowed -- {name: secret lines that file may hold}."""
    problems = []
    for name, text in texts:
        if name.startswith("release/") and ("BEGIN SOLUTION" in text or "BEGIN HIDDEN TESTS" in text):
            problems.append((name, ["a BEGIN SOLUTION or BEGIN HIDDEN TESTS marker"]))
        lines = {line.strip() for line in text.splitlines()}
        leaked = sorted((secret - allowed.get(name, set())) & lines)
        if leaked:
            problems.append((name, leaked[:5]))
    return problems


def _allowed():
    return {name: _secret_lines(only=assignment, kinds=("SOLUTION",)) for name, assignment in ALLOWED_SOLUTIONS.items()}


def _released(pattern):
    """Files under release/ matching a glob pattern, without what Jupyter or Python write beside them
    (.ipynb_checkpoints, __pycache__): those are not part of the release."""
    return [path for path in (REPO / "release").rglob(pattern)
            if not layout.NOT_RELEASED & set(path.relative_to(REPO / "release").parts)]


def _student_texts():
    """(name, text) of everything a student receives: release/ files and the installed package's modules."""
    for path in _released("*"):
        if path.suffix in {".ipynb", ".py"}:
            text = path.read_text()
            if path.suffix == ".ipynb":
                text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
            yield f"release/{path.relative_to(REPO / 'release')}", text
    package = Path(dlcourse.__file__).parent
    for path in package.rglob("*.py"):
        yield f"dlcourse/{path.relative_to(package)}", path.read_text()


def test_the_secret_line_finder_finds_solutions():
    secret = _secret_lines()
    assert "s = 1 / (1 + math.exp(-x))" in secret
    assert "x_sum = np.sum(x_exp, axis=0, keepdims=True)" in secret
    assert 'dz1 = np.dot(parameters["W2"].T, dz2) * (1 - np.tanh(cache["Z1"]) ** 2)' in secret  # a hidden module's


def test_the_hidden_tests_shared_references_are_not_released():
    assert HIDDEN_MODULES and not list((REPO / "release").rglob("hidden_*.py"))


def test_nothing_a_student_receives_holds_solution_code_or_hidden_tests():
    texts = list(_student_texts())
    assert any(name.startswith("release/") for name, _ in texts)
    problems = _leaks(texts, _secret_lines(), _allowed())
    assert not problems, "\n".join(f"{name} contains solution or hidden-test lines: {lines}"
                                   for name, lines in problems)


def test_the_leak_check_allows_step_by_step_solutions_in_the_generated_blocks_module_only():
    secret, allowed = _secret_lines(), _allowed()
    blocks = "release/w4_deep_nn_application/dnn_blocks.py"
    block_line = "dA_prev, dW, db = linear_backward(dZ, linear_cache)"     # a step-by-step solution line
    other_solution = "x_sum = np.sum(x_exp, axis=0, keepdims=True)"        # a w2_numpy_basics solution line
    hidden_test = "_rng = np.random.default_rng(40401)"                    # a step-by-step hidden-test line
    assert {block_line, other_solution, hidden_test} <= secret and block_line in allowed[blocks]
    assert _leaks([(blocks, f"x = 1\n    {block_line}\n")], secret, allowed) == []
    for name, line in [(blocks, other_solution), (blocks, hidden_test),
                       ("release/w4_deep_nn_application/deep_nn_application.ipynb", block_line),
                       ("release/w4_deep_nn_application/other_helpers.py", block_line),
                       ("release/w4_deep_nn_step_by_step/activations.py", block_line),
                       ("dlcourse/blocks.py", block_line)]:
        assert _leaks([(name, f"    {line}\n")], secret, allowed) == [(name, [line])], (name, line)
    assert _leaks([(blocks, "# ### BEGIN SOLUTION\n")], secret, allowed)


def test_release_notebooks_carry_no_outputs():
    for path in _released("*.ipynb"):
        nb = json.loads(path.read_text())
        assert all(not cell.get("outputs") for cell in nb["cells"]), path


def test_reference_namespace_runs_the_solutions_of_a_source_notebook():
    import numpy as np

    namespace = layout.reference_namespace(REPO / "source" / "w2_numpy_basics" / "numpy_basics.ipynb")
    assert namespace["softmax"](np.zeros((2, 3))).tolist() == [[0.5] * 3] * 2
    assert namespace["L2"](np.array([1.0, 2.0]), np.array([0.0, 0.0])) == 5.0


def test_reference_namespace_leaves_out_answer_cells_that_need_the_notebooks_data():
    namespace = layout.reference_namespace(REPO / "source" / "w2_logistic_regression" / "logistic_regression.ipynb")
    assert callable(namespace["model"]) and "m_train" not in namespace
