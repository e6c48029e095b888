"""Applicant self-registration with an e-mail address or a Malian phone number, proven by a
6-digit code: validation, consent, Applicant row, bad/expired/exhausted codes, sends limited,
and the same answer whether the address or number already has an account."""
from datetime import timedelta

import pytest

from auth_helpers import PASSWORD, last_message, readable, sent_code, text

PHONE = "+22376123456"


def register(client, **overrides):
    data = {
        "email": "awa.traore@exemple.ml",
        "full_name": "Awa Traoré",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "consent": "y",
    }
    data.update(overrides)
    return client.post("/inscription", data={k: v for k, v in data.items() if v is not None})


def enter(client, code, path="/inscription/code"):
    return client.post(path, data={"code": code})


def users(db):
    from quota_app.auth.models import User

    return db.session.execute(db.select(db.func.count(User.id))).scalar()


def test_registration_page_shows_consent_text(client):
    page = text(client.get("/inscription"))
    assert "loi n°2013-015" in page
    assert "J'ai lu ces informations" in page
    assert "Numéro de téléphone ou adresse e-mail" in page


def test_registration_by_email_is_proven_by_a_code(app, client, db):
    from quota_app.applications.models import Applicant
    from quota_app.auth.models import Consent, OneTimeCode, User
    from quota_app.timeutil import utcnow

    before = utcnow()
    response = register(client, email="  Awa.Traore@Exemple.ML ")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inscription/code")
    assert users(db) == 0  # nothing before the code
    page = text(client.get("/inscription/code"))
    assert "Un code à 6 chiffres a été envoyé au a•••@exemple.ml" in page
    message = last_message(db, "awa.traore@exemple.ml")
    code = sent_code(db, "awa.traore@exemple.ml")
    assert code not in message.body and code in readable(message)
    row = db.session.execute(db.select(OneTimeCode)).scalar_one()
    assert code not in row.code_hash and len(row.code_hash) == 64
    response = enter(client, code)
    assert response.status_code == 302 and response.headers["Location"].endswith("/candidat/")
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.email == "awa.traore@exemple.ml" and user.phone is None
    assert user.role == "applicant" and user.password_hash.startswith("$argon2id$")
    consent = db.session.execute(db.select(Consent)).scalar_one()
    assert consent.user_id == user.id and consent.text_version == app.config["CONSENT_VERSION"]
    assert before <= consent.given_at <= utcnow()
    applicant = db.session.execute(db.select(Applicant)).scalar_one()
    assert applicant.user_id == user.id and applicant.source == "web"
    assert client.get("/candidat/").status_code == 200  # logged in
    db.session.expire_all()
    row = db.session.execute(db.select(OneTimeCode)).scalar_one()
    assert row.used_at is not None and "password_hash" not in (row.payload or {})


@pytest.mark.parametrize("typed", ["+223 76 12 34 56", "0022376123456", "223 76.12.34.56", "76-12-34-56",
                                   "(+223) 7612 3456", "76123456"])
def test_registration_by_phone_in_every_usual_shape(client, db, typed):
    from quota_app.auth.models import User

    response = register(client, email=typed)
    assert response.status_code == 302
    message = last_message(db, PHONE)
    assert message.channel == "sms" and message.to_phone == PHONE
    assert "Valable 10 min" in readable(message) and message.secret not in message.body
    assert "Un code à 6 chiffres a été envoyé au +223 •• •• 34 56" in text(client.get("/inscription/code"))
    assert enter(client, sent_code(db, PHONE)).status_code == 302
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.phone == PHONE and user.email is None and user.phone_verified_at is not None
    # The phone logs in, in any shape.
    client.post("/deconnexion")
    assert client.post("/connexion", data={"email": "76 12 34 56", "password": PASSWORD}).status_code == 302


def test_a_wrong_code_then_too_many_tries(app, client, db):
    register(client, email=PHONE)
    code = sent_code(db, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    answer = enter(client, wrong)
    assert answer.status_code == 200 and "Code incorrect." in text(answer)
    assert "6 chiffres" in text(enter(client, "12a"))  # a mistyped code spends no try
    for _ in range(3):
        enter(client, wrong)
    fifth = enter(client, wrong)
    assert "Trop d'essais pour ce code" in text(fifth)
    assert "Trop d'essais pour ce code" in text(enter(client, code))  # even the right one now
    assert users(db) == 0


def test_an_expired_code_is_refused(client, db):
    from quota_app.auth.models import OneTimeCode

    register(client, email=PHONE)
    code = sent_code(db, PHONE)
    row = db.session.execute(db.select(OneTimeCode)).scalar_one()
    row.expires_at = row.created_at + timedelta(minutes=10) - timedelta(minutes=11)
    db.session.commit()
    answer = enter(client, code)
    assert "n'est plus valable" in text(answer) and users(db) == 0


def test_codes_last_ten_minutes(client, db):
    from quota_app.auth.models import OneTimeCode

    register(client, email=PHONE)
    row = db.session.execute(db.select(OneTimeCode)).scalar_one()
    assert row.expires_at - row.created_at == timedelta(minutes=10)


def test_resending_gives_a_new_code_and_the_old_one_dies(client, db):
    register(client, email=PHONE)
    first = sent_code(db, PHONE)
    answer = client.post("/code/renvoyer/register", follow_redirects=True)
    assert "un nouveau code vient d'être envoyé" in text(answer)
    second = sent_code(db, PHONE)
    if first != second:
        assert "Code incorrect." in text(enter(client, first))  # only the last code works
    assert enter(client, second).status_code == 302


def test_sends_are_limited_per_number_and_per_hour(app, client, db, clock):
    from quota_app.notifications.models import OutboxMessage

    for _ in range(3):
        assert register(app.test_client(), email=PHONE).status_code == 302
    fourth = register(app.test_client(), email=PHONE)
    assert fourth.status_code == 429 and "Trop de tentatives" in text(fourth)
    assert db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar() == 3
    # Another number from the same place is not held up by it.
    assert register(app.test_client(), email="+223 66 00 00 01").status_code == 302


def test_sends_are_limited_per_address(app, db, clock):
    app.config["PHONE_CODE_SENDS_PER_ADDRESS"] = 2
    try:
        for n in range(2):
            assert register(app.test_client(), email=f"+223 66 00 00 1{n}").status_code == 302
        assert register(app.test_client(), email="+223 66 00 00 19").status_code == 429
        other_place = app.test_client().post("/inscription", data={
            "email": "+223 66 00 00 19", "full_name": "X Y", "password": PASSWORD, "confirm": PASSWORD,
            "consent": "y"}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
        assert other_place.status_code == 302
    finally:
        app.config["PHONE_CODE_SENDS_PER_ADDRESS"] = 30


@pytest.mark.parametrize("overrides, message", [
    ({"password": "court", "confirm": "court"}, "au moins 12 caractères"),
    ({"password": "toutenminuscules", "confirm": "toutenminuscules"}, "au moins deux types"),
    ({"password": "aaaaaaaaaaaa1", "confirm": "aaaaaaaaaaaa1"}, "trop peu de caractères différents"),
    ({"password": "awa.traore-2026", "confirm": "awa.traore-2026"}, "ne doit pas contenir votre adresse"),
    ({"email": PHONE, "password": "Mot-76123456", "confirm": "Mot-76123456"}, "ne doit pas contenir votre numéro"),
    ({"confirm": "Autre-mot-de-passe-2026"}, "Les deux mots de passe ne sont pas identiques."),
    ({"consent": None}, "Vous devez accepter le traitement de vos données"),
    ({"email": "awa@"}, "Adresse e-mail invalide."),
    ({"email": "76 12 34"}, "8 chiffres après +223"),
    ({"email": "+33 6 12 34 56 78"}, "Indiquez un numéro malien"),
    ({"full_name": ""}, "Ce champ est obligatoire."),
])
def test_registration_bad_inputs_are_refused(client, db, overrides, message):
    from quota_app.notifications.models import OutboxMessage

    response = register(client, **overrides)
    assert response.status_code == 200
    assert message in text(response)
    assert users(db) == 0 and db.session.execute(db.select(OutboxMessage)).first() is None


def _same_pages(client_a, client_b, **registration):
    a, b = register(client_a, **registration), register(client_b, **registration)
    return (a.status_code, a.headers.get("Location")), (b.status_code, b.headers.get("Location"))


def test_a_known_email_gets_the_same_answer_and_its_owner_is_told(app, client, db, make_user):
    from quota_app.notifications.models import OutboxMessage

    make_user("applicant", email="awa.traore@exemple.ml")
    known = register(client)
    new = register(app.test_client(), email="nouvelle@exemple.ml")
    assert (known.status_code, known.headers["Location"]) == (new.status_code, new.headers["Location"])
    page = text(client.get("/inscription/code"))
    assert "Un code à 6 chiffres a été envoyé au a•••@exemple.ml" in page and "existe" not in page
    told = last_message(db, "awa.traore@exemple.ml")
    assert told.subject == "Tentative de création de compte" and told.secret is None
    assert "Vous avez déjà un compte" in told.body
    # No code can open a second account on that address.
    for guess in ("000000", "123456"):
        assert "Code incorrect." in text(enter(client, guess))
    assert users(db) == 1
    assert db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar() == 2


def test_a_known_phone_gets_the_same_answer_and_its_owner_is_told_by_sms(app, client, db, make_user):
    from quota_app.auth.models import User

    owner = make_user("applicant", email="owner@exemple.ml")
    with app.app_context():
        from quota_app.extensions import db as database
        database.session.get(User, owner.id).phone = PHONE
        database.session.commit()
    known = register(client, email="76 12 34 56")
    assert known.status_code == 302 and known.headers["Location"].endswith("/inscription/code")
    told = last_message(db, PHONE)
    assert told.channel == "sms" and "quelqu'un a essayé de créer un compte Quota avec votre numéro" in told.body
    assert told.secret is None
    assert "Code incorrect." in text(enter(client, "123456"))
    assert users(db) == 1


def test_registration_is_slowed_per_address_not_locked(app, client, clock):
    app.config["RATE_LIMIT_ADDRESS_ATTEMPTS"] = 2
    try:
        register(client, email="a1@exemple.ml", password="court", confirm="court")
        register(client, email="a2@exemple.ml", password="court", confirm="court")
        response = register(client, email="a3@exemple.ml")
        elsewhere = app.test_client().post("/inscription", data={
            "email": "a4@exemple.ml", "full_name": "A B", "password": PASSWORD, "confirm": PASSWORD,
            "consent": "y"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    finally:
        app.config["RATE_LIMIT_ADDRESS_ATTEMPTS"] = 200
    assert response.status_code == 429
    assert "Trop de tentatives. Réessayez dans" in text(response) and "seconde" in text(response)
    assert elsewhere.status_code == 302


def test_the_code_page_without_a_pending_code_goes_back(client):
    response = client.get("/inscription/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inscription")


def test_register_applicant_service_still_refuses_a_known_address(db, make_user):
    from quota_app.auth import services
    from quota_app.errors import ValidationFailed

    make_user("applicant", email="awa@exemple.ml")
    with pytest.raises(ValidationFailed):
        services.register_applicant("awa@exemple.ml", PASSWORD, "Awa", True, "v1")
