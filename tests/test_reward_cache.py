"""The reward cache: a diff graded once is answered from the cache, and only trustworthy
verdicts are kept."""

from __future__ import annotations

import dataclasses

from nano_gym.rewards import grade
from nano_gym.rewards.cache import RewardCache, cache_key
from nano_gym.rewards.report import GradeReport


def test_a_second_grading_of_the_same_diff_is_served_from_the_cache(task, tmp_path):
    cache = RewardCache(tmp_path)
    first = grade(task, task.patch, cache=cache)
    assert first.status == "graded" and first.resolved and not first.cached
    again = grade(task, task.patch, cache=cache)
    assert again.cached and again.resolved and again.tests == first.tests
    # Another process (a vector env worker) sees it through the disk.
    other = RewardCache(tmp_path).get(task, task.patch)
    assert other is not None and other.resolved and other.cached
    # The same change with other line endings at the end is the same key; another diff is not.
    assert cache.get(task, task.patch.rstrip("\n") + "\n\n") is not None
    assert cache.get(task, "") is None


def test_the_key_covers_the_task_record_and_the_diff(task):
    changed = dataclasses.replace(task, FAIL_TO_PASS=(*task.FAIL_TO_PASS, "tests/test_x.py::test_new"))
    assert cache_key(task, task.patch) != cache_key(changed, task.patch)
    assert cache_key(task, task.patch) != cache_key(task, task.patch.replace("+", "-", 1))


def test_untrusted_or_unfinished_verdicts_are_not_cached(task, tmp_path):
    cache = RewardCache(tmp_path)
    for report in (GradeReport(instance_id=task.instance_id, status="timeout"),
                   GradeReport(instance_id=task.instance_id, status="grading_failed"),
                   GradeReport(instance_id=task.instance_id, status="graded", audit=["runner_tampered"])):
        cache.put(task, "some diff", report)
        assert cache.get(task, "some diff") is None
    assert not any(tmp_path.rglob("*.json"))
