"""Starting a jail that is confined before it runs anything.

bwrap is spawned (by vfork: no Python runs in the child, so this is safe from any thread and
costs about a millisecond) with `--block-fd`, which makes it wait after creating the namespaces
and before starting the command. Its `--info-fd` report names the namespace's init, which is
then in the sandbox's cgroup (bwrap was moved there first) and given its rlimits (inherited by
all it starts), and only then is bwrap released.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import SandboxError
from .base import SandboxLimits
from .cgroups import SandboxCgroup, apply_rlimits, rlimit_settings
from .procs import kill_process_group

__all__ = ["BlockedJail", "launch", "sandbox_cgroup", "start_blocked"]

_INFO_TIMEOUT = 30.0
# Without a CPU cgroup, each process gets this many CPU seconds (RLIMIT_CPU): a weak bound.
_FALLBACK_CPU_SECONDS = 3600


def sandbox_cgroup(limits: SandboxLimits) -> SandboxCgroup | None:
    """A cgroup for one sandbox, or None where the host refuses one (rlimits then apply).
    Its memory limit includes /tmp, whose tmpfs pages are charged to it, so a full /tmp
    cannot starve the processes."""
    return SandboxCgroup.create(memory_bytes=limits.memory_bytes + limits.tmp_bytes, pids=limits.pids,
                                cpus=limits.cpus)


def _read_info(fd: int, proc: subprocess.Popen[bytes]) -> dict:
    data = b""
    deadline = time.monotonic() + _INFO_TIMEOUT
    while b"}" not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise SandboxError("bubblewrap did not report its namespaces in time")
        chunk = os.read(fd, 4096)
        if not chunk:
            out = proc.stdout.read(4096).decode("utf-8", "replace") if proc.stdout else ""
            raise SandboxError(f"bubblewrap failed to start the sandbox: {out.strip()[:2000]}")
        data += chunk
    return json.loads(data[: data.index(b"}") + 1])


@dataclass
class BlockedJail:
    """A jail whose namespaces exist (an overlay workspace is mounted in them) and whose init
    is confined, but which runs nothing yet: bwrap waits on its block descriptor. The host may
    write the workspace through `host_root` before `release()` lets the command start."""

    proc: subprocess.Popen[bytes]
    init_pid: int
    _block_w: int

    @property
    def host_root(self) -> Path:
        """The root of bwrap's own mount namespace (the one an overlay prefix mounted), as the
        host reaches it."""
        return Path(f"/proc/{self.proc.pid}/root")

    def release(self) -> subprocess.Popen[bytes]:
        """Let the command run; the caller owns the process from now on."""
        try:
            os.write(self._block_w, b"x")
        except OSError as exc:
            self.abort()
            raise SandboxError(f"cannot start the confined sandbox: {exc}") from None
        finally:
            self._close_block()
        return self.proc

    def abort(self) -> None:
        """Kill the jail before it ran anything. Killed first: closing the block descriptor
        alone would release it."""
        kill_process_group(self.proc)
        self._close_block()

    def _close_block(self) -> None:
        if self._block_w != -1:
            os.close(self._block_w)
            self._block_w = -1


def launch(bwrap_argv: list[str], limits: SandboxLimits, cgroup: SandboxCgroup | None,
           pass_fds: tuple[int, ...] = ()) -> subprocess.Popen[bytes]:
    """Start `bwrap_argv` confined and running (see `start_blocked`); the caller owns the process."""
    return start_blocked(bwrap_argv, limits, cgroup, pass_fds).release()


def start_blocked(bwrap_argv: list[str], limits: SandboxLimits, cgroup: SandboxCgroup | None,
                  pass_fds: tuple[int, ...] = ()) -> BlockedJail:
    """Start `bwrap_argv` (bwrap's path first, or after a prefix that execs it) inside `cgroup` (or under the rlimit fallback
    when it is None), stopped before it runs anything; raise SandboxError if it cannot start.
    stdin and stdout are pipes (stderr joins stdout)."""
    info_r, info_w = os.pipe()
    block_r, block_w = os.pipe()
    at = next(i for i, arg in enumerate(bwrap_argv) if os.path.basename(arg) == "bwrap") + 1  # after a prefix
    argv = [*bwrap_argv[:at], "--info-fd", str(info_w), "--block-fd", str(block_r), *bwrap_argv[at:]]
    if cgroup is None:
        rlimits = rlimit_settings(memory_bytes=limits.memory_bytes, pids=limits.pids,
                                  cpu_seconds=_FALLBACK_CPU_SECONDS, file_bytes=limits.disk_bytes)
    else:
        rlimits = rlimit_settings(file_bytes=limits.disk_bytes)  # no controller bounds one file's size
    proc = None
    try:
        # env={}: bwrap (pid 1 inside) must not carry the harness's variables.
        proc = subprocess.Popen(argv, env={}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True, close_fds=True,
                                pass_fds=(info_w, block_r, *pass_fds))
        os.close(info_w)
        os.close(block_r)
        info_w = block_r = -1
        if cgroup is not None:
            # The first move into a cgroup after an idle moment waits for an RCU grace period
            # (~10 ms). bwrap is moved at once, so that wait overlaps its own start, and the init
            # it clones afterwards is born inside.
            try:
                cgroup.attach(proc.pid)
            except OSError:
                pass  # it failed already: its report says why
        # The init is the ancestor of everything the sandbox runs. It is moved (again) in any
        # case: it may have been cloned before bwrap was moved. Right after a move this is cheap.
        init_pid = int(_read_info(info_r, proc)["child-pid"])
        if cgroup is not None:
            cgroup.attach(init_pid)
        apply_rlimits(init_pid, rlimits)
        blocked = BlockedJail(proc, init_pid, block_w)
        block_w = -1
        return blocked
    except BaseException as exc:
        if proc is not None:
            kill_process_group(proc)
        if isinstance(exc, OSError):
            raise SandboxError(f"cannot start the confined sandbox: {exc}") from None
        raise
    finally:
        for fd in (info_r, info_w, block_r, block_w):
            if fd != -1:
                os.close(fd)
