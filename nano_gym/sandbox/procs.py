"""Finding and killing the processes of one sandbox from the host, through /proc."""

from __future__ import annotations

import os
import signal
import subprocess

__all__ = ["descendants", "host_pid_of", "kill_all", "kill_process_group"]


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
