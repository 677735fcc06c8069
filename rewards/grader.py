"""Grading a diff in isolation (DESIGN.md decision 8).

Fresh copy of the base snapshot; the diff applied without its test-infrastructure files;
test_patch applied; the task's tests run in a fresh sandbox writing JUnit XML into a
directory outside the repository; per-test outcomes compared with FAIL_TO_PASS/PASS_TO_PASS.
"""

from __future__ import annotations

import shlex
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import NanoGymError, RepoError
from ..patches import join_patches, parse_patch
from ..repos import apply_diff, base_snapshot, make_workspace
from ..runtimes import ensure_runtime
from ..sandbox import Backend, make_backend
from ..tasks import Task, files_under_test
from .junit import MISSING, PASSED, parse_junit
from .report import GradeReport
from .test_infra import is_test_infrastructure

__all__ = ["grade", "run_tests", "TestRun", "DEFAULT_GRADING_TIMEOUT"]

DEFAULT_GRADING_TIMEOUT = 600.0
RESULTS_MOUNT = "/nano_results"


def _split_agent_diff(task: Task, diff: str) -> tuple[str, list[str]]:
    """The diff without anything touching test infrastructure or the task's test files."""
    protected = set(files_under_test(task))
    kept, dropped = [], []
    for patch in parse_patch(diff):
        paths = {p for p in (patch.old_path, patch.new_path) if p}
        if any(is_test_infrastructure(p) or p in protected for p in paths):
            dropped.append(patch.path)
        else:
            kept.append(patch)
    return join_patches(kept), dropped


def _test_command(task: Task) -> str:
    files = files_under_test(task) if task.runtime.test_scope == "test_patch" else []
    return (f"{task.runtime.test_cmd} -p no:cacheprovider -o junit_family=xunit1 "
            f"--junitxml={RESULTS_MOUNT}/junit.xml " + " ".join(shlex.quote(f) for f in files))


@dataclass
class TestRun:
    """The outcome of running a task's tests on a diff: every test seen, not only expected ones."""

    status: str  # "graded" | "timeout" | "grading_failed"
    tests: dict[str, str] = field(default_factory=dict)
    dropped_paths: list[str] = field(default_factory=list)
    reason: str = ""
    log: str = ""


def run_tests(task: Task, diff: str, *, backend: Backend | None = None,
              timeout: float = DEFAULT_GRADING_TIMEOUT) -> TestRun:
    """Apply `diff` (minus test infrastructure) and `test_patch` to a fresh base and run the tests."""
    backend = backend or make_backend()
    scratch = None
    try:
        snapshot = base_snapshot(task)
        runtime = ensure_runtime(task.runtime)
        scratch = Path(backend.scratch_dir("nano-grade-"))
        workspace = make_workspace(snapshot, scratch)
        agent_diff, dropped = _split_agent_diff(task, diff)
        try:
            apply_diff(snapshot, workspace, agent_diff)
        except RepoError as exc:
            return TestRun("graded", dropped_paths=dropped, reason=f"the diff does not apply to the base: {exc}")
        apply_diff(snapshot, workspace, task.test_patch)
        results = scratch / "results"
        results.mkdir()
        sandbox = backend.start(workspace, runtime)
        try:
            run = sandbox.exec(["/bin/bash", "-c", _test_command(task)], timeout=timeout,
                               extra_binds=((str(results), RESULTS_MOUNT),))
        finally:
            sandbox.close()
        if run.timed_out:
            return TestRun("timeout", dropped_paths=dropped, reason=f"the tests did not finish within {timeout:g}s",
                           log=run.output)
        if run.output.startswith("bwrap:"):
            raise NanoGymError(f"the grading sandbox failed: {run.output.strip()[:500]}")
        junit = results / "junit.xml"
        tests = parse_junit(junit) if junit.is_file() else {}
        reason = "" if tests else f"no test report was written (test command exit code {run.exit_code})"
        return TestRun("graded", tests=tests, dropped_paths=dropped, reason=reason, log=run.output)
    except (NanoGymError, OSError) as exc:
        return TestRun("grading_failed", reason=f"{type(exc).__name__}: {exc}")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def grade(task: Task, diff: str, *, backend: Backend | None = None,
          timeout: float = DEFAULT_GRADING_TIMEOUT) -> GradeReport:
    """Grade `diff` (a git diff against the task's base) and return the per-test report."""
    started = time.monotonic()
    run = run_tests(task, diff, backend=backend, timeout=timeout)
    return _report(task, run, started)


def _report(task: Task, run: TestRun, started: float) -> GradeReport:
    tests = run.tests

    def split(ids: tuple[str, ...]) -> dict[str, list[str]]:
        return {"success": [t for t in ids if tests.get(t) == PASSED],
                "failure": [t for t in ids if tests.get(t) != PASSED]}

    expected = {t: tests.get(t, MISSING) for t in (*task.FAIL_TO_PASS, *task.PASS_TO_PASS)}
    f2p, p2p = split(task.FAIL_TO_PASS), split(task.PASS_TO_PASS)
    resolved = run.status == "graded" and not f2p["failure"] and not p2p["failure"] and bool(expected)
    return GradeReport(instance_id=task.instance_id, status=run.status, resolved=resolved, tests=expected,
                       fail_to_pass=f2p, pass_to_pass=p2p, dropped_paths=run.dropped_paths, reason=run.reason,
                       log_tail=run.log[-4000:], duration_s=time.monotonic() - started)
