"""A vector env whose sub-envs step concurrently on threads of one process.

A NanoSWE step is a round trip to a jailed shell, a patch written on the host, or a grading
run: the sub-env spends its time waiting on another process, with the GIL released. Threads
therefore run N episodes as concurrently as worker processes do, without a Python interpreter
per env (tens of MB each) and without pickling every observation through a pipe (which bounds
Gymnasium's `AsyncVectorEnv` at about a millisecond per step on a small machine). Semantics are
those of `SyncVectorEnv` (same spaces, infos, seeding, `reset_mask` and autoreset modes), plus
`step_async`/`step_wait` and `reset_async`/`reset_wait` as `AsyncVectorEnv` has them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from copy import deepcopy
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.vector.utils import concatenate, iterate

from ..errors import ConfigError

__all__ = ["ThreadVectorEnv"]


class ThreadVectorEnv(SyncVectorEnv):
    """`SyncVectorEnv` semantics with every sub-env's `reset`/`step` run on its own thread."""

    def __init__(self, env_fns: Sequence[Callable[[], gym.Env]], *, copy: bool = True,
                 autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP) -> None:
        super().__init__(env_fns, copy=copy, autoreset_mode=autoreset_mode)
        # One thread per env: a step that grades for seconds must not hold up the others.
        self._executor = ThreadPoolExecutor(max_workers=self.num_envs, thread_name_prefix="nano-gym-env")
        self._pending: tuple[str, list[Future]] | None = None

    # ------------------------------------------------------------------ reset
    def reset_async(self, *, seed: int | list[int | None] | None = None,
                    options: dict[str, Any] | None = None) -> None:
        self._expect_idle("reset_async")
        if seed is None:
            seed = [None] * self.num_envs
        elif isinstance(seed, int):
            seed = [seed + i for i in range(self.num_envs)]
        if len(seed) != self.num_envs:
            raise ValueError(f"If seeds are passed as a list the length must match num_envs={self.num_envs} "
                             f"but got length={len(seed)}.")
        options = dict(options or {})
        mask = options.pop("reset_mask", None)
        if mask is None:
            mask = np.ones(self.num_envs, dtype=np.bool_)
        elif not (isinstance(mask, np.ndarray) and mask.shape == (self.num_envs,) and mask.dtype == np.bool_
                  and mask.any()):
            raise ValueError(f"`options['reset_mask']` must be a numpy bool array of shape ({self.num_envs},) "
                             "with at least one True value")
        self._terminations[mask] = False
        self._truncations[mask] = False
        self._autoreset_envs[mask] = False
        futures = [self._executor.submit(env.reset, seed=s, options=options) if m else None
                   for env, s, m in zip(self.envs, seed, mask)]
        self._pending = ("reset", futures)

    def reset_wait(self) -> tuple[Any, dict[str, Any]]:
        infos: dict[str, Any] = {}
        for i, result in enumerate(self._results("reset")):
            if result is not None:
                self._env_obs[i], env_info = result
                infos = self._add_info(infos, env_info, i)
        return self._batched(), infos

    def reset(self, *, seed: int | list[int | None] | None = None,
              options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        self.reset_async(seed=seed, options=options)
        return self.reset_wait()

    # ------------------------------------------------------------------ step
    def step_async(self, actions: Any) -> None:
        self._expect_idle("step_async")
        futures = [self._executor.submit(self._advance, i, action)
                   for i, action in enumerate(iterate(self.action_space, actions))]
        self._pending = ("step", futures)

    def step_wait(self) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        infos: dict[str, Any] = {}
        for i, (obs, reward, terminated, truncated, env_info, final) in enumerate(self._results("step")):
            self._env_obs[i], self._rewards[i] = obs, reward
            self._terminations[i], self._truncations[i] = terminated, truncated
            if final is not None:
                infos = self._add_info(infos, final, i)
            infos = self._add_info(infos, env_info, i)
        self._autoreset_envs = np.logical_or(self._terminations, self._truncations)
        return (self._batched(), np.copy(self._rewards), np.copy(self._terminations),
                np.copy(self._truncations), infos)

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        self.step_async(actions)
        return self.step_wait()

    def _advance(self, i: int, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any], dict | None]:
        """One sub-env's part of a vector step, on its thread: (obs, reward, terminated,
        truncated, info, final) where `final` carries the last obs/info of a SAME_STEP reset."""
        env = self.envs[i]
        if self.autoreset_mode == AutoresetMode.NEXT_STEP and self._autoreset_envs[i]:
            obs, info = env.reset()
            return obs, 0.0, False, False, info, None
        if self.autoreset_mode == AutoresetMode.DISABLED and self._autoreset_envs[i]:
            raise ConfigError(f"sub-env {i} has ended: reset it (autoreset is disabled)")
        obs, reward, terminated, truncated, info = env.step(action)
        if self.autoreset_mode == AutoresetMode.SAME_STEP and (terminated or truncated):
            final = {"final_obs": obs, "final_info": info}
            obs, info = env.reset()
            return obs, reward, terminated, truncated, info, final
        return obs, reward, terminated, truncated, info, None

    # ------------------------------------------------------------------ plumbing
    def _expect_idle(self, call: str) -> None:
        if self._pending is not None:
            raise ConfigError(f"{call}: a {self._pending[0]} is still pending; call {self._pending[0]}_wait() first")

    def _results(self, kind: str) -> list[Any]:
        if self._pending is None or self._pending[0] != kind:
            raise ConfigError(f"{kind}_wait() without a pending {kind}_async()")
        futures = self._pending[1]
        try:
            # Every future is waited for before an error is raised: no env is left mid-call.
            outcomes = [(f.exception(), f) if f is not None else (None, None) for f in futures]
        finally:
            self._pending = None
        for error, _ in outcomes:
            if error is not None:
                raise error
        return [f.result() if f is not None else None for _, f in outcomes]

    def _batched(self) -> Any:
        self._observations = concatenate(self.single_observation_space, self._env_obs, self._observations)
        return deepcopy(self._observations) if self.copy else self._observations

    def close_extras(self, **kwargs: Any) -> None:
        if self._pending is not None:
            for future in self._pending[1]:
                if future is not None:
                    future.exception()  # let running calls finish before the envs close
            self._pending = None
        self._executor.shutdown(wait=True)
        super().close_extras(**kwargs)
