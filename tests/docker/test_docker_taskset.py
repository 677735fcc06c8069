"""A task set as a user brings one (SWE-bench records, a mirror with history, pinned requirements)
on the docker backend: gold scores 1.0 and the empty patch 0.0 for every task, and nothing of the
fixes is visible inside the container."""

from __future__ import annotations

import json
import sys

import gymnasium as gym
import pytest

from shared_cases import load

from nano_gym.cli import main as cli_main


@pytest.fixture(scope="module")
def slug_image(realistic_taskset, docker_image) -> str:
    """The test image with the task set's pinned requirements, built once (by the host's pip)."""
    extra = [r for r in realistic_taskset.requirements if not r.startswith("pytest==")]
    return load("scripts/base_image.py").ensure_image(extra, log=lambda line: print(line, file=sys.stderr))


@pytest.fixture(scope="module")
def docker_runtimes(realistic_taskset, slug_image, tmp_path_factory):
    """The task set's runtime mapping with the image named. Images carry the installed repository,
    as SWE-bench's do; this small image emulates the editable install with PYTHONPATH (and has no
    `pytest` script: its packages were unpacked by the host's pip)."""
    specs = json.loads(realistic_taskset.runtimes_file.read_text())
    for versions in specs.values():
        for spec in versions.values():
            spec["image"] = slug_image
            spec["test_cmd"] = "PYTHONPATH=/testbed/src python -m pytest -rA"
    path = tmp_path_factory.mktemp("docker-runtimes") / "runtimes.json"
    path.write_text(json.dumps(specs))
    return path


def test_the_task_set_validates_on_docker(realistic_taskset, docker_runtimes, tmp_path):
    ts = realistic_taskset
    assert cli_main(["validate", "--backend", "docker", "--tasks", str(ts.tasks_file), "--repos", str(ts.mirrors),
                     "--runtimes", str(docker_runtimes), "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert [r["instance_id"] for r in report] == ts.task_ids
    assert all(r["valid"] and r["gold"] == [1.0] and r["empty"] == 0.0 for r in report), report
    assert (tmp_path / "allowlist.txt").read_text().split() == ts.task_ids


def _shell(env, cmd: str) -> str:
    obs, *_ = env.step({"name": "shell", "arguments": {"cmd": cmd}})
    return obs[-1]["content"]


@pytest.mark.parametrize("index", [0, 1])
def test_nothing_from_the_fixes_is_visible_in_a_container(realistic_taskset, docker_runtimes, index):
    ts = realistic_taskset
    env = gym.make("NanoSWE-v0", tasks=str(ts.tasks_file), repos=str(ts.mirrors), runtimes=str(docker_runtimes),
                   backend="docker", command_timeout=30.0)
    try:
        env.reset(options={"task_id": ts.task_ids[index]})
        pattern = " ".join(f"-e '{marker}'" for _, marker in ts.fixes.values())
        out = _shell(env, f"grep -rlF {pattern} / --exclude-dir=proc --exclude-dir=sys 2>/dev/null; "
                          "echo grep-exit=$?; grep -rlF 'def slugify' /testbed")
        assert "grep-exit=1" in out, out  # in no file of the container: tree, .git, image
        assert "src/slugkit/core.py" in out
        history = _shell(env, "git log --all --format='%H %s'; git tag; git branch -a")
        for commit, _ in ts.fixes.values():
            assert commit not in history
            assert "MISSING" in _shell(env, f"git cat-file -t {commit} || echo MISSING")
        assert "Initial import of slugkit" in history and "Merge" not in history
        # The pinned requirements come from the image.
        assert "23.2.0" in _shell(env, "python -c 'import attr; print(attr.__version__)'")
    finally:
        env.close()
