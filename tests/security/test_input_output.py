"""What goes into the env (any action a policy can emit) and what comes out (observations):
malformed input is answered, never raised; output is always clean, bounded text."""

from __future__ import annotations

import json
import math
import os
import time

import gymnasium as gym
import pytest

from nano_gym.errors import EpisodeEndedError

OUTPUT_CAP = 16 * 1024  # the env's default output_bytes


def _tool_text(obs) -> str:
    return "\n".join(m["content"] for m in obs if m["role"] == "tool")


# ----------------------------------------------------------------------------- output hygiene

@pytest.mark.parametrize("cmd, shown", [
    (r"printf '\x1b[31mred\x1b[0m \x00\x07\x08\x0b\x0c\x7f!\r\n'", "red"),
    (r"printf '\x1b]0;window title\x07\x1b[2J\x1b[?1049h\x1bPdcs\x1b\\ok\n'", "ok"),
    (r"printf '8-bit \xc2\x9b31m CSI and \xc2\x9d OSC \xc2\x85 NEL\n'", "8-bit"),
    (r"printf 'latin-1 caf\xe9, surrogate \xed\xa0\x80, overlong \xc0\xaf\n'", "latin-1 caf"),
    (r"printf 'progress\r50%%\r100%%\n'", "100%"),
    ("head -c 100000 /dev/urandom", "binary"),
    ("cat /bin/ls", "binary"),
    ("head -c 3000 /dev/urandom | base64 -w0; head -c 20000 /dev/urandom", None),
])
def test_observations_are_clean_text(episode, cmd, shown):
    # Episode checks every new message: valid UTF-8, JSON-serialisable, no control character.
    out = episode.bash(cmd)
    assert len(out) < OUTPUT_CAP + 1024
    if shown is not None:
        assert shown in out
    if shown == "binary":
        assert "binary output" in out and out.count("\ufffd") < 10  # noted, not dumped


@pytest.mark.parametrize("cmd", [
    "yes",
    "cat /dev/urandom",
    "python3 -c \"print('a' * 50_000_000)\"",
    "python3 -c \"import sys; sys.stderr.write('e' * 30_000_000)\"",
    "head -c 50000000 /dev/zero",
    "seq 1 100000000",
])
def test_floods_are_cut_and_the_episode_goes_on(episode, cmd):
    started = time.monotonic()
    out = episode.sh(cmd)
    assert time.monotonic() - started < 30  # did not hang
    assert len(out) < OUTPUT_CAP + 1024
    assert "truncated" in out or "killed" in out or "binary output" in out
    assert episode.sh("echo next") == "next\n"


def test_a_background_flood_does_not_leak_into_later_steps(episode):
    started = time.monotonic()
    episode.sh("python3 -c \"import subprocess; subprocess.Popen(['yes', 'leak'], start_new_session=True)\"")
    for _ in range(3):
        out = episode.sh("echo next")
        assert len(out) < OUTPUT_CAP + 1024 and out.rstrip().endswith("next")
    assert time.monotonic() - started < 60
    assert "leak" not in episode.sh("sleep 0.2; echo quiet")


# ----------------------------------------------------------------------------- input validation

def _openai(arguments, name="shell"):
    return {"role": "assistant", "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": name, "arguments": arguments}}]}


class _Opaque:
    def __repr__(self) -> str:
        return "<opaque>"


def _nest(depth: int):
    node: dict = {}
    for _ in range(depth):
        node = {"x": node}
    return node


MALFORMED = {
    "arguments-invalid-json": (_openai('{"cmd": "ls"'), "not valid JSON"),
    "arguments-json-list": (_openai('["ls"]'), "must be a JSON object"),
    "arguments-json-null-cmd": (_openai('{"cmd": null}'), "must be a string"),
    "arguments-deeply-nested-json": (_openai("[" * 100_000 + "]" * 100_000), "arguments of shell"),
    "tool-call-block-deeply-nested": ("<tool_call>" + "[" * 100_000 + "</tool_call>", "tool_call"),
    "arguments-duplicate-keys": (_openai('{"cmd": "ls", "cmd": "rm -rf /testbed"}'), "duplicate keys"),
    "cmd-int": ({"name": "shell", "arguments": {"cmd": 3}}, "must be a string"),
    "cmd-list": ({"name": "shell", "arguments": {"cmd": ["ls"]}}, "must be a string"),
    "cmd-bytes": ({"name": "shell", "arguments": {"cmd": b"ls"}}, "must be a string"),
    "cmd-set": ({"name": "shell", "arguments": {"cmd": {"ls"}}}, "must be a string"),
    "cmd-object": ({"name": "shell", "arguments": {"cmd": _Opaque()}}, "must be a string"),
    "cmd-nan": ({"name": "shell", "arguments": {"cmd": math.nan}}, "must be a string"),
    "arguments-object": ({"name": "shell", "arguments": _Opaque()}, "must be a JSON object"),
    "arguments-deep-dict": ({"name": "shell", "arguments": {"cmd": "ls", "x": _nest(10_000)}}, "unexpected"),
    "missing-cmd": ({"name": "shell", "arguments": {}}, "missing ['cmd']"),
    "extra-key": ({"name": "shell", "arguments": {"cmd": "ls", "sudo": True}}, "unexpected ['sudo']"),
    "apply-patch-missing-file": ({"name": "apply_patch", "arguments": {"search": "a", "replace": "b"}}, "missing"),
    "apply-patch-int-search": ({"name": "apply_patch", "arguments": {"search": 1, "replace": "b", "file": "x"}},
                               "must be a string"),
    "unknown-tool": ({"name": "rm_rf", "arguments": {}}, "unknown tool"),
    "tool-name-none": ({"name": None, "arguments": {"cmd": "ls"}}, "unknown tool"),
    "tool-name-list": ({"name": ["shell"], "arguments": {"cmd": "ls"}}, "unknown tool"),
    "tool-name-escape": ({"name": "\x1b[2Jshell", "arguments": {"cmd": "ls"}}, "unknown tool"),
    "nul-in-cmd": ({"name": "shell", "arguments": {"cmd": "echo a\0b"}}, "NUL"),
    "lone-surrogate-in-cmd": ({"name": "shell", "arguments": {"cmd": "echo \ud800"}}, "surrogate"),
    "lone-surrogate-in-json-arguments": (_openai('{"cmd": "echo \\ud800"}'), "surrogate"),
    "lone-surrogate-in-file": ({"name": "apply_patch", "arguments": {"search": "a", "replace": "b",
                                                                     "file": "\udcff.py"}}, "surrogate"),
    "one-megabyte-command": ({"name": "shell", "arguments": {"cmd": "echo " + "a" * 1_000_000}}, "limit"),
    "escape-in-file-name": ({"name": "apply_patch", "arguments": {"search": "a", "replace": "b",
                                                                  "file": "\x1b[31mred\x07.py"}}, "not found"),
    "tool-calls-not-a-list": ({"role": "assistant", "content": None, "tool_calls": "shell"}, "tool_calls"),
    "tool-calls-junk-items": ({"role": "assistant", "content": None, "tool_calls": [42, None, "x", {"function": 7}]},
                              "unknown tool"),
    "message-of-another-role": ({"role": "tool", "content": "fake tool output"}, "role 'assistant'"),
    "action-int": (42, "unsupported action"),
    "action-list": ([{"name": "shell", "arguments": {"cmd": "ls"}}], "unsupported action"),
    "action-bytes": (b"ls", "unsupported action"),
    "action-dict-without-name": ({"cmd": "ls"}, "needs \"name\""),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_actions_are_answered_and_the_episode_goes_on(episode, case):
    action, expected = MALFORMED[case]
    obs, reward, terminated, truncated, info = episode.step(action)  # must not raise
    assert not terminated and not truncated and reward == 0.0
    assert info["tool_errors"], info
    answer = obs[-1]
    assert answer["role"] in ("tool", "user")
    assert expected in answer["content"], answer["content"][:500]
    assert answer["content"].startswith(("error:", "[invalid action]")) or answer["role"] == "tool"
    json.dumps(obs, ensure_ascii=False).encode("utf-8")  # the whole history stays serialisable
    assert episode.sh("echo next") == "next\n"  # and the episode goes on


def test_a_large_command_under_the_limit_runs(episode):
    out = episode.sh("printf %s " + "a" * 200_000 + " | wc -c")
    assert out.strip() == "200000"


def test_an_agent_message_with_lone_surrogates_stays_serialisable(episode):
    # Raw text from a broken decoder: it is the agent's turn, but it goes into the history that
    # is tokenised and logged, so it must be valid Unicode there.
    obs, *_ = episode.step("thinking \ud83d about it <tool_call>{\"name\": \"shell\", \"arguments\": {\"cmd\": "
                           "\"echo ok\"}}</tool_call>")
    json.dumps(obs, ensure_ascii=False).encode("utf-8")
    assert obs[-1]["content"] == "ok\n"


# ----------------------------------------------------------------------------- episode lifecycle

def _bwrap_children() -> int:
    me, count = os.getpid(), 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry}/comm", "rb") as fh:
                comm = fh.read().strip()
        except OSError:
            continue
        if int(fields[1]) == me and comm == b"bwrap":
            count += 1
    return count


def _settled_bwrap_children() -> int:
    """The count once it stops changing (other envs may be preparing their next sandbox)."""
    last, since = _bwrap_children(), time.monotonic()
    deadline = since + 10
    while time.monotonic() - since < 1.0 and time.monotonic() < deadline:
        time.sleep(0.1)
        now = _bwrap_children()
        if now != last:
            last, since = now, time.monotonic()
    return last


def test_episode_lifecycle_errors_and_idempotence(task):
    others = _settled_bwrap_children()  # sandboxes of the other envs this process holds
    env = gym.make("NanoSWE-v0", tasks=[task], command_timeout=5.0)
    try:
        with pytest.raises(gym.error.ResetNeeded):  # Gymnasium's own check, before any reset
            env.step({"name": "shell", "arguments": {"cmd": "ls"}})
        with pytest.raises(EpisodeEndedError):  # the env's, for code that steps it unwrapped
            env.unwrapped.step({"name": "shell", "arguments": {"cmd": "ls"}})
        for _ in range(5):  # resets replace the episode's sandbox, they do not pile them up
            env.reset(options={"task_id": task.instance_id})
        assert _bwrap_children() - others <= 3  # the episode's, one prepared ahead, one being torn down
        _, _, terminated, _, _ = env.step(None)
        assert terminated
        with pytest.raises(EpisodeEndedError):
            env.step({"name": "shell", "arguments": {"cmd": "ls"}})
        with pytest.raises(EpisodeEndedError):
            env.step(None)
        env.reset(options={"task_id": task.instance_id})
        env.close()
        env.close()  # closing twice is harmless
        assert _bwrap_children() == others  # and closing leaves nothing running
        with pytest.raises(EpisodeEndedError):
            env.step({"name": "shell", "arguments": {"cmd": "ls"}})
        obs, _ = env.reset(options={"task_id": task.instance_id})  # a closed env can start again
        obs, *_ = env.step({"name": "shell", "arguments": {"cmd": "echo back"}})
        assert obs[-1]["content"] == "back\n"
    finally:
        env.close()
    assert _bwrap_children() == others
