"""What screening lends the audit trail (audit/labels.py): the names of the objects and values
its managers meet in the journal — a file's reference and name instead of « applications #5 », a
status's label, a reason code's French label, a region's name. Each describer is called once per
page with every id or value of that page: one query per kind, never one per row.

What the journal may show of a candidate's objects (`object_access`): their reference without a
name (an administrator's view, a draft never submitted), that they are a candidate's, and the
file page's audited action that shows a file's identity numbers in full (the journal shows
them masked).

Objects of the stages above screening (committees, placements...) keep the journal's generic
« Comité n° 3 » until those stages lend theirs the same way.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..applications.models import SEX_LABELS, STATUS_LABELS, Application, ApplicationDocument
from ..audit.labels import ObjectAccess, object_access, object_describers, value_describers
from ..auth.models import User
from ..campaigns.models import Campaign, Offer
from ..extensions import db
from ..imports.models import ImportRun
from ..reference.models import (
    Diploma, DocumentType, Establishment, IneligibilityReason, Level, Programme, Region, Sector, Series,
)


def _int_ids(ids) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


def _file_label(reference, last_name, first_names) -> str:
    name = " ".join(part for part in (last_name, first_names) if part)
    return " – ".join(part for part in (reference or "(brouillon)", name) if part)


def applications(ids) -> dict[str, str]:
    rows = db.session.execute(select(Application.id, Application.reference, Application.last_name,
                                     Application.first_names).where(Application.id.in_(_int_ids(ids))))
    return {str(i): _file_label(ref, last, first) for i, ref, last, first in rows}


def application_documents(ids) -> dict[str, str]:
    rows = db.session.execute(
        select(ApplicationDocument.id, DocumentType.name, Application.reference)
        .join(DocumentType, DocumentType.id == ApplicationDocument.document_type_id)
        .join(Application, Application.id == ApplicationDocument.application_id)
        .where(ApplicationDocument.id.in_(_int_ids(ids))))
    return {str(i): f"« {name} » du dossier {ref or '(brouillon)'}" for i, name, ref in rows}


def users(ids) -> dict[str, str]:
    rows = db.session.execute(select(User.id, User.full_name, User.email).where(User.id.in_(_int_ids(ids))))
    return {str(i): f"{name} ({email})" if name else email for i, name, email in rows}


def campaigns(ids) -> dict[str, str]:
    rows = db.session.execute(select(Campaign.id, Campaign.code, Campaign.title).where(Campaign.id.in_(_int_ids(ids))))
    return {str(i): f"{code} · {title}" for i, code, title in rows}


def offers(ids) -> dict[str, str]:
    rows = db.session.execute(
        select(Offer.id, Offer.code, Programme.title).join(Programme, Programme.id == Offer.programme_id)
        .where(Offer.id.in_(_int_ids(ids))))
    return {str(i): f"{code} – {title}" for i, code, title in rows}


def import_runs(ids) -> dict[str, str]:
    rows = db.session.execute(select(ImportRun.id, ImportRun.filename).where(ImportRun.id.in_(_int_ids(ids))))
    return {str(i): f"« {filename} »" for i, filename in rows}


def _reference(model, text_column):
    def describe(ids) -> dict[str, str]:
        rows = db.session.execute(select(model.id, model.code, text_column).where(model.id.in_(_int_ids(ids))))
        return {str(i): f"{code} – {text}" for i, code, text in rows}
    return describe


REFERENCE = {
    "regions": (Region, Region.name), "diplomas": (Diploma, Diploma.name), "series": (Series, Series.name),
    "levels": (Level, Level.name), "sectors": (Sector, Sector.name), "programmes": (Programme, Programme.title),
    "establishments": (Establishment, Establishment.name), "document_types": (DocumentType, DocumentType.name),
    "ineligibility_reasons": (IneligibilityReason, IneligibilityReason.label),
}
OBJECTS = {
    "applications": applications, "application_documents": application_documents, "users": users,
    "campaigns": campaigns, "offers": offers, "import_runs": import_runs,
    **{kind: _reference(model, column) for kind, (model, column) in REFERENCE.items()},
}


# --- what may be shown --------------------------------------------------------------------

def _draft(status, submitted_at) -> bool:
    return status == "draft" and submitted_at is None  # as services.never_submitted


def applications_access(ids) -> dict[str, ObjectAccess]:
    rows = db.session.execute(select(Application.id, Application.reference, Application.status,
                                     Application.submitted_at).where(Application.id.in_(_int_ids(ids))))
    found = {}
    for i, ref, status, submitted_at in rows:
        hidden = _draft(status, submitted_at)
        found[str(i)] = ObjectAccess(
            reference=_("n° %(id)s (brouillon)", id=i) if hidden or not ref else ref, about_applicant=True, hidden=hidden,
            reveal_url=None if hidden else url_for("screening.show_identity", application_id=i))
    return found


def application_documents_access(ids) -> dict[str, ObjectAccess]:
    rows = db.session.execute(
        select(ApplicationDocument.id, Application.id, Application.reference, Application.status,
               Application.submitted_at)
        .join(Application, Application.id == ApplicationDocument.application_id)
        .where(ApplicationDocument.id.in_(_int_ids(ids))))
    found = {}
    for i, app_id, ref, status, submitted_at in rows:
        hidden = _draft(status, submitted_at)
        file = _("n° %(id)s (brouillon)", id=app_id) if hidden or not ref else ref
        found[str(i)] = ObjectAccess(reference=_("n° %(id)s du dossier %(file)s", id=i, file=file), about_applicant=True, hidden=hidden)
    return found


def users_access(ids) -> dict[str, ObjectAccess]:
    """Candidates' accounts only: a staff account is named as the describer says."""
    rows = db.session.execute(select(User.id).where(User.id.in_(_int_ids(ids)), User.role == "applicant"))
    return {str(i): ObjectAccess(reference=_("n° %(id)s (compte d'un candidat)", id=i), about_applicant=True) for (i,) in rows}


ACCESS = {"applications": applications_access, "application_documents": application_documents_access,
          "users": users_access}


# --- values -------------------------------------------------------------------------------

def statuses(values) -> dict:
    return {v: STATUS_LABELS[v] for v in values if v in STATUS_LABELS}


def sexes(values) -> dict:
    return {v: SEX_LABELS[v] for v in values if v in SEX_LABELS}


def reasons(values) -> dict:
    """An ineligibility reason's code (DOCS_MISSING) -> its label in the reference data."""
    codes = [v for v in values if isinstance(v, str)]
    return dict(db.session.execute(select(IneligibilityReason.code, IneligibilityReason.label)
                                   .where(IneligibilityReason.code.in_(codes))).all()) if codes else {}


def document_types(values) -> dict:
    codes = [v for v in values if isinstance(v, str)]
    return dict(db.session.execute(select(DocumentType.code, DocumentType.name)
                                   .where(DocumentType.code.in_(codes))).all()) if codes else {}


def _by_id(model, text_column, with_code: bool = True):
    def describe(values) -> dict:
        ids = _int_ids(values)
        if not ids:
            return {}
        rows = db.session.execute(select(model.id, model.code, text_column).where(model.id.in_(ids)))
        return {i: f"{code} – {text}" if with_code else text for i, code, text in rows}
    return describe


def offer_codes(values) -> dict:
    ids = _int_ids(values)
    return dict(db.session.execute(select(Offer.id, Offer.code).where(Offer.id.in_(ids))).all()) if ids else {}


VALUES = {
    "status": statuses, "sex": sexes, "reason": reasons, "document_type": document_types,
    "region_id": _by_id(Region, Region.name), "diploma_id": _by_id(Diploma, Diploma.name, with_code=False),
    "series_id": _by_id(Series, Series.name, with_code=False), "offers": offer_codes, "offer_id": offer_codes,
}


def register() -> None:
    """Lend the describers to the audit trail (called once the screening views are loaded)."""
    for kind, describe in OBJECTS.items():
        object_describers.register(kind, describe)
    for key, describe in VALUES.items():
        value_describers.register(key, describe)
    for kind, lend in ACCESS.items():
        object_access.register(kind, lend)
