"""Exception hierarchy used throughout :mod:`tempora`."""

from __future__ import annotations


class TemporaError(ValueError):
    """Base class for every error raised deliberately by tempora."""


class ParseError(TemporaError):
    """Raised when a string cannot be understood.

    Attributes:
        reason: a short, human-readable explanation of what went wrong.
        text: the input that was being parsed, if known.
    """

    def __init__(self, reason: str, text: str | None = None) -> None:
        self.reason = reason
        self.text = text
        message = reason if text is None else f"{reason}: {text!r}"
        super().__init__(message)
