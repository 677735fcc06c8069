"""Sandboxes: the local bubblewrap jail, the docker backend, and the persistent shell session."""

from .base import Backend, ExecResult, Sandbox, SandboxLimits, StagedCommand
from .local import LocalBackend, LocalSandbox
from .shell import ShellResult, ShellSession

__all__ = ["Backend", "ExecResult", "Sandbox", "SandboxLimits", "StagedCommand", "LocalBackend", "LocalSandbox",
           "ShellResult", "ShellSession", "BACKENDS", "make_backend"]

BACKENDS = ("local", "docker")


def make_backend(name: str = "local", limits: SandboxLimits | None = None) -> Backend:
    """The backend called `name`: "local" (bubblewrap jails) or "docker" (containers of the
    task's image, through the docker SDK: `pip install 'nano-gym[docker]'`)."""
    from ..errors import ConfigError

    limits = limits or SandboxLimits()
    if name == "local":
        return LocalBackend(limits=limits)
    if name == "docker":
        from .docker import DockerBackend  # the SDK itself is imported only when a container is made

        return DockerBackend(limits=limits)
    raise ConfigError(f"unknown sandbox backend {name!r}; available: {list(BACKENDS)}")
