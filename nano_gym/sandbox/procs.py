"""Finding and killing the processes of one sandbox from the host, through /proc."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass

__all__ = ["HostProcesses", "children", "descendants", "host_pid_of", "kill_all", "kill_process_group", "only_child"]


def _ppid_map() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        # comm may hold spaces and parentheses: the fields after the last ')' are fixed.
        fields = data[data.rindex(b")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
    return parents


def descendants(root: int) -> dict[int, int]:
    """pid -> parent pid of every live process below `root` (orphans of a pid namespace stay
    below its init, so this is the whole sandbox when `root` is its bwrap)."""
    parents = _ppid_map()
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found: dict[int, int] = {}
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found[pid] = parents[pid]
        stack.extend(children.get(pid, []))
    return found


def children(pid: int) -> list[int] | None:
    """The direct children of `pid` (one small read), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return None


def only_child(pid: int) -> int | None:
    found = children(pid)
    return found[0] if found is not None and len(found) == 1 else None


def host_pid_of(root: int, inner_pid: int) -> int | None:
    """The host pid of the process below `root` whose pid inside its namespace is `inner_pid`."""
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("NSpid:"):
                        if int(line.split()[-1]) == inner_pid:
                            return pid
                        break
        except (OSError, ValueError):
            continue
    return None


def kill_all(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def kill_process_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL `proc` and its process group, reap it and close its pipes."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()


@dataclass(frozen=True)
class HostProcesses:
    """A sandbox's processes as the host sees them: everything below `root`, where `init` is the
    pid namespace's init (orphans are re-parented to it) and `shell` the session's shell.
    Both are kept when commands are killed; when `init` is unknown, every direct child of
    `root` is taken for it."""

    root: int
    init: int | None
    shell: int | None

    def kill_commands(self) -> None:
        """Kill everything in the sandbox except its init and the shell."""
        tree = descendants(self.root)
        kill_all([pid for pid, ppid in tree.items()
                  if pid not in (self.shell, self.init) and (self.init is not None or ppid != self.root)])

    def strays(self) -> list[int]:
        """Processes left in the sandbox besides its init and the shell: the children of both.
        Two small reads in the common case."""
        found: list[int] = []
        for pid in (self.init, self.shell):
            if pid is not None:
                found += children(pid) or []
        return [p for p in found if p != self.shell]

    def idle_at_input(self) -> bool:
        """The shell is blocked reading its protocol input (fd 0) with nothing else running."""
        if self.shell is None:
            return False
        try:
            with open(f"/proc/{self.shell}/syscall") as fh:
                fields = fh.read().split()
        except OSError:
            return False
        return fields[:2] == ["0", "0x0"] and not self.strays()
