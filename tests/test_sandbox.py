"""The jail and its persistent shell, including as an unprivileged user."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time

import pytest

from nano_gym.cache import cache_root
from nano_gym.runtimes import ensure_runtime
from nano_gym.sandbox import LocalBackend, SandboxLimits, ShellSession
from nano_gym.sandbox.jail import JailSpec, bwrap_argv
from nano_gym.tasks import RuntimeSpec


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    monkeypatch.setenv("NANO_SECRET_TOKEN", "hunter2")  # must not be visible inside
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "hello.txt").write_text("hi\n")
    box = LocalBackend(limits=SandboxLimits(command_timeout=5, output_bytes=2048, output_kill_bytes=1 << 20,
                                            grace=1.0)).start(ws, ensure_runtime(RuntimeSpec()))
    yield box
    box.close()


def test_state_persists_and_repo_is_at_testbed(sandbox):
    assert sandbox.shell("X=41; f() { echo $((X+1)); }").exit_code == 0
    assert sandbox.shell("f; pwd").output == "42\n/testbed\n"
    assert sandbox.shell("cat hello.txt").output == "hi\n"


def test_environment_is_empty_and_host_is_hidden(sandbox):
    out = sandbox.shell("cat /proc/1/environ /proc/self/environ | tr '\\0' '\\n'; env").output
    assert "hunter2" not in out and "NANO_SECRET_TOKEN" not in out
    assert sandbox.shell("id -u").output == "1000\n"
    assert "No such file" in sandbox.shell("ls /home /etc/shadow 2>&1").output
    out = sandbox.shell("python -c 'import nano_gym' 2>&1 | tail -1").output
    assert "No module named 'nano_gym'" in out
    assert sandbox.shell("python -m pytest --version").exit_code == 0


def test_no_network_and_read_only_system(sandbox):
    out = sandbox.shell("python -c \"import socket; socket.create_connection(('1.1.1.1', 53), timeout=2)\" 2>&1 | tail -1").output
    assert "Network is unreachable" in out or "Errno" in out
    assert sandbox.shell("touch /usr/x 2>&1").exit_code != 0
    assert sandbox.shell("touch new_file && ls new_file").output == "new_file\n"


def test_restricted_shell(sandbox):
    assert "restricted" in sandbox.shell("echo x > f").output
    assert "restricted" in sandbox.shell("cd /tmp").output


def test_timeout_kills_the_process_tree_and_the_shell_goes_on(sandbox):
    sandbox.shell("KEEP=yes")
    r = sandbox.shell("sleep 300 & sleep 300", timeout=1)
    assert r.timed_out and "timed out" in r.note and r.exit_code == 137
    assert sandbox.shell("echo $KEEP").output.endswith("yes\n")  # same shell, state kept (bash may first report the killed job)
    # A command line that keeps starting processes is stopped within the grace period.
    r = sandbox.shell("sleep 300; sleep 300; sleep 300", timeout=1)
    assert r.timed_out
    assert "sleep" not in sandbox.shell("ps -eo comm").output


def test_stdin_is_dev_null(sandbox):
    r = sandbox.shell("cat; python -c 'import sys; print(repr(sys.stdin.read()))'", timeout=3)
    assert not r.timed_out and r.output == "''\n"


def test_output_is_capped_and_floods_are_killed(sandbox):
    r = sandbox.shell("seq 1 100000")
    assert r.output.startswith("1\n2\n") and r.output.rstrip().endswith("100000")
    assert "bytes of output truncated" in r.output and len(r.output) < 3000
    r = sandbox.shell("yes")
    assert r.output_limited and "killed" in r.note
    assert sandbox.shell("echo ok").output == "ok\n"


def test_shell_restarts_with_a_note_after_exit(sandbox):
    sandbox.shell("V=1")
    r = sandbox.shell("exit 3")
    assert r.restarted and "new shell" in r.note
    assert sandbox.shell("echo ${V:-unset}").output == "unset\n"


def _ordinary_user() -> pwd.struct_passwd | None:
    for name in ("nobody",):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
    return None


@pytest.mark.skipif(os.geteuid() != 0, reason="already unprivileged: every other test covers this path")
def test_jail_works_for_an_unprivileged_user(tmp_path):
    user = _ordinary_user()
    setpriv = shutil.which("setpriv")
    if user is None or setpriv is None:
        pytest.fail("needs the 'nobody' user and setpriv (util-linux) to drop privileges")
    ws = tmp_path / "ws"
    ws.mkdir()
    os.chown(ws, user.pw_uid, user.pw_gid)
    argv = bwrap_argv(JailSpec(workspace=ws), ["/usr/bin/rbash", "--noprofile", "--norc"])
    # A real user's cache and workspaces are their own; here root made them, so open them up.
    for path in (tmp_path, tmp_path.parent, tmp_path.parent.parent, cache_root(), cache_root() / "jail-etc"):
        os.chmod(path, 0o755)
    drop = [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"]
    session = ShellSession(lambda: subprocess.Popen(drop + argv, env={}, stdin=subprocess.PIPE,
                                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                    start_new_session=True),
                           output_cap=4096, output_kill_bytes=1 << 20, grace=1.0)
    try:
        assert session.run("Y=7", 5).exit_code == 0
        assert session.run("echo $Y; id -u; touch made", 5).output == "7\n1000\n"
        assert (ws / "made").stat().st_uid == user.pw_uid  # uid 1000 inside maps to the user outside
        r = session.run("sleep 100", 1)
        assert r.timed_out and session.run("echo $Y", 5).output == "7\n"
    finally:
        session.close()


def test_the_end_marker_is_found_only_whole():
    from nano_gym.sandbox.shell import _find_marker

    needle = b"abc123 "
    assert _find_marker(bytearray(b"out\nabc123 0"), needle) is None  # the line is not complete yet
    assert _find_marker(bytearray(b"out\nabc123 0\n"), needle) == (3, 0)
    assert _find_marker(bytearray(b"abc123 x\nmore\nabc123 17\n"), needle) == (13, 17)  # a look-alike first
    assert _find_marker(bytearray(b"abc123 255\n"), needle) == (0, 255)


# ----------------------------------------------------------------------------- staged commands

def _staged_box(tmp_path, overlay: bool):
    from nano_gym.sandbox.overlay import make_overlay, overlay_unavailable

    base = tmp_path / "base"
    base.mkdir()
    (base / "hello.txt").write_text("hi\n")
    backend = LocalBackend(limits=SandboxLimits(command_timeout=5, grace=1.0))
    runtime = ensure_runtime(RuntimeSpec())
    if not overlay:
        return backend.start(base, runtime), base
    if overlay_unavailable() is not None:
        pytest.skip(f"no overlay here: {overlay_unavailable()}")
    layout = make_overlay(base, tmp_path)
    return backend.start(layout.merged, runtime, overlay=layout), layout.upper


@pytest.mark.parametrize("overlay", [False, True], ids=["copy", "overlay"])
def test_a_staged_command_runs_only_when_told_and_sees_what_the_host_wrote_meanwhile(tmp_path, overlay, jails):
    box, changes = _staged_box(tmp_path, overlay)
    staged = box.stage(["/bin/sh", "-c", "cat input.txt hello.txt; echo ran > marker"])
    try:
        time.sleep(0.3)
        assert not (staged.workspace / "marker").exists() and not (changes / "marker").exists()
        (staged.workspace / "input.txt").write_text("from the host\n")
        result = staged.run(timeout=10)
        assert result.exit_code == 0 and result.output == "from the host\nhi\n"
        assert (changes / "marker").read_text() == "ran\n"
        assert (changes / "input.txt").exists()  # an overlay keeps the host's write as a change too
        with pytest.raises(Exception, match="runs once"):
            staged.run(timeout=10)
    finally:
        staged.close()
        box.close()
    assert jails() == 0


@pytest.mark.parametrize("overlay", [False, True], ids=["copy", "overlay"])
def test_a_staged_command_closed_unrun_never_runs_and_leaves_no_process(tmp_path, overlay, jails):
    box, changes = _staged_box(tmp_path, overlay)
    before = jails()
    staged = box.stage(["/bin/sh", "-c", "echo ran > marker"])
    assert jails() == before + 1
    staged.close()
    staged.close()  # idempotent
    box.close()
    assert jails() == before
    assert not (changes / "marker").exists()
