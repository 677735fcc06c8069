"""Task records (the SWE-bench / SWE-Gym schema plus a runtime spec) and their loaders.

A task source is one of:
- the name of an embedded suite (`"nano-v0"`),
- a path to a `.json` (a list of records), `.jsonl` or `.parquet` file,
- a sequence of `Task` objects or of record dicts.

A record's runtime is its own `runtime` key, else the `runtimes=` mapping's entry for its repo
and version, else the default (see `nano_gym.runtime_spec`). `Task` objects keep theirs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any, Union

from .errors import ConfigError, MissingDependencyError, TaskLoadError
from .hub import load_hub_records, looks_like_hub_name
from .patches import parse_patch
from .runtime_spec import RuntimeMap, RuntimeSpec, RuntimesSource, load_runtime_map

__all__ = [
    "RuntimeSpec",
    "load_runtime_map",
    "Task",
    "TaskSource",
    "load_tasks",
    "load_suite",
    "suite_names",
    "task_from_record",
    "files_under_test",
]

REQUIRED_FIELDS = (
    "instance_id",
    "repo",
    "base_commit",
    "problem_statement",
    "patch",
    "test_patch",
    "FAIL_TO_PASS",
    "PASS_TO_PASS",
)


@dataclass(frozen=True, kw_only=True)
class Task:
    """One software-engineering task in the SWE-bench schema."""

    instance_id: str
    repo: str
    base_commit: str
    problem_statement: str
    patch: str
    test_patch: str
    FAIL_TO_PASS: tuple[str, ...]
    PASS_TO_PASS: tuple[str, ...]
    hints_text: str = ""
    created_at: str = ""
    version: str = ""
    runtime: RuntimeSpec = field(default_factory=RuntimeSpec)

    def to_record(self) -> dict[str, Any]:
        """The task as a JSON-serialisable SWE-bench record (lists, not JSON strings)."""
        record: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        record["FAIL_TO_PASS"] = list(self.FAIL_TO_PASS)
        record["PASS_TO_PASS"] = list(self.PASS_TO_PASS)
        record["runtime"] = self.runtime.to_record()
        return record


TaskSource = Union[str, Path, Sequence[Union[Task, Mapping[str, Any]]]]


def _test_list(value: Any, name: str, instance_id: str) -> tuple[str, ...]:
    """FAIL_TO_PASS / PASS_TO_PASS arrive as lists or as JSON-encoded strings."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError as exc:
            raise TaskLoadError(f"{instance_id}: {name} is a string but not JSON: {exc}") from None
    if hasattr(value, "tolist"):  # numpy arrays from parquet
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise TaskLoadError(f"{instance_id}: {name} must be a list of test ids, got {type(value).__name__}")
    return tuple(value)


def task_from_record(record: Mapping[str, Any], runtimes: RuntimeMap | None = None) -> Task:
    """Validate one SWE-bench/SWE-Gym record and turn it into a `Task`. Extra keys are ignored.

    The runtime is the record's `runtime`, else `runtimes[(repo, version)]`, else the default."""
    if not isinstance(record, Mapping):
        raise TaskLoadError(f"a task record must be a mapping, got {type(record).__name__}")
    instance_id = str(record.get("instance_id", "<no instance_id>"))
    missing = [k for k in REQUIRED_FIELDS if k not in record or record[k] is None]
    if missing:
        raise TaskLoadError(f"{instance_id}: missing fields {missing}")
    for key in ("instance_id", "repo", "base_commit", "problem_statement", "patch", "test_patch"):
        if not isinstance(record[key], str):
            raise TaskLoadError(f"{instance_id}: {key} must be a string")
    if not re.fullmatch(r"[0-9a-f]{40}", record["base_commit"]):
        raise TaskLoadError(f"{instance_id}: base_commit must be a 40-hex commit id")
    runtime = record.get("runtime")
    if isinstance(runtime, str):
        try:
            runtime = json.loads(runtime) if runtime.strip() else None
        except json.JSONDecodeError as exc:
            raise TaskLoadError(f"{instance_id}: runtime is a string but not JSON: {exc}") from None
    version = str(record.get("version") or "")
    if runtime:
        spec = RuntimeSpec.from_record(runtime, origin=f"{instance_id}: runtime")
    else:
        spec = (runtimes or {}).get((record["repo"], version)) or RuntimeSpec()
    return Task(
        instance_id=record["instance_id"],
        repo=record["repo"],
        base_commit=record["base_commit"],
        problem_statement=record["problem_statement"],
        patch=record["patch"],
        test_patch=record["test_patch"],
        FAIL_TO_PASS=_test_list(record["FAIL_TO_PASS"], "FAIL_TO_PASS", instance_id),
        PASS_TO_PASS=_test_list(record["PASS_TO_PASS"], "PASS_TO_PASS", instance_id),
        hints_text=str(record.get("hints_text") or ""),
        created_at=str(record.get("created_at") or ""),
        version=version,
        runtime=spec,
    )


# ----------------------------------------------------------------------------- embedded suites

SUITES_PACKAGE = "nano_gym.suites"


def suite_names() -> list[str]:
    """Names of the embedded suites (a `<name>.jsonl` file each)."""
    root = resources.files(SUITES_PACKAGE)
    return sorted(p.name[: -len(".jsonl")] for p in root.iterdir() if p.name.endswith(".jsonl"))


def load_suite(name: str) -> list[Task]:
    """Load an embedded suite by name, e.g. `"nano-v0"`."""
    resource = resources.files(SUITES_PACKAGE) / f"{name}.jsonl"
    if not resource.is_file():
        raise ConfigError(f"unknown suite {name!r}; embedded suites: {suite_names()}")
    return _parse_jsonl(resource.read_text(encoding="utf-8"), f"suite {name}")


# ----------------------------------------------------------------------------- files

def _parse_jsonl(text: str, origin: str, runtimes: RuntimeMap | None = None) -> list[Task]:
    tasks = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TaskLoadError(f"{origin}:{lineno}: invalid JSON: {exc}") from None
        tasks.append(task_from_record(record, runtimes))
    return tasks


def _load_file(path: Path, runtimes: RuntimeMap | None) -> list[Task]:
    if not path.is_file():
        raise TaskLoadError(f"task file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _parse_jsonl(path.read_text(encoding="utf-8"), str(path), runtimes)
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise TaskLoadError(f"{path}: invalid JSON: {exc}") from None
        if isinstance(data, Mapping):
            data = [data]
        if not isinstance(data, list):
            raise TaskLoadError(f"{path}: expected a list of task records")
        return [task_from_record(r, runtimes) for r in data]
    if suffix == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise MissingDependencyError(
                "reading parquet task files needs pyarrow: pip install 'nano-gym[datasets]'"
            ) from None
        return [task_from_record(r, runtimes) for r in pq.read_table(path).to_pylist()]
    raise TaskLoadError(f"{path}: unsupported task file type {suffix!r} (use .json, .jsonl or .parquet)")


def load_tasks(source: TaskSource = "nano-v0", task_ids: Iterable[str] | None = None, *, split: str = "train",
               repos: Iterable[str] | None = None, task_slice: slice | str | None = None,
               runtimes: RuntimesSource | None = None) -> list[Task]:
    """Load tasks from a suite name, a file path, a Hugging Face dataset name (`owner/name`,
    split `split`) or a sequence; keep only `task_ids`, tasks of `repos` (`owner/name`), then
    `task_slice` (a slice or "start:stop"). `runtimes` is a mapping file (JSON) or dict
    `{"owner/name": {"version": spec}}` giving the runtime of records without their own.

    Raises `ConfigError` for an unknown suite or task id, `TaskLoadError` for a bad record, a
    bad runtime mapping or an unreachable hub.
    """
    specs = load_runtime_map(runtimes) if runtimes is not None else None
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        tasks = _load_file(Path(source), specs)
    elif isinstance(source, str) and looks_like_hub_name(source):
        tasks = [task_from_record(r, specs) for r in load_hub_records(source, split=split)]
    elif isinstance(source, str):
        tasks = load_suite(source)
    elif isinstance(source, Sequence):
        tasks = [t if isinstance(t, Task) else task_from_record(t, specs) for t in source]
    else:
        raise ConfigError(f"tasks must be a suite name, a path, a dataset name or a list of tasks, got {type(source).__name__}")
    if task_ids is not None:
        wanted = [task_ids] if isinstance(task_ids, str) else list(task_ids)
        by_id = {t.instance_id: t for t in tasks}
        unknown = [i for i in wanted if i not in by_id]
        if unknown:
            raise ConfigError(f"unknown task ids {unknown}")
        tasks = [by_id[i] for i in wanted]
    if repos is not None:
        keep = {repos} if isinstance(repos, str) else set(repos)
        tasks = [t for t in tasks if t.repo in keep]
    if task_slice is not None:
        tasks = tasks[_as_slice(task_slice)]
    if not tasks:
        raise ConfigError("the task source holds no tasks (after filtering)")
    seen: set[str] = set()
    for t in tasks:
        if t.instance_id in seen:
            raise TaskLoadError(f"duplicate instance_id {t.instance_id!r}")
        seen.add(t.instance_id)
    return tasks


def _as_slice(value: slice | str) -> slice:
    if isinstance(value, slice):
        return value
    try:
        parts = [int(p) if p.strip() else None for p in str(value).split(":")]
        if len(parts) not in (2, 3):
            raise ValueError
    except ValueError:
        raise ConfigError(f"task_slice must be a slice or 'start:stop[:step]', got {value!r}") from None
    return slice(*parts)


def _looks_like_path(source: str) -> bool:
    return (source.endswith((".json", ".jsonl", ".parquet")) or source.startswith((".", "/", "~"))
            or source.count("/") > 1 or Path(source).exists())


def files_under_test(task: Task) -> list[str]:
    """The test files `test_patch` leaves in the tree, in order: what the grader runs."""
    return [p.new_path for p in parse_patch(task.test_patch) if p.new_path]
