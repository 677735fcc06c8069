"""Value syntax helpers: quoted strings, escape sequences, lists and conversions.

These functions work on plain strings and know nothing about line numbers;
they raise :class:`ValueSyntaxError` and let the parser attach the location.

Supported value forms::

    key = bare words up to an inline comment   # comment
    key = "basic string with \\n escapes"
    key = 'literal string, backslashes kept as-is'
    key = [one, "two", 'three']
"""

from __future__ import annotations

_SIMPLE_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "0": "\0",
    "\\": "\\",
    '"': '"',
    "'": "'",
}

_HEX_ESCAPES = {"u": 4, "U": 8}

TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})


class ValueSyntaxError(ValueError):
    """Malformed value text.  ``offset`` is the index in the text, when useful."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def find_closing_quote(text: str, start: int) -> int:
    """Return the index of the quote closing the string opened at ``text[start]``.

    Double-quoted strings may contain backslash escapes, so an escaped quote
    does not close them.  Single-quoted (literal) strings have no escapes and
    end at the next single quote.  Returns ``-1`` if the string is unterminated.
    """
    quote = text[start]
    end = text.find(quote, start + 1)
    while end != -1 and quote == '"' and text[end - 1] == "\\":
        end = text.find(quote, end + 1)
    return end


def decode_escapes(body: str) -> str:
    """Decode the backslash escapes of a double-quoted string body."""
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(body):
            raise ValueSyntaxError("dangling backslash at end of string", i)
        code = body[i + 1]
        if code in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[code])
            i += 2
        elif code in _HEX_ESCAPES:
            width = _HEX_ESCAPES[code]
            digits = body[i + 2 : i + 2 + width]
            if len(digits) != width or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise ValueSyntaxError(f"invalid \\{code} escape: expected {width} hex digits", i)
            try:
                out.append(chr(int(digits, 16)))
            except ValueError:
                raise ValueSyntaxError(f"invalid code point \\{code}{digits}", i) from None
            i += 2 + width
        else:
            raise ValueSyntaxError(f"invalid escape sequence '\\{code}'", i)
    return "".join(out)


def read_string(text: str, start: int) -> tuple[str, int]:
    """Read the quoted string starting at ``text[start]``.

    Returns ``(value, end)`` where ``end`` is the index just past the closing quote.
    """
    end = find_closing_quote(text, start)
    if end == -1:
        raise ValueSyntaxError("unterminated string", start)
    body = text[start + 1 : end]
    if text[start] == '"':
        body = decode_escapes(body)
    return body, end + 1


def find_list_end(text: str) -> int:
    """Return the index of the ``]`` closing the list that starts at ``text[0]``.

    Quoted items and ``#`` comments (running to the end of a line) are skipped.
    Returns ``-1`` if the list is not closed yet, which lets the parser keep
    reading lines for a multi-line list.
    """
    if not text.startswith("["):
        raise ValueSyntaxError("a list must start with '['", 0)
    i = 1
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            end = find_closing_quote(text, i)
            if end == -1:
                return -1
            i = end + 1
        elif ch == "#":
            newline = text.find("\n", i)
            if newline == -1:
                return -1
            i = newline + 1
        elif ch == "[":
            raise ValueSyntaxError("nested lists are not supported", i)
        elif ch == "]":
            return i
        else:
            i += 1
    return -1


def parse_list(text: str) -> list[str]:
    """Parse a complete list literal such as ``[a, "b, c", 'd']`` into strings.

    Items are separated by commas; a trailing comma is allowed.  Bare items are
    stripped of surrounding whitespace.  The text may span several lines and
    contain ``#`` comments.
    """
    end = find_list_end(text)
    if end == -1:
        raise ValueSyntaxError("unterminated list", 0)
    if text[end + 1 :].strip():
        raise ValueSyntaxError("unexpected text after list", end + 1)
    items: list[str] = []
    current: list[str] = []
    quoted: str | None = None
    i = 1
    while i < end:
        ch = text[i]
        if ch in "\"'":
            if quoted is not None or "".join(current).strip():
                raise ValueSyntaxError("unexpected quote inside list item", i)
            quoted, i = read_string(text, i)
            continue
        if ch == "#":
            newline = text.find("\n", i)
            i = newline if newline != -1 and newline < end else end
            continue
        if ch == ",":
            items.append(_finish_item(quoted, current, i))
            quoted, current = None, []
            i += 1
            continue
        if quoted is not None and not ch.isspace():
            raise ValueSyntaxError("expected ',' after quoted list item", i)
        current.append(ch)
        i += 1
    last = _finish_item(quoted, current, end, allow_empty=True)
    if last is not None:
        items.append(last)
    return items


def _finish_item(
    quoted: str | None, current: list[str], offset: int, allow_empty: bool = False
) -> str | None:
    if quoted is not None:
        return quoted
    item = "".join(current).strip()
    if not item:
        if allow_empty:
            return None
        raise ValueSyntaxError("empty list item", offset)
    return item


def to_int(text: str) -> int:
    """Convert ``text`` to an int; accepts ``_`` separators and 0x/0o/0b prefixes."""
    cleaned = text.strip()
    lowered = cleaned.lower().lstrip("+-")
    base = 0 if lowered[:2] in ("0x", "0o", "0b") else 10
    return int(cleaned, base)


def to_float(text: str) -> float:
    """Convert ``text`` to a float."""
    return float(text.strip())


def to_bool(text: str) -> bool:
    """Convert one of the usual true/false words (case-insensitive) to a bool."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"not a boolean: {text!r}")


def split_list(text: str) -> list[str]:
    """Split a plain comma separated string into stripped, non-empty items."""
    return [part.strip() for part in text.split(",") if part.strip()]
