"""The placement's work on the queue: the messages of round 1 (after its commit) and the
periodic expiry of unanswered offers (silence at the deadline is a decline)."""
from __future__ import annotations

from flask import current_app
from huey import crontab
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..applications.models import Application
from ..extensions import db
from ..jobs.aftercommit import after_commit
from ..jobs.queue import task
from ..timeutil import utcnow
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
    """Tell every file of round 1 its result, once (a second run finds the round marked and
    sends nothing); returns how many were told. The mark, then each batch, commits."""
    round_ = db.session.get(AllocationRound, round_id)
    if round_ is None or round_.kind != "initial" or (round_.parameters or {}).get("messages_at"):
        return 0
    round_.parameters = {**(round_.parameters or {}), "messages_at": utcnow().isoformat()}
    db.session.commit()
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
    # A context of its own, hence a session of its own: in immediate mode this runs inside the
    # publishing session's after_commit hook, where that session may not emit SQL.
    with current_app.app_context():
        send_round_messages(round_id)


def after_publication(round_id: int) -> None:
    """Called by the publication: the round's messages are queued once its transaction commits
    (whichever page moved the campaign), never for a transaction that rolls back."""
    after_commit(notify_round, round_id)


@task(periodic=crontab(minute="*/10"))
def expire_offers() -> None:
    from .services import expire_overdue

    expire_overdue()
    db.session.commit()


@task(periodic=crontab(minute="5"))
def remind_offers() -> None:
    """Every hour: the reminder 24 hours before each answer deadline."""
    from .reminders import remind_due

    remind_due()
    db.session.commit()
