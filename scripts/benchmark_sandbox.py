"""Benchmark the grading sandbox: per-notebook cost of sandboxed kernels against the same kernels unsandboxed.

Executes the solved w2_numpy_basics notebook (demonstrations skipped, as when grading) ROUNDS times with
sandboxed grading kernels (dlcourse/grading/leankernel.py) and ROUNDS times without, alternating so that both see
the same machine load, and prints the mean time per notebook of each and the difference (target: under 0.3 s per
notebook). Sandboxed kernels are forked from the fork server (dlcourse/grading/forkserver/); unsandboxed ones are
new processes.

    python scripts/benchmark_sandbox.py --rounds 10
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from dlcourse.course import layout
from dlcourse.grading import kernels, mounts

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT, NOTEBOOK = "w2_numpy_basics", "numpy_basics"


def run_once(nb, folder, sandboxed):
    """Seconds to run nb's code cells in a fresh grading kernel (cwd = folder), its start and stop included."""
    kernel = kernels.GradingKernelManager(sandbox=sandboxed)
    start = time.perf_counter()
    kernel.start(str(folder))
    try:
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.source.strip():
                kernel.execute(cell.source, 60, 1 << 20)
    finally:
        kernel.stop()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    problem = mounts.sandbox_problem()
    if problem:
        sys.exit(f"cannot measure: {problem}")
    release = REPO / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = layout.fill_answers(release, layout.solutions(REPO / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"))
    layout.skip_demonstrations(nb)
    times = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-sandbox-") as folder:
        run_once(nb, folder, True)  # warm the file cache
        for _ in range(args.rounds):
            for sandboxed in (True, False):
                times[sandboxed].append(run_once(nb, folder, sandboxed))
    on, off = statistics.mean(times[True]), statistics.mean(times[False])
    print(f"notebook: {ASSIGNMENT}/{NOTEBOOK}, {args.rounds} runs each, alternating")
    print(f"sandboxed kernels:    {on:6.3f} s per notebook (median {statistics.median(times[True]):.3f})")
    print(f"unsandboxed kernels:  {off:6.3f} s per notebook (median {statistics.median(times[False]):.3f})")
    print(f"sandbox overhead:     {on - off:+6.3f} s per notebook ({on / off:.2f} x)")


if __name__ == "__main__":
    main()
