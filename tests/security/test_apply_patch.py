"""apply_patch runs on the host, on a workspace the agent controls: it must never write outside the
workspace or into .git, never hang, and leave the file byte-identical whenever it refuses."""

from __future__ import annotations

import ctypes
import os
import secrets
import stat
import multiprocessing
import time
from pathlib import Path

import pytest

from nano_gym.tools import apply_patch

README = ("# cfgloader\n", "# cfgloader (patched)\n")


def _state(episode) -> str:
    """Names, types, sizes and hashes of everything in the workspace but .git, seen from inside."""
    return episode.bash("find . -path ./.git -prune -o -printf '%p %y %s %l\\n' | sort; "
                        "find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha256sum")


@pytest.fixture
def host_file(tmp_path) -> Path:
    """A host file the agent knows the path of (a symlink needs no access to its target)."""
    path = tmp_path / "host-secret.txt"
    path.write_text("secret = 1\n")
    return path


@pytest.mark.parametrize("path", [
    "/etc/passwd", "/testbed/../etc/passwd", "../outside.txt", "cfgloader/../../outside.txt", "..",
    ".git/config", "./.git/config", "cfgloader/../.git/config", ".git/hooks/pre-commit", "/testbed/.git/HEAD",
    "", "/", ".", "/testbed", "//etc/passwd",
])
def test_paths_outside_the_repository_or_into_git_are_refused(episode, path):
    before = _state(episode), Path("/etc/passwd").read_bytes()
    text, error = episode.patch(path, "root", "pwned")
    assert error == "bad_path", text
    assert (_state(episode), Path("/etc/passwd").read_bytes()) == before


def test_symlinks_to_host_paths_are_never_followed(episode, host_file):
    # Inside the jail these links point into the jail's own filesystem; apply_patch resolves paths
    # on the host, where they would reach the host's /etc, /tmp and the test's file.
    host_tmp_victim = Path("/tmp") / f"nano-sec-{secrets.token_hex(6)}.txt"
    host_tmp_victim.write_text("secret = 1\n")
    try:
        episode.bash(f"ln -s /etc etc_link; ln -s /tmp tmp_link; ln -s {host_file} file_link.txt; "
                     f"ln -s {host_file.parent} dir_link; mkdir -p deep/er; ln -s ../../.git deep/er/git_link; "
                     f"ln -s .git/config config_link; ln -s /dev/zero zero_link; "
                     f"echo 'secret = 1' > /tmp/{host_tmp_victim.name}")
        before = _state(episode)
        for target in ("etc_link/passwd", f"tmp_link/{host_tmp_victim.name}", "file_link.txt",
                       f"dir_link/{host_file.name}", "deep/er/git_link/config", "config_link", "zero_link"):
            text, error = episode.patch(target, "secret = 1" if "passwd" not in target else "root", "pwned = 1")
            assert error == "symlink", (target, text)
        assert _state(episode) == before
        assert host_file.read_text() == "secret = 1\n" and host_tmp_victim.read_text() == "secret = 1\n"
        assert b"pwned" not in Path("/etc/passwd").read_bytes()
    finally:
        host_tmp_victim.unlink()


def test_hardlinks_fifos_sockets_directories_and_binary_files_are_refused(episode):
    episode.bash("ln README.md hard.md && mkfifo fifo.py && mkdir adir && printf '\\xff\\xfe x \\x00' > binary.dat && "
                 "python3 -c \"import socket; socket.socket(socket.AF_UNIX).bind('sock.py')\"")
    before = _state(episode)
    expected = {"hard.md": {"hardlink"}, "fifo.py": {"not_regular"}, "sock.py": {"not_regular", "unreadable"},
                "adir": {"not_regular"}, "cfgloader": {"not_regular"}, "binary.dat": {"not_text"}}
    for name, kinds in expected.items():
        started = time.monotonic()
        text, error = episode.patch(name, "x", "y")
        assert error in kinds, (name, text)
        assert time.monotonic() - started < 30  # a FIFO with no writer must not block the host
    assert _state(episode) == before


@pytest.mark.parametrize("search, replace, kind", [
    ("cfgloader", "pwned", "ambiguous"),  # several matches
    ("no such text anywhere", "pwned", "not_found"),
    ("", "pwned", "empty_search"),
])
def test_a_refused_edit_leaves_the_file_byte_identical(episode, search, replace, kind):
    before = _state(episode)
    text, error = episode.patch("README.md", search, replace)
    assert error == kind, text
    assert _state(episode) == before  # same bytes, and no temporary file left behind


def test_a_successful_edit_writes_only_its_file_and_keeps_it_the_agents(episode):
    episode.bash("chmod 755 README.md")
    before = _state(episode)
    text, error = episode.patch("README.md", *README)
    assert error is None, text
    after = _state(episode)
    changed = set(after.splitlines()) ^ set(before.splitlines())
    assert {tok for line in changed for tok in line.split() if tok.startswith("./")} == {"./README.md"}  # only it
    # Still a regular executable file the agent can go on editing with its own tools.
    assert episode.bash("stat -c '%F %a' README.md; echo more >> README.md && tail -1 README.md") == \
        "regular file 755\nmore\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="creating device nodes needs root (the sandbox cannot either)")
def test_device_nodes_are_refused(tmp_path):
    # The sandbox cannot create device nodes; a workspace may still hold one (restored from a
    # tarball, a bind mount): apply_patch must neither read it nor write it.
    ws = tmp_path / "ws"
    ws.mkdir()
    os.mknod(ws / "null.py", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.mknod(ws / "zero.py", 0o666 | stat.S_IFCHR, os.makedev(1, 5))
    for name in ("null.py", "zero.py"):
        out = apply_patch(ws, "", "x = 1\n", name)
        assert out.error == "not_regular", out.text
        assert stat.S_ISCHR(os.lstat(ws / name).st_mode)  # still the device, not replaced by a file
    assert sorted(os.listdir(ws)) == ["null.py", "zero.py"]


# ----------------------------------------------------------------------------- the race

def _race(ws: str, stop, swaps) -> None:
    """Swap, as fast as possible, the directory `pkg` with a symlink to the outside directory, and
    the file `pkg/target.py` with a symlink to the outside file; each swap is undone right after,
    so every moment of an edit meets every state. renameat2(RENAME_EXCHANGE) makes a swap atomic;
    without it, two renames do the same with a moment in which the name is missing."""
    libc = ctypes.CDLL(None, use_errno=True)
    exchange = getattr(libc, "renameat2", None)
    at_fdcwd, rename_exchange = -100, 2
    pkg, link = os.path.join(ws, "pkg"), os.path.join(ws, "pkg_link")
    target, target_link = os.path.join(pkg, "target.py"), os.path.join(pkg, "target_link.py")
    pairs = [(os.fsencode(pkg), os.fsencode(link)), (os.fsencode(target), os.fsencode(target_link))]
    if exchange is None or exchange(at_fdcwd, pairs[0][0], at_fdcwd, pairs[0][1], rename_exchange) != 0:
        exchange = None
    else:
        exchange(at_fdcwd, pairs[0][0], at_fdcwd, pairs[0][1], rename_exchange)
    n = 0
    while not stop.is_set():
        for a, b in pairs:
            for _ in range(2):
                if exchange is not None:
                    exchange(at_fdcwd, a, at_fdcwd, b, rename_exchange)
                else:
                    os.rename(a, a + b".swap")
                    os.rename(b, a)
                    os.rename(a + b".swap", b)
        n += 1
        if n % 256 == 0:
            swaps.value = n
    swaps.value = n


def test_racing_symlink_swaps_never_redirect_a_write_outside(tmp_path):
    """Another process swaps a directory of the workspace (and the file in it) with symlinks to an
    outside directory while apply_patch edits that file: no write may ever land outside."""
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    (ws / "pkg").mkdir(parents=True)
    outside.mkdir()
    content = "value = 'secret'\n"
    for d in (ws / "pkg", outside):
        (d / "target.py").write_text(content)
    os.symlink(outside, ws / "pkg_link")
    os.symlink(outside / "target.py", ws / "pkg" / "target_link.py")
    outside_before = {p.name: (p.stat().st_ino, p.read_bytes()) for p in outside.iterdir()}
    ctx = multiprocessing.get_context("fork")
    stop, swaps = ctx.Event(), ctx.Value("q", 0)
    racer = ctx.Process(target=_race, args=(str(ws), stop, swaps), daemon=True)
    racer.start()
    outcomes: dict[str, int] = {}
    deadline = time.monotonic() + 2.0
    try:
        while time.monotonic() < deadline:
            out = apply_patch(ws, "'secret'", "'secret'", "pkg/target.py")  # rewrites the file each time
            outcomes[out.error or "patched"] = outcomes.get(out.error or "patched", 0) + 1
    finally:
        stop.set()
        racer.join(10)
    assert racer.exitcode == 0
    assert swaps.value > 1000 and outcomes.get("patched", 0) > 10, (swaps.value, outcomes)  # it really raced
    assert set(outcomes) <= {"patched", "symlink", "not_found"}, outcomes
    # Outside: the same files, the same inodes (never replaced), the same bytes, no temporary file.
    assert {p.name: (p.stat().st_ino, p.read_bytes()) for p in outside.iterdir()} == outside_before
    # Inside: the file and its link (an edit may have replaced the link, inside the workspace, when
    # a swap came between its read and its rename), the same content, no temporary file.
    entries = sorted(p.relative_to(ws).as_posix() for p in ws.rglob("*"))
    assert entries == ["pkg", "pkg/target.py", "pkg/target_link.py", "pkg_link"], entries
    assert (ws / "pkg" / "target.py").read_text() == content
