"""Per-sandbox cgroups and the rlimit fallback, on the real kernel (no mocks)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from nano_gym.sandbox import cgroups
from nano_gym.sandbox.cgroups import SandboxCgroup, limit_support, sweep_stale

MiB = 1024 * 1024

needs_cgroups = pytest.mark.skipif(
    limit_support().cgroup is None,
    reason=f"cgroups are not usable here (needs root or delegation): {limit_support().reason}")


@pytest.fixture
def make_cgroup():
    """create() that destroys whatever the test made, even when it fails."""
    made: list[SandboxCgroup] = []

    def make(memory_bytes: int = 256 * MiB, pids: int = 64, cpus: float = 1.0) -> SandboxCgroup:
        cg = SandboxCgroup.create(memory_bytes=memory_bytes, pids=pids, cpus=cpus)
        assert cg is not None, limit_support().reason
        made.append(cg)
        return cg

    yield make
    for cg in made:
        cg.destroy()


def _bases(cg: SandboxCgroup) -> list[Path]:
    return [Path(d).parent for d in cg.directories]


def _ours(bases: list[Path]) -> set[str]:
    prefix = f"{os.getpid()}-"
    return {p.name for base in bases for p in base.iterdir() if p.name.startswith(prefix)}


def test_limit_support_is_consistent():
    support = limit_support()
    assert support is limit_support()  # detected once
    assert set(support.as_dict()) == {"cgroup", "memory", "pids", "cpu", "reason"}
    if support.cgroup is None:
        assert support.reason and support.memory.startswith("rlimit")
        assert SandboxCgroup.create(memory_bytes=64 * MiB, pids=8, cpus=1.0) is None
    else:
        assert support.cgroup in ("v1", "v2") and support.reason == ""
        assert support.memory.startswith(f"cgroup {support.cgroup}")
        assert support.pids == f"cgroup {support.cgroup}"


def test_hybrid_host_uses_v1_controllers():
    """A cgroup2 mount without memory/pids controllers must not win over usable v1 ones."""
    mounts = cgroups._cgroup_mounts()
    own = cgroups._own_cgroups()
    v2 = [p for t, _, p, _ in mounts if t == "cgroup2"]
    v1_memory = any(t == "cgroup" and "memory" in opts for t, _, _, opts in mounts)
    if not (v2 and v1_memory) or limit_support().cgroup is None:
        pytest.skip("not a hybrid host with usable cgroups")
    unified = cgroups._directory_of("/", v2[0], own.get(""))
    assert "memory" not in Path(unified, "cgroup.controllers").read_text().split()
    assert limit_support().cgroup == "v1"


def test_bad_delegated_directory_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv(cgroups.ENV_VAR, str(tmp_path))
    support, layout = cgroups._detect()
    assert layout is None and support.cgroup is None
    assert "not a directory on a cgroup2 mount" in support.reason


def test_limits_must_be_positive():
    with pytest.raises(ValueError):
        SandboxCgroup.create(memory_bytes=0, pids=8, cpus=1.0)


@needs_cgroups
def test_entered_process_is_a_member_and_kill_ends_it(make_cgroup):
    cg = make_cgroup()
    proc = subprocess.Popen(["sleep", "60"], preexec_fn=cg.enter)
    try:
        assert cg.members() == [proc.pid]
        assert cg.count() == 1
        cg.kill()
        assert cg.members() == []
        assert proc.wait(timeout=5) == -signal.SIGKILL
    finally:
        proc.kill()
        proc.wait()


@needs_cgroups
def test_limits_are_written(make_cgroup):
    cg = make_cgroup(memory_bytes=96 * MiB, pids=42, cpus=0.5)
    pids_dir = next(d for d in cg.directories if Path(d, "pids.max").exists())
    assert Path(pids_dir, "pids.max").read_text().strip() == "42"
    if cg.version == "v2":
        top = Path(cg.directories[0])
        assert (top / "memory.max").read_text().strip() == str(96 * MiB)
        if (top / "cpu.max").exists():
            assert (top / "cpu.max").read_text().split() == ["50000", "100000"]
    else:
        memory_dir = next(Path(d) for d in cg.directories if Path(d, "memory.limit_in_bytes").exists())
        assert (memory_dir / "memory.limit_in_bytes").read_text().strip() == str(96 * MiB)
        cpu_dirs = [Path(d) for d in cg.directories if Path(d, "cpu.cfs_quota_us").exists()]
        if cpu_dirs:
            assert (cpu_dirs[0] / "cpu.cfs_quota_us").read_text().strip() == "50000"


@needs_cgroups
def test_memory_hog_is_oom_killed_and_reported(make_cgroup):
    cg = make_cgroup(memory_bytes=64 * MiB)
    assert cg.limit_hit() is None
    # b"x" * n writes every page (bytearray(n) would only map zero pages).
    proc = subprocess.run([sys.executable, "-c", "b = b'x' * (300 << 20)"], preexec_fn=cg.enter,
                          stderr=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert cg.limit_hit() == "memory"
    assert cg.limit_hit() is None  # reported once


@needs_cgroups
def test_forks_beyond_pids_fail_and_are_reported(make_cgroup):
    cg = make_cgroup(pids=8)
    forker = textwrap.dedent("""
        import os, time
        n = 0
        try:
            while n < 100:
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
                n += 1
        except BlockingIOError:
            pass
        print(n, flush=True)
    """)
    # The sleeping children keep stdout open: read the one line rather than wait for EOF.
    proc = subprocess.Popen([sys.executable, "-c", forker], preexec_fn=cg.enter, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    with proc.stdout:
        forks = int(proc.stdout.readline())
    assert proc.wait(timeout=60) == 0
    assert forks < 8  # the forker itself is one of the 8
    assert cg.limit_hit() == "pids"
    assert cg.count() > 1  # its children are still sleeping
    cg.kill()
    assert cg.members() == []


@needs_cgroups
def test_cpu_quota_binds(make_cgroup):
    if not limit_support().cpu.startswith("cgroup"):
        pytest.skip(f"CPU is limited by {limit_support().cpu}")
    cg = make_cgroup(cpus=0.2)
    spin = "import time\nend = time.time() + 1.0\nwhile time.time() < end: pass\nprint(time.process_time())"
    proc = subprocess.run([sys.executable, "-c", spin], preexec_fn=cg.enter, capture_output=True, text=True,
                          timeout=60)
    assert float(proc.stdout) < 0.5  # 0.2 of a core for one second, plus start-up


@needs_cgroups
def test_kill_ends_a_fork_bomb_quickly(make_cgroup):
    cg = make_cgroup(pids=64)
    bomb = subprocess.Popen(["bash", "-c", ":(){ :|:& };:"], preexec_fn=cg.enter, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while cg.count() < 32 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cg.count() >= 32
        time.sleep(0.3)  # let it run against the limit
        start = time.monotonic()
        cg.kill()
        assert time.monotonic() - start < 2.0
        assert cg.members() == []
        assert cg.limit_hit() == "pids"
    finally:
        bomb.kill()
        bomb.wait()


@needs_cgroups
def test_kill_without_freezer_still_ends_a_fork_bomb(make_cgroup):
    """The SIGKILL loop used when neither cgroup.kill nor a freezer exists: pids.max keeps it finite."""
    cg = make_cgroup(pids=64)
    cg._kill_file = cg._freezer = None
    bomb = subprocess.Popen(["bash", "-c", ":(){ :|:& };:"], preexec_fn=cg.enter, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(0.5)
        cg.kill()
        assert cg.members() == []
    finally:
        bomb.kill()
        bomb.wait()


@needs_cgroups
def test_destroy_removes_everything_and_is_idempotent(make_cgroup):
    cg = make_cgroup()
    proc = subprocess.Popen(["sleep", "60"], preexec_fn=cg.enter)
    cg.destroy()
    assert proc.wait(timeout=5) == -signal.SIGKILL
    assert not any(os.path.exists(d) for d in cg.directories)
    cg.destroy()
    assert cg.members() == [] and cg.count() == 0 and cg.limit_hit() is None
    # Entering a removed cgroup fails in the child: it never runs unconfined.
    with pytest.raises(subprocess.SubprocessError):
        subprocess.run(["true"], preexec_fn=cg.enter)


@needs_cgroups
def test_many_cycles_leave_nothing_behind(make_cgroup):
    bases = _bases(make_cgroup())
    before = _ours(bases)
    for _ in range(200):
        cg = SandboxCgroup.create(memory_bytes=64 * MiB, pids=16, cpus=1.0)
        assert cg is not None
        cg.destroy()
    assert _ours(bases) == before


@needs_cgroups
def test_failed_creation_leaves_nothing(make_cgroup, tmp_path):
    real = cgroups._current_layout()
    assert real is not None
    # Second "hierarchy" does not exist: the first directory must be removed again.
    broken = cgroups._Layout(real.version, (real.bases[0], (str(tmp_path / "missing"), frozenset())))
    before = _ours([Path(real.bases[0][0])])
    with pytest.raises(FileNotFoundError):
        SandboxCgroup._build(broken, memory_bytes=64 * MiB, pids=8, cpus=1.0)
    assert _ours([Path(real.bases[0][0])]) == before


@needs_cgroups
def test_sweep_removes_cgroups_of_dead_harnesses(make_cgroup):
    bases = _bases(make_cgroup())
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale_names = [f"{dead.pid}-0", f"{os.getpid()}-999999"]  # a dead harness; our pid, not made by us
    kept = "1-987654"  # pid 1 is alive
    for name in (*stale_names, kept):
        for base in bases:
            (base / name).mkdir()
    procs_files = [str(base / stale_names[0] / "cgroup.procs") for base in bases]

    def enter_stale() -> None:
        for path in procs_files:
            with open(path, "w") as fh:
                fh.write("0")

    orphan = subprocess.Popen(["sleep", "60"], preexec_fn=enter_stale)
    try:
        assert sweep_stale() >= 2
        assert orphan.wait(timeout=5) == -signal.SIGKILL
        for base in bases:
            assert not any((base / name).exists() for name in stale_names)
            assert (base / kept).exists()
    finally:
        orphan.kill()
        orphan.wait()
        for base in bases:
            for name in (*stale_names, kept):
                if (base / name).exists():
                    (base / name).rmdir()


def test_v2_kill_and_freeze_on_a_controllerless_hierarchy():
    """cgroup.kill, the cgroup.freeze path and removal on v2, even on hosts whose cgroup2 mount has
    no controllers (hybrid): the sandbox cgroup is built there without limits."""
    mounts = cgroups._cgroup_mounts()
    try:
        parent = cgroups._auto_v2_parent(mounts, cgroups._own_cgroups())
    except cgroups._Unusable as exc:
        pytest.skip(str(exc))
    base = os.path.join(parent, "nano_gym")
    try:
        os.makedirs(base, exist_ok=True)
    except OSError as exc:
        pytest.skip(f"cannot create cgroup v2 directories here: {exc}")
    layout = cgroups._Layout("v2", ((base, frozenset()),))
    for use_kill_file in (True, False):
        cg = SandboxCgroup._build(layout, memory_bytes=64 * MiB, pids=8, cpus=1.0)
        if not use_kill_file:
            cg._kill_file = None
        elif not os.path.exists(cg._kill_file or ""):
            cg.destroy()
            continue  # kernel < 5.14
        procs = [subprocess.Popen(["sleep", "60"], preexec_fn=cg.enter) for _ in range(5)]
        try:
            assert cg.members() == sorted(p.pid for p in procs)
            cg.kill()
            assert cg.members() == []
            assert all(p.wait(timeout=5) == -signal.SIGKILL for p in procs)
        finally:
            for p in procs:
                p.kill()
                p.wait()
            cg.destroy()
        assert not os.path.exists(cg.directories[0])
    cgroups._rmdir_quietly(base)  # unless another run uses it too


# -------------------------------------------------------------- the rlimit fallback
_FALLBACK_SCRIPT = """
import json, os, subprocess, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
import cgroups

out = {"support": cgroups.limit_support().as_dict(), "uid": os.getuid(),
       "created": cgroups.SandboxCgroup.create(memory_bytes=64 << 20, pids=8, cpus=1.0) is not None}
py = sys.executable

forker = '''
import os, time
n = 0
try:
    while n < 200:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
except BlockingIOError:
    pass
print(n, flush=True)
os.killpg(0, 9)
'''
r = subprocess.run([py, "-c", forker], preexec_fn=cgroups.preexec_rlimits(pids=10), capture_output=True,
                   text=True, start_new_session=True, timeout=60)
out["forks"] = int(r.stdout.split()[0])

target = os.path.join(tempfile.mkdtemp(), "big")
r = subprocess.run([py, "-c", f"open({target!r}, 'wb').write(b'x' * (2 << 20))"],
                   preexec_fn=cgroups.preexec_file_limit(1 << 20), capture_output=True, timeout=60)
out["fsize"] = [r.returncode, os.path.getsize(target)]

r = subprocess.run([py, "-c", "b = b'x' * (300 << 20)"], preexec_fn=cgroups.preexec_rlimits(memory_bytes=128 << 20),
                   capture_output=True, text=True, timeout=60)
out["memory"] = [r.returncode, r.stderr.strip().splitlines()[-1:]]

start = time.monotonic()
r = subprocess.run([py, "-c", "while True: pass"], preexec_fn=cgroups.preexec_rlimits(cpu_seconds=1), timeout=60)
out["cpu"] = [r.returncode, time.monotonic() - start]
print(json.dumps(out))
"""


def _unprivileged_python(drop: list[str]) -> str | None:
    """An interpreter the dropped user can run (ours may sit under a private home)."""
    check = "import os, sys; sys.exit(0 if os.access(sys.executable, os.X_OK) else 1)"  # it re-executes itself
    for candidate in (sys.executable, shutil.which("python3", path=os.defpath)):
        if candidate and subprocess.run([*drop, candidate, "-c", check], cwd="/", capture_output=True).returncode == 0:
            return candidate
    return None


def test_rlimit_fallback_binds_for_an_unprivileged_user():
    """Run as `nobody` when we are root (RLIMIT_NPROC does not bind root), as ourselves otherwise.
    The module is copied to a directory that user can read: it imports nothing from the package."""
    drop: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        try:
            user = pwd.getpwnam("nobody")
        except KeyError:
            user = None
        if user is None or setpriv is None:
            pytest.fail("needs the 'nobody' user and setpriv (util-linux) to drop privileges")
        drop = [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"]
    python = _unprivileged_python(drop)
    if python is None:
        pytest.skip("no Python interpreter the unprivileged user can run")
    moddir = tempfile.mkdtemp(prefix="nano-gym-cgroups-")
    try:
        os.chmod(moddir, 0o755)
        shutil.copy(cgroups.__file__, os.path.join(moddir, "cgroups.py"))
        os.chmod(os.path.join(moddir, "cgroups.py"), 0o644)
        proc = subprocess.run([*drop, python, "-c", _FALLBACK_SCRIPT, moddir], cwd="/", capture_output=True,
                              text=True, timeout=120, env={"PATH": os.defpath})
    finally:
        shutil.rmtree(moddir)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    support = out["support"]
    if drop or support["cgroup"] is None:
        assert support["cgroup"] is None and not out["created"]
        assert support["reason"], "the fallback must say why cgroups are not used"
        assert support["memory"] == "rlimit (address space per process)"
        assert support["pids"] == "rlimit (RLIMIT_NPROC per uid)"
        assert support["cpu"] == "rlimit (CPU seconds per process)"
    assert out["uid"] != 0
    assert out["forks"] < 20  # RLIMIT_NPROC: the uid's current tasks + 10
    code, size = out["fsize"]
    assert code != 0 and size <= 1 << 20  # RLIMIT_FSIZE
    code, last = out["memory"]
    assert code != 0 and "MemoryError" in "".join(last)  # RLIMIT_AS
    code, elapsed = out["cpu"]
    assert code in (-signal.SIGXCPU, -signal.SIGKILL) and elapsed < 10  # RLIMIT_CPU
