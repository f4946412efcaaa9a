"""Values as plain data: how a grading kernel hands results to the judge, and the judge inputs to the kernel.

Only numbers, strings, booleans, None, NumPy arrays and scalars of built-in numeric dtypes, and lists, tuples,
dicts and sets of those travel; they are read back without pickle and without running any code of the side that
wrote them. Anything else arrives as an :class:`Opaque` that names its type, so a check can say what came back
instead of comparing it.

A message on a stream socket is a header (the sizes of its parts), a JSON description of the value, then the raw
bytes of each array it holds: arrays travel as they are in memory (in C order, or in Fortran order when they lie so,
as transposed arrays do), never as text, and the reader refuses a message larger than MAX_BYTES before reading it.
"""

import inspect
import json
import math
import socket
import struct
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
LITTLE_ENDIAN = {np.dtype(name).newbyteorder("<"): name for name in DTYPES}  # as arrays travel
MAX_BYTES = 64 * 1024 * 1024  # the largest message either side accepts
MAX_DEPTH = 64
MAX_ARRAYS = 100_000  # arrays in one message
SMALL_BYTES = 1 << 16  # arrays up to this size in all are sent in one write with the message
HEADER = struct.Struct("!II")  # bytes of the JSON description, number of arrays (each then has its size, 8 bytes)


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


def encode(value: Any, buffers: list, depth: int = 0) -> Any:
    """A JSON-able description of value; the bytes of its arrays are appended to buffers (see the docstring)."""
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
        array = value if kind is np.ndarray else np.asarray(value)
        name = LITTLE_ENDIAN.get(array.dtype)
        if name is None:  # another byte order, or a dtype that does not travel
            name = array.dtype.name
            if name not in DTYPES:
                return {"opaque": f"array of dtype {name}", "text": ""}
            array = array.astype(array.dtype.newbyteorder("<"))
        described = {"dtype": name, "shape": list(array.shape), "buffer": len(buffers)}
        if array.flags.c_contiguous:
            data = array
        elif array.flags.f_contiguous:  # a transposed array travels as it is, not transposed into C order
            data, described["order"] = array.T, "F"
        else:
            data = np.ascontiguousarray(array)
        buffers.append(data.reshape(-1).view(np.uint8).data if data.size else b"")
        return {("scalar" if isinstance(value, np.generic) else "array"): described}
    if kind in (list, tuple):
        return {kind.__name__: [encode(item, buffers, depth + 1) for item in value]}
    if kind in (set, frozenset):
        return {"set": [encode(item, buffers, depth + 1) for item in value]}
    if kind is dict:
        return {"dict": [[encode(k, buffers, depth + 1), encode(v, buffers, depth + 1)] for k, v in value.items()]}
    return {"opaque": kind.__name__, "text": ""}


def is_plain(value: Any) -> bool:
    """True when value travels whole: nothing in it would arrive as an Opaque."""
    try:
        return "opaque" not in json.dumps(encode(value, []))
    except WireError:
        return False


def snapshot(value: Any, depth: int = 0) -> Any:
    """value as it is now: containers rebuilt and arrays copied, so that later changes in place do not show."""
    kind = type(value)
    if depth > MAX_DEPTH:
        return value  # refused when encoded
    if kind is np.ndarray:
        return value.copy(order="K")  # in its own layout: a transposed array is not transposed into C order
    if kind in (list, tuple):
        return kind(snapshot(item, depth + 1) for item in value)
    if kind is dict:
        return {key: snapshot(item, depth + 1) for key, item in value.items()}
    if kind in (set, frozenset):
        return kind(value)
    return value


def signature(function: Any) -> list | None:
    """[(name, kind, has default, default)] of a function's parameters (a default that cannot travel as data
    becomes None), or None when it has no signature."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    described = []
    for p in parameters:
        default = p.default if p.default is not inspect.Parameter.empty and is_plain(p.default) else None
        described.append((p.name, p.kind.name, p.default is not inspect.Parameter.empty, default))
    return described


def make_signature(described: list) -> inspect.Signature:
    """The inspect.Signature a :func:`signature` result describes (raises ValueError or TypeError on others)."""
    kinds = inspect.Parameter
    return inspect.Signature(
        [
            kinds(name, getattr(kinds, kind), default=default if has_default else kinds.empty)
            for name, kind, has_default, default in described
        ]
    )


_DTYPES_SENT = {name: dtype for dtype, name in LITTLE_ENDIAN.items()}


_PLAIN = frozenset([type(None), bool, str, float, int])  # JSON values that are their own Python value


def _array(described, scalar, buffers):
    if type(described) is not dict:
        raise WireError("malformed array")
    fields = len(described)
    if fields == 4 and "order" in described:
        if described["order"] != "F":
            raise WireError("malformed array order")
        fortran = True
    elif fields == 3:
        fortran = False
    else:
        raise WireError("malformed array")
    try:
        name, shape, index = described["dtype"], described["shape"], described["buffer"]
    except KeyError:
        raise WireError("malformed array") from None
    dtype = _DTYPES_SENT.get(name) if type(name) is str else None
    if dtype is None or type(shape) is not list:
        raise WireError("malformed array header")
    for n in shape:
        if type(n) is not int or n < 0:
            raise WireError("malformed array header")
    if type(index) is not int or not 0 <= index < len(buffers) or buffers[index] is None:
        raise WireError("array refers to no data")
    data, buffers[index] = buffers[index], None  # each buffer backs one array
    if len(data) != math.prod(shape) * dtype.itemsize:
        raise WireError("array data does not match its shape")
    array = np.frombuffer(data, dtype=dtype)
    if not dtype.isnative:
        array = array.astype(name)
    array = array.reshape(shape[::-1]).T if fortran else array.reshape(shape)
    if scalar:
        if shape:
            raise WireError("a scalar has no shape")
        return array[()]
    return array


def decode(data: Any, buffers: list, depth: int = 0) -> Any:
    """The value an :func:`encode` result describes (buffers: the arrays' bytes, as writable bytearrays); raises
    WireError on anything else."""
    if type(data) in _PLAIN:  # JSON numbers without a fraction are ints, as a peer may send them
        return data
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if type(data) is not dict or len(data) not in (1, 2):
        raise WireError(f"unexpected {type(data).__name__} in a message")
    if "opaque" in data:
        return Opaque(str(data["opaque"])[:80], str(data.get("text", ""))[:200])
    if len(data) != 1:
        raise WireError("malformed value")
    ((key, inner),) = data.items()
    if key == "array" or key == "scalar":
        return _array(inner, key == "scalar", buffers)
    if key == "int":
        try:
            return int(inner) if type(inner) is str else int("malformed")
        except ValueError:  # not digits, or more of them than Python reads
            raise WireError("malformed int") from None
    if key == "float":
        if inner not in ("nan", "inf", "-inf"):
            raise WireError("malformed float")
        return float(inner)
    if type(inner) is not list:
        raise WireError(f"malformed {key}")
    depth += 1
    if depth > MAX_DEPTH and inner:  # its items are nested too deeply, plain ones too
        raise WireError("value nested too deeply")
    if key == "list":
        return [item if type(item) in _PLAIN else decode(item, buffers, depth) for item in inner]
    if key == "tuple":
        return tuple([item if type(item) in _PLAIN else decode(item, buffers, depth) for item in inner])
    if key == "set":
        items = [decode(item, buffers, depth) for item in inner]
        try:
            return set(items)
        except TypeError:
            raise WireError("unhashable item in a set") from None
    if key == "dict":
        result = {}
        for pair in inner:
            if type(pair) is not list or len(pair) != 2:
                raise WireError("malformed dict")
            k, v = pair
            k = decode(k, buffers, depth)
            try:
                result[k] = v if type(v) in _PLAIN else decode(v, buffers, depth)
            except TypeError:
                raise WireError("unhashable dict key") from None
        return result
    raise WireError(f"unknown kind {key!r}")


def send(sock: socket.socket, value: Any) -> None:
    """Send value as one message (raises WireError, sending nothing, when it cannot travel or is too large)."""
    buffers = []
    text = json.dumps(encode(value, buffers), allow_nan=False, separators=(",", ":")).encode()
    sizes = [memoryview(buffer).nbytes for buffer in buffers]
    if len(text) + sum(sizes) > MAX_BYTES or len(buffers) > MAX_ARRAYS:
        raise WireError(f"value too large to send ({(len(text) + sum(sizes)) // 1048576} MiB)")
    head = HEADER.pack(len(text), len(buffers)) + struct.pack(f"!{len(sizes)}Q", *sizes) + text
    if sum(sizes) <= SMALL_BYTES:  # one write: the reader wakes once
        sock.sendall(b"".join([head, *buffers]))
        return
    sock.sendall(head)
    for buffer in buffers:
        sock.sendall(buffer)


def _receive_into(sock, size):
    data = bytearray(size)
    view, got = memoryview(data), 0
    while got < size:
        count = sock.recv_into(view[got:])
        if not count:
            raise EOFError("the connection closed")
        got += count
    return data


def receive(sock: socket.socket) -> Any:
    """The value of the next message on sock; raises EOFError when the peer has closed the connection, WireError
    on anything that is not a valid message (sizes checked first), and the socket's own timeout."""
    text_size, count = HEADER.unpack(_receive_into(sock, HEADER.size))
    if text_size + 8 * count > MAX_BYTES or count > MAX_ARRAYS:
        raise WireError("message too large")
    head = _receive_into(sock, 8 * count + text_size)  # the arrays' sizes and the description in one read
    sizes, text = struct.unpack_from(f"!{count}Q", head), head[8 * count :]
    if text_size + sum(sizes) > MAX_BYTES:
        raise WireError("message too large")
    data, buffers, start = memoryview(_receive_into(sock, sum(sizes))), [], 0  # all the arrays' bytes in one read
    for size in sizes:
        buffers.append(data[start : start + size])
        start += size
    try:
        data = json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(WireError(name)))
    except (ValueError, RecursionError) as error:
        raise WireError(f"malformed message: {error}") from None
    return decode(data, buffers)
