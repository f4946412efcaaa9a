"""Grading on many machines: a Celery queue on Redis, one task per submission (docs/scale-out.md).

The coordinator (``dlcourse autograde --broker URL``) puts each submission's files in a task message and stores
the results as they come back, exactly as a local run does (runner._merge): the same gradebook rows, the same
autograded/ files, the same report. Workers (``dlcourse worker --broker URL``) need no shared folder and no access
to the gradebook: each task is graded as a one-submission shard of the local runner (same repairs, same sandboxed
nbgrader with its fork server, run inside the worker process so that its kernels stay warm from task to task) in a
scratch course made from the worker's own copy of source/ and release/.

Nothing is lost, nothing is graded twice:
- a task is acknowledged only once graded; a worker process that dies gives its task back at once, a worker machine
  that disappears gives it back after the visibility timeout (the task time limit plus 30 s);
- the broker does not count deliveries, so each worker counts a task's attempts in Redis: a submission that loses
  its worker MAX_ATTEMPTS times is reported FAILED and scored 0;
- a task's id is a digest of student, assignment, submitted files, course version and cell timeout: a re-run of the
  coordinator collects results already computed and waits for tasks already queued instead of sending them again;
- a task carries the digest of the coordinator's source/ and release/; a worker with another version refuses it,
  and the coordinator reports those submissions as not graded (no score is written) with the reason.
"""

import base64
import hashlib
import json
import os
import re
import socket
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from dlcourse.course import gradebook, layout
from dlcourse.grading import runner

QUEUE = "dlcourse-grading"
TASK = "dlcourse.grade"
MAX_ATTEMPTS = 3  # deliveries of one task that may lose their worker before it is FAILED
MAX_SUBMISSION_MB = 16  # files of one submission carried in a task message
DEFAULT_TIME_LIMIT = 600  # seconds per task: above the 300 s of CPU a notebook may use
KEEP_SECONDS = 7 * 24 * 3600  # results, attempt counters and "sent" marks live a week in Redis
QUIET_WARNING = 300  # seconds without any result before the coordinator says so

_worker = {}  # this worker's course folder, its course digest and its registration gradebook (set by run_worker)


def course_digest(root: str | Path) -> str:
    """SHA-256 of every file under source/ and release/ (names and contents): the course version a task needs."""
    digest = hashlib.sha256()
    for folder in ("source", "release"):
        for path in sorted((Path(root) / folder).rglob("*")):
            if path.is_file() and not {"__pycache__", ".ipynb_checkpoints"} & set(path.parts):
                name, data = str(path.relative_to(root)).encode(), path.read_bytes()
                digest.update(b"%d:%s%d:" % (len(name), name, len(data)) + data)
    return digest.hexdigest()


def make_app(broker: str, time_limit: int = DEFAULT_TIME_LIMIT) -> Any:
    """The Celery application of coordinator and workers: JSON messages, results in the broker's Redis, tasks
    acknowledged after grading and given back when their worker dies."""
    from celery import Celery

    app = Celery("dlcourse", broker=broker, backend=broker, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=time_limit,
        task_soft_time_limit=max(time_limit - 15, 1),
        result_expires=KEEP_SECONDS,
        broker_connection_retry_on_startup=True,
        # A task whose worker vanished is delivered again once it has been unacknowledged this long: longer than
        # any task may run (or a running task would be graded twice), checked every 5 s.
        broker_transport_options={
            "visibility_timeout": time_limit + 30,
            "unacked_restore_interval": 5,
            "unacked_restore_throttle": 1,
        },
        worker_hijack_root_logger=False,
        worker_max_tasks_per_child=200,  # a fresh process now and then
        worker_redirect_stdouts_level="INFO",  # nbgrader's own log lines are not warnings
    )
    app.task(name=TASK, bind=True)(_grade_task)
    return app


# ----------------------------------------------------------------------------------------------- the message
def _encode(data):
    return base64.b64encode(data).decode("ascii")


def submission_files(root: str | Path, student: str, assignment: str) -> dict[str, str | None]:
    """{name: base64 contents} of a submission: notebooks and timestamp.txt in full; other entries by name only
    (None), since grading ignores them and only reports their names."""
    folder = Path(root) / "submitted" / student / assignment
    return {
        path.name: _encode(path.read_bytes())
        if path.is_file() and (path.suffix == ".ipynb" or path.name == "timestamp.txt")
        else None
        for path in sorted(folder.iterdir())
    }


def _task(root, student, assignment, digest, cell_timeout):
    """(task id, message) of one submission; the id is the same for the same files, course and timeout."""
    message = {
        "student": student,
        "assignment": assignment,
        "course": digest,
        "timeout": cell_timeout,
        "files": submission_files(root, student, assignment),
    }
    key = hashlib.sha256(json.dumps(message, sort_keys=True).encode()).hexdigest()
    return f"dlcourse-{key[:32]}", message


# ----------------------------------------------------------------------------------------------- the worker
def _registration_gradebook(root, scratch):
    """A SQLite gradebook with every assignment of the worker's course registered (as 'dlcourse release' does),
    made in a scratch copy so that the worker's own folder is left untouched."""
    course = layout.copy_course(root, Path(scratch) / "course")
    os.environ[gradebook.URL_VARIABLE] = f"sqlite:///{Path(scratch) / 'gradebook.db'}"
    for assignment in layout.assignments(course):
        layout.run_nbgrader(course, "generate_assignment", assignment, "--force")
    return Path(scratch) / "gradebook.db"


def _attempt(app, task_id):
    """Count one more delivery of a task (in Redis, shared by all workers); returns the count."""
    client = app.backend.client
    key = f"dlcourse:attempts:{task_id}"
    count = client.incr(key)
    client.expire(key, KEEP_SECONDS)
    return count


def _grade_task(self, message):
    """Grade one submission (the Celery task); returns what the coordinator stores."""
    from celery.exceptions import SoftTimeLimitExceeded

    student, assignment = message["student"], message["assignment"]
    if message["course"] != _worker["digest"]:
        return {
            "refused": f"worker {socket.gethostname()} has course version {_worker['digest'][:12]}, the task was "
            f"made for {message['course'][:12]}: give that worker the coordinator's source/ and "
            "release/ and restart it"
        }
    attempts = _attempt(self.app, self.request.id)
    if attempts > MAX_ATTEMPTS:
        return {
            "problems": [
                f"grading lost its worker {MAX_ATTEMPTS} times (the submission may crash graders): not tried again"
            ],
            "result": None,
            "files": {},
        }
    label = "".join(ch if ch.isalnum() else "-" for ch in student)[:40]
    with tempfile.TemporaryDirectory(prefix=f"dlcourse-task-{label}-") as scratch:
        inbox, shard = Path(scratch) / "inbox", Path(scratch) / "shard"
        inbox.mkdir()
        for name in ("source", "release", "nbgrader_config.py"):
            (inbox / name).symlink_to(_worker["root"] / name)
        folder = inbox / "submitted" / student / assignment
        folder.mkdir(parents=True)
        for name, data in message["files"].items():
            (folder / Path(name).name).write_bytes(base64.b64decode(data) if data is not None else b"")
        problems = runner.prepare_shard(inbox, shard, [(student, assignment)])[(student, assignment)]
        timeout = [f"--Execute.timeout={message['timeout']}"] if message["timeout"] else []
        try:
            _autograde_here(shard, timeout)
        except SoftTimeLimitExceeded:
            _stop_children()
            return {
                "problems": problems
                + [f"grading took longer than the task time limit ({self.app.conf.task_time_limit} s)"],
                "result": None,
                "files": {},
            }
        found = runner._shard_results(shard, [(student, assignment)]).get((student, assignment))
        graded = shard / "autograded" / student / assignment
        files = {str(p.relative_to(graded)): _encode(p.read_bytes()) for p in sorted(graded.rglob("*")) if p.is_file()}
    result = None
    if found:
        grades, comments, timestamp = found
        result = {
            "grades": [[*key, *value] for key, value in grades.items()],
            "comments": [[*key, value] for key, value in comments.items()],
            "timestamp": timestamp.isoformat() if timestamp else None,
        }
    return {"problems": problems, "result": result, "files": files if result else {}}


def _autograde_here(shard, options):
    """nbgrader autograde over a one-submission shard, inside this worker process: its fork server of warm kernels
    then serves every task of the process (a new nbgrader process per task costs seconds). Like runner._run_shard,
    it writes only to the shard's own SQLite gradebook."""
    from nbgrader.apps.autogradeapp import AutogradeApp

    here = os.getcwd()
    os.chdir(shard)
    app = AutogradeApp()
    try:
        app.initialize(["*", "--force", f"--CourseDirectory.db_url=sqlite:///{Path(shard) / 'gradebook.db'}", *options])
        app.start()
    except SystemExit:
        pass  # grading failed: no autograded notebook, which the coordinator reports as FAILED with 0
    finally:
        app.reset()
        os.chdir(here)
        while str(shard) in sys.path:
            sys.path.remove(str(shard))  # nbgrader put its working folder there


def _stop_children():
    """Kill what this worker process started (the nbgrader process and its kernels)."""
    import psutil

    for child in psutil.Process().children(recursive=True):
        child.kill()


def run_worker(
    root: str | Path,
    broker: str,
    concurrency: int | None = None,
    time_limit: int = DEFAULT_TIME_LIMIT,
    loglevel: str = "INFO",
) -> None:
    """Serve grading tasks from the broker until stopped (Ctrl-C or SIGTERM finish the tasks under way)."""
    root = Path(root).resolve()
    os.environ.pop(gradebook.URL_VARIABLE, None)  # a worker never opens the course's gradebook
    scratch = tempfile.mkdtemp(prefix="dlcourse-worker-")
    _worker.update(root=root, digest=course_digest(root))
    print(f"dlcourse worker: course version {_worker['digest'][:12]}; registering the assignments...", file=sys.stderr)
    # Shards copy the registration gradebook named by the variable (see runner.prepare_shard); they never write to it.
    _registration_gradebook(root, scratch)
    os.environ.update(layout.jupyter_env(Path(scratch) / "jupyter-state"))
    app = make_app(broker, time_limit)
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency or os.cpu_count() or 1}",
            "--pool=prefork",
            f"--queues={QUEUE}",
            f"--hostname=dlcourse-{os.getpid()}@%h",
            f"--loglevel={loglevel}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


# ----------------------------------------------------------------------------------------------- the coordinator
def _store(root, scratch, student, assignment, reply):
    """Store one task's reply in the course exactly as a local run stores a shard's: returns its Outcome."""
    results = {}
    if reply.get("result"):
        graded = Path(scratch) / "autograded" / student / assignment
        for name, data in reply["files"].items():
            (graded / name).parent.mkdir(parents=True, exist_ok=True)
            (graded / name).write_bytes(base64.b64decode(data))
        found = reply["result"]
        grades = {(nb, cell): (score, manual) for nb, cell, score, manual in found["grades"]}
        comments = {(nb, cell): comment for nb, cell, comment in found["comments"]}
        stamp = datetime.fromisoformat(found["timestamp"]) if found["timestamp"] else None
        results[(student, assignment)] = (grades, comments, stamp)
    return runner._merge(root, scratch, [(student, assignment)], {(student, assignment): reply["problems"]}, results)[0]


def _reply(meta, time_limit_note):
    """The worker's reply from a finished task's result (a task that raised is a failed grading)."""
    from celery import states

    if meta["status"] == states.SUCCESS:
        return meta["result"]
    error = meta.get("result")
    if isinstance(error, dict):
        error = f"{error.get('exc_type')}: {error.get('exc_message')}"
    note = time_limit_note if "TimeLimitExceeded" in str(error) else f"the worker reported {error}"
    return {"problems": [note], "result": None, "files": {}}


def _without_password(url):
    """The URL with its password masked, for messages."""
    return re.sub(r"(//[^:@/]*:)[^@/]*@", r"\1***@", url)


def autograde(
    root: str | Path,
    broker: str,
    assignments: list[str] | None = None,
    students: list[str] | None = None,
    cell_timeout: int | None = None,
    progress: bool = True,
) -> list[runner.Outcome]:
    """Autograde every matching submission under submitted/ through the queue at ``broker``; return the Outcomes.

    Raises CourseError (after storing every result that came back) when workers refused tasks made for another
    course version, or when the broker or the gradebook cannot be reached; the same command then resumes.
    """
    import redis
    import sqlalchemy.exc
    from kombu.exceptions import OperationalError

    root = Path(root).resolve()
    if gradebook.sqlite_path(root) and not gradebook.sqlite_path(root).is_file():
        raise layout.CourseError("no gradebook.db: run 'dlcourse release' first to register the assignments")
    submissions = runner.find_submissions(root, assignments, students)
    if not submissions:
        raise layout.CourseError("no submissions found under submitted/<student>/<assignment>/")
    digest = course_digest(root)
    tasks = {}
    for student, assignment in submissions:
        task_id, message = _task(root, student, assignment, digest, cell_timeout)
        size = sum(len(data or "") for data in message["files"].values()) * 3 / 4 / 2**20
        if size > MAX_SUBMISSION_MB:
            raise layout.CourseError(
                f"submitted/{student}/{assignment} holds {size:.1f} MiB of notebooks, above the "
                f"queue's limit of {MAX_SUBMISSION_MB} MiB per submission: grade it without "
                f"--broker (dlcourse autograde {assignment} --student {student})"
            )
        tasks[task_id] = (student, assignment, message)
    app = make_app(broker)
    bar = runner.Progress(sum(len(layout.notebook_names(root, a)) for _, a in submissions)) if progress else None
    time_limit_note = "grading took longer than the workers' task time limit"
    done, refused, finished = {}, {}, set()
    try:
        client = app.backend.client
        for task_id, (_, _, message) in tasks.items():
            meta = app.backend.get_task_meta(task_id)
            if meta["status"] == "SUCCESS" and "refused" in meta["result"]:  # refused last time: send it again
                app.backend.forget(task_id)
                client.delete(f"dlcourse:sent:{task_id}")
            if not client.exists(f"dlcourse:sent:{task_id}"):  # sent by an earlier run: queued or done already
                app.send_task(TASK, args=[message], task_id=task_id, queue=QUEUE)
                client.set(f"dlcourse:sent:{task_id}", 1, ex=KEEP_SECONDS)
        last, checked = [time.monotonic()], [time.monotonic()]

        def waiting():
            """Called between polls: say when nothing comes back; stop when Redis lost the queue (a restart without
            persistence loses the "sent" marks of the tasks with them)."""
            if time.monotonic() - last[0] > QUIET_WARNING:
                print(
                    f"\nno result for {QUIET_WARNING // 60} minutes: are workers running "
                    f"('dlcourse worker --broker URL')?",
                    file=sys.stderr,
                )
                last[0] = time.monotonic()
            if time.monotonic() - checked[0] > 10:
                checked[0] = time.monotonic()
                marks = [f"dlcourse:sent:{task_id}" for task_id in tasks if task_id not in finished]
                if marks and client.exists(*marks) < len(marks):
                    raise redis.exceptions.ConnectionError(
                        "Redis lost the queued tasks (restarted without persistence?)"
                    )

        with tempfile.TemporaryDirectory(prefix="dlcourse-queue-") as scratch:
            for task_id, meta in app.backend.get_many(set(tasks), interval=0.5, on_interval=waiting):
                last[0] = time.monotonic()
                finished.add(task_id)
                student, assignment, _ = tasks[task_id]
                reply = _reply(meta, time_limit_note)
                if "refused" in reply:
                    refused[(student, assignment)] = reply["refused"]
                else:
                    done[(student, assignment)] = _store(root, scratch, student, assignment, reply)
                if bar:
                    for _ in layout.notebook_names(root, assignment):
                        bar.step()
    except (redis.exceptions.RedisError, OperationalError) as error:
        raise layout.CourseError(
            f"lost the queue at {_without_password(broker)} ({error}); {len(done)} of {len(tasks)} submissions "
            "are stored: run the same command again to finish (results already computed are "
            "collected, not graded again)"
        ) from error
    except sqlalchemy.exc.SQLAlchemyError as error:
        raise layout.CourseError(
            f"the gradebook could not be written ({type(error).__name__}: "
            f"{str(error).splitlines()[0]}); {len(done)} of {len(tasks)} submissions are stored: "
            "run the same command again to finish (results already computed are collected, "
            "not graded again)"
        ) from error
    finally:
        if bar:
            bar.close()
    outcomes = runner.score_outcomes(root, [done[key] for key in submissions if key in done])
    if refused:
        for outcome in outcomes:
            print(outcome.line())
        reasons = sorted(set(refused.values()))
        raise layout.CourseError(
            f"{len(refused)} submissions not graded (no score written): "
            + "; ".join(reasons)
            + f". The other {len(done)} are stored; run the same command again to grade the rest."
        )
    return outcomes
