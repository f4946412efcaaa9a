"""The instructor command line on a small class of odd submissions: every student gets what they deserve,
the batch completes, nobody keeps a stale score; export, feedback and the students' check command."""
import copy
import csv
import shutil
import subprocess
import sys

import nbformat
import pytest

from dlcourse.course import layout
from dlcourse.grading import runner
from helpers import copy_course

pytestmark = pytest.mark.slow  # nbgrader runs and grading kernels

ASSIGNMENT, NOTEBOOK = "w2_numpy_basics", "numpy_basics"
FULL = 24


def _dlcourse(course_dir, *args):
    return subprocess.run([sys.executable, "-m", "dlcourse", *args], cwd=course_dir, capture_output=True, text=True)


def _cell_index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A course whose class of odd submissions was graded twice (the second time some students resubmitted)."""
    course_dir = copy_course(tmp_path_factory.mktemp("class"), with_release=False)
    result = _dlcourse(course_dir, "release", ASSIGNMENT)
    assert result.returncode == 0, result.stderr
    release = course_dir / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    correct = layout.fill_answers(release, layout.solutions(course_dir / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"))

    def submit(student, nb, name=NOTEBOOK):
        return layout.write_submission(course_dir, student, ASSIGNMENT, name, nb)

    submit("correct, with \"quotes\"", correct)
    submit("renamed", correct, name="my homework")
    submit("invalid-json", '{"cells": [')
    submit("empty-file", "")
    duplicated = copy.deepcopy(correct)
    index = _cell_index(duplicated, "softmax")
    twin = copy.deepcopy(duplicated.cells[index])
    twin.id = "twin"
    duplicated.cells.insert(index + 1, twin)
    submit("duplicated-cell", duplicated)
    edited_meta = copy.deepcopy(correct)
    edited_meta.cells[_cell_index(edited_meta, "test_L1")].metadata["nbgrader"]["points"] = 100
    edited_meta.cells[_cell_index(edited_meta, "L2")].metadata["nbgrader"]["grade_id"] = "my_L2"
    submit("edited-metadata", edited_meta)
    reordered = copy.deepcopy(correct)
    reordered.cells.append(reordered.cells.pop(_cell_index(reordered, "L2")))
    submit("reordered", reordered)
    huge = copy.deepcopy(correct)
    huge.cells[_cell_index(huge, "L1")].source += "\nfor _i in range(200000):\n    print('spam', _i)\n"
    submit("huge-output", huge)
    import_error = copy.deepcopy(correct)
    index = _cell_index(import_error, "L1")
    import_error.cells[index].source = "import a_package_the_course_does_not_have\n" + import_error.cells[index].source
    submit("import-error", import_error)
    split = copy.deepcopy(correct)
    index = _cell_index(split, "softmax")
    split.cells[index].source = ("def _column_softmax(x):\n    e = np.exp(x)\n"
                                 "    return e / np.sum(e, axis=0, keepdims=True)\n")
    split.cells.insert(index + 1, nbformat.v4.new_code_cell("def softmax(x):\n    return _column_softmax(x)\n"))
    submit("split-cells", split)
    (course_dir / "submitted" / "renamed" / ASSIGNMENT / "notes.txt").write_text("extra file")
    first = _dlcourse(course_dir, "autograde", "--workers", "2", "--timeout", "20")
    assert first.returncode == 0, first.stderr

    dies = copy.deepcopy(correct)
    dies.cells[_cell_index(dies, "L2")].source += "\nimport os\nos._exit(1)\n"
    submit("correct, with \"quotes\"", dies)  # resubmits a notebook whose kernel kills itself
    second = _dlcourse(course_dir, "autograde", "--student", "correct, with \"quotes\"", "--timeout", "20")
    assert second.returncode == 0, second.stderr
    return course_dir, first.stdout, second.stdout


def _total(course_dir, student):
    return sum(score for score, _ in layout.scores(course_dir, ASSIGNMENT)[student].values())


@pytest.mark.parametrize("student, expected", [
    ("renamed", FULL), ("invalid-json", 0), ("empty-file", 0), ("duplicated-cell", FULL),
    ("edited-metadata", FULL), ("huge-output", FULL), ("import-error", FULL - 3), ("split-cells", FULL),
])
def test_odd_submissions_get_the_points_they_deserve(graded, student, expected):
    course_dir, _, _ = graded
    assert _total(course_dir, student) == expected


def test_a_function_defined_after_its_tests_loses_only_its_own_points(graded):
    course_dir, _, _ = graded
    parts = layout.scores(course_dir, ASSIGNMENT)["reordered"]
    assert parts.pop("L2") == (0.0, 3.0) and all(score == best for score, best in parts.values())


def test_every_odd_submission_gets_a_report_line(graded):
    _, report, _ = graded
    for student, words in [("renamed", "renamed to my homework.ipynb"), ("renamed", "ignored extra files: notes.txt"),
                           ("invalid-json", "unreadable notebook"), ("empty-file", "empty notebook file"),
                           ("duplicated-cell", "'softmax' duplicated"), ("edited-metadata", "'test_L1' edited")]:
        assert any(line.startswith(student) and words in line for line in report.splitlines()), (student, words)
    assert "10 submissions graded, 0 failed" in report


def test_a_kernel_that_kills_itself_keeps_the_points_before_and_replaces_the_old_score(graded):
    course_dir, _, report = graded
    parts = layout.scores(course_dir, ASSIGNMENT)['correct, with "quotes"']
    assert parts.pop("L2") == (0.0, 3.0) and all(score == best for score, best in parts.values())
    line = next(line for line in report.splitlines() if line.startswith('correct, with "quotes"'))
    assert "the kernel died" in line and "21 / 24" in line


def test_a_student_whose_grading_fails_gets_zero_not_the_old_score(graded, tmp_path):
    course_dir = shutil.copytree(graded[0], tmp_path / "course", symlinks=True)
    assert _total(course_dir, "renamed") == FULL
    shard = runner.prepare_shard(course_dir, tmp_path / "shard")  # a shard whose grader left nothing for this student
    [outcome] = runner._merge(course_dir, shard, [("renamed", ASSIGNMENT)])
    assert not outcome.graded and "grading failed" in outcome.line()
    assert _total(course_dir, "renamed") == 0
    assert not (course_dir / "autograded" / "renamed" / ASSIGNMENT).exists()


def test_export_quotes_names_and_has_a_column_per_graded_function(graded, tmp_path):
    course_dir, _, _ = graded
    output = tmp_path / "reports" / "grades.csv"  # a folder that does not exist yet is made
    assert _dlcourse(course_dir, "export", "--output", str(output)).returncode == 0
    rows = list(csv.DictReader(output.open()))
    by_student = {row["student"]: row for row in rows}
    assert by_student['correct, with "quotes"'][ASSIGNMENT] == "21"
    assert by_student['correct, with "quotes"'][f"{ASSIGNMENT}:L2"] == "0"
    assert by_student["renamed"][f"{ASSIGNMENT}:softmax"] == "3" and by_student["renamed"]["total"] == "24"
    assert len(rows) == 10


def test_export_to_a_folder_says_what_to_give(graded, tmp_path):
    course_dir, _, _ = graded
    result = _dlcourse(course_dir, "export", "--output", str(tmp_path))
    assert result.returncode == 1 and "is a folder: give a file name" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_feedback_pages_are_written(graded):
    course_dir, _, _ = graded
    result = _dlcourse(course_dir, "feedback")  # every assignment: those not graded yet are skipped, not an error
    assert result.returncode == 0, result.stderr
    assert "w2_logistic_regression: nothing autograded yet" in result.stdout
    assert (course_dir / "feedback" / "renamed" / ASSIGNMENT / f"{NOTEBOOK}.html").is_file()


def test_release_check_reports_sync_and_drift(graded):
    course_dir, _, _ = graded
    assert _dlcourse(course_dir, "release", "--check", ASSIGNMENT).returncode == 0
    release = course_dir / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(release, as_version=4)
    nb.cells[0].source += " (edited by hand)"
    nbformat.write(nb, release)
    drift = _dlcourse(course_dir, "release", "--check", ASSIGNMENT)
    assert drift.returncode == 1 and "out of date" in drift.stdout


def test_student_check_passes_correct_work_and_names_failing_functions(graded, tmp_path):
    course_dir, _, _ = graded
    good = _dlcourse(course_dir, "check", f"submitted/renamed/{ASSIGNMENT}/my homework.ipynb")
    assert good.returncode == 0 and "8 of 8 graded functions pass" in good.stdout
    untouched = _dlcourse(course_dir, "check", f"release/{ASSIGNMENT}/{NOTEBOOK}.ipynb")
    assert untouched.returncode == 1 and "FAIL  softmax" in untouched.stdout and "not answered yet" in untouched.stdout


def test_autograde_without_a_gradebook_registers_the_assignment_first_and_says_when_nothing_was_submitted(tmp_path):
    course_dir = copy_course(tmp_path / "c", with_release=True)
    result = _dlcourse(course_dir, "autograde")
    assert result.returncode == 1 and "no submissions found under submitted/" in result.stderr
    untouched = nbformat.read(course_dir / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    layout.write_submission(course_dir, "carol", ASSIGNMENT, NOTEBOOK, untouched)
    result = _dlcourse(course_dir, "autograde", "--workers", "1")
    assert result.returncode == 0 and "1 submissions graded, 0 failed" in result.stdout, result.stdout + result.stderr
    assert layout.scores(course_dir, ASSIGNMENT)["carol"], "the submission was graded against the registered assignment"
    assert not (course_dir / "release" / ASSIGNMENT / ".ipynb_checkpoints").exists()


def test_student_check_skips_demonstrations_like_the_grader(graded, tmp_path):
    course_dir, _, _ = graded
    nb = nbformat.read(course_dir / "submitted" / "renamed" / ASSIGNMENT / "my homework.ipynb", as_version=4)
    demos = [c for c in nb.cells if "skip-when-grading" in c.metadata.get("tags", [])]
    assert demos
    for cell in demos:
        cell.source = "while True:\n    pass"
    path = tmp_path / "with_a_slow_demo.ipynb"
    nbformat.write(nb, path)
    result = _dlcourse(course_dir, "check", str(path), "--timeout", "20")
    assert result.returncode == 0 and "8 of 8 graded functions pass" in result.stdout


def test_setup_completes_a_half_made_gradebook_so_nbgrader_can_upgrade_it(tmp_path):
    """A server that could not run `alembic` leaves tables without a schema version; `dlcourse setup` completes it."""
    import sqlalchemy
    from nbgrader.api import Base

    course_dir = copy_course(tmp_path / "c", with_release=False)
    Base.metadata.create_all(sqlalchemy.create_engine(f"sqlite:///{course_dir / 'gradebook.db'}"))
    result = _dlcourse(course_dir, "setup")
    every = len(layout.assignments(course_dir))
    assert result.returncode == 0 and f"({every} assignments newly registered)" in result.stdout, result.stdout
    upgrade = subprocess.run([sys.executable, "-m", "nbgrader", "db", "upgrade"], cwd=course_dir, capture_output=True,
                             text=True, env=layout.jupyter_env(tmp_path / "state"))
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert (course_dir / "exchange").is_dir()
