"""Sandboxes: the local bubblewrap jail and its persistent shell session."""

from .base import Backend, ExecResult, Sandbox, SandboxLimits
from .local import LocalBackend, LocalSandbox
from .shell import ShellResult, ShellSession

__all__ = ["Backend", "ExecResult", "Sandbox", "SandboxLimits", "LocalBackend", "LocalSandbox",
           "ShellResult", "ShellSession", "make_backend"]


def make_backend(name: str = "local", limits: SandboxLimits | None = None) -> Backend:
    """The backend called `name` (only "local" in this version)."""
    from ..errors import ConfigError

    if name != "local":
        raise ConfigError(f"unknown sandbox backend {name!r}; available: ['local']")
    return LocalBackend(limits=limits or SandboxLimits())
