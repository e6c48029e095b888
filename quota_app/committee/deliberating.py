"""The chair's deliberation: the ranking with its reviews and flags, the normalisation's effect,
adjustments with a written justification, the session and its quorum, the validation that
locks every score and evaluates the files, and the sealed procès-verbal.

Services take the acting user and plain data, check the chair's membership
(access.chair_membership: anyone else gets NotFound) and the phase, write the audit event and
flush; the view commits once (viewhelpers.act). Reads (the chair's page, the summaries of the
home page, the PV and the ranking's spreadsheet) live here too.

Every write of a deliberation updates its row (the version column): two writes made at once
(two tabs, two clicks on « Valider ») cannot both pass — the second gets a StaleDataError,
which `act` turns into a French message. The validation flushes that update first, so the
second validation waits on the first one's row, then finds it changed.

The ranking itself is pure (ranking.py: final scores, normalisation, ties, adjustments, the
canonical serialisation and its SHA-256); here it is fed from the database and stored.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from types import SimpleNamespace

from sqlalchemy import delete, func, select
from sqlalchemy.orm.attributes import flag_modified

from ..applications.models import Application
from ..audit.services import record
from ..auth.models import User
from ..campaigns.models import PHASE_LABELS, Campaign, Criterion
from ..documents import render_pdf, seal
from ..documents.models import SealedDocument
from ..errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from ..exports.registry import ExportKind
from ..extensions import db
from ..i18n import N_
from ..spreadsheets.writer import write_table
from ..timeutil import utcnow
from .access import LOCKED, chair_membership, deliberation_of, files_in_charge, memberships
from .models import (
    Committee, CommitteeMember, ConflictOfInterest, Deliberation, EvaluationResult, ReviewAssignment, Score,
    ScoreAdjustment,
)
from .normalisation import MIN_REVIEWS, Normalisation, ReviewTotal
from .ranking import (
    CRITERION_PREFIX, Candidate, NormalisationPreview, Ranking, TieRule, preview_normalisation,
    validate_adjustment,
)
from .scoring import check_gap, fr_number

CHAIR = "chair"  # the status machine's actor kind (applications/status.py)
PHASE = "deliberation"
PER_PAGE = 50
CHUNK = 500  # ids per IN (...) list
FORMULA = "x' = m + s · (x − m_r) / s_r"
STALE = ("La délibération a été modifiée entre-temps (par exemple validée dans un autre onglet). "
         "Rechargez la page et vérifiez son état.")
NOT_OPENED = "La délibération n'est pas encore ouverte : ouvrez-la d'abord."
MINUTES_TEMPLATE = "deliberation/minutes.html"


# --- Who ------------------------------------------------------------------------------------

def _committee(committee_id) -> Committee:
    committee = db.session.get(Committee, committee_id) if isinstance(committee_id, int) else None
    if committee is None:
        raise NotFound("Comité introuvable.")
    return committee


def chaired(user, committee_id) -> tuple[CommitteeMember, Committee]:
    """The chair's membership and its committee; NotFound for anyone but that committee's chair."""
    member = chair_membership(user, committee_id)
    return member, member.committee


# The chair is also a reviewer: until the deliberation phase, the reviews stay as secret from
# them as from any member (« a reviewer never sees another reviewer's scores »).
SCORES_SECRET = ("La campagne est en phase « {phase} » : les notes des évaluateurs restent "
                 "confidentielles jusqu'à la phase « Délibération », pour le président comme pour "
                 "chaque membre.")
SCORES_VISIBLE_PHASES = ("deliberation", "published", "closed")


def readable(user, committee_id) -> Committee:
    """A committee whose ranking and PV the user may read: every manager; its chair once the
    campaign has reached the deliberation (NotAllowed before, NotFound for anyone else)."""
    if getattr(user, "role", None) == "manager":
        return _committee(committee_id)
    committee = chaired(user, committee_id)[1]
    _scores_visible_to_chair(committee.campaign)
    return committee


def _scores_visible_to_chair(campaign: Campaign) -> None:
    if campaign.phase not in SCORES_VISIBLE_PHASES:
        raise NotAllowed(SCORES_SECRET.format(phase=PHASE_LABELS[campaign.phase]))


def is_chair(user, committee_id) -> bool:
    try:
        chair_membership(user, committee_id)
    except NotFound:
        return False
    return True


# --- What the ranking is made of ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Review:
    """One assignment of a file (withdrawn ones excluded), as the chair sees it: by name."""

    assignment_id: int
    file_id: int
    member_id: int
    reviewer: str
    status: str
    third: bool
    total: Decimal | None
    submitted_at: datetime | None

    @property
    def submitted(self) -> bool:
        return self.status == "submitted" and self.total is not None


@dataclass(frozen=True, slots=True)
class FileFlags:
    expected: int                 # reviews assigned (withdrawn ones excluded)
    submitted: int
    gap: Decimal | None
    gap_flagged: bool
    third_pending: bool           # a third review assigned and not submitted yet
    needs_third: bool             # flagged and no third review assigned
    message: str = ""

    @property
    def pending(self) -> int:
        return self.expected - self.submitted


NO_FLAGS = FileFlags(0, 0, None, False, False, False)


def _member_names(committee_id: int) -> list[tuple[CommitteeMember, str]]:
    rows = db.session.execute(
        select(CommitteeMember, User.full_name, User.email).join(User, User.id == CommitteeMember.user_id)
        .where(CommitteeMember.committee_id == committee_id).order_by(CommitteeMember.id)).all()
    return [(member, full_name or email) for member, full_name, email in rows]


def _reviews(committee_id: int) -> list[Review]:
    rows = db.session.execute(
        select(ReviewAssignment.id, ReviewAssignment.application_id, ReviewAssignment.member_id,
               User.full_name, User.email, ReviewAssignment.status, ReviewAssignment.is_third_review,
               ReviewAssignment.weighted_total, ReviewAssignment.submitted_at)
        .join(CommitteeMember, CommitteeMember.id == ReviewAssignment.member_id)
        .join(User, User.id == CommitteeMember.user_id)
        .where(CommitteeMember.committee_id == committee_id, ReviewAssignment.status != "withdrawn")
        .order_by(ReviewAssignment.application_id, ReviewAssignment.is_third_review, ReviewAssignment.id))
    return [Review(a, f, m, name or email, s, bool(t), None if total is None else Decimal(total), at)
            for a, f, m, name, email, s, t, total, at in rows]


def _by_file(reviews: Iterable[Review]) -> dict[int, list[Review]]:
    found: dict[int, list[Review]] = {}
    for review in reviews:
        found.setdefault(review.file_id, []).append(review)
    return found


def _flags(reviews_by_file: dict[int, list[Review]], threshold) -> dict[int, FileFlags]:
    flags = {}
    threshold = Decimal(threshold)
    for file_id, reviews in reviews_by_file.items():
        regular = [r.total for r in reviews if r.submitted and not r.third]
        thirds = [r for r in reviews if r.third]
        gap = check_gap(regular, threshold, third_review_assigned=bool(thirds))
        flags[file_id] = FileFlags(
            expected=len(reviews), submitted=sum(1 for r in reviews if r.submitted), gap=gap.gap,
            gap_flagged=gap.flagged, third_pending=any(not r.submitted for r in thirds),
            needs_third=gap.needs_third_review, message=gap.message)
    return flags


def _tie_rule(campaign: Campaign, deliberation: Deliberation | None) -> TieRule:
    text = deliberation.tie_break_rule if deliberation is not None and deliberation.status == "validated" \
        else campaign.tie_break_rule
    try:
        return TieRule.parse(text)
    except ValueError as error:
        raise NotAllowed(f"{error} Corrigez la règle de départage dans les paramètres de la campagne.") from None


def _criterion_means(committee_id: int, file_ids: set[int]) -> dict[int, dict[str, Decimal]]:
    """file id → criterion code → mean score of its submitted reviews (for criterion tie keys)."""
    rows = db.session.execute(
        select(ReviewAssignment.application_id, Criterion.code, func.sum(Score.value), func.count(Score.id))
        .join(Score, Score.assignment_id == ReviewAssignment.id)
        .join(Criterion, Criterion.id == Score.criterion_id)
        .join(CommitteeMember, CommitteeMember.id == ReviewAssignment.member_id)
        .where(CommitteeMember.committee_id == committee_id, ReviewAssignment.status == "submitted")
        .group_by(ReviewAssignment.application_id, Criterion.code))
    found: dict[int, dict[str, Decimal]] = {}
    for file_id, code, total, count in rows:
        if file_id in file_ids and count:
            found.setdefault(file_id, {})[code] = Decimal(str(total)) / count
    return found


@dataclass(frozen=True, slots=True)
class FileInfo:
    file_id: int
    reference: str
    name: str


def _full_name(last_name, first_names) -> str:
    return " ".join(p for p in ((last_name or "").upper(), first_names or "") if p)


def _candidates(committee: Committee, tie_rule: TieRule) -> tuple[list[Candidate], dict[int, FileInfo]]:
    """The committee's eligible files as the ranking sees them, and their names."""
    ids = set(files_in_charge(committee, ("eligible",)))
    rows = db.session.execute(
        select(Application.id, Application.reference, Application.last_name, Application.first_names,
               Application.diploma_average, Application.submitted_at, Application.birth_date)
        .where(Application.campaign_id == committee.campaign_id, Application.status == "eligible")
        .order_by(Application.id))
    means = (_criterion_means(committee.id, ids)
             if any(k.startswith(CRITERION_PREFIX) for k in tie_rule.keys) else {})
    candidates, infos = [], {}
    for file_id, reference, last_name, first_names, average, submitted_at, birth_date in rows:
        if file_id not in ids:
            continue
        reference = reference or f"#{file_id}"
        candidates.append(Candidate(file_id=file_id, reference=reference, diploma_average=average,
                                    submitted_at=submitted_at, birth_date=birth_date,
                                    criterion_scores=means.get(file_id)))
        infos[file_id] = FileInfo(file_id, reference, _full_name(last_name, first_names))
    return candidates, infos


def _adjustments(deliberation: Deliberation | None) -> dict[int, ScoreAdjustment]:
    """file id → the latest adjustment of its final score in this deliberation."""
    if deliberation is None:
        return {}
    rows = db.session.scalars(select(ScoreAdjustment).where(ScoreAdjustment.deliberation_id == deliberation.id)
                              .order_by(ScoreAdjustment.id))
    return {row.application_id: row for row in rows}


def _adjustment_history(deliberation: Deliberation | None) -> list[tuple[ScoreAdjustment, str]]:
    if deliberation is None:
        return []
    rows = db.session.execute(
        select(ScoreAdjustment, User.full_name, User.email).join(User, User.id == ScoreAdjustment.adjusted_by_id)
        .where(ScoreAdjustment.deliberation_id == deliberation.id).order_by(ScoreAdjustment.id)).all()
    return [(row, name or email) for row, name, email in rows]


@dataclass
class Standing:
    """A committee's ranking at this moment, with everything shown around it."""

    committee: Committee
    campaign: Campaign
    deliberation: Deliberation | None
    tie_rule: TieRule
    reviews: list[Review]
    reviews_by_file: dict[int, list[Review]]
    flags: dict[int, FileFlags]
    adjustments: dict[int, ScoreAdjustment]
    infos: dict[int, FileInfo]
    candidates: list[Candidate]
    preview: NormalisationPreview
    normalised: bool

    @property
    def ranking(self) -> Ranking:
        return self.preview.normalised if self.normalised else self.preview.raw

    @property
    def reviews_submitted(self) -> int:
        return sum(1 for r in self.reviews if r.submitted and r.file_id in self.infos)

    @property
    def reviews_expected(self) -> int:
        return sum(1 for r in self.reviews if r.file_id in self.infos)

    @property
    def pending_reviews(self) -> int:
        return self.reviews_expected - self.reviews_submitted

    @property
    def gap_flagged(self) -> int:
        return sum(1 for f, flags in self.flags.items() if flags.gap_flagged and f in self.infos)

    @property
    def third_pending(self) -> int:
        return sum(1 for f, flags in self.flags.items() if (flags.third_pending or flags.needs_third)
                   and f in self.infos)


def standing(committee: Committee, deliberation: Deliberation | None = None) -> Standing:
    """The live ranking of the committee's eligible files (before validation)."""
    campaign = committee.campaign
    deliberation = deliberation if deliberation is not None else deliberation_of(committee.id)
    tie_rule = _tie_rule(campaign, deliberation)
    candidates, infos = _candidates(committee, tie_rule)
    reviews = _reviews(committee.id)
    by_file = _by_file(reviews)
    adjustments = _adjustments(deliberation)
    submitted = [ReviewTotal(r.file_id, r.member_id, r.total) for r in reviews if r.submitted and r.file_id in infos]
    adjusted = {f: a.score_after for f, a in adjustments.items() if f in infos}
    preview = preview_normalisation(submitted, candidates, adjustments=adjusted, tie_rule=tie_rule,
                                    min_reviews=MIN_REVIEWS)
    return Standing(committee=committee, campaign=campaign, deliberation=deliberation, tie_rule=tie_rule,
                    reviews=reviews, reviews_by_file=by_file,
                    flags=_flags(by_file, campaign.score_gap_threshold), adjustments=adjustments, infos=infos,
                    candidates=candidates, preview=preview,
                    normalised=bool(deliberation is not None and deliberation.normalised))


# --- Stored results (after validation) ------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StoredRow:
    file_id: int
    reference: str
    name: str
    rank: int
    mean_score: Decimal | None
    normalised_score: Decimal | None
    final_score: Decimal
    adjusted: bool
    gap_flagged: bool


def stored_results(committee_id: int) -> list[StoredRow]:
    rows = db.session.execute(
        select(EvaluationResult.application_id, Application.reference, Application.last_name,
               Application.first_names, EvaluationResult.rank, EvaluationResult.mean_score,
               EvaluationResult.normalised_score, EvaluationResult.final_score, EvaluationResult.adjusted,
               EvaluationResult.gap_flagged)
        .join(Application, Application.id == EvaluationResult.application_id)
        .where(EvaluationResult.committee_id == committee_id, EvaluationResult.rank.is_not(None))
        .order_by(EvaluationResult.rank))
    return [StoredRow(f, ref or f"#{f}", _full_name(last, first), r, mean, norm, final, bool(adj), bool(gap))
            for f, ref, last, first, r, mean, norm, final, adj, gap in rows]


# --- The chair's page -----------------------------------------------------------------------

@dataclass(frozen=True)
class Pager:
    """One page of a list, with what templates/_macros.html's pager reads."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def start(self) -> int:
        return (self.page - 1) * self.per_page

    @classmethod
    def of(cls, page, total: int, per_page: int | None = None) -> Pager:
        per_page = per_page or PER_PAGE
        try:
            number = int(page or 1)
        except (TypeError, ValueError):
            number = 1
        pages = max(1, math.ceil(total / per_page))
        return cls(page=min(max(number, 1), pages), per_page=per_page, total=total)


@dataclass(frozen=True)
class BoardRow:
    rank: int | None
    file_id: int
    reference: str
    name: str
    mean_score: Decimal | None
    normalised_score: Decimal | None
    final_score: Decimal | None
    adjusted: bool
    decided_by: str | None
    reviews: tuple[Review, ...]
    flags: FileFlags
    adjustment: ScoreAdjustment | None = None


@dataclass(frozen=True)
class MemberLine:
    member_id: int
    name: str
    role: str
    active: bool
    present: bool
    conflicts: int


@dataclass
class Board:
    committee: Committee
    campaign: Campaign
    deliberation: Deliberation | None
    can_act: bool                       # the chair, deliberation open, phase « Délibération »
    rows: list[BoardRow]
    pager: Pager
    unscored: list[BoardRow]
    members: list[MemberLine]
    reviews_submitted: int
    reviews_expected: int
    gap_flagged: int
    third_pending: int
    normalisation: Normalisation | None
    rank_changes: int | None
    quorum: QuorumCheck | None
    tie_rule_text: str
    adjustment_count: int
    notices: list[str] = field(default_factory=list)

    @property
    def validated(self) -> bool:
        return self.deliberation is not None and self.deliberation.status == "validated"

    @property
    def opened(self) -> bool:
        return self.deliberation is not None

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[self.campaign.phase]


@dataclass(frozen=True)
class QuorumCheck:
    present: int
    active: int
    percent: int

    @property
    def needed(self) -> int:
        """The fewest members present that make strictly more than `percent` % of the active ones."""
        return self.active * self.percent // 100 + 1

    @property
    def met(self) -> bool:
        return self.active > 0 and self.present * 100 > self.percent * self.active

    @property
    def message(self) -> str:
        if self.met:
            return (f"Quorum atteint : {self.present} membre(s) présent(s) sur {self.active} "
                    f"(il en faut plus de {self.percent} %, soit au moins {self.needed}).")
        return (f"Quorum non atteint : {self.present} membre(s) présent(s) sur {self.active} membres actifs ; "
                f"il en faut plus de {self.percent} %, soit au moins {self.needed}.")


def _quorum(deliberation: Deliberation | None, members: Sequence[MemberLine], percent: int) -> QuorumCheck | None:
    if deliberation is None or deliberation.held_on is None:
        return None
    active = [m for m in members if m.active]
    return QuorumCheck(present=sum(1 for m in active if m.present), active=len(active), percent=percent)


def _conflict_counts(committee_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(ConflictOfInterest.member_id, func.count(ConflictOfInterest.id))
        .join(CommitteeMember, CommitteeMember.id == ConflictOfInterest.member_id)
        .where(CommitteeMember.committee_id == committee_id).group_by(ConflictOfInterest.member_id))
    return dict(rows.all())


def _members(committee: Committee, deliberation: Deliberation | None) -> list[MemberLine]:
    present = {m.id for m in deliberation.members_present} if deliberation is not None else set()
    conflicts = _conflict_counts(committee.id)
    lines = [MemberLine(m.id, name, m.role, m.active, m.id in present, conflicts.get(m.id, 0))
             for m, name in _member_names(committee.id)]
    return sorted(lines, key=lambda m: (m.role != "chair", m.name.casefold(), m.member_id))


def _board_row(row, info: FileInfo | None, reviews, flags, adjustment, tie_rule, names) -> BoardRow:
    decided = getattr(row, "decided_by", None)
    return BoardRow(
        rank=row.rank, file_id=row.file_id, reference=row.reference,
        name=info.name if info is not None else getattr(row, "name", ""),
        mean_score=row.mean_score, normalised_score=row.normalised_score, final_score=row.final_score,
        adjusted=row.adjusted, decided_by=tie_rule.key_text(decided, names) if decided else None,
        reviews=tuple(reviews), flags=flags, adjustment=adjustment)


def board(user, committee_id, page=1) -> Board:
    """The chair's page (a manager reads it too, without its forms): one page of the ranking
    with each review by name, the flags, the normalisation's effect, the session."""
    committee = readable(user, committee_id)
    campaign = committee.campaign
    deliberation = deliberation_of(committee.id)
    members = _members(committee, deliberation)
    criterion_names = {c.code: c.name for c in campaign.criteria}
    chair = is_chair(user, committee.id)
    if deliberation is not None and deliberation.status == "validated":
        return _validated_board(committee, deliberation, members, criterion_names, page)
    live = standing(committee, deliberation)
    ranking = live.ranking
    pager = Pager.of(page, len(ranking.rows))
    rows = [_board_row(row, live.infos.get(row.file_id), live.reviews_by_file.get(row.file_id, ()),
                       live.flags.get(row.file_id, NO_FLAGS), live.adjustments.get(row.file_id), live.tie_rule,
                       criterion_names)
            for row in ranking.rows[pager.start:pager.start + pager.per_page]]
    unscored = [BoardRow(None, c.file_id, c.reference, live.infos[c.file_id].name, None, None, None, False, None,
                         tuple(live.reviews_by_file.get(c.file_id, ())), live.flags.get(c.file_id, NO_FLAGS))
                for c in ranking.unscored]
    notices = []
    if campaign.phase != PHASE:
        notices.append(f"La campagne est en phase « {PHASE_LABELS[campaign.phase]} » : la délibération "
                       "s'ouvre pendant la phase « Délibération ».")
    return Board(
        committee=committee, campaign=campaign, deliberation=deliberation,
        can_act=chair and deliberation is not None and campaign.phase == PHASE,
        rows=rows, pager=pager, unscored=unscored, members=members,
        reviews_submitted=live.reviews_submitted, reviews_expected=live.reviews_expected,
        gap_flagged=live.gap_flagged, third_pending=live.third_pending,
        normalisation=live.preview.report, rank_changes=live.preview.changes.count,
        quorum=_quorum(deliberation, members, campaign.quorum_percent),
        tie_rule_text=live.tie_rule.describe(criterion_names),
        adjustment_count=sum(1 for f in live.adjustments if f in live.infos), notices=notices)


def _validated_board(committee, deliberation, members, criterion_names, page) -> Board:
    campaign = committee.campaign
    results = stored_results(committee.id)
    pager = Pager.of(page, len(results))
    reviews = _reviews(committee.id)
    by_file = _by_file(reviews)
    flags = _flags(by_file, campaign.score_gap_threshold)
    adjustments = _adjustments(deliberation)
    tie_rule = _tie_rule(campaign, deliberation)
    ranked = {r.file_id for r in results}
    rows = [_board_row(r, None, by_file.get(r.file_id, ()), flags.get(r.file_id, NO_FLAGS),
                       adjustments.get(r.file_id), tie_rule, criterion_names)
            for r in results[pager.start:pager.start + pager.per_page]]
    mine = [r for r in reviews if r.file_id in ranked]
    return Board(
        committee=committee, campaign=campaign, deliberation=deliberation, can_act=False, rows=rows, pager=pager,
        unscored=[], members=members, reviews_submitted=sum(1 for r in mine if r.submitted),
        reviews_expected=len(mine), gap_flagged=sum(1 for r in results if r.gap_flagged),
        third_pending=0, normalisation=None, rank_changes=None,
        quorum=_quorum(deliberation, members, campaign.quorum_percent),
        tie_rule_text=tie_rule.describe(criterion_names), adjustment_count=len(adjustments),
        notices=[LOCKED])


# --- The normalisation's effect -------------------------------------------------------------

@dataclass(frozen=True)
class ReviewerLine:
    member_id: int
    name: str
    count: int
    mean: Decimal
    spread: Decimal
    normalised: bool
    reason: str


@dataclass
class NormalisationView:
    committee: Committee
    campaign: Campaign
    deliberation: Deliberation | None
    can_act: bool
    report: Normalisation
    reviewers: list[ReviewerLine]
    changes: int
    moves: list                       # one page of ranking.RankMove
    pager: Pager
    names: dict[int, str]             # file id → candidate's name (the page's moves)
    adopted: bool
    offered: bool                     # the campaign's setting allows normalisation
    formula: str = FORMULA
    min_reviews: int = MIN_REVIEWS


def normalisation_view(user, committee_id, page=1) -> NormalisationView:
    """Each reviewer's n, mean and spread, skipped or not and why, and who changes rank."""
    committee = readable(user, committee_id)
    deliberation = deliberation_of(committee.id)
    if deliberation is not None and deliberation.status == "validated":
        raise NotAllowed(LOCKED)
    live = standing(committee, deliberation)
    names = {m.id: name for m, name in _member_names(committee.id)}
    report = live.preview.report
    reviewers = [ReviewerLine(r.reviewer_id, names.get(r.reviewer_id, f"#{r.reviewer_id}"), r.count, r.mean,
                              r.spread, r.normalised, r.reason) for r in report.reviewers]
    reviewers.sort(key=lambda r: (r.name.casefold(), r.member_id))
    moves = live.preview.changes.moves
    pager = Pager.of(page, len(moves))
    shown = list(moves[pager.start:pager.start + pager.per_page])
    return NormalisationView(
        committee=committee, campaign=committee.campaign, deliberation=deliberation,
        can_act=is_chair(user, committee.id) and deliberation is not None and committee.campaign.phase == PHASE,
        report=report, reviewers=reviewers, changes=live.preview.changes.count, moves=shown, pager=pager,
        names={m.file_id: live.infos[m.file_id].name for m in shown if m.file_id in live.infos},
        adopted=live.normalised, offered=bool(committee.campaign.normalise_scores))


# --- One file, for the chair ----------------------------------------------------------------

@dataclass
class FileView:
    committee: Committee
    deliberation: Deliberation | None
    info: FileInfo
    row: BoardRow | None
    reviews: list[Review]
    flags: FileFlags
    history: list[tuple[ScoreAdjustment, str]]
    can_act: bool


def file_view(user, committee_id, application_id) -> FileView:
    """A file of the committee as the chair sees it: each review by name, the flags, the
    adjustments made so far. A file the committee is not in charge of: NotFound."""
    _member, committee = chaired(user, committee_id)
    _scores_visible_to_chair(committee.campaign)
    deliberation = deliberation_of(committee.id)
    if deliberation is not None and deliberation.status == "validated":
        row = next((r for r in stored_results(committee.id) if r.file_id == application_id), None)
        if row is None:
            raise NotFound("Dossier introuvable.")
        info = FileInfo(row.file_id, row.reference, row.name)
        reviews = [r for r in _reviews(committee.id) if r.file_id == application_id]
        flags = _flags({application_id: reviews}, committee.campaign.score_gap_threshold).get(application_id, NO_FLAGS)
        board_row = _board_row(row, info, reviews, flags, _adjustments(deliberation).get(application_id),
                               _tie_rule(committee.campaign, deliberation), {})
        can_act = False
    else:
        live = standing(committee, deliberation)
        info = live.infos.get(application_id)
        if info is None:
            raise NotFound("Dossier introuvable.")
        ranked = live.ranking.by_file().get(application_id)
        reviews = live.reviews_by_file.get(application_id, [])
        flags = live.flags.get(application_id, NO_FLAGS)
        board_row = _board_row(ranked, info, reviews, flags, live.adjustments.get(application_id),
                               live.tie_rule, {}) if ranked else None
        can_act = deliberation is not None and committee.campaign.phase == PHASE
    history = [(a, name) for a, name in _adjustment_history(deliberation) if a.application_id == application_id]
    return FileView(committee=committee, deliberation=deliberation, info=info, row=board_row, reviews=list(reviews),
                    flags=flags, history=history, can_act=can_act)


@dataclass
class SessionView:
    committee: Committee
    campaign: Campaign
    deliberation: Deliberation | None
    members: list[MemberLine]
    quorum: QuorumCheck | None

    @property
    def needed(self) -> int:
        active = sum(1 for m in self.members if m.active)
        return QuorumCheck(0, active, self.campaign.quorum_percent).needed


def session_view(user, committee_id) -> SessionView:
    """The session's page: the committee's members (checkboxes) and the quorum's rule."""
    _member, committee = chaired(user, committee_id)
    deliberation = deliberation_of(committee.id)
    if deliberation is not None and deliberation.status == "validated":
        raise NotAllowed(LOCKED)
    members = _members(committee, deliberation)
    return SessionView(committee=committee, campaign=committee.campaign, deliberation=deliberation,
                       members=members, quorum=_quorum(deliberation, members, committee.campaign.quorum_percent))


# --- Writes ---------------------------------------------------------------------------------

def _check_phase(campaign: Campaign) -> None:
    if campaign.phase != PHASE:
        raise NotAllowed(f"La campagne est en phase « {PHASE_LABELS[campaign.phase]} » : la délibération "
                         "n'est possible que pendant la phase « Délibération ».")


def _writable(actor, committee_id, expected_version=None, *, touch: bool = True
              ) -> tuple[CommitteeMember, Committee, Deliberation]:
    """The chair, the open deliberation of a campaign in phase « Délibération », at the
    version the page showed; with `touch` the deliberation's row is marked changed (its
    version goes up at the flush), so that two writes at once cannot both pass."""
    member, committee = chaired(actor, committee_id)
    deliberation = deliberation_of(committee.id)
    if deliberation is None:
        raise NotAllowed(NOT_OPENED)
    if deliberation.status == "validated":
        raise NotAllowed(LOCKED)
    _check_phase(committee.campaign)
    if expected_version not in (None, "") and int(expected_version) != deliberation.version:
        raise Conflict(STALE)
    if touch:
        flag_modified(deliberation, "status")
    return member, committee, deliberation


def _flush_guarded(deliberation: Deliberation) -> None:
    """Flush the deliberation's own update first: the version check (and, on PostgreSQL, the
    row lock that makes a concurrent write wait, then find the version changed)."""
    db.session.flush([deliberation])


def open_deliberation(actor, committee_id, now: datetime | None = None) -> Deliberation:
    """The chair opens the committee's deliberation (campaign in phase « Délibération »)."""
    _member, committee = chaired(actor, committee_id)
    existing = deliberation_of(committee.id)
    if existing is not None:
        raise NotAllowed(LOCKED if existing.status == "validated" else "La délibération est déjà ouverte.")
    campaign = committee.campaign
    _check_phase(campaign)
    deliberation = Deliberation(committee_id=committee.id, status="open", opened_by_id=actor.id,
                                opened_at=(now or utcnow()).replace(microsecond=0),
                                tie_break_rule=_tie_rule(campaign, None).text, normalised=False)
    db.session.add(deliberation)
    db.session.flush()
    record(actor, "committee.deliberation.open", deliberation, campaign_id=campaign.id,
           after={"status": "open", "opened_at": deliberation.opened_at, "tie_break_rule": deliberation.tie_break_rule})
    return deliberation


def set_normalisation(actor, committee_id, adopt: bool, expected_version=None) -> Deliberation:
    """The chair adopts the per-reviewer normalisation (or goes back to the raw means), after
    seeing its effect; the audit event keeps how many candidates it moves."""
    # Not touched when nothing changes; a change updates the row (and its version) anyway.
    _member, committee, deliberation = _writable(actor, committee_id, expected_version, touch=False)
    adopt = bool(adopt)
    if adopt and not committee.campaign.normalise_scores:
        raise NotAllowed("Les paramètres de la campagne ne prévoient pas la normalisation des notes.")
    before = deliberation.normalised
    if before == adopt:
        return deliberation
    live = standing(committee, deliberation)
    deliberation.normalised = adopt
    _flush_guarded(deliberation)
    record(actor, "committee.deliberation.normalisation", deliberation, campaign_id=committee.campaign_id,
           before={"normalised": before},
           after={"normalised": adopt, "rank_changes": live.preview.changes.count,
                  "reviewers_normalised": live.preview.report.normalised_count,
                  "reviewers_skipped": len(live.preview.report.skipped)})
    return deliberation


def adjust_score(actor, committee_id, application_id, value, justification: str,
                 expected_version=None) -> ScoreAdjustment:
    """The chair replaces a file's final score; never without a written justification. Each
    adjustment is kept (the latest one counts), marked on the ranking and on the PV."""
    _member, committee, deliberation = _writable(actor, committee_id, expected_version)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationFailed("Un ajustement de note exige une justification écrite.",
                               {"justification": "Un ajustement de note exige une justification écrite."})
    try:
        score = validate_adjustment(value, justification)
    except ValueError as error:
        raise ValidationFailed(str(error), {"value": str(error)}) from None
    _flush_guarded(deliberation)
    live = standing(committee, deliberation)
    if application_id not in live.infos:
        raise NotFound("Dossier introuvable.")
    current = live.ranking.by_file().get(application_id)
    before = current.final_score if current is not None else None
    adjustment = ScoreAdjustment(application_id=application_id, deliberation_id=deliberation.id,
                                 adjusted_by_id=actor.id, score_before=before, score_after=score,
                                 justification=justification)
    db.session.add(adjustment)
    db.session.flush()
    record(actor, "committee.score.adjust", adjustment, campaign_id=committee.campaign_id,
           before={"application_id": application_id, "final_score": before,
                   "computed_score": current.computed_score if current is not None else None},
           after={"application_id": application_id, "final_score": score}, reason=justification)
    return adjustment


def record_session(actor, committee_id, held_on: datetime | None, place: str, present_ids: Iterable[int],
                   notes: str = "", expected_version=None, now: datetime | None = None) -> Deliberation:
    """The session: date, place, the members present (checked against the quorum: strictly
    more than the campaign's quorum_percent % of the committee's active members), notes."""
    _member, committee, deliberation = _writable(actor, committee_id, expected_version)
    place = (place or "").strip()
    notes = (notes or "").strip()
    members = {m.id: m for m, _name in _member_names(committee.id)}
    active = {i for i, m in members.items() if m.active}
    present = {int(i) for i in present_ids or ()}
    errors = {}
    if not isinstance(held_on, datetime):
        errors["held_on"] = "Indiquez la date et l'heure de la séance."
    elif held_on.date() > (now or utcnow()).date():
        errors["held_on"] = "La séance ne peut pas être datée d'un jour à venir."
    if not place:
        errors["place"] = "Indiquez le lieu de la séance."
    elif len(place) > 150:
        errors["place"] = "Le lieu tient en 150 caractères au plus."
    if present - active:
        errors["members_present"] = "Seuls les membres actifs du comité peuvent être présents."
    else:
        quorum = QuorumCheck(present=len(present), active=len(active), percent=committee.campaign.quorum_percent)
        if not quorum.met:
            errors["members_present"] = quorum.message
    if errors:
        raise ValidationFailed(next(iter(errors.values())) if len(errors) == 1 else None, errors)
    _flush_guarded(deliberation)
    before = {"held_on": deliberation.held_on, "place": deliberation.place,
              "members_present": sorted(m.id for m in deliberation.members_present),
              "minutes_text": deliberation.minutes_text}
    deliberation.held_on = held_on.replace(second=0, microsecond=0)
    deliberation.place = place
    deliberation.minutes_text = notes
    deliberation.members_present = [members[i] for i in sorted(present)]
    db.session.flush()
    record(actor, "committee.deliberation.session", deliberation, campaign_id=committee.campaign_id,
           before=before, after={"held_on": deliberation.held_on, "place": place,
                                 "members_present": sorted(present), "minutes_text": notes,
                                 "active_members": len(active)})
    return deliberation


def minutes_number(campaign: Campaign, committee: Committee, when: datetime) -> str:
    """PV-<campaign code>-<committee id>-<year>: public (the verification page shows it), no name."""
    return f"PV-{campaign.code}-{committee.id}-{when.year}"


def minutes_title(campaign: Campaign, committee: Committee) -> str:
    """The sealed document's public title: the campaign's code and the committee's number only."""
    return f"Procès-verbal de délibération — campagne {campaign.code} — comité n° {committee.id}"


def ranking_context(campaign: Campaign, committee: Committee, number: str) -> dict[str, str]:
    """What the canonical ranking is bound to: the same rows under another PV hash otherwise."""
    return {"campaign": campaign.code, "committee": str(committee.id), "minutes": number}


def _refusals(live: Standing, deliberation: Deliberation, members: Sequence[MemberLine]) -> list[str]:
    reasons = []
    if deliberation.held_on is None or not deliberation.place:
        reasons.append("La séance n'est pas enregistrée (date, lieu, membres présents).")
    else:
        quorum = _quorum(deliberation, members, live.campaign.quorum_percent)
        if quorum is not None and not quorum.met:
            reasons.append(quorum.message)
    if live.pending_reviews:
        reasons.append(f"{live.pending_reviews} évaluation(s) attribuée(s) ne sont pas encore soumises.")
    needing = sum(1 for f, flags in live.flags.items()
                  if flags.needs_third and f in live.infos and f not in live.adjustments)
    if needing:
        reasons.append(f"{needing} dossier(s) signalé(s) pour écart entre évaluateurs n'ont pas de troisième "
                       "évaluation (attribuez-la, ou ajustez leur note avec une justification).")
    if live.ranking.unscored:
        reasons.append(f"{len(live.ranking.unscored)} dossier(s) n'ont aucune évaluation soumise ni note ajustée.")
    if not live.ranking.rows:
        reasons.append("Aucun dossier à classer.")
    return reasons


def validate(actor, committee_id, expected_version=None, now: datetime | None = None) -> Deliberation:
    """The chair validates the deliberation: results stored (mean, normalised, final, rank,
    adjusted, gap flag), every ranked file moved to « évalué » through the status machine, the
    PV sealed (its content hash is the ranking's canonical SHA-256, kept as ranking_sha256),
    and everything locked: no path changes a score, a review or an adjustment afterwards."""
    _member, committee, deliberation = _writable(actor, committee_id, expected_version)
    campaign = committee.campaign
    now = (now or utcnow()).replace(microsecond=0)
    deliberation.status = "validated"
    deliberation.validated_by_id = actor.id
    deliberation.validated_at = now
    _flush_guarded(deliberation)  # first: the second of two validations stops here
    members = _members(committee, deliberation)
    live = standing(committee, deliberation)
    reasons = _refusals(live, deliberation, members)
    if reasons:
        raise InvalidTransition("La délibération ne peut pas encore être validée." if len(reasons) > 1
                                else reasons[0], reasons=reasons)
    ranking = live.ranking
    number = minutes_number(campaign, committee, now)
    context = ranking_context(campaign, committee, number)
    _store_results(committee, live, ranking, now)
    _evaluate_files(actor, campaign, ranking, number)
    deliberation.tie_break_rule = live.tie_rule.text
    deliberation.minutes_number = number
    deliberation.ranking_sha256 = ranking.digest(context)
    minutes = minutes_data(committee, deliberation, live, members, number)
    document, _pdf = seal("pv", number, minutes_title(campaign, committee), ranking.canonical(context),
                          lambda s: render_pdf(MINUTES_TEMPLATE, seal=s, pv=minutes), created_by=actor,
                          sealed_at=now)
    deliberation.minutes_document_id = document.id
    db.session.flush()
    record(actor, "committee.deliberation.validate", deliberation, campaign_id=campaign.id,
           before={"status": "open"},
           after={"status": "validated", "validated_at": now, "minutes_number": number,
                  "ranking_sha256": deliberation.ranking_sha256, "ranked": len(ranking.rows),
                  "normalised": deliberation.normalised, "adjusted": sum(1 for r in ranking.rows if r.adjusted),
                  "members_present": sorted(m.member_id for m in members if m.present)})
    return deliberation


def _chunks(items: Sequence, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _store_results(committee: Committee, live: Standing, ranking: Ranking, now: datetime) -> None:
    ids = [row.file_id for row in ranking.rows]
    for chunk in _chunks(ids):
        db.session.execute(delete(EvaluationResult).where(EvaluationResult.application_id.in_(chunk)))
    rows = [{"application_id": row.file_id, "campaign_id": committee.campaign_id, "committee_id": committee.id,
             "mean_score": row.mean_score, "normalised_score": row.normalised_score,
             "final_score": row.final_score, "rank": row.rank,
             "gap_flagged": live.flags.get(row.file_id, NO_FLAGS).gap_flagged, "adjusted": row.adjusted,
             "computed_at": now} for row in ranking.rows]
    if rows:
        db.session.execute(EvaluationResult.__table__.insert(), rows)


def _evaluate_files(actor, campaign: Campaign, ranking: Ranking, number: str) -> None:
    """Every ranked file eligible → evaluated, through Application.transition_to (one audit
    event per file, with its rank and final score)."""
    by_file = ranking.by_file()
    ids = list(by_file)
    for chunk in _chunks(ids):
        for application in db.session.scalars(select(Application).where(Application.id.in_(chunk))):
            row = by_file[application.id]
            application.transition_to(
                "evaluated", actor, CHAIR, action="committee.deliberation.validate",
                reason=f"Délibération validée (procès-verbal n° {number})",
                after={"rank": row.rank, "final_score": row.final_score, "adjusted": row.adjusted})
        db.session.flush()


# --- The procès-verbal ----------------------------------------------------------------------

@dataclass(frozen=True)
class MinutesRow:
    rank: int
    reference: str
    name: str
    mean_score: Decimal | None
    normalised_score: Decimal | None
    final_score: Decimal
    adjusted: bool
    reviews: int


@dataclass(frozen=True)
class MinutesAdjustment:
    reference: str
    name: str
    before: Decimal | None
    after: Decimal
    justification: str
    by: str
    at: datetime


@dataclass
class Minutes:
    """Everything the PV prints (templates/deliberation/minutes.html)."""

    number: str
    campaign: Campaign
    committee: Committee
    deliberation: Deliberation
    chair: str
    present: list[MemberLine]
    absent: list[MemberLine]
    inactive: list[MemberLine]
    quorum: QuorumCheck | None
    criteria: list
    weight_total: Decimal
    normalised: bool
    normalisation: Normalisation | None
    reviewer_names: dict[int, str]
    formula: str
    tie_rule_text: str
    rows: list[MinutesRow]
    adjustments: list[MinutesAdjustment]
    reviews_submitted: int
    gap_flagged: int
    min_reviews: int = MIN_REVIEWS

    def score(self, value, places: int = 3) -> str:
        return "" if value is None else fr_number(value, places)

    def plain(self, value) -> str:
        return "" if value is None else fr_number(value)

    # The ranking is printed as one line of fixed-width text per candidate (a one-column table
    # whose heading repeats on each page): WeasyPrint lays out a cell per value ten times
    # slower, and a PV of thousands of rows must be sealed within the validation's request.
    @cached_property
    def _widths(self) -> tuple[int, int]:
        rank = max(4, len(str(len(self.rows))))
        reference = max([7, *(len(r.reference) for r in self.rows)])
        return rank, reference

    def listing_header(self) -> str:
        rank, reference = self._widths
        columns = [f"{'Rang':>{rank}}", f"{'Dossier':<{reference}}", "Éval.", f"{'Moyenne':>8}"]
        if self.normalised:
            columns.append(f"{'Normalisée':>10}")
        columns += [f"{'Finale':>8}  ", "Nom et prénoms"]
        return "  ".join(columns)

    def listing_line(self, row: MinutesRow) -> str:
        rank, reference = self._widths
        columns = [f"{row.rank:>{rank}}", f"{row.reference:<{reference}}", f"{row.reviews:>5}",
                   f"{self.score(row.mean_score):>8}"]
        if self.normalised:
            columns.append(f"{self.score(row.normalised_score):>10}")
        columns += [f"{self.score(row.final_score):>8}" + (" *" if row.adjusted else "  "), row.name]
        return "  ".join(columns)


def minutes_data(committee: Committee, deliberation: Deliberation, live: Standing,
                 members: Sequence[MemberLine], number: str) -> Minutes:
    campaign = live.campaign
    ranking = live.ranking
    criteria = list(campaign.criteria)
    names = {m.member_id: m.name for m in members}
    adjusted = {f for f, a in live.adjustments.items() if f in live.infos}
    history = [(a, by) for a, by in _adjustment_history(deliberation) if a.application_id in adjusted]
    chair = next((m.name for m in members if m.role == "chair"), "")
    return Minutes(
        number=number, campaign=campaign, committee=committee, deliberation=deliberation, chair=chair,
        present=[m for m in members if m.active and m.present],
        absent=[m for m in members if m.active and not m.present],
        inactive=[m for m in members if not m.active],
        quorum=_quorum(deliberation, members, campaign.quorum_percent),
        criteria=criteria, weight_total=sum((Decimal(c.weight) for c in criteria), Decimal(0)),
        normalised=bool(deliberation.normalised), normalisation=live.preview.report if deliberation.normalised else None,
        reviewer_names=names, formula=FORMULA,
        tie_rule_text=live.tie_rule.describe({c.code: c.name for c in criteria}),
        rows=[MinutesRow(r.rank, r.reference, live.infos[r.file_id].name, r.mean_score, r.normalised_score,
                         r.final_score, r.adjusted, r.review_count) for r in ranking.rows],
        adjustments=[MinutesAdjustment(live.infos[a.application_id].reference, live.infos[a.application_id].name,
                                       a.score_before, a.score_after, a.justification, by, a.adjusted_at)
                     for a, by in history],
        reviews_submitted=live.reviews_submitted, gap_flagged=live.gap_flagged)


def minutes_document(user, committee_id) -> tuple[SealedDocument, bytes]:
    """The sealed PV of a validated deliberation (its chair and the managers), and its bytes;
    the download is audited."""
    committee = readable(user, committee_id)
    deliberation = deliberation_of(committee.id)
    if deliberation is None or deliberation.status != "validated" or deliberation.minutes_document_id is None:
        raise NotAllowed("Le procès-verbal n'existe qu'une fois la délibération validée.")
    document = db.session.get(SealedDocument, deliberation.minutes_document_id)
    record(user, "committee.minutes.download", document, campaign_id=committee.campaign_id,
           after={"number": document.number})
    return document, document.pdf


# --- The ranking as a spreadsheet -----------------------------------------------------------

RANKING_COLUMNS = ("Rang", "Référence", "Nom et prénoms", "Moyenne des évaluations (/20)", "Note normalisée (/20)",
                   "Note finale (/20)", "Note ajustée", "Justification de l'ajustement", "Évaluations soumises",
                   "Écart signalé")


def ranking_rows(user, committee_id) -> tuple[Committee, str, list[tuple]]:
    """The committee's ranking as rows for the spreadsheet (the stored one once validated, else
    the provisional one), with its title."""
    committee = readable(user, committee_id)
    deliberation = deliberation_of(committee.id)
    adjustments = _adjustments(deliberation)
    if deliberation is not None and deliberation.status == "validated":
        reviews = _by_file(_reviews(committee.id))
        rows = [(r.rank, r.reference, r.name, r.mean_score, r.normalised_score, r.final_score, r.adjusted,
                 adjustments[r.file_id].justification if r.adjusted and r.file_id in adjustments else "",
                 sum(1 for v in reviews.get(r.file_id, ()) if v.submitted), r.gap_flagged)
                for r in stored_results(committee.id)]
        title = f"Classement du comité « {committee.name} » (procès-verbal n° {deliberation.minutes_number})"
    else:
        live = standing(committee, deliberation)
        rows = [(r.rank, r.reference, live.infos[r.file_id].name, r.mean_score, r.normalised_score, r.final_score,
                 r.adjusted, adjustments[r.file_id].justification if r.adjusted else "", r.review_count,
                 live.flags.get(r.file_id, NO_FLAGS).gap_flagged) for r in live.ranking.rows]
        title = f"Classement provisoire du comité « {committee.name} » (délibération non validée)"
    return committee, title, rows


def export_ranking(user, committee_id, target, ip: str | None = None) -> Committee:
    """Write the ranking's spreadsheet to `target` (a binary file); the export is audited."""
    committee, title, rows = ranking_rows(user, committee_id)
    count = write_table(target, f"{title} – {committee.campaign.title}", RANKING_COLUMNS, rows,
                        sheet_title="Classement")
    record(user, "export.committee_ranking", committee, campaign_id=committee.campaign_id,
           after={"rows": count}, ip_address=ip)
    return committee


CAMPAIGN_RANKING_COLUMNS = ("Comité", "Rang", "Référence", "Nom", "Prénoms", "Moyenne des évaluations (/20)",
                            "Note normalisée (/20)", "Note finale (/20)", "Note ajustée", "Écart signalé",
                            "Procès-verbal n°")


def campaign_ranking_columns(campaign=None) -> tuple:
    return CAMPAIGN_RANKING_COLUMNS


def campaign_ranking_rows(campaign):
    """Every validated deliberation's ranking of the campaign, committee by committee (the
    managers' export « classement »; a committee that has not validated has no row yet)."""
    statement = (
        select(Committee.name, EvaluationResult.rank, Application.reference, Application.last_name,
               Application.first_names, EvaluationResult.mean_score, EvaluationResult.normalised_score,
               EvaluationResult.final_score, EvaluationResult.adjusted, EvaluationResult.gap_flagged,
               Deliberation.minutes_number)
        .join(Committee, Committee.id == EvaluationResult.committee_id)
        .join(Deliberation, Deliberation.committee_id == Committee.id)
        .join(Application, Application.id == EvaluationResult.application_id)
        .where(EvaluationResult.campaign_id == campaign.id, EvaluationResult.rank.is_not(None),
               Deliberation.status == "validated")
        .order_by(Committee.name, Committee.id, EvaluationResult.rank)
        .execution_options(yield_per=2000))
    for row in db.session.execute(statement):
        yield tuple(row)


EXPORT = ExportKind("classement", N_("Classement des comités (délibérations validées)"), "Classement des comités",
                    "Classement", campaign_ranking_columns, campaign_ranking_rows, "committee_rankings")


def ranking_file_name(committee: Committee, when: datetime | None = None) -> str:
    when = when or utcnow()
    return f"classement-{committee.campaign.code}-comite-{committee.id}-{when:%Y%m%d-%H%M}.xlsx"


# --- The home page: each committee the user chairs ------------------------------------------

@dataclass(frozen=True)
class ChairSummary:
    """One committee the user chairs, for the home page (templates/deliberation/_summary.html)."""

    committee_id: int
    committee_name: str
    campaign_code: str
    campaign_title: str
    phase: str
    phase_label: str
    files: int
    reviews_submitted: int
    reviews_expected: int
    gap_flagged: int
    third_pending: int
    opened: bool
    opened_at: datetime | None
    session_recorded: bool
    quorum: QuorumCheck | None
    validated: bool
    validated_at: datetime | None
    minutes_number: str | None
    has_minutes: bool

    @property
    def can_open(self) -> bool:
        return not self.opened and self.phase == PHASE

    @property
    def scores_visible(self) -> bool:
        """The chair's page opens from the deliberation phase on (SCORES_VISIBLE_PHASES)."""
        return self.phase in SCORES_VISIBLE_PHASES

    @property
    def next_step(self) -> str:
        """What the chair has to do now, in the reader's language (a page only: never the PV)."""
        from flask_babel import gettext, ngettext

        if self.validated:
            return gettext("Délibération validée : le procès-verbal scellé est disponible.")
        if self.phase != PHASE and not self.opened:
            return gettext("La campagne est en phase « %(phase)s » : la délibération s'ouvrira pendant la phase "
                           "« Délibération ».", phase=gettext(self.phase_label))
        if not self.opened:
            return gettext("Ouvrez la délibération.")
        if self.reviews_submitted < self.reviews_expected:
            return ngettext("%(num)s évaluation reste à soumettre avant la validation.",
                            "%(num)s évaluations restent à soumettre avant la validation.",
                            self.reviews_expected - self.reviews_submitted)
        if not self.session_recorded:
            return gettext("Enregistrez la séance : date, lieu et membres présents.")
        if self.quorum is not None and not self.quorum.met:
            return self.quorum.message
        return gettext("Tout est prêt : vérifiez le classement et validez la délibération.")


def _summary(committee: Committee) -> ChairSummary:
    campaign = committee.campaign
    deliberation = deliberation_of(committee.id)
    validated = deliberation is not None and deliberation.status == "validated"
    members = _members(committee, deliberation)
    if validated:
        files = {r.file_id for r in stored_results(committee.id)}
    else:
        files = set(files_in_charge(committee, ("eligible",)))
    reviews = [r for r in _reviews(committee.id) if r.file_id in files]
    flags = _flags(_by_file(reviews), campaign.score_gap_threshold)
    return ChairSummary(
        committee_id=committee.id, committee_name=committee.name, campaign_code=campaign.code,
        campaign_title=campaign.title, phase=campaign.phase, phase_label=PHASE_LABELS[campaign.phase],
        files=len(files), reviews_submitted=sum(1 for r in reviews if r.submitted), reviews_expected=len(reviews),
        gap_flagged=sum(1 for f in flags.values() if f.gap_flagged),
        third_pending=0 if validated else sum(1 for f in flags.values() if f.third_pending or f.needs_third),
        opened=deliberation is not None, opened_at=deliberation.opened_at if deliberation else None,
        session_recorded=bool(deliberation is not None and deliberation.held_on is not None and deliberation.place),
        quorum=_quorum(deliberation, members, campaign.quorum_percent), validated=validated,
        validated_at=deliberation.validated_at if validated else None,
        minutes_number=deliberation.minutes_number if validated else None,
        has_minutes=bool(validated and deliberation.minutes_document_id))


def chair_summaries(user) -> list[ChairSummary]:
    """For each committee the user chairs (active membership), its deliberation's state."""
    return [_summary(m.committee) for m in memberships(user) if m.role == "chair"]


# --- The campaign's settings (lent to campaigns/ by features.py) ------------------------------

def tie_rule_setting(text: str | None, criterion_codes=None) -> str:
    """The campaign's tie rule as stored (ranking.TieRule's keys joined by commas; blank: the
    default), checked; criterion keys must name one of `criterion_codes` when given.
    Raises ValueError with a French message."""
    rule = TieRule.parse(text)
    if criterion_codes is not None:
        for key in rule.keys:
            code = key[len(CRITERION_PREFIX):] if key.startswith(CRITERION_PREFIX) else None
            if code is not None and code not in criterion_codes:
                raise ValueError(f"Règle de départage : la campagne n'a pas de critère « {code} ».")
    return rule.text


def tie_rule_description(campaign) -> str:
    """The rule in French, as the PV prints it (for the campaign's settings page)."""
    try:
        rule = TieRule.parse(campaign.tie_break_rule)
    except ValueError as error:
        return str(error)
    return rule.describe({c.code: c.name for c in campaign.criteria})


# --- For the tests and the other paths: the stored state ------------------------------------

def results_of(committee_id: int) -> list[EvaluationResult]:
    return list(db.session.scalars(select(EvaluationResult).where(EvaluationResult.committee_id == committee_id)
                                   .order_by(EvaluationResult.rank)))


def canonical_of_results(committee_id: int, context) -> bytes:
    """The canonical ranking of the stored results (what the PV's seal hashed)."""
    from .ranking import canonical_ranking
    rows = [SimpleNamespace(reference=r.reference, final_score=r.final_score, rank=r.rank, adjusted=r.adjusted)
            for r in stored_results(committee_id)]
    return canonical_ranking(rows, context)
