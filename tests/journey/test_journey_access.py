"""Access matrix: another applicant's ids (and neighbours, random ids) give 404; staff get 403."""
import pytest

from journey_helpers import fill_all


def _setup(campaign, applicant, db):
    from quota_app.applications.models import Application
    from quota_app.placement.models import AllocationRound, Placement
    _owner, owner_client = applicant()
    app_id = fill_all(owner_client, db, campaign)
    application = db.session.get(Application, app_id)
    rnd = AllocationRound(campaign_id=campaign, number=1)
    db.session.add(rnd)
    db.session.flush()
    placement = Placement(application_id=app_id, offer_id=application.choices[0].offer_id, round_id=rnd.id,
                          choice_rank=1, status="offered")
    db.session.add(placement)
    db.session.commit()
    return app_id, application.documents[0].id, placement.id, owner_client


def _routes(app_id, doc_id, placement_id):
    return [
        ("get", f"/candidat/dossier/{app_id}"),
        ("get", f"/candidat/dossier/{app_id}/etape/identite"),
        ("post", f"/candidat/dossier/{app_id}/etape/identite"),
        ("post", f"/candidat/dossier/{app_id}/etape/choix"),
        ("post", f"/candidat/dossier/{app_id}/pieces"),
        ("post", f"/candidat/dossier/{app_id}/pieces/{doc_id}/supprimer"),
        ("get", f"/candidat/pieces/{doc_id}"),
        ("post", f"/candidat/dossier/{app_id}/soumettre"),
        ("get", f"/candidat/dossier/{app_id}/recepisse"),
        ("get", f"/candidat/dossier/{app_id}/retirer"),
        ("post", f"/candidat/dossier/{app_id}/retirer"),
        ("get", f"/candidat/affectation/{placement_id}"),
        ("post", f"/candidat/affectation/{placement_id}"),
    ]


def test_other_applicant_gets_404_everywhere(campaign, applicant, db):
    from quota_app.applications.models import Application
    app_id, doc_id, placement_id, _owner = _setup(campaign, applicant, db)
    _intruder, client = applicant()
    own_id = fill_all(client, db, campaign, identity={
        "last_name": "Diarra", "first_names": "Moussa", "sex": "M", "birth_date": "2004-01-01",
        "birth_place": "Kayes", "nina": "11041234567002B", "passport_number": "", "passport_expiry": ""})
    targets = set()
    for delta in (0, 1, -1):
        for route in _routes(app_id + delta, doc_id + delta, placement_id + delta):
            targets.add(route)
    targets |= set(_routes(987654, 987654, 987654))
    own_docs = {d.id for d in db.session.get(Application, own_id).documents}
    for method, url in sorted(targets):
        if f"/{own_id}" in url.replace("/pieces/", "/x/") and "dossier" in url:
            continue
        if any(url == f"/candidat/pieces/{d}" or url.endswith(f"/pieces/{d}/supprimer") for d in own_docs):
            continue
        response = getattr(client, method)(url, data={"answer": "decline", "choice": ["1"]})
        assert response.status_code == 404, (method, url, response.status_code)
    db.session.expire_all()
    owner_app = db.session.get(Application, app_id)
    assert owner_app.status == "draft" and len(owner_app.documents) == 2
    correction = client.post("/candidat/mes-donnees", data={"application_id": app_id, "text": "x" * 30})
    assert correction.status_code == 404
    assert db.session.get(Application, app_id).correction_request is None


@pytest.mark.parametrize("role", ["manager", "committee", "amci", "admin"])
def test_staff_get_403_on_applicant_routes(campaign, applicant, db, make_user, login, client, role):
    app_id, _doc_id, placement_id, _owner = _setup(campaign, applicant, db)
    login(make_user(role=role))
    for method, url in [("get", "/candidat/"), ("get", f"/candidat/dossier/{app_id}"),
                        ("post", f"/candidat/dossier/{app_id}/soumettre"),
                        ("post", f"/candidat/campagne/{campaign}/postuler"),
                        ("get", "/candidat/mes-donnees"), ("get", "/candidat/mes-donnees.json"),
                        ("get", f"/candidat/affectation/{placement_id}")]:
        assert getattr(client, method)(url).status_code == 403, (role, url)


@pytest.mark.parametrize("role", ["manager", "amci", "committee", "admin"])
def test_staff_never_download_through_the_applicants_route(campaign, applicant, db, make_user, login, client, role):
    """The staff's own route (the screening desk) records each look; this one records none."""
    _app_id, doc_id, _placement_id, _owner = _setup(campaign, applicant, db)
    login(make_user(role=role))
    assert client.get(f"/candidat/pieces/{doc_id}").status_code == 403


def test_anonymous_redirected_to_login(campaign, client):
    response = client.get("/candidat/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
