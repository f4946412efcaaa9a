"""Benchmark class-scale autograding: a synthetic class graded by `dlcourse autograde`, against the work itself.

Builds a scratch course with STUDENTS students x every assignment that has an answer catalogue: a mix of
correct (the reference), partially wrong (a known mistake) and malformed (invalid JSON, renamed notebook,
duplicated cell) submissions. Prints, for the same class in one run:
- the local grading time (wall time, notebooks per minute, time per notebook), and where it goes: each stage's
  worker-seconds per notebook (dlcourse/grading/stages.py: repair, nbgrader's sanitizing, kernels, the notebook's
  cells, judging, grades, writing, a notebook's two passes in all, merging), summed over the workers; then CPU
  seconds per notebook: the kernels' (their control groups; none without them), the grading processes' own and this
  process's, and what is left of workers x wall (cores idle, or busy with what no counter sees: fork servers);
- the compute floor: every code cell of the graded notebooks (the tests too, demonstrations skipped) executed in
  warm interpreters, one per worker, one BLAS thread, as CPU time and as wall time with the same workers;
- stock nbgrader (`nbgrader autograde` in one process, its default configuration: no sandbox, a new kernel per
  notebook; demonstration cells blanked in its copies so that it runs the same code) on a sample of the students
  (--stock-sample, default 0.1; 1 for the whole class);
- bare execution of a sample of the same notebooks (nbclient, no nbgrader, same number of workers);
- the ratios: local to floor, stock's time per notebook to local, local to bare.

The machine's speed may drift over minutes (shared machines: the floor has measured 0.072 and 0.108 s per notebook
within the hour); with --rounds N the class is graded N times (each into a fresh copy of the ungraded course) and the
floor measured between each two gradings, so that every floor stands between two gradings: it prints each floor's
ratio to the mean of the gradings on either side, and the ratio of the mean grading to the mean floor.

With --queue, the same class is also graded through the queue (dlcourse/grading/queue.py, docs/scale-out.md): a
redis-server of its own (or --broker URL), then 1 and then 2 worker processes (`dlcourse worker --concurrency 1`,
started and ready before the clock starts), each time into a fresh copy of the course; it prints notebooks per
minute and the time per notebook as a ratio to the local run, and checks that the scores are the local run's.

    python scripts/benchmark_grading.py --students 200 --workers 2 --assignment w2_numpy_basics ...
    python scripts/benchmark_grading.py --students 10 --queue
"""
import argparse
import contextlib
import copy
import io
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import nbformat

from dlcourse.course import catalogue, layout
from dlcourse.grading import queue, runner, stages

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


def _warm_interpreter():
    """Load what the notebooks import, so that the floor counts only their own work."""
    import h5py  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    from IPython.core.inputtransformer2 import TransformerManager  # noqa: F401

    import dlcourse.checks  # noqa: F401
    import dlcourse.datasets  # noqa: F401


def _execute_cells(path):
    """CPU seconds to run every code cell of an autograded notebook in this (warm) interpreter, in a namespace of
    its own, in its folder (the assignment's source folder on the path, as the judge has it for hidden tests);
    errors are the notebook's and do not stop it."""
    import signal

    from IPython.core.inputtransformer2 import TransformerManager

    nb = nbformat.read(path, as_version=4)
    layout.skip_demonstrations(nb)
    folder = str(Path(path).parent)
    source = str(Path(path).parents[3] / "source" / Path(path).parent.name)  # hidden tests' helpers, as the judge
    before = set(sys.modules)
    os.chdir(folder)
    sys.path[:0] = [folder, source]
    namespace, transform = {"__name__": "__main__"}, TransformerManager().transform_cell
    start = time.process_time()
    try:
        for cell in nb.cells:
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            signal.alarm(120)
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    exec(compile(transform(cell.source), "<cell>", "exec"), namespace)
            except BaseException:  # noqa: BLE001 -- the notebook's own errors (wrong answers, timeouts)
                pass
            finally:
                signal.alarm(0)
        return time.process_time() - start
    finally:
        sys.path.remove(folder)
        sys.path.remove(source)
        for name in set(sys.modules) - before:  # the notebook's own modules (dnn_blocks, ...) are imported afresh
            sys.modules.pop(name, None)


def compute_floor(paths, workers):
    """(CPU seconds per notebook, wall seconds per notebook) of executing the graded notebooks' cells in warm
    interpreters, one per worker, one BLAS thread each."""
    saved = {name: os.environ.get(name) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MPLBACKEND")}
    os.environ.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    try:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_warm_interpreter) as pool:
            list(pool.map(_warm_interpreter_ready, range(workers)))
            start = time.perf_counter()
            cpu = sum(pool.map(_execute_cells, paths))
            wall = time.perf_counter() - start
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return cpu / len(paths), wall / len(paths)


def _print_floor(graded, workers):
    """Measure the compute floor of these graded notebooks and print it; returns it (wall seconds per notebook)."""
    floor_cpu, floor_wall = compute_floor(graded, workers)
    print(f"compute floor:           {floor_cpu / workers:8.3f} s per notebook ({floor_cpu:.3f} s CPU / {workers} "
          f"workers; measured {floor_wall:.3f} s of wall per notebook; {len(graded)} graded notebooks)")
    return floor_cpu / workers


def _warm_interpreter_ready(_):
    return True


STOCK_CONFIG = """c = get_config()
c.CourseDirectory.course_id = "neural-networks-and-deep-learning"  # the id the copied gradebook holds
c.CourseDirectory.db_url = "sqlite:///{db}"
c.Execute.timeout = 60
"""


def stock_nbgrader(template, students, folder):
    """(seconds, notebooks) for stock `nbgrader autograde` of these students' submissions, in one process, with
    nbgrader's default configuration (a copy of the ungraded course). The demonstration cells are blanked in the
    copies, as our grader skips them, so that both run the same code."""
    course = Path(folder) / "stock"
    shutil.copytree(template, course, symlinks=True, ignore=shutil.ignore_patterns("submitted"))
    for student in students:
        shutil.copytree(Path(template) / "submitted" / student, course / "submitted" / student)
    for path in (course / "submitted").glob("*/*/*.ipynb"):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 -- a malformed submission stays as it is
            continue
        nbformat.write(layout.skip_demonstrations(nb), path)
    (course / "nbgrader_config.py").write_text(STOCK_CONFIG.format(db=course / "gradebook.db"))
    env = {**layout.jupyter_env(course / ".jupyter-state")}
    env.pop("DLCOURSE_DB_URL", None)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "*", "--force"], cwd=course, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start, sum(1 for _ in (course / "autograded").glob("*/*/*.ipynb"))


def print_stages(path, notebooks, workers, wall):
    """Each stage's worker-seconds per notebook, and its share of the workers' time (workers x wall); then the CPU
    seconds per notebook of the kernels and of the grading processes, and what is left of workers x wall."""
    times = stages.read(path)
    budget = workers * wall
    cpu = {stage: seconds for stage, seconds in times.items() if stage.startswith(stages.CPU)}
    cpu["no CPU counted (idle cores, fork servers, other)"] = budget - sum(cpu.values())
    for title, rows in [
        (f"where the time goes (worker-seconds per notebook; {workers} workers x {wall:.1f} s = {budget:.1f} s):",
         {stage: seconds for stage, seconds in times.items() if stage not in cpu}),
        ("CPU seconds per notebook, and their share of workers x wall:", cpu),
    ]:
        print(title)
        for stage, seconds in sorted(rows.items()):
            print(f"  {stage:<52} {seconds / notebooks:7.3f} s  {100 * seconds / budget:5.1f} %")


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
                        help="fraction of the notebooks whose bare execution is timed (default 0.1; 0: none)")
    parser.add_argument("--stock-sample", type=float, default=0.1,
                        help="fraction of the students graded by stock nbgrader (default 0.1; 0: none)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="grade the class this many times, the floor measured between each two gradings "
                             "(default 1: the floor once, after the grading)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more")
    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-") as scratch:
        course_dir = layout.copy_course(REPO, Path(scratch) / "course")
        assignments = args.assignment or catalogue.assignments(REPO)
        for assignment in assignments:
            layout.run_nbgrader(course_dir, "generate_assignment", assignment, "--force")
        written = build_class(course_dir, args.students, assignments)
        notebooks = len(written)
        print(f"class: {args.students} students x {len(assignments)} assignments = {notebooks} notebooks")
        template = shutil.copytree(course_dir, Path(scratch) / "ungraded", symlinks=True)
        os.environ[stages.VARIABLE] = str(Path(scratch) / "stages.jsonl")
        start, own = time.perf_counter(), stages.process_cpu()
        outcomes = runner.autograde(course_dir, workers=args.workers)
        graded_time = time.perf_counter() - start
        stages.add(f"{stages.CPU}this process's own (merging, progress)", stages.process_cpu() - own)
        stages.flush()
        del os.environ[stages.VARIABLE]
        workers = args.workers or os.cpu_count()
        failed = sum(not o.graded for o in outcomes)
        per_notebook = graded_time / notebooks
        print(f"autograde wall time:     {graded_time:8.1f} s  ({failed} submissions failed)")
        print(f"notebooks per minute:    {notebooks / graded_time * 60:8.1f}")
        print(f"mean time per notebook:  {per_notebook:8.3f} s (wall time / notebooks)")
        print_stages(Path(scratch) / "stages.jsonl", notebooks, workers, graded_time)
        graded = sorted((course_dir / "autograded").glob("*/*/*.ipynb"))
        gradings, floors = [graded_time], []
        for round_ in range(2, args.rounds + 1):
            floors.append(_print_floor(graded, workers))
            again = shutil.copytree(template, Path(scratch) / f"round{round_}", symlinks=True)
            start = time.perf_counter()
            runner.autograde(again, workers=args.workers, progress=False)
            gradings.append(time.perf_counter() - start)
            print(f"graded again:            {gradings[-1]:8.1f} s  (round {round_}, after the floor)")
            shutil.rmtree(again, ignore_errors=True)
        if not floors:
            floors.append(_print_floor(graded, workers))
        per_notebook, floor = sum(gradings) / len(gradings) / notebooks, sum(floors) / len(floors)
        if len(gradings) > 1:
            each = [(gradings[k] + gradings[k + 1]) / 2 / notebooks / f for k, f in enumerate(floors)]
            print(f"mean time per notebook:  {per_notebook:8.3f} s ({len(gradings)} gradings: "
                  f"{', '.join(f'{g:.1f}' for g in gradings)} s)")
            print(f"each floor's ratio:      {', '.join(f'{r:.2f}' for r in each)} x (to the gradings on either side)")
        print(f"local / floor:           {per_notebook / floor:8.2f} x" + (" (mean grading / mean floor)" if
                                                                          len(floors) > 1 else ""))
        if args.stock_sample > 0:
            students = sorted({student for student, _, _ in written})
            sample = students[:: max(1, round(1 / args.stock_sample))]
            stock_time, stock_notebooks = stock_nbgrader(template, sample, scratch)
            stock_per_notebook = stock_time / max(stock_notebooks, 1)
            print(f"stock nbgrader:          {stock_per_notebook:8.3f} s per notebook ({stock_notebooks} notebooks of "
                  f"{len(sample)} students in {stock_time:.1f} s, one process)")
            print(f"throughput vs stock:     {stock_per_notebook / per_notebook:8.2f} x")
        sample = written[:: max(1, round(1 / args.bare_sample))] if args.bare_sample > 0 else []
        if sample:
            bare_time = bare_execution([path for _, _, path in sample], workers)
            bare_per_notebook = bare_time / len(sample)
            print(f"bare execution:          {bare_per_notebook:8.3f} s per notebook "
                  f"({len(sample)} notebooks, same workers)")
            print(f"local / bare:            {per_notebook / bare_per_notebook:8.2f} x")
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
