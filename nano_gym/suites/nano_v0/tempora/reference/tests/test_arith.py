from datetime import date, datetime, timezone

import pytest

from tempora import (
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


def test_is_leap_year():
    assert [year for year in (1900, 2000, 2023, 2024, 2100, 2400) if is_leap_year(year)] == [
        2000,
        2024,
        2400,
    ]


def test_days_in_month():
    assert days_in_month(2024, 2) == 29
    assert days_in_month(2023, 2) == 28
    assert days_in_month(2024, 4) == 30
    assert days_in_month(2024, 12) == 31


def test_days_in_month_rejects_bad_month():
    with pytest.raises(ValueError):
        days_in_month(2024, 13)


def test_add_months_simple():
    assert add_months(date(2024, 3, 15), 2) == date(2024, 5, 15)


def test_add_months_clamps_to_end_of_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 5, 31), 1) == date(2024, 6, 30)


def test_add_months_wraps_into_next_year():
    assert add_months(date(2024, 12, 15), 1) == date(2025, 1, 15)
    assert add_months(date(2024, 5, 31), 13) == date(2025, 6, 30)


def test_add_months_negative():
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 10), -3) == date(2023, 11, 10)


def test_add_months_into_december():
    assert add_months(date(2024, 11, 30), 1) == date(2024, 12, 30)
    assert add_months(date(2024, 6, 15), 6) == date(2024, 12, 15)


def test_add_months_backwards_across_year_start():
    assert add_months(date(2024, 1, 31), -1) == date(2023, 12, 31)
    assert add_months(date(2024, 2, 10), -2) == date(2023, 12, 10)
    assert add_months(date(2024, 3, 1), -15) == date(2022, 12, 1)


def test_add_months_keeps_time_and_tzinfo():
    moment = datetime(2024, 1, 31, 23, 59, tzinfo=timezone.utc)
    assert add_months(moment, 1) == datetime(2024, 2, 29, 23, 59, tzinfo=timezone.utc)


def test_add_months_rejects_non_integer():
    with pytest.raises(TypeError):
        add_months(date(2024, 1, 1), 1.5)


def test_add_months_out_of_range():
    with pytest.raises(OverflowError):
        add_months(date(9999, 12, 1), 1)


def test_add_years_leap_day():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_months_between():
    assert months_between(date(2024, 1, 15), date(2024, 4, 15)) == 3
    assert months_between(date(2024, 1, 15), date(2024, 4, 14)) == 2
    assert months_between(date(2024, 1, 31), date(2024, 2, 29)) == 1
    assert months_between(date(2024, 4, 15), date(2024, 1, 15)) == -3
    assert months_between(date(2024, 5, 1), date(2024, 5, 20)) == 0


def test_start_and_end_of_month():
    assert start_of_month(date(2024, 2, 17)) == date(2024, 2, 1)
    assert end_of_month(date(2024, 2, 17)) == date(2024, 2, 29)
    assert end_of_month(datetime(2023, 4, 2, 8, 0)) == datetime(2023, 4, 30, 8, 0)


def test_start_of_week():
    assert start_of_week(date(2024, 5, 15)) == date(2024, 5, 13)
    assert start_of_week(date(2024, 5, 15), first_weekday=6) == date(2024, 5, 12)
    assert start_of_week(date(2024, 5, 13)) == date(2024, 5, 13)


def test_business_days():
    assert is_business_day(date(2024, 5, 17))
    assert not is_business_day(date(2024, 5, 18))
    assert not is_business_day(date(2024, 5, 17), holidays=[date(2024, 5, 17)])


def test_add_business_days_skips_weekend_and_holidays():
    friday = date(2024, 5, 17)
    assert add_business_days(friday, 1) == date(2024, 5, 20)
    assert add_business_days(friday, 1, holidays=[date(2024, 5, 20)]) == date(2024, 5, 21)
    assert add_business_days(date(2024, 5, 20), -1) == friday
    assert add_business_days(date(2024, 5, 18), 0) == date(2024, 5, 18)
