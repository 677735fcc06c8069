import pytest


class FakeClock:
    """A manually advanced clock, usable as a TTLCache timer."""

    def __init__(self, start=0.0):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()
