"""Visible tests of w2_logistic_regression: one function per visible test cell of logistic_regression.ipynb.

A test cell calls one with the notebook's answer, e.g. ``tests.propagate(propagate)``;
the data answers are passed with the arrays they come from.
"""

from collections.abc import Callable
from typing import Any

import numpy as np

from dlcourse import checks


def dataset_dimensions(
    m_train: Any, m_test: Any, num_px: Any, train_set_x_orig: Any, train_set_y: Any, test_set_y: Any
) -> None:
    """Visible tests for the data set's dimensions."""
    with checks.testing("dataset_dimensions"):
        for name, value in [("m_train", m_train), ("m_test", m_test), ("num_px", num_px)]:
            checks.expect_true(
                isinstance(value, (int, np.integer)), f"{name} should be an integer, got {type(value).__name__}"
            )
        checks.expect_true(
            m_train == train_set_y.shape[1],
            f"m_train = {m_train}, but there are {train_set_y.shape[1]} training labels: "
            "count the examples (axis 0 of the images)",
        )
        checks.expect_true(
            m_test == test_set_y.shape[1], f"m_test = {m_test}, but there are {test_set_y.shape[1]} test labels"
        )
        checks.expect_true(
            num_px * num_px * 3 * m_train == train_set_x_orig.size,
            f"num_px = {num_px} does not fit images of shape {train_set_x_orig.shape[1:]}",
        )


def flatten_and_standardize(
    train_set_x_flatten: Any,
    test_set_x_flatten: Any,
    train_set_x: Any,
    test_set_x: Any,
    train_set_x_orig: Any,
    test_set_x_orig: Any,
) -> None:
    """Visible tests for flattening and standardising."""
    with checks.testing("flatten_and_standardize"):
        n_x = train_set_x_orig.shape[1] * train_set_x_orig.shape[2] * train_set_x_orig.shape[3]
        checks.expect_shape(train_set_x_flatten, (n_x, train_set_x_orig.shape[0]), "train_set_x_flatten")
        checks.expect_shape(test_set_x_flatten, (n_x, test_set_x_orig.shape[0]), "test_set_x_flatten")
        checks.expect_close(
            train_set_x_flatten[:, 0],
            train_set_x_orig[0].ravel(),
            "the first column of train_set_x_flatten (it must hold the first image, pixel by pixel)",
        )
        checks.expect_close(
            test_set_x_flatten[:, -1], test_set_x_orig[-1].ravel(), "the last column of test_set_x_flatten"
        )
        checks.expect_close(
            train_set_x[:, 0],
            train_set_x_orig[0].ravel() / 255,
            "the first column of train_set_x",
            mistakes={"train_set_x is not divided by 255": train_set_x_orig[0].ravel()},
        )
        checks.expect_close(test_set_x[:, 0], test_set_x_orig[0].ravel() / 255, "the first column of test_set_x")


def sigmoid(sigmoid: Callable[..., Any]) -> None:
    """Visible tests for sigmoid."""
    with checks.testing("sigmoid"):
        checks.expect_close(
            sigmoid(np.array([0.0, 2.0])),
            [0.5, 0.880797078],
            "sigmoid(np.array([0, 2]))",
            mistakes={"these are sigmoid(-z) values: the exponent is exp(-z).": [0.5, 0.119202922]},
        )
        checks.expect_close(
            sigmoid(np.array([[-1.0, 3.0]])), [[0.2689414214, 0.9525741268]], "sigmoid(np.array([[-1, 3]]))"
        )


def initialize_with_zeros(initialize_with_zeros: Callable[..., Any]) -> None:
    """Visible tests for initialize_with_zeros."""
    with checks.testing("initialize_with_zeros"):
        w, b = initialize_with_zeros(3)
        checks.expect_close(w, np.zeros((3, 1)), "w of initialize_with_zeros(3)")
        checks.expect_true(w.dtype.kind == "f", f"w should hold floats, not {w.dtype}: use np.zeros((dim, 1))")
        checks.expect_close(b, 0.0, "b of initialize_with_zeros(3)")


def propagate(propagate: Callable[..., Any]) -> None:
    """Visible tests for propagate. The test gives your propagate a stand-in sigmoid that knows the right values for
    this input, so that propagate is judged on its own.
    """
    notebook = checks.namespace_of(propagate)
    _w, b = np.array([[0.5], [-1.5]]), 1.0
    X, Y = np.array([[1.0, -2.0, 0.5], [3.0, 0.5, -1.0]]), np.array([[1, 0, 1]])
    known_sigmoid = checks.elementwise("sigmoid", [-3, -0.75, 2.75], [0.04742587318, 0.3208213008, 0.9399133498])
    with checks.testing("propagate"), checks.substituted(notebook, sigmoid=known_sigmoid):
        grads, cost = checks.call_unchanged(propagate, _w, b, X, Y)
        checks.expect_keys(grads, ["dw", "db"], "grads")
        checks.expect_close(
            grads["dw"],
            [[-0.5414200179], [-0.8790750266]],
            "grads['dw']",
            m=3,
            mistakes={"dw has the sign flipped: dZ = A - Y, not Y - A.": [[0.5414200179], [0.8790750266]]},
        )
        checks.expect_close(grads["db"], -0.2306131587, "grads['db']", m=3)
        checks.expect_close(
            cost,
            1.165808649,
            "cost",
            m=3,
            mistakes={"the cost has the wrong sign: J has a minus in front of the sum.": -1.165808649},
        )
    # Gradient check: dw against centered differences of your cost, with sigmoid written as 0.5 * (1 + tanh(z / 2)).
    with (
        checks.testing("propagate (gradient check)"),
        checks.substituted(notebook, sigmoid=lambda z: 0.5 * (1 + np.tanh(z / 2))),
    ):
        grads, _ = propagate(_w, b, X, Y)
        checks.expect_gradient(grads["dw"], lambda w: propagate(w, b, X, Y)[1], _w, "grads['dw']", m=3)


def optimize(optimize: Callable[..., Any]) -> None:
    """Visible tests for optimize. So that optimize is judged on its own, the test gives it a simple stand-in
    propagate: the cost (w - 3)**2 summed + (b + 1)**2, whose minimum is at w = 3, b = -1.
    """
    notebook = checks.namespace_of(optimize)

    def bowl(w, b, X, Y):
        return {"dw": 2 * (w - 3.0), "db": 2 * (b + 1.0)}, float(np.sum((w - 3.0) ** 2) + (b + 1.0) ** 2)

    w0 = np.array([[0.0], [1.0]])
    with checks.testing("optimize"), checks.substituted(notebook, propagate=bowl):
        params, grads, costs = checks.call_unchanged(
            optimize, w0, 0.0, np.zeros((2, 4)), np.zeros((1, 4)), num_iterations=301, learning_rate=0.01
        )
        checks.expect_keys(params, ["w", "b"], "params")
        # each step multiplies the distance to the minimum by (1 - 2 * 0.01) = 0.98
        checks.expect_close(
            params["w"],
            3.0 + (w0 - 3.0) * 0.98**301,
            "params['w'] after 301 steps",
            mistakes={
                "w moved away from the minimum: the update is w - learning_rate * dw.": 3.0 + (w0 - 3.0) * 1.02**301,
                "this is the result of 300 steps: run num_iterations steps (range(num_iterations)).": 3.0
                + (w0 - 3.0) * 0.98**300,
            },
        )
        checks.expect_close(params["b"], -1.0 + 0.98**301, "params['b'] after 301 steps")
        checks.expect_true(
            len(costs) == 4, f"costs should hold 4 values (iterations 0, 100, 200, 300), got {len(costs)}"
        )
        checks.expect_close(
            np.array(costs, dtype=float),
            [14 * 0.98 ** (2 * i) for i in (0, 100, 200, 300)],
            "costs at iterations 0, 100, 200, 300",
        )


def predict(predict: Callable[..., Any]) -> None:
    """Visible tests for predict (with a stand-in sigmoid that knows this input, so predict is judged on its own)."""
    notebook = checks.namespace_of(predict)
    w, b = np.array([[0.2], [-0.7], [1.1]]), -0.3
    X = np.array([[1.0, -1.2, 0.3, 2.0], [0.5, 0.1, -0.8, 1.5], [0.2, -0.4, 0.9, -1.0]])
    known_sigmoid = checks.elementwise(
        "sigmoid", [-0.23, -1.05, 1.31, -2.05], [0.4427521454, 0.2592251008, 0.7875131559, 0.1140523813]
    )
    with checks.testing("predict"), checks.substituted(notebook, sigmoid=known_sigmoid):
        pred = checks.call_unchanged(predict, w, b, X)
        checks.expect_close(
            pred,
            [[0, 0, 1, 0]],
            "predict(w, b, X)",
            mistakes={
                "the predictions are inverted: predict 1 when the probability is above 0.5.": [[1, 1, 0, 1]],
                "every prediction is 1: compare the probabilities A with 0.5 (A > 0.5), not with 0.": [[1, 1, 1, 1]],
            },
        )


def model(model: Callable[..., Any]) -> None:
    """Visible tests for model. The test replaces the functions model calls by stand-ins that only know this test's
    calls, so that model is judged on its own: does it wire the pieces together and pass the arguments on?
    """
    notebook = checks.namespace_of(model)
    X_train, Y_train = np.array([[1.0, 2.0, -1.0], [0.0, 1.0, 1.0]]), np.array([[1, 1, 0]])
    X_test, Y_test = np.array([[0.5], [-0.5]]), np.array([[0]])
    w_learned, b_learned = np.array([[0.8], [0.1]]), 0.05
    stand_ins = dict(
        initialize_with_zeros=checks.recorded(
            "initialize_with_zeros", [({"dim": 2}, (np.zeros((2, 1)), 0.0))], like=notebook["initialize_with_zeros"]
        ),
        optimize=checks.recorded(
            "optimize",
            [
                (
                    {
                        "w": np.zeros((2, 1)),
                        "b": 0.0,
                        "X": X_train,
                        "Y": Y_train,
                        "num_iterations": 42,
                        "learning_rate": 0.25,
                    },
                    ({"w": w_learned, "b": b_learned}, {"dw": np.zeros((2, 1)), "db": 0.0}, [0.69]),
                )
            ],
            like=notebook["optimize"],
        ),
        predict=checks.recorded(
            "predict",
            [
                ({"w": w_learned, "b": b_learned, "X": X_train}, np.array([[1.0, 1.0, 0.0]])),
                ({"w": w_learned, "b": b_learned, "X": X_test}, np.array([[1.0]])),
            ],
            like=notebook["predict"],
        ),
    )
    with checks.testing("model"), checks.substituted(notebook, **stand_ins):
        d = model(X_train, Y_train, X_test, Y_test, num_iterations=42, learning_rate=0.25)
        checks.expect_keys(
            d, ["costs", "Y_prediction_test", "Y_prediction_train", "w", "b", "learning_rate", "num_iterations"], "d"
        )
        checks.expect_close(d["Y_prediction_train"], [[1.0, 1.0, 0.0]], "d['Y_prediction_train']")
        checks.expect_close(
            d["Y_prediction_test"],
            [[1.0]],
            "d['Y_prediction_test']",
            mistakes={"Y_prediction_test holds the training predictions: predict on X_test.": [[1.0, 1.0, 0.0]]},
        )
        checks.expect_close(d["w"], w_learned, "d['w'] (the learned weights)")
        checks.expect_close(d["b"], b_learned, "d['b'] (the learned bias)")
        checks.expect_true(d["costs"] == [0.69], "d['costs'] should be the costs returned by optimize")
        checks.expect_true(
            (d["learning_rate"], d["num_iterations"]) == (0.25, 42), "d should record learning_rate and num_iterations"
        )
