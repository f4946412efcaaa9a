"""The week-4 building blocks given with the application are generated from the step-by-step source and cannot drift."""
import importlib.util
import shutil

import nbformat
import numpy as np
import pytest

from dlcourse.course import blocks, layout
from helpers import REPO

STEP_BY_STEP = REPO / blocks.NOTEBOOK


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated():
    return _load(REPO / blocks.TARGET, "dnn_blocks_under_test")


@pytest.fixture(scope="module")
def reference():
    return layout.reference_namespace(STEP_BY_STEP)


def test_the_committed_module_is_what_the_generator_makes_from_the_current_source():
    assert (REPO / blocks.TARGET).read_text() == blocks.module_text(REPO), \
        "source/w4_deep_nn_application/dnn_blocks.py is out of date: run python -m dlcourse.course.blocks"


def test_the_released_module_is_the_committed_one():
    released = REPO / "release" / "w4_deep_nn_application" / "dnn_blocks.py"
    assert released.read_bytes() == (REPO / blocks.TARGET).read_bytes()


def test_the_check_command_reports_an_up_to_date_module(capsys):
    assert blocks.main(["--check", "--root", str(REPO)]) == 0
    assert "up to date" in capsys.readouterr().out


def _scratch_course(tmp_path):
    for folder in ["source/w4_deep_nn_step_by_step", "source/w4_deep_nn_application"]:
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _edit_solution(root, grade_id, old, new):
    path = root / blocks.NOTEBOOK
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            assert old in cell.source
            cell.source = cell.source.replace(old, new)
    nbformat.write(nb, path)


def test_an_edited_solution_makes_the_module_out_of_date_until_it_is_regenerated(tmp_path, capsys):
    root = _scratch_course(tmp_path)
    _edit_solution(root, "compute_cost", "cost = float(cost)", "cost = float(cost)  # edited")
    assert blocks.main(["--check", "--root", str(root)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert blocks.main(["--root", str(root)]) == 0
    assert "cost = float(cost)  # edited" in (root / blocks.TARGET).read_text()
    assert blocks.main(["--check", "--root", str(root)]) == 0


def test_the_generator_refuses_a_source_it_cannot_edit_safely(tmp_path):
    root = _scratch_course(tmp_path)
    _edit_solution(root, "initialize_parameters_deep", "* 0.01", "* 0.02")
    with pytest.raises(blocks.BlocksError, match="occurs 0 times in initialize_parameters_deep"):
        blocks.module_text(root)
    root2 = _scratch_course(tmp_path / "second")
    _edit_solution(root2, "linear_forward", "    return Z, cache", "    return Z, cache\n\nEXTRA = 1")
    with pytest.raises(blocks.BlocksError, match="more than functions"):
        blocks.module_text(root2)


def test_the_blocks_compute_what_the_step_by_step_solutions_compute(generated, reference):
    rng = np.random.default_rng(0)
    dims, m = [5, 4, 3, 1], 7
    X = rng.normal(size=(dims[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = rng.normal(size=(dims[l], dims[l - 1]))
        parameters[f"b{l}"] = rng.normal(size=(dims[l], 1))
    results = []
    for namespace in (vars(generated), reference):
        AL, caches = namespace["L_model_forward"](X, parameters)
        grads = namespace["L_model_backward"](AL, Y, caches)
        updated = namespace["update_parameters"](parameters, grads, 0.1)
        results.append((AL, namespace["compute_cost"](AL, Y), grads, updated))
    (AL, cost, grads, updated), (AL_ref, cost_ref, grads_ref, updated_ref) = results
    np.testing.assert_array_equal(AL, AL_ref)
    assert cost == cost_ref
    assert grads.keys() == grads_ref.keys() and all(np.array_equal(grads[k], grads_ref[k]) for k in grads)
    assert all(np.array_equal(updated[k], updated_ref[k]) for k in updated_ref)


def test_deep_initialisation_is_scaled_by_one_over_the_square_root_of_the_previous_width(generated, reference):
    dims = [400, 20, 7, 1]
    np.random.seed(5)
    scaled = generated.initialize_parameters_deep(dims)
    np.random.seed(5)
    small = reference["initialize_parameters_deep"](dims)
    for l in range(1, len(dims)):
        np.testing.assert_allclose(scaled[f"W{l}"], small[f"W{l}"] / 0.01 / np.sqrt(dims[l - 1]))
        np.testing.assert_array_equal(scaled[f"b{l}"], np.zeros((dims[l], 1)))
    np.random.seed(5)
    two_layer = generated.initialize_parameters(3, 2, 1)   # the two-layer initialisation keeps its 0.01
    np.random.seed(5)
    two_layer_ref = reference["initialize_parameters"](3, 2, 1)
    assert all(np.array_equal(two_layer[k], two_layer_ref[k]) for k in two_layer_ref)


def test_predict_thresholds_the_output_of_the_network(generated):
    parameters = {"W1": np.array([[1.0, -1.0]]), "b1": np.array([[0.0]])}
    X = np.array([[2.0, 0.0, -1.0], [1.0, 0.0, 3.0]])
    np.testing.assert_array_equal(generated.predict(X, parameters), [[1.0, 0.0, 0.0]])
