"""The visible tests of each assignment, one module per assignment, one function per visible test cell.

A test cell reads ``tests.layer_sizes(layer_sizes)``: the setup cell imports the assignment's module as ``tests``.
They run in the student's kernel (the student reads them with ``tests.layer_sizes??``) and, when a notebook is graded,
in the grading process (dlcourse.grading.judge), where the checks they call hand the notebook's side to the judge.
Like the rest of the package they hold no solution and no hidden test.
"""
