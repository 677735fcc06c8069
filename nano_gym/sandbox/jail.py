"""The bubblewrap command line of the local jail (DESIGN.md decision 5).

bwrap itself is started with an *empty* environment, so not even its own /proc entry inside
the sandbox shows the harness's variables; the jail's environment is set explicitly.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..cache import cache_root
from ..errors import SandboxUnavailableError
from ..runtimes import RUNTIME_MOUNT, Runtime
from .overlay import OverlayLayout, overlay_prefix

__all__ = ["JailSpec", "bwrap_argv", "check_bwrap", "REPO_MOUNT", "SANDBOX_UID"]

REPO_MOUNT = "/testbed"
SANDBOX_UID = 1000
INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: `apt-get install -y bubblewrap`; Fedora: `dnf install bubblewrap`)"

_ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime", "mime.types")
# Name resolution and CA certificates for jails with the network (never /etc/ssl/private).
_NETWORK_ETC = ("resolv.conf", "hosts", "nsswitch.conf", "host.conf", "gai.conf", "services", "protocols",
                "ssl/certs", "ssl/openssl.cnf", "ca-certificates", "pki/tls/certs", "pki/ca-trust")


@dataclass(frozen=True, kw_only=True)
class JailSpec:
    """What one sandbox mounts and how it is limited."""

    workspace: Path  # bound at /testbed; with `overlay`, its merged mount point
    runtime: Runtime | None = None
    tmp_bytes: int = 256 * 1024 * 1024
    shm_bytes: int = 64 * 1024 * 1024  # /dev/shm: POSIX semaphores (multiprocessing) need it writable
    extra_binds: tuple[tuple[str, str], ...] = ()  # (host path, sandbox path), writable
    read_only_binds: tuple[tuple[str, str], ...] = ()  # (host path, sandbox path), after extra_binds
    env: dict[str, str] = field(default_factory=dict)
    overlay: OverlayLayout | None = None  # mounted in the jail's own namespace before bwrap starts
    # Runtime builds only: the host's network (with what name resolution and TLS need) and the
    # venv being built writable at its final path. Episodes and gradings never set these.
    network: bool = False
    writable_runtime: bool = False


def _jail_etc() -> Path:
    """Minimal passwd/group so tools that look the user up work; built once."""
    etc = cache_root() / "jail-etc"
    etc.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("passwd", f"root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nagent:x:{SANDBOX_UID}:{SANDBOX_UID}:agent:/tmp:/bin/bash\n"),
        ("group", f"root:x:0:\nagent:x:{SANDBOX_UID}:\n"),
    ):
        path = etc / name
        if not path.exists() or path.read_text() != text:
            tmp = path.with_suffix(f".{os.getpid()}")
            tmp.write_text(text)
            os.replace(tmp, path)
    return etc


def base_env(runtime: Runtime | None) -> dict[str, str]:
    path = "/usr/bin:/bin"
    env = {
        "HOME": "/tmp", "USER": "agent", "LOGNAME": "agent", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "TERM": "dumb", "PAGER": "cat", "GIT_PAGER": "cat", "MANPAGER": "cat",
        "EDITOR": "true", "VISUAL": "true", "GIT_EDITOR": "true",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "PIP_NO_INPUT": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1", "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": "agent", "GIT_AUTHOR_EMAIL": "agent@sandbox.invalid",
        "GIT_COMMITTER_NAME": "agent", "GIT_COMMITTER_EMAIL": "agent@sandbox.invalid",
    }
    if runtime is not None:
        path = f"{RUNTIME_MOUNT}/bin:{path}"
        env["VIRTUAL_ENV"] = RUNTIME_MOUNT
    env["PATH"] = path
    return env


def _system_mounts() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr", "--tmpfs", "/usr/local"]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = Path("/") / top
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), f"/{top}"]
        elif host.is_dir():
            args += ["--ro-bind", str(host), f"/{top}"]
    for name in _ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    etc = _jail_etc()
    args += ["--ro-bind", str(etc / "passwd"), "/etc/passwd", "--ro-bind", str(etc / "group"), "/etc/group"]
    return args


def _network_mounts() -> list[str]:
    args: list[str] = []
    for name in _NETWORK_ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def bwrap_argv(spec: JailSpec, command: list[str]) -> list[str]:
    """The full argv that runs `command` inside the jail."""
    argv = [
        _bwrap_path(), "--unshare-all", *(["--share-net"] if spec.network else []), *_no_nested_userns(),
        "--die-with-parent", "--new-session",
        "--hostname", "sandbox", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
        "--cap-drop", "ALL",
        *_system_mounts(),
        *(_network_mounts() if spec.network else []),
        "--proc", "/proc", *_PROC_READ_ONLY, "--dev", "/dev",
        "--size", str(spec.tmp_bytes), "--tmpfs", "/tmp",
        "--size", str(spec.shm_bytes), "--tmpfs", "/dev/shm",
    ]
    if spec.runtime is not None:
        runtime = spec.runtime
        if runtime.prefix_mount != str(runtime.base_prefix):
            argv += ["--ro-bind", str(runtime.base_prefix), runtime.prefix_mount]
        for hidden in runtime.hidden_site_packages:
            argv += ["--tmpfs", runtime.inside(hidden)]
        for host, inside in runtime.relocated_binaries:
            argv += ["--ro-bind", str(host), inside]
        argv += ["--bind" if spec.writable_runtime else "--ro-bind", str(spec.runtime.venv), RUNTIME_MOUNT]
    argv += ["--bind", str(spec.workspace), REPO_MOUNT]
    for host, inside in spec.extra_binds:
        argv += ["--bind", host, inside]
    for host, inside in spec.read_only_binds:
        argv += ["--ro-bind", host, inside]
    argv += _read_only_rest(argv)
    argv += ["--chdir", REPO_MOUNT, "--clearenv"]
    for key, value in {**base_env(spec.runtime), **spec.env}.items():
        argv += ["--setenv", key, value]
    prefix = overlay_prefix(spec.overlay) if spec.overlay is not None else []
    return [*prefix, *argv, "--", *command]


# When the harness runs as root, the sandbox user is the host's uid 0 without capabilities, and
# sysctl files check that uid, not a capability: /proc/sys would let the sandbox write host-wide
# settings (kernel.core_pattern runs a program as host root). bwrap only covers what its access()
# probe finds writable, which misses /proc/sys. A read-only bind keeps the values readable (they
# are resolved against the reader's namespaces, whichever procfs they are read through).
_PROC_READ_ONLY = ("--ro-bind", "/proc/sys", "/proc/sys", "--ro-bind-try", "/proc/sysrq-trigger", "/proc/sysrq-trigger")
_WRITABLE_TMPFS = ("/tmp", "/dev/shm")


def _read_only_rest(argv: list[str]) -> list[str]:
    """Remount read-only what bwrap leaves writable but only the workspace, the binds and the
    capped tmpfs mounts may be: its root (/, /etc, /opt, ... live there), /dev and the empty
    tmpfs covers. Otherwise they are writable by the sandbox user and unbounded host memory."""
    covers = [argv[i + 1] for i, arg in enumerate(argv[:-1])
              if arg in ("--tmpfs", "--dev") and argv[i + 1] not in _WRITABLE_TMPFS]
    out = []
    for path in ("/", *covers):
        out += ["--remount-ro", path]
    return out


@functools.lru_cache(maxsize=1)
def _no_nested_userns() -> tuple[str, ...]:
    """Flags that stop the sandbox from creating user namespaces of its own (bubblewrap 0.8+):
    they would make it root of a namespace, the kernel surface most sandbox escapes go through.
    Empty where this bubblewrap cannot do it."""
    flags = ("--unshare-user", "--disable-userns")
    probe = [_bwrap_path(), *flags, "--ro-bind", "/", "/", "--", "/usr/bin/true"]
    try:
        proc = subprocess.run(probe, env={}, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return flags if proc.returncode == 0 else ()


def _bwrap_path() -> str:
    found = shutil.which("bwrap")
    if not found:
        raise SandboxUnavailableError(f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}")
    return found


@functools.lru_cache(maxsize=1)
def check_bwrap() -> str:
    """Fail fast with an actionable message unless bubblewrap can build our jail here."""
    bwrap = _bwrap_path()
    probe = [bwrap, "--unshare-all", "--die-with-parent", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
             "--cap-drop", "ALL", *_system_mounts(), "--proc", "/proc", "--dev", "/dev", "--", "/usr/bin/true"]
    try:
        proc = subprocess.run(probe, env={}, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailableError(f"bubblewrap does not run: {exc}; {INSTALL_HINT}") from None
    if proc.returncode != 0:
        raise SandboxUnavailableError(
            f"bubblewrap is installed but cannot create the sandbox: {proc.stderr.strip()}. "
            "It needs unprivileged user namespaces: enable them (e.g. `sysctl -w kernel.unprivileged_userns_clone=1`, "
            "or on Ubuntu 24.04+ `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`) or run in a VM/container that allows them."
        )
    return bwrap
