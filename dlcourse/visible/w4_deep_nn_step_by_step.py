"""Visible tests of w4_deep_nn_step_by_step: one function per visible test cell of deep_nn_step_by_step.ipynb.

A test cell calls one with the notebook's function, e.g. ``tests.linear_forward(linear_forward)``.
"""

from collections.abc import Callable
from typing import Any

import numpy as np

from dlcourse import checks

ZERO_WEIGHTS = (
    "all weights are zero: every unit of a layer would then compute the same value and receive the same update, "
    "for ever (the symmetry is never broken). Draw them with np.random.randn(...) * 0.01."
)
TOO_LARGE = "the weights are 100 times too large: multiply np.random.randn(...) by 0.01 so that they start small."
AL_MINUS_Y = (
    "this is AL - Y, which is dZ of the output layer: the backward block of layer L wants "
    "dA[L] = -(Y / AL - (1 - Y) / (1 - AL))."
)


def initialize_parameters(initialize_parameters: Callable[..., Any]) -> None:
    """Visible tests for initialize_parameters."""
    W1 = np.array([[0.01624345364, -0.006117564137, -0.005281717523], [-0.01072968622, 0.008654076293, -0.02301538697]])
    W2 = np.array([[0.01744811764, -0.007612069009]])
    np.random.seed(1)
    parameters = initialize_parameters(3, 2, 1)
    with checks.testing("initialize_parameters"):
        checks.expect_keys(parameters, ["W1", "b1", "W2", "b2"], "initialize_parameters(3, 2, 1)")
        checks.expect_close(
            parameters["W1"],
            W1,
            "W1 of initialize_parameters(3, 2, 1) after np.random.seed(1)",
            mistakes={ZERO_WEIGHTS: 0 * W1, TOO_LARGE: 100 * W1},
        )
        checks.expect_close(parameters["b1"], [[0.0], [0.0]], "b1 of initialize_parameters(3, 2, 1)")
        checks.expect_close(
            parameters["W2"],
            W2,
            "W2 of initialize_parameters(3, 2, 1) after np.random.seed(1) (drawn after W1)",
            mistakes={ZERO_WEIGHTS: 0 * W2, TOO_LARGE: 100 * W2},
        )
        checks.expect_close(parameters["b2"], [[0.0]], "b2 of initialize_parameters(3, 2, 1)")


def initialize_parameters_deep(initialize_parameters_deep: Callable[..., Any]) -> None:
    """Visible tests for initialize_parameters_deep: a network with L = 2 layers and one with L = 3."""
    W1 = np.array(
        [
            [0.01788628473, 0.004365098505, 0.0009649746807, -0.01863492703, -0.002773882025],
            [-0.003547589793, -0.0008274148148, -0.006270006768, -0.0004381816898, -0.004772180304],
            [-0.01313864753, 0.008846223805, 0.008813180422, 0.01709573064, 0.0005003364218],
            [-0.004046774146, -0.005453599476, -0.01546477316, 0.009823674343, -0.0110106763],
        ]
    )
    W2 = np.array(
        [
            [-0.01185046527, -0.002056498994, 0.01486148355, 0.002367162672],
            [-0.0102378514, -0.007129932001, 0.006252449662, -0.001605133632],
            [-0.007688363503, -0.002300307223, 0.007450562664, 0.01976110783],
        ]
    )
    np.random.seed(3)
    parameters = initialize_parameters_deep([5, 4, 3])
    np.random.seed(7)
    deeper = initialize_parameters_deep([3, 2, 2, 1])
    with checks.testing("initialize_parameters_deep"):
        checks.expect_keys(parameters, ["W1", "b1", "W2", "b2"], "initialize_parameters_deep([5, 4, 3])")
        checks.expect_close(
            parameters["W1"],
            W1,
            "W1 of initialize_parameters_deep([5, 4, 3]) after np.random.seed(3)",
            mistakes={ZERO_WEIGHTS: 0 * W1, TOO_LARGE: 100 * W1},
        )
        checks.expect_close(parameters["b1"], np.zeros((4, 1)), "b1 of initialize_parameters_deep([5, 4, 3])")
        checks.expect_close(
            parameters["W2"],
            W2,
            "W2 of initialize_parameters_deep([5, 4, 3]) after np.random.seed(3)",
            mistakes={ZERO_WEIGHTS: 0 * W2, TOO_LARGE: 100 * W2},
        )
        checks.expect_close(parameters["b2"], np.zeros((3, 1)), "b2 of initialize_parameters_deep([5, 4, 3])")
        checks.expect_keys(
            deeper, ["W1", "b1", "W2", "b2", "W3", "b3"], "initialize_parameters_deep([3, 2, 2, 1]) (L = 3 layers)"
        )
        for name, value in {
            "W1": np.array(
                [[0.01690525704, -0.004659373705, 0.0003282016368], [0.00407516283, -0.007889230286, 2.065572906e-05]]
            ),
            "b1": np.array([[0], [0]]),
            "W2": np.array([[-8.903858579e-06, -0.01754724306], [0.01017658006, 0.006004985159]]),
            "b2": np.array([[0], [0]]),
            "W3": np.array([[-0.00625428974, -0.001715482612]]),
            "b3": np.array([[0]]),
        }.items():
            checks.expect_close(
                deeper[name], value, f"{name} of initialize_parameters_deep([3, 2, 2, 1]) after np.random.seed(7)"
            )


def linear_forward(linear_forward: Callable[..., Any]) -> None:
    """Visible tests for linear_forward."""
    A = np.array([[0.5, -1.2], [1.5, 0.3]])
    W = np.array([[0.4, -0.7], [1.1, 0.2]])
    b = np.array([[0.3], [-0.5]])
    A2 = np.array([[1, -0.5, 2, 0.1], [0.3, 0.8, -1.2, 0.6], [-0.4, 1.5, 0.2, -0.9]])
    W2 = np.array([[0.2, -0.3, 0.5], [-0.6, 0.1, 0.4]])
    b2 = np.array([[0.1], [-0.2]])
    with checks.testing("linear_forward"):
        Z, cache = checks.call_unchanged(linear_forward, A, W, b)
        checks.expect_close(
            Z,
            [[-0.55, -0.39], [0.35, -1.76]],
            "Z of linear_forward(A, W, b) for 2x2 A and W",
            mistakes={
                "the bias is missing: Z = W A + b.": [[-0.85, -0.69], [0.85, -1.26]],
                "this is A W + b: the product is W @ A, weights on the left.": [[-0.82, -0.29], [0.43, -1.49]],
                "this is W.T A + b: W already has shape (n[l], n[l-1]), no transpose is needed.": [
                    [2.15, 0.15],
                    [-0.55, 0.4],
                ],
            },
        )
        checks.expect_true(
            isinstance(cache, (tuple, list)) and len(cache) == 3,
            "linear_forward must return cache = (A, W, b), a tuple of three arrays",
        )
        for i, (name, value) in enumerate([("A", A), ("W", W), ("b", b)]):
            checks.expect_close(
                cache[i],
                value,
                f"cache[{i}] of linear_forward, which should be {name}: the cache is (A, W, b), in this order",
            )
        Z2, cache2 = checks.call_unchanged(linear_forward, A2, W2, b2)
        checks.expect_close(
            Z2,
            [[0.01, 0.51, 0.96, -0.51], [-0.93, 0.78, -1.44, -0.56]],
            "Z of linear_forward(A, W, b) with A of shape (3, 4), W (2, 3), b (2, 1)",
            mistakes={"the bias is missing: Z = W A + b.": [[-0.09, 0.41, 0.86, -0.61], [-0.73, 0.98, -1.24, -0.36]]},
        )


def linear_activation_forward(linear_activation_forward: Callable[..., Any]) -> None:
    """Visible tests for linear_activation_forward. So that this function is judged on its own, the test replaces your
    linear_forward by a stand-in that knows the right result for the test's input. Computing W @ A_prev + b
    yourself, with the same cache (A_prev, W, b), is accepted too.
    """
    notebook = checks.namespace_of(linear_activation_forward)
    A_prev = np.array([[1.2, -0.4], [0.5, 0.9], [-1.1, 0.3]])
    _W = np.array([[0.6, -0.8, 0.3], [-0.5, 0.2, 0.9]])
    _b = np.array([[0.2], [-0.1]])
    Z = np.array([[0.19, -0.67], [-1.59, 0.55]])
    _linear_forward = checks.recorded(
        "linear_forward", [({"A": A_prev, "W": _W, "b": _b}, (Z, (A_prev, _W, _b)))], like=lambda A, W, b: None
    )
    with checks.testing("linear_activation_forward"), checks.substituted(notebook, linear_forward=_linear_forward):
        _A, cache = checks.call_unchanged(linear_activation_forward, A_prev, _W, _b, "sigmoid")
        checks.expect_close(
            _A,
            [[0.5473576181, 0.3384968408], [0.1693838969, 0.634135591]],
            'A of linear_activation_forward(A_prev, W, b, "sigmoid")',
            mistakes={
                "this is ReLU(Z): the activation 'sigmoid' asks for sigmoid(Z).": [[0.19, 0], [0, 0.55]],
                "this is Z itself: apply the activation to Z.": Z,
            },
        )
        checks.expect_true(
            isinstance(cache, (tuple, list)) and len(cache) == 2,
            "linear_activation_forward must return cache = (linear_cache, activation_cache), a tuple of two",
        )
        checks.expect_true(
            isinstance(cache[0], (tuple, list)) and len(cache[0]) == 3,
            f"cache[0] should be the linear cache (A_prev, W, b) that linear_forward returns, got "
            f"{type(cache[0]).__name__}: the cache is (linear_cache, activation_cache), in this order",
        )
        for part, value, name in zip(cache[0], (A_prev, _W, _b), ("A_prev", "W", "b")):
            checks.expect_close(part, value, f"the {name} in cache[0], the linear cache (A_prev, W, b)")
        checks.expect_close(cache[1], Z, "cache[1], the activation cache: the Z that the activation function returned")
        _A, cache = checks.call_unchanged(linear_activation_forward, A_prev, _W, _b, "relu")
        checks.expect_close(
            _A,
            [[0.19, 0], [0, 0.55]],
            'A of linear_activation_forward(A_prev, W, b, "relu")',
            mistakes={
                "this is sigmoid(Z): the activation 'relu' asks for relu(Z).": [
                    [0.5473576181, 0.3384968408],
                    [0.1693838969, 0.634135591],
                ],
                "this is Z itself: apply the activation to Z.": Z,
            },
        )
        checks.expect_close(cache[1], Z, "cache[1] with 'relu', the activation cache Z")


def L_model_forward(L_model_forward: Callable[..., Any]) -> None:
    """Visible tests for L_model_forward, on a network with L = 2 layers [3, 2, 1] and one with L = 4 layers [2, 3, 2,
    2, 1]. So that this function is judged on its own, the test replaces your linear_activation_forward by a stand-
    in that knows the right result of each layer's W, with real caches ((A_prev, W, b), Z); a loop that calls
    linear_forward and the activations itself meets a stand-in linear_forward that knows the same layers, and is
    judged on its result.
    """
    notebook = checks.namespace_of(L_model_forward)

    def signature(A_prev, W, b, activation):
        pass

    X1 = np.array([[0.03, 1.36], [1.22, -0.51], [-0.3, -0.53]])
    parameters1 = {
        "W1": np.array([[0.57, -0.06, 0.75], [-1.85, 1.57, -0.1]]),
        "b1": np.array([[0.2], [-0.04]]),
        "W2": np.array([[-0.38, 0.46]]),
        "b2": np.array([[0.25]]),
    }
    A1_1 = np.array([[0, 0.6083], [1.8499, 0]])
    A1_2 = np.array([[0.7504388138, 0.5047113606]])
    X2 = np.array([[-0.97, -0.2, 1.25], [1.75, -0.52, 1.3]])
    parameters2 = {
        "W1": np.array([[-0.57, 0.05], [1.07, -0.33], [2.37, -2.53]]),
        "b1": np.array([[-0.09], [-0.24], [-0.07]]),
        "W2": np.array([[0.07, -1.61, 1.13], [-1.24, 0.57, 0.98]]),
        "b2": np.array([[-0.34], [0.34]]),
        "W3": np.array([[0.25, -0.34], [0.82, 1.6]]),
        "b3": np.array([[0.41], [0.1]]),
        "W4": np.array([[-0.33, -0.58]]),
        "b4": np.array([[0.23]]),
    }
    A2_1 = np.array([[0.5504, 0, 0], [0, 0, 0.6685], [0, 0.7716, 0]])
    A2_2 = np.array([[0, 0.531908, 0], [0, 1.096168, 0.721045]])
    A2_3 = np.array([[0.41, 0.17027988, 0.1648447], [0.1, 2.29003336, 1.253672]])
    A2_4 = np.array([[0.5091739703, 0.2396841892, 0.3655098555]])

    # Z of each layer (W @ A_prev + b), for the caches ((A_prev, W, b), Z) and for a loop that calls linear_forward
    Z1 = [np.array([[-0.0811, 0.6083], [1.8499, -3.3037]]), np.array([[1.100954, 0.018846]])]
    Z2 = [
        np.array(
            [
                [5.5040e-01, -2.0000e-03, -7.3750e-01],
                [-1.8554e00, -2.8240e-01, 6.6850e-01],
                [-6.7964e00, 7.7160e-01, -3.9650e-01],
            ]
        ),
        np.array([[-0.301472, 0.531908, -1.416285], [-0.342496, 1.096168, 0.721045]]),
        np.array([[0.41, 0.17027988, 0.1648447], [0.1, 2.29003336, 1.253672]]),
        np.array([[0.0367, -1.1544117092, -0.551528511]]),
    ]

    def _layers(X, parameters, activations, Z):
        """Each layer's inputs, outputs and real cache ((A_prev, W, b), Z)."""
        return [
            (
                activations[l - 1],
                parameters[f"W{l}"],
                parameters[f"b{l}"],
                activations[l],
                ((activations[l - 1], parameters[f"W{l}"], parameters[f"b{l}"]), Z[l - 1]),
            )
            for l in range(1, len(Z) + 1)
        ]

    def stand_ins(layers):
        """Stand-ins for linear_activation_forward and linear_forward that know every layer of the test."""
        forward = checks.watched(
            checks.recorded(
                "linear_activation_forward", [({"W": W}, (A, cache)) for _, W, _, A, cache in layers], like=signature
            ),
            like=signature,
        )
        linear = checks.recorded(
            "linear_forward",
            [({"A": A_prev, "W": W, "b": b}, (cache[1], cache[0])) for A_prev, W, b, _, cache in layers],
            like=lambda A, W, b: None,
        )
        return forward, linear

    def check_network(X, parameters, L, activations, Z, what):
        layers = _layers(X, parameters, activations, Z)
        net, linear = stand_ins(layers)
        with checks.substituted(notebook, linear_activation_forward=net, linear_forward=linear):
            AL, caches = checks.call_unchanged(L_model_forward, X, parameters)
        checks.expect_true(
            not net.calls or len(net.calls) == L,
            f"L_model_forward called linear_activation_forward {len(net.calls)} time(s) for "
            f"{what}: once per layer is expected. Check the range of your loop (layers 1 to L-1, then layer L).",
        )
        for l, call in enumerate(net.calls, start=1):
            checks.expect_close(
                call["W"],
                parameters[f"W{l}"],
                f"the W of call {l} of linear_activation_forward for {what}: "
                f"the layers are visited in order, so call {l} is for layer {l} and takes W{l}",
            )
            checks.expect_close(
                call["b"], parameters[f"b{l}"], f"the b passed to layer {l} for {what} (it should be b{l})"
            )
            checks.expect_close(
                call["A_prev"],
                activations[l - 1],
                f"the A_prev passed to layer {l} for {what}: "
                + ("X for the first layer" if l == 1 else f"the activations A{l - 1} that layer {l - 1} returned"),
            )
            checks.expect_true(
                call["activation"] == ("sigmoid" if l == L else "relu"),
                f"layer {l} of {what} was computed with activation {call['activation']!r}: "
                "ReLU for layers 1 to L-1, sigmoid for the output layer L",
            )
        checks.expect_close(AL, activations[L], f"AL of L_model_forward for {what} (what the last layer returned)")
        checks.expect_true(
            isinstance(caches, list) and len(caches) == L,
            f"caches should be a list of the {L} layer caches for {what}; got {type(caches).__name__} "
            f"of length {len(caches) if hasattr(caches, '__len__') else '-'}",
        )
        for l, (cache, layer) in enumerate(zip(caches, layers), start=1):
            checks.expect_true(
                checks.same(cache, layer[4]),
                f"caches[{l - 1}] for {what} should be the cache ((A_prev, W, b), Z) of layer {l}, in layer order "
                "(the cache that linear_activation_forward returned for that layer)",
            )

    with checks.testing("L_model_forward"):
        check_network(X1, parameters1, 2, [X1, A1_1, A1_2], Z1, "a network with L = 2 layers")
        check_network(X2, parameters2, 4, [X2, A2_1, A2_2, A2_3, A2_4], Z2, "a network with L = 4 layers")


def compute_cost(compute_cost: Callable[..., Any]) -> None:
    """Visible tests for compute_cost."""
    AL = np.array([[0.8, 0.9, 0.4, 0.2]])
    Y = np.array([[1, 1, 0, 0]])
    with checks.testing("compute_cost"):
        cost = checks.call_unchanged(compute_cost, AL, Y)
        checks.expect_close(
            cost,
            0.2656183105,
            "compute_cost([[0.8, 0.9, 0.4, 0.2]], [[1, 1, 0, 0]])",
            m=4,
            mistakes={
                "the two log terms are swapped: y multiplies log(a), and 1 - y multiplies log(1 - a).": 1.609437912
            },
        )
        checks.expect_close(
            compute_cost(np.array([[0.5, 0.5]]), np.array([[1, 0]])),
            0.6931471806,
            "compute_cost([[0.5, 0.5]], [[1, 0]])",
            m=2,
        )


def linear_backward(linear_backward: Callable[..., Any]) -> None:
    """Visible tests for linear_backward: expected values, then numerical gradients."""
    dZ = np.array([[0.3, -0.5, 0.8, 0.1], [-0.2, 0.4, 0.6, -0.7]])
    A_prev = np.array([[1, -0.5, 2, 0.4], [0.3, 0.8, -1.2, 0.6], [-0.4, 1.5, 0.2, -0.9]])
    _W = np.array([[0.2, -0.3, 0.5], [-0.6, 0.1, 0.4]])
    _b = np.array([[0.1], [-0.2]])
    with checks.testing("linear_backward"):
        dA_prev, dW, db = checks.call_unchanged(linear_backward, dZ, (A_prev, _W, _b))
        checks.expect_close(dW, [[0.5475, -0.3025, -0.2], [0.13, -0.22, 0.3575]], "dW of linear_backward", m=4)
        checks.expect_close(
            db,
            [[0.175], [0.025]],
            "db of linear_backward",
            m=4,
            mistakes={"db is the sum of dZ over the examples without the factor 1/m.": [[0.7], [0.1]]},
        )
        checks.expect_close(
            dA_prev,
            [[0.18, -0.34, -0.2, 0.44], [-0.11, 0.19, -0.18, -0.1], [0.07, -0.09, 0.64, -0.23]],
            "dA_prev of linear_backward",
            mistakes={
                "dA_prev has a factor 1/m too many: it is W.T @ dZ.": [
                    [0.045, -0.085, -0.05, 0.11],
                    [-0.0275, 0.0475, -0.045, -0.025],
                    [0.0175, -0.0225, 0.16, -0.0575],
                ]
            },
        )
        # Numerical gradients. Column i of dZ is the derivative of example i's loss with respect to Z's column i, so
        # the cost J = (1/m) * sum(dZ * Z), with Z = W A_prev + b, has exactly dW and db as gradients, and m * J has
        # dA_prev.
        checks.expect_gradient(dW, lambda W: np.sum(dZ * (W @ A_prev + _b)) / 4, _W, "dW of linear_backward", m=4)
        checks.expect_gradient(db, lambda b: np.sum(dZ * (_W @ A_prev + b)) / 4, _b, "db of linear_backward", m=4)
        checks.expect_gradient(dA_prev, lambda A: np.sum(dZ * (_W @ A + _b)), A_prev, "dA_prev of linear_backward")


def linear_activation_backward(linear_activation_backward: Callable[..., Any]) -> None:
    """Visible tests for linear_activation_backward. So that this function is judged on its own, the test replaces your
    linear_backward by a stand-in that accepts the string "the linear cache" as cache and returns fixed numbers; the
    test then looks at the dZ your function passed to it.
    """
    notebook = checks.namespace_of(linear_activation_backward)

    def signature(dZ, cache):
        pass

    dA = np.array([[0.4, -0.6, 0.9], [-0.3, 0.7, 0.2]])
    _Z = np.array([[0.8, -0.4, 1.3], [-1.1, 0.6, -0.2]])
    result = (
        np.array([[0.1, -0.2, 0.3], [0.05, 0.4, -0.1], [0.2, 0, -0.3]]),
        np.array([[0.11, -0.12, 0.13], [0.21, 0.22, -0.23]]),
        np.array([[0.05], [-0.07]]),
    )
    with checks.testing("linear_activation_backward"):
        for activation, _dZ, wrong, forward in [
            (
                "relu",
                [[0.4, 0, 0.9], [0, 0.7, 0]],
                [[0.08556387861, -0.1441564474, 0.1514685262], [-0.05621096386, 0.1601489683, 0.04950331454]],
                lambda Z: notebook["relu"](Z)[0],
            ),
            (
                "sigmoid",
                [[0.08556387861, -0.1441564474, 0.1514685262], [-0.05621096386, 0.1601489683, 0.04950331454]],
                [[0.4, 0, 0.9], [0, 0.7, 0]],
                lambda Z: notebook["sigmoid"](Z)[0],
            ),
        ]:
            other = "sigmoid" if activation == "relu" else "relu"
            _linear_backward = checks.watched(
                checks.recorded("linear_backward", [({"cache": "the linear cache"}, result)], like=signature),
                like=signature,
            )
            with checks.substituted(notebook, linear_backward=_linear_backward):
                got = checks.call_unchanged(linear_activation_backward, dA, ("the linear cache", _Z), activation)
            checks.expect_true(
                len(_linear_backward.calls) == 1,
                f"linear_activation_backward(..., '{activation}') called linear_backward "
                f"{len(_linear_backward.calls)} times: once is expected",
            )
            passed = _linear_backward.calls[0]["dZ"]
            checks.expect_close(
                passed,
                _dZ,
                f"the dZ passed to linear_backward with activation '{activation}'",
                mistakes={
                    f"this is the dZ of {other}: use {activation}_backward for activation '{activation}'.": wrong,
                    "this is dA itself: multiply by the derivative of the activation "
                    "(use the given backward function).": dA,
                },
            )
            # dZ is the gradient of sum(dA * g(Z)) with respect to Z, computed here with centered differences
            checks.expect_gradient(
                passed, lambda Z, forward=forward: np.sum(dA * forward(Z)), _Z, f"dZ with activation '{activation}'"
            )
            checks.expect_true(
                isinstance(got, tuple) and len(got) == 3,
                "linear_activation_backward must return the tuple (dA_prev, dW, db) that linear_backward returned",
            )
            for name, part, expected in zip(["dA_prev", "dW", "db"], got, result):
                checks.expect_close(
                    part, expected, f"{name} returned with '{activation}' (what linear_backward returned)"
                )


def L_model_backward(L_model_backward: Callable[..., Any]) -> None:
    """Visible tests for L_model_backward, on a network with L = 3 layers [2, 3, 2, 1] and one with L = 2 layers [3, 2,
    1]. So that this function is judged on its own, the test replaces your linear_activation_backward by a stand-in
    that returns fixed numbers for each layer's cache ((A_prev, W, b), Z) (and linear_backward by one that knows the
    output layer, so that dZ[L] = AL - Y with linear_backward is accepted too). It then checks the order of the
    calls and the dA passed to each layer.
    """
    notebook = checks.namespace_of(L_model_backward)

    def signature(dA, cache, activation):
        pass

    def linear_signature(dZ, cache):
        pass

    def real_caches(shapes):
        """Caches ((A_prev, W, b), Z) shaped like the real ones, from the test's arrays."""
        return [((A_prev, W, b), Z) for A_prev, W, b, Z in shapes]

    caches3 = real_caches(
        [
            (
                np.array([[-2.03, 1.86, 0.59, -0.47], [1.34, 0.02, 0.69, 0.11]]),
                np.array([[1.1, 1.06], [-0.91, -0.61], [0.34, -0.21]]),
                np.array([[-2.28], [2.03], [-2.17]]),
                np.array([[1.1, 0.34, -0.54, -1.26], [-1.89, 0.02, -0.81, -0.87], [-0.22, -0.05, -2.28, 0.93]]),
            ),
            (
                np.array([[0.08, -1.14, 0.44, 0.39], [-2.44, -0.11, 0.16, 0.56], [-0.82, -1.33, -0.95, 0.55]]),
                np.array([[-0.85, -0.76, 1.14], [-0.79, -0.9, -0.09]]),
                np.array([[0.2], [1.04]]),
                np.array([[-2.08, -1.28, 0.56, 1.8], [-0.24, -0.39, 0.17, -0.37]]),
            ),
            (
                np.array([[-0.88, -1.57, -0.12, 0.64], [-1.48, -0.49, 0.31, 0.23]]),
                np.array([[0.08, -0.26]]),
                np.array([[-0.8]]),
                np.log(np.array([[0.7, 0.2, 0.9, 0.4]]) / (1 - np.array([[0.7, 0.2, 0.9, 0.4]]))),
            ),
        ]
    )
    caches2 = real_caches(
        [
            (
                np.array([[-1.74, 1.6, -0.9], [-0.12, -0.07, -0.65], [2.23, 0.09, -1.32]]),
                np.array([[0.65, 0.71, -1.15], [0.54, 0.07, 0.82]]),
                np.array([[0.71], [-0.01]]),
                np.array([[-0.93, 1.16, -1.12], [1.23, -1.32, 2.9]]),
            ),
            (
                np.array([[-0.41, 0.91, 0.31], [-1.49, -0.54, -0.48]]),
                np.array([[-0.26, 2.28]]),
                np.array([[-0.38]]),
                np.log(np.array([[0.3, 0.85, 0.6]]) / (1 - np.array([[0.3, 0.85, 0.6]]))),
            ),
        ]
    )
    cases = [
        (
            3,
            np.array([[0.7, 0.2, 0.9, 0.4]]),
            np.array([[1, 0, 1, 1]]),
            [
                (
                    {"cache": caches3[2], "activation": "sigmoid"},
                    (
                        np.array([[0.36, 1.51, -1.79, 1.69], [-0.05, -0.8, -0.8, -1.08]]),
                        np.array([[-0.22, 0.83]]),
                        np.array([[0.58]]),
                    ),
                ),
                (
                    {"cache": caches3[1], "activation": "relu"},
                    (
                        np.array([[0.64, -1.69, -1.57, 1.55], [0.97, 2.18, 1.21, -1.02], [1.29, 0.63, 0.21, -0.82]]),
                        np.array([[0, -0.15, 0.89], [0.12, 1.58, -0.77]]),
                        np.array([[0.47], [0.5]]),
                    ),
                ),
                (
                    {"cache": caches3[0], "activation": "relu"},
                    (
                        np.array([[-0.86, -1.18, 1.01, 0.52], [-0.16, 0.39, -0.68, 0.24]]),
                        np.array([[-0.61, 0.19], [0.99, -0.34], [0.85, -1.03]]),
                        np.array([[-0.29], [-1.36], [-0.1]]),
                    ),
                ),
            ],
            [
                np.array([[-1.428571429, 1.25, -1.111111111, -2.5]]),
                np.array([[0.36, 1.51, -1.79, 1.69], [-0.05, -0.8, -0.8, -1.08]]),
                np.array([[0.64, -1.69, -1.57, 1.55], [0.97, 2.18, 1.21, -1.02], [1.29, 0.63, 0.21, -0.82]]),
            ],
        ),
        (
            2,
            np.array([[0.3, 0.85, 0.6]]),
            np.array([[0, 1, 0]]),
            [
                (
                    {"cache": caches2[1], "activation": "sigmoid"},
                    (
                        np.array([[-1.4, -1.2, -1.3], [-0.62, 1.45, -1.6]]),
                        np.array([[0.94, 1.26]]),
                        np.array([[-0.36]]),
                    ),
                ),
                (
                    {"cache": caches2[0], "activation": "relu"},
                    (
                        np.array([[-0.7, 0.47, 1.21], [2.16, 0.89, 1.59], [-0.45, -0.87, -1.72]]),
                        np.array([[-1.15, -0.36, 0.19], [-1.31, 0.82, -0.1]]),
                        np.array([[-0.64], [-0.77]]),
                    ),
                ),
            ],
            [np.array([[1.428571429, -1.176470588, 2.5]]), np.array([[-1.4, -1.2, -1.3], [-0.62, 1.45, -1.6]])],
        ),
    ]
    dAL_mistakes = [
        {
            "dAL has the wrong sign: dAL = -(Y / AL - (1 - Y) / (1 - AL)).": [[1.428571429, -1.25, 1.111111111, 2.5]],
            AL_MINUS_Y: [[-0.3, 0.2, -0.1, -0.6]],
        },
        {
            "dAL has the wrong sign: dAL = -(Y / AL - (1 - Y) / (1 - AL)).": [[-1.428571429, 1.176470588, -2.5]],
            AL_MINUS_Y: [[0.3, -0.15, 0.6]],
        },
    ]
    with checks.testing("L_model_backward"):
        for (L, AL, Y, _calls, received), _mistakes in zip(cases, dAL_mistakes):
            what = f"a network with L = {L} layers"
            backward = checks.watched(
                checks.recorded("linear_activation_backward", _calls, like=signature), like=signature
            )
            caches = [call[0]["cache"] for call in _calls][::-1]
            linear = checks.watched(
                checks.recorded(
                    "linear_backward", [({"dZ": AL - Y, "cache": caches[-1][0]}, _calls[0][1])], like=linear_signature
                ),
                like=linear_signature,
            )
            with checks.substituted(notebook, linear_activation_backward=backward, linear_backward=linear):
                grads = checks.call_unchanged(L_model_backward, AL, Y, caches)
            visited = [
                next((l for l, c in enumerate(caches, start=1) if checks.same(c, call["cache"])), "another cache")
                for call in backward.calls
            ]
            direct = len(linear.calls) > 0  # the output layer done as dZ = AL - Y, then linear_backward
            order = list(range(L, 0, -1))[1 if direct else 0 :]
            checks.expect_true(
                visited == order,
                f"for {what}, linear_activation_backward received the caches of layers {visited}; expected each "
                f"layer once, from the output back to the first layer: {order}",
            )
            if not direct:
                checks.expect_close(
                    backward.calls[0]["dA"],
                    received[0],
                    f"the dA passed to the output layer (dAL) for {what}",
                    mistakes=_mistakes,
                )
            for l in range(L - 1, 0, -1):
                checks.expect_close(
                    backward.calls[L - l - direct]["dA"],
                    received[L - l],
                    f"the dA passed to layer {l} for {what}: it is dA{l}, the dA_prev returned by layer {l + 1}",
                )
            names = (
                [f"dA{l - 1}" for l in range(1, L + 1)]
                + [f"dW{l}" for l in range(1, L + 1)]
                + [f"db{l}" for l in range(1, L + 1)]
            )
            checks.expect_keys(grads, names, f"grads of L_model_backward for {what}")
            for (_, (dA_prev, dW, db)), l in zip(_calls, range(L, 0, -1)):
                checks.expect_close(
                    grads[f"dA{l - 1}"], dA_prev, f'grads["dA{l - 1}"] for {what} (the dA_prev returned by layer {l})'
                )
                checks.expect_close(grads[f"dW{l}"], dW, f'grads["dW{l}"] for {what}')
                checks.expect_close(grads[f"db{l}"], db, f'grads["db{l}"] for {what}')


def update_parameters(update_parameters: Callable[..., Any]) -> None:
    """Visible tests for update_parameters, on a network with L = 2 layers and one with L = 3 layers."""
    params1 = {
        "W1": np.array([[-0.4, 0.26, 0.61], [-0.97, 0.77, 0.26]]),
        "b1": np.array([[0.78], [0.27]]),
        "W2": np.array([[1.16, -0.94]]),
        "b2": np.array([[1.78]]),
    }
    grads1 = {
        "dA0": np.array([[1.2, -0.6], [0.66, 0.44], [-1.75, 0.6]]),
        "dA1": np.array([[-0.59, -0.25], [-0.6, -0.43]]),
        "dW1": np.array([[0.07, 0.1, -1.56], [-0.27, -1.34, -1.27]]),
        "db1": np.array([[-0.35], [0.86]]),
        "dW2": np.array([[0.63, -0.6]]),
        "db2": np.array([[-0.71]]),
    }
    params2 = {
        "W1": np.array([[0.91, 0.75], [-0.03, 0.65], [-0.65, -1.83]]),
        "b1": np.array([[1.68], [0.48], [-2.07]]),
        "W2": np.array([[-1.06, -0.62, 0.34], [1.33, 0.31, -0.43]]),
        "b2": np.array([[0.47], [-0.22]]),
        "W3": np.array([[0.18, -0.67]]),
        "b3": np.array([[-1.21]]),
    }
    grads2 = {
        "dA0": np.array([[1.28, -0.32], [0.12, -0.6]]),
        "dA1": np.array([[-0.54, -0.35], [0.66, 1.22], [0.54, -0.55]]),
        "dA2": np.array([[2.8, 0.84], [0.94, -0.55]]),
        "dW1": np.array([[-0.24, 0.61], [-1.74, -0.77], [0.4, 2.42]]),
        "db1": np.array([[0.42], [-1.04], [-1.22]]),
        "dW2": np.array([[0.98, -0.81, -0.34], [1.96, 0.06, -0.36]]),
        "db2": np.array([[-0.78], [1.32]]),
        "dW3": np.array([[1.32, -0.67]]),
        "db3": np.array([[-1.42]]),
    }
    expected1 = {
        "W1": np.array([[-0.407, 0.25, 0.766], [-0.943, 0.904, 0.387]]),
        "b1": np.array([[0.815], [0.184]]),
        "W2": np.array([[1.097, -0.88]]),
        "b2": np.array([[1.851]]),
    }
    expected2 = {
        "W1": np.array([[1.03, 0.445], [0.84, 1.035], [-0.85, -3.04]]),
        "b1": np.array([[1.47], [1], [-1.46]]),
        "W2": np.array([[-1.55, -0.215, 0.51], [0.35, 0.28, -0.25]]),
        "b2": np.array([[0.86], [-0.88]]),
        "W3": np.array([[-0.48, -0.335]]),
        "b3": np.array([[-0.5]]),
    }
    cases = [(params1, grads1, 0.1, expected1), (params2, grads2, 0.5, expected2)]
    with checks.testing("update_parameters"):
        for params, grads, learning_rate, expected in cases:
            what = (
                f"update_parameters with learning_rate {learning_rate} on a network with L = {len(params) // 2} layers"
            )
            new = checks.call_unchanged(update_parameters, params, grads, learning_rate)
            checks.expect_keys(new, list(expected), f"the parameters returned by {what}")
            for name, value in expected.items():
                checks.expect_close(
                    new[name],
                    value,
                    f"{name} returned by {what}",
                    mistakes={
                        "the step goes uphill: W := W - learning_rate * dW, with a minus sign.": 2 * params[name]
                        - value,
                        f"{name} was not updated: the loop must visit every layer, l = 1 to L "
                        "(range(1, L + 1)).": params[name],
                    },
                )
