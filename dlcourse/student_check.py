"""``dlcourse check``: run a notebook's visible tests and summarise them per graded function."""
import sys
from pathlib import Path
from typing import TextIO

import nbformat

from dlcourse.course import layout


def _failed(cell):
    """The error line of a test cell, or None when it passed."""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            if output.ename == "NotImplementedError":
                return "not answered yet (remove `raise NotImplementedError()` and write your code)"
            return f"{output.ename}: {output.evalue}".rstrip()
    return None


def check(path: str | Path, timeout: int = 120, stream: TextIO = sys.stdout) -> int:
    """Execute the notebook (a copy; the file is not changed) and print one line per graded function.

    Returns 0 when every visible test passed, 1 otherwise.
    """
    from nbclient import NotebookClient

    path = Path(path)
    if not path.is_file():
        raise layout.CourseError(f"no notebook at {path}")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:
        raise layout.CourseError(f"{path} is not a readable notebook: {error}") from None
    owners = layout.test_owners(path)
    if not owners:
        raise layout.CourseError(f"{path} has no test cells")
    from nbclient.exceptions import DeadKernelError

    layout.skip_demonstrations(nb)  # demonstrations are not tests: as when grading
    client = NotebookClient(nb, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
                            kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except DeadKernelError:
        stream.write("The kernel died while running the notebook (out of memory, or code that ends the process); "
                     "the tests after that point did not run.\n")
    stream.write(f"(cells tagged '{layout.SKIP_TAG}' were not run)\n")
    results = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in owners:
            results.setdefault(owners[grade_id], []).append(_failed(cell))
    for part, errors in results.items():
        problems = [e for e in errors if e]
        stream.write(f"{'FAIL' if problems else 'ok  '}  {part}\n")
        if problems:  # the first failure in full: its hints are the point
            stream.write("".join(f"        {line}\n" for line in problems[0].splitlines()))
    failed = sum(any(errors) for errors in results.values())
    stream.write(f"{len(results) - failed} of {len(results)} graded functions pass their visible tests.\n")
    return 1 if failed else 0
