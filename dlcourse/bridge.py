"""The grading kernel's side of the judge: run the student's functions on the judge's inputs, hand back data.

While a notebook is graded, test cells never run in the student's kernel. The judge (dlcourse.grading.judge,
in the grading process) runs them and, each time a test calls a student's function, asks the kernel through
this module: ``serve()`` reads requests from the kernel's standard input channel; for each it calls the
function with the stand-ins the test asked for and writes the result back, all as plain data (dlcourse.wire),
until the test is done. A stand-in that the test defines is a callback: the kernel asks the judge for each of its
results. Nothing here judges anything, and nothing in it is trusted: whatever a notebook does to this module only
changes the data its own functions appear to return.
"""

import builtins
import inspect
import traceback

from dlcourse import wire

PROMPT = "\x00dlcourse-judge\x00"  # starts every message this module sends to the judge


class StandInError(Exception):
    """A stand-in the test put in place refused a call (the judge says why)."""


def _ask(kind, payload=None):
    """Send one message to the judge and return its answer (the kernel's input request, answered by the judge)."""
    prompt = PROMPT + kind + ("" if payload is None else wire.dumps(payload))
    return builtins.input(prompt)


def _signature(function):
    """[(name, kind, has default, default)] of a function's parameters, or None when it has no signature."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    described = []
    for p in parameters:
        default = p.default if p.default is not inspect.Parameter.empty else None
        try:
            wire.encode(default)
        except wire.WireError:
            default = None
        described.append((p.name, p.kind.name, p.default is not inspect.Parameter.empty, default))
    return described


def _describe(namespace, name):
    """What a name is in the notebook: missing, a function (with its signature) or a value."""
    if name not in namespace:
        return {"missing": True}
    value = namespace[name]
    if callable(value) and not isinstance(value, type):
        return {"function": _signature(value)}
    return {"value": value}


def _callback(spec):
    """A stand-in whose results the judge computes, one request per call."""

    def stand_in(*args, **kwargs):
        answer = wire.loads(_ask("callback", {"id": spec["id"], "args": list(args), "kwargs": kwargs}))
        if "error" in answer:
            raise StandInError(answer["error"])
        return answer["value"]

    stand_in.__name__ = spec["name"]
    return stand_in


def _recorder(target, records):
    """target, with every call's arguments recorded (as data, copied when the call is made)."""

    def watcher(*args, **kwargs):
        records.append(wire.encode({"args": list(args), "kwargs": kwargs}))
        return target(*args, **kwargs)

    watcher.__name__ = getattr(target, "__name__", "watched")
    return watcher


def _stand_ins(namespace, specs, records):
    """{name: object to put in place} for the request's stand-ins."""
    made = {}
    for name, spec in specs.items():
        if spec["kind"] == "callback":
            made[name] = _callback(spec)
        elif spec["kind"] == "notebook":  # another of the notebook's own names
            made[name] = namespace.get(spec["name"])
        elif spec["kind"] == "data":
            made[name] = spec["value"]
    for name, spec in specs.items():
        if spec.get("watch"):
            records[name] = []
            made[name] = _recorder(made.get(name, namespace.get(name)), records[name])
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


def _call(namespace, request):
    """Call request['name'] with its arguments and stand-ins; the result, the arguments as they are afterwards
    (to see changes made in place) and the calls recorded by watched names."""
    if "random_state" in request:  # the test seeded NumPy's global generator: the kernel's starts from there
        import numpy

        numpy.random.set_state(tuple(request["random_state"]))
    records = {}
    replaced = _stand_ins(namespace, request.get("stand_ins", {}), records)
    saved = {name: namespace[name] for name in replaced if name in namespace}
    args, kwargs = request["args"], request["kwargs"]
    namespace.update(replaced)
    try:
        function = namespace.get(request["name"])
        if function is None:
            raise NameError(f"name '{request['name']}' is not defined")
        outcome = {"value": function(*args, **kwargs)}
    except BaseException as error:  # noqa: BLE001 -- the notebook's error, reported to the judge
        outcome = {"raised": _error(error)}
    finally:
        for name in replaced:
            if name in saved:
                namespace[name] = saved[name]
            else:
                namespace.pop(name, None)
    return {**outcome, "args": args, "kwargs": kwargs, "records": records}


def _run_source(namespace, request):
    """Run an answer cell's code again in a copy of the notebook's names with other data; return the names."""
    trial = {key: value for key, value in namespace.items() if key not in request["names"]}
    trial.update(request["scope"])
    try:
        exec(request["source"], trial)
    except BaseException as error:  # noqa: BLE001
        return {"raised": _error(error)}
    return {"value": {name: trial[name] for name in request["names"] if name in trial}}


def _answer(namespace, request):
    if request["op"] == "describe":
        return {name: _describe(namespace, name) for name in request["names"]}
    if request["op"] == "call":
        return _call(namespace, request)
    if request["op"] == "run":
        return _run_source(namespace, request)
    return {"raised": {"ename": "ValueError", "evalue": f"unknown request {request['op']!r}", "traceback": ""}}


def serve() -> None:
    """Answer the judge's requests until it says the test is done (called by the code the judge has the kernel
    execute, once per test cell): each reply is sent with the input request that asks for the next request."""
    from IPython import get_ipython

    namespace = get_ipython().user_ns
    text = _ask("ready")
    while True:
        request = wire.loads(text)
        if request["op"] == "done":
            return
        reply = _answer(namespace, request)
        try:
            reply_text = wire.dumps(reply)
        except wire.WireError as error:
            reply_text = wire.dumps({"raised": {"ename": "WireError", "evalue": str(error), "traceback": ""}})
        text = builtins.input(PROMPT + "reply" + reply_text)
