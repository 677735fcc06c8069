"""Turn configuration text into sections of :class:`Entry` objects.

The grammar is a small INI/TOML hybrid::

    # full-line comments start with '#' or ';'
    [server]                 # section header, may carry an inline comment
    host = example.org       # bare value; inline comments need a space before '#'
    name = "quoted \\t value"
    path = 'C:\\literal'
    hosts = [a, "b", 'c']    # lists, may span several lines

    [server.tls]             # dotted names create subsections
    motd = \"\"\"
    multi-line strings keep every line verbatim
    \"\"\"

Values are stored as strings (or lists of strings); interpolation and type
conversion happen later, when a value is read from a :class:`~cfgloader.Config`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from .errors import ParseError
from .values import ValueSyntaxError, decode_escapes, find_list_end, parse_list, read_string

Value = Union[str, list[str]]

NAME_PATTERN = r"[A-Za-z0-9_-]+"
SECTION_PATTERN = rf"{NAME_PATTERN}(?:\.{NAME_PATTERN})*"

_HEADER_RE = re.compile(rf"^\[\s*(?P<name>[^\]]*?)\s*\]$")
_SECTION_RE = re.compile(rf"^{SECTION_PATTERN}$")
_KEY_RE = re.compile(rf"^(?P<key>{NAME_PATTERN})\s*[=:]\s*(?P<rest>.*)$")
_INLINE_COMMENT_RE = re.compile(r"\s#.*$")

_TRIPLE_QUOTES = ('"""', "'''")


@dataclass(frozen=True)
class Entry:
    """One ``key = value`` assignment and where it came from."""

    value: Value
    lineno: int | None = None
    source: str | None = None


Document = dict[str, dict[str, Entry]]


def parse(text: str, source: str | None = None) -> Document:
    """Parse configuration ``text`` into ``{section: {key: Entry}}``.

    ``source`` names the text's origin (usually a file path); it is recorded on
    every entry and included in error messages.

    Raises:
        ParseError: on any syntax error, with the offending line number.
    """
    return _Parser(text, source).run()


class _Parser:
    def __init__(self, text: str, source: str | None) -> None:
        self.lines = [_INLINE_COMMENT_RE.sub("", line) for line in text.splitlines()]
        self.source = source
        self.pos = 0
        self.doc: Document = {}
        self.section: str | None = None

    def error(self, message: str, lineno: int) -> ParseError:
        return ParseError(message, lineno, self.source)

    def run(self) -> Document:
        while self.pos < len(self.lines):
            lineno = self.pos + 1
            line = self.lines[self.pos].strip()
            self.pos += 1
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                self.parse_header(line, lineno)
            else:
                self.parse_assignment(line, lineno)
        return self.doc

    def parse_header(self, line: str, lineno: int) -> None:
        match = _HEADER_RE.match(line)
        if match is None:
            raise self.error("malformed section header", lineno)
        name = match.group("name")
        if not _SECTION_RE.match(name):
            raise self.error(f"invalid section name {name!r}", lineno)
        if name in self.doc:
            raise self.error(f"duplicate section [{name}]", lineno)
        self.doc[name] = {}
        self.section = name

    def parse_assignment(self, line: str, lineno: int) -> None:
        match = _KEY_RE.match(line)
        if match is None:
            raise self.error(f"expected 'key = value', got {line!r}", lineno)
        key = match.group("key")
        if self.section is None:
            raise self.error(f"key {key!r} appears before any [section] header", lineno)
        entries = self.doc[self.section]
        if key in entries:
            first = entries[key].lineno
            raise self.error(
                f"duplicate key {key!r} in [{self.section}] (first defined on line {first})",
                lineno,
            )
        value = self.parse_value(match.group("rest"), lineno)
        entries[key] = Entry(value, lineno, self.source)

    def parse_value(self, rest: str, lineno: int) -> Value:
        if rest.startswith(_TRIPLE_QUOTES):
            return self.parse_multiline_string(rest, lineno)
        if rest.startswith("["):
            return self.parse_list(rest, lineno)
        if rest.startswith(('"', "'")):
            try:
                value, end = read_string(rest, 0)
            except ValueSyntaxError as exc:
                raise self.error(exc.message, lineno) from None
            self.check_trailing(rest[end:], lineno)
            return value
        return rest.strip()

    def parse_multiline_string(self, rest: str, lineno: int) -> str:
        delimiter = rest[:3]
        body = rest[3:]
        end = body.find(delimiter)
        if end == -1:
            # The opening line ends right after the delimiter: that newline is
            # not part of the value.
            chunks = [body] if body.strip() else []
            while True:
                if self.pos >= len(self.lines):
                    raise self.error("unterminated multi-line string", lineno)
                current = self.lines[self.pos]
                self.pos += 1
                end = current.find(delimiter)
                if end != -1:
                    chunks.append(current[:end])
                    trailing = current[end + 3 :]
                    break
                chunks.append(current)
            body = "\n".join(chunks)
            trailing_lineno = self.pos
        else:
            trailing = body[end + 3 :]
            body = body[:end]
            trailing_lineno = lineno
        self.check_trailing(trailing, trailing_lineno)
        if delimiter == '"""':
            try:
                body = decode_escapes(body)
            except ValueSyntaxError as exc:
                raise self.error(exc.message, lineno) from None
        return body

    def parse_list(self, rest: str, lineno: int) -> list[str]:
        text = rest
        try:
            end = find_list_end(text)
            while end == -1:
                if self.pos >= len(self.lines):
                    raise self.error("unterminated list", lineno)
                text += "\n" + self.lines[self.pos]
                self.pos += 1
                end = find_list_end(text)
            self.check_trailing(text[end + 1 :], self.pos)
            return parse_list(text[: end + 1])
        except ValueSyntaxError as exc:
            raise self.error(exc.message, lineno) from None

    def check_trailing(self, trailing: str, lineno: int) -> None:
        trailing = trailing.strip()
        if trailing:
            raise self.error(f"unexpected text after value: {trailing!r}", lineno)
