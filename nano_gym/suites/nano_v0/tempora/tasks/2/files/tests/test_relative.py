from datetime import datetime, timedelta, timezone

import pytest

from tempora import FixedClock, ParseError, SystemClock, parse_relative


def test_now_today_yesterday_tomorrow(now):
    assert parse_relative("now", now=now) == now
    assert parse_relative("today", now=now) == datetime(2024, 5, 15)
    assert parse_relative("yesterday", now=now) == datetime(2024, 5, 14)
    assert parse_relative("Tomorrow", now=now) == datetime(2024, 5, 16)


def test_ago(now):
    assert parse_relative("3 days ago", now=now) == datetime(2024, 5, 12, 10, 30)
    assert parse_relative("2 weeks ago", now=now) == datetime(2024, 5, 1, 10, 30)
    assert parse_relative("1h30m ago", now=now) == datetime(2024, 5, 15, 9, 0)
    assert parse_relative("an hour ago", now=now) == datetime(2024, 5, 15, 9, 30)
    assert parse_relative("a day ago", now=now) == datetime(2024, 5, 14, 10, 30)


def test_in_and_from_now(now):
    assert parse_relative("in 2 hours", now=now) == datetime(2024, 5, 15, 12, 30)
    assert parse_relative("in 1 day and 30 minutes", now=now) == datetime(2024, 5, 16, 11, 0)
    assert parse_relative("45 minutes from now", now=now) == datetime(2024, 5, 15, 11, 15)
    assert parse_relative("  IN   3   Days ", now=now) == datetime(2024, 5, 18, 10, 30)
    assert parse_relative("in 2 months", now=now) == datetime(2024, 7, 15, 10, 30)


def test_months_ago(now):
    assert parse_relative("2 months ago", now=now) == datetime(2024, 3, 15, 10, 30)
    assert parse_relative("1 year ago", now=now) == datetime(2023, 5, 15, 10, 30)


def test_month_ago_clamps_to_end_of_month():
    assert parse_relative("1 month ago", now=datetime(2024, 3, 31, 8, 0)) == datetime(2024, 2, 29, 8, 0)


def test_last_month_and_next_year(now):
    assert parse_relative("last month", now=now) == datetime(2024, 4, 15, 10, 30)
    assert parse_relative("next month", now=now) == datetime(2024, 6, 15, 10, 30)
    assert parse_relative("next year", now=now) == datetime(2025, 5, 15, 10, 30)


def test_next_and_last_unit(now):
    assert parse_relative("next week", now=now) == datetime(2024, 5, 22, 10, 30)
    assert parse_relative("last week", now=now) == datetime(2024, 5, 8, 10, 30)
    assert parse_relative("next hour", now=now) == datetime(2024, 5, 15, 11, 30)
    assert parse_relative("previous day", now=now) == datetime(2024, 5, 14, 10, 30)


def test_next_and_last_weekday(now):
    # the reference day is a Wednesday
    assert parse_relative("next friday", now=now) == datetime(2024, 5, 17)
    assert parse_relative("next mon", now=now) == datetime(2024, 5, 20)
    assert parse_relative("last monday", now=now) == datetime(2024, 5, 13)
    assert parse_relative("last Friday", now=now) == datetime(2024, 5, 10)
    assert parse_relative("next tuesday", now=now) == datetime(2024, 5, 21)


def test_clock_is_used(clock):
    assert parse_relative("in 1 hour", clock=clock) == datetime(2024, 5, 15, 11, 30)
    clock.advance(timedelta(days=1))
    assert parse_relative("today", clock=clock) == datetime(2024, 5, 16)


def test_timezone_is_preserved():
    reference = datetime(2024, 5, 15, 10, 30, tzinfo=timezone.utc)
    assert parse_relative("yesterday", now=reference).tzinfo is timezone.utc
    assert parse_relative("2 hours ago", now=reference) == datetime(2024, 5, 15, 8, 30, tzinfo=timezone.utc)


def test_now_and_clock_are_exclusive(now, clock):
    with pytest.raises(TypeError):
        parse_relative("now", now=now, clock=clock)


def test_rejects_invalid(now):
    for text in ["", "soon", "next fortnight", "3 parsecs ago", "in", "-3 days ago", "last", "ago"]:
        with pytest.raises(ParseError):
            parse_relative(text, now=now)


def test_error_reports_original_text(now):
    with pytest.raises(ParseError) as info:
        parse_relative("3 parsecs ago", now=now)
    assert info.value.text == "3 parsecs ago"


def test_fixed_clock():
    clock = FixedClock(datetime(2024, 1, 1))
    assert clock.now() == datetime(2024, 1, 1)
    clock.set(datetime(2024, 2, 1))
    assert clock.advance(timedelta(hours=1)) == datetime(2024, 2, 1, 1, 0)


def test_system_clock_returns_datetime():
    assert isinstance(SystemClock(timezone.utc).now(), datetime)
    assert SystemClock(timezone.utc).now().tzinfo is timezone.utc
