"""Containers on a Docker daemon on this machine, through the docker SDK (`nano-gym[docker]`).

One `Container` is one hardened `docker run`: created, its streams attached before it starts
(so no output is lost; with stdin when a shell reads from it), started, read as Docker's
multiplexed stream, and removed. Docker's `init` (tini) is its pid 1, so orphans are reaped and
the container ends when its command does, the way a bwrap jail ends with its init.

Every container carries an owner label (boot id, pid and start time of the harness process).
Containers are removed when closed, by a finalizer when one is garbage collected or the
interpreter exits, and containers whose owner is gone (a harness killed with SIGKILL) are swept
the next time a backend checks the daemon.

The harness reads the container's processes and cgroup counters through the host's /proc and
cgroup mounts, so the daemon must run on this machine (the workspace is bind-mounted from the
host's disk anyway); `Container.require_visible` refuses a daemon whose processes it cannot see.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from ..errors import MissingDependencyError, SandboxError, SandboxUnavailableError
from .base import SandboxLimits
from .cgroups import _cgroup_mounts, _directory_of, _field

__all__ = ["Container", "ContainerSpec", "api_client", "check_daemon", "docker_sdk", "owner_id", "OWNER_LABEL"]

OWNER_LABEL = "nano_gym.owner"
ROLE_LABEL = "nano_gym.role"
EXTRA = "pip install 'nano-gym[docker]'"
_PING_TIMEOUT = 5.0  # seconds: an unreachable daemon fails the env's creation this fast
_API_TIMEOUT = 120.0
_REMOVE_TIMEOUT = 60.0
_SHM_BYTES = 64 * 1024 * 1024  # /dev/shm, as in the local jail (POSIX semaphores need it)
_HEADER = struct.Struct(">BxxxL")  # Docker's stream frame: stream id, 3 pad bytes, payload size
STDOUT, STDERR = 1, 2


def docker_sdk() -> Any:
    """The docker SDK, or MissingDependencyError naming the extra."""
    try:
        import docker
    except ImportError:
        raise MissingDependencyError(f"the docker backend needs the docker SDK: {EXTRA}") from None
    return docker


# ----------------------------------------------------------------------------- the daemon

_clients = threading.local()
_versions: dict[str, str] = {}  # DOCKER_HOST -> the API version negotiated once
_swept: set[str] = set()


def _docker_host() -> str:
    return os.environ.get("DOCKER_HOST", "")


def _unreachable(exc: BaseException) -> SandboxUnavailableError:
    where = _docker_host() or "the default socket (unix:///var/run/docker.sock)"
    return SandboxUnavailableError(
        f"cannot reach the Docker daemon at {where}: {exc}. Start it (`sudo systemctl start docker`, or "
        "`dockerd &` as root) or point DOCKER_HOST at a daemon running on this machine")


def api_client(timeout: float = _API_TIMEOUT) -> Any:
    """A low-level docker API client for this thread (clients are not shared between threads,
    nor with a forked child), speaking the API version negotiated by `check_daemon`."""
    docker = docker_sdk()
    host = _docker_host()
    key = (host, timeout, os.getpid())
    cached = getattr(_clients, "by_key", None)
    if cached is None:
        cached = _clients.by_key = {}
    if key not in cached:
        version = _versions.get(host) or check_daemon()
        try:
            cached[key] = docker.APIClient(version=version, timeout=timeout, **docker.utils.kwargs_from_env())
        except docker.errors.DockerException as exc:
            raise _unreachable(exc) from None
    return cached[key]


def check_daemon() -> str:
    """The daemon's API version; MissingDependencyError without the SDK, SandboxUnavailableError
    within a few seconds when no daemon answers. Sweeps containers of dead owners once."""
    docker = docker_sdk()
    import requests

    host = _docker_host()
    try:
        client = docker.APIClient(version="auto", timeout=_PING_TIMEOUT, **docker.utils.kwargs_from_env())
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        raise _unreachable(exc) from None
    _versions[host] = client.api_version
    if host not in _swept:
        _swept.add(host)
        _sweep(client)
    client.close()
    return _versions[host]


# ----------------------------------------------------------------------------- ownership

def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as fh:
            return fh.read().strip()
    except OSError:
        return "unknown"


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    return data[data.rindex(b")") + 2:].split()[19].decode()


def owner_id() -> str:
    """Who owns the containers this process starts: the boot, the pid and its start time."""
    return f"{_boot_id()}/{os.getpid()}/{_start_time(os.getpid())}"


def _owner_gone(owner: str) -> bool:
    boot, _, rest = owner.partition("/")
    pid, _, started = rest.partition("/")
    if boot != _boot_id():
        return True  # a previous boot (or another machine): nobody here owns it
    return not pid.isdigit() or _start_time(int(pid)) != started


def _sweep(client: Any) -> None:
    """Remove the containers of harness processes that no longer exist."""
    try:
        found = client.containers(all=True, filters={"label": OWNER_LABEL})
    except Exception:  # noqa: BLE001 - sweeping is best effort; the daemon answered a ping
        return
    for entry in found:
        if _owner_gone((entry.get("Labels") or {}).get(OWNER_LABEL, "")):
            _remove(entry["Id"])


def _remove(container_id: str) -> bool:
    """Remove a container (killing it); True when it is gone."""
    docker = docker_sdk()
    try:
        api_client(_REMOVE_TIMEOUT).remove_container(container_id, force=True, v=True)
        return True
    except docker.errors.NotFound:
        return True
    except docker.errors.APIError as exc:
        if "already in progress" in str(exc):
            return True
        return False
    except Exception:  # noqa: BLE001 - the daemon went away; the next sweep removes it
        return False


# ----------------------------------------------------------------------------- containers

@dataclass(frozen=True, kw_only=True)
class ContainerSpec:
    """What one container runs and how it is confined."""

    image: str
    command: tuple[str, ...]
    user: str  # "uid:gid"
    env: dict[str, str] = field(default_factory=dict)
    binds: tuple[tuple[str, str], ...] = ()  # (host path, container path), writable
    workdir: str = "/testbed"
    limits: SandboxLimits = SandboxLimits()
    stdin: bool = False
    role: str = "sandbox"


def _host_config(client: Any, spec: ContainerSpec) -> dict[str, Any]:
    docker = docker_sdk()
    lim = spec.limits
    memory = lim.memory_bytes + lim.tmp_bytes  # tmpfs pages are charged to the container, as locally
    return client.create_host_config(
        mounts=[docker.types.Mount(target=inside, source=host, type="bind", read_only=False)
                for host, inside in spec.binds],
        network_mode="none",
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        read_only=True,
        tmpfs={"/tmp": f"rw,exec,nosuid,nodev,size={lim.tmp_bytes},mode=1777"},
        shm_size=min(_SHM_BYTES, lim.tmp_bytes),
        mem_limit=memory,
        memswap_limit=memory,
        pids_limit=lim.pids,
        nano_cpus=max(1, int(lim.cpus * 1e9)),
        ulimits=[docker.types.Ulimit(name="fsize", soft=lim.disk_bytes, hard=lim.disk_bytes)],
        init=True,
        log_config=docker.types.LogConfig(type="none"),  # output goes to the harness, never to the daemon's disk
    )


class Container:
    """A started container with its streams attached; `fileno()`/`read_frames()` give its output,
    `send()` its input (when attached with stdin), `close()` removes it."""

    def __init__(self, container_id: str, sock: Any, init_pid: int) -> None:
        self.id = container_id
        self._io = sock  # keeps the HTTP response (and so the connection) alive
        self._sock: socket.socket = getattr(sock, "_sock", sock)
        self._sock.setblocking(True)
        self.init_pid = init_pid
        self._buf = bytearray()
        self._eof = False
        self._exit_code: int | None = None
        self._counters = _Counters.of(init_pid, container_id)
        self._finalizer = weakref.finalize(self, _remove, container_id)

    @classmethod
    def start(cls, spec: ContainerSpec) -> Container:
        docker = docker_sdk()
        client = api_client()
        container_id = None
        try:
            created = client.create_container(
                spec.image, entrypoint=[spec.command[0]], command=list(spec.command[1:]), user=spec.user,
                working_dir=spec.workdir, environment=dict(spec.env), stdin_open=spec.stdin, tty=False,
                hostname="sandbox", labels={OWNER_LABEL: owner_id(), ROLE_LABEL: spec.role},
                host_config=_host_config(client, spec))
            container_id = created["Id"]
            params = {"stdout": 1, "stderr": 1, "stream": 1, **({"stdin": 1} if spec.stdin else {})}
            sock = client.attach_socket(container_id, params=params)
            client.start(container_id)
            init_pid = int(client.inspect_container(container_id)["State"]["Pid"])
            return cls(container_id, sock, init_pid)
        except BaseException as exc:
            if container_id is not None:
                _remove(container_id)
            if isinstance(exc, docker.errors.ImageNotFound):
                raise SandboxError(f"image {spec.image} is not on the Docker daemon") from None
            if isinstance(exc, docker.errors.DockerException | OSError):
                raise SandboxError(f"cannot start a container of {spec.image}: {exc}") from None
            raise

    # -------------------------------------------------------------- the streams
    @property
    def pid(self) -> int:
        """The host pid of the container's init."""
        return self.init_pid

    def fileno(self) -> int:
        return self._sock.fileno()

    def send(self, data: bytes) -> bool:
        try:
            self._sock.sendall(data)
            return True
        except OSError:
            return False

    def read_frames(self) -> list[tuple[int, bytes]]:
        """The complete frames that have arrived (waiting for the rest of a started one), as
        (stream, payload); [] at the end of the stream."""
        while True:
            frames = self._complete_frames()
            if frames or self._eof:
                return frames
            try:
                chunk = self._sock.recv(1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self._eof = True
                return []
            self._buf += chunk

    def _complete_frames(self) -> list[tuple[int, bytes]]:
        frames, at, buf = [], 0, self._buf
        while len(buf) - at >= _HEADER.size:
            stream, size = _HEADER.unpack_from(buf, at)
            if len(buf) - at - _HEADER.size < size:
                break
            start = at + _HEADER.size
            if size:
                frames.append((stream, bytes(buf[start:start + size])))
            at = start + size
        del buf[:at]
        return frames

    def read(self) -> bytes:
        """Output of both streams once `fileno()` is readable; b"" at the end of the stream."""
        return b"".join(data for _, data in self.read_frames())

    def poll(self) -> int | None:
        """None while the container's streams are open, else its exit status."""
        if not self._eof:
            ready, _, _ = select.select([self._sock], [], [], 0)
            if not ready:
                return None
            try:
                if self._sock.recv(1, socket.MSG_PEEK):
                    return None  # output is pending: it has not ended yet
            except OSError:
                pass
            self._eof = True
        return self.wait(timeout=5.0)

    def wait(self, timeout: float) -> int:
        """The exit status once the command ended (-1 when the daemon does not tell in time)."""
        if self._exit_code is None:
            try:
                self._exit_code = int(api_client(timeout).wait(self.id, timeout=timeout)["StatusCode"])
            except Exception:  # noqa: BLE001 - the stream ended; a missing status is not worth an error
                return -1
        return self._exit_code

    def oom_killed(self) -> bool:
        """The kernel's OOM killer fired in the container (the daemon's record)."""
        try:
            return bool(api_client().inspect_container(self.id)["State"].get("OOMKilled"))
        except Exception:  # noqa: BLE001
            return False

    def limit_hit(self) -> str | None:
        """Which limit bit since the previous call ("memory", "pids"), from the container's cgroup."""
        return self._counters.limit_hit() if self._counters is not None else None

    def kill(self) -> None:
        self.close()

    def close(self) -> None:
        """Remove the container (everything in it dies) and close the streams."""
        try:
            self._sock.close()
        except OSError:
            pass
        if _remove(self.id):
            self._finalizer.detach()

    def require_visible(self) -> None:
        """Refuse a container whose init this machine's /proc does not show under the pid the
        daemon reported (a daemon on another machine, in a VM, or in another pid namespace):
        signals and /proc reads go to that pid, and must not reach an unrelated process. Call it
        while the container surely runs (a shell waiting for its input)."""
        if _cgroup_lines(self.init_pid, self.id) is None:
            self.close()
            raise _not_local()


def _cgroup_lines(pid: int, container_id: str) -> list[list[str]] | None:
    """The cgroup lines of `pid` if it is a process of that container, else None."""
    try:
        with open(f"/proc/{pid}/cgroup") as fh:
            text = fh.read()
    except OSError:
        return None
    return [line.split(":", 2) for line in text.splitlines()] if container_id in text else None


def _not_local() -> SandboxUnavailableError:
    return SandboxUnavailableError(
        "the Docker daemon does not run on this machine (its container processes are not visible here): "
        "the docker backend bind-mounts workspaces from this machine's disk and controls processes through "
        "its /proc; point DOCKER_HOST at a local daemon")


# ----------------------------------------------------------------------------- cgroup counters

@dataclass
class _Counters:
    """The OOM-kill and refused-fork counters of a container's cgroup, read from the host."""

    oom: tuple[str, bytes] | None  # (file, key)
    pids: str | None
    seen: dict[str, int] = field(default_factory=lambda: {"memory": 0, "pids": 0})

    @classmethod
    def of(cls, pid: int, container_id: str) -> _Counters | None:
        """The counters of the container whose init is `pid`; None once it is gone."""
        lines = _cgroup_lines(pid, container_id)
        if lines is None:
            return None
        try:
            mounts = _cgroup_mounts()
        except OSError:
            return None
        v1 = {c: path for _, ctrls, path in (x for x in lines if len(x) == 3) for c in ctrls.split(",") if c}
        unified = next((path for _, ctrls, path in (x for x in lines if len(x) == 3) if not ctrls), None)

        def directory(fstype: str, controller: str, path: str | None) -> str | None:
            for kind, root, point, options in mounts:
                if kind == fstype and (fstype == "cgroup2" or controller in options):
                    found = _directory_of(root, point, path)
                    if found is not None and os.path.isdir(found):
                        return found
            return None

        if "memory" in v1:
            memory, pids = directory("cgroup", "memory", v1["memory"]), directory("cgroup", "pids", v1.get("pids"))
            oom = (os.path.join(memory, "memory.oom_control"), b"oom_kill") if memory else None
        else:
            memory = pids = directory("cgroup2", "", unified)
            oom = (os.path.join(memory, "memory.events"), b"oom_kill") if memory else None
        return cls(oom=oom, pids=os.path.join(pids, "pids.events") if pids else None)

    def _count(self, kind: str, where: tuple[str, bytes] | None) -> int:
        if where is None:
            return self.seen[kind]
        try:
            return _field(where[0], where[1]) or 0
        except OSError:
            return self.seen[kind]

    def limit_hit(self) -> str | None:
        counts = {"memory": self._count("memory", self.oom),
                  "pids": self._count("pids", (self.pids, b"max") if self.pids else None)}
        hit = None
        for kind in ("memory", "pids"):
            if counts[kind] > self.seen[kind]:
                hit = hit or kind
                self.seen[kind] = counts[kind]
        return hit
