"""The two tools, their schemas, and turning a policy's action into tool calls.

`shell{cmd}` runs in the episode's persistent restricted bash; `apply_patch{search, replace,
file}` replaces the one occurrence of `search` in `file` (Nano's contract, DESIGN.md 3).
Every mistake becomes a message that teaches; nothing here raises for policy errors.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .sandbox.jail import REPO_MOUNT

__all__ = [
    "TOOL_SCHEMAS",
    "ToolCall",
    "ParsedAction",
    "ToolOutcome",
    "parse_action",
    "apply_patch",
    "format_shell_result",
]

MAX_ARGUMENT_CHARS = 256 * 1024

TOOL_SCHEMAS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "shell",
            "description": (
                f"Run a command in a persistent restricted bash shell in the repository ({REPO_MOUNT}). "
                "Variables and functions persist between calls. Output redirection, `cd` and command names "
                "containing '/' are not allowed: read with cat/grep/sed/ls, edit with apply_patch."
            ),
            "parameters": {
                "type": "object",
                "properties": {"cmd": {"type": "string", "description": "The command line to run."}},
                "required": ["cmd"],
                "additionalProperties": False,
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "apply_patch",
            "description": (
                "Edit a file: replace the exact text `search` (which must occur exactly once in the file) "
                "with `replace`. An empty `search` fills an empty file (create it first with the shell, e.g. "
                "`touch path`). Paths are relative to the repository root."
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "search": {"type": "string", "description": "Exact text to find, with enough context to be unique."},
                    "replace": {"type": "string", "description": "Text to put in its place."},
                    "file": {"type": "string", "description": "Path of the file, relative to the repository root."},
                },
                "required": ["search", "replace", "file"],
                "additionalProperties": False,
            },
        },
    },
]
_PARAMS = {s["function"]["name"]: s["function"]["parameters"]["required"] for s in TOOL_SCHEMAS}


@dataclass(frozen=True)
class ToolCall:
    """One call the policy asked for; `error` is set when it could not be understood."""

    id: str
    name: str
    arguments: dict[str, Any]
    error: str | None = None


@dataclass
class ParsedAction:
    """An action normalised: the assistant message for the history and the calls it holds."""

    message: dict[str, Any] | None
    calls: list[ToolCall] = field(default_factory=list)
    error: str | None = None  # the action as a whole was not understood

    @property
    def submits(self) -> bool:
        return self.error is None and not self.calls


@dataclass(frozen=True)
class ToolOutcome:
    text: str
    error: str | None = None  # a short kind: "not_found", "ambiguous", "timeout", ...
    limits: tuple[str, ...] = ()  # sandbox limits the call ran into: "timeout", "output", "memory", ...


# ----------------------------------------------------------------------------- parsing

def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ValueError(f"duplicate keys {dupes}")
    return dict(pairs)


def _loads(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except RecursionError:  # "[[[[..." deeper than the parser's recursion limit
        raise ValueError("nested too deeply") from None


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _valid_unicode(text: str) -> str:
    """`text` with lone surrogates (a broken decoder's output) replaced: the history they would
    go into must stay encodable as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def _json_text(value: Any) -> str:
    """A policy's non-string payload as JSON text for the history, whatever it holds."""
    try:
        return _valid_unicode(json.dumps(value, ensure_ascii=False, default=repr))
    except (ValueError, RecursionError):  # circular or too deeply nested
        return f"<{type(value).__name__} that cannot be written as JSON>"


def _short_repr(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _check_arguments(name: Any, arguments: Any) -> tuple[dict[str, Any], str | None]:
    if not isinstance(name, str) or name not in _PARAMS:
        return {}, f"unknown tool {_short_repr(name)}; available tools: {sorted(_PARAMS)}"
    if isinstance(arguments, str):
        try:
            arguments = _loads(arguments) if arguments.strip() else {}
        except ValueError as exc:
            return {}, f"arguments of {name} are not valid JSON ({exc}); send a JSON object like {{\"cmd\": \"ls\"}}"
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, Mapping):
        return {}, f"arguments of {name} must be a JSON object, got {type(arguments).__name__}"
    required = _PARAMS[name]
    missing = [k for k in required if k not in arguments]
    extra = sorted((k for k in arguments if k not in required), key=repr)
    if missing or extra:
        return {}, (f"{name} takes exactly {required}" + (f"; missing {missing}" if missing else "")
                    + (f"; unexpected {extra}" if extra else ""))
    for key in required:
        value = arguments[key]
        if not isinstance(value, str):
            return {}, f"{name}: argument {key!r} must be a string, got {type(value).__name__}"
        if len(value) > MAX_ARGUMENT_CHARS:
            return {}, f"{name}: argument {key!r} is {len(value)} characters; the limit is {MAX_ARGUMENT_CHARS}"
        if "\0" in value:
            return {}, f"{name}: argument {key!r} contains a NUL character"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return {}, f"{name}: argument {key!r} is not valid Unicode (lone surrogate)"
    return dict(arguments), None


def _call(call_id: str, name: Any, arguments: Any) -> ToolCall:
    args, error = _check_arguments(name, arguments)
    shown = _valid_unicode(name) if isinstance(name, str) else _short_repr(name)
    return ToolCall(id=_valid_unicode(call_id), name=shown, arguments=args, error=error)


_TOOL_CALL_BLOCK = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.S)


def _calls_from_text(text: str, next_id) -> list[ToolCall]:
    """Hermes/Qwen-style `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` blocks."""
    calls = []
    for block in _TOOL_CALL_BLOCK.findall(text):
        call_id = next_id()
        try:
            data = _loads(block.strip())
        except ValueError as exc:
            calls.append(ToolCall(id=call_id, name="?", arguments={},
                                  error=f"the <tool_call> block is not valid JSON ({exc})"))
            continue
        if not isinstance(data, Mapping) or "name" not in data:
            calls.append(ToolCall(id=call_id, name="?", arguments={},
                                  error='a <tool_call> block must hold {"name": ..., "arguments": {...}}'))
            continue
        calls.append(_call(call_id, data.get("name"), data.get("arguments", {})))
    return calls


def _openai_tool_call(call: ToolCall, raw_arguments: Any) -> dict[str, Any]:
    args = _valid_unicode(raw_arguments) if isinstance(raw_arguments, str) else _json_text(raw_arguments)
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": args}}


def parse_action(action: Any, next_id) -> ParsedAction:
    """Normalise an action: a tool call dict, an OpenAI assistant message, raw text or None.

    `next_id()` returns a fresh tool_call id when the action does not carry one.
    """
    if action is None:
        return ParsedAction(message=None)
    if isinstance(action, str):
        return ParsedAction(message={"role": "assistant", "content": _valid_unicode(action)},
                            calls=_calls_from_text(action, next_id))
    if not isinstance(action, Mapping):
        return ParsedAction(message=None, error=(
            f"unsupported action type {type(action).__name__}: send a tool call "
            '{"name": ..., "arguments": {...}}, an assistant message, or text with <tool_call> blocks'))
    if "role" in action or "tool_calls" in action:
        if action.get("role", "assistant") != "assistant":
            return ParsedAction(message=None, error=("a message action must have role 'assistant', "
                                                     f"got {_short_repr(action.get('role'))}"))
        content = action.get("content")
        if content is not None:
            content = _valid_unicode(content) if isinstance(content, str) else _json_text(content)
        raw_calls = action.get("tool_calls") or []
        if not isinstance(raw_calls, list):
            return ParsedAction(message=None, error="tool_calls must be a list")
        calls, wire = [], []
        for raw in raw_calls:
            fn = raw.get("function", {}) if isinstance(raw, Mapping) else {}
            call_id = raw.get("id") if isinstance(raw, Mapping) and isinstance(raw.get("id"), str) else next_id()
            if not isinstance(fn, Mapping):
                fn = {}
            call = _call(call_id, fn.get("name"), fn.get("arguments", {}))
            calls.append(call)
            wire.append(_openai_tool_call(call, fn.get("arguments", {})))
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if wire:
            message["tool_calls"] = wire
        elif content:
            calls = _calls_from_text(content, next_id)
        return ParsedAction(message=message, calls=calls)
    if "name" in action:
        call = _call(next_id(), action.get("name"), action.get("arguments", {}))
        message = {"role": "assistant", "content": None,
                   "tool_calls": [_openai_tool_call(call, action.get("arguments", {}))]}
        return ParsedAction(message=message, calls=[call])
    return ParsedAction(message=None, error=(
        'an action dict needs "name" (a tool call) or "role"/"tool_calls" (an assistant message)'))


# ----------------------------------------------------------------------------- shell

def format_shell_result(result) -> ToolOutcome:
    """Render a `ShellResult` as the tool message text."""
    parts = [result.output]
    if result.exit_code not in (0, None):
        parts.append(f"[exit code: {result.exit_code}]")
    if result.note:
        parts.append(f"[{result.note}]")
    text = "\n".join(p for p in parts if p) or "[no output]"
    limits = tuple(result.limits)
    if limits:
        error = limits[0]
    elif result.restarted:
        error = "shell_restarted"
    else:
        error = None
    return ToolOutcome(text=text, error=error, limits=limits)


# ----------------------------------------------------------------------------- apply_patch

class _Refused(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _relative_parts(file: str) -> list[str]:
    path = file.strip()
    if path.startswith(REPO_MOUNT + "/"):
        path = path[len(REPO_MOUNT) + 1 :]
    if not path or path.startswith("/"):
        raise _Refused("bad_path", f"refused: {file!r} is outside the repository; use a path relative to the repository root")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts:
        raise _Refused("bad_path", f"refused: {file!r} is not a file path")
    if ".." in parts:
        raise _Refused("bad_path", f"refused: {file!r} contains '..'; paths must stay inside the repository")
    if ".git" in parts:
        raise _Refused("bad_path", f"refused: {file!r} is inside .git; edit the project's files only")
    return parts


def _display(path: str) -> str:
    """A path as messages show it: escaped if it holds control characters (it is the agent's
    text, but an observation must never carry terminal escapes)."""
    return path if path.isprintable() else repr(path)


def _open_dir_beneath(root: Path, parts: list[str]) -> int:
    """Open the parent directory of `parts` under `root` without following any symlink."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts[:-1]:
            try:
                nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            except OSError as exc:
                kind = "symlink" if exc.errno in (errno.ELOOP, errno.ENOTDIR) else "not_found"
                raise _Refused(kind, f"refused: directory {part!r} in the path does not exist or is a symlink") from None
            os.close(fd)
            fd = nxt
        return fd
    except BaseException:
        os.close(fd)
        raise


def apply_patch(workspace: Path, search: str, replace: str, file: str) -> ToolOutcome:
    """Replace the single occurrence of `search` in `file`, atomically; refuse anything unsafe."""
    try:
        parts = _relative_parts(file)
        dir_fd = _open_dir_beneath(workspace, parts)
        try:
            return _patch_in_dir(dir_fd, parts[-1], search, replace, _display("/".join(parts)))
        finally:
            os.close(dir_fd)
    except _Refused as exc:
        return ToolOutcome(text=str(exc), error=exc.kind)


def _patch_in_dir(dir_fd: int, name: str, search: str, replace: str, shown: str) -> ToolOutcome:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except FileNotFoundError:
        raise _Refused("not_found", f"file not found: {shown}. To create a file, run `touch {shown}` with the "
                                    "shell first, then apply_patch with an empty search") from None
    except OSError as exc:
        kind = "symlink" if exc.errno == errno.ELOOP else "unreadable"
        raise _Refused(kind, f"refused: {shown} is a symlink or cannot be opened ({os.strerror(exc.errno)})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _Refused("not_regular", f"refused: {shown} is not a regular file")
        if st.st_nlink > 1:
            raise _Refused("hardlink", f"refused: {shown} has other hard links; apply_patch edits plain files only")
        with os.fdopen(os.dup(fd), "rb") as fh:
            raw = fh.read()
    finally:
        os.close(fd)
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused("not_text", f"refused: {shown} is not UTF-8 text") from None
    if search == "":
        if content:
            raise _Refused("empty_search", f"search is empty but {shown} is not; give the exact text to replace")
        new = replace
    else:
        count = content.count(search)
        if count == 0:
            raise _Refused("not_found", f"search text not found in {shown}; view the file (e.g. `sed -n 1,80p {shown}`) "
                                        "and copy the exact lines, including indentation")
        if count > 1:
            raise _Refused("ambiguous", f"search ambiguous: {count} matches in {shown} — add more context")
        new = content.replace(search, replace, 1)
    _atomic_write(dir_fd, name, new.encode("utf-8"), stat.S_IMODE(st.st_mode))
    removed, added = search.count("\n") + bool(search), replace.count("\n") + bool(replace)
    return ToolOutcome(text=f"patched {shown}: replaced {removed} line(s) with {added} line(s)")


def _atomic_write(dir_fd: int, name: str, data: bytes, mode: int) -> None:
    tmp = f".{name}.nano-{os.getpid()}-{os.urandom(4).hex()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=dir_fd)
        except OSError:
            pass
        raise
