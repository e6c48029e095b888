"""The account tests: a clock for the rate limits."""
import pytest


class Clock:
    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The rate limits' time, stopped (and moved by hand: clock.now += 2)."""
    from quota_app.auth import ratelimit

    fake = Clock()
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake
