"""Embedded task suites, shipped as package data.

`<suite>.jsonl` holds the SWE-bench records; `<suite dir>/<project>/reference/` holds each
project's reference tree (every fix applied), from which every task's base tree is rebuilt
deterministically by reversing its `patch` and `test_patch`.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

__all__ = ["EMBEDDED_OWNER", "embedded_reference"]

EMBEDDED_OWNER = "nano-gym"
_SUITE_DIRS = ("nano_v0",)


def embedded_reference(repo: str) -> Traversable | None:
    """The reference tree of an embedded repository such as `nano-gym/tempora`, else None."""
    owner, _, name = repo.partition("/")
    if owner != EMBEDDED_OWNER or not name:
        return None
    for suite_dir in _SUITE_DIRS:
        tree = resources.files(__name__) / suite_dir / name / "reference"
        if tree.is_dir():
            return tree
    return None
