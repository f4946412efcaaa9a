"""Visible tests of w2_numpy_basics: one function per visible test cell of numpy_basics.ipynb.

A test cell calls one with the notebook's answer, e.g. ``tests.basic_sigmoid(basic_sigmoid)``.
"""

from collections.abc import Callable
from typing import Any

import numpy as np

from dlcourse import checks


def basic_sigmoid(basic_sigmoid: Callable[..., Any]) -> None:
    """Visible tests for basic_sigmoid."""
    with checks.testing("basic_sigmoid"):
        checks.expect_close(basic_sigmoid(0), 0.5, "basic_sigmoid(0)")
        checks.expect_close(
            basic_sigmoid(1),
            0.7310585786,
            "basic_sigmoid(1)",
            mistakes={
                "this is sigmoid(-x) = 1 - sigmoid(x): sigmoid(x) = 1 / (1 + exp(-x)); check the sign in the "
                "exponent and the numerator (1, not exp(-x)).": 0.2689414214
            },
        )
        checks.expect_close(basic_sigmoid(-2.5), 0.07585818002, "basic_sigmoid(-2.5)")
        checks.expect_true(isinstance(basic_sigmoid(3), float), "basic_sigmoid(3) should return a Python float")


def sigmoid(sigmoid: Callable[..., Any]) -> None:
    """Visible tests for sigmoid."""
    with checks.testing("sigmoid"):
        checks.expect_close(
            sigmoid(np.array([1.0, 2.0, 3.0])),
            [0.7310585786, 0.880797078, 0.9525741268],
            "sigmoid(np.array([1, 2, 3]))",
            mistakes={
                "these are sigmoid(-x) = 1 - sigmoid(x) values: sigmoid(x) = 1 / (1 + exp(-x)); check the sign "
                "in the exponent and the numerator (1, not exp(-x)).": [
                    0.2689414214,
                    0.119202922,
                    0.04742587318,
                ]
            },
        )
        checks.expect_close(
            sigmoid(np.array([[-1.0, 0.0], [0.5, 4.0]])),
            [[0.2689414214, 0.5], [0.6224593312, 0.98201379]],
            "sigmoid of a 2x2 matrix",
        )


def sigmoid_derivative(sigmoid_derivative: Callable[..., Any]) -> None:
    """Visible tests for sigmoid_derivative. So that this function is judged on its own, the test replaces your sigmoid
    by a stand-in that knows the right sigmoid values for the test's input.
    """
    notebook = checks.namespace_of(sigmoid_derivative)
    known_sigmoid = checks.elementwise("sigmoid", [1.0, 2.0, 3.0], [0.7310585786, 0.880797078, 0.9525741268])
    with checks.testing("sigmoid_derivative"), checks.substituted(notebook, sigmoid=known_sigmoid):
        checks.expect_close(
            sigmoid_derivative(np.array([1.0, 2.0, 3.0])),
            [0.1966119332, 0.1049935854, 0.04517665973],
            "sigmoid_derivative(np.array([1, 2, 3]))",
            mistakes={
                "this is s * (1 + s): the derivative is s * (1 - s).": [1.265505224, 1.656600571, 1.859971594],
                "this is 1 - s: the derivative is s * (1 - s).": [0.2689414214, 0.119202922, 0.04742587318],
                "this is 1 - s ** 2, the derivative of tanh: the sigmoid's is s * (1 - s).": [
                    0.4655533547,
                    0.2241965074,
                    0.092602533,
                ],
            },
        )


def image2vector(image2vector: Callable[..., Any]) -> None:
    """Visible tests for image2vector."""
    with checks.testing("image2vector"):
        image = np.arange(18).reshape(3, 3, 2) / 10
        checks.expect_close(
            image2vector(image),
            [
                [0],
                [0.1],
                [0.2],
                [0.3],
                [0.4],
                [0.5],
                [0.6],
                [0.7],
                [0.8],
                [0.9],
                [1],
                [1.1],
                [1.2],
                [1.3],
                [1.4],
                [1.5],
                [1.6],
                [1.7],
            ],
            "image2vector of a 3x3x2 image",
        )


def normalize_rows(normalize_rows: Callable[..., Any]) -> None:
    """Visible tests for normalize_rows."""
    with checks.testing("normalize_rows"):
        x = np.array([[0.0, 3.0, 4.0], [1.0, 6.0, 4.0]])
        got = checks.call_unchanged(normalize_rows, x)
        checks.expect_close(
            got,
            [[0, 0.6, 0.8], [0.1373605639, 0.8241633837, 0.5494422558]],
            "normalize_rows([[0, 3, 4], [1, 6, 4]])",
            mistakes={
                "each column was divided by its norm: the norm of a row is taken along axis=1.": [
                    [0, 0.4472135955, 0.7071067812],
                    [1, 0.894427191, 0.7071067812],
                ]
            },
        )
        checks.expect_close(np.linalg.norm(got, axis=1), [1.0, 1.0], "the lengths of the rows of the result")


def softmax(softmax: Callable[..., Any]) -> None:
    """Visible tests for softmax."""
    with checks.testing("softmax"):
        x = np.array([[1.0, 2.0], [3.0, 0.0], [-1.0, 1.0]])
        checks.expect_close(
            checks.call_unchanged(softmax, x),
            [[0.1173104278, 0.6652409558], [0.8668133322, 0.09003057317], [0.01587623998, 0.2447284711]],
            "softmax of a 3x2 matrix",
            mistakes={
                "each row sums to 1: the softmax runs over each column (axis=0), because columns are examples.": [
                    [0.2689414214, 0.7310585786],
                    [0.9525741268, 0.04742587318],
                    [0.119202922, 0.880797078],
                ],
                "the whole matrix sums to 1: divide by the sum of each column (np.sum(x_exp, axis=0, "
                "keepdims=True)), not by the sum of everything.": [
                    [0.0792986658, 0.2155561222],
                    [0.58594229, 0.0291723489],
                    [0.0107319074, 0.0792986658],
                ],
            },
        )


def L1(L1: Callable[..., Any]) -> None:
    """Visible tests for L1."""
    with checks.testing("L1"):
        yhat = np.array([0.9, 0.2, 0.1, 0.4, 0.9])
        y = np.array([1, 0, 0, 1, 1])
        checks.expect_close(
            L1(yhat, y),
            1.1,
            "L1([0.9, 0.2, 0.1, 0.4, 0.9], [1, 0, 0, 1, 1])",
            mistakes={
                "this is the mean of the absolute differences: L1 is their sum.": 0.22,
                "this is the sum of the differences without the absolute value.": 0.5,
            },
        )


def L2(L2: Callable[..., Any]) -> None:
    """Visible tests for L2."""
    with checks.testing("L2"):
        yhat = np.array([0.9, 0.2, 0.1, 0.4, 0.9])
        y = np.array([1, 0, 0, 1, 1])
        checks.expect_close(
            L2(yhat, y),
            0.43,
            "L2([0.9, 0.2, 0.1, 0.4, 0.9], [1, 0, 0, 1, 1])",
            mistakes={
                "this is the mean of the squared differences: L2 is their sum.": 0.086,
                "this is the length (norm) of the difference: L2 here is the sum of squares, without a square "
                "root.": 0.6557438524,
                "this is the L1 loss: square the differences.": 1.1,
                "this is the square of the sum of the differences: square each difference first, then sum.": 0.25,
            },
        )
