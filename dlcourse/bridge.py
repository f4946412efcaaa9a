"""The grading kernel's side of the judge: run the student's functions on the judge's inputs, hand back data.

While a notebook is graded, test cells never run in the student's kernel. The judge (dlcourse.grading.judge,
in the grading process) runs them and, each time a test calls a student's function, asks the kernel through
this module: ``serve()`` reads requests on the kernel's connection to the grading process; for
each it calls the function with the stand-ins the test asked for and writes the result back, all as plain data
(dlcourse.wire), until the test is done. A stand-in that the test defines is a callback: the kernel asks the
judge for each of its results. Nothing here judges anything, and nothing in it is trusted: whatever a notebook
does to this module only changes the data its own functions appear to return.
"""

import contextlib
import socket
import traceback

from dlcourse import wire


class StandInError(Exception):
    """A stand-in the test put in place refused a call (the judge says why)."""


class TestEnded(BaseException):
    """The judge ended the test (its time was up) while the notebook's code was calling a stand-in."""


class Line:
    """The kernel's connection to the judge while a test is served. Every message is sent or read whole: the serving
    loop runs with interrupts kept (dlcourse.grading.leankernel), and a stand-in's call and its answer are one
    exchange during which they are kept too (interruptible(False)); the end of the test is noted wherever its "done"
    is read."""

    def __init__(self, connection: socket.socket, interruptible=lambda taking: contextlib.nullcontext()):
        self.connection, self.interruptible, self.ended = connection, interruptible, False

    def send(self, value):
        wire.send(self.connection, value)

    def receive(self):
        """The judge's next message; None, and the test ended, when it is "done" (or not a message)."""
        message = wire.receive(self.connection)
        if not isinstance(message, dict) or message.get("op") == "done":
            self.ended, message = True, None
        return message

    def exchange(self, value):
        """Send value and read the judge's answer (None: the test ended instead), interrupts kept meanwhile: one
        taken between the two would leave the answer unread, to be taken for a request."""
        with self.interruptible(False):
            self.send(value)
            return self.receive()


def _describe(namespace, name):
    """What a name is in the notebook: missing, a function (with its signature) or a value."""
    if name not in namespace:
        return {"missing": True}
    value = namespace[name]
    if callable(value) and not isinstance(value, type):
        return {"function": wire.signature(value)}
    return {"value": value}


def _callback(spec, line):
    """A stand-in whose results the judge computes, one request per call."""

    def stand_in(*args, **kwargs):
        if line.ended:
            raise TestEnded
        answer = line.exchange({"callback": {"id": spec["id"], "args": list(args), "kwargs": kwargs}})
        if answer is None:
            raise TestEnded
        if "error" in answer:
            raise StandInError(answer["error"])
        return answer["value"]

    stand_in.__name__ = spec["name"]
    return stand_in


def _recorder(target, signature, calls):
    """target, with every call's arguments recorded in calls, bound to signature (a dict per call, copied when the
    call is made); a call that does not fit is recorded as the error's text."""

    def watcher(*args, **kwargs):
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as error:
            calls.append(str(error)[:500])
        else:
            bound.apply_defaults()
            calls.append(wire.snapshot(dict(bound.arguments)))
        return target(*args, **kwargs)

    watcher.__name__ = getattr(target, "__name__", "watched")
    return watcher


def _stand_ins(namespace, specs, records, line):
    """{name: object to put in place} for the request's stand-ins."""
    made = {}
    for name, spec in specs.items():
        if spec["kind"] == "callback":
            made[name] = _callback(spec, line)
        elif spec["kind"] == "notebook":  # another of the notebook's own names
            made[name] = namespace.get(spec["name"])
        elif spec["kind"] == "data":
            made[name] = spec["value"]
    for name, spec in specs.items():
        if spec.get("watch") is not None:
            records[name] = []
            target = made.get(name, namespace.get(name))
            made[name] = _recorder(target, wire.make_signature(spec["watch"]), records[name])
    return made


def _error(error):
    """An exception raised by the notebook's code, as data: its type, message and the notebook's frames."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename != __file__]
    text = "".join(traceback.format_list(frames) + traceback.format_exception_only(type(error), error))
    raised = {"ename": type(error).__name__, "evalue": str(error), "traceback": text}
    if isinstance(error, KeyError):  # the keys of the dicts near it, for the judge's did-you-mean
        from dlcourse import checks

        raised["keys_near"] = sorted(checks.keys_near(error, skip=__file__))[:200]
    return raised


def _call(namespace, request, line, kept):
    """Call request['name'] with its arguments and stand-ins; the result, the arguments as they are afterwards
    (to see changes made in place) and the calls recorded by watched names."""
    if "random_state" in request:  # the test seeded NumPy's global generator: the kernel's starts from there
        import numpy

        numpy.random.set_state(tuple(request["random_state"]))
    records = {}
    replaced = _stand_ins(namespace, request.get("stand_ins", {}), records, line)
    saved = {name: namespace[name] for name in replaced if name in namespace}
    args, kwargs = request["args"], request["kwargs"]
    namespace.update(replaced)
    try:
        function = namespace.get(request["name"])
        if function is None:
            raise NameError(f"name '{request['name']}' is not defined")
        with line.interruptible(True):
            outcome = {"value": function(*args, **kwargs)}
    except BaseException as error:  # noqa: BLE001 -- the notebook's error, reported to the judge
        outcome = {"raised": _error(error)}
    finally:
        for name in replaced:
            if name in saved:
                namespace[name] = saved[name]
            else:
                namespace.pop(name, None)
    summaries = {}
    for name, calls in records.items():  # kept until the test is done; the judge asks for what it reads
        errors = [call for call in calls if isinstance(call, str)]
        kept.append([call for call in calls if not isinstance(call, str)])
        summaries[name] = {"id": len(kept) - 1, "count": len(kept[-1]), "error": errors[0] if errors else None}
    return {**outcome, "args": args, "kwargs": kwargs, "records": summaries}


def _recorded(kept, request):
    """One argument of every call in a record: {"value": [...]}, or {"missing": True} when calls lack it."""
    calls = kept[request["id"]]
    if not all(request["param"] in call for call in calls):
        return {"missing": True}
    return {"value": [call[request["param"]] for call in calls]}


def _run_source(namespace, request, line):
    """Run an answer cell's code again in a copy of the notebook's names with other data; return the names."""
    trial = {key: value for key, value in namespace.items() if key not in request["names"]}
    trial.update(request["scope"])
    try:
        with line.interruptible(True):
            exec(request["source"], trial)
    except BaseException as error:  # noqa: BLE001
        return {"raised": _error(error)}
    return {"value": {name: trial[name] for name in request["names"] if name in trial}}


def _answer(namespace, request, line, kept):
    if request["op"] == "describe":
        return {name: _describe(namespace, name) for name in request["names"]}
    if request["op"] == "call":
        return _call(namespace, request, line, kept)
    if request["op"] == "recorded":
        return _recorded(kept, request)
    if request["op"] == "run":
        return _run_source(namespace, request, line)
    return {"raised": {"ename": "ValueError", "evalue": f"unknown request {request['op']!r}", "traceback": ""}}


def serve(line: Line, namespace: dict) -> None:
    """Answer the judge's requests on line (the kernel's connection, dlcourse.grading.leankernel) about the
    notebook's names in namespace, until it says the test is done."""
    kept = []  # the calls recorded while this test runs
    while True:
        request = line.receive()
        if request is None:
            return
        reply = _answer(namespace, request, line, kept)
        if line.ended:  # read by a stand-in: the judge waits for nothing more
            return
        try:
            line.send({"reply": reply})
        except wire.WireError as error:
            refused = {"ename": "WireError", "evalue": str(error), "traceback": ""}
            line.send({"reply": {"raised": refused}})
