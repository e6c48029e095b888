"""Tasks queued once the writer's transaction commits, never for one that rolls back.

`after_commit(task, *args)` from inside a transaction; the task is enqueued by the session's
after_commit hook (in immediate mode it runs there, in an application context of its own, so
its session is not the one committing). `init_after_commit()` is called once by create_app.
"""
from __future__ import annotations

from sqlalchemy import event

from ..extensions import db

_KEY = "jobs.after_commit"


def after_commit(task, *args) -> None:
    db.session.info.setdefault(_KEY, []).append((task, args))


def _run(session) -> None:
    if session.in_nested_transaction():
        return
    for task, args in session.info.pop(_KEY, []):
        task(*args)


def _forget(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_KEY, None)


def init_after_commit() -> None:
    for name, listener in (("after_commit", _run), ("after_transaction_end", _forget)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
