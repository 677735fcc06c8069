"""Vector envs: `gym.make_vec` in thread, async and sync mode run oracle episodes to completion;
the thread mode steps its envs concurrently with `SyncVectorEnv`'s semantics."""

from __future__ import annotations

import threading

import gymnasium as gym
import numpy as np
import pytest

from nano_gym.envs.threaded import ThreadVectorEnv
from nano_gym.errors import ConfigError, InsufficientMemoryError
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


@pytest.mark.parametrize("mode", ["thread", "async", "sync"])
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


class _Rendezvous(gym.Wrapper):
    """Every sub-env's step waits at a barrier: it only passes if all of them step at once."""

    def __init__(self, env, barrier):
        super().__init__(env)
        self.barrier = barrier

    def step(self, action):
        self.barrier.wait(timeout=30)
        return self.env.step(action)


def _shell(cmd):
    return {"name": "shell", "arguments": {"cmd": cmd}}


def test_thread_mode_steps_its_envs_concurrently(task):
    barrier = threading.Barrier(3)
    venv = ThreadVectorEnv([lambda: _Rendezvous(gym.make("NanoSWE-v0", tasks=[task]), barrier)] * 3)
    try:
        venv.reset(seed=0)
        obs, _, term, trunc, infos = venv.step((_shell("echo a"), _shell("echo b"), _shell("echo c")))
        assert [o[-1]["content"].split()[0] for o in obs] == ["a", "b", "c"]
        assert not barrier.broken and not term.any() and not trunc.any()
    finally:
        venv.close()


def test_thread_mode_autoresets_on_the_next_step_and_honours_reset_mask(task):
    venv = gym.make_vec("NanoSWE-v0", num_envs=2, tasks=[task])
    try:
        assert isinstance(venv, ThreadVectorEnv)
        venv.reset(seed=1)
        venv.step((_shell("export MARK=kept"), _shell("export MARK=kept")))
        # Env 0 submits (a turn without a tool call) and ends; env 1 goes on.
        _, reward, term, _, infos = venv.step(({"role": "assistant", "content": "done"}, _shell("true")))
        assert term.tolist() == [True, False] and reward[0] == 0.0 and infos["reward_status"][0] == "graded"
        # Next step: env 0 is reset instead of stepped (its action is ignored); env 1 keeps its state.
        obs, reward, term, trunc, infos = venv.step((_shell("echo never"), _shell("echo $MARK")))
        assert len(obs[0]) == 2 and reward[0] == 0.0 and not term[0]
        assert obs[1][-1]["content"].split()[0] == "kept"
        before = obs[0]
        # A masked reset resets only env 1.
        obs, infos = venv.reset(options={"reset_mask": np.array([False, True])})
        assert obs[0] == before
        assert len(obs[1]) == 2 and infos["_task_id"].tolist() == [False, True]
        with pytest.raises(ValueError):
            venv.reset(options={"reset_mask": np.array([False, False])})
    finally:
        venv.close()


def test_thread_mode_rejects_calls_out_of_order(task):
    venv = gym.make_vec("NanoSWE-v0", num_envs=2, tasks=[task])
    try:
        venv.reset(seed=0)
        venv.step_async((_shell("true"), _shell("true")))
        with pytest.raises(ConfigError, match="pending"):
            venv.step_async((_shell("true"), _shell("true")))
        venv.step_wait()
        with pytest.raises(ConfigError, match="without a pending"):
            venv.step_wait()
    finally:
        venv.close()


def test_unknown_vector_mode_is_a_clear_error(task):
    with pytest.raises(ConfigError, match="vector_mode"):
        gym.make_vec("NanoSWE-v0", num_envs=2, tasks=[task], vector_mode="fibers")
