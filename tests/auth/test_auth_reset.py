"""Password reset links: once, not expired, not tampered, built from BASE_URL."""
from datetime import timedelta
from urllib.parse import urlsplit

from auth_helpers import NEW_PASSWORD, PASSWORD, copy_session, form_login, reset_link, text

SAME_ANSWER = "Si un compte existe pour cette adresse, un e-mail vient d'être envoyé."


def ask(client, email, **kwargs):
    return client.post("/mot-de-passe/oublie", data={"email": email}, follow_redirects=True, **kwargs)


def reset(client, path, password=NEW_PASSWORD, confirm=None):
    return client.post(path, data={"password": password, "confirm": confirm or password})


def test_reset_link_works_once(app, client, db, make_user):
    from quota_app.auth.models import PasswordResetToken

    user = make_user("manager")
    response = ask(client, user.email)
    assert SAME_ANSWER in text(response)
    link = reset_link(db, user.email)
    path = urlsplit(link).path
    token = path.rsplit("/", 1)[1]
    stored = db.session.execute(db.select(PasswordResetToken)).scalar_one()
    assert stored.token_hash != token and len(stored.token_hash) == 64
    assert client.get(path).status_code == 200
    response = reset(client, path)
    assert response.status_code == 302
    assert LOGIN_OK(client, user.email, NEW_PASSWORD)
    client.post("/deconnexion")
    assert "incorrect" in text(form_login(client, user.email, PASSWORD))
    second = reset(client, path, password="Encore-un-autre-2028")
    assert second.status_code == 400
    assert "Ce lien de réinitialisation n'est pas valide" in text(second)
    assert client.get(path).status_code == 400


def LOGIN_OK(client, email, password):
    return form_login(client, email, password).status_code == 302


def test_expired_link_is_refused(client, db, make_user):
    from quota_app.auth.models import PasswordResetToken

    user = make_user("manager")
    ask(client, user.email)
    path = urlsplit(reset_link(db, user.email)).path
    stored = db.session.execute(db.select(PasswordResetToken)).scalar_one()
    stored.expires_at = stored.created_at - timedelta(seconds=1)
    db.session.commit()
    response = reset(client, path)
    assert response.status_code == 400
    assert "expiré" in text(response)
    assert LOGIN_OK(client, user.email, PASSWORD)


def test_tampered_link_is_refused(client, db, make_user):
    user = make_user("manager")
    ask(client, user.email)
    path = urlsplit(reset_link(db, user.email)).path
    tampered = path[:-1] + ("A" if path[-1] != "A" else "B")
    response = reset(client, tampered)
    assert response.status_code == 400
    assert "Ce lien de réinitialisation n'est pas valide" in text(response)
    assert reset(client, "/mot-de-passe/reinitialiser/x").status_code == 400
    assert LOGIN_OK(client, user.email, PASSWORD)


def test_new_link_and_reset_kill_older_links_and_sessions(app, client, db, make_user):
    user = make_user("manager")
    form_login(client, user.email)
    other = copy_session(client, app.test_client())
    anonymous = app.test_client()
    ask(anonymous, user.email)
    first = urlsplit(reset_link(db, user.email)).path
    ask(anonymous, user.email)
    second = urlsplit(reset_link(db, user.email)).path
    assert first != second
    assert reset(anonymous, second).status_code == 302
    assert reset(anonymous, first, password="Encore-un-autre-2028").status_code == 400
    assert other.get("/gestion/").status_code == 302


def test_weak_new_password_is_refused_and_link_stays_usable(client, db, make_user):
    user = make_user("manager")
    ask(client, user.email)
    path = urlsplit(reset_link(db, user.email)).path
    response = reset(client, path, password="court")
    assert response.status_code == 400
    assert "au moins 12 caractères" in text(response)
    response = reset(client, path, password=NEW_PASSWORD, confirm="Pas-le-meme-2026")
    assert "Les deux mots de passe ne sont pas identiques." in text(response)
    assert reset(client, path).status_code == 302


def test_unknown_email_gets_same_answer_and_no_mail(client, db, make_user):
    from quota_app.notifications.models import OutboxMessage

    inactive = make_user("manager", active=False)
    for email in ("inconnu@exemple.ml", inactive.email):
        response = ask(client, email)
        assert response.status_code == 200
        assert SAME_ANSWER in text(response)
    assert db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar() == 0


def test_link_uses_base_url_not_host_header(app, client, db, make_user):
    user = make_user("manager")
    app.config["BASE_URL"] = "https://quota.dnfp.ml"
    try:
        ask(client, user.email, headers={"Host": "evil.example"})
    finally:
        app.config["BASE_URL"] = "http://127.0.0.1:5000"
    link = reset_link(db, user.email)
    assert link.startswith("https://quota.dnfp.ml/mot-de-passe/reinitialiser/")
    assert "evil" not in link


def test_reset_request_is_rate_limited(app, client, make_user):
    user = make_user("manager")
    app.config["RATE_LIMIT_ATTEMPTS"] = 2
    try:
        ask(client, user.email)
        ask(client, user.email)
        response = client.post("/mot-de-passe/oublie", data={"email": user.email})
    finally:
        app.config["RATE_LIMIT_ATTEMPTS"] = 10
    assert response.status_code == 429
    assert "Trop de tentatives. Réessayez dans quelques minutes." in text(response)
