"""Every route of the screening and dashboard screens × every role."""
import pytest


def routes(data):
    a1 = data["A1"]
    c = data["campaign"]
    return [
        ("get", f"/gestion/dossiers/?campaign={c}", {}),
        ("get", f"/gestion/dossiers/export.xlsx?campaign={c}", {}),
        ("get", f"/gestion/dossiers/{a1}", {}),
        ("post", f"/gestion/dossiers/{a1}/identite", {}),
        ("get", f"/gestion/dossiers/recevabilite?campaign={c}", {}),
        ("post", f"/gestion/dossiers/{a1}/decision", {"decision": "eligible", "version": "1"}),
        ("post", f"/gestion/dossiers/recevabilite/lot?campaign={c}", {"selected": [f"{data['A2']}:1"]}),
        ("get", f"/gestion/tableau-de-bord/?campaign={c}", {}),
    ]


@pytest.mark.parametrize("role", ["applicant", "committee", "amci", "admin"])
def test_other_roles_get_403(client, db, data, make_user, login, role):
    from quota_app.applications.models import ScreeningDecision

    login(make_user(role))
    for method, url, form in routes(data):
        response = getattr(client, method)(url, data=form)
        assert response.status_code == 403, (role, url)
        assert "Accès refusé" in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(ScreeningDecision.id))).scalar() == 0


def test_anonymous_goes_to_login(client, db, data):
    for method, url, form in routes(data):
        response = getattr(client, method)(url, data=form)
        assert response.status_code == 302 and "/connexion" in response.headers["Location"], url


def test_manager_gets_every_page(client, db, data, make_user, login):
    login(make_user("manager"))
    for method, url, form in routes(data):
        response = getattr(client, method)(url, data=form)
        expected = 302 if method == "post" and "identite" not in url else 200
        assert response.status_code == expected, (url, response.status_code)
    for key in ("A1", "A2", "A4", "A5"):
        assert client.get(f"/gestion/dossiers/{data[key]}").status_code == 200, key
    assert client.get(f"/gestion/dossiers/{data['A3']}").status_code == 404  # a draft never submitted
    assert client.get("/gestion/dossiers/999999").status_code == 404


def test_pages_without_any_campaign(client, db, make_user, login):
    login(make_user("manager"))
    for url in ("/gestion/dossiers/", "/gestion/dossiers/recevabilite", "/gestion/tableau-de-bord/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Aucune campagne n'existe encore." in response.get_data(as_text=True)
    assert client.get("/gestion/dossiers/export.xlsx").status_code == 404


def test_manager_navigation_links(client, db, data, make_user, login):
    login(make_user("manager"))
    page = client.get(f"/gestion/dossiers/?campaign={data['campaign']}").get_data(as_text=True)
    for href in ('href="/gestion/dossiers/"', 'href="/gestion/dossiers/recevabilite"', 'href="/gestion/tableau-de-bord/"'):
        assert href in page
