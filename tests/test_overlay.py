"""Overlay workspaces and copied workspaces are the same to the agent and to the grader."""

from __future__ import annotations

import gymnasium as gym
import pytest

from nano_gym.sandbox.overlay import overlay_unavailable

pytestmark = pytest.mark.skipif(overlay_unavailable() is not None, reason=f"no overlay here: {overlay_unavailable()}")

# Deletions, a directory replaced by a file and a file by a directory, an emptied and refilled
# directory (opaque in the overlay), new, changed and executable files, symlinks, .git ignored.
ACTIONS = [
    "rm README.md; rm -r tests; mkdir tests; touch tests/test_new.py",
    "python3 -c \"import os, shutil; shutil.rmtree('cfgloader'); open('cfgloader', 'w').write('now a file\\n')\"",
    "mkdir -p pyproject.toml.d && rm pyproject.toml && mkdir pyproject.toml && touch pyproject.toml/inner",
    "ln -s cfgloader link; touch run.sh; chmod +x run.sh; git add -A; git commit -qm x; touch .git/junk",
]


def _diff(task, overlay: bool) -> str:
    env = gym.make("NanoSWE-v0", tasks=[task], overlay=overlay, prefetch=False)
    try:
        env.reset()
        assert env.unwrapped.metadata["sandbox"]["workspace"].startswith("overlay" if overlay else "copy")
        for cmd in ACTIONS:
            env.step({"name": "shell", "arguments": {"cmd": cmd}})
        env.step({"name": "apply_patch", "arguments": {"search": "", "replace": "echo hi\n", "file": "run.sh"}})
        _, _, terminated, _, info = env.step(None)
        assert terminated and info["reward_status"] == "graded"
        return info["diff"]
    finally:
        env.close()


def test_the_diff_is_the_same_from_an_overlay_and_from_a_copy(task):
    overlay, copy = _diff(task, True), _diff(task, False)
    assert overlay == copy
    for expected in ("deleted file mode 100644", "b/tests/test_new.py", "b/cfgloader\nnew file", "b/run.sh",
                     "new file mode 100755", "new file mode 120000", "b/pyproject.toml/inner"):
        assert expected in overlay, expected
    assert ".git" not in overlay


def test_gold_scores_one_on_a_copied_workspace_too(task):
    from nano_gym.policies import OraclePolicy
    from nano_gym.runner import run_episode

    env = gym.make("NanoSWE-v0", tasks=[task], overlay=False)
    try:
        assert run_episode(env, OraclePolicy(), task.instance_id).reward == 1.0
    finally:
        env.close()
