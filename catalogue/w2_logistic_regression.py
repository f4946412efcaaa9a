"""Answers for w2_logistic_regression that are not the reference (see w2_numpy_basics.py for the format)."""

MISTAKES = {
    "dataset_dimensions": {
        "m_train read from the wrong axis": '''
m_train = train_set_x_orig.shape[1]
m_test = test_set_x_orig.shape[0]
num_px = train_set_x_orig.shape[1]
''',
        "sizes typed in": '''
m_train = 209
m_test = 50
num_px = 64
''',
    },
    "flatten_and_standardize": {
        "reshape(-1, m) mixes the pixels of different images": '''
train_set_x_flatten = train_set_x_orig.reshape(-1, train_set_x_orig.shape[0])
test_set_x_flatten = test_set_x_orig.reshape(-1, test_set_x_orig.shape[0])
train_set_x = train_set_x_flatten / 255
test_set_x = test_set_x_flatten / 255
''',
    },
    "sigmoid": {
        "exponent without the minus sign": '''
def sigmoid(z):
    return 1 / (1 + np.exp(z))
''',
    },
    "initialize_with_zeros": {
        "rank-1 weights": '''
def initialize_with_zeros(dim):
    return np.zeros(dim), 0.0
''',
    },
    "propagate": {
        "forgot the 1/m": '''
def propagate(w, b, X, Y):
    A = sigmoid(np.dot(w.T, X) + b)
    cost = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T), "db": float(np.sum(dZ))}, cost
''',
        "dZ = Y - A (sign flipped)": '''
def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    dZ = Y - A
    return {"dw": np.dot(X, dZ.T) / m, "db": float(np.sum(dZ) / m)}, cost
''',
    },
    "optimize": {
        "moves uphill (w + learning_rate * dw)": '''
def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w + learning_rate * grads["dw"]
        b = b + learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs
''',
        "records the cost at every iteration": '''
def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        costs.append(cost)
    return {"w": w, "b": b}, grads, costs
''',
    },
    "predict": {
        "inverted threshold": '''
def predict(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    return (A < 0.5).astype(float)
''',
    },
    "model": {
        "ignores num_iterations and learning_rate": '''
def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    """Logistic regression.

    Passes nothing on to optimize.
    """
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train)
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}
''',
    },
}

ALTERNATIVES = {
    "written differently, printing and warning along the way": {
        "dataset_dimensions": '''
(m_train, num_px, _, _), m_test = train_set_x_orig.shape, len(test_set_x_orig)
print("sizes:", m_train, m_test, num_px)
''',
        "flatten_and_standardize": '''
train_set_x_flatten = np.stack([image.ravel() for image in train_set_x_orig], axis=1)
test_set_x_flatten = test_set_x_orig.reshape(len(test_set_x_orig), -1).transpose()
train_set_x, test_set_x = train_set_x_flatten / 255.0, test_set_x_flatten * (1 / 255)
''',
        "sigmoid": '''
import warnings
def sigmoid(z):
    warnings.warn("sigmoid called")
    return 0.5 * (1 + np.tanh(0.5 * z))
''',
        "initialize_with_zeros": '''
def initialize_with_zeros(dim):
    return np.zeros(shape=(dim, 1), dtype=np.float64), np.float64(0)
''',
        "propagate": '''
def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    cost = -(Y @ np.log(A).T + (1 - Y) @ np.log(1 - A).T) / m
    dZ = A - Y
    return {"dw": np.einsum("im,jm->ij", X, dZ) / m, "db": dZ.mean()}, np.squeeze(cost)
''',
        "optimize": '''
def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        if i % 100 == 0:
            costs.append(cost)
            print("iteration", i, "cost", cost)
        w, b = w - learning_rate * grads["dw"], b - learning_rate * grads["db"]
    return dict(w=w, b=b), grads, costs
''',
        "predict": '''
def predict(w, b, X):
    return np.where(sigmoid(w.T @ X + b) > 0.5, 1.0, 0.0)
''',
        "model": '''
def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    """Logistic regression, with keyword arguments."""
    w0, b0 = initialize_with_zeros(dim=X_train.shape[0])
    params, _, costs = optimize(w0, b0, X_train, Y_train, num_iterations=num_iterations,
                                learning_rate=learning_rate, print_cost=print_cost)
    return dict(costs=costs, w=params["w"], b=params["b"], learning_rate=learning_rate, num_iterations=num_iterations,
                Y_prediction_train=predict(params["w"], params["b"], X_train),
                Y_prediction_test=predict(params["w"], params["b"], X_test))
''',
    },
}

# Spellings and mistakes students met in the release notebooks (issue 17).
MISTAKES["propagate"]["a typo in a gradient's key"] = '''
def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    dZ = A - Y
    return {"dw1": np.dot(X, dZ.T) / m, "db": float(np.sum(dZ) / m)}, cost
'''
MISTAKES["propagate"]["w @ X without the transpose"] = '''
def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w, X) + b)
    cost = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    dZ = A - Y
    return {"dw": np.dot(X, dZ.T) / m, "db": float(np.sum(dZ) / m)}, cost
'''
MISTAKES["predict"]["threshold at 0 on the probabilities"] = '''
def predict(w, b, X):
    return (sigmoid(np.dot(w.T, X) + b) > 0).astype(float)
'''
ALTERNATIVES["activations computed as a column, then transposed; >= 0.5"] = {
    "propagate": '''
def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(X.T @ w + b).T
    cost = float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    dZ = A - Y
    return {"dw": X @ dZ.T / m, "db": float(np.sum(dZ) / m)}, cost
''',
    "predict": '''
def predict(w, b, X):
    A = sigmoid(X.T @ w + b).T
    return (A >= 0.5) * 1.0
''',
}
MISTAKES["model"]["learning_rate and num_iterations swapped in the call to optimize"] = '''
def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, learning_rate, num_iterations, print_cost)
    w, b = params["w"], params["b"]
    return {"costs": costs, "Y_prediction_test": predict(w, b, X_test), "Y_prediction_train": predict(w, b, X_train),
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}
'''
