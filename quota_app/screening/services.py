"""Screening services: automatic checks, eligibility decisions, identity views, export.

No request, flash or current_user here: the caller passes the actor and commits once.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..applications import eligibility
from ..applications.models import STATUS_LABELS, Applicant, Application, ApplicationChoice, ApplicationDocument
from ..audit.services import record
from ..campaigns.models import Campaign, CampaignDocument, Offer
from ..errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from ..extensions import db
from ..notifications.services import send_email
from ..reference.models import IneligibilityReason, Level, Programme
from ..timeutil import utcnow
from . import search

DECISIONS = {"eligible": "Recevable", "ineligible": "Non recevable"}
REASON_REQUIRED = "Choisissez le motif de non-recevabilité."
COMMENT_REQUIRED = "Expliquez le motif au candidat dans le commentaire."
NOT_PENDING = "Ce dossier n'est plus en attente d'examen (statut : {status})."
NOTHING_SELECTED = "Sélectionnez au moins un dossier."


# --- automatic checks -----------------------------------------------------------------------

@dataclass
class CheckContext:
    """What the rule engine needs about a campaign, loaded once for a whole page of files."""

    campaign: eligibility.CampaignFacts
    levels: dict


def check_context(campaign: Campaign) -> CheckContext:
    campaign = db.session.execute(
        select(Campaign).where(Campaign.id == campaign.id).options(
            selectinload(Campaign.level_rules),
            selectinload(Campaign.required_documents).joinedload(CampaignDocument.document_type),
            selectinload(Campaign.allowed_series),
        )
    ).scalar_one()
    levels = db.session.execute(select(Level).options(selectinload(Level.min_diploma))).scalars().all()
    level_by_id = {level.id: level for level in levels}
    facts = eligibility.CampaignFacts(
        reference_date=campaign.reference_date,
        opens_at=campaign.opens_at,
        closes_at=campaign.closes_at,
        age_bounds={level_by_id[r.level_id].code: (r.min_age, r.max_age)
                    for r in campaign.level_rules if r.level_id in level_by_id},
        allowed_series=frozenset(s.code for s in campaign.allowed_series),
        required_documents={d.document_type.code: d.document_type.name
                            for d in campaign.required_documents if d.required},
    )
    level_facts = {
        level.code: eligibility.LevelFacts(
            code=level.code, name=level.name, min_diploma_rank=level.min_diploma.rank,
            min_diploma_name=level.min_diploma.name, default_min_age=level.default_min_age,
            default_max_age=level.default_max_age,
        )
        for level in levels
    }
    return CheckContext(campaign=facts, levels=level_facts)


def check_loads() -> tuple:
    """Loader options for everything the automatic checks read (no query per file)."""
    return (
        joinedload(Application.diploma),
        joinedload(Application.series),
        selectinload(Application.choices).joinedload(ApplicationChoice.offer).joinedload(Offer.programme)
        .joinedload(Programme.level),
        selectinload(Application.choices).joinedload(ApplicationChoice.offer).joinedload(Offer.establishment),
        selectinload(Application.documents).joinedload(ApplicationDocument.document_type),
    )


def automatic_checks(application: Application, context: CheckContext) -> list[eligibility.Check]:
    diploma = application.diploma
    applicant = eligibility.ApplicantFacts(
        birth_date=application.birth_date,
        nationality=application.nationality,
        diploma_rank=diploma.rank if diploma else None,
        diploma_code=diploma.code if diploma else None,
        diploma_name=diploma.name if diploma else None,
        diploma_has_series=bool(diploma and diploma.has_series),
        series_code=application.series.code if application.series else None,
        documents=frozenset(d.document_type.code for d in application.documents),
    )
    choices = [
        eligibility.ChoiceFacts(
            rank=c.rank, offer_code=c.offer.code, level_code=c.offer.programme.level.code,
            label=f"{c.offer.programme.title} ({c.offer.establishment.name})",
        )
        for c in application.choices
    ]
    return eligibility.evaluate(applicant, context.campaign, context.levels, choices,
                                today=utcnow().date())


def queue_statement(campaign: Campaign):
    """The files waiting for a screening decision, oldest submission first."""
    return (
        select(Application)
        .where(Application.campaign_id == campaign.id, Application.status == "submitted")
        .order_by(Application.submitted_at.asc().nulls_last(), Application.id)
        .options(joinedload(Application.region), joinedload(Application.diploma),
                 joinedload(Application.series), *check_loads())
    )


def load_application(application_id: int, campaign_id: int | None = None) -> Application:
    application = db.session.execute(
        select(Application).where(Application.id == application_id).options(
            *check_loads(), joinedload(Application.region), joinedload(Application.campaign),
            joinedload(Application.applicant).joinedload(Applicant.user),
        )
    ).scalar_one_or_none()
    if application is None or (campaign_id is not None and application.campaign_id != campaign_id):
        raise NotFound("Dossier introuvable.")
    return application


# --- decisions ------------------------------------------------------------------------------

def active_reasons() -> list[IneligibilityReason]:
    return db.session.execute(
        select(IneligibilityReason).where(IneligibilityReason.active.is_(True)).order_by(IneligibilityReason.label)
    ).scalars().all()


def _recipient(application: Application) -> str | None:
    if application.email:
        return application.email
    user = application.applicant.user if application.applicant else None
    return user.email if user else None


def _notify(application: Application, decision: str, reason: IneligibilityReason | None, comment: str) -> None:
    to = _recipient(application)
    if not to:
        return
    user = application.applicant.user if application.applicant else None
    name = application.full_name or "Madame, Monsieur"
    if decision == "eligible":
        subject = f"Votre dossier {application.reference} est recevable"
        body = (
            f"Bonjour {name},\n\n"
            f"Votre dossier de candidature {application.reference} ({application.campaign.title}) "
            "a été examiné : il est déclaré recevable. Il sera maintenant évalué par le comité de sélection.\n\n"
            "Vous pouvez suivre votre dossier dans votre espace candidat.\n\nLa DNFP"
        )
    else:
        subject = f"Votre dossier {application.reference} n'est pas recevable"
        body = (
            f"Bonjour {name},\n\n"
            f"Votre dossier de candidature {application.reference} ({application.campaign.title}) "
            "a été examiné : il est déclaré non recevable.\n\n"
            f"Motif : {reason.label if reason else ''}\n"
            + (f"Précisions : {comment}\n" if comment else "")
            + "\nPour toute question, adressez-vous à la DNFP.\n\nLa DNFP"
        )
    send_email(to, subject, body, user_id=user.id if user else None, application_id=application.id)


def _apply_decision(application: Application, decision: str, reason: IneligibilityReason | None,
                    comment: str, actor, context: CheckContext, ip: str | None) -> object:
    from ..applications.models import ScreeningDecision

    if application.status != "submitted":
        raise InvalidTransition(NOT_PENDING.format(status=STATUS_LABELS[application.status]))
    checks = automatic_checks(application, context)
    application.transition_to(decision, actor, "manager", action=f"application.screening.{decision}",
                              after={"reason": reason.code if reason else None}, reason=comment, ip_address=ip)
    row = ScreeningDecision(
        application=application, decision=decision, reason_id=reason.id if reason else None,
        comment=comment, automatic_checks=[c.as_dict() for c in checks],
        decided_by_id=actor.id, decided_at=utcnow(),
    )
    db.session.add(row)
    return row


def _flush() -> None:
    """Write now; another manager's decision in between surfaces as a Conflict."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict() from exc


def decide(application_id: int, expected_version, decision: str, actor, *, reason_id=None,
           comment: str = "", campaign_id: int | None = None, ip: str | None = None):
    """Declare one submitted file eligible or ineligible; returns the ScreeningDecision.

    `expected_version` is the version the manager saw: if the file changed since, Conflict.
    The application's version column makes the UPDATE conditional, so two managers deciding
    at the same moment cannot both succeed. The caller commits (or rolls back on error).
    """
    comment = (comment or "").strip()
    errors = {}
    if decision not in DECISIONS:
        raise ValidationFailed("Décision inconnue.")
    reason = None
    if decision == "ineligible":
        reason = db.session.get(IneligibilityReason, int(reason_id)) if str(reason_id or "").isdigit() else None
        if reason is None or not reason.active:
            errors["reason"] = REASON_REQUIRED
        if not comment:
            errors["comment"] = COMMENT_REQUIRED
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    application = load_application(application_id, campaign_id)
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise Conflict() from None
    if application.version != expected:
        raise Conflict()
    row = _apply_decision(application, decision, reason, comment, actor,
                          check_context(application.campaign), ip)
    _flush()
    _notify(application, decision, reason, comment)
    return row


def bulk_eligible(campaign: Campaign, versions: dict[int, int], actor, ip: str | None = None) -> tuple[list, list]:
    """Declare eligible the selected files whose automatic checks are all clean.

    `versions` maps application id -> version seen. Files with a failing check, or no longer
    submitted, are skipped (returned second); a file changed meanwhile refuses the whole batch.
    """
    if not versions:
        raise ValidationFailed(NOTHING_SELECTED)
    applications = db.session.execute(
        select(Application).where(Application.id.in_(list(versions)), Application.campaign_id == campaign.id)
        .options(*check_loads()).order_by(Application.id)
    ).scalars().all()
    if len(applications) != len(versions):
        raise NotFound("Dossier introuvable.")
    context = check_context(campaign)
    done, skipped = [], []
    for application in applications:
        if application.version != versions[application.id]:
            raise Conflict()
        if application.status != "submitted" or not eligibility.is_eligible(automatic_checks(application, context)):
            skipped.append(application)
            continue
        _apply_decision(application, "eligible", None, "", actor, context, ip)
        done.append(application)
    _flush()
    for application in done:
        _notify(application, "eligible", None, "")
    return done, skipped


# --- identity and documents -----------------------------------------------------------------

def record_identity_view(application: Application, actor, ip: str | None = None) -> None:
    """A manager displayed the full NINA and passport number: logged."""
    record(actor, "application.identity_view", application, reason="Affichage du NINA et du passeport complets",
           ip_address=ip)


def document_for(application_id: int, document_id: int) -> ApplicationDocument:
    document = db.session.get(ApplicationDocument, document_id)
    if document is None or document.application_id != application_id:
        raise NotFound("Pièce introuvable.")
    return document


def record_document_view(document: ApplicationDocument, actor, ip: str | None = None) -> None:
    record(actor, "application.document_view", document.application,
           after={"document_id": document.id, "document_type": document.document_type.code},
           ip_address=ip)


# --- export ---------------------------------------------------------------------------------

def export(campaign: Campaign, filters: dict, target, actor, ip: str | None = None) -> int:
    """Write the filtered list to `target` (a binary file) and log the export; returns the count."""
    from ..applications.io import LIST_COLUMNS, list_rows
    from ..spreadsheets.writer import write_table

    filters = search.clean_filters(filters)
    count = write_table(target, f"Dossiers de candidature – {campaign.title}", LIST_COLUMNS,
                        list_rows(campaign, search.build_search(campaign, filters)), sheet_title="Dossiers")
    record(actor, "application.export", object_type="campaigns", object_id=campaign.id,
           campaign_id=campaign.id, after={"filters": filters, "rows": count}, ip_address=ip)
    return count
