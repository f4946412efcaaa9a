"""Grade the whole answer catalogue with the visible tests, without nbgrader, and print how fair they are.

    .venv/bin/python scripts/catalogue_report.py [ASSIGNMENT ...] [--verbose] [--hidden]

For each assignment, the release notebook's ordinary cells run once in an IPython shell in this process with the
reference answers (demonstrations skipped). Then, for each catalogue entry, a copy of that namespace gets the
entry's code in place of the reference answer, all answer cells run again, then every visible test cell.
Printed per assignment:
  accepted -- differently written correct answers (ALTERNATIVES) that pass every visible test
  caught   -- mistakes (MISTAKES) for which a visible test of their function fails
  named    -- caught mistakes whose message names the mistake (a "Hint:" line or a message of the tests' own)
  raw      -- mistakes answered by a raw error (an exception that is not a CheckFailure)
--hidden runs the source notebooks' test cells (hidden tests included) instead of the release's.
Targets: 100 % accepted, 100 % caught, >= 90 % named, 0 raw.
"""

import contextlib
import copy
import io
import os
import sys
import tempfile
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_state = tempfile.mkdtemp(prefix="catalogue_report_")
for _name, _folder in [
    ("JUPYTER_CONFIG_DIR", "config"),
    ("JUPYTER_DATA_DIR", "data"),
    ("JUPYTER_RUNTIME_DIR", "runtime"),
    ("IPYTHONDIR", "ipython"),
    ("MPLCONFIGDIR", "mpl"),
]:
    os.environ[_name] = os.path.join(_state, _folder)
os.environ["MPLBACKEND"] = "Agg"

from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

SHELL = InteractiveShell.instance()  # before the checks are imported: they watch the cells it runs (rerun_answer)

from dlcourse import checks  # noqa: E402
from dlcourse.course import catalogue, layout  # noqa: E402


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _is_test(cell):
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


class Notebook:
    """One release notebook, run once with the reference answers; entries are then graded against copies."""

    def __init__(self, shell, assignment, name, hidden=False):
        self.shell = shell
        self.folder = ROOT / "release" / assignment
        source = ROOT / "source" / assignment / f"{name}.ipynb"
        self.answers = layout.solutions(source)
        self.owners = layout.test_owners(source)
        nb = layout.skip_demonstrations(
            layout.fill_answers((source if hidden else self.folder / f"{name}.ipynb"), self.answers)
        )
        self.cells = [c for c in nb.cells if c.cell_type == "code"]
        # the hidden tests import their shared references (hidden_<assignment>.py) from source/, as the judge does
        self.paths = [str(self.folder)] + ([str(source.parent)] if hidden else [])
        self.base = self._run([c for c in self.cells if not _is_test(c)], {"__name__": "__main__"})

    def _run(self, cells, namespace):
        """Run cells in the shell with this namespace (the notebook's folder as working folder); return it."""
        self.shell.user_ns.clear()
        self.shell.user_ns.update(namespace)
        self.shell.init_user_ns()
        here = os.getcwd()
        os.chdir(self.folder)
        sys.path[:0] = self.paths
        try:
            for cell in cells:
                self._cell(cell.source)
        finally:
            del sys.path[: len(self.paths)]
            os.chdir(here)
        return dict(self.shell.user_ns)

    def _cell(self, source):
        """Run one cell; return the exception it raised (None when it ran through)."""
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            result = self.shell.run_cell(source, store_history=True, silent=False)
        return result.error_in_exec or result.error_before_exec

    def grade(self, codes):
        """{test grade_id: exception or None} of every visible test cell with these answers in place."""
        namespace = {
            key: value if isinstance(value, (types.ModuleType, types.FunctionType, type)) else _copy(value)
            for key, value in self.base.items()
        }
        self.shell.user_ns.clear()
        self.shell.user_ns.update(namespace)
        here = os.getcwd()
        os.chdir(self.folder)
        sys.path[:0] = self.paths
        results = {}
        try:
            for cell in self.cells:
                grade_id = _grade_id(cell)
                if grade_id in self.answers:
                    self._cell(codes.get(grade_id, self.answers[grade_id]))
                elif _is_test(cell):
                    results[grade_id] = self._cell(cell.source)
        finally:
            del sys.path[: len(self.paths)]
            os.chdir(here)
        return results


def _copy(value):
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 -- an object that cannot be copied is shared
        return value


def _named(error):
    """A hint, or a message of the test's own (not the bare expected/got of a value check)."""
    text = str(error)
    return "Hint:" in text or "  expected:" not in text


def report(assignment, verbose, hidden):
    shell = SHELL
    mistakes, alternatives = catalogue.load(ROOT, assignment)
    notebooks = [Notebook(shell, assignment, name, hidden) for name in layout.notebook_names(ROOT, assignment)]
    owner_of = {part: nb for nb in notebooks for part in nb.answers}
    counts = {"accepted": 0, "alternatives": 0, "caught": 0, "named": 0, "raw": 0, "mistakes": 0}
    problems = []
    for what, codes in alternatives.items():
        counts["alternatives"] += 1
        failed = {}
        for nb in {id(owner_of[p]): owner_of[p] for p in codes}.values():
            failed.update({k: e for k, e in nb.grade(codes).items() if e is not None})
        if failed:
            test, error = next(iter(failed.items()))
            problems.append(f"REJECTED {what}: {test}: {type(error).__name__}: {str(error)[:300]}")
        else:
            counts["accepted"] += 1
    for part, variants in mistakes.items():
        nb = owner_of[part]
        for what, code in variants.items():
            counts["mistakes"] += 1
            results = nb.grade({part: code})
            errors = [results[t] for t, owner in nb.owners.items() if owner == part and results.get(t) is not None]
            if not errors:
                problems.append(f"NOT CAUGHT {part}: {what}")
                continue
            counts["caught"] += 1
            error = errors[0]
            if not isinstance(error, checks.CheckFailure):
                counts["raw"] += 1
                problems.append(f"RAW {part}: {what}: {type(error).__name__}: {str(error)[:200]}")
            elif _named(error):
                counts["named"] += 1
            else:
                problems.append(f"UNNAMED {part}: {what}: {str(error)[:300]}")
            if verbose:
                print(f"--- {part}: {what}\n{type(error).__name__}: {error}\n")
    return counts, problems


def main(argv):
    verbose = "--verbose" in argv
    hidden = "--hidden" in argv
    # A quiz's visible tests check only the form of an answer (its hidden tests hold the key): without --hidden,
    # the quizzes are left out.
    every = [a for a in catalogue.assignments(ROOT) if hidden or not a.endswith("_quiz")]
    wanted = [a for a in argv if not a.startswith("--")] or every
    total = {}
    for assignment in wanted:
        counts, problems = report(assignment, verbose, hidden)
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
        _print(assignment, counts)
        for line in problems:
            print("    " + line.replace("\n", " | "))
    if len(wanted) > 1:
        _print("all", total)


def _percent(part, whole):
    return f"{100 * part / whole:5.1f} %" if whole else "    - "


def _print(label, c):
    print(
        f"{label:28s} accepted {c['accepted']:3d}/{c['alternatives']:<3d} {_percent(c['accepted'], c['alternatives'])}"
        f" | caught {c['caught']:3d}/{c['mistakes']:<3d} {_percent(c['caught'], c['mistakes'])}"
        f" | named {c['named']:3d}/{c['mistakes']:<3d} {_percent(c['named'], c['mistakes'])}"
        f" | raw errors {c['raw']}",
        flush=True,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
