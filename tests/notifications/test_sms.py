"""SMS through the outbox: GSM-7 text, the channels a message takes, the HTTP gateway (a local
fake on 127.0.0.1: what it receives, its failures and the retries, its delivery reports),
secrets dropped once sent, what managers read."""
import base64
import html
from datetime import timedelta

import pytest

from tests.notifications.fakes import FakeGateway, serving

PHONE = "+22376123456"


@pytest.fixture
def gateway(app):
    """The fake gateway, configured as the production one would be; retries without waiting."""
    server = FakeGateway()
    keys = ("SMS_GATEWAY_URL", "SMS_GATEWAY_USERNAME", "SMS_GATEWAY_PASSWORD", "SMS_GATEWAY_TOKEN",
            "SMS_SENDER", "SMS_MAX_ATTEMPTS", "SMS_RETRY_DELAY_SECONDS", "SMS_UNICODE", "SMS_CALLBACK_SECRET",
            "SMS_GATEWAY_TIMEOUT_SECONDS")
    saved = {key: app.config[key] for key in keys}
    with serving(server):
        app.config.update(SMS_GATEWAY_URL=server.url, SMS_GATEWAY_USERNAME="quota", SMS_GATEWAY_PASSWORD="s3cret",
                          SMS_GATEWAY_TOKEN="", SMS_SENDER="DNFP-Quota", SMS_MAX_ATTEMPTS=3,
                          SMS_RETRY_DELAY_SECONDS=0, SMS_UNICODE=False, SMS_CALLBACK_SECRET="rapport-secret")
        yield server
    app.config.update(saved)


def stored(db, message_id):
    from quota_app.notifications.models import OutboxMessage

    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


# --- the text ---------------------------------------------------------------------------------

def test_gsm7_keeps_what_it_has_and_plains_the_rest():
    from quota_app.notifications.smstext import is_gsm7, segments, sms_text, to_gsm7

    assert to_gsm7("Délai prolongé à Mopti : répondez") == "Délai prolongé à Mopti : répondez"  # é, à are GSM-7
    assert to_gsm7("Être reçu, garçon, « Fès » – l’hôtel… œuvre") == \
        'Etre reçu, garcon, "Fès" - l\'hotel... oeuvre'.replace("ç", "c")
    assert is_gsm7(to_gsm7("Ségou → Fès 😀 ê")) and to_gsm7("😀") == "?"
    assert sms_text("Réf.  MLI-2026-000123  ê", unicode_ok=True) == "Réf. MLI-2026-000123 ê"
    assert sms_text("Réf. MLI ê", unicode_ok=False) == "Réf. MLI e"
    assert segments("a" * 160) == ("gsm7", 1) and segments("a" * 161) == ("gsm7", 2)
    assert segments("€" * 80) == ("gsm7", 1) and segments("€" * 81) == ("gsm7", 2)  # two places each
    assert segments("ê" * 70) == ("ucs2", 1) and segments("ê" * 71) == ("ucs2", 2)


def test_short_link_drops_the_scheme(app):
    from quota_app.notifications.smstext import short_link

    assert short_link("https://www.quota.ml/", "/candidat/") == "quota.ml/candidat/"
    assert short_link("http://127.0.0.1:5000", "") == "127.0.0.1:5000"


# --- channels ---------------------------------------------------------------------------------

@pytest.mark.parametrize("email, phone, prefers, expected", [
    ("a@exemple.ml", PHONE, "both", ("sms", "email")),
    ("a@exemple.ml", PHONE, "sms", ("sms",)),
    ("a@exemple.ml", PHONE, "email", ("email",)),
    ("a@exemple.ml", None, "sms", ("email",)),      # the preferred channel is missing: the other
    (None, "76 12 34 56", "email", ("sms",)),
    (None, None, "both", ()),
    ("a@exemple.ml", "12 34", "both", ("email",)),  # not a Malian number: no SMS
])
def test_channels_follow_what_the_person_has_and_prefers(email, phone, prefers, expected):
    from quota_app.notifications.services import Contact, channels_for

    assert channels_for(Contact(email=email, phone=phone, prefers=prefers)) == expected


def test_notify_writes_what_it_says_it_queued(app, db):
    from quota_app.notifications.models import OutboxMessage
    from quota_app.notifications.services import Contact, notify

    told = notify(Contact("awa@exemple.ml", "00223 76.12.34.56", "both"), "Dossier MLI-2026-000001 soumis",
                  "Bonjour,\n\nVotre dossier est soumis.", "Quota : votre dossier est soumis.",
                  reference="MLI-2026-000001", link_path="/candidat/")
    db.session.commit()
    assert told.channels == ("sms", "email") and told.said == "prévenu par SMS et par e-mail" and told
    assert told.sms.to_phone == PHONE and told.email.to_email == "awa@exemple.ml"
    assert stored(db, told.sms.id).body == "Quota : votre dossier est soumis. Réf. MLI-2026-000001. 127.0.0.1:5000/candidat/"
    only_sms = notify(Contact(None, PHONE, "email"), "Sujet", "Texte", "Texte court")
    assert only_sms.said == "prévenu par SMS" and only_sms.email is None
    nobody = notify(Contact(None, None), "Sujet", "Texte", "Texte court")
    assert not nobody and nobody.said == "" and nobody.channels == ()
    db.session.commit()
    assert db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar() == 3


def test_send_email_without_an_address_writes_nothing(db):
    from quota_app.notifications.services import send_email, send_sms

    assert send_email(None, "Sujet", "Texte") is None and send_email("", "Sujet", "Texte") is None
    assert send_sms("pas un numéro", "Texte", "Sujet") is None


# --- the gateway ------------------------------------------------------------------------------

def test_without_a_gateway_the_sms_stays_in_the_outbox(app, db, capsys):
    from quota_app.notifications.services import send_sms

    app.config["MAIL_TO_CONSOLE"] = True
    try:
        message = send_sms("76 12 34 56", "Votre place expire demain.", "Rappel")
        db.session.commit()
    finally:
        app.config["MAIL_TO_CONSOLE"] = False
    assert stored(db, message.id).status == "outbox_only"
    assert f"SMS pour {PHONE}" in capsys.readouterr().out


def test_the_gateway_receives_the_sms_after_the_commit(app, db, gateway):
    from quota_app.notifications.services import send_sms

    message = send_sms("+223 76 12 34 56", "Délai : répondez avant le 12/07 à 18:00. Être à l'heure.", "Rappel")
    db.session.rollback()
    assert gateway.received == []  # rolled back: nothing leaves
    message = send_sms("+223 76 12 34 56", "Délai : répondez avant le 12/07 à 18:00. Être à l'heure.", "Rappel")
    assert gateway.received == []  # not before the commit
    db.session.commit()
    [request] = gateway.received
    assert request["path"] == "/api/sms"
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"quota:s3cret").decode()
    data = request["json"]
    assert data["to"] == PHONE and data["from"] == "DNFP-Quota" and data["encoding"] == "gsm7"
    assert data["text"] == "Délai : répondez avant le 12/07 à 18:00. Etre à l'heure."
    assert data["reference"] == f"quota-{message.id}"
    assert data["callback_url"].endswith("/messages/sms/statut")
    message = stored(db, message.id)
    assert message.status == "sent" and message.gateway_id == "gw-1" and message.attempts == 1


def test_unicode_gateway_keeps_the_accents_and_bearer_token(app, db, gateway):
    from quota_app.notifications.services import send_sms

    app.config.update(SMS_UNICODE=True, SMS_GATEWAY_TOKEN="jeton")
    send_sms(PHONE, "Être reçu à Fès", "Résultat")
    db.session.commit()
    [request] = gateway.received
    assert request["json"]["text"] == "Être reçu à Fès" and request["json"]["encoding"] == "ucs2"
    assert request["headers"]["Authorization"] == "Bearer jeton"


def test_gateway_failures_are_retried_then_sent_once(db, gateway):
    from quota_app.notifications.services import send_sms

    gateway.failures = 2
    message = send_sms(PHONE, "Texte", "Sujet")
    db.session.commit()
    message = stored(db, message.id)
    assert [r["answer"] for r in gateway.received] == [503, 503, 200]
    assert message.status == "sent" and message.attempts == 3 and message.error == ""


def test_a_gateway_down_for_good_fails_with_a_french_error(client, db, gateway, make_user, login):
    from quota_app.notifications.services import send_sms

    gateway.failures = 10
    message = send_sms(PHONE, "Texte", "Votre place")
    db.session.commit()
    message = stored(db, message.id)
    assert len(gateway.received) == 3 and message.status == "failed" and message.attempts == 3
    assert message.error == "La passerelle SMS est indisponible (réponse 503) : surcharge."
    login(make_user("manager"))
    page = html.unescape(client.get("/messages/").get_data(as_text=True))
    assert "SMS" in page and PHONE in page and "Échec" in page and "La passerelle SMS est indisponible" in page


def test_a_refusal_fails_at_once(db, gateway):
    from quota_app.notifications.services import send_sms

    gateway.refuse = True
    message = send_sms(PHONE, "Texte", "Sujet")
    db.session.commit()
    message = stored(db, message.id)
    assert len(gateway.received) == 1 and message.status == "failed" and message.attempts == 1
    assert message.error == "La passerelle SMS a refusé le message (réponse 400) : numéro invalide."


def test_an_unreachable_or_slow_gateway_is_said_in_french(app, db, gateway):
    from quota_app.notifications.services import send_sms

    gateway.delay = 1.0
    app.config.update(SMS_GATEWAY_TIMEOUT_SECONDS=0.2, SMS_MAX_ATTEMPTS=1)
    slow = send_sms(PHONE, "Texte", "Sujet")
    db.session.commit()
    assert stored(db, slow.id).error == "La passerelle SMS n'a pas répondu en 0.2 secondes."
    app.config["SMS_GATEWAY_URL"] = "http://127.0.0.1:9/api"  # nothing listens there
    down = send_sms(PHONE, "Texte", "Sujet")
    db.session.commit()
    assert stored(db, down.id).error.startswith("Passerelle SMS injoignable (")


# --- secrets -------------------------------------------------------------------------------------

def test_a_code_is_sent_then_dropped_from_the_outbox(db, gateway):
    from quota_app.notifications.models import SECRET_MARK
    from quota_app.notifications.services import redact, send_sms
    from quota_app.timeutil import utcnow

    message = send_sms(PHONE, f"Votre code est {SECRET_MARK}.", "Code", secret="123456",
                       secret_expires_at=utcnow() + timedelta(minutes=10))
    assert message.body == f"Votre code est {SECRET_MARK}." and message.secret == "123456"
    db.session.commit()
    assert gateway.received[0]["json"]["text"] == "Votre code est 123456."
    message = stored(db, message.id)
    assert message.status == "sent" and message.secret is None and "123456" not in message.body
    assert redact(message.body) == "Votre code est [masqué]."


def test_a_reset_link_is_dropped_once_mailed(app, db, make_user, monkeypatch):
    import smtplib

    from quota_app.auth.services import request_password_reset
    from quota_app.notifications.models import OutboxMessage

    sent = []

    class SMTP:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def send_message(self, mail):
            sent.append(mail.get_content())

    monkeypatch.setattr(smtplib, "SMTP", SMTP)
    user = make_user("manager")
    app.config.update(MAIL_SERVER="smtp.exemple.ml")
    try:
        request_password_reset(user.email)
        db.session.commit()
    finally:
        app.config.update(MAIL_SERVER="")
    assert "/mot-de-passe/reinitialiser/" in sent[0] and "{{secret}}" not in sent[0]
    token = sent[0].split("/mot-de-passe/reinitialiser/")[1].split()[0]
    message = db.session.execute(db.select(OutboxMessage)).scalar_one()
    assert message.status == "sent" and message.secret is None and token not in message.body


def test_expired_secrets_are_purged_from_messages_kept_in_the_outbox(db):
    from quota_app.notifications.models import SECRET_MARK
    from quota_app.notifications.services import purge_secrets, send_sms
    from quota_app.timeutil import utcnow

    old = send_sms(PHONE, f"Code {SECRET_MARK}", "Code", secret="111111", secret_expires_at=utcnow() - timedelta(seconds=1))
    fresh = send_sms(PHONE, f"Code {SECRET_MARK}", "Code", secret="222222",
                     secret_expires_at=utcnow() + timedelta(minutes=10))
    db.session.commit()
    assert purge_secrets() == 1
    db.session.commit()
    assert stored(db, old.id).secret is None and stored(db, fresh.id).secret == "222222"


# --- delivery reports ----------------------------------------------------------------------------

def _sent_sms(db, gateway):
    from quota_app.notifications.services import send_sms

    message = send_sms(PHONE, "Texte", "Votre place", application_id=None)
    db.session.commit()
    return stored(db, message.id)


def test_delivery_reports_need_the_secret(client, db, gateway):
    message = _sent_sms(db, gateway)
    report = {"id": message.gateway_id, "status": "DELIVRD"}
    assert client.post("/messages/sms/statut", json=report).status_code == 403
    assert client.post("/messages/sms/statut", json=report, headers={"Authorization": "Bearer faux"}).status_code == 403
    assert stored(db, message.id).delivery is None
    answer = client.post("/messages/sms/statut", json=report, headers={"Authorization": "Bearer rapport-secret"})
    assert answer.status_code == 204
    message = stored(db, message.id)
    assert message.delivery == "delivered" and message.delivered_at is not None


def test_delivery_report_by_form_and_reference_and_undelivered(client, db, gateway, make_user, login):
    message = _sent_sms(db, gateway)
    answer = client.post("/messages/sms/statut?cle=rapport-secret",
                         data={"reference": f"quota-{message.id}", "status": "UNDELIV", "reason": "téléphone éteint"})
    assert answer.status_code == 204
    message = stored(db, message.id)
    assert message.delivery == "undelivered"
    assert message.error == "Le SMS n'a pas été remis au téléphone (rapport de la passerelle : UNDELIV, téléphone éteint)."
    intermediate = client.post("/messages/sms/statut", json={"id": message.gateway_id, "status": "buffered"},
                               headers={"X-Quota-Secret": "rapport-secret"})
    assert intermediate.status_code == 204 and stored(db, message.id).delivery == "undelivered"
    unknown = client.post("/messages/sms/statut", json={"id": "gw-999", "status": "delivered"},
                          headers={"X-Quota-Secret": "rapport-secret"})
    assert unknown.status_code == 404
    login(make_user("manager"))
    page = html.unescape(client.get("/messages/").get_data(as_text=True))
    assert "Non remis" in page and "Le SMS n'a pas été remis au téléphone" in page


def test_without_a_configured_secret_nobody_reports(app, client, db, gateway):
    message = _sent_sms(db, gateway)
    app.config["SMS_CALLBACK_SECRET"] = ""
    answer = client.post("/messages/sms/statut", json={"id": message.gateway_id, "status": "delivered"},
                         headers={"Authorization": "Bearer "})
    assert answer.status_code == 403


# --- what managers read -----------------------------------------------------------------------

def test_outbox_search_finds_a_number_in_any_shape(client, db, make_user, login):
    from quota_app.notifications.services import send_email, send_sms

    send_sms(PHONE, "Texte", "SMS de Awa")
    send_email("moussa@exemple.ml", "Courriel de Moussa", "Texte")
    db.session.commit()
    login(make_user("manager"))
    for q in ("76 12 34 56", "+223 76-12-34-56", "7612"):
        page = html.unescape(client.get("/messages/", query_string={"q": q}).get_data(as_text=True))
        assert "SMS de Awa" in page and "Courriel de Moussa" not in page, q


def test_messages_of_a_file_on_every_channel(app, db):
    from flask import render_template_string

    from factories import make_application
    from quota_app.notifications.services import Contact, messages_for_application, notify

    application = make_application("submitted")
    other = make_application("submitted")
    notify(Contact("awa@exemple.ml", PHONE), "Dossier soumis", "Texte", "Texte court", application_id=application.id)
    notify(Contact("x@exemple.ml", None), "Autre", "Texte", "Texte", application_id=other.id)
    db.session.commit()
    messages = messages_for_application(application.id)
    assert [(m.channel, m.subject) for m in messages if m.subject == "Dossier soumis"] == \
        [("sms", "Dossier soumis"), ("email", "Dossier soumis")]
    assert all(m.application_id == application.id for m in messages)
    with app.test_request_context("/"):
        page = render_template_string('{% include "notifications/_application_messages.html" %}', messages=messages)
    assert "Messages envoyés au candidat" in page and "SMS" in page and PHONE in page and "E-mail" in page
    with app.test_request_context("/"):
        empty = render_template_string('{% include "notifications/_application_messages.html" %}', messages=[])
    assert "Aucun message" in empty
