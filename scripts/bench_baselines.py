"""The baselines `scripts/bench.py` compares nano_gym with.

- `RawShell`: one plain persistent bash over pipes, no jail, no protocol, no history: the cost
  of "the command itself" in a persistent shell, the reference for the step overhead.
- Baseline A (`CheckoutEpisode`): a fresh `git clone` per episode and one `subprocess.run(cmd,
  shell=True, cwd=checkout)` per command, the design of Nano and of mini-swe-agent's local mode.
  Its apply_patch is a plain read/replace/write in Python, its diff `git add -N . && git diff`
  in the checkout, its grading the test command run directly in a prepared checkout.
- Baseline B (`DockerEpisode`): a container per episode (`docker run -d` over a fresh clone,
  bind-mounted at /testbed, no network) and one `docker exec` per command; `docker rm -f` at the
  end. `ensure_docker()` finds or starts a daemon and builds the base image offline with
  `base_image.py` (the image the Docker backend's tests use), or explains why baseline B is
  skipped.

Only the standard library is used; every external program is driven through subprocess.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import select
import shlex
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import base_image

__all__ = ["RawShell", "CheckoutEpisode", "DockerEpisode", "DockerSetup", "ensure_docker", "run_reference_tests",
           "prepare_checkout", "clone_checkout", "git_apply", "restore_checkout", "reference_venv", "python_replace", "descendants", "rss_bytes", "pss_bytes",
           "DOCKER_IMAGE"]

DOCKER_IMAGE = base_image.image_tag()  # Debian with git, python and the default runtime's pytest pin
_GIT_QUIET = ["-c", "advice.detachedHead=false", "-c", "core.hooksPath=/dev/null"]


def _run(argv: list[str], *, cwd: str | os.PathLike[str] | None = None, check: bool = True, timeout: float = 600,
         input: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=timeout, input=input,
                          stdin=None if input is not None else subprocess.DEVNULL, env=env)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} ... failed ({proc.returncode}): "
                           f"{proc.stderr.decode('utf-8', 'replace').strip()[-800:]}")
    return proc


# ----------------------------------------------------------------------------- the command itself

class RawShell:
    """A plain `bash` kept open over pipes: a command and an end marker written, output read
    until the marker. No jail, no output cap, no history: the floor for a persistent shell."""

    def __init__(self, cwd: str | os.PathLike[str]) -> None:
        self._proc = subprocess.Popen(["bash", "--noprofile", "--norc"], cwd=cwd, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0)
        self._token = secrets.token_hex(8)
        self._marker = re.compile(rb"\n" + self._token.encode() + rb" (\d+)\n")
        self.run("true")

    def run(self, cmd: str) -> tuple[str, int]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(f"{cmd}\nprintf '\\n%s %d\\n' {self._token} $?\n".encode())
        fd = self._proc.stdout.fileno()
        buf = bytearray()
        while True:
            select.select([fd], [], [], 30)
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise RuntimeError("the raw shell exited")
            buf += chunk
            m = self._marker.search(buf)
            if m:
                return buf[: m.start()].decode("utf-8", "replace"), int(m.group(1))

    def close(self) -> None:
        self._proc.kill()
        self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                stream.close()


# ----------------------------------------------------------------------------- baseline A

def python_replace(path: Path, search: str, replace: str) -> str:
    """Nano-style apply_patch done the plain way: read, check the match is unique, write."""
    text = path.read_text(encoding="utf-8")
    count = text.count(search)
    if count != 1:
        return f"search matched {count} times"
    path.write_text(text.replace(search, replace, 1), encoding="utf-8")
    return "patched"


def clone_checkout(source: str, commit: str, dest: Path, *, hardlinks: bool = True) -> None:
    """`git clone` of `source` at `commit` into `dest` (detached HEAD, all of the source's history)."""
    argv = ["git", *_GIT_QUIET, "clone", "-q", "--no-checkout"] + ([] if hardlinks else ["--no-hardlinks"])
    _run(argv + [source, str(dest)])
    _run(["git", *_GIT_QUIET, "checkout", "-q", commit], cwd=dest)


@dataclass
class CheckoutEpisode:
    """Baseline A: each `reset()` removes the previous checkout and clones a fresh one."""

    source: str
    commit: str
    parent: Path
    hardlinks: bool = True
    checkout: Path | None = None
    _n: int = 0

    def reset(self) -> Path:
        self.close()
        self._n += 1
        self.checkout = self.parent / f"checkout-{self._n}"
        clone_checkout(self.source, self.commit, self.checkout, hardlinks=self.hardlinks)
        return self.checkout

    def shell(self, cmd: str, timeout: float = 60.0) -> tuple[str, int]:
        # mini-swe-agent's LocalEnvironment.execute, minus its environment variables.
        proc = subprocess.run(cmd, shell=True, text=True, cwd=self.checkout, timeout=timeout, encoding="utf-8",
                              errors="replace", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL)
        return proc.stdout, proc.returncode

    def apply_patch(self, search: str, replace: str, file: str) -> str:
        return python_replace(self.checkout / file, search, replace)

    def diff(self) -> str:
        _run(["git", *_GIT_QUIET, "add", "-N", "."], cwd=self.checkout)
        return _run(["git", *_GIT_QUIET, "diff", "--no-ext-diff", "--binary"], cwd=self.checkout).stdout.decode(
            "utf-8", "surrogateescape")

    def restore(self) -> None:
        restore_checkout(self.checkout, self.commit)

    def close(self) -> None:
        if self.checkout is not None:
            shutil.rmtree(self.checkout, ignore_errors=True)
            self.checkout = None


def git_apply(checkout: Path, patch: str) -> None:
    """Apply a git diff to a checkout (on the host)."""
    if patch.strip():
        _run(["git", *_GIT_QUIET, "apply", "--whitespace=nowarn", "-"], cwd=checkout, input=patch.encode())


def restore_checkout(checkout: Path, commit: str) -> None:
    """Put a checkout back to `commit`, untracked files removed."""
    _run(["git", *_GIT_QUIET, "checkout", "-q", "-f", commit], cwd=checkout)
    _run(["git", *_GIT_QUIET, "reset", "-q", "--hard", commit], cwd=checkout)
    _run(["git", *_GIT_QUIET, "clean", "-q", "-f", "-d", "-x"], cwd=checkout)


def prepare_checkout(source: str, commit: str, dest: Path, patches: list[str]) -> Path:
    """A checkout at `commit` with `patches` (git diffs) applied: where the tests are run directly."""
    clone_checkout(source, commit, dest)
    for patch in patches:
        git_apply(dest, patch)
    return dest


def reference_venv(interpreter: str, runtime_venv: Path, dest: Path) -> Path:
    """A host virtualenv that sees exactly the runtime's packages: made with the runtime's own
    interpreter (no pip, no system site-packages) plus a .pth naming the runtime venv's
    site-packages. The runtime venv itself points at the interpreter's path inside the jail."""
    if not (dest / "bin" / "python").exists():
        _run([interpreter, "-m", "venv", "--without-pip", str(dest)])
    version = _run([str(dest / "bin" / "python"), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    version = version.stdout.decode().strip()
    site = dest / "lib" / f"python{version}" / "site-packages"
    runtime_site = runtime_venv / "lib" / f"python{version}" / "site-packages"
    if not runtime_site.is_dir():
        raise RuntimeError(f"the runtime has no {runtime_site}")
    (site / "nano_runtime.pth").write_text(str(runtime_site) + "\n")
    return dest


def run_reference_tests(checkout: Path, venv: Path, test_cmd: str, files: list[str],
                        timeout: float = 600) -> tuple[float, int, str]:
    """Run the task's test command directly (no jail) in `checkout` with the runtime's venv first
    on PATH; bytecode is not written, so every run compiles like a fresh checkout. Returns
    (seconds, exit code, output tail)."""
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(checkout), "LANG": "C.UTF-8",
           "PYTHONDONTWRITEBYTECODE": "1", "VIRTUAL_ENV": str(venv)}
    command = f"{test_cmd} -p no:cacheprovider " + " ".join(shlex.quote(f) for f in files)
    started = time.perf_counter()
    proc = subprocess.run(["bash", "-c", command], cwd=checkout, env=env, capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    return elapsed, proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "replace")[-2000:]


# ----------------------------------------------------------------------------- baseline B: the daemon and image

@dataclass
class DockerSetup:
    """How baseline B can run here: `ok`, or `note` says why it is skipped. `started_pid` is the
    dockerd this run started (stopped again by `stop_daemon`)."""

    ok: bool
    note: str = ""
    started_pid: int | None = None
    steps: list[str] = field(default_factory=list)
    server_version: str = ""
    daemon: subprocess.Popen[bytes] | None = None

    def stop_daemon(self) -> None:
        """Stop the dockerd this run started (SIGTERM, then SIGKILL after 15 s) and reap it."""
        if self.daemon is None:
            return
        self.daemon.send_signal(signal.SIGTERM)
        try:
            self.daemon.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.daemon.wait()
        self.daemon = None
        self.started_pid = None


def _daemon_answers() -> str | None:
    try:
        proc = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True,
                              timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.decode().strip() if proc.returncode == 0 and proc.stdout.strip() else None


def _apt_install(packages: list[str], log) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    proc = subprocess.run(["apt-get", "install", "-y", "-q", *packages], capture_output=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=900)
    if proc.returncode != 0:
        # The package lists may be missing on a fresh machine.
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, stdin=subprocess.DEVNULL, timeout=600)
        proc = subprocess.run(["apt-get", "install", "-y", "-q", *packages], capture_output=True, env=env,
                              stdin=subprocess.DEVNULL, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"apt-get install {' '.join(packages)} failed: "
                           f"{proc.stderr.decode('utf-8', 'replace').strip()[-400:]}")
    log(f"installed {' '.join(packages)} with apt-get")


def ensure_docker(workdir: Path, *, allow_install: bool, log=print, daemon_wait: float = 20.0) -> DockerSetup:
    """Make baseline B runnable, or say why not. Never raises."""
    setup = DockerSetup(ok=False)
    is_root = os.geteuid() == 0
    try:
        version = _daemon_answers()
        if version is None:
            if shutil.which("dockerd") is None or shutil.which("docker") is None:
                if not (is_root and allow_install):
                    setup.note = ("no Docker daemon answers and dockerd is not installed "
                                  + ("(--no-install given)" if is_root else "(not root: cannot apt-get install docker.io)"))
                    return setup
                _apt_install(["docker.io"], log)
                setup.steps.append("apt-get install docker.io")
            version = _daemon_answers()
        if version is None:
            if not is_root:
                setup.note = "no Docker daemon answers and starting dockerd needs root"
                return setup
            daemon_log = open(workdir / "dockerd.log", "wb")
            proc = subprocess.Popen(["dockerd"], stdout=daemon_log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
            daemon_log.close()
            setup.daemon, setup.started_pid = proc, proc.pid
            setup.steps.append("started dockerd")
            deadline = time.monotonic() + daemon_wait
            while version is None and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.5)
                version = _daemon_answers()
            if version is None:
                tail = (workdir / "dockerd.log").read_text(errors="replace").strip().splitlines()[-3:]
                setup.stop_daemon()
                setup.note = f"dockerd did not answer within {daemon_wait:g}s: {' | '.join(tail)[-400:]}"
                return setup
        setup.server_version = version
        if not base_image.image_exists(DOCKER_IMAGE):
            if not is_root:
                setup.note = f"image {DOCKER_IMAGE} is missing and building it (debootstrap) needs root"
                return setup
            if shutil.which("debootstrap") is None:
                if not allow_install:
                    raise RuntimeError("debootstrap is missing (--no-install given)")
                _apt_install(["debootstrap"], log)
            base_image.ensure_image(log=log)
            setup.steps.append(f"built {DOCKER_IMAGE}")
        setup.ok = True
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:  # base_image.ImageBuildError too
        setup.stop_daemon()
        setup.note = f"baseline B unavailable: {exc}"
    return setup


# ----------------------------------------------------------------------------- baseline B: episodes

_PATCH_SCRIPT = r"""
import json, sys
a = json.load(sys.stdin)
p = "/testbed/" + a["file"]
t = open(p, encoding="utf-8").read()
n = t.count(a["search"])
if n != 1:
    print("search matched %d times" % n); sys.exit(1)
open(p, "w", encoding="utf-8").write(t.replace(a["search"], a["replace"], 1))
print("patched")
"""


@dataclass
class DockerEpisode:
    """Baseline B: each `reset()` removes the previous container and clone, clones afresh on the
    host and starts a container over it (bind mount at /testbed, no network)."""

    source: str
    commit: str
    parent: Path
    image: str = DOCKER_IMAGE
    container: str | None = None
    checkout: Path | None = None
    _n: int = 0

    def reset(self) -> str:
        self.close()
        self._n += 1
        self.checkout = self.parent / f"docker-checkout-{self._n}"
        clone_checkout(self.source, self.commit, self.checkout)
        proc = _run(["docker", "run", "-d", "--network", "none", "-v", f"{self.checkout}:/testbed",
                     "-w", "/testbed", self.image, "sleep", "infinity"])
        self.container = proc.stdout.decode().strip()
        return self.container

    def shell(self, cmd: str, timeout: float = 60.0) -> tuple[str, int]:
        proc = subprocess.run(["docker", "exec", "-w", "/testbed", self.container, "bash", "-c", cmd],
                              capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return (proc.stdout + proc.stderr).decode("utf-8", "replace"), proc.returncode

    def apply_patch(self, search: str, replace: str, file: str) -> str:
        payload = json.dumps({"search": search, "replace": replace, "file": file}).encode()
        proc = subprocess.run(["docker", "exec", "-i", self.container, "python3", "-c", _PATCH_SCRIPT],
                              input=payload, capture_output=True, timeout=60)
        return proc.stdout.decode().strip()

    def diff(self) -> str:
        out, code = self.shell("git -c safe.directory='*' add -N . && git -c safe.directory='*' diff --binary")
        if code != 0:
            raise RuntimeError(f"git diff in the container failed: {out[-300:]}")
        return out

    def run_tests(self, test_cmd: str, files: list[str], timeout: float = 600) -> tuple[float, int, str]:
        command = f"{test_cmd} -p no:cacheprovider " + " ".join(shlex.quote(f) for f in files)
        started = time.perf_counter()
        proc = subprocess.run(["docker", "exec", "-e", "PYTHONDONTWRITEBYTECODE=1", "-w", "/testbed",
                               self.container, "bash", "-c", command], capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        elapsed = time.perf_counter() - started
        return elapsed, proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "replace")[-2000:]

    def processes_rss(self) -> int:
        """Resident bytes of the container's processes plus its containerd shim."""
        from_pid = _run(["docker", "inspect", "-f", "{{.State.Pid}}", self.container]).stdout.decode().strip()
        pid = int(from_pid)
        pids = {pid, *descendants(pid)}
        shim = _ppid(pid)
        if shim and "shim" in _comm(shim):
            pids.add(shim)
        return sum(rss_bytes(p) for p in pids)

    def restore(self) -> None:
        restore_checkout(self.checkout, self.commit)  # the bind-mounted clone, from the host

    def close(self) -> None:
        if self.container is not None:
            _run(["docker", "rm", "-f", self.container], check=False)
            self.container = None
        if self.checkout is not None:
            shutil.rmtree(self.checkout, ignore_errors=True)
            self.checkout = None


# ----------------------------------------------------------------------------- /proc helpers

def _ppid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def descendants(root: int) -> list[int]:
    """Every process below `root` in the process tree."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parent = _ppid(int(entry))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def rss_bytes(pid: int) -> int:
    """Resident set size of `pid` in bytes (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def pss_bytes(pid: int) -> int:
    """Proportional set size of `pid` in bytes (shared pages divided among their users)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
