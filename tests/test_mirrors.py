"""Tasks on repositories from local mirrors: a small repository with real history, a fix committed
after the base, and the fix's tests in `test_patch`, as in SWE-bench."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import gymnasium as gym
import pytest

from nano_gym.errors import RepoError
from nano_gym.policies import OraclePolicy
from nano_gym.runner import run_episode

IDENTITY = ["-c", "user.name=dev", "-c", "user.email=dev@example.invalid", "-c", "commit.gpgSign=false"]


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *IDENTITY, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def _commit(repo: Path, files: dict[str, str], message: str) -> str:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(textwrap.dedent(text))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory):
    """(mirrors directory, task record): the fix is the commit after the base."""
    root = tmp_path_factory.mktemp("mirrored")
    src = root / "src"
    src.mkdir()
    _git(src, "init", "-q", "-b", "main")
    _commit(src, {"calc/__init__.py": "def add(a, b):\n    return a + b\n",
                  "tests/test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n"},
            "Initial calculator")
    base = _commit(src, {"calc/__init__.py": """\
        def add(a, b):
            return a + b


        def mean(values):
            return sum(values) / len(values) - 1
        """}, "Add mean")
    fix = _commit(src, {"calc/__init__.py": """\
        def add(a, b):
            return a + b


        def mean(values):
            return sum(values) / len(values)
        """}, "Fix mean: MEAN_FIX_MARKER")
    tests = _commit(src, {"tests/test_calc.py": ("from calc import add, mean\n\ndef test_add():\n    assert add(2, 3) == 5\n"
                                                 "\n\ndef test_mean():\n    assert mean([1, 2, 3]) == 2\n")},
                    "Test mean")
    _git(src, "tag", "v1.0", tests)
    patch = _git(src, "diff", base, fix)
    test_patch = _git(src, "diff", fix, tests)
    mirrors = root / "mirrors"
    mirrors.mkdir()
    subprocess.run(["git", "clone", "-q", "--bare", str(src), str(mirrors / "acme__calc.git")], check=True)
    record = {"instance_id": "acme__calc-1", "repo": "acme/calc", "base_commit": base,
              "problem_statement": "mean() is off by one", "patch": patch, "test_patch": test_patch,
              "FAIL_TO_PASS": '["tests/test_calc.py::test_mean"]',  # SWE-bench stores JSON strings
              "PASS_TO_PASS": ["tests/test_calc.py::test_add"],
              "runtime": {"test_scope": "test_patch"}}
    return mirrors, record, fix


def test_gold_scores_one_and_empty_zero_from_a_local_mirror(mirrored):
    mirrors, record, _ = mirrored
    env = gym.make("NanoSWE-v0", tasks=[record], repos=str(mirrors))
    try:
        gold = run_episode(env, OraclePolicy(repos=mirrors), task_id=record["instance_id"])
        assert gold.reward == 1.0, gold.info.get("report")
        _, info = env.reset()
        _, reward, terminated, _, info = env.step(None)
        assert terminated and reward == 0.0 and info["reward_status"] == "graded"
    finally:
        env.close()


def test_history_up_to_the_base_and_nothing_after(mirrored):
    mirrors, record, fix = mirrored
    env = gym.make("NanoSWE-v0", tasks=[record], repos=str(mirrors))
    try:
        env.reset()
        out = env.step({"name": "shell", "arguments": {"cmd": (
            f"git log --all --format=%s; git tag; git reflog; git cat-file -e {fix} && echo FIX-OBJECT; "
            "git cat-file --batch-all-objects --batch-check | wc -l; grep -rl MEAN_FIX_MARKER .git; ls .git")}})[0][-1]["content"]
        assert "Add mean" in out and "Initial calculator" in out
        assert "MEAN_FIX_MARKER" not in out and "Test mean" not in out and "v1.0" not in out
        assert "FIX-OBJECT" not in out and "FETCH_HEAD" not in out
    finally:
        env.close()


def test_a_missing_mirror_or_commit_is_a_clear_error(mirrored, tmp_path):
    mirrors, record, _ = mirrored
    env = gym.make("NanoSWE-v0", tasks=[{**record, "instance_id": "acme__calc-2"}], repos=str(tmp_path))
    with pytest.raises(RepoError, match="acme__calc"):
        env.reset()
    env.close()
    env = gym.make("NanoSWE-v0", tasks=[{**record, "instance_id": "acme__calc-3", "base_commit": "1" * 40}],
                   repos=str(mirrors))
    with pytest.raises(RepoError, match="not found"):
        env.reset()
    env.close()
