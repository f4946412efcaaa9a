"""nbgrader preprocessors that the course configures (see nbgrader_config.py)."""
import logging
import re
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade

from dlcourse.course import layout

HIDDEN_TESTS_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_TEST_MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")  # nbgrader matches these anywhere in a line
SAFE_OUTPUT_TYPES = ("text/plain", "image/png", "image/jpeg", "image/gif")
BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")
LINK_SCHEME = re.compile(r"(?i)(javascript|vbscript|data)\s*:")


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


class InertStudentOutputs(NbGraderPreprocessor):
    """Make what student code and student text show inert before the autograded notebook is saved (the Formgrader
    and the feedback pages render it as HTML): outputs keep only plain text and images whose data is base64 (HTML,
    JavaScript, SVG, Markdown, LaTeX and widgets become a note), display metadata is dropped, and Markdown cells
    that are not the course's own text show HTML tags as text and lose script links."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})  # nbgrader runs in the course folder
        path = Path("release") / info.get("assignment", "") / f"{info.get('notebook', '')}.ipynb"
        self._course_text = {c.source for c in layout.instructor_notebook(path).cells
                             if c.cell_type == "markdown"} if path.is_file() else set()
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and cell.source not in self._course_text:
            cell.source = LINK_SCHEME.sub(r"\1-blocked:", cell.source.replace("<", "&lt;"))
            cell.pop("attachments", None)
        for output in cell.get("outputs", []):
            if "data" not in output:
                continue
            data = output["data"]
            kept = {kind: value for kind, value in data.items() if kind in SAFE_OUTPUT_TYPES
                    and (kind == "text/plain" or (isinstance(value, str) and BASE64.match(value)))}
            removed = sorted(set(data) - set(kept))
            if removed and "text/plain" not in kept:
                kept["text/plain"] = f"[{', '.join(removed)} output not shown: the grader shows only text and images]"
            output["data"], output["metadata"] = kept, {}
        return cell, resources


class NeutraliseStudentHiddenTestMarkers(NbGraderPreprocessor):
    """In feedback, a student cell that happens to contain nbgrader's hidden-test markers is shown as written
    (a no-break space inside the marker) instead of stopping ClearHiddenTests, which runs next."""

    def preprocess_cell(self, cell, resources, index):
        if not is_grade(cell):
            for marker in HIDDEN_TEST_MARKERS:
                cell.source = cell.source.replace(marker, marker.replace(" TESTS", "\u00a0TESTS"))
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
