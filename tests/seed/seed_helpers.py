"""What the seed's tests share: running `flask seed-demo`, counting every table, today (UTC)."""
from datetime import datetime, timezone

from sqlalchemy import func, select


def run_seed(app, *args):
    result = app.test_cli_runner().invoke(args=["seed-demo", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def table_counts():
    from quota_app.extensions import db

    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def today_utc():
    return datetime.now(timezone.utc).replace(tzinfo=None)
