"""The grader: per-test ids, restored test infrastructure, partial credit."""

from __future__ import annotations

from nano_gym.repos import base_snapshot, extract_diff, make_workspace
from nano_gym.rewards import grade, is_test_infrastructure, partial_reward
from nano_gym.rewards.junit import parse_junit
from nano_gym.tasks import files_under_test


def test_junit_ids_match_swebench_names(tmp_path):
    xml = tmp_path / "j.xml"
    xml.write_text("""<testsuites><testsuite>
      <testcase classname="tests.test_a" name="test_plain" file="tests/test_a.py"/>
      <testcase classname="tests.test_a.TestK" name="test_m[1-x y]" file="tests/test_a.py"><failure/></testcase>
      <testcase classname="tests.sub.test_b" name="test_s" file="tests/sub/test_b.py"><skipped/></testcase>
      <testcase classname="tests.test_a" name="test_err" file="tests/test_a.py"/>
      <testcase classname="tests.test_a" name="test_err" file="tests/test_a.py"><error/></testcase>
    </testsuite></testsuites>""")
    assert parse_junit(xml) == {
        "tests/test_a.py::test_plain": "PASSED",
        "tests/test_a.py::TestK::test_m[1-x y]": "FAILED",
        "tests/sub/test_b.py::test_s": "SKIPPED",
        "tests/test_a.py::test_err": "ERROR",
    }


def test_test_infrastructure_paths():
    for path in ("tests/test_x.py", "conftest.py", "pkg/conftest.py", "pytest.ini", "setup.cfg", "tox.ini",
                 "pyproject.toml", "sitecustomize.py", "x.pth", "test_top.py", "pkg/tests/helper.py"):
        assert is_test_infrastructure(path), path
    for path in ("pkg/module.py", "README.md", "pkg/testing_utils_not_dir.py"):
        assert not is_test_infrastructure(path), path


def _diff_with(task, tmp_path, edit) -> str:
    snap = base_snapshot(task)
    ws = make_workspace(snap, tmp_path)
    edit(ws)
    return extract_diff(snap, ws)


def test_editing_tests_or_adding_conftest_does_not_pay(task, tmp_path):
    def cheat(ws):
        for f in files_under_test(task):
            if (ws / f).exists():
                (ws / f).write_text("def test_nothing():\n    pass\n")
        (ws / "conftest.py").write_text(
            "import pytest\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
            "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n")

    report = grade(task, _diff_with(task, tmp_path, cheat))
    assert report.status == "graded" and not report.resolved
    assert "conftest.py" in report.dropped_paths


def test_partial_reward_counts_fail_to_pass_gated_on_pass_to_pass(suite):
    multi = next(t for t in suite if len(t.FAIL_TO_PASS) >= 2)
    gold = grade(multi, multi.patch)
    assert partial_reward(gold) == 1.0
    empty = grade(multi, "")
    assert partial_reward(empty) == 0.0
    # Half the FAIL_TO_PASS passing with PASS_TO_PASS intact gives half credit.
    gold.fail_to_pass = {"success": gold.fail_to_pass["success"][:1], "failure": gold.fail_to_pass["success"][1:2]}
    assert partial_reward(gold) == 0.5
    gold.pass_to_pass["failure"] = ["tests/x.py::broken"]
    assert partial_reward(gold) == 0.0


def test_grading_infrastructure_failure_is_not_a_zero(task):
    from dataclasses import replace

    broken = replace(task, test_patch="diff --git a/tests/nope.py b/tests/nope.py\n--- a/tests/nope.py\n+++ b/tests/nope.py\n@@ -1 +1 @@\n-a\n+b\n")
    report = grade(broken, "")
    assert report.status == "grading_failed" and report.reason
