"""The account tests: the paper-file hooks as applications lends them (tests/auth/paper_claims.py),
and a clock for the rate limits."""
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


@pytest.fixture(autouse=True, scope="session")
def _paper_file_hooks():
    from quota_app.auth.hooks import paper_files

    import paper_claims

    if "find" not in paper_files:
        paper_files.register("find", paper_claims.paper_file)
        paper_files.register("link", paper_claims.link_paper_file)
    yield
