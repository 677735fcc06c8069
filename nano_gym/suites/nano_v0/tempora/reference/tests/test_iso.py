from datetime import date, datetime, time, timedelta, timezone

import pytest

from tempora import (
    Duration,
    ParseError,
    TemporaError,
    format_iso_duration,
    parse_date,
    parse_datetime,
    parse_iso_duration,
    parse_time,
)


def test_parse_date():
    assert parse_date("2024-05-15") == date(2024, 5, 15)
    assert parse_date("20240515") == date(2024, 5, 15)
    assert parse_date(" 2024-05-15 ") == date(2024, 5, 15)


def test_parse_date_rejects_invalid():
    for text in ["2024-5-15", "2024-0515", "2024-13-01", "2023-02-29", "2024-04-31", "0000-01-01", ""]:
        with pytest.raises(ParseError):
            parse_date(text)


def test_parse_date_leap_day():
    assert parse_date("2024-02-29") == date(2024, 2, 29)


def test_parse_time_variants():
    assert parse_time("10:30") == time(10, 30)
    assert parse_time("10:30:15") == time(10, 30, 15)
    assert parse_time("103015") == time(10, 30, 15)
    assert parse_time("10") == time(10)


def test_parse_time_fraction():
    assert parse_time("10:30:15.25") == time(10, 30, 15, 250000)
    assert parse_time("10:30:15,5") == time(10, 30, 15, 500000)
    assert parse_time("10:30:15.1234567") == time(10, 30, 15, 123456)


def test_parse_time_offsets():
    assert parse_time("10:30Z").tzinfo is timezone.utc
    assert parse_time("10:30+02:00").utcoffset() == timedelta(hours=2)
    assert parse_time("10:30-0330").utcoffset() == -timedelta(hours=3, minutes=30)
    assert parse_time("10:30+05").utcoffset() == timedelta(hours=5)


def test_parse_time_rejects_invalid():
    for text in ["24:00", "10:60", "10:30:61", "10:3", "10:30+25:00", "10:30x"]:
        with pytest.raises(ParseError):
            parse_time(text)


def test_parse_datetime():
    assert parse_datetime("2024-05-15T10:30:00") == datetime(2024, 5, 15, 10, 30)
    assert parse_datetime("2024-05-15 10:30") == datetime(2024, 5, 15, 10, 30)
    assert parse_datetime("2024-05-15") == datetime(2024, 5, 15)


def test_parse_datetime_with_offset():
    value = parse_datetime("2024-05-15T10:30:00+02:00")
    assert value == datetime(2024, 5, 15, 8, 30, tzinfo=timezone.utc)
    assert parse_datetime("20240515T1030Z").tzinfo is timezone.utc


def test_parse_datetime_error_mentions_whole_input():
    with pytest.raises(ParseError) as info:
        parse_datetime("2024-02-30T10:00")
    assert info.value.text == "2024-02-30T10:00"
    with pytest.raises(ParseError):
        parse_datetime("2024-05-15T")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("P1D", Duration(days=1)),
        ("PT2H", Duration.of(hours=2)),
        ("P1DT2H", Duration.of(days=1, hours=2)),
        ("P1Y2M10DT2H30M", Duration.of(years=1, months=2, days=10, hours=2, minutes=30)),
        ("P2W", Duration(days=14)),
        ("+P3D", Duration(days=3)),
    ],
)
def test_parse_iso_duration(text, expected):
    assert parse_iso_duration(text) == expected


def test_parse_iso_duration_months_versus_minutes():
    assert parse_iso_duration("P1M") == Duration(months=1)
    assert parse_iso_duration("PT1M") == Duration.of(minutes=1)


def test_parse_iso_duration_fractions():
    assert parse_iso_duration("PT0.5S") == Duration.of(milliseconds=500)
    assert parse_iso_duration("PT1,5S") == Duration.of(seconds=1.5)
    assert parse_iso_duration("PT1.5H") == Duration.of(hours=1, minutes=30)
    assert parse_iso_duration("PT0S") == Duration()


def test_parse_negative_iso_duration():
    assert parse_iso_duration("-P1DT2H") == Duration.of(days=-1, hours=-2)
    assert parse_iso_duration("-PT0.25S") == Duration.of(milliseconds=-250)


def test_parse_iso_duration_rejects_invalid():
    for text in ["P", "PT", "P1DT", "1D", "P1H", "PT1.5H30M", "P1.5D", "pt1h", ""]:
        with pytest.raises(ParseError):
            parse_iso_duration(text)


@pytest.mark.parametrize(
    "duration, expected",
    [
        (Duration(), "PT0S"),
        (Duration(days=1), "P1D"),
        (Duration(months=14), "P1Y2M"),
        (Duration(days=14), "P14D"),
        (Duration.of(days=1, hours=2), "P1DT2H"),
        (Duration.of(hours=26), "PT26H"),
        (Duration.of(minutes=90, seconds=5), "PT1H30M5S"),
    ],
)
def test_format_iso_duration(duration, expected):
    assert format_iso_duration(duration) == expected


def test_format_iso_duration_fractional_seconds():
    assert format_iso_duration(Duration.of(milliseconds=1500)) == "PT1.5S"
    assert format_iso_duration(Duration.of(microseconds=5)) == "PT0.000005S"


def test_format_negative_iso_duration():
    assert format_iso_duration(Duration.of(days=-1, hours=-2)) == "-P1DT2H"


def test_format_iso_duration_rejects_mixed_signs():
    with pytest.raises(TemporaError):
        format_iso_duration(Duration.of(days=1, hours=-1))


def test_iso_duration_round_trip():
    for text in ["P1Y2M10DT2H30M", "PT0.000001S", "-P2DT3M", "P3W"]:
        duration = parse_iso_duration(text)
        assert parse_iso_duration(format_iso_duration(duration)) == duration
