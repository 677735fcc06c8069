from datetime import timedelta

import pytest

from tempora import (
    Duration,
    ParseError,
    format_duration,
    format_iso_duration,
    parse_duration,
    parse_iso_duration,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1h30m", Duration.of(hours=1, minutes=30)),
        ("1h 30m", Duration.of(hours=1, minutes=30)),
        ("90s", Duration.of(seconds=90)),
        ("2 weeks", Duration(days=14)),
        ("1 day, 3 hours", Duration.of(days=1, hours=3)),
        ("1 hour and 30 minutes", Duration.of(hours=1, minutes=30)),
        ("1 Hour, 2 Minutes, and 3 Seconds", Duration.of(hours=1, minutes=2, seconds=3)),
        ("+2h", Duration.of(hours=2)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


def test_parse_duration_unit_spellings():
    assert parse_duration("250ms") == Duration.of(milliseconds=250)
    assert parse_duration("10us") == Duration(microseconds=10)
    assert parse_duration("5 mins") == Duration.of(minutes=5)
    assert parse_duration("3 months") == Duration(months=3)
    assert parse_duration("1y 6mo") == Duration(months=18)


def test_parse_duration_fractions():
    assert parse_duration("1.5h") == Duration.of(hours=1, minutes=30)
    assert parse_duration(".5 days") == Duration.of(hours=12)
    assert parse_duration("1.5d") == Duration.of(days=1, hours=12)


def test_parse_duration_accepts_iso():
    assert parse_duration("P1DT2H") == Duration.of(days=1, hours=2)
    assert parse_duration(" PT15M ") == Duration.of(minutes=15)


def test_parse_negative_duration():
    assert parse_duration("-2h") == Duration.of(hours=-2)
    assert parse_duration("-P1D") == Duration(days=-1)


def test_parse_negative_compound_duration():
    assert parse_duration("-1h30m") == Duration.of(hours=-1, minutes=-30)
    assert parse_duration("-1 day, 6 hours") == Duration.of(days=-1, hours=-6)


def test_parse_duration_rejects_invalid():
    for text in ["", "   ", "5", "5 parsecs", "h", "1h 2h", "1.5 months", "1h,", "1h and", "1h30", "-"]:
        with pytest.raises(ParseError):
            parse_duration(text)


def test_parse_duration_requires_string():
    with pytest.raises(TypeError):
        parse_duration(90)


@pytest.mark.parametrize(
    "duration, expected",
    [
        (Duration(), "0s"),
        (Duration.of(hours=1, minutes=30), "1h 30m"),
        (Duration.of(seconds=90), "1m 30s"),
        (Duration.of(hours=36), "1d 12h"),
        (Duration(days=15), "2w 1d"),
        (Duration(months=14), "1y 2mo"),
        (Duration.of(seconds=1, milliseconds=500), "1.5s"),
        (timedelta(hours=2, seconds=5), "2h 5s"),
    ],
)
def test_format_duration_short(duration, expected):
    assert format_duration(duration) == expected


def test_format_duration_long():
    assert format_duration(Duration.of(hours=1, minutes=30), style="long") == "1 hour, 30 minutes"
    assert format_duration(Duration.of(days=2, seconds=1), style="long") == "2 days, 1 second"
    assert format_duration(Duration(months=1), style="long") == "1 month"
    assert format_duration(Duration(), style="long") == "0 seconds"
    assert format_duration(Duration.of(seconds=1.5), style="long") == "1.5 seconds"


def test_format_duration_max_units_truncates():
    duration = Duration.of(days=1, hours=5, minutes=59)
    assert format_duration(duration, max_units=2) == "1d 5h"
    assert format_duration(duration, max_units=1, style="long") == "1 day"


def test_format_duration_rejects_bad_arguments():
    with pytest.raises(ValueError):
        format_duration(Duration(), style="fancy")
    with pytest.raises(ValueError):
        format_duration(Duration(), max_units=0)
    with pytest.raises(TypeError):
        format_duration(90)


def test_format_negative_duration():
    assert format_duration(Duration.of(minutes=-90)) == "-1h 30m"
    assert format_duration(timedelta(seconds=-5), style="long") == "-5 seconds"


def test_short_format_round_trip():
    for text in ["1h30m", "2w 3d", "1y 2mo 3d", "45s", "3d 4h 5m 6s"]:
        duration = parse_duration(text)
        assert parse_duration(format_duration(duration)) == duration


def test_negative_duration_round_trip():
    duration = Duration.of(days=-1, hours=-2, minutes=-5)
    assert format_duration(duration) == "-1d 2h 5m"
    assert parse_duration(format_duration(duration)) == duration
