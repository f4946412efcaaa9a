"""``dlcourse demo``: the whole instructor cycle on sample submissions, in a scratch folder."""
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import nbformat

from dlcourse.course import catalogue, layout

STUDENTS = ("correct", "untouched", "buggy")


def make_submissions(workspace: str | Path, assignment: str, mistakes: dict[str, dict[str, str]]) -> None:
    """Write the three sample students' submissions: the reference, the untouched release, two bugs."""
    for name in layout.notebook_names(workspace, assignment):
        source = workspace / "source" / assignment / f"{name}.ipynb"
        release = workspace / "release" / assignment / f"{name}.ipynb"
        answers = layout.solutions(source)
        bugs = {part: next(iter(variants.values())) for part, variants in list(mistakes.items())[:2] if part in answers}
        layout.write_submission(workspace, "correct", assignment, name, layout.fill_answers(release, answers))
        layout.write_submission(workspace, "untouched", assignment, name, nbformat.read(release, as_version=4))
        layout.write_submission(workspace, "buggy", assignment, name, layout.fill_answers(release, {**answers, **bugs}))


def grade_table(table: dict[str, dict[str, tuple[float, float]]], students: Sequence[str]) -> str:
    """A text table: one row per graded part, one column per student, totals last."""
    parts = list(dict.fromkeys(part for student in students for part in table.get(student, {})))
    rows = [[""] + list(students)]
    totals = {s: [0.0, 0.0] for s in students}
    for part in parts + ["total"]:
        row = [part]
        for student in students:
            score, best = totals[student] if part == "total" else table.get(student, {}).get(part, (0.0, 0.0))
            if part != "total":
                totals[student][0] += score
                totals[student][1] += best
            row.append(f"{score:g} / {best:g}")
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join([row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])])
                     for row in rows)


def run(root: str | Path, assignments: list[str] | None = None, workdir: str | Path | None = None,
        echo: Callable[[str], object] = print) -> dict[str, dict[str, dict[str, tuple[float, float]]]]:
    """Run the demo and return {assignment: scores}; raises CourseError when a step fails."""
    root = Path(root)
    workspace = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="dlcourse-demo-"))
    workspace.mkdir(parents=True, exist_ok=True)
    if (workspace / "source").exists():
        raise layout.CourseError(f"{workspace} already holds a course: choose an empty --workdir")
    layout.copy_course(root, workspace)
    echo(f"Scratch course folder: {workspace}")
    results = {}
    for assignment in assignments or ["w2_numpy_basics"]:
        mistakes, _ = catalogue.load(root, assignment)
        steps = [
            ("generate the student version", layout.run_nbgrader, "generate_assignment", assignment, "--force"),
            ("write sample submissions (correct, untouched, buggy)", make_submissions, assignment, mistakes),
            ("autograde every submission", layout.run_nbgrader, "autograde", assignment, "--force"),
            ("generate feedback", layout.run_nbgrader, "generate_feedback", assignment, "--force"),
        ]
        echo(f"\n== {assignment}")
        for label, step, *args in steps:
            start = time.perf_counter()
            step(workspace, *args)
            echo(f"  {label} ... done in {time.perf_counter() - start:.1f} s")
        results[assignment] = layout.scores(workspace, assignment)
        echo("\n" + grade_table(results[assignment], STUDENTS))
        echo(f"\nFeedback pages: {workspace / 'feedback'}/<student>/{assignment}/")
    return results
