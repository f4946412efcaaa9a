"""Activation functions of the week-4 network and their backward steps (given: not graded).

Each forward function returns the activation and what its backward step needs (Z, the "activation
cache"); each backward function turns dA, the gradient with respect to the activation, into dZ.
"""
import numpy as np


def sigmoid(Z):
    """Sigmoid of every element of Z; returns (A, Z), Z being kept as the activation cache."""
    A = 1 / (1 + np.exp(-Z))
    return A, Z


def relu(Z):
    """ReLU of every element of Z, max(0, Z); returns (A, Z), Z being kept as the activation cache."""
    A = np.maximum(0, Z)
    return A, Z


def sigmoid_backward(dA, Z):
    """dZ = dA * s * (1 - s) with s = sigmoid(Z): the chain rule through a sigmoid unit."""
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def relu_backward(dA, Z):
    """dZ = dA where Z > 0 and 0 elsewhere: the chain rule through a ReLU unit."""
    return np.where(Z > 0, dA, 0.0)
