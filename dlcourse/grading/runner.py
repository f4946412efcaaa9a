"""Class-scale autograding: nbgrader as the engine, driven in parallel, robust to any submission.

The class is graded by one process per worker (dlcourse.grading.shard), each in a small course folder of its own (a
shard: the course's configuration, shared source/ and release/), so the start-up cost is paid once per worker. The
processes take the class's submissions in turn, each the next one nobody has claimed yet, so that none sits idle
while another still has a queue (a few slow notebooks cost only the process that drew them). There, each submission
is read and repaired in memory where nbgrader would stop or lose points unfairly (renamed notebook, invalid JSON,
duplicated or foreign cell ids, edited cell metadata, extra files), then graded by nbgrader's preprocessors as
`nbgrader autograde` configures them. Results are merged into the course's gradebook (a transaction per batch, as
they come) and autograded/ folder. A student whose grading fails is reported and gets 0 — never a stale score.
"""
import copy
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.corpus.words import generate_corpus_id as random_cell_id
from tqdm import tqdm

from dlcourse.course import gradebook, layout
from dlcourse.grading import cgroups, cpus, kernels, stages


@dataclass
class Outcome:
    """What happened to one student's submission of one assignment."""
    student: str
    assignment: str
    problems: list = field(default_factory=list)
    graded: bool = False
    score: float = 0.0
    max_score: float = 0.0
    log_tail: str = ""  # end of the grading log, when grading failed

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


MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024  # a larger submitted notebook is graded as unanswered
CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
SHARD_LOG = "grading.log"
START_FAILURES = "kernel-start-failures.jsonl"
MANIFEST = "submissions.json"  # the class a shard's grading process takes its work from: [[student, assignment], ...]
CLAIMS = "claims"  # one file per submission a grading process has taken (named by its number, holding the shard's)
RESULTS = "results.jsonl"  # what it wrote: one record per submission (dlcourse.grading.shard)
PROGRESS = "progress"  # one byte per autograded notebook it has written: its size is the count


class GradingError(layout.CourseError):
    """Grading could not run for a reason that is not a student's code (kernels do not start, the sandbox or
    nbgrader fails); the message says why, with the end of the grading log."""


def _nbgrader_metadata(release_notebook):
    """{grade_id: nbgrader metadata} of the student version."""
    return {c.metadata["nbgrader"]["grade_id"]: dict(c.metadata["nbgrader"])
            for c in release_notebook.cells if "nbgrader" in c.metadata}


def read_submitted_file(path: str | Path, limit: int) -> tuple[bytes | None, str | None]:
    """(bytes, None) of a submitted regular file of at most limit bytes, else (None, why not). Never follows a
    symbolic link and never blocks (a FIFO or device named like a notebook is refused, not opened for reading)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None, "missing"
    except OSError as error:
        kind = "a symbolic link" if os.path.islink(path) else f"unreadable ({error.strerror})"
        return None, kind
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        if info.st_size > limit:
            return None, f"too large ({info.st_size} bytes, limit {limit})"
        data = os.read(fd, limit + 1)
        return (data, None) if len(data) <= limit else (None, f"too large (over {limit} bytes)")
    finally:
        os.close(fd)


def _parse(text):
    """The notebook in text, as nbformat 4 (older versions converted); raises on anything else."""
    try:
        data = json.loads(text)
    except ValueError:
        return nbformat.reads(text, as_version=4)  # raises nbformat's own NotJSONError
    if isinstance(data, dict) and data.get("nbformat") == 4:
        return nbformat.from_dict(data)
    return nbformat.reads(text, as_version=4)


def _text(value):
    """A cell's source as text: a string, or a list of strings joined; anything else is None."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "".join(value)
    return None


CELL_TYPES = ("code", "markdown", "raw")


def _new_cell(kind, source):
    """A cell as nbformat.v4.new_code_cell (or _markdown_, _raw_) makes it, without validating each cell on its own:
    the rebuilt notebook is validated whole."""
    cell = nbformat.NotebookNode(id=random_cell_id(), cell_type=kind, metadata=nbformat.NotebookNode(), source=source)
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _rebuild(student_nb, release):
    """A fresh notebook (the release's notebook metadata) holding the student's cells in their order, each rebuilt
    from its source and type alone, nbgrader's bookkeeping restored from the student version. Returns
    (notebook, problems)."""
    problems, expected, seen, ids = [], _nbgrader_metadata(release), set(), set()
    kinds = {}  # {grade_id: cell type in the student version}, the first cell of each
    for cell in release.cells:
        kinds.setdefault(cell.metadata.get("nbgrader", {}).get("grade_id"), cell.cell_type)
    cells = student_nb.get("cells") if isinstance(student_nb, dict) else None
    if not isinstance(cells, list):
        raise nbformat.ValidationError("no list of cells")
    nb = nbformat.v4.new_notebook(metadata=copy.deepcopy(release.metadata))
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            problems.append(f"cell {number} is not a cell: left out")
            continue
        source = _text(cell.get("source", ""))
        if source is None:
            problems.append(f"cell {number}: source is not text: emptied")
            source = ""
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        kind = cell.get("cell_type") if cell.get("cell_type") in CELL_TYPES else "raw"
        meta = metadata.get("nbgrader")
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        duplicated = isinstance(grade_id, str) and grade_id in seen
        known = isinstance(grade_id, str) and grade_id in expected and not duplicated
        if meta is not None and not known:
            state = "duplicated" if duplicated else "unknown"
            problems.append(f"cell {grade_id!r} {state}: graded as an ordinary cell")
        if known:
            seen.add(grade_id)
            want = expected[grade_id]
            if meta != want and {k: v for k, v in meta.items() if k != "checksum"} != \
                    {k: v for k, v in want.items() if k != "checksum"}:
                problems.append(f"metadata of cell {grade_id!r} edited: restored")
            wanted_kind = kinds[grade_id]
            if kind != wanted_kind:
                problems.append(f"cell {grade_id!r} changed type: restored")
                kind = wanted_kind
        new = _new_cell(kind, source)
        tags = metadata.get("tags")
        if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags):
            new.metadata["tags"] = list(tags)
        if known:
            new.metadata["nbgrader"] = dict(expected[grade_id])
        cell_id = cell.get("id")
        if isinstance(cell_id, str) and CELL_ID.match(cell_id) and cell_id not in ids:
            new.id = cell_id
        ids.add(new.id)
        nb.cells.append(new)
    missing = [grade_id for grade_id in expected if grade_id not in seen]
    if missing:
        names = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        problems.append(f"cells deleted: {names} (nbgrader puts test cells back)")
    nbformat.validate(nb)
    return nb, problems


def repair(path: str | os.PathLike, release_path: str | os.PathLike) -> tuple[nbformat.NotebookNode, list[str]]:
    """Read a submitted notebook and undo what would stop nbgrader or cost points unfairly.

    Returns (notebook, problems). Whatever the file is (missing, a folder, a FIFO, a symbolic link, huge, not
    JSON, nested too deep, wrong types anywhere), the result is a valid notebook: the student's cells rebuilt
    from their source and type, nbgrader's bookkeeping restored from the student version; or, when nothing of
    it can be used, the untouched student version (it scores 0) with a line saying why.
    """
    release = layout.instructor_notebook(release_path)
    data, why = read_submitted_file(path, MAX_NOTEBOOK_BYTES)
    if data is None:
        return copy.deepcopy(release), [f"notebook file {why}: graded as unanswered"]
    text = data.decode("utf-8", errors="replace")
    if not text.strip():
        return copy.deepcopy(release), ["empty notebook file: graded as unanswered"]
    try:
        return _rebuild(_parse(text), release)
    except Exception as error:  # noqa: BLE001 -- any bytes at all: graded as unanswered, with the reason
        return copy.deepcopy(release), [f"unreadable notebook ({type(error).__name__}): graded as unanswered"]


def _timestamp(folder):
    """(bytes of a valid timestamp.txt or None, problem line or None): an invalid one is ignored, as if absent."""
    data, why = read_submitted_file(folder / "timestamp.txt", 1024)
    if data is None:
        return None, (None if why == "missing" else f"timestamp.txt {why}: ignored")
    from nbgrader.utils import parse_utc

    try:
        parse_utc(data.decode("utf-8").strip())
    except Exception:  # noqa: BLE001 -- any text at all
        return None, "timestamp.txt is not a date: ignored"
    return data, None


@stages.timed("repair: reading and rebuilding submissions")
def read_submission(root: str | Path, student: str,
                    assignment: str) -> tuple[dict[str, nbformat.NotebookNode], bytes | None, list[str]]:
    """A submission as it will be graded: ({notebook name: repaired notebook}, for every notebook of the assignment,
    in order; the bytes of its valid timestamp.txt or None; problem lines for the report)."""
    root = Path(root)
    notes, notebooks = [], {}
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
        notes += [f"{name}: {line}" if len(expected) > 1 else line for line in found]
        notebooks[Path(name).stem] = nb
    extra += sorted(p.name for p in folder.iterdir() if p.suffix != ".ipynb" and p.name != "timestamp.txt")
    if extra:
        notes.append(f"ignored extra files: {', '.join(extra)}")
    timestamp, note = _timestamp(folder)
    return notebooks, timestamp, notes + ([note] if note else [])


def prepare_shard(root: str | Path, shard: str | Path) -> Path:
    """Make a shard folder: a course folder (the course's nbgrader_config.py, its source/ and release/) into whose
    autograded/ folder one grading process writes (dlcourse.grading.shard). Returns its path."""
    root, shard = Path(root), Path(shard)
    shard.mkdir(parents=True)
    shutil.copy(root / "nbgrader_config.py", shard)
    for name in ("source", "release"):
        (shard / name).symlink_to(root / name)
    return shard


def log_tail(shard: str | Path, lines: int = 25, limit: int = 64 * 1024) -> str:
    """The last lines of a shard's grading log (read from its end: the log may be long)."""
    try:
        with open(Path(shard) / SHARD_LOG, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - limit))
            return "\n".join(log.read().decode("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _written(shard):
    """Number of autograded notebooks a shard's grading process has written so far (a stat: polled often)."""
    try:
        return os.stat(Path(shard) / PROGRESS).st_size
    except FileNotFoundError:
        return 0


def _start_failures(shard):
    try:
        return [json.loads(line)["reason"] for line in (Path(shard) / START_FAILURES).read_text().splitlines()]
    except (OSError, ValueError, KeyError):
        return []


def claim(claims: str | Path, index: int, shard: str) -> bool:
    """Take submission number index of the class for the grading process of the shard named shard; False when
    another has taken it. Its claim is a file made only if it does not exist yet, holding the shard's name."""
    try:
        fd = os.open(os.path.join(claims, str(index)), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    try:
        os.write(fd, shard.encode())
    finally:
        os.close(fd)
    return True


def _claimed(claims, known):
    """Update known, {submission number: name of the shard that took it}, with the claims made since; returns it."""
    for path in Path(claims).iterdir():
        if not known.get(int(path.name)):  # new, or read while its shard was writing its name
            known[int(path.name)] = path.read_text()
    return known


def _stop(process):
    """Interrupt the grading process (its kernels and fork server go with it), killed if it does not end in 10 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@stages.timed("grading processes, in all")
def _run_shard(root, shard, submissions, claims, on_notebook, options, abort=None, nothing_graded=lambda: True,
               cpu=None):
    """Grade the submissions of the course folder root that this shard's process claims first (in the claims folder,
    shared with the other shards) in one process (dlcourse.grading.shard, in the shard folder), calling on_notebook()
    once per notebook it writes.

    Raises GradingError (with the log's end) when grading fails for a reason that is not a student's code:
    kernels do not start (twice, or before anything was graded anywhere: nothing_graded()), or the process (nbgrader's
    configuration, its preprocessors) fails without grading anything. Stops early when abort (a threading.Event) is
    set by another shard's failure. The process is kept on cpu when one is given (dlcourse/grading/cpus.py).
    """
    shard = Path(shard)
    env = layout.jupyter_env(shard / ".jupyter-state")
    env[kernels.START_FAILURES] = str(shard / START_FAILURES)
    (shard / MANIFEST).write_text(json.dumps(submissions))
    counted = 0
    with open(shard / SHARD_LOG, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "dlcourse.grading.shard", str(root), MANIFEST, str(claims),
                                    f"--CourseDirectory.db_url={gradebook.url(root)}", *options],
                                   cwd=shard, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    cpus.keep_on(process.pid, cpu)  # before it starts anything: its fork server, kernels and threads inherit it
    try:
        while True:
            ended = process.poll() is not None
            for _ in range(_written(shard) - counted):
                counted += 1
                on_notebook()
            failures = _start_failures(shard)
            if failures and (len(failures) >= 2 or nothing_graded()):
                raise GradingError(f"grading kernels cannot start ({failures[-1]}). "
                                   f"End of the grading log:\n{log_tail(shard)}")
            if abort is not None and abort.is_set():
                return
            if ended:
                break
            time.sleep(0.2)
        if process.returncode != 0 and counted == 0:
            raise GradingError(f"nbgrader failed (exit {process.returncode}) without grading any notebook. "
                               f"End of the grading log:\n{log_tail(shard)}")
    finally:
        _stop(process)


def shard_results(shard: str | Path) -> dict[tuple[str, str], dict]:
    """{(student, assignment): record} of the submissions a shard's grading process got to (dlcourse.grading.shard:
    problems, and result None when their grading failed)."""
    records = {}
    path = Path(shard) / RESULTS
    if path.is_file():
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # the last line of a process that was stopped while writing it
            records[(record["student"], record["assignment"])] = record
    return records


STORE_CHUNK = 400  # submissions stored per round of statements (each names them: SQLite's limit of variables)


def _store_scores(book, results):
    """Replace students' submissions in the course gradebook with grading results, {(student, assignment): result}
    (dlcourse.grading.shard's Ledger.result(): grades, comments, late penalties, timestamp; None: grading failed,
    every grade cell scores 0). A cell the grader did not score keeps no score, as in nbgrader. Earlier scores never
    survive. Commits nothing (the caller commits a batch). The rows are nbgrader's, written as its add_submission
    writes them, but as a few statements on its tables for many submissions at once rather than object by object."""
    from nbgrader.api import Comment, Grade, Student, SubmittedAssignment, SubmittedNotebook, new_uuid
    from nbgrader.utils import parse_utc
    from sqlalchemy import delete, insert, select

    db = book.db
    students, submissions, notebooks = Student.__table__, SubmittedAssignment.__table__, SubmittedNotebook.__table__
    grades, comments = Grade.__table__, Comment.__table__
    shapes = {name: _registered_cells(book.find_assignment(name)) for name in {a for _, a in results}}
    by_id = {shape[0]: name for name, shape in shapes.items()}
    items = list(results.items())
    for chunk in (dict(items[i:i + STORE_CHUNK]) for i in range(0, len(items), STORE_CHUNK)):
        names = sorted({student for student, _ in chunk})
        known = set(db.execute(select(students.c.id).where(students.c.id.in_(names))).scalars())
        if len(known) < len(names):
            db.execute(insert(students), [{"id": name} for name in names if name not in known])
        old = [row.id for row in db.execute(select(submissions.c.id, submissions.c.assignment_id,
                                                   submissions.c.student_id)
                                            .where(submissions.c.assignment_id.in_(by_id),
                                                   submissions.c.student_id.in_(names)))
               if (row.student_id, by_id[row.assignment_id]) in chunk]
        if old:
            old_notebooks = select(notebooks.c.id).where(notebooks.c.assignment_id.in_(old))
            for table in (grades, comments):
                db.execute(delete(table).where(table.c.notebook_id.in_(old_notebooks)))
            db.execute(delete(notebooks).where(notebooks.c.assignment_id.in_(old)))
            db.execute(delete(submissions).where(submissions.c.id.in_(old)))
        rows = {submissions: [], notebooks: [], grades: [], comments: []}
        for (student, assignment), result in chunk.items():
            assignment_id, registered = shapes[assignment]
            unscored = (None, False) if result is not None else (0.0, False)
            result = result or {}
            scored = {(nb, cell): (score, manual) for nb, cell, score, manual in result.get("grades", [])}
            commented = {(nb, cell): comment for nb, cell, comment in result.get("comments", [])}
            penalties = dict(result.get("penalties", []))
            timestamp = result.get("timestamp")
            submission = {"id": new_uuid(), "assignment_id": assignment_id, "student_id": student,
                          "timestamp": parse_utc(timestamp) if timestamp else None}
            rows[submissions].append(submission)
            for notebook_id, notebook, graded, with_comments in registered:
                nb = {"id": new_uuid(), "assignment_id": submission["id"], "notebook_id": notebook_id,
                      "late_submission_penalty": penalties.get(notebook)}
                rows[notebooks].append(nb)
                for cell_id, cell in graded:
                    score, manual = scored.get((notebook, cell), unscored)
                    rows[grades].append({"notebook_id": nb["id"], "cell_id": cell_id, "auto_score": score,
                                         "needs_manual_grade": manual})
                for cell_id, cell in with_comments:
                    rows[comments].append({"notebook_id": nb["id"], "cell_id": cell_id,
                                           "auto_comment": commented.get((notebook, cell))})
        for table, table_rows in rows.items():
            if table_rows:
                db.execute(insert(table), table_rows)


def _registered_cells(assignment):
    """(id, [(notebook id, name, [(id, name) of its graded cells], [(id, name) of the cells that get comments])]) of
    a registered assignment: what a submission's rows refer to."""
    return assignment.id, [
        (notebook.id, notebook.name,
         [(cell.id, cell.name) for cell in [*notebook.grade_cells, *notebook.task_cells]],
         [(cell.id, cell.name) for cell in [*notebook.solution_cells, *notebook.task_cells]])
        for notebook in assignment.notebooks
    ]


def kernel_death(path: Path) -> str | None:
    """Where the grading kernel died in an autograded notebook (its cell's grade_id, else "cell N"), or None.

    The grader records a death as an error output named KERNEL_DIED; text a student prints is not an error output.
    """
    from dlcourse.grading.execute import KERNEL_DIED

    nb = json.loads(Path(path).read_text(encoding="utf-8"))  # the grader's own file: read as JSON, unvalidated
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == KERNEL_DIED:
                return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index}"
    return None


@stages.timed("merge: gradebook and notebooks into the course")
def _merge(root, shard, submissions, records=None):
    """Store a shard's results (``records``, default: its results.jsonl) in the course, in one gradebook transaction,
    and copy its autograded notebooks; a submission whose grading failed gets 0 on every test and no autograded
    notebooks (never a stale score). Returns the Outcomes."""
    records = shard_results(shard) if records is None else records
    outcomes = []
    with gradebook.connect(root) as book:
        _store_scores(book, {(s, a): records.get((s, a), {}).get("result") for s, a in submissions})
        for student, assignment in submissions:
            record = records.get((student, assignment), {})
            outcome = Outcome(student, assignment, list(record.get("problems", [])))
            outcome.graded = record.get("result") is not None
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
                outcome.problems.append("grading failed (the grader could not run or save the notebook)")
            outcomes.append(outcome)
        book.db.commit()
    return outcomes


def limits_warning() -> str | None:
    """One warning naming the per-notebook limits this host cannot enforce, or None when all hold."""
    missing = []
    problem = cgroups.problem()
    if problem:
        missing.append(f"no control groups ({problem}): {'; '.join(cgroups.NOT_ENFORCED)}")
    if os.geteuid() != 0:
        missing.append("not running as root: the kernels' socket folders are not on a size-capped tmpfs")
    return ("per-notebook limits NOT ENFORCED on this host: " + " | ".join(missing)) if missing else None


def autograde(root: str | Path, assignments: list[str] | None = None, students: list[str] | None = None,
              workers: int | None = None, cell_timeout: int | None = None, progress: bool = True) -> list[Outcome]:
    """Autograde every matching submission under submitted/ in parallel; return the Outcomes.

    Results are merged into the course while grading goes on (_merge_as_graded). Raises GradingError when grading
    cannot run (see _run_shard): every shard is stopped at once. Assignments the gradebook does not know yet are
    registered first (from source/), so nbgrader never stops after grading on a missing assignment.
    """
    root = Path(root).resolve()
    submissions = find_submissions(root, assignments, students)
    if not submissions:
        raise layout.CourseError("no submissions found under submitted/<student>/<assignment>/")
    gradebook.register(root, {assignment for _, assignment in submissions})
    warning = limits_warning()
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    workers = max(1, min(workers or os.cpu_count() or 1, len(submissions)))
    total = sum(len(layout.notebook_names(root, a)) for _, a in submissions)
    options = [f"--Execute.timeout={cell_timeout}"] if cell_timeout else []
    abort, outcomes = threading.Event(), []
    with tempfile.TemporaryDirectory(prefix="dlcourse-grading-") as scratch, \
            tqdm(total=total, unit="notebook", disable=not progress, file=sys.stderr) as bar:
        lock = threading.Lock()

        def step():
            with lock:
                bar.update(1)

        claims = Path(scratch) / CLAIMS
        claims.mkdir()
        folders = [prepare_shard(root, Path(scratch) / f"shard{i}") for i in range(workers)]
        nothing_graded = lambda: bar.n == 0  # noqa: E731
        with cpus.claimed(workers) as kept_on, ThreadPoolExecutor(workers) as pool:
            runs = {pool.submit(_run_shard, root, folder, submissions, claims, step, options, abort, nothing_graded,
                                cpu): folder for folder, cpu in zip(folders, kept_on)}
            try:
                outcomes = _merge_as_graded(root, runs, submissions, claims)
            except BaseException:
                abort.set()
                raise
        bar.update(total - bar.n)  # the notebooks of submissions whose grading failed
    return sorted(score_outcomes(root, outcomes), key=lambda o: (o.student, o.assignment))


MERGE_SECONDS = 5.0  # how often the results graded so far are merged into the course while the shards run


def _merge_as_graded(root, runs, submissions, claims):
    """Merge the results of each shard (runs: {its future: its folder}) into the course as they come (every
    MERGE_SECONDS, one transaction each time), so that little is left to merge when grading ends; raises a shard's
    GradingError. A submission a shard claimed but has no result for (its grading failed) is merged, as failed, when
    that shard ends; one no shard claimed (they all stopped first), when all have. Returns the Outcomes."""
    outcomes, merged, pending, owners = [], set(), dict(runs), {}
    while pending:
        done, _ = wait(pending, timeout=MERGE_SECONDS, return_when=FIRST_COMPLETED)
        _claimed(claims, owners)
        for run, folder in list(pending.items()):
            if run in done:
                run.result()
                del pending[run]
            records = shard_results(folder)
            ready = [s for i, s in enumerate(submissions)
                     if owners.get(i) == folder.name and s not in merged and (run in done or s in records)]
            if ready:
                batch = _merge(root, folder, ready, records)
                for outcome in batch:
                    if not outcome.graded:
                        outcome.log_tail = log_tail(folder)
                outcomes += batch
                merged.update(ready)
    left = [s for s in submissions if s not in merged]
    if left:
        outcomes += _merge(root, next(iter(runs.values())), left, {})
    return outcomes


def score_outcomes(root: str | Path, outcomes: list[Outcome]) -> list[Outcome]:
    """Fill in each Outcome's score and maximum from the course's gradebook; returns the outcomes."""
    tables = {assignment: layout.scores(root, assignment) for assignment in {o.assignment for o in outcomes}}
    for outcome in outcomes:
        parts = tables[outcome.assignment].get(outcome.student, {})
        outcome.score = sum(score for score, _ in parts.values())
        outcome.max_score = sum(best for _, best in parts.values())
    return outcomes
