"""The judge's wire format: values round-trip as data over a socket, and anything else is refused."""

import json
import math
import struct
import threading

import numpy as np
import pytest

from dlcourse import wire


def _round_trip(pair, value):
    ours, theirs = pair
    sender = threading.Thread(target=wire.send, args=(ours, value))
    sender.start()
    received = wire.receive(theirs)
    sender.join()
    return received


def test_plain_values_round_trip_with_arrays_as_bytes(pair):
    value = {
        "ints": [1, -(2**70), True, None],
        "floats": (0.5, math.inf, -math.inf),
        "text": "é ∑",
        "set": {1, 2},
        ("tuple", "key"): np.float32(1.5),
        "arrays": [(np.arange(12) % 3).astype(dtype).reshape(3, 4) for dtype in ("int8", "uint64", "float64", "bool")],
        "empty": np.zeros((0, 3)),
        "transposed": np.arange(6.0).reshape(2, 3).T,
        "fortran": [np.asfortranarray(np.arange(24).reshape(2, 3, 4)), np.arange(24.0).reshape(2, 3, 4).T],
        "strided": np.arange(10.0)[::3],
    }
    received = _round_trip(pair, value)
    assert received.keys() == value.keys()
    assert received["ints"] == value["ints"] and received["floats"] == value["floats"]
    assert received["set"] == {1, 2} and received["text"] == "é ∑"
    assert type(received["tuple", "key"]) is np.float32 and received["tuple", "key"] == 1.5
    for sent, got in zip(value["arrays"], received["arrays"]):
        assert got.dtype == sent.dtype and np.array_equal(got, sent)
    assert received["empty"].shape == (0, 3)
    assert np.array_equal(received["transposed"], value["transposed"])
    received["transposed"][0, 0] = 42.0  # a student's function may change its inputs in place
    for sent, got in zip([*value["fortran"], value["strided"]], [*received["fortran"], received["strided"]]):
        assert got.shape == sent.shape and got.dtype == sent.dtype and np.array_equal(got, sent)


def test_nan_and_unknown_objects(pair):
    received = _round_trip(pair, [math.nan, object(), np.array(["text"])])
    assert math.isnan(received[0])
    assert isinstance(received[1], wire.Opaque) and received[1].type_name == "object"
    assert isinstance(received[2], wire.Opaque) and "dtype" in received[2].type_name


def test_too_large_to_send_sends_nothing(pair, monkeypatch):
    monkeypatch.setattr(wire, "MAX_BYTES", 1000)
    with pytest.raises(wire.WireError, match="too large"):
        wire.send(pair[0], np.zeros(200))
    pair[0].close()
    with pytest.raises(EOFError):
        wire.receive(pair[1])


def _raw(sock, text, sizes=(), buffers=(), declared=None):
    sock.sendall(
        struct.pack("!II", len(text) if declared is None else declared, len(sizes))
        + struct.pack(f"!{len(sizes)}Q", *sizes)
        + text
    )
    for buffer in buffers:
        sock.sendall(buffer)


def test_an_oversized_header_is_refused_before_reading(pair, monkeypatch):
    monkeypatch.setattr(wire, "MAX_BYTES", 1000)
    _raw(pair[0], b"", sizes=[10**12])
    with pytest.raises(wire.WireError, match="too large"):
        wire.receive(pair[1])
    _raw(pair[0], b"", declared=2000)
    with pytest.raises(wire.WireError, match="too large"):
        wire.receive(pair[1])


def test_too_many_arrays_are_refused_before_reading(pair):
    pair[0].sendall(struct.pack("!II", 2, wire.MAX_ARRAYS + 1))  # small, but one object per array
    with pytest.raises(wire.WireError, match="too large"):
        wire.receive(pair[1])


@pytest.mark.parametrize(
    "description, buffers",
    [
        ({"array": {"dtype": "float64", "shape": [3], "buffer": 0}}, [b"\0" * 16]),  # fewer bytes than the shape
        ({"array": {"dtype": "float64", "shape": [1], "buffer": 1}}, [b"\0" * 8]),  # no such buffer
        ({"array": {"dtype": "object", "shape": [1], "buffer": 0}}, [b"\0" * 8]),  # a dtype that does not travel
        ({"scalar": {"dtype": "float64", "shape": [1], "buffer": 0}}, [b"\0" * 8]),  # a scalar with a shape
        ({"list": [{"array": {"dtype": "int8", "shape": [1], "buffer": 0}}] * 2}, [b"\0"]),  # one buffer, two arrays
        ({"array": {"dtype": "int8", "shape": [2, 1], "buffer": 0, "order": "A"}}, [b"\0\0"]),  # an unknown order
        ({"array": {"dtype": "int8", "shape": [2], "buffer": 0, "strides": [1]}}, [b"\0\0"]),  # an unknown field
        ({"float": "1e400"}, []),
        ({"int": "12a"}, []),  # not digits
        ({"int": [12]}, []),  # not text
        ({"int": "9" * 5000}, []),  # more digits than Python reads
        ({"list": [], "tuple": []}, []),  # two kinds at once
        ({"pickle": "..."}, []),
        ([1, 2], []),
    ],
)
def test_malformed_messages_are_refused(pair, description, buffers):
    _raw(pair[0], json.dumps(description).encode(), [len(b) for b in buffers], buffers)
    with pytest.raises(wire.WireError):
        wire.receive(pair[1])


def test_too_deep_and_not_json(pair):
    deep = {"list": []}
    for _ in range(wire.MAX_DEPTH + 5):
        deep = {"list": [deep]}
    _raw(pair[0], json.dumps(deep).encode())
    with pytest.raises(wire.WireError, match="deep"):
        wire.receive(pair[1])
    _raw(pair[0], b"NaN")
    with pytest.raises(wire.WireError):
        wire.receive(pair[1])


def test_the_depth_limit_is_the_same_both_ways(pair):
    """The deepest value that may be sent arrives; one level deeper is refused when sent and when received."""
    value, description = 1, 1
    for _ in range(wire.MAX_DEPTH):
        value, description = [value], {"list": [description]}
    assert _round_trip(pair, value) == value
    with pytest.raises(wire.WireError, match="deep"):
        wire.send(pair[0], [value])
    _raw(pair[0], json.dumps({"list": [description]}).encode())
    with pytest.raises(wire.WireError, match="deep"):
        wire.receive(pair[1])


def test_a_connection_closed_mid_message_is_an_end(pair):
    pair[0].sendall(struct.pack("!II", 100, 0) + b"{")
    pair[0].close()
    with pytest.raises(EOFError):
        wire.receive(pair[1])


def test_snapshot_keeps_values_as_they_were():
    array = np.zeros(3)
    kept = wire.snapshot({"a": [array, (array,)], "n": 1})
    array[0] = 1
    assert kept["a"][0][0] == 0 and kept["a"][1][0][0] == 0 and kept["n"] == 1


def test_signatures_travel_as_data():
    def f(a, b=2, *rest, c=None, key=lambda: 0, **more):
        pass

    described = json.loads(json.dumps(wire.signature(f)))
    rebuilt = wire.make_signature(described)
    assert list(rebuilt.parameters) == ["a", "b", "rest", "c", "key", "more"]
    assert rebuilt.parameters["b"].default == 2 and rebuilt.parameters["key"].default is None
    assert rebuilt.bind(1, 2, 3, c=4).arguments == {"a": 1, "b": 2, "rest": (3,), "c": 4}
    assert wire.signature(len) is not None and wire.signature(3) is None
