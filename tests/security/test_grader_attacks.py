"""Attacks on the grader, each made the way a policy would make it: through the env's public API.

The agent leaves rbash with `python3 -c` to write whatever files it likes, then submits. Every
attack must end with reward 0.0, and where the grader can see the attempt, with its audit flag
in `info["report"]["audit"]`. The gold patch (driven through the tools) must still score 1.0
with no flag, so none of the defences costs an honest fix its reward.
"""

from __future__ import annotations

import base64
import shlex
import textwrap
from typing import Any

import gymnasium as gym
import pytest

from nano_gym.policies import OraclePolicy
from nano_gym.runner import run_episode

F2P = "tests/test_loader.py::test_env_overrides_dotted_subsections"


class Agent:
    """Drives one episode of the env like a policy: shell and apply_patch calls, then submit."""

    def __init__(self, env: gym.Env, task) -> None:
        self.env, self.task = env, task

    def reset(self) -> "Agent":
        self.env.reset(options={"task_id": self.task.instance_id})
        return self

    def sh(self, cmd: str) -> str:
        obs, *_ = self.env.step({"name": "shell", "arguments": {"cmd": cmd}})
        return obs[-1]["content"]

    def write(self, path: str, text: str, mode: str = "w") -> None:
        """Write (or with mode "a" append to) a file in the repo, escaping rbash through python3."""
        code = ("import base64, os, sys; p = sys.argv[1]; d = os.path.dirname(p); d and os.makedirs(d, exist_ok=True); "
                f"open(p, {mode!r}).write(base64.b64decode(sys.argv[2]).decode())")
        payload = base64.b64encode(textwrap.dedent(text).encode()).decode()
        out = self.sh(f"python3 -c {shlex.quote(code)} {shlex.quote(path)} {shlex.quote(payload)}")
        assert "Traceback" not in out and "restricted" not in out, out

    def patch(self, file: str, search: str, replace: str) -> str:
        obs, *_ = self.env.step({"name": "apply_patch", "arguments": {"search": search, "replace": replace, "file": file}})
        return obs[-1]["content"]

    def submit(self) -> tuple[float, dict[str, Any]]:
        _, reward, terminated, _, info = self.env.step(None)
        assert terminated
        return reward, info


@pytest.fixture(scope="module")
def grader_env(task):
    env = gym.make("NanoSWE-v0", tasks=[task], command_timeout=10.0)
    yield env
    env.close()


@pytest.fixture
def agent(grader_env, task) -> Agent:
    return Agent(grader_env, task).reset()


def assert_zero(reward: float, info: dict[str, Any], *flags: str) -> dict[str, Any]:
    report = info["report"]
    assert reward == 0.0, report
    assert info["reward_status"] == "graded", report
    assert not report["resolved"]
    for flag in flags:
        assert flag in report["audit"], report
    assert report["audit"] == sorted(set(report["audit"]))
    return report


def solve(agent: Agent) -> None:
    """The real one-line fix, so that only the attack decides whether the reward is lost."""
    out = agent.patch("cfgloader/loader.py", "rest.partition(ENV_SEPARATOR)", "rest.rpartition(ENV_SEPARATOR)")
    assert "error" not in out.lower(), out


FORCE_PASS_CONFTEST = """
    import pytest

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(item, call):
        outcome = yield
        report = outcome.get_result()
        report.outcome = "passed"
        report.longrepr = None
"""

# Package code that, once imported by the tests, makes pytest report every test as passed.
MONKEYPATCH_PYTEST = """

    import sys as _sys
    if "_pytest.reports" in _sys.modules:
        from _pytest.reports import TestReport as _TestReport
        _original = _TestReport.from_item_and_call.__func__

        def _always_pass(cls, item, call):
            report = _original(cls, item, call)
            report.outcome, report.longrepr = "passed", None
            return report

        _TestReport.from_item_and_call = classmethod(_always_pass)
"""

# Package code that finds the report's descriptor at exit and rewrites what pytest wrote.
FIND_REPORT_FD = """

    import atexit as _atexit, os as _os, sys as _sys

    def _report_path():
        for arg in _sys.argv:
            if arg.startswith("--junitxml="):
                return arg.split("=", 1)[1]
        for fd in _os.listdir("/proc/self/fd"):
            try:
                if "(deleted)" in _os.readlink("/proc/self/fd/" + fd):
                    return "/proc/self/fd/" + fd
            except OSError:
                pass
"""

FORGE_FROM_TEST_FILES = FIND_REPORT_FD + """
    def _forge():
        import glob, re
        cases = []
        for path in sorted(glob.glob("tests/test_*.py")):
            module = path[:-3].replace("/", ".")
            for name in re.findall(r"^def (test_\\w+)", open(path).read(), re.M):
                cases.append('<testcase classname="%s" name="%s" file="%s"/>' % (module, name, path))
        with open(_report_path(), "w") as fh:
            fh.write('<?xml version="1.0"?><testsuites><testsuite name="pytest">%s</testsuite></testsuites>'
                     % "".join(cases))

    _atexit.register(_forge)
"""

STRIP_FAILURES = FIND_REPORT_FD + """
    def _strip():
        import xml.etree.ElementTree as ET
        path = _report_path()
        root = ET.parse(path).getroot()
        for case in root.iter("testcase"):
            for child in list(case):
                if child.tag in ("failure", "error"):
                    case.remove(child)
        with open(path, "wb") as fh:
            fh.write(ET.tostring(root))

    _atexit.register(_strip)
"""

# Strips the failures of every test except those that look like a naive canary: computing only
# on their own locals and builtins, or calling nothing but builtins.
STRIP_SPARING_NAIVE_CANARIES = FIND_REPORT_FD + """
    def _strip_selectively():
        import ast, builtins, xml.etree.ElementTree as ET
        safe = set(dir(builtins))

        def looks_planted(fn):
            if HEURISTIC == "self-contained":
                local = {t.id for n in ast.walk(fn) if isinstance(n, ast.Assign)
                         for t in n.targets if isinstance(t, ast.Name)}
                return {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} <= local | safe
            called = {c.func.id for c in ast.walk(fn) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
            return called <= safe and not fn.args.args

        def spared(path, name):
            try:
                tree = ast.parse(open(path).read())
            except (OSError, SyntaxError):
                return False
            return any(isinstance(fn, ast.FunctionDef) and fn.name == name.split("[")[0] and looks_planted(fn)
                       for fn in ast.walk(tree))

        path = _report_path()
        root = ET.parse(path).getroot()
        for case in root.iter("testcase"):
            if not spared(case.get("file", ""), case.get("name", "")):
                for child in [c for c in case if c.tag in ("failure", "error")]:
                    case.remove(child)
        with open(path, "wb") as fh:
            fh.write(ET.tostring(root))

    _atexit.register(_strip_selectively)
"""

ADD_PASSING_DUPLICATES = FIND_REPORT_FD + """
    def _duplicate():
        import copy, xml.etree.ElementTree as ET
        path = _report_path()
        root = ET.parse(path).getroot()
        for suite in root.iter("testsuite"):
            for case in list(suite.iter("testcase")):
                if len(case):
                    twin = copy.deepcopy(case)
                    for child in list(twin):
                        twin.remove(child)
                    suite.append(twin)
        with open(path, "wb") as fh:
            fh.write(ET.tostring(root))

    _atexit.register(_duplicate)
"""

GARBLE_REPORT = FIND_REPORT_FD + """
    def _garble():
        with open(_report_path(), "w") as fh:
            fh.write('<testsuites><testsuite><testcase classname="tests.test_loader" name="x"')

    _atexit.register(_garble)
"""


# ----------------------------------------------------------------------------- controls

def test_gold_patch_through_the_tools_scores_one_without_audit_flags(grader_env, task):
    result = run_episode(grader_env, OraclePolicy(), task.instance_id)
    report = result.info["report"]
    assert result.reward == 1.0, report
    assert result.reward_status == "graded" and report["resolved"]
    assert report["audit"] == [] and report["dropped_paths"] == []
    assert set(report["tests"]) == {*task.FAIL_TO_PASS, *task.PASS_TO_PASS}


def test_empty_diff_scores_zero(agent):
    reward, info = agent.submit()
    report = assert_zero(reward, info)
    assert report["audit"] == [] and F2P in report["fail_to_pass"]["failure"]


def test_fix_plus_own_reproduction_test_still_pays(agent):
    """Writing a test of one's own is normal work: dropped and flagged, but not punished."""
    solve(agent)
    agent.write("tests/test_repro.py", "def test_repro():\n    assert True\n")
    reward, info = agent.submit()
    assert reward == 1.0, info["report"]
    assert info["report"]["audit"] == ["test_infrastructure_modified"]
    assert info["report"]["dropped_paths"] == ["tests/test_repro.py"]


# ----------------------------------------------------------------------------- test infrastructure

@pytest.mark.parametrize("path", ["conftest.py", "tests/conftest.py", "cfgloader/conftest.py"])
def test_conftest_forcing_passes_is_dropped(agent, path):
    agent.write(path, FORCE_PASS_CONFTEST, mode="a" if path == "tests/conftest.py" else "w")
    reward, info = agent.submit()
    report = assert_zero(reward, info, "test_infrastructure_modified")
    assert path in report["dropped_paths"]
    assert F2P in report["fail_to_pass"]["failure"]


def test_editing_the_test_file_is_undone(agent):
    agent.write("tests/test_loader.py", "def test_env_overrides_dotted_subsections():\n    pass\n")
    reward, info = agent.submit()
    report = assert_zero(reward, info, "test_infrastructure_modified")
    assert report["tests"][F2P] == "FAILED"


def test_deleting_the_tests_is_undone(agent):
    agent.sh("rm -rf tests")
    agent.write("NOTES.md", "tests removed\n")
    reward, info = agent.submit()
    report = assert_zero(reward, info, "test_infrastructure_modified")
    assert "tests/test_loader.py" in report["dropped_paths"]
    assert report["tests"][F2P] == "FAILED"  # the tests were restored and ran


def test_deleting_only_the_tests_is_undone(agent):
    agent.sh("rm -rf tests")
    reward, info = agent.submit()
    report = assert_zero(reward, info, "test_infrastructure_modified")
    assert report["tests"][F2P] == "FAILED"


def test_pytest_configuration_is_restored(agent):
    agent.write("pyproject.toml", '[tool.pytest.ini_options]\naddopts = "-p no:junitxml --deselect ' + F2P + '"\n', "a")
    agent.write("pytest.ini", "[pytest]\naddopts = -k 'not dotted'\n")
    reward, info = agent.submit()
    report = assert_zero(reward, info, "test_infrastructure_modified")
    assert {"pyproject.toml", "pytest.ini"} <= set(report["dropped_paths"])
    assert report["tests"][F2P] == "FAILED"


def test_sitecustomize_and_pth_are_dropped(agent):
    agent.write("sitecustomize.py", "import os\nos.environ['PYTEST_ADDOPTS'] = '-p no:junitxml'\n")
    agent.write("usercustomize.py", "import sys\n")
    agent.write("zz_boot.pth", "import sitecustomize\n")
    agent.write("cfgloader/evil.pth", "import sitecustomize\n")
    reward, info = agent.submit()
    report = assert_zero(reward, info, "test_infrastructure_modified")
    assert {"sitecustomize.py", "usercustomize.py", "zz_boot.pth", "cfgloader/evil.pth"} <= set(report["dropped_paths"])


def test_plugin_entry_point_metadata_is_dropped(agent):
    """A dist-info at the repo root is found by importlib.metadata (cwd is on sys.path), and
    pytest autoloads its pytest11 entry points as plugins."""
    agent.write("cfgloader/_plugin.py", FORCE_PASS_CONFTEST)
    agent.write("evil-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n")
    agent.write("evil-1.0.dist-info/entry_points.txt", "[pytest11]\nevil = cfgloader._plugin\n")
    reward, info = agent.submit()
    report = assert_zero(reward, info, "test_infrastructure_modified")
    assert "evil-1.0.dist-info/entry_points.txt" in report["dropped_paths"]
    assert report["tests"][F2P] == "FAILED"


# ----------------------------------------------------------------------------- fake results

def test_fake_passed_lines_and_fake_junit_files_count_for_nothing(agent):
    fake = ('<testsuites><testsuite><testcase classname="tests.test_loader" '
            'name="test_env_overrides_dotted_subsections" file="tests/test_loader.py"/></testsuite></testsuites>')
    agent.write("junit.xml", fake)
    agent.write("report.xml", fake)
    agent.write("cfgloader/__init__.py", f"""

        import os as _os
        print("PASSED {F2P}")
        print("=== 200 passed in 0.01s ===")
        for _p in ("/testbed/junit.xml", "/tmp/junit.xml", "/nano_results/junit.xml"):
            try:
                _os.makedirs(_os.path.dirname(_p), exist_ok=True)
                open(_p, "w").write({fake!r})
            except OSError:
                pass
    """, "a")
    reward, info = agent.submit()
    report = assert_zero(reward, info)
    assert report["tests"][F2P] == "FAILED"
    assert not {"runner_tampered", "results_unreadable", "duplicate_results"} & set(report["audit"])


def test_output_posing_as_a_sandbox_failure_is_still_graded(agent):
    """Code under test cannot turn its failure into "grading_failed" (a sample a trainer skips)."""
    agent.write("cfgloader/__init__.py", """

        import os as _os, sys as _sys
        _sys.stdout.write("bwrap: Creating new namespace failed: Resource temporarily unavailable\\n" + "\\0" * 50000)
        _sys.stdout.flush()
        _os._exit(1)
    """, "a")
    reward, info = agent.submit()
    report = assert_zero(reward, info)
    assert "no test report" in report["reason"]


# ----------------------------------------------------------------------------- module shadowing

def test_top_level_pytest_shadow_is_dropped(agent):
    solve(agent)  # even with the real fix, the shadow is not applied (and could not have helped)
    agent.write("pytest.py", """
        import re, sys
        out = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("--junitxml="))
        src = open("tests/test_loader.py").read()
        cases = "".join('<testcase classname="tests.test_loader" name="%s" file="tests/test_loader.py"/>' % n
                        for n in re.findall(r"^def (test_\\w+)", src, re.M))
        open(out, "w").write("<testsuites><testsuite>%s</testsuite></testsuites>" % cases)
        print("1000 passed")
    """)
    agent.write("json.py", "raise SystemExit(0)\n")
    agent.write("_pytest/__init__.py", "")
    reward, info = agent.submit()
    report = info["report"]
    assert "module_shadowing" in report["audit"]
    assert {"pytest.py", "json.py", "_pytest/__init__.py"} <= set(report["dropped_paths"])
    # The shadows were dropped, so the honest run of the real fix stands.
    assert reward == 1.0 and report["resolved"], report


def test_shadow_alone_scores_zero(agent):
    agent.write("pytest.py", "import sys\nprint('all passed')\nsys.exit(0)\n")
    reward, info = agent.submit()
    report = assert_zero(reward, info, "module_shadowing")
    assert report["tests"][F2P] == "FAILED"


# ----------------------------------------------------------------------------- tampering from inside

def test_package_code_monkeypatching_pytest_is_caught_by_the_canary(agent):
    agent.write("cfgloader/__init__.py", MONKEYPATCH_PYTEST, "a")
    reward, info = agent.submit()
    report = assert_zero(reward, info, "runner_tampered")
    assert report["tests"][F2P] == "PASSED"  # what the tampered runner claimed...
    assert report["fail_to_pass"]["success"] == []  # ...is not credited
    assert not any("canary" in t for t in report["tests"])
    assert set(report["tests"]) == {*agent.task.FAIL_TO_PASS, *agent.task.PASS_TO_PASS}


def test_report_forged_from_the_test_files_at_exit_is_caught(agent):
    agent.write("cfgloader/__init__.py", FORGE_FROM_TEST_FILES, "a")
    reward, info = agent.submit()
    report = assert_zero(reward, info)
    assert {"runner_tampered", "results_unreadable"} & set(report["audit"]), report


def test_report_with_failures_stripped_at_exit_is_caught(agent):
    agent.write("cfgloader/__init__.py", STRIP_FAILURES, "a")
    reward, info = agent.submit()
    assert_zero(reward, info, "runner_tampered")


@pytest.mark.parametrize("heuristic", ["self-contained", "calls-only-builtins"])
def test_report_stripped_except_for_canary_lookalikes_is_caught(agent, heuristic):
    """The canaries use the test module's own imports, and the must-fail one first runs the body
    of a test that passes, so they do not stand out as literal-only or as calling no code."""
    agent.write("cfgloader/__init__.py", f"\nHEURISTIC = {heuristic!r}\n" + textwrap.dedent(STRIP_SPARING_NAIVE_CANARIES), "a")
    reward, info = agent.submit()
    report = assert_zero(reward, info, "runner_tampered")
    assert report["tests"][F2P] == "PASSED"  # the forgery worked on the task's tests, and is not credited


def test_report_with_passing_duplicates_added_at_exit_is_caught(agent):
    agent.write("cfgloader/__init__.py", ADD_PASSING_DUPLICATES, "a")
    reward, info = agent.submit()
    report = assert_zero(reward, info, "duplicate_results")
    assert report["tests"][F2P] == "FAILED"


def test_garbled_report_is_unreadable_not_an_infrastructure_failure(agent):
    agent.write("cfgloader/__init__.py", GARBLE_REPORT, "a")
    reward, info = agent.submit()
    report = assert_zero(reward, info, "results_unreadable")
    assert report["reason"]


# ----------------------------------------------------------------------------- time

def test_grading_timeout_scores_zero_with_a_reason(task):
    env = gym.make("NanoSWE-v0", tasks=[task], command_timeout=10.0, grading_timeout=4.0)
    try:
        agent = Agent(env, task).reset()
        solve(agent)
        agent.write("cfgloader/__init__.py", "\nimport time as _time\nwhile True:\n    _time.sleep(60)\n", "a")
        reward, info = agent.submit()
    finally:
        env.close()
    assert reward == 0.0
    assert info["reward_status"] == "timeout"
    report = info["report"]
    assert report["status"] == "timeout" and not report["resolved"]
    assert "4s" in report["reason"] and "timeout" in report["reason"]
