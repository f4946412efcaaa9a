"""Keeps Jupyter, IPython and Matplotlib state of every test run (and every kernel it starts) out of the home folder."""
import os
import tempfile

_STATE = tempfile.mkdtemp(prefix="dlcourse-test-state-")
for _name, _sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                    ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib")]:
    os.environ[_name] = os.path.join(_STATE, _sub)
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
