"""Runtime build steps (pip installs, the task's install command) run in a jail.

The jail is the episode's, with three differences: it has the host's network (pip may need an
index), the venv being built is mounted writable at its final path (`/opt/nano/venv`, so
editable installs, `.pth` files and script shebangs name the paths they have in episodes), and
/tmp is a scratch directory on disk rather than a capped tmpfs (wheels can be large). The
repository, when there is one, is a throwaway copy at /testbed. pip sees the host's pip
configuration: its config files, `PIP_*` and proxy variables, and the local paths they name
(certificates, find-links directories), read-only.
"""

from __future__ import annotations

import configparser
import os
import signal
import subprocess
from pathlib import Path

from ..errors import RuntimeBuildError
from ..runtimes import Runtime
from .jail import JailSpec, bwrap_argv

__all__ = ["BUILD_TIMEOUT", "run_build_step"]

BUILD_TIMEOUT = 1800.0
_TAIL_CHARS = 3000
_HOME = "/tmp"  # HOME inside every jail
_PASSED_ENV = frozenset({
    "http_proxy", "https_proxy", "no_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
})
# pip settings and variables whose values are local paths pip must be able to read.
# Only absolute paths and file:// URLs are bound; remote URLs need nothing.
_PATH_SETTINGS = ("cert", "client-cert", "find-links", "index-url", "extra-index-url")
_PATH_ENV = ("PIP_CERT", "PIP_CLIENT_CERT", "PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL",
             "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def _pip_config_files() -> list[tuple[str, str]]:
    """(host file, path inside) of the pip config files pip would read on the host."""
    home = os.path.expanduser("~")
    xdg_dirs = os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    files = [(os.path.join(d, "pip", "pip.conf"),) * 2 for d in xdg_dirs.split(":") if d]
    files.append(("/etc/pip.conf", "/etc/pip.conf"))
    files.append((os.path.join(home, ".pip", "pip.conf"), f"{_HOME}/.pip/pip.conf"))
    user_config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    files.append((os.path.join(user_config, "pip", "pip.conf"), f"{_HOME}/.config/pip/pip.conf"))
    return [(host, inside) for host, inside in files if os.path.isfile(host)]


def _local_paths(value: str, index: bool = False) -> list[str]:
    paths = []
    for item in value.split():
        item = os.path.normpath(item[len("file://"):] if item.startswith("file://") else item)
        if index and os.path.basename(item) == "simple":
            # A local index's pages link to files beside `simple/`, by convention in its parent.
            item = os.path.dirname(item)
        if item.startswith("/") and item != "/" and os.path.exists(item):
            paths.append(item)
    return paths


def pip_context() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """(environment, read-only binds) that give pip in the jail the host's configuration."""
    env = {k: v for k, v in os.environ.items() if k.startswith("PIP_") or k in _PASSED_ENV}
    binds = _pip_config_files()
    config_file = os.environ.get("PIP_CONFIG_FILE", "")
    if config_file and config_file != os.devnull and os.path.isfile(config_file):
        binds.append((config_file, "/etc/nano-gym/pip.conf"))
        env["PIP_CONFIG_FILE"] = "/etc/nano-gym/pip.conf"
    paths = [p for key in _PATH_ENV for p in _local_paths(os.environ.get(key, ""), "INDEX" in key)]
    for host, _ in binds:
        parser = configparser.RawConfigParser(strict=False)
        try:
            parser.read(host, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            continue  # pip itself will say what is wrong with it
        for section in parser.sections():
            for key in _PATH_SETTINGS:
                paths += _local_paths(parser.get(section, key, fallback=""), key.endswith("index-url"))
    seen = {inside for _, inside in binds}
    for path in paths:
        if path not in seen and not path.startswith("/usr/"):  # /usr is mounted anyway
            seen.add(path)
            binds.append((path, path))
    return env, binds


def run_build_step(runtime: Runtime, script: str, *, scratch: Path, what: str, repo: Path | None = None,
                   timeout: float = BUILD_TIMEOUT) -> str:
    """Run `script` with `bash -e` in a build jail over `runtime` (its venv writable); return
    its output, or raise RuntimeBuildError with the output's tail. `scratch` is an empty host
    directory for the jail's /tmp and, without `repo`, an empty /testbed."""
    tmp = scratch / "tmp"
    tmp.mkdir(exist_ok=True)
    if repo is None:
        repo = scratch / "empty-testbed"
        repo.mkdir(exist_ok=True)
    env, binds = pip_context()
    spec = JailSpec(workspace=repo, runtime=runtime, network=True, writable_runtime=True,
                    extra_binds=((str(tmp), "/tmp"),), read_only_binds=tuple(binds), env=env)
    argv = bwrap_argv(spec, ["/bin/bash", "-e", "-c", script])
    proc = subprocess.Popen(argv, env={}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        raw, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raw, _ = proc.communicate()
        output = raw.decode("utf-8", "replace")
        raise RuntimeBuildError(f"{what} timed out after {timeout:g}s:\n{output[-_TAIL_CHARS:]}") from None
    output = raw.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeBuildError(f"{what} failed (exit code {proc.returncode}):\n{output[-_TAIL_CHARS:]}")
    return output
