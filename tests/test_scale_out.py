"""Grading through the queue (dlcourse/grading/queue.py) with real services: Redis as broker, PostgreSQL as gradebook.

The tests start their own redis-server and PostgreSQL (Debian packages, installed by .ci/run) on 127.0.0.1 and stop
them. Workers are separate processes, each with its own copy of the course (no shared folder). A small class of
w2_numpy_basics is graded once locally (SQLite) as the reference; every queue run must end with the same scores.
Deselect with ``-m "not services"``.
"""

import contextlib
import copy
import hashlib
import itertools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from dlcourse.course import layout
from helpers import REPO, answer_catalogue
from services import Postgres, RedisServer, Workers, wait_for

pytestmark = pytest.mark.services

ASSIGNMENT, NOTEBOOK = "w2_numpy_basics", "numpy_basics"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A redis-server for the module's tests (no persistence needed: it lives as long as these tests)."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def postgres():
    """The module's PostgreSQL (see Postgres)."""
    cluster = Postgres()
    yield cluster
    cluster.stop()
    shutil.rmtree(cluster.folder, ignore_errors=True)


def _dlcourse(course_dir, *args, env=None, **kw):
    return subprocess.run(
        [sys.executable, "-m", "dlcourse", *args],
        cwd=course_dir,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        **kw,
    )


def _course(folder):
    """A course folder with only w2_numpy_basics (source/ and the committed release/)."""
    return layout.copy_course(REPO, folder, [ASSIGNMENT], with_release=True)


def _submit_class(course_dir, students):
    """Write the named students' submissions (a mixed class: right, wrong, untouched, malformed, poison)."""
    release = course_dir / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    answers = layout.solutions(course_dir / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    correct = layout.fill_answers(release, answers)
    mistakes, _ = answer_catalogue(ASSIGNMENT)

    def appended_to_l2(code):
        """The correct notebook with code appended to its L2 answer cell."""
        nb = copy.deepcopy(correct)
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "L2")
        cell.source += code
        return nb

    dies = appended_to_l2("\nimport os\nos._exit(1)\n")
    slow = appended_to_l2("\nimport time\ntime.sleep(25)  # longer than a lease lives (15 s)\n")
    # Graded slowly enough for a test to find its grader and kill it.
    poison = appended_to_l2("\nimport time\ntime.sleep(3)\n")
    kinds = {
        "correct": (correct, NOTEBOOK),
        "slow": (slow, NOTEBOOK),
        "softmax-wrong": (
            layout.fill_answers(release, {**answers, "softmax": next(iter(mistakes["softmax"].values()))}),
            NOTEBOOK,
        ),
        "untouched": (nbformat.read(release, as_version=4), NOTEBOOK),
        "invalid-json": ('{"cells": [', NOTEBOOK),
        "renamed": (correct, "my homework"),
        "kernel-dies": (dies, NOTEBOOK),
        "poison": (poison, NOTEBOOK),
    }
    for student in students:
        nb, name = kinds[student.split("-")[0] if student.startswith(("correct", "poison")) else student]
        layout.write_submission(course_dir, student, ASSIGNMENT, name, nb)
    stamp = course_dir / "submitted" / students[0] / ASSIGNMENT / "timestamp.txt"
    stamp.write_text("2026-12-01 10:00:00.000000 UTC")


CLASS = ["correct", "softmax-wrong", "untouched", "invalid-json", "renamed", "kernel-dies"]


def _report(stdout):
    """The per-submission report lines of an autograde run (without the summary's timing)."""
    return sorted(line for line in stdout.splitlines() if ASSIGNMENT in line)


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The reference: the class graded locally into SQLite. Returns (scores, report lines, autograded file names)."""
    course_dir = _course(tmp_path_factory.mktemp("local"))
    assert _dlcourse(course_dir, "release", ASSIGNMENT).returncode == 0
    _submit_class(course_dir, CLASS)
    result = _dlcourse(course_dir, "autograde", "--timeout", "20")
    assert result.returncode == 0, result.stderr
    return (
        layout.scores(course_dir, ASSIGNMENT),
        _report(result.stdout),
        sorted(str(p.relative_to(course_dir / "autograded")) for p in (course_dir / "autograded").rglob("*")),
    )


_DATABASES = itertools.cycle(range(1, 16))


@pytest.fixture
def workers(redis_url, tmp_path):
    """Workers on their own Redis database (numbered per test: queues never mix)."""
    database = next(_DATABASES)
    pool = Workers(f"{redis_url}/{database}", tmp_path / "workers", _course)
    pool.folder.mkdir()
    import redis

    redis.Redis.from_url(pool.broker).flushdb()
    yield pool
    pool.stop()


@pytest.fixture
def coordinator(tmp_path, postgres, request):
    """A course whose gradebook is a new PostgreSQL database (schema made once by 'dlcourse release')."""
    course_dir = _course(tmp_path / "course")
    name = "".join(ch if ch.isalnum() else "_" for ch in request.node.name.lower())
    env = {"DLCOURSE_DB_URL": postgres(f"{name[:50]}_{hashlib.sha1(name.encode()).hexdigest()[:8]}")}
    result = _dlcourse(course_dir, "release", ASSIGNMENT, env=env)
    assert result.returncode == 0, result.stderr
    return course_dir, env


def _scores(course_dir, env):
    return _in_env(env, lambda: layout.scores(course_dir, ASSIGNMENT))


def _in_env(env, function):
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return function()
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)


def _attempts(broker):
    import redis

    client = redis.Redis.from_url(broker)
    return {key.decode(): int(client.get(key)) for key in client.keys("dlcourse:attempts:*")}


def test_two_workers_grade_a_mixed_class_into_postgresql_as_a_local_run(local, coordinator, workers):
    course_dir, env = coordinator
    _submit_class(course_dir, CLASS)
    workers.start()
    workers.start()
    result = _dlcourse(course_dir, "autograde", "--broker", workers.broker, "--timeout", "20", env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    scores, report, files = local
    assert _scores(course_dir, env) == scores
    assert _report(result.stdout) == report
    assert (
        sorted(str(p.relative_to(course_dir / "autograded")) for p in (course_dir / "autograded").rglob("*")) == files
    )
    assert f"{len(CLASS)} submissions graded, 0 failed" in result.stdout
    assert f"{len(CLASS)}/{len(CLASS)} [" in result.stderr  # the progress bar reached the end
    assert not (course_dir / "gradebook.db").exists()  # the gradebook is PostgreSQL, for stock nbgrader too
    stock = subprocess.run(
        [sys.executable, "-m", "nbgrader", "db", "student", "list"],
        cwd=course_dir,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert all(student in stock.stdout + stock.stderr for student in CLASS), stock.stdout + stock.stderr
    assert set(_attempts(workers.broker).values()) == {1}  # each submission graded once
    # Local grading and export work on the PostgreSQL gradebook too (the shard gets a SQLite copy of the registration).
    again = _dlcourse(course_dir, "autograde", "--student", "softmax-wrong", "--timeout", "20", env=env)
    assert again.returncode == 0, again.stderr
    assert _report(again.stdout) == [line for line in report if line.startswith("softmax-wrong")]
    assert _dlcourse(course_dir, "export", "--output", "grades.csv", env=env).returncode == 0
    assert len((course_dir / "grades.csv").read_text().splitlines()) == len(CLASS) + 1
    assert _scores(course_dir, env) == scores and not (course_dir / "gradebook.db").exists()


def _start_coordinator(course_dir, env, broker):
    """`dlcourse autograde --broker` running in the background."""
    return subprocess.Popen(
        [sys.executable, "-m", "dlcourse", "autograde", "--broker", broker, "--timeout", "20"],
        cwd=course_dir,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Run:
    """`dlcourse autograde --broker` in the background, its output in files that can be read while it runs."""

    def __init__(self, course_dir, env, broker, folder, *options):
        self.stdout, self.stderr = Path(folder) / "coordinator.out", Path(folder) / "coordinator.err"
        with open(self.stdout, "w") as out, open(self.stderr, "w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dlcourse", "autograde", "--broker", broker, "--timeout", "20", *options],
                cwd=course_dir,
                env={**os.environ, **env},
                stdout=out,
                stderr=err,
            )

    def says(self, text):
        return text in self.stderr.read_text()

    def finish(self, timeout=600):
        """(exit status, stdout, stderr) once it has finished."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"the coordinator ran longer than {timeout} s: {self.stderr.read_text()[-3000:]}"
            ) from None
        return self.process.returncode, self.stdout.read_text(), self.stderr.read_text()


def _results(broker):
    import redis

    return len(redis.Redis.from_url(broker).keys("celery-task-meta-*"))


def test_a_dead_worker_machines_task_is_sent_again_within_seconds_and_graded_once(local, coordinator, workers):
    """The first worker's machine dies while it grades (its whole process group SIGKILLed); its task is sent again
    as soon as its lease lapses, long before the visibility timeout (the default time limit + 30 s = 630 s)."""
    course_dir, env = coordinator
    _submit_class(course_dir, CLASS)
    first, second = workers.start(time_limit=600), workers.start(time_limit=600)
    workers.wait_ready()
    run = Run(course_dir, env, workers.broker, workers.folder)
    wait_for(lambda: workers.grading(first), 120, "the first worker to start grading")
    workers.kill_machine(first)  # with the task it was grading
    killed_at, seen = time.monotonic(), {}
    while len(seen) < 2:  # when the coordinator sent the task again, when the other worker started grading it
        elapsed = time.monotonic() - killed_at
        assert elapsed < 240, f"the dead worker's task was not graded again within 240 s (seen: {seen})"
        if "sent" not in seen and run.says("its worker stopped answering"):
            seen["sent"] = elapsed
        if "graded" not in seen and 2 in _attempts(workers.broker).values():
            seen["graded"] = elapsed
        time.sleep(0.5)
    print(f"\ndead worker's task sent again {seen['sent']:.1f} s after the kill, regraded from {seen['graded']:.1f} s")
    assert seen["sent"] < 30  # the lease (15 s) lapsed and the coordinator looked (every 5 s)
    status, stdout, stderr = run.finish()
    assert status == 0, stderr
    assert _scores(course_dir, env) == local[0] and _report(stdout) == local[1]
    attempts = _attempts(workers.broker)
    assert len(attempts) == len(CLASS) and sorted(attempts.values()) == [1] * (len(CLASS) - 1) + [2]
    assert second.poll() is None


@pytest.mark.parametrize("persistent", [True, False], ids=["append-only-file", "no-persistence"])
def test_redis_restarted_mid_batch_the_coordinator_waits_and_finishes(local, coordinator, tmp_path, persistent):
    """Redis killed and started again on the same port while a batch runs: the coordinator says it waits, then
    finishes by itself with the local run's scores; with an append-only file nothing is graded twice."""
    course_dir, env = coordinator
    _submit_class(course_dir, CLASS)
    server = RedisServer(tmp_path / "redis", persistent=persistent)
    pool = Workers(f"{server.url}/0", tmp_path / "workers", _course)
    pool.folder.mkdir()
    try:
        pool.start()
        pool.start()
        pool.wait_ready()
        run = Run(course_dir, env, pool.broker, tmp_path)
        wait_for(lambda: _results(pool.broker) >= 2, 300, "two results")
        server.kill()
        wait_for(lambda: run.says("does not answer") or run.process.poll() is not None, 60, "the coordinator")
        time.sleep(5)
        server.start()
        status, stdout, stderr = run.finish()
        assert status == 0, stderr
        assert f"Redis at {pool.broker} does not answer" in stderr
        assert _scores(course_dir, env) == local[0] and _report(stdout) == local[1]
        if persistent:
            assert set(_attempts(pool.broker).values()) == {1}  # nothing graded twice
        else:
            assert "Redis lost" in stderr  # the queued tasks, sent again
    finally:
        pool.stop()
        server.stop()


def test_postgresql_restarted_mid_batch_the_coordinator_waits_then_a_rerun_after_giving_up_regrades_nothing(
    local, coordinator, workers, postgres, tmp_path
):
    course_dir, env = coordinator
    _submit_class(course_dir, CLASS)
    workers.start()
    workers.start()
    workers.wait_ready()
    run = Run(course_dir, env, workers.broker, tmp_path)
    wait_for(lambda: _results(workers.broker) >= 1, 300, "a first result")
    postgres.stop("immediate")  # as if its machine crashed
    try:
        wait_for(lambda: run.says("the gradebook does not answer") or run.process.poll() is not None, 300, "a store")
        time.sleep(3)
    finally:
        postgres.start()
    status, stdout, stderr = run.finish()
    assert status == 0, stderr
    assert _scores(course_dir, env) == local[0] and _report(stdout) == local[1]
    assert set(_attempts(workers.broker).values()) == {1}
    # Away for longer than the coordinator waits: it stops, saying what is stored; run again, nothing is regraded.
    postgres.stop("immediate")
    try:
        gave_up = _dlcourse(
            course_dir, "autograde", "--broker", workers.broker, "--wait-for-services", "3", env=env, timeout=120
        )
    finally:
        postgres.start()
    assert gave_up.returncode == 1
    assert "the gradebook did not answer for 3 s" in gave_up.stderr
    assert "0 of 6 submissions are stored: run the same command again" in gave_up.stderr
    again = _dlcourse(course_dir, "autograde", "--broker", workers.broker, "--timeout", "20", env=env, timeout=600)
    assert again.returncode == 0, again.stderr
    assert _scores(course_dir, env) == local[0] and _report(again.stdout) == local[1]
    assert set(_attempts(workers.broker).values()) == {1}


def test_a_slow_worker_keeps_its_task_while_another_waits(coordinator, workers):
    """A grading that outlives a lease (25 s of sleep in a cell) is neither sent again nor graded twice."""
    course_dir, env = coordinator
    _submit_class(course_dir, ["slow"])
    workers.start(time_limit=120)
    workers.start(time_limit=120)
    result = _dlcourse(course_dir, "autograde", "--broker", workers.broker, "--timeout", "40", env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "stopped answering" not in result.stderr
    assert list(_attempts(workers.broker).values()) == [1]
    assert sum(score for score, _ in _scores(course_dir, env)["slow"].values()) == 24


def test_a_poison_submission_is_tried_a_bounded_number_of_times_then_failed(coordinator, workers):
    course_dir, env = coordinator
    _submit_class(course_dir, ["correct", "poison"])
    worker = workers.start()
    run = _start_coordinator(course_dir, env, workers.broker)
    kills = 0
    # Whatever grades 'poison' dies, every time (as if the submission crashed it).
    while run.poll() is None and kills < 6:
        for process in psutil.process_iter():
            with contextlib.suppress(psutil.Error):
                if "dlcourse-task-poison-" in process.cwd():
                    pool_child = process
                    while pool_child.ppid() != worker.pid:  # the worker's process that took the task
                        pool_child = pool_child.parent()
                    for victim in [pool_child, *pool_child.children(recursive=True)]:
                        with contextlib.suppress(psutil.Error):
                            victim.kill()
                    kills += 1
                    break
        time.sleep(0.2)
    if kills != 3:
        run.kill()
    assert kills == 3, f"the submission that kills its grader was tried {kills} times, not 3"
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 3, stderr  # a run in which a submission FAILED says so in its exit status
    assert "FAILED: poison/w2_numpy_basics" in stderr
    line = next(line for line in stdout.splitlines() if line.startswith("poison"))
    assert "FAILED, 0 / 24" in line and "lost its worker 3 times" in line
    assert next(line for line in stdout.splitlines() if line.startswith("correct")).split()[2] == "24"
    assert sum(score for score, _ in _scores(course_dir, env)["poison"].values()) == 0


def test_the_coordinator_killed_and_run_again_finishes_without_regrading(local, coordinator, workers):
    course_dir, env = coordinator
    _submit_class(course_dir, CLASS)
    workers.start()
    run = _start_coordinator(course_dir, env, workers.broker)
    wait_for(lambda: len(_attempts(workers.broker)) >= 2, 120, "two tasks to start")
    run.kill()
    run.wait()
    again = _dlcourse(course_dir, "autograde", "--broker", workers.broker, "--timeout", "20", env=env, timeout=600)
    assert again.returncode == 0, again.stderr
    assert _scores(course_dir, env) == local[0] and _report(again.stdout) == local[1]
    assert set(_attempts(workers.broker).values()) == {1}  # nothing graded twice
    once_more = _dlcourse(course_dir, "autograde", "--broker", workers.broker, "--timeout", "20", env=env, timeout=600)
    assert once_more.returncode == 0 and _report(once_more.stdout) == local[1]
    assert set(_attempts(workers.broker).values()) == {1}


def test_a_worker_with_another_course_version_refuses_and_nothing_is_scored(coordinator, workers, tmp_path):
    course_dir, env = coordinator
    _submit_class(course_dir, ["correct"])
    stale = _course(tmp_path / "stale")
    notebook = stale / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("An edit the coordinator's course does not have."))
    nbformat.write(nb, notebook)
    workers.start(course=stale)
    refused = _dlcourse(course_dir, "autograde", "--broker", workers.broker, env=env, timeout=600)
    assert refused.returncode == 1
    assert "1 submissions not graded (no score written)" in refused.stderr and "course version" in refused.stderr
    assert "correct" not in _scores(course_dir, env)
    workers.stop()
    workers.start()
    graded = _dlcourse(course_dir, "autograde", "--broker", workers.broker, env=env, timeout=600)
    assert graded.returncode == 0, graded.stderr
    assert sum(score for score, _ in _scores(course_dir, env)["correct"].values()) == 24
