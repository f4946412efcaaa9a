"""What the weekly quizzes' test cells call: read an answer as what it means, check its form, judge it.

Question ``q3`` of a quiz is answered by assigning a variable ``q3`` in its answer cell. Each question expects
one form of answer (:data:`FORMS`). Spelling never costs a point: ``"B"`` means ``"b"``, a list or tuple of
letters means the set of them, ``3.0`` means ``3``, a list means a shape. A visible test cell checks the form
only::

    quiz.check_form("q3", "letter", globals())

and the hidden test, which only the graders have, judges the value with ``quiz.judge``. Its message for a
wrong answer explains why the chosen answer is wrong and never names the right one. Nothing here knows an
answer: keys are passed in by the hidden tests.
"""

import builtins
import math
import numbers
import sys
import types
from typing import Any

import numpy as np

from dlcourse.checks import CheckFailure

# A private copy of the builtins, as in dlcourse.checks: a notebook rebinding builtins.isinstance (say) cannot
# change how answers are read.
__builtins__ = dict(vars(builtins))

__all__ = ["FORMS", "read", "check_form", "judge"]

LETTERS = "abcdef"

# Each form: what it is called in messages, and an example written as an answer.
FORMS = {
    "letter": ("one letter from 'a' to 'f'", '"b"'),
    "letters": ("a set of letters from 'a' to 'f' (every option that applies)", '{"a", "c"}'),
    "int": ("a whole number", "12"),
    "shape": ("a shape: a tuple of whole numbers", "(3, 1)"),
    "float": ("a number", "0.25"),
    "bool": ("True or False", "True"),
}

_UNANSWERED = object()


class _Malformed(Exception):
    """An answer that is not of the expected form; the message says what it is instead."""


def _describe(value):
    text = repr(value) if type(value) in (str, int, float, bool, tuple, list, set, frozenset, dict) else None
    if text is None:
        text = f"an object of type {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def _letter(value):
    if not isinstance(value, str):
        raise _Malformed(f"{_describe(value)} is not a letter in quotes")
    text = str.lower(str.strip(value)).strip("()[]{}.,:;'\" ")
    if len(text) != 1 or text not in LETTERS:
        raise _Malformed(f"{_describe(value)} is not one of the letters a to f")
    return text


def _letters(value):
    if isinstance(value, str):
        text = str.lower(str(value))
        for separator in ",;/+&":
            text = text.replace(separator, " ")
        items = text.split()
        if len(items) == 1 and len(items[0]) > 1 and all(ch in LETTERS for ch in items[0]):
            items = list(items[0])
    elif isinstance(value, (set, frozenset, list, tuple)):
        items = list(value)
    else:
        raise _Malformed(f"{_describe(value)} is not a set of letters")
    try:
        return frozenset(_letter(item) for item in items)
    except _Malformed as problem:
        raise _Malformed(f"{_describe(value)} holds something that is not a letter: {problem}") from None


def _int(value):
    number = _float(value)
    if number != math.floor(number):
        raise _Malformed(f"{_describe(value)} is not a whole number")
    return int(number)


def _shape(value):
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if not isinstance(value, (tuple, list)):
        hint = " (a shape with one axis is written (n,))" if isinstance(value, numbers.Number) else ""
        raise _Malformed(f"{_describe(value)} is not a tuple of whole numbers{hint}")
    try:
        return tuple(_int(item) for item in value)
    except _Malformed as problem:
        raise _Malformed(f"{_describe(value)} holds something that is not a whole number: {problem}") from None


def _float(value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise _Malformed(f"{_describe(value)} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise _Malformed(f"{_describe(value)} is not a finite number")
    return number


def _bool(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str) and str.lower(str.strip(value)) in ("true", "false"):
        return str.lower(str.strip(value)) == "true"
    raise _Malformed(f"{_describe(value)} is not True or False")


_READERS = {"letter": _letter, "letters": _letters, "int": _int, "shape": _shape, "float": _float, "bool": _bool}


def _expected(name, form):
    what, example = FORMS[form]
    return f"{name} should be {what}, for example {name} = {example}"


def read(name: str, form: str, namespace: dict[str, Any]) -> Any:
    """The answer ``namespace[name]`` as what it means in the given form (a str, frozenset, int, tuple, float or
    bool); raises CheckFailure saying which form is expected when it is missing or of another form."""
    __tracebackhide__ = True
    if form not in _READERS:
        raise ValueError(f"unknown answer form {form!r}; forms are {', '.join(FORMS)}")
    value = namespace.get(name, _UNANSWERED) if isinstance(namespace, dict) else _UNANSWERED
    if value is _UNANSWERED or value is None or value is Ellipsis:
        raise CheckFailure(f"{name} is not answered yet: {_expected(name, form)}.")
    try:
        return _READERS[form](value)
    except _Malformed as problem:
        raise CheckFailure(f"{name} is not in the expected form: {problem}.\n  {_expected(name, form)}.") from None


def check_form(name: str, form: str, namespace: dict[str, Any]) -> None:
    """Visible test of a quiz question: the answer exists and has the expected form (its value is not judged)."""
    __tracebackhide__ = True
    read(name, form, namespace)
    print(f"\u2714 {name}: the form is right ({FORMS[form][0]}). Your answer is judged when the quiz is graded.")


def _shown(form, value):
    if form == "letter":
        return f"({value})"
    if form == "letters":
        return "{" + ", ".join(f"({v})" for v in sorted(value)) + "}" if value else "no option"
    return repr(value)


def judge(
    name: str,
    form: str,
    namespace: dict[str, Any],
    key: Any,
    why: dict[Any, str] | None = None,
    otherwise: str = "",
    tolerance: float = 1e-3,
) -> None:
    """Hidden test of a quiz question: pass when the answer means ``key``; otherwise fail with a message that
    explains why the chosen answer is wrong, without naming the right one.

    why       -- {option or value: why it is wrong}; for a set of letters, each wrongly chosen option is
                 explained, and a choice missing right options is told so without naming them
    otherwise -- explanation for a wrong value that ``why`` does not list (numbers, shapes)
    tolerance -- relative tolerance of a "float" answer
    """
    __tracebackhide__ = True
    answer = read(name, form, namespace)
    why = why or {}
    if form == "letters":
        key = frozenset(key)
        right = answer == key
        reasons = [
            f"({option}) {why.get(option, 'is not one of the right options.')}" for option in sorted(answer - key)
        ]
        if not right and not reasons:
            reasons = ["every option you chose is right, but at least one more option is right too."]
    elif form == "float":
        right = math.isclose(answer, key, rel_tol=tolerance, abs_tol=tolerance * 1e-3)
        reasons = [
            next(
                (
                    text
                    for value, text in why.items()
                    if math.isclose(answer, value, rel_tol=tolerance, abs_tol=tolerance * 1e-3)
                ),
                otherwise,
            )
        ]
    else:
        right = answer == key
        reasons = [why.get(answer, otherwise)]
    if right:
        print(f"\u2714 {name}: right.")
        return
    reasons = [reason for reason in reasons if reason] or ["it does not fit the question."]
    message = f"{name}: your answer {_shown(form, answer)} is wrong: " + " ".join(reasons)
    raise CheckFailure(message)


class _ReadOnlyModule(types.ModuleType):
    """This module refuses attribute assignment, so ``quiz.judge = ...`` raises instead of faking a pass."""

    def __setattr__(self, name, value):
        raise AttributeError(f"dlcourse.quiz is read-only: '{name}' cannot be replaced")

    def __delattr__(self, name):
        raise AttributeError(f"dlcourse.quiz is read-only: '{name}' cannot be deleted")


sys.modules[__name__].__class__ = _ReadOnlyModule
