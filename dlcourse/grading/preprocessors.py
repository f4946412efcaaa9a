"""nbgrader preprocessors that the course configures (see nbgrader_config.py)."""
import logging

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade

from dlcourse.course import layout

HIDDEN_TESTS_BEGIN = "### BEGIN HIDDEN TESTS"


class StderrAsStdout(NbGraderPreprocessor):
    """Turn stderr output of test cells into stdout, so that prints and warnings from correct code cost nothing.

    nbgrader scores a test cell with any stderr output 0; a failing test still scores 0 through its error.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_grade(cell):
            for output in cell.outputs:
                if output.output_type == "stream" and output.name == "stderr":
                    output.name = "stdout"
        return cell, resources


class HideHiddenTestTracebacks(NbGraderPreprocessor):
    """In feedback, shorten errors of hidden-test cells to their last line: a traceback would quote hidden code.

    Runs before ClearHiddenTests, which removes the hidden code itself.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and HIDDEN_TESTS_BEGIN in cell.source:
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


class SkipDemonstrationCells(NbGraderPreprocessor):
    """Before execution, blank code cells tagged ``skip-when-grading`` (long training runs, sweeps, plots).

    Grade and solution cells are never skipped, whatever their tags: tests run on small fixtures of their own.
    """

    def preprocess(self, nb, resources):
        return layout.skip_demonstrations(nb), resources


class HarmlessNoiseFilter(logging.Filter):
    """Drop nbgrader's checksum warning for hidden-test cells: their released copy lacks the hidden tests by design."""

    def filter(self, record):
        message = record.getMessage()
        return not (message.startswith("Attribute 'checksum' for cell ") and "_hidden has changed" in message)
