"""Benchmark class-scale autograding: a synthetic class graded by `dlcourse autograde`, against bare execution.

Builds a scratch course with STUDENTS students x every assignment that has an answer catalogue: a mix of
correct (the reference), partially wrong (a known mistake) and malformed (invalid JSON, renamed notebook,
duplicated cell) submissions. Prints total wall time, notebooks per minute, mean time per notebook, and the
bare execution time of a sample of the same notebooks (nbclient, no nbgrader, same number of workers) measured
in the same run, so that the grading overhead is a ratio.

    python scripts/benchmark_grading.py --students 200 --workers 2
"""
import argparse
import copy
import random
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from dlcourse.course import catalogue, layout
from dlcourse.grading import runner

REPO = Path(__file__).resolve().parents[1]


def build_class(course_dir, students, seed=0):
    """Write the synthetic class; returns [(student, assignment, notebook path)]."""
    rng = random.Random(seed)
    written = []
    for assignment in catalogue.assignments(REPO):
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None, help="default: number of cores")
    parser.add_argument("--bare-sample", type=float, default=0.1,
                        help="fraction of the notebooks whose bare execution is timed (default 0.1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-") as scratch:
        course_dir = layout.copy_course(REPO, Path(scratch) / "course")
        for assignment in catalogue.assignments(REPO):
            layout.run_nbgrader(course_dir, "generate_assignment", assignment, "--force")
        written = build_class(course_dir, args.students)
        notebooks = len(written)
        assignments = len(catalogue.assignments(REPO))
        print(f"class: {args.students} students x {assignments} assignments = {notebooks} notebooks")
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
        shutil.rmtree(course_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
