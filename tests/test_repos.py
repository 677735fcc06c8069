"""Base snapshots hold nothing after the base commit; diffs are true and never run agent git config."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from nano_gym.patches import parse_patch
from nano_gym.repos import apply_diff, base_snapshot, extract_diff, make_workspace


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, errors="replace",
                          env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd)}).stdout


def _added_lines(patch: str) -> list[str]:
    return [h.new for fp in parse_patch(patch) for h in fp.hunks]


def test_snapshot_holds_only_the_base_commit(task):
    snap = base_snapshot(task)
    tree = snap.tree
    assert _git(tree, "rev-parse", "HEAD").strip() == task.base_commit
    assert _git(tree, "log", "--all", "--format=%H").split() == [task.base_commit]
    assert len(_git(tree, "reflog").splitlines()) <= 1
    assert _git(tree, "fsck", "--lost-found").strip() == ""
    objects = _git(tree, "cat-file", "--batch-all-objects", "--batch")
    for new_text in _added_lines(task.patch) + _added_lines(task.test_patch):
        assert new_text not in objects


def test_base_commit_is_deterministic(task, tmp_path, monkeypatch):
    # A second cache rebuilds the snapshot from package data; it must give the recorded hash.
    monkeypatch.setenv("NANO_GYM_CACHE", str(tmp_path))
    assert _git(base_snapshot(task).tree, "rev-parse", "HEAD").strip() == task.base_commit


def test_diff_has_modified_new_and_deleted_files_and_ignores_junk(task, tmp_path):
    snap = base_snapshot(task)
    ws = make_workspace(snap, tmp_path)
    readme = ws / "README.md"
    readme.write_text(readme.read_text() + "one more line\n")
    (ws / "pkg_new").mkdir()
    (ws / "pkg_new" / "mod.py").write_text("X = 1\n")
    victim = next(p for p in sorted(ws.rglob("*.py")) if ".git" not in p.parts)
    victim.unlink()
    (ws / "__pycache__").mkdir()
    (ws / "__pycache__" / "junk.pyc").write_bytes(b"\0junk")
    os.symlink("/etc/hostname", ws / "link")
    diff = extract_diff(snap, ws)
    paths = {fp.path: fp for fp in parse_patch(diff)}
    assert set(paths) == {"README.md", "pkg_new/mod.py", str(victim.relative_to(ws)), "link"}
    assert paths["pkg_new/mod.py"].old_path is None
    assert paths[str(victim.relative_to(ws))].new_path is None
    assert "+/etc/hostname" in paths["link"].text  # the link itself, never the file it points to
    # The diff reproduces the workspace on a fresh copy of the base.
    fresh = make_workspace(snap, tmp_path)
    apply_diff(snap, fresh, diff)
    assert extract_diff(snap, fresh) == diff


def test_diff_survives_agent_git_tricks_and_runs_nothing(task, tmp_path):
    snap = base_snapshot(task)
    ws = make_workspace(snap, tmp_path)
    readme = ws / "README.md"
    readme.write_text("changed\n")
    # The agent commits: the diff is still the worktree against the base.
    _git(ws, "commit", "-qam", "agent commit")
    marker = tmp_path / "pwned"
    hook = ws / "evil.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\ncat\n")
    hook.chmod(0o755)
    with open(ws / ".git" / "config", "a") as fh:
        fh.write(f"[core]\n\tfsmonitor = {hook}\n\thooksPath = {ws}\n[diff]\n\texternal = {hook}\n"
                 f"[filter \"x\"]\n\tclean = {hook}\n\tsmudge = {hook}\n[diff \"x\"]\n\ttextconv = {hook}\n")
    (ws / ".gitattributes").write_text("* filter=x diff=x\n")
    (ws / ".gitignore").write_text("*\n")
    diff = extract_diff(snap, ws)
    assert not marker.exists()
    changed = {fp.path for fp in parse_patch(diff)}
    assert {"README.md", ".gitattributes", ".gitignore", "evil.sh"} <= changed
    assert "+changed" in diff


def test_a_change_too_large_for_a_pathspec_renders_the_same(task, tmp_path, monkeypatch):
    import nano_gym.repos as repos

    snap = base_snapshot(task)
    ws = make_workspace(snap, tmp_path)
    (ws / "README.md").unlink()
    (ws / "-odd name.txt").write_text("new\n")
    first = next(p for p in sorted(ws.rglob("*.py")) if ".git" not in p.parts)
    first.write_text(first.read_text() + "# changed\n")
    limited = extract_diff(snap, ws)
    monkeypatch.setattr(repos, "_PATHSPEC_BYTES", 1)
    assert extract_diff(snap, ws) == limited
    assert "deleted file mode" in limited and "b/-odd name.txt" in limited and "+# changed" in limited
