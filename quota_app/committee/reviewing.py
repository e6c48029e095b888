"""What a committee member does: sign the impartiality statement, declare conflicts of interest,
score the files assigned to them (drafts, then a submission that locks their scores).

Services with explicit arguments (the acting user, ids, plain data): they check the membership
(access.membership: another committee looks like a missing one), the assignment (a file not
assigned to the member is NotFound), the phase and the validation lock (access.ensure_open
before every write of a score or a review), record the audit event and flush; the caller commits.

Independence: nothing here tells a member about another reviewer (their scores, whether they
have submitted, a third review, a gap flag). Blind mode (campaign.blind_review): what a member
reads of a file (`ReviewFile`) holds no identity at all — no name, photo, NINA, passport,
phone, e-mail, address, birth date or place, region or sex, no reference — and the documents
that show identity (IDENTITY_DOCUMENTS) are not offered; the file is named by the assignment's
random code. The list of candidates for the conflicts declaration is the exception the issue
makes: name, birth place and region, never linked to a code.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from ..applications.models import Application, ApplicationDocument, search_key
from ..audit.services import record as audit
from ..campaigns.models import Criterion
from ..errors import Conflict, DomainError, NotAllowed, NotFound, ValidationFailed
from ..extensions import db
from ..i18n import N_
from ..permissions import is_own_assignment
from ..reference.models import DocumentType
from ..timeutil import utcnow
from . import access
from .models import Committee, CommitteeMember, ConflictOfInterest, EvaluationResult, ReviewAssignment, Score
from .scoring import CriterionSpec, ScoreSheet, check_gap, fr_number, prefill_scores, validate_scores
from .access import in_charge_condition
from .services import assign_third_review, withdraw_for_conflict

# The documents that show who the candidate is (document type codes, seed/reference.py): never
# offered in blind mode. Every other document stays, with a note that it may show the name.
IDENTITY_DOCUMENTS = ("PHOTO", "BIRTH", "PASSPORT")
# Phases in which members score (the validated deliberation locks everything anyway).
SCORING_PHASES = ("review", "deliberation")
COMMENT_MAX = 4000
REASON_MAX = 500

STATEMENT_TITLE = "Déclaration d'impartialité et de confidentialité"
STATEMENT = (
    "En qualité de membre du comité de sélection, je m'engage :",
    ("à évaluer chaque dossier qui m'est attribué avec impartialité, sur les seuls critères de la "
     "campagne, sans autre considération que le mérite du candidat ;"),
    ("à déclarer, avant toute évaluation, tout lien familial, personnel, professionnel ou de "
     "voisinage avec un candidat, et à ne pas évaluer son dossier ;"),
    ("à déclarer sans délai tout conflit d'intérêts dont j'aurais connaissance après l'attribution "
     "des dossiers ;"),
    "à ne pas chercher à connaître l'identité des candidats lorsque l'évaluation est anonyme ;",
    ("à garder strictement confidentiels les dossiers, les notes et les délibérations, à ne pas "
     "les copier ni les communiquer hors du comité, et à ne pas communiquer avec les candidats au "
     "sujet de leur candidature ;"),
    "à ne pas chercher à connaître les notes des autres évaluateurs avant la délibération.",
)

NOT_SIGNED = ("Signez d'abord la déclaration d'impartialité et de confidentialité : elle est demandée "
              "avant de consulter les dossiers.")
ALREADY_SUBMITTED = ("Vos notes pour ce dossier sont déjà soumises : elles ne peuvent plus être "
                     "modifiées.")
NOT_SCORING = "La campagne n'est pas en phase d'évaluation : les notes ne peuvent pas être enregistrées."
STALE = ("Vos notes pour ce dossier ont été enregistrées entre-temps (dans un autre onglet ou par la "
         "feuille de notes) : rechargez la page ; votre dernière saisie n'a pas été enregistrée.")
DECLARATION_DONE = ("Votre déclaration est terminée : pour retirer un conflit d'intérêts, adressez-vous au "
                    "gestionnaire de la campagne.")


# --- memberships and the home page ---------------------------------------------------------

@dataclass(frozen=True)
class CommitteeTodo:
    """One committee of the member's, as their home page shows it: what to do now."""

    member: CommitteeMember
    committee: Committee
    statement_signed: bool
    conflicts_declared: bool
    conflicts: int            # conflicts declared on this committee's candidates
    assigned: int             # files to score (withdrawn ones excluded)
    submitted: int            # of which the member has submitted their scores
    deadline: datetime | None
    locked: bool              # the deliberation is validated

    @property
    def pending(self) -> int:
        return self.assigned - self.submitted

    @property
    def is_chair(self) -> bool:
        return self.member.role == "chair"


def _live(statement):
    """Assignments that still count (a withdrawn one went to another member)."""
    return statement.where(ReviewAssignment.status != "withdrawn")


def home(user) -> list[CommitteeTodo]:
    """Per committee the user belongs to (active): the statement, the conflicts, their files."""
    todos = []
    for member in access.memberships(user):
        assigned, submitted = db.session.execute(_live(
            select(func.count(ReviewAssignment.id),
                   func.coalesce(func.sum(case((ReviewAssignment.status == "submitted", 1), else_=0)), 0))
            .where(ReviewAssignment.member_id == member.id))).one()
        conflicts = db.session.scalar(select(func.count(ConflictOfInterest.id))
                                      .where(ConflictOfInterest.member_id == member.id))
        todos.append(CommitteeTodo(
            member=member, committee=member.committee, statement_signed=member.statement_signed_at is not None,
            conflicts_declared=member.conflicts_declared_at is not None, conflicts=int(conflicts or 0),
            assigned=int(assigned or 0), submitted=int(submitted or 0),
            deadline=member.committee.scoring_deadline, locked=access.is_locked(member.committee_id)))
    return todos


def member_of(user, committee_id) -> CommitteeMember:
    """The user's active membership of that committee, or NotFound (another committee)."""
    return access.membership(user, committee_id)


def signed_member(user, committee_id) -> CommitteeMember:
    """The membership, once the statement is signed (NotAllowed before: it comes first)."""
    member = member_of(user, committee_id)
    if member.statement_signed_at is None:
        raise NotAllowed(NOT_SIGNED)
    return member


# --- the statement ---------------------------------------------------------------------------

def sign_statement(actor, committee_id, *, now: datetime | None = None) -> CommitteeMember:
    """Records the signature, with the time; signing again changes nothing."""
    member = member_of(actor, committee_id)
    if member.statement_signed_at is not None:
        return member
    member.statement_signed_at = now or utcnow()
    audit(actor, "committee.statement.sign", member, campaign_id=member.committee.campaign_id,
          before={"statement_signed_at": None}, after={"statement_signed_at": member.statement_signed_at},
          reason=STATEMENT_TITLE)
    db.session.flush()
    return member


# --- conflicts of interest -------------------------------------------------------------------

def _in_charge(committee: Committee) -> list:
    """The conditions on Application for the eligible files this committee is in charge of
    (access.in_charge_condition, the rule access.files_in_charge applies)."""
    return [in_charge_condition(committee), Application.status == "eligible"]


def candidates(actor, committee_id, query: str = "") -> tuple[CommitteeMember, Select]:
    """The committee's eligible candidates for the declaration, by name: what one needs to
    recognise a relative or a neighbour (name, birth place, region), shown even in blind mode.
    `query` searches the name (accents and case ignored)."""
    member = signed_member(actor, committee_id)
    statement = (select(Application).options(selectinload(Application.region))
                 .where(*_in_charge(member.committee)))
    key = search_key(query or "")
    if key:
        statement = statement.where(Application.search_name.contains(key, autoescape=True))
    return member, statement.order_by(Application.search_name, Application.id)


def conflicts_of(member: CommitteeMember, application_ids=None) -> dict[int, ConflictOfInterest]:
    """application id -> the member's conflict on it (all of them, or those of the ids given)."""
    statement = select(ConflictOfInterest).where(ConflictOfInterest.member_id == member.id)
    if application_ids is not None:
        ids = list(application_ids)
        if not ids:
            return {}
        statement = statement.where(ConflictOfInterest.application_id.in_(ids))
    return {c.application_id: c for c in db.session.scalars(statement)}


def _candidate(committee: Committee, application_id) -> Application:
    found = db.session.scalar(select(Application).where(
        Application.id == application_id, *_in_charge(committee))) if isinstance(application_id, int) else None
    if found is None:
        raise NotFound("Candidat introuvable dans la liste de ce comité.")
    return found


def declare_conflict(actor, committee_id, application_id, reason: str = "", *,
                     now: datetime | None = None) -> ConflictOfInterest:
    """The member declares a conflict of interest on one of the committee's candidates (source
    "member"). Declared again: nothing changes. If the file was already assigned to them, the
    assignment is withdrawn (with its draft scores) and the file goes to someone else."""
    member = signed_member(actor, committee_id)
    access.ensure_open(member.committee_id)
    application = _candidate(member.committee, application_id)
    existing = conflicts_of(member, [application.id]).get(application.id)
    if existing is not None:
        return existing
    reason = (reason or "").strip()[:REASON_MAX]
    conflict = ConflictOfInterest(member_id=member.id, application_id=application.id, reason=reason,
                                  source="member", declared_by_id=actor.id, declared_at=now or utcnow())
    db.session.add(conflict)
    db.session.flush()
    audit(actor, "committee.conflict.declare", conflict, campaign_id=application.campaign_id,
          after={"member_id": member.id, "application_id": application.id, "reason": reason, "source": "member"},
          reason=reason or "Conflit d'intérêts déclaré par le membre")
    assigned = db.session.scalar(_live(select(ReviewAssignment).where(
        ReviewAssignment.member_id == member.id, ReviewAssignment.application_id == application.id)))
    if assigned is not None:
        withdraw_for_conflict(actor, member, application,
                              reason or "Conflit d'intérêts déclaré par le membre après l'attribution")
    db.session.flush()
    return conflict


def remove_conflict(actor, committee_id, application_id) -> None:
    """Unticks a conflict the member declared, while their declaration is not finished."""
    member = signed_member(actor, committee_id)
    access.ensure_open(member.committee_id)
    application = _candidate(member.committee, application_id)
    conflict = conflicts_of(member, [application.id]).get(application.id)
    if conflict is None:
        return
    if conflict.source != "member" or member.conflicts_declared_at is not None:
        raise NotAllowed(DECLARATION_DONE)
    audit(actor, "committee.conflict.remove", conflict, campaign_id=application.campaign_id,
          before={"member_id": member.id, "application_id": application.id, "reason": conflict.reason})
    db.session.delete(conflict)
    db.session.flush()


def finish_declaration(actor, committee_id, *, now: datetime | None = None) -> CommitteeMember:
    """« J'ai terminé ma déclaration »: recorded once, with the time."""
    member = signed_member(actor, committee_id)
    if member.conflicts_declared_at is not None:
        return member
    member.conflicts_declared_at = now or utcnow()
    count = len(conflicts_of(member))
    audit(actor, "committee.conflicts.declared", member, campaign_id=member.committee.campaign_id,
          before={"conflicts_declared_at": None},
          after={"conflicts_declared_at": member.conflicts_declared_at, "conflicts": count})
    db.session.flush()
    return member


# --- the member's files ----------------------------------------------------------------------

@dataclass(frozen=True)
class AssignedFile:
    """A line of the member's list: never a reference, a name only outside blind mode."""

    assignment_id: int
    code: str
    name: str | None
    submitted: bool
    saved_at: datetime | None
    submitted_at: datetime | None
    weighted_total: Decimal | None   # the member's own total, once submitted


def criteria_of(campaign_id: int) -> list[CriterionSpec]:
    return [CriterionSpec.of(c) for c in db.session.scalars(
        select(Criterion).where(Criterion.campaign_id == campaign_id).order_by(Criterion.position, Criterion.id))]


def live_assignments(member: CommitteeMember) -> list[ReviewAssignment]:
    """The member's live assignments (withdrawn ones excluded), by code, scores loaded."""
    return list(db.session.scalars(_live(select(ReviewAssignment).where(ReviewAssignment.member_id == member.id))
                                   .options(selectinload(ReviewAssignment.application),
                                            selectinload(ReviewAssignment.scores))
                                   .order_by(ReviewAssignment.code)))


def my_files(actor, committee_id) -> tuple[CommitteeMember, list[AssignedFile]]:
    """The files assigned to the member in that committee, by code, with their own progress."""
    member = signed_member(actor, committee_id)
    blind = member.committee.campaign.blind_review
    rows = live_assignments(member)
    files = [AssignedFile(
        assignment_id=a.id, code=a.code, name=None if blind else a.application.full_name,
        submitted=a.status == "submitted", saved_at=a.saved_at, submitted_at=a.submitted_at,
        weighted_total=a.weighted_total if a.status == "submitted" else None) for a in rows]
    return member, files


def assignment_for(actor, assignment_id) -> ReviewAssignment:
    """One of the actor's own live assignments, or NotFound: another member's, a withdrawn
    one, another committee's, or one the actor is no longer an active member for."""
    assignment = db.session.get(ReviewAssignment, assignment_id) if isinstance(assignment_id, int) else None
    if assignment is None or not is_own_assignment(actor, assignment):
        raise NotFound("Dossier introuvable.")
    access.membership(actor, assignment.member.committee_id)  # active member of that committee
    return assignment


@dataclass(frozen=True)
class DocumentLine:
    type_code: str
    name: str
    content_type: str
    size_kb: int


@dataclass
class ReviewFile:
    """What the member reads to score one file, already stripped of identity in blind mode:
    the template reads nothing else (never the Application itself)."""

    assignment_id: int
    code: str
    committee_id: int
    committee_name: str
    campaign_title: str
    version: int
    blind: bool
    name: str | None                          # None in blind mode
    identity: list[tuple[str, str]]           # (label, value): empty in blind mode
    schooling: list[tuple[str, str]]
    choices: list[str]
    motivation: str
    documents: list[DocumentLine]
    hidden_documents: list[str]               # names of the identity documents withheld
    criteria: list[CriterionSpec]
    values: dict[int, Decimal]                # the member's draft, else the prefill
    prefilled: set[int]
    comment: str
    submitted: bool
    submitted_at: datetime | None
    weighted_total: Decimal | None
    locked: bool
    can_write: bool
    deadline: datetime | None = None
    notes: list[str] = field(default_factory=list)


def _fr_date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _identity_lines(application: Application) -> list[tuple[str, str]]:
    """Outside blind mode: who the candidate is (what a reviewer needs to know, no more: the
    NINA, passport, phone, e-mail and address are not for scoring)."""
    from ..applications.models import SEX_LABELS

    born = " ".join(p for p in (_fr_date(application.birth_date),
                                f"à {application.birth_place}" if application.birth_place else "") if p)
    region = application.region
    return [(N_("Nom"), application.last_name or ""), (N_("Prénoms"), application.first_names or ""),
            (N_("Sexe"), SEX_LABELS.get(application.sex, "") if application.sex else ""),
            (N_("Né(e) le"), born), (N_("Région"), f"{region.code} – {region.name}" if region else "")]


def _schooling_lines(application: Application) -> list[tuple[str, str]]:
    diploma = application.diploma.name if application.diploma else ""
    if application.series:
        diploma += f" – {application.series.name}"
    average = ""
    if application.diploma_average is not None:
        average = f"{application.diploma_average}".replace(".", ",") + "/20"
    return [(N_("Diplôme"), diploma), (N_("Année d'obtention"), str(application.diploma_year or "")),
            (N_("Moyenne"), average), (N_("Établissement scolaire"), application.school or "")]


def prefill_data(application: Application) -> dict:
    return {"diploma_average": application.diploma_average}


def fr_score(value) -> str:
    """A score as the form shows it (« 12,5 »), "" for none."""
    return "" if value is None else fr_number(value)


def stored_values(assignment: ReviewAssignment) -> dict[int, Decimal]:
    return {s.criterion_id: Decimal(s.value) for s in assignment.scores}


def review_file(actor, assignment_id) -> ReviewFile:
    """The file page of one assignment (NotFound unless it is the actor's own)."""
    assignment = assignment_for(actor, assignment_id)
    member = assignment.member
    if member.statement_signed_at is None:
        raise NotAllowed(NOT_SIGNED)
    committee = member.committee
    campaign = committee.campaign
    application = assignment.application
    blind = bool(campaign.blind_review)
    criteria = criteria_of(campaign.id)
    values = stored_values(assignment)
    prefilled: set[int] = set()
    if assignment.status != "submitted":
        for criterion_id, value in prefill_scores(criteria, prefill_data(application)).items():
            if criterion_id not in values:
                values[criterion_id] = value
                prefilled.add(criterion_id)
    documents, hidden = [], []
    for document in sorted(application.documents, key=lambda d: d.document_type.name):
        kind = document.document_type
        if blind and kind.code in IDENTITY_DOCUMENTS:
            hidden.append(kind.name)
            continue
        documents.append(DocumentLine(kind.code, kind.name, document.content_type,
                                      max(1, round(document.size_bytes / 1024))))
    locked = access.is_locked(committee.id)
    notes = []
    if blind:
        notes.append("Évaluation anonyme : l'identité du candidat est masquée, le dossier est désigné par "
                     "son code. Les pièces restantes et la lettre de motivation peuvent faire apparaître "
                     "le nom : n'en tenez pas compte et ne cherchez pas à identifier le candidat.")
    return ReviewFile(
        assignment_id=assignment.id, code=assignment.code, committee_id=committee.id,
        committee_name=committee.name, campaign_title=campaign.title, version=assignment.version,
        blind=blind, name=None if blind else application.full_name,
        identity=[] if blind else _identity_lines(application),
        schooling=_schooling_lines(application),
        choices=[f"{c.offer.programme.title} – {c.offer.establishment.name} ({c.offer.establishment.city})"
                 for c in application.choices],
        motivation=application.motivation or "", documents=documents, hidden_documents=hidden,
        criteria=criteria, values=values, prefilled=prefilled, comment=assignment.comment or "",
        submitted=assignment.status == "submitted", submitted_at=assignment.submitted_at,
        weighted_total=assignment.weighted_total if assignment.status == "submitted" else None,
        locked=locked, can_write=assignment.status == "pending" and not locked
        and campaign.phase in SCORING_PHASES,
        deadline=committee.scoring_deadline, notes=notes)


def review_document(actor, assignment_id, type_code: str) -> tuple[ReviewAssignment, ApplicationDocument]:
    """A document of an assigned file. NotFound for a file not assigned to the actor, and in
    blind mode for the documents that show identity. A read: record_document_view logs it."""
    assignment = assignment_for(actor, assignment_id)
    if assignment.member.statement_signed_at is None:
        raise NotAllowed(NOT_SIGNED)
    campaign = assignment.member.committee.campaign
    if campaign.blind_review and type_code in IDENTITY_DOCUMENTS:
        raise NotFound("Pièce introuvable.")
    document = db.session.scalar(select(ApplicationDocument).join(DocumentType).where(
        ApplicationDocument.application_id == assignment.application_id, DocumentType.code == type_code))
    if document is None:
        raise NotFound("Pièce introuvable.")
    return assignment, document


def record_document_view(actor, assignment: ReviewAssignment, document: ApplicationDocument, *,
                         ip: str | None = None) -> None:
    """The member opened a document of the file: logged (who, which file, which document)."""
    audit(actor, "committee.review.document_view", assignment,
          campaign_id=assignment.member.committee.campaign_id,
          after={"code": assignment.code, "document_type": document.document_type.code,
                 "document_id": document.id}, ip_address=ip)


def neutral_document_name(assignment: ReviewAssignment, document: ApplicationDocument) -> str:
    """The download name of a document as a reviewer gets it: the code, never the file's own
    name (which often holds the candidate's)."""
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(document.content_type, "bin")
    return f"{assignment.code}-{document.document_type.code.lower()}.{extension}"


# --- scores: drafts and submission -----------------------------------------------------------

@dataclass(frozen=True)
class Written:
    """What a write did: "saved" (a draft), "submitted", or "unchanged"."""

    assignment: ReviewAssignment
    outcome: str
    total: Decimal | None = None


def _field_errors(sheet: ScoreSheet) -> dict[str, str]:
    return {f"c_{criterion_id}": message for criterion_id, message in sheet.errors.items()}


def same_content(assignment: ReviewAssignment, values: Mapping[int, Decimal], comment: str) -> bool:
    """The stored scores and comment are exactly these."""
    return stored_values(assignment) == {k: Decimal(v) for k, v in values.items()} \
        and (assignment.comment or "") == (comment or "")


def check_writable(assignment: ReviewAssignment) -> None:
    """Before any write of the member's scores: the lock, the phase, the submission."""
    committee = assignment.member.committee
    access.ensure_open(committee.id)
    if committee.campaign.phase not in SCORING_PHASES:
        raise NotAllowed(NOT_SCORING)
    if assignment.status == "submitted":
        raise NotAllowed(ALREADY_SUBMITTED)
    if assignment.status != "pending":
        raise NotFound("Dossier introuvable.")


def write_review(actor, assignment: ReviewAssignment, criteria: list[CriterionSpec], values: Mapping[int, object],
                 comment: str, *, submit: bool, now: datetime | None = None, reason: str = "",
                 ip: str | None = None) -> Written:
    """The one writer of a member's scores (the page and the score sheet both call it): checks
    the lock and the bounds (completeness too on submission), replaces the member's scores for
    the file, audits. On submission: the weighted total, the status « submitted » (locked),
    then the gap rule (flag and third review)."""
    check_writable(assignment)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(f"Commentaire trop long ({len(comment)} caractères, au plus {COMMENT_MAX}).",
                               errors={"comment": f"Au plus {COMMENT_MAX} caractères."})
    sheet = validate_scores(criteria, values, submit=submit)
    if not sheet.ok:
        raise ValidationFailed("Les notes saisies contiennent des erreurs : corrigez les champs signalés.",
                               errors=_field_errors(sheet))
    if not submit and same_content(assignment, sheet.values, comment) and assignment.saved_at is not None:
        return Written(assignment, "unchanged")
    now = now or utcnow()
    codes = {c.id: c.code for c in criteria}
    before_values = stored_values(assignment)
    before = {"status": assignment.status, "scores": {codes.get(k, str(k)): v for k, v in before_values.items()},
              "comment": assignment.comment or ""}
    existing = {s.criterion_id: s for s in assignment.scores}
    for criterion_id, score in existing.items():
        if criterion_id not in sheet.values:
            assignment.scores.remove(score)
    for criterion_id, value in sheet.values.items():
        if criterion_id in existing:
            if Decimal(existing[criterion_id].value) != value:
                existing[criterion_id].value = value
        else:
            assignment.scores.append(Score(criterion_id=criterion_id, value=value))
    assignment.comment = comment
    assignment.saved_at = now
    outcome = "saved"
    if submit:
        assignment.status = "submitted"
        assignment.submitted_at = now
        assignment.weighted_total = sheet.total
        outcome = "submitted"
    after = {"status": assignment.status, "scores": {codes[k]: v for k, v in sheet.values.items()},
             "comment": comment}
    if submit:
        after["weighted_total"] = sheet.total
    audit(actor, "committee.review.submit" if submit else "committee.review.save", assignment,
          campaign_id=assignment.member.committee.campaign_id, before=before, after=after,
          reason=reason or ("Soumission des notes" if submit else "Brouillon enregistré"), ip_address=ip)
    db.session.flush()
    if submit:
        apply_gap_rule(actor, assignment)
    return Written(assignment, outcome, sheet.total)


def _parsed_or_errors(criteria: list[CriterionSpec], raw: Mapping[int, object]) -> dict[int, object]:
    """Keeps the criteria of the campaign only (a forged field name is no criterion)."""
    known = {c.id for c in criteria}
    return {k: v for k, v in raw.items() if k in known}


def _check_version(assignment: ReviewAssignment, version) -> bool:
    """True when the page was read at the assignment's current version."""
    try:
        return int(version) == assignment.version
    except (TypeError, ValueError):
        return False


def save_draft(actor, assignment_id, version, values: Mapping[int, object], comment: str = "", *,
               now: datetime | None = None, ip: str | None = None) -> Written:
    """« Enregistrer le brouillon »: scores within their bounds, blanks allowed. A page read
    before another save is refused (Conflict), unless it brings exactly what is stored (the
    second click of a double click: nothing changes)."""
    assignment = assignment_for(actor, assignment_id)
    if assignment.member.statement_signed_at is None:
        raise NotAllowed(NOT_SIGNED)
    check_writable(assignment)
    criteria = criteria_of(assignment.member.committee.campaign_id)
    values = _parsed_or_errors(criteria, values)
    if not _check_version(assignment, version):
        sheet = validate_scores(criteria, values, submit=False)
        if sheet.ok and same_content(assignment, sheet.values, (comment or "").strip()):
            return Written(assignment, "unchanged")
        raise Conflict(STALE)
    return write_review(actor, assignment, criteria, values, comment, submit=False, now=now, ip=ip)


def submit_review(actor, assignment_id, version, values: Mapping[int, object], comment: str = "", *,
                  now: datetime | None = None, ip: str | None = None) -> Written:
    """« Soumettre »: every weighted criterion scored, the weighted total computed, the scores
    locked. Submitted already: refused in French, nothing changes."""
    assignment = assignment_for(actor, assignment_id)
    if assignment.member.statement_signed_at is None:
        raise NotAllowed(NOT_SIGNED)
    check_writable(assignment)
    if not _check_version(assignment, version):
        raise Conflict(STALE)
    criteria = criteria_of(assignment.member.committee.campaign_id)
    return write_review(actor, assignment, criteria, _parsed_or_errors(criteria, values), comment,
                        submit=True, now=now, ip=ip)


# --- the gap rule ----------------------------------------------------------------------------

def apply_gap_rule(actor, assignment: ReviewAssignment):
    """After a submission: when the file's submitted regular reviews differ by more than the
    campaign's gap, the file is flagged (EvaluationResult.gap_flagged, audited) and, unless it
    has one already, a third reviewer is assigned (services.assign_third_review). Returns the
    GapCheck. Nothing of this is shown to the reviewers."""
    application = assignment.application
    committee = assignment.member.committee
    campaign = committee.campaign
    reviews = list(db.session.scalars(_live(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application.id))))
    totals = [r.weighted_total for r in reviews
              if r.status == "submitted" and not r.is_third_review and r.weighted_total is not None]
    third = any(r.is_third_review for r in reviews)
    check = check_gap(totals, campaign.score_gap_threshold, third_review_assigned=third)
    if not check.flagged:
        return check
    result = db.session.scalar(select(EvaluationResult).where(EvaluationResult.application_id == application.id))
    if result is None:
        result = EvaluationResult(application_id=application.id, campaign_id=campaign.id,
                                  committee_id=committee.id, gap_flagged=False)
        db.session.add(result)
    if not result.gap_flagged:
        result.gap_flagged = True
        db.session.flush()
        audit(actor, "committee.review.gap_flagged", result, campaign_id=campaign.id,
              before={"gap_flagged": False}, after={"gap_flagged": True, "gap": check.gap},
              reason=check.message)
    if check.needs_third_review:
        try:
            with db.session.begin_nested():  # no reviewer free: the submission stands, flagged
                assign_third_review(application, committee)
        except DomainError as refusal:
            audit(actor, "committee.review.third_review_pending", result, campaign_id=campaign.id,
                  after={"gap": check.gap}, reason=refusal.message)
    db.session.flush()
    return check


# --- fingerprints for the score sheet ---------------------------------------------------------

def plan_fingerprint(items) -> str:
    """A short digest of what an import plans to write, with the versions it read."""
    text = ";".join(f"{a}:{v}:{s}" for a, v, s in sorted(items))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


__all__ = [
    "IDENTITY_DOCUMENTS",
    "STATEMENT",
    "STATEMENT_TITLE",
    "AssignedFile",
    "CommitteeTodo",
    "ReviewFile",
    "Written",
    "apply_gap_rule",
    "assignment_for",
    "candidates",
    "check_writable",
    "conflicts_of",
    "criteria_of",
    "declare_conflict",
    "finish_declaration",
    "fr_score",
    "home",
    "live_assignments",
    "member_of",
    "my_files",
    "neutral_document_name",
    "record_document_view",
    "remove_conflict",
    "review_document",
    "review_file",
    "same_content",
    "save_draft",
    "sign_statement",
    "signed_member",
    "submit_review",
    "write_review",
]
