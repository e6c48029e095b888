"""After submission: timeline, withdrawal, placement answer, personal data, correction request."""
import json
from datetime import timedelta

from journey_helpers import fill_all, page_text


def _app(db, app_id):
    from quota_app.applications.models import Application
    db.session.expire_all()
    return db.session.get(Application, app_id)


def _placement(db, app_id, deadline_delta=timedelta(days=3), status="placed"):
    from quota_app.applications.models import Application
    from quota_app.placement.models import AllocationRound, Placement
    from quota_app.timeutil import utcnow
    application = db.session.get(Application, app_id)
    application.status = status
    # A shortcut to the published phase, where the answers are open (tests/placement walks there).
    application.campaign.phase = "published"
    rnd = AllocationRound(campaign_id=application.campaign_id, number=1, kind="initial", published_at=utcnow())
    db.session.add(rnd)
    db.session.flush()
    placement = Placement(application_id=app_id, offer_id=application.choices[0].offer_id, round_id=rnd.id,
                          choice_rank=1, status="offered", deadline=utcnow() + deadline_delta)
    db.session.add(placement)
    db.session.commit()
    return placement.id


def test_home_shows_timeline(campaign, applicant, db):
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    client.post(f"/candidat/dossier/{app_id}/soumettre")
    text = page_text(client.get("/candidat/"))
    assert 'class="timeline"' in text and "Recevabilité" in text and "Soumis" in text


def test_withdraw_with_confirmation_page(campaign, applicant, db):
    from quota_app.audit.models import AuditEvent
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    client.post(f"/candidat/dossier/{app_id}/soumettre")
    confirm = page_text(client.get(f"/candidat/dossier/{app_id}/retirer"))
    assert "Confirmer le retrait" in confirm
    assert _app(db, app_id).status == "submitted"
    response = client.post(f"/candidat/dossier/{app_id}/retirer")
    assert response.status_code == 302
    application = _app(db, app_id)
    assert application.status == "withdrawn" and application.withdrawn_at is not None
    assert db.session.query(AuditEvent).filter_by(action="application.withdraw").count() == 1
    assert "Retiré par le candidat" in page_text(client.get("/candidat/"))


def test_withdraw_refused_from_deliberation(campaign, applicant, db):
    from quota_app.campaigns.models import Campaign
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    client.post(f"/candidat/dossier/{app_id}/soumettre")
    db.session.get(Campaign, campaign).phase = "deliberation"
    db.session.commit()
    response = client.post(f"/candidat/dossier/{app_id}/retirer", follow_redirects=True)
    assert "plus possible de retirer" in page_text(response)
    assert _app(db, app_id).status == "submitted"


def test_accept_placement(campaign, applicant, db):
    from quota_app.audit.models import AuditEvent
    from quota_app.placement.models import Placement
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    placement_id = _placement(db, app_id)
    assert "J'accepte cette place" in page_text(client.get(f"/candidat/affectation/{placement_id}"))
    client.post(f"/candidat/affectation/{placement_id}", data={"answer": "accept"})
    db.session.expire_all()
    assert db.session.get(Placement, placement_id).status == "accepted"
    assert _app(db, app_id).status == "accepted"
    assert db.session.query(AuditEvent).filter_by(action="placement.accept").count() == 1
    # Once answered, no going back.
    response = client.post(f"/candidat/affectation/{placement_id}", data={"answer": "decline"}, follow_redirects=True)
    assert "n'attend plus de réponse" in page_text(response)
    assert db.session.get(Placement, placement_id).status == "accepted"


def test_decline_placement(campaign, applicant, db):
    from quota_app.placement.models import Placement
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    placement_id = _placement(db, app_id)
    client.post(f"/candidat/affectation/{placement_id}", data={"answer": "decline"})
    db.session.expire_all()
    assert db.session.get(Placement, placement_id).status == "declined"
    assert _app(db, app_id).status == "declined"


def test_placement_answer_after_deadline_refused(campaign, applicant, db):
    from quota_app.placement.models import Placement
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    placement_id = _placement(db, app_id, deadline_delta=timedelta(minutes=-1))
    response = client.post(f"/candidat/affectation/{placement_id}", data={"answer": "accept"}, follow_redirects=True)
    assert "date limite de réponse est dépassée" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Placement, placement_id).status == "offered"
    assert _app(db, app_id).status == "placed"


def test_placement_service_operations(campaign, applicant, db):
    from quota_app.auth.models import User
    from quota_app.placement import services
    from quota_app.placement.models import Placement
    user, client = applicant()
    app_id = fill_all(client, db, campaign)
    placement_id = _placement(db, app_id)
    placement = db.session.get(Placement, placement_id)
    services.answer(db.session.get(User, user.id), placement, "accept")
    db.session.commit()
    assert placement.status == "accepted" and placement.application.status == "accepted"


def test_my_data_json_download(campaign, applicant, db):
    user, client = applicant()
    app_id = fill_all(client, db, campaign)
    response = client.get("/candidat/mes-donnees.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == user.email
    assert "consents" in data
    (application,) = data["applications"]
    assert application["nina"] == "120512345670 01A".replace(" ", "")
    assert [c["rank"] for c in application["choices"]] == [1, 2]
    assert {d["type"] for d in application["documents"]} == {"Photo d'identité", "Diplôme ou attestation de réussite"}
    assert all("stored_name" not in d for d in application["documents"])
    assert _app(db, app_id).status == "draft"


def test_correction_request_stored_and_audited(campaign, applicant, db):
    from quota_app.audit.models import AuditEvent
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    client.post(f"/candidat/dossier/{app_id}/soumettre")
    assert "Demander une correction" in page_text(client.get("/candidat/mes-donnees"))
    response = client.post("/candidat/mes-donnees", data={"application_id": app_id, "text": "court"})
    assert response.status_code == 422 and "10 caractères" in page_text(response)
    assert _app(db, app_id).correction_request is None
    client.post("/candidat/mes-donnees", data={"application_id": app_id,
                                               "text": "Mon lieu de naissance est Kati, pas Bamako."})
    assert _app(db, app_id).correction_request == "Mon lieu de naissance est Kati, pas Bamako."
    assert db.session.query(AuditEvent).filter_by(action="application.correction_request").count() == 1


def test_apply_refused_when_campaign_closed(campaign, applicant, db):
    from quota_app.applications.models import Application
    from quota_app.campaigns.models import Campaign
    from quota_app.timeutil import utcnow
    item = db.session.get(Campaign, campaign)
    item.opens_at, item.closes_at = utcnow() - timedelta(days=10), utcnow() - timedelta(days=1)
    db.session.commit()
    _user, client = applicant()
    response = client.post(f"/candidat/campagne/{campaign}/postuler", follow_redirects=True)
    assert "ne sont pas ouvertes" in page_text(response)
    assert db.session.query(Application).count() == 0
