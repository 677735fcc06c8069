"""Benchmark of nano_gym against the designs it replaces (issue 4).

One command, one run, side by side on the same repositories:

- a generated 50-file repository, a generated 5,000-file (~50 MB) repository, and one task of
  the embedded `nano-v0` suite;
- nano_gym's reset, step (short history and with 100 turns already in it), apply_patch on a
  2,000-line file, diff extraction at episode end, grading, and grading of a (task, diff)
  already graded once;
- baseline A: a fresh `git clone` per episode and one subprocess per command (the design of
  Nano and of mini-swe-agent's local mode); baseline B: a container per episode and
  `docker exec` per command, when Docker can run here (skipped with a note otherwise);
- memory per idle env, and the throughput of a vector env of 1, 2, 4, 8 and 16 envs, on threads (the
  default) and in worker processes (Gymnasium's AsyncVectorEnv).

It prints the machine profile and a table of p50/p90, ratios and targets, and writes
`bench-results/bench.json`, `bench-results/bench.md` (the table, for the README) and
`bench-results/bench.png` (with matplotlib; skipped with a note without it).

    python scripts/bench.py            # the full run (a few minutes)
    python scripts/bench.py --quick    # about a minute
    python scripts/bench.py --help     # everything else

Everything nano_gym builds (runtime, snapshots) goes to a temporary cache unless `--cache DIR`
is given; every env is warmed up (its first reset builds the snapshot and the runtime)
before anything is timed. Times are wall-clock `time.perf_counter()` around the public API
(`env.reset()`, `env.step()`), as a training loop sees them; the env's own `info["timings"]`
give the diff and grading parts of the submitting step.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_baselines as bl  # noqa: E402

ENV_ID = "NanoSWE-v0"
SHELL_TRUE = {"name": "shell", "arguments": {"cmd": "true"}}
SUBMIT = {"role": "assistant", "content": "Done."}
NO_LIMIT = 1_000_000  # max_steps for timing runs: the env must not end an episode by itself
BIG_LINES = 2000
SUITE_BIG_FILE = "bench_big_module.py"
GENERATED_BIG_FILE = "benchpkg/big_module.py"
VECTOR_SIZES = (1, 2, 4, 8, 16)
HISTORY_RESET_EVERY = 10  # steps between resets wherever histories must stay short


# ============================================================================ configuration

@dataclass(frozen=True)
class Counts:
    """Repetitions of each measurement, bounded by a time budget per measurement: a loop stops
    at `n` samples, or once `budget_s` has passed and it has at least `min_n` of them."""

    reset: int
    step: int
    step_long: int
    patch: int
    grade: int
    cached: int
    baseline_reset: int
    baseline_step: int
    baseline_patch: int
    baseline_diff: int
    baseline_grade: int
    docker_step: int
    budget_s: float
    min_n: int
    throughput_s: float
    memory_envs: int

    def budget(self, n: int, min_n: int | None = None) -> "Budget":
        return Budget(n, self.budget_s, self.min_n if min_n is None else min_n)


class Budget:
    def __init__(self, n: int, seconds: float, min_n: int) -> None:
        self.n, self.seconds, self.min_n = n, seconds, min(min_n, n)
        self.started = time.perf_counter()

    def more(self, have: int) -> bool:
        return have < self.n and (have < self.min_n or time.perf_counter() - self.started < self.seconds)


FULL = Counts(reset=50, step=500, step_long=500, patch=500, grade=15, cached=5,
              baseline_reset=30, baseline_step=500, baseline_patch=500, baseline_diff=30, baseline_grade=10,
              docker_step=100, budget_s=20.0, min_n=3, throughput_s=5.0, memory_envs=16)
QUICK = Counts(reset=10, step=100, step_long=100, patch=100, grade=2, cached=1,
               baseline_reset=5, baseline_step=100, baseline_patch=100, baseline_diff=5, baseline_grade=2,
               docker_step=20, budget_s=2.5, min_n=1, throughput_s=1.5, memory_envs=8)


@dataclass(frozen=True)
class RepoSpec:
    name: str  # also the repository "bench/<name>"
    files: int
    total_bytes: int


GENERATED = (RepoSpec("small", 50, 500_000), RepoSpec("large", 5000, 50_000_000))


def log(message: str) -> None:
    print(message, flush=True)


# ============================================================================ machine profile

def _mount_of(path: Path) -> tuple[str, str, str]:
    """(mount point, filesystem type, device) holding `path`."""
    best = ("/", "?", "?")
    real = os.path.realpath(path)
    try:
        with open("/proc/self/mounts") as fh:
            for line in fh:
                device, mount, fstype = line.split()[:3]
                mount = mount.replace("\\040", " ")
                if (real == mount or real.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best[0]):
                    best = (mount, fstype, device)
    except OSError:
        pass
    return best


def _meminfo() -> dict[str, int]:
    out = {}
    with open("/proc/meminfo") as fh:
        for line in fh:
            key, value = line.split(":", 1)
            out[key] = int(value.split()[0]) * 1024
    return out


def _version(argv: list[str]) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if proc.returncode == 0 else "not found"


def machine_profile(cache: Path) -> dict[str, Any]:
    mem = _meminfo()
    mount, fstype, device = _mount_of(cache)
    distro = ""
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                distro = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "memory_total_bytes": mem.get("MemTotal", 0),
        "memory_available_bytes": mem.get("MemAvailable", 0),
        "kernel": platform.release(),
        "os": distro,
        "python": platform.python_version(),
        "git": _version(["git", "--version"]),
        "bwrap": _version(["bwrap", "--version"]),
        "cache_dir_filesystem": {"type": fstype, "mount": mount, "device": device},
        "load_average_at_start": list(os.getloadavg()),
    }


def print_sandbox(sandbox: dict[str, Any] | None) -> None:
    limits = (sandbox or {}).get("limits", {})
    enforced = limits.get("memory_bytes", {}).get("enforced_by", "?")
    log(f"  sandbox: {(sandbox or {}).get('backend', '?')} backend; memory/pids/cpu limits enforced by {enforced}")


def print_profile(profile: dict[str, Any], sandbox: dict[str, Any] | None) -> None:
    fs = profile["cache_dir_filesystem"]
    log("machine")
    log(f"  cores      {profile['cores']} ({profile['cores_usable']} usable) {profile['cpu_model']}")
    log(f"  memory     {profile['memory_total_bytes'] / 2**30:.1f} GiB total, "
        f"{profile['memory_available_bytes'] / 2**30:.1f} GiB available")
    log(f"  kernel     {profile['kernel']}  ({profile['os']})")
    log(f"  python     {profile['python']};  {profile['git']};  bwrap {profile['bwrap']}")
    log(f"  cache fs   {fs['type']} (mounted at {fs['mount']})")
    load = profile["load_average_at_start"]
    busy = load[0] > 0.25 * (profile["cores"] or 1)
    log(f"  load       {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        + ("  (the machine is busy: other processes compete for the cores and the figures are noisier)"
           if busy else ""))
    if sandbox:
        limits = sandbox.get("limits", {})
        enforced = limits.get("memory_bytes", {}).get("enforced_by", "?")
        log(f"  sandbox    {sandbox.get('backend')}; memory/pids/cpu limits enforced by {enforced}")


# ============================================================================ statistics

def summarize(samples_s: list[float]) -> dict[str, Any]:
    """p50/p90 (and more) in milliseconds of samples given in seconds."""
    if not samples_s:
        return {"n": 0}
    ms = sorted(s * 1000.0 for s in samples_s)

    def pct(q: float) -> float:
        # Linear interpolation between closest ranks (numpy's default).
        pos = (len(ms) - 1) * q
        lo = int(pos)
        hi = min(lo + 1, len(ms) - 1)
        return ms[lo] + (ms[hi] - ms[lo]) * (pos - lo)

    return {"n": len(ms), "p50_ms": pct(0.5), "p90_ms": pct(0.9), "mean_ms": sum(ms) / len(ms),
            "min_ms": ms[0], "max_ms": ms[-1], "samples_ms": [round(v, 4) for v in ms]}


def timed(fn, *args, **kwargs) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


# ============================================================================ generated repositories

_GIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
            "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
            "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}

_CORE_BASE = '''"""Small numeric helpers: the module the benchmark's task is about."""


def add(a, b):
    """Return a + b."""
    return a + b


def clamp(value, low, high):
    """Clamp value into [low, high]."""
    if value < low:
        return low
    if value > high:
        return {upper}
    return value
'''
_TESTS_BASE = '''from benchpkg.core import add, clamp


def test_add():
    assert add(2, 3) == 5


def test_clamp_low():
    assert clamp(-5, 0, 10) == 0
'''
_TESTS_ADDED = '''

def test_clamp_high():
    assert clamp(50, 0, 10) == 10
'''
_FILLER_FUNC = '''

def func_{i}_{j}(x, y={a}):
    """Generated helper {j} of module {i}: a weighted sum."""
    total = x + y * {b}
    for k in range({c}):
        total += (k * {a}) % {d}
    return total
'''


def big_module_text() -> str:
    """A 2,000-line Python module whose lines are unique: apply_patch's benchmark target."""
    lines = ['"""Settings table: a 2,000-line module for the apply_patch benchmark."""\n',
             "def compute_default(value, name):\n"]
    lines[1] += "    return value\n"  # keep the def one logical block; counted below
    body = [f'VALUE_{k:04d} = compute_default({k}, name="value_{k:04d}")  # setting {k}\n'
            for k in range(1, BIG_LINES - 2)]
    text = lines[0] + lines[1] + "".join(body)
    assert text.count("\n") == BIG_LINES, text.count("\n")
    return text


def patch_action(file: str, k: int) -> dict[str, Any]:
    """apply_patch of line `k` of the big module (k in 1..1997): a one-line change."""
    search = f"VALUE_{k:04d} = compute_default({k}, "
    return {"name": "apply_patch", "arguments": {"search": search, "replace": f"VALUE_{k:04d} = compute_default({k} + 1, ",
                                                 "file": file}}


def _filler(i: int, size: int) -> str:
    parts = [f'"""Generated module {i} of the benchmark repository."""\n']
    total, j = len(parts[0]), 0
    while total < size:
        chunk = _FILLER_FUNC.format(i=i, j=j, a=(i * 31 + j) % 97, b=(i + j * 7) % 13 + 1, c=j % 5 + 1,
                                    d=(i + j) % 11 + 2)
        parts.append(chunk)
        total += len(chunk)
        j += 1
    return "".join(parts)


def _git(args: list[str], cwd: Path, date: str | None = None) -> str:
    env = {**os.environ, **_GIT_ENV}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    proc = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "core.autocrlf=false", *args], cwd=cwd,
                          env=env, capture_output=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args[:3])} failed: {proc.stderr.decode('utf-8', 'replace')[-500:]}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def generate_repo(spec: RepoSpec, work: Path, mirrors: Path) -> dict[str, Any]:
    """Build `bench/<name>` (deterministic: the same commits on every run), its bare mirror at
    `mirrors/bench__<name>.git`, and the task record: the base commit introduces a bug in
    benchpkg/core.py, the next commit (after the base, so in the mirror's future) fixes it and
    adds the test that shows it."""
    src = work / f"src-{spec.name}"
    shutil.rmtree(src, ignore_errors=True)
    (src / "benchpkg").mkdir(parents=True)
    (src / "tests").mkdir()
    fixed_files = {
        "README.md": f"# bench/{spec.name}\n\nA generated repository for nano_gym's benchmark.\n",
        "benchpkg/__init__.py": '"""Generated benchmark package."""\n__version__ = "1.0"\n',
        "benchpkg/core.py": _CORE_BASE.format(upper="high"),
        GENERATED_BIG_FILE: big_module_text(),
        "tests/test_core.py": _TESTS_BASE,
    }
    for rel, text in fixed_files.items():
        (src / rel).write_text(text)
    n_filler = spec.files - len(fixed_files)
    filler_size = max(256, (spec.total_bytes - sum(len(t) for t in fixed_files.values())) // max(1, n_filler))
    filler_paths = []
    for i in range(n_filler):
        rel = f"benchpkg/gen/d{i // 50:03d}/m{i:04d}.py"
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(_filler(i, filler_size))
        filler_paths.append(rel)
    _git(["init", "-q"], src)
    _git(["add", "-A"], src)
    _git(["commit", "-q", "-m", "Initial import"], src, "2024-01-01T10:00:00Z")
    for rel in filler_paths[:: max(1, len(filler_paths) // 50)]:  # ~1% of the modules change
        with open(src / rel, "a") as fh:
            fh.write(_FILLER_FUNC.format(i=999, j=1, a=3, b=4, c=2, d=5))
    _git(["commit", "-q", "-a", "-m", "Extend generated helpers"], src, "2024-01-02T10:00:00Z")
    (src / "benchpkg/core.py").write_text(_CORE_BASE.format(upper="low"))
    _git(["commit", "-q", "-a", "-m", "Simplify clamp"], src, "2024-01-03T10:00:00Z")
    base = _git(["rev-parse", "HEAD"], src).strip()
    (src / "benchpkg/core.py").write_text(_CORE_BASE.format(upper="high"))
    (src / "tests/test_core.py").write_text(_TESTS_BASE + _TESTS_ADDED)
    _git(["commit", "-q", "-a", "-m", "Fix clamp's upper bound"], src, "2024-01-04T10:00:00Z")
    patch = _git(["diff", base, "HEAD", "--", "benchpkg"], src)
    test_patch = _git(["diff", base, "HEAD", "--", "tests"], src)
    mirror = mirrors / f"bench__{spec.name}.git"
    shutil.rmtree(mirror, ignore_errors=True)
    _git(["clone", "-q", "--bare", str(src), str(mirror)], work)
    files = _git(["ls-tree", "-r", "-l", "--full-tree", base], src).splitlines()
    size = sum(int(line.split()[3]) for line in files)
    shutil.rmtree(src, ignore_errors=True)
    record = {
        "instance_id": f"bench__{spec.name}-1",
        "repo": f"bench/{spec.name}",
        "base_commit": base,
        "problem_statement": "clamp(value, low, high) returns `low` when value is above `high`; it must return `high`.",
        "patch": patch,
        "test_patch": test_patch,
        "FAIL_TO_PASS": ["tests/test_core.py::test_clamp_high"],
        "PASS_TO_PASS": ["tests/test_core.py::test_add", "tests/test_core.py::test_clamp_low"],
        "created_at": "2024-01-03T10:00:00Z",
        "runtime": {"test_scope": "test_patch"},
    }
    return {"record": record, "mirror": str(mirror), "files": len(files), "bytes": size,
            "big_file": GENERATED_BIG_FILE, "create_big_file": False}


def suite_repo(task_id: str | None) -> dict[str, Any]:
    from nano_gym.repos import base_snapshot
    from nano_gym.tasks import load_suite

    tasks = load_suite("nano-v0")
    task = next((t for t in tasks if t.instance_id == task_id), None) if task_id else tasks[0]
    if task is None:
        raise SystemExit(f"no task {task_id!r} in nano-v0")
    snapshot = base_snapshot(task)
    manifest = snapshot.manifest()
    size = sum((snapshot.tree / p).stat().st_size for p in manifest if (snapshot.tree / p).is_file())
    # The baselines clone the snapshot's tree: a repository holding exactly the base commit.
    return {"record": task.to_record(), "mirror": str(snapshot.tree), "files": len(manifest), "bytes": size,
            "big_file": SUITE_BIG_FILE, "create_big_file": True}


# ============================================================================ the agent's actions

def solve_actions(record: dict[str, Any], nonce: str) -> list[dict[str, Any]]:
    """The oracle's tool calls for the task, with a comment naming `nonce` added to its last
    edit, so that every graded diff is distinct (a content-keyed cache must not serve it)."""
    from nano_gym.policies import oracle_actions
    from nano_gym.tasks import task_from_record

    actions = [json.loads(json.dumps(a)) for a in oracle_actions(task_from_record(record))]
    for action in reversed(actions):
        args = action["arguments"]
        if action["name"] == "apply_patch" and args["replace"].endswith("\n"):
            args["replace"] += f"# bench run {nonce}\n"
            return actions
    return actions + [{"name": "shell", "arguments": {"cmd": f"touch bench_run_{nonce}.txt"}}]


def big_file_setup(repo: dict[str, Any]) -> list[dict[str, Any]]:
    """The calls that create the 2,000-line file where the base lacks it (the embedded suite)."""
    if not repo["create_big_file"]:
        return []
    return [{"name": "shell", "arguments": {"cmd": f"touch {repo['big_file']}"}},
            {"name": "apply_patch", "arguments": {"search": "", "replace": big_module_text(), "file": repo["big_file"]}}]


# ============================================================================ nano_gym

def make_env(record: dict[str, Any], mirrors: Path, **kwargs: Any):
    import gymnasium as gym

    import nano_gym  # noqa: F401  (registers the env id)

    return gym.make(ENV_ID, tasks=[record], repos=str(mirrors), max_steps=NO_LIMIT, max_episode_steps=NO_LIMIT,
                    **kwargs)


class BenchError(RuntimeError):
    pass


def _check_tool(obs: list[dict[str, Any]], info: dict[str, Any], what: str) -> None:
    if info.get("tool_errors"):
        raise BenchError(f"{what}: the env reported a tool error: {info['tool_errors'][0]}")


def _step(env, action: dict[str, Any], what: str) -> None:
    obs, _r, _t, _tr, info = env.step(action)
    _check_tool(obs, info, what)


def measure_resets(record: dict[str, Any], mirrors: Path, counts: Counts) -> dict[str, Any]:
    """reset() three ways: with prefetch off (the whole preparation on the caller's clock),
    back-to-back (resets in the middle of episodes: nothing was prepared ahead), and after an
    episode that ended (submitted, graded) and an idle gap long enough for background work to
    finish, as between two real episodes."""
    out: dict[str, Any] = {}
    try:
        env = make_env(record, mirrors, prefetch=False)
    except TypeError:  # an env without a prefetch option prepares every episode in reset()
        env = None
        out["notes"] = ["the env has no prefetch option: 'prefetch off' not measured"]
    if env is not None:
        try:
            env.reset(seed=0)
            env.step(SHELL_TRUE)
            samples: list[float] = []
            budget = counts.budget(counts.reset)
            while budget.more(len(samples)):
                samples.append(timed(env.reset, seed=len(samples))[0])
            out["reset_no_prefetch"] = summarize(samples)
        finally:
            env.close()
    env = make_env(record, mirrors)
    try:
        out["first_reset_ms"] = timed(env.reset, seed=0)[0] * 1000
        env.step(SHELL_TRUE)
        env.reset(seed=0)
        samples = []
        budget = counts.budget(counts.reset)
        while budget.more(len(samples)):
            samples.append(timed(env.reset, seed=len(samples))[0])
        out["reset_b2b"] = summarize(samples)
        # An episode: a few steps, then a submission (graded; the same empty diff every time, so
        # the reward cache answers after the first), then the trainer's own work between episodes,
        # a gap of 4x the cost of preparing an episode (the background also deletes the previous
        # one) plus 0.1 s, within [0.25 s, 5 s]. The next episode is prepared when one ends.
        prep_ms = (out.get("reset_no_prefetch") or out["reset_b2b"])["p50_ms"]
        gap = min(5.0, max(0.25, 4 * prep_ms / 1000 + 0.1))
        out["idle_gap_s"] = gap
        samples = []
        budget = counts.budget(counts.reset)
        while budget.more(len(samples)):
            for _ in range(3):
                env.step(SHELL_TRUE)
            env.step(SUBMIT)
            time.sleep(gap)
            samples.append(timed(env.reset, seed=len(samples))[0])
        out["reset"] = summarize(samples)
    finally:
        env.close()
    return out


def measure_nano(repo: dict[str, Any], mirrors: Path, counts: Counts) -> dict[str, Any]:
    record = repo["record"]
    out: dict[str, Any] = measure_resets(record, mirrors, counts)
    out.setdefault("notes", [])
    env = make_env(record, mirrors)
    direct_dir = None
    try:
        env.reset(seed=0)
        env.step(SHELL_TRUE)

        samples, first, later = [], [], []
        budget = counts.budget(counts.step)
        while budget.more(len(samples)):
            env.reset()
            for j in range(HISTORY_RESET_EVERY):
                dt, (obs, _r, _t, _tr, info) = timed(env.step, SHELL_TRUE)
                samples.append(dt)
                (first if j == 0 else later).append(dt)
            _check_tool(obs, info, "shell true")
        out["step"] = summarize(samples)
        out["step"]["first_after_reset"] = summarize(first)
        out["step"]["later"] = summarize(later)

        samples = []
        budget = counts.budget(counts.step_long, min_n=50)
        while budget.more(len(samples)):
            env.reset()
            for _ in range(100):
                env.step(SHELL_TRUE)
            for _ in range(50):
                dt, (obs, _r, _t, _tr, info) = timed(env.step, SHELL_TRUE)
                samples.append(dt)
            _check_tool(obs, info, "shell true (long history)")
        out["step_long"] = summarize(samples)
        out["step_long"]["history_turns"] = "100-150"

        samples, tool_s, episode = [], [], 0
        budget = counts.budget(counts.patch)
        per_episode = 2 * HISTORY_RESET_EVERY
        while budget.more(len(samples)):
            env.reset()
            for action in big_file_setup(repo):
                _step(env, action, "creating the big file")
            for j in range(per_episode):
                k = (episode * per_episode + j) % (BIG_LINES - 3) + 1
                dt, (obs, _r, _t, _tr, info) = timed(env.step, patch_action(repo["big_file"], k))
                _check_tool(obs, info, "apply_patch")
                samples.append(dt)
                tool_s.append(info.get("timings", {}).get("tools_s", float("nan")))
            episode += 1
        out["apply_patch"] = summarize(samples)
        out["apply_patch"]["tool_only"] = summarize(tool_s)
        out["apply_patch"]["history_turns"] = f"<= {per_episode + len(big_file_setup(repo))}"

        # Grading: each episode applies the oracle's fix plus a unique comment (a distinct diff),
        # then submits; then episodes that repeat an already graded diff (a cache may serve them).
        # Before submitting, the same idle gap as between episodes stands for the agent's own
        # time (an LLM turn takes longer): work an env does in the background meanwhile is done.
        think = out.get("idle_gap_s", 0.25)
        # The same test command run directly (baseline A's reference run, in a prepared checkout
        # of the fix) right after each grading: this machine's speed drifts by tens of percent
        # over a minute, so the ratio is taken between runs made side by side.
        direct_dir = Path(tempfile.mkdtemp(prefix="bench-direct-"))
        direct = _direct_test_run(repo, direct_dir)
        direct_samples: list[float] = []
        cold, cached, diffs, submits, rewards, statuses, nonces = [], [], [], [], [], [], []
        budget = counts.budget(counts.grade)
        cached_budget = None
        while True:
            if cached_budget is None and not budget.more(len(cold)):
                cached_budget = counts.budget(counts.cached, min_n=min(2, counts.min_n))
            if cached_budget is not None and not cached_budget.more(len(cached)):
                break
            repeat = cached_budget is not None
            nonce = nonces[len(cached) % len(nonces)] if repeat else os.urandom(6).hex()
            env.reset()
            for action in solve_actions(record, nonce):
                _step(env, action, "the oracle's fix")
            time.sleep(think)
            dt, (_obs, reward, terminated, _tr, info) = timed(env.step, SUBMIT)
            if not terminated:
                raise BenchError("submitting did not end the episode")
            timings = info.get("timings", {})
            (cached if repeat else cold).append(timings.get("grade_s", dt))
            diffs.append(timings.get("diff_s", float("nan")))
            submits.append(dt)
            rewards.append(reward)
            statuses.append(info.get("reward_status"))
            if not repeat:
                nonces.append(nonce)
                direct_samples.append(direct()[0])
        out["grade"] = summarize(cold)
        out["grade_direct"] = summarize(direct_samples)
        ratios = [g / d for g, d in zip(cold, direct_samples) if d > 0]
        if ratios:
            out["grade_ratio"] = {"median": statistics.median(ratios),
                                  "pairs": [[round(g * 1000, 3), round(d * 1000, 3)] for g, d in zip(cold, direct_samples)]}
        out["grade_cached"] = summarize(cached)
        out["diff"] = summarize(diffs)
        out["submit_step"] = summarize(submits)
        out["rewards"] = rewards
        out["reward_statuses"] = statuses
        if any(r != 1.0 for r in rewards):
            out["notes"].append(f"the oracle's fix was not rewarded 1.0 every time: rewards {rewards}, "
                                f"statuses {statuses}")
        out["sandbox"] = env.unwrapped.metadata.get("sandbox")
    finally:
        env.close()
        if direct_dir is not None:
            shutil.rmtree(direct_dir, ignore_errors=True)
    return out


# ============================================================================ baselines

def _files_under_test(record: dict[str, Any]) -> list[str]:
    from nano_gym.tasks import files_under_test, task_from_record

    task = task_from_record(record)
    return files_under_test(task) if task.runtime.test_scope == "test_patch" else []


def _direct_test_run(repo: dict[str, Any], parent: Path):
    """A callable running the task's test command directly in a checkout with the fix and
    test_patch applied (as baseline A grades): (seconds, exit code, output tail)."""
    record = repo["record"]
    checkout = bl.prepare_checkout(repo["mirror"], record["base_commit"], parent / "checkout",
                                   [record["patch"], record["test_patch"]])
    venv = _reference_venv(record, parent / "reference-venv")
    test_cmd = record["runtime"].get("test_cmd", "python -m pytest -rA")
    files = _files_under_test(record)
    return lambda: bl.run_reference_tests(checkout, venv, test_cmd, files)


def _reference_venv(record: dict[str, Any], dest: Path) -> Path:
    """A host venv with the task runtime's interpreter and packages (see bench_baselines)."""
    from nano_gym.runtimes import ensure_runtime
    from nano_gym.tasks import task_from_record

    runtime = ensure_runtime(task_from_record(record).runtime)
    major_minor = ".".join(runtime.python_version.split(".")[:2])
    interpreter = Path(runtime.base_prefix) / "bin" / f"python{major_minor}"
    return bl.reference_venv(str(interpreter), Path(runtime.venv), dest)


def _apply_actions(episode, actions: list[dict[str, Any]]) -> None:
    for action in actions:
        args = action["arguments"]
        if action["name"] == "shell":
            out, code = episode.shell(args["cmd"])
            if code != 0:
                raise BenchError(f"baseline shell {args['cmd']!r} failed: {out[-300:]}")
        else:
            result = episode.apply_patch(args["search"], args["replace"], args["file"])
            if result != "patched":
                raise BenchError(f"baseline apply_patch on {args['file']} failed: {result}")


def measure_baseline(kind: str, repo: dict[str, Any], work: Path, counts: Counts, hardlinks: bool,
                     idle_memory: bool = False) -> dict[str, Any]:
    """Baseline A ("checkout") or B ("docker") on one repository. One checkout serves the
    diff, apply_patch and grading measurements after the timed resets (clones of a large
    repository are slow, and only the resets are about cloning)."""
    record = repo["record"]
    parent = Path(tempfile.mkdtemp(prefix=f"baseline-{kind}-", dir=work))
    if kind == "checkout":
        episode = bl.CheckoutEpisode(repo["mirror"], record["base_commit"], parent, hardlinks=hardlinks)
    else:
        episode = bl.DockerEpisode(repo["mirror"], record["base_commit"], parent)
    out: dict[str, Any] = {}

    def collect(n: int, fn, *args) -> list[float]:
        samples: list[float] = []
        budget = counts.budget(n)
        while budget.more(len(samples)):
            samples.append(timed(fn, *args)[0])
        return samples

    try:
        episode.reset()  # warm-up: page cache, image layers
        out["reset"] = summarize(collect(counts.baseline_reset, episode.reset))
        out["step"] = summarize(collect(counts.baseline_step if kind == "checkout" else counts.docker_step,
                                        episode.shell, "true"))
        _apply_actions(episode, solve_actions(record, "baseline"))
        diff = episode.diff()
        if "bench run baseline" not in diff and "bench_run_baseline" not in diff:
            raise BenchError(f"baseline {kind}: the diff misses the change")
        out["diff"] = summarize(collect(counts.baseline_diff, episode.diff))
        _apply_actions(episode, big_file_setup(repo))
        samples = []
        budget = counts.budget(min(counts.baseline_patch, BIG_LINES - 3))
        while budget.more(len(samples)):
            action = patch_action(repo["big_file"], len(samples) + 1)["arguments"]
            dt, result = timed(episode.apply_patch, action["search"], action["replace"], action["file"])
            if result != "patched":
                raise BenchError(f"baseline {kind} apply_patch: {result}")
            samples.append(dt)
        out["apply_patch"] = summarize(samples)
        # Grading: the test command run directly in the checkout with the fix and test_patch applied.
        episode.restore()
        for patch in (record["patch"], record["test_patch"]):
            bl.git_apply(episode.checkout, patch)
        files = _files_under_test(record)
        test_cmd = record["runtime"].get("test_cmd", "python -m pytest -rA")
        if kind == "checkout":
            venv = _reference_venv(record, parent / "reference-venv")
            run = lambda: bl.run_reference_tests(episode.checkout, venv, test_cmd, files)  # noqa: E731
        else:
            run = lambda: episode.run_tests(test_cmd, files)  # noqa: E731
        run()  # warm-up
        samples, codes, tail = [], [], ""
        budget = counts.budget(counts.baseline_grade, min_n=2)
        while budget.more(len(samples)):
            dt, code, tail = run()
            samples.append(dt)
            codes.append(code)
        if any(codes):
            out["grade_note"] = f"the test command exited {codes}: {tail[-300:]}"
        out["grade"] = summarize(samples)
        if kind == "docker" and idle_memory:
            extra = []
            try:
                for i in range(3):
                    (parent / f"idle-{i}").mkdir()
                    extra.append(bl.DockerEpisode(repo["mirror"], record["base_commit"], parent / f"idle-{i}"))
                    extra[-1].reset()
                time.sleep(0.5)
                rss = [ep.processes_rss() for ep in extra]
                out["idle_rss_bytes"] = sum(rss) / len(rss)
            finally:
                for ep in extra:
                    ep.close()
    finally:
        episode.close()
        shutil.rmtree(parent, ignore_errors=True)
    return out


def command_floor(cwd: Path, n: int) -> dict[str, Any]:
    """`true` in a plain persistent bash over pipes: the command itself, without any harness."""
    shell = bl.RawShell(cwd)
    try:
        for _ in range(20):
            shell.run("true")
        return summarize([timed(shell.run, "true")[0] for _ in range(n)])
    finally:
        shell.close()


# ============================================================================ memory

def memory_probe(record_file: str, mirrors: str, n: int, prefetch: bool) -> None:
    """Run in a child process: RSS of `n` idle envs in one process, in the state of a training
    loop between two steps: one episode ended (submitted and graded), the next one reset, so
    each env holds its episode's jail and, with prefetch, the grading sandbox staged for it."""
    record = json.loads(Path(record_file).read_text())
    me = os.getpid()
    kwargs = {} if prefetch else {"prefetch": False}
    warm = make_env(record, Path(mirrors), **kwargs)
    warm.reset(seed=0)
    warm.step(SHELL_TRUE)
    warm.close()
    gc.collect()
    time.sleep(0.2)
    before = bl.rss_bytes(me)
    envs = [make_env(record, Path(mirrors), **kwargs) for _ in range(n)]
    for i, env in enumerate(envs):
        env.reset(seed=i)
        env.step(SUBMIT)  # the empty diff: graded once, then answered by the reward cache
        env.reset(seed=i)
    gc.collect()
    time.sleep(1.0)  # background preparation of the next episodes, where there is any, settles
    after = bl.rss_bytes(me)
    procs = bl.descendants(me)
    jail_rss = sum(bl.rss_bytes(p) for p in procs)
    jail_pss = sum(bl.pss_bytes(p) for p in procs)
    result = {"envs": n, "python_delta_bytes": (after - before) / n, "jail_rss_bytes": jail_rss / n,
              "jail_pss_bytes": jail_pss / n, "jail_processes": len(procs) / n, "harness_rss_bytes": after}
    result["per_env_rss_bytes"] = result["python_delta_bytes"] + result["jail_rss_bytes"]
    result["per_env_pss_bytes"] = result["python_delta_bytes"] + result["jail_pss_bytes"]
    for env in envs:
        env.close()
    print("MEMORY " + json.dumps(result), flush=True)


def _memory_run(record_file: Path, mirrors: Path, n: int, prefetch: bool) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--memory-probe", str(record_file), str(mirrors), str(n),
                           "on" if prefetch else "off"],
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("MEMORY ")]
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr or proc.stdout).strip()[-800:]}
    return json.loads(lines[-1][len("MEMORY "):])


def measure_memory(record: dict[str, Any], mirrors: Path, work: Path, n: int) -> dict[str, Any]:
    """Idle envs in one process (see `memory_probe`), as configured by default and with
    prefetch off."""
    record_file = work / "memory-record.json"
    record_file.write_text(json.dumps(record))
    result = _memory_run(record_file, mirrors, n, prefetch=True)
    result["prefetch_off"] = _memory_run(record_file, mirrors, n, prefetch=False)
    from nano_gym.device import DEFAULT_MEMORY_PER_ENV, require_memory

    try:
        check = require_memory(DEFAULT_MEMORY_PER_ENV, 16)
        result["fits_16"] = {"ok": True, "check": _jsonable(check)}
    except Exception as exc:  # the package's InsufficientMemoryError, whatever its base
        result["fits_16"] = {"ok": False, "error": str(exc)}
    return result


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        if hasattr(value, "__dict__"):
            return {k: _jsonable(v) for k, v in vars(value).items()}
        return repr(value)


# ============================================================================ vector throughput

VECTOR_MODES = ("thread", "async")
VECTOR_TARGET = {"thread": "vector env of 8 (threads, the default), shell true",
                 "async": "vector env of 8 (worker processes), shell true"}

def measure_throughput(record: dict[str, Any], mirrors: Path, n: int, duration: float,
                       mode: str = "thread") -> dict[str, Any]:
    """Steps/s of a vector env of `n` envs (`mode`: "thread", the default, or "async", a worker
    process per env) stepping `true`, every env reset every 10 steps (so histories stay at most
    10 turns). Steps only: the time inside `step()` calls; with resets: the whole loop."""
    import gymnasium as gym

    import nano_gym  # noqa: F401  (registers the env id)

    vec = gym.make_vec(ENV_ID, num_envs=n, tasks=[record], repos=str(mirrors), vector_mode=mode,
                       max_steps=NO_LIMIT)
    actions = tuple(SHELL_TRUE for _ in range(n))
    try:
        vec.reset(seed=0)
        for _ in range(3):
            vec.step(actions)
        steps, step_times, reset_times = 0, [], []
        errors = 0
        started = time.perf_counter()
        while time.perf_counter() - started < duration:
            reset_times.append(timed(vec.reset)[0])
            for _ in range(HISTORY_RESET_EVERY):
                dt, (obs, _r, term, trunc, info) = timed(vec.step, actions)
                step_times.append(dt)
                steps += n
                errors += sum(1 for o in obs if o[-1].get("content") != "[no output]")
        wall = time.perf_counter() - started
        step_time = sum(step_times)
        # The workers and what they started (their jails); nothing else this process runs.
        workers = [p.pid for p in getattr(vec, "processes", []) if p.pid]
        procs = [pid for w in workers for pid in (w, *bl.descendants(w))] if workers else bl.descendants(os.getpid())
        rss = sum(bl.rss_bytes(p) for p in procs)
        pss = sum(bl.pss_bytes(p) for p in procs)
    finally:
        vec.close()
    vector_step = summarize(step_times)
    vector_reset = summarize(reset_times)
    for stats in (vector_step, vector_reset):
        stats.pop("samples_ms", None)
    return {"envs": n, "mode": mode, "steps": steps, "seconds": wall, "steps_per_s": steps / step_time,
            "steps_per_s_with_resets": steps / wall, "vector_step": vector_step, "vector_reset": vector_reset,
            "unexpected_outputs": errors, "rss_per_env_bytes": rss / n, "pss_per_env_bytes": pss / n}


# ============================================================================ targets

def _p50(d: dict[str, Any] | None, key: str) -> float | None:
    if not d or key not in d or not d[key].get("n"):
        return None
    return d[key]["p50_ms"]


def evaluate_targets(results: dict[str, Any], floor_ms: float, memory: dict[str, Any],
                     throughput: list[dict[str, Any]]) -> list[dict[str, Any]]:
    targets = []

    def add(repo: str | None, op: str, target: str, measured: float | None, ok: bool | None, unit: str = "ms") -> None:
        targets.append({"repo": repo, "operation": op, "target": target,
                        "measured": None if measured is None else round(measured, 4), "unit": unit, "met": ok})

    large = results.get("large", {}).get("nano")
    small = results.get("small", {}).get("nano")
    for key in ("reset", "reset_b2b"):
        reset_large, reset_small = _p50(large, key), _p50(small, key)
        if reset_large is not None:
            add("large", LABELS[key], "p50 <= 20 ms", reset_large, reset_large <= 20)
            if reset_small:
                ratio = reset_large / reset_small
                add("large", LABELS[key], "<= 1.5x the 50-file repo", ratio, ratio <= 1.5, "x")
    for repo, res in results.items():
        nano = res.get("nano")
        if not nano:
            continue
        for key, limit in (("step", 0.5), ("step_long", 1.0)):
            p50 = _p50(nano, key)
            if p50 is not None:
                overhead = p50 - floor_ms
                add(repo, LABELS[key], f"overhead <= {limit:g} ms", overhead, overhead <= limit)
        p50 = _p50(nano, "apply_patch")
        if p50 is not None:
            add(repo, LABELS["apply_patch"], "p50 <= 1 ms", p50, p50 <= 1.0)
        # The median ratio of each grading to the direct run made right after it; without those,
        # against baseline A's own runs.
        paired = nano.get("grade_ratio", {}).get("median")
        reference = _p50(res.get("baseline_a"), "grade")
        p50 = _p50(nano, "grade")
        if paired is not None:
            add(repo, LABELS["grade"], f"<= 1.2x the tests run directly (median of "
                f"{len(nano['grade_ratio']['pairs'])} side-by-side pairs)", paired, paired <= 1.2, "x")
        elif p50 is not None and reference:
            add(repo, LABELS["grade"], "<= 1.2x the tests run directly", p50 / reference, p50 / reference <= 1.2, "x")
        p50 = _p50(nano, "grade_cached")
        if p50 is not None:
            add(repo, LABELS["grade_cached"], "p50 <= 1 ms", p50, p50 <= 1.0)
    diff_large = _p50(large, "diff")
    if diff_large is not None:
        add("large", LABELS["diff"], "p50 <= 10 ms", diff_large, diff_large <= 10)
    if "per_env_rss_bytes" in memory:
        mb = memory["per_env_rss_bytes"] / 2**20
        add(None, "memory per idle env (RSS)", "<= 10 MB", mb, mb <= 10, "MB")
    if "fits_16" in memory:
        add(None, "a vector env of 16 fits", "memory check passes", None, memory["fits_16"]["ok"], "")
    for t in throughput:
        if t.get("envs") == 8 and "steps_per_s" in t:
            add(None, VECTOR_TARGET[t["mode"]], ">= 2,000 steps/s", t["steps_per_s"], t["steps_per_s"] >= 2000, "steps/s")
    return targets


# ============================================================================ output

OPERATIONS = (
    ("reset", "reset (after an episode)"),
    ("reset_b2b", "reset, back-to-back"),
    ("reset_no_prefetch", "reset, prefetch off"),
    ("step", "step shell true"),
    ("step_long", "step, 100-turn history"),
    ("apply_patch", "apply_patch 2,000 lines"),
    ("diff", "diff (one file changed)"),
    ("grade", "grading"),
    ("grade_cached", "grading, cached"),
)
# The baselines keep no history and no reward cache: those rows reuse their plain measurement.
BASELINE_KEY = {"step_long": "step", "grade_cached": "grade", "reset_b2b": "reset", "reset_no_prefetch": "reset"}
LABELS = dict(OPERATIONS)


def _fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _pair(d: dict[str, Any] | None, key: str) -> str:
    if not d or key not in d or not d[key].get("n"):
        return "-"
    return f"{_fmt_ms(d[key]['p50_ms'])} / {_fmt_ms(d[key]['p90_ms'])}"


def _target_cell(targets: list[dict[str, Any]], repo: str, label: str) -> tuple[str, str]:
    hits = [t for t in targets if t["repo"] == repo and t["operation"] == label]
    if not hits:
        return "", ""
    texts, mets = [], []
    for t in hits:
        measured = "" if t["measured"] is None else f" (is {t['measured']:.3g}{'' if t['unit'] in ('', 'x') else ' '}{t['unit']})"
        texts.append(t["target"] + measured)
        mets.append("yes" if t["met"] else "NO")
    return "; ".join(texts), "/".join(mets)


def build_tables(data: dict[str, Any]) -> list[str]:
    """The report as lines of markdown tables (printed as is, and written to bench.md)."""
    lines: list[str] = []
    results, targets, repos = data["results"], data["targets"], data["repos"]
    b_on = data["docker"]["ok"]
    for name, res in results.items():
        info = repos[name]
        lines.append(f"**{name}**: `{info['repo']}`, {info['files']:,} files, {info['bytes'] / 1e6:.1f} MB "
                     f"(times in ms, p50 / p90)")
        lines.append("")
        lines.append("| operation | nano_gym | A: clone + subprocess | B: docker exec | A / nano | target | met |")
        lines.append("|---|---|---|---|---|---|---|")
        nano, a, b = res.get("nano"), res.get("baseline_a"), res.get("baseline_b")
        for key, label in OPERATIONS:
            bkey = BASELINE_KEY.get(key, key)
            ratio = "-"
            if _p50(nano, key) and _p50(a, bkey):
                value = _p50(a, bkey) / _p50(nano, key)
                ratio = f"{value:,.0f}x" if value >= 100 else f"{value:.2f}x"
            target, met = _target_cell(targets, name, label)
            b_cell = _pair(b, bkey) if b_on else "skipped"
            lines.append(f"| {label} | {_pair(nano, key)} | {_pair(a, bkey)} | {b_cell} | {ratio} | {target} | {met} |")
        lines.append("")
    lines.append(f"Command floor (`true` in a plain persistent bash, no jail): p50 {data['command_floor']['p50_ms']:.3f} ms; "
                 "step overhead = nano step p50 minus this. Baselines keep no history and no reward cache: their "
                 "100-turn and cached rows repeat their step and grading figures.")
    lines.append("")
    mem = data["memory"]
    lines.append("| memory per idle env | RSS | PSS | target | met |")
    lines.append("|---|---|---|---|---|")
    if "per_env_rss_bytes" in mem:
        target, met = _target_cell(targets, None, "memory per idle env (RSS)")
        lines.append(f"| nano_gym, {mem['envs']} envs in one process (Python delta {mem['python_delta_bytes'] / 2**20:.1f} MB "
                     f"+ jail {mem['jail_rss_bytes'] / 2**20:.1f} MB RSS, {mem['jail_processes']:.0f} processes) | "
                     f"{mem['per_env_rss_bytes'] / 2**20:.1f} MB | {mem['per_env_pss_bytes'] / 2**20:.1f} MB | {target} | {met} |")
    else:
        lines.append(f"| nano_gym | error: {mem.get('error', '?')[:200]} | | | |")
    off = mem.get("prefetch_off", {})
    if "per_env_rss_bytes" in off:
        lines.append(f"| nano_gym, prefetch off (jail {off['jail_rss_bytes'] / 2**20:.1f} MB RSS, "
                     f"{off['jail_processes']:.0f} processes) | {off['per_env_rss_bytes'] / 2**20:.1f} MB | "
                     f"{off['per_env_pss_bytes'] / 2**20:.1f} MB | | |")
    for t in data["throughput"]:
        if t.get("envs") == 16 and "rss_per_env_bytes" in t:
            what = "jails, envs on threads" if t["mode"] == "thread" else "worker process + jail"
            lines.append(f"| nano_gym, {t['mode']} vector env of 16 ({what}) | {t['rss_per_env_bytes'] / 2**20:.1f} MB "
                         f"| {t['pss_per_env_bytes'] / 2**20:.1f} MB | | |")
    lines.append("| A: clone + subprocess (no process between commands) | 0 MB | 0 MB | | |")
    b_rss = [r.get("baseline_b", {}).get("idle_rss_bytes") for r in results.values()]
    b_rss = [x for x in b_rss if x]
    if b_rss:
        lines.append(f"| B: idle container (its processes + containerd shim) | {sum(b_rss) / len(b_rss) / 2**20:.1f} MB | | | |")
    if "fits_16" in mem:
        fits = mem["fits_16"]
        lines.append(f"| a vector env of 16 fits (memory check) | {'yes' if fits['ok'] else 'no: ' + fits.get('error', '')[:120]} | | | |")
    lines.append("")
    lines.append("| vector env | steps/s (inside step) | steps/s (with resets every 10 steps) | "
                 "vector step p50 / p90 | vector reset p50 | per-env RSS | target | met |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for t in data["throughput"]:
        if "steps_per_s" not in t:
            lines.append(f"| {t.get('envs')} envs, {t.get('mode')} | error: {t.get('error', '?')[:150]} | | | | | | |")
            continue
        target, met = ("", "")
        if t["envs"] == 8:
            target, met = _target_cell(targets, None, VECTOR_TARGET[t["mode"]])
        lines.append(f"| {t['envs']} envs, {t['mode']} | {t['steps_per_s']:,.0f} | {t['steps_per_s_with_resets']:,.0f} | "
                     f"{_fmt_ms(t['vector_step']['p50_ms'])} / {_fmt_ms(t['vector_step']['p90_ms'])} ms | "
                     f"{_fmt_ms(t['vector_reset']['p50_ms'])} ms | {t['rss_per_env_bytes'] / 2**20:.0f} MB | "
                     f"{target} | {met} |")
    lines.append("")
    met = [t for t in targets if t["met"] is not None]
    lines.append(f"Targets met: {sum(1 for t in met if t['met'])} of {len(met)}.")
    return lines


def write_chart(data: dict[str, Any], path: Path) -> str | None:
    """The PNG: p50 per operation and system (log scale) per repository, and the scaling curve."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install matplotlib): no PNG written"
    results = data["results"]
    panels = len(results) + 1
    cols = 2
    rows = (panels + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(7 * cols, 4.2 * rows))
    axes = list(axes.flat)
    systems = (("nano", "nano_gym", "tab:blue"), ("baseline_a", "A: clone + subprocess", "tab:orange"),
               ("baseline_b", "B: docker exec", "tab:gray"))
    for ax, (name, res) in zip(axes, results.items()):
        labels = [label for _key, label in OPERATIONS]
        width = 0.27
        for i, (sys_key, sys_label, color) in enumerate(systems):
            values = []
            for key, _label in OPERATIONS:
                k = key if sys_key == "nano" else BASELINE_KEY.get(key, key)
                values.append(_p50(res.get(sys_key), k) or 0)
            if not any(values):
                continue
            xs = [x + (i - 1) * width for x in range(len(labels))]
            ax.bar(xs, [v if v > 0 else float("nan") for v in values], width, label=sys_label, color=color)
        ax.set_yscale("log")
        ax.set_ylabel("p50 (ms, log)")
        info = data["repos"][name]
        ax.set_title(f"{name}: {info['files']:,} files, {info['bytes'] / 1e6:.1f} MB")
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
    ax = axes[len(results)]
    tp_all = [t for t in data["throughput"] if "steps_per_s" in t]
    for mode in VECTOR_MODES:
        tp = [t for t in tp_all if t["mode"] == mode]
        ns = [t["envs"] for t in tp]
        ax.plot(ns, [t["steps_per_s"] for t in tp], "o-", label=f"{mode}: inside step()")
        ax.plot(ns, [t["steps_per_s_with_resets"] for t in tp], "s--", label=f"{mode}: with resets every 10 steps")
    if tp_all:
        ns = sorted({t["envs"] for t in tp_all})
        ax.axhline(2000, color="tab:red", linestyle=":", label="target at 8 envs: 2,000 steps/s")
        ax.set_xscale("log", base=2)
        ax.set_xticks(ns)
        ax.set_xticklabels([str(n) for n in ns])
        ax.set_xlabel("envs (vector env)")
        ax.set_ylabel("steps/s")
        ax.set_title(f"vector throughput, shell true ({data['profile']['cores']} cores)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    for extra in axes[len(results) + 1:]:
        extra.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


# ============================================================================ main

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Benchmark nano_gym against clone+subprocess and docker-exec baselines.")
    p.add_argument("--quick", action="store_true", help="fewer repetitions: about a minute")
    p.add_argument("--cache", type=Path, help="nano_gym cache to use and keep (default: a temporary one)")
    p.add_argument("--out", type=Path, default=Path("bench-results"), help="output directory (default bench-results)")
    p.add_argument("--repos", default="small,large,suite", help="comma-separated subset of small,large,suite")
    p.add_argument("--suite-task", default=None, help="the nano-v0 task to use (default: the suite's first)")
    p.add_argument("--no-docker", action="store_true", help="skip baseline B")
    p.add_argument("--no-install", action="store_true", help="never apt-get install docker.io or debootstrap")
    p.add_argument("--no-hardlinks", action="store_true",
                   help="baseline A clones with --no-hardlinks (default: git's local clone, objects hardlinked)")
    p.add_argument("--vector-sizes", default=",".join(map(str, VECTOR_SIZES)), help="vector env sizes")
    p.add_argument("--keep-docker", action="store_true", help="leave a dockerd this run started running")
    p.add_argument("--memory-probe", nargs=4, metavar=("RECORD", "MIRRORS", "N", "PREFETCH"), help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_probe:
        memory_probe(args.memory_probe[0], args.memory_probe[1], int(args.memory_probe[2]),
                     args.memory_probe[3] == "on")
        return 0
    counts = QUICK if args.quick else FULL
    wanted = [r.strip() for r in args.repos.split(",") if r.strip()]
    work = Path(tempfile.mkdtemp(prefix="nano-bench-"))
    cache = args.cache.resolve() if args.cache else work / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    os.environ["NANO_GYM_CACHE"] = str(cache)
    mirrors = work / "mirrors"
    mirrors.mkdir()
    os.environ["NANO_GYM_REPOS"] = str(mirrors)  # grading and the oracle look repositories up there too
    started = time.perf_counter()
    docker = bl.DockerSetup(ok=False, note="--no-docker given")
    data: dict[str, Any] = {"version": 1, "mode": "quick" if args.quick else "full", "counts": vars(counts),
                            "notes": []}
    try:
        import gymnasium  # noqa: F401

        import nano_gym  # noqa: F401

        data["profile"] = machine_profile(cache)
        data["profile"]["nano_gym"] = getattr(nano_gym, "__version__", "?")
        print_profile(data["profile"], None)

        repos: dict[str, dict[str, Any]] = {}
        for spec in GENERATED:
            if spec.name in wanted:
                dt, repos[spec.name] = timed(generate_repo, spec, work, mirrors)
                log(f"generated bench/{spec.name}: {repos[spec.name]['files']:,} files, "
                    f"{repos[spec.name]['bytes'] / 1e6:.1f} MB in {dt:.1f}s")
        if "suite" in wanted:
            repos["suite"] = suite_repo(args.suite_task)
            log(f"embedded suite task {repos['suite']['record']['instance_id']}: {repos['suite']['files']} files")
        data["repos"] = {name: {"repo": r["record"]["repo"], "instance_id": r["record"]["instance_id"],
                                "files": r["files"], "bytes": r["bytes"], "base_commit": r["record"]["base_commit"]}
                         for name, r in repos.items()}

        if not args.no_docker:
            docker = bl.ensure_docker(work, allow_install=not args.no_install, log=log)
        data["docker"] = {"ok": docker.ok, "note": docker.note, "steps": docker.steps,
                          "server_version": docker.server_version}
        log(f"baseline B (docker exec): {'docker ' + docker.server_version if docker.ok else 'skipped: ' + docker.note}")
        data["baseline_a"] = {"clone": "git clone --no-hardlinks" if args.no_hardlinks else
                              "git clone (local: objects hardlinked, git's default)"}

        floor = command_floor(work, counts.step)
        data["command_floor"] = floor
        results: dict[str, Any] = {}
        for name, repo in repos.items():
            log(f"[{time.perf_counter() - started:5.0f}s] {name}: nano_gym ...")
            res: dict[str, Any] = {}
            results[name] = res
            try:
                res["nano"] = measure_nano(repo, mirrors, counts)
                if name == next(iter(repos)):
                    print_sandbox(res["nano"].get("sandbox"))
            except Exception as exc:  # report and go on: one broken path must not hide the rest
                res["nano_error"] = f"{type(exc).__name__}: {exc}"
                log(f"  nano_gym failed: {res['nano_error']}")
            log(f"[{time.perf_counter() - started:5.0f}s] {name}: baseline A ...")
            try:
                res["baseline_a"] = measure_baseline("checkout", repo, work, counts, args.no_hardlinks)
            except Exception as exc:
                res["baseline_a_error"] = f"{type(exc).__name__}: {exc}"
                log(f"  baseline A failed: {res['baseline_a_error']}")
            if docker.ok:
                log(f"[{time.perf_counter() - started:5.0f}s] {name}: baseline B ...")
                try:
                    res["baseline_b"] = measure_baseline("docker", repo, work, counts, False,
                                                        idle_memory=name == next(iter(repos)))
                except Exception as exc:
                    res["baseline_b_error"] = f"{type(exc).__name__}: {exc}"
                    log(f"  baseline B failed: {res['baseline_b_error']}")
        data["results"] = results
        if not args.keep_docker:
            docker.stop_daemon()  # no daemon competing with what follows
        small_or_first = repos.get("small") or next(iter(repos.values()))
        log(f"[{time.perf_counter() - started:5.0f}s] memory ...")
        data["memory"] = measure_memory(small_or_first["record"], mirrors, work, counts.memory_envs)
        data["memory"]["repo"] = small_or_first["record"]["repo"]
        data["throughput"] = []
        for mode in VECTOR_MODES:
            for n in [int(x) for x in args.vector_sizes.split(",") if x.strip()]:
                log(f"[{time.perf_counter() - started:5.0f}s] {mode} vector env of {n} ...")
                try:
                    data["throughput"].append(measure_throughput(small_or_first["record"], mirrors, n,
                                                                 counts.throughput_s, mode))
                except Exception as exc:
                    data["throughput"].append({"envs": n, "mode": mode, "error": f"{type(exc).__name__}: {exc}"})
        data["throughput_repo"] = small_or_first["record"]["repo"]
        data["targets"] = evaluate_targets(results, floor["p50_ms"], data["memory"], data["throughput"])
        data["seconds"] = time.perf_counter() - started
        data["profile"]["load_average_at_end"] = list(os.getloadavg())

        for name, res in results.items():
            for key in ("nano_error", "baseline_a_error", "baseline_b_error"):
                if key in res:
                    data["notes"].append(f"{name}: {key[:-6]} failed: {res[key]}")
            for note in res.get("nano", {}).get("notes", []):
                data["notes"].append(f"{name}: {note}")
            for key in ("baseline_a", "baseline_b"):
                if res.get(key, {}).get("grade_note"):
                    data["notes"].append(f"{name}: {key}: {res[key]['grade_note']}")
        if not docker.ok:
            data["notes"].append(f"baseline B skipped: {docker.note}")
        d_small, d_large = _p50(results.get("small", {}).get("nano"), "diff"), _p50(results.get("large", {}).get("nano"), "diff")
        if d_small and d_large:
            data["notes"].append(f"diff of a one-file change: {d_large / d_small:.1f}x slower on the 5,000-file repo "
                                 f"than on the 50-file one (proportional to the change would be ~1x)")
        for name, res in results.items():
            gap = res.get("nano", {}).get("idle_gap_s")
            if gap is not None:
                data["notes"].append(f"{name}: 'reset (after an episode)' waited {gap:.2f}s between episodes "
                                     "(4x the prefetch-off reset + 0.1 s); 'grading' waited as long before "
                                     "submitting (the agent's own time)")
        for t in data["throughput"]:
            if t.get("unexpected_outputs"):
                data["notes"].append(f"{t['mode']} vector env of {t['envs']}: {t['unexpected_outputs']} steps did not answer "
                                     "'[no output]' to `true`")
        data["notes"].append(f"baseline A clones with {data['baseline_a']['clone']}; memory and throughput use "
                             f"{data['throughput_repo']}")

        tables = build_tables(data)
        log("")
        for line in tables:
            log(line)
        for note in data["notes"]:
            log(f"note: {note}")
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench.json").write_text(json.dumps(data, indent=1, default=str))
        header = (f"nano_gym benchmark ({data['mode']} run, {data['profile']['cores']} cores, "
                  f"{data['profile']['memory_total_bytes'] / 2**30:.0f} GiB, kernel {data['profile']['kernel']}, "
                  f"cache on {data['profile']['cache_dir_filesystem']['type']})")
        (args.out / "bench.md").write_text(header + "\n\n" + "\n".join(tables) + "\n")
        chart_note = write_chart(data, args.out / "bench.png")
        if chart_note:
            log(f"note: {chart_note}")
        log(f"wrote {args.out / 'bench.json'}, {args.out / 'bench.md'}"
            + ("" if chart_note else f", {args.out / 'bench.png'}") + f" in {data['seconds']:.0f}s")
        return 0
    finally:
        if not args.keep_docker:
            docker.stop_daemon()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
