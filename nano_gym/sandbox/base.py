"""What every sandbox backend provides, and the limits it enforces."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .shell import ShellResult

if TYPE_CHECKING:
    from ..repos import BaseSnapshot
    from ..tasks import Task

__all__ = ["SandboxLimits", "ExecResult", "Sandbox", "StagedCommand", "Backend"]


@dataclass(frozen=True, kw_only=True)
class SandboxLimits:
    """Per-sandbox limits. Output beyond `output_bytes` is cut (head and tail kept); a command
    printing more than `output_kill_bytes` is killed. `memory_bytes`, `pids` and `cpus` bound the
    whole sandbox (a cgroup where the host allows one, rlimits otherwise); the cgroup's memory
    limit is `memory_bytes + tmp_bytes`, so a full /tmp (tmpfs pages are charged to the cgroup)
    cannot starve the processes. `disk_bytes` caps how much the workspace may grow."""

    command_timeout: float = 60.0
    grace: float = 2.0
    output_bytes: int = 16 * 1024
    output_kill_bytes: int = 4 * 1024 * 1024
    exec_output_bytes: int = 1024 * 1024
    tmp_bytes: int = 256 * 1024 * 1024
    memory_bytes: int = 2 * 1024 * 1024 * 1024
    pids: int = 512
    cpus: float = 1.0
    disk_bytes: int = 1024 * 1024 * 1024


@dataclass(frozen=True)
class ExecResult:
    output: str
    exit_code: int | None
    timed_out: bool = False
    limits: tuple[str, ...] = ()  # cgroup limits hit while it ran: "memory", "pids"


class StagedCommand(Protocol):
    """One command made ready in a fresh sandbox over the workspace, not started: the host
    writes `workspace` until `run` starts it. `close` discards it unrun."""

    @property
    def workspace(self) -> Path: ...

    @property
    def waiting(self) -> bool:
        """Still ready to run (not run, closed or killed meanwhile)."""
        ...

    def run(self, *, timeout: float, output_bytes: int | None = None) -> ExecResult: ...

    def close(self) -> None: ...


class Sandbox(Protocol):
    @property
    def workspace(self) -> Path: ...

    def start_shell(self) -> None: ...

    def shell(self, command: str, timeout: float | None = None) -> ShellResult: ...

    def check_disk(self) -> str | None: ...

    def exec(self, argv: list[str], *, timeout: float, extra_binds: tuple[tuple[str, str], ...] = (),
             output_bytes: int | None = None, pass_fds: tuple[int, ...] = ()) -> ExecResult: ...

    def stage(self, argv: list[str], *, extra_binds: tuple[tuple[str, str], ...] = (),
              pass_fds: tuple[int, ...] = ()) -> StagedCommand: ...

    def stop(self) -> None:
        """Kill what the sandbox runs, now; `close` may still have resources to free."""
        ...

    def close(self) -> None:
        """Kill what the sandbox runs and free everything it holds (waits until all is gone)."""
        ...


class Backend(Protocol):
    name: str
    limits: SandboxLimits

    def check(self) -> None: ...

    def runtime(self, task: Task, snapshot: BaseSnapshot) -> Any:
        """What `start` needs to run `task` (built or fetched once, then cached); opaque to callers."""
        ...

    def enforced_limits(self) -> dict[str, Any]: ...

    def overlay_unavailable(self) -> str | None: ...

    def start(self, workspace: Path, runtime: Any, *, env: dict[str, str] | None = None,
              overlay: Any = None) -> Sandbox: ...

    def scratch_dir(self, prefix: str) -> Path: ...
