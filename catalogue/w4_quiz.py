"""Answers for w4_quiz that are not the key: wrong answers and differently spelled right ones.

MISTAKES: {question: {why it is wrong: code of the answer cell}} — each must lose exactly that question's point, and the
explanation (the key of the entry) is what the graded quiz's feedback must say.
ALTERNATIVES: {how it differs: {question: code}} — each set must get full marks.
"""

MISTAKES = {
    "q1": {
        "depth matters: the parity example shows functions that a shallow network can only compute with exponentially many units.": "q1 = 'b'",
        "the input layer is layer 0 and is not counted: L counts the hidden layers and the output layer.": "q1 = 'c'",
        "depth adds capacity, not a guarantee: too deep a network for the data can fit the noise.": "q1 = 'd'",
    },
    "q2": {
        "that is the transpose: W[2] maps the 20 activations of layer 1 to the units of layer 2, one row per unit of layer 2.": "q2 = (20, 15)",
        "that is W[1]'s shape; W[2] sits between layers 1 and 2.": "q2 = (20, 10)",
    },
    "q3": {
        "a rank-1 array: biases are columns with an explicit second axis.": "q3 = (5,)",
        "that is a row; a bias is a column, one entry per unit of its layer.": "q3 = (1, 5)",
        "that is b[2]'s shape: layer 3 has its own number of units.": "q3 = (15, 1)",
    },
    "q4": {
        "that is the transpose: examples are columns.": "q4 = (100, 20)",
        "that is the shape for one example; with m = 100 stacked as columns there are 100 columns.": "q4 = (20, 1)",
    },
    "q5": {
        "a rank-1 array: in this course Z[l] keeps both axes.": "q5 = (100,)",
        "that is the transpose: one row per unit of layer 4, one column per example.": "q5 = (100, 1)",
    },
    "q6": {
        "those are the weights only; each layer also has one bias per unit.": "q6 = 580",
        "those are the biases only; add the entries of every weight matrix.": "q6 = 41",
    },
    "q7": {
        "there is no known way to compute every layer at once: layer l needs A[l-1] first.": "q7 = 'a'",
        "every example goes through the same layers; the loop is over layers, not over examples.": "q7 = 'b'",
        "NumPy is still faster; the loop is fine because there is no way around it and it is short.": "q7 = 'd'",
    },
    "q8": {
        "repeating the same features adds nothing: the point of depth is that each layer combines the previous layer's features into new ones.": "q8 = {'a', 'b', 'c', 'd'}",
        "every option you chose is right, but at least one more option is right too.": "q8 = {'b', 'd'}",
    },
    "q9": {
        "biases are parameters: gradient descent learns them along with the weights.": "q9 = {'a', 'b', 'c', 'e', 'f'}",
        "weights are parameters: gradient descent learns them.": "q9 = {'a', 'b', 'd', 'e', 'f'}",
        "every option you chose is right, but at least one more option is right too.": "q9 = {'b', 'e', 'f'}",
    },
    "q10": {
        "that is the transpose: with it, W[l] A[l-1] does not even multiply.": "q10 = 'a'",
        "the weights do not depend on the number of examples: the same W[l] serves any batch.": "q10 = 'd'",
    },
    "q11": {
        "that is W[2]'s shape; dA[2] has the shape of A[2].": "q11 = (15, 20)",
        "that is the transpose: gradients have the shape of what they differentiate.": "q11 = (100, 15)",
    },
    "q12": {
        "that is the number of gates; the depth counts the levels of the tree, which halve the number of values each time.": "q12 = 15",
        "that is the number of bits; each level of the tree halves the number of values left.": "q12 = 16",
        "that is the number of gates in the first level; count the levels until one value is left.": "q12 = 8",
    },
    "q13": {
        "the number of layers is chosen before training: a hyperparameter.": "q13 = {'a', 'b', 'd'}",
        "the learning rate is chosen, not learned: a hyperparameter.": "q13 = {'b', 'c', 'd'}",
        "every option you chose is right, but at least one more option is right too.": "q13 = {'d'}",
    },
}

ALTERNATIVES = {
    "spelled otherwise: capitals, lists for sets and shapes, 3.0 for 3, 'true' for True": {
        "q1": "q1 = 'A'",
        "q2": "q2 = [15, 20]",
        "q3": "q3 = [5, 1]",
        "q4": "q4 = [20, 100]",
        "q5": "q5 = [1, 100]",
        "q6": "q6 = 621.0",
        "q7": "q7 = 'C'",
        "q8": "q8 = ['A', 'B', 'D']",
        "q9": "q9 = ['A', 'B', 'E', 'F']",
        "q10": "q10 = 'B'",
        "q11": "q11 = [15, 100]",
        "q12": "q12 = 4.0",
        "q13": "q13 = ['B', 'D']",
    },
    "spelled otherwise: letters in brackets or in one string, NumPy numbers, arrays for shapes, rounding": {
        "q1": "q1 = '(a)'",
        "q2": "import numpy as np\nq2 = np.array([15, 20])",
        "q3": "import numpy as np\nq3 = np.array([5, 1])",
        "q4": "import numpy as np\nq4 = np.array([20, 100])",
        "q5": "import numpy as np\nq5 = np.array([1, 100])",
        "q6": "import numpy as np\nq6 = np.int64(621)",
        "q7": "q7 = '(c)'",
        "q8": "q8 = 'a, b, d'",
        "q9": "q9 = 'a, b, e, f'",
        "q10": "q10 = '(b)'",
        "q11": "import numpy as np\nq11 = np.array([15, 100])",
        "q12": "import numpy as np\nq12 = np.int64(4)",
        "q13": "q13 = 'b, d'",
    },
}
