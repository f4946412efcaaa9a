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
import collections.abc
import contextlib
import functools
import inspect
import io
import sys
import time
import types
from pathlib import Path

import numpy as np

from dlcourse import checks, wire
from dlcourse.course import layout
from dlcourse.grading.kernels import KernelDied

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
        return wire.make_signature(self._signature)

    def __call__(self, *args, **kwargs):
        return self.judge.call(self.__name__, args, kwargs)[0]

    def call_reporting_changes(self, *args, **kwargs):
        """(result, [labels of the arguments the function changed in place])."""
        return self.judge.call(self.__name__, args, kwargs)

    def __repr__(self):
        return f"<the notebook's function {self.__name__}>"


class Watch:
    """checks.watched() while judging: the kernel records how the notebook calls a function (as data, bound to
    like's signature); ``calls`` reads the records from the kernel only as far as the test looks at them."""

    def __init__(self, judge, target, like):
        self.target = target
        self.signature = inspect.signature(like if like is not None else target)
        self.sent = wire.signature(like if like is not None else target)  # as the kernel binds the calls
        self.calls = RecordedCalls(judge, self.signature)

    def record(self, summary):
        """Take the kernel's summary of one call's records: {"id", "count", "error"}."""
        if not isinstance(summary, dict) or type(summary.get("id")) is not int or type(summary.get("count")) is not int:
            raise JudgeError("the kernel sent a malformed record of a watched call")
        if summary.get("error") is not None:
            raise checks.CheckFailure(
                f"{self.target.__name__} was called with arguments that do not fit its "
                f"signature {self.signature}: {str(summary['error'])[:500]}"
            )
        self.calls.segments.append((summary["id"], summary["count"]))


class RecordedCalls(collections.abc.Sequence):
    """The calls of a watched function as a test reads them (a list of {parameter: value}); each parameter's
    values are fetched from the kernel once, when the test first reads it."""

    def __init__(self, judge, signature):
        self.judge, self.signature, self.segments, self._columns = judge, signature, [], {}

    def __len__(self):
        return sum(count for _, count in self.segments)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("call index out of range")
        return RecordedCall(self, index)

    def value(self, index, parameter):
        if parameter not in self._columns:
            column = []
            for record, count in self.segments:
                reply = self.judge._request({"op": "recorded", "id": record, "param": parameter})
                if reply.get("missing"):
                    raise KeyError(parameter)
                if type(reply.get("value")) is not list or len(reply["value"]) != count:
                    raise JudgeError("the kernel sent a malformed record of a watched call")
                column += reply["value"]
            self._columns[parameter] = column
        return self._columns[parameter][index]

    def __repr__(self):
        return repr(list(self))


class RecordedCall(collections.abc.Mapping):
    """One recorded call: {parameter name: the value passed (or its default)}."""

    def __init__(self, calls, index):
        self.calls, self.index = calls, index

    def __getitem__(self, parameter):
        if parameter not in self.calls.signature.parameters:
            raise KeyError(parameter)
        return self.calls.value(self.index, parameter)

    def __iter__(self):
        return iter(self.calls.signature.parameters)

    def __len__(self):
        return len(self.calls.signature.parameters)

    def __repr__(self):
        return repr(dict(self))


@functools.lru_cache(maxsize=256)
def _compiled(source):
    """A test cell's code and the global names it may read: compiled once per grading process (every submission of
    an assignment has the same test cells)."""
    code = compile(source, "<test cell>", "exec")
    return code, frozenset(_names_read(code))


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
    """The judge's requests on the kernel's connection: a "serve" request has the kernel answer the judge
    (dlcourse.bridge) until "done"; requests, stand-in calls and replies travel as data, within the test's time."""

    def __init__(self, kernel, grace):
        self.kernel, self.grace, self.deadline, self.serving = kernel, grace, None, None

    @property
    def connection(self):
        return self.kernel.connection

    def _remaining(self):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self._out_of_time()
        return remaining

    def _out_of_time(self):
        self._stop()
        raise TimeoutError(
            "the test ran out of time while the notebook's code was running "
            "(an endless loop, or a very slow computation?)"
        )

    def _stop(self):
        """Interrupt the kernel and give it the grace to return to the notebook's cells (else it is replaced)."""
        if self.serving is not None:
            self.kernel.interrupt(self.serving)
        self.finish()

    def _lost(self, error):
        """The connection closed or broke: the kernel died (KernelDied), or the notebook broke the connection."""
        deadline = time.monotonic() + 2  # a death may take a moment to show
        while time.monotonic() < deadline:
            if not self.kernel.alive():
                raise error
            time.sleep(0.02)
        raise JudgeError(
            "the kernel stopped answering the tests (the notebook may have changed dlcourse.bridge or its "
            "connection, or exited)"
        )

    def _receive(self):
        """The kernel's next message, within the test's time (a stalled message counts against it too)."""
        try:
            return self.connection.receive(self.deadline)
        except TimeoutError:
            self._out_of_time()
        except KernelDied as error:
            self._lost(error)

    def _send(self, value):
        """Send a message within the test's time (a kernel that does not read it runs the test out of time)."""
        try:
            self.connection.send(value, self.deadline)
        except TimeoutError:
            self._out_of_time()
        except KernelDied as error:
            self._lost(error)

    def request(self, payload, on_callback):
        """Send one request; answer the kernel's callbacks with on_callback(message); return the reply."""
        self._remaining()
        if self.serving is None:  # one "serve" request covers all the requests of a test cell
            self.serving = self.kernel.request_id()
            self._send({"op": "serve", "id": self.serving})
        self._send(payload)
        while True:
            message = self._receive()
            if not isinstance(message, dict) or len(message) != 1:
                raise JudgeError("the kernel answered the tests with something else than a message")
            if "reply" in message and isinstance(message["reply"], dict):
                return message["reply"]
            if "callback" not in message:
                raise JudgeError("the kernel answered the tests out of turn")
            try:
                answer = on_callback(message["callback"])
            except (KeyError, TypeError, AttributeError) as error:
                answer = {"error": f"malformed call of a stand-in: {error}"}
            try:
                self._send(answer)
            except wire.WireError as error:
                self._send({"error": f"the stand-in's result cannot be sent: {error}"})

    def finish(self):
        """End this test cell's serving (the kernel returns to the notebook's cells within the grace, or the
        connection is marked broken: the kernel is then replaced)."""
        number, self.serving = self.serving, None
        connection = self.connection
        if number is None or connection.broken:
            return
        deadline = time.monotonic() + self.grace
        try:
            connection.send({"op": "done"}, deadline)
            connection.reply("served", number, deadline)
        except (TimeoutError, KernelDied):
            connection.broken = True


class Judge:
    """Runs one notebook's graded test cells against its kernel."""

    def __init__(self, kernel, source_notebook, grace=3.0):
        self.kernel, self.grace = kernel, grace  # a GradingKernelManager with a running kernel
        self.source_notebook = Path(source_notebook)
        self.namespace = None
        self.substitutions = []  # stack of {name: replacement} while checks.substituted() is active
        self.channel = None
        self.cells_before = []  # sources of the notebook's code cells run before the test being judged

    # --- set-up -------------------------------------------------------------------------------------------
    def _setup_namespace(self):
        """The judge's own namespace: the setup cell of the instructor's notebook, run here."""
        namespace = {"__name__": "__judge__"}
        notebook = layout.instructor_notebook(self.source_notebook)
        setup = [cell.source for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "setup"]
        with self._source_folder_on_path():
            for source in setup:
                exec(compile(source, f"{self.source_notebook.name}:setup", "exec"), namespace)
        return namespace

    @contextlib.contextmanager
    def _source_folder_on_path(self):
        """The instructor's folder of the assignment on the path: the given code and the hidden tests' shared
        references are imported from there."""
        folder = str(self.source_notebook.parent)
        sys.path.insert(0, folder)
        try:
            yield
        finally:
            sys.path.remove(folder)

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
                if watch:
                    spec["watch"] = watches[name].sent
                specs[name] = spec
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
        return Watch(self, target, like)

    def rerun(self, names, scope, history=None):
        """checks.rerun_answer while judging: the notebook's cells run again in the kernel on the test's data."""
        data = {}
        for key, value in scope.items():
            if key in names or key.startswith("__") or key in self.namespace and value is self.namespace[key]:
                continue
            if isinstance(value, KernelFunction):
                continue
            if wire.is_plain(value):
                data[key] = value
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
            self.channel = Channel(self.kernel, self.grace)
        self.channel.deadline = time.monotonic() + timeout
        np.random.set_state(UNTOUCHED)  # the kernel's generator goes on as it is until the test seeds it
        try:
            code, names = _compiled(source)
            wanted = {name for name in names if not dict.__contains__(namespace, name) and not hasattr(builtins, name)}
            if wanted:  # in one request, rather than one per name as the cell reads them
                self.bind(namespace, wanted)
            with self._source_folder_on_path(), contextlib.redirect_stdout(output), checks.judging(self, namespace):
                exec(code, namespace)
        except KernelDied:
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
