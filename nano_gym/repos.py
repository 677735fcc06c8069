"""Repositories: per-task base snapshots, per-episode workspaces and the trusted diff.

A base snapshot (built once per task, cached) holds:
- `tree/`        the files at base_commit plus a `.git` with that one commit and nothing after it;
- `harness.git/` a bare copy of that git directory which only the harness uses;
- `manifest.json` path -> [mode, blob id] of the base tree.
Each episode's workspace is a copy of `tree/`. The diff is computed by hashing the workspace
in Python (symlinks are never followed) and asking git, through `harness.git` and a
throwaway index, to render the change; the agent's `.git` is never read (DESIGN.md 6, 7).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

from .cache import build_once, cache_root
from .errors import RepoError
from .fswalk import DIR_FLAGS, walk_entries
from .git import GIT_IDENTITY, run_git
from .mirrors import mirror_for
from .suites import embedded_reference
from .tasks import Task

__all__ = ["BaseSnapshot", "Signature", "base_snapshot", "build_base_repo", "make_workspace", "remove_tree",
           "workspace_signature", "extract_diff", "extract_overlay_diff", "apply_diff", "JUNK_NAMES"]

# Untracked build debris never counts as a change.
JUNK_NAMES = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
_ZERO = "0" * 40
_PATHSPEC_BYTES = 256 * 1024


@dataclass(frozen=True)
class BaseSnapshot:
    """A task's prepared base: see the module docstring."""

    root: Path
    base_commit: str

    @property
    def tree(self) -> Path:
        return self.root / "tree"

    @property
    def harness_git(self) -> Path:
        return self.root / "harness.git"

    def manifest(self) -> dict[str, tuple[str, str]]:
        """path -> (mode, blob id) of the base tree (read once per process: snapshots never change)."""
        return _manifest(self.root)

    def paths_under(self, directory: str) -> list[str]:
        """The base's file paths below `directory` (sorted), found by bisection."""
        paths = _sorted_paths(self.root)
        prefix = directory + "/"
        start = bisect.bisect_left(paths, prefix)
        # "0" follows "/" in code point order: every path starting with `prefix` sorts before it.
        return paths[start:bisect.bisect_left(paths, directory + "0", start)]


@functools.lru_cache(maxsize=256)
def _manifest(root: Path) -> dict[str, tuple[str, str]]:
    data = json.loads((root / "manifest.json").read_text())
    return {path: (mode, sha) for path, (mode, sha) in data.items()}


@functools.lru_cache(maxsize=256)
def _sorted_paths(root: Path) -> list[str]:
    return sorted(_manifest(root))


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:80]


def base_snapshot(task: Task, repos: str | os.PathLike[str] | None = None) -> BaseSnapshot:
    """The task's base snapshot, built on first use (locked, atomic). `repos` says where
    repositories that are not embedded come from (see `nano_gym.mirrors`)."""
    root = cache_root() / "snapshots" / f"{_safe_name(task.instance_id)}-{task.base_commit[:12]}"
    root.parent.mkdir(parents=True, exist_ok=True)
    build_once(root, lambda tmp: _build_snapshot(task, tmp, repos))
    return BaseSnapshot(root=root, base_commit=task.base_commit)


def _copy_traversable(src: Traversable, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for entry in sorted(src.iterdir(), key=lambda e: e.name):
        if entry.name in JUNK_NAMES or entry.name.endswith(".pyc"):
            continue
        if entry.is_dir():
            _copy_traversable(entry, dest / entry.name)
        else:
            (dest / entry.name).write_bytes(entry.read_bytes())
            os.chmod(dest / entry.name, 0o644)


def build_base_repo(task: Task, tree: Path, repos: str | os.PathLike[str] | None = None) -> str:
    """Build the task's base tree with its git repo in `tree`; return the commit id.

    Embedded repositories get one deterministic commit (same files, identity, dates and message
    give the same commit everywhere); others are fetched from their mirror with the history up
    to `base_commit` and nothing after it.
    """
    reference = embedded_reference(task.repo)
    if reference is None:
        return _checkout_from_mirror(task, tree, repos)
    _copy_traversable(reference, tree)
    run_git(["init", "-q", "--template=", str(tree)], cwd=tree.parent)
    # The base tree is the reference with the task's fix and its tests taken back out.
    for patch, what in ((task.test_patch, "test_patch"), (task.patch, "patch")):
        if patch.strip():
            proc = run_git(["apply", "-R", "--whitespace=nowarn", "-"], cwd=tree, input=patch.encode(), check=False)
            if proc.returncode != 0:
                raise RepoError(f"{task.instance_id}: cannot reverse its {what} on the reference tree: "
                                f"{proc.stderr.decode('utf-8', 'replace').strip()}")
    run_git(["add", "-A"], cwd=tree)
    date = task.created_at or "2024-01-01T00:00:00Z"
    run_git(["commit", "-q", "--no-verify", "-m", f"Snapshot of {task.repo}"], cwd=tree,
            env={**GIT_IDENTITY, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
    return run_git(["rev-parse", "HEAD"], cwd=tree).stdout.decode().strip()


def _checkout_from_mirror(task: Task, tree: Path, repos: str | os.PathLike[str] | None) -> str:
    """`base_commit` and its ancestors only: no other branch, tag, remote or reflog entry."""
    mirror = mirror_for(task.repo, repos)
    run_git(["init", "-q", "--template=", str(tree)], cwd=tree.parent)
    # Fetching by commit id needs the serving side to allow it; the mirror is the user's own.
    upload_pack = "git -c uploadpack.allowAnySHA1InWant=true upload-pack"
    proc = run_git(["fetch", "--no-tags", "--quiet", f"--upload-pack={upload_pack}", mirror, task.base_commit],
                   cwd=tree, check=False)
    if proc.returncode != 0:
        raise RepoError(f"{task.instance_id}: base commit {task.base_commit} not found in the mirror of "
                        f"{task.repo} ({mirror}): {proc.stderr.decode('utf-8', 'replace').strip()[-300:]}")
    (tree / ".git" / "FETCH_HEAD").unlink(missing_ok=True)  # it names the host's mirror path
    run_git(["update-ref", "refs/heads/main", task.base_commit], cwd=tree)
    run_git(["symbolic-ref", "HEAD", "refs/heads/main"], cwd=tree)
    run_git(["checkout", "-q", "-f", "main"], cwd=tree)
    run_git(["reflog", "expire", "--expire=now", "--all"], cwd=tree)
    return run_git(["rev-parse", "HEAD"], cwd=tree).stdout.decode().strip()


def _build_snapshot(task: Task, root: Path, repos: str | os.PathLike[str] | None) -> None:
    tree = root / "tree"
    head = build_base_repo(task, tree, repos)
    if head != task.base_commit:
        raise RepoError(f"{task.instance_id}: rebuilt base is {head}, record says {task.base_commit}; "
                        "the package data or the record is corrupt")
    run_git(["gc", "-q", "--prune=now"], cwd=tree)  # pack it: faster copies, no stray objects
    shutil.copytree(tree / ".git", root / "harness.git", symlinks=True)
    run_git(["config", "core.bare", "true"], cwd=root, git_dir=root / "harness.git")
    (root / "harness.git" / "index").unlink(missing_ok=True)
    listing = run_git(["ls-tree", "-r", "-z", "--full-tree", "HEAD"], cwd=root, git_dir=root / "harness.git").stdout
    manifest = {}
    for entry in listing.decode("utf-8", "surrogateescape").split("\0"):
        if entry:
            meta, path = entry.split("\t", 1)
            mode, _kind, sha = meta.split()
            manifest[path] = [mode, sha]
    (root / "manifest.json").write_text(json.dumps(manifest, sort_keys=True))


def make_workspace(snapshot: BaseSnapshot, parent: Path) -> Path:
    """A fresh copy of the base tree (copy-on-write where the filesystem supports it)."""
    dest = Path(tempfile.mkdtemp(prefix="ws-", dir=parent)) / "testbed"
    proc = subprocess.run(["cp", "-a", "--reflink=auto", str(snapshot.tree), str(dest)],
                          capture_output=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise RepoError(f"cannot copy the base tree: {proc.stderr.decode('utf-8', 'replace').strip()}")
    return dest


def remove_tree(path: Path | str) -> None:
    """Delete a directory tree the agent shaped, whatever its shape.

    `shutil.rmtree` recurses once per level (a tree nested deeper than the recursion limit raises
    RecursionError) and gives up on directories without permissions. This walks iteratively with
    one directory descriptor open at a time, never follows a symlink, and gives directories back
    the permissions their owner needs to empty them. A missing `path` is fine.
    """
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            os.unlink(path)
            return
    except FileNotFoundError:
        return

    def remove_dir(parent: int, name: str) -> None:
        _retry_writable(parent, lambda: os.rmdir(name, dir_fd=parent))

    for _rel, fd, name, st in walk_entries(path, open_dir=_open_dir_owned, leave=remove_dir):
        if not stat.S_ISDIR(st.st_mode):
            _retry_writable(fd, lambda: os.unlink(name, dir_fd=fd))
    os.rmdir(path)


def _open_dir_owned(name: str, dir_fd: int | None) -> int:
    """Open a directory (never through a symlink), making it readable first if it is not."""
    try:
        return os.open(name, DIR_FLAGS | os.O_NOFOLLOW, dir_fd=dir_fd)
    except PermissionError:
        handle = os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
        try:  # through the descriptor: it is this very directory, whatever happens to the name
            os.chmod(f"/proc/self/fd/{handle}", 0o700)
            return os.open(f"/proc/self/fd/{handle}", DIR_FLAGS)
        finally:
            os.close(handle)


def _retry_writable(dir_fd: int, remove) -> None:
    """Run `remove()` (an unlink or rmdir in `dir_fd`), making the directory writable if needed."""
    try:
        remove()
    except FileNotFoundError:
        pass
    except PermissionError:
        os.fchmod(dir_fd, 0o700)
        remove()


# ----------------------------------------------------------------------------- diff

def _blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _read_regular(dir_fd: int, name: str) -> bytes | None:
    """The bytes of `name` in `dir_fd` without following a symlink or blocking on a FIFO; None if
    it is not a regular file (any more)."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    finally:
        os.close(fd)


def _trackable_dir(rel: str, name: str) -> bool:
    """Directories whose content git could track: not `.git` (at any depth), not junk."""
    return name != ".git" and name not in JUNK_NAMES


def _repo_entries(workspace: Path) -> Iterator[tuple[str, int, str, os.stat_result]]:
    """Every non-directory entry git could track: `.git` (at any depth: git cannot track one)
    and junk directories skipped, symlinks never followed."""
    for rel, fd, name, st in walk_entries(workspace, _trackable_dir):
        if name != ".git" and not stat.S_ISDIR(st.st_mode):
            yield rel, fd, name, st


def _content(rel: str, fd: int, name: str, st: os.stat_result,
             manifest: dict[str, tuple[str, str]]) -> tuple[str, bytes] | None:
    """(git mode, content) of one entry, or None if git would not track it."""
    if stat.S_ISLNK(st.st_mode):
        try:
            return "120000", os.fsencode(os.readlink(name, dir_fd=fd))
        except OSError:
            return None
    if stat.S_ISREG(st.st_mode):
        if name.endswith(".pyc") and rel not in manifest:
            return None
        data = _read_regular(fd, name)
        return None if data is None else ("100755" if st.st_mode & 0o111 else "100644", data)
    return None  # FIFOs, sockets and devices are not content; git would not track them either.


Signature = dict[str, tuple[int, int, int, int]]


def _signature_of(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def workspace_signature(workspace: Path) -> Signature:
    """path -> (inode, size, mtime, ctime) of every file of a freshly made workspace. A file whose
    four values are unchanged at the end was not touched: writing, replacing or renaming a file
    changes one of them, and no process can set a ctime. `extract_diff` then skips reading it."""
    return {rel: _signature_of(st) for rel, _fd, _name, st in _repo_entries(workspace)}


def _write_loose_object(objects: Path, data: bytes) -> str:
    sha = _blob_id(data)
    target = objects / sha[:2] / sha[2:]
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(zlib.compress(b"blob %d\0" % len(data) + data, 1))
    return sha


def extract_diff(snapshot: BaseSnapshot, workspace: Path, signature: Signature | None = None) -> str:
    """The true change of `workspace` against the base tree, as a git diff (new and deleted files
    included). Given the `workspace_signature` taken when the workspace was made, only files
    whose signature changed are read."""
    manifest = snapshot.manifest()
    changed: list[tuple[str, str, bytes]] = []
    present: set[str] = set()
    for rel, fd, name, st in _repo_entries(workspace):
        if signature is not None and rel in manifest and signature.get(rel) == _signature_of(st):
            present.add(rel)
            continue
        found = _content(rel, fd, name, st, manifest)
        if found is None:
            continue
        present.add(rel)
        mode, data = found
        if manifest.get(rel) != (mode, _blob_id(data)):
            changed.append((rel, mode, data))
    deleted = [p for p in manifest if p not in present]
    return _render_diff(snapshot, changed, deleted)


def extract_overlay_diff(snapshot: BaseSnapshot, upper: Path) -> str:
    """The change an overlay workspace holds, read from its upper directory alone: files and
    symlinks there are new or changed, character devices 0/0 are whiteouts (deleted), a
    directory marked opaque hides everything of the base below it. (`.git` is never read.)"""
    manifest = snapshot.manifest()
    changed: list[tuple[str, str, bytes]] = []
    upper_kind: dict[str, str] = {}  # rel -> "content" | "gone" (whiteout) | "dir" | "opaque"
    for rel, fd, name, st in walk_entries(upper, _trackable_dir):
        if name == ".git":
            continue
        if stat.S_ISDIR(st.st_mode):
            upper_kind[rel] = "opaque" if _is_opaque(fd, name) else "dir"
        elif stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
            upper_kind[rel] = "gone"
        else:
            upper_kind[rel] = "content"
            found = _content(rel, fd, name, st, manifest)
            if found is not None and manifest.get(rel) != (found[0], _blob_id(found[1])):
                changed.append((rel, *found))
    # Only base paths the upper dir names, or that lie below a whiteout, a file or an opaque
    # dir of it, can have gone: look at those, not at every file of the base.
    candidates = {rel for rel in upper_kind if rel in manifest}
    for rel, kind in upper_kind.items():
        if kind != "dir":
            candidates.update(snapshot.paths_under(rel))
    deleted = sorted(p for p in candidates if not _visible_from_base(p, upper_kind))
    return _render_diff(snapshot, changed, deleted)


def _is_opaque(dir_fd: int, name: str) -> bool:
    try:
        return os.getxattr(f"/proc/self/fd/{dir_fd}/{name}", "user.overlay.opaque", follow_symlinks=False) == b"y"
    except OSError:
        return False


def _visible_from_base(path: str, upper_kind: dict[str, str]) -> bool:
    """Whether base file `path` is still there in the merged view (as itself or changed)."""
    kind = upper_kind.get(path)
    if kind is not None:
        return kind == "content"
    parts = path.split("/")
    for depth in range(1, len(parts)):
        above = upper_kind.get("/".join(parts[:depth]))
        if above in ("gone", "content", "opaque"):  # deleted, replaced by a file, or emptied
            return False
    return True


def _render_diff(snapshot: BaseSnapshot, changed: list[tuple[str, str, bytes]], deleted: list[str]) -> str:
    """Render (path, mode, content) changes and deletions against the base as a git diff,
    through the harness's git dir and a throwaway index and object directory."""
    if not changed and not deleted:
        return ""
    with tempfile.TemporaryDirectory(prefix="nano-diff-") as tmp:
        objects = Path(tmp) / "objects"
        objects.mkdir()  # git needs it even when the diff only deletes
        env = {
            "GIT_INDEX_FILE": str(Path(tmp) / "index"),
            "GIT_OBJECT_DIRECTORY": str(objects),
            "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(snapshot.harness_git / "objects"),
        }
        # The index holds only the changed paths and the diff is limited to changed and deleted
        # ones, so the cost follows the change, not the size of the base tree. (A change too large
        # for a command line gets the whole base in the index instead.)
        lines = [f"{mode} {_write_loose_object(objects, data)}\t{path}" for path, mode, data in changed]
        paths = [path for path, _, _ in changed] + list(deleted)
        git = dict(cwd=tmp, git_dir=snapshot.harness_git, env=env)
        limited = sum(len(p) + 1 for p in paths) < _PATHSPEC_BYTES
        if not limited:
            run_git(["read-tree", snapshot.base_commit], **git)
            lines += [f"0 {_ZERO}\t{path}" for path in deleted]
        if lines:
            run_git(["update-index", "-z", "--index-info"],
                    input=("\0".join(lines) + "\0").encode("utf-8", "surrogateescape"), **git)
        out = run_git(["--literal-pathspecs", "diff", "--cached", "--binary", "--no-renames", "--no-ext-diff",
                       "--no-textconv", snapshot.base_commit, "--", *(paths if limited else [])], **git).stdout
    return out.decode("utf-8", "surrogateescape")


def apply_diff(snapshot: BaseSnapshot, workspace: Path, diff: str) -> None:
    """Apply a diff to a fresh workspace through the harness's git dir; raise RepoError if it does not apply."""
    if not diff.strip():
        return
    proc = run_git(["apply", "--whitespace=nowarn", "--binary", "-"], cwd=workspace,
                   git_dir=snapshot.harness_git, work_tree=workspace,
                   input=diff.encode("utf-8", "surrogateescape"), check=False)
    if proc.returncode != 0:
        raise RepoError(f"patch does not apply: {proc.stderr.decode('utf-8', 'replace').strip()}")
