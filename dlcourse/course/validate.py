"""nbgrader's Validate with each failing test's message first: JupyterLab's Validate button and `nbgrader validate`.

nbgrader shows a failing test cell's source, then its error; the course's checks put the teaching message in that
error, so a student met the test's code first and the message below it, its long lines cut. Here the message comes
first, wrapped to the validator's width, and the test cell after it.
"""

import html
import textwrap

from nbconvert.filters import strip_ansi
from nbgrader.validator import Validator


def wrap(text: str, width: int) -> str:
    """Each line of text wrapped to width; a wrapped line's continuation indented two more spaces than the line."""
    lines = []
    for line in text.splitlines():
        indent = " " * (len(line) - len(line.lstrip()))
        lines.extend(
            textwrap.wrap(line, width, subsequent_indent=indent + "  ", break_long_words=False, break_on_hyphens=False)
            or [""]
        )
    return "\n".join(lines)


class MessageFirstValidator(Validator):
    """Validator whose failures read message first.

    Both of nbgrader's displays show a failure's ``source`` first and its ``error`` second (the dialog shows
    ``source`` as text, ``error`` as HTML; the command line prints ``source``, then ``raw_error``): the message goes
    in the first place, the test cell in the second.
    """

    def validate(self, filename):
        results = super().validate(filename)
        for failure in results.get("failed", []):
            message = wrap(strip_ansi(failure["raw_error"]).strip(), self.width)
            cell = f"in the test cell:\n{failure['source']}"
            failure.update(source=message, error=html.escape(cell), raw_error=cell)
        return results

    def _print_error(self, message: str, cell: str) -> None:
        self.stream.write("\n" + "=" * self.width + "\n")
        self.stream.write(textwrap.indent(message, self.indent) + "\n\n")
        self.stream.write(self._indent(cell) + "\n\n")


def use_message_first_validator() -> None:
    """Make nbgrader's Validate use MessageFirstValidator (called by the course's nbgrader_config.py).

    nbgrader has no option for the validator's class: its `nbgrader validate` command and the JupyterLab
    extension's request handler each build ``Validator`` by name, after reading nbgrader_config.py. So the name is
    rebound in those two modules.
    """
    from nbgrader.apps import validateapp
    from nbgrader.server_extensions.validate_assignment import handlers

    validateapp.Validator = handlers.Validator = MessageFirstValidator
