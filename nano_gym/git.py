"""Running git on the host, hardened.

The harness only ever runs git against git directories it owns (never the agent's `.git`),
with system/global config ignored, hooks and fsmonitor off and no pager or prompt, so nothing
in a workspace can make the host execute code (DESIGN.md decision 7).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .errors import RepoError

__all__ = ["run_git", "git_env", "GIT_IDENTITY"]

# Fixed identity and timezone make commits deterministic across machines.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "nano-gym",
    "GIT_AUTHOR_EMAIL": "maintainers@nano-gym.invalid",
    "GIT_COMMITTER_NAME": "nano-gym",
    "GIT_COMMITTER_EMAIL": "maintainers@nano-gym.invalid",
    "TZ": "UTC",
}

_HARDENING = [
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.fsmonitor=false",
    "-c", "core.autocrlf=false",
    "-c", "core.safecrlf=false",
    "-c", "core.quotePath=true",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicPrefix=false",
    "-c", "diff.renames=false",
    "-c", "color.ui=false",
    "-c", "commit.gpgSign=false",
    "-c", "init.defaultBranch=main",
]


def _git_binary() -> str:
    found = shutil.which("git")
    if not found:
        raise RepoError("git is not installed: install it (e.g. `apt-get install -y git`)")
    return found


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: no user/system config, no prompts, no pager."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_PAGER": "cat",
        "LC_ALL": "C",
    }
    if extra:
        env.update(extra)
    return env


def run_git(
    args: list[str],
    *,
    cwd: Path | str,
    git_dir: Path | str | None = None,
    work_tree: Path | str | None = None,
    env: dict[str, str] | None = None,
    input: bytes | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run `git <args>` with the hardening above; raise `RepoError` on failure when `check`."""
    extra = dict(env or {})
    if git_dir is not None:
        extra["GIT_DIR"] = str(git_dir)
    if work_tree is not None:
        extra["GIT_WORK_TREE"] = str(work_tree)
    proc = subprocess.run(
        [_git_binary(), *_HARDENING, *args],
        cwd=cwd,
        env=git_env(extra),
        input=input,
        capture_output=True,
        stdin=None if input is not None else subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise RepoError(f"git {args[0]} failed ({proc.returncode}): {err}")
    return proc
