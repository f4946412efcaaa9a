"""Values as plain data: how a grading kernel hands results to the judge, and the judge inputs to the kernel.

Only numbers, strings, booleans, None, NumPy arrays and scalars of built-in numeric dtypes, and lists, tuples,
dicts and sets of those travel; they are written as JSON (arrays as base64 of their bytes) and read back without
pickle and without running any code of the side that wrote them. Anything else arrives as an :class:`Opaque`
that names its type, so a check can say what came back instead of comparing it.
"""

import base64
import json
import math
from typing import Any

import numpy as np

# Dtypes that may travel (little-endian, no objects, no strings): what graded functions return.
DTYPES = frozenset(
    [
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    ]
)
MAX_BYTES = 64 * 1024 * 1024  # the largest message either side accepts
MAX_DEPTH = 64


class WireError(ValueError):
    """A message is not valid plain data (too large, too deep, malformed)."""


class Opaque:
    """A value that could not travel as data: only its type name (and a short text) arrive."""

    def __init__(self, type_name, text=""):
        self.type_name, self.text = type_name, text

    def __repr__(self):
        return f"<{self.type_name} object{': ' + self.text if self.text else ''}>"

    def __eq__(self, other):
        return isinstance(other, Opaque) and (self.type_name, self.text) == (other.type_name, other.text)

    __hash__ = None


def _float(value):
    """A float as JSON: finite numbers as they are, nan and infinities as text."""
    return value if math.isfinite(value) else {"float": repr(value)}


def encode(value: Any, depth: int = 0) -> Any:
    """A JSON-able description of value (see the module's docstring)."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return {"int": str(value)}
    if kind is float:
        return _float(value)
    if kind is np.ndarray or isinstance(value, np.generic):
        array = np.asarray(value)
        name = array.dtype.name
        if name not in DTYPES:
            return {"opaque": f"array of dtype {name}", "text": ""}
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        described = {"dtype": name, "shape": list(array.shape), "data": base64.b64encode(data).decode()}
        return {("scalar" if isinstance(value, np.generic) else "array"): described}
    if kind in (list, tuple):
        return {kind.__name__: [encode(item, depth + 1) for item in value]}
    if kind in (set, frozenset):
        return {"set": [encode(item, depth + 1) for item in value]}
    if kind is dict:
        return {"dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    return {"opaque": kind.__name__, "text": ""}


def _array(described, scalar):
    if not isinstance(described, dict) or set(described) != {"dtype", "shape", "data"}:
        raise WireError("malformed array")
    name, shape = described["dtype"], described["shape"]
    if name not in DTYPES or not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("malformed array header")
    data = base64.b64decode(described["data"], validate=True)
    dtype = np.dtype(name).newbyteorder("<")
    if len(data) != math.prod(shape) * dtype.itemsize:
        raise WireError("array data does not match its shape")
    array = np.frombuffer(data, dtype=dtype).astype(name).reshape(shape)
    if scalar:
        if shape:
            raise WireError("a scalar has no shape")
        return array[()]
    return array


def decode(data: Any, depth: int = 0) -> Any:
    """The value an :func:`encode` result describes; raises WireError on anything else."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if data is None or type(data) in (bool, str, float):
        return data
    if type(data) is int:  # JSON numbers without a fraction, as a peer may send them
        return data
    if type(data) is not dict or len(data) not in (1, 2):
        raise WireError(f"unexpected {type(data).__name__} in a message")
    if "opaque" in data:
        return Opaque(str(data["opaque"])[:80], str(data.get("text", ""))[:200])
    ((key, inner),) = data.items()
    if key == "int":
        return int(inner)
    if key == "float":
        if inner not in ("nan", "inf", "-inf"):
            raise WireError("malformed float")
        return float(inner)
    if key in ("array", "scalar"):
        return _array(inner, key == "scalar")
    if type(inner) is not list:
        raise WireError(f"malformed {key}")
    if key == "list":
        return [decode(item, depth + 1) for item in inner]
    if key == "tuple":
        return tuple(decode(item, depth + 1) for item in inner)
    if key == "set":
        items = [decode(item, depth + 1) for item in inner]
        try:
            return set(items)
        except TypeError:
            raise WireError("unhashable item in a set") from None
    if key == "dict":
        result = {}
        for pair in inner:
            if type(pair) is not list or len(pair) != 2:
                raise WireError("malformed dict")
            k = decode(pair[0], depth + 1)
            try:
                result[k] = decode(pair[1], depth + 1)
            except TypeError:
                raise WireError("unhashable dict key") from None
        return result
    raise WireError(f"unknown kind {key!r}")


def dumps(value: Any) -> str:
    """value as a JSON text."""
    text = json.dumps(encode(value), allow_nan=False, separators=(",", ":"))
    if len(text) > MAX_BYTES:
        raise WireError(f"value too large to send ({len(text) // 1048576} MiB)")
    return text


def loads(text: str) -> Any:
    """The value a :func:`dumps` text describes; raises WireError on anything else."""
    if not isinstance(text, str) or len(text) > MAX_BYTES:
        raise WireError("message too large or not text")
    try:
        data = json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(WireError(name)))
    except (json.JSONDecodeError, RecursionError) as error:
        raise WireError(f"malformed message: {error}") from None
    return decode(data)
