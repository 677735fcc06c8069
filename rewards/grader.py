"""Grading a diff in isolation (DESIGN.md decision 8).

The agent's code runs inside the test process, so everything it can touch is untrusted:
1. a fresh copy of the base snapshot; the agent's diff applied without test infrastructure and
   without modules shadowing the runner or the standard library (`test_infra`);
2. the task's test_patch applied, then two canary tests planted in a test file under test;
3. the tests run in a fresh sandbox, made before the diff is applied and stopped until then
   (`stage_grading`: the env makes it in the background); pytest writes its JUnit XML to
   `/dev/fd/N`, an unlinked host file passed in as an open descriptor, so no path to the report
   exists anywhere;
4. the report is read (size-capped, untrusted XML) per test; only PASSED counts, every expected
   test must be present, the canaries must have been reported truthfully.

Statuses: "graded", "timeout" (reward 0 with the limit in `reason`) and "grading_failed" (the
snapshot, runtime or sandbox failed: the reward is unknown). The output of the test sandbox
starts with a random marker printed before anything from the repository runs, so no output
the agent's code prints can pass for a sandbox failure.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shlex
import tempfile
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..errors import NanoGymError, RepoError
from ..patches import join_patches, parse_patch
from ..repos import BaseSnapshot, apply_diff, base_snapshot, make_workspace, remove_tree
from ..runtimes import Runtime
from ..sandbox import Backend, Sandbox, StagedCommand, make_backend
from ..sandbox.overlay import make_overlay
from ..tasks import Task, files_under_test
from .cache import RewardCache
from .canary import Canaries, CanaryError, canary_host, canary_verdict, plant_canaries
from .junit import MAX_JUNIT_BYTES, MISSING, PASSED, SKIPPED, JunitResults, JunitUnreadable, parse_junit_bytes
from .pytest_log import parse_pytest_log
from .report import BLOCKING_AUDIT_FLAGS, GradeReport
from .test_infra import ShadowCheck, is_test_infrastructure

__all__ = ["grade", "run_tests", "stage_grading", "StagedGrading", "TestRun", "DEFAULT_GRADING_TIMEOUT",
           "GradingFailed"]

DEFAULT_GRADING_TIMEOUT = 600.0
_PROBE_TIMEOUT = 120.0


class GradingFailed(NanoGymError):
    """The grading infrastructure failed; the diff was not judged."""


@dataclass
class TestRun:
    """The outcome of running a task's tests on a diff: every test seen (canaries excluded)."""

    __test__ = False  # not a pytest test class

    status: str  # "graded" | "timeout" | "grading_failed"
    tests: dict[str, str] = field(default_factory=dict)
    dropped_paths: list[str] = field(default_factory=list)
    reason: str = ""
    log: str = ""
    audit: list[str] = field(default_factory=list)
    canary: str = ""  # "ok" | "not_run" | "tampered" | "" (the tests did not run)

    @property
    def trusted(self) -> bool:
        """The run finished, the canaries were reported truthfully and nothing blocking was seen."""
        return self.status == "graded" and self.canary == "ok" and not BLOCKING_AUDIT_FLAGS & set(self.audit)


# ----------------------------------------------------------------------------- the runtime's modules

_PROBE = r"""
import json, pkgutil, sys
import pytest  # the runtime must be able to run the tests at all
names = set(getattr(sys, "stdlib_module_names", ())) | set(sys.builtin_module_names)
names.update(m.name for m in pkgutil.iter_modules())
sys.stdout.write("\n%s\n" % json.dumps(sorted(names)))
"""
_importable: dict[Hashable, frozenset[str]] = {}


def _runtime_modules(sandbox: Sandbox, runtime: Runtime | Hashable) -> frozenset[str]:
    """Top-level modules the runtime's interpreter imports from outside the repository (stdlib,
    builtins, site-packages), asked once per runtime from inside a sandbox over the base tree.
    `-I` keeps the repository and the environment out of the probe. The probe also proves that
    the runtime imports pytest; the runtime is read-only, so that holds for every grading.
    Another backend's runtime (the docker backend's image, named by its id) is its own key."""
    key = (str(runtime.venv), runtime.python_version) if isinstance(runtime, Runtime) else runtime
    if key not in _importable:
        run = sandbox.exec(["/bin/bash", "-c", "exec python -I -c " + shlex.quote(_PROBE)], timeout=_PROBE_TIMEOUT)
        try:
            if run.timed_out or run.exit_code != 0:
                raise ValueError(run.output.strip()[-500:])
            names = json.loads(run.output.strip().rsplit("\n", 1)[-1])
            if not isinstance(names, list) or "os" not in names:
                raise ValueError("no module list")
        except ValueError as exc:
            raise GradingFailed(f"cannot list the runtime's modules: {exc}") from None
        _importable[key] = frozenset(n for n in names if isinstance(n, str))
    return _importable[key]


# ----------------------------------------------------------------------------- the agent's diff

def _split_agent_diff(task: Task, diff: str, shadows: ShadowCheck | None = None) -> tuple[str, list[str], list[str]]:
    """The diff without test infrastructure, the task's test files and shadowing modules;
    also the dropped paths and the audit flags they raise."""
    protected = set(files_under_test(task))
    kept, dropped, audit = [], [], set()
    for patch in parse_patch(diff):
        paths = {p for p in (patch.old_path, patch.new_path) if p}
        if any(is_test_infrastructure(p) or p in protected for p in paths):
            dropped.append(patch.path)
            audit.add("test_infrastructure_modified")
        elif shadows is not None and any(shadows(p) for p in paths):
            dropped.append(patch.path)
            audit.add("module_shadowing")
        else:
            kept.append(patch)
    return join_patches(kept), dropped, sorted(audit)


# ----------------------------------------------------------------------------- the test run

def _test_script(task: Task, nonce: str, fd: int | None) -> str:
    """The test command; its JUnit report goes to descriptor `fd` (None: runtime report "log",
    outcomes are read from the output)."""
    files = files_under_test(task) if task.runtime.test_scope == "test_patch" else []
    report = "" if fd is None else f"-o junit_family=xunit1 --junitxml=/dev/fd/{fd} "
    command = (f"{task.runtime.test_cmd} -p no:cacheprovider {report}"
               + " ".join(shlex.quote(f) for f in files))
    # The marker is printed before anything from the repository can run: it proves the sandbox
    # started (that the runtime imports pytest was proven once per runtime by the probe).
    return f"printf '%s\\n' {nonce}-start; " + command


def _read_report(fh, cap: int) -> bytes | None:
    """What pytest wrote to the report descriptor; None if it is larger than `cap` (not read)."""
    if os.fstat(fh.fileno()).st_size > cap:
        return None
    fh.seek(0)
    chunks, total = [], 0
    while total <= cap:
        chunk = fh.read(min(1 << 20, cap + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    data = b"".join(chunks)
    return data if len(data) <= cap else None


def _infrastructure_failure(output: str, nonce: str) -> str | None:
    """Why the sandbox failed, judged only from output printed before the repository's code
    could run; None when the tests did run."""
    if output.startswith(f"{nonce}-start\n"):
        return None
    if output.startswith("[binary output"):
        return None  # the repository's code printed binary after the marker
    return "the grading sandbox failed: " + output.strip()[:500]


@dataclass
class _Prepared:
    dropped: list[str]
    audit: list[str]
    canaries: Canaries | None = None
    not_applied: str = ""  # why the agent's diff did not apply (the agent's fault: graded 0)


@functools.lru_cache(maxsize=64)
def _shadow_check(snapshot: BaseSnapshot, importable: frozenset[str]) -> ShadowCheck:
    """Built once per base and runtime (both never change): it walks every path of the base."""
    return ShadowCheck.build(snapshot.tree, snapshot.manifest(), importable)


def _joined(*patches: str) -> str:
    return "".join(p if p.endswith("\n") else p + "\n" for p in patches if p.strip())


def _prepare(task: Task, diff: str, snapshot: BaseSnapshot, importable: frozenset[str], workspace: Path) -> _Prepared:
    """Apply the filtered diff and test_patch to the workspace and plant the canaries."""
    shadows = _shadow_check(snapshot, importable)
    agent_diff, dropped, audit = _split_agent_diff(task, diff, shadows)
    prepared = _Prepared(dropped=dropped, audit=audit)
    try:
        # One `git apply` for both (it applies all or nothing); only when that fails are they
        # applied one by one, to tell whose patch it is.
        apply_diff(snapshot, workspace, _joined(agent_diff, task.test_patch))
    except RepoError:
        try:
            apply_diff(snapshot, workspace, agent_diff)
        except RepoError as exc:
            prepared.not_applied = f"the diff does not apply to the base: {exc}"
            return prepared
        try:
            apply_diff(snapshot, workspace, task.test_patch)
        except RepoError as exc:
            raise GradingFailed(f"the task's test_patch does not apply after the agent's diff: {exc}") from None
    host = canary_host([*task.FAIL_TO_PASS, *task.PASS_TO_PASS], files_under_test(task), workspace,
                       scope=task.runtime.test_scope)
    if host is None:
        raise GradingFailed("no test file of the task exists to hold the canary tests")
    try:
        passing = frozenset(t.split("::", 1)[1] for t in task.PASS_TO_PASS if t.startswith(host + "::"))
        prepared.canaries = plant_canaries(workspace, host, external=importable, passing=passing)
    except CanaryError as exc:
        raise GradingFailed(str(exc)) from None
    return prepared


@dataclass
class StagedGrading:
    """A grading's sandbox, made before the diff is known: a fresh overlay (or copy) of the base
    and the test jail started but stopped before the tests (see `Sandbox.stage`). The env makes
    one in the background for each episode it prepares, so a submission pays only for applying
    the diff and running the tests. Used once by `run`; `close` discards it unused."""

    task: Task
    snapshot: BaseSnapshot
    importable: frozenset[str]
    scratch: Path
    nonce: str
    report: BinaryIO | None  # where pytest writes its JUnit report; None: runtime report "log"
    command: StagedCommand | None = None
    _closed: bool = False

    def run(self, diff: str, timeout: float) -> TestRun:
        """Apply `diff` (minus test infrastructure and shadowing modules) and test_patch, plant
        the canaries, run the tests and judge the report."""
        prepared = _Prepared(dropped=[], audit=[])
        try:
            if self._closed or self.command is None:
                raise GradingFailed("a staged grading runs once")
            try:
                prepared = _prepare(self.task, diff, self.snapshot, self.importable, self.command.workspace)
            except OSError as exc:
                raise GradingFailed(f"the grading sandbox's workspace cannot be prepared: {exc}") from None
            if prepared.canaries is None:
                return TestRun("graded", dropped_paths=prepared.dropped, audit=prepared.audit,
                               reason=prepared.not_applied)
            run = self.command.run(timeout=timeout)
            if run.timed_out:
                return TestRun("timeout", dropped_paths=prepared.dropped, audit=prepared.audit, log=run.output,
                               reason=f"the tests did not finish within the grading timeout of {timeout:g}s")
            failure = _infrastructure_failure(run.output, self.nonce)
            if failure is not None:
                raise GradingFailed(failure)
            if self.report is None:
                return _judge(prepared, b"", run.exit_code, run.output, _log_results(run.output, self.nonce))
            return _judge(prepared, _read_report(self.report, MAX_JUNIT_BYTES), run.exit_code, run.output)
        except (NanoGymError, OSError) as exc:
            return _failed(exc, prepared)
        finally:
            self.close()

    def close(self) -> None:
        """Remove the jail (if it did not run) and the scratch tree."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.command is not None:
                self.command.close()
            if self.report is not None:
                self.report.close()
        finally:
            _remove_scratch(self.scratch)


def stage_grading(task: Task, *, backend: Backend | None = None,
                  repos: str | os.PathLike[str] | None = None) -> StagedGrading:
    """Make `task`'s grading sandbox ahead of its diff (see `StagedGrading`). `repos` is where a
    repository that is not embedded comes from (see `nano_gym.mirrors`). Raises NanoGymError
    or OSError when the snapshot, runtime or sandbox cannot be made."""
    backend = backend or make_backend()
    snapshot = base_snapshot(task, repos)
    runtime = backend.runtime(task, snapshot)
    scratch = Path(backend.scratch_dir("nano-grade-"))
    staged = None
    try:
        if backend.overlay_unavailable() is None:
            # An overlay over the base: nothing is copied. The host writes it through the staged
            # jail's namespace, where it is mounted, before the tests start.
            layout = make_overlay(snapshot.tree, scratch)
            sandbox = backend.start(layout.merged, runtime, overlay=layout)
        else:
            sandbox = backend.start(make_workspace(snapshot, scratch), runtime)
        # Probe before staging: the probe's jail mounts the overlay too, which must not happen
        # while the staged jail holds it.
        importable = _runtime_modules(sandbox, runtime)
        # An unlinked file: pytest reaches it only through the descriptor it inherits.
        report = None if task.runtime.report == "log" else tempfile.TemporaryFile(dir=scratch, buffering=0)
        staged = StagedGrading(task, snapshot, importable, scratch, secrets.token_hex(12), report)
        fd = None if report is None else report.fileno()
        staged.command = sandbox.stage(["/bin/bash", "-c", _test_script(task, staged.nonce, fd)],
                                       pass_fds=() if fd is None else (fd,))
        sandbox.close()
        return staged
    except BaseException:
        if staged is not None:
            staged.close()
        else:
            _remove_scratch(scratch)
        raise


def run_tests(task: Task, diff: str, *, backend: Backend | None = None,
              timeout: float = DEFAULT_GRADING_TIMEOUT, repos: str | os.PathLike[str] | None = None,
              staged: StagedGrading | None = None) -> TestRun:
    """Apply `diff` (minus test infrastructure and shadowing modules) and `test_patch` to a fresh
    base, plant the canaries and run the tests. `staged` (taken over: it is closed) is this
    task's grading sandbox made ahead; without one (or with one no longer waiting) it is made now."""
    if staged is not None and (staged.task != task or staged.command is None or not staged.command.waiting):
        staged.close()  # made for another task, or its jail died while it waited
        staged = None
    if staged is None:
        try:
            staged = stage_grading(task, backend=backend, repos=repos)
        except (NanoGymError, OSError) as exc:
            return _failed(exc, _Prepared(dropped=[], audit=[]))
    return staged.run(diff, timeout)


def _failed(exc: BaseException, prepared: _Prepared) -> TestRun:
    return TestRun("grading_failed", dropped_paths=prepared.dropped, audit=prepared.audit,
                   reason=f"{type(exc).__name__}: {exc}")


def _remove_scratch(scratch: Path) -> None:
    """Delete the grading scratch tree, whose shape the agent's diff decided."""
    remove_tree(scratch)


# How JUnit reports what pytest's summary calls XPASS (non-strict) and XFAIL.
_LOG_STATUS = {"XPASS": PASSED, "XFAIL": SKIPPED}


def _log_results(output: str, nonce: str) -> JunitResults:
    """Per-test outcomes from pytest's `-rA` summary, read from what the tests printed after the
    start marker (runtime report "log": the runner cannot write JUnit)."""
    log = output.split(f"{nonce}-start\n", 1)[-1]
    return JunitResults(tests={test: _LOG_STATUS.get(status, status) for test, status in parse_pytest_log(log).items()})


def _judge(prepared: _Prepared, data: bytes | None, exit_code: int | None, log: str,
           results: JunitResults | None = None) -> TestRun:
    """Turn the report's bytes (`data` None: over the size cap), or outcomes already read from
    the log, into a TestRun."""
    canaries, dropped, audit = prepared.canaries, prepared.dropped, list(prepared.audit)
    missing = ""
    if results is None and data == b"":
        missing = "no test report was written"
    elif results is not None and not results.tests:
        missing = "no test summary was found in the output"
    if missing:
        return TestRun("graded", dropped_paths=dropped, audit=audit, log=log,
                       reason=f"{missing} (test command exit code {exit_code})")
    try:
        if results is None:
            if data is None:
                raise JunitUnreadable(f"the report is larger than {MAX_JUNIT_BYTES} bytes")
            results = parse_junit_bytes(data)
    except JunitUnreadable as exc:
        return TestRun("graded", dropped_paths=dropped, audit=sorted({*audit, "results_unreadable"}), log=log,
                       reason=f"the test report cannot be trusted: {exc}")
    reasons = []
    if results.conflicting:
        audit.append("duplicate_results")
        reasons.append(f"{len(results.conflicting)} test(s) reported both as passed and as not passed")
    verdict, why = canary_verdict(canaries, results.tests)
    if verdict == "tampered":
        audit.append("runner_tampered")
    if why:
        reasons.append(why)
    tests = {t: s for t, s in results.tests.items() if t not in canaries.ids}
    return TestRun("graded", tests=tests, dropped_paths=dropped, audit=sorted(set(audit)), log=log,
                   reason="; ".join(reasons), canary=verdict)


# ----------------------------------------------------------------------------- the report

def grade(task: Task, diff: str, *, backend: Backend | None = None, timeout: float = DEFAULT_GRADING_TIMEOUT,
          cache: RewardCache | None = None, repos: str | os.PathLike[str] | None = None,
          staged: Callable[[], StagedGrading | None] | None = None) -> GradeReport:
    """Grade `diff` (a git diff against the task's base) and return the per-test report; with a
    `cache`, a diff graded before is answered from it. `staged`, called only when the cache has
    no answer, hands over this task's grading sandbox made ahead (see `stage_grading`), or None."""
    if cache is not None and (hit := cache.get(task, diff)) is not None:
        return hit
    started = time.monotonic()
    run = run_tests(task, diff, backend=backend, timeout=timeout, repos=repos,
                    staged=staged() if staged is not None else None)
    report = _report(task, run, started)
    if cache is not None:
        cache.put(task, diff, report)
    return report


def _report(task: Task, run: TestRun, started: float) -> GradeReport:
    tests = run.tests
    trusted = run.trusted

    def split(ids: tuple[str, ...]) -> dict[str, list[str]]:
        # An untrusted run credits no test, whatever it reported.
        return {"success": [t for t in ids if trusted and tests.get(t) == PASSED],
                "failure": [t for t in ids if not trusted or tests.get(t) != PASSED]}

    expected = {t: tests.get(t, MISSING) for t in (*task.FAIL_TO_PASS, *task.PASS_TO_PASS)}
    f2p, p2p = split(task.FAIL_TO_PASS), split(task.PASS_TO_PASS)
    resolved = trusted and bool(expected) and not f2p["failure"] and not p2p["failure"]
    reason = run.reason
    if run.status == "graded" and not resolved and not reason:
        missing = [t for t, s in expected.items() if s == MISSING]
        reason = (f"{len(missing)} expected test(s) missing from the report" if missing
                  else "some expected tests did not pass" if expected else "the task lists no tests")
    return GradeReport(instance_id=task.instance_id, status=run.status, resolved=resolved, tests=expected,
                       fail_to_pass=f2p, pass_to_pass=p2p, dropped_paths=run.dropped_paths, audit=run.audit,
                       reason=reason, log_tail=run.log[-4000:], duration_s=time.monotonic() - started)
