"""Parsing git-style unified diffs into per-file patches and hunks.

Used by the grader (to drop test infrastructure from an agent's diff), by task loading (to
find the test files a test_patch touches) and by the oracle policy (to turn a gold patch
into `apply_patch` calls).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Hunk", "FilePatch", "parse_patch", "join_patches"]

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


@dataclass
class Hunk:
    """One hunk: the text it expects (`old`) and the text it leaves (`new`)."""

    old_start: int
    old: str = ""
    new: str = ""


@dataclass
class FilePatch:
    """The part of a diff about one file."""

    old_path: str | None  # None for a created file
    new_path: str | None  # None for a deleted file
    text: str  # the whole chunk, header included, ready to apply on its own
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


def _unquote(token: str) -> str:
    """Undo git's C-style path quoting ("a/caf\\303\\251" -> a/café)."""
    if not (token.startswith('"') and token.endswith('"')):
        return token
    body, out, i = token[1:-1], bytearray(), 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "01234567":
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, ord(nxt)))
            i += 2
            continue
        out.extend(ch.encode("utf-8"))
        i += 1
    return out.decode("utf-8", errors="surrogateescape")


def _strip_prefix(path: str) -> str | None:
    path = _unquote(path.rstrip("\t"))
    if path == "/dev/null":
        return None
    return path[2:] if path[:2] in ("a/", "b/") else path


def _header_paths(rest: str) -> tuple[str, str]:
    """Paths of a `diff --git <a> <b>` header (used when no ---/+++ lines exist)."""
    if rest.startswith('"'):
        end = rest.index('"', 1)
        while rest[end - 1] == "\\":
            end = rest.index('"', end + 1)
        a, b = rest[: end + 1], rest[end + 2 :]
    else:
        half = (len(rest) - 1) // 2  # "a/X b/X": same X on both sides
        a, b = rest[:half], rest[half + 1 :]
    return _strip_prefix(a) or "", _strip_prefix(b) or ""


def parse_patch(diff: str) -> list[FilePatch]:
    """Split a git diff into `FilePatch`es, with hunks parsed for text patches."""
    chunks: list[list[str]] = []
    for line in diff.splitlines(keepends=True):
        if line.startswith("diff --git "):
            chunks.append([line])
        elif chunks:
            chunks[-1].append(line)
    return [_parse_file(chunk) for chunk in chunks]


def _parse_file(lines: list[str]) -> FilePatch:
    old_path, new_path = _header_paths(lines[0][len("diff --git ") :].rstrip("\n"))
    created = deleted = binary = False
    hunks: list[Hunk] = []
    side: list[str] = []  # which sides the previous body line belonged to
    for line in lines[1:]:
        if hunks:
            if line.startswith("\\"):  # "\ No newline at end of file" applies to the previous line
                for s in side:
                    setattr(hunks[-1], s, getattr(hunks[-1], s)[:-1])
                continue
            tag, body = line[:1], line[1:]
            if tag in (" ", "-", "+") or line in ("\n",):
                body = body if tag else "\n"
                side = {" ": ["old", "new"], "": ["old", "new"], "-": ["old"], "+": ["new"]}[tag if line != "\n" else ""]
                for s in side:
                    setattr(hunks[-1], s, getattr(hunks[-1], s) + body)
                continue
        m = _HUNK.match(line)
        if m:
            hunks.append(Hunk(old_start=int(m.group(1))))
            side = []
        elif line.startswith("new file mode"):
            created = True
        elif line.startswith("deleted file mode"):
            deleted = True
        elif line.startswith("--- "):
            old_path = _strip_prefix(line[4:].rstrip("\n")) or old_path
        elif line.startswith("+++ "):
            new_path = _strip_prefix(line[4:].rstrip("\n")) or new_path
        elif line.startswith(("rename from ", "copy from ")):
            old_path = _unquote(line.split(" ", 2)[2].rstrip("\n"))
        elif line.startswith(("rename to ", "copy to ")):
            new_path = _unquote(line.split(" ", 2)[2].rstrip("\n"))
        elif line.startswith(("GIT binary patch", "Binary files ")):
            binary = True
    return FilePatch(
        old_path=None if created else old_path,
        new_path=None if deleted else new_path,
        text="".join(lines),
        hunks=hunks,
        binary=binary,
    )


def join_patches(patches: list[FilePatch]) -> str:
    return "".join(p.text for p in patches)
