"""Answer catalogues (``catalogue/<assignment>.py`` in the course folder): known mistakes and differently
written correct answers of each graded function, read by the tests, the demo and the benchmarks."""
import runpy
from pathlib import Path

from dlcourse.course import layout


def assignments(root: str | Path) -> list[str]:
    """Assignments that have both a source folder and an answer catalogue."""
    root = Path(root)
    return sorted(p.stem for p in (root / "catalogue").glob("*.py") if (root / "source" / p.stem).is_dir())


def load(root: str | Path, assignment: str) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """(MISTAKES, ALTERNATIVES) of an assignment's catalogue.

    MISTAKES: {graded function: {what is wrong: code of the solution cell}};
    ALTERNATIVES: {how it differs: {graded function: code}}.
    """
    path = Path(root) / "catalogue" / f"{assignment}.py"
    if not path.is_file():
        raise layout.CourseError(f"no answer catalogue for {assignment}: {path} is missing")
    entries = runpy.run_path(str(path))
    return entries["MISTAKES"], entries.get("ALTERNATIVES", {})
