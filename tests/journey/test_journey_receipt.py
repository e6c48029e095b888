"""The applicant's récépissé: a PDF issued by the DNFP, sealed at submission with a QR code to
the public verification page (/verifier/<code>), downloadable from the receipt page."""
import hashlib
import io
import re
import zlib

from flask import render_template

from journey_helpers import fill_all, page_text


def _app(db, app_id):
    from quota_app.applications.models import Application
    db.session.expire_all()
    return db.session.get(Application, app_id)


def _inflated(data: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated (links sit in compressed objects)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        try:
            parts.append(zlib.decompressobj().decompress(data[match.end():end]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def _receipts(db):
    from quota_app.documents.models import SealedDocument
    return db.session.query(SealedDocument).filter_by(kind="receipt").all()


def _submitted(client, db, campaign):
    app_id = fill_all(client, db, campaign)
    assert client.post(f"/candidat/dossier/{app_id}/soumettre").status_code == 302
    return app_id


def test_submission_seals_the_receipt_and_the_page_offers_it(campaign, applicant, db):
    _user, client = applicant()
    app_id = _submitted(client, db, campaign)
    application = _app(db, app_id)
    [document] = _receipts(db)
    assert application.receipt_document_id == document.id
    assert document.number == application.reference == "MLI-2026-000001"
    # Public: the campaign's code, never a name or a NINA.
    assert document.title == "Récépissé de dépôt de candidature — campagne Q2026"
    assert "TRAORÉ" not in document.title.upper() and application.nina not in document.title
    assert document.created_at == application.submitted_at.replace(microsecond=0)
    page = page_text(client.get(f"/candidat/dossier/{app_id}/recepisse"))
    assert f'/candidat/dossier/{app_id}/recepisse?format=pdf' in page
    assert "Télécharger le récépissé (PDF)" in page
    assert f"/verifier/{document.token}" in page
    assert "Direction nationale de la formation professionnelle (DNFP)" in page
    assert "Photo d'identité" in page and "Diplôme ou attestation de réussite" in page


def test_receipt_pdf_downloads_and_is_verifiable(campaign, applicant, db, client):
    _user, own = applicant()
    app_id = _submitted(own, db, campaign)
    response = own.get(f"/candidat/dossier/{app_id}/recepisse?format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="recepisse-MLI-2026-000001.pdf"'
    assert "no-store" in response.headers["Cache-Control"]
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF-")
    [document] = _receipts(db)
    assert hashlib.sha256(pdf).hexdigest() == document.pdf_sha256
    # The verification address is in the PDF (its link; the QR code encodes the same address).
    assert f"/verifier/{document.token}".encode() in _inflated(pdf)
    # Anyone holding the address: the page vouches for it, without personal data.
    public = page_text(client.get(f"/verifier/{document.token}"))
    assert "Document authentique" in public and "Récépissé de candidature" in public
    assert "MLI-2026-000001" in public and "Traoré" not in public and "TRAORÉ" not in public
    same = client.post(f"/verifier/{document.token}", data={"file": (io.BytesIO(pdf), "r.pdf")},
                       content_type="multipart/form-data")
    assert "Ce fichier est identique à l'original." in page_text(same)
    altered = client.post(f"/verifier/{document.token}", data={"file": (io.BytesIO(pdf + b"%x"), "r.pdf")},
                          content_type="multipart/form-data")
    assert "il a été modifié" in page_text(altered)
    # Downloading again gives the same document.
    assert own.get(f"/candidat/dossier/{app_id}/recepisse?format=pdf").get_data() == pdf
    assert len(_receipts(db)) == 1


def test_receipt_content_issuer_reference_time_campaign_choices_documents(campaign, applicant, db, app):
    from quota_app.applications import services
    from quota_app.documents import qr
    from quota_app.documents.canonical import canonical_bytes, sha256_hex
    from quota_app.documents.sealing import Seal
    _user, client = applicant()
    app_id = _submitted(client, db, campaign)
    application = _app(db, app_id)
    [document] = _receipts(db)
    data = services.receipt_data(application)
    assert document.content_sha256 == sha256_hex(canonical_bytes(services._canonical_receipt(data)))
    seal = Seal(kind="receipt", number=document.number, title=document.title, token=document.token,
                url=f"{app.config['BASE_URL']}/verifier/{document.token}", content_sha256=document.content_sha256,
                sealed_at=document.created_at, qr_data_uri=qr.svg_data_uri(
                    f"{app.config['BASE_URL']}/verifier/{document.token}"))
    with app.test_request_context():
        html = render_template(services.RECEIPT_TEMPLATE, seal=seal, receipt=data)
    assert "Direction nationale de la formation professionnelle (DNFP)" in html
    assert "MLI-2026-000001" in html and "Quota 2026-2027 (Q2026)" in html
    assert application.submitted_at.strftime("%d/%m/%Y à %H:%M") in html
    assert "Développement Digital" in html and "Maintenance" in html
    assert "Photo d&#39;identité" in html and "Diplôme ou attestation de réussite" in html
    assert "Nationalité</dt><dd>Mali</dd>" in html
    assert seal.qr_data_uri in html and seal.url in html and document.content_sha256 in html


def test_a_file_submitted_without_a_receipt_gets_one_at_the_first_download(app, db, monkeypatch):
    """The worker has not sealed the receipt yet (or the file predates receipts): the first
    download seals it, dated at the submission, and the worker's later run finds it sealed."""
    import factories
    from quota_app.applications import tasks
    from quota_app.auth.models import User
    monkeypatch.setattr(tasks, "after_submission", lambda *_args: None)
    application = factories.make_application("submitted")
    assert application.receipt_document_id is None and not _receipts(db)
    user = db.session.get(User, application.applicant.user_id)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True
    first = client.get(f"/candidat/dossier/{application.id}/recepisse?format=pdf")
    assert first.status_code == 200 and first.get_data().startswith(b"%PDF-")
    [document] = _receipts(db)
    assert _app(db, application.id).receipt_document_id == document.id
    assert client.get(f"/candidat/dossier/{application.id}/recepisse?format=pdf").get_data() == first.get_data()
    with app.app_context():
        tasks.seal_receipt.run(application.id, user.id)
    assert len(_receipts(db)) == 1


def test_receipt_only_for_its_owner_and_only_once_submitted(campaign, applicant, db):
    _user, owner = applicant()
    _other, stranger = applicant()
    draft_id = fill_all(owner, db, campaign)
    assert owner.get(f"/candidat/dossier/{draft_id}/recepisse?format=pdf").status_code == 404
    owner.post(f"/candidat/dossier/{draft_id}/soumettre")
    assert stranger.get(f"/candidat/dossier/{draft_id}/recepisse?format=pdf").status_code == 404
    assert owner.get(f"/candidat/dossier/{draft_id}/recepisse?format=pdf").status_code == 200


def test_receipt_pdf_refused_to_the_anonymous_and_to_staff(campaign, applicant, db, client, make_user, login):
    _user, owner = applicant()
    app_id = _submitted(owner, db, campaign)
    url = f"/candidat/dossier/{app_id}/recepisse?format=pdf"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]
    login(make_user("manager"))
    assert client.get(url).status_code == 403
    with client.application.test_request_context():
        from flask import url_for
        assert url_for("applications.receipt", application_id=app_id) == f"/candidat/dossier/{app_id}/recepisse"
        assert url_for("applications.receipt", application_id=app_id, format="pdf") == url
