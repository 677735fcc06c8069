"""Validating a task source: does the gold patch score 1.0 and the empty patch 0.0 on every task?

Real datasets hold tasks whose environment cannot be rebuilt (an install fails, a test id no
longer exists, a test is flaky). Training on them teaches noise, so `validate` runs both
patches through the env (the same jail and grader as training, no reward cache) and writes a
report and an allowlist; `gym.make(..., validated=path)` then keeps only allowlisted tasks.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, NanoGymError

__all__ = ["TaskValidation", "validate_tasks", "read_allowlist"]


@dataclass
class TaskValidation:
    instance_id: str
    valid: bool
    gold: list[float] = field(default_factory=list)
    empty: float | None = None
    reason: str = ""


def _why(info: dict[str, Any], expected: float, got: float) -> str:
    """The reason a run did not score `expected`, in the categories users act on."""
    status = info.get("reward_status", "")
    report = info.get("report") or {}
    if status == "grading_failed":
        return f"environment failure (install or runtime): {report.get('reason', '')[:300]}"
    if status == "timeout":
        return "the tests timed out"
    missing = [t for t, outcome in (report.get("tests") or {}).items() if outcome == "MISSING"]
    if missing:
        return f"test not found: {', '.join(missing[:5])}"
    failing = [*report.get("fail_to_pass", {}).get("failure", []), *report.get("pass_to_pass", {}).get("failure", [])]
    if expected == 1.0:
        return f"gold scores {got}: failing {', '.join(failing[:5]) or report.get('reason', '')}"
    return f"the empty patch scores {got}: the FAIL_TO_PASS tests already pass at base"


def validate_tasks(tasks: Any = "nano-v0", *, out: str | os.PathLike[str] | None = None, repeats: int = 1,
                   **env_kwargs: Any) -> list[TaskValidation]:
    """Run gold (`repeats` times: differing results mean flaky) and empty on every task of
    `tasks`; with `out`, write `report.json` and `allowlist.txt` there. `env_kwargs` go to the
    env, e.g. `repos=` (where repositories come from) and `runtimes=` (a runtime mapping file)."""
    import gymnasium as gym

    from .policies import EmptyPolicy, OraclePolicy
    from .runner import run_episode

    if repeats < 1:
        raise ConfigError("repeats must be at least 1")
    env = gym.make("NanoSWE-v0", tasks=tasks, reward_cache=False, **env_kwargs)
    repos = env_kwargs.get("repos")
    results = []
    try:
        for task in env.unwrapped.tasks:
            result = TaskValidation(instance_id=task.instance_id, valid=False)
            try:
                infos = []
                for _ in range(repeats):
                    run = run_episode(env, OraclePolicy(repos=repos), task.instance_id)
                    result.gold.append(run.reward)
                    infos.append(run.info)
                empty = run_episode(env, EmptyPolicy(), task.instance_id)
                result.empty = empty.reward
                if len(set(result.gold)) > 1:
                    result.reason = f"flaky: gold scored {result.gold}"
                elif result.gold[0] != 1.0:
                    result.reason = _why(infos[0], 1.0, result.gold[0])
                elif empty.reward != 0.0:
                    result.reason = _why(empty.info, 0.0, empty.reward)
                else:
                    result.valid = True
            except NanoGymError as exc:
                result.reason = f"environment failure: {type(exc).__name__}: {exc}"[:500]
            results.append(result)
    finally:
        env.close()
    if out is not None:
        directory = Path(out)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "report.json").write_text(json.dumps([asdict(r) for r in results], indent=2))
        (directory / "allowlist.txt").write_text("".join(f"{r.instance_id}\n" for r in results if r.valid))
    return results


def read_allowlist(path: str | os.PathLike[str]) -> set[str]:
    """Instance ids from an allowlist file, or from the directory `validate` wrote it to."""
    target = Path(path)
    if target.is_dir():
        target = target / "allowlist.txt"
    try:
        return {line.strip() for line in target.read_text().splitlines() if line.strip()}
    except OSError as exc:
        raise ConfigError(f"cannot read the allowlist {target}: {exc}") from None
