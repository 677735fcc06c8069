"""Every task of the embedded suite: the oracle (through the env) scores 1.0, the empty patch 0.0."""

from __future__ import annotations

import gymnasium as gym
import pytest

from nano_gym.policies import OraclePolicy
from nano_gym.rewards import grade
from nano_gym.runner import run_episode
from nano_gym.tasks import load_suite

TASK_IDS = [t.instance_id for t in load_suite("nano-v0")]


@pytest.fixture(scope="module")
def suite_env():
    env = gym.make("NanoSWE-v0", tasks="nano-v0")
    yield env
    env.close()


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_oracle_solves_and_empty_patch_fails(suite_env, task_id):
    result = run_episode(suite_env, OraclePolicy(), task_id)
    report = result.info["report"]
    assert result.reward == 1.0, report
    assert report["status"] == "graded"
    # Every expected test was found and passed.
    assert set(report["tests"].values()) == {"PASSED"}
    empty = grade(suite_env.unwrapped.task, "")
    assert empty.status == "graded" and not empty.resolved, empty
    assert empty.fail_to_pass["failure"], "the empty patch must leave FAIL_TO_PASS tests failing"
