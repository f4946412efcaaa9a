"""Shared helpers of the test suite: the repository's paths and scratch copies of the course."""
import runpy
from pathlib import Path

from dlcourse import course

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
    """A scratch copy of this repository's course: config, source/ and (optionally) the committed release/."""
    return course.copy_course(REPO, target, with_release=with_release)
