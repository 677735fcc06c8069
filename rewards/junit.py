"""Per-test outcomes from pytest's JUnit XML, named as SWE-bench names tests.

pytest is run with `-o junit_family=xunit1`, whose `file` attribute lets us rebuild node ids
exactly: `tests/test_x.py::TestClass::test_name[param]`.

The XML is written by a process that also runs the agent's code, so it is untrusted input:
its size is capped, a document type declaration (entity expansion) is refused, and anything
that is not a well-formed pytest report raises `JunitUnreadable`.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PASSED", "FAILED", "ERROR", "SKIPPED", "MISSING", "MAX_JUNIT_BYTES", "JunitResults",
           "JunitUnreadable", "parse_junit", "parse_junit_bytes"]

PASSED, FAILED, ERROR, SKIPPED, MISSING = "PASSED", "FAILED", "ERROR", "SKIPPED", "MISSING"
_RANK = {PASSED: 0, SKIPPED: 1, FAILED: 2, ERROR: 3}
MAX_JUNIT_BYTES = 64 * 1024 * 1024
_ROOTS = frozenset({"testsuites", "testsuite"})


class JunitUnreadable(ValueError):
    """The report exists but is not a pytest JUnit report we can trust to read."""


@dataclass
class JunitResults:
    """test id -> outcome, and the ids reported both as passed and as something else."""

    tests: dict[str, str] = field(default_factory=dict)
    conflicting: set[str] = field(default_factory=set)


def _node_id(case: ET.Element) -> str:
    name = case.get("name", "")
    classname = case.get("classname", "")
    file = case.get("file")
    if file:
        module = file[:-3].replace("/", ".") if file.endswith(".py") else file.replace("/", ".")
        rest = classname[len(module) + 1 :] if classname.startswith(module + ".") else ""
        return "::".join([file, *[p for p in rest.split(".") if p], name])
    # No file attribute: assume "pkg.module.Class" where the class part is capitalised.
    parts = classname.split(".")
    split = next((i for i, p in enumerate(parts) if p[:1].isupper()), len(parts))
    return "::".join(["/".join(parts[:split]) + ".py", *parts[split:], name])


def _outcome(case: ET.Element) -> str:
    tags = {child.tag for child in case}
    return ERROR if "error" in tags else FAILED if "failure" in tags else SKIPPED if "skipped" in tags else PASSED


def parse_junit_bytes(data: bytes, *, max_bytes: int = MAX_JUNIT_BYTES) -> JunitResults:
    """Outcomes from a JUnit document. An id reported more than once gets its worst outcome;
    pytest itself repeats an id only for a test failing in both call and teardown, so an id
    reported as PASSED *and* as anything else is listed in `conflicting` and counts as FAILED."""
    if len(data) > max_bytes:
        raise JunitUnreadable(f"the report is larger than {max_bytes} bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise JunitUnreadable("the report declares a document type (pytest never writes one)")
    seen: dict[str, set[str]] = {}
    root_tag = None
    try:
        for event, elem in ET.iterparse(io.BytesIO(data), events=("start", "end")):
            if root_tag is None:
                root_tag = elem.tag
                if root_tag not in _ROOTS:
                    raise JunitUnreadable(f"the report's root element is <{root_tag}>, not <testsuites>")
            if event == "end" and elem.tag == "testcase":
                seen.setdefault(_node_id(elem), set()).add(_outcome(elem))
                elem.clear()
    except ET.ParseError as exc:
        raise JunitUnreadable(f"the report is not well-formed XML: {exc}") from None
    if root_tag is None:
        raise JunitUnreadable("the report is empty")
    results = JunitResults()
    for node, outcomes in seen.items():
        worst = max(outcomes, key=_RANK.__getitem__)
        if len(outcomes) > 1 and PASSED in outcomes:
            results.conflicting.add(node)
            worst = max(worst, FAILED, key=_RANK.__getitem__)
        results.tests[node] = worst
    return results


def parse_junit(path: Path) -> dict[str, str]:
    """test id -> PASSED / FAILED / ERROR / SKIPPED, read from a file (see `parse_junit_bytes`)."""
    with open(path, "rb") as fh:
        data = fh.read(MAX_JUNIT_BYTES + 1)
    return parse_junit_bytes(data).tests
