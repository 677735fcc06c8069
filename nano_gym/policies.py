"""Reference policies: an oracle that solves any task with the two tools, and one that submits at once.

The oracle turns the gold patch into tool calls: `apply_patch` per hunk (its search text grown
with surrounding lines until it is unique in the file), `touch` + `apply_patch` with an empty
search for a created file, `rm` for a deleted one. It plans against the task's base snapshot,
so every call it makes succeeds; it proves the tools suffice to express any fix.
"""

from __future__ import annotations

import os

import shlex
from typing import Any, Protocol

from .patches import FilePatch, Hunk, parse_patch
from .repos import base_snapshot
from .tasks import Task

__all__ = ["Policy", "OraclePolicy", "EmptyPolicy", "oracle_actions", "policy_by_name"]


class Policy(Protocol):
    def reset(self, task: Task) -> None: ...

    def act(self, observation: list[dict[str, Any]]) -> Any: ...


def _shell(cmd: str) -> dict[str, Any]:
    return {"name": "shell", "arguments": {"cmd": cmd}}


def _patch(search: str, replace: str, file: str) -> dict[str, Any]:
    return {"name": "apply_patch", "arguments": {"search": search, "replace": replace, "file": file}}


def _unique_search(content: str, hunk: Hunk, offset: int) -> str:
    """The hunk's old text, widened by whole lines around its expected place until it is unique."""
    if content.count(hunk.old) == 1:
        return hunk.old
    lines = content.splitlines(keepends=True)
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line)
    starts.append(pos)
    want = max(0, hunk.old_start - 1 + offset)
    # The occurrence whose first line is nearest to where the hunk says it is.
    candidates = [i for i in range(len(lines)) if content.startswith(hunk.old, starts[i])]
    if not candidates:
        raise ValueError("hunk text not found in the base file")
    first = min(candidates, key=lambda i: abs(i - want))
    last = first + max(1, hunk.old.count("\n") + (not hunk.old.endswith("\n")))
    while True:
        search = content[starts[first]: starts[last]] if last <= len(lines) else content[starts[first]:]
        if hunk.old in search and content.count(search) == 1:
            return search
        if first == 0 and last >= len(lines):
            return search
        first, last = max(0, first - 1), min(len(lines), last + 1)


def _file_actions(fp: FilePatch, read_base) -> list[dict[str, Any]]:
    path = fp.path
    if fp.new_path is None:
        return [_shell(f"rm -- {shlex.quote(path)}")]
    if fp.old_path is None:
        parent = path.rpartition("/")[0]
        make = (f"mkdir -p -- {shlex.quote(parent)} && " if parent else "") + f"touch -- {shlex.quote(path)}"
        content = "".join(h.new for h in fp.hunks)
        return [_shell(make)] + ([_patch("", content, path)] if content else [])
    content = read_base(path)
    actions, offset = [], 0
    for hunk in fp.hunks:
        search = _unique_search(content, hunk, offset)
        replace = search.replace(hunk.old, hunk.new, 1)
        actions.append(_patch(search, replace, path))
        content = content.replace(search, replace, 1)
        offset += hunk.new.count("\n") - hunk.old.count("\n")
    return actions


def oracle_actions(task: Task, repos: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """The tool calls that turn the task's base into the gold solution (`repos`: where a
    repository that is not embedded comes from)."""
    tree = base_snapshot(task, repos).tree

    def read_base(path: str) -> str:
        return (tree / path).read_text(encoding="utf-8")

    actions: list[dict[str, Any]] = []
    for fp in parse_patch(task.patch):
        if fp.binary:
            raise ValueError(f"{task.instance_id}: the oracle cannot express binary changes to {fp.path}")
        actions += _file_actions(fp, read_base)
    return actions


class OraclePolicy:
    """Replays `oracle_actions(task)`, then submits with a plain message."""

    def __init__(self, repos: str | os.PathLike[str] | None = None) -> None:
        self._pending: list[Any] = []
        self._repos = repos

    def reset(self, task: Task) -> None:
        self._pending = oracle_actions(task, self._repos)

    def act(self, observation: list[dict[str, Any]]) -> Any:
        if self._pending:
            return self._pending.pop(0)
        return {"role": "assistant", "content": "The fix is in place."}


class EmptyPolicy:
    """Submits immediately without changing anything (the reward must be 0)."""

    def reset(self, task: Task) -> None:
        pass

    def act(self, observation: list[dict[str, Any]]) -> Any:
        return {"role": "assistant", "content": "I have no changes to make."}


def policy_by_name(name: str) -> Policy:
    from .errors import ConfigError

    policies = {"oracle": OraclePolicy, "empty": EmptyPolicy}
    if name not in policies:
        raise ConfigError(f"unknown policy {name!r}; choose from {sorted(policies)}")
    return policies[name]()
