"""Process lifecycle: whatever a command starts or breaks ends within the timeout plus a short
grace, the next step works, and after close() nothing of the episode is left on the host."""

from __future__ import annotations

import os
import tempfile
import time

import gymnasium as gym
import pytest

from nano_gym.sandbox.cgroups import limit_support

TIMEOUT = 2.0
# Timeout, then the grace period of killing, then (at worst) a shell restart.
BOUND = TIMEOUT + 2.0 + 3.0


@pytest.fixture(scope="module")
def short(episodes_with):
    """Fresh episodes on one env with a short command timeout."""
    return episodes_with(command_timeout=TIMEOUT)


def timed(ep, cmd: str) -> tuple[str, float]:
    started = time.monotonic()
    out = ep.sh(cmd)
    return out, time.monotonic() - started


def sandbox_processes(ep) -> int:
    """Processes in the episode's sandbox besides bwrap, its init and the shell."""
    session = ep.env.unwrapped._sandbox._shell
    return len(session._strays())


@pytest.mark.parametrize("cmd", [
    "sleep 100",
    "python3 -c 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(100)'",
    "while :; do :; done",  # a builtin loop in the shell itself: only a restart ends it
    "yes | tail -c 1",
    "sh -c 'trap \"\" TERM INT HUP; sleep 100'",
])
def test_stuck_commands_end_within_the_timeout_and_the_next_step_works(short, cmd):
    ep = short()
    out, took = timed(ep, cmd)
    assert took < BOUND and "timed out" in out
    assert ep.sh("echo next") .endswith("next\n")
    assert sandbox_processes(ep) == 0


@pytest.mark.parametrize("cmd", [
    "sleep 100 &",
    "nohup sleep 100 &",
    "setsid sleep 100 &",
    "python3 -c 'import os, time\nif os.fork() == 0:\n  os.setsid()\n  if os.fork() == 0: time.sleep(100)'",
    "python3 -c 'import os, signal, subprocess; subprocess.Popen([\"sleep\", \"100\"], start_new_session=True, "
    "preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN))'",
])
def test_background_processes_do_not_outlive_their_step(short, cmd):
    ep = short()
    out, took = timed(ep, cmd)
    assert took < BOUND and "background process" in out
    assert sandbox_processes(ep) == 0
    assert ep.sh("echo next").endswith("next\n")


@pytest.mark.parametrize("cmd", [
    "cat",
    "python3",
    "read line; echo got:$line",
    "less /etc/passwd",
    "git -c core.editor=vi commit --allow-empty",
    "head -c 10 /dev/tty",
])
def test_commands_reading_stdin_do_not_hang(short, cmd):
    ep = short()
    out, took = timed(ep, cmd)
    assert took < BOUND
    assert ep.sh("echo next").endswith("next\n")


def test_an_editor_waiting_for_input_is_stopped(short):
    ep = short()
    out, took = timed(ep, "vi notes.txt")
    assert took < BOUND
    assert ep.sh("echo next").endswith("next\n")


@pytest.mark.parametrize("sabotage", [
    "exit",
    "exit 3",
    "kill -9 $$",
    "exec 0<&-",
    "set -e; false",
    "builtin() { echo fake; }",
    "printf() { :; }; eval() { :; }",
    "readonly -f builtin; builtin() { :; }; readonly -f builtin",
    "readonly POSIXLY_CORRECT=; unset() { :; }; printf() { :; }",
    "trap 'sleep 1' DEBUG",
    "trap 'exit' DEBUG",
    "PROMPT_COMMAND='kill -9 $$'",
    "set -x",
    "read -r -u 10 stolen",  # consumes the protocol's own input line
    "stty -echo 2>/dev/null; exec 2>&1",
])
def test_a_sabotaged_shell_recovers_by_the_next_step(short, sabotage):
    ep = short()
    out, took = timed(ep, f"X=kept; {sabotage}")
    assert took < BOUND
    after, took = timed(ep, "echo alive")
    assert took < BOUND and "alive\n" in after
    assert timed(ep, "echo again")[0].endswith("again\n")


def test_shell_state_survives_steps_that_do_not_sabotage(short):
    ep = short()
    ep.sh("X=5; f() { echo f$1; }; cd src 2>/dev/null; true")
    assert ep.sh("echo $X; f 1") == "5\nf1\n"


# ------------------------------------------------------------------ nothing left behind

def _host_state() -> dict[str, object]:
    tmp = tempfile.gettempdir()
    return {
        "children": _descendants(os.getpid()),
        "fds": len(os.listdir("/proc/self/fd")),
        "mounts": open("/proc/self/mountinfo").read().count("\n"),
        "tmp": sorted(n for n in os.listdir(tmp) if n.startswith(("nano-episode-", "nano-grade-", "nano-diff-"))),
        "cgroups": _sandbox_cgroups(),
    }


def _descendants(root: int) -> int:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    data = fh.read()
                parents[int(entry)] = int(data[data.rindex(b")") + 2:].split()[1])
            except (OSError, ValueError):
                pass
    count, stack = 0, [root]
    while stack:
        pid = stack.pop()
        kids = [p for p, pp in parents.items() if pp == pid]
        count += len(kids)
        stack += kids
    return count


def _sandbox_cgroups() -> list[str]:
    """This process's sandbox cgroups, in every hierarchy they could be in."""
    found = []
    prefix = f"{os.getpid()}-"
    for dirpath, dirnames, _ in os.walk("/sys/fs/cgroup"):
        if os.path.basename(dirpath) == "nano_gym":
            found += [os.path.join(dirpath, d) for d in dirnames if d.startswith(prefix)]
            dirnames[:] = []
    return sorted(found)


def test_two_hundred_episodes_leave_nothing_behind(task, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # only this test's scratch dirs are counted
    warm = gym.make("NanoSWE-v0", tasks=[task], command_timeout=TIMEOUT)
    warm.reset()  # snapshot, runtime and jail /etc are built once and kept by design
    warm.step(None)
    warm.close()
    before = _host_state()
    env = gym.make("NanoSWE-v0", tasks=[task], command_timeout=TIMEOUT)
    try:
        for i in range(200):
            env.reset()
            env.step({"name": "shell", "arguments": {"cmd": "sleep 100 & setsid sleep 100 & echo $((1+1)) > /dev/null"}})
            if i % 25 == 0:
                env.step({"name": "shell", "arguments": {"cmd": "sleep 100"}})  # timed out
            if i % 20 == 0:
                env.step(None)  # graded in a fresh sandbox
    finally:
        env.close()
    assert _host_state() == before


def test_close_kills_everything_and_is_idempotent(task):
    env = gym.make("NanoSWE-v0", tasks=[task], command_timeout=TIMEOUT)
    env.reset()
    sandbox = env.unwrapped._sandbox
    workspace = sandbox.workspace
    shell_pid = sandbox._shell._proc.pid
    cgroup = sandbox._cgroup
    env.step({"name": "shell", "arguments": {"cmd": "python3 -c 'import time; time.sleep(100)' & true"}})
    env.close()
    env.close()
    assert not os.path.exists(f"/proc/{shell_pid}") or open(f"/proc/{shell_pid}/stat").read().split()[2] == "Z"
    assert not workspace.exists()
    if limit_support().cgroup is not None:
        assert cgroup is not None and cgroup.directories
        assert not any(os.path.exists(d) for d in cgroup.directories)
