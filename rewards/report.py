"""The grader's per-test report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["GradeReport", "AUDIT_FLAGS", "BLOCKING_AUDIT_FLAGS", "STATUSES"]

STATUSES = ("graded", "timeout", "grading_failed")

# What the grader noticed the agent's diff or code trying. The first two were neutralised (the
# paths were dropped from the diff, so the tests ran as if they had not been written) and do
# not by themselves stop a resolution; the others mean the results cannot be trusted, so the
# run is never resolved.
AUDIT_FLAGS = (
    "test_infrastructure_modified",  # the diff touched tests or test configuration: dropped
    "module_shadowing",  # the diff added a module shadowing the runner or the stdlib: dropped
    "runner_tampered",  # the canary tests were not reported truthfully
    "duplicate_results",  # a test was reported both as passed and as something else
    "results_unreadable",  # the JUnit report was written but is not a readable pytest report
)
BLOCKING_AUDIT_FLAGS = frozenset({"runner_tampered", "duplicate_results", "results_unreadable"})


@dataclass
class GradeReport:
    """What grading found.

    `status` is "graded", "timeout" (the tests did not finish; reward 0, `reason` says the limit)
    or "grading_failed" (the infrastructure failed: the reward is unknown, not zero). Only a
    "graded" run without a blocking audit flag can be resolved. `audit` lists the flags of
    `AUDIT_FLAGS` that apply, sorted."""

    instance_id: str
    status: str
    resolved: bool = False
    tests: dict[str, str] = field(default_factory=dict)
    fail_to_pass: dict[str, list[str]] = field(default_factory=lambda: {"success": [], "failure": []})
    pass_to_pass: dict[str, list[str]] = field(default_factory=lambda: {"success": [], "failure": []})
    dropped_paths: list[str] = field(default_factory=list)
    audit: list[str] = field(default_factory=list)
    reason: str = ""
    log_tail: str = ""
    duration_s: float = 0.0
    cached: bool = False  # served from the reward cache: the same diff was graded before

    def __post_init__(self) -> None:
        self.audit = sorted(set(self.audit))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["audit"] = sorted(set(self.audit))
        return data
