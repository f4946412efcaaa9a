"""The runner's pieces that need no grading run: reading submissions, shard folders, report lines, kernel-death
detection."""

import json
import time

import nbformat
import pytest

from dlcourse.course import gradebook
from dlcourse.grading import runner
from dlcourse.grading.execute import KERNEL_DIED
from tiny_notebooks import answered, release_notebook, write

ASSIGNMENT, NOTEBOOK = "a1", "square"


@pytest.fixture
def course(tmp_path):
    """A course folder with one one-notebook assignment."""
    root = tmp_path / "course"
    for folder in ("source", "release"):
        (root / folder / ASSIGNMENT).mkdir(parents=True)
        write(release_notebook(), root / folder / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    return root


def _submit(root, student, files):
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    for name, content in files.items():
        write(content, folder / name)
    return folder


def _read(root, student):
    """(the notebook as it will be graded, timestamp bytes, problems) of a student's submission."""
    notebooks, timestamp, problems = runner.read_submission(root, student, ASSIGNMENT)
    assert list(notebooks) == [NOTEBOOK]
    return notebooks[NOTEBOOK], timestamp, problems


def test_a_shard_shares_source_and_release_and_copies_the_config(course, tmp_path):
    shard = runner.prepare_shard(course, tmp_path / "shard")
    assert (shard / "source").resolve() == course / "source" and (shard / "release").resolve() == course / "release"
    assert (shard / "nbgrader_config.py").read_text() == "c = get_config()\n"
    assert sorted(p.name for p in shard.iterdir()) == ["nbgrader_config.py", "release", "source"]


def test_a_clean_submission_is_read_as_submitted(course):
    _submit(course, "alice", {f"{NOTEBOOK}.ipynb": answered()})
    nb, timestamp, problems = _read(course, "alice")
    assert problems == [] and timestamp is None
    assert nb.cells[2].source == answered().cells[2].source


def test_a_renamed_notebook_is_graded_under_its_expected_name(course):
    _submit(course, "bob", {"my homework.ipynb": answered()})
    nb, _, problems = _read(course, "bob")
    assert problems == [f"notebook renamed to my homework.ipynb: graded as {NOTEBOOK}.ipynb"]
    assert nb.cells[2].source == answered().cells[2].source


def test_a_missing_notebook_is_graded_as_the_untouched_student_version(course):
    _submit(course, "carol", {"notes.txt": "I ran out of time"})
    nb, _, problems = _read(course, "carol")
    assert problems == [f"{NOTEBOOK}.ipynb missing: graded as unanswered", "ignored extra files: notes.txt"]
    assert [c.source for c in nb.cells] == [c.source for c in release_notebook().cells]


def test_two_unexpected_notebooks_are_not_guessed_between(course):
    _submit(course, "dan", {"draft.ipynb": answered(), "final.ipynb": answered()})
    nb, _, problems = _read(course, "dan")
    assert [c.source for c in nb.cells] == [c.source for c in release_notebook().cells]
    assert problems == [
        f"{NOTEBOOK}.ipynb missing: graded as unanswered",
        "ignored extra files: draft.ipynb, final.ipynb",
    ]


def test_extra_files_are_named_and_left_out(course):
    _submit(course, "erin", {f"{NOTEBOOK}.ipynb": answered(), "scratch.ipynb": answered(), "data.csv": "1,2"})
    nb, timestamp, problems = _read(course, "erin")
    assert problems == ["ignored extra files: scratch.ipynb, data.csv"]
    assert nb.cells[2].source == answered().cells[2].source and timestamp is None


def test_the_submission_timestamp_goes_with_it_and_is_not_an_extra_file(course):
    _submit(course, "fay", {f"{NOTEBOOK}.ipynb": answered(), "timestamp.txt": "2026-12-01 10:00:00 UTC"})
    _, timestamp, problems = _read(course, "fay")
    assert problems == [] and timestamp == b"2026-12-01 10:00:00 UTC"


def test_a_timestamp_that_is_not_a_date_is_ignored_and_reported(course):
    _submit(course, "hal", {f"{NOTEBOOK}.ipynb": answered(), "timestamp.txt": "yesterday-ish"})
    _, timestamp, problems = _read(course, "hal")
    assert problems == ["timestamp.txt is not a date: ignored"] and timestamp is None


def test_a_repair_problem_is_reported_with_the_student(course):
    _submit(course, "gus", {f"{NOTEBOOK}.ipynb": '{"cells": ['})
    _, _, problems = _read(course, "gus")
    assert problems == ["unreadable notebook (NotJSONError): graded as unanswered"]


# ------------------------------------------------------------------ report lines


def test_a_graded_submission_line_shows_score_and_problems():
    outcome = runner.Outcome("alice", "w2_numpy_basics", ["notebook renamed", "extra files"], True, 21.5, 24)
    assert outcome.line() == f"{'alice':<24} {'w2_numpy_basics':<28} 21.5 / 24  (notebook renamed; extra files)"


def test_a_clean_submission_line_has_no_parentheses():
    assert runner.Outcome("bob", "a1", [], True, 24, 24).line().endswith("24 / 24")


def test_a_failed_submission_line_says_failed_and_zero():
    line = runner.Outcome("carol", "a1", ["grading failed"], False, 0, 24).line()
    assert "FAILED, 0 / 24  (grading failed)" in line and line.startswith("carol ")


# ------------------------------------------------------------------ kernel death


def _autograded(tmp_path, cells):
    return write(nbformat.v4.new_notebook(cells=cells), tmp_path / "autograded.ipynb")


def _error(name):
    return nbformat.v4.new_output("error", ename=name, evalue="", traceback=[])


def test_a_kernel_death_is_found_in_the_cell_it_happened(tmp_path):
    cells = release_notebook().cells
    cells[2].outputs = [_error(KERNEL_DIED)]
    cells[3].outputs = [_error("NotRun")]
    assert runner.kernel_death(_autograded(tmp_path, cells)) == "square"


def test_a_kernel_death_in_a_plain_cell_is_named_by_its_index(tmp_path):
    cells = release_notebook().cells
    cells[4].outputs = [_error(KERNEL_DIED)]
    assert runner.kernel_death(_autograded(tmp_path, cells)) == "cell 4"


def test_a_student_printing_the_marker_is_not_a_dead_kernel(tmp_path):
    marker = json.dumps({"ename": KERNEL_DIED, "evalue": "", "output_type": "error"}, indent=1)
    cells = release_notebook().cells
    cells[2].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=marker),
        nbformat.v4.new_output("display_data", data={"text/plain": marker, "application/json": {"ename": KERNEL_DIED}}),
    ]
    path = _autograded(tmp_path, cells)
    assert f'"ename": "{KERNEL_DIED}"' in path.read_text()  # a search of the file's text would be fooled
    assert runner.kernel_death(path) is None


def test_an_ordinary_error_is_not_a_dead_kernel(tmp_path):
    cells = release_notebook().cells
    cells[3].outputs = [_error("AssertionError")]
    assert runner.kernel_death(_autograded(tmp_path, cells)) is None


# ------------------------------------------------------------------ merging as results come


def _claim_in(folder, claims, index):
    """Claim a submission as the grading process working in folder does."""
    return runner.claim(claims, index, folder.name)


def _merging(monkeypatch, merging=None):
    """runner._merge recording its batches [(student, assignment, has a record)] (and setting the event merging),
    outcomes graded when recorded."""
    merged = []

    def merge(root, folder, submissions, records):
        merged.append([(s, a, (s, a) in records) for s, a in submissions])
        if merging is not None:
            merging.set()
        return [runner.Outcome(s, a, [], graded=(s, a) in records) for s, a in submissions]

    monkeypatch.setattr(runner, "MERGE_SECONDS", 0.05)
    monkeypatch.setattr(runner, "_merge", merge)
    monkeypatch.setattr(runner, "log_tail", lambda folder: f"log of {folder.name}")
    return merged


def _record(folder, student):
    with open(folder / runner.RESULTS, "a") as results:
        results.write(json.dumps({"student": student, "assignment": ASSIGNMENT, "result": {}}) + "\n")


def test_a_submission_is_claimed_by_one_grading_process_only(tmp_path):
    claims = tmp_path / runner.CLAIMS
    claims.mkdir()
    first, second = tmp_path / "shard0", tmp_path / "shard1"
    first.mkdir(), second.mkdir()
    assert _claim_in(first, claims, 0) and not _claim_in(second, claims, 0) and _claim_in(second, claims, 1)
    assert runner._claimed(claims, {}) == {0: "shard0", 1: "shard1"}


def test_results_are_merged_while_the_shard_still_grades(tmp_path, monkeypatch):
    """A submission's record is merged within MERGE_SECONDS of being written, before its shard ends; a submission the
    shard claimed but never recorded is merged (as failed) when the shard ends; each is merged once."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    first_merge = threading.Event()
    merged = _merging(monkeypatch, first_merge)
    claims, shard = tmp_path / runner.CLAIMS, tmp_path / "shard0"
    claims.mkdir(), shard.mkdir()
    submissions = [("s1", ASSIGNMENT), ("s2", ASSIGNMENT)]

    def grade():
        _claim_in(shard, claims, 0)
        _record(shard, "s1")
        assert first_merge.wait(10), "s1 was not merged while the shard ran"
        _claim_in(shard, claims, 1)  # s2 is never recorded: its grading failed

    with ThreadPoolExecutor(1) as pool:
        outcomes = runner._merge_as_graded(tmp_path, {pool.submit(grade): shard}, submissions, claims)
    assert merged == [[("s1", ASSIGNMENT, True)], [("s2", ASSIGNMENT, False)]]
    assert [(o.student, o.graded, o.log_tail) for o in outcomes] == [("s1", True, ""), ("s2", False, "log of shard0")]


def test_grading_processes_share_the_class_as_it_comes(tmp_path, monkeypatch):
    """Each submission is merged from the shard that claimed it: a failed one as soon as its shard has ended, while
    another still grades; one nobody claimed (the processes stopped first) when all have ended."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    merged = _merging(monkeypatch)
    claims, quick, slow = tmp_path / runner.CLAIMS, tmp_path / "shard0", tmp_path / "shard1"
    for folder in (claims, quick, slow):
        folder.mkdir()
    submissions = [(f"s{i}", ASSIGNMENT) for i in range(4)]
    quick_ended = threading.Event()

    def grade_quickly():  # takes s0, grades it; takes s2 and fails on it
        _claim_in(quick, claims, 0)
        _record(quick, "s0")
        _claim_in(quick, claims, 2)

    def grade_slowly():  # takes s1 and grades it after the quick one has ended; s3 is left to nobody
        _claim_in(slow, claims, 1)
        assert quick_ended.wait(10)
        time.sleep(0.3)
        _record(slow, "s1")

    with ThreadPoolExecutor(2) as pool:
        quick_run = pool.submit(grade_quickly)
        quick_run.add_done_callback(lambda run: quick_ended.set())
        runs = {quick_run: quick, pool.submit(grade_slowly): slow}
        outcomes = runner._merge_as_graded(tmp_path, runs, submissions, claims)
    batch_of = {student: (number, recorded) for number, batch in enumerate(merged) for student, _, recorded in batch}
    assert sorted(batch_of) == ["s0", "s1", "s2", "s3"] and sum(map(len, merged)) == 4  # each merged once
    assert batch_of["s2"][0] < batch_of["s1"][0] < batch_of["s3"][0] == len(merged) - 1
    logs = {o.student: (o.graded, o.log_tail) for o in outcomes}
    assert logs == {"s0": (True, ""), "s1": (True, ""), "s2": (False, "log of shard0"), "s3": (False, "")}


def _scores_by_pair(book):
    """{(student, assignment): [auto scores of each submission of that pair]} of an nbgrader gradebook."""
    from nbgrader.api import SubmittedAssignment

    found = {}
    for submission in book.db.query(SubmittedAssignment):
        scores = [grade.auto_score for notebook in submission.notebooks for grade in notebook.grades]
        found.setdefault((submission.student.id, submission.assignment.name), []).append(scores)
    return found


def _result(score):
    return {"grades": [[NOTEBOOK, "test_square", score, False]], "comments": [], "penalties": [], "timestamp": None}


def test_storing_a_batch_replaces_exactly_its_own_submissions(tmp_path, monkeypatch):
    """A batch names some (student, assignment) pairs: their earlier rows go, every other pair keeps its own, even
    where the batch holds the same student with another assignment and the same assignment with another student."""
    monkeypatch.setenv(gradebook.URL_VARIABLE, f"sqlite:///{tmp_path / 'gradebook.db'}")
    with gradebook.connect(tmp_path) as book:
        for assignment in ("x", "y"):
            book.add_assignment(assignment)
            book.add_notebook(NOTEBOOK, assignment)
            book.add_grade_cell("test_square", NOTEBOOK, assignment, max_score=2, cell_type="code")
            book.add_solution_cell("square", NOTEBOOK, assignment)
        runner._store_scores(book, {("ann", "x"): _result(1.0), ("ann", "y"): _result(2.0), ("bob", "x"): None})
        book.db.commit()
        runner._store_scores(book, {("ann", "y"): _result(0.0), ("bob", "x"): _result(2.0), ("cy", "y"): None})
        book.db.commit()
        assert _scores_by_pair(book) == {
            ("ann", "x"): [[1.0]],  # not in the second batch: kept
            ("ann", "y"): [[0.0]],
            ("bob", "x"): [[2.0]],  # failed before (0), graded now
            ("cy", "y"): [[0.0]],  # a new student whose grading failed: every test scores 0
        }
