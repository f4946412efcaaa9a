"""No submission stops, hangs or spoils a class, and every limit holds per notebook.

One autograde batch holds correct students beside careless and hostile ones (broken files of every kind, wrong
types in the JSON, changed cell types, a stuck cell, sleeping cells, floods of output and of standard error,
student HTML and JavaScript, memory in a memfd, CPU in child processes, disk and a deep tree in the socket
folder). Each costs at most that student's own points; the batch completes; feedback is written for everyone.
Fast unit tests cover the pieces (repair, tree removal, bounded readers, control groups, the command line).
"""

import copy
import json
import os
import re
import resource
import subprocess
import sys
import time

import nbformat
import pytest

from dlcourse import cli
from dlcourse.course import blocks, layout
from dlcourse.grading import bounds, cgroups, kernels, preprocessors, runner
from dlcourse.grading.forkserver import syscalls
from helpers import copy_course

ASSIGNMENT, NOTEBOOK = "w2_numpy_basics", "numpy_basics"
FULL, L2_POINTS = 24, 3
CELL_TIMEOUT, NOTEBOOK_TIMEOUT, CPU_SECONDS = 10, 45, 8

STUCK_L2 = '''def L2(yhat, y):
    """L2 loss, retried until it works (the bare except also swallows the grader's interrupt)."""
    while True:
        try:
            time.sleep(0.01)
        except:
            continue
'''

ATTACKS = {  # ungraded cells appended after the last test: the student's points are already earned
    "memfd-hog": """
import os
fds, held = [], 0
for n in range(48):  # one memfd per 63 MiB: each stays under the 64 MiB file-size limit
    fds.append(os.memfd_create(f"hog{n}"))
    os.write(fds[-1], b"x" * (63 << 20))
    held += 63
    print("memfd MiB", held, flush=True)
print("HELD ALL", held)
""",
    "cpu-children": """
import os, time
children = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        end = time.process_time() + 4
        while time.process_time() < end:
            pass
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
print("BURNED", os.times().children_user, "s of CPU")
""",
    "socket-folder": """
import os, sys
folder = os.path.dirname(sys.argv[-1])  # the kernel's last argument: its socket, in its socket folder
print("socket folder", folder)
written = 0
try:
    for n in range(300):
        with open(os.path.join(folder, f"fill-{n}"), "wb") as handle:
            handle.write(b"x" * (1 << 20))
        written += 1
except OSError as error:
    print("stopped:", error)
print("socket folder MiB", written)
path = folder
try:
    for _ in range(1100):
        path = os.path.join(path, "d")
        os.mkdir(path)
        os.chdir(path)
        path = "."
except OSError as error:
    print("tree stopped:", error)
print("deep tree built")
""",
    "stderr-flood": """
import os, sys
original = getattr(sys.stderr, "_original_stdstream_copy", None) or 2  # ipykernel captures fd 2 itself
for _ in range(256):
    os.write(original, b"e" * (1 << 20))
print("flooded")
""",
    "big-outputs": """
from IPython.display import display
display({"text/plain": "p" * 5_000_000}, raw=True)
display({"image/png": "A" * 3_000_000, "text/plain": "image"}, raw=True)
print("s" * 3_000_000)
raise ValueError("v" * 5_000_000)
""",
    "html-js": """
from IPython.display import HTML, Javascript, SVG, display
display(HTML('<script>alert("pwned-html")</script><img src=x onerror="alert(1)">'))
display(Javascript('alert("pwned-js")'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(2)"></svg>'))
""",
}


def _cell_index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _hostile_files(root, folder, correct):
    """Submissions that are not ordinary notebook files: {student: how to make them}."""
    path = lambda student: root / "submitted" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"  # noqa: E731
    for student in ("dir-notebook", "fifo-notebook", "symlink-to-solution", "huge-notebook", "deep-json"):
        path(student).parent.mkdir(parents=True)
    path("dir-notebook").mkdir()
    os.mkfifo(path("fifo-notebook"))
    path("symlink-to-solution").symlink_to(root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    big = copy.deepcopy(correct)
    big.cells[0].source += "\n" + "padding " * (5 * 1024 * 1024)  # 40 MiB: over the 32 MiB a notebook may have
    nbformat.write(big, path("huge-notebook"))
    path("deep-json").write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")


def _odd_json(correct):
    """Notebooks whose JSON has wrong types or changed cell types: {student: notebook as JSON-able dict}."""
    odd = {}
    nb = copy.deepcopy(correct)
    nb.cells[_cell_index(nb, "test_L1")].cell_type = "markdown"  # one keypress in Jupyter
    nb.cells[_cell_index(nb, "test_L1")].pop("outputs")
    nb.cells[_cell_index(nb, "test_L1")].pop("execution_count")
    odd["test-to-markdown"] = nb
    nb = copy.deepcopy(correct)
    cell = nb.cells[_cell_index(nb, "L1")]
    cell.cell_type = "raw"
    cell.pop("outputs")
    cell.pop("execution_count")
    odd["solution-to-raw"] = nb
    nb = copy.deepcopy(correct)
    nb.cells[_cell_index(nb, "test_L2")].metadata["nbgrader"]["grade_id"] = ["test_L2"]
    odd["grade-id-list"] = nb
    nb = copy.deepcopy(correct)
    nb.cells[_cell_index(nb, "L1")].outputs = "not a list"
    nb.cells[0].source = 42
    nb.cells[0].metadata = ["not", "a", "dict"]
    nb.cells.append({"cell_type": "code"})
    nb.cells.append("not a cell")
    nb.metadata.kernelspec = {"name": "a-kernel-that-does-not-exist", "display_name": "x", "language": "python"}
    odd["wrong-types"] = nb
    return odd


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One autograde run over correct, careless and hostile students; feedback for all of them."""
    root = copy_course(tmp_path_factory.mktemp("robust"), with_release=False)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(
            f"\nc.SandboxedExecute.notebook_timeout = {NOTEBOOK_TIMEOUT}\n"
            f"c.GradingKernelManager.cpu_seconds = {CPU_SECONDS}\n"
        )
    layout.run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    release = root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    answers = layout.solutions(root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    correct = layout.fill_answers(release, answers)
    for student in ("correct-a", "correct-b"):
        layout.write_submission(root, student, ASSIGNMENT, NOTEBOOK, correct)
    _hostile_files(root, ASSIGNMENT, correct)
    for student, nb in _odd_json(correct).items():
        (root / "submitted" / student / ASSIGNMENT).mkdir(parents=True)
        (root / "submitted" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb").write_text(json.dumps(nb))
    for student, code in ATTACKS.items():
        nb = copy.deepcopy(correct)
        nb.cells.append(nbformat.v4.new_code_cell(code))
        layout.write_submission(root, student, ASSIGNMENT, NOTEBOOK, nb)
    marker = copy.deepcopy(correct)
    marker.cells[_cell_index(marker, "L1")].source += "\n# ### BEGIN HIDDEN TESTS (my own notes)\n"
    marker.cells.append(nbformat.v4.new_markdown_cell("<img src=x onerror=alert(3)> [see](javascript:alert(4))"))
    layout.write_submission(root, "hidden-marker", ASSIGNMENT, NOTEBOOK, marker)
    sleeper = copy.deepcopy(correct)
    for grade_id in ("sigmoid", "sigmoid_derivative", "image2vector", "normalize_rows", "softmax", "L1", "L2"):
        sleeper.cells[_cell_index(sleeper, grade_id)].source += "\ntime.sleep(8)\n"
    layout.write_submission(root, "sleeper", ASSIGNMENT, NOTEBOOK, sleeper)
    where = copy.deepcopy(correct)
    where.cells.append(nbformat.v4.new_code_cell("import os\nprint('kernel CPUs', *sorted(os.sched_getaffinity(0)))"))
    layout.write_submission(root, "where-it-runs", ASSIGNMENT, NOTEBOOK, where)
    fifo_time = layout.write_submission(root, "fifo-timestamp", ASSIGNMENT, NOTEBOOK, correct).parent / "timestamp.txt"
    os.mkfifo(fifo_time)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    outcomes = runner.autograde(root, workers=2, cell_timeout=CELL_TIMEOUT, progress=False)
    seconds = time.perf_counter() - start
    rss_growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    feedback = subprocess.run(
        [sys.executable, "-m", "dlcourse", "feedback", ASSIGNMENT], cwd=root, capture_output=True, text=True
    )
    graded = {}
    for outcome in outcomes:
        path = root / "autograded" / outcome.student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        graded[outcome.student] = path
    return {
        "root": root,
        "outcomes": {o.student: o for o in outcomes},
        "graded": graded,
        "seconds": seconds,
        "rss_growth_kib": rss_growth_kib,
        "feedback": feedback,
    }


def _outputs(batch, student):
    nb = nbformat.read(batch["graded"][student], as_version=4)
    return "\n".join(
        str(o.get("text", "")) + str(o.get("evalue", "")) + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        for o in c.get("outputs", [])
    )


def test_the_batch_completes_and_everyone_is_graded(batch):
    outcomes = batch["outcomes"]
    assert all(o.graded for o in outcomes.values()), [o.line() for o in outcomes.values() if not o.graded]
    for student in ("correct-a", "correct-b"):
        assert outcomes[student].score == FULL, outcomes[student].line()
    print(f"\nbatch of {len(outcomes)} graded in {batch['seconds']:.0f} s")


@pytest.mark.parametrize(
    "student, words",
    [
        ("dir-notebook", "notebook file a folder"),
        ("fifo-notebook", "not a regular file"),
        ("symlink-to-solution", "symbolic link"),
        ("huge-notebook", "too large"),
        ("deep-json", "unreadable notebook"),
    ],
)
def test_a_file_that_is_not_a_notebook_is_graded_as_unanswered_with_a_reason(batch, student, words):
    outcome = batch["outcomes"][student]
    assert outcome.graded and outcome.score == 0 and words in outcome.line(), outcome.line()


@pytest.mark.parametrize(
    "student, expected, words",
    [
        ("test-to-markdown", FULL, "cell 'test_L1' changed type: restored"),
        ("solution-to-raw", FULL, "cell 'L1' changed type: restored"),
        ("grade-id-list", FULL, "cell ['test_L2'] unknown"),
        ("wrong-types", FULL, "source is not text"),
        ("fifo-timestamp", FULL, "timestamp.txt not a regular file"),
        ("hidden-marker", FULL, None),
    ],
)
def test_wrong_types_and_changed_cells_are_repaired(batch, student, expected, words):
    outcome = batch["outcomes"][student]
    assert outcome.score == expected, outcome.line()
    assert words is None or words in outcome.line(), outcome.line()


def test_feedback_for_one_student_never_stops_anothers(batch):
    feedback = batch["feedback"]
    assert feedback.returncode == 0, feedback.stderr[-3000:]
    for student in batch["outcomes"]:
        assert (batch["root"] / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html").is_file(), student


def test_a_cell_that_cannot_be_interrupted_costs_only_the_tests_that_need_it(small_course, tmp_path):
    import shutil

    course = shutil.copytree(small_course, tmp_path / "course", symlinks=True)
    release = course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    answers = layout.solutions(course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    shutil.rmtree(course / "submitted")
    layout.write_submission(
        course, "stuck-L2", ASSIGNMENT, NOTEBOOK, layout.fill_answers(release, {**answers, "L2": STUCK_L2})
    )
    [outcome] = runner.autograde(course, workers=1, cell_timeout=5, progress=False)
    assert outcome.score == FULL - L2_POINTS, outcome.line()


def test_every_notebook_ends_within_its_wall_clock_bound(batch):
    outcome = batch["outcomes"]["sleeper"]
    assert 0 < outcome.score < FULL, outcome.line()
    assert f"time limit ({NOTEBOOK_TIMEOUT} s) was reached" in _outputs(batch, "sleeper")


def test_memory_in_a_memfd_counts_against_the_memory_limit(batch):
    assert cgroups.problem() is None, cgroups.problem()
    attack = nbformat.read(batch["graded"]["memfd-hog"], as_version=4).cells[-1]
    output = "".join(o.get("text", "") for o in attack.outputs if o.output_type == "stream")  # may come in pieces
    held = [int(n) for n in re.findall(r"memfd MiB (\d+)", output)]
    assert "HELD ALL" not in output and max(held, default=0) < 2048, output[-500:]
    assert batch["outcomes"]["memfd-hog"].score == FULL
    print(f"\nmemfd: {max(held, default=0)} MiB held under the 2048 MiB limit, then the kernel was stopped")


def test_cpu_time_counts_every_process_of_the_kernel(batch):
    output = _outputs(batch, "cpu-children")
    assert "BURNED" not in output and bounds.STUCK not in output, output[-500:]
    assert batch["outcomes"]["cpu-children"].score == FULL


def test_each_kernel_runs_on_the_cpu_of_its_grading_process(batch):
    """Two grading processes on a machine of two CPUs or more: each is kept on a CPU of its own, with its kernels."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        pytest.skip("fewer CPUs than grading processes: nothing is pinned")
    line = next(line for line in _outputs(batch, "where-it-runs").splitlines() if line.startswith("kernel CPUs"))
    assert [int(cpu) for cpu in line.split()[2:]] in [[cpu] for cpu in available], line
    assert batch["outcomes"]["where-it-runs"].score == FULL


def test_the_socket_folder_is_bounded_and_always_cleaned_up(batch):
    output = _outputs(batch, "socket-folder")
    folder = next(line.split()[-1] for line in output.splitlines() if line.startswith("socket folder "))
    written = next(int(line.split()[-1]) for line in output.splitlines() if line.startswith("socket folder MiB"))
    assert written <= 4, output[-800:]
    assert not os.path.exists(folder), folder
    assert batch["outcomes"]["socket-folder"].score == FULL
    print(f"\nsocket folder: {written} MiB written (of 300 tried), tree and folder removed")


def test_a_flood_of_standard_error_does_not_grow_the_instructors_process(batch):
    assert "flooded" in _outputs(batch, "stderr-flood")
    assert batch["rss_growth_kib"] < 128 * 1024, batch["rss_growth_kib"]
    print(f"\nstderr flood of 256 MiB: the grading process grew by {batch['rss_growth_kib'] / 1024:.0f} MiB")


def test_outputs_are_capped_in_bytes_for_every_output_type(batch):
    size = batch["graded"]["big-outputs"].stat().st_size
    assert size < 2 * 1024 * 1024, size
    nb = nbformat.read(batch["graded"]["big-outputs"], as_version=4)
    cell = nb.cells[-1]
    assert [o.output_type for o in cell.outputs][-1] == "error"  # the error is kept (shortened): it decides scores
    assert batch["outcomes"]["big-outputs"].score == FULL
    print(f"\nbig outputs: autograded notebook of {size / 1024:.0f} KiB")


def test_student_html_and_javascript_are_inert(batch):
    for student in ("html-js", "hidden-marker"):
        text = batch["graded"][student].read_text()
        assert "application/javascript" not in text and "text/html" not in text and "image/svg" not in text
        page = (batch["root"] / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
        for attack in ("<script>alert", "<img src=x onerror", "<svg xmlns", "javascript:alert", "javascript&#58;"):
            assert attack not in page, (student, attack)


# ---- failures that are not the student's: the run stops early and says why -------------------------------------


@pytest.fixture(scope="module")
def small_course(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("small"), with_release=False)
    layout.run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    release = root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    correct = layout.fill_answers(release, layout.solutions(root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"))
    for student in ("s1", "s2", "s3", "s4"):
        layout.write_submission(root, student, ASSIGNMENT, NOTEBOOK, correct)
    return root


def _with_config(root, tmp_path, line):
    import shutil

    course = shutil.copytree(root, tmp_path / "course", symlinks=True)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\n" + line + "\n")
    return course


def test_kernels_that_cannot_start_stop_the_run_with_the_reason(small_course, tmp_path):
    course = _with_config(small_course, tmp_path, "c.GradingKernelManager.memory_mb = 8")
    result = subprocess.run(
        [sys.executable, "-m", "dlcourse", "autograde", "--workers", "1"],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == cli.EXIT_ERROR, result.stderr[-2000:]
    assert "dlcourse autograde: error: grading kernels cannot start" in result.stderr, result.stderr[-2000:]
    assert (
        "End of the grading log" in result.stderr
        and "Traceback (most recent call last):\n  File" not in result.stderr.split("End of the grading log")[0]
    )
    assert not (course / "autograded").exists()  # stopped before failing every student; nothing stored


def test_nbgrader_failing_says_why(small_course, tmp_path):
    course = _with_config(small_course, tmp_path, 'c.Autograde.autograde_preprocessors = ["dlcourse.no_such.Step"]')
    with pytest.raises(runner.GradingError, match="nbgrader failed .* without grading any notebook"):
        runner.autograde(course, workers=1, progress=False)


# ---- fast unit tests -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def release_path():
    return layout.find_root(os.path.dirname(__file__)) / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p.mkdir(), "a folder"),
        (lambda p: os.mkfifo(p), "not a regular file"),
        (lambda p: p.symlink_to("/etc/passwd"), "symbolic link"),
        (lambda p: p.write_text("[" * 200_000), "unreadable notebook"),
        (lambda p: p.write_text('{"cells": 3, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'), "unreadable"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00garbage"), "unreadable"),
    ],
)
def test_repair_grades_any_file_as_unanswered_with_a_reason(tmp_path, release_path, make, words):
    path = tmp_path / "n.ipynb"
    make(path)
    nb, problems = runner.repair(path, release_path)
    assert nbformat.validate(nb) is None and any(words in p for p in problems), problems


def test_repair_restores_a_test_cell_switched_to_markdown(tmp_path, release_path):
    nb = nbformat.read(release_path, as_version=4)
    cell = nb.cells[_cell_index(nb, "test_L1")]
    cell.cell_type = "markdown"
    del cell["outputs"], cell["execution_count"]
    (tmp_path / "n.ipynb").write_text(json.dumps(nb))
    repaired, problems = runner.repair(tmp_path / "n.ipynb", release_path)
    assert repaired.cells[_cell_index(repaired, "test_L1")].cell_type == "code"
    assert any("changed type" in p for p in problems)


def test_remove_tree_removes_any_depth(tmp_path):
    path = tmp_path / "deep"
    os.mkdir(path)
    fd = os.open(path, os.O_RDONLY)
    for _ in range(1500):
        os.mkdir("d" * 200, dir_fd=fd)
        inner = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)
    syscalls.remove_tree(str(path))
    assert not path.exists()


def test_stderr_tail_keeps_a_bounded_amount():
    tail = kernels.StderrTail()
    for _ in range(64):
        os.write(tail.write_end, b"x" * (1 << 20))
    os.write(tail.write_end, b"THE END")
    text = tail.summary()
    assert tail.size == 64 * (1 << 20) + 7 and len(text) < 3 * tail.KEEP and text.endswith("THE END")


def test_shrink_keeps_error_outputs_and_bounds_every_type():
    for output in (
        nbformat.v4.new_output("stream", name="stdout", text="x" * 10**6),
        nbformat.v4.new_output("display_data", data={"text/plain": "y" * 10**6}),
        nbformat.v4.new_output("execute_result", data={"text/html": "z" * 10**6}, execution_count=1),
        nbformat.v4.new_output("error", ename="E", evalue="w" * 10**6, traceback=["t" * 10**6]),
    ):
        kind = output.output_type
        assert bounds.output_size(bounds.shrink(output, 4096)) < 8192 and output.output_type == kind


def test_inert_outputs_keep_text_and_images_only():
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": "<script>x</script>"}),
        nbformat.v4.new_output("display_data", data={"image/png": '"><script>x</script>', "text/plain": "t"}),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="}),
    ]
    step = preprocessors.InertStudentOutputs()
    step._course_text = set()
    step.preprocess_cell(cell, {}, 0)
    assert [sorted(o.data) for o in cell.outputs] == [["text/plain"], ["text/plain"], ["image/png"]]


def test_student_hidden_test_markers_do_not_stop_feedback():
    from nbgrader.preprocessors import ClearHiddenTests

    cell = nbformat.v4.new_code_cell("x = 1  # ### BEGIN HIDDEN TESTS")
    preprocessors.NeutraliseStudentHiddenTestMarkers().preprocess_cell(cell, {}, 0)
    ClearHiddenTests().preprocess_cell(cell, {}, 0)  # raised before
    assert "x = 1" in cell.source


def test_a_control_group_bounds_memfd_memory_and_cpu_over_children():
    if cgroups.problem():
        pytest.skip(cgroups.problem())
    hog = (
        "import os\nfd = os.memfd_create('hog')\nfor n in range(1, 17):\n"
        "    os.write(fd, b'x' * (16 << 20)); print(n * 16, flush=True)\n"
    )
    group = cgroups.KernelGroup(64 << 20, 1000, 64)
    process = subprocess.Popen(
        [sys.executable, "-c", f"import sys; sys.stdin.read(1)\n{hog}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    group.join(process.pid)
    held = process.communicate("g")[0].split()
    group.remove()
    assert process.returncode != 0 and int(held[-1]) < 64, held  # killed before holding 64 MiB
    burn = (
        "import os, time\nfor _ in range(3):\n    if os.fork() == 0:\n        t = time.process_time() + 3\n"
        "        while time.process_time() < t: pass\n        os._exit(0)\nos.wait(); os.wait(); os.wait()\n"
        "print('done')\n"
    )
    group = cgroups.KernelGroup(1 << 30, 1, 64)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", f"import sys; sys.stdin.read(1)\n{burn}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    group.join(process.pid)
    out = process.communicate("g")[0]
    used = group.cpu_used()
    group.remove()
    assert "done" not in out and group.cpu_exceeded and used < 2, (out, used)
    print(
        f"\ncgroup: memfd stopped at {held[-1]} MiB of a 64 MiB limit; 3 children stopped at {used:.2f} s CPU "
        f"of a 1 s limit after {time.perf_counter() - start:.1f} s"
    )


def test_the_command_line_turns_every_course_error_into_one_line(capsys, monkeypatch):
    def broken(args):
        raise blocks.BlocksError("the step-by-step source has no cell L_model_forward")

    parser = cli.build_parser()
    args = parser.parse_args(["demo"])
    args.handler = broken
    monkeypatch.setattr(cli, "build_parser", lambda: type("P", (), {"parse_args": lambda self, argv: args})())
    assert cli.main([]) == cli.EXIT_ERROR
    assert capsys.readouterr().err == "dlcourse demo: error: the step-by-step source has no cell L_model_forward\n"


def test_autograde_exits_non_zero_with_the_list_when_a_submission_failed(capsys, monkeypatch, tmp_path):
    failed = runner.Outcome("bob", ASSIGNMENT, ["grading failed"], graded=False, log_tail="[ERROR] why it failed")
    monkeypatch.setattr(runner, "autograde", lambda *a, **k: [runner.Outcome("amy", ASSIGNMENT, graded=True), failed])
    monkeypatch.setattr(layout, "find_root", lambda: tmp_path)
    monkeypatch.setattr(cli, "_assignments", lambda root, names: [ASSIGNMENT])
    assert cli.main(["autograde"]) == cli.EXIT_FAILED_SUBMISSIONS
    err = capsys.readouterr().err
    assert f"FAILED: bob/{ASSIGNMENT}" in err and "why it failed" in err


@pytest.mark.parametrize("version", [1, 2])
def test_control_groups_of_either_version_are_detected_and_limited(tmp_path, monkeypatch, version):
    """A fake cgroup tree of each version: the groups are made under this process's own, with every limit."""
    if version == 2:
        (tmp_path / "grading").mkdir()
        (tmp_path / "cgroup.controllers").write_text("cpu memory pids")
        (tmp_path / "grading" / "cgroup.subtree_control").write_text("cpu memory pids")
        groups = {"": "/grading"}
    else:
        for controller in ("memory", "cpu,cpuacct", "pids"):
            (tmp_path / controller / "grading").mkdir(parents=True)
        groups = {"memory": "/grading", "cpu": "/grading", "cpuacct": "/grading", "pids": "/grading"}
    monkeypatch.setattr(cgroups, "ROOT", tmp_path)
    monkeypatch.setattr(cgroups, "_own_groups", lambda: groups)
    cgroups.support.cache_clear()
    try:
        assert cgroups.problem() is None and cgroups.support()[0] == version
        group = cgroups.KernelGroup(512 << 20, 10, 96)
    finally:
        cgroups.support.cache_clear()
    files = {path.relative_to(tmp_path).as_posix(): path.read_text() for path in tmp_path.rglob("dlcourse-kernel-*/*")}
    limits = {name.split("/")[-1]: value for name, value in files.items()}
    if version == 2:
        assert limits == {
            "memory.max": str(512 << 20),
            "memory.swap.max": "0",
            "cpu.max": "100000 100000",
            "pids.max": "96",
        }
    else:
        assert limits["memory.limit_in_bytes"] == str(512 << 20) and limits["pids.max"] == "96"
        assert limits["cpu.cfs_quota_us"] == limits["cpu.cfs_period_us"] == "100000"
    assert all(path.startswith(str(tmp_path)) and "/grading/dlcourse-kernel-" in path for path in group.procs_files())


def test_where_control_groups_are_missing_one_warning_names_what_is_not_enforced(monkeypatch):
    monkeypatch.setattr(cgroups, "problem", lambda: "the cgroup v1 controller pids is not mounted")
    warning = runner.limits_warning()
    assert warning.startswith("per-notebook limits NOT ENFORCED") and "pids is not mounted" in warning
    assert all(item in warning for item in cgroups.NOT_ENFORCED)
