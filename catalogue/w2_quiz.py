"""Answers for w2_quiz that are not the key: wrong answers and differently spelled right ones.

MISTAKES: {question: {why it is wrong: code of the answer cell}} — each must lose exactly that question's point, and the
explanation (the key of the entry) is what the graded quiz's feedback must say.
ALTERNATIVES: {how it differs: {question: code}} — each set must get full marks.
"""

MISTAKES = {
    "q1": {
        "the sigmoid is computed on top of the dot product, so it adds work; it is chosen for what its output means.": "q1 = 'a'",
        "wᵀ x + b can take any sign; the problem is that it is not bounded to the interval (0, 1).": "q1 = 'c'",
        "no activation makes the cost zero; the sigmoid makes the output readable as a probability.": "q1 = 'd'",
    },
    "q2": {
        "gradient descent needs a learning rate whatever the loss.": "q2 = 'b'",
        "the squared error is differentiable everywhere; its problem with the sigmoid is the shape of the resulting cost.": "q2 = 'c'",
        "the size of the loss is not what matters; the shape of the cost surface is.": "q2 = 'd'",
    },
    "q3": {
        "gradient descent minimises the cost, the average over all training examples, not one example's loss.": "q3 = {'a', 'b', 'c', 'd'}",
        "they are equal only when there is a single training example; in general the cost averages many losses.": "q3 = {'a', 'c', 'd', 'e'}",
        "every option you chose is right, but at least one more option is right too.": "q3 = {'c', 'd'}",
    },
    "q4": {
        "that counts the pixels of one colour channel only; a colour picture has three channels.": "q4 = 4096",
        "that is 64 times 3: the picture has 64 rows and 64 columns of pixels, each with three colour values.": "q4 = 192",
    },
    "q5": {
        "that is the transpose: in this course examples are columns, so X has one column per picture.": "q5 = (209, 12288)",
        "that is the raw array of pictures before flattening; X holds each picture as one column.": "q5 = (209, 64, 64, 3)",
    },
    "q6": {
        "the number of iterations is a hyperparameter; vectorisation makes each iteration faster.": "q6 = 'a'",
        "the same multiplications happen; they run in compiled, parallel code instead of the Python interpreter.": "q6 = 'b'",
        "vectorisation does not change the data: the same examples are used, only computed at once.": "q6 = 'd'",
    },
    "q7": {
        "that would be a column (5, 1) times its transpose; a rank-1 array's transpose is the same rank-1 array, so np.dot gives the inner product.": "q7 = (5, 5)",
        "np.dot of two rank-1 arrays does not keep an axis: it sums the products.": "q7 = (5,)",
        "np.dot of two rank-1 arrays does not make a matrix: the result has no axes at all.": "q7 = (1, 1)",
    },
    "q8": {
        "this is the trap itself: the shape is (5,), neither a row nor a column.": "q8 = {'a', 'b', 'c', 'd'}",
        "transposing a rank-1 array does nothing: the shape stays (5,).": "q8 = {'b', 'c', 'd', 'e'}",
        "every option you chose is right, but at least one more option is right too.": "q8 = {'c', 'd'}",
    },
    "q9": {
        "broadcasting never shrinks an array: the row B is copied down to match A's rows.": "q9 = (1, 4)",
        "B has four columns like A: it is copied along the rows, and the result keeps A's four columns.": "q9 = (3, 1)",
        "A has three rows; B's single row is copied to match them.": "q9 = (4, 4)",
    },
    "q10": {
        "B is a column: its second entry, 20, is added to every number of A's second row.": "q10 = 16",
        "index [1, 2] is the second row (indices start at 0), third column.": "q10 = 13",
        "row index 1 is the second row: [4, 5, 6], plus B's second entry.": "q10 = 23",
    },
    "q11": {
        "that is only ∂J / ∂v; the chain rule goes on through v = a + u and u = bc.": "q11 = 3.0",
        "that is only ∂u / ∂b; multiply by the derivatives of the later steps.": "q11 = 2.0",
        "that is the value of J itself, not its derivative.": "q11 = 33.0",
    },
    "q12": {
        "for two rank-1 arrays @ is the inner product, and their lengths 3 and 2 differ, so it raises an error.": "q12 = 'a'",
        "elementwise * needs shapes that broadcast; (3,) and (2,) do not, so it raises an error.": "q12 = 'b'",
        "np.dot of two rank-1 arrays is the inner product, and lengths 3 and 2 do not match: an error.": "q12 = 'c'",
    },
}

ALTERNATIVES = {
    "spelled otherwise: capitals, lists for sets and shapes, 3.0 for 3, 'true' for True": {
        "q1": "q1 = 'B'",
        "q2": "q2 = 'A'",
        "q3": "q3 = ['A', 'C', 'D']",
        "q4": "q4 = 12288.0",
        "q5": "q5 = [12288, 209]",
        "q6": "q6 = 'C'",
        "q7": "q7 = []",
        "q8": "q8 = ['B', 'C', 'D']",
        "q9": "q9 = [3, 4]",
        "q10": "q10 = 26.0",
        "q11": "q11 = 6",
        "q12": "q12 = 'D'",
    },
    "spelled otherwise: letters in brackets or in one string, NumPy numbers, arrays for shapes, rounding": {
        "q1": "q1 = '(b)'",
        "q2": "q2 = '(a)'",
        "q3": "q3 = 'a, c, d'",
        "q4": "import numpy as np\nq4 = np.int64(12288)",
        "q5": "import numpy as np\nq5 = np.array([12288, 209])",
        "q6": "q6 = '(c)'",
        "q7": "import numpy as np\nq7 = np.array([])",
        "q8": "q8 = 'b, c, d'",
        "q9": "import numpy as np\nq9 = np.array([3, 4])",
        "q10": "import numpy as np\nq10 = np.int64(26)",
        "q11": "q11 = 6.0012001",
        "q12": "q12 = '(d)'",
    },
}
