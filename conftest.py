"""Keeps Jupyter, IPython and Matplotlib state of every test run (and every kernel it starts) out of the home folder;
marks the notebooks nbval executes as slow."""
import os
import tempfile

import pytest

from dlcourse.course.layout import JUPYTER_STATE_DIRS

_STATE = tempfile.mkdtemp(prefix="dlcourse-test-state-")
for _name, _sub in JUPYTER_STATE_DIRS:
    os.environ[_name] = os.path.join(_STATE, _sub)
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


# Fixtures that grade a whole class (nbgrader and grading kernels): a test that uses one is slow.
GRADED_CLASSES = {"batch", "graded", "small_course"}


def pytest_collection_modifyitems(items):
    """Every notebook that nbval executes (a kernel runs it), and every test that uses a graded class, is slow."""
    for item in items:
        if item.path.suffix == ".ipynb" or GRADED_CLASSES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
