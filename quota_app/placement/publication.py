"""Publishing the placements (phase « délibération → affectation publiée »): the allocation runs
on the locked standing and round 1 is written: the placements offered with the campaign's
answer deadline, each offer's waiting list in rank order, its cut-offs; every evaluated file
moves through the status machine (placed, waiting list, not retained). The messages leave
afterwards, from the queue (`notify_round`), so that the publication of 100,000 files is one
short transaction.

Explicit arguments, no request; the caller commits once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select

from ..applications.models import Application
from ..audit.services import record
from ..errors import InvalidTransition
from ..extensions import db
from . import cascade
from .allocation import allocate
from .inputs import load
from .models import AllocationRound, OfferCutoff, Placement, WaitingListEntry
from .tasks import after_publication

CHUNK = 5000


def published_round(campaign_id: int) -> AllocationRound | None:
    return db.session.scalar(select(AllocationRound).where(
        AllocationRound.campaign_id == campaign_id, AllocationRound.kind == "initial"))


def _seat_rows(result, inputs, round_id: int, deadline, now) -> list[dict]:
    """One row per placed candidate, seats numbered per offer and kind in rank order."""
    priority = {c.id: c.priority for c in inputs.candidates}
    counters: dict[tuple[int, str], int] = {}
    rows = []
    for app_id, (offer_id, kind) in sorted(result.placed.items(), key=lambda item: priority[item[0]]):
        number = counters[(offer_id, kind)] = counters.get((offer_id, kind), 0) + 1
        rows.append({"application_id": app_id, "offer_id": offer_id, "round_id": round_id,
                     "choice_rank": inputs.choice_ranks[app_id][offer_id], "seat_kind": kind,
                     "seat_number": number, "status": "offered", "deadline": deadline, "offered_at": now,
                     "version": 1})
    return rows


def _write(model, rows: list[dict]) -> None:
    """Core executemany on the session's connection (the ORM's bulk insert path costs as much
    again per row, for rows the session never needs as objects)."""
    conn = db.session.connection()
    table = model.__table__
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[start:start + CHUNK])


def publish(campaign, actor, now: datetime) -> AllocationRound:
    """Round 1, written once. Called by the campaign's move to « affectation publiée »
    (features.py registers it as that phase's action), after the phase guard has passed."""
    cascade.lock(campaign.id)
    if published_round(campaign.id) is not None:
        raise InvalidTransition("Les affectations de cette campagne sont déjà publiées.")
    inputs = load(campaign)
    result = allocate(inputs.offers, inputs.candidates)
    number = db.session.scalar(select(func.coalesce(func.max(AllocationRound.number), 0))
                               .where(AllocationRound.campaign_id == campaign.id)) + 1
    round_ = AllocationRound(
        campaign_id=campaign.id, number=number, kind="initial", tie_break_rule=campaign.tie_break_rule,
        created_by_id=getattr(actor, "id", None), created_at=now, published_at=now,
        cause="Publication des affectations",
        parameters={"candidates": len(inputs.candidates), "placed": len(result.placed),
                    "unplaced": len(result.unplaced),
                    "seats": {str(o.id): [o.seats, o.reserved] for o in inputs.offers}})
    db.session.add(round_)
    db.session.flush()
    _write(Placement, _seat_rows(result, inputs, round_.id, campaign.decision_deadline, now))
    _write(WaitingListEntry, [
        {"round_id": round_.id, "offer_id": offer_id, "application_id": app_id, "position": position,
         "active": True}
        for offer_id, waiting in result.waiting.items() for position, app_id in enumerate(waiting, 1)])
    _write(OfferCutoff, [
        {"round_id": round_.id, "offer_id": offer_id, "cutoff_score": c.open_score, "seats_filled": c.open_filled,
         "reserved_cutoff_score": c.reserved_score, "reserved_filled": c.reserved_filled}
        for offer_id, c in result.cutoffs.items()])
    waiting_ids = {app_id for waiting in result.waiting.values() for app_id in waiting}
    targets = {c.id: ("placed" if c.id in result.placed else "waiting_list" if c.id in waiting_ids
                      else "not_selected") for c in inputs.candidates}
    Application.transition_all(campaign.id, "evaluated", targets, actor, cascade.SYSTEM,
                               action="placement.publish", at=now)
    record(actor, "placement.publish", round_, campaign_id=campaign.id,
           after={"round": number, "placed": len(result.placed), "unplaced": len(result.unplaced),
                  "waiting_entries": sum(len(w) for w in result.waiting.values())})
    after_publication(round_.id)
    # The ORM objects read before the Core writes are stale now.
    db.session.flush()
    db.session.expire_all()
    return round_


def on_phase(campaign, target: str, actor, now: datetime) -> None:
    """The campaign's phase action (campaigns/stages.py): moving to « affectation publiée »
    publishes round 1; nothing else happens on the other moves."""
    if target == "published":
        publish(campaign, actor, now)
