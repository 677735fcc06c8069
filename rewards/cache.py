"""A content-keyed cache of grading results.

GRPO-style training grades many identical diffs (a group's samples often converge on the same
fix, and an empty diff is common). A report is stored under the hash of the task's full record,
the diff and the grader version, in memory and on disk in the nano_gym cache, so every worker
of a vector env shares it. Only clean `graded` results are cached: timeouts and infrastructure
failures may not repeat, and a run the grader distrusts is graded again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import OrderedDict
from pathlib import Path

from ..cache import cache_root
from ..tasks import Task
from .report import BLOCKING_AUDIT_FLAGS, GradeReport

__all__ = ["GRADER_VERSION", "RewardCache", "cache_key"]

# Bump whenever a change to grading could change a verdict: old entries then stop matching.
GRADER_VERSION = "3"
_MEMORY_ENTRIES = 4096


def _normalised(diff: str) -> str:
    """The same change always yields the same text from `extract_diff`; only line endings of the
    whole text and trailing blank lines can differ between callers."""
    text = diff.replace("\r\n", "\n").rstrip("\n")
    return text + "\n" if text else ""


def cache_key(task: Task, diff: str) -> str:
    record = json.dumps(task.to_record(), sort_keys=True, default=str)
    blob = "\0".join([GRADER_VERSION, record, _normalised(diff)]).encode("utf-8", "surrogateescape")
    return hashlib.sha256(blob).hexdigest()


class RewardCache:
    """Grading results by (task record, diff, grader version); `directory=None` keeps them in
    memory only."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._memory: OrderedDict[str, dict] = OrderedDict()

    @classmethod
    def shared(cls) -> RewardCache:
        """A cache on disk under the nano_gym cache directory."""
        return cls(cache_root() / "reward-cache")

    def get(self, task: Task, diff: str) -> GradeReport | None:
        key = cache_key(task, diff)
        data = self._memory.get(key)
        if data is None and self.directory is not None:
            try:
                data = json.loads((self.directory / key[:2] / f"{key}.json").read_text())
            except (OSError, ValueError):
                data = None
            if data is not None:
                self._remember(key, data)
        if data is None:
            return None
        self._memory.move_to_end(key)
        return GradeReport(**{**data, "duration_s": 0.0, "cached": True})

    def put(self, task: Task, diff: str, report: GradeReport) -> None:
        if report.status != "graded" or BLOCKING_AUDIT_FLAGS & set(report.audit):
            return
        key = cache_key(task, diff)
        data = report.to_dict()
        self._remember(key, data)
        if self.directory is None:
            return
        target = self.directory / key[:2] / f"{key}.json"
        tmp = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh)
            os.replace(tmp, target)
        except OSError:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)  # a cache that cannot be written only costs a regrade

    def _remember(self, key: str, data: dict) -> None:
        self._memory[key] = data
        self._memory.move_to_end(key)
        while len(self._memory) > _MEMORY_ENTRIES:
            self._memory.popitem(last=False)
