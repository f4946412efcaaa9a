"""nbgrader configuration of the course; nbgrader reads it when run from this folder."""
import os

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    ClearHiddenTests,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from dlcourse.grading.execute import SandboxedExecute
from dlcourse.grading.preprocessors import (
    HideHiddenTestTracebacks,
    InertStudentOutputs,
    NeutraliseStudentHiddenTestMarkers,
    SkipDemonstrationCells,
    StderrAsStdout,
)

c = get_config()  # noqa: F821 -- provided by nbgrader when it loads this file
root = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "neural-networks-and-deep-learning"
c.CourseDirectory.root = root
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(root, "gradebook.db")
c.Exchange.root = os.path.join(root, "exchange")
# Gradebook elsewhere (PostgreSQL, see docs/scale-out.md): set db_url above to "postgresql://USER@HOST/DB", or set the
# environment variable DLCOURSE_DB_URL, which wins, for dlcourse and stock nbgrader alike.
if os.environ.get("DLCOURSE_DB_URL"):
    c.CourseDirectory.db_url = os.environ["DLCOURSE_DB_URL"]
# hidden_*.py: the hidden tests' shared references (source/<assignment>/), for the judge only: never released, never
# copied into a submission's folder (where the student's kernel could read them).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "hidden_*.py"]

# Grading kernels: the longest graded cell runs well under a minute (heavy demonstrations are kept
# out of what the tests wait for), so a minute per cell stops infinite loops without hurting anyone.
c.Execute.timeout = 60

# A deleted test cell is put back (and scored) instead of silently scoring nothing.
c.OverwriteCells.add_missing_cells = True

# Demonstrations tagged 'skip-when-grading' (full training runs, sweeps) are not run while grading.
# Prints and warnings from correct code never cost points: stderr of test cells becomes stdout
# right after execution, before grades are computed. Errors still score 0.
# Every grading kernel runs sandboxed and resource-limited (dlcourse/grading/, docs/grading-integrity.md);
# the limits are set below, and c.GradingKernelManager.sandbox = False switches the sandbox off.
# Cell metadata is checked once, before execution (nbgrader's sanitizing pass); nbgrader's second check after
# execution is left out: nothing in between can change metadata, and it cost 0.1 s per notebook.
# Student HTML, JavaScript, SVG and Markdown tags are made inert before the autograded notebook is saved: the
# Formgrader and the feedback pages render it (docs/grading-integrity.md).
c.Autograde.autograde_preprocessors = [
    SkipDemonstrationCells, SandboxedExecute, StderrAsStdout, InertStudentOutputs, IgnorePattern,
    ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties,
]

c.GradingKernelManager.memory_mb = 2048      # address space per kernel, MiB
c.GradingKernelManager.cpu_seconds = 300     # CPU time per notebook
c.GradingKernelManager.max_processes = 64    # processes and threads a kernel may add
c.GradingKernelManager.max_file_mb = 64      # largest file a kernel may write, MiB
c.GradingKernelManager.scratch_mb = 128      # writable working folder and /tmp of a kernel, MiB each
# Per notebook, where the host has control groups (v1 or v2; else one warning names what is not enforced):
# memory_mb also bounds memory in shared memory and memfds, cpu_seconds counts all the kernel's processes,
# max_processes + 32 bounds its tasks (threads included).
c.GradingKernelManager.cgroups = True
c.SandboxedExecute.notebook_timeout = 600    # wall-clock seconds per notebook; cells not reached score 0
c.SandboxedExecute.max_output_bytes = 262144  # output kept per cell, bytes (every output type)

# Feedback never shows hidden tests: neither their code nor tracebacks quoting it.
# A student cell that contains the hidden-test markers is shown as written instead of stopping the feedback.
c.GenerateFeedback.preprocessors = [
    GetGrades, HideHiddenTestTracebacks, NeutraliseStudentHiddenTestMarkers, ClearHiddenTests,
    CSSHTMLHeaderPreprocessor,
]

# Quiet known harmless noise: the checksum warning of every hidden-test cell (their released copies lack the
# hidden tests by design).
c.Application.logging_config = {
    "filters": {"harmless": {"()": "dlcourse.grading.preprocessors.HarmlessNoiseFilter"}},
    "handlers": {"console": {"filters": ["harmless"]}},
}

# --- JupyterLab and the Formgrader (issue 19) ---
# A server started as `.venv/bin/jupyter lab` without activating the environment loads this file: put the
# environment's programs on its PATH, so nbgrader finds `alembic` whenever it opens the gradebook.
import sys  # noqa: E402

_scripts = os.path.dirname(sys.executable)
if _scripts not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _scripts + os.pathsep + os.environ.get("PATH", "")
# Students fetch assignments from the exchange into their own copy,
# <course root>/neural-networks-and-deep-learning/<assignment>/, never into the committed release/.
# The exchange folder exists before JupyterLab's Assignment List or the Formgrader first look at it
# (`dlcourse setup` makes it too); a read-only copy of the course (a grading worker) needs none.
c.Exchange.path_includes_course = True
from dlcourse.course.layout import make_exchange  # noqa: E402

try:
    make_exchange(c.Exchange.root)
except OSError:
    pass
# Math in the Formgrader's grading view comes from the MathJax that the PyPI package jupyter-server-mathjax installs
# and the Jupyter server serves: no internet needed. Feedback pages are opened from disk, alone, with no server: their
# formulas are written out as MathML when they are made (dlcourse/course/feedback.py), no script needed.
# nbgrader's page templates call nbconvert's mathjax() macro without a URL, so the course's own macro
# (dlcourse/course/html_templates) is found first; nbgrader's templates stay next in line.
import nbgrader  # noqa: E402

import dlcourse.course  # noqa: E402
from dlcourse.course.feedback import FeedbackExporter  # noqa: E402

c.GenerateFeedback.exporter_class = FeedbackExporter

c.HTMLExporter.mathjax_url = "/static/jupyter_server_mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
c.HTMLExporter.extra_template_basedirs = [
    os.path.join(os.path.dirname(dlcourse.course.__file__), "html_templates"),
    os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates"),
]

# Validate (JupyterLab's button and `nbgrader validate`) shows each failing test's message first, then the test cell
# (nbgrader shows the cell first); nbgrader has no option for it (dlcourse/course/validate.py).
from dlcourse.course.validate import use_message_first_validator  # noqa: E402

use_message_first_validator()
