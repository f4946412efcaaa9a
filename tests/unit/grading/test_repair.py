"""dlcourse.grading.runner.repair: whatever a student hands in becomes a notebook nbgrader can grade fairly."""

import json

import nbformat
import pytest

from dlcourse.grading.runner import repair
from tiny_notebooks import answered, cell_of, release_notebook, write


@pytest.fixture
def release(tmp_path):
    return write(release_notebook(), tmp_path / "release.ipynb")


def _repair(tmp_path, release, submitted):
    nb, problems = repair(write(submitted, tmp_path / "submitted.ipynb"), release)
    nbformat.validate(nb)  # whatever came in, nbgrader receives a valid notebook
    return nb, problems


def _is_the_release(nb):
    return [c.source for c in nb.cells] == [c.source for c in release_notebook().cells]


def _as_json(nb):
    return json.loads(nbformat.writes(nb))


def test_a_clean_submission_is_kept_as_written(tmp_path, release):
    nb, problems = _repair(tmp_path, release, answered())
    assert problems == []
    assert [c.source for c in nb.cells] == [c.source for c in answered().cells]


@pytest.mark.parametrize("text", ["", "   \n\t\n"])
def test_an_empty_file_is_graded_as_unanswered(tmp_path, release, text):
    nb, problems = _repair(tmp_path, release, text)
    assert problems == ["empty notebook file: graded as unanswered"] and _is_the_release(nb)


def _without_cells():
    nb = _as_json(answered())
    del nb["cells"]
    return json.dumps(nb)


def _cells_as_text():
    nb = _as_json(answered())
    nb["cells"] = "square"
    return json.dumps(nb)


def _cell_without_fields():
    nb = _as_json(answered())
    nb["cells"][2] = {"cell_type": "code"}
    return json.dumps(nb)


def _cell_metadata_as_list():
    nb = _as_json(answered())
    nb["cells"][2]["metadata"] = ["nbgrader"]
    return json.dumps(nb)


def _unknown_format_version():
    nb = _as_json(answered())
    nb["nbformat"] = 99
    return json.dumps(nb)


@pytest.mark.parametrize(
    "text, error",
    [
        ('{"cells": [', "NotJSONError"),
        ("\x89PNG\r\n\x1a\n\x00\x00", "NotJSONError"),
        ("[1, 2, 3]", "AttributeError"),
        ("42", "AttributeError"),
        ("null", "AttributeError"),
        ('{"homework": "done"}', "ValidationError"),
        (_without_cells(), "ValidationError"),
        (_cells_as_text(), "ValidationError"),
        (_cell_without_fields(), "ValidationError"),
        (_cell_metadata_as_list(), "TypeError"),
        (_unknown_format_version(), "NBFormatError"),
        ("[" * 100_000 + "]" * 100_000, "RecursionError"),
        ('{"a": ' * 100_000 + "1" + "}" * 100_000, "RecursionError"),
    ],
    ids=[
        "invalid-json",
        "binary",
        "json-list",
        "json-number",
        "json-null",
        "json-object-not-a-notebook",
        "no-cells",
        "cells-not-a-list",
        "cell-without-fields",
        "cell-metadata-a-list",
        "unknown-nbformat-version",
        "deeply-nested-list",
        "deeply-nested-object",
    ],
)
def test_a_file_that_is_not_a_notebook_is_graded_as_unanswered(tmp_path, release, text, error):
    nb, problems = _repair(tmp_path, release, text)
    assert problems == [f"unreadable notebook ({error}): graded as unanswered"] and _is_the_release(nb)


@pytest.mark.filterwarnings("ignore::nbformat.warnings.DuplicateCellId")  # the twin is written as it came
def test_a_duplicated_cell_keeps_its_code_and_the_copy_becomes_an_ordinary_cell(tmp_path, release):
    nb = answered()
    twin = nbformat.from_dict(json.loads(json.dumps(nb.cells[2])))  # same cell id as well: a hand-edited file
    nb.cells.insert(3, twin)
    repaired, problems = _repair(tmp_path, release, nb)
    assert problems == ["cell 'square' duplicated: graded as an ordinary cell"]
    assert len(cell_of(repaired, "square")) == 1 and len(repaired.cells) == len(nb.cells)
    assert repaired.cells[3].source == twin.source and "nbgrader" not in repaired.cells[3].metadata
    assert len({c.id for c in repaired.cells}) == len(repaired.cells)


def test_a_foreign_grade_id_becomes_an_ordinary_cell_and_the_original_is_reported_deleted(tmp_path, release):
    nb = answered()
    nb.cells[2].metadata["nbgrader"]["grade_id"] = "my_square"
    repaired, problems = _repair(tmp_path, release, nb)
    assert problems == [
        "cell 'my_square' unknown: graded as an ordinary cell",
        "cells deleted: square (nbgrader puts test cells back)",
    ]
    assert "nbgrader" not in repaired.cells[2].metadata and repaired.cells[2].source == nb.cells[2].source


@pytest.mark.parametrize("grade_id", [["square"], 7, None, {"id": "square"}, 1.5])
def test_a_grade_id_that_is_not_a_string_becomes_an_ordinary_cell(tmp_path, release, grade_id):
    nb = answered()
    nb.cells[3].metadata["nbgrader"]["grade_id"] = grade_id
    repaired, problems = _repair(tmp_path, release, nb)
    assert problems[0] == f"cell {grade_id!r} unknown: graded as an ordinary cell"
    assert "nbgrader" not in repaired.cells[3].metadata


def test_nbgrader_metadata_that_is_not_a_mapping_becomes_an_ordinary_cell(tmp_path, release):
    nb = answered()
    nb.cells[3].metadata["nbgrader"] = "test_square"
    repaired, problems = _repair(tmp_path, release, nb)
    assert problems[0] == "cell None unknown: graded as an ordinary cell"
    assert "nbgrader" not in repaired.cells[3].metadata


def test_edited_metadata_is_restored(tmp_path, release):
    nb = answered()
    nb.cells[3].metadata["nbgrader"].update(points=100, locked=False)
    repaired, problems = _repair(tmp_path, release, nb)
    assert problems == ["metadata of cell 'test_square' edited: restored"]
    assert repaired.cells[3].metadata["nbgrader"] == release_notebook().cells[3].metadata["nbgrader"]


def test_a_changed_checksum_alone_is_restored_without_a_note(tmp_path, release):
    nb = answered()
    nb.cells[2].metadata["nbgrader"]["checksum"] = "edited"
    repaired, problems = _repair(tmp_path, release, nb)
    assert problems == [] and repaired.cells[2].metadata["nbgrader"]["checksum"] == "checksum-of-square"


def test_a_test_cell_switched_to_markdown_is_a_code_cell_again(tmp_path, release):
    nb = answered()
    nb.cells[3] = nbformat.v4.new_markdown_cell(nb.cells[3].source, metadata=nb.cells[3].metadata)
    repaired, problems = _repair(tmp_path, release, nb)
    assert problems == ["cell 'test_square' changed type: restored"]
    cell = repaired.cells[3]
    assert cell.cell_type == "code" and cell.outputs == [] and cell.source == "assert square(3) == 9"


def test_deleted_cells_are_named(tmp_path, release):
    nb = answered()
    del nb.cells[3]
    repaired, problems = _repair(tmp_path, release, nb)
    assert problems == ["cells deleted: test_square (nbgrader puts test cells back)"]
    assert len(repaired.cells) == 4


def test_a_notebook_without_any_cell_lists_a_few_deleted_cells(tmp_path, release):
    nb = answered()
    nb.cells = []
    _, problems = _repair(tmp_path, release, nb)
    assert problems == ["cells deleted: setup, square, test_square (nbgrader puts test cells back)"]
