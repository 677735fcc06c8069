"""The grader's per-test report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["GradeReport"]


@dataclass
class GradeReport:
    """What grading found. `status` is "graded", "timeout" or "grading_failed"; only "graded"
    can be resolved, and "grading_failed" means the reward is unknown, not zero."""

    instance_id: str
    status: str
    resolved: bool = False
    tests: dict[str, str] = field(default_factory=dict)
    fail_to_pass: dict[str, list[str]] = field(default_factory=lambda: {"success": [], "failure": []})
    pass_to_pass: dict[str, list[str]] = field(default_factory=lambda: {"success": [], "failure": []})
    dropped_paths: list[str] = field(default_factory=list)
    reason: str = ""
    log_tail: str = ""
    duration_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
