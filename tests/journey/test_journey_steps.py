"""The applicant's journey through the test client: steps, bad inputs, submission, receipt."""
from datetime import timedelta
from io import BytesIO

import pytest

from journey_helpers import (IDENTITY, PDF_BYTES, diploma_id, doc_type_id, fill_all, offer_ids, page_text,
                             png_bytes, series_id, start)


def _app(db, app_id):
    from quota_app.applications.models import Application
    db.session.expire_all()
    return db.session.get(Application, app_id)


def test_campaign_page_shows_conditions_documents_and_apply_button(campaign, applicant):
    _user, client = applicant()
    page = page_text(client.get(f"/candidat/campagne/{campaign}"))
    assert "Conditions" in page and "Pièces à fournir" in page
    assert "Photo d'identité" in page and "Diplôme ou attestation" in page
    assert "Postuler" in page


def test_apply_creates_then_resumes_one_draft(campaign, applicant, db):
    from quota_app.applications.models import Application
    _user, client = applicant()
    first = start(client, campaign)
    second = start(client, campaign)
    assert first == second
    assert db.session.query(Application).count() == 1
    assert _app(db, first).status == "draft"


def test_whole_journey_submission_receipt_email_audit(campaign, applicant, db):
    from quota_app.audit.models import AuditEvent
    from quota_app.notifications.models import OutboxMessage
    user, client = applicant()
    app_id = fill_all(client, db, campaign)
    summary = page_text(client.get(f"/candidat/dossier/{app_id}"))
    assert "Vérification automatique des conditions" in summary
    assert "Toutes les pièces demandées sont jointes." in summary
    response = client.post(f"/candidat/dossier/{app_id}/soumettre")
    assert response.status_code == 302 and response.headers["Location"].endswith("/recepisse")
    application = _app(db, app_id)
    assert application.status == "submitted" and application.submitted_at is not None
    assert application.reference == "MLI-2026-000001"
    assert application.nina == "120512345670 01A".replace(" ", "")
    assert application.phone == "+22376123456"
    assert str(application.diploma_average) == "13.50"
    assert [c.rank for c in application.choices] == [1, 2]
    receipt = page_text(client.get(f"/candidat/dossier/{app_id}/recepisse"))
    assert "MLI-2026-000001" in receipt and "Récépissé" in receipt
    assert db.session.query(AuditEvent).filter_by(action="application.submit").count() == 1
    mails = db.session.query(OutboxMessage).filter_by(to_email=user.email).all()
    assert any("MLI-2026-000001" in m.body for m in mails)
    # The file is now read-only for the applicant.
    response = client.post(f"/candidat/dossier/{app_id}/etape/identite", data={**IDENTITY, "last_name": "Autre"})
    assert response.status_code == 302
    assert _app(db, app_id).last_name == "TRAORÉ"
    home = page_text(client.get("/candidat/"))
    assert "Soumis" in home and "MLI-2026-000001" in home


def test_references_increase_per_campaign(campaign, applicant, db):
    refs = []
    for n in range(2):
        _user, client = applicant()
        identity = {**IDENTITY, "nina": f"12051234567{n:03d}B", "passport_number": f"BB00000{n}"}
        app_id = fill_all(client, db, campaign, identity=identity)
        assert client.post(f"/candidat/dossier/{app_id}/soumettre").status_code == 302
        refs.append(_app(db, app_id).reference)
    assert refs == ["MLI-2026-000001", "MLI-2026-000002"]


def test_double_submission_is_idempotent(campaign, applicant, db):
    from quota_app.audit.models import AuditEvent
    from quota_app.notifications.models import OutboxMessage
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    client.post(f"/candidat/dossier/{app_id}/soumettre")
    first = _app(db, app_id)
    reference, submitted_at = first.reference, first.submitted_at
    response = client.post(f"/candidat/dossier/{app_id}/soumettre", follow_redirects=True)
    assert "déjà été soumis" in page_text(response)
    again = _app(db, app_id)
    assert (again.reference, again.submitted_at) == (reference, submitted_at)
    assert db.session.query(AuditEvent).filter_by(action="application.submit").count() == 1
    assert db.session.query(OutboxMessage).filter_by(channel="email").count() == 1


def test_submission_after_deadline_refused(campaign, applicant, db):
    from quota_app.campaigns.models import Campaign
    from quota_app.timeutil import utcnow
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    item = db.session.get(Campaign, campaign)
    item.opens_at = utcnow() - timedelta(days=30)
    item.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(f"/candidat/dossier/{app_id}/soumettre", follow_redirects=True)
    assert "période de candidature est close" in page_text(response)
    application = _app(db, app_id)
    assert application.status == "draft" and application.reference is None


def test_submission_refused_when_phase_not_open(campaign, applicant, db):
    from quota_app.campaigns.models import Campaign
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    item = db.session.get(Campaign, campaign)
    item.phase = "screening"
    db.session.commit()
    client.post(f"/candidat/dossier/{app_id}/soumettre")
    assert _app(db, app_id).status == "draft"


def test_incomplete_draft_cannot_be_submitted(campaign, applicant, db):
    _user, client = applicant()
    app_id = start(client, campaign)
    response = client.post(f"/candidat/dossier/{app_id}/soumettre", follow_redirects=True)
    text = page_text(response)
    assert "incomplet" in text and "Étape à compléter : Identité." in text
    assert _app(db, app_id).status == "draft"


def test_missing_document_blocks_submission_with_reason(campaign, applicant, db):
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    application = _app(db, app_id)
    doc = application.documents[0]
    client.post(f"/candidat/dossier/{app_id}/pieces/{doc.id}/supprimer")
    summary = page_text(client.get(f"/candidat/dossier/{app_id}"))
    assert "Il manque une pièce à joindre" in summary
    response = client.post(f"/candidat/dossier/{app_id}/soumettre", follow_redirects=True)
    assert "Il manque une pièce à joindre" in page_text(response)
    assert _app(db, app_id).status == "draft"


# --- bad inputs: every step changes nothing on error ---------------------------------------

def _snapshot(db, app_id):
    from quota_app.audit.services import snapshot
    application = _app(db, app_id)
    return snapshot(application), [(c.offer_id, c.rank) for c in application.choices], len(application.documents)


@pytest.mark.parametrize("override, message", [
    ({"birth_date": "2999-01-01"}, "ne peut pas être dans le futur"),
    ({"nina": "12345"}, "Le NINA doit compter 15 caractères"),
    ({"nina": "1205123456700AA"}, "doivent être des chiffres"),
    ({"last_name": ""}, "Le nom est obligatoire."),
    ({"sex": "X"}, "Indiquez votre sexe."),
    ({"birth_date": "14/13/2005"}, "date invalide"),
    ({"passport_number": "A1"}, "Le numéro de passeport doit compter"),
])
def test_identity_bad_inputs(campaign, applicant, db, override, message):
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    before = _snapshot(db, app_id)
    response = client.post(f"/candidat/dossier/{app_id}/etape/identite", data={**IDENTITY, **override})
    assert response.status_code == 422
    assert message in page_text(response)
    assert _snapshot(db, app_id) == before


@pytest.mark.parametrize("average, message", [("20,5", "entre 0 et 20"), ("-1", "entre 0 et 20"),
                                              ("douze", "sur 20"), ("NaN", "sur 20")])
def test_schooling_bad_average(campaign, applicant, db, average, message):
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    before = _snapshot(db, app_id)
    response = client.post(f"/candidat/dossier/{app_id}/etape/parcours", data={
        "diploma_id": diploma_id(db, "BAC"), "series_id": series_id(db, "TSE"), "diploma_year": "2024",
        "diploma_average": average})
    assert response.status_code == 422 and message in page_text(response)
    assert _snapshot(db, app_id) == before


def test_schooling_bac_requires_series_and_year_not_future(campaign, applicant, db):
    _user, client = applicant()
    app_id = start(client, campaign)
    response = client.post(f"/candidat/dossier/{app_id}/etape/parcours", data={
        "diploma_id": diploma_id(db, "BAC"), "diploma_year": "2999", "diploma_average": "12"})
    text = page_text(response)
    assert "Choisissez la série" in text and "année d'obtention" in text
    assert _app(db, app_id).diploma_id is None


def test_contact_bad_phone_and_region(campaign, applicant, db):
    _user, client = applicant()
    app_id = start(client, campaign)
    response = client.post(f"/candidat/dossier/{app_id}/etape/contact", data={
        "phone": "+33 6 12 34 56 78", "address": "x", "region_id": "999999"})
    text = page_text(response)
    assert response.status_code == 422
    assert "+223" in text and "Choisissez votre région" in text
    assert _app(db, app_id).phone is None


@pytest.mark.parametrize("case", ["unknown", "other_campaign", "twice", "four", "not_allowed", "empty", "garbage"])
def test_choices_bad_inputs(campaign, other_campaign, applicant, db, case):
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    offers = offer_ids(db, campaign)
    if case == "not_allowed":  # a DEF holder may not choose a TS offer
        client.post(f"/candidat/dossier/{app_id}/etape/parcours", data={
            "diploma_id": diploma_id(db, "DEF"), "diploma_year": "2020", "diploma_average": "12"})
    before = _snapshot(db, app_id)
    data = {
        "unknown": [999999],
        "other_campaign": [other_campaign],
        "twice": [offers["TS-DD-CASA"], offers["TS-DD-CASA"]],
        "four": list(offers.values()),
        "not_allowed": [offers["TS-IA-CASA"]],
        "empty": ["", ""],
        "garbage": ["abc"],
    }[case]
    response = client.post(f"/candidat/dossier/{app_id}/etape/choix", data={"choice": data})
    assert response.status_code == 422
    text = page_text(response)
    expected = {
        "unknown": "n'existe pas dans cette campagne", "other_campaign": "n'existe pas dans cette campagne",
        "twice": "deux fois la même formation", "four": "3 choix au maximum",
        "not_allowed": "ne donne pas accès", "empty": "au moins une formation",
        "garbage": "n'existe pas dans cette campagne",
    }[case]
    assert expected in text
    assert _snapshot(db, app_id) == before


def test_choice_list_shows_only_offers_the_diploma_allows(campaign, applicant, db):
    _user, client = applicant()
    app_id = start(client, campaign)
    client.post(f"/candidat/dossier/{app_id}/etape/parcours", data={
        "diploma_id": diploma_id(db, "DEF"), "diploma_year": "2020", "diploma_average": "12"})
    text = page_text(client.get(f"/candidat/dossier/{app_id}/etape/choix"))
    assert "Confection" in text and "Développement Digital" not in text


@pytest.mark.parametrize("length, message", [(20, "trop court"), (3500, "trop long")])
def test_motivation_length_limits(campaign, applicant, db, length, message):
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    before = _snapshot(db, app_id)
    response = client.post(f"/candidat/dossier/{app_id}/etape/motivation", data={"motivation": "a" * length})
    assert response.status_code == 422 and message in page_text(response)
    assert _snapshot(db, app_id) == before


def test_extra_fields_are_ignored(campaign, applicant, db):
    from quota_app.applications.models import Applicant
    user, client = applicant()
    _other, other_client = applicant()
    app_id = start(client, campaign)
    other_applicant = db.session.query(Applicant).filter_by(user_id=_other.id).one()
    client.post(f"/candidat/dossier/{app_id}/etape/identite", data={
        **IDENTITY, "status": "eligible", "applicant_id": other_applicant.id, "score": "20",
        "reference": "MLI-2026-999999", "campaign_id": "999"})
    application = _app(db, app_id)
    assert application.status == "draft" and application.reference is None
    assert application.applicant.user_id == user.id and application.campaign_id == campaign
    assert application.last_name == "TRAORÉ"


def test_duplicate_nina_or_passport_refused_without_revealing_other(campaign, applicant, db):
    _user, first = applicant()
    fill_all(first, db, campaign)
    _user2, second = applicant()
    app_id = start(second, campaign)
    response = second.post(f"/candidat/dossier/{app_id}/etape/identite", data={
        **IDENTITY, "last_name": "Diarra", "first_names": "Moussa", "passport_number": "ZZ999999"})
    text = page_text(response)
    assert response.status_code == 422 and "déjà utilisé dans un autre dossier" in text
    assert "Traoré" not in text and "TRAORÉ" not in text and "Awa" not in text
    assert _app(db, app_id).nina is None
    response = second.post(f"/candidat/dossier/{app_id}/etape/identite", data={
        **IDENTITY, "last_name": "Diarra", "first_names": "Moussa", "nina": "120512345670 99C"})
    assert "déjà utilisé dans un autre dossier" in page_text(response)
    assert _app(db, app_id).passport_number is None


def test_nina_birth_year_mismatch_is_a_warning_not_refusal(campaign, applicant, db):
    _user, client = applicant()
    app_id = start(client, campaign)
    response = client.post(f"/candidat/dossier/{app_id}/etape/identite", data={**IDENTITY, "birth_date": "2004-03-14"})
    assert response.status_code == 302
    assert _app(db, app_id).identity_warnings


# --- documents ----------------------------------------------------------------------------

def _upload(client, db, app_id, code, content, name):
    return client.post(f"/candidat/dossier/{app_id}/pieces", data={
        "document_type_id": doc_type_id(db, code), "file": (BytesIO(content), name)},
        content_type="multipart/form-data", follow_redirects=True)


@pytest.mark.parametrize("content, name, message", [
    (b"", "vide.pdf", "est vide"),
    (b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024), "gros.pdf", "trop lourd"),
    (b"MZ\x90\x00" + b"\x00" * 200, "programme.pdf", "programme"),
    (b"hello world", "texte.pdf", "format accepté"),
])
def test_bad_uploads_refused_and_nothing_stored(app, campaign, applicant, db, content, name, message):
    import os
    _user, client = applicant()
    app_id = start(client, campaign)
    before = set(os.listdir(app.config["UPLOAD_DIR"]))
    response = _upload(client, db, app_id, "DIPLOMA", content, name)
    assert message in page_text(response)
    assert _app(db, app_id).documents == []
    assert set(os.listdir(app.config["UPLOAD_DIR"])) == before


def test_pdf_refused_for_photo_type(campaign, applicant, db):
    _user, client = applicant()
    app_id = start(client, campaign)
    assert "pour cette pièce" in page_text(_upload(client, db, app_id, "PHOTO", PDF_BYTES, "photo.pdf"))


def test_upload_replace_remove_and_download_headers(app, campaign, applicant, db):
    import os

    from PIL import Image
    _user, client = applicant()
    app_id = start(client, campaign)
    # A JPEG with EXIF: stored stripped.
    out = BytesIO()
    image = Image.new("RGB", (10, 10))
    exif = Image.Exif()
    exif[0x010F] = "TelephoneMarque"
    image.save(out, format="JPEG", exif=exif.tobytes())
    assert b"TelephoneMarque" in out.getvalue()
    _upload(client, db, app_id, "PHOTO", out.getvalue(), "IMG_0042")
    doc = _app(db, app_id).documents[0]
    first_name = doc.stored_name
    assert len(first_name) == 48 and "IMG" not in first_name
    stored = open(os.path.join(app.config["UPLOAD_DIR"], first_name), "rb").read()
    assert b"TelephoneMarque" not in stored and doc.content_type == "image/jpeg"
    response = client.get(f"/candidat/pieces/{doc.id}")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    # Replace: same row, new file, old file gone.
    _upload(client, db, app_id, "PHOTO", png_bytes(), "photo.png")
    docs = _app(db, app_id).documents
    assert len(docs) == 1 and docs[0].content_type == "image/png" and docs[0].stored_name != first_name
    assert not os.path.exists(os.path.join(app.config["UPLOAD_DIR"], first_name))
    # Remove.
    second_name, second_id = docs[0].stored_name, docs[0].id
    client.post(f"/candidat/dossier/{app_id}/pieces/{second_id}/supprimer")
    assert _app(db, app_id).documents == []
    assert not os.path.exists(os.path.join(app.config["UPLOAD_DIR"], second_name))


def test_documents_frozen_after_submission(campaign, applicant, db):
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    client.post(f"/candidat/dossier/{app_id}/soumettre")
    doc = _app(db, app_id).documents[0]
    response = client.post(f"/candidat/dossier/{app_id}/pieces/{doc.id}/supprimer", follow_redirects=True)
    assert "ne peut plus être modifié" in page_text(response)
    response = _upload(client, db, app_id, "DIPLOMA", PDF_BYTES, "autre.pdf")
    assert "ne peut plus être modifié" in page_text(response)
    assert len(_app(db, app_id).documents) == 2


def test_steps_render_at_every_step(campaign, applicant, db):
    _user, client = applicant()
    app_id = fill_all(client, db, campaign)
    for step in ("identite", "contact", "parcours", "choix", "motivation", "pieces"):
        response = client.get(f"/candidat/dossier/{app_id}/etape/{step}")
        assert response.status_code == 200, step
        assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert client.get(f"/candidat/dossier/{app_id}/etape/inconnue").status_code == 404
