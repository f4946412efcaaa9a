"""Shared helpers of the test suite: the repository's paths and scratch copies of the course."""
import runpy
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ANSWERS = REPO / "tests" / "files" / "answers"


def assignments_with_answers():
    """Assignments that have both a source folder and an answer catalogue."""
    return sorted(p.stem for p in ANSWERS.glob("*.py") if (REPO / "source" / p.stem).is_dir())


def answer_catalogue(assignment):
    """(MISTAKES, ALTERNATIVES) of an assignment's answer catalogue."""
    catalogue = runpy.run_path(str(ANSWERS / f"{assignment}.py"))
    return catalogue["MISTAKES"], catalogue["ALTERNATIVES"]


def copy_course(target, with_release=True):
    """A scratch course folder: config, source/ and (optionally) the committed release/."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", target)
    shutil.copytree(REPO / "source", target / "source", ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    if with_release:
        shutil.copytree(REPO / "release", target / "release", ignore=shutil.ignore_patterns("__pycache__", ".gitkeep"))
    return target
