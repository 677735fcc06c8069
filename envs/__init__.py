"""Gymnasium environments: `NanoSWEEnv` and its registration as `NanoSWE-v0`."""

from .registration import ENV_ID, register_envs

__all__ = ["ENV_ID", "register_envs", "NanoSWEEnv"]


def __getattr__(name: str):
    if name == "NanoSWEEnv":  # keeps `import nano_gym` from importing the whole env stack
        from .swe_env import NanoSWEEnv

        return NanoSWEEnv
    raise AttributeError(name)
