from datetime import datetime, timedelta

import tempora


def test_format_relative_past(now):
    assert tempora.format_relative(datetime(2024, 5, 12, 10, 30), now=now) == "3 days ago"
    assert tempora.format_relative(now - timedelta(minutes=1), now=now) == "1 minute ago"
    assert tempora.format_relative(now - timedelta(weeks=2), now=now) == "2 weeks ago"


def test_format_relative_future(now):
    assert tempora.format_relative(datetime(2024, 5, 15, 12, 30), now=now) == "in 2 hours"
    assert tempora.format_relative(now + timedelta(hours=2, minutes=59), now=now) == "in 2 hours"
    assert tempora.format_relative(now + timedelta(days=1), now=now) == "in 1 day"


def test_format_relative_just_now(now):
    assert tempora.format_relative(now, now=now) == "just now"
    assert tempora.format_relative(now - timedelta(seconds=30), now=now) == "just now"
    assert tempora.format_relative(now + timedelta(seconds=59), now=now) == "just now"


def test_format_relative_uses_clock_and_round_trips(clock, now):
    moment = datetime(2024, 5, 8, 10, 30)
    text = tempora.format_relative(moment, clock=clock)
    assert text == "1 week ago"
    assert tempora.parse_relative(text, now=now) == moment
