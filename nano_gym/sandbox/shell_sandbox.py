"""What every backend's sandbox does around its shell session: the disk-quota watchdog, a quota
check after every `DISK_CHECK_BUDGET_S` of command time, and the notes on limits a command hit."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Protocol

from .base import SandboxLimits
from .disk import DiskQuota
from .shell import ShellResult, ShellSession

__all__ = ["DISK_CHECK_BUDGET_S", "LimitSource", "ShellSandbox", "limit_notes"]

# Shell commands may write this many seconds' worth of disk between two quota checks; the
# check walks the workspace, so it is not run after every millisecond-long command.
DISK_CHECK_BUDGET_S = 0.05


class LimitSource(Protocol):
    def limit_hit(self) -> str | None: ...


def limit_notes(source: LimitSource | None, limits: SandboxLimits) -> tuple[list[str], list[str]]:
    """(limit keys, notes) for the memory or pids limit `source` (a cgroup, a container) saw hit
    since the last look."""
    hit = source.limit_hit() if source is not None else None
    if hit == "memory":
        return ["memory"], [f"memory limit reached ({limits.memory_bytes // 2**20} MiB plus /tmp): "
                            "the kernel killed a process"]
    if hit == "pids":
        return ["pids"], [f"process limit reached ({limits.pids}): starting a process failed"]
    return [], []


class ShellSandbox:
    """Mixin: the shell-facing methods of a sandbox. Subclasses provide `limits`, `_quota`,
    `_unverified_s`, `_session()` (the started session) and `_limit_source()`."""

    limits: SandboxLimits
    _quota: DiskQuota | None
    _unverified_s: float

    def _session(self) -> ShellSession:
        raise NotImplementedError

    def _limit_source(self) -> LimitSource | None:
        raise NotImplementedError

    def _watch_disk(self) -> tuple[str, str] | None:
        message = self._quota.exceeded() if self._quota is not None else None
        return ("disk", message) if message else None

    def start_shell(self) -> None:
        self._session()

    def shell(self, command: str, timeout: float | None = None) -> ShellResult:
        session = self._session()
        started = time.monotonic()
        result = session.run(command, timeout or self.limits.command_timeout)
        keys, notes = limit_notes(self._limit_source(), self.limits)
        self._unverified_s += time.monotonic() - started
        if "disk" not in result.limits and self._unverified_s >= DISK_CHECK_BUDGET_S:
            self._unverified_s = 0.0
            if (over := self._watch_disk()) is not None:
                keys.append(over[0])
                notes.append(over[1])
        if not keys:
            return result
        return replace(result, limits=result.limits + tuple(keys), note="; ".join(filter(None, [result.note, *notes])))

    def check_disk(self) -> str | None:
        """The disk quota message if the workspace is over quota now, else None."""
        over = self._watch_disk()
        return over[1] if over else None
