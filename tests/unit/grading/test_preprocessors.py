"""The course's nbgrader preprocessors on tiny notebooks."""

import logging

import nbformat

from dlcourse.course.layout import SKIP_TAG
from dlcourse.grading.preprocessors import (
    HIDDEN_TESTS_BEGIN,
    HarmlessNoiseFilter,
    HideHiddenTestTracebacks,
    SkipDemonstrationCells,
    StderrAsStdout,
)
from tiny_notebooks import grade_cell, release_notebook


def _stream(name, text):
    return nbformat.v4.new_output("stream", name=name, text=text)


def _error(name, value, traceback):
    return nbformat.v4.new_output("error", ename=name, evalue=value, traceback=traceback)


def test_stderr_of_test_cells_becomes_stdout_and_errors_stay():
    nb = release_notebook()
    test = nb.cells[3]
    test.outputs = [_stream("stderr", "RuntimeWarning: overflow"), _stream("stdout", "✔"), _error("E", "v", ["t"])]
    nb, _ = StderrAsStdout().preprocess(nb, {})
    assert [(o.output_type, o.get("name")) for o in nb.cells[3].outputs] == [
        ("stream", "stdout"),
        ("stream", "stdout"),
        ("error", None),
    ]
    assert nb.cells[3].outputs[0].text == "RuntimeWarning: overflow"


def test_stderr_of_cells_that_are_not_tests_is_left_alone():
    nb = release_notebook()
    nb.cells[2].outputs = [_stream("stderr", "answer cell")]
    nb.cells[4].outputs = [_stream("stderr", "plain cell")]
    nb, _ = StderrAsStdout().preprocess(nb, {})
    assert nb.cells[2].outputs[0].name == "stderr" and nb.cells[4].outputs[0].name == "stderr"


def _hidden_test(traceback):
    cell = grade_cell(f"assert square(2) == 4\n{HIDDEN_TESTS_BEGIN}\nassert square(7) == 49\n", "hidden", grade=True)
    cell.outputs = [_stream("stdout", "before"), _error("AssertionError", "square(7) is wrong", traceback)]
    return cell


def test_errors_of_hidden_test_cells_keep_only_their_last_line():
    nb = release_notebook()
    nb.cells.append(_hidden_test(["Traceback", "----> 3 assert square(7) == 49", "AssertionError: square(7) is wrong"]))
    nb, _ = HideHiddenTestTracebacks().preprocess(nb, {})
    assert nb.cells[-1].outputs[1].traceback == ["AssertionError: square(7) is wrong"]
    assert nb.cells[-1].outputs[0].text == "before"


def test_errors_of_visible_test_cells_keep_their_traceback():
    nb = release_notebook()
    nb.cells[3].outputs = [_error("CheckFailure", "expected 9", ["Traceback", "----> 1 assert", "CheckFailure"])]
    nb, _ = HideHiddenTestTracebacks().preprocess(nb, {})
    assert nb.cells[3].outputs[0].traceback == ["Traceback", "----> 1 assert", "CheckFailure"]


def _tagged(cell):
    cell.metadata["tags"] = [SKIP_TAG]
    cell.outputs = [_stream("stdout", "epoch 1000")]
    return cell


def test_only_tagged_demonstrations_are_blanked():
    nb = release_notebook()
    demonstration = _tagged(nbformat.v4.new_code_cell("train(iterations=10_000)"))
    tagged_test = _tagged(grade_cell("assert square(3) == 9", "tagged_test", grade=True))
    tagged_answer = _tagged(grade_cell("def cube(x):\n    return x ** 3", "cube", solution=True))
    untagged = nbformat.v4.new_code_cell("plot()")
    nb.cells += [demonstration, tagged_test, tagged_answer, untagged]
    nb, _ = SkipDemonstrationCells().preprocess(nb, {})
    assert SKIP_TAG in nb.cells[-4].source and nb.cells[-4].outputs == []
    assert nb.cells[-3].source == "assert square(3) == 9" and nb.cells[-3].outputs
    assert nb.cells[-2].source == "def cube(x):\n    return x ** 3" and nb.cells[-2].outputs
    assert nb.cells[-1].source == "plot()"


def _record(message):
    return logging.LogRecord("nbgrader", logging.WARNING, __file__, 1, message, None, None)


def test_only_the_checksum_warning_of_hidden_test_cells_is_dropped():
    noise = HarmlessNoiseFilter()
    assert not noise.filter(_record("Attribute 'checksum' for cell test_sigmoid_hidden has changed! (should be: x)"))
    assert noise.filter(_record("Attribute 'checksum' for cell test_sigmoid has changed! (should be: x)"))
    assert noise.filter(_record("Autograding submitted/alice/a1"))
