"""The managers' side of the selection committee: set-up, conflicts recorded by a manager,
assignment of the files to the reviewers, third reviews, progress and reminders.

Every service takes explicit arguments (the acting user, the objects, plain data), never the
request; before every write it checks the phase and the validation lock
(`access.ensure_open`), records the audit event (who, before, after, why) and flushes; the
view commits once. A refusal is a DomainError with its French message.

Set-up
    create_committee(actor, campaign, name, sector_id=None, scoring_deadline=None) -> Committee
    update_committee(actor, committee, name, sector_id=None, scoring_deadline=None) -> Committee
    add_member(actor, committee, user, chair=False) -> CommitteeMember
    set_chair(actor, committee, member) -> CommitteeMember   (one audited action)
    deactivate_member(actor, member, reason, now=None) -> Reassignment
        never deleted: the member's pending files move to others through plan_assignments'
        deactivation path; their submitted reviews stay.

Conflicts of interest
    record_conflict(actor, member, application, reason, now=None) -> ConflictRecorded
        a conflict recorded by a manager (source "manager", declared_by the manager).
    withdraw_for_conflict(actor, member, application, reason) -> Withdrawn | None
        SHARED WITH THE MEMBERS' SIDE (committee/reviewing.py calls it when a member declares a
        conflict on a file already assigned to them, after recording the conflict). Withdraws
        the member's live assignment of that file (status "withdrawn", withdrawn_at and
        withdrawn_reason set, its scores deleted even if submitted — a conflicted review must
        not count —, audited "committee.assignment.withdraw"), then gives the file to someone
        else: a regular review to the member plan_assignments would pick for that one file (no
        conflict, not on it, the lightest load, then the fewest files shared with its other
        reviewers; nothing else moves, a few grouped queries), a third review through
        assign_third_review. Returns None when the member holds no live assignment of the file
        (nothing to withdraw). When nobody can take the file, the withdrawal stands and
        `Withdrawn.unplaced` says why (the phase guard then lists the file among those without
        their reviewers).

Assignment
    assignment_preview(campaign) -> AssignmentPreview        what « Attribuer » would do
    assign_files(actor, campaign, now=None) -> AssignmentRun
        « Attribuer les dossiers »: in phase « Évaluation par le comité » only; members of a
        committee who have not signed the statement or declared their conflicts block it
        (listed in French) before anything is assigned; then plan_assignments over each
        committee's eligible files (access.files_in_charge), its active members, the conflicts,
        the campaign's reviewers_per_file and the existing assignments (incremental), seeded
        with the committee's id; AssignmentImpossible (its French reasons) writes nothing; the
        rows go in by Core inserts in chunks, with codes drawn in bulk; one audit event a run.
    assign_third_review(application, committee) -> ReviewAssignment
        SHARED WITH THE MEMBERS' SIDE: the third reviewer of a file flagged for a gap
        (pick_third_reviewer: no conflict, not already on it, fewest third reviews, then the
        lightest load). Returns the live third review when the file already has one;
        AssignmentImpossible when nobody qualifies. Audited with the system as actor.

Progress and reminders
    member_progress(committee) -> list[MemberProgress]
    files_statement(committee, q="") (a select for page_of) and file_rows(committee, files)
    committee_summary(committee) -> facts.ReviewFacts
    send_reminders(actor, committee, now=None) -> ReminderResult
        one e-mail to each active member with pending files, with the deadline, audited
        ("committee.reminder" on the member); a member already reminded that day is not
        reminded again, and a click that would remind nobody is refused in French.
"""
from __future__ import annotations

import json
import secrets
from collections import Counter, defaultdict, namedtuple
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, time

from sqlalchemy import String, and_, any_, bindparam, delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY

from ..applications.models import Application
from ..audit.models import AuditEvent
from ..audit.services import record, snapshot
from ..auth.models import User
from ..campaigns.models import PHASE_LABELS, Campaign
from ..errors import NotAllowed, NotFound, ValidationFailed
from ..extensions import db
from ..notifications.services import send_email
from ..reference.models import Sector
from ..screening.search import text_search
from ..timeutil import utcnow
from . import access
from .access import in_charge_condition
from .assignment import (
    WITHDRAWN_CONFLICT, AssignmentImpossible, AssignmentPlan, Held, pick_third_reviewer, plan_assignments,
)
from .models import Committee, CommitteeMember, ConflictOfInterest, ReviewAssignment, Score
from .scoring import check_gap

# Phases in which committees are still set up (the move to « Évaluation » needs one).
SETUP_PHASES = ("draft", "open", "screening", "review")
ASSIGNING_PHASE = "review"
# The statuses of the files a committee shows in its progress (evaluated: after deliberation).
SHOWN_STATUSES = ("eligible", "evaluated")
INSERT_CHUNK = 10_000
CODE_LENGTH = 8
_CODE_TABLE = bytes.maketrans(bytes(range(256)), bytes(
    ord(access.CODE_ALPHABET[b % len(access.CODE_ALPHABET)]) for b in range(256)))
WITHDRAWAL_TEXTS = {
    WITHDRAWN_CONFLICT: "Conflit d'intérêts déclaré après l'attribution",
    "deactivated": "Membre désactivé",
}
NOTHING_ASSIGNED = "Aucun dossier n'a été attribué :"


# --- reading --------------------------------------------------------------------------------

def get_committee(committee_id: int) -> Committee:
    committee = db.session.get(Committee, committee_id) if isinstance(committee_id, int) else None
    if committee is None:
        raise NotFound("Comité introuvable.")
    return committee


def get_member(committee: Committee, member_id) -> CommitteeMember:
    member = db.session.get(CommitteeMember, member_id) if isinstance(member_id, int) else None
    if member is None or member.committee_id != committee.id:
        raise NotFound("Membre introuvable.")
    return member


def campaign_committees(campaign_id: int) -> list[Committee]:
    return list(db.session.scalars(
        select(Committee).where(Committee.campaign_id == campaign_id).order_by(Committee.id)))


def committee_members(committee: Committee) -> list[CommitteeMember]:
    """Active members first (the chair at the top), then the deactivated ones."""
    return list(db.session.scalars(
        select(CommitteeMember).join(User, User.id == CommitteeMember.user_id)
        .where(CommitteeMember.committee_id == committee.id)
        .order_by(CommitteeMember.active.desc(), (CommitteeMember.role == "chair").desc(), User.full_name,
                  CommitteeMember.id)))


def candidate_users(committee: Committee) -> list[User]:
    """Active staff accounts with the committee role, not yet members of this committee."""
    taken = select(CommitteeMember.user_id).where(CommitteeMember.committee_id == committee.id)
    return list(db.session.scalars(
        select(User).where(User.role == "committee", User.is_active_account.is_(True), User.id.not_in(taken))
        .order_by(User.full_name, User.email)))


def active_sectors() -> list[Sector]:
    return list(db.session.scalars(select(Sector).where(Sector.active.is_(True)).order_by(Sector.name)))


@dataclass(frozen=True)
class CampaignCommittees:
    campaign: Campaign
    committees: list[Committee]
    members: dict[int, int]  # committee id -> active members


def overview() -> list[CampaignCommittees]:
    """Every campaign, newest first, with its committees and their active members."""
    campaigns = list(db.session.scalars(select(Campaign).order_by(Campaign.year.desc(), Campaign.code)))
    committees = defaultdict(list)
    for committee in db.session.scalars(select(Committee).order_by(Committee.id)):
        committees[committee.campaign_id].append(committee)
    counts = dict(db.session.execute(
        select(CommitteeMember.committee_id, func.count(CommitteeMember.id))
        .where(CommitteeMember.active.is_(True)).group_by(CommitteeMember.committee_id)).all())
    return [CampaignCommittees(c, committees.get(c.id, []), counts) for c in campaigns]


def member_name(member: CommitteeMember) -> str:
    user = member.user
    return (user.full_name or user.email) if user is not None else f"n° {member.id}"


def is_ready(member: CommitteeMember) -> bool:
    """Signed the statement and went through the list of candidates for conflicts."""
    return member.statement_signed_at is not None and member.conflicts_declared_at is not None


# --- set-up ---------------------------------------------------------------------------------

def _check_setup_phase(campaign: Campaign) -> None:
    if campaign.phase not in SETUP_PHASES:
        raise NotAllowed(f"La campagne est en phase « {PHASE_LABELS[campaign.phase]} » : "
                         "ses comités ne se constituent plus.")


def _has_assignments(campaign_id: int) -> bool:
    return db.session.scalar(
        select(ReviewAssignment.id).join(Application, Application.id == ReviewAssignment.application_id)
        .where(Application.campaign_id == campaign_id).limit(1)) is not None


def _committee_fields(campaign: Campaign, committee: Committee | None, name: str, sector_id,
                      scoring_deadline) -> dict:
    """The committee's fields checked, or ValidationFailed with a French message per field."""
    name = (name or "").strip()
    sector_id = sector_id or None
    errors = {}
    if not name:
        errors["name"] = "Indiquez le nom du comité."
    elif len(name) > 150:
        errors["name"] = "150 caractères au plus."
    others = [c for c in campaign_committees(campaign.id) if committee is None or c.id != committee.id]
    if name and any(c.name.lower() == name.lower() for c in others):
        errors["name"] = "Un autre comité de cette campagne porte déjà ce nom."
    if sector_id is not None and db.session.get(Sector, sector_id) is None:
        errors["sector_id"] = "Secteur inconnu."
    elif any(c.sector_id == sector_id for c in others):
        errors["sector_id"] = ("Un comité est déjà chargé de ce secteur pour cette campagne." if sector_id
                               else "Un comité est déjà chargé de toute la campagne.")
    if scoring_deadline is not None and scoring_deadline <= campaign.closes_at:
        errors["scoring_deadline"] = "La date limite de notation doit suivre la clôture des candidatures."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return {"name": name, "sector_id": sector_id, "scoring_deadline": scoring_deadline}


def create_committee(actor, campaign: Campaign, name: str, sector_id: int | None = None,
                     scoring_deadline: datetime | None = None) -> Committee:
    """A committee for the whole campaign (no sector) or for one of its sectors."""
    _check_setup_phase(campaign)
    values = _committee_fields(campaign, None, name, sector_id, scoring_deadline)
    if _has_assignments(campaign.id):
        raise NotAllowed("Des dossiers sont déjà attribués aux évaluateurs : un nouveau comité changerait "
                         "le comité chargé de certains d'entre eux.")
    committee = Committee(campaign_id=campaign.id, created_at=utcnow(), **values)
    db.session.add(committee)
    db.session.flush()
    record(actor, "committee.create", committee, after=snapshot(committee, ["name", "sector_id", "scoring_deadline"]))
    return committee


def update_committee(actor, committee: Committee, name: str, sector_id: int | None = None,
                     scoring_deadline: datetime | None = None) -> Committee:
    access.ensure_open(committee.id)
    campaign = committee.campaign
    values = _committee_fields(campaign, committee, name, sector_id, scoring_deadline)
    if values["sector_id"] != committee.sector_id:
        _check_setup_phase(campaign)
        if _has_assignments(campaign.id):
            raise ValidationFailed(errors={"sector_id": "Des dossiers sont déjà attribués : le secteur du "
                                                        "comité ne change plus."})
    fields = ["name", "sector_id", "scoring_deadline"]
    before = snapshot(committee, fields)
    for key, value in values.items():
        setattr(committee, key, value)
    db.session.flush()
    after = snapshot(committee, fields)
    if before != after:
        record(actor, "committee.update", committee, before=before, after=after)
    return committee


def add_member(actor, committee: Committee, user: User | None, chair: bool = False) -> CommitteeMember:
    """A staff account with the committee role joins the committee (as its chair if asked and
    the committee has none)."""
    access.ensure_open(committee.id)
    if user is None or user.role != "committee" or not user.is_active_account:
        raise ValidationFailed(errors={"user_id": "Choisissez un compte actif de membre du comité."})
    existing = db.session.scalar(select(CommitteeMember).where(
        CommitteeMember.committee_id == committee.id, CommitteeMember.user_id == user.id))
    if existing is not None:
        raise ValidationFailed(errors={"user_id": "Ce compte est déjà membre de ce comité." if existing.active
                                       else "Ce compte a été membre de ce comité ; il est désactivé."})
    if chair and _chair_of(committee) is not None:
        raise ValidationFailed(errors={"chair": "Le comité a déjà un président : changez-le depuis la page "
                                                "du comité."})
    member = CommitteeMember(committee_id=committee.id, user_id=user.id, role="chair" if chair else "member",
                             active=True)
    db.session.add(member)
    db.session.flush()
    record(actor, "committee.member.add", member, campaign_id=committee.campaign_id,
           after={"committee_id": committee.id, "user_id": user.id, "role": member.role})
    return member


def _chair_of(committee: Committee) -> CommitteeMember | None:
    return db.session.scalar(select(CommitteeMember).where(
        CommitteeMember.committee_id == committee.id, CommitteeMember.role == "chair"))


def set_chair(actor, committee: Committee, member: CommitteeMember) -> CommitteeMember:
    """The member becomes the chair; the former chair stays a member. One audited action."""
    access.ensure_open(committee.id)
    if member.committee_id != committee.id:
        raise NotFound("Membre introuvable.")
    if not member.active:
        raise ValidationFailed(errors={"member_id": "Un membre désactivé ne peut pas présider le comité."})
    former = _chair_of(committee)
    if former is not None and former.id == member.id:
        raise ValidationFailed(errors={"member_id": "Ce membre est déjà le président du comité."})
    if former is not None:
        former.role = "member"
        db.session.flush()  # the partial unique index allows one chair at a time
    member.role = "chair"
    db.session.flush()
    record(actor, "committee.chair.change", committee,
           before={"chair_member_id": former.id if former else None,
                   "chair_user_id": former.user_id if former else None},
           after={"chair_member_id": member.id, "chair_user_id": member.user_id})
    return member


@dataclass
class Reassignment:
    """What a withdrawal moved: files given to other members, and those nobody could take."""

    withdrawn: int = 0
    moved: list[tuple[int, int]] = field(default_factory=list)  # (application id, new member id)
    third_reviews: list[tuple[int, int]] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)  # French reasons
    warnings: list[str] = field(default_factory=list)


def deactivate_member(actor, member: CommitteeMember, reason: str, now: datetime | None = None) -> Reassignment:
    """The member leaves the committee (never deleted): their pending files go to others, their
    submitted reviews stay."""
    committee = member.committee
    access.ensure_open(committee.id)
    reason = (reason or "").strip()
    if not member.active:
        raise NotAllowed(f"{member_name(member)} est déjà désactivé : rien n'a changé.")
    if member.role == "chair":
        raise NotAllowed("Le président ne peut pas être désactivé : désignez d'abord un autre président.")
    if not reason:
        raise ValidationFailed(errors={"reason": "Indiquez le motif de la désactivation."})
    now = now or utcnow()
    member.active = False
    member.deactivated_at = now
    db.session.flush()
    moved = _fill_gaps(actor, committee, now, reason=f"Membre désactivé : {reason}")
    record(actor, "committee.member.deactivate", member, campaign_id=committee.campaign_id,
           before={"active": True}, after={"active": False, "deactivated_at": now, "withdrawn": moved.withdrawn,
                                           "moved": len(moved.moved), "third_reviews": len(moved.third_reviews),
                                           "unplaced": moved.unplaced, "warnings": moved.warnings},
           reason=reason)
    return moved


# --- conflicts of interest ------------------------------------------------------------------

@dataclass(frozen=True)
class Withdrawn:
    assignment: ReviewAssignment
    replacement_member_id: int | None  # who took the file, None if nobody could
    unplaced: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConflictRecorded:
    conflict: ConflictOfInterest
    withdrawn: Withdrawn | None


def find_file(committee: Committee, reference: str) -> Application:
    """A file of the committee's campaign by its reference (any case, with or without dashes)."""
    compact = "".join((reference or "").split()).upper()
    application = db.session.scalar(select(Application).where(
        Application.campaign_id == committee.campaign_id, Application.reference == compact)) if compact else None
    if application is None:
        raise ValidationFailed(errors={"reference": "Aucun dossier de cette campagne ne porte cette référence."})
    return application


def record_conflict(actor, member: CommitteeMember, application: Application, reason: str,
                    now: datetime | None = None) -> ConflictRecorded:
    """A manager records a conflict of interest of a member on a file; an assignment of that
    file to the member is withdrawn and the file given to someone else."""
    committee = member.committee
    access.ensure_open(committee.id)
    if application.campaign_id != committee.campaign_id:
        raise NotFound("Dossier introuvable.")
    reason = (reason or "").strip()
    if not member.active:
        raise ValidationFailed(errors={"member_id": "Ce membre est désactivé."})
    if not reason:
        raise ValidationFailed(errors={"reason": "Indiquez le motif du conflit d'intérêts."})
    if db.session.scalar(select(ConflictOfInterest.id).where(
            ConflictOfInterest.member_id == member.id, ConflictOfInterest.application_id == application.id)):
        raise ValidationFailed(errors={"reference": "Un conflit d'intérêts est déjà enregistré pour ce membre "
                                                    "sur ce dossier."})
    conflict = ConflictOfInterest(member_id=member.id, application_id=application.id, reason=reason,
                                  source="manager", declared_by_id=getattr(actor, "id", None),
                                  declared_at=now or utcnow())
    db.session.add(conflict)
    db.session.flush()
    record(actor, "committee.conflict.record", conflict, campaign_id=committee.campaign_id,
           after={"member_id": member.id, "application_id": application.id, "source": "manager"}, reason=reason)
    return ConflictRecorded(conflict, withdraw_for_conflict(actor, member, application, reason))


def withdraw_for_conflict(actor, member: CommitteeMember, application: Application, reason: str) -> Withdrawn | None:
    """See the module's docstring: shared with the members' side."""
    committee = member.committee
    access.ensure_open(committee.id)
    row = db.session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.member_id == member.id, ReviewAssignment.application_id == application.id,
        ReviewAssignment.status != "withdrawn"))
    if row is None:
        return None
    now = utcnow()
    why = WITHDRAWAL_TEXTS[WITHDRAWN_CONFLICT] + (f" : {reason.strip()}" if (reason or "").strip() else "")
    _withdraw_rows(actor, [row], why, now, committee.campaign_id)
    if row.is_third_review:
        try:
            third = assign_third_review(application, committee)
        except AssignmentImpossible as error:
            return Withdrawn(row, None, tuple(error.reasons))
        return Withdrawn(row, third.member_id)
    taker, unplaced = _replace_reviewer(actor, committee, application, now, why)
    return Withdrawn(row, taker, tuple(unplaced))


def _replace_reviewer(actor, committee: Committee, application: Application, now: datetime,
                      reason: str) -> tuple[int | None, list[str]]:
    """The file's missing regular reviewer, as plan_assignments would pick it for one file
    without moving any other: the ready active member with no conflict on it and not already on
    it (a withdrawn row counts) with the fewest regular reviews, then sharing the fewest files
    with its other reviewers, then a fixed hash of (committee, file, member). A few grouped
    queries, never the whole committee's plan (a member's click)."""
    ra = ReviewAssignment
    n = committee.campaign.reviewers_per_file
    on_file = db.session.execute(select(ra.member_id, ra.status, ra.is_third_review)
                                 .where(ra.application_id == application.id)).all()
    reviewers = [m for m, status, third in on_file if status != "withdrawn" and not third]
    need = n - len(reviewers)
    if need <= 0:
        return None, []
    conflicted = set(db.session.scalars(select(ConflictOfInterest.member_id)
                                        .where(ConflictOfInterest.application_id == application.id)))
    taken = {m for m, _status, _third in on_file} | conflicted
    candidates = [m.id for m in committee_members(committee) if m.active and is_ready(m) and m.id not in taken]
    label = application.reference or f"n° {application.id}"
    if len(candidates) < need:
        reasons = [f"Le dossier {label} n'a plus assez de membres sans conflit d'intérêts pour ses {n} "
                   "évaluations : il reste à attribuer."]
        record(actor, "committee.assignment.reassign", committee, after={"moved": [], "unplaced": reasons},
               reason=reason)
        return None, reasons
    live = and_(ra.status != "withdrawn", ra.is_third_review.is_(False))
    loads = dict(db.session.execute(select(ra.member_id, func.count(ra.id)).where(
        ra.member_id.in_(candidates), live).group_by(ra.member_id)).all())
    shared_files = select(ra.application_id).where(ra.member_id.in_(reviewers or [0]), live)
    shared = dict(db.session.execute(select(ra.member_id, func.count(ra.id)).where(
        ra.member_id.in_(candidates), live, ra.application_id.in_(shared_files)).group_by(ra.member_id)).all())
    chosen = sorted(candidates, key=lambda m: (loads.get(m, 0), shared.get(m, 0),
                                               hash((committee.id, application.id, m))))[:need]
    insert_assignments([(application.id, m) for m in chosen], now)
    record(actor, "committee.assignment.reassign", committee,
           after={"moved": [[application.id, m] for m in chosen], "unplaced": []}, reason=reason)
    return chosen[0], []


def conflicts_of(committee: Committee) -> list[tuple[ConflictOfInterest, CommitteeMember, Application]]:
    return list(db.session.execute(
        select(ConflictOfInterest, CommitteeMember, Application)
        .join(CommitteeMember, CommitteeMember.id == ConflictOfInterest.member_id)
        .join(Application, Application.id == ConflictOfInterest.application_id)
        .where(CommitteeMember.committee_id == committee.id)
        .order_by(ConflictOfInterest.declared_at.desc(), ConflictOfInterest.id.desc())).tuples())


# --- the committee's pool: files, members, conflicts, assignments (a few bulk queries) ------

@dataclass
class _Pool:
    committee: Committee
    files: list[int]
    members: list[CommitteeMember]
    conflicts: set[tuple[int, int]]  # (member, file): declared, or a withdrawn assignment
    held: list[tuple[int, int, int, str, bool]]  # live rows: (id, file, member, status, third)
    touched: set[int]  # files with an assignment row, live or withdrawn

    @property
    def active(self) -> list[CommitteeMember]:
        return [m for m in self.members if m.active]


# Read without the ORM's row processing: 200,000 rows come back five times faster.
_ROWS = text("SELECT r.id, r.application_id, r.member_id, r.status, r.is_third_review FROM review_assignments r "
             "JOIN committee_members m ON m.id = r.member_id WHERE m.committee_id = :committee")
_CONFLICTS = text("SELECT c.member_id, c.application_id FROM conflicts_of_interest c "
                  "JOIN committee_members m ON m.id = c.member_id WHERE m.committee_id = :committee")


def _pool(committee: Committee) -> _Pool:
    members = list(db.session.scalars(
        select(CommitteeMember).where(CommitteeMember.committee_id == committee.id).order_by(CommitteeMember.id)))
    connection = db.session.connection()
    conflicts = set(map(tuple, connection.execute(_CONFLICTS, {"committee": committee.id}).all()))
    rows = [(i, f, m, status, bool(third)) for i, f, m, status, third in
            connection.execute(_ROWS, {"committee": committee.id}).all()]
    held = [r for r in rows if r[3] != "withdrawn"]
    # A member keeps the row of a withdrawn assignment (unique file × member): never give it back.
    conflicts.update((r[2], r[1]) for r in rows if r[3] == "withdrawn")
    return _Pool(committee, access.files_in_charge(committee), members, conflicts, held, {r[1] for r in rows})


class _References(Mapping):
    """File id -> reference, read only for the few files a French reason names."""

    def __getitem__(self, file_id):
        reference = db.session.scalar(select(Application.reference).where(Application.id == file_id))
        if reference is None:
            raise KeyError(file_id)
        return reference

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0

    def __bool__(self):  # never empty for the planner, which asks it only for the files it names
        return True


def _reviewers(pool: _Pool, files: set[int]) -> list[int]:
    """The active members a plan may use: those ready (statement signed, conflicts declared),
    and any other active member who already holds one of the files."""
    holders = {r[2] for r in pool.held if r[1] in files}
    return [m.id for m in pool.active if is_ready(m) or m.id in holders]


# assignment.Held's fields as a named tuple: 200,000 of them are built several times faster.
_Held = namedtuple("_Held", [f.name for f in fields(Held)])


def _plan(pool: _Pool, files: list[int], *, strict: bool) -> AssignmentPlan:
    campaign = pool.committee.campaign
    in_plan = set(files)
    return plan_assignments(
        files, _reviewers(pool, in_plan), conflicts=pool.conflicts, reviewers_per_file=campaign.reviewers_per_file,
        existing=[_Held(r[1], r[2], r[3] == "submitted", r[4]) for r in pool.held if r[1] in in_plan],
        deactivated=[m.id for m in pool.members if not m.active], seed=pool.committee.id,
        strict_balance=strict, file_labels=_References(), member_labels={m.id: member_name(m) for m in pool.members})


def _apply(actor, pool: _Pool, plan: AssignmentPlan, now: datetime, reason: str | None = None) -> Reassignment:
    """Write a plan: its withdrawals (audited, scores deleted), its new rows (bulk), and a new
    third reviewer for each third review it withdrew."""
    done = Reassignment()
    by_pair = {(r[2], r[1]): r[0] for r in pool.held}
    groups = defaultdict(list)
    for w in plan.withdrawn:
        groups[w.reason].append(by_pair[(w.member, w.file)])
    for kind, ids in groups.items():
        rows = list(db.session.scalars(select(ReviewAssignment).where(ReviewAssignment.id.in_(ids))))
        why = reason if reason and kind != WITHDRAWN_CONFLICT else WITHDRAWAL_TEXTS.get(kind, kind)
        _withdraw_rows(actor, rows, why, now, pool.committee.campaign_id)
        done.withdrawn += len(rows)
    insert_assignments(plan.new, now)
    done.moved = list(plan.new)
    done.warnings = list(plan.warnings)
    for w in plan.withdrawn:
        if w.third_review:
            try:
                third = assign_third_review(db.session.get(Application, w.file), pool.committee)
            except AssignmentImpossible as error:
                done.unplaced += error.reasons
            else:
                done.third_reviews.append((w.file, third.member_id))
    return done


def _fill_gaps(actor, committee: Committee, now: datetime, reason: str) -> Reassignment:
    """After a withdrawal: the files already assigned that lack a reviewer get one (plan in
    non-strict mode, kept assignments never move; files not yet assigned are left to the next
    « Attribuer »). A file nobody can take is left out and named in `unplaced`; a deactivated
    member's pending assignments on it are withdrawn all the same."""
    pool = _pool(committee)
    files = [f for f in pool.files if f in pool.touched]
    if not files:
        return Reassignment()
    n = committee.campaign.reviewers_per_file
    active = set(_reviewers(pool, set(files)))
    gone = {m.id for m in pool.members if not m.active}
    kept = Counter()
    leaving = defaultdict(list)  # file -> rows to withdraw even if the file is left out
    for row_id, file, member, status, third in pool.held:
        if (member, file) in pool.conflicts or (member in gone and status != "submitted"):
            leaving[file].append(row_id)
        elif not third:
            kept[file] += 1
    needy = {f for f in files if kept[f] < n}  # the few files short of reviewers
    blocked = defaultdict(set)  # needy file -> members who cannot take it
    for row_id, file, member, _status, _third in pool.held:
        if file in needy:
            blocked[file].add(member)
    for member, file in pool.conflicts:
        if file in needy:
            blocked[file].add(member)
    out, labels = [], _References()
    for file in files:
        if file in needy and len(active - blocked[file]) < n - kept[file]:
            out.append(file)
    done = Reassignment()
    if out:
        rows = list(db.session.scalars(select(ReviewAssignment).where(
            ReviewAssignment.id.in_([i for f in out for i in leaving[f]]))))
        _withdraw_rows(actor, rows, reason, now, committee.campaign_id)
        done.withdrawn += len(rows)
        done.unplaced += [f"Le dossier {labels.get(f, f'n° {f}')} n'a plus assez de membres sans conflit "
                          f"d'intérêts pour ses {n} évaluations : il reste à attribuer." for f in out]
        pool = _pool(committee)
        files = [f for f in files if f not in set(out)]
    if files:
        applied = _apply(actor, pool, _plan(pool, files, strict=False), now, reason)
        done.withdrawn += applied.withdrawn
        done.moved, done.third_reviews = applied.moved, applied.third_reviews
        done.unplaced += applied.unplaced
        done.warnings = applied.warnings
    if done.moved or done.unplaced or done.third_reviews:
        record(actor, "committee.assignment.reassign", committee,
               after={"moved": [list(p) for p in done.moved], "third_reviews": [list(p) for p in done.third_reviews],
                      "unplaced": done.unplaced, "warnings": done.warnings}, reason=reason)
    return done


APPLICANT_WITHDREW = "Dossier retiré par le candidat"


def withdraw_for_applicant(actor, application: Application, now: datetime) -> None:
    """The applicant withdrew the file (applications/hooks.py): its pending reviews are withdrawn,
    so that nobody scores it and no reminder asks for it; submitted reviews stay on record."""
    rows = list(db.session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application.id, ReviewAssignment.status == "pending")))
    _withdraw_rows(actor, rows, APPLICANT_WITHDREW, now, application.campaign_id)


def _withdraw_rows(actor, rows: list[ReviewAssignment], reason: str, now: datetime, campaign_id: int) -> None:
    """Withdraw assignments: status, time and reason set, their scores deleted, one audit event each."""
    if not rows:
        return
    ids = [r.id for r in rows]
    counts = dict(db.session.execute(select(Score.assignment_id, func.count(Score.id))
                                     .where(Score.assignment_id.in_(ids)).group_by(Score.assignment_id)).all())
    fields = ["status", "weighted_total", "submitted_at", "withdrawn_reason"]
    befores = {r.id: snapshot(r, fields) for r in rows}
    db.session.execute(delete(Score).where(Score.assignment_id.in_(ids)), execution_options={"synchronize_session": False})
    for assignment in rows:
        if "scores" in assignment.__dict__:
            db.session.expire(assignment, ["scores"])
        assignment.status = "withdrawn"
        assignment.withdrawn_at = now
        assignment.withdrawn_reason = reason
        assignment.weighted_total = None
    db.session.flush()
    for row in rows:
        record(actor, "committee.assignment.withdraw", row, campaign_id=campaign_id, before=befores[row.id],
               after={**snapshot(row, fields), "application_id": row.application_id, "member_id": row.member_id,
                      "scores_deleted": counts.get(row.id, 0)}, reason=reason)


# --- assignment -----------------------------------------------------------------------------

def new_codes(count: int) -> list[str]:
    """`count` distinct random codes (access.CODE_ALPHABET, never derived from a reference),
    drawn in bulk and checked against the stored ones in one query per draw."""
    codes: set[str] = set()
    while len(codes) < count:
        need = count - len(codes)
        raw = secrets.token_bytes(need * CODE_LENGTH).translate(_CODE_TABLE).decode("ascii")
        drawn = {raw[i:i + CODE_LENGTH] for i in range(0, len(raw), CODE_LENGTH)} - codes
        codes |= drawn - _codes_taken(drawn)
    return list(codes)


def _codes_taken(codes: set[str]) -> set[str]:
    if not codes:
        return set()
    code = ReviewAssignment.code
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        condition = code == any_(bindparam("codes", list(codes), type_=ARRAY(String)))
    elif dialect == "sqlite":
        condition = code.in_(select(func.json_each(json.dumps(sorted(codes))).table_valued("value").c.value))
    else:
        condition = code.in_(sorted(codes))
    return set(db.session.scalars(select(code).where(condition)))


def insert_assignments(pairs: Iterable[tuple[int, int]], now: datetime, *, third: bool = False) -> int:
    """Bulk insert of pending assignments (file, member): Core inserts in chunks, codes in bulk."""
    pairs = list(pairs)
    if not pairs:
        return 0
    table = ReviewAssignment.__table__
    rows = [{"application_id": f, "member_id": m, "status": "pending", "code": code, "is_third_review": third,
             "comment": "", "assigned_at": now, "withdrawn_reason": "", "version": 1}
            for (f, m), code in zip(pairs, new_codes(len(pairs)))]
    for start in range(0, len(rows), INSERT_CHUNK):
        db.session.execute(insert(table), rows[start:start + INSERT_CHUNK])
    return len(rows)


@dataclass(frozen=True)
class CommitteePreview:
    committee: Committee
    files: int              # eligible files in its charge
    to_assign: int          # of them, without their N regular reviewers
    members_active: int
    members_ready: int
    chair: bool


@dataclass(frozen=True)
class AssignmentPreview:
    campaign: Campaign
    committees: list[CommitteePreview]
    blockers: list[str]     # French: what stops « Attribuer » before anything is assigned

    @property
    def to_assign(self) -> int:
        return sum(c.to_assign for c in self.committees)


def _blockers(campaign: Campaign, committees: list[Committee]) -> list[str]:
    reasons = []
    if campaign.phase != ASSIGNING_PHASE:
        reasons.append(f"Les dossiers s'attribuent en phase « {PHASE_LABELS[ASSIGNING_PHASE]} » ; la campagne "
                       f"est en phase « {PHASE_LABELS[campaign.phase]} ».")
    if not committees:
        reasons.append("Aucun comité de sélection n'est constitué pour cette campagne.")
    for committee in committees:
        if access.is_locked(committee.id):
            reasons.append(f"Comité « {committee.name} » : {access.LOCKED}")
        if not _has_eligible_files(committee, committees):
            continue  # nothing to assign there: its members hold nobody up
        for member in committee_members(committee):
            if not member.active or is_ready(member):
                continue
            missing = [text for done, text in (
                (member.statement_signed_at, "signé la déclaration d'impartialité et de confidentialité"),
                (member.conflicts_declared_at, "déclaré ses conflits d'intérêts sur la liste des candidats"))
                if done is None]
            reasons.append(f"Comité « {committee.name} » : {member_name(member)} n'a pas encore "
                           f"{' ni '.join(missing)}.")
    unclaimed = _facts().files_without_committee(campaign.id)
    if committees and unclaimed:
        reasons.append(f"{unclaimed} dossier(s) recevable(s) ne relèvent d'aucun comité : créez un comité pour "
                       "leur secteur ou un comité pour toute la campagne.")
    return reasons


def _has_eligible_files(committee: Committee, committees: list[Committee]) -> bool:
    return db.session.scalar(select(Application.id).where(
        in_charge_condition(committee, committees), Application.status == "eligible").limit(1)) is not None


def _facts():
    from . import facts
    return facts


def assignment_preview(campaign: Campaign) -> AssignmentPreview:
    committees = campaign_committees(campaign.id)
    previews = []
    for committee in committees:
        members = committee_members(committee)
        summary = committee_summary(committee)
        previews.append(CommitteePreview(
            committee, summary.files, summary.files_missing_reviews, sum(m.active for m in members),
            sum(m.active and is_ready(m) for m in members), any(m.role == "chair" for m in members)))
    return AssignmentPreview(campaign, previews, _blockers(campaign, committees))


@dataclass(frozen=True)
class CommitteeRun:
    committee: Committee
    files: int
    new: int
    withdrawn: int
    members: int
    spread: int
    pair_overlap: int
    pair_bound: int


@dataclass(frozen=True)
class AssignmentRun:
    committees: list[CommitteeRun]

    @property
    def new(self) -> int:
        return sum(c.new for c in self.committees)


def _impossible(reasons: list[str]) -> AssignmentImpossible:
    error = AssignmentImpossible(reasons)
    error.message = NOTHING_ASSIGNED  # the reasons follow one by one (viewhelpers.show_error)
    return error


def assign_files(actor, campaign: Campaign, now: datetime | None = None) -> AssignmentRun:
    """« Attribuer les dossiers » for every committee of the campaign: all or nothing."""
    committees = campaign_committees(campaign.id)
    blockers = _blockers(campaign, committees)
    if blockers:
        raise _impossible(blockers)
    now = now or utcnow()
    plans, reasons = [], []
    for committee in committees:
        pool = _pool(committee)
        if not pool.files:
            continue
        try:
            plans.append((pool, _plan(pool, pool.files, strict=True)))
        except AssignmentImpossible as error:
            prefix = f"Comité « {committee.name} » : " if len(committees) > 1 else ""
            reasons += [prefix + r for r in error.reasons]
    if reasons:
        raise _impossible(reasons)
    if not any(plan.new or plan.withdrawn for _pool_, plan in plans):
        raise NotAllowed(f"Tous les dossiers recevables ont déjà leurs {campaign.reviewers_per_file} évaluateurs : "
                         "aucun dossier n'a été attribué.")
    runs = []
    for pool, plan in plans:
        done = _apply(actor, pool, plan, now)
        runs.append(CommitteeRun(pool.committee, len(pool.files), len(plan.new), done.withdrawn, len(plan.loads),
                                 plan.spread, plan.pair_overlap, plan.pair_bound))
    record(actor, "committee.assignment.run", campaign, object_type="campaigns", campaign_id=campaign.id,
           after={"reviewers_per_file": campaign.reviewers_per_file, "new": sum(r.new for r in runs),
                  "committees": {str(r.committee.id): {"files": r.files, "new": r.new, "withdrawn": r.withdrawn,
                                                       "members": r.members, "spread": r.spread,
                                                       "pair_overlap": r.pair_overlap} for r in runs}})
    return AssignmentRun(runs)


def assign_third_review(application: Application, committee: Committee) -> ReviewAssignment:
    """See the module's docstring: shared with the members' side."""
    access.ensure_open(committee.id)
    live = db.session.scalar(
        select(ReviewAssignment).join(CommitteeMember, CommitteeMember.id == ReviewAssignment.member_id)
        .where(ReviewAssignment.application_id == application.id, ReviewAssignment.is_third_review.is_(True),
               ReviewAssignment.status != "withdrawn", CommitteeMember.committee_id == committee.id))
    if live is not None:
        return live
    members = [m.id for m in db.session.scalars(select(CommitteeMember).where(
        CommitteeMember.committee_id == committee.id, CommitteeMember.active.is_(True)).order_by(CommitteeMember.id))
        if is_ready(m)]
    conflicts = db.session.execute(select(ConflictOfInterest.member_id, ConflictOfInterest.application_id).where(
        ConflictOfInterest.application_id == application.id)).tuples().all()
    on_file = db.session.scalars(select(ReviewAssignment.member_id).where(
        ReviewAssignment.application_id == application.id)).all()
    loads, third_loads = {}, {}
    for member_id, third, count in db.session.execute(
            select(ReviewAssignment.member_id, ReviewAssignment.is_third_review, func.count(ReviewAssignment.id))
            .join(CommitteeMember, CommitteeMember.id == ReviewAssignment.member_id)
            .where(CommitteeMember.committee_id == committee.id, ReviewAssignment.status != "withdrawn")
            .group_by(ReviewAssignment.member_id, ReviewAssignment.is_third_review)):
        (third_loads if third else loads)[member_id] = count
    chosen = pick_third_reviewer(application.id, members, conflicts=conflicts, on_file=on_file, loads=loads,
                                 third_loads=third_loads, seed=committee.id,
                                 file_label=application.reference or f"n° {application.id}")
    assignment = access.new_assignment(application.id, chosen, third=True)
    db.session.flush()
    record(None, "committee.third_review.assign", assignment, campaign_id=committee.campaign_id,
           after={"application_id": application.id, "member_id": chosen, "code": assignment.code},
           reason="Écart de notes entre les évaluateurs : troisième évaluation")
    return assignment


# --- progress -------------------------------------------------------------------------------

def committee_summary(committee: Committee):
    """The committee's review facts (files, reviews missing, pending, flagged): facts.ReviewFacts."""
    return _facts().review_facts(committee.campaign, in_charge_condition(committee))


@dataclass(frozen=True)
class MemberProgress:
    member: CommitteeMember
    name: str
    assigned: int       # regular reviews, live
    third: int          # third reviews, live
    scored: int         # submitted (regular and third)
    pending: int        # not yet submitted (regular and third)
    withdrawn: int

    @property
    def ready(self) -> bool:
        return is_ready(self.member)


def member_progress(committee: Committee) -> list[MemberProgress]:
    """Per member, from one grouped query, over the files in evaluation or evaluated."""
    ra = ReviewAssignment
    shown = Application.status.in_(SHOWN_STATUSES)
    counts = defaultdict(lambda: [0] * 5)
    for member_id, status, third, in_view, count in db.session.execute(
            select(ra.member_id, ra.status, ra.is_third_review, shown, func.count())
            .join(CommitteeMember, CommitteeMember.id == ra.member_id)
            .join(Application, Application.id == ra.application_id)
            .where(CommitteeMember.committee_id == committee.id)
            .group_by(ra.member_id, ra.status, ra.is_third_review, shown)):
        row = counts[member_id]
        if status == "withdrawn":
            row[4] += count
        elif in_view:
            row[1 if third else 0] += count
            row[2 if status == "submitted" else 3] += count
    return [MemberProgress(m, member_name(m), *counts[m.id]) for m in committee_members(committee)]


def files_statement(committee: Committee, q: str = ""):
    """The committee's files (in evaluation or evaluated), by reference; `q` a reference or a name."""
    stmt = select(Application).where(in_charge_condition(committee), Application.status.in_(SHOWN_STATUSES))
    q = (q or "").strip()[:100]
    if q:
        condition, hits = text_search(q, committee.campaign)
        stmt = stmt.where(condition) if condition is not None else stmt.join(hits, hits.c.id == Application.id)
    return stmt.order_by(Application.reference, Application.id)


@dataclass(frozen=True)
class Review:
    member_name: str
    status: str
    third: bool


@dataclass(frozen=True)
class FileProgress:
    application: Application
    reviews: list[Review]
    submitted: int
    needed: int
    flagged: bool
    gap_message: str


def file_rows(committee: Committee, applications: list[Application]) -> list[FileProgress]:
    """Each file of a page with its live reviews (one query for the page)."""
    ids = [a.id for a in applications]
    by_file = defaultdict(list)
    if ids:
        for row, member, user in db.session.execute(
                select(ReviewAssignment, CommitteeMember, User)
                .join(CommitteeMember, CommitteeMember.id == ReviewAssignment.member_id)
                .join(User, User.id == CommitteeMember.user_id)
                .where(ReviewAssignment.application_id.in_(ids), ReviewAssignment.status != "withdrawn",
                       CommitteeMember.committee_id == committee.id)
                .order_by(ReviewAssignment.is_third_review, User.full_name)).tuples():
            by_file[row.application_id].append((row, user.full_name or user.email))
    campaign = committee.campaign
    result = []
    for application in applications:
        rows = by_file.get(application.id, [])
        regular = [r.weighted_total for r, _name in rows if r.status == "submitted" and not r.is_third_review]
        gap = check_gap(regular, campaign.score_gap_threshold,
                        third_review_assigned=any(r.is_third_review for r, _name in rows))
        result.append(FileProgress(
            application, [Review(name, r.status, r.is_third_review) for r, name in rows],
            sum(r.status == "submitted" for r, _name in rows), campaign.reviewers_per_file, gap.flagged,
            gap.message))
    return result


# --- reminders ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReminderResult:
    sent: list[str]       # names of the members reminded now
    already: list[str]    # late members already reminded today


def _deadline_text(committee: Committee) -> str:
    if committee.scoring_deadline is None:
        return "Aucune date limite n'est fixée ; merci de noter vos dossiers au plus tôt."
    return f"Date limite de notation : {committee.scoring_deadline:%d/%m/%Y à %H:%M} (heure de Bamako)."


def send_reminders(actor, committee: Committee, now: datetime | None = None) -> ReminderResult:
    """One e-mail to each active member who holds the committee up (pending files, or the
    statement or the declaration of conflicts not done yet), once a day at most."""
    access.ensure_open(committee.id)
    now = now or utcnow()
    late = [p for p in member_progress(committee) if p.member.active and (p.pending > 0 or not is_ready(p.member))]
    if not late:
        raise NotAllowed("Aucun membre n'a de déclaration ni de dossier en attente : aucun rappel n'a été envoyé.")
    day = datetime.combine(now.date(), time.min)
    reminded = set(db.session.scalars(select(AuditEvent.object_id).where(
        AuditEvent.action == "committee.reminder", AuditEvent.object_type == CommitteeMember.__tablename__,
        AuditEvent.object_id.in_([str(p.member.id) for p in late]), AuditEvent.at >= day)))
    already = [p for p in late if str(p.member.id) in reminded]
    due = [p for p in late if str(p.member.id) not in reminded]
    if not due:
        raise NotAllowed(f"Le rappel a déjà été envoyé aujourd'hui aux {len(already)} membre(s) en retard : "
                         "rien n'a été renvoyé.")
    campaign = committee.campaign
    deadline = _deadline_text(committee)
    for progress in due:
        user = progress.member.user
        if progress.pending > 0:
            task = f"Il vous reste {progress.pending} dossier(s) à noter"
            subject = f"Rappel : {progress.pending} dossier(s) à noter – {committee.name}"
        else:
            task = ("Avant que les dossiers vous soient attribués, signez la déclaration d'impartialité et "
                    "de confidentialité et déclarez vos conflits d'intérêts")
            subject = f"Rappel : déclaration à faire – {committee.name}"
        body = (f"Bonjour {progress.name},\n\n"
                f"{task} pour le « {committee.name} » (campagne « {campaign.title} »).\n{deadline}\n\n"
                "Connectez-vous à l'application Quota, rubrique « Mes dossiers à noter ».\n\n"
                "La Direction Nationale de la Formation Professionnelle")
        send_email(user.email, subject, body, user_id=user.id)
        _record_reminder(actor, committee, progress, now)
    return ReminderResult([p.name for p in due], [p.name for p in already])


def _record_reminder(actor, committee: Committee, progress: MemberProgress, now: datetime) -> None:
    event = record(actor, "committee.reminder", progress.member, campaign_id=committee.campaign_id,
                   after={"pending": progress.pending, "deadline": committee.scoring_deadline,
                          "to": progress.member.user.email})
    event.at = now
