"""`validate`: gold and empty through the env, a report with reasons, and an allowlist the env honours."""

from __future__ import annotations

import dataclasses
import json

import gymnasium as gym
import pytest

from nano_gym.cli import main
from nano_gym.errors import ConfigError
from nano_gym.validate import validate_tasks


def test_valid_and_broken_tasks_are_told_apart(suite, tmp_path):
    good = suite[0]
    missing = dataclasses.replace(good, instance_id="broken-missing-test",
                                  FAIL_TO_PASS=(*good.FAIL_TO_PASS, "tests/test_nothing.py::test_gone"))
    already = dataclasses.replace(suite[1], instance_id="broken-already-passing",
                                  FAIL_TO_PASS=suite[1].PASS_TO_PASS[:1], PASS_TO_PASS=())
    results = {r.instance_id: r for r in validate_tasks([good, missing, already], out=tmp_path)}
    assert results[good.instance_id].valid and results[good.instance_id].gold == [1.0]
    assert not results["broken-missing-test"].valid and "test not found" in results["broken-missing-test"].reason
    assert not results["broken-already-passing"].valid and "empty patch" in results["broken-already-passing"].reason
    assert (tmp_path / "allowlist.txt").read_text() == f"{good.instance_id}\n"
    report = json.loads((tmp_path / "report.json").read_text())
    assert {r["instance_id"] for r in report} == set(results)

    env = gym.make("NanoSWE-v0", tasks=[good, missing], validated=tmp_path)
    assert [t.instance_id for t in env.unwrapped.tasks] == [good.instance_id]
    env.close()
    with pytest.raises(ConfigError):
        gym.make("NanoSWE-v0", tasks=[missing], validated=tmp_path / "allowlist.txt")


def test_the_validate_command(task, tmp_path, capsys):
    assert main(["validate", "--tasks", str(_one_task_file(task, tmp_path)), "--out", str(tmp_path / "v")]) == 0
    assert "1/1 valid" in capsys.readouterr().out
    assert (tmp_path / "v" / "allowlist.txt").read_text() == f"{task.instance_id}\n"


def _one_task_file(task, tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(task.to_record()) + "\n")
    return path
