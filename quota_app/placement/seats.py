"""Seats held in published (non-simulation) allocation rounds: the fill other pages show."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from .models import AllocationRound, Placement

# A placement holds its seat while it is offered or accepted.
SEAT_HOLDING = ("offered", "accepted")


def held_seats(campaign_id: int) -> dict[tuple[int, str], int]:
    """(offer id, status) -> placements holding a seat of that offer."""
    return {(offer_id, status): n for offer_id, status, n in db.session.execute(
        select(Placement.offer_id, Placement.status, func.count(Placement.id))
        .join(AllocationRound, AllocationRound.id == Placement.round_id)
        .where(AllocationRound.campaign_id == campaign_id, AllocationRound.kind != "simulation",
               Placement.status.in_(SEAT_HOLDING))
        .group_by(Placement.offer_id, Placement.status))}


def placed_offers(campaign_id: int) -> dict[int, int]:
    """application id -> offer id of its live placement (offered or accepted)."""
    return dict(db.session.execute(
        select(Placement.application_id, Placement.offer_id)
        .join(AllocationRound, AllocationRound.id == Placement.round_id)
        .where(AllocationRound.campaign_id == campaign_id, AllocationRound.kind != "simulation",
               Placement.status.in_(SEAT_HOLDING))).all())
