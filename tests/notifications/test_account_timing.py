"""Accounts that reveal nothing, timed: with a slow SMTP server and a slow SMS gateway, the
registration of a known address or number and of a new one, the password reset of a known
number and of an unknown one, and a paper-file claim that matches or not, answer alike and in
the same time (medians within noise); the worker sends the messages afterwards.

The application is configured as in production (its queue is served by a huey consumer,
started only once the requests have been timed), with Argon2 at a real cost so that a hash
done on one path only would show.
"""
import itertools
import sys
import time
from pathlib import Path
from statistics import median

import pytest

from tests.notifications.fakes import FakeGateway, SlowSMTPServer, run_worker, serving

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "auth"))
from auth_helpers import PASSWORD  # noqa: E402

DELAY = 0.2   # seconds the SMTP server and the gateway take for each message
ROUNDS = 7
NOISE = 0.06  # seconds, between medians
KNOWN_EMAIL, KNOWN_PHONE = "connue@exemple.ml", "+22376123456"
PAPER_PHONE = "+22377000001"
_numbers = itertools.count(10)


@pytest.fixture
def slow_servers():
    smtp, gateway = SlowSMTPServer(DELAY), FakeGateway(delay=DELAY)
    with serving(smtp), serving(gateway):
        yield smtp, gateway


@pytest.fixture
def queued_app(app, database_url, slow_servers):
    from config import TestingConfig
    from quota_app import create_app
    from quota_app.extensions import db
    from tests.conftest import IsolatedClient

    smtp, gateway = slow_servers
    url, engine_options = database_url
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.SQLALCHEMY_ENGINE_OPTIONS = {**engine_options}
    config.HUEY_IMMEDIATE = False
    config.HUEY_URL = "memory://"
    config.MAIL_SERVER, config.MAIL_PORT = smtp.server_address
    config.MAIL_USE_TLS, config.MAIL_USERNAME = False, ""
    config.SMS_GATEWAY_URL = gateway.url
    config.ARGON2_TIME_COST, config.ARGON2_MEMORY_KIB = 2, 19456
    # These tests ask many times from one address and for one number.
    config.RATE_LIMIT_ATTEMPTS = config.RATE_LIMIT_ADDRESS_ATTEMPTS = 10_000
    config.PHONE_CODE_SENDS_PER_NUMBER = config.PHONE_CODE_SENDS_PER_ADDRESS = 10_000
    application = create_app(config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        from quota_app.auth import services

        user = services._new_user(KNOWN_EMAIL, PASSWORD, "applicant", "Connue")
        services._open_applicant(user, "v1", None)
        other = services._new_user(None, PASSWORD, "applicant", "Connu", phone=KNOWN_PHONE)
        services._open_applicant(other, "v1", None)
        db.session.commit()
        from factories import make_application

        paper = make_application("submitted")  # as an import leaves it: no account, the number typed
        paper.phone = PAPER_PHONE
        paper.applicant.user_id, paper.applicant.source = None, "import"
        application.config["PAPER_REFERENCE"] = paper.reference
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _medians(post, known, unknown):
    """Post each (known, unknown) pair ROUNDS times, alternating; the answers and the medians."""
    post(known()), post(unknown())  # warm-up (templates, connections, the hash's parameters)
    timings = {"known": [], "unknown": []}
    answers = set()
    for _ in range(ROUNDS):
        for name, make in (("known", known), ("unknown", unknown)):
            start = time.perf_counter()
            response = post(make())
            timings[name].append(time.perf_counter() - start)
            answers.add((name, response.status_code, response.headers.get("Location")))
    return answers, median(timings["known"]), median(timings["unknown"])


def _same(answers):
    return len({(code, location) for _name, code, location in answers}) == 1


def _register(client, who):
    return client.post("/inscription", data={"email": who, "full_name": "Awa Traoré", "password": PASSWORD,
                                             "confirm": PASSWORD, "consent": "y"})


@pytest.mark.slow
def test_registration_of_a_known_address_or_number_looks_and_takes_the_same(queued_app, slow_servers):
    from quota_app.extensions import db
    from quota_app.notifications.models import OutboxMessage

    smtp, gateway = slow_servers
    client = queued_app.test_client()
    with queued_app.app_context():  # the paper file's receipt, written at its making
        before = db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar()
    post = lambda who: _register(client, who)  # noqa: E731
    for known, unknown in (
        (lambda: KNOWN_EMAIL, lambda: f"nouvelle{next(_numbers)}@exemple.ml"),
        (lambda: "76 12 34 56", lambda: f"+223 66 {next(_numbers):06d}"),
    ):
        answers, k, u = _medians(post, known, unknown)
        assert _same(answers), answers
        assert abs(k - u) < NOISE, f"médianes : connu {k * 1000:.0f} ms, nouveau {u * 1000:.0f} ms"
    assert smtp.received == [] and gateway.received == []  # no request spoke to a server
    with queued_app.app_context():
        count = db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar()
    assert count - before == 2 * 2 * (ROUNDS + 1)
    run_worker(queued_app, until=lambda: len(smtp.received) + len(gateway.received) == count, timeout=30)
    assert len(smtp.received) + len(gateway.received) == count
    texts = [r["json"]["text"] for r in gateway.received]
    assert sum("quelqu'un a essayé" in t for t in texts) == ROUNDS + 1  # the owner, told each time
    assert sum("votre code pour créer votre compte" in t for t in texts) == ROUNDS + 1


@pytest.mark.slow
def test_reset_and_claim_for_known_and_unknown_numbers_take_the_same_time(queued_app, slow_servers):
    _smtp, gateway = slow_servers
    client = queued_app.test_client()
    reset = lambda who: client.post("/mot-de-passe/oublie", data={"email": who})  # noqa: E731
    answers, k, u = _medians(reset, lambda: KNOWN_PHONE, lambda: "+223 70 00 00 00")
    assert _same(answers), answers
    assert abs(k - u) < NOISE, f"médianes : numéro connu {k * 1000:.0f} ms, inconnu {u * 1000:.0f} ms"
    reference = queued_app.config["PAPER_REFERENCE"]
    claim = lambda who: client.post("/dossier-papier", data={"reference": reference, "phone": who})  # noqa: E731
    answers, k, u = _medians(claim, lambda: PAPER_PHONE, lambda: "+223 70 00 00 00")
    assert _same(answers), answers
    assert abs(k - u) < NOISE, f"médianes : numéro du dossier {k * 1000:.0f} ms, autre {u * 1000:.0f} ms"
    assert gateway.received == []
    # (The paper file's own submission message may leave too: only the codes are counted.)
    codes = lambda: [r for r in gateway.received if "Valable 10 min" in r["json"]["text"]]  # noqa: E731
    run_worker(queued_app, until=lambda: len(codes()) == 2 * (ROUNDS + 1), timeout=30)
    # The codes, afterwards: to the known number (reset) and to the file's number (claim) only.
    assert sorted({r["json"]["to"] for r in codes()}) == [KNOWN_PHONE, PAPER_PHONE]
    assert len(codes()) == 2 * (ROUNDS + 1)
