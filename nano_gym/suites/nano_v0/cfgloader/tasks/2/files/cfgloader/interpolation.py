"""``${section.key}`` interpolation with cycle detection.

Reference forms:

* ``${key}`` -- another key of the *same* section;
* ``${section.key}`` / ``${section.sub.key}`` -- a key of another section (the
  last dot separates the section name from the key);
* ``$${`` -- a literal ``${`` that is not interpolated.

References are resolved recursively, so a referenced value may itself contain
references.  A chain that leads back to a value already being resolved raises
:class:`~cfgloader.errors.InterpolationError` naming the whole cycle.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from .errors import InterpolationError
from .parser import Entry, Value

_TOKEN_RE = re.compile(r"\$\$\{|\$\{([^${}]*)\}|\$\{")

Lookup = Callable[[str, str], Optional[Entry]]


def split_reference(reference: str, current_section: str) -> tuple[str, str]:
    """Split the inside of ``${...}`` into ``(section, key)``."""
    reference = reference.strip()
    section, dot, key = reference.rpartition(".")
    if not dot:
        return current_section, reference
    return section, key


class Interpolator:
    """Resolve references in values fetched through ``lookup(section, key)``.

    ``lookup`` returns the :class:`~cfgloader.parser.Entry` for a key, or
    ``None`` if it does not exist.
    """

    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup

    def resolve(self, section: str, key: str) -> Value:
        """Return the fully interpolated value of ``section.key``."""
        entry = self._lookup(section, key)
        if entry is None:
            raise KeyError((section, key))
        return self._resolve(section, key, entry, [])

    def _resolve(self, section: str, key: str, entry: Entry, stack: list[tuple[str, str]]) -> Value:
        ref = (section, key)
        if ref in stack:
            cycle = stack[stack.index(ref) :] + [ref]
            chain = " -> ".join(f"{s}.{k}" for s, k in cycle)
            origin = self._lookup(*stack[0])
            raise InterpolationError(
                f"circular reference: {chain}",
                stack[0][0],
                stack[0][1],
                origin.lineno if origin else None,
                origin.source if origin else None,
            )
        stack.append(ref)
        if isinstance(entry.value, list):
            result: Value = [self._expand(item, section, key, entry, stack) for item in entry.value]
        else:
            result = self._expand(entry.value, section, key, entry, stack)
        return result

    def _expand(
        self, text: str, section: str, key: str, entry: Entry, stack: list[tuple[str, str]]
    ) -> str:
        if "$" not in text:
            return text

        def fail(message: str) -> InterpolationError:
            return InterpolationError(message, section, key, entry.lineno, entry.source)

        def replace(match: re.Match[str]) -> str:
            token = match.group(0)
            if token == "$${":
                return "${"
            reference = match.group(1)
            if reference is None:
                raise fail("unterminated reference: missing '}' after '${'")
            if not reference.strip():
                raise fail("empty reference '${}'")
            target_section, target_key = split_reference(reference, section)
            target = self._lookup(target_section, target_key)
            if target is None:
                raise fail(f"unknown reference ${{{reference}}}")
            value = self._resolve(target_section, target_key, target, stack)
            if isinstance(value, list):
                raise fail(f"cannot interpolate list value ${{{reference}}} into a string")
            return value

        return _TOKEN_RE.sub(replace, text)
