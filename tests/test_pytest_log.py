"""pytest -rA logs: outcomes per SWE-bench-style id, read from real pytest runs and checked
against SWE-bench's own parser and against the JUnit report of the same run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nano_gym.rewards.junit import parse_junit
from nano_gym.rewards.pytest_log import parse_pytest_log, swebench_generic_id

OUTCOMES_PY = r'''
import pytest

def test_pass():
    pass

def test_fail():
    assert 1 == 2, "one is not two"

@pytest.fixture
def broken_setup():
    raise RuntimeError("setup broke")

def test_setup_error(broken_setup):
    pass

@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown broke")

def test_teardown_error(broken_teardown):
    pass

def test_fail_and_teardown_error(broken_teardown):
    assert False

def test_skip():
    pytest.skip("not today")

@pytest.mark.skip(reason="marked")
def test_skip_mark():
    pass

@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False

@pytest.mark.xfail
def test_xfail_no_reason():
    assert False

@pytest.mark.xfail(reason="fixed - now")
def test_xpass():
    pass

@pytest.mark.xfail(reason="strict", strict=True)
def test_xpass_strict():
    pass

PARAMS = ["plain", "with space", "  two spaces", "x - y", "[bracketed]", "[open", "close]",
          "a::b", "\u00fcn\u00efcode", "tab\there"]

@pytest.mark.parametrize("value", PARAMS)
def test_param_pass(value):
    pass

@pytest.mark.parametrize("value", PARAMS)
def test_param_fail(value):
    assert value == "never", f"got {value} - expected never"

@pytest.mark.parametrize("a,b", [(1, 1), (1, 2)], ids=["same - ok", "differ - bad"])
def test_explicit_ids(a, b):
    assert a == b

class TestOuter:
    def test_method(self):
        pass

    def test_method_fail(self):
        assert 0

    class TestInner:
        @pytest.mark.parametrize("n", [1, 2])
        def test_nested(self, n):
            assert n == 1
'''

DEEP_PY = '''
def test_deep():
    pass

def test_deep_multiline_message():
    raise ValueError("first line\\nsecond - line")
'''

PARAM_IDS = ["plain", "with space", "  two spaces", "x - y", "[bracketed]", "[open", "close]",
             "a::b", r"\xfcn\xefcode", r"tab\there"]
M = "tests/test_outcomes.py::"
EXPECTED = {
    M + "test_pass": "PASSED",
    M + "test_fail": "FAILED",
    M + "test_setup_error": "ERROR",
    M + "test_teardown_error": "ERROR",          # passed, then errored in teardown
    M + "test_fail_and_teardown_error": "FAILED",  # SWE-bench: the later (FAILED) line wins
    M + "test_xfail": "XFAIL",
    M + "test_xfail_no_reason": "XFAIL",
    M + "test_xpass": "XPASS",
    M + "test_xpass_strict": "FAILED",
    **{f"{M}test_param_pass[{p}]": "PASSED" for p in PARAM_IDS},
    **{f"{M}test_param_fail[{p}]": "FAILED" for p in PARAM_IDS},
    M + "test_explicit_ids[same - ok]": "PASSED",
    M + "test_explicit_ids[differ - bad]": "FAILED",
    M + "TestOuter::test_method": "PASSED",
    M + "TestOuter::test_method_fail": "FAILED",
    M + "TestOuter::TestInner::test_nested[1]": "PASSED",
    M + "TestOuter::TestInner::test_nested[2]": "FAILED",
    "tests/sub/test_deep.py::test_deep": "PASSED",
    "tests/sub/test_deep.py::test_deep_multiline_message": "FAILED",
}  # skipped tests are absent: -rA folds them into "SKIPPED [N] file:line: reason"

# name -> (pytest arguments, terminal width)
RUNS = {
    "plain": (["-rA"], 80),
    "color": (["-rA", "-p", "no:cacheprovider", "--color=yes"], 80),
    "quiet": (["-rA", "-q", "--tb=short"], 80),
    "very-verbose": (["-rA", "-vv"], 80),  # whole multi-line messages inside the summary
    "narrow": (["-rA", "--tb=no"], 40),    # messages cut short or left out
}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def _pytest(root: Path, *args: str, columns: int = 80) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(COLUMNS=str(columns), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
    # One stream, as a grader keeps a test command's output.
    run = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=root, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, encoding="utf-8", timeout=120)
    assert run.returncode in (0, 1, 2, 4), run.stdout
    return run.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("project")
    _write(root, {"pytest.ini": "[pytest]\n", "tests/test_outcomes.py": OUTCOMES_PY,
                  "tests/sub/test_deep.py": DEEP_PY})
    return root


@pytest.fixture(scope="module")
def logs(project) -> dict[str, str]:
    return {name: _pytest(project, *args, columns=cols) for name, (args, cols) in RUNS.items()}


@pytest.mark.parametrize("run", RUNS)
def test_outcomes_per_swebench_id(logs, run):
    assert parse_pytest_log(logs[run]) == EXPECTED


def test_colour_codes_are_really_there_and_ignored(logs):
    assert "\x1b[" in logs["color"]
    assert parse_pytest_log(logs["color"]) == parse_pytest_log(logs["plain"])


def test_crlf_line_ends(logs):
    assert parse_pytest_log(logs["plain"].replace("\n", "\r\n")) == EXPECTED
    assert parse_pytest_log(logs["color"].replace("\n", "\r\n")) == EXPECTED


@pytest.mark.parametrize("run", RUNS)
def test_agrees_with_swebench_parse_log_pytest(logs, run):
    from swebench.harness.log_parsers import parse_log_pytest

    # The generic parser does not strip colour (SWE-bench runs without it): give it plain text.
    log = re.sub(r"\x1b\[[0-9;]*m", "", logs[run])
    theirs = {test: getattr(status, "value", status) for test, status in parse_log_pytest(log, None).items()}
    ours = parse_pytest_log(logs[run])
    # Their ids stop at the first whitespace, and they drop XPASS; otherwise the same outcomes.
    shortened = {swebench_generic_id(t): s for t, s in ours.items() if s != "XPASS"}
    assert len(shortened) == sum(s != "XPASS" for s in ours.values())  # no two ids shorten alike
    assert theirs == shortened


def test_whole_ids_are_what_swebench_later_parser_keeps(logs):
    from swebench.harness.log_parsers import parse_log_pytest_v2

    theirs = parse_log_pytest_v2(logs["color"], None)  # it strips colour itself
    spaced = [t for t, s in EXPECTED.items() if s == "PASSED" and " " in t and "  " not in t]
    assert spaced and all(theirs[t] == "PASSED" for t in spaced)


def test_ids_and_outcomes_agree_with_junit_of_the_same_run(project, tmp_path):
    xml = tmp_path / "report.xml"
    log = _pytest(project, "-rA", "-o", "junit_family=xunit1", f"--junitxml={xml}")
    junit, ours = parse_junit(xml), parse_pytest_log(log)
    assert set(ours) <= set(junit)
    in_log = {"PASSED": {"PASSED", "XPASS"},  # JUnit has no xpass: a non-strict one passed
              "FAILED": {"FAILED"},
              # Failing in the call and in teardown: JUnit's worst is ERROR, the log's last FAILED.
              "ERROR": {"ERROR", "FAILED"},
              "SKIPPED": {"XFAIL", None}}  # None: a skip the summary folds into "SKIPPED [N]"
    assert {t: o for t, o in junit.items() if ours.get(t) not in in_log[o]} == {}
    assert junit[M + "test_fail_and_teardown_error"] == "ERROR"


def test_collection_errors_and_unknown_ids(tmp_path):
    _write(tmp_path, {"pytest.ini": "[pytest]\n", "tests/test_ok.py": "def test_ok():\n    pass\n",
                      "tests/test_broken.py": "import module_that_is_not_there\n"})
    log = _pytest(tmp_path, "-rA", "--continue-on-collection-errors")
    assert parse_pytest_log(log) == {"tests/test_ok.py::test_ok": "PASSED", "tests/test_broken.py": "ERROR"}
    # "ERROR: not found: ..." is pytest's usage error, not a test.
    log = _pytest(tmp_path, "-rA", "tests/test_ok.py::test_missing")
    assert "ERROR: not found" in log
    assert parse_pytest_log(log) == {}


def test_what_tests_print_is_not_an_outcome(tmp_path):
    _write(tmp_path, {"pytest.ini": "[pytest]\n", "tests/test_p.py": '''
        import pytest

        def test_prints():
            print("PASSED tests/test_p.py::test_never_ran")
            print("=" * 27 + " short test summary info " + "=" * 28)
            print("PASSED tests/test_p.py::test_also_never_ran")
            print("XPASS tests/test_p.py::test_fails - what a test printed")

        def test_fails():
            print("PASSED tests/test_p.py::test_fails")
            assert False
        '''})
    log = _pytest(tmp_path, "-rA")
    assert "PASSED tests/test_p.py::test_never_ran" in log  # pytest did show it, above the summary
    assert parse_pytest_log(log) == {"tests/test_p.py::test_prints": "PASSED",
                                     "tests/test_p.py::test_fails": "FAILED"}


def test_a_pass_never_hides_a_failure_reported_earlier():
    log = "=== short test summary info ===\nFAILED t.py::test_a - boom\nPASSED t.py::test_a\n=== 1 failed ==="
    assert parse_pytest_log(log) == {"t.py::test_a": "FAILED"}


def test_no_summary_no_outcomes():
    assert parse_pytest_log("PASSED t.py::test_a\nFAILED t.py::test_b - boom\n") == {}
    assert parse_pytest_log("") == {}


def test_swebench_generic_id():
    assert swebench_generic_id("t.py::test_x[a b]") == "t.py::test_x[a"
    assert swebench_generic_id("t.py::C::test_x[1-2]") == "t.py::C::test_x[1-2]"
