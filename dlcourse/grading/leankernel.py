"""The grading kernel: an IPython shell that serves the grading process over one Unix-socket connection.

No Jupyter messaging: the grading process (dlcourse/grading/kernels.py) listens on a socket in the kernel's socket
folder; this kernel connects twice (requests, then interrupts) and then serves requests as dlcourse.wire messages:

- ``{"op": "execute", "id", "source", "silent", "limit"}``: run a cell; the reply ``{"executed": id, "outputs",
  "execution_count"}`` holds the cell's outputs in nbformat form (streams, display data, the execute result, the
  error) as ipykernel and nbclient would record them, at most about ``limit`` bytes of them.
- ``{"op": "serve", "id"}``: answer the judge's requests on this connection (dlcourse.bridge) until it says done,
  then ``{"served": id}``.

A request's id sent on the interrupt connection interrupts that request if it is still running (SIGINT to the main
thread, as a Jupyter interrupt); an interrupt that comes late is dropped, never taken by the next request. While a
test is served, an interrupt stops the notebook's code only: one that comes while a message is sent or read waits
until the message is whole (cut, it would put the connection out of step and cost the kernel).
Nothing here is trusted: the notebook's code can read and write this connection, and so change only what its own
cells and functions appear to produce. It runs in the sandbox, forked from the fork server or as a new process.
"""

import contextlib
import json
import os
import signal
import socket
import sys
import tempfile
import threading
import zlib
from pathlib import Path

CUT_NOTE = "[output cut: over the grader's limit of bytes per cell]"
ID_BYTES = 16  # a request's id: 16 hexadecimal digits


def prepare() -> None:
    """As ipykernel_launcher, keep the working folder off sys.path while the kernel loads (the shell puts it back);
    and matplotlib's inline backend, as ipykernel sets it."""
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")


def output_size(output: dict) -> int:
    """Bytes an output takes in the saved notebook (its JSON)."""
    return len(json.dumps(output, default=str))


def shrink(output: dict, budget: int) -> dict:
    """Make output fit in about budget bytes, keeping its type: a stream keeps its first characters, an error its
    name and the start of its message, rich output becomes a note. Returns the (changed) output."""
    kind = output.get("output_type")
    if kind == "stream":
        output["text"] = str(output.get("text", ""))[: max(0, budget - 200)] + f"\n{CUT_NOTE}\n"
    elif kind == "error":
        output["evalue"] = str(output.get("evalue", ""))[: max(200, budget // 2)]
        output["traceback"] = [f"{output.get('ename', 'Error')}: {output['evalue']}", CUT_NOTE]
    else:
        output["data"] = {"text/plain": CUT_NOTE}
        output["metadata"] = {}
    return output


class Outputs:
    """The outputs of the cell being run, in order, consecutive writes to a stream joined as one output; no more
    than about ``limit`` bytes (the output that crosses it is shrunk, later ones dropped, errors always kept)."""

    def __init__(self, limit: int):
        self.list, self.used, self.limit, self.clear_pending = [], 0, limit, False

    def clear(self, wait: bool = False) -> None:
        """clear_output(): now, or (wait) when the next output comes."""
        self.clear_pending = wait
        if not wait:
            self.list.clear()

    def add(self, output: dict) -> None:
        if self.clear_pending:
            self.clear()
        left = self.limit - self.used
        if left <= 0 and output["output_type"] != "error":
            return
        size = output_size(output)
        if size > left:
            shrink(output, left)
            size = max(left, 1)
        self.used += size
        self.list.append(output)

    def write(self, name: str, text: str) -> None:
        if self.clear_pending:
            self.clear()
        last = self.list[-1] if self.list else None
        if last is None or last["output_type"] != "stream" or last["name"] != name:
            self.add({"output_type": "stream", "name": name, "text": text})
            return
        left = self.limit - self.used
        if left <= 0:
            return
        size = len(json.dumps(text)) - 2
        if size > left:
            last["text"] += text[:left] + f"\n{CUT_NOTE}\n"
            self.used = self.limit
        else:
            last["text"] += text
            self.used += size


class CellStream:
    """sys.stdout or sys.stderr while a cell runs: text goes to the cell's outputs."""

    encoding, errors = "utf-8", "strict"

    def __init__(self, kernel, name):
        self.kernel, self.name = kernel, name

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self.kernel.shell.outputs.write(self.name, text)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    def writable(self):
        return True

    def readable(self):
        return False

    @property
    def closed(self):
        return False


def shell() -> object:
    """The kernel's InteractiveShell (made once; the fork server makes it before forking, with nothing run in it):
    display data, results and errors go to its ``outputs`` (Outputs) as ipykernel sends them."""
    global _shell
    if _shell is None:
        _shell = _make_shell()
    return _shell


_shell = None


def _make_shell():
    from IPython.core.compilerop import CachingCompiler
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Type
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            if update:  # update_display_data: nbclient changes earlier outputs, which the lean kernel does not keep
                return
            self.shell.outputs.add({"output_type": "display_data", "data": data, "metadata": metadata or {}})

        def clear_output(self, wait=False):
            self.shell.outputs.clear(wait)

    class Hook(DisplayHook):
        def start_displayhook(self):
            self.result = {
                "output_type": "execute_result",
                "data": {},
                "metadata": {},
                "execution_count": self.prompt_count,
            }

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self.result["data"], self.result["metadata"] = format_dict, md_dict or {}

        def finish_displayhook(self):
            if self.result["data"]:
                self.shell.outputs.add(self.result)
            self.result = None

    class Compiler(CachingCompiler):
        def get_code_name(self, raw_code, transformed_code, number):
            """Cells named as ipykernel names them (warnings and syntax errors show the name)."""
            return os.path.join(
                tempfile.gettempdir(), f"ipykernel_{os.getpid()}", f"{zlib.crc32(raw_code.encode())}.py"
            )

    class Shell(InteractiveShell):
        compiler_class = Type(Compiler)
        displayhook_class = Type(Hook)
        display_pub_class = Type(Publisher)
        system = InteractiveShell.system_piped  # a shell command's output becomes the cell's, as in ipykernel

        outputs = Outputs(0)  # the running cell's

        def _showtraceback(self, etype, evalue, stb):
            self.outputs.add(
                {"output_type": "error", "ename": str(etype.__name__), "evalue": str(evalue), "traceback": list(stb)}
            )

        def init_virtualenv(self):
            pass  # the kernel runs in the environment's own Python

        def _format_exception_for_storage(self, exception, filename=None, running_compiled_code=False):
            """The error as the history keeps it, without formatting its traceback a second time (the kernel keeps
            no history, and the cell's output has its traceback already)."""
            return {"ename": type(exception).__name__, "evalue": str(exception), "traceback": []}

    config = Config()
    config.HistoryManager.enabled = False
    config.HistoryManager.hist_file = ":memory:"
    return Shell.instance(config=config)


def warm_up(shell: object) -> None:
    """Format one traceback as a cell's error is formatted, so that kernels forked after this inherit what IPython
    loads and caches for it (inspect's index of modules by file, stack_data, Pygments' lexer and styles); the first
    error of a notebook then costs what the later ones do. Nothing is run in the shell."""
    source = "def warm_up():\n    raise ValueError('warm-up')\n\nwarm_up()\n"
    try:
        exec(compile(source, "<warm-up>", "exec"), {})
    except ValueError as error:
        shell.InteractiveTB.structured_traceback(ValueError, error, error.__traceback__)


def _input(prompt=""):
    from IPython.core.error import StdinNotImplementedError

    raise StdinNotImplementedError("raw_input was called, but this frontend does not support input requests.")


class Kernel:
    """The kernel's request loop on its connection to the grading process."""

    def __init__(self, connection, interrupts):
        self.connection, self.interrupts = connection, interrupts
        self.running = None  # the id of the request being answered
        self.aimed = None  # the id of the request the last interrupt was sent for
        self.taking, self.kept = False, False  # interrupts are taken now / one came while they were not
        self.shell = shell()
        # Made in the fork server, whose working folder and /tmp (the profile's folders) are not the kernel's.
        self.shell.user_ns["_dh"] = [os.getcwd()]
        os.makedirs(self.shell.profile_dir.location, exist_ok=True)
        self.shell.profile_dir.check_dirs()
        self.streams = (CellStream(self, "stdout"), CellStream(self, "stderr"))
        signal.signal(signal.SIGINT, self._on_interrupt)
        main = threading.main_thread().ident
        threading.Thread(target=self._forward_interrupts, args=(main,), daemon=True, name="interrupts").start()

    def _on_interrupt(self, signum, frame):
        if self.running is None or self.running != self.aimed:  # late: that request is over
            return
        if self.taking:
            raise KeyboardInterrupt
        self.kept = True

    @contextlib.contextmanager
    def interruptible(self, taking):
        """Within the block interrupts are taken (taking: the notebook's code runs) or kept (the bridge reads or
        writes a message: cut by an interrupt, it would put the connection out of step); a kept interrupt is taken
        as soon as interrupts are taken again."""
        before, self.taking = self.taking, taking
        try:
            self._take_kept()
            yield
        finally:
            self.taking = before
            self._take_kept()

    def _take_kept(self):
        if self.taking and self.kept:
            self.kept = False
            raise KeyboardInterrupt

    def _forward_interrupts(self, main):
        data = b""
        while True:
            try:
                chunk = self.interrupts.recv(ID_BYTES)
            except OSError:
                return
            if not chunk:
                return
            data += chunk
            while len(data) >= ID_BYTES:
                target, data = data[:ID_BYTES].decode("ascii", "replace"), data[ID_BYTES:]
                if target == self.running:
                    self.aimed = target
                    signal.pthread_kill(main, signal.SIGINT)

    def execute(self, request):
        import builtins

        self.shell.outputs = Outputs(int(request.get("limit", 1 << 20)))
        silent = bool(request.get("silent"))
        count = None if silent else self.shell.execution_count
        saved = sys.stdout, sys.stderr, builtins.input
        sys.stdout, sys.stderr = self.streams
        builtins.input = _input
        self.running, self.kept = request.get("id"), False
        try:
            with self.interruptible(True):
                self.shell.run_cell(str(request["source"]), store_history=not silent, silent=silent)
        except KeyboardInterrupt:  # taken outside the cell's code (its error is the interrupt)
            self.shell.outputs.add(
                {"output_type": "error", "ename": "KeyboardInterrupt", "evalue": "", "traceback": ["KeyboardInterrupt"]}
            )
        finally:
            self.running = None
            sys.stdout, sys.stderr, builtins.input = saved
        outputs = [] if silent else self.shell.outputs.list
        return {"executed": request.get("id"), "outputs": outputs, "execution_count": count}

    def serve(self, request):
        from dlcourse import bridge

        self.running, self.kept = request.get("id"), False
        try:
            bridge.serve(bridge.Line(self.connection, self.interruptible), self.shell.user_ns)
        except BaseException:  # noqa: BLE001 -- the test is over (whatever the notebook raised); the kernel stays in step
            pass
        finally:
            self.running = None
        return {"served": request.get("id")}

    def run(self):
        from dlcourse import wire

        while True:
            try:
                request = wire.receive(self.connection)
            except (EOFError, OSError):
                return
            except (wire.WireError, KeyboardInterrupt):
                continue
            if not isinstance(request, dict):
                continue
            if request.get("op") == "execute":
                reply = self.execute(request)
            elif request.get("op") == "serve":
                reply = self.serve(request)
            else:
                continue  # a late "done" after an interrupted test, or noise
            try:
                wire.send(self.connection, reply)
            except wire.WireError as error:
                refused = {"output_type": "error", "ename": "WireError", "evalue": str(error), "traceback": []}
                wire.send(self.connection, {**reply, "outputs": [refused]})


def main(argv: list[str]) -> None:
    """Connect to the grading process's socket at argv[0] (requests, then interrupts) and serve it."""
    prepare()
    path = argv[0]
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(path)
    interrupts = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    interrupts.connect(path)
    kernel = Kernel(connection, interrupts)
    sys.path.insert(0, "")  # as IPython's kernel: the working folder's modules can be imported
    from dlcourse import wire

    wire.send(connection, {"ready": True})
    kernel.run()


if __name__ == "__main__":
    main(sys.argv[1:])
