"""The outbox page and the e-mail service."""
import smtplib

import pytest

from auth_helpers import text


@pytest.mark.parametrize("role", ["applicant", "committee", "amci"])
def test_outbox_forbidden_to_other_roles(client, make_user, login, role):
    login(make_user(role))
    assert client.get("/messages/").status_code == 403
    assert client.get("/messages/1").status_code == 403


def test_outbox_anonymous_goes_to_login(client):
    response = client.get("/messages/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_outbox_visible_to_manager_with_search_and_detail(client, db, make_user, login):
    from quota_app.notifications.services import send_email

    for i in range(52):
        send_email(f"candidat{i:02d}@exemple.ml", f"Objet {i:02d}", "Bonjour")
    message = send_email("awa@exemple.ml", "Votre dossier", "Corps du message")
    db.session.commit()
    login(make_user("manager"))
    page = text(client.get("/messages/"))
    assert "53 message(s)" in page and "Page 1 sur 2" in page
    page = text(client.get("/messages/?q=AWA@"))
    assert "1 message(s)" in page and "Votre dossier" in page
    detail = text(client.get(f"/messages/{message.id}"))
    assert "Corps du message" in detail and "Conservé (pas d'envoi)" in detail
    assert client.get("/messages/999999").status_code == 404


def test_outbox_hides_reset_links(client, db, make_user, login):
    from quota_app.auth.services import request_password_reset
    from quota_app.notifications.models import OutboxMessage

    admin = make_user("admin")
    request_password_reset(admin.email, ip="127.0.0.1")
    db.session.commit()
    message = db.session.execute(db.select(OutboxMessage)).scalar_one()
    token = message.body.split("/mot-de-passe/reinitialiser/")[1].split()[0]
    login(make_user("manager"))
    detail = text(client.get(f"/messages/{message.id}"))
    assert token not in detail and "[masqué]" in detail


class FakeSMTP:
    sent = []
    fail = False

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port
        self.tls = False

    def __enter__(self):
        if FakeSMTP.fail:
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


def test_send_email_via_smtp_after_the_commit(app, db, monkeypatch):
    """Delivery itself is tested in tests/notifications; here, what an account's mail goes through."""
    from quota_app.notifications.models import OutboxMessage
    from quota_app.notifications.services import send_email

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent, FakeSMTP.fail = [], False
    app.config.update(MAIL_SERVER="smtp.exemple.ml", MAIL_USE_TLS=True, MAIL_USERNAME="quota",
                      MAIL_MAX_ATTEMPTS=2, MAIL_RETRY_DELAY_SECONDS=0)
    try:
        message_id = send_email("a@exemple.ml", "Sujet", "Texte").id
        assert FakeSMTP.sent == []
        db.session.commit()
        message = db.session.get(OutboxMessage, message_id)
        assert message.status == "sent" and message.sent_at is not None
        smtp, mail = FakeSMTP.sent[0]
        assert smtp.tls and smtp.user == "quota" and mail["To"] == "a@exemple.ml"
        FakeSMTP.fail = True
        failed_id = send_email("b@exemple.ml", "Sujet", "Texte").id
        db.session.commit()
        failed = db.session.get(OutboxMessage, failed_id)
        assert failed.status == "failed" and "connexion refusée" in failed.error and failed.attempts == 2
    finally:
        app.config.update(MAIL_SERVER="", MAIL_USERNAME="")


def test_send_email_to_console(app, db, capsys):
    from quota_app.notifications.services import send_email

    app.config["MAIL_TO_CONSOLE"] = True
    try:
        message = send_email("c@exemple.ml", "Sujet console", "Texte console")
        db.session.commit()  # the copy is printed once the transaction has committed
    finally:
        app.config["MAIL_TO_CONSOLE"] = False
    assert message.status == "outbox_only"
    assert "Texte console" in capsys.readouterr().out
