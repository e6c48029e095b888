"""Retention's work: the purge of the expired campaigns, the applicant's erasure request and the
manager's decision. Explicit arguments, no request; the caller (the command, the view) commits
once, then deletes the documents' files the result names (`delete_files`): a commit that fails
leaves every file in place.

Anonymising a file (anonymise_applications) empties its personal columns (rules.PERSONAL_FIELDS;
the birth date keeps its year), deletes its documents (rows now, files after the commit), empties
the PDF of its sealed receipt (its seal and hashes stay verifiable), the free texts that staff
wrote about the person (screening and review comments, paper documents' notes, conflicts of
interest), the addresses and bodies of the messages sent about it, and the personal values in
its audit events; it marks the file `anonymised_at`. Sex, birth year, region, diploma, series,
average, status, choices, scores and placements stay for the statistics. Everything is written
through bulk statements, in chunks: a campaign of 100,000 files costs a few hundred statements.
"""
from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, func, null, select, update

from ..amci.models import FollowUp
from ..applications import storage
from ..applications.models import Applicant, Application, ApplicationDocument, ScreeningDecision
from ..audit.models import AuditEvent
from ..audit.services import record
from ..auth.contacts import contact_of
from ..auth.models import Consent, OneTimeCode, PasswordResetToken, User
from ..auth.session import new_session_token
from ..campaigns.models import Campaign
from ..committee.models import ConflictOfInterest, ReviewAssignment, Score
from ..documents.models import SealedDocument
from ..errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from ..extensions import db
from ..notifications.models import OutboxMessage
from ..notifications.services import notify
from ..placement.models import Placement
from ..screening.models import PaperDocument
from ..timeutil import utcnow
from . import rules
from .models import ErasureRequest

CHUNK = 500
NOTE_MAX = 1000
REASON_MAX = 2000
ERASED_MESSAGE = "[Message effacé : données personnelles anonymisées (loi n°2013-015).]"


def retention_years() -> int:
    return int(current_app.config.get("RETENTION_YEARS_AFTER_CLOSE", 2))


def _chunks(ids: list) -> list[list]:
    return [ids[start:start + CHUNK] for start in range(0, len(ids), CHUNK)]


# --- anonymising ----------------------------------------------------------------------------

@dataclass
class Anonymised:
    """What anonymise_applications did: files anonymised, documents deleted, and the stored
    names of the documents' files, for the caller to delete once it has committed."""

    applications: int = 0
    documents: int = 0
    files: list[str] = field(default_factory=list)


def _scrub_events(condition) -> None:
    rows = db.session.execute(select(AuditEvent.id, AuditEvent.before, AuditEvent.after).where(condition)).all()
    for event_id, before, after in rows:
        clean_before, clean_after = rules.scrub(before), rules.scrub(after)
        if clean_before != before or clean_after != after:
            db.session.execute(update(AuditEvent).where(AuditEvent.id == event_id)
                               .values(before=clean_before, after=clean_after))


def _blank_messages(condition, now: datetime) -> None:
    db.session.execute(update(OutboxMessage).where(condition, OutboxMessage.status == "pending").values(
        status="failed", error="Message effacé avant son envoi : données personnelles anonymisées."))
    db.session.execute(update(OutboxMessage).where(condition).values(
        to_email=None, to_phone=None, body=ERASED_MESSAGE, secret=None, secret_expires_at=None))


def anonymise_applications(ids: list[int], now: datetime) -> Anonymised:
    """Anonymises these files (those not anonymised yet); see the module's docstring."""
    done = Anonymised()
    for part in _chunks(sorted(set(ids))):
        rows = db.session.execute(select(Application.id, Application.birth_date, Application.receipt_document_id)
                                  .where(Application.id.in_(part), Application.anonymised_at.is_(None))).all()
        if not rows:
            continue
        part = [row.id for row in rows]
        done.applications += len(part)
        done.files += list(db.session.scalars(
            select(ApplicationDocument.stored_name).where(ApplicationDocument.application_id.in_(part))))
        done.documents += db.session.execute(
            delete(ApplicationDocument).where(ApplicationDocument.application_id.in_(part))
            .execution_options(synchronize_session=False)).rowcount or 0
        receipts = [row.receipt_document_id for row in rows if row.receipt_document_id]
        if receipts:
            db.session.execute(update(SealedDocument).where(SealedDocument.id.in_(receipts)).values(pdf=b""))
        by_year: dict[object, list[int]] = defaultdict(list)
        for row in rows:
            by_year[rules.birth_year_only(row.birth_date)].append(row.id)
        blank = {name: null() for name in rules.PERSONAL_FIELDS}
        for birth, same in by_year.items():
            db.session.execute(
                update(Application).where(Application.id.in_(same))
                .values(**blank, birth_date=birth, search_name="", anonymised_at=now, updated_at=now,
                        version=Application.version + 1)
                .execution_options(synchronize_session=False))
        for model, column in ((PaperDocument, PaperDocument.note), (ReviewAssignment, ReviewAssignment.comment),
                              (ConflictOfInterest, ConflictOfInterest.reason)):
            db.session.execute(update(model).where(model.application_id.in_(part), column != "")
                               .values({column.key: ""}).execution_options(synchronize_session=False))
        db.session.execute(update(Score).where(
            Score.assignment_id.in_(select(ReviewAssignment.id).where(ReviewAssignment.application_id.in_(part))),
            Score.comment != "").values(comment="").execution_options(synchronize_session=False))
        db.session.execute(update(ScreeningDecision).where(ScreeningDecision.application_id.in_(part),
                                                           ScreeningDecision.comment != "")
                           .values(comment="").execution_options(synchronize_session=False))
        _blank_messages(OutboxMessage.application_id.in_(part), now)
        _scrub_events((AuditEvent.object_type == "applications") & AuditEvent.object_id.in_([str(i) for i in part]))
    db.session.expire_all()  # the bulk statements went around the objects the session holds
    return done


def delete_files(names: list[str]) -> int:
    """After the commit: removes the documents' files; returns how many were on disk."""
    upload_dir = current_app.config["UPLOAD_DIR"]
    removed = 0
    for name in names:
        if storage.existing(upload_dir, name) is not None:
            storage.delete(upload_dir, name)
            removed += 1
    return removed


# --- the purge of the expired campaigns ------------------------------------------------------

@dataclass
class CampaignPurge:
    """One expired campaign: when it closed, since when its files may be anonymised, how many
    are (or, in a dry run, would be) anonymised and how many documents deleted."""

    campaign_id: int
    code: str
    title: str
    closed_at: datetime
    purge_after: datetime
    applications: int = 0
    documents: int = 0
    kept: int = 0  # the files it selected, kept whole


@dataclass
class PurgeReport:
    dry_run: bool
    years: int
    campaigns: list[CampaignPurge] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # to delete after the commit

    @property
    def applications(self) -> int:
        return sum(c.applications for c in self.campaigns)

    @property
    def documents(self) -> int:
        return sum(c.documents for c in self.campaigns)


def close_moments(campaigns: list[Campaign]) -> dict[int, datetime | None]:
    """campaign id -> when it closed: its last move to « Clôturée » in the audit trail, else the
    end of its application window (rules.closed_at)."""
    moved: dict[str, datetime] = {}
    if campaigns:
        rows = db.session.execute(select(AuditEvent.object_id, AuditEvent.at, AuditEvent.after).where(
            AuditEvent.action == "campaign.phase", AuditEvent.object_type == "campaigns",
            AuditEvent.object_id.in_([str(c.id) for c in campaigns]))).all()
        for object_id, at, after in rows:
            if (after or {}).get("phase") == "closed" and (object_id not in moved or at > moved[object_id]):
                moved[object_id] = at
    return {c.id: rules.closed_at(c.closes_at, moved.get(str(c.id))) for c in campaigns}


def _expired_campaigns(now: datetime, years: int) -> list[tuple[Campaign, datetime]]:
    campaigns = list(db.session.scalars(select(Campaign).where(Campaign.phase == "closed").order_by(Campaign.id)))
    moments = close_moments(campaigns)
    return [(c, moments[c.id]) for c in campaigns if rules.expired(c.phase, moments[c.id], now, years)]


def _to_anonymise(campaign_id: int) -> list[int]:
    return list(db.session.scalars(select(Application.id).where(
        Application.campaign_id == campaign_id, Application.anonymised_at.is_(None),
        Application.status.not_in(sorted(rules.KEPT_STATUSES))).order_by(Application.id)))


def _count_documents(ids: list[int]) -> int:
    return sum(db.session.scalar(select(func.count(ApplicationDocument.id))
                                 .where(ApplicationDocument.application_id.in_(part))) or 0 for part in _chunks(ids))


def purge_expired(now: datetime | None = None, dry_run: bool = False, years: int | None = None,
                  actor=None) -> PurgeReport:
    """Anonymises the files that the campaigns closed for more than `years` years
    (RETENTION_YEARS_AFTER_CLOSE) did not select; one audit event per campaign with its counts.
    `dry_run`: the same counts, nothing written. A second run finds nothing left to do."""
    now = now or utcnow()
    years = retention_years() if years is None else years
    report = PurgeReport(dry_run=dry_run, years=years)
    for campaign, closed in _expired_campaigns(now, years):
        ids = _to_anonymise(campaign.id)
        kept = db.session.scalar(select(func.count(Application.id)).where(
            Application.campaign_id == campaign.id, Application.status.in_(sorted(rules.KEPT_STATUSES)))) or 0
        line = CampaignPurge(campaign.id, campaign.code, campaign.title, closed, rules.purge_after(closed, years),
                             applications=len(ids), documents=_count_documents(ids), kept=kept)
        report.campaigns.append(line)
        if dry_run or not ids:
            continue
        done = anonymise_applications(ids, now)
        line.applications, line.documents = done.applications, done.documents
        report.files += done.files
        record(actor, "retention.purge", object_type="campaigns", object_id=campaign.id, campaign_id=campaign.id,
               after={"anonymised": done.applications, "documents": done.documents, "kept": kept,
                      "closed_at": closed, "years": years},
               reason=f"Durée de conservation échue ({years} ans après la clôture, loi n°2013-015)")
    db.session.flush()
    return report


# --- the applicant's erasure request ---------------------------------------------------------

def _applicant_only(user) -> None:
    if getattr(user, "role", None) != "applicant":
        raise NotAllowed("Seul un candidat peut demander l'effacement de ses données.")


def my_requests(user) -> list[ErasureRequest]:
    return list(db.session.scalars(select(ErasureRequest).where(ErasureRequest.user_id == user.id)
                                   .order_by(ErasureRequest.requested_at.desc(), ErasureRequest.id.desc())))


def pending_request(user) -> ErasureRequest | None:
    return db.session.scalars(select(ErasureRequest).where(
        ErasureRequest.user_id == user.id, ErasureRequest.status == "pending")).first()


def request_erasure(user, confirmed: bool, note: str = "", *, ip_address: str | None = None,
                    now: datetime | None = None) -> ErasureRequest:
    """Records the applicant's request (a manager decides it). One pending request at a time."""
    _applicant_only(user)
    if not confirmed:
        raise ValidationFailed(errors={"confirm": "Cochez la case pour confirmer votre demande d'effacement."})
    text = (note or "").strip() if isinstance(note, str) else ""
    if len(text) > NOTE_MAX:
        raise ValidationFailed(errors={"note": f"Votre message est trop long : {NOTE_MAX} caractères au maximum."})
    if pending_request(user) is not None:
        raise InvalidTransition("Vous avez déjà une demande d'effacement en attente : la DNFP vous répondra.")
    request_ = ErasureRequest(user_id=user.id, status="pending", note=text, requested_at=now or utcnow())
    db.session.add(request_)
    db.session.flush()
    record(user, "retention.erasure.request", request_, after={"status": "pending"}, ip_address=ip_address)
    return request_


# --- the manager's decision -------------------------------------------------------------------

def requests_statement(status: str | None = "pending"):
    """The requests for the managers' list, oldest pending first."""
    statement = select(ErasureRequest)
    if status:
        statement = statement.where(ErasureRequest.status == status)
    return statement.order_by(ErasureRequest.requested_at, ErasureRequest.id)


def get_request(request_id) -> ErasureRequest:
    found = db.session.get(ErasureRequest, request_id) if isinstance(request_id, int) else None
    if found is None:
        raise NotFound("Demande introuvable.")
    return found


def applications_of(user_id: int) -> list[Application]:
    return list(db.session.scalars(select(Application).join(Applicant, Applicant.id == Application.applicant_id)
                                   .where(Applicant.user_id == user_id).order_by(Application.id)))


def held_files(user_id: int) -> list[rules.HeldFile]:
    """The applicant's files as the erasure rule reads them."""
    files = applications_of(user_id)
    ids = [a.id for a in files]
    live = set(db.session.scalars(select(Placement.application_id).where(
        Placement.application_id.in_(ids), Placement.status.in_(("offered", "accepted"))))) if ids else set()
    granted = set(db.session.scalars(select(FollowUp.application_id).where(
        FollowUp.application_id.in_(ids), FollowUp.scholarship_granted.is_(True)))) if ids else set()
    return [rules.HeldFile(reference=a.reference, campaign_title=a.campaign.title, campaign_phase=a.campaign.phase,
                           status=a.status, live_placement=a.id in live, scholarship=a.id in granted)
            for a in files]


def blockers(erasure: ErasureRequest) -> list[str]:
    return rules.erasure_blockers(held_files(erasure.user_id))


def anonymise_account(user: User, now: datetime) -> None:
    """The account of a granted request: no name, no address, no phone, closed for good."""
    old = [value for value in (user.email, user.phone) if value]
    user.email = f"compte-efface-{user.id}@anonyme.invalid"
    user.phone = None
    user.phone_verified_at = None
    user.full_name = "Compte effacé"
    user.is_active_account = False
    user.session_token = new_session_token()  # every open session ends
    user.password_hash = "!" + secrets.token_hex(16)  # no password matches it
    db.session.execute(update(Consent).where(Consent.user_id == user.id).values(ip_address=None))
    db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    codes = OneTimeCode.user_id == user.id
    if old:
        codes = codes | OneTimeCode.destination.in_(old)
    db.session.execute(delete(OneTimeCode).where(codes).execution_options(synchronize_session=False))
    _blank_messages(OutboxMessage.user_id == user.id, now)
    _scrub_events((AuditEvent.object_type == "users") & (AuditEvent.object_id == str(user.id)))
    db.session.execute(update(AuditEvent).where(AuditEvent.actor_id == user.id, AuditEvent.ip_address.is_not(None))
                       .values(ip_address=None))


@dataclass
class Decision:
    request: ErasureRequest
    anonymised: Anonymised | None = None  # an acceptance: what it did, and the files to delete


def decide(actor, erasure: ErasureRequest, decision: str, reason: str = "", *,
           now: datetime | None = None) -> Decision:
    """A manager's answer. "accept": the applicant's files and account are anonymised now,
    unless they hold a seat or a scholarship or a file is still being selected (refused in
    French: the request stays pending, to be refused with that reason). "refuse": with a reason,
    which the applicant is told."""
    now = now or utcnow()
    if erasure.status != "pending":
        raise InvalidTransition("Cette demande a déjà été traitée.")
    text = (reason or "").strip() if isinstance(reason, str) else ""
    if len(text) > REASON_MAX:
        raise ValidationFailed(errors={"reason": f"Motif trop long : {REASON_MAX} caractères au maximum."})
    user = db.session.get(User, erasure.user_id)
    if decision == "accept":
        reasons = blockers(erasure)
        if reasons:
            raise InvalidTransition("L'effacement ne peut pas être accordé : refusez la demande en donnant "
                                    "ce motif.", reasons=reasons)
        done = anonymise_applications([a.id for a in applications_of(user.id)], now)
        anonymise_account(user, now)
        erasure.decide("accepted", actor.id, now, text,
                       counts={"applications": done.applications, "documents": done.documents})
        db.session.flush()
        record(actor, "retention.erasure.accept", erasure, after={"status": "accepted", **erasure.counts},
               before={"status": "pending"}, reason=text)
        return Decision(erasure, done)
    if decision != "refuse":
        raise ValidationFailed("Choisissez d'accepter ou de refuser la demande.")
    if not text:
        raise ValidationFailed(errors={"reason": "Donnez le motif du refus : il est communiqué au candidat."})
    erasure.decide("refused", actor.id, now, text)
    db.session.flush()
    record(actor, "retention.erasure.refuse", erasure, before={"status": "pending"}, after={"status": "refused"},
           reason=text)
    notify(contact_of(user), "Votre demande d'effacement de vos données",
           "Bonjour,\n\nVotre demande d'effacement de vos données personnelles n'a pas été acceptée, "
           f"pour le motif suivant :\n\n{text}\n\nVous pouvez la retrouver dans votre espace, "
           "rubrique « Mes données ».\n\nDNFP — Quota de formation professionnelle au Maroc",
           "Votre demande d'effacement de vos données n'a pas été acceptée : voir le motif dans votre espace.",
           link_path="/candidat/effacement")
    return Decision(erasure)
