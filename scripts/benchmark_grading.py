"""Benchmark class-scale autograding: a synthetic class graded by `dlcourse autograde`, against bare execution.

Builds a scratch course with STUDENTS students x every assignment that has an answer catalogue: a mix of
correct (the reference), partially wrong (a known mistake) and malformed (invalid JSON, renamed notebook,
duplicated cell) submissions. Prints total wall time, notebooks per minute, mean time per notebook, and the
bare execution time of a sample of the same notebooks (nbclient, no nbgrader, same number of workers) measured
in the same run, so that the grading overhead is a ratio.

With --queue, the same class is also graded through the queue (dlcourse/grading/queue.py, docs/scale-out.md): a
redis-server of its own (or --broker URL), then 1 and then 2 worker processes (`dlcourse worker --concurrency 1`,
started and ready before the clock starts), each time into a fresh copy of the course; it prints notebooks per
minute and the time per notebook as a ratio to the local run, and checks that the scores are the local run's.

    python scripts/benchmark_grading.py --students 200 --workers 2
    python scripts/benchmark_grading.py --students 10 --queue
"""
import argparse
import copy
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from dlcourse.course import catalogue, layout
from dlcourse.grading import queue, runner

REPO = Path(__file__).resolve().parents[1]


def build_class(course_dir, students, assignments, seed=0):
    """Write the synthetic class; returns [(student, assignment, notebook path)]."""
    rng = random.Random(seed)
    written = []
    for assignment in assignments:
        mistakes, _ = catalogue.load(REPO, assignment)
        for name in layout.notebook_names(course_dir, assignment):
            release = course_dir / "release" / assignment / f"{name}.ipynb"
            answers = layout.solutions(course_dir / "source" / assignment / f"{name}.ipynb")
            correct = layout.fill_answers(release, answers)
            for index in range(students):
                student = f"student{index:04d}"
                kind = rng.random()
                if kind < 0.6:
                    nb, filename = correct, name
                elif kind < 0.9:
                    part = rng.choice(sorted(p for p in mistakes if p in answers))
                    mistake = rng.choice(list(mistakes[part].values()))
                    nb, filename = layout.fill_answers(release, {**answers, part: mistake}), name
                elif kind < 0.94:
                    nb, filename = '{"cells": [', name
                elif kind < 0.97:
                    nb, filename = correct, f"{name} (copy)"
                else:
                    nb, filename = copy.deepcopy(correct), name
                    twin = copy.deepcopy(nb.cells[-2])
                    twin.id = "twin"
                    nb.cells.append(twin)
                path = layout.write_submission(course_dir, student, assignment, filename, nb)
                written.append((student, assignment, path))
    return written


def bare_execution(paths, workers):
    """Wall time to execute these notebooks with nbclient only (no nbgrader), in parallel, skipping the
    demonstration cells as grading does, so that both run the same code."""
    from nbclient import NotebookClient

    def run(path):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:
            return
        layout.skip_demonstrations(nb)
        NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, paths))
    return time.perf_counter() - start


def _redis_server(folder):
    """Start a redis-server of our own on 127.0.0.1; returns (process, URL)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir",
                               str(folder)], stdout=subprocess.DEVNULL)
    time.sleep(1)
    return server, f"redis://127.0.0.1:{port}"


def queue_run(template, broker, workers, folder):
    """Grade a fresh copy of the class through the queue with this many worker processes (one submission at a
    time each); returns (wall time of the coordinator, outcomes). Worker start-up is not timed."""
    import redis

    redis.Redis.from_url(broker).flushdb()
    course_dir = shutil.copytree(template, Path(folder) / f"queue{workers}", symlinks=True)
    app = queue.make_app(broker)
    started = [subprocess.Popen([sys.executable, "-m", "dlcourse", "worker", "--broker", broker, "--concurrency", "1"],
                                cwd=template, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={k: v for k, v in os.environ.items() if k != "DLCOURSE_DB_URL"})
               for _ in range(workers)]
    try:
        while len(app.control.ping(timeout=1)) < workers:
            time.sleep(1)
        start = time.perf_counter()
        outcomes = queue.autograde(course_dir, broker, progress=False)
        return time.perf_counter() - start, outcomes
    finally:
        for worker in started:
            worker.terminate()
            worker.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--assignment", action="append", metavar="ID",
                        help="grade only this assignment (repeatable; default: every one with an answer catalogue)")
    parser.add_argument("--workers", type=int, default=None, help="default: number of cores")
    parser.add_argument("--queue", action="store_true", help="also grade the class through the queue, 1 and 2 workers")
    parser.add_argument("--broker", help="with --queue: an empty Redis database to use (default: start redis-server)")
    parser.add_argument("--bare-sample", type=float, default=0.1,
                        help="fraction of the notebooks whose bare execution is timed (default 0.1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-") as scratch:
        course_dir = layout.copy_course(REPO, Path(scratch) / "course")
        assignments = args.assignment or catalogue.assignments(REPO)
        for assignment in assignments:
            layout.run_nbgrader(course_dir, "generate_assignment", assignment, "--force")
        written = build_class(course_dir, args.students, assignments)
        notebooks = len(written)
        print(f"class: {args.students} students x {len(assignments)} assignments = {notebooks} notebooks")
        template = shutil.copytree(course_dir, Path(scratch) / "ungraded", symlinks=True) if args.queue else None
        start = time.perf_counter()
        outcomes = runner.autograde(course_dir, workers=args.workers)
        graded_time = time.perf_counter() - start
        failed = sum(not o.graded for o in outcomes)
        sample = written[:: max(1, round(1 / args.bare_sample))] if args.bare_sample > 0 else []
        bare_time = bare_execution([path for _, _, path in sample], args.workers or runner.os.cpu_count())
        per_notebook = graded_time / notebooks
        bare_per_notebook = bare_time / max(len(sample), 1)
        print(f"autograde wall time:     {graded_time:8.1f} s  ({failed} submissions failed)")
        print(f"notebooks per minute:    {notebooks / graded_time * 60:8.1f}")
        print(f"mean time per notebook:  {per_notebook:8.2f} s (wall time / notebooks)")
        print(f"bare execution:          {bare_per_notebook:8.2f} s per notebook "
              f"({len(sample)} notebooks, same workers)")
        print(f"overhead ratio:          {per_notebook / bare_per_notebook:8.2f} x bare execution")
        if args.queue:
            local_scores = {a: layout.scores(course_dir, a) for a in assignments}
            server, broker = (None, args.broker) if args.broker else _redis_server(scratch)
            try:
                for workers in (1, 2):
                    wall, outcomes = queue_run(template, broker, workers, scratch)
                    same = {a: layout.scores(Path(scratch) / f"queue{workers}", a) for a in assignments} == local_scores
                    print(f"queue, {workers} worker process{'es' if workers > 1 else ''}: {wall:8.1f} s, "
                          f"{notebooks / wall * 60:6.1f} notebooks per minute, {wall / notebooks:5.2f} s per notebook "
                          f"= {wall / graded_time:5.2f} x local ({sum(not o.graded for o in outcomes)} failed, "
                          f"scores {'the same as' if same else 'DIFFERENT FROM'} the local run)")
            finally:
                if server:
                    server.terminate()
                    server.wait()
        shutil.rmtree(course_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
