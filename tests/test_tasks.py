"""Loading tasks: the embedded suite, SWE-bench-schema files, filters and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nano_gym.errors import ConfigError, TaskLoadError
from nano_gym.tasks import RuntimeSpec, files_under_test, load_tasks

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ("instance_id", "repo", "base_commit", "problem_statement", "patch", "test_patch",
          "FAIL_TO_PASS", "PASS_TO_PASS", "hints_text", "created_at", "version")


def test_embedded_suite_is_large_and_well_formed(suite):
    assert len(suite) >= 24
    assert len({t.repo for t in suite}) >= 4
    for t in suite:
        record = t.to_record()
        assert all(k in record for k in SCHEMA)
        assert t.FAIL_TO_PASS, t.instance_id
        assert files_under_test(t), t.instance_id
        # The issue text must not hand over the fix.
        assert t.patch not in t.problem_statement


def test_suite_records_match_the_authored_trees():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_suite.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("encode", [False, True], ids=["lists", "json-strings"])
@pytest.mark.parametrize("fmt", ["json", "jsonl", "parquet"])
def test_load_from_files(tmp_path, suite, fmt, encode):
    records = [t.to_record() for t in suite[:3]]
    for r in records:
        r.pop("runtime")  # plain SWE-bench records carry no runtime: the default one applies
        if encode:
            r["FAIL_TO_PASS"], r["PASS_TO_PASS"] = json.dumps(r["FAIL_TO_PASS"]), json.dumps(r["PASS_TO_PASS"])
    path = tmp_path / f"tasks.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps(records))
    elif fmt == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    else:
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(records), path)
    loaded = load_tasks(str(path))
    assert [t.instance_id for t in loaded] == [t.instance_id for t in suite[:3]]
    assert loaded[0].FAIL_TO_PASS == suite[0].FAIL_TO_PASS
    assert loaded[0].PASS_TO_PASS == suite[0].PASS_TO_PASS


def test_filters_and_errors(tmp_path, suite):
    ids = [suite[2].instance_id, suite[0].instance_id]
    assert [t.instance_id for t in load_tasks("nano-v0", task_ids=ids)] == ids
    assert len(load_tasks(suite[:2])) == 2
    with pytest.raises(ConfigError, match="unknown task ids"):
        load_tasks("nano-v0", task_ids=["nope"])
    with pytest.raises(ConfigError, match="unknown suite"):
        load_tasks("no-such-suite")
    with pytest.raises(TaskLoadError, match="not found"):
        load_tasks(str(tmp_path / "missing.jsonl"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"instance_id": "x", "repo": "a/b"}) + "\n")
    with pytest.raises(TaskLoadError, match="missing fields"):
        load_tasks(str(bad))
    record = suite[0].to_record()
    record["FAIL_TO_PASS"] = "not json"
    with pytest.raises(TaskLoadError, match="not JSON"):
        load_tasks([record])


def test_a_hub_dataset_without_network_fails_at_once_and_says_what_to_do(monkeypatch):
    import time

    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.nano-gym.invalid")  # never resolves, here or anywhere
    started = time.monotonic()
    with pytest.raises(TaskLoadError) as err:
        load_tasks("SWE-Gym/SWE-Gym")
    assert time.monotonic() - started < 2.0
    assert "to_parquet" in str(err.value) and "tasks=" in str(err.value)


def test_filters_by_repo_and_slice(suite):
    tempora = load_tasks("nano-v0", repos=["nano-gym/tempora"])
    assert tempora and {t.repo for t in tempora} == {"nano-gym/tempora"}
    assert [t.instance_id for t in load_tasks("nano-v0", task_slice="2:5")] == [t.instance_id for t in suite[2:5]]
    with pytest.raises(ConfigError):
        load_tasks("nano-v0", task_slice="a:b")
    with pytest.raises(ConfigError):
        load_tasks("nano-v0", repos=["nobody/nothing"])


def _plain(task, version: str) -> dict:
    """A SWE-bench record of `task` (no `runtime` key) with `version`."""
    record = task.to_record()
    record.pop("runtime")
    return {**record, "version": version}


def test_runtime_mapping_files(tmp_path, suite):
    repo = suite[0].repo
    mapping = {repo: {
        "1.0": {"python": "3.10", "pip_packages": ["pytest==8.3.5", "attrs==23.2.0"], "install": "pip install -e .",
                "test_cmd": "pytest -rA", "nano_cpus": 2000000000, "execute_test_as_nonroot": True},
        "2.0": {"requirements": ["pytest==7.4.4"], "test_scope": "all"},
    }}
    path = tmp_path / "runtimes.json"
    path.write_text(json.dumps(mapping))
    own = {**_plain(suite[1], "1.0"), "runtime": {"python": "3.12"}}
    records = [_plain(suite[0], "1.0"), _plain(suite[2], "2.0"), _plain(suite[3], "9.9"), own]
    for source in (path, str(path), mapping):
        first, second, unmapped, with_own = load_tasks(records, runtimes=source)
        # SWE-bench's key names map onto ours; its Docker-only knobs are ignored.
        assert first.runtime == RuntimeSpec(python="3.10", requirements=("pytest==8.3.5", "attrs==23.2.0"),
                                            install="pip install -e .", test_cmd="pytest -rA")
        assert second.runtime == RuntimeSpec(requirements=("pytest==7.4.4",), test_scope="all")
        assert unmapped.runtime == RuntimeSpec()  # neither its own nor a mapped one: the default
        assert with_own.runtime == RuntimeSpec(python="3.12")  # the record's own runtime wins
    jsonl = tmp_path / "tasks.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert load_tasks(str(jsonl), runtimes=path)[0].runtime.python == "3.10"
    assert load_tasks("nano-v0", runtimes=path)[0].runtime == suite[0].runtime  # suites carry their own


@pytest.mark.parametrize("spec, message", [
    ({"python": "3.9", "pre_install": ["apt-get install -y locales"]}, "'pre_install' is not supported"),
    ({"python": "3.9", "packages": "requirements.txt"}, "'packages' is not supported"),
    ({"python": "3.9", "eval_commands": ["export LANG=C"]}, "'eval_commands' is not supported"),
    ({"python": "3.9", "instal": "pip install ."}, "unknown runtime key 'instal'"),
    ({"python": 3.10}, "must be a string.*3.1"),
    ({"requirements": "pytest==8.3.5"}, "list of requirement lines"),
    ({"requirements": ["pytest"], "pip_packages": ["pytest"]}, "both give the requirements"),
    ({"test_scope": "some"}, "test_scope"),
    ("3.9", "must be a mapping"),
])
def test_bad_runtime_specs_are_named(tmp_path, suite, spec, message):
    path = tmp_path / "runtimes.json"
    path.write_text(json.dumps({"owner/name": {"1.0": spec}}))
    with pytest.raises(TaskLoadError, match=message) as err:
        load_tasks(suite[:1], runtimes=path)  # checked even though no task uses that entry
    assert "owner/name 1.0" in str(err.value)
    if isinstance(spec, dict):
        with pytest.raises(TaskLoadError, match=message):  # the same rules for a record's own runtime
            load_tasks([{**_plain(suite[0], "1.0"), "runtime": spec}])


def test_bad_runtime_mapping_files(tmp_path, suite):
    for name, text, message in [("r.json", "{", "invalid JSON"), ("r.json", "[]", "expected"),
                                ("r.json", '{"a/b": ["3.9"]}', "mapping of version to spec"),
                                ("r.yaml", "a/b: {}", "JSON")]:
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(TaskLoadError, match=message):
            load_tasks(suite[:1], runtimes=path)
    with pytest.raises(TaskLoadError, match="cannot read"):
        load_tasks(suite[:1], runtimes=tmp_path / "missing.json")
