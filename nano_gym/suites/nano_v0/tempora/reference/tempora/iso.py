"""Parsing and formatting of ISO 8601 dates, times, datetimes and durations.

Supported forms (extended and basic notation)::

    2024-05-15            20240515
    10:30  10:30:15.25    103015,25
    10:30Z  10:30+02:00   1030+0200
    2024-05-15T10:30:00+02:00   (a space may replace the "T")
    P1Y2M10DT2H30M  P2W  PT0.5S  -P1D
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal

from .arith import days_in_month
from .duration import (
    MICROS_PER_HOUR,
    MICROS_PER_MINUTE,
    MICROS_PER_SECOND,
    Duration,
    format_seconds,
    split_microseconds,
)
from .errors import ParseError, TemporaError

_DATE_RE = re.compile(r"(?P<year>\d{4})(?P<sep>-?)(?P<month>\d{2})(?P=sep)(?P<day>\d{2})")

_TIME_RE = re.compile(
    r"(?P<hour>\d{2})"
    r"(?:(?P<sep>:?)(?P<minute>\d{2})"
    r"(?:(?P=sep)(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
    r"(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?"
)

_OFFSET_RE = re.compile(r"(?P<sign>[+-])(?P<hours>\d{2})(?::?(?P<minutes>\d{2}))?")

_DURATION_RE = re.compile(
    r"(?P<sign>[-+])?P"
    r"(?:(?P<years>\d+)Y)?"
    r"(?:(?P<months>\d+)M)?"
    r"(?:(?P<weeks>\d+)W)?"
    r"(?:(?P<days>\d+)D)?"
    r"(?:T"
    r"(?:(?P<hours>\d+(?:[.,]\d+)?)H)?"
    r"(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?"
    r")?"
)

_TIME_FIELDS = (
    ("hours", MICROS_PER_HOUR),
    ("minutes", MICROS_PER_MINUTE),
    ("seconds", MICROS_PER_SECOND),
)


def parse_date(text: str) -> date:
    """Parse an ISO 8601 calendar date such as ``2024-05-15`` or ``20240515``."""
    match = _DATE_RE.fullmatch(text.strip())
    if match is None:
        raise ParseError("invalid ISO 8601 date", text)
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    if year < 1:
        raise ParseError("year out of range", text)
    if not 1 <= month <= 12:
        raise ParseError("month out of range", text)
    if not 1 <= day <= days_in_month(year, month):
        raise ParseError("day out of range", text)
    return date(year, month, day)


def _parse_offset(offset: str, text: str) -> tzinfo:
    if offset == "Z":
        return timezone.utc
    match = _OFFSET_RE.fullmatch(offset)
    if match is None:
        raise ParseError("invalid UTC offset", text)
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    if hours > 23 or minutes > 59:
        raise ParseError("UTC offset out of range", text)
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if match["sign"] == "-" else delta)


def parse_time(text: str) -> time:
    """Parse an ISO 8601 time of day, optionally with a UTC offset.

    Fractions of a second beyond microsecond precision are truncated.
    """
    match = _TIME_RE.fullmatch(text.strip())
    if match is None:
        raise ParseError("invalid ISO 8601 time", text)
    hour = int(match["hour"])
    minute = int(match["minute"] or 0)
    second = int(match["second"] or 0)
    fraction = match["fraction"] or ""
    microsecond = int(fraction[:6].ljust(6, "0")) if fraction else 0
    if hour > 23 or minute > 59 or second > 59:
        raise ParseError("time out of range", text)
    tz = _parse_offset(match["offset"], text) if match["offset"] else None
    return time(hour, minute, second, microsecond, tzinfo=tz)


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 date and time joined by ``T`` (or a space).

    A bare date is accepted and means midnight.  The result is timezone-aware
    only if the input carries a UTC offset.
    """
    stripped = text.strip()
    date_text, sep, time_text = stripped.partition("T")
    if not sep:
        date_text, sep, time_text = stripped.partition(" ")
    try:
        day = parse_date(date_text)
        if not sep:
            return datetime(day.year, day.month, day.day)
        clock = parse_time(time_text)
    except ParseError as exc:
        raise ParseError(exc.reason, text) from None
    return datetime.combine(day, clock)


def parse_iso_duration(text: str) -> Duration:
    """Parse an ISO 8601 duration such as ``P1DT2H`` or ``-PT1H30M``.

    Years and months become :attr:`Duration.months`, weeks and days become
    :attr:`Duration.days` and the time components become
    :attr:`Duration.microseconds`.  Only the smallest time component may
    carry a fraction (``PT1.5H`` but not ``PT1.5H10M``); both ``.`` and ``,``
    are accepted as the decimal mark.
    """
    stripped = text.strip()
    match = _DURATION_RE.fullmatch(stripped)
    if match is None:
        raise ParseError("invalid ISO 8601 duration", text)
    present = [name for name, value in match.groupdict().items() if value and name != "sign"]
    if not present:
        raise ParseError("duration has no components", text)
    if stripped.endswith("T"):
        raise ParseError("'T' must be followed by a time component", text)
    time_values = [match[name] for name, _ in _TIME_FIELDS if match[name] is not None]
    if any(not value.isdigit() for value in time_values[:-1]):
        raise ParseError("only the smallest component may have a fraction", text)

    months = int(match["years"] or 0) * 12 + int(match["months"] or 0)
    days = int(match["weeks"] or 0) * 7 + int(match["days"] or 0)
    micros = Decimal(0)
    for name, factor in _TIME_FIELDS:
        if match[name] is not None:
            micros += Decimal(match[name].replace(",", ".")) * factor
    duration = Duration(months, days, round(micros))
    return -duration if match["sign"] == "-" else duration


def format_iso_duration(duration: Duration) -> str:
    """Format *duration* as an ISO 8601 duration string.

    Twelve months are written as a year; days are never folded into weeks
    and the time part is not folded into days.  Negative durations get a
    leading minus sign and the zero duration is ``PT0S``.
    """
    if duration.is_mixed:
        raise TemporaError("cannot format a duration whose parts have different signs")
    if duration.is_negative:
        return "-" + format_iso_duration(-duration)
    years, months = divmod(duration.months, 12)
    date_part = ""
    if years:
        date_part += f"{years}Y"
    if months:
        date_part += f"{months}M"
    if duration.days:
        date_part += f"{duration.days}D"
    hours, minutes, seconds, micros = split_microseconds(duration.microseconds)
    time_part = ""
    if hours:
        time_part += f"{hours}H"
    if minutes:
        time_part += f"{minutes}M"
    if seconds or micros:
        time_part += format_seconds(seconds, micros) + "S"
    if not date_part and not time_part:
        return "PT0S"
    return "P" + date_part + ("T" + time_part if time_part else "")
