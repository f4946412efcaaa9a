"""nbgrader's Execute preprocessor made safe for untrusted notebooks: sandboxed kernels, judges restored before
every graded test cell, a kernel's death recorded in the cell where it happened."""
import nbformat
from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync
from nbgrader.preprocessors import Execute

from dlcourse.grading.bounds import BoundedExecution
from dlcourse.grading.kernels import GradingKernelManager

KERNEL_DIED = "KernelDied"  # ename of the error recorded in the cell where a grading kernel died


def _error(name, message):
    """An error output, as a kernel would have sent it."""
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


class SandboxedExecute(BoundedExecution, Execute):
    """nbgrader's Execute preprocessor (configured as ``c.Execute``) made safe for untrusted notebooks.

    Kernels are sandboxed (GradingKernelManager); time and output are bounded (BoundedExecution). Before every graded test cell, whatever the tests rely on is
    put back as it was before any student code ran (``dlcourse.checks.restore``), so rebinding np.allclose,
    builtins or the checks does not turn a wrong answer into points. A value a graded test cell happens to end
    with is shown but never read as a partial score (nbgrader would read a number there as points).
    """

    restore_code = "__import__('dlcourse.checks').checks.restore(globals())"
    _died_in = None  # index of the cell in which the kernel died, for the notebook being run

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", GradingKernelManager)  # nbgrader's own default would win otherwise
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._died_in = None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if self._died_in is not None:  # the cells after a kernel's death score 0; the ones before keep their points
            if cell.cell_type == "code":
                cell.outputs = [_error("NotRun", f"not run: the kernel died in cell {self._died_in}")]
            return cell, resources
        graded = cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade", False)
        try:
            if graded:
                self._restore_judges()
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._died_in = index
            cell.outputs.append(_error(KERNEL_DIED, "the kernel stopped while running this cell (os._exit, a crash "
                                                     "or a resource limit); the cells after it were not run"))
            return cell, resources
        if graded:
            for output in cell.get("outputs", []):
                if output.output_type == "execute_result":
                    output.output_type = "display_data"
                    output.pop("execution_count", None)
        return cell, resources

    def _restore_judges(self):
        """Run checks.restore() in the kernel, silently (nothing is recorded in the notebook)."""
        msg_id = self.kc.execute(self.restore_code, silent=True, store_history=False)
        run_sync(self.async_wait_for_reply)(msg_id)
