"""The first two messages of every episode."""

from __future__ import annotations

from ..sandbox.jail import REPO_MOUNT
from ..tasks import Task

__all__ = ["DEFAULT_SYSTEM_PROMPT", "initial_messages"]

DEFAULT_SYSTEM_PROMPT = f"""You are a software engineer fixing an issue in the repository at {REPO_MOUNT}.

You have two tools:
- shell(cmd): run a command in a persistent restricted bash shell whose working directory is the
  repository. Variables and functions persist between calls. Output redirection (>), `cd` and
  command names containing '/' are not allowed. Run the tests with `python -m pytest`.
- apply_patch(search, replace, file): replace the exact text `search`, which must occur exactly once in
  `file`, with `replace`. To create a file, `touch` it with the shell, then apply_patch with an empty search.

Explore the code, reproduce the problem, make the smallest correct change, and check it.
When you are done, reply without calling a tool: your changes to the repository are then graded
by hidden tests."""


def initial_messages(task: Task, system_prompt: str | None = None) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": system_prompt or DEFAULT_SYSTEM_PROMPT},
        {"role": "user", "content": task.problem_statement},
    ]
