"""Per-test outcomes from pytest's ``-rA`` output, for when no JUnit report could be written.

What is read is pytest's "short test summary info", one line per outcome::

    PASSED tests/test_x.py::TestC::test_m[param-1]
    FAILED tests/test_x.py::test_y - AssertionError: ...
    ERROR tests/test_x.py::test_z - RuntimeError: fixture broke
    XFAIL tests/test_x.py::test_w - reason
    XPASS tests/test_x.py::test_v - reason
    SKIPPED [2] tests/test_x.py:12: reason

This follows SWE-bench's generic ``parse_log_pytest`` (swebench.harness.log_parsers): a line
starting with a status word names one test; the " - message" suffix is not part of the id; the
folded ``SKIPPED [N] file:line: reason`` lines name no test and are ignored; when an id is
reported twice the later line wins, so a test that passed and then errored in teardown is an
ERROR. The outcome words are SWE-bench's TestStatus values plus pytest's XPASS, which SWE-bench
drops (a strict xpass is reported by pytest as FAILED and stays FAILED).

Where this differs from SWE-bench, on purpose:

- Ids are whole pytest node ids, as `junit.py` reports them. SWE-bench's generic parser splits
  lines on whitespace, so ``test_x[a b]`` becomes ``test_x[a`` (`swebench_generic_id` gives that
  short form, for matching task lists made that way). Here the id ends at the end of the line or
  at the first " - " that does not fall inside the ``[...]`` of a parametrised id, so a parameter
  containing spaces or " - " stays whole (SWE-bench's ``parse_log_pytest_v2``, used for a few
  repos, keeps spaces too).
- Only the last summary section is read: from the last ``=== short test summary info ===`` line
  to the next line starting with ``=``. pytest shows what tests print in sections above it, so a
  test printing ``PASSED some::test`` is not taken for an outcome. A log without a summary gives
  no outcomes. The log is still written by a process running the code under test (and with
  ``-vv`` pytest copies whole multi-line messages into the summary), so it remains a fallback,
  not a trusted source.
- A status word must be followed by a space (SWE-bench's prefix test also reads lines such as
  ``ERROR: not found: ...`` as a test named ``not``), and PASSED never replaces an outcome already
  reported for the same id: a pass cannot hide a failure, whatever order the lines come in.
- ANSI colour codes (``--color=yes``) and ``\\r\\n`` line ends are removed first.

Lines of verbose mode (``path::test PASSED [ 10%]``) are not read: SWE-bench's generic parser does
not read them, and with ``-rA`` the summary already carries every outcome.
"""

from __future__ import annotations

import re

__all__ = ["parse_pytest_log", "swebench_generic_id"]

_OUTCOMES = ("PASSED", "FAILED", "ERROR", "SKIPPED", "XFAIL", "XPASS")
_STATUS_LINE = re.compile(rf"({'|'.join(_OUTCOMES)}) (.+)")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_SUMMARY_HEADER = re.compile(r"=+ short test summary info =+")
_FOLDED_SKIP = re.compile(r"\[\d+\]( |$)")


def _test_id(rest: str) -> str:
    """The node id at the start of `rest` ("<id>" or "<id> - <message>")."""
    start = 0
    while (cut := rest.find(" - ", start)) != -1:
        head = rest[:cut]
        # A parametrised id ends with "]"; a " - " before that is inside the parameter. Only the
        # part after the file's "::" can hold parameters: a "[" in a directory name is not one.
        if "[" not in head.partition("::")[2] or head.endswith("]"):
            return head
        start = cut + 1
    return rest


def parse_pytest_log(log: str) -> dict[str, str]:
    """test id -> PASSED / FAILED / ERROR / SKIPPED / XFAIL / XPASS, read from pytest ``-rA`` output.

    See the module docstring for what is read and how it relates to SWE-bench's parser."""
    lines = [line.rstrip() for line in _ANSI.sub("", log).split("\n")]
    headers = [i for i, line in enumerate(lines) if _SUMMARY_HEADER.fullmatch(line.strip())]
    if not headers:
        return {}
    results: dict[str, str] = {}
    for line in lines[headers[-1] + 1 :]:
        if line.startswith("="):
            break
        match = _STATUS_LINE.fullmatch(line)
        if match is None:
            continue
        status, rest = match.groups()
        if status == "SKIPPED" and _FOLDED_SKIP.match(rest):
            continue
        test_id = _test_id(rest)
        if status == "PASSED" and results.get(test_id, "PASSED") != "PASSED":
            continue
        results[test_id] = status
    return results


def swebench_generic_id(test_id: str) -> str:
    """The name SWE-bench's generic ``parse_log_pytest`` records for `test_id`: the id up to its
    first whitespace (that parser splits each summary line on whitespace)."""
    return test_id.split(maxsplit=1)[0]
