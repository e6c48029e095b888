"""The public verification page: /verifier/<code> and /verifier/, no login, no personal data."""
import html
import io

import pytest
from documents_helpers import seal_specimen


@pytest.fixture
def sealed(app, db, make_user):
    """A specimen sealed by a manager with a name and an e-mail that must never show."""
    manager = make_user("manager", email="awa.traore@dnfp.ml", full_name="Awa Traoré")
    row, pdf = seal_specimen(app, created_by=manager)
    return {"token": row.token, "pdf": pdf, "content_sha256": row.content_sha256, "id": row.id}


def _upload(client, url, data: bytes, name="document.pdf"):
    return client.post(url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _text(response) -> str:
    """The page's text with the HTML entities read (l'original → l'original)."""
    return html.unescape(response.get_data(as_text=True))


def test_the_page_says_the_document_is_authentic_and_what_it_is(client, sealed):
    response = client.get(f"/verifier/{sealed['token']}")
    page = _text(response)
    assert response.status_code == 200
    assert "Document authentique" in page and "Document révoqué" not in page
    for fact in ("Procès-verbal de délibération", "PV-2026-001", "Procès-verbal de délibération — Q2026",
                 "29/11/2026 10:00", sealed["content_sha256"]):
        assert fact in page, fact
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_original_file_is_identical(client, sealed):
    response = _upload(client, f"/verifier/{sealed['token']}", sealed["pdf"])
    assert response.status_code == 200
    assert "Ce fichier est identique à l'original" in _text(response)


def test_a_file_with_one_byte_changed_is_refused(client, sealed):
    tampered = bytearray(sealed["pdf"])
    tampered[len(tampered) // 2] ^= 0x01
    response = _upload(client, f"/verifier/{sealed['token']}", bytes(tampered))
    page = _text(response)
    assert response.status_code == 200
    assert "Ce fichier ne correspond pas au document scellé : il a été modifié" in page
    assert "identique à l'original" not in page


def test_another_sealed_pdf_is_not_this_one(app, client, sealed):
    _other, other_pdf = seal_specimen(app, number="PV-2026-002")
    response = _upload(client, f"/verifier/{sealed['token']}", other_pdf)
    assert "ne correspond pas au document scellé" in _text(response)


def test_a_file_that_is_not_a_pdf_is_refused_on_its_content(client, sealed):
    response = _upload(client, f"/verifier/{sealed['token']}", b"MZ\x90\x00 pas un pdf", name="faux.pdf")
    assert response.status_code == 400
    assert "Ce fichier n'est pas un PDF." in _text(response)
    response = client.post(f"/verifier/{sealed['token']}", data={})
    assert response.status_code == 400 and "Choisissez un fichier PDF." in _text(response)


def test_a_file_over_the_cap_is_refused_before_it_is_read(app, client, sealed, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_VERIFY_MAX_BYTES", 1024 * 1024)
    response = _upload(client, f"/verifier/{sealed['token']}", b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))
    assert response.status_code == 413
    just_over = b"%PDF-1.7\n" + b"0" * (1024 * 1024)  # within the envelope's slack, over the file's cap
    response = _upload(client, f"/verifier/{sealed['token']}", just_over)
    assert response.status_code == 400 and "dépasse la taille permise (1 Mo)" in _text(response)


def test_a_revoked_document_says_so(app, client, sealed, make_user):
    from quota_app.documents import revoke
    from quota_app.documents.models import SealedDocument
    from quota_app.extensions import db

    with app.app_context():
        revoke(db.session.get(SealedDocument, sealed["id"]), None, "remplacé")
        db.session.commit()
    page = _text(client.get(f"/verifier/{sealed['token']}"))
    assert "Document révoqué" in page and "Document authentique" not in page
    assert "remplacé" not in page  # the reason stays in the audit trail


@pytest.mark.parametrize("code", ["A" * 43, "inconnu", "x" * 100, "%27%20OR%201%3D1", "ab.cd"])
def test_an_unknown_code_is_the_plain_404_page(client, sealed, code):
    response = client.get(f"/verifier/{code}")
    assert response.status_code == 404
    page = _text(response)
    assert "Page introuvable" in page and "PV-2026-001" not in page and "scellé" not in page
    assert _upload(client, f"/verifier/{code}", sealed["pdf"]).status_code == 404


def test_no_personal_data_on_the_page(client, sealed):
    for response in (client.get(f"/verifier/{sealed['token']}"),
                     _upload(client, f"/verifier/{sealed['token']}", sealed["pdf"]),
                     _upload(client, "/verifier/", sealed["pdf"])):
        page = _text(response)
        for personal in ("Awa", "Traoré", "awa.traore", "@dnfp.ml", "Manager"):
            assert personal not in page, personal


def test_the_index_explains_and_finds_a_code_or_an_address(client, sealed):
    page = _text(client.get("/verifier/"))
    assert "Vérifier un document" in page and "QR code" in page
    token = sealed["token"]
    for typed in (token, f"  {token}  ", f"https://quota.dnfp.ml/verifier/{token}", f"http://x/verifier/{token}/?a=1"):
        response = client.get("/verifier/", query_string={"code": typed})
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/verifier/{token}"), typed
    response = client.get("/verifier/", query_string={"code": "n'importe quoi"})
    assert response.status_code == 200 and "n'est pas un code de vérification" in _text(response)


def test_the_index_finds_a_sealed_file_by_its_content(client, sealed):
    response = _upload(client, "/verifier/", sealed["pdf"])
    page = _text(response)
    assert response.status_code == 200
    assert "PV-2026-001" in page and "Ce fichier est identique à l'original" in page
    tampered = sealed["pdf"].replace(b"%%EOF", b"%%EOG")
    response = _upload(client, "/verifier/", tampered)
    assert response.status_code == 400 and "Aucun document scellé ne correspond à ce fichier" in _text(response)


def test_the_upload_form_checks_its_csrf_token(app, client, sealed, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for url in (f"/verifier/{sealed['token']}", "/verifier/"):
        response = _upload(client, url, sealed["pdf"])
        page = _text(response)
        assert response.status_code == 400 and "La page a expiré" in page
        assert "Ce fichier est identique" not in page
    page = _text(client.get(f"/verifier/{sealed['token']}"))
    assert 'name="csrf_token"' in page
