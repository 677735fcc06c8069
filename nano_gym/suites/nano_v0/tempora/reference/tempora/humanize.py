"""Describe a moment relative to a reference time: ``"3 days ago"``, ``"in 2 hours"``.

This is the inverse of :func:`tempora.relative.parse_relative`: every phrase
produced here (except ``"just now"``) can be parsed back by it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .relative import Clock, resolve_now

# Largest unit first; weeks are the coarsest unit used.
_UNITS = (
    ("week", timedelta(weeks=1)),
    ("day", timedelta(days=1)),
    ("hour", timedelta(hours=1)),
    ("minute", timedelta(minutes=1)),
)


def format_relative(
    value: datetime, *, now: datetime | None = None, clock: Clock | None = None
) -> str:
    """Describe *value* relative to the reference time.

    The largest unit (week, day, hour or minute) that fits at least once is
    used and the count is rounded down, so a moment 2 hours 59 minutes
    ahead is ``"in 2 hours"``.  Anything less than a minute away is
    ``"just now"``.  The reference time is *now* if given, else
    ``clock.now()``, else the system time.
    """
    reference = resolve_now(now, clock)
    delta = value - reference
    distance = abs(delta)
    for name, size in _UNITS:
        count = distance // size
        if count:
            label = name if count == 1 else name + "s"
            if delta > timedelta(0):
                return f"in {count} {label}"
            return f"{count} {label} ago"
    return "just now"
