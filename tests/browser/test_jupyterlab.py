"""Students and instructors in JupyterLab and the Formgrader, in a real browser, with no internet.

The tests run in order on one server and one scratch course, as a course's first days go: the instructor opens the
Formgrader before anything else, grades submissions placed by hand, gives feedback; then sets the course up, releases
through the exchange; a student fetches, works in their own copy, checks, validates and submits; the instructor
collects and autogrades.
"""

import getpass
import sqlite3
import subprocess
import sys
from pathlib import Path

from dlcourse.course import layout

REPO = Path(__file__).resolve().parents[2]

ASSIGNMENT, NOTEBOOK = "w2_numpy_basics", "numpy_basics"
DLCOURSE = [sys.executable, "-m", "dlcourse"]
RIGHT = {"basic_sigmoid": "def basic_sigmoid(x):\n    return 1.0 / (1.0 + math.exp(-x))\n"}
WRONG = {"sigmoid": "def sigmoid(x):\n    return 1 / (1 + np.exp(x))\n"}  # the classic sign mistake
TEACHING = "Hint: these are sigmoid(-x) = 1 - sigmoid(x) values"


def run(course, *args, timeout=600):
    """Run a course command in the course folder, as the README writes it; returns the finished process."""
    result = subprocess.run(
        [*args],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=layout.jupyter_env(Path(course) / ".jupyter-state"),
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def _formgrader_rows(page):
    page.wait_for_selector("table tbody tr td a", timeout=60_000)
    return [row.inner_text() for row in page.locator("table tbody tr").all()]


def _score(rows, name):
    """The score shown in a Formgrader table's row for one student or assignment."""
    for row in rows:
        cells = row.split("\t")
        if name in cells:
            return next(cell for cell in cells if " / " in cell)
    return None


def _math_rendered(page):
    """Wait until MathJax has typeset the page; the number of formulas typeset."""
    page.wait_for_function(
        "() => window.MathJax && MathJax.Hub && MathJax.Hub.queue && "
        "MathJax.Hub.queue.pending === 0 && document.querySelectorAll('.MathJax').length > 0"
    )
    return page.locator(".MathJax").count()


def test_formgrader_lists_the_assignments_on_first_open_and_leaves_a_complete_gradebook(watched, course):
    watched.name = "first-open"
    page = watched.goto("/formgrader")
    rows = _formgrader_rows(page)
    watched.shot("assignments")
    assert [row.split()[0] for row in rows] == layout.assignments(REPO), rows
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall(), "gradebook without schema version"
    run(course, sys.executable, "-m", "nbgrader", "db", "upgrade")


def _submit_by_hand(course, student, answers):
    source = course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = layout.fill_answers(
        course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb",
        answers if answers is not None else layout.solutions(source),
    )
    layout.write_submission(course, student, ASSIGNMENT, NOTEBOOK, nb)


def test_autograde_registers_assignments_then_the_formgrader_shows_scores_and_the_grading_view(watched, course):
    watched.name = "grading"
    _submit_by_hand(course, "alice", None)  # every answer right
    _submit_by_hand(course, "bob", {**RIGHT, **WRONG})
    report = run(course, *DLCOURSE, "autograde", ASSIGNMENT, "--workers", "1").stdout
    assert "2 submissions graded, 0 failed" in report, report
    page = watched.goto("/formgrader/manage_students")
    rows = _formgrader_rows(page)
    watched.shot("students")
    assert _score(rows, "alice") == "24 / 24" and _score(rows, "bob") == "3 / 24", rows
    page = watched.goto(f"/formgrader/gradebook/{ASSIGNMENT}/{NOTEBOOK}")
    page.locator("table tbody tr td a").first.click()
    page.wait_for_selector("#notebook-container")
    formulas = _math_rendered(page)
    watched.shot("grading-view")
    assert formulas >= 5 and "$$" not in page.locator("#notebook-container").first.inner_text()


def _math_written_out(page):
    """The number of formulas of a feedback page, once each is drawn as MathML (typeset when the page was made)."""
    page.locator("math").first.wait_for()
    drawn = page.evaluate(
        "[...document.querySelectorAll('math')].filter(m => m.getBoundingClientRect().height > 0).length"
    )
    texts = page.locator(".text_cell_render").all_inner_texts()
    assert not [text for text in texts if "$" in text or "\\frac" in text], "raw LaTeX in the feedback's text"
    return drawn


def test_feedback_page_renders_its_math_offline(watched, course):
    watched.name = "feedback"
    run(course, *DLCOURSE, "feedback", ASSIGNMENT)
    page = watched.goto(f"/files/feedback/bob/{ASSIGNMENT}/{NOTEBOOK}.html")
    formulas = _math_written_out(page)
    page.locator("math[display=block]").first.scroll_into_view_if_needed()
    watched.shot("feedback")
    assert formulas >= 5 and page.locator("mfrac").count() >= 1
    assert TEACHING in page.locator("body").inner_text()


def test_feedback_page_opened_from_disk_renders_its_math(watched, course, tmp_path):
    """The page alone, as a student keeps it (fetched from the exchange, mailed): file://, no server, no internet."""
    watched.name = "feedback-from-disk"
    alone = tmp_path / f"{NOTEBOOK}.html"
    alone.write_bytes((course / "feedback" / "bob" / ASSIGNMENT / f"{NOTEBOOK}.html").read_bytes())
    page = watched.page
    page.goto(alone.as_uri())
    formulas = _math_written_out(page)
    page.locator("mtable").first.scroll_into_view_if_needed()  # sigmoid of a vector: a matrix in brackets
    watched.shot("matrix")
    page.locator("pre", has_text=TEACHING).first.scroll_into_view_if_needed()
    watched.shot("message")
    assert formulas >= 5 and page.locator("mfrac").count() >= 1 and page.locator("mtable").count() >= 1
    assert TEACHING in page.locator("body").inner_text()


def _menu(page, menu, item):
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def _open_lab(watched, path=""):
    """JupyterLab (opening only ``path`` when given: a fresh workspace), once it is ready."""
    page = watched.goto(f"/lab/tree/{path}?reset" if path else "/lab")
    page.wait_for_selector("#jp-main-dock-panel .lm-Widget", timeout=90_000)
    return page


def _open_notebook(watched, path):
    """A notebook opened in JupyterLab, its kernel started and idle."""
    page = _open_lab(watched, path)
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=90_000)
    return page


def _run_all_and_wait(page, text):
    _menu(page, "Run", "Run All Cells")
    page.locator(".jp-OutputArea-output", has_text=text).first.wait_for(timeout=120_000)


def _type_into_cell(page, starts_with, code):
    cell = page.locator(".jp-CodeCell", has=page.locator(".cm-content", has_text=starts_with)).first
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)


def test_student_fetches_works_in_their_own_copy_validates_and_submits(watched, course):
    watched.name = "student"
    student = getpass.getuser()
    run(course, *DLCOURSE, "setup")  # the README's set-up: gradebook, exchange
    page = watched.goto("/formgrader")
    _formgrader_rows(page)
    row = page.locator("table tbody tr", has_text=ASSIGNMENT)
    row.locator("a:has(.glyphicon-cloud-upload)").click()  # the instructor releases to the exchange
    row.locator("a:has(.glyphicon-cloud-download)").wait_for()
    watched.shot("released")

    page = _open_lab(watched)
    _menu(page, "Nbgrader", "Assignment List")
    page.locator("#released_assignments_list .list_item", has_text=ASSIGNMENT).locator(
        "button", has_text="Fetch"
    ).click()
    fetched = page.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT).first
    fetched.wait_for()
    watched.shot("fetched")
    own_copy = course / "neural-networks-and-deep-learning" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    assert own_copy.is_file(), "the fetched copy is not where the README says"

    page = _open_notebook(watched, own_copy.relative_to(course))
    _run_all_and_wait(page, "is not answered yet")  # Run-All on the untouched notebook
    first_error = page.locator(".jp-OutputArea-output", has_text="is not answered yet").first
    assert first_error.text_content().strip().startswith("NotImplementedError: basic_sigmoid is not answered yet")
    first_error.scroll_into_view_if_needed()
    watched.shot("run-all-untouched")

    _type_into_cell(page, "def basic_sigmoid(x):", RIGHT["basic_sigmoid"])
    _type_into_cell(page, "def sigmoid(x):", WRONG["sigmoid"])
    _run_all_and_wait(page, TEACHING)
    assert page.locator(".jp-OutputArea-output", has_text="\u2714 basic_sigmoid: all").count() == 1
    page.locator(".jp-OutputArea-output", has_text=TEACHING).first.scroll_into_view_if_needed()
    watched.shot("visible-tests")
    page.keyboard.press("Control+S")
    page.wait_for_timeout(1000)

    page.locator("jp-button.validate-button").first.click()
    dialog = page.locator(".jp-Dialog-content", has_text="Validation Results")
    dialog.locator(".validation-failed").wait_for(timeout=120_000)
    watched.shot("validate")
    text = dialog.inner_text()
    print(f"Validate dialog: {len(text.splitlines())} lines")
    first_box = dialog.locator("pre").first  # the first thing shown after "The following cell failed:"
    assert first_box.inner_text().startswith("CheckFailure: sigmoid(np.array([1, 2, 3])) is wrong."), text[:800]
    assert TEACHING in first_box.inner_text()
    # Seen whole without scrolling: the box ends inside the dialog's visible part and needs no sideways scrolling.
    box, visible = first_box.bounding_box(), dialog.bounding_box()
    assert box["y"] + box["height"] <= visible["y"] + visible["height"], (box, visible)
    assert first_box.evaluate("e => e.scrollWidth <= e.clientWidth"), "the message is cut at the box's right edge"
    assert "sigmoid_derivative is not answered yet" in text and "Traceback" not in text
    page.locator(".jp-Dialog-button", has_text="Ok").click()

    _menu(page, "Nbgrader", "Assignment List")
    fetched = page.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT).first
    fetched.locator("button", has_text="Submit").click()
    page.locator("#submitted_assignments_list .list_item", has_text=ASSIGNMENT).first.wait_for()
    watched.shot("submitted")

    page = watched.goto("/formgrader")
    _formgrader_rows(page)
    page.locator("table tbody tr", has_text=ASSIGNMENT).locator("a:has(.glyphicon-cloud-download)").click()
    page.locator(".modal-dialog", has_text="Successfully collected").wait_for()
    watched.shot("collected")
    report = run(course, *DLCOURSE, "autograde", ASSIGNMENT, "--student", student, "--workers", "1").stdout
    assert "1 submissions graded, 0 failed" in report, report
    page = watched.goto(f"/formgrader/manage_students/{student}")
    rows = _formgrader_rows(page)
    watched.shot("collected-and-graded")
    assert _score(rows, ASSIGNMENT) == "3 / 24", rows

    run(course, *DLCOURSE, "release", "--check", ASSIGNMENT)  # release/ untouched by the student's work


def test_opening_a_released_notebook_keeps_the_release_check_green(watched, course):
    watched.name = "release-opened"
    page = _open_notebook(watched, f"release/{ASSIGNMENT}/{NOTEBOOK}.ipynb")
    page.locator(".jp-Notebook .jp-Cell").first.click()
    page.keyboard.press("Control+S")
    page.wait_for_timeout(1500)
    watched.shot("release-opened")
    assert (course / "release" / ASSIGNMENT / ".ipynb_checkpoints").is_dir(), "Jupyter wrote no checkpoint"
    run(course, *DLCOURSE, "release", "--check", ASSIGNMENT)


def test_the_server_log_holds_no_errors(server):
    assert not server.errors(), "\n".join(server.errors())
