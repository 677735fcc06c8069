"""Per-test outcomes from pytest's JUnit XML, named as SWE-bench names tests.

pytest is run with `-o junit_family=xunit1`, whose `file` attribute lets us rebuild node ids
exactly: `tests/test_x.py::TestClass::test_name[param]`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

__all__ = ["PASSED", "FAILED", "ERROR", "SKIPPED", "MISSING", "parse_junit"]

PASSED, FAILED, ERROR, SKIPPED, MISSING = "PASSED", "FAILED", "ERROR", "SKIPPED", "MISSING"
_RANK = {PASSED: 0, SKIPPED: 1, FAILED: 2, ERROR: 3}


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


def parse_junit(path: Path) -> dict[str, str]:
    """test id -> PASSED / FAILED / ERROR / SKIPPED (the worst outcome when an id repeats)."""
    root = ET.parse(path).getroot()
    results: dict[str, str] = {}
    for case in root.iter("testcase"):
        tags = {child.tag for child in case}
        status = ERROR if "error" in tags else FAILED if "failure" in tags else SKIPPED if "skipped" in tags else PASSED
        node = _node_id(case)
        if node not in results or _RANK[status] > _RANK[results[node]]:
            results[node] = status
    return results
