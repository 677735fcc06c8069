"""The grader: per-test ids, restored test infrastructure, untrusted reports, canaries, statuses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from nano_gym.repos import base_snapshot, extract_diff, make_workspace
from nano_gym.rewards import binary_reward, grade, is_test_infrastructure, partial_reward
from nano_gym.rewards.canary import Canaries, canary_host, canary_verdict, plant_canaries
from nano_gym.rewards.cache import RewardCache
from nano_gym.rewards.grader import run_tests, stage_grading
from nano_gym.rewards.junit import JunitUnreadable, parse_junit, parse_junit_bytes
from nano_gym.rewards.test_infra import ShadowCheck
from nano_gym.sandbox import LocalBackend
from nano_gym.tasks import files_under_test

F2P = "tests/test_loader.py::test_env_overrides_dotted_subsections"


# ----------------------------------------------------------------------------- JUnit

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


def _case(name: str, child: str = "") -> str:
    return f'<testcase classname="tests.test_a" name="{name}" file="tests/test_a.py">{child}</testcase>'


def test_junit_ids_reported_as_passed_and_not_passed_conflict():
    doc = ("<testsuites><testsuite>" + _case("test_x") + _case("test_x", "<failure/>") + _case("test_y", "<failure/>")
           + _case("test_y", "<error/>") + _case("test_z") + _case("test_z") + _case("test_s", "<skipped/>")
           + _case("test_s") + "</testsuite></testsuites>").encode()
    results = parse_junit_bytes(doc)
    # pytest repeats an id for a failure in call and teardown: that is not a conflict.
    assert results.conflicting == {"tests/test_a.py::test_x", "tests/test_a.py::test_s"}
    assert results.tests == {"tests/test_a.py::test_x": "FAILED", "tests/test_a.py::test_y": "ERROR",
                             "tests/test_a.py::test_z": "PASSED", "tests/test_a.py::test_s": "FAILED"}


@pytest.mark.parametrize("doc", [
    b"",
    b"not xml at all",
    b"<testsuites><testsuite>" + _case("test_x").encode(),  # truncated
    b"<html><testcase name='x'/></html>",  # not a pytest report
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    b"<testsuites><testsuite><testcase name='&lol2;'/></testsuite></testsuites>",
])
def test_untrusted_junit_documents_are_unreadable(doc):
    with pytest.raises(JunitUnreadable):
        parse_junit_bytes(doc)


def test_junit_size_is_capped():
    doc = ("<testsuites><testsuite>" + _case("test_x") * 100 + "</testsuite></testsuites>").encode()
    assert parse_junit_bytes(doc, max_bytes=len(doc)).tests == {"tests/test_a.py::test_x": "PASSED"}
    with pytest.raises(JunitUnreadable, match="larger"):
        parse_junit_bytes(doc, max_bytes=len(doc) - 1)


# ----------------------------------------------------------------------------- what is dropped

def test_test_infrastructure_paths():
    for path in ("tests/test_x.py", "conftest.py", "pkg/conftest.py", "pytest.ini", ".pytest.ini", "setup.cfg",
                 "tox.ini", "pyproject.toml", "sitecustomize.py", "usercustomize.py", "x.pth", "pkg/y.pth",
                 "test_top.py", "pkg/tests/helper.py", "tests", "evil-1.0.dist-info/entry_points.txt",
                 "pkg.egg-info/entry_points.txt", "src/x.egg-link"):
        assert is_test_infrastructure(path), path
    for path in ("pkg/module.py", "README.md", "pkg/testing_utils_not_dir.py", "pkg/latest.py"):
        assert not is_test_infrastructure(path), path


def test_shadow_check_flags_new_modules_on_the_import_path(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["src"]\n')
    base = ["pyproject.toml", "src/mypkg/__init__.py", "src/mypkg/core.py", "tests/test_core.py",
            "tests/conftest.py", "logging.py", "tools/run.py"]
    check = ShadowCheck.build(tmp_path, base, {"json", "xml", "logging", "os", "attr"})
    shadowing = {"pytest.py": "pytest", "_pytest/__init__.py": "_pytest", "pluggy/x.py": "pluggy",
                 "json.py": "json", "json.pyc": "json", "json.cpython-311-x86_64-linux-gnu.so": "json",
                 "xml/__init__.py": "xml", "src/json.py": "json", "src/attr/__init__.py": "attr",
                 "tests/os.py": "os"}
    for path, name in shadowing.items():
        assert check(path) == name, path
    for path in ("src/mypkg/json.py", "tools/json.py", "mypkg.py", "README.md", "json.txt",
                 "logging.py", "src/mypkg/__init__.py", "newpkg/__init__.py"):
        assert check(path) is None, path


def _diff_with(task, tmp_path, edit) -> str:
    snap = base_snapshot(task)
    ws = make_workspace(snap, tmp_path)
    edit(ws)
    return extract_diff(snap, ws)


def _solve(ws) -> None:
    loader = ws / "cfgloader" / "loader.py"
    loader.write_text(loader.read_text().replace("rest.partition(ENV_SEPARATOR)", "rest.rpartition(ENV_SEPARATOR)"))


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
    assert report.audit == ["test_infrastructure_modified"]


def test_shadowing_modules_are_dropped_and_the_real_fix_still_counts(task, tmp_path):
    def fix_and_shadow(ws):
        _solve(ws)
        (ws / "pytest.py").write_text("raise SystemExit(0)\n")
        (ws / "json.py").write_text("raise SystemExit(0)\n")
        (ws / "cfgloader" / "json.py").write_text("VALUE = 1\n")  # a submodule shadows nothing

    report = grade(task, _diff_with(task, tmp_path, fix_and_shadow))
    assert report.resolved and binary_reward(report) == 1.0, report
    assert report.audit == ["module_shadowing"]
    assert sorted(report.dropped_paths) == ["json.py", "pytest.py"]
    assert report.to_dict()["audit"] == ["module_shadowing"]


# ----------------------------------------------------------------------------- canaries

TEST_FILE = '''\
"""A test module like a repository's own."""
from __future__ import annotations

import json
from collections import OrderedDict as OD

import pytest


def helper():
    return 3


def test_helper_returns_three():
    assert helper() == 3


@pytest.mark.parametrize("n", [1, 2])
def test_parametrized_values(n):
    assert n > 0


class TestGroup:
    def test_inside_class(self):
        assert True


def test_returns_early():
    return


def test_skips_itself():
    pytest.skip("not here")


def test_trailing_without_newline():
    assert helper() + 1 == 4'''


def test_planted_canaries_fail_and_pass_when_really_run(tmp_path):
    plantings = []
    for i in range(6):  # several draws of names, places and bodies
        (tmp_path / "tests").mkdir(exist_ok=True)
        rel = f"tests/test_mod{i}.py"
        (tmp_path / rel).write_text(TEST_FILE)
        passing = frozenset({"test_helper_returns_three", "test_trailing_without_newline", "test_returns_early",
                             "test_skips_itself"})
        canaries = plant_canaries(tmp_path, rel, external=frozenset({"json", "pytest"}), passing=passing)
        plantings.append(canaries)
        assert canaries.must_fail != canaries.must_pass
        assert all(c.startswith(f"{rel}::test_") for c in canaries.ids)
        text = (tmp_path / rel).read_text()
        assert text.count("def test_") == 8 and TEST_FILE.splitlines()[-1].strip() in text
        bodies = {c: text.split(f"def {c.split('::')[1]}():", 1)[1].split("\n\n", 1)[0] for c in canaries.ids}
        for body in bodies.values():
            # Built on the module's own imports (not json, not pytest): not computing on literals alone.
            assert "OD" in body and "json" not in body and "pytest" not in body, body
        # The must-fail one first runs the body of a test that passed at base (never one that
        # could return or skip early), so it calls the code under test like the task's tests.
        assert "helper()" in bodies[canaries.must_fail] and "return" not in bodies[canaries.must_fail]
        assert "helper()" not in bodies[canaries.must_pass]
    junit = tmp_path / "junit.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "junit_family=xunit1",
                    f"--junitxml={junit}", "tests"], cwd=tmp_path, capture_output=True, check=False)
    tests = parse_junit(junit)
    for canaries in plantings:
        assert tests[canaries.must_fail] == "FAILED" and tests[canaries.must_pass] == "PASSED"
        assert canary_verdict(canaries, tests) == ("ok", "")
        assert tests[f"{canaries.file}::TestGroup::test_inside_class"] == "PASSED"
        assert tests[f"{canaries.file}::test_parametrized_values[2]"] == "PASSED"
    assert len(tests) == 6 * 9


def test_canary_verdicts():
    c = Canaries(file="tests/t.py", must_fail="tests/t.py::test_a_b", must_pass="tests/t.py::test_c_d")
    other = "tests/t.py::test_real"
    ok = {c.must_fail: "FAILED", c.must_pass: "PASSED"}
    assert canary_verdict(c, {**ok, other: "PASSED"})[0] == "ok"
    assert canary_verdict(c, {c.must_fail: "PASSED", c.must_pass: "PASSED", other: "PASSED"})[0] == "tampered"
    assert canary_verdict(c, {c.must_fail: "FAILED", c.must_pass: "FAILED"})[0] == "tampered"
    assert canary_verdict(c, {c.must_fail: "FAILED", other: "PASSED"})[0] == "tampered"
    assert canary_verdict(c, {other: "PASSED"})[0] == "tampered"  # forged report without them
    assert canary_verdict(c, {c.must_fail: "SKIPPED", c.must_pass: "PASSED"})[0] == "tampered"
    # The file (or the session) never ran: nothing to trust, nothing tampered with.
    assert canary_verdict(c, {})[0] == "not_run"
    assert canary_verdict(c, {c.must_fail: "ERROR", c.must_pass: "ERROR", other: "ERROR"})[0] == "not_run"
    assert canary_verdict(c, {"tests/other.py::test_x": "PASSED"})[0] == "not_run"


def test_canary_host_is_a_file_that_runs(tmp_path):
    for f in ("tests/test_a.py", "tests/test_b.py", "tests/data.txt"):
        (tmp_path / f).parent.mkdir(exist_ok=True)
        (tmp_path / f).write_text("")
    ids = ["tests/test_b.py::test_x", "tests/test_c.py::test_gone"]
    assert canary_host(ids, ["tests/data.txt", "tests/test_a.py", "tests/test_b.py"], tmp_path) == "tests/test_b.py"
    assert canary_host(["tests/test_b.py::t"], ["tests/test_a.py"], tmp_path, scope="test_patch") == "tests/test_a.py"
    assert canary_host(["tests/test_b.py::t"], ["tests/test_a.py"], tmp_path, scope="all") == "tests/test_b.py"
    assert canary_host([], ["tests/data.txt"], tmp_path) is None


@pytest.mark.parametrize("scope", ["test_patch", "all"])
def test_canaries_run_in_both_scopes_and_never_reach_the_results(task, scope):
    scoped = replace(task, runtime=replace(task.runtime, test_scope=scope))
    run = run_tests(scoped, scoped.patch)
    assert run.status == "graded" and run.canary == "ok" and run.trusted, run.reason
    assert set(run.tests) >= {*task.FAIL_TO_PASS} and len(run.tests) == len(set(run.tests))
    if scope == "test_patch":
        assert {t.split("::")[0] for t in run.tests} == set(files_under_test(task))
    report = grade(scoped, scoped.patch)
    assert report.audit == [] and set(report.tests) == {*task.FAIL_TO_PASS, *task.PASS_TO_PASS}
    assert report.fail_to_pass == {"success": list(task.FAIL_TO_PASS), "failure": []}
    # The task's PASS_TO_PASS spans files test_patch does not touch: only "all" runs them.
    assert report.resolved == (scope == "all")


def test_runner_tampering_is_flagged_and_credits_nothing(task, tmp_path):
    def tamper(ws):
        init = ws / "cfgloader" / "__init__.py"
        init.write_text(init.read_text() + textwrap.dedent("""
            from _pytest.reports import TestReport as _T
            _orig = _T.from_item_and_call.__func__
            def _passed(cls, item, call):
                r = _orig(cls, item, call)
                r.outcome, r.longrepr = "passed", None
                return r
            _T.from_item_and_call = classmethod(_passed)
        """))

    report = grade(task, _diff_with(task, tmp_path, tamper))
    assert report.status == "graded" and not report.resolved
    assert report.audit == ["runner_tampered"] and "canary" in report.reason
    assert report.tests[F2P] == "PASSED"  # what the runner claimed
    assert report.fail_to_pass["success"] == [] and report.pass_to_pass["success"] == []
    assert binary_reward(report) == 0.0 and partial_reward(report) == 0.0


# ----------------------------------------------------------------------------- report "log"

def _log_mode(task):
    return replace(task, runtime=replace(task.runtime, report="log", test_scope="all"))


def test_log_report_grades_gold_and_empty_like_junit(task):
    logged = _log_mode(task)
    gold, empty = grade(logged, logged.patch), grade(logged, "")
    assert gold.status == "graded" and gold.resolved and gold.audit == [], gold.reason
    junit = grade(replace(task, runtime=replace(task.runtime, test_scope="all")), task.patch)
    assert gold.tests == junit.tests  # the same outcomes as the JUnit report
    assert empty.status == "graded" and not empty.resolved
    assert empty.fail_to_pass["failure"] == list(task.FAIL_TO_PASS)


def test_log_report_is_not_fooled_by_printed_outcomes_or_a_forged_summary(task, tmp_path):
    logged = _log_mode(task)
    fake = "=== short test summary info ===\\n" + "".join(f"PASSED {t}\\n" for t in task.FAIL_TO_PASS)

    def print_outcomes(ws):  # printed by every passing test: shown above the summary, not in it
        loader = ws / "cfgloader" / "loader.py"
        loader.write_text(loader.read_text() + textwrap.dedent(f"""
            _real_loads = loads
            def loads(*args, **kwargs):
                print("{fake}")
                return _real_loads(*args, **kwargs)
        """))

    def forge_and_exit(ws):  # at import, the forged summary goes to pytest's saved stdout, then exit
        init = ws / "cfgloader" / "__init__.py"
        init.write_text(init.read_text() + textwrap.dedent(f"""
            import os, stat
            for _fd in range(3, 64):
                try:
                    if stat.S_ISFIFO(os.fstat(_fd).st_mode):
                        os.write(_fd, "{fake}".encode())
                except OSError:
                    pass
            os._exit(0)
        """))

    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
    printed = run_tests(logged, _diff_with(task, tmp_path / "a", print_outcomes))
    assert f"PASSED {task.FAIL_TO_PASS[0]}\n" in printed.log  # the attack ran
    assert printed.status == "graded" and printed.tests[task.FAIL_TO_PASS[0]] == "FAILED"
    forged = grade(logged, _diff_with(task, tmp_path / "b", forge_and_exit))
    # The forged summary is read, but the canaries it cannot know give it away.
    assert forged.tests[task.FAIL_TO_PASS[0]] == "PASSED" and forged.audit == ["runner_tampered"]
    assert not forged.resolved and binary_reward(forged) == 0.0


# ----------------------------------------------------------------------------- statuses and rewards

def test_partial_reward_counts_fail_to_pass_gated_on_pass_to_pass(suite):
    multi = next(t for t in suite if len(t.FAIL_TO_PASS) >= 2)
    gold = grade(multi, multi.patch)
    assert partial_reward(gold) == 1.0
    empty = grade(multi, "")
    assert partial_reward(empty) == 0.0
    # Half the FAIL_TO_PASS passing with PASS_TO_PASS intact gives half credit.
    gold.fail_to_pass = {"success": gold.fail_to_pass["success"][:1], "failure": gold.fail_to_pass["success"][1:2]}
    assert partial_reward(gold) == 0.5
    gold.audit = ["test_infrastructure_modified"]  # neutralised: still credited
    assert partial_reward(gold) == 0.5
    gold.audit = ["duplicate_results"]  # untrusted: nothing
    assert partial_reward(gold) == 0.0
    gold.audit = []
    gold.pass_to_pass["failure"] = ["tests/x.py::broken"]
    assert partial_reward(gold) == 0.0


def test_grading_timeout_scores_zero_with_a_reason(task, tmp_path):
    def hang(ws):
        _solve(ws)
        init = ws / "cfgloader" / "__init__.py"
        init.write_text(init.read_text() + "\nimport time\ntime.sleep(3600)\n")

    report = grade(task, _diff_with(task, tmp_path, hang), timeout=3.0)
    assert report.status == "timeout" and not report.resolved
    assert "3s" in report.reason
    assert binary_reward(report) == 0.0 and partial_reward(report) == 0.0


def test_grading_infrastructure_failure_is_not_a_zero(task):
    broken = replace(task, test_patch="diff --git a/tests/nope.py b/tests/nope.py\n--- a/tests/nope.py\n+++ b/tests/nope.py\n@@ -1 +1 @@\n-a\n+b\n")
    report = grade(broken, "")
    assert report.status == "grading_failed" and report.reason and not report.resolved


class _ScratchInBackend(LocalBackend):
    """A real local backend keeping its scratch trees under a directory the test owns."""

    def __init__(self, root):
        super().__init__()
        object.__setattr__(self, "root", root)

    def scratch_dir(self, prefix):
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.root))


def test_a_tree_deeper_than_the_recursion_limit_is_graded_and_removed(task, tmp_path):
    deep = "d/" * (sys.getrecursionlimit() + 100) + "x.py"
    diff = f"diff --git a/{deep} b/{deep}\nnew file mode 100644\n--- /dev/null\n+++ b/{deep}\n@@ -0,0 +1 @@\n+X = 1\n"
    report = grade(task, diff, backend=_ScratchInBackend(tmp_path))
    assert report.status == "graded" and not report.resolved
    assert list(tmp_path.iterdir()) == []


class _MissingWorkspaceBackend(LocalBackend):
    """A real local backend whose jails point at a directory that does not exist: bwrap fails."""

    def start(self, workspace, runtime, *, env=None, overlay=None):
        return super().start(workspace / "gone", runtime, env=env)


def test_sandbox_failure_is_grading_failed(task):
    report = grade(task, task.patch, backend=_MissingWorkspaceBackend())
    assert report.status == "grading_failed" and not report.resolved
    assert "sandbox" in report.reason or "runtime" in report.reason, report.reason


# ----------------------------------------------------------------------------- staged gradings

def test_a_staged_grading_grades_like_a_fresh_one_runs_once_and_leaves_nothing(task, tmp_path):
    backend = _ScratchInBackend(tmp_path)
    gold = grade(task, task.patch, backend=backend, staged=lambda: stage_grading(task, backend=backend))
    assert gold.status == "graded" and gold.resolved and list(tmp_path.iterdir()) == []
    staged = stage_grading(task, backend=backend)
    assert len(list(tmp_path.iterdir())) == 1  # its scratch: the overlay (or copy) and the report
    empty = run_tests(task, "", backend=backend, staged=staged)
    assert empty.status == "graded" and empty.trusted and empty.tests[F2P] != "PASSED"
    assert list(tmp_path.iterdir()) == []
    again = staged.run(task.patch, timeout=60)
    assert again.status == "grading_failed" and "once" in again.reason
    fresh = run_tests(task, task.patch, backend=backend, staged=staged)  # a used one is made again
    assert fresh.status == "graded" and fresh.trusted and fresh.tests[F2P] == "PASSED"
    assert list(tmp_path.iterdir()) == []


def test_a_staged_grading_of_another_task_is_discarded(suite, tmp_path):
    backend = _ScratchInBackend(tmp_path)
    first, other = suite[0], next(t for t in suite if t.repo != suite[0].repo)
    staged = stage_grading(first, backend=backend)
    report = grade(other, other.patch, backend=backend, staged=lambda: staged)
    assert report.resolved and report.instance_id == other.instance_id
    assert list(tmp_path.iterdir()) == []


def test_a_staged_grading_whose_jail_died_is_made_again(task, tmp_path):
    backend = _ScratchInBackend(tmp_path)
    staged = stage_grading(task, backend=backend)
    jail = staged.command._blocked.proc
    os.killpg(jail.pid, signal.SIGKILL)  # as the OOM killer or a stray pkill would
    jail.wait()
    report = grade(task, task.patch, backend=backend, staged=lambda: staged)
    assert report.status == "graded" and report.resolved
    assert list(tmp_path.iterdir()) == []


def test_a_staged_grading_closed_unused_leaves_nothing(task, tmp_path):
    backend = _ScratchInBackend(tmp_path)
    staged = stage_grading(task, backend=backend)
    staged.close()
    staged.close()
    assert list(tmp_path.iterdir()) == []


def test_a_staged_grading_is_not_taken_when_the_cache_answers(task, tmp_path):
    cache = RewardCache(tmp_path / "cache")
    first = grade(task, "", cache=cache)
    taken = []
    again = grade(task, "", cache=cache, staged=lambda: taken.append(1))
    assert again.cached and not taken and again.resolved == first.resolved
