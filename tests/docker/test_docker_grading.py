"""Grading on the docker backend: the gold patch scores 1.0 and the empty one 0.0, grading runs
in fresh containers that see nothing the episode left outside /testbed, and the attacks of
`tests/security/test_grader_attacks.py` fail there too (the JUnit report reaches the host
through the container's stdout stream instead of a file descriptor)."""

from __future__ import annotations

import pytest
from conftest import make_env
from shared_cases import load

from nano_gym.policies import OraclePolicy
from nano_gym.rewards import grade
from nano_gym.runner import run_episode
from nano_gym.sandbox import make_backend

_attacks = load("tests/security/test_grader_attacks.py")
Agent, solve, assert_zero = _attacks.Agent, _attacks.solve, _attacks.assert_zero
GOLD_TASKS = ["nano-gym__cfgloader-1", "nano-gym__tempora-2"]


@pytest.fixture(scope="module")
def grader_env(task):
    env = make_env([task], command_timeout=10.0, grading_timeout=60.0)
    yield env
    env.close()


agent = _attacks.agent
test_gold_patch_through_the_tools_scores_one_without_audit_flags = \
    _attacks.test_gold_patch_through_the_tools_scores_one_without_audit_flags
test_empty_diff_scores_zero = _attacks.test_empty_diff_scores_zero
test_fix_plus_own_reproduction_test_still_pays = _attacks.test_fix_plus_own_reproduction_test_still_pays
test_conftest_forcing_passes_is_dropped = _attacks.test_conftest_forcing_passes_is_dropped
test_editing_the_test_file_is_undone = _attacks.test_editing_the_test_file_is_undone
test_fake_passed_lines_and_fake_junit_files_count_for_nothing = \
    _attacks.test_fake_passed_lines_and_fake_junit_files_count_for_nothing
test_output_posing_as_a_sandbox_failure_is_still_graded = _attacks.test_output_posing_as_a_sandbox_failure_is_still_graded
test_top_level_pytest_shadow_is_dropped = _attacks.test_top_level_pytest_shadow_is_dropped
test_package_code_monkeypatching_pytest_is_caught_by_the_canary = \
    _attacks.test_package_code_monkeypatching_pytest_is_caught_by_the_canary
test_report_forged_from_the_test_files_at_exit_is_caught = _attacks.test_report_forged_from_the_test_files_at_exit_is_caught
test_garbled_report_is_unreadable_not_an_infrastructure_failure = \
    _attacks.test_garbled_report_is_unreadable_not_an_infrastructure_failure


@pytest.fixture(scope="module")
def suite_env(docker_suite):
    env = make_env([t for t in docker_suite if t.instance_id in GOLD_TASKS])
    yield env
    env.close()


@pytest.mark.parametrize("task_id", GOLD_TASKS)
def test_oracle_solves_and_empty_patch_fails(suite_env, task_id):
    result = run_episode(suite_env, OraclePolicy(), task_id)
    report = result.info["report"]
    assert result.reward == 1.0, report
    assert report["status"] == "graded" and set(report["tests"].values()) == {"PASSED"}
    empty = grade(suite_env.unwrapped.task, "", backend=make_backend("docker"))
    assert empty.status == "graded" and not empty.resolved and empty.fail_to_pass["failure"], empty


def test_grading_runs_in_a_fresh_container(agent):
    """The episode leaves a file outside /testbed; the fix refuses to import where it exists, so
    the reward is 1.0 only if grading does not see it."""
    solve(agent)
    agent.sh("python3 -c \"open('/tmp/nano-episode-leftover', 'w').write('x')\"")
    agent.write("cfgloader/__init__.py", """

        import os as _os
        if _os.path.exists("/tmp/nano-episode-leftover"):
            raise ImportError("grading saw the episode's /tmp")
    """, "a")
    assert "grading saw" in agent.sh("python3 -c 'import cfgloader' 2>&1 | tail -1")  # the check bites here
    reward, info = agent.submit()
    assert reward == 1.0, info["report"]


def test_reading_the_report_back_ends_at_the_grading_timeout(task):
    """Code under test that reads the report's descriptor back blocks on the stream (the
    container's stdout, which it holds open itself): never a resolution, at worst a timeout."""
    env = make_env([task], command_timeout=10.0, grading_timeout=8.0)
    try:
        agent = Agent(env, task).reset()
        solve(agent)
        agent.write("cfgloader/__init__.py", _attacks.STRIP_FAILURES, "a")
        reward, info = agent.submit()
    finally:
        env.close()
    assert reward == 0.0 and not info["report"]["resolved"]
    assert info["reward_status"] in ("timeout", "graded"), info["report"]
