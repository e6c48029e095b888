"""Administration of accounts: access, creation, deactivation, role changes."""
import pytest

from auth_helpers import form_login, text

ADMIN_PAGES = ["/admin/comptes", "/admin/comptes/nouveau"]


@pytest.mark.parametrize("role", ["applicant", "manager", "committee", "amci"])
def test_admin_pages_forbidden_to_other_roles(client, make_user, login, role):
    target = make_user("manager")
    login(make_user(role))
    for url in ADMIN_PAGES + [f"/admin/comptes/{target.id}"]:
        response = client.get(url)
        assert response.status_code == 403
        assert "Accès refusé" in text(response)
    for action in ("desactiver", "reactiver", "role"):
        assert client.post(f"/admin/comptes/{target.id}/{action}", data={"confirm": "y", "role": "admin"}).status_code == 403


def test_admin_pages_send_anonymous_to_login(client, make_user):
    target = make_user("manager")
    for url in ADMIN_PAGES + [f"/admin/comptes/{target.id}"]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/connexion" in response.headers["Location"]
    response = client.post(f"/admin/comptes/{target.id}/desactiver", data={"confirm": "y"})
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_users_list_search_and_pagination(app, client, db, make_user, login):
    admin = make_user("admin", email="chef@exemple.ml")
    for i in range(55):
        make_user("committee", email=f"membre{i:02d}@exemple.ml", full_name=f"Membre {i:02d}")
    make_user("amci", email="agent@amci.ma", full_name="Fatima Zahra")
    login(admin)
    page = text(client.get("/admin/comptes"))
    assert "57 compte(s)" in page and "Page 1 sur 2" in page
    page = text(client.get("/admin/comptes?q=zahra"))
    assert "agent@amci.ma" in page and "membre01@exemple.ml" not in page
    page = text(client.get("/admin/comptes?role=committee&page=2"))
    assert "55 compte(s)" in page and "membre54@exemple.ml" in page
    page = text(client.get("/admin/comptes?q=100%25"))
    assert "0 compte(s)" in page


def test_admin_creates_staff_user(client, db, make_user, login):
    from quota_app.audit.models import AuditEvent
    from quota_app.auth.models import User

    admin = make_user("admin")
    login(admin)
    assert client.get("/admin/comptes/nouveau").status_code == 200
    response = client.post("/admin/comptes/nouveau", data={
        "email": "Nouveau.Gestionnaire@dnfp.ml", "full_name": "Moussa Keita",
        "role": "manager", "password": "Temporaire-2026-ok",
    })
    assert response.status_code == 302
    user = db.session.execute(db.select(User).filter_by(email="nouveau.gestionnaire@dnfp.ml")).scalar_one()
    assert user.role == "manager"
    event = db.session.execute(db.select(AuditEvent).filter_by(action="user.create")).scalar_one()
    assert event.actor_id == admin.id and event.object_id == str(user.id)
    assert "password_hash" not in (event.after or {})
    # Duplicate, applicant role and weak password are refused in French.
    response = client.post("/admin/comptes/nouveau", data={
        "email": "nouveau.gestionnaire@dnfp.ml", "full_name": "X", "role": "manager", "password": "Temporaire-2026-ok",
    })
    assert "Un compte existe déjà avec cette adresse e-mail." in text(response)
    response = client.post("/admin/comptes/nouveau", data={
        "email": "c@dnfp.ml", "full_name": "X", "role": "applicant", "password": "Temporaire-2026-ok",
    })
    assert "N'est pas un choix valide." in text(response)
    assert db.session.execute(db.select(User).filter_by(email="c@dnfp.ml")).scalar_one_or_none() is None
    response = client.post("/admin/comptes/nouveau", data={
        "email": "d@dnfp.ml", "full_name": "X", "role": "amci", "password": "faible",
    })
    assert "au moins 12 caractères" in text(response)


def test_deactivate_needs_confirmation_then_kills_sessions(app, client, db, make_user, login):
    from quota_app.auth.models import User

    admin = make_user("admin")
    target = make_user("manager")
    victim_client = app.test_client()
    form_login(victim_client, target.email)
    assert victim_client.get("/gestion/").status_code == 200
    login(admin)
    response = client.post(f"/admin/comptes/{target.id}/desactiver", data={}, follow_redirects=True)
    assert "Cochez la case pour confirmer." in text(response)
    assert db.session.get(User, target.id).is_active_account
    response = client.post(f"/admin/comptes/{target.id}/desactiver", data={"confirm": "y"}, follow_redirects=True)
    assert "Le compte est désactivé" in text(response)
    db.session.expire_all()
    assert db.session.get(User, target.id) is not None
    assert not db.session.get(User, target.id).is_active_account
    assert victim_client.get("/gestion/").status_code == 302
    response = client.post(f"/admin/comptes/{target.id}/reactiver", data={"confirm": "y"}, follow_redirects=True)
    assert "Le compte est réactivé." in text(response)
    assert form_login(victim_client, target.email).status_code == 302


def test_admin_cannot_deactivate_or_demote_self(client, db, make_user, login):
    from quota_app.auth.models import User

    admin = make_user("admin")
    login(admin)
    response = client.post(f"/admin/comptes/{admin.id}/desactiver", data={"confirm": "y"}, follow_redirects=True)
    assert "Vous ne pouvez pas désactiver votre propre compte." in text(response)
    response = client.post(f"/admin/comptes/{admin.id}/role", data={"role": "manager"}, follow_redirects=True)
    assert "votre propre compte" in text(response)
    db.session.expire_all()
    fresh = db.session.get(User, admin.id)
    assert fresh.is_active_account and fresh.role == "admin"


def test_change_role(client, db, make_user, login):
    from quota_app.audit.models import AuditEvent
    from quota_app.auth.models import User

    login(make_user("admin"))
    target = make_user("committee")
    applicant = make_user("applicant")
    response = client.post(f"/admin/comptes/{target.id}/role", data={"role": "amci"}, follow_redirects=True)
    assert "Le rôle est changé" in text(response)
    # Applicants' accounts are not the administrators' to see (need to know): not found.
    response = client.post(f"/admin/comptes/{applicant.id}/role", data={"role": "admin"}, follow_redirects=True)
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(User, target.id).role == "amci"
    assert db.session.get(User, applicant.id).role == "applicant"
    event = db.session.execute(db.select(AuditEvent).filter_by(action="user.change_role")).scalar_one()
    assert event.before == {"role": "committee"} and event.after == {"role": "amci"}


def test_admin_user_detail_404(client, make_user, login):
    login(make_user("admin"))
    assert client.get("/admin/comptes/999999").status_code == 404
