"""What the managers' placement pages read (/gestion/affectation): a campaign's totals and its
offers' fill, one offer's counts, cut-offs, waiting list and seat ledger, one file's history of
offers and answers, the rounds. Reads only: every change goes through the services.

Simulation rounds (kind "simulation") never count here: only what applicants see.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from ..applications.models import Application
from ..campaigns.models import Campaign, Offer
from ..committee.models import EvaluationResult
from ..errors import NotFound
from ..extensions import db
from ..reference.models import Establishment, Programme
from ..screening.search import text_search
from .labels import LEFT_REASON_LABELS, ROUND_KIND_LABELS, SEAT_KIND_LABELS, STATUS_LABELS  # noqa: F401 (the pages')
from .models import PLACEMENT_STATUSES, AllocationRound, OfferCutoff, Placement, WaitingListEntry
from .publication import published_round
from .seats import SEAT_HOLDING

# The files the allocation ranked: every one of them has a final score (committee standing).
FILE_STATUSES = ("evaluated", "placed", "waiting_list", "not_selected", "accepted", "declined", "enrolled",
                 "withdrawn")


def left_reason_label(code: str | None) -> str:
    return LEFT_REASON_LABELS.get(code or "", code or "")


def _real_rounds(campaign_id: int):
    """The condition on AllocationRound: this campaign's rounds that applicants see."""
    return and_(AllocationRound.campaign_id == campaign_id, AllocationRound.kind != "simulation")


def _offer_options():
    return (selectinload(Offer.programme).selectinload(Programme.level), selectinload(Offer.establishment))


def get_offer(campaign: Campaign, offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id, options=_offer_options())
    if offer is None or offer.campaign_id != campaign.id:
        raise NotFound("Offre introuvable.")
    return offer


def get_file(campaign: Campaign, application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or application.campaign_id != campaign.id:
        raise NotFound("Dossier introuvable.")
    return application


def get_placement(application: Application, placement_id: int) -> Placement:
    placement = db.session.get(Placement, placement_id)
    if placement is None or placement.application_id != application.id:
        raise NotFound("Affectation introuvable.")
    return placement


# --- the campaign ---------------------------------------------------------------------------

@dataclass
class OfferRow:
    offer: Offer
    counts: dict[str, int]          # placement status -> how many (every round but simulations)
    waiting: int                    # active waiting-list entries
    cutoff: OfferCutoff | None      # round 1's

    @property
    def held(self) -> int:
        return sum(self.counts.get(s, 0) for s in SEAT_HOLDING)

    @property
    def free(self) -> int:
        return max(self.offer.seats - self.held, 0)


@dataclass
class Totals:
    seats: int = 0
    reserved: int = 0
    placed: int = 0                 # files holding a seat (offered or accepted)
    offered: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    waiting: int = 0                # files on at least one waiting list
    not_selected: int = 0
    free: int = 0


@dataclass
class Overview:
    campaign: Campaign
    round: AllocationRound | None
    rows: list[OfferRow] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)

    @property
    def published(self) -> bool:
        return self.round is not None


def _status_counts(campaign_id: int, offer_id: int | None = None) -> dict[tuple[int, str], int]:
    statement = (select(Placement.offer_id, Placement.status, func.count(Placement.id))
                 .join(AllocationRound, AllocationRound.id == Placement.round_id)
                 .where(_real_rounds(campaign_id)).group_by(Placement.offer_id, Placement.status))
    if offer_id is not None:
        statement = statement.where(Placement.offer_id == offer_id)
    return {(o, s): int(n) for o, s, n in db.session.execute(statement)}


def _waiting_counts(campaign_id: int) -> dict[int, int]:
    return {o: int(n) for o, n in db.session.execute(
        select(WaitingListEntry.offer_id, func.count(WaitingListEntry.id))
        .join(AllocationRound, AllocationRound.id == WaitingListEntry.round_id)
        .where(_real_rounds(campaign_id), WaitingListEntry.active.is_(True))
        .group_by(WaitingListEntry.offer_id))}


def _cutoffs(round_: AllocationRound | None) -> dict[int, OfferCutoff]:
    if round_ is None:
        return {}
    return {c.offer_id: c for c in db.session.scalars(select(OfferCutoff).where(OfferCutoff.round_id == round_.id))}


def overview(campaign: Campaign) -> Overview:
    """The campaign's totals and each offer's fill, from a handful of aggregate queries."""
    round_ = published_round(campaign.id)
    view = Overview(campaign, round_)
    offers = db.session.scalars(
        select(Offer).join(Programme, Programme.id == Offer.programme_id)
        .join(Establishment, Establishment.id == Offer.establishment_id)
        .where(Offer.campaign_id == campaign.id)
        .order_by(Programme.title, Establishment.city, Establishment.name, Offer.id)
        .options(*_offer_options())).all()
    counts = _status_counts(campaign.id) if round_ is not None else {}
    waiting = _waiting_counts(campaign.id) if round_ is not None else {}
    cutoffs = _cutoffs(round_)
    totals = view.totals
    for offer in offers:
        row = OfferRow(offer, {s: counts.get((offer.id, s), 0) for s in PLACEMENT_STATUSES},
                       waiting.get(offer.id, 0), cutoffs.get(offer.id))
        view.rows.append(row)
        totals.seats += offer.seats
        totals.reserved += offer.reserved_seats
        totals.offered += row.counts["offered"]
        totals.accepted += row.counts["accepted"]
        totals.declined += row.counts["declined"]
        totals.expired += row.counts["expired"]
        totals.free += row.free
    if round_ is not None:
        totals.placed = int(db.session.scalar(
            select(func.count(func.distinct(Placement.application_id)))
            .join(AllocationRound, AllocationRound.id == Placement.round_id)
            .where(_real_rounds(campaign.id), Placement.status.in_(SEAT_HOLDING))) or 0)
        totals.waiting = int(db.session.scalar(
            select(func.count(func.distinct(WaitingListEntry.application_id)))
            .join(AllocationRound, AllocationRound.id == WaitingListEntry.round_id)
            .where(_real_rounds(campaign.id), WaitingListEntry.active.is_(True))) or 0)
        totals.not_selected = int(db.session.scalar(
            select(func.count(Application.id)).where(Application.campaign_id == campaign.id,
                                                     Application.status == "not_selected")) or 0)
    return view


def evaluated_count(campaign: Campaign) -> int:
    """Files the publication would place (evaluated, waiting for it)."""
    return int(db.session.scalar(select(func.count(Application.id)).where(
        Application.campaign_id == campaign.id, Application.status == "evaluated")) or 0)


# --- one offer ------------------------------------------------------------------------------

@dataclass
class OfferDetail:
    offer: Offer
    round: AllocationRound | None
    counts: dict[str, int]                         # placement status -> how many
    held: dict[str, int]                           # seat kind -> seats held now
    cutoff: OfferCutoff | None
    waiting_active: int
    waiting_left: int

    @property
    def open_seats(self) -> int:
        return self.offer.seats - self.offer.reserved_seats

    @property
    def free(self) -> int:
        return max(self.offer.seats - sum(self.held.values()), 0)


def offer_detail(campaign: Campaign, offer: Offer) -> OfferDetail:
    round_ = published_round(campaign.id)
    counts = _status_counts(campaign.id, offer.id)
    held = {kind: int(n) for kind, n in db.session.execute(
        select(Placement.seat_kind, func.count(Placement.id))
        .join(AllocationRound, AllocationRound.id == Placement.round_id)
        .where(_real_rounds(campaign.id), Placement.offer_id == offer.id, Placement.status.in_(SEAT_HOLDING))
        .group_by(Placement.seat_kind))}
    entries = {bool(active): int(n) for active, n in db.session.execute(
        select(WaitingListEntry.active, func.count(WaitingListEntry.id))
        .join(AllocationRound, AllocationRound.id == WaitingListEntry.round_id)
        .where(_real_rounds(campaign.id), WaitingListEntry.offer_id == offer.id)
        .group_by(WaitingListEntry.active))}
    return OfferDetail(offer, round_, {s: counts.get((offer.id, s), 0) for s in PLACEMENT_STATUSES},
                       {"open": held.get("open", 0), "reserved": held.get("reserved", 0)},
                       _cutoffs(round_).get(offer.id), entries.get(True, 0), entries.get(False, 0))


def waiting_statement(campaign: Campaign, offer: Offer, active: bool, q: str = ""):
    """The offer's waiting-list entries (active ones in position order; those who left, latest
    first), `q` a name or a reference: a statement for page_of."""
    statement = (select(WaitingListEntry)
                 .join(AllocationRound, AllocationRound.id == WaitingListEntry.round_id)
                 .join(Application, Application.id == WaitingListEntry.application_id)
                 .where(_real_rounds(campaign.id), WaitingListEntry.offer_id == offer.id,
                        WaitingListEntry.active.is_(active)))
    statement = _searched(statement, campaign, q)
    if active:
        return statement.order_by(WaitingListEntry.round_id, WaitingListEntry.position)
    return statement.order_by(WaitingListEntry.left_at.desc(), WaitingListEntry.position)


@dataclass(frozen=True)
class WaitingRow:
    entry: WaitingListEntry
    application: Application
    score: Decimal | None
    holds: Placement | None             # the seat the file holds elsewhere (offered or accepted)
    left_reason: str


def waiting_rows(entries: list[WaitingListEntry]) -> list[WaitingRow]:
    """One page's entries with their file, score and the seat the file holds: three queries."""
    ids = [e.application_id for e in entries]
    if not ids:
        return []
    applications = {a.id: a for a in db.session.scalars(select(Application).where(Application.id.in_(ids)))}
    scores = _scores(ids)
    holds = {}
    for placement in db.session.scalars(
            select(Placement).where(Placement.application_id.in_(ids), Placement.status.in_(SEAT_HOLDING))
            .order_by(Placement.choice_rank).options(selectinload(Placement.offer))):
        holds.setdefault(placement.application_id, placement)
    return [WaitingRow(e, applications[e.application_id], scores.get(e.application_id),
                       holds.get(e.application_id), left_reason_label(e.left_reason)) for e in entries]


def _scores(ids: list[int]) -> dict[int, Decimal | None]:
    return dict(db.session.execute(select(EvaluationResult.application_id, EvaluationResult.final_score)
                                   .where(EvaluationResult.application_id.in_(ids))).all())


def _searched(statement, campaign: Campaign, q: str):
    q = (q or "").strip()[:100]
    if not q:
        return statement
    condition, hits = text_search(q, campaign)
    if condition is not None:
        return statement.where(condition)
    return statement.join(hits, hits.c.id == Application.id)


# --- the files ------------------------------------------------------------------------------

def files_statement(campaign: Campaign, q: str = ""):
    """The campaign's ranked files (those the allocation took in), by reference."""
    statement = select(Application).where(
        Application.campaign_id == campaign.id, Application.status.in_(FILE_STATUSES),
        Application.id.in_(select(EvaluationResult.application_id).where(EvaluationResult.campaign_id == campaign.id)))
    return _searched(statement, campaign, q).order_by(Application.reference, Application.id)


@dataclass(frozen=True)
class FileRow:
    application: Application
    score: Decimal | None
    holds: Placement | None
    waiting: int


def file_rows(applications: list[Application]) -> list[FileRow]:
    ids = [a.id for a in applications]
    if not ids:
        return []
    scores = _scores(ids)
    holds = {}
    for placement in db.session.scalars(
            select(Placement).where(Placement.application_id.in_(ids), Placement.status.in_(SEAT_HOLDING))
            .order_by(Placement.status != "accepted", Placement.choice_rank)
            .options(selectinload(Placement.offer))):
        holds.setdefault(placement.application_id, placement)
    waiting = dict(db.session.execute(
        select(WaitingListEntry.application_id, func.count(WaitingListEntry.id))
        .where(WaitingListEntry.application_id.in_(ids), WaitingListEntry.active.is_(True))
        .group_by(WaitingListEntry.application_id)).all())
    return [FileRow(a, scores.get(a.id), holds.get(a.id), int(waiting.get(a.id, 0))) for a in applications]


@dataclass(frozen=True)
class EntryLine:
    entry: WaitingListEntry
    offer: Offer
    choice_rank: int | None
    ahead: int | None                   # active entries before it now (None once left)
    left_reason: str


@dataclass
class FileHistory:
    application: Application
    score: Decimal | None
    placements: list[Placement]         # every placement of the file, oldest first
    entries: list[EntryLine]

    @property
    def offered(self) -> list[Placement]:
        return [p for p in self.placements if p.status == "offered"]


def file_history(application: Application) -> FileHistory:
    placements = list(db.session.scalars(
        select(Placement).join(AllocationRound, AllocationRound.id == Placement.round_id)
        .where(Placement.application_id == application.id, AllocationRound.kind != "simulation")
        .order_by(AllocationRound.number, Placement.offered_at, Placement.id)
        .options(selectinload(Placement.round),
                 selectinload(Placement.offer).selectinload(Offer.programme).selectinload(Programme.level),
                 selectinload(Placement.offer).selectinload(Offer.establishment))))
    ranks = {c.offer_id: c.rank for c in application.choices}
    entries = []
    rows = db.session.execute(
        select(WaitingListEntry, Offer)
        .join(AllocationRound, AllocationRound.id == WaitingListEntry.round_id)
        .join(Offer, Offer.id == WaitingListEntry.offer_id)
        .where(WaitingListEntry.application_id == application.id, AllocationRound.kind != "simulation")
        .order_by(WaitingListEntry.active.desc(), WaitingListEntry.round_id, WaitingListEntry.position)).all()
    for entry, offer in rows:
        ahead = None
        if entry.active:
            ahead = int(db.session.scalar(select(func.count(WaitingListEntry.id)).where(
                WaitingListEntry.offer_id == entry.offer_id, WaitingListEntry.round_id == entry.round_id,
                WaitingListEntry.active.is_(True), WaitingListEntry.position < entry.position)) or 0)
        entries.append(EntryLine(entry, offer, ranks.get(entry.offer_id), ahead, left_reason_label(entry.left_reason)))
    return FileHistory(application, _scores([application.id]).get(application.id), placements, entries)


# --- the rounds -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RoundRow:
    round: AllocationRound
    offers_made: int
    created_by: str


def rounds(campaign: Campaign) -> list[RoundRow]:
    """Every round but the simulations, latest first, with how many seats each offered."""
    from ..auth.models import User

    made = dict(db.session.execute(
        select(Placement.round_id, func.count(Placement.id)).join(AllocationRound, AllocationRound.id == Placement.round_id)
        .where(_real_rounds(campaign.id)).group_by(Placement.round_id)).all())
    found = db.session.execute(
        select(AllocationRound, User.full_name).outerjoin(User, User.id == AllocationRound.created_by_id)
        .where(_real_rounds(campaign.id)).order_by(AllocationRound.number.desc())).all()
    return [RoundRow(r, int(made.get(r.id, 0)), name or "") for r, name in found]
