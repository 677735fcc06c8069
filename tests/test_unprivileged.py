"""A whole training loop as an ordinary user: most users are not root, so the fast paths
(overlay workspaces in a user namespace, the prefetch pool, staged grading over an overlay) and the
runtime build must work without privileges. Run as `nobody` from a virtualenv of the system
interpreter with the package installed into it, with a cache of its own."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json, sys
    import gymnasium as gym
    import nano_gym
    from nano_gym.policies import OraclePolicy

    # No reward cache: every episode is graded, the later ones in sandboxes staged in the background.
    env = gym.make("NanoSWE-v0", task_ids=[sys.argv[1]], command_timeout=20, reward_cache=False)
    rewards = {}
    for name in ("oracle", "oracle", "empty"):
        obs, info = env.reset(seed=0)
        task = env.unwrapped.task
        policy = OraclePolicy()
        policy.reset(task)
        done = False
        while not done:
            action = policy.act(obs) if name == "oracle" else {"role": "assistant", "content": "done"}
            obs, reward, terminated, truncated, info = env.step(action)
            done = terminated or truncated
        rewards.setdefault(name, []).append(reward)
        status = info["reward_status"]
    out = env.unwrapped.metadata["sandbox"]
    env.close()
    print(json.dumps({"rewards": rewards, "workspace": out["workspace"], "status": status,
                      "uid": __import__("os").getuid()}))
""")


@pytest.mark.skipif(os.geteuid() != 0, reason="already unprivileged: every other test covers this path")
def test_episodes_and_grading_run_for_an_ordinary_user(tmp_path, task):
    setpriv = shutil.which("setpriv")
    if setpriv is None or not os.path.exists("/usr/bin/python3"):
        pytest.fail("needs setpriv (util-linux) and the system python3 with venv (python3-venv)")
    user = pwd.getpwnam("nobody")
    src = os.path.dirname(os.path.dirname(os.path.abspath(sys.modules["nano_gym"].__file__)))
    copy = tmp_path / "src"
    junk = shutil.ignore_patterns(".git", "*.pyc", "__pycache__", "*.egg-info", "bench-results", "build")
    # The project's own tests stay behind; the embedded suite's `tests/` directories are package data.
    shutil.copytree(src, copy, ignore=lambda d, names: [*junk(d, names), *(["tests"] if d == src else [])])
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", str(venv)], check=True, capture_output=True)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(copy)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-2000:]
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, user.pw_uid, user.pw_gid)
    for path in (tmp_path, tmp_path.parent, tmp_path.parent.parent):
        os.chmod(path, 0o755)
    proc = subprocess.run(
        [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--",
         str(venv / "bin" / "python"), "-c", SCRIPT, task.instance_id],
        env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home), "NANO_GYM_CACHE": str(home / "cache"),
             "TMPDIR": str(home)},
        capture_output=True, text=True, timeout=900, cwd=home)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["uid"] == user.pw_uid
    assert result["workspace"] == "overlay"  # the fast path, not the copy fallback
    assert result["rewards"] == {"oracle": [1.0, 1.0], "empty": [0.0]}
    assert result["status"] == "graded"
