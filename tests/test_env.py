"""NanoSWEEnv through the public Gymnasium API."""

from __future__ import annotations

import shutil
import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

from nano_gym.errors import EpisodeEndedError, InsufficientMemoryError, SandboxUnavailableError
from nano_gym.policies import oracle_actions


def tool(cmd: str) -> dict:
    return {"name": "shell", "arguments": {"cmd": cmd}}


def last_content(obs) -> str:
    return obs[-1]["content"]


def test_check_env_passes(env):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any Gymnasium warning is a failure too
        check_env(env.unwrapped)


def test_first_observation_and_info(env, task):
    obs, info = env.reset(seed=0)
    assert [m["role"] for m in obs] == ["system", "user"]
    assert obs[1]["content"] == task.problem_statement
    assert info["task_id"] == task.instance_id and "reset_s" in info["timings"]
    assert env.observation_space.contains(obs)


def test_seeded_task_choice_and_options(suite):
    env = gym.make("NanoSWE-v0", tasks=suite[:6])
    try:
        picks = [env.reset(seed=s)[1]["task_id"] for s in range(8)]
        assert picks == [env.reset(seed=s)[1]["task_id"] for s in range(8)]
        assert len(set(picks)) > 1
        assert env.reset(options={"task_id": suite[4].instance_id})[1]["task_id"] == suite[4].instance_id
    finally:
        env.close()


def test_shell_state_history_and_refusals(env):
    env.reset(seed=0)
    obs, reward, term, trunc, info = env.step(tool("GREETING=hello"))
    obs, *_ = env.step(tool("echo $GREETING"))
    assert last_content(obs) == "hello\n"
    obs, *_ = env.step(tool("git log --all --oneline | wc -l"))
    assert last_content(obs).strip() == "1"
    obs, _, _, _, info = env.step({"name": "apply_patch", "arguments": {"search": "a", "replace": "b", "file": "../x"}})
    assert "outside" in last_content(obs) or ".." in last_content(obs)
    assert info["tool_errors"][0]["error"] == "bad_path"
    obs, *_ = env.step(tool("false"))
    assert "[exit code: 1]" in last_content(obs)


def test_openai_message_gets_matching_tool_messages(env):
    env.reset(seed=0)
    msg = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "shell", "arguments": '{"cmd": "echo one"}'}},
        {"id": "c2", "type": "function", "function": {"name": "shell", "arguments": '{"cmd": "echo two"}'}}]}
    obs, reward, term, trunc, info = env.step(msg)
    assert obs[-3] == msg
    assert [(m["role"], m["tool_call_id"], m["content"]) for m in obs[-2:]] == [("tool", "c1", "one\n"), ("tool", "c2", "two\n")]
    assert not term and reward == 0.0


def test_mistakes_are_observations(env):
    env.reset(seed=0)
    for bad in (42, {"name": "nope"}, "<tool_call>{bad json}</tool_call>", {"role": "user", "content": "x"}):
        obs, reward, term, trunc, info = env.step(bad)
        assert not term and info["tool_errors"]
    obs, *_ = env.step(tool("echo still here"))
    assert last_content(obs) == "still here\n"


def test_submit_grades_and_reports(env, task):
    env.reset(seed=0)
    for action in oracle_actions(task):
        env.step(action)
    obs, reward, term, trunc, info = env.step("I fixed it.")
    assert term and not trunc and reward == 1.0
    assert info["reward_status"] == "graded" and info["submitted"]
    assert info["diff"].startswith("diff --git")
    assert set(info["report"]["tests"]) == set(task.FAIL_TO_PASS) | set(task.PASS_TO_PASS)
    assert {"diff_s", "grade_s", "step_s"} <= set(info["timings"])
    with pytest.raises(EpisodeEndedError):
        env.step(tool("ls"))
    env.reset(seed=0)  # a new episode starts clean
    obs, *_ = env.step(tool("git status --short | wc -l"))
    assert last_content(obs).strip() == "0"


def test_step_limit_truncates_and_still_grades(task):
    actions = oracle_actions(task)
    env = gym.make("NanoSWE-v0", tasks=[task], max_steps=len(actions))
    try:
        env.reset(seed=0)
        for i, action in enumerate(actions):
            obs, reward, term, trunc, info = env.step(action)
        assert trunc and not term and reward == 1.0 and info["reward_status"] == "graded"
    finally:
        env.close()


def test_partial_reward_option(suite):
    multi = next(t for t in suite if len(t.FAIL_TO_PASS) >= 2)
    env = gym.make("NanoSWE-v0", tasks=[multi], reward="partial")
    try:
        env.reset(seed=0)
        _, reward, term, _, info = env.step("nothing to do")
        assert term and reward == 0.0 and info["report"]["fail_to_pass"]["failure"]
    finally:
        env.close()


def test_reset_and_close_are_idempotent(env):
    env.reset(seed=1)
    env.reset(seed=1)
    env.close()
    env.close()
    obs, _ = env.reset(seed=1)  # usable again after close
    assert len(obs) == 2


def test_metadata_carries_device_and_memory(env):
    meta = env.unwrapped.metadata
    assert meta["device"]["cpu_cores"] >= 1 and meta["device"]["memory_total_bytes"] > 0
    assert meta["memory"]["fits"] is True and meta["memory"]["per_env_bytes"] > 0


def test_envs_that_cannot_fit_fail_fast(task):
    with pytest.raises(InsufficientMemoryError, match="available"):
        gym.make("NanoSWE-v0", tasks=[task], memory_per_env=1 << 60)


def test_missing_bubblewrap_is_a_clear_error(task, monkeypatch, tmp_path):
    from nano_gym.sandbox import jail

    jail.check_bwrap.cache_clear()
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    try:
        with pytest.raises(SandboxUnavailableError, match="apt-get install -y bubblewrap"):
            gym.make("NanoSWE-v0", tasks=[task])
    finally:
        jail.check_bwrap.cache_clear()
