"""The account tests: a clock for the rate limits."""
import pytest
from auth_helpers import Clock


@pytest.fixture
def clock(monkeypatch):
    """The rate limits' time, stopped (and moved by hand: clock.now += 2)."""
    from quota_app.auth import ratelimit

    fake = Clock()
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake
