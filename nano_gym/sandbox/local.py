"""The local backend: bubblewrap jails on this machine."""

from __future__ import annotations

import os
import select
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SandboxError
from ..runtimes import Runtime, ensure_runtime
from .base import ExecResult, SandboxLimits
from .cgroups import SandboxCgroup, limit_support
from .disk import DiskQuota
from .jail import JailSpec, bwrap_argv, check_bwrap
from .launch import BlockedJail, launch, sandbox_cgroup, start_blocked
from .output import BoundedOutput
from .overlay import OverlayLayout, overlay_unavailable
from .procs import kill_process_group
from .shell import ShellSession
from .shell_sandbox import LimitSource, ShellSandbox, limit_notes

if TYPE_CHECKING:
    from ..repos import BaseSnapshot
    from ..tasks import Task

__all__ = ["LocalBackend", "LocalSandbox", "StagedJail"]

def _shell_command() -> list[str]:
    rbash = shutil.which("rbash") or "/usr/bin/rbash"
    if os.path.exists(rbash):
        return [rbash, "--noprofile", "--norc"]
    return ["/bin/bash", "--restricted", "--noprofile", "--norc"]


@dataclass
class StagedJail:
    """One command's fresh jail, stopped before the command runs (see `LocalSandbox.stage`)."""

    _blocked: BlockedJail
    _cgroup: SandboxCgroup | None
    _limits: SandboxLimits
    workspace: Path  # where the host writes the workspace until `run`
    _used: bool = False

    @property
    def waiting(self) -> bool:
        return not self._used and self._blocked.proc.poll() is None

    def run(self, *, timeout: float, output_bytes: int | None = None) -> ExecResult:
        """Start the command, wait for it (at most `timeout`), then remove the jail: every process
        of it is gone when this returns, so nothing writes to a passed descriptor any more."""
        if self._used:
            raise SandboxError("a staged command runs once")
        self._used = True
        try:
            proc = self._blocked.release()
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.close()
            buf = BoundedOutput(output_bytes or self._limits.exec_output_bytes)
            deadline = time.monotonic() + timeout
            timed_out = False
            fd = proc.stdout.fileno()
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                ready, _, _ = select.select([fd], [], [], remaining)
                if ready:
                    chunk = os.read(fd, 1 << 16)
                    if not chunk:
                        break
                    buf.add(chunk)
            kill_process_group(proc)
            code = proc.returncode
            keys, _ = limit_notes(self._cgroup, self._limits)
            return ExecResult(output=buf.text(), exit_code=None if timed_out else code, timed_out=timed_out,
                              limits=tuple(keys))
        finally:
            self._remove()

    def close(self) -> None:
        """Discard the jail without running the command (nothing once it ran)."""
        if not self._used:
            self._used = True
            self._blocked.abort()
            self._remove()

    def _remove(self) -> None:
        if self._cgroup is not None:
            self._cgroup.destroy()
            self._cgroup = None


@dataclass
class LocalSandbox(ShellSandbox):
    """A running jail around one workspace, with a lazily started persistent shell."""

    spec: JailSpec
    limits: SandboxLimits
    _shell: ShellSession | None = None
    _cgroup: SandboxCgroup | None = None
    _quota: DiskQuota | None = None
    _unverified_s: float = field(default=0.0)

    @property
    def workspace(self) -> Path:
        """The workspace as the host can write it. An overlay's merged view exists only in the
        jail's namespace: it is reached through the jail's /proc entry (the shell is started or
        restarted for that)."""
        if self.spec.overlay is None:
            return self.spec.workspace
        return Path(f"/proc/{self._session().ensure_running()}/root{self.spec.overlay.merged}")

    def _session(self) -> ShellSession:
        if self._shell is None:
            argv = bwrap_argv(self.spec, _shell_command())
            self._cgroup = sandbox_cgroup(self.limits)  # one per sandbox, kept across shell restarts
            changes = self.spec.overlay.upper if self.spec.overlay is not None else self.spec.workspace
            self._quota = DiskQuota(changes, self.limits.disk_bytes)
            self._quota.start()
            self._shell = ShellSession(lambda: launch(argv, self.limits, self._cgroup), output_cap=self.limits.output_bytes,
                                       output_kill_bytes=self.limits.output_kill_bytes, grace=self.limits.grace,
                                       watchdog=self._watch_disk)
        return self._shell

    def _limit_source(self) -> LimitSource | None:
        return self._cgroup

    def exec(self, argv: list[str], *, timeout: float, extra_binds: tuple[tuple[str, str], ...] = (),
             output_bytes: int | None = None, pass_fds: tuple[int, ...] = ()) -> ExecResult:
        """Run one command in a fresh jail (and cgroup) over the same workspace and wait for it.
        `pass_fds` stay open inside under the same numbers (reachable as /dev/fd/N)."""
        return self.stage(argv, extra_binds=extra_binds, pass_fds=pass_fds).run(timeout=timeout, output_bytes=output_bytes)

    def stage(self, argv: list[str], *, extra_binds: tuple[tuple[str, str], ...] = (),
              pass_fds: tuple[int, ...] = ()) -> StagedJail:
        """`exec`'s jail, started and confined but stopped before the command: its workspace
        can still be written from the host (an overlay is already mounted in its namespace)."""
        spec = replace(self.spec, extra_binds=self.spec.extra_binds + extra_binds)
        cgroup = sandbox_cgroup(self.limits)
        try:
            blocked = start_blocked(bwrap_argv(spec, argv), self.limits, cgroup, pass_fds)
        except BaseException:
            if cgroup is not None:
                cgroup.destroy()
            raise
        workspace = (Path(f"{blocked.host_root}{spec.overlay.merged}") if spec.overlay is not None
                     else spec.workspace)
        return StagedJail(blocked, cgroup, self.limits, workspace)

    def stop(self) -> None:
        """Kill the shell's jail now: bwrap is killed and reaped, its init dies with it and the
        kernel kills the rest of the pid namespace. `close` then waits for that and removes the
        cgroup, which costs a few milliseconds."""
        if self._shell is not None:
            self._shell.close()
            self._shell = None

    def close(self) -> None:
        self.stop()
        if self._cgroup is not None:
            self._cgroup.destroy()  # waits until every member is gone (anything that escaped, too)
            self._cgroup = None


@dataclass(frozen=True, kw_only=True)
class LocalBackend:
    """Starts `LocalSandbox`es; `check()` fails fast when bubblewrap cannot run here."""

    limits: SandboxLimits = SandboxLimits()
    name: str = "local"

    def check(self) -> None:
        check_bwrap()

    def runtime(self, task: Task, snapshot: BaseSnapshot) -> Runtime:
        """The task's virtualenv, built once into the cache (with the task's install command
        run in its base tree, when it has one)."""
        return ensure_runtime(task.runtime, repo=task.repo, snapshot=snapshot)

    def enforced_limits(self) -> dict[str, Any]:
        """Each limit's value and what enforces it on this host (cgroups, rlimits, ...)."""
        support = limit_support()
        lim = self.limits
        return {
            "memory_bytes": {"value": lim.memory_bytes, "enforced_by": support.memory},
            "pids": {"value": lim.pids, "enforced_by": support.pids},
            "cpus": {"value": lim.cpus, "enforced_by": support.cpu},
            "tmp_bytes": {"value": lim.tmp_bytes, "enforced_by": "tmpfs size (charged to the memory cgroup, "
                          "whose limit is memory_bytes + tmp_bytes)" if support.cgroup else "tmpfs size"},
            "disk_bytes": {"value": lim.disk_bytes, "enforced_by": "workspace scans during and after commands; "
                           "RLIMIT_FSIZE per file"},
            "output_bytes": {"value": lim.output_bytes, "enforced_by": "harness (head and tail kept)"},
            "output_kill_bytes": {"value": lim.output_kill_bytes, "enforced_by": "harness (command killed)"},
            "command_timeout_s": {"value": lim.command_timeout, "enforced_by": "harness (processes killed)"},
            "cgroup": support.cgroup,
            "cgroup_unavailable_reason": support.reason,
        }

    def start(self, workspace: Path, runtime: Runtime | None, *, env: dict[str, str] | None = None,
              overlay: OverlayLayout | None = None) -> LocalSandbox:
        """A sandbox over `workspace` (a directory), or over `overlay` (then `workspace` is its
        merged mount point)."""
        spec = JailSpec(workspace=workspace, runtime=runtime, tmp_bytes=self.limits.tmp_bytes, env=dict(env or {}),
                        overlay=overlay)
        return LocalSandbox(spec=spec, limits=self.limits)

    def overlay_unavailable(self) -> str | None:
        """None when episodes can use overlay workspaces here, else why not."""
        return overlay_unavailable()

    def scratch_dir(self, prefix: str) -> Path:
        """A private host directory for one episode's or one grading's files."""
        return Path(tempfile.mkdtemp(prefix=prefix))
