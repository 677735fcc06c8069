"""The docker backend: each sandbox is a hardened container of the task's image.

The image supplies the interpreter and the dependencies (SWE-Gym's images, for instance); the
workspace is a host copy of the base snapshot bind-mounted at /testbed, so snapshots, the
trusted host-side diff, the disk quota and the grader's preparation are the local backend's.
The in-tree build artefacts of the image's own /testbed (compiled extensions) are therefore not
used: a task whose tests need them must build them in its test command.

The persistent shell is the same protocol as locally: a container whose command is the
restricted bash (under Docker's init, which plays bwrap's init), its stdin and output attached
to the harness; its processes are found and killed through the host's /proc. A shell that dies
takes its container with it, and a new container is started, as a local jail is relaunched.
`exec` runs every command in a fresh container (grading never shares one with the episode).
"""

from __future__ import annotations

import os
import select
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, RuntimeBuildError, SandboxError
from .base import ExecResult, SandboxLimits
from .container import STDOUT, Container, ContainerSpec, api_client, check_daemon, docker_sdk
from .disk import DiskQuota
from .jail import REPO_MOUNT, base_env
from .output import BoundedOutput
from .procs import HostProcesses, host_pid_of, only_child
from .shell import ShellProcess, ShellSession
from .shell_sandbox import LimitSource, ShellSandbox, limit_notes

if TYPE_CHECKING:
    from ..repos import BaseSnapshot
    from ..tasks import Task

__all__ = ["DockerBackend", "DockerSandbox", "ContainerImage", "DEFAULT_IMAGE_TEMPLATE", "image_name"]

# SWE-Gym's images; {id} is the instance id with "__" as "_s_", lowercased (Docker's rule for
# repository names), {instance_id} the id as it is. NANO_GYM_DOCKER_IMAGE_TEMPLATE overrides it.
DEFAULT_IMAGE_TEMPLATE = "xingyaoww/sweb.eval.x86_64.{id}"
TEMPLATE_ENV = "NANO_GYM_DOCKER_IMAGE_TEMPLATE"
_PULL_STALL_S = 30.0  # a pull that reports no progress for this long has failed
# Docker carries stdout and stderr as two pipes, read independently: what a command prints on
# stderr could arrive after the end marker printed on stdout. So both are one pipe inside, as in
# the local jail (the wrapper execs, so the shell keeps its pid).
_SHELL = ("/bin/bash", "-c", "exec 2>&1 && exec /bin/bash --restricted --noprofile --norc")
# SWE-bench images activate the conda env "testbed" in their shell profile, which neither the
# restricted shell nor the grader reads: its bin directory goes first on PATH when the image
# uses miniconda at the usual place.
_CONDA_BIN, _CONDA_TESTBED = "/opt/miniconda3/bin", "/opt/miniconda3/envs/testbed/bin"
_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class ContainerImage:
    """A task's runtime on the docker backend: an image present on the daemon."""

    name: str
    id: str
    path: str  # PATH inside: the image's, with the conda testbed env first where there is one


def image_name(task: Task, template: str = DEFAULT_IMAGE_TEMPLATE) -> str:
    """The image of `task`: its runtime's `image`, else `template` filled in."""
    if task.runtime.image:
        return task.runtime.image
    return template.format(instance_id=task.instance_id, id=task.instance_id.replace("__", "_s_").lower())


_images: dict[tuple[str, str], ContainerImage] = {}
_images_lock = threading.Lock()


def _image_path(config_env: list[str] | None) -> str:
    env = dict(item.split("=", 1) for item in config_env or [] if "=" in item)
    path = env.get("PATH") or _DEFAULT_PATH
    if _CONDA_BIN in path.split(":"):
        path = f"{_CONDA_TESTBED}:{path}"
    return path


def ensure_image(name: str) -> ContainerImage:
    """The image `name` on the daemon, pulled once if it is not there yet."""
    docker = docker_sdk()
    key = (os.environ.get("DOCKER_HOST", ""), name)
    with _images_lock:
        if key in _images:
            return _images[key]
    client = api_client()
    try:
        info = client.inspect_image(name)
    except docker.errors.ImageNotFound:
        _pull(name)
        info = client.inspect_image(name)
    except docker.errors.DockerException as exc:
        raise SandboxError(f"cannot inspect image {name}: {exc}") from None
    image = ContainerImage(name=name, id=info["Id"], path=_image_path((info.get("Config") or {}).get("Env")))
    with _images_lock:
        _images[key] = image
    return image


def _pull(name: str) -> None:
    import requests

    docker = docker_sdk()
    repository, tag = docker.utils.parse_repository_tag(name)
    hint = (f"image {name} is not on the Docker daemon and pulling it failed; build or load it first "
            f"(`docker pull {name}`, `docker load`), or name another image in the task's runtime.image")
    try:
        for event in api_client(_PULL_STALL_S).pull(repository, tag=tag or "latest", stream=True, decode=True):
            if isinstance(event, dict) and event.get("error"):
                raise RuntimeBuildError(f"{hint}: {event['error']}")
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        raise RuntimeBuildError(f"{hint}: {exc}") from None


def _sandbox_user() -> str:
    """The harness's own uid and gid: files stay owned by one user on both sides of the bind
    mount (the host deletes what the agent made, the agent edits what apply_patch wrote), and
    the harness may signal the container's processes. As root, that is root without any
    capability, the local jail's situation too."""
    return f"{os.geteuid()}:{os.getegid()}"


def _container_env(image: ContainerImage, extra: dict[str, str]) -> dict[str, str]:
    """The local jail's minimal environment with the image's PATH; nothing from the host's."""
    env = base_env(None)
    env["PATH"] = image.path
    env.update(extra)
    return env


def container_processes(proc: ShellProcess, inner_pid: int) -> HostProcesses:
    """A shell container's processes: Docker's init (tini) is the container's pid 1, where
    orphans go; the shell is its only child."""
    init = proc.pid
    shell = only_child(init) or host_pid_of(init, inner_pid)
    return HostProcesses(root=init, init=init, shell=shell)


@dataclass
class DockerSandbox(ShellSandbox):
    """A workspace with a lazily started shell container; `exec` runs fresh containers."""

    workspace_dir: Path
    image: ContainerImage
    limits: SandboxLimits
    env: dict[str, str] = field(default_factory=dict)
    _shell: ShellSession | None = None
    _container: Container | None = None
    _quota: DiskQuota | None = None
    _unverified_s: float = 0.0

    @property
    def workspace(self) -> Path:
        """The workspace on the host (bind-mounted at /testbed)."""
        return self.workspace_dir

    def _spec(self, command: tuple[str, ...], *, stdin: bool, role: str,
              extra_binds: tuple[tuple[str, str], ...] = ()) -> ContainerSpec:
        return ContainerSpec(image=self.image.id, command=command, user=_sandbox_user(),
                             env=_container_env(self.image, self.env), limits=self.limits, stdin=stdin, role=role,
                             binds=((str(self.workspace_dir), REPO_MOUNT), *extra_binds), workdir=REPO_MOUNT)

    def _spawn_shell(self) -> Container:
        container = Container.start(self._spec(_SHELL, stdin=True, role="shell"))
        container.require_visible()  # its processes are found and killed through this machine's /proc
        self._container = container
        return container

    def _session(self) -> ShellSession:
        if self._shell is None:
            self._quota = DiskQuota(self.workspace_dir, self.limits.disk_bytes)
            self._quota.start()
            self._shell = ShellSession(self._spawn_shell, output_cap=self.limits.output_bytes,
                                       output_kill_bytes=self.limits.output_kill_bytes, grace=self.limits.grace,
                                       watchdog=self._watch_disk, locate=container_processes)
        return self._shell

    def _limit_source(self) -> LimitSource | None:
        return self._container

    def exec(self, argv: list[str], *, timeout: float, extra_binds: tuple[tuple[str, str], ...] = (),
             output_bytes: int | None = None, pass_fds: tuple[int, ...] = ()) -> ExecResult:
        """Run one command in a fresh container over the same workspace and wait for it.

        A descriptor in `pass_fds` (at most one) is open inside under the same number: it is the
        container's stdout stream, whose bytes the harness writes to the host descriptor (at most
        `disk_bytes`, like a file in the local jail); what the command prints arrives on stderr."""
        if len(pass_fds) > 1:
            raise SandboxError("the docker backend passes at most one descriptor into a container")
        # One pipe for the output (see _SHELL), the other for the descriptor, if any.
        redirect = f"{int(pass_fds[0])}>&1 1>&2" if pass_fds else "2>&1"
        command = ("/bin/bash", "-c", f'exec {redirect} && exec "$@"', "nano-exec", *argv)
        container = Container.start(self._spec(command, stdin=False, role="exec", extra_binds=extra_binds))
        try:
            return self._collect(container, timeout, output_bytes, pass_fds[0] if pass_fds else None)
        finally:
            container.close()

    def stage(self, argv: list[str], *, extra_binds: tuple[tuple[str, str], ...] = (),
              pass_fds: tuple[int, ...] = ()) -> DeferredExec:
        """`exec` to be run later; the workspace is a host directory, written directly until then."""
        return DeferredExec(self, argv, extra_binds, pass_fds)

    def _collect(self, container: Container, timeout: float, output_bytes: int | None,
                 fd: int | None) -> ExecResult:
        buf = BoundedOutput(output_bytes or self.limits.exec_output_bytes)
        room = self.limits.disk_bytes  # what may still go to the passed descriptor
        deadline = time.monotonic() + timeout
        timed_out = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            if not select.select([container.fileno()], [], [], remaining)[0]:
                continue
            frames = container.read_frames()
            if not frames:
                break
            for stream, data in frames:
                if fd is None or stream != STDOUT:
                    buf.add(data)
                elif room > 0:
                    room -= _write_all(fd, data[:room])
        keys, _ = limit_notes(container, self.limits)
        if not timed_out and "memory" not in keys and container.oom_killed():
            keys.append("memory")  # the cgroup may be gone once the container exited
        code = None if timed_out else container.wait(timeout=30.0)
        return ExecResult(output=buf.text(), exit_code=code, timed_out=timed_out, limits=tuple(keys))

    def stop(self) -> None:
        self.close()

    def close(self) -> None:
        if self._shell is not None:
            self._shell.close()  # removes its container
            self._shell = None
        self._container = None


@dataclass
class DeferredExec:
    """A container command staged (see `DockerSandbox.stage`): nothing starts before `run`."""

    sandbox: DockerSandbox
    argv: list[str]
    extra_binds: tuple[tuple[str, str], ...]
    pass_fds: tuple[int, ...]

    @property
    def workspace(self) -> Path:
        return self.sandbox.workspace

    @property
    def waiting(self) -> bool:
        return True  # nothing runs before `run`

    def run(self, *, timeout: float, output_bytes: int | None = None) -> ExecResult:
        return self.sandbox.exec(self.argv, timeout=timeout, extra_binds=self.extra_binds,
                                 output_bytes=output_bytes, pass_fds=self.pass_fds)

    def close(self) -> None:
        pass


def _write_all(fd: int, data: bytes) -> int:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    return len(data)


@dataclass(frozen=True, kw_only=True)
class DockerBackend:
    """Starts `DockerSandbox`es on the Docker daemon of this machine (`DOCKER_HOST` or the
    default socket); `check()` fails within seconds when there is none."""

    limits: SandboxLimits = SandboxLimits()
    image_template: str = field(default_factory=lambda: os.environ.get(TEMPLATE_ENV) or DEFAULT_IMAGE_TEMPLATE)
    name: str = "docker"

    def check(self) -> None:
        check_daemon()

    def runtime(self, task: Task, snapshot: BaseSnapshot) -> ContainerImage:
        """The task's image (from its runtime spec or the image template), pulled if missing."""
        return ensure_image(image_name(task, self.image_template))

    def enforced_limits(self) -> dict[str, Any]:
        """Each limit's value and what enforces it: Docker for the container's resources."""
        lim = self.limits
        return {
            "memory_bytes": {"value": lim.memory_bytes, "enforced_by": "docker (container memory limit, "
                             "memory_bytes + tmp_bytes, no swap)"},
            "pids": {"value": lim.pids, "enforced_by": "docker (container pids limit)"},
            "cpus": {"value": lim.cpus, "enforced_by": "docker (container CPU quota)"},
            "tmp_bytes": {"value": lim.tmp_bytes, "enforced_by": "docker (tmpfs size, charged to the container's "
                          "memory limit, which is memory_bytes + tmp_bytes)"},
            "disk_bytes": {"value": lim.disk_bytes, "enforced_by": "docker (RLIMIT_FSIZE per file) and workspace "
                           "scans during and after commands"},
            "output_bytes": {"value": lim.output_bytes, "enforced_by": "harness (head and tail kept)"},
            "output_kill_bytes": {"value": lim.output_kill_bytes, "enforced_by": "harness (command killed)"},
            "command_timeout_s": {"value": lim.command_timeout, "enforced_by": "harness (processes killed)"},
            "cgroup": "docker",
            "cgroup_unavailable_reason": "",
        }

    def start(self, workspace: Path, runtime: ContainerImage, *, env: dict[str, str] | None = None,
              overlay: Any = None) -> DockerSandbox:
        """A sandbox over `workspace` (a host directory, bind-mounted at /testbed)."""
        if overlay is not None:
            raise ConfigError(f"the docker backend has no overlay workspaces: {self.overlay_unavailable()}")
        if not isinstance(runtime, ContainerImage):
            raise ConfigError("the docker backend runs containers of an image: pass backend.runtime(task, snapshot)")
        return DockerSandbox(workspace_dir=Path(workspace), image=runtime, limits=self.limits, env=dict(env or {}))

    def overlay_unavailable(self) -> str | None:
        return ("the docker backend binds a host copy of the workspace at /testbed "
                "(the image supplies the interpreter and dependencies)")

    def scratch_dir(self, prefix: str) -> Path:
        """A private host directory for one episode's or one grading's files."""
        return Path(tempfile.mkdtemp(prefix=prefix))
