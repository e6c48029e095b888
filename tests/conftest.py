"""Test fixtures. The suite runs once per database: QUOTA_TEST_DB=sqlite (default) or postgresql.

On PostgreSQL each run works in a schema of its own, so that several runs can share the
`test` database at once.
"""
import os
import secrets

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from config import TestingConfig

BACKEND = os.environ.get("QUOTA_TEST_DB", "sqlite")
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pg_url() -> str:
    url = PG_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def pg_reachable() -> bool:
    try:
        engine = create_engine(pg_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgres_only" in item.keywords and BACKEND != "postgresql":
            item.add_marker(pytest.mark.skip(reason="PostgreSQL seulement (lancé dans la passe PostgreSQL)"))
        if "sqlite_only" in item.keywords and BACKEND != "sqlite":
            item.add_marker(pytest.mark.skip(reason="SQLite seulement"))
        if "browser" in item.keywords and BACKEND != "sqlite" and "both_databases" not in item.keywords:
            item.add_marker(pytest.mark.skip(reason="les parcours navigateur tournent dans la passe SQLite"))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def drop_orphan_schemas(engine) -> None:
    """Drop the schemas left by test runs that were killed before their cleanup (same machine)."""
    with engine.begin() as conn:
        names = conn.execute(text(
            "SELECT nspname FROM pg_namespace WHERE nspname ~ '^[tm]_[0-9]+_[0-9a-f]+$'")).scalars().all()
        for name in names:
            if not _process_alive(int(name.split("_")[1])):
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if BACKEND == "postgresql":
        if not pg_reachable():
            if IN_CI:
                pytest.fail("PostgreSQL injoignable alors que CI=true : la passe PostgreSQL doit tourner.")
            pytest.skip("PostgreSQL injoignable")
        schema = f"t_{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(pg_url())
        drop_orphan_schemas(admin)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield pg_url(), {"connect_args": {"options": f"-csearch_path={schema}"}}
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "test.db"
        yield f"sqlite:///{path}", {}


class IsolatedClient(FlaskClient):
    """Each request gets an application context of its own, as in production, even while the
    test holds one (otherwise `g` and the database session would leak between requests)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from quota_app import create_app
    from quota_app.extensions import db

    url, engine_options = database_url
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.SQLALCHEMY_ENGINE_OPTIONS = {**engine_options}
    config.UPLOAD_DIR = str(tmp_path_factory.mktemp("uploads"))
    config.HUEY_URL = f"sqlite:///{tmp_path_factory.mktemp('huey') / 'huey.db'}"
    application = create_app(config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Each test starts from empty tables (only for tests that use the app)."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    yield
    from quota_app.extensions import db

    with app.app_context():
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def db(app):
    from quota_app.extensions import db as database

    with app.app_context():
        yield database
        database.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """make_user(role="manager", email=None, password="Motdepasse-solide-2026") -> User (committed,
    detached: made in an application context of its own). factories.make_user makes one in the
    test's own session."""
    import factories
    from quota_app.extensions import db as database

    counter = {"n": 0}

    def factory(role="manager", email=None, password=factories.PASSWORD, full_name=None, active=True):
        counter["n"] += 1
        with app.app_context():
            user = factories.make_user(role, email=email or f"{role}{counter['n']}@exemple.ml", password=password,
                                       full_name=full_name or f"{role.capitalize()} {counter['n']}", active=active)
            database.session.refresh(user)
            database.session.expunge(user)
            return user

    return factory


@pytest.fixture
def login(client):
    """login(user) logs the test client in as that user without going through the form."""

    def do_login(user, on=None):
        target = on or client
        with target.session_transaction() as session:
            session["_user_id"] = user.session_token
            session["_fresh"] = True
        return target

    return do_login


@pytest.fixture
def reference(app):
    """The seeded reference data (levels, diplomas, series, sectors, programmes, ...)."""
    from quota_app.extensions import db as database
    from quota_app.seed.reference import seed_reference

    with app.app_context():
        seed_reference()
        database.session.commit()
    return True


@pytest.fixture
def wide_pool(app, db, request):
    """A connection for every thread at once (the application's pool holds 5 + 10): the test
    module's THREADS transactions really are open together, waiting on each other's locks."""
    threads = getattr(request.module, "THREADS", 20)
    engines = db._app_engines[app]
    original = engines[None]
    db.session.remove()
    wide = create_engine(original.url, pool_size=threads + 5, max_overflow=0,
                         **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    engines[None] = wide
    yield wide
    db.session.remove()
    engines[None] = original
    wide.dispose()
