"""The isolated grader and the reward functions."""

from .functions import RewardFn, binary_reward, partial_reward, reward_function
from .grader import grade
from .report import AUDIT_FLAGS, BLOCKING_AUDIT_FLAGS, GradeReport
from .test_infra import is_test_infrastructure

__all__ = ["AUDIT_FLAGS", "BLOCKING_AUDIT_FLAGS", "GradeReport", "RewardFn", "binary_reward", "grade",
           "is_test_infrastructure", "partial_reward", "reward_function"]
