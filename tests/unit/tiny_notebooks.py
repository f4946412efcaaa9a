"""Tiny notebooks for the unit tests: an assignment of one answer cell and its test cell, as nbgrader releases it."""

import nbformat


def grade_cell(source, grade_id, *, solution=False, grade=False, points=None, cell_type="code"):
    """A cell with nbgrader metadata as the student version carries it."""
    meta = {
        "cell_type": cell_type,
        "checksum": f"checksum-of-{grade_id}",
        "grade": grade,
        "grade_id": grade_id,
        "locked": not solution,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    return make(source, metadata={"nbgrader": meta})


def release_notebook():
    """The student version of a one-function assignment: setup, answer, visible test, and a plain cell."""
    return nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Square a number"),
            grade_cell("import math", "setup"),
            grade_cell("def square(x):\n    raise NotImplementedError()", "square", solution=True),
            grade_cell("assert square(3) == 9", "test_square", grade=True, points=1),
            nbformat.v4.new_code_cell("square(4)  # try it"),
        ]
    )


def answered(nb=None):
    """A copy of the student version with the answer written in."""
    nb = nb or release_notebook()
    nb.cells[2].source = "def square(x):\n    return x * x"
    return nb


def cell_of(nb, grade_id):
    """The cells of nb whose nbgrader grade_id is grade_id."""
    return [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id]


def write(nb, path):
    """Write a notebook (or raw text) to path; return path."""
    if isinstance(nb, str):
        path.write_text(nb)
    else:
        nbformat.write(nb, path)
    return path
