"""Task runtimes: an interpreter plus pinned requirements, built once into the cache.

A runtime is a virtualenv created with the requested interpreter found on the machine (never
through pyenv shims). Inside the sandbox it is mounted read-only at `RUNTIME_MOUNT`, and the
interpreter's own prefix read-only at `INTERPRETER_MOUNT` with its site-packages hidden, so
nothing installed on the host (nano_gym itself included) is importable inside and the host's
path of the interpreter (often a home directory) does not appear inside. Interpreters under
/usr are used where they are, since /usr is mounted anyway.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .cache import build_once, cache_root
from .errors import RuntimeBuildError
from .tasks import RuntimeSpec

__all__ = ["Runtime", "RUNTIME_MOUNT", "INTERPRETER_MOUNT", "ensure_runtime", "find_interpreter"]

RUNTIME_MOUNT = "/opt/nano/venv"
INTERPRETER_MOUNT = "/opt/nano/python"
_BUILD_VERSION = 2  # bump when the build recipe changes


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


def _runtime_key(spec: RuntimeSpec, interpreter: str, version: str) -> str:
    blob = json.dumps([_BUILD_VERSION, interpreter, version, list(spec.requirements)]).encode()
    return f"py{version}-" + hashlib.sha256(blob).hexdigest()[:16]


def _base_info(interpreter: str) -> tuple[str, list[str]]:
    code = "import json, site, sys; print(json.dumps([sys.base_prefix, site.getsitepackages()]))"
    out = subprocess.run([interpreter, "-I", "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if out.returncode != 0:
        raise RuntimeBuildError(f"{interpreter} does not run: {out.stderr.strip()}")
    prefix, site_dirs = json.loads(out.stdout)
    return prefix, site_dirs


def _build(spec: RuntimeSpec, interpreter: str, tmp: Path) -> None:
    venv = tmp / "venv"
    steps = [[interpreter, "-m", "venv", str(venv)]]
    if spec.requirements:
        steps.append([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-input", "-q",
                      "--disable-pip-version-check", *spec.requirements])
    for argv in steps:
        proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise RuntimeBuildError(f"runtime build step failed: {' '.join(argv[:4])} ...\n"
                                    f"{(proc.stdout + proc.stderr)[-3000:]}")
    prefix, site_dirs = _base_info(interpreter)
    relocated = _relocate(venv, Path(prefix), interpreter, tmp / "interpreter")
    (tmp / "runtime.json").write_text(json.dumps({
        "base_prefix": prefix, "site_packages": site_dirs, "python": _version_of(interpreter),
        "relocated_binaries": relocated, "spec": spec.to_record(),
    }))


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


_known: dict[tuple[RuntimeSpec, Path], Runtime] = {}


def ensure_runtime(spec: RuntimeSpec) -> Runtime:
    """Find the interpreter and build the runtime once (locked, atomic); return it.

    Remembered per process, so resets and gradings skip the interpreter probes."""
    key = (spec, cache_root())
    known = _known.get(key)
    if known is not None and known.venv.is_dir():
        return known
    interpreter = find_interpreter(spec.python)
    version = _version_of(interpreter) or spec.python
    target = cache_root() / "runtimes" / _runtime_key(spec, interpreter, version)
    target.parent.mkdir(parents=True, exist_ok=True)
    build_once(target, lambda tmp: _build(spec, interpreter, tmp))
    info = json.loads((target / "runtime.json").read_text())
    prefix = Path(info["base_prefix"])
    hidden = tuple(d for d in info["site_packages"] if d.startswith(str(prefix)) and os.path.isdir(d))
    relocated = tuple((target / rel, inside) for rel, inside in info["relocated_binaries"])
    runtime = Runtime(venv=target / "venv", base_prefix=prefix, hidden_site_packages=hidden,
                      python_version=info["python"], relocated_binaries=relocated)
    _known[key] = runtime
    return runtime

