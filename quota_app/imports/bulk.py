"""Bulk writing for the imports: many rows in one transaction, fast and all or nothing.

InBackground   runs the validation in a thread while the caller writes what is ready
begin_savepoint the savepoint that makes the writes undoable (SQLite's transaction first)
allocate_ids   ids for a chunk before it is written (no RETURNING)
BulkTable      chunks of rows: prepared off the database, then COPY on PostgreSQL,
               multi-row INSERT on SQLite, Core otherwise
"""
from __future__ import annotations

import json
import queue
import sqlite3
import sys
import threading
from contextlib import contextmanager
from itertools import chain
from typing import Any, Callable

from sqlalchemy import JSON, func, insert, select, text

from ..extensions import db


class InBackground:
    """Runs a generator in a daemon thread and hands its items over through a small queue
    (bounded: the validated rows waiting to be written stay a few chunks). An exception in the
    thread is raised again here; leaving the block early stops the thread at its next item.

    Meanwhile the interpreter's thread switch interval is lowered (then restored): the writing
    thread releases the GIL at each wait on the database and, with the default 5 ms, waits
    that long for the busy validation thread to give it back while the database sits idle.
    Measured on 100,000 rows: PostgreSQL 22-25 s at 5 ms, 16 s at 0.2 ms (19 s with no thread)."""

    DONE = object()
    SWITCH_INTERVAL = 0.0002

    def __init__(self, items, depth: int = 3):
        self.items = items
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="import-validation", daemon=True)

    def _run(self) -> None:
        try:
            for item in self.items:
                if self.stop.is_set():
                    return
                self.queue.put(item)
        except BaseException as exc:  # noqa: BLE001 - handed over to the caller's thread
            self.error = exc
        finally:
            self.queue.put(self.DONE)

    def __enter__(self):
        self.switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self.switch_interval, self.SWITCH_INTERVAL))
        self.thread.start()
        return self._drain()

    def _drain(self):
        while (item := self.queue.get()) is not self.DONE:
            yield item
        if self.error is not None:
            raise self.error

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        while self.thread.is_alive():  # unblock a put() on a full queue, then let it end
            try:
                self.queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self.thread.join()
        sys.setswitchinterval(self.switch_interval)


def begin_savepoint():
    """A savepoint for the import's writes. pysqlite opens its transaction only at the first
    INSERT/UPDATE: a SAVEPOINT issued before would open it itself, and releasing it would then
    commit everything. The transaction is therefore begun first, IMMEDIATE: the write lock is
    taken now (waiting for another writer), so that no one else inserts between allocate_ids'
    max(id) and the rows written with those ids."""
    if db.engine.dialect.name == "sqlite":
        driver = db.session.connection().connection.driver_connection
        if not driver.in_transaction:
            driver.execute("BEGIN IMMEDIATE")
    return db.session.begin_nested()


@contextmanager
def page_cache(megabytes: int):
    """On SQLite, a bigger page cache for the import's connection while it writes, then the
    previous size again. With the default 2 MB, inserting 100,000 rows into a dozen indexes
    spills dirty pages to the file and reads them back all along (perf: an eighth of an
    import's time in pwrite/pread)."""
    if db.engine.dialect.name != "sqlite":
        yield
        return
    driver = db.session.connection().connection.driver_connection
    previous = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size = {-1024 * int(megabytes)}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size = {int(previous)}")


def allocate_ids(table, count: int, sequences: dict[str, str]) -> list[int]:
    """`count` fresh ids for `table`: from its sequence on PostgreSQL (safe alongside the web
    forms' inserts), else max(id) + 1... (SQLite: the caller already holds the write lock)."""
    if count == 0:
        return []
    if db.engine.dialect.name == "postgresql":
        # The sequence is looked up once per import (not once per id or chunk), and the ids
        # come back as one array.
        sequence = sequences.get(table.name)
        if sequence is None:
            sequence = sequences[table.name] = db.session.scalar(
                text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        return db.session.scalar(text(
            "SELECT array_agg(nextval(CAST(:s AS regclass))) FROM generate_series(1, :n)"),
            {"s": sequence, "n": count})
    start = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


class BulkTable:
    """Writes chunks of rows (lists in `names` order) into one table, in the session's
    transaction, without Core's per-row parameter handling (it cost as much as the inserts):
    COPY on PostgreSQL; on SQLite multi-row INSERTs, each value through its column type's own
    bind processor, so that what is stored is what Core would store. Any other database goes
    through Core executemany.

    The work is split in two so that it can run on two threads: `prepare(rows)` touches no
    database (the validation thread runs it while the database writes the previous chunk)
    and `send(rows)` writes. Columns named in `filled_later` (ids, references: known only when
    the chunk is written) are left untouched by `prepare`; the caller sets them before `send`."""

    def __init__(self, table, names: tuple[str, ...], dialect, filled_later: tuple[str, ...] = ()):
        self.table = table
        self.dialect = dialect
        absent = [c for c in table.c if c.name not in names and c.default is not None]
        self.core = dialect.name not in ("postgresql", "sqlite") or any(not c.default.is_scalar for c in absent)
        self.given = names
        # Core fills the defaults in for absent keys: so do we.
        self.defaults = [] if self.core else [c.default.arg for c in absent]
        self.names = names if self.core else (*names, *(c.name for c in absent))
        self.quoted = ", ".join(f'"{name}"' for name in self.names)
        self.converters: list[tuple[int, Callable[[Any], Any]]] = []
        if self.core:
            return
        for i, name in enumerate(self.names):
            if name in filled_later:
                continue
            if dialect.name == "sqlite":
                process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    self.converters.append((i, _memoised(process)))
            elif isinstance(table.c[name].type, JSON):
                # JSON as text, None included: Core stores None as JSON null (none_as_null=False).
                self.converters.append((i, _json_text))

    def prepare(self, rows: list[list]) -> list[list]:
        """Fills in the defaults and converts the values, in place; no database."""
        if self.core:
            return rows
        defaults = self.defaults
        if defaults:
            for row in rows:
                row.extend(defaults)
        for i, convert in self.converters:
            for row in rows:
                row[i] = convert(row[i])
        return rows

    def send(self, rows: list[list]) -> None:
        """Writes prepared rows."""
        if not rows:
            return
        if self.core:
            db.session.execute(insert(self.table), [dict(zip(self.given, row)) for row in rows])
            return
        driver = db.session.connection().connection.driver_connection
        if self.dialect.name == "sqlite":
            _send_sqlite(driver, self.table.name, self.quoted, len(self.names), rows)
            return
        with driver.cursor() as cursor, cursor.copy(f'COPY "{self.table.name}" ({self.quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)


def _json_text(value) -> str:
    return "null" if value is None else json.dumps(value)


_MISSING = object()


def _memoised(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A bind processor remembering its results: a chunk holds the same timestamp five times a
    row and few distinct dates. Keyed by type and value (Decimal("13.5") and Decimal("13.50")
    give the same float); unhashable values (JSON lists) are processed each time."""
    seen: dict = {}

    def run(value):
        try:
            key = (value.__class__, value)
            out = seen.get(key, _MISSING)
        except TypeError:
            return process(value)
        if out is _MISSING:
            out = process(value)
            if len(seen) < 10_000:
                seen[key] = out
        return out

    return run


def _send_sqlite(driver, name: str, quoted: str, width: int, rows: list[list]) -> None:
    """As many rows per INSERT as SQLite takes parameters: the statement's rows are inserted
    in one call into SQLite, which releases the GIL meanwhile (the validation thread runs),
    where executemany takes the GIL back between rows."""
    try:
        limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python < 3.11
        limit = 999
    per_statement = max(1, min(limit, 32_766) // width)
    placeholders = "(" + ", ".join("?" * width) + ")"
    cursor = driver.cursor()
    try:
        for start in range(0, len(rows), per_statement):
            batch = rows[start:start + per_statement]
            # Table and column names from our own metadata; values are bound (bandit B608).
            cursor.execute(f'INSERT INTO "{name}" ({quoted}) VALUES ' + ", ".join([placeholders] * len(batch)),  # nosec B608
                           list(chain.from_iterable(batch)))
    finally:
        cursor.close()
