"""The exception tree.

What the *policy* does wrong never raises: it comes back as observation text. These errors
are for what the *infrastructure* or the *caller* does wrong (DESIGN.md decision 11).
"""

from __future__ import annotations

__all__ = [
    "NanoGymError",
    "ConfigError",
    "TaskLoadError",
    "RepoError",
    "RuntimeBuildError",
    "SandboxUnavailableError",
    "SandboxError",
    "GradingError",
    "MissingDependencyError",
    "EpisodeEndedError",
    "InsufficientMemoryError",
]


class NanoGymError(Exception):
    """Base class of every error nano_gym raises on purpose."""


class ConfigError(NanoGymError, ValueError):
    """An argument given by the caller is invalid (unknown suite, bad option value...)."""


class TaskLoadError(NanoGymError):
    """A task source could not be read or a record does not follow the schema."""


class RepoError(NanoGymError):
    """A repository, base snapshot or workspace could not be built."""


class RuntimeBuildError(NanoGymError):
    """A task runtime (interpreter + requirements) could not be found or built."""


class SandboxUnavailableError(NanoGymError):
    """The sandbox backend cannot run on this machine (e.g. bubblewrap missing)."""


class SandboxError(NanoGymError):
    """The sandbox failed while running (not the command inside it)."""


class GradingError(NanoGymError):
    """The grader itself failed: the reward is unknown, not zero."""


class MissingDependencyError(NanoGymError, ImportError):
    """An optional dependency is needed; the message names the pip extra."""


class EpisodeEndedError(NanoGymError, RuntimeError):
    """`step()` was called after the episode ended; call `reset()` first."""


class InsufficientMemoryError(NanoGymError, MemoryError):
    """The machine does not have the memory the requested envs need."""
