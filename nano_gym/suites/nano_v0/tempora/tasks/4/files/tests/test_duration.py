from datetime import date, datetime, timedelta

import pytest

from tempora import Duration, TemporaError


def test_of_normalises_units():
    assert Duration.of(hours=1, minutes=30) == Duration(0, 0, 5_400_000_000)
    assert Duration.of(years=1, months=2) == Duration(months=14)
    assert Duration.of(weeks=2, days=1) == Duration(days=15)
    assert Duration.of(milliseconds=250) == Duration(microseconds=250_000)


def test_of_fractional_days_spill_into_time():
    assert Duration.of(days=1.5) == Duration(days=1, microseconds=12 * 3600 * 10**6)


def test_of_rejects_fractional_months():
    with pytest.raises(TypeError):
        Duration.of(months=1.5)


def test_from_timedelta():
    assert Duration.from_timedelta(timedelta(days=2, hours=3)) == Duration.of(days=2, hours=3)
    assert Duration.from_timedelta(timedelta(seconds=-90)) == Duration.of(seconds=-90)


def test_to_timedelta_and_total_seconds():
    assert Duration.of(days=1, hours=2).to_timedelta() == timedelta(days=1, hours=2)
    assert Duration.of(minutes=2, milliseconds=500).total_seconds() == 120.5


def test_to_timedelta_rejects_months():
    with pytest.raises(TemporaError):
        Duration.of(months=1).to_timedelta()


def test_sign_properties():
    assert Duration().is_zero and not Duration()
    assert Duration.of(hours=-1).is_negative
    assert not Duration.of(hours=1).is_negative
    assert Duration.of(days=1, hours=-1).is_mixed
    assert Duration.of(months=1).has_calendar_months


def test_arithmetic_between_durations():
    a = Duration.of(days=1, hours=2)
    b = Duration.of(hours=3)
    assert a + b == Duration.of(days=1, hours=5)
    assert a - b == Duration.of(days=1, hours=-1)
    assert a * 2 == Duration.of(days=2, hours=4)
    assert 3 * b == Duration.of(hours=9)
    assert -a == Duration.of(days=-1, hours=-2)
    assert abs(-a) == a


def test_add_timedelta():
    assert Duration.of(hours=1) + timedelta(minutes=30) == Duration.of(hours=1, minutes=30)
    assert timedelta(minutes=30) + Duration.of(hours=1) == Duration.of(hours=1, minutes=30)


def test_add_to_datetime(now):
    assert now + Duration.of(days=1, hours=2) == datetime(2024, 5, 16, 12, 30)
    assert Duration.of(minutes=45).add_to(now) == datetime(2024, 5, 15, 11, 15)


def test_add_months_to_date_clamps():
    assert date(2024, 1, 31) + Duration.of(months=1) == date(2024, 2, 29)
    assert Duration.of(years=1).add_to(date(2024, 2, 29)) == date(2025, 2, 28)


def test_subtract_from_datetime(now):
    assert now - Duration.of(hours=12) == datetime(2024, 5, 14, 22, 30)
    assert Duration.of(weeks=1).subtract_from(now) == datetime(2024, 5, 8, 10, 30)


def test_multiplication_requires_integer():
    with pytest.raises(TypeError):
        Duration.of(hours=1) * 1.5


def test_str_is_iso():
    assert str(Duration.of(days=1, hours=2)) == "P1DT2H"
