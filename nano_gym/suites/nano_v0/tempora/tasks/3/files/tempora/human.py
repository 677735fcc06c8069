"""Human-friendly durations.

:func:`parse_duration` understands compact and spelled-out forms::

    1h30m    90s    1.5h    2 weeks    1 day, 3 hours    1 hour and 30 minutes

and, for convenience, ISO 8601 durations such as ``P1DT2H``.
:func:`format_duration` turns a :class:`~tempora.duration.Duration` (or a
:class:`~datetime.timedelta`) back into text.
"""

from __future__ import annotations

import re
from datetime import timedelta

from .duration import (
    MICROS_PER_DAY,
    MICROS_PER_HOUR,
    MICROS_PER_MILLISECOND,
    MICROS_PER_MINUTE,
    MICROS_PER_SECOND,
    Duration,
    format_seconds,
    split_microseconds,
)
from .errors import ParseError
from .iso import parse_iso_duration

_UNIT_ALIASES = {
    "years": ("y", "yr", "yrs", "year", "years"),
    "months": ("mo", "mos", "month", "months"),
    "weeks": ("w", "wk", "wks", "week", "weeks"),
    "days": ("d", "day", "days"),
    "hours": ("h", "hr", "hrs", "hour", "hours"),
    "minutes": ("m", "min", "mins", "minute", "minutes"),
    "seconds": ("s", "sec", "secs", "second", "seconds"),
    "milliseconds": ("ms", "msec", "msecs", "millisecond", "milliseconds"),
    "microseconds": ("us", "\u00b5s", "usec", "usecs", "microsecond", "microseconds"),
}

#: Maps every accepted spelling to its canonical unit name.
UNITS = {alias: unit for unit, aliases in _UNIT_ALIASES.items() for alias in aliases}

# canonical unit -> (Duration part, multiplier)
_SCALE = {
    "years": ("months", 12),
    "months": ("months", 1),
    "weeks": ("days", 7),
    "days": ("days", 1),
    "hours": ("microseconds", MICROS_PER_HOUR),
    "minutes": ("microseconds", MICROS_PER_MINUTE),
    "seconds": ("microseconds", MICROS_PER_SECOND),
    "milliseconds": ("microseconds", MICROS_PER_MILLISECOND),
    "microseconds": ("microseconds", 1),
}

_ISO_PREFIX_RE = re.compile(r"[-+]?P")
_COMPONENT_RE = re.compile(r"(?P<number>[-+]?(?:\d+(?:\.\d+)?|\.\d+))\s*(?P<unit>[^\W\d_]+)")
_SEPARATOR_RE = re.compile(r"\s*(?:,\s*)?(?:and\b\s*)?")

_SHORT_NAMES = {
    "years": "y",
    "months": "mo",
    "weeks": "w",
    "days": "d",
    "hours": "h",
    "minutes": "m",
    "seconds": "s",
}


def parse_duration(text: str) -> Duration:
    """Parse a human-friendly duration such as ``"1h30m"`` or ``"2 weeks"``.

    Components may be separated by spaces, commas or ``and``; each unit may
    appear only once.  Numbers may have a fractional part except for years
    and months.  Fractional days and weeks spill over into hours.

    Raises :class:`~tempora.errors.ParseError` for anything else.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected a string, got {type(text).__name__}")
    stripped = text.strip()
    if _ISO_PREFIX_RE.match(stripped):
        return parse_iso_duration(stripped)

    body = stripped.lower()
    if not body:
        raise ParseError("empty duration", text)

    months = days = 0
    micros: float = 0
    seen: set[str] = set()
    pos = 0
    while pos < len(body):
        match = _COMPONENT_RE.match(body, pos)
        if match is None:
            raise ParseError("expected a number followed by a unit", text)
        unit = UNITS.get(match["unit"])
        if unit is None:
            raise ParseError(f"unknown unit {match['unit']!r}", text)
        if unit in seen:
            raise ParseError(f"{unit} given more than once", text)
        seen.add(unit)

        number = match["number"]
        amount = float(number) if "." in number else int(number)
        part, factor = _SCALE[unit]
        if part == "months":
            if isinstance(amount, float):
                raise ParseError("years and months must be whole numbers", text)
            months += amount * factor
        elif part == "days":
            total = amount * factor
            whole = int(total)
            days += whole
            micros += (total - whole) * MICROS_PER_DAY
        else:
            micros += amount * factor

        pos = match.end()
        separator = _SEPARATOR_RE.match(body, pos)
        pos = separator.end()
        if pos == len(body) and separator.group().strip():
            raise ParseError("duration ends with a separator", text)

    return Duration(months, days, round(micros))


def format_duration(
    duration: Duration | timedelta,
    *,
    style: str = "short",
    max_units: int | None = None,
) -> str:
    """Format a duration as human-friendly text.

    ``style="short"`` gives ``"1h 30m"``; ``style="long"`` gives
    ``"1 hour, 30 minutes"``.  Whole days are grouped into weeks and the time
    part is carried into days, so 36 hours is ``"1d 12h"``.  With
    *max_units*, only that many of the largest non-zero units are shown (the
    rest is truncated, not rounded).  The output of the short style can be
    read back by :func:`parse_duration`.
    """
    if isinstance(duration, timedelta):
        duration = Duration.from_timedelta(duration)
    elif not isinstance(duration, Duration):
        raise TypeError(f"expected a Duration or timedelta, got {type(duration).__name__}")
    if style not in ("short", "long"):
        raise ValueError(f"style must be 'short' or 'long', got {style!r}")
    if max_units is not None and max_units < 1:
        raise ValueError("max_units must be at least 1")

    years, months = divmod(duration.months, 12)
    extra_days, micros = divmod(duration.microseconds, MICROS_PER_DAY)
    weeks, days = divmod(duration.days + extra_days, 7)
    hours, minutes, seconds, micros = split_microseconds(micros)

    # (unit, rendered number, singular?)
    parts = [
        (unit, str(value), value == 1)
        for unit, value in (
            ("years", years),
            ("months", months),
            ("weeks", weeks),
            ("days", days),
            ("hours", hours),
            ("minutes", minutes),
        )
        if value
    ]
    if seconds or micros:
        parts.append(("seconds", format_seconds(seconds, micros), seconds == 1 and not micros))
    if not parts:
        parts.append(("seconds", "0", False))
    if max_units is not None:
        parts = parts[:max_units]

    if style == "short":
        return " ".join(f"{number}{_SHORT_NAMES[unit]}" for unit, number, _ in parts)
    return ", ".join(
        f"{number} {unit[:-1] if singular else unit}" for unit, number, singular in parts
    )
