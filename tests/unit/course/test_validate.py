"""Validate shows each failing test's message first, whole (dlcourse/course/validate.py)."""

import io

import nbformat
from nbgrader.apps import validateapp
from nbgrader.server_extensions.validate_assignment import handlers
from nbgrader.validator import Validator

from dlcourse.course.validate import MessageFirstValidator, use_message_first_validator, wrap
from tiny_notebooks import grade_cell

HINT = (
    "  Hint: these are sigmoid(-x) = 1 - sigmoid(x) values: sigmoid(x) = 1 / (1 + exp(-x)); check the sign in the "
    "exponent and the numerator (1, not exp(-x))."
)
MESSAGE = "\n".join(
    ["CheckFailure: sigmoid(np.array([1, 2, 3])) is wrong.", "  expected: [0.731059]", "  got:      [0.268941]", HINT]
)
TEST_CELL = "# Visible tests for sigmoid\nwith checks.testing('sigmoid'):\n" + "    checks.expect_close(...)\n" * 6


def failed_notebook(tmp_path):
    """A student notebook as Validate finds it after running: one test cell failed with the checks' message."""
    cell = grade_cell(TEST_CELL, "test_sigmoid", grade=True, points=1)
    cell.metadata.nbgrader.pop("checksum")
    cell.outputs = [nbformat.v4.new_output("error", ename="CheckFailure", evalue="", traceback=[MESSAGE])]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    return str(path)


def validator(cls):
    found = cls()
    found.stream = io.StringIO()
    found.preprocessors = []  # the notebook holds its outputs already: nothing to run
    return found


def test_the_dialog_gets_the_message_first_and_the_test_cell_second(tmp_path):
    (failure,) = validator(MessageFirstValidator).validate(failed_notebook(tmp_path))["failed"]
    first, second = failure["source"], failure["error"]  # what JupyterLab's dialog shows, in this order
    assert first.startswith("CheckFailure: sigmoid(np.array([1, 2, 3])) is wrong.")
    assert " ".join(HINT.split()) in " ".join(first.split()), "the hint is not whole"
    assert max(len(line) for line in first.splitlines()) <= 90
    assert second.startswith("in the test cell:\n# Visible tests for sigmoid")
    assert "checks.testing(&#x27;sigmoid&#x27;)" in second  # shown as HTML: escaped


def test_the_command_line_prints_the_whole_message_before_the_test_cell(tmp_path):
    notebook = failed_notebook(tmp_path)
    for cls, message_first in ((Validator, False), (MessageFirstValidator, True)):
        printer = validator(cls)
        printer.validate_and_print(notebook)
        report = printer.stream.getvalue()
        failure = report.split("=" * 90)[1].strip()
        assert failure.startswith("CheckFailure: sigmoid") == message_first, report
        assert ("exponent and the numerator (1, not exp(-x))." in report) == message_first, report  # nbgrader cuts it


def test_wrap_keeps_short_lines_and_indents_continuations():
    assert wrap("one\n\n  two", 10) == "one\n\n  two"
    assert wrap("  Hint: aaaa bbbb cccc", 14) == "  Hint: aaaa\n    bbbb cccc"


def test_nbgrader_validate_and_the_jupyterlab_button_use_it(monkeypatch):
    monkeypatch.setattr(validateapp, "Validator", Validator)
    monkeypatch.setattr(handlers, "Validator", Validator)
    use_message_first_validator()
    assert validateapp.Validator is MessageFirstValidator and handlers.Validator is MessageFirstValidator
