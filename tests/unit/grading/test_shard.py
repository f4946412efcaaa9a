"""The shard grader's stand-ins for nbgrader's own pieces, against nbgrader's (the whole grader against stock
nbgrader: tests/test_onepass.py)."""

import gc

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator

from dlcourse.grading.shard import CompiledMetadataValidator, frozen_heap


def _cell(kind="code", **meta):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    base = {"grade": False, "solution": False, "locked": False, "grade_id": "cell1", "schema_version": 3}
    return make("x = 1", metadata={"nbgrader": {**base, **meta}})


CELLS = {
    "plain solution": _cell(solution=True),
    "test cell": _cell(grade=True, locked=True, points=3),
    "markdown answer": _cell("markdown", grade=True, solution=True, points=2),
    "points as text": _cell(grade=True, points="three"),
    "grade without points": _cell(grade=True),
    "empty grade id": _cell(solution=True, grade_id=""),
    "old schema": _cell(solution=True, schema_version=1),
    "newer schema": _cell(solution=True, schema_version=4),
    "markdown grade only": _cell("markdown", grade=True, points=1),
    "unknown key type": _cell(solution=True, locked="yes"),
}


def _verdict(validator, cell):
    try:
        validator.validate_cell(cell)
    except Exception as error:  # noqa: BLE001 -- the verdict is the error's type and message
        return type(error).__name__, str(error).splitlines()[0]
    return "valid"


@pytest.mark.parametrize("name", CELLS)
def test_the_compiled_schema_gives_nbgraders_verdict(name):
    compiled, stock = CompiledMetadataValidator(), MetadataValidator()
    assert _verdict(compiled, CELLS[name]) == _verdict(stock, CELLS[name])


def test_the_cases_include_cells_nbgrader_rejects_for_each_reason():
    verdicts = {
        verdict if verdict == "valid" else verdict[0]
        for verdict in (_verdict(MetadataValidator(), cell) for cell in CELLS.values())
    }
    assert {"valid", "ValidationError", "SchemaTooOldError", "SchemaTooNewError"} <= verdicts


def test_while_a_shard_is_graded_what_was_loaded_before_is_left_out_of_collections():
    class Node:  # a cycle: only the collector frees it
        pass

    before = gc.get_freeze_count()
    loaded = Node()
    loaded.me = loaded
    with frozen_heap():
        assert gc.get_freeze_count() > before
        made_while_grading = Node()
        made_while_grading.me = made_while_grading
        tracked = gc.get_objects()
        assert not any(o is loaded for o in tracked)  # frozen: full collections skip it
        assert any(o is made_while_grading for o in tracked)  # the grading's own objects are still collected
    assert gc.get_freeze_count() == before  # unfrozen at the end: a process that goes on collects it again
    assert any(o is loaded for o in gc.get_objects())
