"""Which paths are test infrastructure: the grader restores them to base before running tests."""

from __future__ import annotations

__all__ = ["is_test_infrastructure"]

_NAMES = frozenset({
    "conftest.py", "pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml", "noxfile.py",
    "sitecustomize.py", "usercustomize.py", ".coveragerc",
})
_TEST_DIRS = frozenset({"test", "tests", "testing"})


def is_test_infrastructure(path: str) -> bool:
    """True for test files, test directories and files that configure or hook the test run."""
    parts = path.split("/")
    name = parts[-1]
    if name in _NAMES or name.endswith(".pth"):
        return True
    if any(p in _TEST_DIRS for p in parts[:-1]):
        return True
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))
