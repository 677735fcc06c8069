"""Process and container lifecycle on the docker backend: the cases of
`tests/security/test_lifecycle.py` on containers, then the containers themselves: every one is
removed when its env closes, after an error mid-episode, when its owner dies without closing,
and even when its owner is killed outright (the next check of the daemon sweeps them)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest
from conftest import make_env
from shared_cases import load

from nano_gym.errors import SandboxError
from nano_gym.sandbox import container as container_module
from nano_gym.sandbox.container import OWNER_LABEL, api_client, check_daemon
from nano_gym.sandbox.shell import ShellSession

_local = load("tests/security/test_lifecycle.py")

short = _local.short
test_stuck_commands_end_within_the_timeout_and_the_next_step_works = \
    _local.test_stuck_commands_end_within_the_timeout_and_the_next_step_works
test_background_processes_do_not_outlive_their_step = _local.test_background_processes_do_not_outlive_their_step
test_commands_reading_stdin_do_not_hang = _local.test_commands_reading_stdin_do_not_hang
test_an_editor_waiting_for_input_is_stopped = _local.test_an_editor_waiting_for_input_is_stopped
test_a_sabotaged_shell_recovers_by_the_next_step = _local.test_a_sabotaged_shell_recovers_by_the_next_step
test_shell_state_survives_steps_that_do_not_sabotage = _local.test_shell_state_survives_steps_that_do_not_sabotage


def _scratch_dirs() -> list[str]:
    return sorted(n for n in os.listdir(tempfile.gettempdir()) if n.startswith(("nano-episode-", "nano-grade-")))


def _ids(containers) -> set[str]:
    return {c["Id"] for c in containers()}


def test_episodes_leave_no_container_and_no_scratch_behind(task, containers, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # only this test's scratch dirs are counted
    others = _ids(containers)  # the module's shared envs
    env = make_env([task], command_timeout=2.0)
    try:
        for i in range(12):
            env.reset()
            env.step({"name": "shell", "arguments": {"cmd": "sleep 100 & setsid sleep 100 & echo hi > /dev/null"}})
            if i % 4 == 0:
                env.step({"name": "shell", "arguments": {"cmd": "sleep 100"}})  # timed out
            if i % 3 == 0:
                env.step(None)  # graded in fresh containers
        assert 1 <= len(_ids(containers) - others) <= 2  # the episode's, and the next one prepared ahead
    finally:
        env.close()
    assert _ids(containers) <= others
    assert _scratch_dirs() == []


def test_resets_replace_containers_and_close_is_idempotent(task, containers):
    others = _ids(containers)
    env = make_env([task], command_timeout=5.0)
    try:
        for _ in range(4):
            env.reset(options={"task_id": task.instance_id})
        assert len(_ids(containers) - others) <= 2
        env.step(None)
        env.close()
        env.close()
        assert _ids(containers) <= others
        obs, _ = env.reset(options={"task_id": task.instance_id})  # a closed env can start again
        obs, *_ = env.step({"name": "shell", "arguments": {"cmd": "echo back"}})
        assert obs[-1]["content"] == "back\n"
    finally:
        env.close()
    assert _ids(containers) <= others


def test_an_error_mid_episode_still_removes_every_container_on_close(task, containers, monkeypatch):
    others = _ids(containers)
    env = make_env([task], command_timeout=5.0)
    try:
        env.reset()
        env.step({"name": "shell", "arguments": {"cmd": "sleep 100 &"}})

        def broken(self, command, timeout):
            raise SandboxError("the daemon went away")

        monkeypatch.setattr(ShellSession, "run", broken)
        with pytest.raises(SandboxError):
            env.step({"name": "shell", "arguments": {"cmd": "echo never"}})
        assert _ids(containers) - others
    finally:
        env.close()
    assert _ids(containers) <= others


def test_a_container_whose_shell_was_killed_outside_is_replaced(task, containers):
    others = _ids(containers)
    env = make_env([task], command_timeout=5.0)
    try:
        env.reset()
        env.step({"name": "shell", "arguments": {"cmd": "X=1"}})
        shell = env.unwrapped._sandbox._container
        api_client().kill(shell.id)
        obs, *_ = env.step({"name": "shell", "arguments": {"cmd": "echo ${X:-unset}"}})
        assert "unset" in obs[-1]["content"] and "new shell" in obs[-1]["content"]
        assert shell.id not in _ids(containers)
    finally:
        env.close()
    assert _ids(containers) <= others


_OWNER_SCRIPT = textwrap.dedent("""
    import dataclasses, json, sys
    import gymnasium as gym, nano_gym
    from nano_gym.sandbox.container import owner_id
    from nano_gym.tasks import load_suite
    task = next(t for t in load_suite("nano-v0") if t.instance_id == sys.argv[1])
    task = dataclasses.replace(task, runtime=dataclasses.replace(task.runtime, image=sys.argv[2]))
    env = gym.make("NanoSWE-v0", backend="docker", tasks=[task])
    env.reset()
    env.step({"name": "shell", "arguments": {"cmd": "sleep 100 &"}})
    print(json.dumps(owner_id()), flush=True)
    if sys.argv[3] == "kill":
        import os, signal
        os.kill(os.getpid(), signal.SIGKILL)
    raise RuntimeError("the training loop crashed without closing the env")
""")


def _owned_by(owner: str) -> list[dict]:
    return api_client().containers(all=True, filters={"label": f"{OWNER_LABEL}={owner}"})


@pytest.mark.parametrize("how", ["exception", "kill"])
def test_containers_of_an_owner_that_dies_without_closing_are_removed(task, docker_image, monkeypatch, how):
    proc = subprocess.run([sys.executable, "-c", _OWNER_SCRIPT, task.instance_id, docker_image, how],
                          capture_output=True, text=True, timeout=300)
    owner = json.loads(proc.stdout.strip().splitlines()[0])
    if how == "exception":
        assert "RuntimeError" in proc.stderr
        assert _owned_by(owner) == []  # removed as the interpreter exited
        return
    assert proc.returncode == -signal.SIGKILL
    assert _owned_by(owner)  # nothing could run in the killed process ...
    monkeypatch.setattr(container_module, "_swept", set())
    check_daemon()  # ... so the next check of the daemon sweeps containers of dead owners
    deadline = time.monotonic() + 30
    while _owned_by(owner) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _owned_by(owner) == []
