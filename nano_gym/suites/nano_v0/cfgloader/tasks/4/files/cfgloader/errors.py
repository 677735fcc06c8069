"""Exception hierarchy used throughout :mod:`cfgloader`.

Every error raised on purpose by the library derives from :class:`ConfigError`,
so callers that only want to report "the configuration is broken" can catch a
single class.  The more specific subclasses carry structured information
(line numbers, section and key names) for tools that want to do more.
"""

from __future__ import annotations


class ConfigError(Exception):
    """Base class for every error raised by cfgloader."""


class ParseError(ConfigError):
    """The text of a configuration file is not valid.

    Attributes:
        message: human readable description of the problem.
        lineno: 1-based line number the problem was found on.
        source: name of the file (or other source) being parsed, if known.
    """

    def __init__(self, message: str, lineno: int, source: str | None = None) -> None:
        self.message = message
        self.lineno = lineno
        self.source = source
        super().__init__(message, lineno, source)

    def __str__(self) -> str:
        return f"line {self.lineno}: {self.message}"


class MissingKeyError(ConfigError, KeyError):
    """A section or key was requested that does not exist (and no default was given)."""

    def __init__(self, section: str, key: str | None = None) -> None:
        self.section = section
        self.key = key
        super().__init__(section, key)

    def __str__(self) -> str:
        if self.key is None:
            return f"no such section: [{self.section}]"
        return f"no such key: {self.section}.{self.key}"


def describe_location(source: str | None, lineno: int | None) -> str:
    """Return a short ``"file, line N"`` style description, or ``""`` if unknown."""
    parts = []
    if source:
        parts.append(source)
    if lineno is not None:
        parts.append(f"line {lineno}")
    return ", ".join(parts)


class InterpolationError(ConfigError):
    """A ``${...}`` reference could not be resolved.

    Attributes:
        message: description of the problem.
        section, key: the value whose interpolation failed.
        lineno, source: where that value was defined, when known.
    """

    def __init__(
        self,
        message: str,
        section: str,
        key: str,
        lineno: int | None = None,
        source: str | None = None,
    ) -> None:
        self.message = message
        self.section = section
        self.key = key
        self.lineno = lineno
        self.source = source
        super().__init__(message, section, key, lineno, source)

    def __str__(self) -> str:
        text = f"{self.section}.{self.key}: {self.message}"
        where = describe_location(self.source, self.lineno)
        return f"{text} ({where})" if where else text


class ConversionError(ConfigError, ValueError):
    """A value exists but cannot be converted to the requested type."""

    def __init__(
        self,
        section: str,
        key: str,
        expected: str,
        value: object,
        lineno: int | None = None,
        source: str | None = None,
    ) -> None:
        self.section = section
        self.key = key
        self.expected = expected
        self.value = value
        self.lineno = lineno
        self.source = source
        super().__init__(section, key, expected, value)

    def __str__(self) -> str:
        text = f"{self.section}.{self.key}: expected {self.expected}, got {self.value!r}"
        where = describe_location(self.source, self.lineno)
        return f"{text} ({where})" if where else text
