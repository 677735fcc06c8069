"""The vector entry point behind `gym.make_vec("NanoSWE-v0", num_envs=N)`.

Observations are variable-length chat histories, which Gymnasium's shared-memory buffers
cannot hold, so async vector envs are built with `shared_memory=False`. The memory check
runs for all N envs before any worker starts.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from ..device import DEFAULT_MEMORY_PER_ENV, require_memory
from ..errors import ConfigError

__all__ = ["make_vector_env"]


def _factory(kwargs: dict[str, Any]):
    def make() -> gym.Env:
        from .swe_env import NanoSWEEnv

        return NanoSWEEnv(**kwargs)

    return make


def make_vector_env(num_envs: int = 1, *, vector_mode: str = "async", max_episode_steps: int | None = None,
                    **env_kwargs: Any) -> gym.vector.VectorEnv:
    """`num_envs` NanoSWE envs in worker processes ("async", the default) or in-process ("sync")."""
    if num_envs < 1:
        raise ConfigError("num_envs must be at least 1")
    require_memory(env_kwargs.get("memory_per_env", DEFAULT_MEMORY_PER_ENV), num_envs)
    if max_episode_steps is not None and "max_steps" not in env_kwargs:
        env_kwargs["max_steps"] = max_episode_steps
    fns = [_factory(dict(env_kwargs)) for _ in range(num_envs)]
    if vector_mode == "async":
        return gym.vector.AsyncVectorEnv(fns, shared_memory=False)
    if vector_mode == "sync":
        return gym.vector.SyncVectorEnv(fns)
    raise ConfigError(f"vector_mode must be 'async' or 'sync', got {vector_mode!r}")
