"""nbgrader's Execute preprocessor made safe for untrusted notebooks: the student's cells run in a sandboxed
kernel, graded test cells run in the judge (never in the kernel), and a kernel's death is recorded in the cell
where it happened."""

from pathlib import Path

import nbformat
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute

from dlcourse.grading import stages
from dlcourse.grading.bounds import NOT_RUN, BoundedExecution, error_output
from dlcourse.grading.judge import Judge
from dlcourse.grading.kernels import GradingKernelManager

KERNEL_DIED = "KernelDied"  # ename of the error recorded in the cell where a grading kernel died


def is_test(cell: nbformat.NotebookNode) -> bool:
    """True for a graded test cell (visible or hidden): nbgrader restored its code from the instructor's notebook."""
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


class SandboxedExecute(BoundedExecution, Execute):
    """nbgrader's Execute preprocessor (configured as ``c.Execute``) made safe for untrusted notebooks.

    Kernels are sandboxed (GradingKernelManager); time and output are bounded (BoundedExecution). Every graded test
    cell is judged by dlcourse.grading.judge in this process, on data the kernel returns: whatever the notebook did
    to its own interpreter takes no part in a verdict, and hidden tests never reach the kernel. Its outputs are the
    judge's: the checks' pass line or the failure (with the student's own traceback when the student's code raised).
    """

    _died_in = None  # index of the cell in which the kernel died, for the notebook being run
    _judge = None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", GradingKernelManager)  # nbgrader's own default would win otherwise
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._died_in, self._judge = None, None
        self._source = self._source_notebook(resources or {})
        self._run_sources = []
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if self._judge is not None:
                self._judge.close()

    @staticmethod
    def _source_notebook(resources):
        """The instructor's notebook this submission answers (its setup cell is run by the judge)."""
        info = resources.get("nbgrader", {})
        folder = Path(resources.get("metadata", {}).get("path", "."))
        root = folder.resolve().parents[2] if len(folder.resolve().parents) > 2 else Path(".")
        return root / "source" / info.get("assignment", "") / f"{info.get('notebook', '')}.ipynb"

    def preprocess_cell(self, cell, resources, index):
        if self._died_in is not None:  # the cells after a kernel's death score 0; the ones before keep their points
            if cell.cell_type == "code":
                cell.outputs = [error_output(NOT_RUN, f"not run: the kernel died in cell {self._died_in}")]
            return cell, resources
        try:
            if is_test(cell):
                with stages.timed("judging test cells"):
                    self._judge_cell(cell)
            else:
                with stages.timed("running the notebook's cells in the kernel"):
                    cell, resources = super().preprocess_cell(cell, resources, index)
                if cell.cell_type == "code" and index not in self._stuck:  # what a new kernel would run again
                    self._run_sources.append(cell.source)
        except DeadKernelError:
            self._died_in = index
            cell.outputs.append(
                error_output(
                    KERNEL_DIED,
                    "the kernel stopped while running this cell (os._exit, a crash "
                    "or a resource limit); the cells after it were not run",
                )
            )
        return cell, resources

    def _judge_cell(self, cell):
        """Judge one test cell within the cell's and the notebook's time; its outputs become what the judge printed
        and, on failure, the error."""
        left = self._left()
        if left <= 0:
            limit = f"not run: the notebook's time limit ({self.notebook_timeout} s) was reached"
            cell.outputs = [error_output(NOT_RUN, limit)]
            return
        if self._judge is None:
            self._judge = Judge(self.km, self._source)
        printed, error = self._judge.run_cell(cell.source, list(self._run_sources), min(self.timeout or 60, left))
        cell.outputs = []
        if printed:
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=printed))
        if error is not None:
            cell.outputs.append(error_output(*error))
        cell.execution_count = None

    def start_new_kernel(self, **kwargs):
        with stages.timed("kernels: start and stop"):
            return super().start_new_kernel(**kwargs)

    def start_new_kernel_client(self):
        with stages.timed("kernels: start and stop"):
            return super().start_new_kernel_client()

    def _cleanup_kernel(self):
        with stages.timed("kernels: start and stop"):
            return super()._cleanup_kernel()

    def replay_sources(self, stuck_index):
        """After a stuck kernel was replaced: the notebook's own cells before it run again, never a test cell."""
        return [source for source in self._run_sources if source.strip()]

    def kernel_replaced(self):
        if self._judge is not None:  # it held the old kernel
            self._judge.close()
            self._judge = None
