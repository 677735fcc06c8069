"""The :class:`Config` object: lookup, typed getters, merging."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Callable, TypeVar

from .durations import parse_duration
from .errors import ConversionError, MissingKeyError
from .interpolation import Interpolator
from .parser import Document, Entry, Value
from .values import split_list, to_bool, to_float, to_int

T = TypeVar("T")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""Sentinel meaning "no default given": a missing key raises :class:`MissingKeyError`."""


class Config:
    """Parsed configuration: sections of keys with string or list values.

    Values are interpolated (``${section.key}``) every time they are read, so a
    change made with :meth:`set` is seen by every value referring to it.
    Section and key names are case-sensitive.
    """

    def __init__(self, document: Document | None = None) -> None:
        self._sections: Document = {}
        for section, entries in (document or {}).items():
            self._sections[section] = dict(entries)
        self._interpolator = Interpolator(self._lookup)

    # ------------------------------------------------------------------ building

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, Any]], source: str | None = None) -> Config:
        """Build a config from ``{section: {key: value}}``.

        Values are converted to strings (booleans become ``"true"``/``"false"``);
        lists and tuples become lists of strings.
        """
        config = cls()
        for section, entries in data.items():
            config.add_section(section)
            for key, value in entries.items():
                config.set(section, key, value, source=source)
        return config

    def add_section(self, section: str) -> None:
        """Create ``section`` if it does not exist yet."""
        self._sections.setdefault(section, {})

    def set(
        self,
        section: str,
        key: str,
        value: Any,
        *,
        source: str | None = None,
        lineno: int | None = None,
    ) -> None:
        """Set ``section.key``, creating the section if needed."""
        self._sections.setdefault(section, {})[key] = Entry(_coerce(value), lineno, source)

    def copy(self) -> Config:
        """Return an independent copy of this config."""
        return Config(self._sections)

    def merge(self, other: Config) -> Config:
        """Return a new config with ``other`` layered on top of this one.

        Keys defined in ``other`` win; keys only defined in ``self`` are kept.
        Neither input is modified.
        """
        merged = self.copy()
        for section, entries in other._sections.items():
            merged._sections.setdefault(section, {}).update(entries)
        return merged

    # ------------------------------------------------------------------ introspection

    def sections(self) -> list[str]:
        """Return the section names in definition order."""
        return list(self._sections)

    def has_section(self, section: str) -> bool:
        return section in self._sections

    def has_key(self, section: str, key: str) -> bool:
        return key in self._sections.get(section, {})

    def __contains__(self, name: object) -> bool:
        """``"server" in config`` or ``"server.port" in config``."""
        if not isinstance(name, str):
            return False
        if name in self._sections:
            return True
        section, dot, key = name.rpartition(".")
        return bool(dot) and self.has_key(section, key)

    def keys(self, section: str) -> list[str]:
        """Return the keys of ``section`` in definition order."""
        return list(self._section(section))

    def subsections(self, section: str) -> list[str]:
        """Return the names of the direct dotted children of ``section``.

        For sections ``[db]``, ``[db.primary]`` and ``[db.primary.pool]``,
        ``subsections("db")`` returns ``["db.primary"]``.
        """
        prefix = section + "."
        return [
            name
            for name in self._sections
            if name.startswith(prefix) and "." not in name[len(prefix) :]
        ]

    def location(self, section: str, key: str) -> tuple[str | None, int | None]:
        """Return ``(source, lineno)`` of the definition of ``section.key``."""
        entry = self._entry(section, key)
        return entry.source, entry.lineno

    def __iter__(self) -> Iterator[str]:
        return iter(self._sections)

    def __len__(self) -> int:
        return len(self._sections)

    def __repr__(self) -> str:
        return f"Config(sections={self.sections()!r})"

    # ------------------------------------------------------------------ reading

    def get_raw(self, section: str, key: str, default: Any = MISSING) -> Any:
        """Return the value of ``section.key`` without interpolation."""
        entry = self._lookup(section, key)
        if entry is None:
            return self._missing(section, key, default)
        return entry.value

    def get(self, section: str, key: str, default: Any = MISSING) -> Any:
        """Return the interpolated value of ``section.key`` (a str or list of str).

        If the key does not exist, ``default`` is returned; without a default
        :class:`MissingKeyError` is raised.
        """
        entry = self._lookup(section, key)
        if entry is None:
            return self._missing(section, key, default)
        return self._interpolator.resolve(section, key)

    def get_str(self, section: str, key: str, default: Any = MISSING) -> Any:
        """Like :meth:`get` but refuse list values."""
        return self._convert(section, key, default, "a string", _require_str)

    def get_int(self, section: str, key: str, default: Any = MISSING) -> Any:
        """Return ``section.key`` as an int (``0x``/``0o``/``0b`` prefixes allowed)."""
        return self._convert(section, key, default, "an integer", _scalar(to_int))

    def get_float(self, section: str, key: str, default: Any = MISSING) -> Any:
        """Return ``section.key`` as a float."""
        return self._convert(section, key, default, "a number", _scalar(to_float))

    def get_bool(self, section: str, key: str, default: Any = MISSING) -> Any:
        """Return ``section.key`` as a bool.

        Accepted words (case-insensitive): true/yes/on/1 and false/no/off/0.
        """
        return self._convert(section, key, default, "a boolean", _scalar(to_bool))

    def get_list(self, section: str, key: str, default: Any = MISSING) -> Any:
        """Return ``section.key`` as a list of strings.

        List values are returned as they are; a plain string is split on commas
        (so ``hosts = a, b`` and ``hosts = [a, b]`` are equivalent).
        """
        return self._convert(section, key, default, "a list", _to_list)

    def get_duration(self, section: str, key: str, default: Any = MISSING) -> Any:
        """Return ``section.key`` as a number of seconds (a float).

        Accepts plain numbers (seconds) and durations such as ``"250ms"``,
        ``"30s"``, ``"1h30m"`` or ``"2d 12h"``; see :func:`parse_duration`.
        """
        return self._convert(section, key, default, "a duration", _scalar(parse_duration))

    def items(self, section: str) -> list[tuple[str, Value]]:
        """Return ``(key, interpolated value)`` pairs of ``section``."""
        return [(key, self.get(section, key)) for key in self._section(section)]

    def section_dict(self, section: str) -> dict[str, Value]:
        """Return the interpolated values of one section as a dict."""
        return dict(self.items(section))

    def as_dict(self, resolve: bool = True) -> dict[str, dict[str, Value]]:
        """Return ``{section: {key: value}}``; values are interpolated unless ``resolve=False``."""
        if resolve:
            return {section: self.section_dict(section) for section in self._sections}
        return {
            section: {key: _copy_value(entry.value) for key, entry in entries.items()}
            for section, entries in self._sections.items()
        }

    # ------------------------------------------------------------------ helpers

    def _lookup(self, section: str, key: str) -> Entry | None:
        return self._sections.get(section, {}).get(key)

    def _section(self, section: str) -> dict[str, Entry]:
        try:
            return self._sections[section]
        except KeyError:
            raise MissingKeyError(section) from None

    def _entry(self, section: str, key: str) -> Entry:
        entry = self._lookup(section, key)
        if entry is None:
            raise MissingKeyError(section, key)
        return entry

    @staticmethod
    def _missing(section: str, key: str, default: Any) -> Any:
        if default is MISSING:
            raise MissingKeyError(section, key)
        return default

    def _convert(
        self,
        section: str,
        key: str,
        default: Any,
        expected: str,
        convert: Callable[[Value], T],
    ) -> T | Any:
        entry = self._lookup(section, key)
        if entry is None:
            return self._missing(section, key, default)
        value = self._interpolator.resolve(section, key)
        try:
            return convert(value)
        except (TypeError, ValueError):
            raise ConversionError(
                section, key, expected, value, entry.lineno, entry.source
            ) from None


def _coerce(value: Any) -> Value:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return [_coerce_item(item) for item in value]
    return _coerce_item(value)


def _coerce_item(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        raise TypeError(f"unsupported nested value: {value!r}")
    return str(value)


def _copy_value(value: Value) -> Value:
    return list(value) if isinstance(value, list) else value


def _require_str(value: Value) -> str:
    if isinstance(value, list):
        raise TypeError("list value")
    return value


def _scalar(convert: Callable[[str], T]) -> Callable[[Value], T]:
    def wrapper(value: Value) -> T:
        return convert(_require_str(value))

    return wrapper


def _to_list(value: Value) -> list[str]:
    if isinstance(value, list):
        return list(value)
    return split_list(value)
