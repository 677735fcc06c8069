"""Clocks and relative date expressions.

:func:`parse_relative` resolves phrases such as ``"3 days ago"``,
``"in 2 weeks"``, ``"1h30m from now"``, ``"yesterday"``, ``"next friday"`` or
``"last month"`` against a reference time.  The reference time is either
passed explicitly (``now=``) or read from a :class:`Clock`, which keeps code
that depends on the current time easy to test::

    >>> clock = FixedClock(datetime(2024, 5, 15, 10, 30))
    >>> parse_relative("3 days ago", clock=clock)
    datetime.datetime(2024, 5, 12, 10, 30)
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Protocol, Union

from .duration import Duration
from .errors import ParseError
from .human import parse_duration


class Clock(Protocol):
    """Anything with a ``now()`` method returning a :class:`~datetime.datetime`."""

    def now(self) -> datetime:  # pragma: no cover - protocol definition
        ...


class SystemClock:
    """A clock that reads the system time, naive or in the time zone *tz*."""

    def __init__(self, tz: tzinfo | None = None) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(self.tz)


class FixedClock:
    """A clock frozen at a given moment, which only moves when told to."""

    def __init__(self, moment: datetime) -> None:
        self._moment = moment

    def now(self) -> datetime:
        return self._moment

    def set(self, moment: datetime) -> None:
        """Move the clock to *moment*."""
        self._moment = moment

    def advance(self, amount: Union[Duration, timedelta]) -> datetime:
        """Move the clock forward by *amount* and return the new time."""
        self._moment = self._moment + amount
        return self._moment


def resolve_now(now: datetime | None = None, clock: Clock | None = None) -> datetime:
    """Return the reference time from *now* or *clock* (the system clock by default)."""
    if now is not None and clock is not None:
        raise TypeError("pass either 'now' or 'clock', not both")
    if now is not None:
        return now
    return (clock if clock is not None else SystemClock()).now()


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_WEEKDAY_NAMES = {name: index for index, name in enumerate(WEEKDAYS)}
_WEEKDAY_NAMES.update(
    {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
     "fri": 4, "sat": 5, "sun": 6}
)

_DAY_OFFSETS = {"yesterday": -1, "today": 0, "tomorrow": 1}

# Steps for "next <unit>" / "last <unit>".
_UNIT_STEPS = {
    "second": Duration.of(seconds=1),
    "minute": Duration.of(minutes=1),
    "hour": Duration.of(hours=1),
    "day": Duration.of(days=1),
    "week": Duration.of(weeks=1),
    "month": Duration.of(months=1),
    "year": Duration.of(years=1),
}

_DIRECTIONS = {"next": 1, "last": -1, "previous": -1}


def _start_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _shift_to_weekday(day: datetime, weekday: int, direction: int) -> datetime:
    """Return the closest *weekday* strictly after (1) or before (-1) *day*."""
    delta = ((weekday - day.weekday()) * direction) % 7
    return day + timedelta(days=direction * delta)


def _parse_amount(phrase: str, text: str) -> Duration:
    if phrase.startswith(("a ", "an ")):
        phrase = "1 " + phrase.split(" ", 1)[1]
    try:
        amount = parse_duration(phrase)
    except ParseError as exc:
        raise ParseError(exc.reason, text) from None
    if amount.is_negative or amount.is_mixed:
        raise ParseError("expected a positive amount of time", text)
    return amount


def parse_relative(
    text: str, *, now: datetime | None = None, clock: Clock | None = None
) -> datetime:
    """Resolve a relative date expression against the reference time.

    Supported forms (case-insensitive):

    * ``now``, ``today``, ``yesterday``, ``tomorrow`` -- the day forms
      return midnight of that day;
    * ``<duration> ago``, ``in <duration>``, ``<duration> from now`` where
      ``<duration>`` is anything :func:`~tempora.human.parse_duration`
      accepts, or ``a``/``an`` followed by a unit (``an hour ago``);
    * ``next <weekday>``, ``last <weekday>`` -- midnight of the closest such
      day strictly after/before the reference day;
    * ``next <unit>``, ``last <unit>`` -- one second, minute, hour, day,
      week, month or year after/before the reference time.

    The reference time is *now* if given, else ``clock.now()``, else the
    system time.
    """
    reference = resolve_now(now, clock)
    phrase = " ".join(text.lower().split())
    if not phrase:
        raise ParseError("empty expression", text)
    if phrase == "now":
        return reference
    if phrase in _DAY_OFFSETS:
        return _start_of_day(reference) + timedelta(days=_DAY_OFFSETS[phrase])

    head, _, rest = phrase.partition(" ")
    if head in _DIRECTIONS and rest:
        direction = _DIRECTIONS[head]
        if rest in _WEEKDAY_NAMES:
            return _shift_to_weekday(_start_of_day(reference), _WEEKDAY_NAMES[rest], direction)
        if rest in _UNIT_STEPS:
            step = _UNIT_STEPS[rest]
            return reference + step if direction > 0 else reference - step
        raise ParseError(f"unknown unit or weekday {rest!r}", text)

    if phrase.endswith(" ago"):
        return _parse_amount(phrase[: -len(" ago")], text).subtract_from(reference)
    if phrase.endswith(" from now"):
        return _parse_amount(phrase[: -len(" from now")], text).add_to(reference)
    if head == "in" and rest:
        return _parse_amount(rest, text).add_to(reference)
    raise ParseError("unrecognised relative expression", text)
