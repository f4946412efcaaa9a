"""The references the hidden tests of planar_classification.ipynb share, written once.

Only the grader sees this file: nbgrader_config.py keeps hidden_*.py out of release/ and out of the grading kernel's
folder; the judge imports it from source/ (and a source notebook run from its own folder does too).
"""

import numpy as np


def reference_layer_sizes(X, Y):
    return X.shape[0], 4, Y.shape[0]


def reference_forward(X, parameters):
    z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    a1 = np.tanh(z1)
    z2 = np.dot(parameters["W2"], a1) + parameters["b2"]
    a2 = 1 / (1 + np.exp(-z2))
    return a2, {"Z1": z1, "A1": a1, "Z2": z2, "A2": a2}


def random_parameters(rng, n_x, n_h, n_y, scale=1.0):
    return {
        "W1": rng.normal(0, scale, (n_h, n_x)),
        "b1": rng.normal(0, 0.5, (n_h, 1)),
        "W2": rng.normal(0, scale, (n_y, n_h)),
        "b2": rng.normal(0, 0.5, (n_y, 1)),
    }


def reference_cost(A2, Y):
    return float(-np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))


def reference_backward(parameters, cache, X, Y):
    count = X.shape[1]
    dz2 = cache["A2"] - Y
    dz1 = np.dot(parameters["W2"].T, dz2) * (1 - np.tanh(cache["Z1"]) ** 2)
    return {
        "dW1": np.dot(dz1, X.T) / count,
        "db1": dz1.sum(axis=1, keepdims=True) / count,
        "dW2": np.dot(dz2, cache["A1"].T) / count,
        "db2": dz2.sum(axis=1, keepdims=True) / count,
    }


def reference_update(parameters, grads, learning_rate=1.2):
    return {key: parameters[key] - learning_rate * grads["d" + key] for key in parameters}
