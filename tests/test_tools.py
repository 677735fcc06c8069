"""Action parsing and apply_patch semantics, including every refusal."""

from __future__ import annotations

import itertools
import json
import os

import pytest

from nano_gym.tools import apply_patch, parse_action


def ids():
    counter = itertools.count(1)
    return lambda: f"call_{next(counter)}"


def test_tool_call_dict_with_object_or_json_string_arguments():
    for args in ({"cmd": "ls"}, json.dumps({"cmd": "ls"})):
        parsed = parse_action({"name": "shell", "arguments": args}, ids())
        assert [(c.name, c.arguments, c.error) for c in parsed.calls] == [("shell", {"cmd": "ls"}, None)]
        assert parsed.message["tool_calls"][0]["id"] == parsed.calls[0].id


def test_openai_message_keeps_its_tool_call_ids():
    msg = {"role": "assistant", "content": "looking", "tool_calls": [
        {"id": "abc", "type": "function", "function": {"name": "shell", "arguments": "{\"cmd\": \"pwd\"}"}},
        {"id": "def", "type": "function", "function": {"name": "shell", "arguments": "{\"cmd\": \"ls\"}"}}]}
    parsed = parse_action(msg, ids())
    assert [c.id for c in parsed.calls] == ["abc", "def"]
    assert parsed.message["content"] == "looking"


def test_hermes_text_blocks_and_submission():
    text = ('I will look.\n<tool_call>\n{"name": "shell", "arguments": {"cmd": "ls"}}\n</tool_call>\n'
            '<tool_call>{"name": "apply_patch", "arguments": {"search": "a", "replace": "b", "file": "x"}}</tool_call>')
    parsed = parse_action(text, ids())
    assert [c.name for c in parsed.calls] == ["shell", "apply_patch"] and not parsed.submits
    assert parse_action("All done, the fix is in.", ids()).submits
    assert parse_action({"role": "assistant", "content": "done"}, ids()).submits
    assert parse_action(None, ids()).submits


@pytest.mark.parametrize("action, message", [
    ({"name": "rm_rf", "arguments": {}}, "unknown tool"),
    ({"name": "shell", "arguments": "{not json"}, "not valid JSON"),
    ({"name": "shell", "arguments": {"cmd": 3}}, "must be a string"),
    ({"name": "shell", "arguments": {}}, "missing ['cmd']"),
    ({"name": "shell", "arguments": {"cmd": "ls", "x": 1}}, "unexpected ['x']"),
    ({"name": "shell", "arguments": '{"cmd": "ls", "cmd": "rm"}'}, "duplicate keys"),
    ({"name": "shell", "arguments": {"cmd": "ls\0"}}, "NUL"),
    ({"name": "shell", "arguments": {"cmd": "\ud800"}}, "surrogate"),
    ({"name": "shell", "arguments": {"cmd": "x" * 300_000}}, "limit"),
    ("<tool_call>{oops}</tool_call>", "not valid JSON"),
])
def test_malformed_calls_are_explained_not_raised(action, message):
    parsed = parse_action(action, ids())
    assert parsed.calls and message in parsed.calls[0].error
    assert not parsed.submits


def test_unsupported_action_types():
    assert "unsupported action type" in parse_action(42, ids()).error
    assert "role 'assistant'" in parse_action({"role": "user", "content": "x"}, ids()).error


@pytest.fixture
def ws(tmp_path):
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("x = 1\ny = 2\nx = 1\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    (tmp_path / "outside.txt").write_text("secret\n")
    return root


def test_apply_patch_replaces_the_unique_match(ws):
    out = apply_patch(ws, "y = 2", "y = 3", "pkg/a.py")
    assert out.error is None and (ws / "pkg" / "a.py").read_text() == "x = 1\ny = 3\nx = 1\n"
    assert apply_patch(ws, "y = 3\n", "", "/testbed/pkg/a.py").error is None


def test_apply_patch_teaches_on_ambiguity_and_absence(ws):
    before = (ws / "pkg" / "a.py").read_bytes()
    out = apply_patch(ws, "x = 1", "x = 2", "pkg/a.py")
    assert out.error == "ambiguous" and "2 matches" in out.text and "add more context" in out.text
    assert apply_patch(ws, "zzz", "q", "pkg/a.py").error == "not_found"
    assert apply_patch(ws, "", "q", "pkg/a.py").error == "empty_search"
    assert (ws / "pkg" / "a.py").read_bytes() == before


def test_new_file_is_touched_then_filled(ws):
    assert "touch" in apply_patch(ws, "", "hello\n", "pkg/new.py").text
    (ws / "pkg" / "new.py").touch()
    assert apply_patch(ws, "", "hello\n", "pkg/new.py").error is None
    assert (ws / "pkg" / "new.py").read_text() == "hello\n"


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "pkg/../../outside.txt", ".git/config",
                                  "/testbed/../outside.txt", ""])
def test_paths_outside_the_repo_are_refused(ws, path):
    assert apply_patch(ws, "secret", "pwned", path).error == "bad_path"
    assert (ws.parent / "outside.txt").read_text() == "secret\n"


def test_symlinks_hardlinks_and_special_files_are_refused(ws):
    os.symlink(ws.parent / "outside.txt", ws / "link.txt")
    os.symlink(ws.parent, ws / "dirlink")
    os.link(ws.parent / "outside.txt", ws / "hard.txt")
    os.mkfifo(ws / "fifo")
    assert apply_patch(ws, "secret", "pwned", "link.txt").error == "symlink"
    assert apply_patch(ws, "secret", "pwned", "dirlink/outside.txt").error == "symlink"
    assert apply_patch(ws, "secret", "pwned", "hard.txt").error == "hardlink"
    assert apply_patch(ws, "secret", "pwned", "fifo").error == "not_regular"
    assert (ws.parent / "outside.txt").read_text() == "secret\n"
