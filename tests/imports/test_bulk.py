"""The bulk writing helpers: rows prepared off the database, the SQLite page cache restored."""
import datetime as dt

from sqlalchemy import text

from quota_app.applications.models import Application, ApplicationChoice
from quota_app.applications import io as applicants
from quota_app.imports.bulk import BulkTable, page_cache

from conftest import person, xlsx_bytes


def test_prepare_leaves_the_later_columns_alone_and_fills_the_defaults(db):
    dialect = db.engine.dialect
    table = ApplicationChoice.__table__
    bulk = BulkTable(table, ("id", "application_id", "offer_id", "rank"), dialect,
                     filled_later=("id", "application_id"))
    rows = bulk.prepare([[None, 7, 3, 1]])
    assert rows[0][:4] == [None, 7, 3, 1]  # offsets stay until the writer sets the ids
    applications = BulkTable(Application.__table__, applicants.APPLICATION_NAMES, dialect, filled_later=("id",))
    values = {name: None for name in applicants.APPLICATION_NAMES}
    values.update(campaign_id=1, status="submitted", nationality="MLI", version=1, search_name="",
                  birth_date=dt.date(2004, 3, 1), created_at=dt.datetime(2026, 11, 29, 9, 30),
                  updated_at=dt.datetime(2026, 11, 29, 9, 30))
    (row,) = applications.prepare([list(values.values())])
    at = applicants.APPLICATION_NAMES.index
    assert row[at("id")] is None
    if dialect.name == "sqlite":
        # each column type's own bind processor, as Core would store it
        assert (row[at("birth_date")], row[at("created_at")]) == ("2004-03-01", "2026-11-29 09:30:00.000000")
    else:
        assert row[at("birth_date")] == dt.date(2004, 3, 1) and row[at("identity_warnings")] == "null"
    assert len(row) == len(applications.names)  # the columns' scalar defaults follow


def test_page_cache_is_restored_after_the_import(db, campaign, manager):
    def cache_size():
        return db.session.execute(text("PRAGMA cache_size")).scalar()

    if db.engine.dialect.name == "sqlite":
        before = cache_size()
        with page_cache(24):
            assert cache_size() == -24 * 1024
        assert cache_size() == before
    result = applicants.import_applicants(campaign, xlsx_bytes([person(n) for n in range(1, 4)]), "a.xlsx",
                                          manager, commit=True)
    db.session.commit()
    assert result.committed and result.counts["new"] == 3
    if db.engine.dialect.name == "sqlite":
        assert cache_size() == before
