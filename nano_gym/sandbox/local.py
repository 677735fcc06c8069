"""The local backend: bubblewrap jails on this machine."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from ..runtimes import Runtime
from .base import ExecResult, SandboxLimits
from .jail import JailSpec, bwrap_argv, check_bwrap
from .output import BoundedOutput
from .shell import ShellResult, ShellSession

__all__ = ["LocalBackend", "LocalSandbox"]


def _popen(argv: list[str], pass_fds: tuple[int, ...] = ()) -> subprocess.Popen[bytes]:
    # env={}: bwrap (pid 1 inside) must not carry the harness's variables.
    return subprocess.Popen(argv, env={}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True, close_fds=True, pass_fds=pass_fds)


def _shell_command() -> list[str]:
    rbash = shutil.which("rbash") or "/usr/bin/rbash"
    if os.path.exists(rbash):
        return [rbash, "--noprofile", "--norc"]
    return ["/bin/bash", "--restricted", "--noprofile", "--norc"]


@dataclass
class LocalSandbox:
    """A running jail around one workspace, with a lazily started persistent shell."""

    spec: JailSpec
    limits: SandboxLimits
    _shell: ShellSession | None = None

    @property
    def workspace(self) -> Path:
        return self.spec.workspace

    def _session(self) -> ShellSession:
        if self._shell is None:
            argv = bwrap_argv(self.spec, _shell_command())
            self._shell = ShellSession(lambda: _popen(argv), output_cap=self.limits.output_bytes,
                                       output_kill_bytes=self.limits.output_kill_bytes, grace=self.limits.grace)
        return self._shell

    def start_shell(self) -> None:
        self._session()

    def shell(self, command: str, timeout: float | None = None) -> ShellResult:
        return self._session().run(command, timeout or self.limits.command_timeout)

    def exec(self, argv: list[str], *, timeout: float, extra_binds: tuple[tuple[str, str], ...] = (),
             output_bytes: int | None = None, pass_fds: tuple[int, ...] = ()) -> ExecResult:
        """Run one command in a fresh jail over the same workspace and wait for it. `pass_fds`
        stay open inside under the same numbers (reachable as /dev/fd/N)."""
        spec = replace(self.spec, extra_binds=self.spec.extra_binds + extra_binds)
        proc = _popen(bwrap_argv(spec, argv), pass_fds)
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.close()
        buf = BoundedOutput(output_bytes or self.limits.exec_output_bytes)
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
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        code = proc.wait()
        proc.stdout.close()
        return ExecResult(output=buf.text(), exit_code=None if timed_out else code, timed_out=timed_out)

    def close(self) -> None:
        if self._shell is not None:
            self._shell.close()
            self._shell = None


@dataclass(frozen=True, kw_only=True)
class LocalBackend:
    """Starts `LocalSandbox`es; `check()` fails fast when bubblewrap cannot run here."""

    limits: SandboxLimits = SandboxLimits()
    name: str = "local"

    def check(self) -> None:
        check_bwrap()

    def start(self, workspace: Path, runtime: Runtime | None, *, env: dict[str, str] | None = None) -> LocalSandbox:
        spec = JailSpec(workspace=workspace, runtime=runtime, tmp_bytes=self.limits.tmp_bytes, env=dict(env or {}))
        return LocalSandbox(spec=spec, limits=self.limits)

    def scratch_dir(self, prefix: str) -> Path:
        """A private host directory for one episode's or one grading's files."""
        return Path(tempfile.mkdtemp(prefix=prefix))
