"""Calendar arithmetic helpers.

Everything here works on :class:`datetime.date` and :class:`datetime.datetime`
values alike; the time of day and ``tzinfo`` of a datetime are preserved.
"""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, date, timedelta
from typing import Iterable, TypeVar

D = TypeVar("D", bound=date)

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_leap_year(year: int) -> bool:
    """Return ``True`` if *year* is a leap year in the proleptic Gregorian calendar."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    """Return the number of days in *month* (1-12) of *year*."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be in 1..12, got {month}")
    if month == 2 and is_leap_year(year):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def add_months(value: D, months: int) -> D:
    """Shift *value* by a number of calendar months.

    The day of the month is kept when possible and otherwise clamped to the
    last day of the target month, so ``add_months(date(2024, 1, 31), 1)`` is
    ``date(2024, 2, 29)``.  *months* may be negative.
    """
    if not isinstance(months, int):
        raise TypeError(f"months must be an integer, got {type(months).__name__}")
    year = value.year + (value.month - 1 + months) // 12
    month = (value.month - 1 + months) % 12 + 1
    if not MINYEAR <= year <= MAXYEAR:
        raise OverflowError("date value out of range")
    day = min(value.day, days_in_month(year, month))
    return value.replace(year=year, month=month, day=day)


def add_years(value: D, years: int) -> D:
    """Shift *value* by whole years; 29 February becomes 28 February when needed."""
    return add_months(value, 12 * years)


def months_between(start: date, end: date) -> int:
    """Return the number of whole calendar months from *start* to *end*.

    The result is negative when *end* is before *start*.  A month counts as
    complete once :func:`add_months` applied to *start* does not overshoot
    *end*, so ``months_between(date(2024, 1, 31), date(2024, 2, 29)) == 1``.
    """
    if end < start:
        return -months_between(end, start)
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if months and add_months(start, months) > end:
        months -= 1
    return months


def start_of_month(value: D) -> D:
    """Return the first day of the month containing *value*."""
    return value.replace(day=1)


def end_of_month(value: D) -> D:
    """Return the last day of the month containing *value*."""
    return value.replace(day=days_in_month(value.year, value.month))


def start_of_week(value: D, first_weekday: int = 0) -> D:
    """Return the most recent day on or before *value* that is *first_weekday*.

    Weekdays are numbered like :meth:`datetime.date.weekday`: Monday is 0.
    """
    if not 0 <= first_weekday <= 6:
        raise ValueError(f"first_weekday must be in 0..6, got {first_weekday}")
    return value - timedelta(days=(value.weekday() - first_weekday) % 7)


def is_business_day(value: date, holidays: Iterable[date] = ()) -> bool:
    """Return ``True`` if *value* is a Monday-to-Friday day not listed in *holidays*."""
    day = value if type(value) is date else date(value.year, value.month, value.day)
    return day.weekday() < 5 and day not in set(holidays)


def add_business_days(value: D, days: int, holidays: Iterable[date] = ()) -> D:
    """Move *value* forward (or backward, if *days* is negative) by business days.

    Weekends and the dates in *holidays* are skipped.  Adding zero business
    days returns *value* unchanged even if it falls on a weekend.
    """
    closed = set(holidays)
    step = timedelta(days=1 if days >= 0 else -1)
    remaining = abs(days)
    current = value
    while remaining:
        current = current + step
        if is_business_day(current, closed):
            remaining -= 1
    return current
