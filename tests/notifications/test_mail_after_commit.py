"""Mail after commit: the outbox is written in the transaction; the queue delivers once it has
committed (immediately here: TestingConfig's queue is in immediate mode), with retries and an
exponential backoff; nothing leaves for a transaction that rolled back."""
import smtplib
from datetime import timedelta

import pytest


class FakeSMTP:
    """Stands for smtplib.SMTP; `failures` connections are refused before the server answers."""

    sent = []
    connections = 0
    failures = 0

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port
        self.tls = False
        self.user = None

    def __enter__(self):
        FakeSMTP.connections += 1
        if FakeSMTP.failures:
            FakeSMTP.failures -= 1
            raise ConnectionRefusedError("connexion refusée")
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        self.tls = True

    def login(self, user, password):
        self.user = user

    def send_message(self, mail):
        FakeSMTP.sent.append((self, mail))


@pytest.fixture
def smtp(app, monkeypatch):
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent, FakeSMTP.connections, FakeSMTP.failures = [], 0, 0
    saved = {key: app.config[key] for key in
             ("MAIL_SERVER", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_MAX_ATTEMPTS", "MAIL_RETRY_DELAY_SECONDS")}
    app.config.update(MAIL_SERVER="smtp.exemple.ml", MAIL_USE_TLS=True, MAIL_USERNAME="quota",
                      MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_DELAY_SECONDS=0)
    yield FakeSMTP
    app.config.update(saved)


def stored(db, message_id):
    """The message as the database has it now (not the session's copy)."""
    from quota_app.notifications.models import OutboxMessage

    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_a_rolled_back_transaction_sends_nothing(db, smtp):
    from quota_app.notifications.models import OutboxMessage
    from quota_app.notifications.services import send_email

    send_email("a@exemple.ml", "Sujet", "Texte")
    db.session.rollback()
    assert smtp.connections == 0
    db.session.commit()  # the next transaction of the same session does not carry it
    assert smtp.connections == 0
    assert db.session.execute(db.select(OutboxMessage)).first() is None


def test_a_released_savepoint_waits_for_the_outer_commit(db, smtp):
    from quota_app.notifications.services import send_email

    with db.session.begin_nested():
        message = send_email("a@exemple.ml", "Sujet", "Texte")
    assert smtp.connections == 0
    db.session.commit()
    assert [mail["To"] for _, mail in smtp.sent] == ["a@exemple.ml"]
    assert stored(db, message.id).status == "sent"


def test_the_message_leaves_after_the_commit(db, smtp):
    from quota_app.notifications.services import send_email

    message = send_email("a@exemple.ml", "Sujet", "Texte")
    assert message.status == "pending" and smtp.connections == 0  # nothing during the transaction
    db.session.commit()
    smtp_used, mail = smtp.sent[0]
    assert smtp_used.tls and smtp_used.user == "quota" and mail["To"] == "a@exemple.ml"
    message = stored(db, message.id)
    assert message.status == "sent" and message.sent_at is not None
    assert message.attempts == 1 and message.last_attempt_at is not None and message.error == ""


def test_smtp_failures_are_retried_then_the_message_fails_with_the_error(db, smtp):
    from quota_app.notifications.services import send_email

    smtp.failures = 10
    message = send_email("b@exemple.ml", "Sujet", "Texte")
    db.session.commit()  # does not raise: delivery problems are recorded, never thrown at the writer
    message = stored(db, message.id)
    assert smtp.connections == 3 and smtp.sent == []
    assert message.status == "failed" and message.attempts == 3
    assert "ConnectionRefusedError: connexion refusée" in message.error
    assert message.last_attempt_at is not None and message.sent_at is None


def test_a_retry_that_succeeds_sends_once(db, smtp):
    from quota_app.notifications.services import send_email

    smtp.failures = 1
    message = send_email("c@exemple.ml", "Sujet", "Texte")
    db.session.commit()
    message = stored(db, message.id)
    assert message.status == "sent" and message.attempts == 2 and message.error == ""
    assert len(smtp.sent) == 1


def test_retries_wait_longer_each_time(app, db, smtp):
    """With a delay the retry is scheduled on the queue (not run at once), twice as late each time."""
    from quota_app.jobs.queue import queue_of
    from quota_app.notifications.services import retry_delay, send_email

    assert [retry_delay(n, 60) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    app.config["MAIL_RETRY_DELAY_SECONDS"] = 30
    huey = queue_of(app).huey
    smtp.failures = 10
    message = send_email("d@exemple.ml", "Sujet", "Texte")
    db.session.commit()
    assert stored(db, message.id).attempts == 1 and stored(db, message.id).status == "pending"
    waits = []
    for attempts in (2, 3):
        [retry] = huey.read_schedule(huey._get_timestamp() + timedelta(days=1))
        waits.append((retry.eta - stored(db, message.id).last_attempt_at).total_seconds())
        huey.execute(retry, timestamp=retry.eta)  # the consumer's scheduler would run it then
        assert stored(db, message.id).attempts == attempts
    assert waits[0] == pytest.approx(30, abs=2) and waits[1] == pytest.approx(60, abs=2)
    message = stored(db, message.id)
    assert message.status == "failed" and huey.scheduled() == []


def test_without_an_smtp_server_the_message_stays_in_the_outbox(app, db, monkeypatch, capsys):
    from quota_app.notifications.services import send_email

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    FakeSMTP.connections = 0
    app.config["MAIL_TO_CONSOLE"] = True
    try:
        send_email("e@exemple.ml", "Annulé", "Jamais écrit")
        db.session.rollback()
        message = send_email("e@exemple.ml", "Sujet console", "Texte console")
        assert "Texte console" not in capsys.readouterr().out  # the copy waits for the commit
        db.session.commit()
    finally:
        app.config["MAIL_TO_CONSOLE"] = False
    out = capsys.readouterr().out
    assert "Texte console" in out and "Jamais écrit" not in out
    assert stored(db, message.id).status == "outbox_only" and FakeSMTP.connections == 0


def test_redactions_are_registered_by_the_features(monkeypatch):
    from quota_app.notifications import services
    from quota_app.notifications.services import redact, register_redaction

    monkeypatch.setattr(services, "_redacted_prefixes", set(services._redacted_prefixes))
    register_redaction("/code-unique/")
    assert redact("voir https://q.ml/code-unique/abc123 puis /code-unique/x") == \
        "voir https://q.ml/code-unique/[masqué] puis /code-unique/[masqué]"
    assert redact(None) == ""


def test_the_outbox_page_shows_the_state_the_attempts_and_the_error(client, db, smtp, make_user, login):
    import html

    from quota_app.notifications.services import send_email

    smtp.failures = 10
    failed = send_email("f@exemple.ml", "Refusé", "Texte")
    db.session.commit()
    smtp.failures = 0
    send_email("g@exemple.ml", "Parti", "Texte")
    db.session.commit()
    login(make_user("manager"))
    page = html.unescape(client.get("/messages/").get_data(as_text=True))
    assert "Tentatives" in page and "Erreur" in page and "Échec" in page and "Envoyé" in page
    assert "ConnectionRefusedError: connexion refusée" in page
    detail = html.unescape(client.get(f"/messages/{failed.id}").get_data(as_text=True))
    assert "Tentatives d'envoi" in detail and "Dernière tentative" in detail
    assert "<dd>3</dd>" in detail and "connexion refusée" in detail
