"""Visible tests of w3_planar_classification: one function per visible test cell of planar_classification.ipynb.

A test cell calls one with the notebook's function, e.g. ``tests.layer_sizes(layer_sizes)``.
"""

from collections.abc import Callable
from typing import Any

import numpy as np

from dlcourse import checks


def layer_sizes(layer_sizes: Callable[..., Any]) -> None:
    """Visible tests for layer_sizes."""
    with checks.testing("layer_sizes"):
        X = np.zeros((5, 3))
        Y = np.zeros((2, 3))
        sizes = checks.call_unchanged(layer_sizes, X, Y)
        checks.expect_true(
            isinstance(sizes, (tuple, list)) and len(sizes) == 3,
            f"layer_sizes(X, Y) should return a tuple (n_x, n_h, n_y); it returned {sizes!r:.80}",
        )
        checks.expect_true(
            all(isinstance(n, (int, np.integer)) for n in sizes),
            f"layer sizes are whole numbers (int), but layer_sizes returned {sizes!r:.80}",
        )
        checks.expect_close(
            np.array(sizes, dtype=float),
            [5.0, 4.0, 2.0],
            "layer_sizes(X, Y) with X of shape (5, 3) and Y of shape (2, 3)",
            mistakes={
                "n_x and n_y are numbers of rows (shape[0]); shape[1] is the number of examples m.": [3.0, 4.0, 3.0],
                "n_y should be read from Y (Y.shape[0]), not typed in.": [5.0, 4.0, 1.0],
                "these are the sizes of the flower data set: read them from the arrays passed in.": [2.0, 4.0, 1.0],
                "n_x and n_y are swapped.": [2.0, 4.0, 5.0],
            },
        )


def initialize_parameters(initialize_parameters: Callable[..., Any]) -> None:
    """Visible tests for initialize_parameters. The weights are random, so the tests check their properties."""
    with checks.testing("initialize_parameters"):
        parameters = initialize_parameters(3, 5, 2)
        checks.expect_keys(parameters, ["W1", "b1", "W2", "b2"], "initialize_parameters(3, 5, 2)")
        for name, shape in [("W1", (5, 3)), ("b1", (5, 1)), ("W2", (2, 5)), ("b2", (2, 1))]:
            checks.expect_shape(parameters[name], shape, f"{name} from initialize_parameters(n_x=3, n_h=5, n_y=2)")
        checks.expect_close(parameters["b1"], np.zeros((5, 1)), "b1 (the biases start at zero)")
        checks.expect_close(parameters["b2"], np.zeros((2, 1)), "b2 (the bias starts at zero)")
        for name in ["W1", "W2"]:
            checks.expect_true(
                np.ptp(parameters[name]) > 0,
                f"all entries of {name} are equal ({float(parameters[name].flat[0]):.3g}): every hidden unit would "
                "compute the same function, receive the same gradient and stay a copy of the others - the symmetry "
                "is never broken. Draw the weights at random: np.random.randn(rows, columns) * 0.01.",
            )
        large = initialize_parameters(300, 200, 4)
        weights = np.concatenate([large["W1"].ravel(), large["W2"].ravel()])
        spread = float(np.std(weights))
        centre = float(np.mean(weights))
        checks.expect_true(
            spread < 0.05,
            "the weights are too large: for initialize_parameters(300, 200, 4) their standard deviation is "
            f"{spread:.3g} "
            "instead of about 0.01. Multiply the standard normal draws by 0.01: large weights saturate tanh and "
            "sigmoid, where their slopes are nearly 0, and learning slows down.",
        )
        checks.expect_true(
            abs(centre) < 0.001,
            f"the weights should be centred on 0, but their mean is {centre:.3g}: use np.random.randn "
            "(standard normal draws), not np.random.rand (uniform between 0 and 1).",
        )
        checks.expect_true(
            0.008 < spread < 0.012,
            f"the weights should be standard normal draws times 0.01, so their standard deviation is about 0.01; "
            f"for initialize_parameters(300, 200, 4) it is {spread:.3g}.",
        )


def forward_propagation(forward_propagation: Callable[..., Any]) -> None:
    """Visible tests for forward_propagation."""
    with checks.testing("forward_propagation"):
        X = np.array([[1.0, -2.0, 0.5], [0.3, 1.5, -1.0]])
        parameters = {
            "W1": np.array([[0.5, -0.3], [-0.2, 0.8], [1.0, 0.4], [-0.6, -0.5]]),
            "b1": np.array([[0.1], [-0.2], [0.0], [0.3]]),
            "W2": np.array([[1.2, -0.7, 0.5, 0.9]]),
            "b2": np.array([[-0.1]]),
        }
        result = checks.call_unchanged(forward_propagation, X, parameters)
        checks.expect_true(
            isinstance(result, tuple) and len(result) == 2, "forward_propagation should return two things: A2, cache"
        )
        A2, cache = result
        checks.expect_keys(cache, ["Z1", "A1", "Z2", "A2"], "the cache returned by forward_propagation")
        checks.expect_close(
            cache["Z1"],
            [[0.51, -1.35, 0.65], [-0.16, 1.4, -1.1], [1.12, -1.4, 0.1], [-0.45, 0.75, 0.5]],
            "cache['Z1'] = W1 X + b1",
            mistakes={
                "the bias b1 is missing: Z1 = W1 X + b1.": [
                    [0.41, -1.45, 0.55],
                    [0.04, 1.6, -0.9],
                    [1.12, -1.4, 0.1],
                    [-0.75, 0.45, 0.2],
                ]
            },
        )
        checks.expect_close(
            cache["A1"],
            [
                [0.4699451989, -0.8740532879, 0.5716699661],
                [-0.1586485043, 0.8853516482, -0.8004990218],
                [0.8075689166, -0.8853516482, 0.09966799462],
                [-0.4218990053, 0.6351489524, 0.4621171573],
            ],
            "cache['A1'] = tanh(Z1)",
            mistakes={
                "A1 holds sigmoid(Z1): the hidden layer of this network uses tanh (np.tanh).": [
                    [0.6248064745, 0.2058703718, 0.6570104627],
                    [0.4600851154, 0.8021838886, 0.2497398944],
                    [0.7539887164, 0.1978161114, 0.5249791875],
                    [0.3893607661, 0.6791786992, 0.6224593312],
                ],
                "A1 holds ReLU values: the hidden layer of this network uses tanh (np.tanh).": [
                    [0.51, 0.0, 0.65],
                    [0.0, 1.4, 0.0],
                    [1.12, 0.0, 0.1],
                    [0.0, 0.75, 0.5],
                ],
                "A1 is still Z1: the activation tanh is missing.": [
                    [0.51, -1.35, 0.65],
                    [-0.16, 1.4, -1.1],
                    [1.12, -1.4, 0.1],
                    [-0.45, 0.75, 0.5],
                ],
            },
        )
        checks.expect_close(cache["Z2"], [[0.5990635453, -1.639651866, 1.612092713]], "cache['Z2'] = W2 A1 + b2")
        checks.expect_close(
            A2,
            [[0.6454420309, 0.1625124388, 0.8337017295]],
            "A2 returned by forward_propagation",
            mistakes={
                "A2 = tanh(Z2): the output unit uses the sigmoid, so that A2 is a probability.": [
                    [0.5363828716, -0.9274238843, 0.9234686841]
                ],
                "A2 is still Z2: the sigmoid of the output unit is missing.": [
                    [0.5990635453, -1.639651866, 1.612092713]
                ],
            },
        )
        checks.expect_close(cache["A2"], [[0.6454420309, 0.1625124388, 0.8337017295]], "cache['A2']")


def compute_cost(compute_cost: Callable[..., Any]) -> None:
    """Visible tests for compute_cost."""
    with checks.testing("compute_cost"):
        A2 = np.array([[0.8, 0.1, 0.6, 0.3, 0.95]])
        Y = np.array([[1, 0, 1, 0, 1]])
        checks.expect_close(
            checks.call_unchanged(compute_cost, A2, Y),
            0.2494595858,
            "compute_cost(A2, Y) for A2 = [0.8, 0.1, 0.6, 0.3, 0.95] and Y = [1, 0, 1, 0, 1]",
            m=5,
            mistakes={
                "only the y log(a) term is there: add (1 - y) log(1 - a), "
                "the loss of the examples labelled 0.": 0.1570524939,
                "this cost uses log10: np.log is the natural logarithm the cost is defined with.": 0.1083389216,
            },
        )
        checks.expect_close(
            compute_cost(np.array([[0.25]]), np.array([[0.0]])),
            0.2876820725,
            "compute_cost(A2, Y) for a single example with A2 = 0.25 and Y = 0",
            m=1,
        )


def backward_propagation(backward_propagation: Callable[..., Any]) -> None:
    """Visible tests for backward_propagation. The cache is built from fixed Z1 and Z2 with A1 = tanh(Z1), A2 =
    sigmoid(Z2).
    """
    with checks.testing("backward_propagation"):
        X = np.array([[1.0, -2.0, 0.5], [0.3, 1.5, -1.0]])
        Y = np.array([[1.0, 0.0, 1.0]])
        parameters = {
            "W1": np.array([[0.5, -0.3], [-0.2, 0.8], [1.0, 0.4], [-0.6, -0.5]]),
            "b1": np.array([[0.1], [-0.2], [0.0], [0.3]]),
            "W2": np.array([[1.2, -0.7, 0.5, 0.9]]),
            "b2": np.array([[-0.1]]),
        }
        Z1 = np.array([[0.51, -1.35, 0.65], [-0.16, 1.4, -1.1], [1.12, -1.4, 0.1], [-0.45, 0.75, 0.5]])
        Z2 = np.array([[0.5991, -1.6397, 1.6121]])
        cache = {"Z1": Z1, "A1": np.tanh(Z1), "Z2": Z2, "A2": 1 / (1 + np.exp(-Z2))}
        grads = checks.call_unchanged(backward_propagation, parameters, cache, X, Y)
        checks.expect_keys(grads, ["dW1", "db1", "dW2", "db2"], "the dict returned by backward_propagation")
        checks.expect_close(
            grads["dW2"],
            [[-0.1345749498, 0.1110814726, -0.1489242093, 0.05865025398]],
            "dW2 returned by backward_propagation",
            m=3,
        )
        checks.expect_close(grads["db2"], [[-0.1194469997]], "db2 returned by backward_propagation", m=3)
        sigmoid_derivative = (
            "dZ1 used the sigmoid's derivative A1 * (1 - A1); "
            "the hidden layer is tanh, whose derivative is 1 - A1 ** 2."
        )
        checks.expect_close(
            grads["dW1"],
            [
                [-0.1635743183, 0.034644187],
                [0.104007175, -0.00203828626],
                [-0.0459831023, 0.03005620392],
                [-0.165218908, 0.05663252829],
            ],
            "dW1 returned by backward_propagation",
            m=3,
            mistakes={
                sigmoid_derivative: [
                    [0.1694797513, -0.1540229856],
                    [-0.03547237181, 0.0455909001],
                    [0.07999176909, -0.06808145445],
                    [0.03501275288, 0.04848933435],
                ]
            },
        )
        checks.expect_close(
            grads["db1"],
            [[-0.1399366802], [0.08638793128], [-0.04214052132], [-0.09758268776]],
            "db1 returned by backward_propagation",
            m=3,
            mistakes={sigmoid_derivative: [[-0.1580902203], [-0.07498199931], [-0.0568791261], [0.06270484055]]},
        )


def update_parameters(update_parameters: Callable[..., Any]) -> None:
    """Visible tests for update_parameters."""
    with checks.testing("update_parameters"):
        parameters = {
            "W1": np.array([[0.5, -0.2], [0.1, 0.3]]),
            "b1": np.array([[0.0], [0.1]]),
            "W2": np.array([[1.0, -1.0]]),
            "b2": np.array([[0.2]]),
        }
        grads = {
            "dW1": np.array([[0.1, 0.2], [-0.3, 0.4]]),
            "db1": np.array([[0.05], [-0.1]]),
            "dW2": np.array([[0.2, -0.4]]),
            "db2": np.array([[0.3]]),
        }
        new = checks.call_unchanged(update_parameters, parameters, grads, learning_rate=0.5)
        checks.expect_keys(new, ["W1", "b1", "W2", "b2"], "the dict returned by update_parameters")
        checks.expect_close(
            new["W1"],
            [[0.45, -0.3], [0.25, 0.1]],
            "W1 after update_parameters(parameters, grads, learning_rate=0.5)",
            mistakes={
                "the step went up the gradient: gradient descent subtracts learning_rate * gradient.": [
                    [0.55, -0.1],
                    [-0.05, 0.5],
                ],
                "the learning rate is missing: the step is learning_rate * gradient.": [[0.4, -0.4], [0.4, -0.1]],
            },
        )
        checks.expect_close(
            new["b1"],
            [[-0.025], [0.15]],
            "b1 after update_parameters(parameters, grads, learning_rate=0.5)",
            mistakes={
                "the step went up the gradient: gradient descent subtracts learning_rate * gradient.": [
                    [0.025],
                    [0.05],
                ],
                "the learning rate is missing: the step is learning_rate * gradient.": [[-0.05], [0.2]],
            },
        )
        checks.expect_close(
            new["W2"],
            [[0.9, -0.8]],
            "W2 after update_parameters(parameters, grads, learning_rate=0.5)",
            mistakes={
                "the step went up the gradient: gradient descent subtracts learning_rate * gradient.": [[1.1, -1.2]],
                "the learning rate is missing: the step is learning_rate * gradient.": [[0.8, -0.6]],
            },
        )
        checks.expect_close(
            new["b2"],
            [[0.05]],
            "b2 after update_parameters(parameters, grads, learning_rate=0.5)",
            mistakes={
                "the step went up the gradient: gradient descent subtracts learning_rate * gradient.": [[0.35]],
                "the learning rate is missing: the step is learning_rate * gradient.": [[-0.1]],
            },
        )
        default = checks.call_unchanged(update_parameters, parameters, grads)
        checks.expect_close(
            default["W1"],
            [[0.38, -0.44], [0.46, -0.18]],
            "W1 after update_parameters(parameters, grads), with the default learning_rate=1.2",
        )


def nn_model(nn_model: Callable[..., Any]) -> None:
    """Visible tests for nn_model. So that nn_model is judged on its own, the test replaces the functions it calls by
    stand-ins. They return made-up values for the calls a correct nn_model makes: what is checked is the order of
    the steps, that each step receives what the step before returned, and how many times the loop runs.
    """
    notebook = checks.namespace_of(nn_model)
    _X = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]])
    _Y = np.array([[1.0, 0.0, 1.0]])
    shapes = {"W1": (3, 2), "b1": (3, 1), "W2": (1, 3), "b2": (1, 1)}
    P = [{name: np.full(shape, 0.1 * (k + 1)) for name, shape in shapes.items()} for k in range(3)]
    C = [
        {
            "Z1": np.full((3, 3), k + 1.0),
            "A1": np.full((3, 3), 0.1 * k),
            "Z2": np.full((1, 3), k - 1.0),
            "A2": np.full((1, 3), 0.5 + 0.1 * k),
        }
        for k in range(3)
    ]
    G = [{"d" + name: np.full(shape, -0.01 * (k + 1)) for name, shape in shapes.items()} for k in range(2)]
    with checks.testing("nn_model"):
        for iterations in (2, 1):
            stand_ins = dict(
                layer_sizes=checks.recorded("layer_sizes", [({"X": _X, "Y": _Y}, (2, 4, 1))], like=lambda X, Y: None),
                initialize_parameters=checks.recorded(
                    "initialize_parameters",
                    [({"n_x": 2, "n_h": 3, "n_y": 1}, P[0])],
                    like=lambda n_x, n_h, n_y: None,
                    at_most=1,
                ),
                forward_propagation=checks.recorded(
                    "forward_propagation",
                    [({"X": _X, "parameters": P[k]}, (C[k]["A2"], C[k])) for k in range(3)],
                    like=lambda X, parameters: None,
                ),
                compute_cost=checks.recorded(
                    "compute_cost",
                    [({"A2": C[k]["A2"], "Y": _Y}, 0.7 - 0.1 * k) for k in range(3)],
                    like=lambda A2, Y: None,
                ),
                backward_propagation=checks.recorded(
                    "backward_propagation",
                    [({"parameters": P[k], "cache": C[k], "X": _X, "Y": _Y}, G[k]) for k in range(2)],
                    like=lambda parameters, cache, X, Y: None,
                    at_most=iterations,
                ),
                update_parameters=checks.recorded(
                    "update_parameters",
                    [({"parameters": P[k], "grads": G[k], "learning_rate": 1.2}, P[k + 1]) for k in range(2)],
                    like=lambda parameters, grads, learning_rate=1.2: None,
                    at_most=iterations,
                ),
            )
            with checks.substituted(notebook, **stand_ins):
                result = nn_model(_X, _Y, 3, num_iterations=iterations)
            what = f"nn_model(X, Y, n_h=3, num_iterations={iterations})"
            checks.expect_keys(result, ["W1", "b1", "W2", "b2"], f"the parameters returned by {what}")
            for name in ["W1", "b1", "W2", "b2"]:
                checks.expect_close(
                    result[name],
                    P[iterations][name],
                    f"{name} returned by {what}",
                    mistakes={
                        "these are the parameters before the last update: keep what update_parameters returns "
                        "(parameters = update_parameters(...)) and return it after the loop.": P[iterations - 1][name]
                    },
                )


def predict(predict: Callable[..., Any]) -> None:
    """Visible tests for predict. So that predict is judged on its own, the test replaces forward_propagation by a
    stand-in that returns fixed outputs A2 for the test's inputs. An output of exactly 0.5 may give 0 or 1 (A2 > 0.5
    and A2 >= 0.5 are both accepted, as in week 2: such ties do not occur on real data), so the test has none.
    """
    notebook = checks.namespace_of(predict)
    _X = np.array([[0.5, -1.0, 2.0, 0.0, 1.5, -0.5], [1.0, 0.3, -0.2, 0.8, 0.1, -1.2]])
    _parameters = {"W1": np.full((2, 2), 0.5), "b1": np.zeros((2, 1)), "W2": np.ones((1, 2)), "b2": np.zeros((1, 1))}
    A2 = np.array([[0.3, 0.7, 0.45, 0.51, 0.49, 0.9]])
    cache = {"Z1": np.zeros((2, 6)), "A1": np.zeros((2, 6)), "Z2": np.log(A2 / (1 - A2)), "A2": A2}
    forward = checks.recorded(
        "forward_propagation", [({"X": _X, "parameters": _parameters}, (A2, cache))], like=lambda X, parameters: None
    )
    with checks.testing("predict"), checks.substituted(notebook, forward_propagation=forward):
        predictions = checks.call_unchanged(predict, _parameters, _X)
        checks.expect_close(
            predictions,
            [[0, 1, 0, 1, 0, 1]],
            "predict(parameters, X) when the network outputs A2 = [0.3, 0.7, 0.45, 0.51, 0.49, 0.9]",
            mistakes={
                "these are the probabilities A2 themselves: turn them into labels with A2 > 0.5.": [
                    [0.3, 0.7, 0.45, 0.51, 0.49, 0.9]
                ],
                "the labels are the wrong way round: predict 1 where A2 > 0.5.": [[1, 0, 1, 0, 1, 0]],
            },
        )
