"""Seats that change after the publication (OFPPT adds places to an offer, or withdraws some):
each change is an entry of the offer's seat ledger (campaigns.models.OfferSeatChange: who, when,
why, before and after). Added seats go to the waiting list at once, by the same rule as a freed
seat; removed seats can only be seats nobody holds (never a seat offered or accepted).

Explicit arguments, no request; the caller commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..audit.services import record
from ..campaigns.models import Offer, OfferSeatChange
from ..errors import Conflict, InvalidTransition, ValidationFailed
from ..extensions import db
from . import cascade
from .models import Placement
from .seats import SEAT_HOLDING

LEDGER_PHASES = ("published",)


@dataclass(frozen=True)
class SeatRoom:
    """How far an offer's seats can go down: the seats held, by kind, are the floor."""

    seats: int
    reserved: int
    held_open: int
    held_reserved: int

    @property
    def removable_open(self) -> int:
        return self.seats - self.reserved - self.held_open

    @property
    def removable_reserved(self) -> int:
        return self.reserved - self.held_reserved

    @property
    def text(self) -> str:
        return (f"{self.removable_open} place(s) ouverte(s) et {self.removable_reserved} place(s) réservée(s) "
                "peuvent être retirées (les places proposées ou acceptées ne peuvent pas l'être).")


def room(offer: Offer) -> SeatRoom:
    held = dict(db.session.execute(
        select(Placement.seat_kind, func.count(Placement.id))
        .where(Placement.offer_id == offer.id, Placement.status.in_(SEAT_HOLDING))
        .group_by(Placement.seat_kind)).all())
    return SeatRoom(offer.seats, offer.reserved_seats, int(held.get("open", 0)), int(held.get("reserved", 0)))


def _renumber(offer: Offer, kind: str, count: int) -> None:
    """The held seats of one kind numbered 1..h again, so that they fit in the new count."""
    holders = list(db.session.scalars(select(Placement).where(
        Placement.offer_id == offer.id, Placement.seat_kind == kind, Placement.status.in_(SEAT_HOLDING))
        .order_by(Placement.seat_number).execution_options(**cascade.FRESH)))
    if all(p.seat_number <= count for p in holders):
        return
    # Two steps, so that no two live placements share a number at any flush.
    for p in holders:
        p.seat_number += 10_000
    db.session.flush()
    for number, p in enumerate(holders, 1):
        p.seat_number = number
    db.session.flush()


def change_seats(actor, offer: Offer, seats, reserved, reason: str, now: datetime,
                 expected_version=None) -> OfferSeatChange:
    reason = (reason or "").strip()
    errors = {}
    if not isinstance(seats, int) or seats < 0:
        errors["seats"] = "Le nombre de places est un entier positif ou nul."
    if not isinstance(reserved, int) or reserved < 0:
        errors["reserved"] = "Le nombre de places réservées est un entier positif ou nul."
    elif isinstance(seats, int) and reserved > seats:
        errors["reserved"] = "Les places réservées ne peuvent pas dépasser le nombre de places."
    if not reason:
        errors["reason"] = "Indiquez le motif du changement (par exemple, le courrier de l'OFPPT)."
    if errors:
        raise ValidationFailed("Le changement de places n'est pas valide.", errors=errors)
    cascade.lock(offer.campaign_id)
    db.session.refresh(offer)
    if offer.campaign.phase not in LEDGER_PHASES:
        raise InvalidTransition("Le registre des places s'ouvre à la publication des affectations ; avant, "
                                "modifiez l'offre dans la campagne ou faites une simulation.")
    if expected_version is not None and str(expected_version) != str(offer.version):
        raise Conflict("Cette offre a été modifiée entre-temps. Rechargez la page et recommencez.")
    if seats == offer.seats and reserved == offer.reserved_seats:
        raise ValidationFailed("Le nombre de places n'a pas changé.")
    current = room(offer)
    if seats - reserved < current.held_open or reserved < current.held_reserved:
        raise InvalidTransition("Des places proposées ou acceptées ne peuvent pas être retirées.",
                                reasons=[current.text])
    change = OfferSeatChange(offer_id=offer.id, campaign_id=offer.campaign_id, changed_by_id=getattr(actor, "id", None),
                             changed_at=now, reason=reason, seats_before=offer.seats, seats_after=seats,
                             reserved_before=offer.reserved_seats, reserved_after=reserved)
    db.session.add(change)
    _renumber(offer, "open", seats - reserved)
    _renumber(offer, "reserved", reserved)
    offer.seats, offer.reserved_seats = seats, reserved
    db.session.flush()
    record(actor, "offer.seats", offer, campaign_id=offer.campaign_id,
           before={"seats": change.seats_before, "reserved_seats": change.reserved_before},
           after={"seats": seats, "reserved_seats": reserved}, reason=reason)
    event = cascade.Event(offer.campaign, actor, f"Places modifiées : {offer.code} ({reason})", now)
    cascade.fill_free_seats(offer, event)
    return change


def ledger(offer_id: int) -> list[OfferSeatChange]:
    return list(db.session.scalars(select(OfferSeatChange).where(OfferSeatChange.offer_id == offer_id)
                                   .order_by(OfferSeatChange.changed_at.desc(), OfferSeatChange.id.desc())))
