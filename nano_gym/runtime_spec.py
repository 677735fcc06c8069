"""Runtime specs: what a task needs to run its tests, and the mapping files that name them.

A spec comes from the task record's own `runtime` key, else from a mapping file passed as
`runtimes=` (keyed by repo, then version: the shape of SWE-bench's per-repo specs), else the
default. Specs are read strictly, so a typo never silently yields a different environment:

- nano_gym's own keys: `python`, `requirements`, `install`, `test_cmd`, `test_scope`, `image`,
  `report`;
- SWE-bench names that mean the same thing: `pip_packages` (= `requirements`); `python`,
  `install` and `test_cmd` are already shared;
- SWE-bench keys that only tune its Docker harness are ignored: `execute_test_as_nonroot`
  (tests always run unprivileged here), `nano_cpus` (limits come from `SandboxLimits`),
  `no_use_env` (conda plumbing), `docker_specs`;
- SWE-bench keys that change the environment in ways a virtualenv cannot reproduce are an error
  that says what to do: `packages` (conda packages, or a requirements/environment file looked
  up by repo), `pre_install` (apt-get, edits to the tree), `eval_commands`, `env_patches`;
- anything else is an error naming the key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Union

from .errors import TaskLoadError

__all__ = ["RuntimeSpec", "RuntimeMap", "RuntimesSource", "load_runtime_map"]

_ALIASES = {"pip_packages": "requirements"}
_IGNORED = frozenset({"execute_test_as_nonroot", "nano_cpus", "no_use_env", "docker_specs"})
_UNSUPPORTED = {
    "packages": "conda packages or a requirements/environment file have no local equivalent: "
                "list the pip lines in `requirements`",
    "pre_install": "system packages and edits to the tree cannot be made in a virtualenv: "
                   "fold what the tests need into `requirements` or `install`",
    "eval_commands": "commands before the tests are not supported: fold them into `test_cmd`",
    "env_patches": "environment patches are conda-specific: list the pip lines in `requirements`",
}


@dataclass(frozen=True, kw_only=True)
class RuntimeSpec:
    """What a task needs to run: interpreter, pinned requirements, install and test commands."""

    python: str = "3.11"
    # Lines of a pip requirements file, installed without the repository (it is not mounted).
    requirements: tuple[str, ...] = ("pytest==8.3.5",)
    # Run by `bash -e` in the repository (at /testbed) after the requirements, e.g. `pip install -e .`.
    install: str = ""
    test_cmd: str = "python -m pytest -rA"
    # "test_patch": run the files test_patch touches (SWE-bench's rule); "all": the whole suite.
    test_scope: str = "test_patch"
    # The container image of the docker backend ("" = the backend's image template).
    image: str = ""
    # Where per-test outcomes come from: "junit", a JUnit XML report pytest writes to a descriptor
    # the sandbox cannot otherwise reach; "log", pytest's `-rA` summary in the output, for
    # runners that cannot write JUnit (a weaker source: see rewards/pytest_log.py).
    report: str = "junit"

    @classmethod
    def from_record(cls, data: Mapping[str, Any] | None, origin: str = "runtime") -> "RuntimeSpec":
        """A spec from a record's `runtime` value or a mapping-file entry (see the module doc)."""
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise TaskLoadError(f"{origin}: a runtime spec must be a mapping, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in _IGNORED:
                continue
            if key in _UNSUPPORTED:
                raise TaskLoadError(f"{origin}: SWE-bench key {key!r} is not supported: {_UNSUPPORTED[key]}")
            name = _ALIASES.get(key, key)
            if name not in known:
                raise TaskLoadError(f"{origin}: unknown runtime key {key!r}; known: "
                                    f"{sorted(known | set(_ALIASES) | _IGNORED)}")
            if name in values:
                raise TaskLoadError(f"{origin}: {key!r} and {name!r} both give the requirements; use one")
            values[name] = value
        for name in ("python", "install", "test_cmd", "test_scope", "image", "report"):
            if name in values and not isinstance(values[name], str):
                hint = ' (write it as a string: the JSON number 3.10 reads as 3.1)' if name == "python" else ""
                raise TaskLoadError(f"{origin}: runtime {name} must be a string, got "
                                    f"{type(values[name]).__name__} {values[name]!r}{hint}")
        if "requirements" in values:
            lines = values["requirements"]
            if isinstance(lines, str) or not isinstance(lines, (list, tuple)) or not all(isinstance(x, str) for x in lines):
                raise TaskLoadError(f"{origin}: runtime requirements must be a list of requirement lines")
            values["requirements"] = tuple(lines)
        if values.get("test_scope", "test_patch") not in ("test_patch", "all"):
            raise TaskLoadError(f"{origin}: runtime test_scope must be 'test_patch' or 'all', got {values['test_scope']!r}")
        if values.get("report", "junit") not in ("junit", "log"):
            raise TaskLoadError(f"{origin}: runtime report must be 'junit' or 'log', got {values['report']!r}")
        return cls(**values)

    def to_record(self) -> dict[str, Any]:
        return {"python": self.python, "requirements": list(self.requirements),
                "install": self.install, "test_cmd": self.test_cmd, "test_scope": self.test_scope,
                "image": self.image, "report": self.report}


RuntimeMap = Mapping[tuple[str, str], RuntimeSpec]  # (repo, version) -> spec
RuntimesSource = Union[str, os.PathLike, Mapping[str, Any]]


def load_runtime_map(source: RuntimesSource) -> dict[tuple[str, str], RuntimeSpec]:
    """Read a mapping `{"owner/name": {"version": spec}}` from a JSON file or a dict. Every
    entry is checked at once, not when a task first needs it."""
    origin = "runtimes"
    if isinstance(source, Mapping):
        data: Any = source
    else:
        path = Path(source)
        origin = str(path)
        if path.suffix.lower() != ".json":
            raise TaskLoadError(f"{path}: runtime mapping files are JSON (.json)")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise TaskLoadError(f"cannot read the runtime mapping {path}: {exc}") from None
        except json.JSONDecodeError as exc:
            raise TaskLoadError(f"{path}: invalid JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise TaskLoadError(f"{origin}: expected {{\"owner/name\": {{\"version\": spec}}}}, got {type(data).__name__}")
    specs: dict[tuple[str, str], RuntimeSpec] = {}
    for repo, versions in data.items():
        if not isinstance(versions, Mapping):
            raise TaskLoadError(f"{origin}: {repo}: expected a mapping of version to spec, got {type(versions).__name__}")
        for version, spec in versions.items():
            specs[(str(repo), str(version))] = RuntimeSpec.from_record(spec, origin=f"{origin}: {repo} {version}")
    return specs
