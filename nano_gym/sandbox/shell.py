"""One persistent restricted-bash session inside a jail (DESIGN.md decision 4).

Each command is sent as `builtin eval -- '<cmd>' </dev/null`, followed by a `printf` of a
random end marker and the exit status, so variables, functions and the working state persist
between steps while a command can neither read the protocol's stdin nor guess the marker.
Around the command the protocol undoes what would break it: functions shadowing the builtins
it uses (removed in POSIX mode, where `unset` cannot be shadowed), xtrace (which would echo the
marker) and DEBUG/RETURN traps. Background processes a command leaves behind are killed when
it returns. On timeout every process of the sandbox except the shell is killed; if the shell
itself does not come back (it died, hangs in a builtin loop, or sits idle at its input without
having printed the marker because it was tampered with) the session is restarted and the
result says so.

The session drives its shell through two small interfaces, so one protocol serves every
backend: a `ShellProcess` (write the input, read the output, poll, kill: a local jail's pipes,
or a container's attached streams) and a `ProcessControl` (the sandbox's processes as the host
sees them: kill the command's, list strays, tell whether the shell sits idle at its input).
"""

from __future__ import annotations

import os
import secrets
import select
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..errors import SandboxError
from .output import BoundedOutput
from .procs import HostProcesses, host_pid_of, kill_process_group, only_child

__all__ = ["ShellResult", "ShellSession", "ShellProcess", "ProcessControl", "PipeShell", "jail_processes"]


@dataclass(frozen=True)
class ShellResult:
    output: str
    exit_code: int | None
    timed_out: bool = False
    output_limited: bool = False
    restarted: bool = False
    note: str = ""
    limits: tuple[str, ...] = ()  # limits the command ran into: "timeout", "output", a watchdog's key...
    reaped: int = 0  # background processes killed when the command returned


# The protocol's own lines. Functions named like the builtins they use are removed first; in
# POSIX mode (entered by an assignment, which no function can intercept) `unset` is found
# before any function of that name.
# (rbash forbids output redirections, so xtrace is switched off before the marker is printed.)
_PRELUDE = "POSIXLY_CORRECT=1; unset -f builtin printf eval; unset POSIXLY_CORRECT; "
_EPILOGUE = ("__nano_status=$?; POSIXLY_CORRECT=1; set +xv; unset -f builtin printf; trap - DEBUG RETURN; "
             "unset POSIXLY_CORRECT; builtin printf '\\n%s %d\\n' {token} \"$__nano_status\"\n")
# Checked between reads: a watchdog returns (limit key, message) to stop the command.
Watchdog = Callable[[], "tuple[str, str] | None"]
_WATCH_INTERVAL = 0.5


def _find_marker(window: bytearray, needle: bytes) -> tuple[int, int] | None:
    """(where the output ends, exit status) if `window` holds the marker line `<needle><digits>\n`
    (the newline the protocol prints before it belongs to the marker). A plain search: a regex
    per random token would be compiled anew on every command."""
    at = window.find(needle)
    while at >= 0:
        end = window.find(b"\n", at)
        if end < 0:
            return None  # the line is not complete yet
        digits = bytes(window[at + len(needle):end])
        if digits.isdigit():
            return (at - 1 if at and window[at - 1] == 0x0A else at), int(digits)
        at = window.find(needle, at + 1)
    return None


class ShellProcess(Protocol):
    """The shell as the session drives it."""

    @property
    def pid(self) -> int:
        """A host pid that holds the sandbox (bwrap; a container's init)."""
        ...

    def send(self, data: bytes) -> bool:
        """Write to the shell's input; False if it is gone."""
        ...

    def fileno(self) -> int:
        """Readable when output (or the end of the stream) is pending."""
        ...

    def read(self) -> bytes:
        """Some of the shell's output once `fileno()` is readable; b"" at the end of the stream."""
        ...

    def poll(self) -> int | None:
        """None while the shell runs, else its exit status."""
        ...

    def kill(self) -> None:
        """End the shell and everything the sandbox runs."""
        ...


class ProcessControl(Protocol):
    """The processes of one running sandbox (see `procs.HostProcesses`)."""

    def kill_commands(self) -> None:
        """Kill everything in the sandbox except its init and the shell."""
        ...

    def strays(self) -> list[int]:
        """Processes left besides its init and the shell (cheap: called after every command)."""
        ...

    def idle_at_input(self) -> bool:
        """The shell is blocked reading its input with no command running."""
        ...


# How a session finds the processes of a shell it started: (the shell, its pid inside) -> control.
LocateProcesses = Callable[[ShellProcess, int], ProcessControl]


class PipeShell:
    """A shell started as a local process (bwrap) with stdin and stdout pipes."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self.proc = proc
        self._fd = proc.stdout.fileno()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, data: bytes) -> bool:
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def fileno(self) -> int:
        return self._fd

    def read(self) -> bytes:
        return os.read(self._fd, 1 << 16)

    def poll(self) -> int | None:
        return self.proc.poll()

    def kill(self) -> None:
        kill_process_group(self.proc)


def jail_processes(proc: ShellProcess, inner_pid: int) -> HostProcesses:
    """A local jail's processes: bwrap's child is the pid namespace's init, the shell is the
    init's only child."""
    init = only_child(proc.pid)
    shell = only_child(init) if init is not None else None
    if shell is None:
        shell = host_pid_of(proc.pid, inner_pid)
    return HostProcesses(root=proc.pid, init=init, shell=shell)


class ShellSession:
    """A long-lived shell started by `spawn()`: a Popen with pipes (a local jail) or any
    `ShellProcess`; `locate` finds its processes once it has answered (default: a local jail's)."""

    def __init__(self, spawn: Callable[[], subprocess.Popen[bytes] | ShellProcess], *, output_cap: int,
                 output_kill_bytes: int, grace: float = 2.0, start_timeout: float = 30.0,
                 watchdog: Watchdog | None = None, locate: LocateProcesses = jail_processes) -> None:
        self._spawn = spawn
        self._locate = locate
        self.output_cap = output_cap
        self.output_kill_bytes = output_kill_bytes
        self.grace = grace
        self.start_timeout = start_timeout
        self.watchdog = watchdog
        self._proc: ShellProcess | None = None
        self._control: ProcessControl | None = None
        self.last_watchdog: tuple[str, str] = ("", "")
        self._start()

    # -------------------------------------------------------------- lifecycle
    def _start(self) -> None:
        proc = self._spawn()
        self._proc = PipeShell(proc) if isinstance(proc, subprocess.Popen) else proc
        self._control = None
        token = secrets.token_hex(8)
        self._send(f"builtin printf '%s %s\\n' {token} \"$$\"\n")
        buf = BoundedOutput(4096)
        status, _ = self._read_until(token, buf, time.monotonic() + self.start_timeout)
        if status is None:
            self._kill()
            raise SandboxError(f"the sandbox shell did not start: {buf.text().strip()[:2000]}")
        self._control = self._locate(self._proc, status)

    def close(self) -> None:
        self._kill()

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()

    def ensure_running(self) -> int:
        """The host pid of the jail (restarting it if the shell died)."""
        if not self.alive:
            self._restart()
        return self._proc.pid

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -------------------------------------------------------------- protocol
    def _send(self, text: str) -> bool:
        assert self._proc is not None
        return self._proc.send(text.encode("utf-8", "surrogateescape"))

    def _read_until(self, token: str, buf: BoundedOutput, deadline: float,
                    flood_limit: int | None = None, watch: bool = False) -> tuple[int | None, str]:
        """Read into `buf` until the marker line; return (status, reason) where reason is
        '' on success, else 'timeout', 'flood', 'eof', 'desync' or 'watchdog'."""
        assert self._proc is not None
        proc = self._proc
        fd = proc.fileno()
        needle = token.encode() + b" "
        window = bytearray()  # the unconsumed end of the stream, where the marker may straddle reads
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                buf.add(bytes(window))
                return None, "timeout"
            ready, _, _ = select.select([fd], [], [], min(remaining, _WATCH_INTERVAL) if watch else remaining)
            if not ready:
                if watch and self._idle_at_input():
                    buf.add(bytes(window))
                    return None, "desync"
                if watch and self.watchdog is not None and (hit := self.watchdog()) is not None:
                    self.last_watchdog = hit
                    buf.add(bytes(window))
                    return None, "watchdog"
                continue
            chunk = proc.read()
            if not chunk:
                buf.add(bytes(window))
                return None, "eof"
            window += chunk
            found = _find_marker(window, needle)
            if found is not None:
                start, status = found
                buf.add(bytes(window[:start]))
                return status, ""
            keep = len(token) + 32
            if len(window) > keep:
                buf.add(bytes(window[:-keep]))
                del window[:-keep]
            if flood_limit is not None and buf.total > flood_limit:
                return None, "flood"

    def _kill_commands(self) -> None:
        """Kill everything in the sandbox except its init and the shell."""
        if self._proc is not None and self._control is not None:
            self._control.kill_commands()

    def _strays(self) -> list[int]:
        """Processes left in the sandbox besides its init and the shell."""
        return self._control.strays() if self._control is not None else []

    def _reap_strays(self) -> int:
        """Kill what a finished command left running (`&`, nohup, setsid); returns how many."""
        killed: set[int] = set()
        end = time.monotonic() + self.grace
        while (strays := self._strays()) and time.monotonic() < end:
            killed.update(strays)
            self._kill_commands()
            time.sleep(0.005)
        return len(killed)

    def _idle_at_input(self) -> bool:
        """The shell is blocked reading its protocol input with no command running: it consumed
        the marker line without printing the marker, so its builtins or input were tampered with."""
        return self._control is not None and self._control.idle_at_input()

    def run(self, command: str, timeout: float) -> ShellResult:
        """Run one command; never raises for what the command does."""
        notes = []
        restarted = False
        if not self.alive:
            self._restart()
            restarted = True
            notes.append("the previous shell had died: a new shell was started (variables and functions were reset)")
        token = secrets.token_hex(12)
        script = f"{_PRELUDE}builtin eval -- {shlex.quote(command)} </dev/null\n" + _EPILOGUE.format(token=token)
        buf = BoundedOutput(self.output_cap)
        if not self._send(script):
            self._restart()
            return ShellResult(output="", exit_code=None, restarted=True,
                               note="the shell was gone and has been restarted; run the command again")
        status, reason = self._read_until(token, buf, time.monotonic() + timeout, self.output_kill_bytes, watch=True)
        limit = {"timeout": "timeout", "flood": "output"}.get(reason, "")
        if reason == "watchdog":
            limit, message = self.last_watchdog
            notes.append(message)
        if limit:
            # Kill repeatedly through the grace period: the rest of the command line may start more.
            grace_end = time.monotonic() + self.grace
            while status is None and reason not in ("eof", "desync") and time.monotonic() < grace_end:
                self._kill_commands()
                status, reason = self._read_until(token, buf, min(grace_end, time.monotonic() + 0.1))
            if limit == "output":
                notes.append(f"output exceeded {self.output_kill_bytes} bytes: the command was killed")
            elif limit == "timeout":
                notes.append(f"command timed out after {timeout:g}s: its processes were killed")
        reaped = self._reap_strays() if status is not None else 0
        if reaped:
            notes.append(f"{reaped} background process(es) left running by the command were stopped "
                         "(processes do not outlive the command that started them)")
        if status is None:
            # The shell did not answer: it exited, hangs inside a builtin, or lost the protocol.
            what = {"eof": "exited", "desync": "stopped following the command protocol (its input or builtins "
                    "were tampered with)"}.get(reason, "stopped responding")
            self._restart()
            restarted = True
            notes.append(f"the shell {what}: a new shell was started (variables and functions were reset)")
        return ShellResult(output=buf.text(), exit_code=status, timed_out=limit == "timeout",
                           output_limited=limit == "output" or buf.dropped > 0, restarted=restarted,
                           note="; ".join(notes), limits=(limit,) if limit else (), reaped=reaped)

    def _restart(self) -> None:
        self._kill()
        self._start()
