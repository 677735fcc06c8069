"""Parsing of human-friendly durations such as ``"90s"`` or ``"1h 30m"``."""

from __future__ import annotations

import re

UNITS: dict[str, float] = {
    "ms": 0.001,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
}

_NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_PART_RE = re.compile(rf"\s*({_NUMBER})\s*(ms|s|m|h|d|w)\s*")
_PLAIN_RE = re.compile(rf"\s*({_NUMBER})\s*")


def parse_duration(text: str) -> float:
    """Return the number of seconds described by ``text``.

    A plain number is a number of seconds (``"1.5"`` -> ``1.5``).  Otherwise
    the text is a sequence of ``<number><unit>`` parts, optionally separated by
    spaces, with units ``ms``, ``s``, ``m``, ``h``, ``d`` and ``w``:
    ``"1h30m"`` -> ``5400.0``, ``"250ms"`` -> ``0.25``.

    Raises:
        ValueError: if ``text`` is not a valid duration.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected a string, got {type(text).__name__}")
    body = text.strip()
    if not body:
        raise ValueError(f"invalid duration: {text!r}")

    plain = _PLAIN_RE.fullmatch(body)
    if plain:
        return float(plain.group(1))

    total = 0.0
    pos = 0
    while pos < len(body):
        part = _PART_RE.match(body, pos)
        if part is None or part.end() == pos:
            raise ValueError(f"invalid duration: {text!r}")
        total += float(part.group(1)) * UNITS[part.group(2)]
        pos = part.end()
    return total
