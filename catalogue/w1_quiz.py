"""Answers for w1_quiz that are not the key: wrong answers and differently spelled right ones.

MISTAKES: {question: {why it is wrong: code of the answer cell}} — each must lose exactly that question's point, and the
explanation (the key of the entry) is what the graded quiz's feedback must say.
ALTERNATIVES: {how it differs: {question: code}} — each set must get full marks.
"""

MISTAKES = {
    "q1": {
        "nothing is being replaced: the comparison says AI, like electricity, spreads into every industry.": "q1 = 'b'",
        "the comparison is about reach, not cost: electricity changed almost every industry, and AI is expected to do the same.": "q1 = 'c'",
        "the comparison is not about brains or signals; it is about a technology that transforms many industries at once.": "q1 = 'd'",
    },
    "q2": {
        "for positive values the ReLU is the identity, so it keeps the line's slope; it does not bend the line upwards.": "q2 = 'a'",
        "a ReLU's output is not bounded above, so it is not a probability; squeezing into (0, 1) is what the sigmoid does.": "q2 = 'b'",
        "one input is enough for a straight line wx + b; the ReLU changes what happens where the line goes below zero.": "q2 = 'c'",
    },
    "q3": {
        "a table whose columns each have a clear meaning (floor area, bedrooms, price) is the textbook case of structured data.": "q3 = {'a', 'b', 'c', 'e'}",
        "a table of named columns (age, clicks) is structured data, even when it is about people's behaviour.": "q3 = {'a', 'b', 'd', 'e'}",
        "every option you chose is right, but at least one more option is right too.": "q3 = {'b', 'e'}",
    },
    "q4": {
        "RNNs are built for sequences (a sound wave, a sentence unfolding in time), and CNNs for the grid of pixels of an image, not the other way round.": "q4 = 'a'",
        "a table has no grid of neighbouring pixels for a convolution to use, and standard networks are what tabular data gets.": "q4 = 'c'",
        "the architecture matters: convolutions exploit the grid of an image and recurrence the order of a sequence; a standard network ignores both.": "q4 = 'd'",
    },
    "q5": {
        "the ideas are decades old (backpropagation was popularised in the 1980s); what changed is data, computation and algorithms.": "q5 = {'a', 'b', 'c', 'e'}",
        "every model learns from data; what happened is that large networks turned out to keep improving with more of it.": "q5 = {'b', 'c', 'd', 'e'}",
        "every option you chose is right, but at least one more option is right too.": "q5 = {'c', 'e'}",
    },
    "q6": {
        "on the right of the chart the traditional algorithm's curve levels off below every network.": "q6 = 'a'",
        "the shaded region on the left is where the order of the curves is unclear: with little data, hand-engineered features and care matter more than size.": "q6 = 'b'",
        "the networks' curves keep rising long after the traditional algorithm has levelled off; that is the point of the chart.": "q6 = 'c'",
    },
    "q7": {
        "he insisted on the contrary: programming your ideas yourself shows you the details that matter.": "q7 = 'a'",
        "his advice was to trust your intuition precisely when others disagree: a good new idea usually looks wrong to the field at first.": "q7 = 'b'",
        "his warning was the opposite: reading too much can make you think like everyone else and miss what they are doing wrong.": "q7 = 'd'",
    },
    "q8": {
        "a perceptron's output is a step: when wᵀ x + b crosses 0, a tiny change of the weights flips the output from 0 to 1. The sigmoid's output changes smoothly, which is what gradient descent needs.": "q8 = True",
    },
    "q9": {
        "that is z = wᵀ x + b, before the activation: the ReLU keeps positive values and turns negative ones into something else.": "q9 = -0.5",
        "that is only the bias: compute z = wᵀ x + b = 2 · 1 + (-1) · 3 + 0.5 first, then apply the ReLU.": "q9 = 0.5",
    },
    "q10": {
        "cell B ran twice: each run adds 1 to the value the kernel holds at that moment, whatever the order of the cells on the page.": "q10 = 2",
        "running a cell changes the kernel's state: both runs of cell B added 1 to x.": "q10 = 1",
    },
    "q11": {
        "the sigmoid's output stays between 0 and 1, so it cannot reach a price of 300 000.": "q11 = 'a'",
        "tanh's output stays between -1 and 1 and can be negative: neither fits a price.": "q11 = 'c'",
        "a step only outputs 0 or 1: it answers yes/no questions, not how much.": "q11 = 'd'",
    },
    "q12": {
        "convolutional and recurrent networks come in later courses, after this one.": "q12 = 'b'",
        "the course goes from the simplest model to the deepest one, so that each step reuses the previous one.": "q12 = 'c'",
        "logistic regression, the single neuron, comes first: the hidden layer is built from copies of it.": "q12 = 'd'",
    },
}

ALTERNATIVES = {
    "spelled otherwise: capitals, lists for sets and shapes, 3.0 for 3, 'true' for True": {
        "q1": "q1 = 'A'",
        "q2": "q2 = 'D'",
        "q3": "q3 = ['A', 'B', 'E']",
        "q4": "q4 = 'B'",
        "q5": "q5 = ['B', 'C', 'E']",
        "q6": "q6 = 'D'",
        "q7": "q7 = 'C'",
        "q8": "q8 = 'false'",
        "q9": "q9 = 0",
        "q10": "q10 = 3.0",
        "q11": "q11 = 'B'",
        "q12": "q12 = 'A'",
    },
    "spelled otherwise: letters in brackets or in one string, NumPy numbers, arrays for shapes, rounding": {
        "q1": "q1 = '(a)'",
        "q2": "q2 = '(d)'",
        "q3": "q3 = 'a, b, e'",
        "q4": "q4 = '(b)'",
        "q5": "q5 = 'b, c, e'",
        "q6": "q6 = '(d)'",
        "q7": "q7 = '(c)'",
        "q8": "import numpy as np\nq8 = np.bool_(False)",
        "q9": "q9 = 1e-07",
        "q10": "import numpy as np\nq10 = np.int64(3)",
        "q11": "q11 = '(b)'",
        "q12": "q12 = '(a)'",
    },
}
