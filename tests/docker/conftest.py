"""The docker backend's tests: real containers of a small Debian image built here offline.

They run when a Docker daemon answers, and are skipped (with the reason) when none does, unless
NANO_GYM_DOCKER_TESTS=1 (CI sets it): then a missing daemon or image is a failure. The image is
built once per machine by `scripts/base_image.py` (debootstrap, `docker import`) and found by
its tag afterwards.

The fixtures the local backend's test modules use (`sandbox`, `task`, `make_episode` and those
built on it) are the docker backend's here, so the modules in this directory rerun those test
cases on containers.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shared_cases import load  # noqa: E402

from nano_gym.errors import MissingDependencyError, SandboxUnavailableError  # noqa: E402
from nano_gym.sandbox import SandboxLimits, make_backend  # noqa: E402
from nano_gym.sandbox.container import OWNER_LABEL, api_client, check_daemon, owner_id  # noqa: E402
from nano_gym.sandbox.docker import ensure_image  # noqa: E402
from nano_gym.tasks import Task  # noqa: E402

_security = load("tests/security/conftest.py")
Episode = _security.Episode
COMMAND_TIMEOUT = _security.COMMAND_TIMEOUT
# The security suite's fixtures that only build on `make_episode` and `task`.
episode = _security.episode
episodes_with = _security.episodes_with
host_dir = _security.host_dir
clean_text = _security.clean_text
digest = _security.digest
deep_leftovers = _security.deep_leftovers

REQUIRED = os.environ.get("NANO_GYM_DOCKER_TESTS") == "1"


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"NANO_GYM_DOCKER_TESTS=1 but {reason}")
    pytest.skip(reason)


def with_image(task: Task, image: str) -> Task:
    return dataclasses.replace(task, runtime=dataclasses.replace(task.runtime, image=image))


@pytest.fixture(scope="session")
def docker_image() -> str:
    """The test image's tag, once a daemon answers and the image exists (built if needed)."""
    try:
        check_daemon()
    except (MissingDependencyError, SandboxUnavailableError) as exc:
        _unavailable(f"no Docker daemon to test against: {exc}")
    base_image = load("scripts/base_image.py")
    try:
        return base_image.ensure_image(log=lambda line: print(line, file=sys.stderr))
    except base_image.ImageBuildError as exc:
        _unavailable(f"the test image cannot be built here: {exc}")


@pytest.fixture(scope="session")
def task(task, docker_image) -> Task:
    """The local suite's task, run in the test image."""
    return with_image(task, docker_image)


@pytest.fixture(scope="session")
def docker_suite(suite, docker_image) -> list[Task]:
    return [with_image(t, docker_image) for t in suite]


def make_env(tasks: list[Task], **kwargs: Any) -> gym.Env:
    return gym.make("NanoSWE-v0", backend="docker", tasks=tasks, **kwargs)


@pytest.fixture
def sandbox(tmp_path, monkeypatch, docker_image):
    """A docker sandbox over a small workspace, as `tests/test_sandbox.py` uses it."""
    monkeypatch.setenv("NANO_SECRET_TOKEN", "hunter2")  # must not be visible inside
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "hello.txt").write_text("hi\n")
    backend = make_backend("docker", SandboxLimits(command_timeout=5, output_bytes=2048, output_kill_bytes=1 << 20,
                                                   grace=1.0))
    backend.check()
    box = backend.start(ws, ensure_image(docker_image))
    yield box
    box.close()


@pytest.fixture(scope="module")
def make_episode(task) -> Iterator:
    """The security suite's `make_episode`, with envs on the docker backend."""
    yield from _security.episode_factory(task, lambda **options: make_env([task], **options))


def nano_containers() -> list[dict[str, Any]]:
    """Every container of this test process's sandboxes (running or not)."""
    return api_client().containers(all=True, filters={"label": f"{OWNER_LABEL}={owner_id()}"})


@pytest.fixture(scope="session")
def containers():
    """`containers()` lists this process's sandbox containers."""
    return nano_containers
