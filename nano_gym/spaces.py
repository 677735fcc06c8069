"""Custom Gymnasium spaces for chat histories and tool-call actions (DESIGN.md decision 2).

`Text` rejects characters outside its charset and `Dict` rejects extra keys, so neither fits
free-form messages; these spaces check structure and let any Unicode through.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium.spaces import Space

__all__ = ["MessageHistory", "ToolCallAction", "ROLES"]

ROLES = frozenset({"system", "user", "assistant", "tool"})


def _is_message(m: Any) -> bool:
    if not isinstance(m, Mapping) or m.get("role") not in ROLES:
        return False
    content = m.get("content")
    if content is not None and not isinstance(content, str):
        return False
    calls = m.get("tool_calls")
    if calls is not None and not isinstance(calls, list):
        return False
    return m["role"] != "tool" or isinstance(m.get("tool_call_id"), str)


class _PythonObjectSpace(Space[Any]):
    """Plumbing shared by spaces whose elements are plain Python objects (no numpy form)."""

    def __init__(self, seed: int | np.random.Generator | None = None) -> None:
        super().__init__(shape=None, dtype=None, seed=seed)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def to_jsonable(self, sample_n: Sequence[Any]) -> list[Any]:
        return list(sample_n)

    def from_jsonable(self, sample_n: list[Any]) -> list[Any]:
        return list(sample_n)

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MessageHistory(_PythonObjectSpace):
    """A chat history: a list of OpenAI-style message dicts (system, user, assistant, tool)."""

    def contains(self, x: Any) -> bool:
        return isinstance(x, list) and all(_is_message(m) for m in x)

    def sample(self, mask: Any = None, probability: Any = None) -> list[dict[str, Any]]:
        words = ["fix", "the", "parser", "bug", "when", "input", "is", "empty", "tests", "fail"]
        text = " ".join(self.np_random.choice(words, size=int(self.np_random.integers(3, 12))))
        return [{"role": "system", "content": "You are a software engineer."}, {"role": "user", "content": text}]


_HARMLESS_COMMANDS = ("pwd", "ls", "git status --short", "true", "echo ready")


class ToolCallAction(_PythonObjectSpace):
    """An action: a tool call `{"name", "arguments"}`, an assistant message, raw text, or None.

    `contains` checks the shape only; the env answers a malformed call with an observation.
    `sample()` returns a read-only shell call, safe for `check_env` to execute.
    """

    def contains(self, x: Any) -> bool:
        if x is None or isinstance(x, str):
            return True
        return isinstance(x, Mapping) and ("name" in x or x.get("role") == "assistant" or "tool_calls" in x)

    def sample(self, mask: Any = None, probability: Any = None) -> dict[str, Any]:
        cmd = _HARMLESS_COMMANDS[int(self.np_random.integers(len(_HARMLESS_COMMANDS)))]
        return {"name": "shell", "arguments": {"cmd": cmd}}
