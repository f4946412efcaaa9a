"""``dlcourse demo``: the whole instructor cycle on sample submissions, in a scratch folder."""
import runpy
import tempfile
import time
from pathlib import Path

import nbformat

from dlcourse import course

STUDENTS = ("correct", "untouched", "buggy")


def sample_answers(root, assignment):
    """The known mistakes of an assignment's answer catalogue (tests/files/answers/<assignment>.py)."""
    catalogue = Path(root) / "tests" / "files" / "answers" / f"{assignment}.py"
    if not catalogue.is_file():
        raise course.CourseError(f"no answer catalogue for {assignment}: {catalogue} is missing")
    return runpy.run_path(str(catalogue))["MISTAKES"]


def make_submissions(workspace, assignment, mistakes):
    """Write the three sample students' submissions: the reference, the untouched release, two bugs."""
    for name in course.notebook_names(workspace, assignment):
        source = workspace / "source" / assignment / f"{name}.ipynb"
        release = workspace / "release" / assignment / f"{name}.ipynb"
        answers = course.solutions(source)
        bugs = {part: next(iter(variants.values())) for part, variants in list(mistakes.items())[:2] if part in answers}
        course.write_submission(workspace, "correct", assignment, name, course.fill_answers(release, answers))
        course.write_submission(workspace, "untouched", assignment, name, nbformat.read(release, as_version=4))
        course.write_submission(workspace, "buggy", assignment, name, course.fill_answers(release, {**answers, **bugs}))


def grade_table(table, students):
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


def run(root, assignments=None, workdir=None, echo=print):
    """Run the demo and return {assignment: scores}; raises CourseError when a step fails."""
    root = Path(root)
    workspace = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="dlcourse-demo-"))
    workspace.mkdir(parents=True, exist_ok=True)
    if (workspace / "source").exists():
        raise course.CourseError(f"{workspace} already holds a course: choose an empty --workdir")
    course.copy_course(root, workspace)
    echo(f"Scratch course folder: {workspace}")
    results = {}
    for assignment in assignments or ["w2_numpy_basics"]:
        mistakes = sample_answers(root, assignment)
        steps = [
            ("generate the student version", lambda: course.run_nbgrader(workspace, "generate_assignment", assignment, "--force")),
            ("write sample submissions (correct, untouched, buggy)", lambda: make_submissions(workspace, assignment, mistakes)),
            ("autograde every submission", lambda: course.run_nbgrader(workspace, "autograde", assignment, "--force")),
            ("generate feedback", lambda: course.run_nbgrader(workspace, "generate_feedback", assignment, "--force")),
        ]
        echo(f"\n== {assignment}")
        for label, step in steps:
            start = time.perf_counter()
            step()
            echo(f"  {label} ... done in {time.perf_counter() - start:.1f} s")
        results[assignment] = course.scores(workspace, assignment)
        echo("\n" + grade_table(results[assignment], STUDENTS))
        echo(f"\nFeedback pages: {workspace / 'feedback'}/<student>/{assignment}/")
    return results
