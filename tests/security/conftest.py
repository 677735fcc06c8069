"""The security suite's plumbing: an agent that only uses the public env API, and host checks.

Every attack here goes through `env.step` exactly as a policy would. The shell is rbash, but an
agent escapes rbash at will (`python3 -c`, `env`, `awk`, `find -exec`), so the attacks assume an
unrestricted shell inside the jail; the jail around it is what must hold.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest

COMMAND_TIMEOUT = 5.0
# Terminal control: C0 (tab and newline are layout, not control), DEL and C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def assert_clean_text(text: Any, where: str = "message") -> None:
    """What the harness puts in an observation is safe to log, tokenize, print and serialise."""
    assert isinstance(text, str), f"{where}: content is {type(text).__name__}, not str"
    text.encode("utf-8")  # raises on lone surrogates
    json.dumps(text, ensure_ascii=False).encode("utf-8")
    bad = _CONTROL.search(text)
    assert bad is None, (f"{where}: control character {bad.group()!r} at {bad.start()}: "
                         f"{text[max(0, bad.start() - 40):bad.start() + 40]!r}")


class Episode:
    """One env, driven like a policy would; every new harness message is checked for hygiene."""

    def __init__(self, env: gym.Env, task) -> None:
        self.env = env
        self.task = task
        self.info: dict[str, Any] = {}
        self.done = True

    # -------------------------------------------------------------- episode control
    def reset(self) -> list[dict[str, Any]]:
        obs, self.info = self.env.reset(options={"task_id": self.task.instance_id})
        self._seen = len(obs)
        self.done = False
        for m in obs:
            assert_clean_text(m["content"], f"{m['role']} message")
        return obs

    def step(self, action: Any) -> tuple[list, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.info = info
        assert self.env.observation_space.contains(obs)
        json.dumps(obs, ensure_ascii=False).encode("utf-8")
        for m in obs[self._seen:]:
            if m["role"] != "assistant":  # the agent's own words are its business; the rest is ours
                assert_clean_text(m["content"], f"{m['role']} message")
        self._seen = len(obs)
        self.done = terminated or truncated
        return obs, reward, terminated, truncated, info

    # -------------------------------------------------------------- the two tools
    def sh(self, cmd: str) -> str:
        """Run a shell command; the tool message's text."""
        obs, *_ = self.step({"name": "shell", "arguments": {"cmd": cmd}})
        assert obs[-1]["role"] == "tool"
        return obs[-1]["content"]

    def bash(self, script: str) -> str:
        """Run a script in an unrestricted bash: `bash -c` is the simplest way out of rbash."""
        return self.sh(f"bash --norc -c {shlex.quote(script)}")

    def py(self, code: str) -> str:
        """Run Python inside the jail: the first thing any agent tries to leave rbash behind."""
        return self.sh(f"python3 -c {shlex.quote(code)}")

    def patch(self, file: str, search: str, replace: str) -> tuple[str, str | None]:
        """apply_patch; returns (tool message text, error kind or None)."""
        obs, _, _, _, info = self.step({"name": "apply_patch",
                                        "arguments": {"search": search, "replace": replace, "file": file}})
        errors = [e["error"] for e in info["tool_errors"]]
        return obs[-1]["content"], (errors[0] if errors else None)

    def submit(self) -> tuple[float, dict[str, Any]]:
        _, reward, terminated, _, info = self.step(None)
        assert terminated
        return reward, info


def episode_factory(task, new_env) -> Iterator:
    """`make_episode()` resets a shared env and returns its Episode; `make_episode(**env_kwargs)`
    (or `own_env=True`) makes a new env with `new_env(**options)` for the caller, started now (so
    with the process environment of this moment). All are closed when the generator ends."""
    envs: list[gym.Env] = []
    shared: list[Episode] = []

    def make(own_env: bool = False, **kwargs: Any) -> Episode:
        if own_env or kwargs or not shared:
            env = new_env(**{"command_timeout": COMMAND_TIMEOUT, "grading_timeout": 120.0, **kwargs})
            envs.append(env)
            ep = Episode(env, task)
            if own_env or kwargs:
                ep.reset()
                return ep
            shared.append(ep)
        ep = shared[0]
        ep.reset()
        return ep

    yield make
    for env in envs:
        env.close()


@pytest.fixture(scope="module")
def make_episode(task) -> Iterator:
    """Module-scoped env factory (see `episode_factory`) over the local backend."""
    yield from episode_factory(task, lambda **options: gym.make("NanoSWE-v0", tasks=[task], **options))


@pytest.fixture
def episode(make_episode) -> Episode:
    """A fresh episode (reset) on the module's shared env."""
    return make_episode()


def tree_digest(root: Path) -> str:
    """A hash of every path, type, mode and content below `root` (symlinks not followed)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            h.update(f"{os.path.relpath(full, root)}\0{st.st_mode}\0".encode("utf-8", "surrogateescape"))
            if os.path.islink(full):
                h.update(os.fsencode(os.readlink(full)))
            elif os.path.isfile(full):
                h.update(Path(full).read_bytes())
    return h.hexdigest()


@pytest.fixture
def host_dir(tmp_path) -> Path:
    """A directory that exists only on the host: payloads that reach it prove a host-side run."""
    d = tmp_path / "host-only"
    d.mkdir()
    os.chmod(d, 0o777)
    return d


@pytest.fixture(scope="session")
def clean_text():
    """`clean_text(text, where)` asserts observation hygiene (tests cannot import conftest)."""
    return assert_clean_text


@pytest.fixture(scope="session")
def digest():
    """`digest(path)`: a hash of a host tree, to prove it did not change."""
    return tree_digest


DEEP_DIR = "nano-sec-deep"  # the name of every level of the deep trees some tests build


def _deep_leftovers() -> list[str]:
    import glob
    import tempfile

    tmp = tempfile.gettempdir()
    return sorted(top for top in glob.glob(os.path.join(tmp, "nano-episode-*")) + glob.glob(os.path.join(tmp, "nano-grade-*"))
                  if glob.glob(os.path.join(top, "*", "testbed", DEEP_DIR)))


@pytest.fixture
def deep_leftovers():
    """`deep_leftovers()` lists host scratch trees still holding a DEEP_DIR chain; after the test
    they are removed, should the env or the grader have failed to (`shutil.rmtree` recurses once
    per level)."""
    from nano_gym.repos import remove_tree

    yield _deep_leftovers
    for top in _deep_leftovers():
        remove_tree(top)


@pytest.fixture(scope="module")
def episodes_with(make_episode):
    """`episodes_with(**env_kwargs)` -> a function giving a fresh (reset) Episode on one env
    made with those kwargs for the whole module."""

    def factory(**kwargs: Any):
        ep = make_episode(**kwargs)

        def fresh() -> Episode:
            ep.reset()
            return ep

        return fresh

    return factory
