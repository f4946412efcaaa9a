"""Grading on many machines: a Celery queue on Redis, one task per submission (docs/scale-out.md).

The coordinator (``dlcourse autograde --broker URL``) puts each submission's files in a task message and stores
the results as they come back, exactly as a local run does (runner._merge): the same gradebook rows, the same
autograded/ files, the same report. Workers (``dlcourse worker --broker URL``) need no shared folder and no access
to the gradebook: each task is graded as a one-submission shard of the local runner (same repairs, same one-pass grader
with its fork server of sandboxed kernels, run inside the worker process so that its kernels stay warm from task to
task) in a scratch course made from the worker's own copy of source/ and release/.

Nothing is lost, nothing is graded twice:
- a task is acknowledged only once graded; a worker process that dies gives its task back at once;
- a worker grading a task holds a lease on it in Redis, renewed every few seconds until its result is stored; the
  coordinator sends again a started task whose lease lapsed without a result (its machine died), so it is graded
  elsewhere within about LEASE_SECONDS instead of the visibility timeout (which stays as the backstop when no
  coordinator runs); a delivery of a task that has a result, or that a live worker holds, is dropped, never graded;
- the coordinator rides out Redis or the gradebook being unreachable for up to --wait-for-services seconds
  (trying again with backoff and saying so), and sends again what a Redis restarted without persistence lost;
- the broker does not count deliveries, so each worker counts a task's attempts in Redis: a submission that loses
  its worker MAX_ATTEMPTS times is reported FAILED and scored 0;
- a task's id is a digest of student, assignment, submitted files, course version and cell timeout: a re-run of the
  coordinator collects results already computed and waits for tasks already queued instead of sending them again;
- a task carries the digest of the coordinator's source/ and release/; a worker with another version refuses it,
  and the coordinator reports those submissions as not graded (no score is written) with the reason.
"""

import base64
import contextlib
import hashlib
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from dlcourse.course import gradebook, layout
from dlcourse.grading import cpus, runner

QUEUE = "dlcourse-grading"
TASK = "dlcourse.grade"
MAX_ATTEMPTS = 3  # deliveries of one task that may lose their worker before it is FAILED
MAX_SUBMISSION_MB = 16  # files of one submission carried in a task message
DEFAULT_TIME_LIMIT = 600  # seconds per task: above the 300 s of CPU a notebook may use
KEEP_SECONDS = 7 * 24 * 3600  # results, attempt counters and "sent" marks live a week in Redis
QUIET_WARNING = 300  # seconds without any result before the coordinator says so
LEASE_SECONDS = 15  # a grading worker renews its lease on the task every LEASE_SECONDS / 3 seconds
CHECK_SECONDS = 5  # how often the coordinator looks for lost or abandoned tasks
WAIT_FOR_SERVICES = 300  # seconds the coordinator waits for Redis or the gradebook to come back before it stops

_worker = {}  # this worker's course folder, its course digest and its registration gradebook (set by run_worker)
_held = {}  # the lease this worker process holds: its app, key and holder, and the event that stops its renewal


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
    from celery import Celery, Task

    class LeasedTask(Task):
        def after_return(self, *args, **kwargs):
            _release()  # the result is stored: the lease has done its work

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
        # any task may run, checked every 5 s. The backstop only: a running coordinator sends the task of a dead
        # worker again as soon as its lease lapses (see _grade_task); a duplicate delivery is dropped.
        broker_transport_options={
            "visibility_timeout": time_limit + 30,
            "unacked_restore_interval": 5,
            "unacked_restore_throttle": 1,
        },
        # A worker whose result cannot be stored (Redis restarting) keeps trying, every second or two, for about as
        # long as the coordinator waits for Redis.
        result_backend_always_retry=True,
        result_backend_max_retries=WAIT_FOR_SERVICES,
        result_backend_max_sleep_between_retries_ms=2000,
        # A task under way when the worker loses Redis goes on; its result is stored once Redis is back, and the
        # unacknowledged message, delivered again later, is dropped (the result exists).
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_hijack_root_logger=False,
        worker_max_tasks_per_child=200,  # a fresh process now and then
        worker_redirect_stdouts_level="INFO",  # nbgrader's own log lines are not warnings
    )
    app.task(name=TASK, bind=True, base=LeasedTask)(_grade_task)
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
    """Grade one submission (the Celery task); returns what the coordinator stores. A delivery of a task that has a
    result already, or that a live worker is grading, is dropped (see _take_lease)."""
    if message["course"] != _worker["digest"]:
        return {
            "refused": f"worker {socket.gethostname()} has course version {_worker['digest'][:12]}, the task was "
            f"made for {message['course'][:12]}: give that worker the coordinator's source/ and "
            "release/ and restart it"
        }
    _take_lease(self.app, self.request.id)
    attempts = _attempt(self.app, self.request.id)
    if attempts > MAX_ATTEMPTS:
        return {
            "problems": [
                f"grading lost its worker {MAX_ATTEMPTS} times (the submission may crash graders): not tried again"
            ],
            "result": None,
            "files": {},
        }
    return _grade_submission(message, self.app.conf.task_time_limit)


def _take_lease(app, task_id):
    """Hold the task's lease in Redis, renewed by a thread until the task's result is stored (_release); raise
    Ignore (the delivery is dropped) when the task has a result already or a live worker holds its lease."""
    import psutil
    import redis
    from celery import states
    from celery.exceptions import Ignore

    _release()  # a lease kept by an earlier task of this process whose result could not be stored
    client, key = app.backend.client, f"dlcourse:lease:{task_id}"
    me = f"{socket.gethostname()} {os.getpid()}"
    try:
        if app.backend.get_task_meta(task_id, cache=False)["status"] in states.READY_STATES:
            raise Ignore()  # delivered again after it was graded
        if not client.set(key, me, nx=True, ex=LEASE_SECONDS):
            host, _, pid = (client.get(key) or b"").decode().partition(" ")
            if host != socket.gethostname() or not pid.isdigit() or psutil.pid_exists(int(pid)):
                raise Ignore()  # another worker grades it (a process of this machine that died does not)
            client.set(key, me, ex=LEASE_SECONDS)
    except redis.RedisError:
        raise Ignore() from None  # Redis went away as the task arrived: the coordinator sends it again
    stop = threading.Event()

    def renew():
        while not stop.wait(LEASE_SECONDS / 3):
            with contextlib.suppress(redis.RedisError):  # Redis restarting: the lease is set again once it is back
                client.set(key, me, ex=LEASE_SECONDS)

    threading.Thread(target=renew, name="dlcourse-lease", daemon=True).start()
    _held.update(app=app, key=key, me=me, stop=stop)


def _release():
    """Stop renewing the lease this process holds, and remove it (called once the task's result is stored)."""
    import redis

    if not _held:
        return
    _held.pop("stop").set()
    client, key, me = _held.pop("app").backend.client, _held.pop("key"), _held.pop("me")
    with contextlib.suppress(redis.RedisError):
        if client.get(key) == me.encode():
            client.delete(key)


def _grade_submission(message, time_limit):
    """Grade one submission in a scratch course: {problems, result (grades, comments, late penalties, timestamp),
    files}."""
    from celery.exceptions import SoftTimeLimitExceeded

    student, assignment = message["student"], message["assignment"]
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
        runner.prepare_shard(inbox, shard)
        timeout = [f"--Execute.timeout={message['timeout']}"] if message["timeout"] else []
        try:
            _grade_here(inbox, shard, (student, assignment), timeout)
        except SoftTimeLimitExceeded:
            _stop_children()
            problems = runner.read_submission(inbox, student, assignment)[2]
            return {
                "problems": problems + [f"grading took longer than the task time limit ({time_limit} s)"],
                "result": None,
                "files": {},
            }
        record = runner.shard_results(shard).get((student, assignment)) or {  # the grader could not start
            "problems": runner.read_submission(inbox, student, assignment)[2],
            "result": None,
        }
        graded = shard / "autograded" / student / assignment
        files = {str(p.relative_to(graded)): _encode(p.read_bytes()) for p in sorted(graded.rglob("*")) if p.is_file()}
    return {"problems": record["problems"], "result": record["result"], "files": files if record["result"] else {}}


def _grade_here(root, shard, submission, options):
    """Grade one submission of the course folder root in a shard folder, inside this worker process (as
    runner._run_shard's process does): its fork server of warm kernels then serves every task of the process."""
    from dlcourse.grading import shard as grading

    here = os.getcwd()
    os.chdir(shard)
    try:
        grading.grade(root, [submission], [f"--CourseDirectory.db_url={gradebook.url(root)}", *options])
    except SystemExit:
        pass  # nbgrader could not be configured: no result, which the coordinator reports as FAILED with 0
    finally:
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
    # Shards read the assignments' registration from the gradebook named by the variable; they never write to it.
    _registration_gradebook(root, scratch)
    os.environ.update(layout.jupyter_env(Path(scratch) / "jupyter-state"))
    from celery import signals

    # Each pool process grades on a CPU no other grading process on this machine has (while one is free).
    signals.worker_process_init.connect(lambda **_: cpus.keep_this_process_on_a_free_cpu(), weak=False)
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
    if reply.get("result"):
        graded = Path(scratch) / "autograded" / student / assignment
        for name, data in reply["files"].items():
            (graded / name).parent.mkdir(parents=True, exist_ok=True)
            (graded / name).write_bytes(base64.b64decode(data))
    record = {"problems": reply["problems"], "result": reply.get("result")}
    return runner._merge(root, scratch, [(student, assignment)], {(student, assignment): record})[0]


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


def _lost_to_an_outage(meta):
    """Whether a task failed because its worker lost Redis, not because of the submission (it is graded again)."""
    error = meta.get("result")
    if meta["status"] != "FAILURE" or error is None:
        return False
    if isinstance(error, dict):
        module, name = error.get("exc_module") or "", error.get("exc_type") or ""
    else:
        module, name = type(error).__module__, type(error).__name__
    return module.startswith(("redis", "kombu")) or name == "BackendStoreError"


def _without_password(url):
    """The URL with its password masked, for messages."""
    return re.sub(r"(//[^:@/]*:)[^@/]*@", r"\1***@", url)


class _Dispatch:
    """What the coordinator sends, and sends again: tasks no earlier run sent, tasks Redis lost (restarted without
    persistence), and started tasks whose worker stopped renewing its lease (a dead machine)."""

    def __init__(self, app, tasks):
        self.app, self.tasks, self.finished = app, tasks, set()
        self.resent = {}  # task id: its attempt count when it was last sent again for a lapsed lease
        self.unseen = set()  # unstarted tasks found in no queue at the last check
        self.judge_after = time.monotonic() + LEASE_SECONDS  # leases are judged once workers had time to renew

    def send_new(self):
        """Send every task that no earlier run sent (and again those refused last time by a stale worker)."""
        backend, client = self.app.backend, self.app.backend.client
        for task_id in self.tasks:
            meta = backend.get_task_meta(task_id, cache=False)
            if meta["status"] == "SUCCESS" and "refused" in meta["result"]:
                backend.forget(task_id)
                client.delete(f"dlcourse:sent:{task_id}")
        self._send([task_id for task_id in self.tasks if not client.exists(f"dlcourse:sent:{task_id}")])

    def send_again(self, task_id):
        self._send([task_id])

    def _send(self, task_ids):
        if not task_ids:
            return
        with self.app.connection_for_write() as connection:
            # Declared each time: a Redis restarted without persistence forgot the queue's binding, and a message
            # sent before a worker declares it again would be dropped.
            self.app.amqp.queues[QUEUE](connection.default_channel).declare()
        for task_id in task_ids:
            self.app.send_task(TASK, args=[self.tasks[task_id][2]], task_id=task_id, queue=QUEUE)
            self.app.backend.client.set(f"dlcourse:sent:{task_id}", 1, ex=KEEP_SECONDS)

    def after_outage(self):
        self.judge_after = time.monotonic() + LEASE_SECONDS  # leases lapsed while Redis was away are renewed by then
        self.unseen = set()

    def check(self):
        """Send again what was lost; returns messages for the instructor."""
        if time.monotonic() < self.judge_after:
            return []
        client, backend = self.app.backend.client, self.app.backend
        pending = [task_id for task_id in self.tasks if task_id not in self.finished]
        pipe = client.pipeline(transaction=False)
        for task_id in pending:
            pipe.exists(backend.get_key_for_task(task_id), f"dlcourse:lease:{task_id}")
            pipe.exists(f"dlcourse:sent:{task_id}")
            pipe.get(f"dlcourse:attempts:{task_id}")
        found = pipe.execute()
        queued = client.llen(QUEUE) + client.hlen("unacked")  # waiting, or taken by a worker and not acknowledged
        lost, abandoned, unseen = [], [], set()
        for index, task_id in enumerate(pending):
            busy_or_done, sent, attempts = found[3 * index : 3 * index + 3]
            attempts = int(attempts or 0)
            if busy_or_done:
                continue
            if not sent:
                lost.append(task_id)
            elif attempts > self.resent.get(task_id, 0):
                abandoned.append(task_id)
                self.resent[task_id] = attempts
            elif not queued:
                unseen.add(task_id)
        lost += sorted(unseen & self.unseen)  # in no queue at two checks in a row
        self.unseen = unseen - set(lost)
        self._send(lost + abandoned)
        return (
            [f"Redis lost {len(lost)} queued tasks (restarted without persistence?): sent again: {self._names(lost)}"]
            if lost
            else []
        ) + [
            f"{self._names([task_id])}: its worker stopped answering (no sign of life for {LEASE_SECONDS} s): "
            "sent again"
            for task_id in abandoned
        ]

    def _names(self, task_ids):
        return ", ".join(f"{self.tasks[task_id][0]}/{self.tasks[task_id][1]}" for task_id in task_ids)


def _unreachable(error):
    """The service a connection error is about ('Redis' or 'the gradebook'), or None for any other error."""
    import redis
    import sqlalchemy.exc
    from kombu.exceptions import OperationalError

    if isinstance(error, redis.exceptions.AuthenticationError):
        return None  # a wrong password does not heal by waiting
    if isinstance(error, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError | OperationalError):
        return "Redis"
    if isinstance(error, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError) or getattr(
        error, "connection_invalidated", False
    ):
        return "the gradebook"
    return None


def autograde(
    root: str | Path,
    broker: str,
    assignments: list[str] | None = None,
    students: list[str] | None = None,
    cell_timeout: int | None = None,
    progress: bool = True,
    wait_for_services: int = WAIT_FOR_SERVICES,
) -> list[runner.Outcome]:
    """Autograde every matching submission under submitted/ through the queue at ``broker``; return the Outcomes.

    When Redis or the gradebook cannot be reached, tries again with growing pauses for up to ``wait_for_services``
    seconds, saying so, and goes on where it was. Raises CourseError (after storing every result that came back)
    when workers refused tasks made for another course version, or when a service stayed away longer; the same
    command then resumes without grading again what was computed.
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
    dispatch = _Dispatch(app, tasks)
    total = sum(len(layout.notebook_names(root, a)) for _, a in submissions)
    bar = tqdm(total=total, unit="notebook", disable=not progress, file=sys.stderr)  # as the local run's
    time_limit_note = "grading took longer than the workers' task time limit"
    done, refused = {}, {}
    state = {"heard": time.monotonic(), "checked": time.monotonic(), "outage": None, "pause": 1.0, "sent": False}

    def waiting():
        """Called between polls of Redis (which answered): say when nothing comes back; send again what was lost."""
        state["outage"], state["pause"] = None, 1.0
        if time.monotonic() - state["heard"] > QUIET_WARNING:
            bar.write(
                f"no result for {QUIET_WARNING // 60} minutes: are workers running ('dlcourse worker --broker URL')?",
                file=sys.stderr,
            )
            state["heard"] = time.monotonic()
        if time.monotonic() - state["checked"] > CHECK_SECONDS:
            state["checked"] = time.monotonic()
            for line in dispatch.check():
                bar.write(line, file=sys.stderr)

    def stored_so_far():
        return (
            f"{len(done)} of {len(tasks)} submissions are stored: run the same command again to finish (results "
            "already computed are collected, not graded again)"
        )

    try:
        with tempfile.TemporaryDirectory(prefix="dlcourse-queue-") as scratch:
            while len(dispatch.finished) < len(tasks):
                try:
                    if not state["sent"]:
                        dispatch.send_new()
                        state["sent"] = True
                    pending = set(tasks) - dispatch.finished
                    for task_id, meta in app.backend.get_many(pending, interval=0.5, on_interval=waiting):
                        student, assignment, _ = tasks[task_id]
                        if _lost_to_an_outage(meta):
                            app.backend.forget(task_id)
                            dispatch.send_again(task_id)
                            bar.write(
                                f"{student}/{assignment}: its worker lost Redis while grading ({meta['result']}): "
                                "sent again",
                                file=sys.stderr,
                            )
                            break  # polled again by the next round
                        reply = _reply(meta, time_limit_note)
                        if "refused" in reply:
                            refused[(student, assignment)] = reply["refused"]
                        else:
                            done[(student, assignment)] = _store(root, scratch, student, assignment, reply)
                        dispatch.finished.add(task_id)
                        state["heard"], state["outage"], state["pause"] = time.monotonic(), None, 1.0
                        bar.update(len(layout.notebook_names(root, assignment)))
                except Exception as error:
                    service = _unreachable(error)
                    if service is None:
                        raise
                    where = f"Redis at {_without_password(broker)}" if service == "Redis" else "the gradebook"
                    reason = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error) else ''}"
                    state["outage"] = state["outage"] or time.monotonic()
                    left = wait_for_services - (time.monotonic() - state["outage"])
                    if left <= 0:
                        raise layout.CourseError(
                            f"{where} did not answer for {wait_for_services} s ({reason}); {stored_so_far()}"
                        ) from error
                    pause = min(state["pause"], left)
                    bar.write(
                        f"{where} does not answer ({reason}): trying again in {pause:.0f} s, for {left:.0f} s more "
                        f"({len(done)} of {len(tasks)} submissions stored so far)",
                        file=sys.stderr,
                    )
                    time.sleep(pause)
                    state["pause"] = min(state["pause"] * 2, 30)
                    dispatch.after_outage()
    except (redis.exceptions.RedisError, OperationalError) as error:
        raise layout.CourseError(
            f"lost the queue at {_without_password(broker)} ({error}); {stored_so_far()}"
        ) from error
    except sqlalchemy.exc.SQLAlchemyError as error:
        raise layout.CourseError(
            f"the gradebook could not be written ({type(error).__name__}: "
            f"{str(error).splitlines()[0]}); {stored_so_far()}"
        ) from error
    finally:
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
