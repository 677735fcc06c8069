"""Tokenizer: turns expression source text into a list of :class:`Token`.

The token kinds are plain strings:

``NUMBER``
    integer or decimal literal, optionally with an exponent (``12``, ``.5``,
    ``6.02e23``, ``1e-3``).
``NAME``
    identifier (variable or function name).
``BOOL``
    the literals ``true`` and ``false``.
``OP``
    symbolic operators, parentheses, commas and the keyword operators
    ``and``, ``or`` and ``not``.
``EOF``
    end of input; always the last token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import TokenizeError

__all__ = ["Token", "tokenize", "iter_tokens", "NUMBER", "NAME", "BOOL", "OP", "EOF"]

NUMBER = "NUMBER"
NAME = "NAME"
BOOL = "BOOL"
OP = "OP"
EOF = "EOF"

#: Words that are operators rather than identifiers.
KEYWORD_OPERATORS = frozenset({"and", "or", "not"})

#: Words that are boolean literals.
BOOLEAN_LITERALS = frozenset({"true", "false"})

#: Symbolic tokens, longest first so that ``**`` wins over ``*``.
SYMBOLS = ("**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "<", ">", "(", ")", ",")

_NUMBER_RE = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][0-9]+)?")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SYMBOL_RE = re.compile("|".join(re.escape(symbol) for symbol in SYMBOLS))
_LITERAL_TAIL_RE = re.compile(r"[\w.]*")

# Characters people commonly type by habit from other languages.
_HINTS = {
    "!": "use 'not' for negation",
    "&": "use 'and'",
    "|": "use 'or'",
    "=": "use '==' to compare",
    "^": "use '**' for powers",
}


@dataclass(frozen=True)
class Token:
    """A lexical token: its ``kind``, exact source ``text`` and 0-based ``pos``."""

    kind: str
    text: str
    pos: int

    def describe(self) -> str:
        """Describe the token for use in error messages."""
        if self.kind == EOF:
            return "end of input"
        if self.kind == NUMBER:
            return f"number {self.text}"
        if self.kind == NAME:
            return f"name '{self.text}'"
        return f"'{self.text}'"


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, ending with an ``EOF`` token.

    :raises TokenizeError: on a character that cannot start a token or on a
        malformed number literal such as ``1.2.3`` or ``3x``.
    """
    return list(iter_tokens(source))


def iter_tokens(source: str) -> Iterator[Token]:
    """Lazily yield the tokens of ``source``; see :func:`tokenize`."""
    pos = 0
    end = len(source)
    while pos < end:
        ch = source[pos]
        if ch.isspace():
            pos += 1
            continue
        match = _NUMBER_RE.match(source, pos)
        if match:
            stop = match.end()
            if stop < end and (source[stop].isalnum() or source[stop] in "_."):
                tail = _LITERAL_TAIL_RE.match(source, stop).end()
                raise TokenizeError(
                    f"invalid number literal '{source[pos:tail]}'", pos, source
                )
            yield Token(NUMBER, match.group(), pos)
            pos = stop
            continue
        match = _NAME_RE.match(source, pos)
        if match:
            word = match.group()
            if word in KEYWORD_OPERATORS:
                kind = OP
            elif word in BOOLEAN_LITERALS:
                kind = BOOL
            else:
                kind = NAME
            yield Token(kind, word, pos)
            pos = match.end()
            continue
        match = _SYMBOL_RE.match(source, pos)
        if match:
            yield Token(OP, match.group(), pos)
            pos = match.end()
            continue
        message = f"unexpected character {ch!r}"
        if ch in _HINTS:
            message += f" ({_HINTS[ch]})"
        raise TokenizeError(message, pos, source)
    yield Token(EOF, "", end)
