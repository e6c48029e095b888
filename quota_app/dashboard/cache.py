"""Each campaign's dashboard figures, kept per process until anything is committed to the database.

Computing them reads every application and choice (~0.6 s at 100,000 applications) while the
page is read far more often than the data changes. An entry is served only if the database can
not have changed since it was computed, which the change marker below tells in O(1):

- any commit made through SQLAlchemy by this process bumps a generation counter (before the
  commit, and again when the connection goes back to the pool, so that a figure computed while
  the commit was under way is not kept);
- SQLite: `PRAGMA data_version` changes, on a given connection, whenever another connection
  (other worker, import job, `flask` command) has committed; a connection seeing a new value
  bumps the generation, and a new connection always does;
- PostgreSQL: the current snapshot (xmin:xmax:in-progress list) decides what is visible; two
  equal snapshots see the same committed data.
A connection holding uncommitted writes neither reads nor fills the cache. Other databases get
no cache. The marker is coarse (any commit, any table), never stale: it trades hits for exactness.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

# Entries kept per process, the oldest going first: per campaign and database, its figures and
# its year's journey (funnel.py; the figures of a campaign read those of its kind's campaigns).
MAX_ENTRIES = 32
_SEEN = "quota_dashboard_data_version"
_COMMITTED = "quota_dashboard_committed"

_lock = threading.Lock()
_generation = 0
_entries: OrderedDict = OrderedDict()


def _bump() -> None:
    global _generation
    with _lock:
        _generation += 1


@event.listens_for(Engine, "commit")
def _on_commit(conn) -> None:
    # Fired before the DBAPI commit: the checkin below bumps again once it is done.
    conn.info[_COMMITTED] = True
    _bump()


@event.listens_for(Pool, "checkin")
def _on_checkin(dbapi_connection, connection_record) -> None:
    if connection_record is not None and connection_record.info.pop(_COMMITTED, False):
        _bump()


def change_marker(connection) -> tuple | None:
    """A value that differs whenever committed data may differ; None: do not cache now."""
    global _generation
    dialect = connection.dialect.name
    if dialect == "sqlite":
        if connection.connection.dbapi_connection.in_transaction:  # our own uncommitted writes
            return None
        version = connection.exec_driver_sql("PRAGMA data_version").scalar()
        with _lock:
            if connection.info.get(_SEEN) != version:
                connection.info[_SEEN] = version
                _generation += 1
            return ("sqlite", _generation)
    if dialect == "postgresql":
        snapshot, own = connection.exec_driver_sql(
            "SELECT txid_current_snapshot()::text, txid_current_if_assigned()").one()
        if own is not None:  # this transaction has written
            return None
        with _lock:
            return ("postgresql", _generation, snapshot)
    return None


def cached(session, campaign_id, compute):
    """compute() for this campaign (an id, or a (what, id) key), or the value computed under
    the same marker. A compute() may itself read through cached()."""
    connection = session.connection()
    marker = change_marker(connection)
    key = (connection.engine.url.render_as_string(hide_password=True), campaign_id)
    if marker is not None:
        with _lock:
            entry = _entries.get(key)
            if entry is not None and entry[0] == marker:
                _entries.move_to_end(key)
                return entry[1]
    # The marker is read before computing: a commit landing meanwhile changes it, so a value
    # that may have seen that commit is never served under a marker from after it.
    value = compute()
    if marker is not None:
        with _lock:
            _entries[key] = (marker, value)
            _entries.move_to_end(key)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
