"""release/ is what nbgrader makes of source/, and nothing a student receives holds solution code."""
import json
import re
from pathlib import Path

import nbformat
import pytest

import dlcourse
from dlcourse import course
from helpers import REPO, copy_course

ASSIGNMENTS = course.assignments(REPO)
SECRET_BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


def _files(folder):
    return sorted(p.relative_to(folder) for p in Path(folder).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.name != ".gitkeep")


def _cells(path):
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nbformat.read(path, as_version=4).cells]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_generated_from_source(tmp_path, assignment):
    scratch = copy_course(tmp_path / "course", with_release=False)
    course.run_nbgrader(scratch, "generate_assignment", assignment, "--force")
    generated, committed = scratch / "release" / assignment, REPO / "release" / assignment
    assert _files(generated) == _files(committed), "release/ lists other files than nbgrader generates: regenerate it"
    for name in _files(generated):
        if name.suffix == ".ipynb":
            assert _cells(generated / name) == _cells(committed / name), f"release/{assignment}/{name} is out of date"
        else:
            assert (generated / name).read_bytes() == (committed / name).read_bytes()


def _secret_lines():
    """Lines of solutions and hidden tests that appear nowhere in the public part of any source notebook."""
    secret, public = set(), set()
    for path in (REPO / "source").rglob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            hidden = "".join(block for _, block in SECRET_BLOCK.findall(cell.source))
            secret.update(line.strip() for line in hidden.splitlines())
            public.update(line.strip() for line in SECRET_BLOCK.sub("", cell.source).splitlines())
    return {line for line in secret - public if len(line) >= 12 and not line.startswith("#")}


def _student_texts():
    """(name, text) of everything a student receives: release/ files and the installed package's modules."""
    for path in (REPO / "release").rglob("*"):
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


def test_nothing_a_student_receives_holds_solution_code_or_hidden_tests():
    secret = _secret_lines()
    texts = list(_student_texts())
    assert any(name.startswith("release/") for name, _ in texts)
    for name, text in texts:
        if name.startswith("release/"):
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, name
        lines = {line.strip() for line in text.splitlines()}
        leaked = sorted(secret & lines)
        assert not leaked, f"{name} contains solution or hidden-test lines: {leaked[:5]}"


def test_release_notebooks_carry_no_outputs():
    for path in (REPO / "release").rglob("*.ipynb"):
        nb = json.loads(path.read_text())
        assert all(not cell.get("outputs") for cell in nb["cells"]), path


def test_reference_namespace_runs_the_solutions_of_a_source_notebook():
    import numpy as np

    namespace = course.reference_namespace(REPO / "source" / "w2_numpy_basics" / "numpy_basics.ipynb")
    assert namespace["softmax"](np.zeros((2, 3))).tolist() == [[0.5] * 3] * 2
    assert namespace["L2"](np.array([1.0, 2.0]), np.array([0.0, 0.0])) == 5.0
