"""The migrations build the models' schema, and come back down, on the database of this pass."""
import os
import secrets

import pytest
from sqlalchemy import create_engine, inspect, text

import config as app_config
from tests.conftest import BACKEND, pg_url


@pytest.fixture
def fresh_app(tmp_path):
    """An application on an empty database (a new SQLite file, or a new PostgreSQL schema)."""
    from quota_app import create_app

    config = app_config.TestingConfig()
    schema = None
    if BACKEND == "postgresql":
        schema = f"m_{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(pg_url())
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        config.SQLALCHEMY_DATABASE_URI = pg_url()
        config.SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"options": f"-csearch_path={schema}"}}
    else:
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'migrations.db'}"
    app = create_app(config)
    yield app
    with app.app_context():
        from quota_app.extensions import db

        db.engine.dispose()
    if schema:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_upgrade_matches_models_then_downgrade_to_nothing(fresh_app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import downgrade, upgrade

    from quota_app.extensions import db

    with fresh_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"migrations and models differ: {diff}"
        assert "applications" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        upgrade()
