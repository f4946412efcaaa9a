"""nbgrader's Execute preprocessor made safe for untrusted notebooks: the student's cells run in a sandboxed lean
kernel, graded test cells run in the judge (never in the kernel), and a kernel's death is recorded in the cell
where it happened."""

import platform
from pathlib import Path

import nbformat
from nbgrader.preprocessors import Execute

from dlcourse.grading import stages
from dlcourse.grading.bounds import NOT_RUN, STUCK, BoundedExecution, error_output, kernel_outputs, stream_output
from dlcourse.grading.judge import Judge
from dlcourse.grading.kernels import GradingKernelManager, KernelDied

KERNEL_DIED = "KernelDied"  # ename of the error recorded in the cell where a grading kernel died
KERNEL_STAGE = "kernels: start and stop"
CELLS_STAGE = "running the notebook's cells in the kernel"


def is_test(cell: nbformat.NotebookNode) -> bool:
    """True for a graded test cell (visible or hidden): nbgrader restored its code from the instructor's notebook."""
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def language_info() -> dict:
    """The notebook's language_info, as IPython's kernel reports it (the lean kernel runs this same Python)."""
    return {
        "name": "python",
        "version": platform.python_version(),
        "mimetype": "text/x-python",
        "codemirror_mode": {"name": "ipython", "version": 3},
        "pygments_lexer": "ipython3",
        "nbconvert_exporter": "python",
        "file_extension": ".py",
    }


class SandboxedExecute(BoundedExecution, Execute):
    """nbgrader's Execute preprocessor (configured as ``c.Execute``) made safe for untrusted notebooks.

    The notebook's cells run in a lean kernel (dlcourse/grading/leankernel.py), sandboxed and resource-limited
    (GradingKernelManager), one request per cell on its connection; time and output are bounded
    (BoundedExecution). Every graded test cell is judged by dlcourse.grading.judge in this process, on data the
    kernel returns over the same connection: whatever the notebook did to its own interpreter takes no part in a
    verdict, and hidden tests never reach the kernel. Its outputs are the judge's: the checks' pass line or the
    failure (with the student's own traceback when the student's code raised).
    """

    _kernel = None  # the GradingKernelManager of the notebook being run
    _judge = None

    def preprocess(self, nb, resources=None, km=None):
        """Run the notebook's cells in order (km: ignored, the kernel is always a sandboxed lean kernel)."""
        resources = resources if resources is not None else {}
        self.nb, self.resources = nb, resources
        self._died_in, self._judge, self._run_sources, self._stuck = None, None, [], set()
        self._source = self._source_notebook(resources)
        self._cwd = resources.get("metadata", {}).get("path") or None
        self._start_clock()
        self._kernel = GradingKernelManager(parent=self)
        try:
            with stages.timed(KERNEL_STAGE):
                self._kernel.start(self._cwd)
            nb.metadata["language_info"] = language_info()
            for index, cell in enumerate(nb.cells):
                nb.cells[index], resources = self.preprocess_cell(cell, resources, index)
        finally:
            self._judge = None
            with stages.timed(KERNEL_STAGE):
                self._kernel.stop()
        return nb, resources

    @staticmethod
    def _source_notebook(resources):
        """The instructor's notebook this submission answers (its setup cell is run by the judge)."""
        info = resources.get("nbgrader", {})
        folder = Path(resources.get("metadata", {}).get("path", "."))
        root = folder.resolve().parents[2] if len(folder.resolve().parents) > 2 else Path(".")
        return root / "source" / info.get("assignment", "") / f"{info.get('notebook', '')}.ipynb"

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._died_in is not None:  # the cells after a kernel's death score 0; the ones before keep their points
            cell.outputs = [error_output(NOT_RUN, f"not run: the kernel died in cell {self._died_in}")]
            return cell, resources
        if self._left() <= 0:
            cell.outputs = [self._time_limit_output()]
            return cell, resources
        try:
            if self._kernel.connection.broken:  # a test left it out of step or stuck: a new one takes over
                if not self._kernel.alive():
                    raise KernelDied("the kernel's process ended")
                self._replace_kernel(index)
            if is_test(cell):
                with stages.timed("judging test cells"):
                    self._judge_cell(cell)
            elif cell.source.strip() and self.skip_cells_with_tag not in cell.metadata.get("tags", []):
                with stages.timed(CELLS_STAGE):
                    self._run_cell(cell, index)
                if index not in self._stuck:  # what a new kernel would run again
                    self._run_sources.append(cell.source)
        except KernelDied:
            self._died_in = index
            cell.outputs.append(
                error_output(
                    KERNEL_DIED,
                    "the kernel stopped while running this cell (os._exit, a crash "
                    "or a resource limit); the cells after it were not run",
                )
            )
        return cell, resources

    def _run_cell(self, cell, index):
        """Run one of the notebook's cells within its time; a cell that does not take the timeout's interrupt gets
        the kernel replaced."""
        cell.outputs = []
        try:
            reply = self._kernel.execute(cell.source, self._cell_seconds(), self.max_output_bytes)
        except TimeoutError:
            reply = self._kernel.interrupted(self.interrupt_grace)
            if reply is not None:
                cell.outputs = kernel_outputs(reply.get("outputs"), self.max_output_bytes)
            cell.outputs.append(nbformat.v4.new_output("error", **self.error_on_timeout))
            if reply is None:
                cell.outputs.append(
                    error_output(
                        STUCK,
                        "this cell could not be interrupted after its time limit (a "
                        "bare 'except:' swallows the interrupt?): the kernel was "
                        "replaced and the cells before this one were run again",
                    )
                )
                self._stuck.add(index)
                self._replace_kernel(index)
            return
        cell.outputs = kernel_outputs(reply.get("outputs"), self.max_output_bytes)
        count = reply.get("execution_count")
        cell.execution_count = count if type(count) is int else None

    def _replace_kernel(self, stuck_index):
        """Stop the kernel, start a new one and run silently, in order, the notebook's code cells before
        stuck_index that did not get stuck (never a test cell)."""
        self._judge = None  # it held the old kernel's connection
        with stages.timed(KERNEL_STAGE):
            self._kernel.stop()
            self._kernel.start(self._cwd)
        for source in self._run_sources:
            if not source.strip() or self._left() <= 0:
                continue
            try:
                self._kernel.execute(source, self._cell_seconds(), self.max_output_bytes, silent=True)
            except TimeoutError:
                if self._kernel.interrupted(self.interrupt_grace) is None:
                    return  # stuck again: the next cell finds it so
            except KernelDied:
                return

    def _judge_cell(self, cell):
        """Judge one test cell within the cell's and the notebook's time; its outputs become what the judge printed
        and, on failure, the error."""
        if self._judge is None:
            self._judge = Judge(self._kernel, self._source, self.interrupt_grace)
        printed, error = self._judge.run_cell(
            cell.source, list(self._run_sources), min(self.timeout or 60, self._left())
        )
        cell.outputs = []
        if printed:
            cell.outputs.append(stream_output("stdout", printed))
        if error is not None:
            cell.outputs.append(error_output(*error))
        cell.execution_count = None
