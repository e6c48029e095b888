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


def phase_facts(campaign_id: int) -> dict:
    """What the placements tell the campaign (campaigns/stages.py): a real round published."""
    published = db.session.execute(
        select(func.count()).select_from(AllocationRound).where(
            AllocationRound.campaign_id == campaign_id, AllocationRound.kind != "simulation",
            AllocationRound.published_at.is_not(None))).scalar_one()
    return {"placements_published": int(published) > 0}


def offer_placed(offer_id: int) -> bool:
    return db.session.execute(
        select(Placement.id).where(Placement.offer_id == offer_id).limit(1)).first() is not None
