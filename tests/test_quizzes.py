"""The weekly quizzes: answers are read as what they mean, judged by hidden tests, and the whole instructor cycle
(release, autograde, export, feedback — the dlcourse commands) gives each submission what it deserves.

One autograde run grades every quiz's class: the key (full marks), the untouched release (0), the catalogue's
wrong answers (several questions wrong per submission: exactly those points lost, each explained in the feedback
without the key), differently spelled right answers (full marks), malformed answers (a form message, 0 for
those questions only) and wrong answers behind a fake judge bound to the name quiz (still wrong).
"""

import csv
import html
import re
import subprocess
import sys

import nbformat
import pytest

from dlcourse import quiz
from dlcourse.checks import CheckFailure
from dlcourse.course import layout
from helpers import answer_catalogue, copy_course, quizzes

QUIZZES = quizzes()
NOTEBOOK = "quiz"
# A malformed answer of each form: what a slip of the keyboard or a misunderstanding produces.
MALFORMED = {
    "letter": "'banana'",
    "letters": "{'a': 1}",
    "int": "'twelve'",
    "shape": "'3x4'",
    "float": "[0.5, 1]",
    "bool": "'maybe'",
}


# ------------------------------------------------------------------------------------------ reading answers
@pytest.mark.parametrize(
    "form, value, meaning",
    [
        ("letter", "b", "b"),
        ("letter", " B ", "b"),
        ("letter", "(c)", "c"),
        ("letter", "d)", "d"),
        ("letters", {"a", "c"}, {"a", "c"}),
        ("letters", ["A", "c"], {"a", "c"}),
        ("letters", ("e",), {"e"}),
        ("letters", "a, c", {"a", "c"}),
        ("letters", "ac", {"a", "c"}),
        ("letters", set(), set()),
        ("int", 3, 3),
        ("int", 3.0, 3),
        ("int", __import__("numpy").int64(7), 7),
        ("shape", (3, 4), (3, 4)),
        ("shape", [3, 4], (3, 4)),
        ("shape", (3.0, 1), (3, 1)),
        ("shape", (), ()),
        ("shape", __import__("numpy").zeros((2, 5)).shape, (2, 5)),
        ("shape", __import__("numpy").array([4, 1]), (4, 1)),
        ("float", 0.25, 0.25),
        ("float", 1, 1.0),
        ("bool", True, True),
        ("bool", "false", False),
        ("bool", __import__("numpy").bool_(True), True),
    ],
)
def test_an_answer_counts_as_what_it_means(form, value, meaning):
    assert quiz.read("q1", form, {"q1": value}) == meaning


@pytest.mark.parametrize(
    "form, value",
    [
        ("letter", "banana"),
        ("letter", "g"),
        ("letter", 2),
        ("letter", {"a": 1}),
        ("letters", {"a": 1}),
        ("letters", "a, z"),
        ("letters", 3),
        ("int", "3"),
        ("int", 2.5),
        ("int", True),
        ("int", float("nan")),
        ("shape", "3x4"),
        ("shape", 12),
        ("shape", (3, "4")),
        ("shape", {"a": 1}),
        ("float", "0.5"),
        ("float", [0.5]),
        ("float", float("inf")),
        ("bool", "maybe"),
        ("bool", 1),
    ],
)
def test_a_malformed_answer_gets_a_form_message(form, value):
    with pytest.raises(CheckFailure, match=r"q1 is not in the expected form: .*\n  q1 should be "):
        quiz.check_form("q1", form, {"q1": value})


@pytest.mark.parametrize("namespace", [{}, {"q1": None}, {"q1": ...}])
def test_an_unanswered_question_says_so(namespace):
    with pytest.raises(CheckFailure, match="q1 is not answered yet: q1 should be one letter"):
        quiz.check_form("q1", "letter", namespace)


def test_judge_explains_the_chosen_options_only():
    why = {"a": "A is about something else.", "c": "C confuses rows and columns."}
    quiz.judge("q2", "letters", {"q2": ["B", "d"]}, key="bd", why=why)
    with pytest.raises(CheckFailure) as wrong:
        quiz.judge("q2", "letters", {"q2": "a, b, d"}, key="bd", why=why)
    assert "(a) A is about something else." in str(wrong.value) and "C confuses" not in str(wrong.value)
    with pytest.raises(CheckFailure, match="at least one more option is right") as missing:
        quiz.judge("q2", "letters", {"q2": {"b"}}, key="bd", why=why)
    assert "(d)" not in str(missing.value)
    with pytest.raises(CheckFailure, match=r"q3: your answer \(20, 15\) is wrong: transposed"):
        quiz.judge("q3", "shape", {"q3": [20, 15]}, key=(15, 20), why={(20, 15): "transposed."}, otherwise="rule.")
    with pytest.raises(CheckFailure, match=r"your answer \(1, 1\) is wrong: rule\.$"):
        quiz.judge("q3", "shape", {"q3": (1, 1)}, key=(15, 20), why={(20, 15): "transposed."}, otherwise="rule.")
    quiz.judge("q4", "float", {"q4": 6.004}, key=6.0)
    with pytest.raises(CheckFailure):
        quiz.judge("q4", "float", {"q4": 6.1}, key=6.0)


def test_the_quiz_module_cannot_be_rebound():
    with pytest.raises(AttributeError, match="read-only"):
        quiz.judge = lambda *args, **kwargs: None


# ------------------------------------------------------------------------------------------ the pipeline
def _dlcourse(course_dir, *args):
    result = subprocess.run([sys.executable, "-m", "dlcourse", *args], cwd=course_dir, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


def _forms(source):
    """{question: (form, key)} from the hidden tests of a source quiz (read as the tests' own data)."""
    import ast

    forms = {}
    for cell in nbformat.read(source, as_version=4).cells:
        if "quiz.judge(" in cell.source:
            hidden = ast.parse(cell.source.split("### BEGIN HIDDEN TESTS\n")[1].split("### END")[0])
            call = next(node.value for node in hidden.body if isinstance(node, ast.Expr))
            key = next(ast.literal_eval(k.value) for k in call.keywords if k.arg == "key")
            forms[call.args[0].value] = (call.args[1].value, key)
    return forms


def _class(course_dir, assignment):
    """Write the class of one quiz; returns {student: (wrong questions, or None for untouched; explanations)}."""
    source = course_dir / "source" / assignment / f"{NOTEBOOK}.ipynb"
    release = course_dir / "release" / assignment / f"{NOTEBOOK}.ipynb"
    answers, forms = layout.solutions(source), _forms(source)
    mistakes, alternatives = answer_catalogue(assignment)
    assert set(mistakes) == set(answers) == set(forms), "the catalogue must give wrong answers to every question"
    students = {}

    def submit(student, replaced, expectation):
        layout.write_submission(
            course_dir, student, assignment, NOTEBOOK, layout.fill_answers(release, {**answers, **replaced})
        )
        students[student] = expectation

    submit("key", {}, (set(), {}))
    layout.write_submission(course_dir, "untouched", assignment, NOTEBOOK, nbformat.read(release, as_version=4))
    students["untouched"] = (None, {})
    for index in range(max(len(entries) for entries in mistakes.values())):
        chosen = {q: list(entries.items())[index] for q, entries in mistakes.items() if index < len(entries)}
        submit(
            f"wrong-{index}",
            {q: code for q, (_, code) in chosen.items()},
            (set(chosen), {q: why for q, (why, _) in chosen.items()}),
        )
    for index, codes in enumerate(alternatives.values()):
        submit(f"spelled-{index}", codes, (set(), {}))
    fake = (
        "class _AlwaysRight:\n    def judge(self, *args, **kwargs):\n        print('right')\n"
        "    check_form = judge\n\nquiz = _AlwaysRight()\n"
    )
    first = list(answers)[0]
    wrong = {q: list(entries.values())[0] for q, entries in mistakes.items()}
    submit("forger", {**wrong, first: fake + wrong[first]}, (set(wrong), {}))
    for parity in (0, 1):
        bad = {q: f"{q} = {MALFORMED[forms[q][0]]}" for k, q in enumerate(answers) if k % 2 == parity}
        submit(f"malformed-{parity}", bad, (set(bad), {}))
    return students


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A scratch course: every quiz released, its class autograded in one run, grades exported, feedback written."""
    course_dir = copy_course(tmp_path_factory.mktemp("quizzes"), with_release=False)
    _dlcourse(course_dir, "release", *QUIZZES)
    classes = {assignment: _class(course_dir, assignment) for assignment in QUIZZES}
    _dlcourse(course_dir, "autograde", *QUIZZES, "--workers", "2", "--timeout", "20")
    _dlcourse(course_dir, "export", "--output", "grades.csv")
    _dlcourse(course_dir, "feedback", *QUIZZES)
    return course_dir, classes


def test_each_submission_loses_exactly_the_points_of_its_wrong_questions(graded):
    course_dir, classes = graded
    problems = []
    for assignment, students in classes.items():
        table = layout.scores(course_dir, assignment)
        for student, (wrong, _) in students.items():
            parts = table[student]
            assert all(best == 1 for _, best in parts.values()), parts  # one point per question
            lost = {q for q, (score, best) in parts.items() if score < best}
            expected = set(parts) if wrong is None else wrong
            if lost != expected:
                problems.append(f"{assignment}/{student}: lost {sorted(lost)}, expected {sorted(expected)}")
    assert not problems, "\n".join(problems)


def test_export_has_a_column_per_question(graded):
    course_dir, classes = graded
    with open(course_dir / "grades.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    for assignment in classes:
        questions = layout.solutions(course_dir / "source" / assignment / f"{NOTEBOOK}.ipynb")
        assert rows["key"][assignment] == str(len(questions))
        for question in questions:
            assert rows["key"][f"{assignment}:{question}"] == "1"
            assert rows["untouched"][f"{assignment}:{question}"] == "0"


def _cell_error(nb, grade_id):
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return next((f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"), None)


def _names_the_key(explanation, form, key):
    """Whether an explanation names the key: its letters, or its value written out."""
    if form in ("letter", "letters"):
        return any(re.search(rf"\({k}\)|['\"]{k}['\"]", explanation) for k in key)
    if form in ("bool", "shape"):
        return str(tuple(key) if form == "shape" else key) in explanation
    return bool(re.search(rf"(?<!\w)(?<!\d\.){key:g}(?:\.0)?(?!\w|\.\d)", explanation))


def test_feedback_explains_each_wrong_answer_without_the_key(graded):
    course_dir, classes = graded
    for assignment, students in classes.items():
        forms = _forms(course_dir / "source" / assignment / f"{NOTEBOOK}.ipynb")
        for student, (_, explanations) in students.items():
            if not student.startswith("wrong-"):
                continue
            page = html.unescape(next((course_dir / "feedback" / student / assignment).glob("*.html")).read_text())
            assert "BEGIN HIDDEN TESTS" not in page and "quiz.judge(" not in page and "key=" not in page
            graded_nb = nbformat.read(
                course_dir / "autograded" / student / assignment / f"{NOTEBOOK}.ipynb", as_version=4
            )
            for question, why in explanations.items():
                message = _cell_error(graded_nb, f"test_{question}_hidden")
                assert message and message.startswith(f"CheckFailure: {question}: your answer "), (student, message)
                assert why in message and message in page, (assignment, student, question)
                form, key = forms[question]
                chosen = quiz.read(question, form, runpy_answer(answer_catalogue(assignment)[0], question, why))
                told = message.split(" is wrong: ", 1)[1]
                if form == "letters":
                    key = set(key) - chosen  # the options chosen are the student's own; the others must stay unnamed
                assert not _names_the_key(told, form, key), (assignment, student, question, message)


def runpy_answer(mistakes, question, why):
    """The namespace a catalogue answer cell makes."""
    namespace = {}
    exec(mistakes[question][why], namespace)
    return namespace


def test_the_key_check_would_see_a_named_key():
    assert _names_the_key("the right option is (b).", "letter", "b")
    assert _names_the_key("it should be (15, 20).", "shape", (15, 20))
    assert _names_the_key("the answer is 621.", "int", 621) and not _names_the_key("6210 units", "int", 621)
    assert _names_the_key("it is 6.0 here", "float", 6.0) and _names_the_key("it is 6", "float", 6.0)
    assert _names_the_key("it is False", "bool", False)
    assert not _names_the_key("add 0.5 first", "float", 0.0) and not _names_the_key("1.25 times", "float", 0.25)


def test_malformed_and_missing_answers_get_a_form_message(graded):
    course_dir, classes = graded
    for assignment, students in classes.items():
        for student in ("malformed-0", "malformed-1", "untouched"):
            wrong = students[student][0]
            graded_nb = nbformat.read(
                course_dir / "autograded" / student / assignment / f"{NOTEBOOK}.ipynb", as_version=4
            )
            questions = (
                wrong
                if wrong is not None
                else layout.solutions(course_dir / "source" / assignment / f"{NOTEBOOK}.ipynb")
            )
            for question in questions:
                message = _cell_error(graded_nb, f"test_{question}")
                phrase = "is not answered yet" if student == "untouched" else "is not in the expected form"
                assert message and f"{question} {phrase}" in message and f"{question} should be " in message, message
