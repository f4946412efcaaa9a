"""Answers for w3_quiz that are not the key: wrong answers and differently spelled right ones.

MISTAKES: {question: {why it is wrong: code of the answer cell}} — each must lose exactly that question's point, and the
explanation (the key of the entry) is what the graded quiz's feedback must say.
ALTERNATIVES: {how it differs: {question: code}} — each set must get full marks.
"""

MISTAKES = {
    "q1": {
        "the superscripts are indices: square brackets for the layer, round brackets for the example.": "q1 = 'a'",
        "units are written as a subscript (a[2]_7); the round brackets count training examples.": "q1 = 'c'",
        "square brackets count layers and round brackets training examples, not the other way round.": "q1 = 'd'",
    },
    "q2": {
        "the cost is finite; the problem is what the network can represent.": "q2 = 'a'",
        "more data does not help: whatever the weights, the function is the same as a single linear layer's.": "q2 = 'b'",
        "g(z) = z has the derivative 1 everywhere; training works, it just cannot learn anything beyond a linear boundary.": "q2 = 'd'",
    },
    "q3": {
        "with identical starting weights every hidden unit computes the same thing and receives the same gradient, so after any number of updates they are still identical: the symmetry is never broken.": "q3 = True",
    },
    "q4": {
        "equal weights, even if not zero, make every unit compute the same function: the symmetry is not broken.": "q4 = {'a', 'b', 'c'}",
        "all-zero weights give every hidden unit the same output and the same gradient: they stay identical forever.": "q4 = {'a', 'c', 'd'}",
        "every option you chose is right, but at least one more option is right too.": "q4 = {'c'}",
    },
    "q5": {
        "that is the transpose: W[l] has one row per unit of layer l and one column per unit of layer l-1.": "q5 = (5, 10)",
    },
    "q6": {
        "a rank-1 array: in this course biases are columns with an explicit second axis.": "q6 = (10,)",
        "that is a row; b[l] is a column with one entry per unit of layer l.": "q6 = (1, 10)",
        "the bias has one entry per unit of its own layer, not of the layer before.": "q6 = (5, 1)",
    },
    "q7": {
        "that is the transpose: the output layer has one unit (one row) fed by 10 hidden units (10 columns).": "q7 = (10, 1)",
    },
    "q8": {
        "examples are columns: Z[1] = W[1] X + b[1] has one row per hidden unit and one column per example.": "q8 = (400, 10)",
        "that is the shape for one example; with all 400 examples stacked as columns, Z[1] has 400 columns.": "q8 = (10, 1)",
    },
    "q9": {
        "linear hidden layers collapse into a single linear map: the network loses everything depth gives.": "q9 = 'a'",
        "an output unit may well be linear: it does not make the hidden layers collapse.": "q9 = 'c'",
        "a binary classifier's output should be a probability between 0 and 1: that is the sigmoid's job.": "q9 = 'd'",
    },
    "q10": {
        "that is the sigmoid's slope at 0; tanh is steeper there: read its curve on the plot.": "q10 = 0.25",
        "that is tanh(0), the value; the question asks for the slope.": "q10 = 0.0",
        "that is sigmoid(0), a value of the other curve.": "q10 = 0.5",
    },
    "q11": {
        "the cost of a network with a hidden layer is not convex, whatever the initial scale.": "q11 = 'a'",
        "any random weights break the symmetry; the size matters for another reason.": "q11 = 'b'",
        "large weights push outputs towards -1 or 1 (tanh) and 0 or 1 (sigmoid), not exactly 0.": "q11 = 'c'",
    },
    "q12": {
        "a slope of 0 almost everywhere means gradient descent gets no signal at all.": "q12 = 'a'",
        "linear hidden units collapse the network into a linear model.": "q12 = 'b'",
        "a hidden unit's output need not be a probability, and the sigmoid's small, off-centre slopes slow learning.": "q12 = 'd'",
    },
}

ALTERNATIVES = {
    "spelled otherwise: capitals, lists for sets and shapes, 3.0 for 3, 'true' for True": {
        "q1": "q1 = 'B'",
        "q2": "q2 = 'C'",
        "q3": "q3 = 'false'",
        "q4": "q4 = ['A', 'C']",
        "q5": "q5 = [10, 5]",
        "q6": "q6 = [10, 1]",
        "q7": "q7 = [1, 10]",
        "q8": "q8 = [10, 400]",
        "q9": "q9 = 'B'",
        "q10": "q10 = 1",
        "q11": "q11 = 'D'",
        "q12": "q12 = 'C'",
    },
    "spelled otherwise: letters in brackets or in one string, NumPy numbers, arrays for shapes, rounding": {
        "q1": "q1 = '(b)'",
        "q2": "q2 = '(c)'",
        "q3": "import numpy as np\nq3 = np.bool_(False)",
        "q4": "q4 = 'a, c'",
        "q5": "import numpy as np\nq5 = np.array([10, 5])",
        "q6": "import numpy as np\nq6 = np.array([10, 1])",
        "q7": "import numpy as np\nq7 = np.array([1, 10])",
        "q8": "import numpy as np\nq8 = np.array([10, 400])",
        "q9": "q9 = '(b)'",
        "q10": "q10 = 1.0002001",
        "q11": "q11 = '(d)'",
        "q12": "q12 = '(c)'",
    },
}
