"""One grading process per shard: every notebook taken through nbgrader's two passes in memory, the gradebook read once.

It does what ``nbgrader autograde`` does, with nbgrader's own preprocessors configured exactly as nbgrader configures
them (the course's nbgrader_config.py, loaded by nbgrader's AutogradeApp), minus its bookkeeping: the repaired
notebook goes through the sanitizing preprocessors and then the course's autograde preprocessors without being
written and read back from disk, and none of them opens the gradebook. Those that would (OverwriteKernelspec,
OverwriteCells, SaveAutoGrades, AssignLatePenalties) run nbgrader's own code against a Ledger: the assignment's
registration, read once from the course's gradebook, and the grades, comments and late penalties of the submission,
kept in memory. CheckCellMetadata runs nbgrader's checks with the metadata schema compiled once (STAND_INS).
The autograded folder is written where nbgrader writes it (shard/autograded/<student>/<assignment>:
the notebooks, timestamp.txt and the assignment's other source files, read-only), and one JSON line per submission
goes to shard/results.jsonl, which runner._merge stores into the course's gradebook.

Run as ``python -m dlcourse.grading.shard ROOT SUBMISSIONS_JSON CLAIMS [nbgrader options]`` from the shard folder (the
runner: the class's submissions, of which it grades those it claims first in the CLAIMS folder), or called in a
process that grades many tasks (the queue worker): :func:`grade`.
"""

import contextlib
import gc
import json
import logging
import shutil
import sys
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.nbgraderformat import MetadataValidator, SchemaTooNewError, SchemaTooOldError, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    GetGrades,
    NbGraderPreprocessor,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
    SaveCells,
)
from traitlets.utils.importstring import import_item

from dlcourse.grading import runner, stages


def _row(obj, *names):
    return SimpleNamespace(**{name: getattr(obj, name) for name in names})


class Registration:
    """An assignment as the gradebook registers it (notebooks, kernelspecs, source and graded cells, due date), read
    once: what nbgrader's preprocessors look up, cell by cell, in every notebook they grade."""

    def __init__(self, db_url, assignment):
        with Gradebook(db_url) as book:
            found = book.find_assignment(assignment)
            self.duedate = found.duedate
            self.notebooks = {}
            for nb in found.notebooks:
                self.notebooks[nb.name] = SimpleNamespace(
                    name=nb.name,
                    kernelspec=nb.kernelspec,
                    source_cells=[
                        _row(c, "name", "cell_type", "locked", "checksum", "source") for c in nb.source_cells
                    ],
                    grade_cells=[_row(c, "name", "max_score") for c in nb.grade_cells],
                    solution_cells=[_row(c, "name") for c in nb.solution_cells],
                    task_cells=[_row(c, "name", "max_score") for c in nb.task_cells],
                )


class Ledger:
    """Stands in for nbgrader's Gradebook in the preprocessors that would open it, for one submission: cells are
    looked up in the Registration, grades, comments and late penalties are recorded here. Passed to them in
    resources["nbgrader"]["ledger"] (nbconvert deep-copies resources: a copy is this same ledger)."""

    def __init__(self, registration, timestamp):
        self.registration, self.timestamp = registration, timestamp
        self.grades, self.comments, self.penalties = {}, {}, {}
        self.db = SimpleNamespace(commit=lambda: None)

    def __deepcopy__(self, memo):
        return self

    @property
    def total_seconds_late(self):
        """As nbgrader's SubmittedAssignment computes it (a submission made anew has no extension)."""
        duedate = self.registration.duedate
        if self.timestamp is None or duedate is None:
            return 0
        return max(0, (utils.parse_utc(self.timestamp) - duedate).total_seconds())

    def find_notebook(self, notebook, assignment):
        try:
            return self.registration.notebooks[notebook]
        except KeyError:
            raise MissingEntry() from None

    def _find(self, cells, name, notebook, assignment):
        for cell in cells(self.find_notebook(notebook, assignment)):
            if cell.name == name:
                return cell
        raise MissingEntry()

    def find_source_cell(self, name, notebook, assignment):
        return self._find(lambda nb: nb.source_cells, name, notebook, assignment)

    def find_graded_cell(self, name, notebook, assignment):
        return self._find(lambda nb: nb.grade_cells + nb.task_cells, name, notebook, assignment)

    def find_grade(self, name, notebook, assignment, student):
        return self.grades.setdefault(
            (notebook, name), SimpleNamespace(auto_score=None, manual_score=None, needs_manual_grade=False)
        )

    def find_comment(self, name, notebook, assignment, student):
        return self.comments.setdefault((notebook, name), SimpleNamespace(auto_comment=None))

    def notebook_score(self, notebook):
        """The notebook's score as the gradebook sums it (no manual scores: the submission is made anew)."""
        return sum(grade.auto_score or 0.0 for (name, _), grade in self.grades.items() if name == notebook)

    def result(self):
        """What runner._store_scores stores (JSON)."""
        return {
            "grades": [[nb, cell, g.auto_score, g.needs_manual_grade] for (nb, cell), g in self.grades.items()],
            "comments": [[nb, cell, c.auto_comment] for (nb, cell), c in self.comments.items()],
            "penalties": [[nb, penalty] for nb, penalty in self.penalties.items()],
            "timestamp": self.timestamp,
        }


def _ledger(resources):
    return resources["nbgrader"]["ledger"]


class LedgerOverwriteKernelspec(OverwriteKernelspec):
    """nbgrader's OverwriteKernelspec, the kernelspec taken from the Ledger."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        kernelspec = _ledger(resources).find_notebook(info["notebook"], info["assignment"]).kernelspec
        if kernelspec is not None and json.loads(kernelspec):
            nb.metadata["kernelspec"] = json.loads(kernelspec)
        return nb, resources


class LedgerOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells (its own cell checks and restored cells), the source cells taken from the Ledger."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id, self.gradebook = info["notebook"], info["assignment"], _ledger(resources)
        nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)
        if self.add_missing_cells:
            nb, resources = self.add_missing_grade_cells(nb, resources)
            nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources


class LedgerAutoGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades (its own scores and comments), recorded in the Ledger."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id, self.student_id = info["notebook"], info["assignment"], info["student"]
        self.gradebook = _ledger(resources)
        with stages.timed("grades: computed in memory"):
            return NbGraderPreprocessor.preprocess(self, nb, resources)


class LedgerLatePenalties(AssignLatePenalties):
    """nbgrader's AssignLatePenalties (its plugin and its bounds), the penalty recorded in the Ledger."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        ledger, notebook = _ledger(resources), info["notebook"]
        self.init_plugin()
        ledger.penalties[notebook] = None
        late = ledger.total_seconds_late
        if late > 0:
            self.log.warning("%s/%s is %s seconds late", info["student"], info["assignment"], late)
            score = ledger.notebook_score(notebook)
            penalty = self.plugin_inst.late_submission_penalty(info["student"], score, late)
            if penalty is not None:
                ledger.penalties[notebook] = self._check_late_penalty(SimpleNamespace(score=score), penalty)
        return nb, resources


class _CompiledSchema(BaseMetadataValidator):
    """nbgrader's check of a cell's metadata against its schema, the schema compiled once instead of checked anew
    for every cell (jsonschema.validate checks the schema itself at each call: most of the sanitizing pass)."""

    def validate_cell(self, cell):
        if "nbgrader" not in cell.metadata:
            return
        version = cell.metadata["nbgrader"].get("schema_version", 0)
        if version < self.schema_version:
            raise SchemaTooOldError(
                f"Outdated schema version: {version} (expected {self.schema_version})", version, self.schema_version
            )
        if version > self.schema_version:
            raise SchemaTooNewError(
                f"Schema version is too new: {version} (expected {self.schema_version})", version, self.schema_version
            )
        if not hasattr(self, "_compiled"):
            self._compiled = jsonschema.validators.validator_for(self.schema)(self.schema)
        error = jsonschema.exceptions.best_match(self._compiled.iter_errors(cell.metadata["nbgrader"]))
        if error is not None:
            raise error


class CompiledMetadataValidator(MetadataValidator, _CompiledSchema):
    """nbgrader's MetadataValidator (its own checks of grade ids, points, cell types), with _CompiledSchema below it."""


class CompiledCheckCellMetadata(CheckCellMetadata):
    """nbgrader's CheckCellMetadata with one CompiledMetadataValidator for every notebook."""

    def preprocess(self, nb, resources):
        if not hasattr(self, "_validator"):
            self._validator = CompiledMetadataValidator()
        try:
            self._validator.validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg) from None
        return nb, resources


STAND_INS = {
    OverwriteKernelspec: LedgerOverwriteKernelspec,
    OverwriteCells: LedgerOverwriteCells,
    SaveAutoGrades: LedgerAutoGrades,
    AssignLatePenalties: LedgerLatePenalties,
    CheckCellMetadata: CompiledCheckCellMetadata,
}
NEEDS_THE_GRADEBOOK = (GetGrades, SaveCells)  # nbgrader preprocessors that open the gradebook and have no stand-in


class Grader:
    """nbgrader's Autograde converter as ``nbgrader autograde ARGV`` configures it in the current folder (a course
    folder: its nbgrader_config.py), with its two passes' preprocessors made once and used for every notebook."""

    def __init__(self, argv):
        from nbgrader.apps.autogradeapp import AutogradeApp
        from nbgrader.converters import Autograde

        self.app = AutogradeApp()
        self.app.initialize(["--force", *argv])
        self.coursedir = self.app.coursedir
        self.converter = Autograde(coursedir=self.coursedir, parent=self.app)
        self.sanitizer = self._preprocessors(self.converter.sanitize_preprocessors)
        self.grader = self._preprocessors(self.converter.autograde_preprocessors)
        self.registrations = {}

    def _preprocessors(self, configured):
        """The preprocessors of one pass, made as nbconvert's exporter makes them (the stand-ins in place)."""
        exporter = self.converter.exporter_class(parent=self.converter, config=self.converter.config)
        made = []
        for preprocessor in configured:
            if isinstance(preprocessor, str):  # configured by its dotted name
                preprocessor = import_item(preprocessor)
            if isinstance(preprocessor, type) and issubclass(preprocessor, NEEDS_THE_GRADEBOOK):
                raise runner.GradingError(
                    f"{preprocessor.__name__} is configured for autograding: it needs the "
                    "gradebook, which the one-pass grader does not open"
                )
            preprocessor = STAND_INS.get(preprocessor, preprocessor)
            made.append(preprocessor(parent=exporter) if isinstance(preprocessor, type) else preprocessor)
        return made

    @staticmethod
    def _run(preprocessors, nb, resources):
        """One pass as nbconvert's exporter runs it, without its three copies of the notebook: each preprocessor in
        turn (a disabled one passes the notebook on), the result validated once (its optimistic validation)."""
        for preprocessor in preprocessors:
            nb, resources = preprocessor(nb, resources)
        nbformat.validate(nb, relax_add_props=True)
        return nb

    def close(self):
        self.app.reset()

    def registration(self, assignment):
        if assignment not in self.registrations:
            self.registrations[assignment] = Registration(self.coursedir.db_url, assignment)
        return self.registrations[assignment]

    def _resources(self, student, assignment, notebook, folder, ledger):
        """A pass's resources, as nbconvert's exporter makes them from nbgrader's (a missing key reads as "")."""
        resources = ResourcesDict()
        resources.update(
            {
                "unique_key": notebook,
                "output_files_dir": f"{notebook}_files",
                "output_extension": ".ipynb",
                "metadata": ResourcesDict(),
                "nbgrader": {
                    "student": student,
                    "assignment": assignment,
                    "notebook": notebook,
                    "db_url": self.coursedir.db_url,
                    "ledger": ledger,
                },
            }
        )
        resources["metadata"].update({"name": notebook, "path": str(folder)})
        return resources

    @stages.timed("a notebook's two passes, in all")
    def grade_notebook(self, nb, student, assignment, notebook, folder, ledger):
        """Both passes over one notebook (nbgrader's sanitizing, then the course's autograde preprocessors); writes
        the autograded notebook into folder."""
        with stages.timed("sanitizing: nbgrader's cell checks"):
            nb = self._run(self.sanitizer, nb, self._resources(student, assignment, notebook, folder, ledger))
        with utils.setenv(NBGRADER_EXECUTION="autograde"):
            nb = self._run(self.grader, nb, self._resources(student, assignment, notebook, folder, ledger))
        with stages.timed("writing autograded files"):
            (folder / f"{notebook}.ipynb").write_text(nbformat.v4.writes(nb) + "\n", encoding="utf-8")
        with open(runner.PROGRESS, "ab") as progress:  # the runner's progress bar counts these bytes
            progress.write(b".")

    def _copy_source_files(self, assignment, folder):
        """The assignment's other source files, as nbgrader copies them (not c.CourseDirectory.ignore)."""
        source = Path(self.coursedir.format_path(self.coursedir.source_directory, ".", assignment))
        excluded = {source / name for name in self.converter.exclude_overwriting.get(assignment, [])}
        for name in utils.find_all_files(str(source), self.coursedir.ignore + ["*.ipynb"]):
            if Path(name) not in excluded:
                target = folder / Path(name).relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(name, target)

    def grade_submission(self, root, student, assignment):
        """Grade one submission of the course folder root; returns its record for results.jsonl (result None when
        grading failed: then no autograded folder is left, as nbgrader leaves none)."""
        notebooks, timestamp, problems = runner.read_submission(root, student, assignment)
        folder = Path(self.coursedir.format_path(self.coursedir.autograded_directory, student, assignment))
        record = {"student": student, "assignment": assignment, "problems": problems, "result": None}
        shutil.rmtree(folder, ignore_errors=True)
        try:
            with stages.timed("writing autograded files"):
                folder.mkdir(parents=True)
                if timestamp is not None:
                    (folder / "timestamp.txt").write_bytes(timestamp)
                self._copy_source_files(assignment, folder)
            stamp = timestamp.decode("utf-8").strip() if timestamp is not None else None
            ledger = Ledger(self.registration(assignment), stamp)
            for notebook, nb in notebooks.items():
                self.grade_notebook(nb, student, assignment, notebook, folder, ledger)
            permissions = int(str(self.converter.permissions), 8)
            for path in folder.rglob("*"):
                if path.is_file():
                    path.chmod(permissions)
            record["result"] = ledger.result()
        except Exception:  # noqa: BLE001 -- as nbgrader: the submission fails (reported, 0), the others go on
            self.app.log.error(
                "There was an error processing assignment %s for student %s:\n%s",
                assignment,
                student,
                traceback.format_exc(),
            )
            shutil.rmtree(folder, ignore_errors=True)
        return record


def grade(
    root: str | Path, submissions: list[tuple[str, str]], argv: Iterable[str] = (), claims: str | None = None
) -> None:
    """Grade these (student, assignment) submissions of the course folder root with nbgrader's configuration of the
    current folder (a shard: runner.prepare_shard); each submission's record is appended to results.jsonl as soon
    as it is graded. With claims (a folder shared by the grading processes of a class), only the submissions this
    process claims first (runner.claim), so that processes share the work as it comes."""
    grader = Grader(list(argv))
    shard = Path.cwd().name
    try:
        with open(runner.RESULTS, "a") as results:
            for index, (student, assignment) in enumerate(submissions):
                if claims is not None and not runner.claim(claims, index, shard):
                    continue
                record = grader.grade_submission(root, student, assignment)
                results.write(json.dumps(record) + "\n")
                results.flush()
    finally:
        grader.close()


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """While a shard is graded, the garbage collector leaves alone what the process had loaded before (nbgrader,
    nbconvert, the judge's libraries: nine objects in ten), which each of its full collections walked again."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def main() -> None:
    root, manifest, claims, *argv = sys.argv[1:]
    logging.captureWarnings(True)
    with frozen_heap():
        grade(Path(root), [tuple(pair) for pair in json.loads(Path(manifest).read_text())], argv, claims)
    stages.add(f"{stages.CPU}grading processes' own (judge, nbgrader)", stages.process_cpu())
    stages.flush()


if __name__ == "__main__":
    main()
