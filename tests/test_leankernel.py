"""The lean grading kernel (dlcourse/grading/leankernel.py) gives a notebook's cells the outputs that stock ipykernel
and nbclient give them: the same cells run through both and their outputs compared, cell by cell, on the five
assignments' notebooks (answers filled in) and on cells that exercise each kind of output.

Accepted differences, normalised before comparing (in _normalised):
- stream outputs: ipykernel buffers stdout and stderr apart and sends each in pieces as its buffer is flushed (every
  0.2 s, and stdout before stderr when the cell ends or displays something), nbclient keeps each piece as an output;
  the lean kernel keeps the order of the writes and joins consecutive writes to one stream. Each run of stream
  outputs becomes its stdout text, then its stderr text.
- the file name of a cell's code (in warnings and syntax errors): /tmp/ipykernel_<pid>/<hash>.py in both, with
  another hash function (ipykernel's is murmur2) and the kernel's pid. Both become <cell>.py.
- rounding in the last digits: the same code gives sums that differ in their last bits in another process (NumPy's
  vectorised sums depend on where the arrays lie in memory), here in one gradient check (relative differences
  of 1e-10, noise) and one cost printed with all its digits. Digits past the tenth decimal are dropped, and numbers
  under 1e-6 printed in scientific notation become <tiny>.
- input(): StdinNotImplementedError in both, but ipykernel's traceback ends in its own frames, the lean kernel's
  in its own. Only the name and message are compared.
- update_display (a display with a display_id changed later) changes the earlier output in nbclient; the lean kernel
  drops the update (grading keeps what the cell displayed). Not in the corpus; tested on its own below.
"""

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient

from dlcourse.course import layout
from dlcourse.grading import bounds, kernels
from helpers import REPO, assignments_with_answers

pytestmark = pytest.mark.slow  # kernels run every notebook twice

LIMIT = 1 << 24
EDGE_CELLS = [
    "print('a'); print('b', flush=True); 40 + 2",
    "import sys\nprint('out'); print('err', file=sys.stderr); print('out again')",
    "x = 1;",  # a trailing semicolon hides the result
    "from IPython.display import display, HTML, Markdown, clear_output\n"
    "display(HTML('<b>bold</b>')); print('between'); display(Markdown('*md*'), metadata={'k': 1})",
    "print('gone'); clear_output(); print('kept')",
    "print('gone too'); clear_output(wait=True); print('kept too')",
    "import warnings\nwarnings.warn('careful')",
    "1 / 0",
    "def f(:\n    pass",
    "def g(n):\n    return h(n)\ndef h(n):\n    raise KeyError(n)\ng('missing')",
    "import numpy as np\nnp.arange(6).reshape(2, 3)",
    "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2]); plt.title('t')",
    "fig, ax = plt.subplots(); ax.scatter([1, 2], [2, 1]); plt.show(); print('after the figure')",
    "input('name? ')",
    "!echo shell",
    "%precision 3",
    "import math\nmath.pi",
    "raise SystemExit('bye')",
    "print('\\u00e9t\\u00e9 \\U0001f600')",
    "",
    "'last'",
]


def _normalised(outputs):
    """outputs with the accepted differences removed (see the module docstring)."""
    runs = []
    for output in outputs:
        output = dict(output)
        if output["output_type"] != "stream":
            runs.append(output)
            if output["output_type"] == "error" and output["ename"] == "StdinNotImplementedError":
                output["traceback"] = []
            continue
        if not runs or not isinstance(runs[-1], list):
            runs.append([])
        runs[-1].append(output)
    normalised = []
    for run in runs:
        if isinstance(run, list):
            for name in ("stdout", "stderr"):
                text = "".join(output["text"] for output in run if output["name"] == name)
                if text:
                    normalised.append({"output_type": "stream", "name": name, "text": text})
        else:
            normalised.append(run)
    text = json.dumps(normalised, sort_keys=True)
    text = re.sub(r"/tmp/ipykernel_\d+/\d+\.py", "<cell>.py", text)
    text = re.sub(r"\(\d+\.py, line", "(<cell>.py, line", text)
    text = re.sub(r"(\d\.\d{10})\d+", r"\1", text)
    text = re.sub(r"\b\d(\.\d+)?e-(0[7-9]|[1-9]\d)\b", "<tiny>", text)
    return json.loads(text)


def _stock(sources, folder):
    """[(outputs, execution count)] of the cells run by ipykernel through nbclient."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])
    NotebookClient(
        nb, timeout=120, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(folder)}}
    ).execute()
    return [(cell.outputs, cell.execution_count) for cell in nb.cells]


def _lean(sources, folder):
    """[(outputs, execution count)] of the cells run by the lean kernel (sandboxed as when grading)."""
    kernel = kernels.GradingKernelManager()
    kernel.start(str(folder))
    try:
        results = []
        for source in sources:
            if not source.strip():  # nbclient does not send an empty cell
                results.append(([], None))
                continue
            reply = kernel.execute(source, 120, LIMIT)
            results.append((bounds.kernel_outputs(reply["outputs"], LIMIT), reply["execution_count"]))
        return results
    finally:
        kernel.stop()


def _compare(sources, folder):
    differences = []
    for index, (source, stock, lean) in enumerate(zip(sources, _stock(sources, folder), _lean(sources, folder))):
        if _normalised(stock[0]) != _normalised(lean[0]) or stock[1] != lean[1]:
            differences.append(f"cell {index}: {source[:60]!r}\n  ipykernel: {stock}\n  lean: {lean}"[:3000])
    return differences


@pytest.fixture(autouse=True)
def same_environment(monkeypatch):
    """Both kernels show figures inline (their default outside the test suite) and compute with one BLAS thread (as
    grading kernels do: the rounding of sums depends on the number of threads)."""
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(name, "1")


def test_cells_of_every_kind_give_the_outputs_ipykernel_gives(tmp_path):
    assert _compare(EDGE_CELLS, tmp_path) == []


@pytest.mark.parametrize("assignment", assignments_with_answers())
def test_the_assignments_notebooks_give_the_outputs_ipykernel_gives(assignment):
    folder = REPO / "release" / assignment
    for name in layout.notebook_names(REPO, assignment):
        nb = layout.fill_answers(
            folder / f"{name}.ipynb", layout.solutions(REPO / "source" / assignment / f"{name}.ipynb")
        )
        layout.skip_demonstrations(nb)
        sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
        assert _compare(sources, folder) == [], name


def test_a_display_update_keeps_what_the_cell_displayed(tmp_path):
    source = "from IPython.display import display\nh = display('first', display_id=True)\nh.update('second')"
    [(outputs, _)] = _lean([source], tmp_path)
    assert [output["data"]["text/plain"] for output in outputs] == ["'first'"]


def test_each_kernel_draws_its_own_random_numbers(tmp_path):
    """NumPy's generator is loaded (and seeded) in the fork server: each kernel reseeds it, as a new process would
    start, so that unseeded draws differ from one notebook to the next."""
    source = "import numpy as np\nprint(np.random.randint(2**62), np.random.default_rng().integers(2**62))"
    first, second = (_lean([source], tmp_path)[0][0][0]["text"] for _ in range(2))
    assert first.split()[0] != second.split()[0]


def test_a_kernel_collects_only_what_it_made(tmp_path):
    """What the fork server loaded is frozen out of the garbage collector: a kernel's full collection walks only
    the objects the notebook made (it walked every module the server had loaded: about 60 ms each time)."""
    source = "import gc\ngc.collect()\nprint(gc.get_freeze_count(), len(gc.get_objects()))"
    frozen, tracked = map(int, _lean([source], tmp_path)[0][0][0]["text"].split())
    assert frozen > 50_000 and tracked < frozen / 10


def test_a_kernel_draws_with_the_backend_of_the_moment_it_starts(tmp_path, monkeypatch):
    """The fork server loads matplotlib, which reads its backend from the server's environment then: the server is
    replaced when kernels are to get another environment (the inline backend is what shows a notebook's figures)."""
    source = "import matplotlib\nprint(matplotlib.get_backend())"
    monkeypatch.setenv("MPLBACKEND", "Agg")
    assert _lean([source], tmp_path)[0][0][0]["text"].lower() == "agg\n"
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    assert _lean([source], tmp_path)[0][0][0]["text"] == "module://matplotlib_inline.backend_inline\n"
