"""A capacity-building campaign through the applicant's pages: the « Emploi » step instead of
the schooling, any offer open (no diploma rule), the nomination letter required, the
experience minimum and the employer list checked before submitting."""
from datetime import date, timedelta
from io import BytesIO

import pytest

from journey_helpers import IDENTITY, MOTIVATION, PDF_BYTES, doc_type_id, page_text, png_bytes, region_id, start


@pytest.fixture
def capacity_campaign(app, db, reference):
    from quota_app.campaigns import services
    from quota_app.campaigns.models import Campaign, Offer
    from quota_app.reference.models import DocumentType, Establishment, Programme
    from quota_app.timeutil import utcnow

    now = utcnow()
    campaign = services.create_campaign(None, {
        "title": "Renforcement de capacités 2026", "code": "RC2026", "year": now.year, "kind": "capacity_building",
        "reference_date": date(now.year, 9, 1), "opens_at": now - timedelta(days=5),
        "closes_at": now + timedelta(days=20), "announced_quota": 10, "reviewers_per_file": 2,
        "score_gap_threshold": 4, "min_experience_years": 3})
    db.session.flush()
    casa = db.session.query(Establishment).filter_by(code="ISTA-CASA").one()
    for code in ("RC-FF", "RC-IF"):
        programme = db.session.query(Programme).filter_by(code=code).one()
        db.session.add(Offer(campaign_id=campaign.id, programme_id=programme.id, establishment_id=casa.id,
                             code=f"{code}-CASA", seats=5))
    db.session.commit()
    photo = db.session.query(DocumentType).filter_by(code="PHOTO").one()
    services.set_required_documents(None, db.session.get(Campaign, campaign.id), [photo.id])
    db.session.get(Campaign, campaign.id).phase = "open"
    db.session.commit()
    return campaign.id


def _employer(db, code="CFP-SEGOU"):
    from quota_app.reference.models import MalianEstablishment
    return db.session.query(MalianEstablishment).filter_by(code=code).one()


def _offers(db, campaign_id):
    from quota_app.campaigns.models import Offer
    return [o.id for o in db.session.query(Offer).filter_by(campaign_id=campaign_id).order_by(Offer.code)]


def _upload(client, app_id, db, code, content, name):
    response = client.post(f"/candidat/dossier/{app_id}/pieces", data={
        "document_type_id": doc_type_id(db, code), "file": (BytesIO(content), name)},
        content_type="multipart/form-data")
    assert response.status_code == 303, response.status_code


def test_the_kind_keeps_the_nomination_letter_among_the_required_documents(db, capacity_campaign):
    from quota_app.campaigns.models import Campaign
    codes = {d.document_type.code for d in db.session.get(Campaign, capacity_campaign).required_documents}
    assert codes == {"PHOTO", "EMPLOYER_LETTER"}


def test_a_trainer_applies_through_the_employment_step(capacity_campaign, applicant, db):
    from quota_app.applications.models import Application

    _user, client = applicant()
    app_id = start(client, capacity_campaign)
    base = f"/candidat/dossier/{app_id}/etape"
    page = page_text(client.get(f"{base}/identite"))
    assert "Emploi et formation demandée" in page and "Parcours scolaire" not in page
    assert client.get(f"{base}/parcours").status_code == 404
    trainer = dict(IDENTITY, birth_date="1982-05-04", last_name="Coulibaly", first_names="Seydou", sex="M")
    assert client.post(f"{base}/identite", data=trainer).status_code == 302
    assert client.post(f"{base}/contact", data={"phone": "76 12 34 56", "address": "Quartier Mission, Ségou",
                                               "region_id": region_id(db, "04")}).status_code == 302
    # Bad inputs: every field answered in French, nothing saved.
    bad = client.post(f"{base}/emploi", data={"employer_id": "999999", "job_position": "",
                                              "years_experience": "beaucoup", "training_subject": ""})
    assert bad.status_code == 422
    text = page_text(bad)
    assert "Choisissez dans la liste l'établissement" in text and "années d'expérience" in text
    assert db.session.get(Application, app_id).employer_id is None
    response = client.post(f"{base}/emploi", data={
        "employer_id": _employer(db).id, "job_position": "Formateur en électricité", "years_experience": "2",
        "training_subject": "Formation de formateurs"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/etape/choix")
    offers = _offers(db, capacity_campaign)
    assert client.post(f"{base}/choix", data={"choice": [offers[0], offers[1], ""]}).status_code == 302
    assert client.post(f"{base}/motivation", data={"motivation": MOTIVATION}).status_code == 302
    _upload(client, app_id, db, "PHOTO", png_bytes(), "photo.png")
    summary = page_text(client.get(f"/candidat/dossier/{app_id}"))
    assert "Lettre de nomination de l'employeur" in summary
    assert "Cet appel demande au moins 3 ans d'expérience" in summary
    refused = client.post(f"/candidat/dossier/{app_id}/soumettre", follow_redirects=True)
    assert db.session.get(Application, app_id).status == "draft", page_text(refused)[:200]
    # With enough experience and the letter, the file goes in.
    assert client.post(f"{base}/emploi", data={
        "employer_id": _employer(db).id, "job_position": "Formateur en électricité", "years_experience": "7",
        "training_subject": "Formation de formateurs"}).status_code == 302
    _upload(client, app_id, db, "EMPLOYER_LETTER", PDF_BYTES, "lettre.pdf")
    assert client.post(f"/candidat/dossier/{app_id}/soumettre").status_code == 302
    db.session.expire_all()
    application = db.session.get(Application, app_id)
    assert application.status == "submitted"
    assert (application.job_position, application.years_experience) == ("Formateur en électricité", 7)


def test_an_employer_taken_off_the_list_blocks_the_submission(capacity_campaign, applicant, db):
    from quota_app.applications import services
    from quota_app.applications.models import Application

    _user, client = applicant()
    app_id = start(client, capacity_campaign)
    db.session.get(Application, app_id).employer_id = _employer(db, "CFP-GAO").id
    db.session.get(Application, app_id).years_experience = 10
    _employer(db, "CFP-GAO").active = False
    db.session.commit()
    checks = services.checks_for(db.session.get(Application, app_id))
    failed = [c for c in checks if not c.ok and c.code == "employer"]
    assert failed and "ne fait plus partie" in failed[0].message_fr
