"""The whole nbgrader cycle on a class of sample students, one batch per assignment.

The reference gets full marks, the untouched release 0, each known mistake loses exactly its function's
points, differently written correct code gets full marks, and malformed submissions get what they deserve
without stopping the batch. Feedback never shows hidden tests.
"""
from html import unescape

import nbformat
import pytest

from dlcourse.course import layout
from helpers import answer_catalogue, assignments_with_answers, copy_course

pytestmark = pytest.mark.slow  # nbgrader runs and grading kernels

# A short cell timeout keeps the infinite-loop student cheap; the graded cells of these notebooks take
# well under a second each, so correct students are not affected.
TEST_TIMEOUT = "--Execute.timeout=10"


def _slug(text):
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")[:40]


def _without_cell(nb, grade_id):
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


def _edit_cell(nb, grade_id, source):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    return nb


def _class(course_dir, assignment):
    """Write every sample student's submission; return {student: (description, expectation)}.

    An expectation is ("full",) | ("zero",) | ("loses", part, everything_lost).
    """
    mistakes, alternatives = answer_catalogue(assignment)
    students = {}
    for name in layout.notebook_names(course_dir, assignment):
        source = course_dir / "source" / assignment / f"{name}.ipynb"
        release = course_dir / "release" / assignment / f"{name}.ipynb"
        answers = layout.solutions(source)
        owners = layout.test_owners(source)
        last = list(answers)[-1]
        first_test_of_last = next(t for t, part in owners.items() if part == last)

        def submit(student, nb, description, expectation):
            layout.write_submission(course_dir, student, assignment, name, nb)  # noqa: B023 -- called in this iteration
            students[student] = (description, expectation)

        submit("reference", layout.fill_answers(release, answers), "the reference solution", ("full",))
        submit("untouched", nbformat.read(release, as_version=4), "the release, untouched", ("zero",))
        for part, variants in mistakes.items():
            for index, (what, code) in enumerate(variants.items()):
                submit(f"mistake-{_slug(part)}-{index}", layout.fill_answers(release, {**answers, part: code}),
                       f"{part}: {what}", ("loses", part))
        for index, (what, codes) in enumerate(alternatives.items()):
            submit(f"alternative-{index}", layout.fill_answers(release, {**answers, **codes}), what, ("full",))
        submit("syntax-error", layout.fill_answers(release, {**answers, last: answers[last].replace("):", ")", 1)}),
               f"a syntax error in {last}", ("loses", last))
        looping = answers[last].replace('"""\n', '"""\n    while True:\n        pass\n', 1)
        submit("infinite-loop", layout.fill_answers(release, {**answers, last: looping}),
               f"an infinite loop in {last}", ("loses", last))
        submit("deleted-test-cell", _without_cell(layout.fill_answers(release, answers), first_test_of_last),
               f"correct code, test cell {first_test_of_last} deleted (it must be put back and pass)", ("full",))
        wrong = next(iter(mistakes[last].values()))
        edited = _edit_cell(layout.fill_answers(release, {**answers, last: wrong}), first_test_of_last, "pass")
        submit("edited-locked-cell", edited,
               f"a mistake in {last} and its test cell replaced by 'pass'", ("loses", last))
    return students


@pytest.fixture(scope="module", params=assignments_with_answers())
def graded(request, tmp_path_factory):
    """A scratch course with the class autograded (one nbgrader batch) and feedback generated."""
    assignment = request.param
    course_dir = copy_course(tmp_path_factory.mktemp(assignment), with_release=False)
    layout.run_nbgrader(course_dir, "generate_assignment", assignment, "--force")  # also fills the gradebook
    students = _class(course_dir, assignment)
    result = layout.run_nbgrader(course_dir, "autograde", assignment, "--force", TEST_TIMEOUT, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    layout.run_nbgrader(course_dir, "generate_feedback", assignment, "--force")
    return assignment, course_dir, students, layout.scores(course_dir, assignment)


def test_every_student_was_graded(graded):
    assignment, course_dir, students, table = graded
    assert sorted(table) == sorted(students)
    for student in students:
        assert list((course_dir / "autograded" / student / assignment).glob("*.ipynb")), student
    # the hidden tests' shared references stay in source/: never copied where the student's kernel runs
    assert not list((course_dir / "autograded").rglob("hidden_*.py"))


def test_each_student_gets_the_points_deserved(graded):
    assignment, _, students, table = graded
    problems = []
    for student, (description, expectation) in students.items():
        parts = table[student]
        lost = {part: (score, best) for part, (score, best) in parts.items() if score < best}
        if expectation[0] == "full" and lost:
            problems.append(f"{student} ({description}) lost points: {lost}")
        elif expectation[0] == "zero" and any(score for score, _ in parts.values()):
            problems.append(f"{student} ({description}) scored: {parts}")
        elif expectation[0] == "loses" and set(lost) != {expectation[1]}:
            problems.append(f"{student} ({description}) should lose points on {expectation[1]} only; lost {lost}")
    assert not problems, "\n".join(problems)


def test_every_graded_function_has_a_mistake_that_loses_all_its_points(graded):
    assignment, course_dir, students, table = graded
    mistakes, _ = answer_catalogue(assignment)
    parts = {part for name in layout.notebook_names(course_dir, assignment)
             for part in layout.solutions(course_dir / "source" / assignment / f"{name}.ipynb")}
    assert set(mistakes) == parts, \
        f"the answer catalogue must cover every graded function: {sorted(parts - set(mistakes))}"
    for part in parts:
        zeros = [s for s, (_, e) in students.items() if e == ("loses", part) and s.startswith("mistake-")
                 and table[s][part][0] == 0]
        assert zeros, f"no known mistake in {part} loses all of its points"


def test_feedback_never_shows_hidden_tests(graded):
    assignment, course_dir, students, _ = graded
    pages = list((course_dir / "feedback").rglob("*.html"))
    assert len(pages) >= len(students)
    for page in pages:
        html = page.read_text()
        assert "BEGIN HIDDEN TESTS" not in html and "_rng = np.random.default_rng" not in html, page
        assert "Visible tests for" in html, page


def test_feedback_shows_the_teaching_message_of_a_failed_visible_test(graded):
    assignment, course_dir, students, _ = graded
    student = next(s for s in students if s.startswith("mistake-"))
    html = unescape(next((course_dir / "feedback" / student / assignment).glob("*.html")).read_text())
    autograded = next((course_dir / "autograded" / student / assignment).glob("*.ipynb"))
    failures = [output for cell in nbformat.read(autograded, as_version=4).cells if "_hidden" not in
                cell.metadata.get("nbgrader", {}).get("grade_id", "_hidden") for output in cell.get("outputs", [])
                if output.output_type == "error" and output.ename == "CheckFailure"]
    assert failures, f"{student}: no visible test failed with a teaching message"
    # the message as the student reads it there (its lines wrapped to the page: compared word by word)
    assert "CheckFailure" in html and " ".join(failures[0].evalue.splitlines()[0].split()) in " ".join(html.split())


def test_demonstration_cells_are_not_run_while_grading(graded):
    assignment, course_dir, _, _ = graded
    for source in (course_dir / "source" / assignment).glob("*.ipynb"):
        tagged = [i for i, c in enumerate(nbformat.read(source, as_version=4).cells)
                  if "skip-when-grading" in c.metadata.get("tags", [])]
        graded_nb = nbformat.read(course_dir / "autograded" / "reference" / assignment / source.name, as_version=4)
        for index in tagged:
            cell = graded_nb.cells[index]
            assert "not run while grading" in cell.source and not cell.outputs, (source.name, index)
