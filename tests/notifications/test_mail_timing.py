"""No request waits for SMTP: with a slow mail server, a password reset for a known address and
for an unknown one answer in the same time; the worker delivers afterwards.

The application here is configured as in production, not as the other tests' (whose queue is
in immediate mode and would deliver inside the request, right after its commit): its queue
(memory://) is served by a huey consumer, started only once the requests have been timed.
"""
import threading
import time
from statistics import median

import pytest

from tests.notifications.fakes import SlowSMTPServer, run_worker

SERVER_DELAY = 0.2  # seconds the server takes for each message
UNKNOWN = "personne@exemple.ml"


@pytest.fixture
def slow_smtp():
    server = SlowSMTPServer(SERVER_DELAY)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def queued_app(app, database_url, slow_smtp):
    """The same database as the suite's application, a queue that a worker serves."""
    from config import TestingConfig
    from quota_app import create_app
    from quota_app.extensions import db
    from tests.conftest import IsolatedClient

    url, engine_options = database_url
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.SQLALCHEMY_ENGINE_OPTIONS = {**engine_options}
    config.HUEY_IMMEDIATE = False
    config.HUEY_URL = "memory://"
    config.MAIL_SERVER, config.MAIL_PORT = slow_smtp.server_address
    config.MAIL_USE_TLS, config.MAIL_USERNAME = False, ""
    config.RATE_LIMIT_ATTEMPTS = 1000  # this test asks twenty times from one address
    application = create_app(config)
    application.test_client_class = IsolatedClient
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_reset_for_known_and_unknown_addresses_take_the_same_time(queued_app, slow_smtp, make_user):
    from quota_app.extensions import db
    from quota_app.notifications.models import OutboxMessage

    user = make_user("applicant")
    client = queued_app.test_client()

    def timed(email: str) -> float:
        start = time.perf_counter()
        response = client.post("/mot-de-passe/oublie", data={"email": email})
        elapsed = time.perf_counter() - start
        assert response.status_code == 302
        return elapsed

    timed(user.email), timed(UNKNOWN)  # warm-up (templates, connections)
    known, unknown = [], []
    for _ in range(7):
        known.append(timed(user.email))
        unknown.append(timed(UNKNOWN))
    assert slow_smtp.received == []  # no request has spoken to the mail server
    difference = median(known) - median(unknown)
    assert abs(difference) < 0.06, (
        f"médianes : adresse connue {median(known) * 1000:.0f} ms, inconnue {median(unknown) * 1000:.0f} ms")

    # The worker sends them afterwards, at the slow server's pace.
    with queued_app.app_context():
        pending = db.session.execute(db.select(OutboxMessage.status)).scalars().all()
    assert pending == ["pending"] * 8
    start = time.perf_counter()
    run_worker(queued_app, until=lambda: len(slow_smtp.received) == 8)
    assert len(slow_smtp.received) == 8 and time.perf_counter() - start >= 4 * SERVER_DELAY
    assert all(b"/mot-de-passe/reinitialiser/" in body for body in slow_smtp.received)
    with queued_app.app_context():
        rows = db.session.execute(db.select(OutboxMessage.status, OutboxMessage.attempts)).all()
    assert sorted(rows) == [("sent", 1)] * 8
