"""Per-episode limits: memory, processes, disk, /tmp, output and time, through the env.

Each test exceeds one limit from inside the jail and checks that the observation names it,
that the host is unaffected and that the next step works. Where this host cannot give a
cgroup, the env must say so in its metadata instead of pretending.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import textwrap

import gymnasium as gym
import pytest

from nano_gym.sandbox.cgroups import limit_support

MiB = 2**20
LIMITS = {"memory_bytes": 160 * MiB, "pids": 64, "disk_bytes": 40 * MiB, "tmp_bytes": 32 * MiB}
needs_cgroups = pytest.mark.skipif(limit_support().cgroup is None,
                                   reason=f"no cgroups here ({limit_support().reason}); the rlimit fallback is tested below")


@pytest.fixture(scope="module")
def limited(episodes_with):
    """Fresh episodes on one env with small limits."""
    return episodes_with(limits=LIMITS)


def test_metadata_reports_every_limit_and_what_enforces_it(limited):
    ep = limited()
    limits = ep.env.unwrapped.metadata["sandbox"]["limits"]
    for key in ("memory_bytes", "pids", "cpus", "tmp_bytes", "disk_bytes", "output_bytes", "command_timeout_s"):
        assert limits[key]["value"] is not None and limits[key]["enforced_by"], key
    assert limits["memory_bytes"]["value"] == LIMITS["memory_bytes"]
    support = limit_support()
    if support.cgroup is None:
        assert support.reason and "rlimit" in limits["memory_bytes"]["enforced_by"]
    else:
        assert limits["memory_bytes"]["enforced_by"] == f"cgroup {support.cgroup}"


@needs_cgroups
def test_memory_hog_is_killed_and_named(limited):
    ep = limited()
    out = ep.py("b = bytearray(400 * 2**20); print('survived' + str(len(b)))")
    assert "survived4" not in out and "memory limit" in out
    assert "memory" in ep.info["limits_hit"]
    assert ep.sh("echo next") == "next\n"


@needs_cgroups
def test_filling_tmp_cannot_starve_processes_of_memory(limited):
    ep = limited()
    out = ep.py("f = open('/tmp/fill', 'wb')\nwhile True: f.write(b'x' * 2**20)")
    assert "No space left" in out  # the tmpfs cap, not the memory cgroup, stops it
    # /tmp is full, and a process can still use nearly its whole memory allowance.
    out = ep.py("b = bytearray(100 * 2**20); print('allocated', len(b) // 2**20)")
    assert "allocated 100" in out


@needs_cgroups
def test_fork_bomb_hits_the_process_limit_and_the_next_step_works(limited):
    ep = limited()
    before = _host_task_count()
    out = ep.sh(":(){ :|:& };:")
    assert "process limit" in out or "background process" in out
    assert ep.sh("echo next") .endswith("next\n")
    assert _host_task_count() <= before + 5


def test_a_process_loop_is_bounded(limited):
    ep = limited()
    out = ep.py(textwrap.dedent("""
        import os, time
        n = 0
        try:
            for _ in range(1000):
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
                n += 1
        except OSError as exc:
            print("refused after", n, exc.errno)
    """))
    assert "refused after" in out
    assert int(out.split("refused after")[1].split()[0]) < LIMITS["pids"]


def test_workspace_disk_quota(limited):
    ep = limited()
    out = ep.py("for i in range(60): open('blob%d' % i, 'wb').write(b'x' * 2**20)")
    # Quick commands are checked once their summed run time passes a small budget.
    out += ep.sh("sleep 0.1")
    assert "disk quota exceeded" in out
    assert "disk" in ep.info["limits_hit"] or "disk" in str(ep.info["tool_errors"])
    reward, info = ep.submit()
    assert reward == 0.0 and info["reward_status"] == "not_graded" and info["diff"] is None
    assert "disk" in info["limits_hit"]


def test_deleting_files_brings_the_workspace_back_under_quota(limited):
    ep = limited()
    assert "disk quota exceeded" in ep.py("for i in range(60): open('blob%d' % i, 'wb').write(b'x' * 2**20)\n"
                                          "import time; time.sleep(0.1)")
    ep.sh("rm -f blob*")
    reward, info = ep.submit()
    assert info["reward_status"] == "graded" and reward == 0.0


def test_one_huge_file_stops_at_the_file_size_limit(limited):
    ep = limited()
    out = ep.py("f = open('huge', 'wb')\nwhile True: f.write(b'x' * 2**20)")
    assert "File too large" in out
    assert os.path.getsize(ep.env.unwrapped._sandbox.workspace / "huge") <= LIMITS["disk_bytes"]


def test_tmp_is_capped(limited):
    ep = limited()
    out = ep.py("f = open('/tmp/t', 'wb')\nwhile True: f.write(b'x' * 2**20)")
    assert "No space left" in out
    assert ep.sh("rm /tmp/t; echo ok") == "ok\n"


def test_episode_wall_clock_limit_truncates_and_grades(task):
    env = gym.make("NanoSWE-v0", tasks=[task], command_timeout=5.0, episode_timeout=1.5)
    try:
        env.reset()
        _, _, _, truncated, info = env.step({"name": "shell", "arguments": {"cmd": "sleep 3"}})
        assert truncated and "episode_timeout" in info["limits_hit"]
        assert info["reward_status"] == "graded"
    finally:
        env.close()


def _host_task_count() -> int:
    return sum(1 for p in os.listdir("/proc") if p.isdigit())


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to an ordinary user")
def test_unprivileged_user_gets_a_reported_fallback_never_silence(tmp_path):
    """As an ordinary user without a delegated cgroup, the env still starts, reports rlimits
    as what enforces memory and processes, and those rlimits bind."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("needs setpriv (util-linux)")
    user = pwd.getpwnam("nobody")
    src = os.path.dirname(os.path.dirname(os.path.abspath(sys.modules["nano_gym"].__file__)))
    copy = tmp_path / "src"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns(".git", "tests", "*.pyc", "__pycache__"))
    cache = tmp_path / "cache"
    cache.mkdir()
    for path in (tmp_path, cache):
        os.chown(path, user.pw_uid, user.pw_gid)
    for path in (tmp_path, tmp_path.parent, tmp_path.parent.parent):
        os.chmod(path, 0o755)
    # The system interpreter has no gymnasium: load the sandbox modules without the package's
    # __init__ (which registers the env with gymnasium).
    script = textwrap.dedent("""
        import json, sys, types
        package = types.ModuleType("nano_gym")
        package.__path__ = [sys.argv[1] + "/nano_gym"]
        sys.modules["nano_gym"] = package
        from nano_gym.sandbox import LocalBackend, SandboxLimits
        from nano_gym.sandbox.cgroups import limit_support
        backend = LocalBackend(limits=SandboxLimits(pids=20, command_timeout=10))
        sandbox = backend.start(__import__("pathlib").Path(sys.argv[2]), None)
        out = sandbox.shell("for i in $(seq 60); do sleep 5 & done; echo spawned").output
        sandbox.close()
        print(json.dumps({"support": limit_support().as_dict(), "out": out}))
    """)
    ws = tmp_path / "ws"
    ws.mkdir()
    os.chown(ws, user.pw_uid, user.pw_gid)
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    proc = subprocess.run([setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--",
                           python, "-c", script, str(copy), str(ws)],
                          env={"PATH": "/usr/bin:/bin", "NANO_GYM_CACHE": str(cache), "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    support = report["support"]
    assert support["cgroup"] is None and support["reason"]
    assert "rlimit" in support["memory"] and "rlimit" in support["pids"]
    assert "retry" in report["out"] or "Resource temporarily unavailable" in report["out"]
