"""Loading tasks: the embedded suite, SWE-bench-schema files, filters and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nano_gym.errors import ConfigError, TaskLoadError
from nano_gym.tasks import load_tasks, files_under_test

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
