"""The bubblewrap command line of a grading kernel: what it sees read-only, what it may write, how it is made."""

import os
import sys
from pathlib import Path

import pytest

import dlcourse
from dlcourse.grading import mounts
from dlcourse.grading.forkserver import server

REPO = Path(__file__).resolve().parents[3]
ONE_ARGUMENT = {"--tmpfs", "--dir", "--dev", "--proc", "--remount-ro", "--chdir", "--perms", "--size"}
TWO_ARGUMENTS = {"--ro-bind", "--bind", "--symlink", "--setenv"}
SCRATCH_MB = 16


def _operations(args):
    """bwrap's arguments as [(option, operands, perms, size)], and the command after '--'."""
    operations, perms, size, index = [], None, None, 1
    while args[index] != "--":
        option = args[index]
        count = 2 if option in TWO_ARGUMENTS else 1 if option in ONE_ARGUMENT else 0
        operands = args[index + 1 : index + 1 + count]
        index += 1 + count
        if option == "--perms":
            perms = operands[0]
        elif option == "--size":
            size = int(operands[0])
        else:
            operations.append((option, operands, perms, size))
            perms = size = None
    return operations, args[index + 1 :]


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


@pytest.fixture
def kernel(tmp_path):
    """The operations and command of a kernel (not forked) running as 'nobody' in a folder of two files."""
    cwd = tmp_path / "notebook"
    (cwd / "data").mkdir(parents=True)
    (cwd / "square.ipynb").write_text("{}")
    shared = tmp_path / "sockets"
    shared.mkdir()
    args = mounts.bwrap_command(["python", "-m", "kernel"], 65534, shared, SCRATCH_MB, cwd=str(cwd))
    return (*_operations(args), str(shared), str(cwd))


def test_only_the_socket_folder_is_bound_writable(kernel):
    operations, _, shared, _ = kernel
    assert [operands for option, operands, _, _ in operations if option == "--bind"] == [[shared, shared]]


def test_tmp_and_the_working_folder_are_fresh_size_limited_scratch_space(kernel):
    operations, _, _, cwd = kernel
    tmpfs = {operands[0]: (perms, size) for option, operands, perms, size in operations if option == "--tmpfs"}
    assert tmpfs == {"/tmp": ("1777", SCRATCH_MB << 20), cwd: ("1777", SCRATCH_MB << 20)}


def test_the_notebook_files_are_read_only_in_the_working_folder_and_notebooks_absent(kernel):
    operations, _, _, cwd = kernel
    read_only = [operands[1] for option, operands, _, _ in operations if option == "--ro-bind"]
    assert os.path.join(cwd, "data") in read_only
    # nbgrader writes the notebook with its hidden tests restored into this folder: the kernel must not see it
    assert not any("square.ipynb" in " ".join(operands) for _, operands, _, _ in operations)


def test_the_system_and_python_environment_are_read_only(kernel):
    operations, _, _, _ = kernel
    read_only = [operands[0] for option, operands, _, _ in operations if option == "--ro-bind"]
    for needed in ("/usr", sys.prefix, os.path.dirname(os.path.realpath(sys.executable)), dlcourse.__path__[0]):
        assert any(_inside(needed, folder) for folder in read_only), needed


def test_the_course_and_the_instructors_home_stay_invisible(kernel):
    operations, _, _, _ = kernel
    sources = [operands[0] for option, operands, _, _ in operations if option in ("--ro-bind", "--bind")]
    assert "/" not in sources and os.path.expanduser("~") not in sources
    for secret in (REPO / "source", REPO / "gradebook.db", REPO / "tests", REPO / "catalogue"):
        assert not any(_inside(str(secret), folder) for folder in sources), secret


def test_every_mount_point_has_its_parents_made_world_readable_before_it(kernel):
    operations, _, _, _ = kernel
    made, bound = {"/"}, []
    for option, operands, perms, _ in operations:
        if option in ("--symlink", "--setenv", "--remount-ro", "--chdir") or not operands:
            continue
        dest = operands[-1]
        for parent in map(str, Path(dest).parents):
            assert parent in made or any(_inside(parent, folder) for folder in bound), (dest, parent)
        if option == "--dir":
            assert perms == "0755", dest
        (bound.append if option in ("--ro-bind", "--bind") else made.add)(dest)


def test_the_kernel_has_no_network_its_own_processes_and_dies_with_its_parent(kernel):
    operations, _, _, _ = kernel
    options = [option for option, _, _, _ in operations]
    for needed in ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent"):
        assert needed in options
    assert ("--setenv", ["JPY_PARENT_PID", "1"], None, None) in operations


def test_a_kernel_for_another_user_is_handed_over_by_setpriv(kernel):
    _, command, _, _ = kernel
    assert command == ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", "python", "-m", "kernel"]


def test_without_root_the_sandbox_makes_a_user_namespace_and_keeps_the_user(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    operations, command = _operations(mounts.bwrap_command(["python"], 1000, tmp_path, SCRATCH_MB))
    assert ("--unshare-user", [], None, None) in operations and command == ["python"]


def test_the_fork_server_gets_empty_mount_points_and_a_read_only_root(tmp_path):
    args = mounts.bwrap_command(["python"], 65534, tmp_path, SCRATCH_MB, fork_server=True)
    operations, _ = _operations(args)
    dirs = [operands[0] for option, operands, _, _ in operations if option == "--dir"]
    assert server.WORK in dirs and server.NEW_TMP in dirs
    assert operations[-2:] == [("--remount-ro", ["/dev"], None, None), ("--remount-ro", ["/"], None, None)]
    assert "--chdir" not in args


def test_mounts_make_missing_parents_once_and_never_inside_a_bound_folder():
    made = mounts.Mounts()
    made.add("--ro-bind", "/src", "/a/b/c")
    made.add("--ro-bind", "/other", "/a/b/c/d")
    made.add("--tmpfs", None, "/a/b/e", perms="1777", size=5)
    assert made.args == [
        *("--perms", "0755", "--dir", "/a"),
        *("--perms", "0755", "--dir", "/a/b"),
        *("--ro-bind", "/src", "/a/b/c"),
        *("--ro-bind", "/other", "/a/b/c/d"),
        *("--perms", "1777", "--size", "5", "--tmpfs", "/a/b/e"),
    ]
