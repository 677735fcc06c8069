"""The vector entry point behind `gym.make_vec("NanoSWE-v0", num_envs=N)`.

`vector_mode` chooses how the N envs run: "thread" (the default: concurrently, on threads of
this process; see `threaded.py` for why that is the fast choice here), "async" (Gymnasium's
`AsyncVectorEnv`, one worker process per env) or "sync" (one after the other). Observations
are variable-length chat histories, which Gymnasium's shared-memory buffers cannot hold, so
async vector envs are built with `shared_memory=False`. The memory check runs for all N envs
before any env is made.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from ..device import DEFAULT_MEMORY_PER_ENV, require_memory
from ..errors import ConfigError
from .threaded import ThreadVectorEnv

__all__ = ["VECTOR_MODES", "make_vector_env"]


def _factory(kwargs: dict[str, Any]):
    def make() -> gym.Env:
        from .swe_env import NanoSWEEnv

        return NanoSWEEnv(**kwargs)

    return make


VECTOR_MODES = ("thread", "async", "sync")


def make_vector_env(num_envs: int = 1, *, vector_mode: str = "thread", max_episode_steps: int | None = None,
                    **env_kwargs: Any) -> gym.vector.VectorEnv:
    """`num_envs` NanoSWE envs stepping concurrently on threads ("thread", the default), in worker
    processes ("async") or one after the other ("sync")."""
    if num_envs < 1:
        raise ConfigError("num_envs must be at least 1")
    if vector_mode not in VECTOR_MODES:
        raise ConfigError(f"vector_mode must be one of {list(VECTOR_MODES)}, got {vector_mode!r}")
    require_memory(env_kwargs.get("memory_per_env", DEFAULT_MEMORY_PER_ENV), num_envs)
    if max_episode_steps is not None and "max_steps" not in env_kwargs:
        env_kwargs["max_steps"] = max_episode_steps
    fns = [_factory(dict(env_kwargs)) for _ in range(num_envs)]
    if vector_mode == "thread":
        return ThreadVectorEnv(fns)
    if vector_mode == "async":
        return gym.vector.AsyncVectorEnv(fns, shared_memory=False)
    return gym.vector.SyncVectorEnv(fns)
