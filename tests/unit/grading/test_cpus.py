"""Grading processes claim a CPU each, never one another's, across runs on the same machine."""

import subprocess
import sys

import pytest

from dlcourse.grading import cpus


@pytest.fixture
def two_cpus(tmp_path, monkeypatch):
    monkeypatch.setattr(cpus, "LOCKS", tmp_path / "locks")
    monkeypatch.setattr(cpus.os, "sched_getaffinity", lambda pid: {7, 3})


def test_grading_processes_get_a_cpu_each_and_two_runs_never_share_one(two_cpus):
    with cpus.claimed(1) as first:
        with cpus.claimed(1) as second:
            assert first == [3] and second == [7]
            with cpus.claimed(1) as third:
                assert third == [None]  # none free: it runs where the system puts it
    with cpus.claimed(2) as both:
        assert both == [3, 7]


def test_a_run_that_cannot_have_a_cpu_for_each_process_keeps_none(two_cpus):
    with cpus.claimed(1) as first:
        with cpus.claimed(2) as too_many:
            assert first == [3] and too_many == [None, None]
        with cpus.claimed(1) as after:
            assert after == [7]  # what the refused run had taken was given back


def test_a_claim_ends_with_the_process_that_held_it(two_cpus):
    code = (
        "import sys, time; from dlcourse.grading import cpus; cpus.LOCKS = type(cpus.LOCKS)(sys.argv[1]);"
        "cpus.os.sched_getaffinity = lambda pid: {3, 7}; print(cpus.keep_this_process_on_a_free_cpu(), flush=True);"
        "time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(cpus.LOCKS)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "3"
        with cpus.claimed(2) as both:
            assert both == [None, None]
    finally:
        holder.kill()
        holder.wait()
    with cpus.claimed(2) as both:
        assert both == [3, 7]


def test_a_link_in_place_of_the_lock_folder_is_not_followed(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "locks").symlink_to(elsewhere)
    monkeypatch.setattr(cpus, "LOCKS", tmp_path / "locks")
    with cpus.claimed(1) as kept:
        assert kept == [None]
    assert list(elsewhere.iterdir()) == []
