"""Bounded capture of command output, and turning bytes into safe observation text."""

from __future__ import annotations

import re

__all__ = ["BoundedOutput", "to_text"]

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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
        if not self.dropped:
            return to_text(bytes(self.head + self.tail))
        return (to_text(bytes(self.head)) + f"\n[... {self.dropped} bytes of output truncated ...]\n"
                + to_text(bytes(self.tail)))


def to_text(data: bytes) -> str:
    """Valid UTF-8 text without NULs, terminal escapes or other control bytes (tabs and newlines kept)."""
    if b"\0" in data[:8192] and data.count(b"\0") > len(data) // 100:
        return f"[binary output: {len(data)} bytes not shown]"
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    text = _ANSI.sub("", text)
    return _CONTROL.sub("", text.replace("\r", "\n"))
