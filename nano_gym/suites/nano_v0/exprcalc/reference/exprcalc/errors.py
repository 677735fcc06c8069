"""Exception hierarchy for exprcalc.

Every error raised while tokenizing, parsing or evaluating an expression is an
:class:`ExprError`.  Errors remember the 0-based ``position`` of the offending
character in the source text (when it is known) and report it as a 1-based
column, so messages read like ``unknown variable 'y' at column 5``.
"""

from __future__ import annotations

__all__ = ["ExprError", "TokenizeError", "ParseError", "EvalError", "location"]


def location(source: str | None, position: int) -> tuple[int, int]:
    """Return the 1-based ``(line, column)`` of ``position`` in ``source``.

    When the source is unknown the expression is assumed to be a single line.
    """
    if source is None:
        return 1, position + 1
    line = source.count("\n", 0, position) + 1
    line_start = source.rfind("\n", 0, position) + 1
    return line, position - line_start + 1


class ExprError(Exception):
    """Base class for every error raised by exprcalc.

    :param message: description of the problem, without position information.
    :param position: 0-based offset into the source text, or ``None``.
    :param source: the expression source, if known.  It is used to compute
        line numbers for multi-line expressions and by :meth:`describe`.
    """

    def __init__(
        self, message: str, position: int | None = None, source: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.source = source

    @property
    def line(self) -> int | None:
        """1-based line of the error, or ``None`` when the position is unknown."""
        if self.position is None:
            return None
        return location(self.source, self.position)[0]

    @property
    def column(self) -> int | None:
        """1-based column of the error, or ``None`` when the position is unknown."""
        if self.position is None:
            return None
        return location(self.source, self.position)[1]

    def with_source(self, source: str) -> ExprError:
        """Attach ``source`` to the error if it has none yet; return ``self``."""
        if self.source is None:
            self.source = source
        return self

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        if self.source is not None and "\n" in self.source:
            return f"{self.message} at line {self.line}, column {self.column}"
        return f"{self.message} at column {self.column}"

    def describe(self) -> str:
        """Return the message, the offending source line and a caret under it.

        ::

            unknown variable 'y' at column 5
              x + y
                  ^
        """
        text = str(self)
        if self.position is None or self.source is None:
            return text
        line, column = location(self.source, self.position)
        source_line = self.source.split("\n")[line - 1]
        # Keep tabs so that the caret lines up with the character above it.
        padding = "".join("\t" if ch == "\t" else " " for ch in source_line[: column - 1])
        return f"{text}\n  {source_line}\n  {padding}^"


class TokenizeError(ExprError):
    """The source contains a character or literal that is not valid."""


class ParseError(ExprError):
    """The tokens do not form a valid expression."""


class EvalError(ExprError):
    """The expression is well formed but cannot be evaluated."""
