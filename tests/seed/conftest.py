"""The demonstration, seeded once: `flask seed-demo` run twice (the second run must create
nothing), its outputs and every table's count after each run kept, and its rows put back before
each test that asks for `demo` (the autouse cleaning of tests/conftest.py empties the tables after
every test). The whole year takes some seconds to seed: it is seeded once, not once per test.
"""
import pytest

from seed_helpers import run_seed, table_counts

_SEEDED: dict = {}


@pytest.fixture(scope="module")
def seeded_demo(app):
    """{"first": CliResult, "second": CliResult, "counts": [after the 1st run, after the 2nd],
    "rows": every table's rows after the 2nd run}. Seeded at the first module that asks."""
    if not _SEEDED:
        from worlds import _snapshot

        from quota_app.extensions import db

        first = run_seed(app)
        with app.app_context():
            after_first = table_counts()
        second = run_seed(app)
        with app.app_context():
            after_second = table_counts()
            rows = _snapshot(db)
        _SEEDED.update(first=first, second=second, counts=[after_first, after_second], rows=rows)
    return _SEEDED


@pytest.fixture
def demo(app, seeded_demo):
    """The seeded demonstration, as the two runs left it, in the database for this test."""
    from worlds import _restore

    from quota_app.extensions import db

    with app.app_context():
        db.session.remove()
        _restore(db, seeded_demo["rows"])
    return seeded_demo
