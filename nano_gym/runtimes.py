"""Task runtimes: an interpreter, pinned requirements and the task's install, built once into the cache.

A runtime is a virtualenv created with the requested interpreter found on the machine (never
through pyenv shims). Inside the sandbox it is mounted read-only at `RUNTIME_MOUNT`, and the
interpreter's own prefix read-only at `INTERPRETER_MOUNT` with its site-packages hidden, so
nothing installed on the host (nano_gym itself included) is importable inside and the host's
path of the interpreter (often a home directory) does not appear inside. Interpreters under
/usr are used where they are, since /usr is mounted anyway.

The venv is created on the host (no network, no code but the interpreter's own `venv`) and
pointed at its mount paths; everything pip installs is installed in a build jail with the venv
writable at `RUNTIME_MOUNT` (see `nano_gym.sandbox.build`), so no package's or repository's
code runs on the host and every path written during the build is the one episodes see.

Two layers, each built once (locked) and atomically (a failed build leaves no entry):
- the base runtime, keyed by the interpreter (its real path and full version) and the
  requirement lines: shared by every task with the same python and requirements;
- with an `install` command, a copy of the base with `install` run in the task's repository
  (a throwaway copy of its base snapshot at /testbed), keyed by the base's key, the command,
  the repo and the base commit, since what gets installed depends on the tree. Tasks sharing a
  base commit share it.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import build_once, cache_root
from .errors import RuntimeBuildError
from .runtime_spec import RuntimeSpec

if TYPE_CHECKING:
    from .repos import BaseSnapshot

__all__ = ["Runtime", "RUNTIME_MOUNT", "INTERPRETER_MOUNT", "ensure_runtime", "find_interpreter"]

RUNTIME_MOUNT = "/opt/nano/venv"
INTERPRETER_MOUNT = "/opt/nano/python"
_BUILD_VERSION = 3  # bump when the build recipe changes


@dataclass(frozen=True)
class Runtime:
    """A built runtime: the venv on the host and what must be mounted for it to run."""

    venv: Path
    base_prefix: Path
    hidden_site_packages: tuple[str, ...]  # paths inside base_prefix to cover with an empty tmpfs
    python_version: str
    # (host file, path inside): interpreter binaries whose absolute RUNPATH was made relative
    relocated_binaries: tuple[tuple[Path, str], ...] = ()

    @property
    def prefix_mount(self) -> str:
        """Where the interpreter's prefix is inside the sandbox."""
        return str(self.base_prefix) if _under_usr(self.base_prefix) else INTERPRETER_MOUNT

    def inside(self, host_path: str) -> str:
        """The sandbox path of a host path under the interpreter's prefix."""
        return self.prefix_mount + host_path[len(str(self.base_prefix)):]


def _under_usr(path: Path | str) -> bool:
    return str(path).startswith("/usr/")


def _is_shim(path: str) -> bool:
    return "/shims/" in path or path.endswith("/shims")


def _version_of(python: str) -> str | None:
    try:
        out = subprocess.run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                             capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def find_interpreter(version: str) -> str:
    """A real interpreter path for `version` ("3.11" or "3.11.7"), or RuntimeBuildError naming it."""
    major_minor = ".".join(version.split(".")[:2])
    candidates: list[str] = []
    if ".".join(map(str, sys.version_info[:2])) == major_minor:
        candidates.append(os.path.realpath(sys.executable))
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if directory and not _is_shim(directory):
            candidates.append(os.path.join(directory, f"python{major_minor}"))
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates += sorted(glob.glob(os.path.join(pyenv_root, "versions", f"{major_minor}*", "bin", f"python{major_minor}")), reverse=True)
    candidates += [f"/usr/bin/python{major_minor}", f"/usr/local/bin/python{major_minor}"]
    for candidate in candidates:
        real = os.path.realpath(candidate)
        if _is_shim(real) or not os.access(real, os.X_OK):
            continue
        found = _version_of(real)
        if found and (found == version or found.startswith(major_minor + ".") and version == major_minor):
            return real
    raise RuntimeBuildError(
        f"no Python {version} interpreter found on this machine (looked on PATH, in pyenv and /usr); "
        f"install it (e.g. `apt-get install python{major_minor}` or `pyenv install {major_minor}`)"
    )


def _base_key(spec: RuntimeSpec, interpreter: str, version: str) -> str:
    blob = json.dumps([_BUILD_VERSION, interpreter, version, list(spec.requirements)]).encode()
    return f"py{version}-" + hashlib.sha256(blob).hexdigest()[:16]


def _install_key(base_key: str, spec: RuntimeSpec, repo: str, base_commit: str) -> str:
    blob = json.dumps([base_key, spec.install, repo, base_commit]).encode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", repo)[:60]
    return f"{name}-{base_commit[:12]}-" + hashlib.sha256(blob).hexdigest()[:16]


def _base_info(interpreter: str) -> tuple[str, list[str]]:
    code = "import json, site, sys; print(json.dumps([sys.base_prefix, site.getsitepackages()]))"
    out = subprocess.run([interpreter, "-I", "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if out.returncode != 0:
        raise RuntimeBuildError(f"{interpreter} does not run: {out.stderr.strip()}")
    prefix, site_dirs = json.loads(out.stdout)
    return prefix, site_dirs


def _log(entry: Path, title: str, output: str) -> None:
    with open(entry / "build.log", "a", encoding="utf-8") as fh:
        fh.write(f"==> {title}\n{output}\n")


def _build_base(spec: RuntimeSpec, interpreter: str, tmp: Path) -> None:
    """The venv with the requirements, in `tmp` (the cache entry being built)."""
    from .sandbox.build import run_build_step  # the sandbox package imports this module

    venv = tmp / "venv"
    proc = subprocess.run([interpreter, "-m", "venv", str(venv)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise RuntimeBuildError(f"creating a Python {spec.python} virtualenv with {interpreter} failed:\n"
                                f"{(proc.stdout + proc.stderr)[-3000:]}")
    prefix, site_dirs = _base_info(interpreter)
    relocated = _relocate(venv, Path(prefix), interpreter, tmp / "interpreter")
    (tmp / "runtime.json").write_text(json.dumps({
        "base_prefix": prefix, "site_packages": site_dirs, "python": _version_of(interpreter),
        "relocated_binaries": relocated, "requirements": list(spec.requirements),
    }))
    if spec.requirements:
        scratch = tmp / "scratch"
        (scratch / "tmp").mkdir(parents=True)
        (scratch / "tmp" / "requirements.txt").write_text("".join(f"{line}\n" for line in spec.requirements))
        output = run_build_step(_load(tmp), "python -m pip install --no-input -r /tmp/requirements.txt",
                                scratch=scratch, what=f"installing the requirements {list(spec.requirements)}")
        _log(tmp, "requirements", output)
        _remove(scratch)


def _build_install(spec: RuntimeSpec, base: Path, snapshot: BaseSnapshot, repo: str, tmp: Path) -> None:
    """A copy of the base runtime with `spec.install` run in the task's repository."""
    from .repos import make_workspace
    from .sandbox.build import run_build_step

    proc = subprocess.run(["cp", "-a", "--reflink=auto", f"{base}/.", str(tmp)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise RuntimeBuildError(f"cannot copy the base runtime {base}: {proc.stderr.strip()}")
    scratch = tmp / "scratch"
    scratch.mkdir()
    testbed = make_workspace(snapshot, scratch)  # the install may write into the tree: a copy
    output = run_build_step(_load(tmp), spec.install, scratch=scratch, repo=testbed,
                            what=f"the install command {spec.install!r} in {repo} at {snapshot.base_commit[:12]}")
    _log(tmp, f"install: {spec.install}", output)
    _remove(scratch)
    info = json.loads((tmp / "runtime.json").read_text())
    info["install"] = {"command": spec.install, "repo": repo, "base_commit": snapshot.base_commit}
    (tmp / "runtime.json").write_text(json.dumps(info))


def _remove(path: Path) -> None:
    from .repos import remove_tree  # copes with whatever modes a build left behind

    remove_tree(path)


def _relocate(venv: Path, prefix: Path, interpreter: str, patched_dir: Path) -> list[tuple[str, str]]:
    """Point the venv at the mount paths it has inside the sandbox; returns the interpreter
    binaries to mount over their originals (relative name in the cache dir, path inside)."""
    # Scripts must run where the venv is mounted inside the sandbox, not where it was built.
    for script in (venv / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            data = script.read_bytes()
            if data.startswith(b"#!") and str(venv).encode() in data.split(b"\n", 1)[0]:
                script.write_bytes(data.replace(str(venv).encode(), RUNTIME_MOUNT.encode(), 1))
    if _under_usr(prefix):
        return []
    probe = Runtime(venv=venv, base_prefix=prefix, hidden_site_packages=(), python_version="")
    cfg = venv / "pyvenv.cfg"
    lines = [f"home = {probe.inside(line.split('=', 1)[1].strip())}" if line.startswith("home") else line
             for line in cfg.read_text().splitlines()]
    cfg.write_text("\n".join(lines) + "\n")
    for link in (venv / "bin").iterdir():
        target = os.readlink(link) if link.is_symlink() else ""
        if target.startswith(str(prefix) + "/"):
            link.unlink()
            link.symlink_to(probe.inside(target))
    real = os.path.realpath(interpreter)
    patched = _relative_runpath(Path(real), Path(prefix))
    if patched is None:
        return []
    patched_dir.mkdir()
    (patched_dir / Path(real).name).write_bytes(patched)
    (patched_dir / Path(real).name).chmod(0o755)
    return [(f"interpreter/{Path(real).name}", probe.inside(real))]


def _relative_runpath(binary: Path, prefix: Path) -> bytes | None:
    """The interpreter binary with an absolute RUNPATH into its prefix rewritten to
    `$ORIGIN/../lib` (in place, NUL-padded: the new string is shorter), or None if it has none."""
    data = binary.read_bytes()
    old = str(prefix / "lib").encode() + b"\0"
    new = b"$ORIGIN/../lib\0"
    if data.count(old) != 1:
        if data.count(old) == 0:
            return None
        raise RuntimeBuildError(f"cannot relocate {binary}: its library path occurs {data.count(old)} times")
    if len(new) > len(old):
        raise RuntimeBuildError(f"cannot relocate {binary}: prefix path too short to rewrite")
    return data.replace(old, new.ljust(len(old), b"\0"))


def _load(entry: Path) -> Runtime:
    info = json.loads((entry / "runtime.json").read_text())
    prefix = Path(info["base_prefix"])
    hidden = tuple(d for d in info["site_packages"] if d.startswith(str(prefix)) and os.path.isdir(d))
    relocated = tuple((entry / rel, inside) for rel, inside in info["relocated_binaries"])
    return Runtime(venv=entry / "venv", base_prefix=prefix, hidden_site_packages=hidden,
                   python_version=info["python"], relocated_binaries=relocated)


_known: dict[tuple[object, ...], Runtime] = {}


def ensure_runtime(spec: RuntimeSpec, *, repo: str = "", snapshot: BaseSnapshot | None = None) -> Runtime:
    """Find the interpreter and build the runtime once (locked, atomic); return it.

    A spec with an `install` command needs the task's `repo` and base `snapshot`: the install
    runs in that tree. Remembered per process, so resets and gradings skip the interpreter probes."""
    if spec.install and snapshot is None:
        raise RuntimeBuildError(f"the runtime's install command {spec.install!r} needs the task's repository")
    commit = snapshot.base_commit if spec.install and snapshot is not None else ""
    key = (spec, cache_root(), repo if commit else "", commit)
    known = _known.get(key)
    if known is not None and known.venv.is_dir():
        return known
    interpreter = find_interpreter(spec.python)
    version = _version_of(interpreter) or spec.python
    root = cache_root() / "runtimes"
    root.mkdir(parents=True, exist_ok=True)
    base_key = _base_key(spec, interpreter, version)
    target = build_once(root / base_key, lambda tmp: _build_base(spec, interpreter, tmp))
    if spec.install and snapshot is not None:
        base = target
        target = build_once(root / _install_key(base_key, spec, repo, commit),
                            lambda tmp: _build_install(spec, base, snapshot, repo, tmp))
    runtime = _load(target)
    _known[key] = runtime
    return runtime
