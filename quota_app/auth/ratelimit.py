"""Attempt counters kept in the database, so that every worker shares them.

Fixed windows (RATE_LIMIT_WINDOW_SECONDS by default; an hour for the codes sent per number).
Two ways to use them:

- `hit(key)` / `check(key)`: a hard limit of RATE_LIMIT_ATTEMPTS per window (registration and
  reset requests, codes sent per number and per hour: things that cost an SMS or an e-mail).
- `throttle(key, threshold, cap)` before an attempt and `record(key)` after a failed one: past
  `threshold` failures in the window, the key may try once per delay, 1 s doubling each
  failure up to `cap` — it is slowed down, never locked (auth/services.authenticate keys the
  logins this way, on the account × address pair, the account and the address).

The counters are added to the current session: the caller commits (a refused attempt commits
them too: viewhelpers.act(commit_refusals=True)).
"""
import math
import time

from flask import current_app
from sqlalchemy import select, update

from ..errors import RateLimited
from ..extensions import db
from .models import RateLimitCounter

HOUR = 3600


class SlowDown(RateLimited):
    """Too many failures: the next attempt is possible in `wait` seconds."""

    def __init__(self, wait: int):
        self.wait = max(int(wait), 1)
        if self.wait < 120:
            text = f"{self.wait} seconde{'s' if self.wait > 1 else ''}"
        else:
            text = f"{math.ceil(self.wait / 60)} minutes"
        super().__init__(f"Trop de tentatives. Réessayez dans {text}.")


def _limits() -> tuple[int, int]:
    cfg = current_app.config
    return int(cfg["RATE_LIMIT_ATTEMPTS"]), max(int(cfg["RATE_LIMIT_WINDOW_SECONDS"]), 1)


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def _window_start(window: int, now: float | None = None) -> int:
    return int(_now(now) // window) * window


def _key(key: str) -> str:
    return key[:200]


def _row(key: str, window: int, now: float | None):
    return db.session.execute(
        select(RateLimitCounter.count, RateLimitCounter.last_at).where(
            RateLimitCounter.key == _key(key),
            RateLimitCounter.window_start == _window_start(window, now),
        )
    ).first()


def count(key: str, now: float | None = None, window: int | None = None) -> int:
    """Attempts recorded for this key in the current window."""
    row = _row(key, window or _limits()[1], now)
    return row.count if row else 0


def check(key: str, now: float | None = None, limit: int | None = None, window: int | None = None) -> None:
    """Raise RateLimited when the key has already used every attempt of the window."""
    attempts = _limits()[0] if limit is None else limit
    if count(key, now, window) >= attempts:
        raise RateLimited()


def _upsert(key: str, window_start: int, at: int) -> None:
    dialect = db.session.get_bind().dialect.name
    values = {"key": key, "window_start": window_start, "count": 1, "last_at": at}
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        stmt = insert(RateLimitCounter).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[RateLimitCounter.key, RateLimitCounter.window_start],
            set_={"count": RateLimitCounter.count + 1, "last_at": at},
        )
        db.session.execute(stmt)
        return
    # Other databases: update first, insert when no row was there yet.
    result = db.session.execute(
        update(RateLimitCounter)
        .where(RateLimitCounter.key == key, RateLimitCounter.window_start == window_start)
        .values(count=RateLimitCounter.count + 1, last_at=at)
    )
    if result.rowcount == 0:
        db.session.add(RateLimitCounter(**values))
        db.session.flush()


def prune(now: float | None = None) -> None:
    """Delete the counters of windows that ended (the longest window kept is an hour)."""
    _, window = _limits()
    oldest = _window_start(window, now) - max(window, HOUR)
    db.session.execute(RateLimitCounter.__table__.delete().where(RateLimitCounter.window_start < oldest))


def record(key: str, now: float | None = None, window: int | None = None) -> None:
    """Count one attempt (and its time) in the key's window."""
    window = window or _limits()[1]
    prune(now)
    _upsert(_key(key), _window_start(window, now), int(_now(now)))


def hit(key: str, now: float | None = None, limit: int | None = None, window: int | None = None) -> None:
    """Count one attempt; raise RateLimited when the key is over the limit of the window."""
    attempts = _limits()[0] if limit is None else limit
    record(key, now, window)
    if count(key, now, window) > attempts:
        raise RateLimited()


def throttle(key: str, threshold: int, cap: int, now: float | None = None) -> None:
    """Raise SlowDown when the key has `threshold` failures or more in the window and its last
    one came less than its delay ago: 1 s at the threshold, doubling with each failure after,
    `cap` at most."""
    row = _row(key, _limits()[1], now)
    if row is None or row.count < threshold:
        return
    delay = min(2 ** min(row.count - threshold, 30), max(cap, 1))
    remaining = (row.last_at or 0) + delay - _now(now)
    if remaining > 0:
        raise SlowDown(math.ceil(remaining))
