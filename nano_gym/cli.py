"""`nano-gym` command line: run policies over a task suite and print rewards and timings."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _run(args: argparse.Namespace) -> int:
    import gymnasium as gym

    from .policies import OraclePolicy, policy_by_name
    from .runner import run_episode

    env = gym.make("NanoSWE-v0", tasks=args.tasks, reward=args.reward, **_sources(args))
    task_ids = args.task_ids or [t.instance_id for t in env.unwrapped.tasks]
    expected = {"oracle": 1.0, "empty": 0.0}
    failures, rows = 0, []
    try:
        for name in args.policies:
            # The oracle reads the base snapshot, which it must find where the env does.
            policy = OraclePolicy(repos=args.repos) if name == "oracle" else policy_by_name(name)
            total = 0.0
            print(f"\n== policy: {name} ==")
            print(f"{'task':<32} {'reward':>6} {'steps':>5} {'reset':>8} {'steps':>8} {'grade':>8} {'total':>8}  status")
            for task_id in task_ids:
                r = run_episode(env, policy, task_id)
                total += r.reward
                t = r.timings
                print(f"{task_id:<32} {r.reward:>6.2f} {r.steps:>5} {t['reset_s']*1e3:>6.1f}ms {t['steps_s']*1e3:>6.1f}ms "
                      f"{t['grade_s']:>7.2f}s {r.seconds:>7.2f}s  {r.reward_status}", flush=True)
                if name in expected and r.reward != expected[name]:
                    failures += 1
                rows.append({"policy": name, "task_id": task_id, "reward": r.reward, "steps": r.steps,
                             "reward_status": r.reward_status, "seconds": r.seconds, "timings": t})
            print(f"summary: policy={name} tasks={len(task_ids)} mean_reward={total / len(task_ids):.3f} "
                  f"resolved={sum(1 for x in rows if x['policy'] == name and x['reward'] == 1.0)}/{len(task_ids)}")
    finally:
        env.close()
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)
    if failures:
        print(f"\n{failures} episode(s) did not get the reward their policy guarantees", file=sys.stderr)
    return 1 if failures else 0


def _sources(args: argparse.Namespace) -> dict[str, Any]:
    """The env kwargs saying where repositories and runtime specs come from and which backend
    runs the sandboxes, when given."""
    return {k: v for k, v in (("repos", args.repos), ("runtimes", args.runtimes), ("backend", args.backend)) if v}


def _add_sources(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repos", help="where repositories come from (directory of owner__name clones or URL template)")
    parser.add_argument("--runtimes", help="runtime specs of records without one: a JSON file "
                        '{"owner/name": {"version": {"python": ..., "requirements": [...], "install": ..., "test_cmd": ...}}}')
    parser.add_argument("--backend", choices=["local", "docker"], help="sandbox backend (default local)")


def _validate(args: argparse.Namespace) -> int:
    from .validate import validate_tasks

    results = validate_tasks(args.tasks, out=args.out, repeats=args.repeats, **_sources(args))
    for r in results:
        print(f"{r.instance_id:<40} {'valid' if r.valid else 'INVALID':<8} gold={r.gold} empty={r.empty} {r.reason}",
              flush=True)
    print(f"summary: {sum(r.valid for r in results)}/{len(results)} valid; report and allowlist in {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nano-gym", description="nano_gym command line")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run policies over a task suite (default: oracle and empty over nano-v0)")
    run.add_argument("--tasks", default="nano-v0", help="suite name or task file (.json/.jsonl/.parquet)")
    run.add_argument("--task-ids", nargs="*", help="only these instance ids")
    run.add_argument("--policies", nargs="+", default=["oracle", "empty"], help="policies to run (oracle, empty)")
    run.add_argument("--reward", default="binary", choices=["binary", "partial"])
    run.add_argument("--json", help="also write per-episode results to this JSON file")
    _add_sources(run)
    run.set_defaults(func=_run)
    val = sub.add_parser("validate", help="run gold and empty on every task; write a report and an allowlist")
    val.add_argument("--tasks", default="nano-v0", help="suite name, task file or Hugging Face dataset name")
    _add_sources(val)
    val.add_argument("--out", default="validation", help="directory for report.json and allowlist.txt")
    val.add_argument("--repeats", type=int, default=1, help="gold runs per task (more than 1 detects flaky tests)")
    val.set_defaults(func=_validate)
    args: Any = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
