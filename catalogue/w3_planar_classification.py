"""Answers for w3_planar_classification that are not the reference: known mistakes and differently written correct code.

MISTAKES: {graded function: {what is wrong: code of the solution cell}} — each must lose exactly that function's points
(the first mistake of the last function, predict, is also used with its test cell tampered with).
ALTERNATIVES: {how it differs: {graded function: code}} — each set must get full marks.
"""

MISTAKES = {
    "layer_sizes": {
        "sizes read from shape[1], the number of examples": '''
def layer_sizes(X, Y):
    return (X.shape[1], 4, Y.shape[1])
''',
        "n_y typed in as 1 and the hidden layer sized 5": '''
def layer_sizes(X, Y):
    return (X.shape[0], 5, 1)
''',
    },
    "initialize_parameters": {
        "zero weights (the symmetry is never broken)": '''
def initialize_parameters(n_x, n_h, n_y):
    return {"W1": np.zeros((n_h, n_x)), "b1": np.zeros((n_h, 1)),
            "W2": np.zeros((n_y, n_h)), "b2": np.zeros((n_y, 1))}
''',
        "large weights (no factor 0.01)": '''
def initialize_parameters(n_x, n_h, n_y):
    return {"W1": np.random.randn(n_h, n_x), "b1": np.zeros((n_h, 1)),
            "W2": np.random.randn(n_y, n_h), "b2": np.zeros((n_y, 1))}
''',
        "weight matrices transposed": '''
def initialize_parameters(n_x, n_h, n_y):
    return {"W1": np.random.randn(n_x, n_h) * 0.01, "b1": np.zeros((n_h, 1)),
            "W2": np.random.randn(n_h, n_y) * 0.01, "b2": np.zeros((n_y, 1))}
''',
        "uniform weights in [0, 0.01) instead of normal ones": '''
def initialize_parameters(n_x, n_h, n_y):
    return {"W1": np.random.rand(n_h, n_x) * 0.01, "b1": np.zeros((n_h, 1)),
            "W2": np.random.rand(n_y, n_h) * 0.01, "b2": np.zeros((n_y, 1))}
''',
    },
    "forward_propagation": {
        "sigmoid in the hidden layer": '''
def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = sigmoid(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
''',
        "bias of the hidden layer forgotten": '''
def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X
    A1 = np.tanh(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
''',
    },
    "compute_cost": {
        "no factor 1/m": '''
def compute_cost(A2, Y):
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))
''',
        "sign flipped": '''
def compute_cost(A2, Y):
    m = Y.shape[1]
    return float(np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)
''',
        "the (1 - y) log(1 - a) term left out": '''
def compute_cost(A2, Y):
    return float(-np.mean(Y * np.log(A2)))
''',
        "a (1, 1) array instead of a number": '''
def compute_cost(A2, Y):
    m = Y.shape[1]
    return -(np.dot(Y, np.log(A2).T) + np.dot(1 - Y, np.log(1 - A2).T)) / m
''',
    },
    "backward_propagation": {
        "the sigmoid's derivative A1 * (1 - A1) in the hidden layer": '''
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = (parameters["W2"].T @ dZ2) * A1 * (1 - A1)
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}
''',
        "no factor 1/m": '''
def backward_propagation(parameters, cache, X, Y):
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - A1 ** 2)
    return {"dW1": dZ1 @ X.T, "db1": np.sum(dZ1, axis=1, keepdims=True),
            "dW2": dZ2 @ A1.T, "db2": np.sum(dZ2, axis=1, keepdims=True)}
''',
        "db summed over the wrong axis (axis=0)": '''
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - A1 ** 2)
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=0, keepdims=True) / m,
            "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=0, keepdims=True) / m}
''',
        "db as a rank-1 array (no keepdims)": '''
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - A1 ** 2)
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1) / m,
            "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1) / m}
''',
    },
    "update_parameters": {
        "steps up the gradient (+ instead of -)": '''
def update_parameters(parameters, grads, learning_rate=1.2):
    return {key: parameters[key] + learning_rate * grads["d" + key] for key in ["W1", "b1", "W2", "b2"]}
''',
        "updates the arrays passed in, in place": '''
def update_parameters(parameters, grads, learning_rate=1.2):
    for key in ["W1", "b1", "W2", "b2"]:
        parameters[key] -= learning_rate * grads["d" + key]
    return parameters
''',
        "learning rate left out": '''
def update_parameters(parameters, grads, learning_rate=1.2):
    return {key: parameters[key] - grads["d" + key] for key in ["W1", "b1", "W2", "b2"]}
''',
    },
    "nn_model": {
        "ignores num_iterations (always 10000 iterations)": '''
def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    n_x, _, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(10000):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads)
    return parameters
''',
        "hidden layer sized by layer_sizes (4) instead of n_h": '''
def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    n_x, n_h, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads)
    return parameters
''',
        "default num_iterations of 1000 instead of 10000": '''
def nn_model(X, Y, n_h, num_iterations=1000, print_cost=False):
    n_x, _, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads)
    return parameters
''',
        "the updated parameters are thrown away": '''
def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    n_x, _, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        new_parameters = update_parameters(parameters, grads)
    return parameters
''',
    },
    "predict": {
        "returns the probabilities A2": '''
def predict(parameters, X):
    A2, cache = forward_propagation(X, parameters)
    return A2
''',
        "labels of shape (m,)": '''
def predict(parameters, X):
    A2, cache = forward_propagation(X, parameters)
    return (A2 > 0.5).astype(float).ravel()
''',
    },
}

ALTERNATIVES = {
    "matmul, einsum, tanh of Z1, bool predictions, prints and warnings": {
        "layer_sizes": '''
def layer_sizes(X, Y):
    n_x, m = X.shape
    print("X has", m, "examples")
    return n_x, 4, len(Y)
''',
        "initialize_parameters": '''
import warnings
def initialize_parameters(n_x, n_h, n_y):
    warnings.warn("drawing random weights")
    W1 = np.random.normal(0.0, 0.01, size=(n_h, n_x))
    W2 = np.random.normal(0.0, 0.01, size=(n_y, n_h))
    return dict(W1=W1, b1=np.zeros(shape=(n_h, 1)), W2=W2, b2=np.zeros(shape=(n_y, 1)))
''',
        "forward_propagation": '''
def forward_propagation(X, parameters):
    Z1 = np.matmul(parameters["W1"], X) + parameters["b1"]
    A1 = (np.exp(Z1) - np.exp(-Z1)) / (np.exp(Z1) + np.exp(-Z1))
    Z2 = np.einsum("ij,jk->ik", parameters["W2"], A1) + parameters["b2"]
    A2 = 1 / (1 + np.exp(-Z2))
    return A2, {"A2": A2, "Z2": Z2, "A1": A1, "Z1": Z1}
''',
        "compute_cost": '''
def compute_cost(A2, Y):
    m = Y.shape[1]
    cost = -(np.dot(Y, np.log(A2).T) + np.dot(1 - Y, np.log(1 - A2).T)) / m
    return np.squeeze(cost)
''',
        "backward_propagation": '''
import sys
def backward_propagation(parameters, cache, X, Y):
    m = Y.shape[1]
    print("backpropagating through", m, "examples", file=sys.stderr)
    dZ2 = cache["A2"] - Y
    dZ1 = np.matmul(parameters["W2"].T, dZ2) * (1 - np.tanh(cache["Z1"]) ** 2)
    return {"dW1": np.einsum("ik,jk->ij", dZ1, X) / m, "db1": dZ1.mean(axis=1, keepdims=True),
            "dW2": np.dot(dZ2, cache["A1"].T) / m, "db2": dZ2.mean(axis=1).reshape(-1, 1)}
''',
        "update_parameters": '''
import copy
def update_parameters(parameters, grads, learning_rate=1.2):
    new = copy.deepcopy(parameters)
    for key in new:
        new[key] -= learning_rate * grads["d" + key]
    return new
''',
        "nn_model": '''
def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    np.random.seed(3)
    parameters = initialize_parameters(X.shape[0], n_h, Y.shape[0])
    i = 0
    while i < num_iterations:
        A2, cache = forward_propagation(X, parameters)
        if print_cost and i % 1000 == 0:
            print("iteration", i, "cost", compute_cost(A2, Y))
        parameters = update_parameters(parameters, backward_propagation(parameters, cache, X, Y), learning_rate=1.2)
        i += 1
    A2, cache = forward_propagation(X, parameters)
    print("final cost", compute_cost(A2, Y))
    return parameters
''',
        "predict": '''
def predict(parameters, X):
    """Boolean predictions.

    Returns a (1, m) array of True/False.
    """
    A2, _ = forward_propagation(X, parameters)
    return A2 > 0.5
''',
    },
}

# Spellings and mistakes students met in the release notebooks (issue 17).
MISTAKES["backward_propagation"]["db2 as a scalar (no axis)"] = '''
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = (dZ2 @ A1.T) / m
    db2 = np.sum(dZ2) / m
    dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
    dW1 = (dZ1 @ X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
'''
MISTAKES["backward_propagation"]["W2 @ dZ2 without the transpose"] = '''
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = (dZ2 @ A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (W2 @ dZ2) * (1 - A1 ** 2)
    dW1 = (dZ1 @ X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
'''
ALTERNATIVES["textbook cost with np.dot (a (1, 1) array), threshold >= 0.5"] = {
    "compute_cost": '''
def compute_cost(A2, Y):
    m = Y.shape[1]
    cost = -(np.dot(Y, np.log(A2).T) + np.dot(1 - Y, np.log(1 - A2).T)) / m
    return float(np.squeeze(cost))
''',
    "predict": '''
def predict(parameters, X):
    A2, cache = forward_propagation(X, parameters)
    return (A2 >= 0.5).astype(float)
''',
}

# A key typo raised inside the student's function: named with a did-you-mean, locally and when judged.
MISTAKES["update_parameters"]["a typo in a gradient's key (grads['dw1'])"] = '''
def update_parameters(parameters, grads, learning_rate=1.2):
    return {"W1": parameters["W1"] - learning_rate * grads["dw1"], "b1": parameters["b1"] - learning_rate * grads["db1"],
            "W2": parameters["W2"] - learning_rate * grads["dW2"], "b2": parameters["b2"] - learning_rate * grads["db2"]}
'''
