"""What the hidden tests of deep_nn_application.ipynb share, written once.

Only the grader sees this file: nbgrader_config.py keeps hidden_*.py out of release/ and out of the grading kernel's
folder; the judge imports it from source/ (and a source notebook run from its own folder does too).
"""

import numpy as np

from dlcourse import checks


def compare(got, expected, what):
    """Check a model's (parameters, costs) against the reference's."""
    parameters, costs = got
    expected_parameters, expected_costs = expected
    checks.expect_true(
        isinstance(costs, list) and len(costs) == len(expected_costs),
        f"costs should be a Python list of {len(expected_costs)} costs for {what}; "
        f"got {type(costs).__name__} {costs!r:.120}",
    )
    checks.expect_close(np.array([float(c) for c in costs]), np.array(expected_costs), f"the costs for {what}")
    checks.expect_keys(parameters, list(expected_parameters), f"the parameters for {what}")
    for name, value in expected_parameters.items():
        checks.expect_close(parameters[name], value, f"{name} for {what}")
