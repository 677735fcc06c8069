"""Shared fixtures: a private cache per test session, the embedded suite, and small envs."""

from __future__ import annotations

import os
import tempfile

import pytest

# Build runtimes and snapshots from scratch in a private cache, as a fresh machine would.
# Set before nano_gym is imported anywhere in this session.
os.environ.setdefault("NANO_GYM_CACHE", tempfile.mkdtemp(prefix="nano-gym-test-cache-"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import gymnasium as gym  # noqa: E402

import nano_gym  # noqa: E402,F401
from nano_gym.tasks import Task, load_suite  # noqa: E402


@pytest.fixture(scope="session")
def suite() -> list[Task]:
    return load_suite("nano-v0")


@pytest.fixture(scope="session")
def task(suite) -> Task:
    """A one-file, one-hunk task used wherever any task will do."""
    return next(t for t in suite if t.instance_id == "nano-gym__cfgloader-1")


@pytest.fixture
def env(task):
    env = gym.make("NanoSWE-v0", tasks=[task], command_timeout=10.0)
    yield env
    env.close()

