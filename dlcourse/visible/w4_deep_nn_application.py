"""Visible tests of w4_deep_nn_application: one function per visible test cell of deep_nn_application.ipynb.

A test cell calls one with the notebook's answer, e.g. ``tests.two_layer_model(two_layer_model)``.
"""

from collections.abc import Callable
from typing import Any

import numpy as np

from dlcourse import checks

# The small problem both models are tested on: 4 features, 10 examples.
TOY_X = np.array(
    [
        [0.4, -0.62, 0.46, 0.89, 0.3, -0.03, 0.3, 1.36, -1.46, 1.65],
        [-0.5, -0.27, -0.5, -0.72, -0.24, 0.45, 0.38, 0.37, -0.17, 0.83],
        [-1.06, 0.43, 0.26, 0.76, 1.14, -2.21, -0.14, -0.24, -0.88, -1.95],
        [0.91, 1.05, 0.59, 0.15, -0.41, 0.1, 0.03, -3.11, 0.77, 1.12],
    ]
)
TOY_Y = np.array([[1, 0, 1, 1, 0, 1, 1, 1, 0, 1]])


def _expect_initialised_once(calls: Any, model: str, layer_dims: list[int]) -> None:
    """The model called initialize_parameters_deep(layers_dims) once."""
    checks.expect_true(
        len(calls) == 1 and list(calls[0]["layer_dims"]) == layer_dims,
        f"{model} should call initialize_parameters_deep(layers_dims) once, before the loop; calls seen: "
        f"{[c['layer_dims'] for c in calls]}",
    )


def two_layer_model(two_layer_model: Callable[..., Any]) -> None:
    """Visible tests for two_layer_model, on a small problem: 4 features, 10 examples, layers (4, 3, 1). The given
    blocks are watched, to see how your model uses them (they still compute as usual).
    """
    notebook = checks.namespace_of(two_layer_model)
    X, Y = TOY_X.copy(), TOY_Y.copy()  # a model that changes its input in place spoils no other test
    blocks = {
        name: checks.watched(notebook[name])
        for name in [
            "initialize_parameters_deep",
            "linear_activation_forward",
            "linear_activation_backward",
            "L_model_forward",
            "L_model_backward",
            "update_parameters",
        ]
    }
    with checks.testing("two_layer_model"):
        with checks.substituted(notebook, **blocks):
            np.random.seed(2)
            parameters, costs = checks.call_unchanged(
                two_layer_model, X, Y, (4, 3, 1), learning_rate=0.5, num_iterations=250
            )
        _calls = {name: block.calls for name, block in blocks.items()}
        _expect_initialised_once(_calls["initialize_parameters_deep"], "two_layer_model", [4, 3, 1])
        counts = {name: len(calls) for name, calls in _calls.items()}
        checks.expect_true(
            (counts["linear_activation_forward"] == 500 or counts["L_model_forward"] == 250)
            and (counts["linear_activation_backward"] == 500 or counts["L_model_backward"] == 250),
            f"with num_iterations=250, linear_activation_forward and linear_activation_backward should each run "
            f"500 times (two layers per iteration); they ran {counts['linear_activation_forward']} and "
            f"{counts['linear_activation_backward']} times. Use the given blocks, and loop num_iterations times.",
        )
        checks.expect_true(
            len(_calls["update_parameters"]) == 250,
            f"update_parameters ran {len(_calls['update_parameters'])} times for num_iterations=250: once per "
            "iteration is expected",
        )
        rates = sorted({call["learning_rate"] for call in _calls["update_parameters"]})
        checks.expect_true(
            rates == [0.5],
            f"update_parameters received the learning rates {rates}; the model was called with learning_rate=0.5",
        )
        activations = [call["activation"] for call in _calls["linear_activation_forward"][:2]]
        checks.expect_true(
            activations in (["relu", "sigmoid"], []),
            f"the two layers of the first iteration used {activations}: "
            "ReLU for the hidden layer, sigmoid for the output layer",
        )
        output_layer = [call for call in _calls["linear_activation_backward"] if call["activation"] == "sigmoid"][:1]
        if output_layer and isinstance(output_layer[0]["cache"], tuple) and len(output_layer[0]["cache"]) == 2:
            A2_first = 1 / (1 + np.exp(-np.asarray(output_layer[0]["cache"][1], dtype=float)))
            checks.expect_true(
                np.shape(output_layer[0]["dA"]) != A2_first.shape
                or not np.allclose(output_layer[0]["dA"], A2_first - Y),
                "the output layer's linear_activation_backward received dA2 = A2 - Y, which is dZ2: it takes "
                "dA2 = -(Y / A2 - (1 - Y) / (1 - A2)) and applies the sigmoid's derivative itself.",
            )
        checks.expect_true(
            isinstance(costs, list) and len(costs) == 3,
            f"costs should be a list of 3 costs (iterations 0, 100 and 200) for num_iterations=250; got {costs!r:.200}",
        )
        checks.expect_true(
            not float(costs[-1]) > float(costs[0]),
            f"the cost went up, from {float(costs[0]):.4g} at iteration 0 to "
            f"{float(costs[-1]):.4g} at iteration 200: gradient descent goes downhill; check the sign of dA2 = "
            "-(Y / A2 - (1 - Y) / (1 - A2)).",
        )
        checks.expect_close(
            np.array([float(c) for c in costs]),
            [0.6962338273, 0.0228301883, 0.003977502019],
            "the costs at iterations 0, 100 and 200",
            mistakes={
                "the cost never changes: update_parameters returns the new parameters, which must replace the "
                "old ones (parameters = update_parameters(...)).": [
                    0.6962338273,
                    0.6962338273,
                    0.6962338273,
                ]
            },
        )
        checks.expect_keys(parameters, ["W1", "b1", "W2", "b2"], "the parameters returned by two_layer_model")
        for _name, value in {
            "W1": np.array(
                [
                    [1.382402069, -0.1722637762, -1.189477392, 0.4905044296],
                    [-2.66988925, -0.3499448751, 1.414915731, -0.6919944615],
                    [-0.6170455055, -0.3890717485, 0.2186039992, 1.120856788],
                ]
            ),
            "b1": np.array([[1.201052242], [1.152797226], [-0.09895459742]]),
            "W2": np.array([[1.784417318, -3.162840788, -0.2846457362]]),
            "b2": np.array([[2.372657785]]),
        }.items():
            checks.expect_close(
                parameters[_name],
                value,
                f"{_name} after 250 iterations with learning_rate=0.5 (after np.random.seed(2))",
            )
        np.random.seed(2)
        parameters, costs = two_layer_model(X, Y, (4, 3, 1), learning_rate=0.1, num_iterations=1)
        checks.expect_true(
            isinstance(costs, list) and len(costs) == 1,
            f"with num_iterations=1 costs should hold one cost; got {costs!r:.200}",
        )
        checks.expect_close(costs[0], 0.6962338273, "the cost at iteration 0")
        checks.expect_close(
            parameters["W1"],
            [
                [-0.2077916097, -0.02798259464, -1.068634865, 0.8201857801],
                [-0.9083103469, -0.424586737, 0.2543551391, -0.605398228],
                [-0.5229282985, -0.4561467938, 0.2763944417, 1.145096993],
            ],
            "W1 after one iteration with learning_rate=0.1",
        )


def L_layer_model(L_layer_model: Callable[..., Any]) -> None:
    """Visible tests for L_layer_model, on a small problem: 4 features, 10 examples, layers [4, 5, 3, 1]. The given
    blocks are watched, to see how your model uses them (they still compute as usual).
    """
    notebook = checks.namespace_of(L_layer_model)
    X, Y = TOY_X.copy(), TOY_Y.copy()  # a model that changes its input in place spoils no other test
    blocks = {
        name: checks.watched(notebook[name])
        for name in ["initialize_parameters_deep", "L_model_forward", "L_model_backward", "update_parameters"]
    }
    with checks.testing("L_layer_model"):
        with checks.substituted(notebook, **blocks):
            np.random.seed(3)
            parameters, costs = checks.call_unchanged(
                L_layer_model, X, Y, [4, 5, 3, 1], learning_rate=0.3, num_iterations=250
            )
        _calls = {name: block.calls for name, block in blocks.items()}
        _expect_initialised_once(_calls["initialize_parameters_deep"], "L_layer_model", [4, 5, 3, 1])
        for _name in ["L_model_forward", "L_model_backward", "update_parameters"]:
            checks.expect_true(
                len(_calls[_name]) == 250,
                f"{_name} ran {len(_calls[_name])} times for num_iterations=250: "
                "once per iteration is expected (use the given blocks, and loop num_iterations times)",
            )
        rates = sorted({call["learning_rate"] for call in _calls["update_parameters"]})
        checks.expect_true(
            rates == [0.3],
            f"update_parameters received the learning rates {rates}; the model was called with learning_rate=0.3",
        )
        checks.expect_true(
            isinstance(costs, list) and len(costs) == 3,
            f"costs should be a list of 3 costs (iterations 0, 100 and 200) for num_iterations=250; got {costs!r:.200}",
        )
        checks.expect_close(
            np.array([float(c) for c in costs]),
            [0.9354096043, 0.304652716, 0.3020007049],
            "the costs at iterations 0, 100 and 200",
            mistakes={
                "the cost never changes: update_parameters returns the new parameters, which must replace the "
                "old ones (parameters = update_parameters(...)).": [
                    0.9354096043,
                    0.9354096043,
                    0.9354096043,
                ],
                "these are the costs of learning rate 0.0075, the default: use the learning_rate argument.": [
                    0.9354096043,
                    0.6903968221,
                    0.6373827887,
                ],
            },
        )
        checks.expect_keys(parameters, ["W1", "b1", "W2", "b2", "W3", "b3"], "the parameters returned by L_layer_model")
        for _name, value in {
            "W1": np.array(
                [
                    [0.9241975651, 0.2775496031, -0.1990614489, -0.8548717983],
                    [-0.1417298386, -0.1857862155, -0.002876915202, -0.2208532726],
                    [-1.548434814, -0.1422754808, 0.3120891611, 0.8020051078],
                    [0.451297322, 0.8528284124, 0.04573638088, -0.2498977955],
                    [-0.1569570228, -0.8148887164, 0.4955521603, -0.5869481542],
                ]
            ),
            "b1": np.array([[0.1051494299], [-0.07141640376], [0.1425611697], [0.002000942372], [0.08563000702]]),
            "W2": np.array(
                [
                    [-0.6012175637, -0.06874354457, 1.700633568, -0.01000312518, -0.4922991797],
                    [-0.3188602526, 0.2796180494, -0.07178375828, -0.3438340686, -0.1028728664],
                    [0.152541574, 0.8595879811, -0.5563888672, -0.349732772, -0.40447049],
                ]
            ),
            "b2": np.array([[-0.006475921822], [0], [-0.0435971527]]),
            "W3": np.array([[-2.110051631, -0.5333515724, -0.5400656802]]),
            "b3": np.array([[1.937318219]]),
        }.items():
            checks.expect_close(
                parameters[_name],
                value,
                f"{_name} after 250 iterations with learning_rate=0.3 (after np.random.seed(3))",
            )
        np.random.seed(3)
        parameters, costs = L_layer_model(X, Y, [4, 5, 3, 1], learning_rate=0.1, num_iterations=1)
        checks.expect_true(
            isinstance(costs, list) and len(costs) == 1,
            f"with num_iterations=1 costs should hold one cost; got {costs!r:.200}",
        )
        checks.expect_close(costs[0], 0.9354096043, "the cost at iteration 0")
        checks.expect_close(
            parameters["W3"],
            [[-1.378363829, -0.5333515724, -0.5824944702]],
            "W3 after one iteration with learning_rate=0.1",
        )
