"""Per-sandbox limits on memory, process count and CPU (DESIGN.md decision 5).

Each sandbox gets a cgroup `nano_gym/<harness pid>-<n>` below the harness's own cgroup, or below
the delegated cgroup v2 directory named by `$NANO_GYM_CGROUP`. cgroup v2 is used when its
hierarchy offers the memory and pids controllers; otherwise the v1 memory, pids, cpu and freezer
hierarchies (hybrid hosts mount a controller-less cgroup2 beside them). Where the host refuses
(typically an unprivileged user without delegation) the limits fall back to rlimits, which are
per process or per uid and so weaker. `limit_support()` says what is enforced and why, so a
sandbox never runs less confined than reported.

Everything here is stdlib only and has no imports from the package, so `import nano_gym` stays
light and the module can be run on its own.
"""

from __future__ import annotations

import atexit
import errno
import itertools
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

__all__ = ["ENV_VAR", "LimitSupport", "SandboxCgroup", "apply_rlimits", "limit_support", "preexec_file_limit",
           "preexec_rlimits", "rlimit_settings", "sweep_stale"]

ENV_VAR = "NANO_GYM_CGROUP"
_GROUP = "nano_gym"  # one directory below the parent holds every sandbox cgroup
_NAME = re.compile(r"(\d+)-\d+\Z")  # <harness pid>-<counter>
_REQUIRED = ("memory", "pids")  # without both, a cgroup does not bound what matters most
_CPU_PERIOD_US = 100_000
_KILL_TIMEOUT = 5.0
_FREEZE_TIMEOUT = 0.5
_RMDIR_TIMEOUT = 2.0
_PROBE_MEMORY = 64 * 1024 * 1024
_PIDS_LIMIT_MAX = 4 * 1024 * 1024  # PID_MAX_LIMIT: pids.max refuses larger numbers

_RLIMIT_MEMORY = "rlimit (address space per process)"
_RLIMIT_PIDS = "rlimit (RLIMIT_NPROC per uid)"
_RLIMIT_CPU = "rlimit (CPU seconds per process)"
_NO_PIDS_FOR_ROOT = "none (RLIMIT_NPROC does not bind uid 0)"


@dataclass(frozen=True)
class LimitSupport:
    """What this host lets us enforce, detected once per process."""

    cgroup: str | None  # "v2", "v1" or None (rlimits)
    memory: str  # how memory is bounded
    pids: str  # how the number of processes is bounded
    cpu: str  # how CPU is bounded
    reason: str  # why cgroups are not used, if they are not ("" otherwise)

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


class _Unusable(Exception):
    """This cgroup hierarchy cannot hold our sandboxes; the message says why."""


@dataclass(frozen=True)
class _Layout:
    """Where sandbox cgroups go: per hierarchy used, its `nano_gym` directory and the
    controllers it offers (one entry on v2, one per mounted hierarchy on v1)."""

    version: str  # "v1" or "v2"
    bases: tuple[tuple[str, frozenset[str]], ...]

    @property
    def controllers(self) -> frozenset[str]:
        return frozenset().union(*(ctrls for _, ctrls in self.bases))


# ------------------------------------------------------------------ small file helpers
def _read(path: str | bytes) -> bytes:
    # os.open/os.read rather than open(): no buffer objects, a few microseconds per read.
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _field(path: str, key: bytes) -> int | None:
    """The value of `key` in a flat-keyed cgroup file ("key value" lines)."""
    for line in _read(path).splitlines():
        name, _, value = line.partition(b" ")
        if name == key:
            return int(value)
    return None


def _why(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


# ------------------------------------------------------------------ host discovery
_Mount = tuple[str, str, str, frozenset[str]]  # fstype, root inside the hierarchy, mount point, super options


def _unescape(field: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as \ooo.
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _cgroup_mounts() -> list[_Mount]:
    """Every cgroup (v1) and cgroup2 mount."""
    mounts: list[_Mount] = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            left, _, right = line.partition(" - ")
            fields, tail = left.split(), right.split()
            if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
                mounts.append((tail[0], _unescape(fields[3]), _unescape(fields[4]), frozenset(tail[2].split(","))))
    return mounts


def _own_cgroups() -> dict[str, str]:
    """controller -> this process's cgroup path in that controller's hierarchy ("" = v2)."""
    own: dict[str, str] = {}
    with open("/proc/self/cgroup") as fh:
        for line in fh:
            parts = line.rstrip("\n").split(":", 2)
            if len(parts) != 3:
                continue
            for controller in parts[1].split(",") if parts[1] else [""]:
                own[controller] = parts[2]
    return own


def _directory_of(root: str, mount_point: str, path: str | None) -> str | None:
    """The directory of cgroup `path` under a mount that shows the hierarchy from `root`."""
    if path is None:
        return None
    if root != "/":
        if path != root and not path.startswith(root + "/"):
            return None  # our cgroup is outside what this mount shows
        path = path[len(root):]
    return os.path.normpath(os.path.join(mount_point, path.lstrip("/")))


def _enable_controllers(directory: str, wanted: list[str]) -> list[str]:
    """Enable `wanted` for the children of `directory` (v2); return those enabled. memory and
    pids are required, cpu is dropped if refused."""
    current = set(_read(os.path.join(directory, "cgroup.subtree_control")).decode().split())
    enabled = []
    for controller in wanted:
        if controller not in current:
            try:
                _write(os.path.join(directory, "cgroup.subtree_control"), f"+{controller}")
            except OSError as exc:
                if controller not in _REQUIRED:
                    continue
                if exc.errno == errno.EBUSY:
                    raise _Unusable(
                        f"{directory} holds processes, so its controllers cannot be handed to child cgroups "
                        f"(the 'no internal processes' rule); set {ENV_VAR} to a delegated cgroup that holds "
                        "no processes") from None
                raise _Unusable(f"cannot enable the {controller} controller below {directory}: {_why(exc)}") from None
        enabled.append(controller)
    return enabled


def _v2_layout(parent: str) -> _Layout:
    try:
        available = set(_read(os.path.join(parent, "cgroup.controllers")).decode().split())
    except OSError as exc:
        raise _Unusable(f"{parent} is not a cgroup v2 directory: {_why(exc)}") from None
    missing = [c for c in _REQUIRED if c not in available]
    if missing:
        raise _Unusable(f"{parent} offers no {' or '.join(missing)} controller"
                        f" (available: {' '.join(sorted(available)) or 'none'})")
    wanted = [*_REQUIRED, *(["cpu"] if "cpu" in available else [])]
    enabled = _enable_controllers(parent, wanted)
    base = os.path.join(parent, _GROUP)
    os.makedirs(base, exist_ok=True)
    enabled = _enable_controllers(base, enabled)
    return _Layout("v2", ((base, frozenset(enabled)),))


def _auto_v2_parent(mounts: list[_Mount], own: dict[str, str]) -> str:
    for fstype, root, point, _ in mounts:
        if fstype == "cgroup2":
            directory = _directory_of(root, point, own.get(""))
            if directory is not None and os.path.isdir(directory):
                return directory
    raise _Unusable("no cgroup2 mount shows this process's cgroup")


def _explicit_v2_parent(value: str, mounts: list[_Mount]) -> str:
    path = os.path.realpath(value)
    for fstype, _, point, _ in mounts:
        if fstype == "cgroup2" and (path == point or path.startswith(point.rstrip("/") + "/")):
            return path
    raise _Unusable(f"{ENV_VAR}={value} is not a directory on a cgroup2 mount")


def _v1_layout(mounts: list[_Mount], own: dict[str, str]) -> _Layout:
    """memory and pids are required; cpu is optional (then CPU falls back to an rlimit), and so is
    freezer (then kill() signals in a loop, which pids.max keeps finite)."""
    bases: dict[str, set[str]] = {}
    for controller in ("memory", "pids", "cpu", "freezer"):
        for fstype, root, point, options in mounts:
            if fstype == "cgroup" and controller in options:
                directory = _directory_of(root, point, own.get(controller))
                if directory is not None and os.path.isdir(directory):
                    bases.setdefault(os.path.join(directory, _GROUP), set()).add(controller)
                    break
        else:
            if controller in _REQUIRED:
                raise _Unusable(f"no cgroup v1 {controller} hierarchy is mounted")
    made: list[str] = []
    usable: list[tuple[str, frozenset[str]]] = []
    for base, controllers in bases.items():
        try:
            os.mkdir(base, 0o755)
            made.append(base)
        except FileExistsError:
            pass
        except OSError:
            if not controllers & set(_REQUIRED):
                continue  # cpu or freezer refused: do without
            for directory in made:
                _rmdir_quietly(directory)
            raise
        usable.append((base, frozenset(controllers)))
    return _Layout("v1", tuple(usable))


def _ensure_bases(layout: _Layout) -> None:
    """Re-create missing `nano_gym` directories (with their v2 controllers)."""
    for base, controllers in layout.bases:
        try:
            os.mkdir(base, 0o755)
        except FileExistsError:
            continue
        if layout.version == "v2":
            for controller in sorted(controllers):
                _write(os.path.join(base, "cgroup.subtree_control"), f"+{controller}")


def _remove_bases() -> None:
    """At exit, remove the `nano_gym` directories if no sandbox is left in them, so the harness's
    own cgroup is not kept alive by an empty child (its manager may not remove children)."""
    layout = _layout
    if layout is not None:
        for base, _ in layout.bases:
            _rmdir_quietly(base)


def _rmdir_quietly(path: str) -> None:
    try:
        os.rmdir(path)
    except OSError:
        pass  # shared or already gone: whoever still uses it keeps it


# ------------------------------------------------------------------ detection (cached)
_lock = threading.RLock()
_support: LimitSupport | None = None
_layout: _Layout | None = None
_counter = itertools.count()
_live: set[str] = set()  # names this process created and has not destroyed
_leftovers: dict[str, SandboxCgroup] = {}  # destroyed but not yet removable (a process would not die)
_swept_for_pid: int | None = None
atexit.register(_remove_bases)


def _fallback(reason: str) -> LimitSupport:
    pids = _NO_PIDS_FOR_ROOT if os.getuid() == 0 else _RLIMIT_PIDS
    return LimitSupport(cgroup=None, memory=_RLIMIT_MEMORY, pids=pids, cpu=_RLIMIT_CPU, reason=reason)


def _probe(layout: _Layout) -> LimitSupport:
    """Really build a limited cgroup, move a short-lived process into it and remove it."""
    version = f"cgroup {layout.version}"
    cg = SandboxCgroup._build(layout, memory_bytes=_PROBE_MEMORY, pids=16, cpus=1.0)
    try:
        true = shutil.which("true")
        argv = [true] if true else [sys.executable, "-c", ""]
        subprocess.run(argv, preexec_fn=cg.enter, check=True, timeout=30, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        raise _Unusable(f"a process could not be moved into {cg.directories[0]} ({exc}); on cgroup v2 this "
                        "needs write access to cgroup.procs of the common ancestor") from None
    finally:
        cg.destroy()
    left = [d for d in cg.directories if os.path.exists(d)]
    if left:
        raise _Unusable(f"a test cgroup could not be removed: {', '.join(left)}")
    memory = version if cg._swap_limited else f"{version} (swap not limited)"
    cpu = version if "cpu" in layout.controllers else f"{_RLIMIT_CPU}, no cpu controller"
    return LimitSupport(cgroup=layout.version, memory=memory, pids=version, cpu=cpu, reason="")


def _detect() -> tuple[LimitSupport, _Layout | None]:
    reasons = []
    try:
        mounts, own = _cgroup_mounts(), _own_cgroups()
    except OSError as exc:
        return _fallback(f"cannot read /proc: {_why(exc)}"), None
    explicit = os.environ.get(ENV_VAR)
    attempts: list[tuple[str, Callable[[], _Layout]]]
    if explicit:
        attempts = [("v2", lambda: _v2_layout(_explicit_v2_parent(explicit, mounts)))]
    else:
        attempts = [("v2", lambda: _v2_layout(_auto_v2_parent(mounts, own))),
                    ("v1", lambda: _v1_layout(mounts, own))]
    for version, make in attempts:
        try:
            layout = make()
            return _probe(layout), layout
        except _Unusable as exc:
            reasons.append(f"cgroup {version}: {exc}")
        except OSError as exc:
            hint = ""
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                hint = f": needs root, or a cgroup v2 directory delegated to this user named in {ENV_VAR}"
            reasons.append(f"cgroup {version}: {_why(exc)}{hint}")
    return _fallback("; ".join(reasons)), None


def limit_support() -> LimitSupport:
    """What this host lets us enforce: detected on the first call (by really creating, entering
    and removing a test cgroup) and cached for the life of the process."""
    global _support, _layout
    with _lock:
        if _support is None:
            _support, _layout = _detect()
        return _support


def _current_layout() -> _Layout | None:
    limit_support()
    return _layout


def _downgrade(reason: str) -> None:
    """cgroups failed after the probe succeeded: report and use rlimits from now on."""
    global _support, _layout
    with _lock:
        _support, _layout = _fallback(reason), None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep(layout: _Layout) -> int:
    own = os.getpid()
    names: set[str] = set()
    for base, _ in layout.bases:
        try:
            names.update(os.listdir(base))
        except OSError:
            continue
    removed = 0
    for name in sorted(names):
        match = _NAME.match(name)
        if match is None:
            continue
        pid = int(match.group(1))
        # Our own pid on a cgroup we did not create: a dead harness had our pid (containers).
        stale = name not in _live if pid == own else not _pid_alive(pid)
        if stale:
            cg = SandboxCgroup(layout, name)
            cg.destroy()
            removed += name not in _leftovers
    return removed


def _maintain(layout: _Layout) -> None:
    """Before creating: sweep stale cgroups once per process, retry our own leftovers."""
    global _swept_for_pid
    with _lock:
        if _swept_for_pid != os.getpid():
            _swept_for_pid = os.getpid()
            _sweep(layout)
        for name, cg in list(_leftovers.items()):
            if cg._remove(timeout=0):
                del _leftovers[name]


def sweep_stale() -> int:
    """Kill and remove sandbox cgroups whose harness process is dead; return how many were
    removed. create() does this once per process; call it to force a sweep now."""
    layout = _current_layout()
    if layout is None:
        return 0
    with _lock:
        return _sweep(layout)


# ------------------------------------------------------------------ the per-sandbox cgroup
class SandboxCgroup:
    """One sandbox's cgroup, in every hierarchy used (one on v2; memory, pids, cpu, freezer on v1).

    Start the sandbox's first process with `preexec_fn=cg.enter`; everything it starts stays
    inside. Obtain instances from `create()`."""

    def __init__(self, layout: _Layout, name: str) -> None:
        self.name = name
        self.version = layout.version
        self.directories = tuple(os.path.join(base, name) for base, _ in layout.bases)
        where = {c: d for (_, controllers), d in zip(layout.bases, self.directories) for c in controllers}
        self._controllers = layout.controllers
        # Precomputed so enter(), which runs between fork and exec, only opens and writes.
        self._procs = tuple(os.fsencode(os.path.join(d, "cgroup.procs")) for d in self.directories)
        self._memory = where.get("memory")
        self._pids = where.get("pids")
        self._pids_current = os.path.join(self._pids, "pids.current") if self._pids else None
        self._cpu = where.get("cpu")
        self._swap_limited = False
        self._seen = {"memory": 0, "pids": 0}
        self._destroyed = False
        self._kill_file: str | None = None
        self._freezer: str | None = None
        if layout.version == "v2":
            top = self.directories[0]
            self._kill_file = os.path.join(top, "cgroup.kill")
            self._freezer = os.path.join(top, "cgroup.freeze")
        elif "freezer" in where:
            self._freezer = os.path.join(where["freezer"], "freezer.state")

    # -------------------------------------------------------------- creation
    @classmethod
    def create(cls, *, memory_bytes: int, pids: int, cpus: float) -> SandboxCgroup | None:
        """A new cgroup limited to `memory_bytes` of memory (swap excluded where the host
        accounts it), `pids` tasks and `cpus` cores; None when cgroups are unusable here, and
        then the caller limits with `preexec_rlimits`. A failure after the first successful
        probe switches this process to rlimits and `limit_support()` reports why."""
        if memory_bytes <= 0 or pids <= 0 or not cpus > 0:
            raise ValueError(f"limits must be positive: memory_bytes={memory_bytes}, pids={pids}, cpus={cpus}")
        layout = _current_layout()
        if layout is None:
            return None
        _maintain(layout)
        try:
            return cls._build(layout, memory_bytes=memory_bytes, pids=pids, cpus=cpus)
        except OSError as exc:
            _downgrade(f"cgroup {layout.version}: creating a sandbox cgroup failed: {_why(exc)}")
            return None

    @classmethod
    def _build(cls, layout: _Layout, *, memory_bytes: int, pids: int, cpus: float) -> SandboxCgroup:
        """Make the directories and write the limits, or leave nothing behind and raise OSError."""
        refound = 0
        for _ in range(1000):
            cg = cls(layout, f"{os.getpid()}-{next(_counter)}")
            _live.add(cg.name)  # before mkdir, so a concurrent sweep never takes it for stale
            made: list[str] = []
            done = False
            try:
                for directory in cg.directories:
                    os.mkdir(directory, 0o755)
                    made.append(directory)
                cg._set_limits(memory_bytes, pids, cpus)
                done = True
            except FileExistsError:
                continue  # a stale cgroup with our name: take the next one
            except FileNotFoundError:
                if not made and refound < 3:  # another harness removed nano_gym/ as it exited
                    refound += 1
                    _ensure_bases(layout)
                    continue
                raise
            finally:
                if not done:
                    _live.discard(cg.name)
                    for directory in reversed(made):
                        _rmdir_quietly(directory)
            return cg
        raise FileExistsError(errno.EEXIST, "no free sandbox cgroup name", layout.bases[0][0])

    def _set_limits(self, memory_bytes: int, pids: int, cpus: float) -> None:
        # Limits beyond what the host has mean "no limit"; the kernel would refuse some of them.
        quota = max(1000, round(cpus * _CPU_PERIOD_US)) if cpus < (os.cpu_count() or 1) else None
        pids_max = str(pids) if pids < _PIDS_LIMIT_MAX else "max"
        if self.version == "v2":
            top = self.directories[0]
            if "memory" in self._controllers:
                _write(os.path.join(top, "memory.max"), str(memory_bytes))
                swap = os.path.join(top, "memory.swap.max")
                if os.path.exists(swap):
                    _write(swap, "0")
                    self._swap_limited = True
            if "pids" in self._controllers:
                _write(os.path.join(top, "pids.max"), pids_max)
            if "cpu" in self._controllers:
                _write(os.path.join(top, "cpu.max"), f"{quota or 'max'} {_CPU_PERIOD_US}")
            return
        if self._memory is not None:
            # memory first: memsw may never be below it, and starts unlimited.
            _write(os.path.join(self._memory, "memory.limit_in_bytes"), str(memory_bytes))
            memsw = os.path.join(self._memory, "memory.memsw.limit_in_bytes")
            if os.path.exists(memsw):
                _write(memsw, str(memory_bytes))
                self._swap_limited = True
        if self._pids is not None:
            _write(os.path.join(self._pids, "pids.max"), pids_max)
        if self._cpu is not None:
            _write(os.path.join(self._cpu, "cpu.cfs_period_us"), str(_CPU_PERIOD_US))
            _write(os.path.join(self._cpu, "cpu.cfs_quota_us"), str(quota or -1))

    # -------------------------------------------------------------- use
    def enter(self) -> None:
        """Move the calling process into this cgroup in every hierarchy (for a `preexec_fn`):
        an error propagates, so the child fails instead of running unconfined."""
        self.attach(0)  # "0" means the writing process

    def attach(self, pid: int) -> None:
        """Move process `pid` (all its threads) into this cgroup in every hierarchy; what it
        starts afterwards stays inside. Raises OSError if it cannot be moved."""
        data = str(pid).encode()
        for path in self._procs:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)

    def members(self) -> list[int]:
        """Host pids of the processes in this cgroup (in any of its hierarchies)."""
        found: set[int] = set()
        for path in self._procs:
            try:
                found.update(int(pid) for pid in _read(path).split())
            except FileNotFoundError:
                continue
        return sorted(found)

    def count(self) -> int:
        """Tasks in the cgroup (threads included, as pids.max counts them; exited processes count
        until reaped): one small read of pids.current."""
        if self._pids_current is None:
            return len(self.members())
        try:
            return int(_read(self._pids_current))
        except FileNotFoundError:
            return 0

    def limit_hit(self) -> str | None:
        """Which limit bit since the previous call: "memory" when the OOM killer fired in this
        cgroup, else "pids" when pids.max refused a fork, else None."""
        counts = {"memory": self._oom_kills(), "pids": self._pids_refused()}
        hit = None
        for kind in ("memory", "pids"):
            if counts[kind] > self._seen[kind]:
                hit = hit or kind
                self._seen[kind] = counts[kind]
        return hit

    def _oom_kills(self) -> int:
        if self._memory is None:
            return 0
        try:
            if self.version == "v2":
                return _field(os.path.join(self._memory, "memory.events"), b"oom_kill") or 0
            kills = _field(os.path.join(self._memory, "memory.oom_control"), b"oom_kill")
            # Kernels before 4.13 lack the oom_kill count: failcnt counts every hit of the limit.
            return kills if kills is not None else int(_read(os.path.join(self._memory, "memory.failcnt")))
        except FileNotFoundError:
            return self._seen["memory"]

    def _pids_refused(self) -> int:
        if self._pids is None:
            return 0
        try:
            return _field(os.path.join(self._pids, "pids.events"), b"max") or 0
        except FileNotFoundError:
            return self._seen["pids"]

    # -------------------------------------------------------------- ending
    def kill(self) -> None:
        """SIGKILL every member and wait (up to a few seconds) until none is left. A fork bomb
        cannot outrun it: cgroup.kill where the kernel has it, else the cgroup is frozen while
        its members are signalled."""
        deadline = time.monotonic() + _KILL_TIMEOUT
        pause = 0.0005
        while self.members():
            if time.monotonic() > deadline:
                return  # unkillable (e.g. stuck in the kernel); destroy() keeps it for a later retry
            self._signal_all()
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    def _signal_all(self) -> None:
        if self._kill_file is not None:
            try:
                _write(self._kill_file, "1")
                return
            except FileNotFoundError:
                self._kill_file = None  # kernel < 5.14 (or the cgroup is gone, and nothing is left)
        frozen = self._freeze(True)
        try:
            for pid in self.members():
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        finally:
            if frozen:
                self._freeze(False)

    def _freeze(self, on: bool) -> bool:
        """Freeze (or thaw) the cgroup; when freezing, wait briefly until it is frozen so no
        member can fork meanwhile. False when there is no freezer or the cgroup is gone."""
        if self._freezer is None:
            return False
        v2 = self.version == "v2"
        try:
            _write(self._freezer, ("1" if on else "0") if v2 else ("FROZEN" if on else "THAWED"))
            if on:
                until = time.monotonic() + _FREEZE_TIMEOUT
                while time.monotonic() < until:
                    if v2:
                        events = os.path.join(os.path.dirname(self._freezer), "cgroup.events")
                        if _field(events, b"frozen") == 1:
                            break
                    elif _read(self._freezer).strip() == b"FROZEN":
                        break
                    time.sleep(0.0005)
        except FileNotFoundError:
            return False
        return True

    def destroy(self) -> None:
        """Kill the members and remove the directories. Idempotent; never raises for a cgroup
        that is already gone. One that cannot be removed yet (a process would not die) is
        retried on the next create() and swept after this process exits."""
        if self._destroyed:
            return
        self._destroyed = True
        _live.discard(self.name)
        self.kill()
        if not self._remove(timeout=_RMDIR_TIMEOUT):
            _leftovers[self.name] = self

    def _remove(self, *, timeout: float) -> bool:
        """rmdir every directory, signalling members again while one is busy; True when all
        are gone."""
        deadline = time.monotonic() + timeout
        pause = 0.0005
        while True:
            busy = False
            for directory in self.directories:
                try:
                    os.rmdir(directory)
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    if exc.errno != errno.EBUSY:
                        return False
                    busy = True
            if not busy:
                return True
            if time.monotonic() >= deadline:
                return False
            self._signal_all()
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    def __repr__(self) -> str:
        return f"SandboxCgroup({self.version}, {self.name!r})"


# ------------------------------------------------------------------ the rlimit fallback
def _tasks_of_uid(uid: int) -> int:
    """Tasks (threads included) whose real uid is `uid`, which is what RLIMIT_NPROC counts."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            data = _read(f"/proc/{entry}/status")
        except OSError:
            continue  # exited meanwhile
        real = threads = None
        for line in data.splitlines():
            if line.startswith(b"Uid:"):
                real = int(line.split()[1])
            elif line.startswith(b"Threads:"):
                threads = int(line.split()[1])
                break  # Threads comes after Uid
        if real == uid and threads:
            total += threads
    return total


def _bounded(which: int, soft: int, hard: int) -> tuple[int, int]:
    """(soft, hard) no higher than the current hard limit, which an unprivileged user cannot raise."""
    _, current = resource.getrlimit(which)
    if current != resource.RLIM_INFINITY:
        hard = min(hard, current)
    return min(soft, hard), hard


def rlimit_settings(*, memory_bytes: int | None = None, pids: int | None = None,
                    cpu_seconds: int | None = None, file_bytes: int | None = None) -> tuple[tuple[int, tuple[int, int]], ...]:
    """(resource, (soft, hard)) for the given limits (None leaves one alone): RLIMIT_AS (per
    process), RLIMIT_NPROC (counts every task of the uid on the host, so it is set to the uid's
    current count plus `pids`; it does not bind uid 0), RLIMIT_CPU (per process; SIGXCPU, then
    SIGKILL a second later) and RLIMIT_FSIZE (per file written). Soft and hard limits are both
    set so the sandbox cannot raise them."""
    settings: list[tuple[int, tuple[int, int]]] = []
    if memory_bytes is not None:
        settings.append((resource.RLIMIT_AS, _bounded(resource.RLIMIT_AS, memory_bytes, memory_bytes)))
    if pids is not None:
        total = _tasks_of_uid(os.getuid()) + pids
        settings.append((resource.RLIMIT_NPROC, _bounded(resource.RLIMIT_NPROC, total, total)))
    if cpu_seconds is not None:
        settings.append((resource.RLIMIT_CPU, _bounded(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)))
    if file_bytes is not None:
        settings.append((resource.RLIMIT_FSIZE, _bounded(resource.RLIMIT_FSIZE, file_bytes, file_bytes)))
    return tuple(settings)


def apply_rlimits(pid: int, settings: tuple[tuple[int, tuple[int, int]], ...]) -> None:
    """Set `settings` on the running process `pid` (its future children inherit them)."""
    for which, limits in settings:
        resource.prlimit(pid, which, limits)


def preexec_rlimits(*, memory_bytes: int | None = None, pids: int | None = None,
                    cpu_seconds: int | None = None, file_bytes: int | None = None) -> Callable[[], None]:
    """A `preexec_fn` applying `rlimit_settings(...)` to the child. The values are computed now,
    in the parent, so the child only calls setrlimit."""
    frozen = rlimit_settings(memory_bytes=memory_bytes, pids=pids, cpu_seconds=cpu_seconds, file_bytes=file_bytes)

    def apply() -> None:
        for which, limits in frozen:
            resource.setrlimit(which, limits)

    return apply


def preexec_file_limit(file_bytes: int) -> Callable[[], None]:
    """A `preexec_fn` setting RLIMIT_FSIZE only: applied in every sandbox, cgroup or not, since
    no cgroup controller bounds the size of a file."""
    return preexec_rlimits(file_bytes=file_bytes)
