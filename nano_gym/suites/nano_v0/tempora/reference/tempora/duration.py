"""The :class:`Duration` value type.

A duration has three independent parts, mirroring ISO 8601:

* ``months`` -- calendar months (a year is twelve months).  Their length
  depends on the date they are applied to.
* ``days`` -- calendar days.
* ``microseconds`` -- an exact amount of elapsed time.

Keeping the parts apart lets ``P1M`` mean "the same day next month" instead of
a fixed number of seconds.  Two durations are equal when all three parts are
equal, so ``P1D`` and ``PT24H`` are different values (as in ISO 8601).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from .arith import add_months
from .errors import TemporaError

D = TypeVar("D", bound=date)

MICROS_PER_MILLISECOND = 1_000
MICROS_PER_SECOND = 1_000_000
MICROS_PER_MINUTE = 60 * MICROS_PER_SECOND
MICROS_PER_HOUR = 60 * MICROS_PER_MINUTE
MICROS_PER_DAY = 24 * MICROS_PER_HOUR


def split_microseconds(micros: int) -> tuple[int, int, int, int]:
    """Split a non-negative microsecond count into ``(hours, minutes, seconds, microseconds)``."""
    hours, rest = divmod(micros, MICROS_PER_HOUR)
    minutes, rest = divmod(rest, MICROS_PER_MINUTE)
    seconds, micros = divmod(rest, MICROS_PER_SECOND)
    return hours, minutes, seconds, micros


def format_seconds(seconds: int, micros: int) -> str:
    """Render whole seconds plus a microsecond remainder as a decimal number.

    >>> format_seconds(1, 500000)
    '1.5'
    """
    if not micros:
        return str(seconds)
    return f"{seconds}.{micros:06d}".rstrip("0")


@dataclass(frozen=True)
class Duration:
    """An amount of time made of calendar months, days and exact microseconds.

    Build one with :meth:`Duration.of` for convenience::

        >>> Duration.of(hours=1, minutes=30)
        Duration(months=0, days=0, microseconds=5400000000)

    Durations can be added to and subtracted from each other, multiplied by
    integers, and added to or subtracted from dates and datetimes.
    """

    months: int = 0
    days: int = 0
    microseconds: int = 0

    @classmethod
    def of(
        cls,
        *,
        years: int = 0,
        months: int = 0,
        weeks: float = 0,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
        milliseconds: float = 0,
        microseconds: float = 0,
    ) -> Duration:
        """Build a duration from any combination of units.

        Years and months must be integers.  Fractional weeks or days spill
        over into the exact time part (``days=1.5`` is one day and twelve
        hours); the time part is rounded to the nearest microsecond.
        """
        if not isinstance(years, int) or not isinstance(months, int):
            raise TypeError("years and months must be integers")
        total_days = weeks * 7 + days
        whole_days = int(total_days)
        micros = (
            (total_days - whole_days) * MICROS_PER_DAY
            + hours * MICROS_PER_HOUR
            + minutes * MICROS_PER_MINUTE
            + seconds * MICROS_PER_SECOND
            + milliseconds * MICROS_PER_MILLISECOND
            + microseconds
        )
        return cls(years * 12 + months, whole_days, round(micros))

    @classmethod
    def from_timedelta(cls, delta: timedelta) -> Duration:
        """Convert a :class:`datetime.timedelta`; whole days go to :attr:`days`."""
        total = (delta.days * 86_400 + delta.seconds) * MICROS_PER_SECOND + delta.microseconds
        sign = -1 if total < 0 else 1
        days, micros = divmod(abs(total), MICROS_PER_DAY)
        return cls(0, sign * days, sign * micros)

    # -- inspection ---------------------------------------------------------

    def _parts(self) -> tuple[int, int, int]:
        return (self.months, self.days, self.microseconds)

    @property
    def is_zero(self) -> bool:
        """``True`` if every part is zero."""
        return not any(self._parts())

    @property
    def is_negative(self) -> bool:
        """``True`` if at least one part is negative and none is positive."""
        parts = self._parts()
        return any(p < 0 for p in parts) and not any(p > 0 for p in parts)

    @property
    def is_mixed(self) -> bool:
        """``True`` if some parts are positive while others are negative."""
        parts = self._parts()
        return any(p < 0 for p in parts) and any(p > 0 for p in parts)

    @property
    def has_calendar_months(self) -> bool:
        """``True`` if the duration contains months, so it has no fixed length."""
        return self.months != 0

    def __bool__(self) -> bool:
        return not self.is_zero

    # -- conversion ---------------------------------------------------------

    def to_timedelta(self) -> timedelta:
        """Return the equivalent :class:`~datetime.timedelta`.

        Raises :class:`~tempora.errors.TemporaError` if the duration contains
        months, whose length depends on the date they are applied to.
        """
        if self.months:
            raise TemporaError(
                "a duration with months has no fixed length; apply it to a date instead"
            )
        return timedelta(days=self.days, microseconds=self.microseconds)

    def total_seconds(self) -> float:
        """Return the length in seconds (see :meth:`to_timedelta`)."""
        return self.to_timedelta().total_seconds()

    def add_to(self, value: D) -> D:
        """Return *value* shifted forward by this duration.

        Months are applied first (with end-of-month clamping, see
        :func:`tempora.arith.add_months`), then days and the exact time part.
        For plain :class:`~datetime.date` values, time below one day is ignored.
        """
        if self.months:
            value = add_months(value, self.months)
        return value + timedelta(days=self.days, microseconds=self.microseconds)

    def subtract_from(self, value: D) -> D:
        """Return *value* shifted backward by this duration."""
        return (-self).add_to(value)

    # -- arithmetic ---------------------------------------------------------

    def __neg__(self) -> Duration:
        return Duration(-self.months, -self.days, -self.microseconds)

    def __pos__(self) -> Duration:
        return self

    def __abs__(self) -> Duration:
        if self.is_mixed:
            raise TemporaError("the absolute value of a mixed-sign duration is undefined")
        return -self if self.is_negative else self

    def __add__(self, other: object):
        if isinstance(other, timedelta):
            other = Duration.from_timedelta(other)
        if isinstance(other, Duration):
            return Duration(
                self.months + other.months,
                self.days + other.days,
                self.microseconds + other.microseconds,
            )
        if isinstance(other, date):
            return self.add_to(other)
        return NotImplemented

    def __radd__(self, other: object):
        return self.__add__(other)

    def __sub__(self, other: object):
        if isinstance(other, timedelta):
            other = Duration.from_timedelta(other)
        if isinstance(other, Duration):
            return Duration(
                self.months - other.months,
                self.days - other.days,
                self.microseconds - other.microseconds,
            )
        return NotImplemented

    def __rsub__(self, other: object):
        if isinstance(other, date):
            return self.subtract_from(other)
        if isinstance(other, timedelta):
            return Duration.from_timedelta(other) - self
        return NotImplemented

    def __mul__(self, factor: object):
        if isinstance(factor, bool) or not isinstance(factor, int):
            return NotImplemented
        return Duration(self.months * factor, self.days * factor, self.microseconds * factor)

    __rmul__ = __mul__

    def __str__(self) -> str:
        from .iso import format_iso_duration

        return format_iso_duration(self)
