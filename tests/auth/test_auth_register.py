"""Applicant self-registration: validation, consent, Applicant row, no address leak."""
import pytest

from auth_helpers import PASSWORD, text


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


def test_registration_page_shows_consent_text(client):
    page = text(client.get("/inscription"))
    assert "loi n°2013-015" in page
    assert "J'ai lu ces informations" in page


def test_registration_creates_account_consent_and_applicant(app, client, db):
    from quota_app.applications.models import Applicant
    from quota_app.auth.models import Consent, User
    from quota_app.timeutil import utcnow

    before = utcnow()
    response = register(client, email="  Awa.Traore@Exemple.ML ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/candidat/")
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.email == "awa.traore@exemple.ml"
    assert user.role == "applicant"
    assert user.password_hash.startswith("$argon2id$")
    consent = db.session.execute(db.select(Consent)).scalar_one()
    assert consent.user_id == user.id
    assert consent.text_version == app.config["CONSENT_VERSION"]
    assert before <= consent.given_at <= utcnow()
    applicant = db.session.execute(db.select(Applicant)).scalar_one()
    assert applicant.user_id == user.id and applicant.source == "web"
    # Logged in after registration.
    assert client.get("/candidat/").status_code == 200


@pytest.mark.parametrize("overrides, message", [
    ({"password": "court", "confirm": "court"}, "au moins 12 caractères"),
    ({"password": "toutenminuscules", "confirm": "toutenminuscules"}, "au moins deux types"),
    ({"password": "aaaaaaaaaaaa1", "confirm": "aaaaaaaaaaaa1"}, "trop peu de caractères différents"),
    ({"password": "awa.traore-2026", "confirm": "awa.traore-2026"}, "ne doit pas contenir votre adresse"),
    ({"confirm": "Autre-mot-de-passe-2026"}, "Les deux mots de passe ne sont pas identiques."),
    ({"consent": None}, "Vous devez accepter le traitement de vos données"),
    ({"email": "pas-une-adresse"}, "Adresse e-mail invalide."),
    ({"full_name": ""}, "Ce champ est obligatoire."),
])
def test_registration_bad_inputs_are_refused(client, db, overrides, message):
    from quota_app.auth.models import User

    response = register(client, **overrides)
    assert response.status_code == 200
    assert message in text(response)
    assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 0


def test_existing_email_does_not_leak(client, db, make_user):
    from quota_app.auth.models import User
    from quota_app.notifications.models import OutboxMessage

    make_user("applicant", email="awa.traore@exemple.ml")
    response = register(client)
    page = text(response)
    assert response.status_code == 200
    assert "existe déjà" not in page
    assert "Impossible de créer un compte avec ces informations" in page
    assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 1
    # The real owner is told by e-mail.
    message = db.session.execute(db.select(OutboxMessage)).scalar_one()
    assert message.to_email == "awa.traore@exemple.ml"


def test_registration_is_rate_limited_per_address(app, client):
    app.config["RATE_LIMIT_ATTEMPTS"] = 2
    try:
        register(client, email="a1@exemple.ml", password="court", confirm="court")
        register(client, email="a2@exemple.ml", password="court", confirm="court")
        response = register(client, email="a3@exemple.ml")
    finally:
        app.config["RATE_LIMIT_ATTEMPTS"] = 10
    assert response.status_code == 429
    assert "Trop de tentatives" in text(response)
