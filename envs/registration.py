"""Registering the env ids with Gymnasium (the only import-time side effect of nano_gym)."""

from __future__ import annotations

__all__ = ["ENV_ID", "DEFAULT_MAX_EPISODE_STEPS", "register_envs"]

ENV_ID = "NanoSWE-v0"
DEFAULT_MAX_EPISODE_STEPS = 50


def register_envs() -> None:
    import gymnasium as gym

    if ENV_ID in gym.registry:
        return
    gym.register(
        id=ENV_ID,
        entry_point="nano_gym.envs.swe_env:NanoSWEEnv",
        vector_entry_point="nano_gym.envs.vector:make_vector_env",
        max_episode_steps=DEFAULT_MAX_EPISODE_STEPS,
        # Shell output and timings vary between runs: seeded resets are reproducible, steps are not.
        nondeterministic=True,
    )
