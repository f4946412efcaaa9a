"""Instructor-side operations on a course folder: run nbgrader, build submissions, read grades.

A course folder holds ``nbgrader_config.py``, ``source/<assignment>/*.ipynb`` and what nbgrader makes from
them (``release/``, ``submitted/``, ``autograded/``, ``feedback/``, ``gradebook.db``).
"""
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat

SOLUTION_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
# Where Jupyter, IPython and Matplotlib keep state: (environment variable, sub-folder of a state folder)
JUPYTER_STATE_DIRS = [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib")]


# Demonstration cells (long training runs, sweeps, plots) carry this tag; grading and `dlcourse check` skip them.
SKIP_TAG = "skip-when-grading"


def is_demonstration(cell: nbformat.NotebookNode) -> bool:
    """True for a code cell tagged SKIP_TAG that is neither a test nor an answer (those always run)."""
    nbgrader = cell.metadata.get("nbgrader", {})
    return (cell.cell_type == "code" and SKIP_TAG in cell.metadata.get("tags", [])
            and not nbgrader.get("grade") and not nbgrader.get("solution"))


def skip_demonstrations(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Blank the demonstration cells of a notebook in place (their outputs too); returns the notebook."""
    for cell in nb.cells:
        if is_demonstration(cell):
            cell.source = f"# This demonstration is not run while grading (tag '{SKIP_TAG}')."
            cell.outputs = []
    return nb


class CourseError(RuntimeError):
    """The base of every error the course tools report: something about the course folder, the sources or a
    grading run went wrong; the message says what (the command line prints it as one line, no traceback)."""


def instructor_notebook(path: str | Path) -> nbformat.NotebookNode:
    """An instructor's notebook (of source/ or release/), read once per process while the file stays the same: every
    submission of an assignment is graded against it. Shared between callers: read it, never change it."""
    info = os.stat(path)
    return _read_once(str(Path(path).resolve()), info.st_mtime_ns, info.st_size)


@functools.lru_cache(maxsize=64)
def _read_once(path, mtime_ns, size):
    return nbformat.read(path, as_version=4)


def find_root(start: str | Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) holding nbgrader_config.py and source/."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file() and (folder / "source").is_dir():
            return folder
    raise CourseError(f"no course folder (nbgrader_config.py beside source/) at or above {here}")


def assignments(root: str | Path) -> list[str]:
    """Assignment ids: the folders under source/, sorted."""
    return sorted(p.name for p in (Path(root) / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


def notebook_names(root: str | Path, assignment: str) -> list[str]:
    """Names (without .ipynb) of an assignment's source notebooks."""
    folder = Path(root) / "source" / assignment
    if not folder.is_dir():
        raise CourseError(f"unknown assignment {assignment!r}: no folder {folder}")
    return sorted(p.stem for p in folder.glob("*.ipynb"))


def copy_course(root: str | Path, target: str | Path, assignments: list[str] | None = None,
                with_release: bool = False) -> Path:
    """A scratch course folder at ``target``: the config and source/ (only some assignments, if given),
    and optionally the committed release/. Returns the target path."""
    root, target = Path(root), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(root / "nbgrader_config.py", target)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", ".gitkeep")
    for folder in ["source"] + (["release"] if with_release else []):
        for assignment in assignments or [p.name for p in (root / folder).iterdir() if p.is_dir()]:
            shutil.copytree(root / folder / assignment, target / folder / assignment, ignore=ignore)
    return target


def jupyter_env(state_dir: str | Path) -> dict[str, str]:
    """Environment for child processes: Jupyter state under state_dir, this Python's scripts on PATH."""
    env = dict(os.environ)
    state = Path(state_dir)
    for name, sub in JUPYTER_STATE_DIRS:
        env.setdefault(name, str(state / sub))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets a debugger warning in every kernel
    return env


def run_nbgrader(root: str | Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader ARGS`` in the course folder; on failure raise CourseError with nbgrader's errors."""
    root = Path(root)
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, text=True,
                            capture_output=True, env=jupyter_env(root / ".jupyter-state"))
    if check and result.returncode != 0:
        errors = [line for line in result.stdout.splitlines() + result.stderr.splitlines() if "ERROR" in line]
        detail = "\n".join(errors[-10:]) or result.stderr[-2000:]
        raise CourseError(f"nbgrader {' '.join(args)} failed (exit {result.returncode}):\n{detail}")
    return result


def exchange_root(root: str | Path) -> Path:
    """nbgrader's exchange folder of a course (``c.Exchange.root`` in nbgrader_config.py)."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return Path(config.Exchange.get("root") or "/srv/nbgrader/exchange")


def make_exchange(folder: str | Path) -> Path:
    """Create nbgrader's exchange folder, open to every local user as nbgrader requires; returns it."""
    folder = Path(folder)
    if not folder.is_dir():
        folder.mkdir(parents=True)
        folder.chmod(0o777)
    return folder


def solutions(source_notebook: str | Path) -> dict[str, str]:
    """{grade_id: code} of a source notebook's solution cells, with the solution markers removed."""
    nb = nbformat.read(source_notebook, as_version=4)
    answers = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            lines = [line for line in cell.source.splitlines() if not SOLUTION_MARKERS.match(line)]
            answers[meta["grade_id"]] = "\n".join(lines)
    return answers


def fill_answers(release_notebook: str | Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of a student notebook with the given solution cells replaced: {grade_id: code}."""
    nb = nbformat.read(release_notebook, as_version=4)
    unknown = set(answers)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
            unknown.discard(grade_id)
    if unknown:
        raise CourseError(f"{release_notebook} has no solution cells named {sorted(unknown)}")
    return nb


def write_submission(root: str | Path, student: str, assignment: str, notebook_name: str,
                     nb: nbformat.NotebookNode | str | bytes) -> Path:
    """Save a notebook as a student's submission under submitted/<student>/<assignment>/."""
    folder = Path(root) / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook_name}.ipynb"
    if isinstance(nb, (str, bytes)):
        path.write_text(nb) if isinstance(nb, str) else path.write_bytes(nb)
    else:
        nbformat.write(nb, path)
    return path


def test_owners(source_notebook: str | Path) -> dict[str, str]:
    """{test cell grade_id: graded part}: each test cell belongs to the nearest solution cell above it."""
    nb = nbformat.read(source_notebook, as_version=4)
    owners, current = {}, None
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            current = meta["grade_id"]
        elif meta.get("grade"):
            owners[meta["grade_id"]] = current or meta["grade_id"]
    return owners


def scores(root: str | Path, assignment: str) -> dict[str, dict[str, tuple[float, float]]]:
    """{student: {graded part: (score, max_score)}} for one assignment, from the gradebook.

    A graded part is a graded function (or answer cell) of the contract; its score sums its test cells (scores as
    nbgrader computes them: a manual score before the automatic one, extra credit added). Parts come in the order
    of the notebooks' cells. Students without a submission are left out. Two queries, whatever the class's size.
    """
    from nbgrader.api import Assignment, BaseCell, Grade, Notebook, SubmittedAssignment, SubmittedNotebook
    from sqlalchemy import select

    from dlcourse.course import gradebook as course_gradebook

    root = Path(root)
    owners = {name: test_owners(root / "source" / assignment / f"{name}.ipynb")
              for name in notebook_names(root, assignment)}
    order = {(name, cell): index for index, (name, cell) in
             enumerate((name, cell) for name, cells in owners.items() for cell in cells)}
    submitted = select(SubmittedAssignment.student_id).join(
        Assignment, SubmittedAssignment.assignment_id == Assignment.id).where(Assignment.name == assignment)
    grades = (select(SubmittedAssignment.student_id, Notebook.name, BaseCell.name, Grade.score, Grade.max_score)
              .select_from(Grade)
              .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
              .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
              .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
              .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
              .join(BaseCell, Grade.cell_id == BaseCell.id)
              .where(Assignment.name == assignment))
    with course_gradebook.connect(root) as gradebook:
        table = {student: {} for student in gradebook.db.execute(submitted).scalars()}
        rows = gradebook.db.execute(grades).all()
    for student, notebook, cell, score, best in sorted(rows, key=lambda r: (order.get((r[1], r[2]), len(order)), r[2])):
        parts = table[student]
        part = owners.get(notebook, {}).get(cell, cell)
        total, most = parts.get(part, (0.0, 0.0))
        parts[part] = (total + (score or 0.0), most + best)
    return table


def reference_namespace(source_notebook: str | Path) -> dict[str, Any]:
    """Run a source notebook's setup cell and the functions of its solution cells; return the namespace.

    Scripts (calibration, benchmarks) use this reference code instead of a second copy of the solutions.
    Answer cells that are not functions (they need the notebook's data) are left out. The notebook's
    folder is importable while the cells run, as it is for the notebook itself.
    """
    import ast

    source_notebook = Path(source_notebook)
    nb = nbformat.read(source_notebook, as_version=4)
    namespace = {"__name__": f"reference_{source_notebook.stem}"}
    sys.path.insert(0, str(source_notebook.parent))
    try:
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not (meta.get("solution") or meta.get("grade_id") == "setup"):
                continue
            tree = ast.parse(cell.source)
            if meta.get("solution"):
                tree.body = [node for node in tree.body
                             if isinstance(node, (ast.FunctionDef, ast.Import, ast.ImportFrom))]
            exec(compile(tree, f"{source_notebook.name}:{meta['grade_id']}", "exec"), namespace)
    finally:
        sys.path.remove(str(source_notebook.parent))
    return namespace


# What Python and Jupyter write beside files they open (caches, notebook checkpoints): never part of a release.
NOT_RELEASED = {"__pycache__", ".ipynb_checkpoints"}


def _listing(folder):
    """Files below a folder, as relative paths (none when it does not exist), without NOT_RELEASED folders."""
    if not folder.is_dir():
        return set()
    files = {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()}
    return {name for name in files if not NOT_RELEASED & set(name.parts)}


def _notebook_cells(path):
    """What nbgrader generates that matters in a notebook: each cell's type, source and nbgrader metadata."""
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nbformat.read(path, as_version=4).cells]


def release_differences(root: str | Path, assignment: str) -> list[str]:
    """What differs between the committed release/<assignment> and what nbgrader generates now (empty: in sync)."""
    root = Path(root)
    with tempfile.TemporaryDirectory(prefix="dlcourse-release-") as scratch:
        scratch = copy_course(root, scratch, [assignment])
        run_nbgrader(scratch, "generate_assignment", assignment, "--force")
        generated, committed = scratch / "release" / assignment, root / "release" / assignment
        made, kept = _listing(generated), _listing(committed)
        differences = [f"{name}: only in the generated release" for name in made - kept]
        differences += [f"{name}: not generated from source/" for name in kept - made]
        for name in made & kept:
            if name.suffix == ".ipynb":
                same = _notebook_cells(generated / name) == _notebook_cells(committed / name)
            else:
                same = (generated / name).read_bytes() == (committed / name).read_bytes()
            if not same:
                differences.append(f"{name}: out of date")
    return sorted(differences)
