"""The references the hidden tests of logistic_regression.ipynb share, written once.

Only the grader sees this file: nbgrader_config.py keeps hidden_*.py out of release/ and out of the grading kernel's
folder; the judge imports it from source/ (and a source notebook run from its own folder does too).
"""

import numpy as np


def reference_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def reference_propagate(w, b, X, Y):
    A = reference_sigmoid(w.T @ X + b)
    cost = float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))
    return {"dw": X @ (A - Y).T / X.shape[1], "db": float(np.mean(A - Y))}, cost


def reference_optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = reference_propagate(w, b, X, Y)
        w, b = w - learning_rate * grads["dw"], b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs
