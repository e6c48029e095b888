"""Sealing: the row, its token, its hashes, the PDF it keeps, the audit event, revocation."""
import hashlib
import re

import pytest
from documents_helpers import seal_specimen, specimen_rows


def test_seal_stores_the_hashes_the_token_and_the_pdf(app, db, make_user):
    from quota_app.audit.models import AuditEvent
    from quota_app.documents.canonical import content_sha256
    from quota_app.documents.models import SealedDocument

    manager = make_user("manager")
    app.config["BASE_URL"], base = "https://quota.dnfp.ml", app.config["BASE_URL"]
    try:
        row, pdf = seal_specimen(app, created_by=manager)
    finally:
        app.config["BASE_URL"] = base
    stored = db.session.get(SealedDocument, row.id)
    assert stored.kind == "pv" and stored.number == "PV-2026-001"
    assert stored.content_sha256 == content_sha256({"ranking": specimen_rows()})
    assert stored.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert stored.pdf == pdf and pdf.startswith(b"%PDF-")
    assert stored.created_by_id == manager.id and stored.revoked_at is None
    # 256 random bits, URL-safe; two seals never share a token.
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", stored.token)
    other, _ = seal_specimen(app)
    assert other.token != stored.token
    event = db.session.execute(db.select(AuditEvent).filter_by(action="document.sealed", object_id=str(row.id))).scalar_one()
    assert event.actor_id == manager.id and event.after["pdf_sha256"] == stored.pdf_sha256


def test_the_printed_address_is_the_verification_page(app, db):
    from flask import url_for

    from quota_app.documents.sealing import verification_url

    with app.test_request_context():
        assert verification_url("abc").endswith(url_for("documents.verify", code="abc"))
    assert verification_url("abc") == app.config["BASE_URL"] + "/verifier/abc"


def test_the_seal_vouches_for_the_content_not_its_spelling(app, db):
    first, _ = seal_specimen(app, rows=[{"rank": 1, "code": "A", "score": "17.00"}])
    second, _ = seal_specimen(app, rows=[{"score": "17.00", "code": "A", "rank": 1}])
    third, _ = seal_specimen(app, rows=[{"rank": 1, "code": "A", "score": "17.50"}])
    assert first.content_sha256 == second.content_sha256 != third.content_sha256


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "unknown"}, "type de document inconnu"),
    ({"number": "  "}, "numéro"),
    ({"title": ""}, "titre"),
    ({"number": "N" * 61}, "60 caractères"),
])
def test_what_cannot_be_sealed(app, db, kwargs, message):
    from quota_app.documents import seal

    arguments = {"kind": "pv", "number": "PV-1", "title": "Titre", "canonical": {"a": 1},
                 "render": lambda s: b"%PDF-1.7 test"} | kwargs
    with pytest.raises(Exception) as raised:
        seal(**arguments)
    assert message in str(raised.value)


def test_render_must_give_a_pdf(app, db):
    from quota_app.documents import seal

    with pytest.raises(ValueError):
        seal("pv", "PV-1", "Titre", {"a": 1}, lambda s: b"<html>")


def test_a_feature_registers_its_own_kind(app, db):
    from quota_app.documents import register_kind, seal
    from quota_app.documents.sealing import KINDS

    register_kind("certificate_test", "Attestation d'essai")
    try:
        row, _ = seal("certificate_test", "ATT-1", "Attestation", b"x", lambda s: b"%PDF-1.7 x")
        assert row.kind == "certificate_test"
        with pytest.raises(RuntimeError):
            register_kind("certificate_test", "Autre chose")
    finally:
        KINDS.pop("certificate_test", None)


def test_revocation_needs_a_reason_and_happens_once(app, db, make_user):
    from quota_app.audit.models import AuditEvent
    from quota_app.documents import revoke
    from quota_app.errors import Conflict, ValidationFailed

    manager = make_user("manager")
    row, _ = seal_specimen(app)
    with pytest.raises(ValidationFailed):
        revoke(row, manager, " ")
    revoke(row, manager, "PV remplacé par le PV-2026-002")
    db.session.commit()
    assert row.revoked_at is not None
    with pytest.raises(Conflict):
        revoke(row, manager, "encore")
    event = db.session.execute(db.select(AuditEvent).filter_by(action="document.revoked")).scalar_one()
    assert event.reason == "PV remplacé par le PV-2026-002"


def test_the_schema_keeps_hashes_whole(app, db):
    from sqlalchemy.exc import IntegrityError

    from quota_app.documents.models import SealedDocument

    db.session.add(SealedDocument(kind="pv", token="t" * 43, number="1", title="t", content_sha256="abc",
                                  pdf_sha256="0" * 64, pdf=b"%PDF-"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
