"""The placement's work on the queue: the messages of round 1 (after its commit) and the
periodic expiry of unanswered offers (silence at the deadline is a decline)."""
from __future__ import annotations

from huey import crontab
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..applications.models import Application
from ..extensions import db
from ..jobs.queue import task
from . import messages
from .explanations import explanations_for
from .models import AllocationRound, Placement, WaitingListEntry

BATCH = 500


def _positions(round_id: int, application_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    from ..applications.services import offer_label

    found: dict[int, list] = {}
    rows = db.session.execute(
        select(WaitingListEntry).where(WaitingListEntry.round_id == round_id,
                                       WaitingListEntry.application_id.in_(application_ids))
        .options(selectinload(WaitingListEntry.offer))).scalars()
    for entry in rows:
        found.setdefault(entry.application_id, []).append((offer_label(entry.offer), entry.position))
    return found


def send_round_messages(round_id: int) -> int:
    """Tell every file of round 1 its result; returns how many were told. Each batch commits."""
    round_ = db.session.get(AllocationRound, round_id)
    if round_ is None or round_.kind != "initial":
        return 0
    ids = list(db.session.scalars(select(Application.id).where(
        Application.campaign_id == round_.campaign_id,
        Application.status.in_(("placed", "waiting_list", "not_selected"))).order_by(Application.id)))
    told = 0
    for start in range(0, len(ids), BATCH):
        part = ids[start:start + BATCH]
        positions = _positions(round_id, part)
        placements = {p.application_id: p for p in db.session.scalars(
            select(Placement).where(Placement.round_id == round_id, Placement.application_id.in_(part)))}
        for application in db.session.scalars(select(Application).where(Application.id.in_(part))):
            placement = placements.get(application.id)
            if placement is not None:
                messages.notify_offer(application, placement)
                messages.notify_waiting_also(application, positions.get(application.id, []))
            elif application.status == "waiting_list":
                messages.notify_waiting(application, positions.get(application.id, []))
            else:
                messages.notify_not_selected(application, [e.text for e in explanations_for(application)])
            told += 1
        db.session.commit()
    return told


@task()
def notify_round(round_id: int) -> None:
    send_round_messages(round_id)


@task(periodic=crontab(minute="*/10"))
def expire_offers() -> None:
    from .services import expire_overdue

    expire_overdue()
    db.session.commit()
