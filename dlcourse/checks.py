"""Checks that the notebooks' test cells call.

Every check compares what a student's function returned with what was expected — type, then shape,
then values — and raises :class:`CheckFailure` with a message that says what was expected, what came
back and, when the result matches a classic mistake, which mistake it is. Nothing here implements a
graded function: expected values are passed in by the test cells.

A test cell reads::

    with checks.testing("sigmoid"):
        checks.expect_close(sigmoid(np.array([1.0, 2.0])), [0.7310585786, 0.8807970779], "sigmoid([1, 2])")

and prints one short line when every check inside passed.

In the student's own session the checks run in the notebook's kernel. When a notebook is graded they run in the
grading process instead (dlcourse.grading.judge): the student's functions are then called in the kernel through
the judge, and ``substituted``, ``watched``, ``rerun_answer`` and ``call_unchanged`` hand their work to it.
"""
import builtins
import contextlib
import contextvars
import copy
import difflib
import math
import numbers
import re
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

__all__ = [
    "CheckFailure", "testing", "expect_close", "expect_shape", "expect_keys", "expect_true", "expect_gradient",
    "numerical_gradient", "call_unchanged", "recorded", "elementwise", "substituted", "watched", "rerun_answer",
    "judging", "explain_error", "same", "unanswered", "namespace_of", "keys_near",
]

_array = np.array
_asarray = np.asarray
_abs = np.abs
_isfinite = np.isfinite
_isnan = np.isnan
_nanmax = np.nanmax
_sqrt = np.sqrt
_sum = np.sum
_ndarray = np.ndarray
_bool_ = np.bool_
_array_equal = np.array_equal
_zeros_like = np.zeros_like
_ndindex = np.ndindex
_deepcopy = copy.deepcopy
_isinstance = isinstance

# The judge grading this notebook, with the namespace its test cell runs in (None in a student's session).
_judge = contextvars.ContextVar("dlcourse_judge", default=None)


@contextlib.contextmanager
def judging(judge: Any, namespace: dict[str, Any]) -> Iterator[None]:
    """While a test cell runs in the grading process: the checks hand the notebook's side of their work to judge."""
    token = _judge.set((judge, namespace))
    try:
        yield
    finally:
        _judge.reset(token)


class CheckFailure(AssertionError):
    """A test found a wrong answer; the message explains what is wrong.

    student_error -- the exception the student's code raised, when that is what the test found (see testing())
    """

    student_error: BaseException | None = None

    def _render_traceback_(self) -> list[str]:
        """What IPython shows (in the notebook, in Validate, in feedback): the message first, then, when the
        student's code raised, where it did (the student's own frames, none of the tests')."""
        lines = [wrapped for line in f"{type(self).__name__}: {self}".splitlines() for wrapped in _wrap(line)]
        if self.student_error is not None:
            lines += ["", "Where your code raised it:", *_student_traceback(self.student_error)]
        return lines


def _wrap(line: str, width: int = 82) -> list[str]:
    """A message line cut at spaces into lines of at most ``width`` characters, continued under its text (Validate
    cuts longer lines short)."""
    if len(line) <= width:
        return [line]
    indent = len(line) - len(line.lstrip())
    hanging = " " * (indent + (len("Hint: ") if line.lstrip().startswith("Hint: ") else 2))
    return textwrap.wrap(line, width, subsequent_indent=hanging, break_long_words=False, break_on_hyphens=False,
                         drop_whitespace=True) or [line]


def _student_traceback(error: BaseException) -> list[str]:
    """The traceback of an exception without the frames of this package (the tests, the checks).

    In the judge the exception is a StudentError, whose traceback the kernel sent as text (the notebook's frames).
    """
    sent = getattr(error, "student_traceback", None)
    if sent is not None:
        return (sent if _isinstance(sent, list) else str(sent)).rstrip().splitlines()
    entries, traceback = [], error.__traceback__
    while traceback is not None:
        if _PACKAGE not in traceback.tb_frame.f_code.co_filename:
            entries.append(traceback)
        traceback = traceback.tb_next
    for entry, after in zip(entries, entries[1:] + [None]):
        entry.tb_next = after
    shell = getattr(builtins, "get_ipython", lambda: None)()
    if shell is not None and entries:
        return shell.InteractiveTB.structured_traceback(type(error), error, entries[0])
    import traceback as _traceback

    return "".join(_traceback.format_exception(type(error), error, entries[0] if entries else None)).splitlines()


def unanswered(function: str) -> str:
    """The message for a function that still raises NotImplementedError: which function to write."""
    return (f"{function} is not answered yet: it still raises NotImplementedError.\n"
            f"  Hint: replace `raise NotImplementedError()` in the cell of {function} by your code and run that cell.")


_state = {"count": 0}


@contextlib.contextmanager
def testing(name: str) -> Iterator[None]:
    """Group the checks of one graded function and print one line when all of them passed.

    An error the student's code raises while the checks run becomes a CheckFailure that explains it
    (see :func:`explain_error`).
    """
    __tracebackhide__ = True
    before = _state["count"]
    try:
        yield
    except CheckFailure:
        raise
    except Exception as error:  # noqa: BLE001 -- the student's code (or a value it returned) broke the test
        failure = CheckFailure(explain_error(error, name))
        if getattr(error, "ename", type(error).__name__) != "NotImplementedError":  # the message says it all then
            failure.student_error = error
        raise failure from None
    done = _state["count"] - before
    print(f"\u2714 {name}: all {done} check{'s' if done != 1 else ''} passed.")


def _fail(message):
    __tracebackhide__ = True
    raise CheckFailure(message)


def _passed():
    _state["count"] += 1


def _is_real_scalar(value):
    """True for Python and NumPy real numbers and 0-d numeric arrays (never for bool)."""
    if _isinstance(value, (bool, _bool_)):
        return False
    if _isinstance(value, numbers.Real):
        return True
    return _isinstance(value, _ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"


def _describe(value):
    """A short description of a value: its type and, for arrays, shape and dtype."""
    if _isinstance(value, _ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    if _is_real_scalar(value):
        return f"number {float(value):.6g}"
    return f"{type(value).__name__} {value!r:.60}"


def _preview(array, indent=12):
    """The first few values of an array, for messages; a matrix row under row, its rows indented by ``indent``
    spaces (the width of the label before it: "  expected: "), so that the columns line up."""
    values = _asarray(array, dtype=float)
    if values.ndim != 2:
        flat = values.ravel()
        text = ", ".join(f"{v:.6g}" for v in flat[:6])
        return f"[{text}{', ...' if flat.size > 6 else ''}]"
    shown = [[f"{v:.6g}" for v in row[:6]] for row in values[:4]]
    widths = [max(len(row[j]) for row in shown) for j in range(len(shown[0]))] if values.size else []
    rows = ["[" + ", ".join(v.rjust(w) for v, w in zip(row, widths)) + (", ..." if values.shape[1] > 6 else "") + "]"
            for row in shown]
    if values.shape[0] > 4:
        rows.append(f"... ({values.shape[0]} rows)")
    return "[" + (",\n" + " " * (indent + 1)).join(rows) + "]"


def _close(got, expected, rtol, atol):
    """Elementwise |got - expected| <= atol + rtol * |expected| for arrays of one shape."""
    if got.shape != expected.shape:
        return False
    return bool((_abs(got - expected) <= atol + rtol * _abs(expected)).all())


def _error_text(got, expected):
    """The largest error, relative to the largest expected magnitude (absolute when everything expected is 0)."""
    if not got.size:
        return "no values"
    error = float(_nanmax(_abs(got - expected))) if not _isnan(got).all() else float("nan")
    scale = float(_nanmax(_abs(expected)))
    if scale == 0:
        return f"largest absolute error {error:.3g}"
    return f"largest error {error / scale:.3g} relative to the largest expected value"


def _shape_hints(got_shape, expected_shape):
    """Name the classic mistakes that produce an array of the wrong shape."""
    if len(got_shape) == 1 and len(expected_shape) == 2 and 1 in expected_shape \
            and got_shape[0] == max(expected_shape):
        kind = "column" if expected_shape[1] == 1 else "row"
        return [f"you returned a rank-1 array of shape {got_shape}, but a {kind} vector of shape "
                f"{expected_shape} is asked: keep both dimensions (keepdims=True when you sum, "
                f"or .reshape{expected_shape})."]
    if tuple(got_shape) == tuple(expected_shape)[::-1]:
        return ["the shape is transposed: check the order of a matrix product (W @ A, not A @ W) "
                "or a missing/extra .T."]
    if len(got_shape) == len(expected_shape) == 2:
        reduced_expected = [axis for axis in (0, 1) if expected_shape[axis] == 1 and got_shape[axis] != 1]
        reduced_got = [axis for axis in (0, 1) if got_shape[axis] == 1 and expected_shape[axis] != 1]
        if reduced_expected and reduced_got:
            return [f"you reduced (summed or averaged) over axis {reduced_got[0]} instead of axis "
                    f"{reduced_expected[0]}: summed over the wrong axis."]
        if reduced_expected:
            return [f"the result still has {got_shape[reduced_expected[0]]} entries along axis "
                    f"{reduced_expected[0]}: a sum or mean over axis={reduced_expected[0]} "
                    f"(with keepdims=True) seems to be missing."]
    if math.prod(got_shape) == math.prod(expected_shape):
        return ["it has the right number of values in the wrong arrangement: check the reshape."]
    return []


def _value_hints(got, expected, m, mistakes):
    """Name the classic mistakes that produce wrong values of the right shape."""
    for name, wrong in (mistakes or {}).items():
        wrong = _asarray(wrong, dtype=float)
        if wrong.size == got.size and _close(got, wrong.reshape(got.shape), 1e-5, 1e-8):
            return [name]
    hints = []
    if _isnan(got).any() and not _isnan(expected).any():
        hints.append("the result contains NaN (not a number): it comes from an undefined operation such as 0/0, "
                     "inf - inf or the log or square root of a negative number, or from a NaN your code read.")
    if _close(got, -expected, 1e-5, 1e-8) and _abs(expected).max() > 0:
        hints.append("every value has the wrong sign: the sign is flipped.")
    elif got.ndim == 2 and got.shape[0] == got.shape[1] and _close(got, expected.T, 1e-5, 1e-8):
        hints.append("the result is the transpose of the expected one: a missing or extra .T?")
    nonzero = _abs(expected) > 1e-12
    if not hints and nonzero.any() and _isfinite(got).all():
        ratios = got[nonzero] / expected[nonzero]
        ratio = float(ratios.mean())
        if abs(ratio - 1) > 1e-3 and _close(ratios, ratios * 0 + ratio, 1e-4, 1e-12) \
                and _close(got[~nonzero], expected[~nonzero], 0, 1e-8):
            if m and abs(ratio - m) < 1e-3 * m:
                hints.append(f"the result is m = {m} times too large: did you forget the factor 1/m?")
            elif m and abs(ratio * m - 1) < 1e-3:
                hints.append(f"the result is m = {m} times too small: did you divide by m twice?")
            elif got.size > 1:
                hints.append(f"every value is {ratio:.4g} times the expected one: "
                             "a constant factor is missing or extra.")
    if not hints and got.size > 1 and _isfinite(got).all():
        offsets = got - expected
        offset = float(offsets.mean())
        if abs(offset) > 1e-8 and _close(offsets, offsets * 0 + offset, 1e-4, 1e-9):
            hints.append(f"every value is off by the same amount ({offset:+.4g}): "
                         "a term such as the bias is missing or extra.")
    return hints


def _message(what, expected_text, got_text, hints, extra=""):
    lines = [f"{what} is wrong.", f"  expected: {expected_text}", f"  got:      {got_text}"]
    if extra:
        lines.append(f"  {extra}")
    lines.extend(f"  Hint: {hint}" for hint in hints)
    return "\n".join(lines)


def expect_close(got: Any, expected: Any, what: str, *, rtol: float = 1e-6, atol: float = 1e-9, m: int | None = None,
                 mistakes: dict[str, Any] | None = None) -> None:
    """Check a number or array against the expected one: type, then shape, then values.

    what -- how to name the value in messages, e.g. "sigmoid(np.array([1, 2, 3]))"
    m -- the number of examples, when a factor m or 1/m is a classic mistake
    mistakes -- {hint: wrong value}: results of known mistakes, named when the answer matches one
    """
    __tracebackhide__ = True
    if _is_real_scalar(expected):
        _expect_scalar(got, float(expected), what, rtol, atol, m, mistakes)
        return
    expected = _array(expected, dtype=float)
    if _isinstance(got, (list, tuple)):
        _fail(_message(what, _describe(expected), _describe(got),
                       ["return a NumPy array (np.array / NumPy operations), not a Python list or tuple."]))
    if not _isinstance(got, _ndarray):
        hints = []
        if _is_real_scalar(got) and expected.ndim == 2:
            hints.append(f"an array of shape {expected.shape} is asked, not a single number: a sum without an axis "
                         "adds up everything; sum over the examples only (axis=1) and keep that axis (keepdims=True).")
        _fail(_message(what, _describe(expected), _describe(got), hints))
    if got.dtype.kind not in "biuf":
        _fail(_message(what, _describe(expected), _describe(got), ["the array should hold numbers."]))
    if got.shape != expected.shape:
        _fail(_message(what, f"shape {expected.shape}", f"shape {got.shape}",
                       _shape_hints(got.shape, expected.shape)))
    values = _array(got, dtype=float)
    if not _close(values, expected, rtol, atol):
        _fail(_message(what, _preview(expected), _preview(values), _value_hints(values, expected, m, mistakes),
                       f"{_error_text(values, expected)} (relative tolerance {rtol:g})"))
    _passed()


def _expect_scalar(got, expected, what, rtol, atol, m, mistakes):
    """Check a single number; float, NumPy scalars and 0-d arrays are all accepted."""
    __tracebackhide__ = True
    if not _is_real_scalar(got):
        hints = []
        if _isinstance(got, _ndarray) and got.size == 1:
            hints.append(f"a single number is asked, not an array of shape {got.shape}: "
                         "use float(...) or np.squeeze(...).")
        _fail(_message(what, f"a number close to {expected:.6g}", _describe(got), hints))
    value = _array([float(got)])
    wanted = _array([expected])
    if not _close(value, wanted, rtol, atol):
        _fail(_message(what, f"{expected:.10g}", f"{float(got):.10g}", _value_hints(value, wanted, m, mistakes),
                       f"{_error_text(value, wanted)} (relative tolerance {rtol:g})"))
    _passed()


def expect_shape(got: Any, shape: Sequence[int], what: str) -> None:
    """Check that ``got`` is a NumPy array of exactly this shape."""
    __tracebackhide__ = True
    shape = tuple(shape)
    if not _isinstance(got, _ndarray):
        _fail(_message(what, f"a NumPy array of shape {shape}", _describe(got), []))
    if got.shape != shape:
        _fail(_message(what, f"shape {shape}", f"shape {got.shape}", _shape_hints(got.shape, shape)))
    _passed()


def expect_keys(got: Any, keys: Iterable[str], what: str) -> None:
    """Check that ``got`` is a dict with exactly these keys."""
    __tracebackhide__ = True
    if not _isinstance(got, dict):
        _fail(_message(what, f"a dict with keys {sorted(keys)}", _describe(got), []))
    missing = sorted(set(keys) - set(got))
    extra = sorted(set(got) - set(keys))
    if missing or extra:
        hints = [f"missing {missing}" if missing else f"unexpected {extra}"]
        typos = [(wrong, near[0]) for wrong in extra
                 for near in [difflib.get_close_matches(str(wrong), [str(k) for k in missing], n=1)] if near]
        hints += [f"the key {wrong!r} looks like a typo: did you mean {right!r}?" for wrong, right in typos]
        _fail(_message(what, f"keys {sorted(keys)}", f"keys {sorted(got, key=str)}", hints))
    _passed()


def expect_true(condition: object, message: str) -> None:
    """Check a property (an invariant); ``message`` says what is wrong when it does not hold."""
    __tracebackhide__ = True
    if not bool(condition):
        _fail(message)
    _passed()


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Centered-difference gradient of the scalar function f at the array x (x is not modified)."""
    x = _array(x, dtype=float)
    grad = _zeros_like(x)
    for index in _ndindex(*x.shape):
        original = x[index]
        x[index] = original + eps
        above = float(f(x.copy()))
        x[index] = original - eps
        below = float(f(x.copy()))
        x[index] = original
        grad[index] = (above - below) / (2 * eps)
    return grad


def expect_gradient(analytic: Any, f: Callable[[np.ndarray], float], x: np.ndarray, what: str, *, tol: float = 1e-6,
                    m: int | None = None) -> None:
    """Check a backward pass against centered differences of the student's own forward pass.

    analytic -- the gradient the student's backward function computed, same shape as x
    f -- the cost as a function of x alone (built from the student's forward pass)
    """
    __tracebackhide__ = True
    numerical = numerical_gradient(f, x)
    if not _isinstance(analytic, _ndarray) and not _is_real_scalar(analytic):
        _fail(_message(what, f"an array of shape {numerical.shape}", _describe(analytic), []))
    got = _array(analytic, dtype=float)
    if got.shape != numerical.shape:
        _fail(_message(what, f"shape {numerical.shape} (the shape of what it differentiates)",
                       f"shape {got.shape}", _shape_hints(got.shape, numerical.shape)))
    difference = float(_sqrt(_sum((got - numerical) ** 2)))
    size = float(_sqrt(_sum(got ** 2)) + _sqrt(_sum(numerical ** 2)))
    relative = difference / size if size > 0 else difference
    if not relative <= tol:
        _fail(_message(f"{what} (gradient check)", f"numerical gradient {_preview(numerical, 12 + 19)}",
                       _preview(got), _value_hints(got, numerical, m, None),
                       f"relative difference {relative:.3g} between your gradient and centered "
                       f"differences of the cost (tolerance {tol:g})"))
    _passed()


def _same(before, after):
    """True when a value equals its earlier deep copy (arrays compared exactly, NaN equal to NaN)."""
    if _isinstance(before, _ndarray):
        return (_isinstance(after, _ndarray) and before.shape == after.shape and before.dtype == after.dtype
                and _array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
    if _isinstance(before, dict):
        return (_isinstance(after, dict) and before.keys() == after.keys()
                and all(_same(before[k], after[k]) for k in before))
    if _isinstance(before, (list, tuple)):
        return (type(before) is type(after) and len(before) == len(after)
                and all(_same(b, a) for b, a in zip(before, after)))
    try:
        return bool(before == after)
    except Exception:
        return True


def same(a: Any, b: Any) -> bool:
    """True when two values are equal: arrays exactly (same shape and dtype), dicts, lists and tuples item by item."""
    return _same(a, b)


def call_unchanged(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` and fail if it modified any of its arguments in place; return its result."""
    __tracebackhide__ = True
    if getattr(func, "__dlcourse_remote__", False):  # a notebook's function called by the judge
        result, changed = func.call_reporting_changes(*args, **kwargs)
    else:
        copies = _deepcopy((args, kwargs))
        result = func(*args, **kwargs)
        named = [(f"argument {i + 1}", before, after) for i, (before, after) in enumerate(zip(copies[0], args))]
        named += [(f"argument {k!r}", copies[1][k], kwargs[k]) for k in kwargs]
        changed = [label for label, before, after in named if not _same(before, after)]
    for label in changed[:1]:
        _fail(f"{getattr(func, '__name__', 'the function')} changed its {label} in place.\n"
                  "  Hint: graded functions must leave their inputs as they were. Build new arrays "
                  "(x = x / n) instead of updating in place (x /= n, x[...] = ..., dict[key] = ...), "
                  "or work on a copy.")
    _passed()
    return result


def _matches(given, known):
    """True when an argument equals a recorded one: numbers and arrays within 1e-9, anything else by ==."""
    if _isinstance(known, _ndarray) or _is_real_scalar(known):
        try:
            given = _array(given, dtype=float)
        except (TypeError, ValueError):
            return False
        known = _array(known, dtype=float)
        return given.shape == known.shape and _close(given, known, 1e-9, 1e-12)
    return _same(known, given)


def _nearest_call(given, known_calls):
    """How a call, bound to parameter names, differs from the nearest of the calls a stand-in knows."""
    def differences(known):
        return [key for key, value in known.items() if not _matches(given.get(key), value)]

    if not known_calls:
        return "it knows no call at all"
    known = min(known_calls, key=lambda k: len(differences(k)))
    wrong = differences(known)
    swapped = [(a, b) for i, a in enumerate(wrong) for b in wrong[i + 1:]
               if _matches(given.get(a), known[b]) and _matches(given.get(b), known[a])]
    if swapped:
        a, b = swapped[0]
        return f"{a} and {b} are swapped (this test passes {a}={_describe(known[a])}, {b}={_describe(known[b])})"
    return "; ".join(f"{key} is {_describe(given.get(key))} where this test passes {_describe(known[key])}"
                     if not (_isinstance(known[key], _ndarray) and np.shape(given.get(key)) == known[key].shape)
                     else f"{key} holds other values than this test passes" for key in wrong)


def recorded(name: str, calls: Sequence[tuple[Any, Any]], like: Callable[..., Any] | None = None,
             at_most: int | None = None) -> Callable[..., Any]:
    """A stand-in for a function that knows only some calls, so a test can judge a caller on its own.

    calls -- [(arguments, result), ...]; arguments is a tuple of positional arguments or, with ``like``,
             a dict {parameter name: value} checked after binding each call to like's signature (so
             positional and keyword calls both match; parameters left out of the dict are not compared)
    like -- a function with the signature to bind calls to (e.g. the function being replaced)
    at_most -- fail when the stand-in is called more than this many times (e.g. a loop that runs too often)
    """
    import inspect

    signature = inspect.signature(like) if like is not None else None
    count = [0]

    def stand_in(*args, **kwargs):
        __tracebackhide__ = True
        count[0] += 1
        if at_most is not None and count[0] > at_most:
            _fail(f"{name} was called more than {at_most} time{'s' if at_most != 1 else ''}: this test expects "
                  f"at most {at_most}.\n  Hint: check how many times your loop runs.")
        if signature is not None:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as error:
                _fail(f"{name} was called with arguments that do not fit its signature {signature}: {error}")
            bound.apply_defaults()
            given = bound.arguments
        for known, result in calls:
            if signature is not None:
                fits = all(_matches(given[key], value) for key, value in known.items())
            else:
                fits = not kwargs and len(known) == len(args) and all(_matches(a, k) for a, k in zip(args, known))
            if fits:
                return _deepcopy(result)
        if signature is None:
            shown = ", ".join([_describe(a) for a in args] + [f"{k}={_describe(v)}" for k, v in kwargs.items()])
            hint = f"check what you pass to {name}."
        else:
            shown = ", ".join(f"{k}={_describe(v)}" for k, v in given.items())
            hint = f"check what you pass to {name}: {_nearest_call(given, [known for known, _ in calls])}."
        _fail(f"this test replaced {name} by a stand-in that knows only the test's own calls, and it was "
              f"called with other arguments: {shown}.\n  Hint: {hint}")

    stand_in.__name__ = name
    return stand_in


def elementwise(name: str, inputs: Any, outputs: Any, mirror: Callable[[Any], Any] | None = None) -> Callable[..., Any]:
    """A stand-in for an elementwise function (sigmoid, relu, ...) that knows its values at some points.

    It accepts a number or an array of any shape and arrangement (a row, a column, a transpose, a matrix)
    whose every element is one of ``inputs`` (or, with ``mirror``, minus one of them) and returns the known
    outputs in the same shape, so every correct way of calling the function it replaces gets the right values.
    mirror -- f(-x) as a function of f(x) where the function is symmetric in a known way (sigmoid: 1 - y)
    """
    known_in = _array(inputs, dtype=float).ravel()
    known_out = _array(outputs, dtype=float).ravel()
    if mirror is not None:
        known_in, known_out = np.concatenate([known_in, -known_in]), np.concatenate([known_out, mirror(known_out)])

    def stand_in(*args, **kwargs):
        __tracebackhide__ = True
        values = list(args) + list(kwargs.values())
        if len(values) != 1:
            _fail(f"{name} takes one argument (an array); it was called with {len(values)}.")
        try:
            given = _array(values[0], dtype=float)
        except (TypeError, ValueError):
            _fail(f"{name} was called with {_describe(values[0])}: it takes a number or an array of numbers.")
        flat = given.ravel()
        distance = _abs(flat[:, None] - known_in[None, :])
        nearest = distance.argmin(axis=1) if known_in.size else np.zeros(flat.size, dtype=int)
        fits = distance[np.arange(flat.size), nearest] <= 1e-9 + 1e-7 * _abs(flat) if flat.size else []
        if flat.size and not bool(np.all(fits)):
            _fail(f"this test replaced {name} by a stand-in that knows its values only at the points this test "
                  f"should reach, and it was called with {_describe(given)}:\n    {_preview(given, 4)}\n"
                  f"  Hint: the values you pass to {name} are wrong; check what you compute before calling {name}.")
        result = known_out[nearest].reshape(given.shape)
        return result if given.ndim else float(result)

    stand_in.__name__ = name
    return stand_in


def namespace_of(function: Callable[..., Any]) -> dict[str, Any]:
    """The namespace a notebook's function reads its names from, for :func:`substituted` and :func:`rerun_answer`.

    In a student's session: the notebook's globals(). While judging: the test cell's namespace in the judge, whose
    substitutions the judge puts in place in the kernel.
    """
    judged = _judge.get()
    if judged is not None:
        return judged[1]
    namespace = getattr(function, "__globals__", None)
    if namespace is None:
        _fail(f"{getattr(function, '__name__', repr(function))} should be a function defined with def in the notebook.")
    return namespace


@contextlib.contextmanager
def substituted(namespace: dict[str, Any], **replacements: Any) -> Iterator[None]:
    """Temporarily replace names in a namespace (the notebook's globals()), then restore them."""
    judged = _judge.get()
    if judged is not None and namespace is judged[1]:
        with judged[0].substituting(replacements):
            yield
        return
    saved = {name: namespace[name] for name in replacements if name in namespace}
    namespace.update(replacements)
    try:
        yield
    finally:
        for name in replacements:
            if name in saved:
                namespace[name] = saved[name]
            else:
                namespace.pop(name, None)


def watched(func: Callable[..., Any], like: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """Wrap a function so that a test can see how it was called; the wrapper returns func's result unchanged.

    The wrapper's ``calls`` list gets one dict per call, {parameter name: value} bound to like's signature (default:
    func's) with defaults filled in, each value copied as it was when the call was made. Use it to count calls
    (a training loop that ignores num_iterations) or to check their order and arguments (layers visited
    backwards, the dA handed to the output layer). A call that does not fit the signature fails.
    """
    import inspect

    judged = _judge.get()
    if judged is not None:
        return judged[0].watch(func, like)
    signature = inspect.signature(like if like is not None else func)
    name = getattr(like if like is not None else func, "__name__", "the function")

    def watcher(*args, **kwargs):
        __tracebackhide__ = True
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as error:
            _fail(f"{name} was called with arguments that do not fit its signature {signature}: {error}")
        bound.apply_defaults()
        watcher.calls.append(_deepcopy(dict(bound.arguments)))
        return func(*args, **kwargs)

    watcher.calls = []
    watcher.__name__ = getattr(func, "__name__", name)
    return watcher


_cells_run = []


def _remember_cell(info):
    _cells_run.append(info.raw_cell)


def _watch_cells():
    """Record every cell the IPython kernel runs (also when the runner keeps no history, as nbval does)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.events.register("pre_run_cell", _remember_cell)


_watch_cells()


def _name_unanswered(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> None:
    """IPython's display of a NotImplementedError (a 'try it' cell, Run All): when a function defined in a cell
    raised it, which function to write comes first, then the usual traceback."""
    stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset)
    last = tb
    while last is not None and last.tb_next is not None:
        last = last.tb_next
    if last is not None and "ipykernel_" in last.tb_frame.f_code.co_filename:
        stb = [f"NotImplementedError: {unanswered(_raised_in(value) or 'a function')}", *stb]
    shell._showtraceback(etype, value, stb)


def _explain_unanswered() -> None:
    """In an IPython kernel, show unanswered functions by name."""
    shell = getattr(builtins, "get_ipython", lambda: None)()
    if shell is not None:
        shell.set_custom_exc((NotImplementedError,), _name_unanswered)


_explain_unanswered()


def rerun_answer(names: Sequence[str], scope: dict[str, Any], history: Sequence[str] | None = None) -> dict[str, Any]:
    """Run a student's answer cell again on other data; return the names it defines.

    history -- the inputs run so far (default: the cells run in this kernel since the checks were imported);
               the latest one that defines every name in ``names``
               when run in a copy of ``scope`` (other data of other sizes; ``names`` themselves removed)
               is the answer
    Proves that an answer reads sizes and values from the data instead of typing them in.
    """
    __tracebackhide__ = True
    judged = _judge.get()
    if judged is not None:
        return judged[0].rerun(names, scope, history)
    for source in reversed(_cells_run if history is None else history):
        if "checks." in source or not all(name in source for name in names):
            continue
        trial = {key: value for key, value in scope.items() if key not in names}
        try:
            exec(source, trial)
        except Exception:
            continue
        if all(name in trial for name in names):
            return {name: trial[name] for name in names}
    _fail(f"no cell you ran defines {', '.join(names)} when run on other data: define them from the arrays' shapes.")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_PACKAGE = __file__.rsplit("/", 1)[0]
_GRADING = f"{_PACKAGE}/grading/"


def _raised_in(error):
    """The name of the innermost function of the notebook the error passed through, or None.

    Works on a local exception (its traceback) and on a StudentError of the judge (its traceback text), so both
    modes name the same function. Frames of libraries (NumPy, this package) are not the notebook's.
    """
    lines = getattr(error, "student_traceback", None)
    if lines is not None:
        text = _ANSI.sub("", "\n".join(lines) if _isinstance(lines, list) else str(lines))
        frames = re.findall(r'File "([^"]*)", line \d+, in (\S+)', text)
    else:
        frames, traceback = [], error.__traceback__
        while traceback is not None:
            code = traceback.tb_frame.f_code
            frames.append((code.co_filename, code.co_name))
            traceback = traceback.tb_next
    names = [name for filename, name in frames
             if not name.startswith("<") and "site-packages" not in filename and _PACKAGE not in filename
             and "/lib/python" not in filename]
    return names[-1] if names else None


def keys_near(error: BaseException, skip: str | None = None) -> set[str]:
    """Keys of the dicts in the frames an exception passed through in this process (for did-you-mean).

    skip -- leave out the frames of files whose path contains this (the grading machinery's own dicts)
    """
    keys, traceback = set(), error.__traceback__
    while traceback is not None:
        if skip is not None and skip in traceback.tb_frame.f_code.co_filename:
            traceback = traceback.tb_next
            continue
        for value in list(traceback.tb_frame.f_locals.values()) + list(traceback.tb_frame.f_globals.values()):
            if _isinstance(value, dict) and len(value) < 40 and all(_isinstance(k, str) for k in value):
                if not any(k.startswith("__") for k in value):
                    keys |= set(value)
        traceback = traceback.tb_next
    return keys


def _shapes(text):
    return [tuple(int(n) for n in re.findall(r"\d+", group)) for group in re.findall(r"\(([\d,\s]*)\)", text)]


def _transposes(left, right):
    """Which transposed or reordered product would fit two 2-D shapes that do not multiply."""
    if len(left) != 2 or len(right) != 2:
        return ""
    fits = [(left[0] == right[0], "transpose the left one (A.T @ B)"),
            (left[1] == right[1], "transpose the right one (A @ B.T)"),
            (right[1] == left[0], "swap the order (B @ A)")]
    found = [text for ok, text in fits if ok]
    return f" Here a product would fit if you {' or '.join(found)}." if found else ""


def explain_error(error: BaseException, name: str) -> str:
    """A message, in the student's terms, for an exception raised while the checks of ``name`` ran.

    error -- the exception; in the judge a StudentError, whose ename and evalue are the student's exception's
    """
    ename = getattr(error, "ename", type(error).__name__)
    evalue = str(getattr(error, "evalue", error))
    where = _raised_in(error)
    head = f"{name}: your code raised {ename}: {evalue}" + (f" (in {where})" if where else "")
    hint = None
    if ename == "NotImplementedError":
        return unanswered(where or name)
    if "could not be broadcast together" in evalue:
        shapes = _shapes(evalue.split("shapes", 1)[-1])
        detail = " and ".join(str(s) for s in shapes)
        hint = (f"NumPy cannot combine arrays of shapes {detail} elementwise. A sum, mean or norm over an axis drops "
                "that axis, so (n, m) summed over axis=1 has shape (n,), which does not line up with the rows: "
                "keep the axis with keepdims=True (shape (n, 1)) so that it broadcasts.")
        two = [s for s in shapes if len(s) == 2]
        one = [s for s in shapes if len(s) == 1]
        if two and one and one[0][0] == two[0][1] and two[0][0] != two[0][1]:
            hint = (f"NumPy cannot combine arrays of shapes {detail} elementwise. Check the axis you reduced over "
                    "and keep it with keepdims=True.")
    elif ("only 0-dimensional arrays" in evalue or "only size-1 arrays" in evalue
          or "only length-1 arrays" in evalue):
        hint = ("a NumPy array was used where Python needs a single number: the functions of the math module "
                "(math.exp, math.log, ...) take single numbers only, use np.exp, np.log, ... on arrays; and float(x) "
                "needs x to hold exactly one value (np.squeeze(x), or check that you summed everything).")
    elif "bitwise_xor" in evalue or ("unsupported operand" in evalue and "^" in evalue):
        hint = "in Python ^ is the bitwise exclusive or, not a power: write x ** 2 (or np.square(x))."
    elif ename == "KeyError":
        key = evalue.strip("'\"")
        # In the judge the exception came from the kernel, which sent the keys near it in the notebook's frames.
        sent = getattr(error, "keys_near", None)
        known = keys_near(error, skip=_GRADING) | ({str(k) for k in sent} if _isinstance(sent, list) else set())
        same_letters = [k for k in sorted(known) if k != key and k.lower() == key.lower()]  # dw1 for dW1
        near = same_letters or difflib.get_close_matches(key, sorted(known - {key}), n=1)
        hint = f"a dict has no key {evalue}" + (f": did you mean '{near[0]}'?" if near else
                                                 ": check the spelling of the keys you write and read.")
    elif "not aligned" in evalue or "mismatch in its core dimension" in evalue or "matmul" in evalue:
        shapes = _shapes(evalue.split("not aligned")[0]) if "not aligned" in evalue else []
        detail = f" ({shapes[0]} and {shapes[1]})" if len(shapes) >= 2 else ""
        hint = (f"a matrix product of arrays whose inner sizes differ{detail}: the left matrix needs as many columns "
                "as the right one has rows. Check the order of the product and a missing or extra .T (W @ A, W.T @ dZ)."
                + (_transposes(shapes[0], shapes[1]) if len(shapes) >= 2 else ""))
    elif "too many values to unpack" in evalue or "not enough values to unpack" in evalue:
        hint = "a tuple was unpacked into the wrong number of names: check what the function you call returns."
    elif "not supported between instances of" in evalue or "not subscriptable" in evalue:
        hint = "a value of the wrong kind reached this line: check the order of the arguments you pass."
    elif ename in ("ZeroDivisionError", "FloatingPointError", "OverflowError"):
        hint = "a division by zero or an overflow: check the denominators and what you pass to exp."
    if hint is None:
        return head
    return f"{head}\n  Hint: {hint}"
