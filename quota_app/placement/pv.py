"""The placement's procès-verbal: round 1 of a campaign as it was published, sealed once.

The PV prints the rule (allocation.RULE_TEXT) and the campaign's tie rule, then for each offer
its seats (open and reserved, as at the publication), its cut-offs, its main list in rank order
(reference, name, final score, seat kind, choice rank) and its waiting list (position,
reference, name, score), and the totals. It is a sealed document of kind "placement_list"
(documents/sealing.py), verifiable at /verifier/<code>, numbered like the committee's PV:
PV-AFF-<campaign code>-<year of the publication>.

What it lists is round 1's rows (its placements and waiting-list entries, whatever happened to
them since): sealing it today or next month gives the same content. It is sealed once per
campaign: the first request seals it, under a lock on round 1's row (on SQLite, the database's
write lock), and every later one, even one released at the same moment, gets that document.

Rows are read with a few Core queries (no ORM object per candidate) and the lists are printed
as fixed-width lines, several per table row, so that a PV of 20,000 candidates and their
waiting lists is laid out in seconds, not minutes.

Explicit arguments, no request; the caller commits once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from sqlalchemy import select

from ..applications.models import Application
from ..applications.status import STATUSES
from ..audit.services import record
from ..campaigns.models import Campaign, Offer
from ..committee.deliberating import tie_rule_description
from ..committee.scoring import fr_number
from ..committee.standing import campaign_standing
from ..documents import render_pdf, seal
from ..documents.models import SealedDocument
from ..documents.sealing import verification_url
from ..errors import NotAllowed, NotFound
from ..extensions import db
from ..reference.models import Establishment, Programme
from ..timeutil import utcnow
from . import cascade
from .allocation import RULE_TEXT
from .models import AllocationRound, OfferCutoff, Placement, WaitingListEntry
from .publication import published_round

KIND = "placement_list"
TEMPLATE = "documents/placement_pv.html"
LINES_PER_BLOCK = 25  # lines of a list printed in one table row (a row never splits across pages)
NOT_PUBLISHED = "Le procès-verbal d'affectation n'existe qu'une fois les affectations publiées (tour 1)."
NOT_SEALED = "Le procès-verbal d'affectation n'est pas encore scellé."
SEAT_KIND_LABELS = {"open": "ouverte", "reserved": "réservée"}


def full_name(last_name, first_names) -> str:
    return " ".join(p for p in ((last_name or "").upper(), first_names or "") if p)


def ranks(campaign) -> dict[int, tuple[int, Decimal]]:
    """application id -> (its rank in the campaign's one standing, its final score): the order
    the allocation used (every file with a final score, whatever its status since)."""
    return {s.application_id: (position, s.final_score)
            for position, s in enumerate(campaign_standing(campaign, STATUSES), 1)}


def pv_number(campaign: Campaign, round_: AllocationRound) -> str:
    """PV-AFF-<campaign code>-<year>: public (the verification page shows it), no name."""
    return f"PV-AFF-{campaign.code}-{(round_.published_at or round_.created_at).year}"


def pv_title(campaign: Campaign) -> str:
    """The sealed document's public title: the campaign's code only."""
    return f"Procès-verbal d'affectation — campagne {campaign.code} — tour 1"


# --- what the PV prints -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MainRow:
    rank: int | None
    reference: str
    name: str
    score: Decimal | None
    seat_kind: str
    choice_rank: int
    seat_number: int


@dataclass(frozen=True, slots=True)
class WaitingRow:
    position: int
    rank: int | None
    reference: str
    name: str
    score: Decimal | None


@dataclass
class OfferSection:
    id: int
    code: str
    programme: str
    establishment: str
    seats: int
    reserved: int
    cutoff: Decimal | None = None
    reserved_cutoff: Decimal | None = None
    main: list[MainRow] = field(default_factory=list)
    waiting: list[WaitingRow] = field(default_factory=list)

    @property
    def open_seats(self) -> int:
        return self.seats - self.reserved

    @property
    def open_filled(self) -> int:
        return sum(1 for r in self.main if r.seat_kind == "open")

    @property
    def reserved_filled(self) -> int:
        return sum(1 for r in self.main if r.seat_kind == "reserved")


@dataclass(frozen=True)
class Totals:
    offers: int
    seats: int
    reserved: int
    placed: int
    placed_open: int
    placed_reserved: int
    waiting_entries: int
    waiting_candidates: int
    candidates: int | None
    unplaced: int | None


@dataclass
class PlacementMinutes:
    """Everything the PV prints (templates/documents/placement_pv.html)."""

    number: str
    campaign: Campaign
    round: AllocationRound
    rule_text: str
    tie_rule_text: str
    offers: list[OfferSection]

    @cached_property
    def totals(self) -> Totals:
        parameters = self.round.parameters or {}
        placed_open = sum(o.open_filled for o in self.offers)
        placed_reserved = sum(o.reserved_filled for o in self.offers)
        return Totals(
            offers=len(self.offers), seats=sum(o.seats for o in self.offers),
            reserved=sum(o.reserved for o in self.offers), placed=placed_open + placed_reserved,
            placed_open=placed_open, placed_reserved=placed_reserved,
            waiting_entries=sum(len(o.waiting) for o in self.offers),
            waiting_candidates=len({r.reference for o in self.offers for r in o.waiting}),
            candidates=parameters.get("candidates"), unplaced=parameters.get("unplaced"))

    def score(self, value) -> str:
        return "—" if value is None else fr_number(value, 3)

    def canonical(self) -> dict:
        """What the seal's content hash vouches for: the lists by reference (no names)."""
        return {
            "document": KIND, "number": self.number, "campaign": self.campaign.code, "round": self.round.number,
            "published_at": self.round.published_at, "rule": self.rule_text, "tie_rule": self.tie_rule_text,
            "offers": [{"code": o.code, "seats": o.seats, "reserved": o.reserved, "cutoff": o.cutoff,
                        "reserved_cutoff": o.reserved_cutoff,
                        "main": [[r.rank, r.reference, r.score, r.seat_kind, r.choice_rank] for r in o.main],
                        "waiting": [[r.position, r.rank, r.reference, r.score] for r in o.waiting]}
                       for o in self.offers],
            "totals": {"seats": self.totals.seats, "reserved": self.totals.reserved, "placed": self.totals.placed,
                       "waiting_entries": self.totals.waiting_entries},
        }

    # The lists are printed as fixed-width text, LINES_PER_BLOCK lines per table row under a
    # heading that repeats on each page: WeasyPrint lays out a cell per value far slower.
    @cached_property
    def _widths(self) -> tuple[int, int, int]:
        rows = [r for o in self.offers for r in (*o.main, *o.waiting)]
        rank = max([4, *(len(str(r.rank)) for r in rows if r.rank is not None)])
        reference = max([7, *(len(r.reference) for r in rows)])
        position = max([4, *(len(str(len(o.waiting))) for o in self.offers)])
        return rank, reference, position

    def main_header(self) -> str:
        rank, reference, _position = self._widths
        return "  ".join([f"{'Rang':>{rank}}", f"{'Dossier':<{reference}}", f"{'Note':>7}", f"{'Place':<8}",
                          "Choix", "Nom et prénoms"])

    def main_line(self, row: MainRow) -> str:
        rank, reference, _position = self._widths
        return "  ".join([f"{'—' if row.rank is None else row.rank:>{rank}}", f"{row.reference:<{reference}}",
                          f"{self.score(row.score):>7}", f"{SEAT_KIND_LABELS.get(row.seat_kind, row.seat_kind):<8}",
                          f"{row.choice_rank:>5}", row.name])

    def waiting_header(self) -> str:
        rank, reference, position = self._widths
        return "  ".join([f"{'Pos.':>{position}}", f"{'Rang':>{rank}}", f"{'Dossier':<{reference}}",
                          f"{'Note':>7}", "Nom et prénoms"])

    def waiting_line(self, row: WaitingRow) -> str:
        rank, reference, position = self._widths
        return "  ".join([f"{row.position:>{position}}", f"{'—' if row.rank is None else row.rank:>{rank}}",
                          f"{row.reference:<{reference}}", f"{self.score(row.score):>7}", row.name])

    @cached_property
    def _code_width(self) -> int:
        return max([5, *(len(o.code) for o in self.offers)])

    def _summary(self, code, seats, reserved, open_filled, reserved_filled, cutoff, reserved_cutoff, waiting) -> str:
        return "  ".join([f"{code:<{self._code_width}}", f"{seats:>6}", f"{reserved:>9}", f"{open_filled:>10}",
                          f"{reserved_filled:>10}", f"{cutoff:>13}", f"{reserved_cutoff:>13}", f"{waiting:>8}"])

    def summary_header(self) -> str:
        return self._summary("Offre", "Places", "Réservées", "Affectés :", "Affectés :", "Dernier admis", "Dernier admis",
                             "Attente") + "\n" + self._summary("", "", "", "ouvertes", "réservées", "ouvertes",
                                                               "réservées", "")

    def summary_blocks(self) -> list[str]:
        return self.blocks(self._summary(o.code, o.seats, o.reserved, o.open_filled, o.reserved_filled,
                                         self.score(o.cutoff), self.score(o.reserved_cutoff), len(o.waiting))
                           for o in self.offers)

    def summary_total(self) -> str:
        t = self.totals
        return self._summary("Total", t.seats, t.reserved, t.placed_open, t.placed_reserved, "", "", t.waiting_entries)

    @staticmethod
    def blocks(lines) -> list[str]:
        lines = list(lines)
        return ["\n".join(lines[i:i + LINES_PER_BLOCK]) for i in range(0, len(lines), LINES_PER_BLOCK)]

    def main_blocks(self, offer: OfferSection) -> list[str]:
        return self.blocks(self.main_line(r) for r in offer.main)

    def waiting_blocks(self, offer: OfferSection) -> list[str]:
        return self.blocks(self.waiting_line(r) for r in offer.waiting)


def _sort_key(rank: int | None, fallback: int):
    return (rank is None, rank or 0, fallback)


def minutes_data(campaign: Campaign, round_: AllocationRound, number: str | None = None) -> PlacementMinutes:
    """Round 1's lists, offer by offer, in five Core queries and the campaign's standing."""
    standing = ranks(campaign)
    seats_at_publication = (round_.parameters or {}).get("seats") or {}
    offers: dict[int, OfferSection] = {}
    for offer_id, code, programme, establishment, city, seats, reserved in db.session.execute(
            select(Offer.id, Offer.code, Programme.title, Establishment.name, Establishment.city, Offer.seats,
                   Offer.reserved_seats)
            .join(Programme, Programme.id == Offer.programme_id)
            .join(Establishment, Establishment.id == Offer.establishment_id)
            .where(Offer.campaign_id == campaign.id).order_by(Offer.code, Offer.id)):
        seats, reserved = seats_at_publication.get(str(offer_id), (seats, reserved))
        offers[offer_id] = OfferSection(offer_id, code, programme, f"{establishment} ({city})" if city else establishment,
                                        int(seats), int(reserved))
    for offer_id, cutoff, reserved_cutoff in db.session.execute(
            select(OfferCutoff.offer_id, OfferCutoff.cutoff_score, OfferCutoff.reserved_cutoff_score)
            .where(OfferCutoff.round_id == round_.id)):
        if offer_id in offers:
            offers[offer_id].cutoff, offers[offer_id].reserved_cutoff = cutoff, reserved_cutoff
    main: dict[int, list[tuple]] = {}
    for (offer_id, app_id, seat_kind, seat_number, choice_rank, reference, last_name,
         first_names) in db.session.execute(
            select(Placement.offer_id, Placement.application_id, Placement.seat_kind, Placement.seat_number,
                   Placement.choice_rank, Application.reference, Application.last_name, Application.first_names)
            .join(Application, Application.id == Placement.application_id)
            .where(Placement.round_id == round_.id)):
        rank, score = standing.get(app_id, (None, None))
        main.setdefault(offer_id, []).append(
            (_sort_key(rank, seat_number), MainRow(rank, reference or f"#{app_id}", full_name(last_name, first_names),
                                                   score, seat_kind, choice_rank, seat_number)))
    for offer_id, rows in main.items():
        if offer_id in offers:
            offers[offer_id].main = [row for _key, row in sorted(rows, key=lambda item: item[0])]
    for offer_id, position, app_id, reference, last_name, first_names in db.session.execute(
            select(WaitingListEntry.offer_id, WaitingListEntry.position, WaitingListEntry.application_id,
                   Application.reference, Application.last_name, Application.first_names)
            .join(Application, Application.id == WaitingListEntry.application_id)
            .where(WaitingListEntry.round_id == round_.id)
            .order_by(WaitingListEntry.offer_id, WaitingListEntry.position)):
        if offer_id in offers:
            rank, score = standing.get(app_id, (None, None))
            offers[offer_id].waiting.append(WaitingRow(position, rank, reference or f"#{app_id}",
                                                       full_name(last_name, first_names), score))
    return PlacementMinutes(number=number or pv_number(campaign, round_), campaign=campaign, round=round_,
                            rule_text=RULE_TEXT, tie_rule_text=tie_rule_description(campaign),
                            offers=list(offers.values()))


# --- the services -----------------------------------------------------------------------------

def _campaign(campaign_id) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("Campagne introuvable.")
    return campaign


def _published(campaign: Campaign) -> AllocationRound | None:
    round_ = published_round(campaign.id)
    return round_ if round_ is not None and round_.published_at is not None else None


def sealed_document(campaign: Campaign, round_: AllocationRound) -> SealedDocument | None:
    """The campaign's sealed PV (not revoked), if it was sealed."""
    return db.session.scalars(
        select(SealedDocument).where(SealedDocument.kind == KIND, SealedDocument.number == pv_number(campaign, round_),
                                     SealedDocument.revoked_at.is_(None))
        .order_by(SealedDocument.id).limit(1)).first()


def _lock(round_: AllocationRound) -> None:
    """One sealing at a time per campaign: round 1's row FOR NO KEY UPDATE on PostgreSQL (the
    seat-moving operations, which lock the campaign's row, go on meanwhile); on SQLite the
    write lock, taken before the PV is looked up."""
    if db.engine.dialect.name == "sqlite":
        cascade.lock(round_.campaign_id)
        return
    db.session.execute(select(AllocationRound.id).where(AllocationRound.id == round_.id)
                       .with_for_update(key_share=True))


@dataclass(frozen=True)
class PvPage:
    """The manager's page: is round 1 published, and is its PV sealed."""

    campaign: Campaign
    round: AllocationRound | None
    document: SealedDocument | None

    @property
    def published(self) -> bool:
        return self.round is not None

    @property
    def verification_url(self) -> str | None:
        return verification_url(self.document.token) if self.document is not None else None


def pv_page(campaign_id) -> PvPage:
    campaign = _campaign(campaign_id)
    round_ = _published(campaign)
    return PvPage(campaign, round_, sealed_document(campaign, round_) if round_ is not None else None)


def seal_pv(actor, campaign_id, now: datetime | None = None) -> tuple[SealedDocument, bool]:
    """Seal the campaign's placement PV, once: (the document, whether this call sealed it).
    A second call, even one made at the same moment, returns the first one's document."""
    campaign = _campaign(campaign_id)
    round_ = _published(campaign)
    if round_ is None:
        raise NotAllowed(NOT_PUBLISHED)
    _lock(round_)
    existing = sealed_document(campaign, round_)
    if existing is not None:
        return existing, False
    now = (now or utcnow()).replace(microsecond=0)
    minutes = minutes_data(campaign, round_)
    document, _pdf = seal(KIND, minutes.number, pv_title(campaign), minutes.canonical(),
                          lambda s: render_pdf(TEMPLATE, seal=s, pv=minutes), created_by=actor, sealed_at=now)
    record(actor, "placement.pv.seal", document, campaign_id=campaign.id,
           after={"number": document.number, "round": round_.number, "placed": minutes.totals.placed,
                  "waiting_entries": minutes.totals.waiting_entries, "content_sha256": document.content_sha256})
    return document, True


def pv_download(actor, campaign_id, ip: str | None = None) -> SealedDocument:
    """The sealed PV, for its download (audited); refused in French before it is sealed."""
    campaign = _campaign(campaign_id)
    round_ = _published(campaign)
    if round_ is None:
        raise NotAllowed(NOT_PUBLISHED)
    document = sealed_document(campaign, round_)
    if document is None:
        raise NotAllowed(NOT_SEALED)
    record(actor, "placement.pv.download", document, campaign_id=campaign.id,
           after={"number": document.number}, ip_address=ip)
    return document
