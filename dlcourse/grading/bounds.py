"""Bounds on executing one notebook, mixed into the grading Execute preprocessor (execute.py): a wall-clock limit
per notebook, a kernel that swallows the timeout's interrupt replaced (with the cells before replayed) so that it
costs only the tests that need the stuck code, and outputs capped in bytes while they are collected."""

import json
import time
from queue import Empty

import nbformat
from nbclient.exceptions import CellTimeoutError
from nbclient.util import run_sync
from traitlets import Float, Int
from traitlets.config import LoggingConfigurable

NOT_RUN = "NotRun"  # ename of the error recorded in a cell that was not run
STUCK = "KernelStuck"  # ename of the error recorded in a cell that could not be interrupted


def error_output(name: str, message: str, traceback: list[str] | None = None) -> nbformat.NotebookNode:
    """An error output, as a kernel would have sent it (the traceback defaults to the message)."""
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=traceback or [f"{name}: {message}"])


def output_size(output: dict) -> int:
    """Bytes an output takes in the saved notebook (its JSON)."""
    return len(json.dumps(output, default=str))


def shrink(output: dict, budget: int) -> dict:
    """Make output fit in about budget bytes, keeping its type: a stream keeps its first characters, an error its
    name and the start of its message, rich output becomes a note. Returns the (changed) output."""
    note = "[output cut: over the grader's limit of bytes per cell]"
    kind = output.get("output_type")
    if kind == "stream":
        output["text"] = str(output.get("text", ""))[: max(0, budget - 200)] + f"\n{note}\n"
    elif kind == "error":
        output["evalue"] = str(output.get("evalue", ""))[: max(200, budget // 2)]
        output["traceback"] = [f"{output.get('ename', 'Error')}: {output['evalue']}", note]
    else:
        output["data"] = {"text/plain": note}
        output["metadata"] = {}
    return output


class BoundedExecution(LoggingConfigurable):
    """Mixin of an nbclient/nbgrader Execute preprocessor: every notebook ends within ``notebook_timeout``
    seconds, a cell that cannot be interrupted costs only itself (and what depends on it), and no cell keeps more
    than ``max_output_bytes`` of output (errors are shortened, never dropped: they decide a test's score)."""

    notebook_timeout = Int(
        600,
        help="Wall-clock seconds for executing one notebook; cells not reached by then "
        "are recorded as not run (they score 0).",
    ).tag(config=True)
    interrupt_grace = Float(
        3.0, help="Seconds a kernel has to become idle after the timeout's interrupt before it is replaced."
    ).tag(config=True)
    max_output_bytes = Int(256 * 1024, help="Largest output kept per cell, bytes (all output types).").tag(config=True)

    _deadline = None
    _timed_out = False

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = time.monotonic() + self.notebook_timeout
        self._output_bytes, self._stuck = {}, set()
        return super().preprocess(nb, resources, km)

    def _left(self):
        return self._deadline - time.monotonic() if self._deadline else float("inf")

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        left = max(1, int(self._left()))
        return left if timeout is None else min(timeout, left)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and self._left() <= 0:
            cell.outputs = [
                error_output(NOT_RUN, f"not run: the notebook's time limit ({self.notebook_timeout} s) was reached")
            ]
            return cell, resources
        self._timed_out = False
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except CellTimeoutError as error:  # the interrupt was not taken: no 'idle' came on IOPub
            self._timed_out = True
            cell.outputs.append(error_output("CellTimeoutError", str(error).splitlines()[0]))
        if self._timed_out and self.kc is not None and not self._idle_within(self.interrupt_grace):
            cell.outputs.append(
                error_output(
                    STUCK,
                    "this cell could not be interrupted after its time limit (a "
                    "bare 'except:' swallows the interrupt?): the kernel was "
                    "replaced and the cells before this one were run again",
                )
            )
            self._stuck.add(index)
            run_sync(self._async_replace_kernel)(index)
        return cell, resources

    async def _async_handle_timeout(self, timeout, cell=None):
        self._timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    def _idle_within(self, seconds):
        """True when the kernel answers an empty request within seconds (it took the interrupt)."""
        return run_sync(self._async_reply)(self.kc.execute("", silent=True, store_history=False), seconds)

    async def _async_reply(self, msg_id, seconds):
        """True when the shell reply to msg_id arrives within seconds (other replies are skipped)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=max(0.01, deadline - time.monotonic()))
            except Empty:
                return False
            if msg["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    async def _async_replace_kernel(self, stuck_index):
        """Stop the stuck kernel, start a new one and run silently, in order, the code cells before stuck_index
        (except those that got stuck)."""
        await self._async_cleanup_kernel()
        self.km = self.create_kernel_manager()
        await self.async_start_new_kernel()
        await self.async_start_new_kernel_client()
        self.kernel_replaced()
        for source in self.replay_sources(stuck_index):
            if source.strip() and self._left() > 0:
                msg_id = self.kc.execute(source, silent=True, store_history=False)
                if not await self._async_reply(msg_id, min(self._left(), self.timeout or self._left())):
                    break

    def replay_sources(self, stuck_index):
        """Sources of the cells to run again in a new kernel: the code cells before stuck_index that did not get
        stuck."""
        return [
            cell.source
            for index, cell in enumerate(self.nb.cells[:stuck_index])
            if cell.cell_type == "code" and index not in self._stuck
        ]

    def kernel_replaced(self):
        """Called when a new kernel has replaced a stuck one, before the replay (subclasses drop what held the
        old one)."""

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is not None:
            used = self._output_bytes.get(cell_index, 0)
            left = self.max_output_bytes - used
            if left <= 0 and out.get("output_type") != "error":
                if outs and outs[-1] is out:
                    outs.pop()  # the note was added when the limit was reached
                return None
            size = output_size(out)
            if size > left:
                shrink(out, left)
                size = max(left, 1)
            self._output_bytes[cell_index] = used + size
        return out

    def _update_display_id(self, display_id, msg):
        super()._update_display_id(display_id, msg)
        for cell_index, indices in self._display_id_map.get(display_id, {}).items():
            outputs = self.nb.cells[cell_index].outputs
            for index in indices:
                if output_size(outputs[index]) > self.max_output_bytes:
                    shrink(outputs[index], self.max_output_bytes)
