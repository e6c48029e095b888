"""Each role lands on its own home page; every other role gets a French 403; anonymous, the login."""
import pytest

from quota_app.auth.models import ROLES

HOMES = {
    "applicant": "/candidat/",
    "manager": "/gestion/",
    "committee": "/comite/",
    "amci": "/amci/",
    "admin": "/admin/comptes",
}


@pytest.mark.parametrize("path", sorted(HOMES.values()))
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("owner, path", sorted(HOMES.items()))
def test_role_matrix_for_home_pages(client, make_user, login, role, owner, path):
    login(make_user(role))
    response = client.get(path)
    if role == owner:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "Accès refusé" in response.get_data(as_text=True)


def test_pages_are_english_when_chosen(client):
    client.post("/langue", data={"lang": "en", "next": "/"})
    body = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in body
    assert "Log in" in body and "Se connecter" not in body


def test_unknown_page_is_a_french_404(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_navigation_follows_the_language(client, make_user, login):
    login(make_user("manager"))
    assert "Tableau de bord" in client.get("/gestion/").get_data(as_text=True)
    client.post("/langue", data={"lang": "en", "next": "/gestion/"})
    body = client.get("/gestion/").get_data(as_text=True)
    assert "Dashboard" in body and "Tableau de bord" not in body


def test_amci_officers_reach_the_imports_from_their_menu(client, make_user, login):
    login(make_user("amci"))
    body = client.get("/amci/").get_data(as_text=True)
    assert 'href="/gestion/imports/"' in body
