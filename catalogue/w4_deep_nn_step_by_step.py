"""Answers for w4_deep_nn_step_by_step that are not the reference: known mistakes and differently written correct code.

MISTAKES: {graded function: {what is wrong: code of the solution cell}} — each must lose exactly that function's points.
ALTERNATIVES: {how it differs: {graded function: code}} — each set must get full marks.
"""

MISTAKES = {
    "initialize_parameters": {
        "zero weights (symmetry is never broken)": '''
def initialize_parameters(n_x, n_h, n_y):
    return {"W1": np.zeros((n_h, n_x)), "b1": np.zeros((n_h, 1)),
            "W2": np.zeros((n_y, n_h)), "b2": np.zeros((n_y, 1))}
''',
        "weights not scaled by 0.01": '''
def initialize_parameters(n_x, n_h, n_y):
    W1 = np.random.randn(n_h, n_x)
    W2 = np.random.randn(n_y, n_h)
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}
''',
        "rank-1 biases": '''
def initialize_parameters(n_x, n_h, n_y):
    W1 = np.random.randn(n_h, n_x) * 0.01
    W2 = np.random.randn(n_y, n_h) * 0.01
    return {"W1": W1, "b1": np.zeros(n_h), "W2": W2, "b2": np.zeros(n_y)}
''',
    },
    "initialize_parameters_deep": {
        "the loop skips the last layer": '''
def initialize_parameters_deep(layer_dims):
    parameters = {}
    for l in range(1, len(layer_dims) - 1):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters
''',
        "wrong scale (1/sqrt(n[l-1]) where 0.01 is asked)": '''
def initialize_parameters_deep(layer_dims):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters
''',
        "zero weights": '''
def initialize_parameters_deep(layer_dims):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.zeros((layer_dims[l], layer_dims[l - 1]))
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters
''',
        "transposed weight shapes": '''
def initialize_parameters_deep(layer_dims):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l - 1], layer_dims[l]) * 0.01
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters
''',
    },
    "linear_forward": {
        "A @ W instead of W @ A": '''
def linear_forward(A, W, b):
    Z = A @ W + b
    return Z, (A, W, b)
''',
        "the bias is missing": '''
def linear_forward(A, W, b):
    return np.dot(W, A), (A, W, b)
''',
        "cache in the wrong order (W, A, b)": '''
def linear_forward(A, W, b):
    return W @ A + b, (W, A, b)
''',
    },
    "linear_activation_forward": {
        "relu and sigmoid swapped": '''
def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "sigmoid":
        A, activation_cache = relu(Z)
    else:
        A, activation_cache = sigmoid(Z)
    return A, (linear_cache, activation_cache)
''',
        "cache in the wrong order (activation_cache, linear_cache)": '''
def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = sigmoid(Z) if activation == "sigmoid" else relu(Z)
    return A, (activation_cache, linear_cache)
''',
        "no activation applied": '''
def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    return Z, (linear_cache, Z)
''',
    },
    "L_model_forward": {
        "the loop skips the last hidden layer": '''
def L_model_forward(X, parameters):
    caches = []
    L = len(parameters) // 2
    A = X
    for l in range(1, L - 1):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches
''',
        "sigmoid in every layer": '''
def L_model_forward(X, parameters):
    caches = []
    A = X
    for l in range(1, len(parameters) // 2 + 1):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "sigmoid")
        caches.append(cache)
    return A, caches
''',
        "every layer is fed X instead of the previous activations": '''
def L_model_forward(X, parameters):
    caches = []
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(X, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches
''',
        "the output layer's cache is not kept": '''
def L_model_forward(X, parameters):
    caches = []
    L = len(parameters) // 2
    A = X
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    return AL, caches
''',
    },
    "compute_cost": {
        "no factor 1/m": '''
def compute_cost(AL, Y):
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))
''',
        "sign flipped": '''
def compute_cost(AL, Y):
    return float(np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))
''',
        "returns a (1, 1) array instead of a number": '''
def compute_cost(AL, Y):
    m = Y.shape[1]
    return -(Y @ np.log(AL).T + (1 - Y) @ np.log(1 - AL).T) / m
''',
    },
    "linear_backward": {
        "db summed over the wrong axis": '''
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=0, keepdims=True) / m
''',
        "dW without the factor 1/m": '''
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T, np.sum(dZ, axis=1, keepdims=True) / m
''',
        "dA_prev with a factor 1/m": '''
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ / m, dZ @ A_prev.T / m, np.sum(dZ, axis=1, keepdims=True) / m
''',
        "db without keepdims (rank-1)": '''
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=1) / m
''',
    },
    "linear_activation_backward": {
        "relu_backward and sigmoid_backward swapped": '''
def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = sigmoid_backward(dA, activation_cache)
    else:
        dZ = relu_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)
''',
        "no activation derivative (dZ = dA)": '''
def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    return linear_backward(dA, linear_cache)
''',
    },
    "L_model_backward": {
        "dAL with the wrong sign": '''
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dA = Y / AL - (1 - Y) / (1 - AL)
    for l in range(L, 0, -1):
        dA_prev, dW, db = linear_activation_backward(dA, caches[l - 1], "sigmoid" if l == L else "relu")
        grads["dA" + str(l - 1)], grads["dW" + str(l)], grads["db" + str(l)] = dA_prev, dW, db
        dA = dA_prev
    return grads
''',
        "dAL = AL - Y (that is dZ of the output layer)": '''
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dA = AL - Y
    for l in range(L, 0, -1):
        dA_prev, dW, db = linear_activation_backward(dA, caches[l - 1], "sigmoid" if l == L else "relu")
        grads["dA" + str(l - 1)], grads["dW" + str(l)], grads["db" + str(l)] = dA_prev, dW, db
        dA = dA_prev
    return grads
''',
        "the loop skips the first layer": '''
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_activation_backward(
        dAL, caches[L - 1], "sigmoid")
    for l in reversed(range(1, L - 1)):
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 1)], caches[l], "relu")
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = dA_prev, dW, db
    return grads
''',
        "relu for the output layer": '''
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    for l in range(L, 0, -1):
        dA_prev, dW, db = linear_activation_backward(dA, caches[l - 1], "relu")
        grads["dA" + str(l - 1)], grads["dW" + str(l)], grads["db" + str(l)] = dA_prev, dW, db
        dA = dA_prev
    return grads
''',
    },
    "update_parameters": {
        "+ instead of -": '''
def update_parameters(params, grads, learning_rate):
    parameters = {}
    for l in range(1, len(params) // 2 + 1):
        parameters["W" + str(l)] = params["W" + str(l)] + learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = params["b" + str(l)] + learning_rate * grads["db" + str(l)]
    return parameters
''',
        "updates the caller's arrays in place": '''
def update_parameters(params, grads, learning_rate):
    for l in range(1, len(params) // 2 + 1):
        params["W" + str(l)] -= learning_rate * grads["dW" + str(l)]
        params["b" + str(l)] -= learning_rate * grads["db" + str(l)]
    return params
''',
        "the loop skips the last layer": '''
def update_parameters(params, grads, learning_rate):
    parameters = dict(params)
    L = len(params) // 2
    for l in range(1, L):
        parameters["W" + str(l)] = params["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = params["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters
''',
    },
}

ALTERNATIVES = {
    "np.dot, keyword arguments, other loops, prints and warnings": {
        "initialize_parameters": '''
def initialize_parameters(n_x, n_h, n_y):
    print("initialising a", n_x, "-", n_h, "-", n_y, "network")
    parameters = {}
    parameters["W1"] = np.random.normal(0.0, 0.01, size=(n_h, n_x))
    parameters["b1"] = np.zeros(shape=(n_h, 1))
    parameters["W2"] = np.random.normal(0.0, 0.01, size=(n_y, n_h))
    parameters["b2"] = np.zeros(shape=(n_y, 1))
    return parameters
''',
        "initialize_parameters_deep": '''
import warnings
def initialize_parameters_deep(layer_dims):
    warnings.warn("small random weights")
    parameters = {}
    L = len(layer_dims) - 1
    l = 1
    while l <= L:
        parameters[f"W{l}"] = 0.01 * np.random.randn(layer_dims[l], layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1), dtype=float)
        l += 1
    return parameters
''',
        "linear_forward": '''
def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    assert Z.shape == (W.shape[0], A.shape[1])
    cache = (A, W, b)
    return Z, cache
''',
        "linear_activation_forward": '''
def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A=A_prev, W=W, b=b)
    functions = {"sigmoid": sigmoid, "relu": relu}
    A, activation_cache = functions[activation](Z)
    return A, (linear_cache, activation_cache)
''',
        "L_model_forward": '''
def L_model_forward(X, parameters):
    L = len(parameters) // 2
    A, caches = X, []
    for l in range(1, L + 1):
        activation = "sigmoid" if l == L else "relu"
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], activation=activation)
        caches.append(cache)
    assert A.shape == (1, X.shape[1])
    return A, caches
''',
        "compute_cost": '''
import sys
def compute_cost(AL, Y):
    m = Y.shape[1]
    print("m =", m, file=sys.stderr)
    logprobs = np.multiply(np.log(AL), Y) + np.multiply(np.log(1 - AL), 1 - Y)
    cost = -1.0 / m * np.sum(logprobs)
    return np.squeeze(cost)
''',
        "linear_backward": '''
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1).reshape(b.shape)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db
''',
        "linear_activation_backward": '''
def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    backward = relu_backward if activation == "relu" else sigmoid_backward
    return linear_backward(backward(dA, activation_cache), linear_cache)
''',
        "L_model_backward": '''
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in range(L, 0, -1):
        activation = "sigmoid" if l == L else "relu"
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(dA, caches[l - 1], activation)
        grads[f"dA{l - 1}"] = dA
    return grads
''',
        "update_parameters": '''
import copy
def update_parameters(params, grads, learning_rate):
    parameters = copy.deepcopy(params)
    for key in parameters:
        parameters[key] -= learning_rate * grads["d" + key]
    return parameters
''',
    },
    "einsum and matmul": {
        "linear_forward": '''
def linear_forward(A, W, b):
    return np.einsum("ij,jk->ik", W, A) + b, (A, W, b)
''',
        "linear_backward": '''
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return np.matmul(W.T, dZ), np.einsum("ik,jk->ij", dZ, A_prev) / m, dZ.mean(axis=1, keepdims=True)
''',
        "compute_cost": '''
def compute_cost(AL, Y):
    losses = np.where(Y == 1, -np.log(AL), -np.log(1 - AL))
    return losses.mean()
''',
        "update_parameters": '''
def update_parameters(params, grads, learning_rate):
    return {name: value - learning_rate * grads["d" + name] for name, value in params.items()}
''',
    },
}

# Spellings and mistakes students met in the release notebooks (issue 17).
ALTERNATIVES["the linear step written inline, helpers called directly, dZ[L] = AL - Y"] = {
    "linear_activation_forward": '''
def linear_activation_forward(A_prev, W, b, activation):
    Z = W @ A_prev + b
    linear_cache = (A_prev, W, b)
    if activation == "sigmoid":
        A, activation_cache = sigmoid(Z)
    else:
        A, activation_cache = relu(Z)
    return A, (linear_cache, activation_cache)
''',
    "L_model_forward": '''
def L_model_forward(X, parameters):
    caches = []
    L = len(parameters) // 2
    A = X
    for l in range(1, L + 1):
        Z, linear_cache = linear_forward(A, parameters[f"W{l}"], parameters[f"b{l}"])
        A, activation_cache = relu(Z) if l < L else sigmoid(Z)
        caches.append((linear_cache, activation_cache))
    return A, caches
''',
    "L_model_backward": '''
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    linear_cache, activation_cache = caches[L - 1]
    dZ = AL - Y.reshape(AL.shape)
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(dZ, linear_cache)
    for l in reversed(range(L - 1)):
        grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = linear_activation_backward(
            grads[f"dA{l + 1}"], caches[l], "relu")
    return grads
''',
}
MISTAKES["linear_activation_backward"]["the caches handed over swapped"] = '''
def linear_activation_backward(dA, cache, activation):
    activation_cache, linear_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    else:
        dZ = sigmoid_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)
'''
