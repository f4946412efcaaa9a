"""The judge: graded test cells run here, in the grading process, never in the student's kernel.

A test cell's code (restored by nbgrader from the instructor's notebook, hidden tests included) runs in a
namespace of the judge's own: the notebook's setup cell run here (NumPy, the checks, the course's given code,
taken from source/), plus each name the test reads that the notebook defines — a function becomes a
:class:`KernelFunction` that asks the kernel to run it on the test's inputs (dlcourse.bridge), a value is fetched
as data (dlcourse.wire). Results come back as plain data and are compared here with references computed here, so
nothing in the student's interpreter — hooks, patched modules, lying objects — takes part in a verdict, and no
hidden test or reference ever enters the kernel. Stand-ins a test puts in place of other functions run here too:
the kernel asks the judge for each of their results.
"""

import builtins
import contextlib
import inspect
import io
import sys
import time
import types
from pathlib import Path

import nbformat
import numpy as np
import zmq
from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync

from dlcourse import bridge, checks, wire

CODE = "__import__('dlcourse.bridge', fromlist=['serve']).serve()"
POLL_MS = 50
UNTOUCHED = np.random.RandomState(0x5EED).get_state()  # the judge's global generator after handing it on


class JudgeError(RuntimeError):
    """The kernel did not answer the judge as the protocol says (it broke the bridge, or ran out of time)."""


class StudentError(Exception):
    """The student's code raised an exception while a test ran it (the type and message are the student's)."""

    def __init__(self, raised):
        self.ename, self.evalue, self.student_traceback = raised["ename"], raised["evalue"], raised["traceback"]
        self.keys_near = raised.get("keys_near", [])  # a KeyError's: keys of the dicts near it in the kernel
        super().__init__(f"{self.ename}: {self.evalue}")


class KernelFunction:
    """A function of the student's notebook, called in the kernel on the judge's inputs."""

    __dlcourse_remote__ = True

    def __init__(self, judge, name, signature):
        self.judge, self.__name__, self._signature = judge, name, signature

    @property
    def __signature__(self):
        if self._signature is None:
            raise ValueError(f"{self.__name__} has no signature")
        kinds = inspect.Parameter
        return inspect.Signature(
            [
                kinds(name, getattr(kinds, kind), default=default if has_default else kinds.empty)
                for name, kind, has_default, default in self._signature
            ]
        )

    def __call__(self, *args, **kwargs):
        return self.judge.call(self.__name__, args, kwargs)[0]

    def call_reporting_changes(self, *args, **kwargs):
        """(result, [labels of the arguments the function changed in place])."""
        return self.judge.call(self.__name__, args, kwargs)

    def __repr__(self):
        return f"<the notebook's function {self.__name__}>"


class Watch:
    """checks.watched() while judging: the kernel records how the notebook calls a function (as data)."""

    def __init__(self, target, like):
        self.target, self.like, self.calls = target, like, []

    def record(self, raw_calls):
        signature = inspect.signature(self.like if self.like is not None else self.target)
        for call in raw_calls:
            call = wire.decode(call)
            try:
                bound = signature.bind(*call["args"], **call["kwargs"])
            except TypeError as error:
                raise checks.CheckFailure(
                    f"{self.target.__name__} was called with arguments that do not fit its "
                    f"signature {signature}: {error}"
                ) from None
            bound.apply_defaults()
            self.calls.append(dict(bound.arguments))


def _names_read(code):
    """Every global name a compiled cell (and the functions, lambdas and comprehensions in it) may read."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names_read(constant)
    return names


class Namespace(dict):
    """A test cell's globals in the judge: a name it does not hold is looked up in the notebook (also when the test
    reads it by name, as ``globals()["q1"]`` or ``globals().get("q1")``)."""

    def __init__(self, judge, names):
        super().__init__(names)
        self.judge = judge

    def __missing__(self, name):
        if not isinstance(name, str) or hasattr(builtins, name):
            raise KeyError(name)  # Python then looks in the builtins
        self.judge.bind(self, [name])
        if not dict.__contains__(self, name):
            raise KeyError(name)
        return dict.__getitem__(self, name)

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    def __contains__(self, name):
        return self.get(name, _MISSING) is not _MISSING


_MISSING = object()


class Channel:
    """Requests to the kernel's bridge: an execute request whose input requests carry the messages."""

    def __init__(self, kernel_manager):
        from jupyter_client.blocking import BlockingKernelClient
        from jupyter_client.session import Session

        self.km, self.deadline, self.serving = kernel_manager, None, None
        # A session of its own (same key): its sockets must not share nbclient's identity, or the kernel's replies
        # would be routed to the wrong client.
        session = Session(key=kernel_manager.session.key, signature_scheme=kernel_manager.session.signature_scheme)
        # Sockets of its own, refusing messages beyond what the wire accepts: a kernel cannot flood the grader.
        context = zmq.Context()
        context.setsockopt(zmq.MAXMSGSIZE, 2 * wire.MAX_BYTES)
        self.client = BlockingKernelClient(
            parent=kernel_manager,
            session=session,
            context=context,
            **kernel_manager.get_connection_info(session=False),
        )
        monitor = None
        connect_stdin = self.client.connect_stdin

        def watched_connect(identity=None):  # watch the input channel connect: the kernel drops requests before
            nonlocal monitor
            socket = self.client.context.socket(zmq.DEALER)
            socket.linger = 1000
            socket.identity = identity or self.client.session.bsession
            monitor = socket.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)
            socket.connect(self.client._make_url("stdin"))
            return socket

        self.client.connect_stdin = watched_connect
        self.client.start_channels(iopub=False, hb=False, control=False)
        self.client.connect_stdin = connect_stdin
        self._wait_connected(self.client.stdin_channel.socket, monitor)
        self.poller = zmq.Poller()
        self.poller.register(self.client.stdin_channel.socket, zmq.POLLIN)
        self.poller.register(self.client.shell_channel.socket, zmq.POLLIN)

    @staticmethod
    def _wait_connected(socket, monitor, timeout=10):
        """Wait until the input channel has reached the kernel: the kernel drops input requests to unknown peers."""
        from zmq.utils.monitor import recv_monitor_message

        try:
            if monitor.poll(timeout * 1000):
                recv_monitor_message(monitor)
            else:
                raise JudgeError("could not connect to the grading kernel's input channel")
        finally:
            socket.disable_monitor()
            monitor.close()

    def close(self):
        self.client.stop_channels()
        self.client.context.destroy(linger=0)

    def _manager(self, method):
        """Call a kernel manager's method, awaiting it when the manager is asynchronous (nbgrader's is)."""
        result = getattr(self.km, method)()
        if inspect.isawaitable(result):

            async def wait():
                return await result

            result = run_sync(wait)()
        return result

    def _stop(self, msg_id):
        """Interrupt the kernel and give it a moment to finish the request (its late messages are ignored)."""
        self.serving = None
        self._manager("interrupt_kernel")
        self._drain(msg_id, timeout=5)

    def _drain(self, msg_id, timeout):
        """Wait (at most timeout seconds) for the reply to msg_id, answering stray input requests with nothing."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            events = dict(self.poller.poll(100))
            if self.client.stdin_channel.socket in events:
                self.client.stdin_channel.get_msg(timeout=0)
                self.client.input("")
            if self.client.shell_channel.socket in events:
                if self.client.shell_channel.get_msg(timeout=0)["parent_header"].get("msg_id") == msg_id:
                    return

    def _next_prompt(self, on_callback):
        """Wait for the kernel's next message of this test's serving request, answering callbacks meanwhile;
        returns the message (without the prompt's marker)."""
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self._stop(self.serving)
                raise TimeoutError(
                    "the test ran out of time while the notebook's code was running "
                    "(an endless loop, or a very slow computation?)"
                )
            events = dict(self.poller.poll(min(POLL_MS, remaining * 1000)))
            if self.client.stdin_channel.socket in events:
                message = self.client.stdin_channel.get_msg(timeout=0)
                prompt = message["content"].get("prompt", "")
                if message["parent_header"].get("msg_id") != self.serving or not prompt.startswith(bridge.PROMPT):
                    self.client.input("")  # the notebook's own input() while a test runs: an empty answer
                    continue
                text = prompt[len(bridge.PROMPT) :]
                if not text.startswith("callback"):
                    return text
                try:
                    answer = on_callback(wire.loads(text[len("callback") :]))
                except (wire.WireError, KeyError, TypeError) as error:
                    answer = {"error": f"malformed call of a stand-in: {error}"}
                self.client.input(wire.dumps(answer))
            elif self.client.shell_channel.socket in events:
                message = self.client.shell_channel.get_msg(timeout=0)
                if message["parent_header"].get("msg_id") == self.serving:
                    self.serving = None
                    raise JudgeError(
                        "the kernel stopped answering the tests (the notebook may have changed "
                        "input(), get_ipython or dlcourse.bridge, or exited)"
                    )
            elif not events and not self._manager("is_alive"):
                raise DeadKernelError("Kernel died")

    def request(self, payload, on_callback):
        """Send one request; answer the kernel's callbacks with on_callback(message); return the reply."""
        if self.serving is None:  # one execute request serves all the requests of a test cell
            self.serving = self.client.execute(CODE, silent=True, store_history=False, allow_stdin=True)
            if self._next_prompt(on_callback) != "ready":
                raise JudgeError("the kernel did not start answering the tests")
        self.client.input(wire.dumps(payload))
        text = self._next_prompt(on_callback)
        if not text.startswith("reply"):
            raise JudgeError("the kernel answered the tests out of turn")
        return wire.loads(text[len("reply") :])

    def finish(self):
        """End this test cell's serving request (the kernel returns to the notebook's cells)."""
        if self.serving is not None:
            msg_id, self.serving = self.serving, None
            self.client.input(wire.dumps({"op": "done"}))
            self._drain(msg_id, timeout=5)


class Judge:
    """Runs one notebook's graded test cells against its kernel."""

    def __init__(self, kernel_manager, source_notebook):
        self.km = kernel_manager
        self.source_notebook = Path(source_notebook)
        self.namespace = None
        self.substitutions = []  # stack of {name: replacement} while checks.substituted() is active
        self.channel = None
        self.cells_before = []  # sources of the notebook's code cells run before the test being judged

    # --- set-up -------------------------------------------------------------------------------------------
    def _setup_namespace(self):
        """The judge's own namespace: the setup cell of the instructor's notebook, run here."""
        namespace = {"__name__": "__judge__"}
        notebook = nbformat.read(self.source_notebook, as_version=4)
        setup = [cell.source for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "setup"]
        folder = str(self.source_notebook.parent)
        sys.path.insert(0, folder)
        try:
            for source in setup:
                exec(compile(source, f"{self.source_notebook.name}:setup", "exec"), namespace)
        finally:
            sys.path.remove(folder)
        return namespace

    # --- requests -----------------------------------------------------------------------------------------
    def _request(self, payload, callbacks=None):
        raised = []

        def on_callback(message):
            stand_in = (callbacks or {}).get(message.get("id"))
            if stand_in is None:
                return {"error": "this stand-in is no longer in place"}
            try:
                return {"value": stand_in(*message["args"], **message["kwargs"])}
            except checks.CheckFailure as failure:
                raised.append(failure)
                return {"error": str(failure)}
            except Exception as error:  # noqa: BLE001 -- the stand-in refused the call
                return {"error": f"{type(error).__name__}: {error}"}

        reply = self.channel.request(payload, on_callback)
        if raised:
            raise raised[0]
        return reply

    def bind(self, namespace, names):
        """Put the notebook's names into a test's namespace: functions as proxies, values as data."""
        described = self._request({"op": "describe", "names": sorted(names)})
        for name, what in described.items():
            if "function" in what:
                dict.__setitem__(namespace, name, KernelFunction(self, name, what["function"]))
            elif "value" in what:
                dict.__setitem__(namespace, name, what["value"])

    def _specs(self):
        """The stand-ins in place, as the kernel receives them, and the callbacks and watches behind them."""
        specs, callbacks, watches = {}, {}, {}
        for layer in self.substitutions:
            for name, value in layer.items():
                watch = isinstance(value, Watch)
                if watch:
                    watches[name] = value
                    value = value.target
                if isinstance(value, KernelFunction):
                    spec = {"kind": "notebook", "name": value.__name__}
                elif callable(value) and self.namespace.get(name) is value:
                    spec = {"kind": "keep"}  # given code: the kernel has its own copy under that name
                elif callable(value):
                    key = f"{name}:{len(callbacks)}"
                    callbacks[key] = value
                    spec = {"kind": "callback", "id": key, "name": name}
                else:
                    spec = {"kind": "data", "value": value}
                specs[name] = {**spec, "watch": watch}
        return specs, callbacks, watches

    def call(self, name, args, kwargs):
        """Run the notebook's function on these arguments: (result, labels of arguments changed in place)."""
        specs, callbacks, watches = self._specs()
        payload = {"op": "call", "name": name, "args": list(args), "kwargs": dict(kwargs), "stand_ins": specs}
        state = np.random.get_state()
        if not checks.same(list(state), list(UNTOUCHED)):
            # The test seeded (or drew from) NumPy's global generator since the last call: the kernel's starts
            # from there; the judge's is then set to a marker, so that a new seed (even the same one) shows.
            payload["random_state"] = list(state)
            np.random.set_state(UNTOUCHED)
        reply = self._request(payload, callbacks)
        for watched_name, records in reply.get("records", {}).items():
            if watched_name in watches:
                watches[watched_name].record(records)
        if "raised" in reply:
            raise StudentError(reply["raised"])
        after, after_keywords = reply["args"], reply["kwargs"]
        changed = [f"argument {n}" for n, (sent, back) in enumerate(zip(args, after), 1) if not checks.same(sent, back)]
        changed += [f"argument {key!r}" for key in kwargs if not checks.same(kwargs[key], after_keywords.get(key))]
        return reply["value"], changed

    @contextlib.contextmanager
    def substituting(self, replacements):
        self.substitutions.append(dict(replacements))
        try:
            yield
        finally:
            self.substitutions.pop()

    def watch(self, target, like):
        return Watch(target, like)

    def rerun(self, names, scope, history=None):
        """checks.rerun_answer while judging: the notebook's cells run again in the kernel on the test's data."""
        data = {}
        for key, value in scope.items():
            if key in names or key.startswith("__") or key in self.namespace and value is self.namespace[key]:
                continue
            if isinstance(value, KernelFunction):
                continue
            try:
                if "opaque" not in wire.dumps(value):
                    data[key] = value
            except wire.WireError:
                continue
        for source in reversed(self.cells_before if history is None else history):
            if "checks." in source or not all(name in source for name in names):
                continue
            reply = self._request({"op": "run", "source": source, "scope": data, "names": list(names)})
            if "value" in reply and all(name in reply["value"] for name in names):
                return reply["value"]
        raise checks.CheckFailure(
            f"no cell you ran defines {', '.join(names)} when run on other data: define them from the arrays' shapes."
        )

    # --- test cells ---------------------------------------------------------------------------------------
    def run_cell(self, source, cells_before, timeout):
        """Run one test cell here, within timeout seconds; returns (stdout text, error or None) where error is
        (ename, evalue, traceback)."""
        if self.namespace is None:
            self.namespace = self._setup_namespace()
        self.cells_before = cells_before
        namespace = Namespace(self, self.namespace)
        output = io.StringIO()
        error = None
        if self.channel is None:
            self.channel = Channel(self.km)
        self.channel.deadline = time.monotonic() + timeout
        np.random.set_state(UNTOUCHED)  # the kernel's generator goes on as it is until the test seeds it
        try:
            code = compile(source, "<test cell>", "exec")
            wanted = {
                name
                for name in _names_read(code)
                if not dict.__contains__(namespace, name) and not hasattr(builtins, name)
            }
            if wanted:  # in one request, rather than one per name as the cell reads them
                self.bind(namespace, wanted)
            folder = str(self.source_notebook.parent)  # where hidden tests import their shared references from
            sys.path.insert(0, folder)
            try:
                with contextlib.redirect_stdout(output), checks.judging(self, namespace):
                    exec(code, namespace)
            finally:
                sys.path.remove(folder)
        except DeadKernelError:
            raise
        except StudentError as raised:
            error = (raised.ename, raised.evalue, raised.student_traceback.rstrip().splitlines())
        except checks.CheckFailure as failed:  # its message first, then where the student's code raised, if it did
            error = (type(failed).__name__, str(failed), failed._render_traceback_())
        except BaseException as raised:  # noqa: BLE001 -- the test tripping over an odd answer
            error = (type(raised).__name__, str(raised), [f"{type(raised).__name__}: {raised}"])
        finally:
            with contextlib.suppress(Exception):
                self.channel.finish()  # the kernel goes back to the notebook's cells
        return output.getvalue(), error

    def close(self):
        if self.channel is not None:
            self.channel.close()
            self.channel = None
