"""Build (or check) the embedded suite's records from its authored trees.

    python scripts/build_suite.py            # regenerate nano_gym/suites/nano-v0.jsonl
    python scripts/build_suite.py --check    # fail if the records are out of date (no test runs)

Authoring layout, per project under nano_gym/suites/nano_v0/<project>/:
  reference/            the fixed tree (every task's fix, full test suite)
  tasks/<N>/task.json   problem_statement, hints_text, created_at, version
  tasks/<N>/files/...   files as they are at the task's base
  tasks/<N>/absent.txt  paths that do not exist at base
The gold `patch` is base -> reference outside tests/, `test_patch` the same under tests/;
base_commit is the deterministic commit that nano_gym.repos rebuilds; FAIL_TO_PASS and
PASS_TO_PASS come from running the tests (base + test_patch, then gold + test_patch) through
the grader's own sandboxed test run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from nano_gym.git import GIT_IDENTITY, run_git
from nano_gym.repos import build_base_repo
from nano_gym.rewards.grader import run_tests
from nano_gym.rewards.junit import PASSED
from nano_gym.tasks import RuntimeSpec, Task

SUITE = "nano-v0"
ROOT = Path(__file__).resolve().parent.parent / "nano_gym" / "suites"
AUTHORED = ROOT / "nano_v0"
OUTPUT = ROOT / f"{SUITE}.jsonl"
# The projects are small: grading runs their whole test suite, so PASS_TO_PASS covers everything.
RUNTIME = RuntimeSpec(test_scope="all")


def _copy_tree(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"))


def _git(args: list[str], cwd: Path) -> str:
    return run_git(args, cwd=cwd, env=GIT_IDENTITY).stdout.decode()


def authored_patches(project: Path, task_dir: Path, work: Path) -> tuple[str, str, str]:
    """(patch, test_patch, base tree id) from the authored base and the reference."""
    repo = work / "authored"
    _copy_tree(project / "reference", repo)
    _copy_tree(task_dir / "files", repo) if (task_dir / "files").is_dir() else None
    absent = task_dir / "absent.txt"
    if absent.is_file():
        for line in absent.read_text().splitlines():
            if line.strip():
                (repo / line.strip()).unlink()
    _git(["init", "-q", "--template=", "."], repo)
    _git(["add", "-A"], repo)
    tree_id = _git(["write-tree"], repo).strip()
    _git(["commit", "-q", "--no-verify", "-m", "base"], repo)
    for entry in repo.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    _copy_tree(project / "reference", repo)
    # A fresh index: copies keep size and mtime, which git's stat check would take as unchanged.
    (repo / ".git" / "index").unlink()
    _git(["add", "-A"], repo)
    diff = ["diff", "--cached", "--binary", "--no-renames", "HEAD", "--"]
    patch = _git([*diff, ".", ":(exclude)tests"], repo)
    test_patch = _git([*diff, "tests"], repo)
    return patch, test_patch, tree_id


def build_record(project: Path, task_dir: Path, check_only: bool) -> dict:
    meta = json.loads((task_dir / "task.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        patch, test_patch, tree_id = authored_patches(project, task_dir, work)
        if not patch.strip() or not test_patch.strip():
            raise SystemExit(f"{project.name}/{task_dir.name}: needs both a source change and a test change")
        task = Task(instance_id=f"nano-gym__{project.name}-{task_dir.name}", repo=f"nano-gym/{project.name}",
                    base_commit="0" * 40, problem_statement=meta["problem_statement"], patch=patch,
                    test_patch=test_patch, FAIL_TO_PASS=(), PASS_TO_PASS=(),
                    hints_text=meta.get("hints_text", ""), created_at=meta["created_at"],
                    version=meta.get("version", "1.0"), runtime=RUNTIME)
        rebuilt = work / "rebuilt"
        base_commit = build_base_repo(task, rebuilt)
        if _git(["rev-parse", "HEAD^{tree}"], rebuilt).strip() != tree_id:
            raise SystemExit(f"{task.instance_id}: reversing the patches does not give the authored base tree")
    task = replace(task, base_commit=base_commit)
    if check_only:
        return task.to_record()
    before = run_tests(task, "")
    after = run_tests(task, task.patch)
    for run, what in ((before, "base"), (after, "gold")):
        if run.status != "graded" or not run.tests:
            raise SystemExit(f"{task.instance_id}: tests on {what} did not run: {run.reason}\n{run.log[-3000:]}")
    broken = [t for t, s in after.tests.items() if s != PASSED]
    if broken:
        raise SystemExit(f"{task.instance_id}: tests failing with the gold patch: {broken}")
    f2p = sorted(t for t in after.tests if before.tests.get(t) != PASSED)
    p2p = sorted(t for t in after.tests if before.tests.get(t) == PASSED)
    if not f2p:
        raise SystemExit(f"{task.instance_id}: no test fails before the fix")
    print(f"{task.instance_id}: {len(f2p)} FAIL_TO_PASS, {len(p2p)} PASS_TO_PASS", file=sys.stderr)
    return replace(task, FAIL_TO_PASS=tuple(f2p), PASS_TO_PASS=tuple(p2p)).to_record()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the records match the authored trees")
    args = parser.parse_args()
    records = []
    for project in sorted(p for p in AUTHORED.iterdir() if (p / "tasks").is_dir()):
        task_dirs = sorted((d for d in (project / "tasks").iterdir() if (d / "task.json").is_file()),
                           key=lambda d: int(d.name))
        records += [build_record(project, d, args.check) for d in task_dirs]
    if args.check:
        existing = {r["instance_id"]: r for r in map(json.loads, OUTPUT.read_text().splitlines())}
        stale = [r["instance_id"] for r in records if r["instance_id"] not in existing
                 or any(existing[r["instance_id"]][k] != r[k] for k in
                        ("base_commit", "patch", "test_patch", "problem_statement", "repo", "runtime"))]
        stale += [i for i in existing if i not in {r["instance_id"] for r in records}]
        if stale:
            print(f"out of date: {stale}; run python scripts/build_suite.py", file=sys.stderr)
            return 1
        print(f"{len(records)} records up to date")
        return 0
    OUTPUT.write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records))
    print(f"wrote {len(records)} tasks to {OUTPUT.relative_to(ROOT.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
