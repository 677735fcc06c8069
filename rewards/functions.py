"""Reward functions: a grade report in, a float out."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ConfigError
from .report import BLOCKING_AUDIT_FLAGS, GradeReport

__all__ = ["binary_reward", "partial_reward", "reward_function", "RewardFn"]

RewardFn = Callable[[GradeReport], float]


def binary_reward(report: GradeReport) -> float:
    """1.0 when every FAIL_TO_PASS and PASS_TO_PASS test passed in a trusted run, else 0.0.

    A "grading_failed" report also gives 0.0 here: check `report.status` (the env's
    `info["reward_status"]`) and leave such samples out of training rather than learn from them."""
    return 1.0 if report.resolved else 0.0


def partial_reward(report: GradeReport) -> float:
    """The fraction of FAIL_TO_PASS tests passing, or 0.0 if any PASS_TO_PASS test broke or the
    run cannot be trusted (a blocking audit flag)."""
    if report.status != "graded" or report.pass_to_pass["failure"] or BLOCKING_AUDIT_FLAGS & set(report.audit):
        return 0.0
    f2p = report.fail_to_pass
    total = len(f2p["success"]) + len(f2p["failure"])
    return len(f2p["success"]) / total if total else float(report.resolved)


_BY_NAME: dict[str, RewardFn] = {"binary": binary_reward, "partial": partial_reward}


def reward_function(spec: str | RewardFn) -> RewardFn:
    """A reward function by name ("binary", "partial") or the callable itself."""
    if callable(spec):
        return spec
    if spec not in _BY_NAME:
        raise ConfigError(f"unknown reward {spec!r}; choose one of {sorted(_BY_NAME)} or pass a callable")
    return _BY_NAME[spec]
