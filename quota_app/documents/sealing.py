"""Sealing: a PDF whose content and file can be checked by anyone, on a public page.

A feature seals a document in its service, within the request's transaction:

    from ..documents import render_pdf, seal

    row, pdf = seal(
        "pv", number=pv.number, title=f"Procès-verbal de délibération — {campaign.code}",
        canonical=ranking_rows,                       # bytes, or any JSON-able object
        render=lambda s: render_pdf("committee/pv.html", seal=s, pv=pv, ranking=ranking),
        created_by=actor,
    )

`seal` hashes the canonical content, draws a public token, calls `render(seal)` (a `Seal`: the
template prints its block — hashes, verification URL, QR code — by extending
"documents/base.html"), hashes the PDF, adds the row (the caller commits) with an audit event
and returns the row and the PDF's bytes. The PDF's own hash cannot be printed inside the PDF:
the document shows the content's hash and the verification URL; the file's hash is stored, for
the page to compare with an uploaded copy.

Number and title are public (the verification page shows them to anyone holding the URL):
features must keep names and every other personal data out of them.
"""
from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit.services import record
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..timeutil import utcnow
from . import qr
from .canonical import canonical_bytes, sha256_hex
from .models import SealedDocument

VERIFY_PREFIX = "/verifier"  # the blueprint's prefix (views.py): printed URLs must match it
TOKEN_BYTES = 32  # 256 bits; token_urlsafe gives 43 characters of [A-Za-z0-9_-]
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,64}")
PDF_MAGIC = b"%PDF-"

# The kinds of sealed documents and their French names; a feature adds its own with register_kind.
KINDS: dict[str, object] = {
    "pv": _l("Procès-verbal de délibération"),
    "receipt": _l("Récépissé de candidature"),
    "placement_list": _l("Liste d'affectation"),
    "transmittal": _l("Bordereau de transmission"),
}


def register_kind(code: str, label) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,29}", code):
        raise ValueError(f"code de type de document invalide : {code!r}")
    if code in KINDS and str(KINDS[code]) != str(label):
        raise RuntimeError(f"Le type de document « {code} » est déjà enregistré autrement.")
    KINDS[code] = label


def kind_label(code: str) -> str:
    return str(KINDS.get(code, code))


@dataclass(frozen=True)
class Seal:
    """What a sealed document's template prints (the `seal` variable of documents/base.html)."""

    kind: str
    number: str
    title: str
    token: str
    url: str
    content_sha256: str
    sealed_at: datetime
    qr_data_uri: str

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


def verification_url(token: str) -> str:
    """The public address of a sealed document, built from BASE_URL (never the Host header)."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}{VERIFY_PREFIX}/{token}"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _check_text(name: str, value: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"Le document scellé doit avoir un {name}.")
    if len(value) > limit:
        raise ValidationFailed(f"Le {name} du document scellé dépasse {limit} caractères.")
    return value


def seal(kind: str, number: str, title: str, canonical, render: Callable[[Seal], bytes], *,
         created_by=None, sealed_at: datetime | None = None) -> tuple[SealedDocument, bytes]:
    """Seal a document: returns (the SealedDocument row, added and flushed; the PDF's bytes).

    `canonical`: bytes, or a JSON-able object serialised canonically (canonical.py) — what the
    content hash vouches for (e.g. the ranking's rows). `render(seal) -> bytes`: the PDF,
    usually `lambda s: render_pdf("feature/template.html", seal=s, ...)`. `created_by`: the
    acting user or None (a command). `sealed_at`: the seal's time (default: now, UTC).
    """
    if kind not in KINDS:
        raise ValueError(f"type de document inconnu : {kind!r} (documents.sealing.register_kind)")
    number = _check_text("numéro", number, 60)
    title = _check_text("titre", title, 200)
    content_hash = sha256_hex(canonical_bytes(canonical))
    sealed_at = (sealed_at or utcnow()).replace(microsecond=0)
    token = new_token()
    url = verification_url(token)
    info = Seal(kind=kind, number=number, title=title, token=token, url=url,
                content_sha256=content_hash, sealed_at=sealed_at, qr_data_uri=qr.svg_data_uri(url))
    pdf = bytes(render(info))
    if not pdf.startswith(PDF_MAGIC):
        raise ValueError("render() doit rendre les octets d'un PDF")
    row = SealedDocument(kind=kind, token=token, number=number, title=title,
                         content_sha256=content_hash, pdf_sha256=sha256_hex(pdf), pdf=pdf,
                         created_at=sealed_at, created_by_id=getattr(created_by, "id", created_by))
    db.session.add(row)
    db.session.flush()
    record(created_by, "document.sealed", row, after={
        "kind": kind, "number": number, "content_sha256": content_hash, "pdf_sha256": row.pdf_sha256})
    return row, pdf


def find(token: str) -> SealedDocument | None:
    """The sealed document of a token, or None (a malformed token is not even looked up)."""
    if not token or not TOKEN_PATTERN.fullmatch(token):
        return None
    return db.session.execute(select(SealedDocument).where(SealedDocument.token == token)).scalar_one_or_none()


def find_by_file(data: bytes) -> SealedDocument | None:
    """The sealed document whose PDF is exactly these bytes, or None."""
    digest = sha256_hex(data)
    return db.session.execute(
        select(SealedDocument).where(SealedDocument.pdf_sha256 == digest).order_by(SealedDocument.id)
    ).scalars().first()


def is_pdf(data: bytes) -> bool:
    """Checked on the content, not on the name or the declared type."""
    return PDF_MAGIC in data[:1024]  # where readers look for the header


def matches(document: SealedDocument, data: bytes) -> bool:
    """Whether `data` is byte for byte the sealed PDF."""
    return hmac.compare_digest(sha256_hex(data), document.pdf_sha256)


def revoke(document: SealedDocument, actor, reason: str) -> SealedDocument:
    """Mark a sealed document revoked (a PV replaced, a list withdrawn). The caller has checked
    that the actor may; the reason goes to the audit trail, never to the public page."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Indiquez pourquoi ce document est révoqué.", {"reason": "Ce champ est obligatoire."})
    if document.revoked_at is not None:
        raise Conflict("Ce document est déjà révoqué.")
    document.revoked_at = max(utcnow().replace(microsecond=0), document.created_at)
    db.session.flush()
    record(actor, "document.revoked", document, before={"revoked_at": None},
           after={"revoked_at": document.revoked_at}, reason=reason)
    return document
