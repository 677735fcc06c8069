"""Vector envs: `gym.make_vec` in async and sync mode run oracle episodes to completion."""

from __future__ import annotations

import gymnasium as gym
import pytest

from nano_gym.errors import InsufficientMemoryError
from nano_gym.policies import OraclePolicy


def _run_oracle_episodes(venv, suite, num_envs):
    by_id = {t.instance_id: t for t in suite}
    obs, infos = venv.reset(seed=0)
    policies = [OraclePolicy() for _ in range(num_envs)]
    for i, p in enumerate(policies):
        p.reset(by_id[infos["task_id"][i]])
    rewards = [None] * num_envs
    for _ in range(100):
        obs, reward, term, trunc, infos = venv.step(tuple(p.act(o) for p, o in zip(policies, obs)))
        for i in range(num_envs):
            if (term[i] or trunc[i]) and rewards[i] is None:
                rewards[i] = float(reward[i])
                assert infos["reward_status"][i] == "graded"
        if all(r is not None for r in rewards):
            return rewards
    raise AssertionError("episodes did not finish")


@pytest.mark.parametrize("mode", ["async", "sync"])
def test_make_vec_runs_oracle_episodes(suite, mode):
    venv = gym.make_vec("NanoSWE-v0", num_envs=4, tasks=suite[:8], vector_mode=mode)
    try:
        assert _run_oracle_episodes(venv, suite, 4) == [1.0] * 4
    finally:
        venv.close()


def test_gymnasium_async_mode_with_shared_memory_off(suite):
    venv = gym.make_vec("NanoSWE-v0", num_envs=2, tasks=suite[:4], vectorization_mode="async",
                        vector_kwargs={"shared_memory": False})
    try:
        assert _run_oracle_episodes(venv, suite, 2) == [1.0] * 2
    finally:
        venv.close()


def test_vector_memory_check_runs_before_any_worker(suite):
    with pytest.raises(InsufficientMemoryError):
        gym.make_vec("NanoSWE-v0", num_envs=4, tasks=suite[:2], memory_per_env=1 << 50)
