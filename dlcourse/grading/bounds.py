"""Bounds on executing one notebook, mixed into the grading Execute preprocessor (execute.py): a wall-clock limit
per notebook, a cell timeout whose interrupt a kernel that swallows it pays for with its replacement (the cells
before replayed, so that it costs only the tests that need the stuck code), and outputs capped in bytes."""

import json
import time

import nbformat
from traitlets import Float, Int
from traitlets.config import LoggingConfigurable

from dlcourse.grading.leankernel import Outputs, output_size, shrink  # noqa: F401 -- the one definition of the caps

NOT_RUN = "NotRun"  # ename of the error recorded in a cell that was not run
STUCK = "KernelStuck"  # ename of the error recorded in a cell that could not be interrupted


def error_output(name: str, message: str, traceback: list[str] | None = None) -> nbformat.NotebookNode:
    """An error output, as a kernel would have sent it (the traceback defaults to the message). Built as
    nbformat.v4.new_output builds it, without its schema validation (the fields are text by construction)."""
    lines = [str(line) for line in traceback] if traceback else [f"{name}: {message}"]
    return nbformat.NotebookNode(output_type="error", ename=str(name), evalue=str(message), traceback=lines)


def stream_output(name: str, text: str) -> nbformat.NotebookNode:
    """A stream output ("stdout" or "stderr") of text, as nbformat.v4.new_output builds it (unvalidated: as above)."""
    return nbformat.NotebookNode(output_type="stream", name=name, text=str(text))


def _json(value) -> bool:
    """True when value is JSON data (what a notebook can hold)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def _texts(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def kernel_output(raw: object) -> nbformat.NotebookNode:
    """An output the kernel sent (untrusted data), as a notebook output; anything malformed becomes an error."""
    kind = raw.get("output_type") if isinstance(raw, dict) else None
    if kind == "stream" and raw.get("name") in ("stdout", "stderr") and isinstance(raw.get("text"), str):
        return stream_output(raw["name"], raw["text"])
    if (
        kind == "error"
        and isinstance(raw.get("ename"), str)
        and isinstance(raw.get("evalue"), str)
        and _texts(raw.get("traceback"))
    ):
        return error_output(raw["ename"], raw["evalue"], raw["traceback"])
    if kind in ("display_data", "execute_result") and isinstance(raw.get("data"), dict) and _json(raw["data"]):
        metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) and _json(raw["metadata"]) else {}
        fields = {"data": raw["data"], "metadata": metadata}
        if kind == "execute_result":
            count = raw.get("execution_count")
            fields["execution_count"] = count if type(count) is int else None
        try:
            return nbformat.v4.new_output(kind, **fields)
        except Exception:  # noqa: BLE001 -- nbformat's validation refused it
            pass
    return error_output("MalformedOutput", "the kernel sent an output that is not a notebook output")


def kernel_outputs(raw: object, limit: int) -> list[nbformat.NotebookNode]:
    """The outputs of a kernel's reply, checked and capped at limit bytes (Outputs: the kernel's own rule)."""
    capped = Outputs(limit)
    for output in raw if isinstance(raw, list) else []:
        capped.add(kernel_output(output))
    return capped.list


class BoundedExecution(LoggingConfigurable):
    """Mixin of the grading Execute preprocessor: every notebook ends within ``notebook_timeout`` seconds, a cell
    that cannot be interrupted costs only itself (and what depends on it), and no cell keeps more than
    ``max_output_bytes`` of output (errors are shortened, never dropped: they decide a test's score)."""

    notebook_timeout = Int(
        600,
        help="Wall-clock seconds for executing one notebook; cells not reached by then "
        "are recorded as not run (they score 0).",
    ).tag(config=True)
    interrupt_grace = Float(
        3.0, help="Seconds a kernel has to finish after the timeout's interrupt before it is replaced."
    ).tag(config=True)
    max_output_bytes = Int(256 * 1024, help="Largest output kept per cell, bytes (all output types).").tag(config=True)

    _deadline = None

    def _start_clock(self):
        self._deadline = time.monotonic() + self.notebook_timeout

    def _left(self):
        return self._deadline - time.monotonic() if self._deadline else float("inf")

    def _cell_seconds(self):
        """Seconds the next cell may run: the cell timeout, within the notebook's time left."""
        left = max(1.0, self._left())
        return left if not self.timeout or self.timeout < 0 else min(self.timeout, left)

    def _time_limit_output(self):
        return error_output(NOT_RUN, f"not run: the notebook's time limit ({self.notebook_timeout} s) was reached")
