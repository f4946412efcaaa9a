"""Stage times and CPU seconds for the benchmark (dlcourse/grading/stages.py): off by default, summed per stage
over every process that wrote them."""

import time

from dlcourse.grading import stages


def test_stages_are_counted_only_when_a_file_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv(stages.VARIABLE, raising=False)
    stages.add("CPU: kernels", 1.0)
    with stages.timed("judging"):
        pass
    monkeypatch.setenv(stages.VARIABLE, str(tmp_path / "stages.jsonl"))
    stages.flush()
    assert stages.read(tmp_path / "stages.jsonl") == {}


def test_stages_add_up_within_and_across_processes(tmp_path, monkeypatch):
    path = tmp_path / "stages.jsonl"
    monkeypatch.setenv(stages.VARIABLE, str(path))
    stages.add("CPU: kernels", 0.25)
    stages.add("CPU: kernels", 0.5)
    with stages.timed("judging"):
        time.sleep(0.01)
    stages.flush()  # one process's line
    stages.add("CPU: kernels", 1.0)  # another's
    stages.flush()
    totals = stages.read(path)
    assert totals["CPU: kernels"] == 1.75
    assert 0.01 <= totals["judging"] < 1.0
    assert len(path.read_text().splitlines()) == 2
