"""tempora -- parse and format dates, times and durations.

Quick tour::

    >>> from datetime import date, datetime
    >>> import tempora
    >>> tempora.parse_duration("1h30m")
    Duration(months=0, days=0, microseconds=5400000000)
    >>> tempora.format_iso_duration(tempora.parse_duration("1 day, 2 hours"))
    'P1DT2H'
    >>> tempora.add_months(date(2024, 1, 31), 1)
    datetime.date(2024, 2, 29)
    >>> tempora.parse_relative("3 days ago", now=datetime(2024, 5, 15, 10, 30))
    datetime.datetime(2024, 5, 12, 10, 30)
"""

from .arith import (
    add_business_days,
    add_months,
    add_years,
    days_in_month,
    end_of_month,
    is_business_day,
    is_leap_year,
    months_between,
    start_of_month,
    start_of_week,
)
from .duration import Duration
from .errors import ParseError, TemporaError
from .human import format_duration, parse_duration
from .humanize import format_relative
from .iso import format_iso_duration, parse_date, parse_datetime, parse_iso_duration, parse_time
from .relative import Clock, FixedClock, SystemClock, parse_relative

__version__ = "1.0.0"

__all__ = [
    "Clock",
    "Duration",
    "FixedClock",
    "ParseError",
    "SystemClock",
    "TemporaError",
    "add_business_days",
    "add_months",
    "add_years",
    "days_in_month",
    "end_of_month",
    "format_duration",
    "format_iso_duration",
    "format_relative",
    "is_business_day",
    "is_leap_year",
    "months_between",
    "parse_date",
    "parse_datetime",
    "parse_duration",
    "parse_iso_duration",
    "parse_relative",
    "parse_time",
    "start_of_month",
    "start_of_week",
]
