"""Every figure a source notebook quotes as "Expected output" is what its reference solution prints.

A markdown cell that says "Expected output" quotes the output of the code cell just above it, from those words to the
end of their paragraph: each code span or block holding a digit there must appear in that cell's printed output.
Spaces do not count; a number written with d decimals matches a printed number that rounds to it (so "0.230613"
matches "-0.2306131587239446" only with the sign, and "0.6448730732633301" needs all its digits); a span followed by
"(± T)" lets its last number differ by up to T. A figure in the prose itself (a decimal number or a percentage outside
code and formulas) cannot be checked and fails the test: quote the printed line instead.

Each notebook is executed once, in its own folder, with the BLAS thread count of the environment (1 unless set);
cells after the last quoted one, and demonstrations after the last quoted demonstration, are not run.
"""

import os
import re
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from dlcourse.course.layout import is_demonstration

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "source").glob("*/*.ipynb"))

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?!\w)")
QUOTE = re.compile(r"```[^\n]*\n(.*?)```|`([^`\n]+)`(?:\s*\(±\s*(\d+(?:\.\d+)?))?", re.S)
MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$", re.S)
PROSE_FIGURE = re.compile(r"(?<![\w.])\d+\.\d+|(?<![\w.])\d+(?:\.\d+)?\s*%")
TOLERANCE = re.compile(r"\(±[^)]*\)")


def expected_section(markdown):
    """The text from "Expected output" to the end of its paragraph (blank lines inside code blocks do not end it)."""
    start = markdown.find("Expected output")
    if start < 0:
        return None
    section, fenced = [], False
    for line in markdown[start:].split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        elif not line.strip() and not fenced:
            break
        section.append(line)
    return "\n".join(section)


def quotes(section):
    """(quoted text, tolerance or None) for each code span or block of the section that holds a digit."""
    found = []
    for match in QUOTE.finditer(section):
        text = match.group(1) if match.group(1) is not None else match.group(2)
        if re.search(r"\d", text):
            found.append((text, Decimal(match.group(3)) if match.group(3) else None))
    return found


def prose_figures(section):
    """Decimal numbers and percentages written in the prose of the section (outside code, formulas, tolerances)."""
    prose = TOLERANCE.sub("", MATH.sub("", QUOTE.sub("", section)))
    return PROSE_FIGURE.findall(prose)


def tokens(text):
    """The text as a list of numbers (Decimal) and single non-space characters (str)."""
    result, position = [], 0
    for match in NUMBER.finditer(text):
        result += [char for char in text[position : match.start()] if not char.isspace()]
        result.append(Decimal(match.group()))
        position = match.end()
    return result + [char for char in text[position:] if not char.isspace()]


def number_matches(quoted, printed, tolerance):
    allowed = tolerance if tolerance is not None else Decimal(1).scaleb(quoted.as_tuple().exponent) / 2
    return abs(printed - quoted) <= allowed


def appears_in(quote, tolerance, output):
    """Whether the quoted text appears in the output, numbers compared as the module docstring says."""
    wanted, printed = tokens(quote), tokens(output)
    numbers = [k for k, token in enumerate(wanted) if isinstance(token, Decimal)]
    last_number = numbers[-1] if numbers else None
    for start in range(len(printed) - len(wanted) + 1):
        for k, token in enumerate(wanted):
            got = printed[start + k]
            if isinstance(token, Decimal) != isinstance(got, Decimal):
                break
            if isinstance(token, Decimal):
                if not number_matches(token, got, tolerance if k == last_number else None):
                    break
            elif token != got:
                break
        else:
            return True
    return False


def printed_output(cell):
    """What a code cell printed: its stdout and the plain-text form of its results."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and output.name == "stdout":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def quoted_cells(nb):
    """{index of a code cell: its expected-output section} for every markdown cell that says "Expected output"."""
    found = {}
    for index, cell in enumerate(nb.cells):
        section = expected_section(cell.source) if cell.cell_type == "markdown" else None
        if section is not None:
            assert index > 0 and nb.cells[index - 1].cell_type == "code", (
                f"markdown cell {index} says 'Expected output' but does not follow a code cell"
            )
            found[index - 1] = section
    return found


def execute(path, quoted):
    """Run the notebook up to its last quoted cell (see the module docstring); return the executed notebook."""
    nb = nbformat.read(path, as_version=4)
    last = max(quoted)
    last_demonstration = max((index for index in quoted if is_demonstration(nb.cells[index])), default=-1)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    with pytest.MonkeyPatch.context() as patch:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            patch.setenv(name, os.environ.get(name, "1"))
        patch.setenv("MPLBACKEND", "Agg")
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells[: last + 1]):
                if cell.cell_type == "code" and not (is_demonstration(cell) and index > last_demonstration):
                    client.execute_cell(cell, index)
    return nb


QUOTING = [path for path in NOTEBOOKS if quoted_cells(nbformat.read(path, as_version=4))]


@pytest.mark.slow
@pytest.mark.parametrize("path", QUOTING, ids=[path.parent.name for path in QUOTING])
def test_expected_outputs_are_printed(path):
    nb = nbformat.read(path, as_version=4)
    quoted = quoted_cells(nb)
    nb = execute(path, quoted)
    problems = []
    for index, section in sorted(quoted.items()):
        output = printed_output(nb.cells[index])
        for quote, tolerance in quotes(section):
            if not appears_in(quote, tolerance, output):
                problems.append(
                    f"cell {index}: expected {quote!r}"
                    + (f" (± {tolerance})" if tolerance else "")
                    + f"\n    but it printed {output!r}"
                )
        for figure in prose_figures(section):
            problems.append(f"cell {index + 1}: the figure {figure!r} is written in prose; quote the printed line")
    assert not problems, f"{path.relative_to(REPO)}:\n" + "\n".join(problems)


# The matching rules themselves, on made-up text (fast).
@pytest.mark.parametrize(
    "quote, tolerance, output",
    [
        (
            "dw = [-0.541420 -0.879075]  db = -0.230613",
            None,
            "dw = [-0.54142002 -0.87907503]  db = -0.2306131587239446\n",
        ),
        ("[0.  0.1 0.2 0.3]", None, "first four values: [0.  0.1 0.2 0.3]\n"),
        ("accuracy: 92.0 %", Decimal(4), "Training accuracy: 89.5 %\n"),
        ("W1 =\n[[ 0.23343082  0.71769646]]", None, "W1 =\n [[ 0.23343082  0.71769646]]\n"),
    ],
)
def test_a_matching_quote_is_found(quote, tolerance, output):
    assert appears_in(quote, tolerance, output)


@pytest.mark.parametrize(
    "quote, tolerance, output",
    [
        ("cost = 0.6448730732633301", None, "cost = 0.64487307326333\n"),  # the last digits differ
        ("db = -0.230613", None, "db = 0.2306131587239446\n"),  # the sign differs
        ("Cost after iteration 1000: 0.175365", None, "Cost after iteration 1000: 0.169307\n"),
        ("accuracy: 92.0 %", Decimal(2), "Training accuracy: 89.5 %\n"),  # outside the tolerance
        ("n_x = 2, n_h = 4", None, "n_x = 2, n_y = 4\n"),  # the text differs
    ],
)
def test_a_wrong_quote_is_not_found(quote, tolerance, output):
    assert not appears_in(quote, tolerance, output)


def test_sections_quotes_and_prose_figures():
    markdown = (
        "Intro with 3.5 %.\n\nExpected output (rounded): `cost = 0.82` and `A2 > 0.5`... wait, "
        "`accuracy 92 %` (± 4 %), about 91 % in prose, $\\log 2 \\approx 0.693$.\n"
        "```\nW =\n\n[[1.5]]\n```\nsame paragraph\n\nNext paragraph 0.25."
    )
    section = expected_section(markdown)
    assert section.startswith("Expected output") and "same paragraph" in section and "0.25" not in section
    assert quotes(section) == [
        ("cost = 0.82", None),
        ("A2 > 0.5", None),
        ("accuracy 92 %", Decimal(4)),
        ("W =\n\n[[1.5]]\n", None),
    ]
    assert prose_figures(section) == ["91 %"]
