"""Class-scale autograding: nbgrader as the engine, driven in parallel, robust to any submission.

Each submission is first copied and repaired where nbgrader would stop or lose points unfairly (renamed
notebook, invalid JSON, duplicated or foreign cell ids, edited cell metadata, extra files). The class is then
split into shards, one per worker; each shard is a small course folder (shared source/ and release/, its own
copy of the gradebook) graded by one nbgrader process, so the per-process start-up cost is paid once per
worker. Results are merged back into the course's gradebook and autograded/ folder. A student whose grading
fails is reported and gets 0 — never a stale score.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from dlcourse.course import gradebook, layout


@dataclass
class Outcome:
    """What happened to one student's submission of one assignment."""
    student: str
    assignment: str
    problems: list = field(default_factory=list)
    graded: bool = False
    score: float = 0.0
    max_score: float = 0.0

    def line(self) -> str:
        """One report line for the instructor."""
        state = f"{self.score:g} / {self.max_score:g}" if self.graded else f"FAILED, 0 / {self.max_score:g}"
        notes = f"  ({'; '.join(self.problems)})" if self.problems else ""
        return f"{self.student:<24} {self.assignment:<28} {state}{notes}"


def find_submissions(root: str | Path, assignments: list[str] | None = None,
                     students: list[str] | None = None) -> list[tuple[str, str]]:
    """[(student, assignment)] present under submitted/, filtered by the given ids (sorted)."""
    submitted = Path(root) / "submitted"
    found = []
    if submitted.is_dir():
        for folder in sorted(submitted.glob("*/*")):
            student, assignment = folder.parent.name, folder.name
            wanted = (not assignments or assignment in assignments) and (not students or student in students)
            if folder.is_dir() and wanted:
                found.append((student, assignment))
    return found


def _nbgrader_metadata(release_notebook):
    """{grade_id: nbgrader metadata} of the student version."""
    return {c.metadata["nbgrader"]["grade_id"]: dict(c.metadata["nbgrader"])
            for c in release_notebook.cells if "nbgrader" in c.metadata}


def repair(path: str | os.PathLike, release_path: str | os.PathLike) -> tuple[nbformat.NotebookNode, list[str]]:
    """Read a submitted notebook and undo what would stop nbgrader or cost points unfairly.

    Returns (notebook, problems). A file that is not a valid notebook becomes the untouched student version
    (it scores 0). Cells keep their code and order; only nbgrader's bookkeeping is restored from the student version.
    """
    release = nbformat.read(release_path, as_version=4)
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        if not text.strip():
            return release, ["empty notebook file: graded as unanswered"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns about what normalize() repairs (missing or twin ids)
            nb = nbformat.validator.normalize(nbformat.reads(text, as_version=4))[1]
        nbformat.validate(nb)
    except Exception as error:  # noqa: BLE001 -- whatever makes it unreadable (bad JSON, too deep, not a notebook)
        return release, [f"unreadable notebook ({type(error).__name__}): graded as unanswered"]
    problems = []
    expected = _nbgrader_metadata(release)
    seen = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if not isinstance(grade_id, str) or grade_id in seen or grade_id not in expected:
            state = "duplicated" if isinstance(grade_id, str) and grade_id in seen else "unknown"
            problems.append(f"cell {grade_id!r} {state}: graded as an ordinary cell")
            del cell.metadata["nbgrader"]
            continue
        seen.add(grade_id)
        if meta != expected[grade_id] and {k: v for k, v in meta.items() if k != "checksum"} != \
                {k: v for k, v in expected[grade_id].items() if k != "checksum"}:
            problems.append(f"metadata of cell {grade_id!r} edited: restored")
        cell.metadata["nbgrader"] = dict(expected[grade_id])
        if cell.cell_type != expected[grade_id].get("cell_type", cell.cell_type):
            problems.append(f"cell {grade_id!r} changed type: restored")
            _set_type(cell, expected[grade_id]["cell_type"])
    missing = [grade_id for grade_id in expected if grade_id not in seen]
    if missing:
        names = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        problems.append(f"cells deleted: {names} (nbgrader puts test cells back)")
    return nb, problems


def _set_type(cell, cell_type):
    """Turn a cell into a code or Markdown cell, with the fields that type requires."""
    cell.cell_type = cell_type
    if cell_type == "code":
        cell.setdefault("outputs", [])
        cell.setdefault("execution_count", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def prepare_shard(root: str | Path, shard: str | Path,
                  submissions: list[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    """Build a shard course folder holding repaired copies of these submissions; return {key: problems}."""
    root, shard = Path(root), Path(shard)
    shard.mkdir(parents=True)
    shutil.copy(root / "nbgrader_config.py", shard)
    gradebook.registered_copy(root, shard / "gradebook.db")
    for name in ("source", "release"):
        (shard / name).symlink_to(root / name)
    problems = {}
    for student, assignment in submissions:
        notes = []
        folder = root / "submitted" / student / assignment
        present = {p.name for p in folder.glob("*.ipynb")}
        expected = [f"{n}.ipynb" for n in layout.notebook_names(root, assignment)]
        extra = sorted(present - set(expected))
        for name in expected:
            path = folder / name
            if name not in present:
                if len(expected) == 1 and len(extra) == 1:
                    notes.append(f"notebook renamed to {extra[0]}: graded as {name}")
                    path = folder / extra.pop()
                else:
                    notes.append(f"{name} missing: graded as unanswered")
                    path = None
            release = root / "release" / assignment / name
            nb, found = repair(path, release) if path else (nbformat.read(release, as_version=4), [])
            notes += found
            layout.write_submission(shard, student, assignment, Path(name).stem, nb)
        extra += sorted(p.name for p in folder.iterdir() if p.suffix != ".ipynb" and p.name != "timestamp.txt")
        if extra:
            notes.append(f"ignored extra files: {', '.join(extra)}")
        timestamp = folder / "timestamp.txt"
        if timestamp.is_file():
            shutil.copy(timestamp, shard / "submitted" / student / assignment)
        problems[(student, assignment)] = notes
    return problems


def _run_shard(shard, notebooks, on_notebook, timeout_args):
    """Run one nbgrader autograde over every submission of a shard (all its assignments: one process start),
    calling on_notebook() once per notebook, graded or failed."""
    env = layout.jupyter_env(Path(shard) / ".jupyter-state")
    env.pop(gradebook.URL_VARIABLE, None)  # a shard writes to its own SQLite gradebook, never to the course's
    own_gradebook = f"--CourseDirectory.db_url=sqlite:///{Path(shard) / 'gradebook.db'}"
    counted = 0
    process = subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", "*", "--force", own_gradebook,
                                *timeout_args],
                               cwd=shard, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    executing = False
    for line in process.stdout:
        if "] Autograding " in line:
            executing = True
        elif executing and "] Writing " in line:
            executing = False
            counted += 1
            on_notebook()
    process.wait()
    for _ in range(notebooks - counted):  # notebooks whose grading failed
        on_notebook()


def _shard_results(shard, submissions):
    """{(student, assignment): (grades, comments, timestamp)} for the submissions a shard graded; a submission
    without autograded notebooks or gradebook entry is left out (its grading failed)."""
    from nbgrader.api import Gradebook, MissingEntry

    results = {}
    with Gradebook(f"sqlite:///{Path(shard) / 'gradebook.db'}") as book:
        for student, assignment in submissions:
            if not (Path(shard) / "autograded" / student / assignment).is_dir():
                continue
            try:
                found = book.find_submission(assignment, student)
            except MissingEntry:
                continue
            results[(student, assignment)] = (
                {(nb.name, g.name): (g.auto_score, g.needs_manual_grade) for nb in found.notebooks for g in nb.grades},
                {(nb.name, c.name): c.auto_comment for nb in found.notebooks for c in nb.comments},
                found.timestamp)
    return results


def _store_scores(book, student, assignment, grades, comments=None, timestamp=None):
    """Replace a student's submission in the course gradebook: {(notebook, grade cell): (score, needs manual
    grading)}; grade cells left out score 0. Earlier scores never survive."""
    from nbgrader.api import MissingEntry

    book.update_or_create_student(student)
    try:
        book.remove_submission(assignment, student)
    except MissingEntry:
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's add_submission triggers SQLAlchemy autoflush warnings
        submission = book.add_submission(assignment, student, timestamp=timestamp)
    for nb in submission.notebooks:
        for grade in nb.grades:
            grade.auto_score, grade.needs_manual_grade = grades.get((nb.name, grade.name), (0.0, False))
        for comment in nb.comments:
            comment.auto_comment = (comments or {}).get((nb.name, comment.name))
    book.db.commit()


def kernel_death(path: Path) -> str | None:
    """Where the grading kernel died in an autograded notebook (its cell's grade_id, else "cell N"), or None.

    The grader records a death as an error output named KERNEL_DIED; text a student prints is not an error output.
    """
    from dlcourse.grading.execute import KERNEL_DIED

    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == KERNEL_DIED:
                return cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
    return None


def _merge(root, shard, submissions, problems, results=None):
    """Copy a shard's autograded notebooks and scores (``results``, default: read from the shard's gradebook) into
    the course; a submission whose grading failed gets 0 on every test and no autograded notebooks (never a stale
    score). Returns the Outcomes."""
    results = _shard_results(shard, submissions) if results is None else results
    outcomes = []
    with gradebook.connect(root) as book:
        for student, assignment in submissions:
            outcome = Outcome(student, assignment, problems[(student, assignment)])
            outcome.graded = (student, assignment) in results
            grades, comments, timestamp = results.get((student, assignment), ({}, None, None))
            _store_scores(book, student, assignment, grades, comments, timestamp)
            destination = Path(root) / "autograded" / student / assignment
            shutil.rmtree(destination, ignore_errors=True)
            if outcome.graded:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(Path(shard) / "autograded" / student / assignment, destination)
                for path in sorted(destination.glob("*.ipynb")):
                    where = kernel_death(path)
                    if where is not None:
                        outcome.problems.append(f"{path.name}: the kernel died in {where}; the cells after it scored 0")
            else:
                outcome.problems.append("grading failed (nbgrader could not run or save the notebook)")
            outcomes.append(outcome)
    return outcomes


class Progress:
    """A one-line progress bar on stderr: done / total notebooks, rate and time left."""

    def __init__(self, total, stream=sys.stderr):
        self.total, self.done, self.start, self.stream = total, 0, time.perf_counter(), stream

    def step(self):
        self.done += 1
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate else 0.0
        filled = int(30 * self.done / max(self.total, 1))
        self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} notebooks"
                          f"  {rate * 60:5.1f}/min  ~{left:4.0f} s left ")
        self.stream.flush()

    def close(self):
        self.stream.write("\n")
        self.stream.flush()


def autograde(root: str | Path, assignments: list[str] | None = None, students: list[str] | None = None,
              workers: int | None = None, cell_timeout: int | None = None, progress: bool = True) -> list[Outcome]:
    """Autograde every matching submission under submitted/ in parallel; return the Outcomes.

    Assignments the gradebook does not know yet are registered first (from source/), so nbgrader never
    stops after grading on a missing assignment.
    """
    root = Path(root).resolve()
    submissions = find_submissions(root, assignments, students)
    if not submissions:
        raise layout.CourseError("no submissions found under submitted/<student>/<assignment>/")
    gradebook.register(root, {assignment for _, assignment in submissions})
    workers = max(1, min(workers or os.cpu_count() or 1, len(submissions)))
    shards = [submissions[i::workers] for i in range(workers)]
    total = sum(len(layout.notebook_names(root, a)) for _, a in submissions)
    bar = Progress(total) if progress else None
    timeout_args = [f"--Execute.timeout={cell_timeout}"] if cell_timeout else []
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="dlcourse-grading-") as scratch:
        problems = {}
        for index, shard in enumerate(shards):
            problems.update(prepare_shard(root, Path(scratch) / f"shard{index}", shard))
        with ThreadPoolExecutor(workers) as pool:
            runs = [pool.submit(_run_shard, Path(scratch) / f"shard{i}",
                                sum(len(layout.notebook_names(root, a)) for _, a in shard),
                                bar.step if bar else (lambda: None), timeout_args)
                    for i, shard in enumerate(shards)]
            for run in runs:
                run.result()
        if bar:
            bar.close()
        for index, shard in enumerate(shards):
            outcomes += _merge(root, Path(scratch) / f"shard{index}", shard, problems)
    return score_outcomes(root, outcomes)


def score_outcomes(root: str | Path, outcomes: list[Outcome]) -> list[Outcome]:
    """Fill in each Outcome's score and maximum from the course's gradebook; returns the outcomes."""
    tables = {assignment: layout.scores(root, assignment) for assignment in {o.assignment for o in outcomes}}
    for outcome in outcomes:
        parts = tables[outcome.assignment].get(outcome.student, {})
        outcome.score = sum(score for score, _ in parts.values())
        outcome.max_score = sum(best for _, best in parts.values())
    return outcomes
