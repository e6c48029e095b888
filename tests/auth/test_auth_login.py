"""Login, logout, sessions that die with logout, password change and deactivation."""
from quota_app.auth.services import LOGIN_FAILED

from auth_helpers import NEW_PASSWORD, PASSWORD, copy_session, form_login, text


def test_login_page_and_success_goes_to_role_home(client, make_user):
    user = make_user("manager")
    assert client.get("/connexion").status_code == 200
    response = form_login(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/gestion/")
    assert client.get("/gestion/").status_code == 200


def test_login_is_case_insensitive_on_email(client, make_user):
    user = make_user("applicant")
    response = form_login(client, "  " + user.email.upper())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/candidat/")


def test_unknown_email_and_wrong_password_give_same_answer(client, make_user):
    user = make_user("manager")
    unknown = form_login(client, "personne@exemple.ml")
    wrong = form_login(client, user.email, "Mauvais-mot-de-passe-1")
    inactive_user = make_user("manager", active=False)
    inactive = form_login(client, inactive_user.email)
    for response in (unknown, wrong, inactive):
        assert response.status_code == 200
        assert LOGIN_FAILED in text(response)
    assert "personne@exemple.ml" not in text(unknown).replace('value="personne@exemple.ml"', "")
    assert client.get("/gestion/").status_code == 302


def test_failed_login_is_audited(client, db, make_user):
    from quota_app.audit.models import AuditEvent

    user = make_user("manager")
    form_login(client, user.email, "Mauvais-mot-de-passe-1")
    actions = db.session.execute(db.select(AuditEvent.action)).scalars().all()
    assert "auth.login_failed" in actions


def test_next_to_another_host_is_ignored(client, make_user):
    user = make_user("manager")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        client.post("/deconnexion")
        response = client.post(f"/connexion?next={target}",
                               data={"email": user.email, "password": PASSWORD, "next": target})
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"]
        assert response.headers["Location"].endswith("/gestion/")


def test_local_next_is_followed(client, make_user):
    user = make_user("manager")
    response = client.get("/gestion/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    page = client.get("/connexion?next=/gestion/")
    assert 'value="/gestion/"' in page.get_data(as_text=True)
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD, "next": "/gestion/"})
    assert response.headers["Location"].endswith("/gestion/")


def test_login_clears_previous_session(client, make_user):
    user = make_user("manager")
    with client.session_transaction() as session:
        session["planted"] = "fixation"
    form_login(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.session_token


def test_logout_is_post_only(client, make_user, login):
    login(make_user("manager"))
    assert client.get("/deconnexion").status_code == 405
    assert client.get("/gestion/").status_code == 200


def test_session_cookie_replayed_after_logout_is_refused(app, client, make_user):
    user = make_user("manager")
    form_login(client, user.email)
    thief = copy_session(client, app.test_client())
    assert thief.get("/gestion/").status_code == 200
    client.post("/deconnexion")
    response = thief.get("/gestion/")
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


def test_session_cookie_replayed_after_password_change_is_refused(app, client, db, make_user):
    from quota_app.auth.models import User
    from quota_app.auth.passwords import verify_password

    user = make_user("manager")
    form_login(client, user.email)
    thief = copy_session(client, app.test_client())
    response = client.post("/compte/mot-de-passe", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    }, follow_redirects=True)
    assert "Votre mot de passe est changé" in text(response)
    # The browser that changed it stays logged in; the copied cookie is dead.
    assert client.get("/gestion/").status_code == 200
    response = thief.get("/gestion/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    refreshed = db.session.get(User, user.id)
    assert verify_password(refreshed.password_hash, NEW_PASSWORD)


def test_change_password_refuses_wrong_current_and_weak(client, make_user):
    user = make_user("manager")
    form_login(client, user.email)
    response = client.post("/compte/mot-de-passe", data={
        "current_password": "pas-le-bon-mot-2026", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    })
    assert "Le mot de passe actuel est incorrect." in text(response)
    response = client.post("/compte/mot-de-passe", data={
        "current_password": PASSWORD, "password": "court", "confirm": "court",
    })
    assert "au moins 12 caractères" in text(response)
    assert client.get("/gestion/").status_code == 200


def test_change_password_requires_login(client):
    response = client.get("/compte/mot-de-passe")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_deactivated_user_loses_session(app, client, db, make_user, login):
    from quota_app.auth.models import User
    from quota_app.auth.services import deactivate

    admin = make_user("admin")
    user = make_user("manager")
    form_login(client, user.email)
    assert client.get("/gestion/").status_code == 200
    deactivate(admin, db.session.get(User, user.id))
    db.session.commit()
    response = client.get("/gestion/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert LOGIN_FAILED in text(form_login(client, user.email))


def test_rehash_on_login_when_argon2_parameters_change(app, client, db, make_user):
    from quota_app.audit.models import AuditEvent
    from quota_app.auth.models import User

    user = make_user("manager")
    old_hash = user.password_hash
    assert "t=1" in old_hash
    app.config["ARGON2_TIME_COST"] = 2
    try:
        assert form_login(client, user.email).status_code == 302
    finally:
        app.config["ARGON2_TIME_COST"] = 1
    db.session.expire_all()
    new_hash = db.session.get(User, user.id).password_hash
    assert new_hash != old_hash and "t=2" in new_hash
    actions = db.session.execute(db.select(AuditEvent.action)).scalars().all()
    assert "auth.password_rehash" in actions
    # Unchanged parameters: no second rehash.
    client.post("/deconnexion")
    app.config["ARGON2_TIME_COST"] = 2
    try:
        form_login(client, user.email)
    finally:
        app.config["ARGON2_TIME_COST"] = 1
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == new_hash


def test_missing_csrf_token_gives_french_400(app, client, make_user):
    user = make_user("manager")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = form_login(client, user.email)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "Formulaire expiré" in text(response)
    assert client.get("/gestion/").status_code == 302


def test_csrf_token_accepted_when_present(app, client, make_user):
    import re

    user = make_user("manager")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get("/connexion").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 302


def test_account_pages_render_in_french(client, make_user, login):
    for url, title in (("/connexion", "Connexion"), ("/inscription", "Créer un compte candidat"),
                       ("/mot-de-passe/oublie", "Mot de passe oublié")):
        response = client.get(url)
        assert response.status_code == 200 and title in text(response)
    user = make_user("committee")
    login(user)
    assert client.get("/connexion").headers["Location"].endswith("/comite/")
    page = client.get("/compte/mot-de-passe")
    assert page.status_code == 200 and "Mot de passe actuel" in text(page)
    response = client.post("/deconnexion", follow_redirects=True)
    assert "Vous êtes déconnecté." in text(response)


def test_weak_password_error_is_shown_next_to_the_field(client, make_user):
    user = make_user("manager")
    weak = user.email.split("@")[0] + "-Abcdefgh"
    form_login(client, user.email)
    response = client.post("/compte/mot-de-passe", data={
        "current_password": PASSWORD, "password": weak, "confirm": weak,
    })
    page = text(response)
    assert "ne doit pas contenir votre adresse e-mail" in page
    assert 'class="field has-error"' in page


def test_the_language_chosen_on_the_login_page_stays_after_logging_in_and_out(client, make_user):
    user = make_user("manager", email="anglophone@dnfp.ml", password=PASSWORD)
    client.post("/langue", data={"lang": "en", "next": "/connexion"})
    assert client.post("/connexion", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert 'lang="en"' in client.get("/gestion/").get_data(as_text=True)
    client.post("/deconnexion")
    assert "Log in" in client.get("/connexion").get_data(as_text=True)


def test_the_welcome_message_is_in_the_language_of_the_account(client, make_user, db):
    from quota_app.auth.models import User

    user = make_user("manager", email="english@dnfp.ml", password=PASSWORD)
    db.session.get(User, user.id).locale = "en"
    db.session.commit()
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert 'lang="en"' in body and "You are logged in." in body and "Vous êtes connecté" not in body
