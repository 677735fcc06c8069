"""Bounded capture of command output, and turning bytes into safe observation text."""

from __future__ import annotations

import re

__all__ = ["BoundedOutput", "to_text"]

# Terminal escape sequences, 7-bit (ESC [, ESC ], ESC P ...) and 8-bit (the C1 codes CSI, OSC, DCS).
_ANSI = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
                   r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
                   r"|\x1b[@-Z\\-_]")
# What is left of control characters after that: C0 but tab and newline, DEL, C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Output is binary when more than this share of its characters are not text.
_BINARY_SHARE = 0.10


class BoundedOutput:
    """Keeps the first and last `cap // 2` bytes of a stream and counts what it drops."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.cap // 2 - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            excess = len(self.tail) - (self.cap - self.cap // 2)
            if excess > 0:
                del self.tail[:excess]

    @property
    def dropped(self) -> int:
        return self.total - len(self.head) - len(self.tail)

    def text(self) -> str:
        head, tail = bytes(self.head), bytes(self.tail)
        if _looks_binary(head) and (not tail or _looks_binary(tail)):
            return _binary_note(self.total)  # one note for the whole stream, not one per end
        if not self.dropped:
            return to_text(bytes(self.head + self.tail))
        return (to_text(bytes(self.head)) + f"\n[... {self.dropped} bytes of output truncated ...]\n"
                + to_text(bytes(self.tail)))


def _binary_note(size: int) -> str:
    return f"[binary output: {size} bytes not shown]"


def _looks_binary(data: bytes) -> bool:
    """Mostly not text: undecodable bytes and control characters (escape sequences, tabs and line
    ends aside) make up more than a tenth of it. A stray NUL or a Latin-1 accent is still text."""
    sample = data[:8192].decode("utf-8", errors="replace")
    if not sample:
        return False
    bad = sample.count("\ufffd") + len(_CONTROL.findall(_ANSI.sub("", sample).replace("\r", "")))
    return bad > max(8, len(sample) * _BINARY_SHARE)


def to_text(data: bytes) -> str:
    """Valid UTF-8 text without NULs, terminal escapes or other control characters (tabs and
    newlines kept); binary data becomes a one-line note."""
    if _looks_binary(data):
        return _binary_note(len(data))
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    text = _ANSI.sub("", text)
    return _CONTROL.sub("", text.replace("\r", "\n"))
