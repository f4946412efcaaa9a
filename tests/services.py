"""Services the scale-out tests start and stop themselves: redis-server, a PostgreSQL cluster (Debian packages,
installed by .ci/run) on 127.0.0.1 in temporary folders, and `dlcourse worker` processes."""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

TIME_LIMIT = 45  # seconds per task in these tests; a worker machine that vanishes is noticed after TIME_LIMIT + 30 s


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def program(name):
    """A program from PATH or from Debian's PostgreSQL folders; a clear failure when it is not installed."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    assert found, (
        f"{name} is not installed: apt-get install redis-server postgresql (see .ci/run), "
        "or deselect these tests with -m 'not services'"
    )
    return found


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {seconds} s waiting for {what}"
        time.sleep(0.3)


class RedisServer:
    """A redis-server of our own on 127.0.0.1, in a folder of its own; ``persistent``: an append-only file written
    at every change, so that a restart (even after SIGKILL) keeps everything."""

    def __init__(self, folder, persistent=False):
        self.folder, self.port, self.persistent = Path(folder), free_port(), persistent
        self.folder.mkdir(parents=True, exist_ok=True)
        self.url = f"redis://127.0.0.1:{self.port}"
        self.start()

    def start(self):
        keep = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        self.process = subprocess.Popen(
            [program("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *keep],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
        )
        import redis

        wait_for(lambda: answers(redis.Redis(port=self.port)), 20, "redis-server")

    def kill(self):
        self.process.kill()
        self.process.wait()

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def answers(client):
    try:
        return client.ping()
    except Exception:
        return False


class Postgres:
    """A PostgreSQL cluster of our own in a temporary folder, run as an unprivileged user (initdb refuses root).
    Calling it makes a new empty database and returns its URL."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="dlcourse-pg-", dir="/tmp"))
        self.as_user = []
        if os.geteuid() == 0:
            user = "postgres" if has_user("postgres") else "nobody"
            shutil.chown(self.folder, user)
            self.as_user = ["runuser", "-u", user, "--"]
        self.port = free_port()
        subprocess.run(
            [*self.as_user, program("initdb"), "-D", str(self.folder / "data"), "-U", "dlcourse", "--auth=trust"],
            check=True,
            capture_output=True,
        )
        self.start()

    def start(self):
        self.server = subprocess.Popen(
            [
                *self.as_user,
                program("postgres"),
                "-D",
                str(self.folder / "data"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-k",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: connects(self.connect), 30, "PostgreSQL")

    def connect(self, database="postgres"):
        import psycopg

        return psycopg.connect(f"postgresql://dlcourse@127.0.0.1:{self.port}/{database}", autocommit=True)

    def __call__(self, name):
        with self.connect() as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return f"postgresql://dlcourse@127.0.0.1:{self.port}/{name}"

    def stop(self, mode="fast"):
        subprocess.run(
            [*self.as_user, program("pg_ctl"), "-D", str(self.folder / "data"), "-m", mode, "stop"],
            check=True,
            capture_output=True,
        )
        self.server.wait(30)


def has_user(name):
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def connects(connect):
    try:
        connect().close()
        return True
    except Exception:
        return False


class Workers:
    """Worker processes, each in its own session (killing the session = the machine gone) with its own course copy."""

    def __init__(self, broker, folder, make_course):
        self.broker, self.folder, self.processes, self.make_course = broker, Path(folder), [], make_course

    def start(self, course=None, concurrency=1, time_limit=TIME_LIMIT):
        course = course or self.make_course(self.folder / f"worker{len(self.processes)}")
        env = {k: v for k, v in os.environ.items() if k != "DLCOURSE_DB_URL"}
        log = open(self.folder / f"worker{len(self.processes)}.log", "w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dlcourse",
                "worker",
                "--broker",
                self.broker,
                "--concurrency",
                str(concurrency),
                "--time-limit",
                str(time_limit),
            ],
            cwd=course,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def wait_ready(self):
        """Wait until every worker serves the queue."""
        logs = [self.folder / f"worker{n}.log" for n in range(len(self.processes))]
        wait_for(lambda: all(" ready." in log.read_text() for log in logs), 180, "the workers to be ready")

    def grading(self, process):
        """The student whose submission this worker is grading, or None."""
        for child in psutil.Process(process.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if "/dlcourse-task-" in child.cwd():
                    return child.cwd().split("/dlcourse-task-")[1].rsplit("-", 1)[0]
        return None

    def kill_machine(self, process):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self):
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
