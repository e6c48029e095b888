"""Fixed-window attempt counters kept in the database, so that every worker shares them.

Keys look like "login:email:<email>", "login:ip:<ip>", "reset:email:<email>", "reset:ip:<ip>",
"register:ip:<ip>". The counters are added to the current session: the caller commits.
"""
import time

from flask import current_app
from sqlalchemy import select, update

from ..errors import RateLimited
from ..extensions import db
from .models import RateLimitCounter


def _limits() -> tuple[int, int]:
    cfg = current_app.config
    return int(cfg["RATE_LIMIT_ATTEMPTS"]), max(int(cfg["RATE_LIMIT_WINDOW_SECONDS"]), 1)


def _window_start(window: int, now: float | None = None) -> int:
    now = time.time() if now is None else now
    return int(now // window) * window


def _key(key: str) -> str:
    return key[:200]


def count(key: str, now: float | None = None) -> int:
    """Attempts recorded for this key in the current window."""
    _, window = _limits()
    value = db.session.execute(
        select(RateLimitCounter.count).where(
            RateLimitCounter.key == _key(key),
            RateLimitCounter.window_start == _window_start(window, now),
        )
    ).scalar_one_or_none()
    return value or 0


def check(key: str, now: float | None = None) -> None:
    """Raise RateLimited when the key has already used every attempt of the window."""
    attempts, _ = _limits()
    if count(key, now) >= attempts:
        raise RateLimited()


def _upsert(key: str, window_start: int) -> None:
    dialect = db.session.get_bind().dialect.name
    values = {"key": key, "window_start": window_start, "count": 1}
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        stmt = insert(RateLimitCounter).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[RateLimitCounter.key, RateLimitCounter.window_start],
            set_={"count": RateLimitCounter.count + 1},
        )
        db.session.execute(stmt)
        return
    # Other databases: update first, insert when no row was there yet.
    result = db.session.execute(
        update(RateLimitCounter)
        .where(RateLimitCounter.key == key, RateLimitCounter.window_start == window_start)
        .values(count=RateLimitCounter.count + 1)
    )
    if result.rowcount == 0:
        db.session.add(RateLimitCounter(**values))
        db.session.flush()


def prune(now: float | None = None) -> None:
    """Delete the counters of finished windows."""
    _, window = _limits()
    db.session.execute(
        RateLimitCounter.__table__.delete().where(
            RateLimitCounter.window_start < _window_start(window, now)
        )
    )


def hit(key: str, now: float | None = None) -> None:
    """Count one attempt; raise RateLimited when the key is over the limit of the window."""
    attempts, window = _limits()
    start = _window_start(window, now)
    prune(now)
    _upsert(_key(key), start)
    if count(key, now) > attempts:
        raise RateLimited()

