"""Phone accounts: login by phone or e-mail, a password reset by an SMS code, claiming a file
typed from paper with its number (that file only), the account's number and preferences."""
from datetime import timedelta

import pytest

from auth_helpers import NEW_PASSWORD, PASSWORD, form_login, last_message, sent_code, text

PHONE = "+22376123456"


@pytest.fixture
def phone_user(app):
    """An applicant whose account is a proven phone number only."""
    from quota_app.auth import services
    from quota_app.extensions import db as database

    with app.app_context():
        user = services._new_user(None, PASSWORD, "applicant", "Awa Traoré", phone=PHONE)
        services._open_applicant(user, "v1", None)
        database.session.commit()
        database.session.refresh(user)
        database.session.expunge(user)
        return user


def test_login_by_phone_in_any_shape_or_by_email(app, phone_user, make_user):
    staff = make_user("manager")
    for typed in ("+223 76 12 34 56", "76123456", "00223-76-12-34-56"):
        client = app.test_client()
        assert form_login(client, typed).status_code == 302
        assert client.get("/candidat/").status_code == 200
    assert form_login(app.test_client(), staff.email).status_code == 302
    refused = form_login(app.test_client(), "76 12 34 57")
    assert refused.status_code == 200
    assert "Numéro de téléphone, adresse e-mail ou mot de passe incorrect." in text(refused)
    assert "incorrect" in text(form_login(app.test_client(), "76 12 34 56", "Mauvais-2026-!"))


def test_login_page_names_both(client):
    page = text(client.get("/connexion"))
    assert "Numéro de téléphone ou adresse e-mail" in page and "Retrouver mon dossier" in page


def ask_reset(client, who):
    return client.post("/mot-de-passe/oublie", data={"email": who})


def reset_with(client, code, password=NEW_PASSWORD):
    return client.post("/mot-de-passe/code", data={"code": code, "password": password, "confirm": password})


def test_reset_by_phone_with_the_sms_code(app, client, db, phone_user):
    from quota_app.auth.models import User

    answer = ask_reset(client, "76 12 34 56")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/mot-de-passe/code")
    message = last_message(db, PHONE)
    assert message.channel == "sms" and "pour choisir un nouveau mot de passe" in message.body
    code = sent_code(db, PHONE)
    assert "6 chiffres" in text(reset_with(client, "12"))
    weak = reset_with(client, code, "court")
    assert "au moins 12 caractères" in text(weak)
    old_token = db.session.get(User, phone_user.id).session_token
    done = reset_with(client, code)
    assert done.status_code == 302 and done.headers["Location"].endswith("/connexion")
    db.session.expire_all()
    assert db.session.get(User, phone_user.id).session_token != old_token  # other sessions end
    assert form_login(app.test_client(), PHONE, NEW_PASSWORD).status_code == 302
    assert form_login(app.test_client(), PHONE, PASSWORD).status_code == 200
    again = reset_with(client, code, "Encore-un-autre-2028")  # the page forgot the code
    assert again.status_code == 302 and again.headers["Location"].endswith("/mot-de-passe/oublie")


def test_reset_for_an_unknown_number_looks_the_same(app, client, db, phone_user):
    from quota_app.notifications.models import OutboxMessage

    known, unknown = ask_reset(app.test_client(), PHONE), ask_reset(client, "+223 70 00 00 00")
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    page = text(client.get("/mot-de-passe/code"))
    assert "Un code à 6 chiffres a été envoyé au +223 •• •• 00 00, s'il peut le recevoir." in page
    assert "Code incorrect." in text(reset_with(client, "123456"))
    assert db.session.execute(db.select(OutboxMessage.to_phone)).scalars().all() == [PHONE]


def test_reset_code_expires_and_is_limited(app, client, db, phone_user, clock):
    from quota_app.auth.models import OneTimeCode

    ask_reset(client, PHONE)
    code = sent_code(db, PHONE)
    row = db.session.execute(db.select(OneTimeCode)).scalar_one()
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.commit()
    assert "n'est plus valable" in text(reset_with(client, code))
    for _ in range(2):
        assert ask_reset(app.test_client(), PHONE).status_code == 302
    assert ask_reset(app.test_client(), PHONE).status_code == 429  # 3 codes an hour for a number


def test_reset_by_email_still_sends_a_link(client, db, make_user):
    user = make_user("manager")
    answer = ask_reset(client, user.email)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/connexion")
    assert "/mot-de-passe/reinitialiser/" in last_message(db, user.email).body


# --- a file typed from paper --------------------------------------------------------------------

@pytest.fixture
def paper_file(app):
    """A submitted file as an import leaves it: an Applicant without account, the number typed."""
    from factories import make_application
    from quota_app.extensions import db as database

    with app.app_context():
        application = make_application("submitted")
        application.phone = PHONE
        applicant = application.applicant
        applicant.user_id, applicant.source = None, "import"
        other = make_application("submitted")
        other.phone = "+22366000000"
        other.applicant.user_id, other.applicant.source = None, "import"
        database.session.commit()
        return {"id": application.id, "reference": application.reference, "applicant_id": applicant.id,
                "other_id": other.id, "other_reference": other.reference}


def claim(client, reference, phone):
    return client.post("/dossier-papier", data={"reference": reference, "phone": phone})


def claim_code(client, code, password=PASSWORD, consent="y"):
    data = {"code": code, "password": password, "confirm": password}
    if consent:
        data["consent"] = consent
    return client.post("/dossier-papier/code", data=data)


def test_claiming_a_paper_file_with_its_number(app, client, db, paper_file):
    from quota_app.applications.models import Applicant
    from quota_app.auth.models import Consent, User

    answer = claim(client, paper_file["reference"].lower(), "76 12 34 56")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/dossier-papier/code")
    code = sent_code(db, PHONE)
    assert "pour retrouver votre dossier" in last_message(db, PHONE).body
    assert "Vous devez accepter" in text(claim_code(client, code, consent=None))
    done = claim_code(client, code)
    assert done.status_code == 302 and done.headers["Location"].endswith("/candidat/")
    db.session.expire_all()
    user = db.session.execute(db.select(User).where(User.phone == PHONE)).scalar_one()
    assert user.email is None and user.role == "applicant" and user.phone_verified_at is not None
    assert db.session.get(Applicant, paper_file["applicant_id"]).user_id == user.id
    assert db.session.execute(db.select(Applicant).where(Applicant.user_id == user.id)).scalars().all() \
        == [db.session.get(Applicant, paper_file["applicant_id"])]  # no second Applicant
    assert db.session.execute(db.select(Consent).where(Consent.user_id == user.id)).scalar_one()
    # Their file, and no other.
    assert client.get(f"/candidat/dossier/{paper_file['id']}").status_code == 200
    assert client.get(f"/candidat/dossier/{paper_file['other_id']}").status_code == 404
    # Claimed once: the same request now sends nothing.
    client.post("/deconnexion")
    again = claim(app.test_client(), paper_file["reference"], PHONE)
    assert again.status_code == 302


@pytest.mark.parametrize("which, phone", [
    ("reference", "+223 76 12 34 57"),       # the file, another number
    ("other_reference", "+223 76 12 34 56"),  # another file, whose number differs
    ("unknown", "+223 76 12 34 56"),          # no such file
])
def test_a_number_that_does_not_match_the_file_gets_the_same_answer_and_no_code(app, client, db, paper_file,
                                                                                 which, phone):
    from quota_app.auth.models import User
    from quota_app.notifications.models import OutboxMessage

    reference = paper_file.get(which, "MLI-2026-999999")
    sms = db.select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.channel == "sms")
    before = db.session.scalar(sms)  # the submissions' own messages
    answer = claim(client, reference, phone)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/dossier-papier/code")
    assert db.session.scalar(sms) == before
    for guess in ("000000", "123456"):
        assert "Code incorrect." in text(claim_code(client, guess))
    assert db.session.execute(db.select(User).where(User.phone.is_not(None))).first() is None


def test_a_number_that_already_has_an_account_is_told(app, client, db, paper_file):
    from quota_app.auth import services
    from quota_app.extensions import db as database

    with app.app_context():
        services._open_applicant(services._new_user(None, PASSWORD, "applicant", "Awa", phone=PHONE), "v1", None)
        database.session.commit()
    assert claim(client, paper_file["reference"], PHONE).status_code == 302
    told = last_message(db, PHONE)
    assert "de retrouver un dossier papier" in told.body and told.secret is None


def test_claim_refuses_a_bad_number_on_its_field(client, paper_file):
    answer = claim(client, paper_file["reference"], "12 34")
    assert answer.status_code == 200 and "8 chiffres" in text(answer)


# --- the account's number and preferences ---------------------------------------------------

def test_adding_a_number_and_choosing_sms(app, client, db, make_user, login):
    from quota_app.auth.models import User

    user = make_user("applicant")
    login(user)
    page = text(client.get("/compte/coordonnees"))
    assert "Mes coordonnées" in page and "aucun numéro confirmé" in page
    refused = client.post("/compte/coordonnees", data={"preference": "sms"})
    assert "Ajoutez d'abord un numéro de téléphone confirmé." in text(refused)
    answer = client.post("/compte/coordonnees", data={"tel-phone": "76 12 34 56"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/compte/telephone/code")
    code = sent_code(db, PHONE)
    assert client.post("/compte/telephone/code", data={"code": code}).status_code == 302
    assert client.post("/compte/coordonnees", data={"preference": "sms"}).status_code == 302
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.phone == PHONE and stored.contact_preference == "sms"

    from quota_app.auth.contacts import contact_of
    from quota_app.notifications.services import channels_for

    assert channels_for(contact_of(stored)) == ("sms",)
    assert contact_of(stored, email="fichier@exemple.ml").email == "fichier@exemple.ml"
    assert contact_of(None, phone="76 12 34 99").prefers == "both"


def test_a_number_of_another_account_gets_no_code(client, db, make_user, login, phone_user):
    from quota_app.notifications.models import OutboxMessage

    login(make_user("applicant"))
    answer = client.post("/compte/coordonnees", data={"tel-phone": PHONE})
    assert answer.status_code == 302
    assert db.session.execute(db.select(OutboxMessage)).first() is None
    assert "Code incorrect." in text(client.post("/compte/telephone/code", data={"code": "123456"}))


def test_the_audit_trail_finds_a_phone_account(db, phone_user, make_user):
    from quota_app.auth.lookups import user_ids_matching

    make_user("manager", email="gestion@dnfp.ml")
    assert db.session.execute(user_ids_matching("%7612345%")).scalars().all() == [phone_user.id]
    assert len(db.session.execute(user_ids_matching("%dnfp%")).scalars().all()) == 1
