from datetime import datetime

import pytest

from tempora import FixedClock


@pytest.fixture
def now():
    """A fixed reference time: Wednesday 15 May 2024, 10:30."""
    return datetime(2024, 5, 15, 10, 30)


@pytest.fixture
def clock(now):
    return FixedClock(now)
