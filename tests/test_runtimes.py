"""Runtimes on the local backend: specs from a mapping file, built once per interpreter and
requirements (plus once per base commit when there is an install command), mounted read-only.

Most tests use `realistic_taskset` (tests/conftest.py): SWE-bench records on a repository with
history whose fixes come after the base, and pinned requirements installed from PyPI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import gymnasium as gym
import pytest

from nano_gym.cache import cache_root
from nano_gym.cli import main as cli_main
from nano_gym.errors import RuntimeBuildError
from nano_gym.repos import base_snapshot
from nano_gym.runtimes import ensure_runtime
from nano_gym.sandbox import LocalBackend
from nano_gym.tasks import RuntimeSpec, load_tasks

ROOT = Path(__file__).resolve().parent.parent


def _entries() -> set[str]:
    """The runtime cache's entries (lock files are not entries)."""
    directory = cache_root() / "runtimes"
    return {p.name for p in directory.iterdir() if not p.name.endswith(".lock")} if directory.is_dir() else set()


def _shell(env, cmd: str) -> str:
    obs = env.step({"name": "shell", "arguments": {"cmd": cmd}})[0]
    return obs[-1]["content"]


def test_the_task_set_validates_gold_one_and_empty_zero(realistic_taskset, tmp_path, capsys):
    ts = realistic_taskset
    out = tmp_path / "validation"
    code = cli_main(["validate", "--tasks", str(ts.tasks_file), "--repos", str(ts.mirrors),
                     "--runtimes", str(ts.runtimes_file), "--out", str(out)])
    assert code == 0
    report = {r["instance_id"]: r for r in json.loads((out / "report.json").read_text())}
    assert set(report) == set(ts.task_ids)
    for result in report.values():
        assert result["valid"], result
        assert result["gold"] == [1.0] and result["empty"] == 0.0
    assert (out / "allowlist.txt").read_text().split() == ts.task_ids
    assert f"{len(ts.task_ids)}/{len(ts.task_ids)} valid" in capsys.readouterr().out


def test_records_take_their_runtime_from_the_mapping_file(realistic_taskset):
    ts = realistic_taskset
    a, b = load_tasks(str(ts.tasks_file), runtimes=ts.runtimes_file)
    assert (a.runtime.python, b.runtime.python) == ("3.11", "3.10")
    assert a.runtime.requirements == ("pytest==8.3.5", "attrs==23.2.0")  # from SWE-bench's `pip_packages`
    assert "six==1.16.0" in b.runtime.requirements
    assert a.runtime.install == b.runtime.install == "python -m pip install -e ."
    # Both FAIL_TO_PASS / PASS_TO_PASS encodings (JSON strings and lists) are in the file.
    assert a.FAIL_TO_PASS[0].endswith("::test_collapses_punctuation_runs") and len(a.PASS_TO_PASS) == 4
    assert b.FAIL_TO_PASS == ("tests/test_core.py::test_truncation_never_ends_with_separator",)
    assert len(b.PASS_TO_PASS) == 6
    # Without the mapping the records get the default runtime.
    assert load_tasks(str(ts.tasks_file))[0].runtime == RuntimeSpec()


@pytest.fixture(scope="module")
def slug_env(realistic_taskset):
    ts = realistic_taskset
    env = gym.make("NanoSWE-v0", tasks=str(ts.tasks_file), repos=str(ts.mirrors), runtimes=str(ts.runtimes_file),
                   command_timeout=30.0)
    yield env
    env.close()


@pytest.mark.parametrize("index", [0, 1], ids=["py3.11", "py3.10"])
def test_nothing_from_the_fixes_is_visible_in_an_episode(realistic_taskset, slug_env, index):
    ts = realistic_taskset
    task_id = ts.task_ids[index]
    slug_env.reset(options={"task_id": task_id})
    markers = [marker for _, marker in ts.fixes.values()]
    assert ts.fix_marker in markers
    pattern = " ".join(f"-e '{m}'" for m in markers)
    out = _shell(slug_env, f"grep -rlF {pattern} . /opt/nano/venv; echo grep-exit=$?; grep -rlF 'def slugify' .")
    assert "grep-exit=1" in out, out  # no file of the tree, its .git or the runtime holds a fix
    assert "src/slugkit/core.py" in out  # while the base's code is found
    history = _shell(slug_env, "git log --all --format='%H %s'; git tag; git branch -a")
    for commit, _ in ts.fixes.values():
        assert commit not in history
        assert "MISSING" in _shell(slug_env, f"git cat-file -t {commit} || echo MISSING")
    assert "fixes #" not in history and "Merge" not in history and "v2.0.1" not in history
    assert "Initial import of slugkit" in history


def test_the_runtime_is_the_tasks_and_read_only(realistic_taskset, slug_env):
    ts = realistic_taskset
    probe = "import sys, attr, slugkit; print(sys.version_info[:2], attr.__version__, slugkit.__file__)"
    for task_id, version in zip(ts.task_ids, ["(3, 11)", "(3, 10)"]):
        slug_env.reset(options={"task_id": task_id})
        out = _shell(slug_env, f'python -c "{probe}"')
        # The pinned requirement and the editable install of the repository at /testbed.
        assert f"{version} 23.2.0 /testbed/src/slugkit/__init__.py" in out, out
    assert "1.16.0" in _shell(slug_env, "python -c 'import six; print(six.__version__)'")
    out = _shell(slug_env, "touch /opt/nano/venv/planted; python -c \"open('/opt/nano/venv/bin/pytest', 'a')\"")
    assert out.count("Read-only file system") == 2, out


def test_install_runtimes_are_per_base_commit_over_a_shared_base(realistic_taskset):
    ts = realistic_taskset
    a, b = load_tasks(str(ts.tasks_file), runtimes=ts.runtimes_file)
    backend = LocalBackend()
    runtime_a = backend.runtime(a, base_snapshot(a, ts.mirrors))
    again = backend.runtime(replace(a, instance_id="acme__slugkit-99"), base_snapshot(a, ts.mirrors))
    assert again.venv == runtime_a.venv  # same spec and base commit: built once
    runtime_b = backend.runtime(b, base_snapshot(b, ts.mirrors))
    assert runtime_b.venv != runtime_a.venv and runtime_b.python_version.startswith("3.10.")
    # The requirements-only layer under it was built on the way, for every task with the same
    # python and requirement lines to share.
    built = _entries()
    assert ensure_runtime(replace(a.runtime, install="")).venv.parent.name in built
    info = json.loads((runtime_a.venv.parent / "runtime.json").read_text())
    assert info["install"] == {"command": a.runtime.install, "repo": "acme/slugkit", "base_commit": a.base_commit}
    # The install ran at the paths episodes see: the editable install points at /testbed.
    pth = "".join(p.read_text() for p in runtime_a.venv.glob("lib/python3.11/site-packages/__editable__*"))
    assert "/testbed/src" in pth and str(cache_root()) not in pth


def test_a_failing_install_is_a_clear_error_and_leaves_no_cache_entry(realistic_taskset):
    ts = realistic_taskset
    record = {**ts.records[0], "instance_id": "acme__slugkit-broken", "runtime": {
        "python": "3.11", "requirements": ["pytest==8.3.5", "attrs==23.2.0"],
        "install": "echo building slugkit; python -c 'raise SystemExit(\"error: no compiler found\")'"}}
    ensure_runtime(RuntimeSpec.from_record({k: v for k, v in record["runtime"].items() if k != "install"}))
    before = _entries()
    env = gym.make("NanoSWE-v0", tasks=[record], repos=str(ts.mirrors), prefetch=False)
    try:
        for _ in range(2):  # and again: nothing half-built was left to be mistaken for a runtime
            with pytest.raises(RuntimeBuildError, match="install command") as err:
                env.reset()
            assert "building slugkit" in str(err.value) and "no compiler found" in str(err.value)
            assert _entries() == before
    finally:
        env.close()


def test_failing_requirements_leave_no_cache_entry():
    before = _entries()
    with pytest.raises(RuntimeBuildError, match="installing the requirements") as err:
        ensure_runtime(RuntimeSpec(requirements=("attrs===",)))
    assert "attrs===" in str(err.value)
    assert _entries() == before


def test_a_missing_interpreter_is_named():
    with pytest.raises(RuntimeBuildError, match=r"no Python 3\.5 interpreter"):
        ensure_runtime(RuntimeSpec(python="3.5"))


_BUILD_AND_COUNT = textwrap.dedent("""
    import os, sys
    from nano_gym import runtimes
    from nano_gym.tasks import RuntimeSpec

    build = runtimes._build_base

    def counted(*args):
        with open(sys.argv[1], "a") as log:
            log.write(f"{os.getpid()}\\n")
        build(*args)

    runtimes._build_base = counted
    print(runtimes.ensure_runtime(RuntimeSpec(python="3.12", requirements=())).venv)
""")


def test_parallel_processes_build_a_runtime_once(tmp_path):
    log = tmp_path / "builds.log"
    env = {**os.environ, "NANO_GYM_CACHE": str(tmp_path / "cache")}
    procs = [subprocess.Popen([sys.executable, "-c", _BUILD_AND_COUNT, str(log)], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    assert len({out.strip() for out, _ in results}) == 1  # all got the same runtime
    assert len(log.read_text().split()) == 1  # which one of them built


def test_the_build_jail_holds_the_repository_copy_and_the_venv_only(realistic_taskset):
    ts = realistic_taskset
    task = load_tasks(str(ts.tasks_file), runtimes=ts.runtimes_file)[0]
    checks = " && ".join([
        f"test ! -e {cache_root()}", f"test ! -e {ts.root}", f"test ! -e {Path.home()}",  # no host paths
        "test ! -e /etc/ssl/private",
        "test \"$(id -u)\" = 1000", "! touch /usr/planted 2>/dev/null",  # unprivileged, read-only system
        "test -f /testbed/pyproject.toml", "touch /testbed/scratch-file",  # a writable copy of the base tree
        "touch /opt/nano/venv/install-ran",  # the venv, writable at its final path
    ])
    spec = replace(task.runtime, install=checks)
    runtime = ensure_runtime(spec, repo=task.repo, snapshot=base_snapshot(task, ts.mirrors))
    assert (runtime.venv / "install-ran").is_file()
    assert not (base_snapshot(task, ts.mirrors).tree / "scratch-file").exists()
    assert not (runtime.venv.parent / "scratch").exists()  # the build's scratch is not part of the entry


def test_pip_sees_the_hosts_configuration_and_the_local_paths_it_names(tmp_path, monkeypatch):
    from nano_gym.sandbox.build import pip_context

    links, index = tmp_path / "wheels", tmp_path / "mirror"
    links.mkdir()
    (index / "simple").mkdir(parents=True)
    config = tmp_path / "pip.conf"
    config.write_text(f"[global]\nextra-index-url = file://{index}/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    monkeypatch.setenv("PIP_DEFAULT_TIMEOUT", "60")
    env, binds = pip_context()
    assert env["PIP_CONFIG_FILE"] == "/etc/nano-gym/pip.conf" and env["PIP_DEFAULT_TIMEOUT"] == "60"
    assert (str(config), "/etc/nano-gym/pip.conf") in binds
    assert (str(links), str(links)) in binds
    assert (str(index), str(index)) in binds  # a local index's files sit beside its simple/ pages
    assert "HOME" not in env and not any(k.startswith("NANO_GYM") for k in env)
