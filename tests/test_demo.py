"""``dlcourse demo``, the README's main command, and the command line's errors."""
import subprocess
import sys

import pytest

from helpers import REPO


def _dlcourse(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "dlcourse", *args], cwd=cwd, capture_output=True, text=True)


@pytest.mark.slow  # the whole instructor cycle with nbgrader
def test_demo_shows_full_marks_zero_and_a_partial_score(tmp_path):
    result = _dlcourse("demo", "--workdir", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split() == ["correct", "untouched", "buggy"] for line in lines), result.stdout
    total = next(line for line in lines if line.startswith("total")).split()
    correct, untouched, buggy = (float(total[i]) / float(total[i + 2]) for i in (1, 4, 7))
    assert (correct, untouched) == (1.0, 0.0) and 0 < buggy < 1, total
    assert list((tmp_path / "demo" / "feedback" / "buggy").rglob("*.html"))
    assert not (REPO / "submitted").exists(), "the demo must not write into the repository"


def test_demo_refuses_a_folder_that_already_holds_a_course(tmp_path):
    (tmp_path / "source").mkdir()
    result = _dlcourse("demo", "--workdir", str(tmp_path))
    assert result.returncode == 1 and "already holds a course" in result.stderr


def test_unknown_assignment_is_a_clear_error(tmp_path):
    result = _dlcourse("demo", "--assignment", "w9_nope", "--workdir", str(tmp_path / "d"))
    assert result.returncode == 1 and "unknown assignment 'w9_nope'" in result.stderr


def test_outside_a_course_folder_is_a_clear_error(tmp_path):
    result = _dlcourse("demo", cwd=tmp_path)
    assert result.returncode == 1 and "no course folder" in result.stderr


def test_help_has_examples():
    result = _dlcourse("--help")
    assert result.returncode == 0
    assert "examples (instructors" in result.stdout and "examples (students)" in result.stdout
    for command in ["dlcourse release", "dlcourse autograde", "dlcourse export", "dlcourse feedback",
                    "dlcourse check", "dlcourse demo"]:
        assert command in result.stdout, command
