"""Answers for w2_numpy_basics that are not the reference: known mistakes and differently written correct code.

MISTAKES: {graded function: {what is wrong: code of the solution cell}} — each must lose exactly that function's points.
ALTERNATIVES: {how it differs: {graded function: code}} — each set must get full marks.
"""

MISTAKES = {
    "basic_sigmoid": {
        "exponent without the minus sign": '''
def basic_sigmoid(x):
    return 1 / (1 + math.exp(x))
''',
    },
    "sigmoid": {
        "exponent without the minus sign": '''
def sigmoid(x):
    return 1 / (1 + np.exp(x))
''',
    },
    "sigmoid_derivative": {
        "s * (1 + s) instead of s * (1 - s)": '''
def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1 + s)
''',
    },
    "image2vector": {
        "a rank-1 vector instead of a column": '''
def image2vector(image):
    return image.reshape(-1)
''',
        "hard-coded shape of the example image": '''
def image2vector(image):
    return image.reshape(18, 1)
''',
    },
    "normalize_rows": {
        "norms of the columns (axis=0)": '''
def normalize_rows(x):
    return x / np.linalg.norm(x, axis=0, keepdims=True)
''',
        "divides the argument in place": '''
def normalize_rows(x):
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x
''',
    },
    "softmax": {
        "softmax over the rows": '''
def softmax(x):
    e = np.exp(x)
    return e / e.sum(axis=1, keepdims=True)
''',
    },
    "L1": {
        "mean instead of sum": '''
def L1(yhat, y):
    return float(np.mean(np.abs(y - yhat)))
''',
    },
    "L2": {
        "the norm instead of the sum of squares": '''
def L2(yhat, y):
    return float(np.linalg.norm(y - yhat))
''',
    },
}

ALTERNATIVES = {
    "written differently, printing and warning along the way": {
        "basic_sigmoid": '''
def basic_sigmoid(x):
    print("computing the sigmoid of", x)
    return math.exp(x) / (math.exp(x) + 1)
''',
        "sigmoid": '''
import warnings
def sigmoid(x):
    warnings.warn("this sigmoid is about to compute exponentials")
    return np.reciprocal(1.0 + np.exp(np.negative(x)))
''',
        "sigmoid_derivative": '''
def sigmoid_derivative(x):
    return np.exp(-x) / (1 + np.exp(-x)) ** 2
''',
        "image2vector": '''
def image2vector(image):
    h, w, c = image.shape
    return np.reshape(image, (h * w * c, 1))
''',
        "normalize_rows": '''
def normalize_rows(x):
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))[:, None]
    return x / norms
''',
        "softmax": '''
import sys
def softmax(x):
    print("softmax input shape", x.shape, file=sys.stderr)
    shifted = np.exp(x - x.max(axis=0))
    return shifted / shifted.sum(axis=0)
''',
        "L1": '''
def L1(yhat, y):
    return np.abs(yhat - y).sum()
''',
        "L2": '''
def L2(yhat, y):
    d = (yhat - y).reshape(1, -1)
    return (d @ d.T)[0, 0] * np.float64(1)
''',
    },
}

# Spellings and mistakes students met in the release notebooks (issue 17).
MISTAKES["basic_sigmoid"]["wrong numerator: exp(-x) / (1 + exp(-x))"] = '''
def basic_sigmoid(x):
    return math.exp(-x) / (1 + math.exp(-x))
'''
MISTAKES["sigmoid"]["math.exp on an array"] = '''
def sigmoid(x):
    return 1 / (1 + math.exp(-x))
'''
MISTAKES["sigmoid"]["not answered (NotImplementedError)"] = '''
def sigmoid(x):
    raise NotImplementedError()
'''
MISTAKES["sigmoid_derivative"]["tanh's derivative 1 - s ** 2"] = '''
def sigmoid_derivative(x):
    s = sigmoid(x)
    return 1 - s ** 2
'''
MISTAKES["sigmoid_derivative"]["^ used for a power"] = '''
def sigmoid_derivative(x):
    s = sigmoid(x)
    return s - s ^ 2
'''
MISTAKES["normalize_rows"]["norms without keepdims"] = '''
def normalize_rows(x):
    return x / np.linalg.norm(x, axis=1)
'''
MISTAKES["softmax"]["softmax over the whole matrix"] = '''
def softmax(x):
    x_exp = np.exp(x)
    return x_exp / np.sum(x_exp)
'''
MISTAKES["L2"].update({
    "square of the sum instead of the sum of squares": '''
def L2(yhat, y):
    return float(np.sum(y - yhat) ** 2)
''',
    "^ used for a power": '''
def L2(yhat, y):
    return float(np.sum((y - yhat) ^ 2))
''',
})
ALTERNATIVES["textbook spellings"] = {
    "softmax": '''
def softmax(x):
    x_exp = np.exp(x)
    return x_exp / np.sum(x_exp, axis=0)  # (n, m) / (m,) broadcasts over the rows: correct without keepdims
''',
    "sigmoid": '''
def sigmoid(x):
    return np.exp(x) / (1 + np.exp(x))
''',
    "normalize_rows": '''
def normalize_rows(x):
    return x / np.sqrt(np.sum(x * x, axis=1)).reshape(-1, 1)
''',
    "L1": '''
def L1(yhat, y):
    return float(sum(abs(a - b) for a, b in zip(yhat, y)))
''',
}
ALTERNATIVES["stable softmax"] = {
    "softmax": '''
def softmax(x):
    e = np.exp(x - x.max(axis=0))
    return e / e.sum(axis=0)
''',
    "L2": '''
def L2(yhat, y):
    return np.sum(np.square(yhat - y))
''',
}
