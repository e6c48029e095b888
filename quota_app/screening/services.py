"""Screening services: automatic checks, eligibility decisions, identity views, export.

No request, flash or current_user here: the caller passes the actor and commits once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..applications import eligibility, warnings
from ..applications.contact import applicant_contact
from ..campaigns.kinds import kind_of
from ..applications.models import STATUS_LABELS, Applicant, Application, ApplicationChoice, ApplicationDocument
from ..audit.models import AuditEvent
from ..audit.services import record
from ..campaigns.models import Campaign, CampaignDocument, Offer
from ..errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from ..extensions import db
from ..i18n import N_
from ..notifications.services import channels_for, notify
from ..reference.models import DocumentType, IneligibilityReason, Level, Programme
from ..timeutil import utcnow
from . import search
from .models import PaperDocument
from .wording import staff_message

DECISIONS = {"eligible": N_("Recevable"), "ineligible": N_("Non recevable")}
REASON_REQUIRED = "Choisissez le motif de non-recevabilité."
COMMENT_REQUIRED = "Expliquez le motif au candidat dans le commentaire."
NOT_PENDING = "Ce dossier n'est plus en attente d'examen (statut : {status})."
NOTHING_SELECTED = "Sélectionnez au moins un dossier."
OVERRIDE_REQUIRED = ("Les contrôles automatiques ne sont pas tous satisfaits : expliquez pourquoi ce dossier "
                     "est recevable malgré tout (par exemple, la pièce a été vérifiée sur l'original).")
PAPER_TYPE_REQUIRED = "Choisissez une pièce demandée par la campagne."
PAPER_ALREADY_UPLOADED = "Cette pièce a déjà été déposée en ligne : elle n'a pas à être enregistrée sur papier."
PAPER_ALREADY_RECORDED = "Cette pièce est déjà enregistrée comme reçue sur papier."
PAPER_NOT_PENDING = ("Les pièces reçues sur papier s'enregistrent pendant l'examen de recevabilité "
                     "(statut du dossier : {status}).")


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
        rules=frozenset(kind_of(campaign).rules), min_experience_years=campaign.min_experience_years,
        level_age_defaults=kind_of(campaign).level_age_defaults,
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
        joinedload(Application.employer),
        selectinload(Application.choices).joinedload(ApplicationChoice.offer).joinedload(Offer.programme)
        .joinedload(Programme.level),
        selectinload(Application.choices).joinedload(ApplicationChoice.offer).joinedload(Offer.establishment),
        selectinload(Application.documents).joinedload(ApplicationDocument.document_type),
    )


def paper_codes(application_ids) -> dict[int, frozenset[str]]:
    """{application id: codes of the document types received on paper}, in one query."""
    ids = list(application_ids)
    if not ids:
        return {}
    found: dict[int, set[str]] = {}
    for app_id, code in db.session.execute(
            select(PaperDocument.application_id, DocumentType.code)
            .join(DocumentType, DocumentType.id == PaperDocument.document_type_id)
            .where(PaperDocument.application_id.in_(ids))):
        found.setdefault(app_id, set()).add(code)
    return {app_id: frozenset(codes) for app_id, codes in found.items()}


def automatic_checks(application: Application, context: CheckContext,
                     paper: frozenset[str] | None = None) -> list[eligibility.Check]:
    """The checks of one file; a document received on paper counts as present. `paper`: the
    codes received on paper when the caller loaded them for a whole page (else one query)."""
    if paper is None:
        paper = paper_codes([application.id]).get(application.id, frozenset())
    diploma = application.diploma
    applicant = eligibility.ApplicantFacts(
        birth_date=application.birth_date,
        nationality=application.nationality,
        diploma_rank=diploma.rank if diploma else None,
        diploma_code=diploma.code if diploma else None,
        diploma_name=diploma.name if diploma else None,
        diploma_has_series=bool(diploma and diploma.has_series),
        series_code=application.series.code if application.series else None,
        documents=frozenset(d.document_type.code for d in application.documents) | paper,
        passport_declared=bool(application.passport_number),
        employer_name=application.employer.name if application.employer else None,
        employer_listed=application.employer.active if application.employer else None,
        years_experience=application.years_experience,
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


def file_warnings(application: Application, context: CheckContext) -> list[str]:
    """What the manager must look at although no check fails: a NINA whose birth-year digits
    contradict the date of birth, a passport expired or expiring before the training starts —
    the same warnings the applicant saw before submitting (applications/warnings.py), in the
    staff's words."""
    found = warnings.file_warnings(nina=application.nina, birth_date=application.birth_date,
                                   passport_number=application.passport_number,
                                   passport_expiry=application.passport_expiry,
                                   reference_date=context.campaign.reference_date, today=utcnow().date())
    return [w.message_fr for w in found]


@dataclass
class Assessment:
    """A file's automatic checks and warnings. `passed`: every check passes; `clean`: passed and
    no warning (only a clean file may be declared eligible in a batch)."""

    checks: list
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list:
        return [c for c in self.checks if not c.ok]

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def clean(self) -> bool:
        return self.passed and not self.warnings


def assess(application: Application, context: CheckContext, paper: frozenset[str] | None = None) -> Assessment:
    return Assessment(automatic_checks(application, context, paper), file_warnings(application, context))


def queue_statement(campaign: Campaign):
    """The files waiting for a screening decision, oldest submission first."""
    return (
        select(Application)
        .where(Application.campaign_id == campaign.id, Application.status == "submitted")
        .order_by(Application.submitted_at.asc().nulls_last(), Application.id)
        .options(joinedload(Application.region), joinedload(Application.diploma),
                 joinedload(Application.series), *check_loads())
    )


def never_submitted(application: Application) -> bool:
    """A draft its applicant never submitted: not the managers' to read (need to know). Paper
    files typed by staff arrive « submitted » and are not drafts."""
    return application.status == "draft" and application.submitted_at is None


def load_application(application_id: int, campaign_id: int | None = None) -> Application:
    """A file a manager may open: any but a draft never submitted, which is « introuvable »."""
    application = db.session.execute(
        select(Application).where(Application.id == application_id).options(
            *check_loads(), joinedload(Application.region), joinedload(Application.campaign),
            joinedload(Application.applicant).joinedload(Applicant.user),
        )
    ).scalar_one_or_none()
    if application is None or (campaign_id is not None and application.campaign_id != campaign_id) \
            or never_submitted(application):
        raise NotFound("Dossier introuvable.")
    return application


# --- decisions ------------------------------------------------------------------------------

def active_reasons() -> list[IneligibilityReason]:
    return db.session.execute(
        select(IneligibilityReason).where(IneligibilityReason.active.is_(True)).order_by(IneligibilityReason.label)
    ).scalars().all()


def recipient(application: Application) -> str | None:
    """The address the decision's message goes to: the file's, else its account's; None when
    there is none (nothing can be sent)."""
    if application.email:
        return application.email
    user = application.applicant.user if application.applicant else None
    return user.email if user else None


def reachable_by(application: Application) -> tuple[str, ...]:
    """The channels a message to this candidate would go on ("sms", "email"); () for none."""
    return channels_for(applicant_contact(application))


def _notify(application: Application, decision: str, reason: IneligibilityReason | None, comment: str):
    """Write the decision's message to the outbox on the candidate's channels; what was queued
    (falsy when nothing could be: the manager is told and shown the phone)."""
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
    if decision == "eligible":
        sms = f"Quota DNFP : votre dossier {application.reference} est recevable ; il passe au comité de sélection."
    else:
        sms = (f"Quota DNFP : votre dossier {application.reference} n'est pas recevable. "
               f"Motif : {(reason.label if reason else '')[:60]}.")
    return notify(applicant_contact(application), subject, body, sms, application_id=application.id,
                  reference=application.reference, link_path=f"/candidat/dossier/{application.id}")


@dataclass
class Decided:
    """What a decision did: the ScreeningDecision, the message written to the outbox (None when
    nothing was sent) and the candidate's phone, for the manager to call instead."""

    application: Application
    decision: object
    message: object = None

    @property
    def phone(self) -> str | None:
        return self.application.phone


def _apply_decision(application: Application, decision: str, reason: IneligibilityReason | None,
                    comment: str, actor, context: CheckContext, ip: str | None, *,
                    override_reason: str = "", paper: frozenset[str] | None = None) -> object:
    """Record the decision. Declaring eligible a file whose automatic checks fail needs the
    manager's explicit reason, kept in the journal with the failed checks and the warnings."""
    from ..applications.models import ScreeningDecision

    if application.status != "submitted":
        raise InvalidTransition(NOT_PENDING.format(status=STATUS_LABELS[application.status]))
    assessment = assess(application, context, paper)
    after = {"reason": reason.code if reason else None}
    why = comment
    if decision == "eligible" and not assessment.clean:
        if not assessment.passed and not override_reason:
            raise ValidationFailed(OVERRIDE_REQUIRED, errors={"override_reason": OVERRIDE_REQUIRED})
        if assessment.failed:
            after["failed_checks"] = [staff_message(c.message_fr) for c in assessment.failed]
        if assessment.warnings:
            after["warnings"] = assessment.warnings
    if decision == "eligible" and override_reason:
        after["override_reason"] = override_reason
        why = override_reason
    application.transition_to(decision, actor, "manager", action=f"application.screening.{decision}",
                              after=after, reason=why, ip_address=ip)
    row = ScreeningDecision(
        application=application, decision=decision, reason_id=reason.id if reason else None,
        comment=comment, automatic_checks=[c.as_dict() for c in assessment.checks],
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
           comment: str = "", override_reason: str = "", campaign_id: int | None = None,
           ip: str | None = None) -> Decided:
    """Declare one submitted file eligible or ineligible; returns what was done (Decided).

    A file whose automatic checks fail is declared eligible only with `override_reason`, the
    manager's explanation (a document checked on the original, a typing error...).

    `expected_version` is the version the manager saw: if the file changed since, Conflict.
    The application's version column makes the UPDATE conditional, so two managers deciding
    at the same moment cannot both succeed. The caller commits (or rolls back on error).
    """
    comment = (comment or "").strip()
    override_reason = (override_reason or "").strip()
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
                          check_context(application.campaign), ip, override_reason=override_reason)
    _flush()
    return Decided(application, row, _notify(application, decision, reason, comment))


@dataclass
class BulkResult:
    done: list
    skipped: list
    notified: list  # the files whose candidate got a message in the outbox
    not_notified: list  # those with no e-mail address: nothing sent


def bulk_eligible(campaign: Campaign, versions: dict[int, int], actor, ip: str | None = None) -> BulkResult:
    """Declare eligible the selected files whose automatic checks are all clean and that carry
    no warning.

    `versions` maps application id -> version seen. Files with a failing check or a warning, or
    no longer submitted, are skipped; a file changed meanwhile refuses the whole batch.
    """
    if not versions:
        raise ValidationFailed(NOTHING_SELECTED)
    applications = db.session.execute(
        select(Application).where(Application.id.in_(list(versions)), Application.campaign_id == campaign.id)
        .options(*check_loads(), joinedload(Application.applicant).joinedload(Applicant.user))
        .order_by(Application.id)
    ).scalars().all()
    if len(applications) != len(versions):
        raise NotFound("Dossier introuvable.")
    context = check_context(campaign)
    paper = paper_codes(a.id for a in applications)
    done, skipped = [], []
    for application in applications:
        if application.version != versions[application.id]:
            raise Conflict()
        codes = paper.get(application.id, frozenset())
        if application.status != "submitted" or not assess(application, context, codes).clean:
            skipped.append(application)
            continue
        _apply_decision(application, "eligible", None, "", actor, context, ip, paper=codes)
        done.append(application)
    _flush()
    notified, not_notified = [], []
    for application in done:
        (notified if _notify(application, "eligible", None, "") else not_notified).append(application)
    return BulkResult(done, skipped, notified, not_notified)


def next_in_queue(application: Application) -> int | None:
    """The file to screen after this one: the next submitted file of its campaign in the queue's
    order (oldest submission first), else the first still waiting; None when the queue is empty."""
    waiting = select(Application.id).where(
        Application.campaign_id == application.campaign_id, Application.status == "submitted",
        Application.id != application.id)
    order = (Application.submitted_at.asc().nulls_last(), Application.id)
    if application.submitted_at is not None:
        after = or_(Application.submitted_at > application.submitted_at,
                    and_(Application.submitted_at == application.submitted_at, Application.id > application.id),
                    Application.submitted_at.is_(None))
    else:
        after = and_(Application.submitted_at.is_(None), Application.id > application.id)
    found = db.session.execute(waiting.where(after).order_by(*order).limit(1)).scalar()
    if found is None:
        found = db.session.execute(waiting.order_by(*order).limit(1)).scalar()
    return found


# --- identity and documents -----------------------------------------------------------------

def record_identity_view(application: Application, actor, ip: str | None = None,
                         from_event: int | None = None) -> None:
    """A manager displayed the full NINA and passport number: logged. `from_event`: the journal's
    event whose masked numbers led there (kept when it is one of this file's)."""
    event = db.session.get(AuditEvent, from_event) if from_event else None
    if event is not None and (event.object_type, event.object_id) == ("applications", str(application.id)):
        record(actor, "application.identity_view", application, after={"audit_event_id": event.id},
               reason="Affichage du NINA et du passeport complets depuis le journal d'audit", ip_address=ip)
        return
    record(actor, "application.identity_view", application, reason="Affichage du NINA et du passeport complets",
           ip_address=ip)


def document_for(application_id: int, document_id: int) -> ApplicationDocument:
    document = db.session.get(ApplicationDocument, document_id)
    if document is None or document.application_id != application_id or never_submitted(document.application):
        raise NotFound("Pièce introuvable.")
    return document


def record_document_view(document: ApplicationDocument, actor, ip: str | None = None) -> None:
    record(actor, "application.document_view", document.application,
           after={"document_id": document.id, "document_type": document.document_type.code},
           ip_address=ip)


# --- documents received on paper -------------------------------------------------------------

@dataclass
class DocumentSlot:
    """One document the campaign asks for, and how the file has it: uploaded, received on
    paper, or missing."""

    document_type: DocumentType
    required: bool
    uploaded: ApplicationDocument | None = None
    paper: PaperDocument | None = None

    @property
    def present(self) -> bool:
        return self.uploaded is not None or self.paper is not None


def document_slots(application: Application) -> list[DocumentSlot]:
    """The campaign's documents (required first), then any other document the file holds."""
    asked = db.session.execute(
        select(CampaignDocument).where(CampaignDocument.campaign_id == application.campaign_id)
        .options(joinedload(CampaignDocument.document_type))
    ).scalars().all()
    papers = {p.document_type_id: p for p in db.session.execute(
        select(PaperDocument).where(PaperDocument.application_id == application.id)
        .options(joinedload(PaperDocument.document_type), joinedload(PaperDocument.received_by))).scalars()}
    uploaded = {d.document_type_id: d for d in application.documents}
    slots = [DocumentSlot(d.document_type, d.required, uploaded.get(d.document_type_id), papers.get(d.document_type_id))
             for d in sorted(asked, key=lambda d: (not d.required, d.document_type.name))]
    known = {slot.document_type.id for slot in slots}
    for type_id, document in uploaded.items():
        if type_id not in known:
            slots.append(DocumentSlot(document.document_type, False, document, papers.get(type_id)))
            known.add(type_id)
    for type_id, paper in papers.items():
        if type_id not in known:
            slots.append(DocumentSlot(paper.document_type, False, None, paper))
    return slots


def record_paper_document(application_id: int, document_type_id, actor, *, note: str = "",
                          ip: str | None = None) -> PaperDocument:
    """A manager received this document on paper: recorded (who, when, a note) and audited; the
    automatic checks count it as present from now on."""
    application = load_application(application_id)
    if application.status != "submitted":
        raise InvalidTransition(PAPER_NOT_PENDING.format(status=STATUS_LABELS[application.status]))
    note = (note or "").strip()[:300]
    asked = {slot.document_type.id: slot for slot in document_slots(application)}
    slot = asked.get(int(document_type_id)) if str(document_type_id or "").isdigit() else None
    if slot is None:
        raise ValidationFailed(PAPER_TYPE_REQUIRED, errors={"document_type": PAPER_TYPE_REQUIRED})
    if slot.uploaded is not None:
        raise ValidationFailed(PAPER_ALREADY_UPLOADED, errors={"document_type": PAPER_ALREADY_UPLOADED})
    if slot.paper is not None:
        raise ValidationFailed(PAPER_ALREADY_RECORDED, errors={"document_type": PAPER_ALREADY_RECORDED})
    paper = PaperDocument(application_id=application.id, document_type_id=slot.document_type.id,
                          received_by_id=actor.id, received_at=utcnow(), note=note)
    db.session.add(paper)
    db.session.flush()
    record(actor, "application.paper_document.receive", application,
           after={"document_type": slot.document_type.name, "received_at": paper.received_at, "note": note or None},
           ip_address=ip)
    return paper


def cancel_paper_document(application_id: int, paper_id: int, actor, *, reason: str = "",
                          ip: str | None = None) -> None:
    """Withdraw a paper record made by mistake (the file is still being screened): audited."""
    application = load_application(application_id)
    paper = db.session.get(PaperDocument, paper_id)
    if paper is None or paper.application_id != application.id:
        raise NotFound("Pièce introuvable.")
    if application.status != "submitted":
        raise InvalidTransition(PAPER_NOT_PENDING.format(status=STATUS_LABELS[application.status]))
    record(actor, "application.paper_document.cancel", application,
           before={"document_type": paper.document_type.name, "received_at": paper.received_at,
                   "received_by": paper.received_by.email if paper.received_by else None},
           reason=(reason or "").strip(), ip_address=ip)
    db.session.delete(paper)
    db.session.flush()


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
