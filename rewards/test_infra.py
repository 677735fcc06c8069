"""What in an agent's diff the grader refuses to apply.

Two kinds of paths are dropped from the diff, which leaves them as they are at the base:
- test infrastructure: test files and directories, and every file that configures or hooks the
  test run (conftest.py, pytest/tox/setup.cfg/pyproject config, sitecustomize/usercustomize,
  *.pth, package metadata whose entry points pytest would load as plugins);
- module shadowing: a new top-level module or package, in a directory the test process puts on
  `sys.path`, named like a module the test process imports from the runtime (the standard
  library, pytest and its dependencies, anything installed in the runtime). `python -m pytest`
  puts the repository root first on `sys.path`, so a `pytest.py` or `json.py` there would run
  instead of the real one.
"""

from __future__ import annotations

import configparser
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: pyproject's pytest settings are then not consulted
    tomllib = None  # type: ignore[assignment]

__all__ = ["is_test_infrastructure", "module_name", "import_roots", "ShadowCheck", "RUNNER_MODULES"]

_NAMES = frozenset({
    "conftest.py", "pytest.ini", ".pytest.ini", "pytest.toml", ".pytest.toml", "tox.ini", "setup.cfg",
    "pyproject.toml", "noxfile.py", "sitecustomize.py", "usercustomize.py", ".coveragerc",
})
_TEST_DIRS = frozenset({"test", "tests", "testing"})
_METADATA_SUFFIXES = (".dist-info", ".egg-info", ".egg-link")
# Always treated as importable by the test process, whatever the runtime reports.
RUNNER_MODULES = frozenset({"pytest", "_pytest", "pluggy", "py", "iniconfig", "packaging", "conftest",
                            "sitecustomize", "usercustomize", "__main__"})


def is_test_infrastructure(path: str) -> bool:
    """True for test files, test directories and files that configure or hook the test run."""
    parts = path.split("/")
    name = parts[-1]
    if name in _NAMES or name.endswith(".pth"):
        return True
    if any(p in _TEST_DIRS for p in parts):  # a test directory, its content, or a file replacing it
        return True
    if any(p.endswith(_METADATA_SUFFIXES) for p in parts):
        return True
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def module_name(entry: str) -> str | None:
    """The module a directory entry provides when its directory is on `sys.path`
    (`json.py`, `json.pyc`, `json.cpython-311-x86_64-linux-gnu.so`, a `json/` directory), else None."""
    if entry.endswith((".py", ".pyc", ".pyw")):
        return entry.rsplit(".", 1)[0] or None
    if entry.endswith(".so") or ".so." in entry:
        return entry.split(".", 1)[0] or None
    return None


def _pythonpath_entries(tree: Path) -> list[str]:
    """The `pythonpath` setting of the base's pytest configuration (read from the trusted base)."""
    found: list[str] = []
    pyproject = tree / "pyproject.toml"
    if tomllib is not None and pyproject.is_file() and not pyproject.is_symlink():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            value = data.get("tool", {}).get("pytest", {}).get("ini_options", {}).get("pythonpath", [])
            found += [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError, TypeError):
            pass
    for name, section in (("pytest.ini", "pytest"), (".pytest.ini", "pytest"), ("tox.ini", "pytest"),
                          ("setup.cfg", "tool:pytest")):
        path = tree / name
        if not path.is_file() or path.is_symlink():
            continue
        parser = configparser.RawConfigParser()
        try:
            parser.read_string(path.read_text(encoding="utf-8"))
            found += parser.get(section, "pythonpath", fallback="").split()
        except (OSError, UnicodeDecodeError, configparser.Error):
            pass
    return found


def _normalise(directory: str) -> str | None:
    parts = [p for p in directory.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        return None
    return "/".join(parts)


def import_roots(tree: Path, base_paths: Iterable[str]) -> set[str]:
    """Directories of the repository (relative, "" for the root) that the test process may put
    on `sys.path`: the root (cwd under `python -m`), the configured `pythonpath`, and for each
    test file or conftest.py its first ancestor without an `__init__.py` (pytest's "prepend"
    import mode inserts that one)."""
    paths = set(base_paths)
    roots = {""}
    for entry in _pythonpath_entries(tree):
        norm = _normalise(entry)
        if norm is not None:
            roots.add(norm)
    for path in paths:
        parts = path.split("/")
        name = parts[-1]
        if not (name == "conftest.py" or (name.endswith(".py") and is_test_infrastructure(path))):
            continue
        directory = parts[:-1]
        while directory and "/".join([*directory, "__init__.py"]) in paths:
            directory = directory[:-1]
        roots.add("/".join(directory))
    return roots


@dataclass(frozen=True)
class ShadowCheck:
    """Which changed paths would shadow a module the test process imports from its runtime.

    Only names the base does not already have count: editing the repository's own top-level
    package is normal work, adding a `json.py` next to it is not."""

    roots: frozenset[str]
    taken: frozenset[str]  # every base path and every directory above one
    importable: frozenset[str]

    @classmethod
    def build(cls, tree: Path, base_paths: Iterable[str], importable: Iterable[str]) -> "ShadowCheck":
        paths = list(base_paths)
        taken = set()
        for path in paths:
            parts = path.split("/")
            taken.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
        return cls(roots=frozenset(import_roots(tree, paths)), taken=frozenset(taken),
                   importable=frozenset(importable) | RUNNER_MODULES)

    def __call__(self, path: str) -> str | None:
        """The module `path` would shadow, or None."""
        for root in sorted(self.roots):
            prefix = f"{root}/" if root else ""
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix):].split("/")
            top = rest[0]
            name = top if len(rest) > 1 else module_name(top)
            if name is not None and name in self.importable and prefix + top not in self.taken:
                return name
        return None
