"""The docker sandbox and its persistent shell: the local backend's cases (`tests/test_sandbox.py`)
on a container, then what is the docker backend's own: fresh containers for `exec`, the
descriptor it passes, and failing fast and clearly without a daemon, the SDK or the image."""

from __future__ import annotations

import gc
import os
import tempfile
import time

import gymnasium as gym
import pytest
from shared_cases import load

from nano_gym.errors import MissingDependencyError, RuntimeBuildError, SandboxUnavailableError
from nano_gym.sandbox import make_backend
from nano_gym.sandbox.docker import ensure_image

_local = load("tests/test_sandbox.py")

test_state_persists_and_repo_is_at_testbed = _local.test_state_persists_and_repo_is_at_testbed
test_no_network_and_read_only_system = _local.test_no_network_and_read_only_system
test_restricted_shell = _local.test_restricted_shell
test_timeout_kills_the_process_tree_and_the_shell_goes_on = _local.test_timeout_kills_the_process_tree_and_the_shell_goes_on
test_stdin_is_dev_null = _local.test_stdin_is_dev_null
test_output_is_capped_and_floods_are_killed = _local.test_output_is_capped_and_floods_are_killed
test_shell_restarts_with_a_note_after_exit = _local.test_shell_restarts_with_a_note_after_exit


def test_environment_is_minimal_and_the_harness_is_invisible(sandbox):
    out = sandbox.shell("cat /proc/1/environ /proc/self/environ | tr '\\0' '\\n'; env").output
    assert "hunter2" not in out and "NANO_SECRET_TOKEN" not in out and "USER=agent" in out
    # The harness's own user: files stay owned by one user on both sides of the bind mount.
    assert sandbox.shell("id -u").output == f"{os.geteuid()}\n"
    assert "No module named 'nano_gym'" in sandbox.shell("python -c 'import nano_gym' 2>&1 | tail -1").output
    assert sandbox.shell("python -m pytest --version").exit_code == 0


def test_exec_runs_in_a_fresh_container_over_the_same_workspace(sandbox):
    assert sandbox.shell("touch /tmp/episode-only made-in-shell && hostname").output == "sandbox\n"
    run = sandbox.exec(["/bin/bash", "-c", "ls /tmp/episode-only made-in-shell 2>&1; cat /proc/1/comm"], timeout=60)
    assert "No such file" in run.output and "made-in-shell\n" in run.output
    assert run.output.endswith("docker-init\n") and run.exit_code == 0


def test_exec_passes_one_descriptor_as_its_stdout_stream(sandbox):
    with tempfile.TemporaryFile(buffering=0) as report:
        fd = report.fileno()
        run = sandbox.exec(["/bin/bash", "-c", f"echo out; echo err >&2; printf '<r/>' > /dev/fd/{fd}; "
                            f"printf '<s/>' >> /dev/fd/{fd}; exit 3"], timeout=60, pass_fds=(fd,))
        report.seek(0)
        assert report.read() == b"<r/><s/>"
    assert run.output == "out\nerr\n" and run.exit_code == 3 and not run.timed_out


def test_exec_timeout_removes_its_container(sandbox, containers):
    started = time.monotonic()
    run = sandbox.exec(["/bin/bash", "-c", "echo begun; sleep 100"], timeout=2)
    assert run.timed_out and run.exit_code is None and run.output == "begun\n"
    assert time.monotonic() - started < 20
    assert containers() == []


def test_an_unclosed_sandbox_is_removed_when_garbage_collected(tmp_path, docker_image, containers):
    box = make_backend("docker").start(tmp_path, ensure_image(docker_image))
    box.start_shell()
    assert len(containers()) == 1
    del box
    gc.collect()
    assert containers() == []


# ----------------------------------------------------------------------------- failing fast


@pytest.mark.parametrize("host", ["unix:///nonexistent/docker.sock", "tcp://127.0.0.1:1"])
def test_an_unreachable_daemon_fails_the_env_at_once_with_what_to_do(suite, monkeypatch, host):
    pytest.importorskip("docker")  # without the SDK the error is MissingDependencyError (below)
    monkeypatch.setenv("DOCKER_HOST", host)
    started = time.monotonic()
    with pytest.raises(SandboxUnavailableError) as caught:
        gym.make("NanoSWE-v0", backend="docker", tasks=suite[:1])
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert host in message and "DOCKER_HOST" in message and "dockerd" in message


def test_without_the_sdk_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "docker", None)  # import docker fails
    with pytest.raises(MissingDependencyError, match=r"nano-gym\[docker\]"):
        make_backend("docker").check()


def test_a_missing_image_is_a_runtime_error_naming_it(docker_image):
    started = time.monotonic()
    with pytest.raises(RuntimeBuildError, match="nano-gym-absent/none:missing") as caught:
        ensure_image("nano-gym-absent/none:missing")
    assert "docker pull" in str(caught.value) and time.monotonic() - started < 120


def test_apply_patch_and_the_shell_edit_the_same_files(episode):
    text, error = episode.patch("cfgloader/loader.py", "rest.partition(ENV_SEPARATOR)", "rest.rpartition(ENV_SEPARATOR)")
    assert error is None, text
    assert "rest.rpartition(ENV_SEPARATOR)" in episode.sh("grep -n rpartition cfgloader/loader.py")
    # The file apply_patch replaced is the sandbox user's to edit in place (one owner on both sides).
    episode.py("open('cfgloader/loader.py', 'a').write('# edited in the shell\\n')")
    assert "edited in the shell" in episode.sh("tail -1 cfgloader/loader.py")
    reward, info = episode.submit()
    assert "+# edited in the shell" in info["diff"] and "rest.rpartition(ENV_SEPARATOR)" in info["diff"]
