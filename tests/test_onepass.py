"""The runner's one-pass grader (dlcourse/grading/shard.py) gives what stock `nbgrader autograde` gives.

The same small class is graded twice from the same registered course (a due date, a late penalty plugin that zeroes
late work): (a) by stock `nbgrader autograde` with the course's nbgrader_config.py (SandboxedExecute through
nbgrader's own converter), on the submissions as the runner repairs them (runner.read_submission: stock nbgrader
cannot read the malformed ones); (b) by `runner.autograde`. Gradebooks, autograded folders and feedback pages must
be the same, but for what differs between two stock runs too (_without_chance): the wall-clock timing nbclient
records in each cell's metadata, the random id of a test cell nbgrader puts back, how printed text was split into
stream messages, the execution count of the cell in which a kernel died. The feedback pages are made from the
autograded notebooks without those.
"""

import copy
import json
import shutil

import nbformat
import pytest
from nbgrader.utils import parse_utc

from dlcourse.course import gradebook, layout
from dlcourse.grading import runner
from dlcourse.grading.execute import KERNEL_DIED
from helpers import answer_catalogue, copy_course

pytestmark = pytest.mark.slow  # grading kernels, nbgrader runs

ASSIGNMENT, NOTEBOOK = "w2_numpy_basics", "numpy_basics"
DUE = "2026-12-01 12:00:00 UTC"
TIMEOUT = 5  # seconds per cell: the stuck cell stays cheap


def _index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _submit_class(course_dir):
    """Write the class's submissions under submitted/."""
    release = course_dir / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    answers = layout.solutions(course_dir / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    correct = layout.fill_answers(release, answers)
    mistakes, _ = answer_catalogue(ASSIGNMENT)
    part, wrong = next((part, next(iter(codes.values()))) for part, codes in mistakes.items())

    def submit(student, nb, name=NOTEBOOK, timestamp=None):
        layout.write_submission(course_dir, student, ASSIGNMENT, name, nb)
        if timestamp:
            (course_dir / "submitted" / student / ASSIGNMENT / "timestamp.txt").write_text(timestamp)

    submit("correct", correct, timestamp="2026-11-30 09:00:00 UTC")
    submit("partly-wrong", layout.fill_answers(release, {**answers, part: wrong}))
    submit("untouched", nbformat.read(release, as_version=4))
    submit("malformed", '{"cells": [')
    submit("renamed", correct, name="my homework")
    submit("late", layout.fill_answers(release, {**answers, part: wrong}), timestamp="2026-12-02 08:30:00 UTC")
    dies = copy.deepcopy(correct)
    dies.cells[_index(dies, "L2")].source += "\nimport os\nos._exit(1)\n"
    submit("kernel-dies", dies)
    stuck = copy.deepcopy(correct)
    stuck.cells[_index(stuck, "L1")].source += "\nimport time\ntime.sleep(3600)\n"
    submit("stuck-cell", stuck)
    no_test = copy.deepcopy(correct)
    no_test.cells.pop(_index(no_test, "test_L1"))
    submit("deleted-test", no_test)
    edited = layout.fill_answers(release, {**answers, part: wrong})
    edited.cells[_index(edited, f"test_{part}")].source = "pass"
    submit("edited-test", edited)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """(stock course, one-pass course): the same class graded both ways, feedback generated."""
    template = copy_course(tmp_path_factory.mktemp("template"), with_release=False)
    with open(template / "nbgrader_config.py", "a") as config:
        config.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    extra = template / "source" / ASSIGNMENT
    (extra / "data").mkdir()
    (extra / "data" / "table.csv").write_text("x,y\n1,2\n")  # copied beside the notebook
    (extra / f"hidden_{ASSIGNMENT}.py").write_text("REFERENCE = 1\n")  # never: c.CourseDirectory.ignore
    layout.run_nbgrader(template, "generate_assignment", ASSIGNMENT, "--force")
    with gradebook.connect(template) as book:
        book.update_or_create_assignment(ASSIGNMENT, duedate=parse_utc(DUE))
    _submit_class(template)
    stock = shutil.copytree(template, tmp_path_factory.mktemp("stock") / "course", symlinks=True)
    onepass = shutil.copytree(template, tmp_path_factory.mktemp("onepass") / "course", symlinks=True)

    for student, assignment in runner.find_submissions(stock):  # as the runner repairs them
        folder = stock / "submitted" / student / assignment
        notebooks, timestamp, _ = runner.read_submission(stock, student, assignment)
        shutil.rmtree(folder)
        for name, nb in notebooks.items():
            layout.write_submission(stock, student, assignment, name, nb)
        if timestamp is not None:
            (folder / "timestamp.txt").write_bytes(timestamp)
    result = layout.run_nbgrader(stock, "autograde", ASSIGNMENT, "--force", f"--Execute.timeout={TIMEOUT}", check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    outcomes = runner.autograde(onepass, workers=2, cell_timeout=TIMEOUT, progress=False)
    assert all(outcome.graded for outcome in outcomes), [o.line() for o in outcomes]
    for course in (stock, onepass):
        shutil.copytree(course / "autograded", course / "as-graded", symlinks=True)
        for path in (course / "autograded").glob("*/*/*.ipynb"):  # feedback made without the run's chance
            mode = path.stat().st_mode
            path.chmod(0o644)
            nbformat.write(nbformat.from_dict(_without_chance(nbformat.read(path, as_version=4))), path)
            path.chmod(mode)
        layout.run_nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    return stock, onepass


def _gradebook(course):
    """{student: everything the autograder writes about the submission}."""
    rows = {}
    with gradebook.connect(course) as book:
        for submission in book.assignment_submissions(ASSIGNMENT):
            rows[submission.student.id] = {
                "timestamp": submission.timestamp,
                "seconds late": submission.total_seconds_late,
                "notebooks": {
                    nb.name: {
                        "late penalty": nb.late_submission_penalty,
                        "grades": sorted(
                            (g.name, g.auto_score, g.manual_score, g.needs_manual_grade) for g in nb.grades
                        ),
                        "comments": sorted((c.name, c.auto_comment, c.manual_comment) for c in nb.comments),
                    }
                    for nb in submission.notebooks
                },
            }
    return rows


def test_the_class_covers_what_it_should(both):
    _, onepass = both
    rows = _gradebook(onepass)
    assert len(rows) == 10
    assert rows["late"]["seconds late"] > 0 and rows["late"]["notebooks"][NOTEBOOK]["late penalty"] > 0
    assert rows["correct"]["seconds late"] == 0 and rows["correct"]["timestamp"] is not None
    folder = onepass / "autograded" / "correct" / ASSIGNMENT
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == [
        "data",
        "data/table.csv",
        f"{NOTEBOOK}.ipynb",
        "timestamp.txt",
    ]
    died = nbformat.read(onepass / "autograded" / "kernel-dies" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    assert any(o.get("ename") == KERNEL_DIED for c in died.cells for o in c.get("outputs", []))


def test_the_gradebooks_are_the_same(both):
    stock, onepass = both
    assert _gradebook(onepass) == _gradebook(stock)


def _without_chance(nb):
    """The notebook as JSON, without what differs from run to run: the wall-clock times nbclient records in each
    cell's metadata, the id of a test cell nbgrader puts back (nbformat draws a new cell's id at random), how a
    cell's printed text is split into stream outputs (the kernel sends it in as many pieces as it happened to flush:
    consecutive pieces of the same stream are joined), and the execution count of the cell in which the kernel died
    (whether its execute_input message got out before the death is a race)."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if any(output.get("ename") == KERNEL_DIED for output in cell.get("outputs", [])):
            cell.execution_count = None
        if "was missing from the submission. It was added back by nbgrader." in cell.source:
            cell.id = "put-back"
        joined = []
        for output in cell.get("outputs", []):
            last = joined[-1] if joined else None
            if output.output_type == "stream" and last and last.output_type == "stream" and last.name == output.name:
                last.text += output.text
            else:
                joined.append(output)
        if "outputs" in cell:
            cell.outputs = joined
    return json.loads(nbformat.writes(nb))


def test_the_autograded_folders_are_the_same(both):
    stock, onepass = both
    stock_files = sorted(p.relative_to(stock / "as-graded") for p in (stock / "as-graded").rglob("*"))
    assert sorted(p.relative_to(onepass / "as-graded") for p in (onepass / "as-graded").rglob("*")) == stock_files
    for path in stock_files:
        mine, theirs = onepass / "as-graded" / path, stock / "as-graded" / path
        assert mine.stat().st_mode == theirs.stat().st_mode, path
        if path.suffix == ".ipynb":
            ours, stocks = (_without_chance(nbformat.read(p, as_version=4)) for p in (mine, theirs))
            assert ours["metadata"] == stocks["metadata"], path
            assert len(ours["cells"]) == len(stocks["cells"]), path
            for index, (cell, expected) in enumerate(zip(ours["cells"], stocks["cells"])):
                assert cell == expected, (path, index)
        elif mine.is_file():
            assert mine.read_bytes() == theirs.read_bytes(), path


def test_the_feedback_is_the_same(both):
    stock, onepass = both
    pages = sorted(p.relative_to(stock / "feedback") for p in (stock / "feedback").rglob("*.html"))
    assert len(pages) == 10
    assert sorted(p.relative_to(onepass / "feedback") for p in (onepass / "feedback").rglob("*.html")) == pages
    for page in pages:
        assert (onepass / "feedback" / page).read_text() == (stock / "feedback" / page).read_text(), page
