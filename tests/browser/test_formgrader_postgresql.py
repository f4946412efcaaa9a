"""The Formgrader on a PostgreSQL gradebook (docs/scale-out.md), in a real browser: two submissions autograded
through the queue (Redis, one worker) into a PostgreSQL database, then JupyterLab started with DLCOURSE_DB_URL set, as
the guide says; the Formgrader lists the assignment, the students with the queue's scores, and opens a graded notebook.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dlcourse.course import layout
from services import Postgres, RedisServer, Workers

pytestmark = pytest.mark.services

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT, NOTEBOOK = "w2_numpy_basics", "numpy_basics"
WRONG = {"sigmoid": "def sigmoid(x):\n    return 1 / (1 + np.exp(x))\n"}  # the classic sign mistake


def _course(folder):
    return layout.copy_course(REPO, folder, [ASSIGNMENT], with_release=True)


def _dlcourse(course, env, *args):
    result = subprocess.run(
        [sys.executable, "-m", "dlcourse", *args],
        cwd=course,
        capture_output=True,
        text=True,
        env={**layout.jupyter_env(Path(course) / ".jupyter-state"), **env},
        timeout=600,
    )
    assert result.returncode == 0, f"dlcourse {args[0]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def graded_on_postgresql(tmp_path_factory):
    """(course folder, its gradebook's URL, {student: 'score / max'} as the queue run reported them)."""
    folder = tmp_path_factory.mktemp("formgrader-postgresql")
    cluster, redis_server = Postgres(), RedisServer(folder / "redis")
    course = _course(folder / "course")
    env = {"DLCOURSE_DB_URL": cluster("formgrader")}
    workers = Workers(f"{redis_server.url}/0", folder / "workers", _course)
    workers.folder.mkdir()
    try:
        _dlcourse(course, env, "release", ASSIGNMENT)  # the schema, once, and the assignment registered
        release, source = course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", course / "source" / ASSIGNMENT
        answers = layout.solutions(source / f"{NOTEBOOK}.ipynb")
        layout.write_submission(course, "alice", ASSIGNMENT, NOTEBOOK, layout.fill_answers(release, answers))
        layout.write_submission(course, "bob", ASSIGNMENT, NOTEBOOK, layout.fill_answers(release, {**answers, **WRONG}))
        workers.start()
        report = _dlcourse(course, env, "autograde", "--broker", workers.broker)
    finally:
        workers.stop()
        redis_server.stop()
    scores = dict(re.findall(rf"^(\w+)\s+{ASSIGNMENT}\s+(\d+ / \d+)", report, re.M))
    assert scores["alice"] == "24 / 24" and scores["bob"] not in ("24 / 24", "0 / 24"), report
    yield course, env["DLCOURSE_DB_URL"], scores
    cluster.stop()
    shutil.rmtree(cluster.folder, ignore_errors=True)


def _rows(page):
    page.wait_for_selector("table tbody tr td a", timeout=60_000)
    return [row.inner_text().split("\t") for row in page.locator("table tbody tr").all()]


def test_the_formgrader_shows_the_assignment_students_and_queue_scores_from_postgresql(
    graded_on_postgresql, serve, watch
):
    course, url, scores = graded_on_postgresql
    server = serve(course, {"DLCOURSE_DB_URL": url})
    watched = watch(server)
    page = watched.goto("/formgrader")
    assert [row[0].strip() for row in _rows(page)] == [ASSIGNMENT]
    watched.shot("assignments")
    page = watched.goto("/formgrader/manage_students")
    rows = [[cell.strip() for cell in cells] for cells in _rows(page)]
    shown = {student: next(c for c in cells if " / " in c) for cells in rows for student in scores if student in cells}
    watched.shot("students")
    assert {student: shown.get(student) for student in scores} == scores, shown
    page = watched.goto(f"/formgrader/gradebook/{ASSIGNMENT}/{NOTEBOOK}")
    assert len(_rows(page)) == 2
    page.locator("table tbody tr td a").first.click()
    page.wait_for_selector("#notebook-container")
    watched.shot("grading-view")
    assert not (course / "gradebook.db").exists()  # nothing fell back to a SQLite gradebook
    assert not server.errors(), server.errors()
