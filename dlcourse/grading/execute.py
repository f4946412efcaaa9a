"""nbgrader's Execute preprocessor made safe for untrusted notebooks: the student's cells run in a sandboxed
kernel, graded test cells run in the judge (never in the kernel), and a kernel's death is recorded in the cell
where it happened."""
from pathlib import Path

import nbformat
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute

from dlcourse.grading.judge import Judge
from dlcourse.grading.kernels import GradingKernelManager

KERNEL_DIED = "KernelDied"  # ename of the error recorded in the cell where a grading kernel died


def _error(name, message, traceback=None):
    """An error output, as a kernel would have sent it."""
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=traceback or [f"{name}: {message}"])


def is_test(cell: nbformat.NotebookNode) -> bool:
    """True for a graded test cell (visible or hidden): nbgrader restored its code from the instructor's notebook."""
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


class SandboxedExecute(Execute):
    """nbgrader's Execute preprocessor (configured as ``c.Execute``) made safe for untrusted notebooks.

    Kernels are sandboxed (GradingKernelManager). Every graded test cell is judged by dlcourse.grading.judge in
    this process, on data the kernel returns: whatever the notebook did to its own interpreter takes no part in a
    verdict, and hidden tests never reach the kernel. Its outputs are the judge's: the checks' pass line or the
    failure (with the student's own traceback when the student's code raised).
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
                cell.outputs = [_error("NotRun", f"not run: the kernel died in cell {self._died_in}")]
            return cell, resources
        try:
            if is_test(cell):
                self._judge_cell(cell)
            else:
                cell, resources = super().preprocess_cell(cell, resources, index)
                if cell.cell_type == "code":
                    self._run_sources.append(cell.source)
        except DeadKernelError:
            self._died_in = index
            cell.outputs.append(_error(KERNEL_DIED, "the kernel stopped while running this cell (os._exit, a crash "
                                                     "or a resource limit); the cells after it were not run"))
        return cell, resources

    def _judge_cell(self, cell):
        """Judge one test cell; its outputs become what the judge printed and, on failure, the error."""
        if self._judge is None:
            self._judge = Judge(self.km, self._source, self.timeout or 60)
        printed, error = self._judge.run_cell(cell.source, list(self._run_sources))
        cell.outputs = []
        if printed:
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=printed))
        if error is not None:
            cell.outputs.append(_error(*error))
        cell.execution_count = None
