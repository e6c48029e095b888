"""Seats after the publication: a freed seat goes to the best waiting candidate, a file's status
follows what it holds, and every operation that moves seats runs under the campaign's lock.

The promises, kept here and in the schema (models.py):
- a seat is never held by two people: each live placement (offered or accepted) holds one
  numbered seat of its offer, and a unique index refuses a second holder;
- no one who accepted ever loses their seat: nothing here releases an accepted placement but
  the candidate's own act (accepting a better seat, giving up, withdrawing the file);
- a candidate who moves up keeps the seat they hold until they accept the better one.

A freed seat (decline, expiry, withdrawal, a better seat accepted, seats added) goes to the
first active entry of that offer's waiting list, in rank order; a reserved seat first to the
first waiting woman (the campaign's reserved sex), else to the first waiting candidate. The
candidate gets an offer with the campaign's answer delay. Each event that promotes someone is a
round of kind "waiting_list", with its cause, its audit events and its messages.

Explicit arguments, no request; the caller commits once.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from ..applications.models import Application, ApplicationChoice
from ..audit.services import record
from ..campaigns.models import Campaign, Offer
from ..extensions import db
from .messages import notify_offer
from .models import AllocationRound, Placement, WaitingListEntry
from .seats import SEAT_HOLDING

SYSTEM = "system"


def lock(campaign_id: int) -> None:
    """Serialise every seat-moving operation of a campaign: the campaign's row FOR UPDATE on
    PostgreSQL (the others wait for this transaction to end); on SQLite, the write lock taken
    now (BEGIN IMMEDIATE), before anything is read. Called first by each operation."""
    if db.engine.dialect.name == "sqlite":
        driver = db.session.connection().connection.driver_connection
        if not driver.in_transaction:
            driver.execute("BEGIN IMMEDIATE")
        return
    db.session.execute(select(Campaign.id).where(Campaign.id == campaign_id).with_for_update())


BUSY = ("D'autres réponses sont en cours d'enregistrement pour cette campagne : votre demande n'a pas pu "
        "être traitée. Réessayez dans un instant.")


def lock_holding_rows(campaign_id: int, patience: float = 3.0) -> None:
    """The campaign's lock for a transaction that has already written rows a cascade may need
    (the withdrawal: the file's status is written by the hooks before this one). Waiting for
    the lock while holding such a row can deadlock with a cascade that holds the lock and
    waits for the row; so on PostgreSQL the lock is tried without waiting, again and again
    for `patience` seconds (a cascade waiting for one of our rows waits, it does not fail),
    then the act is refused (Conflict) and its rollback lets the cascade go on."""
    if db.engine.dialect.name != "postgresql":
        lock(campaign_id)
        return
    from time import monotonic, sleep

    from sqlalchemy.exc import OperationalError

    from ..errors import Conflict

    give_up_at = monotonic() + patience
    while True:
        try:
            with db.session.begin_nested():   # a refused NOWAIT must not spoil the transaction
                db.session.execute(select(Campaign.id).where(Campaign.id == campaign_id)
                                   .with_for_update(nowait=True))
            return
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != "55P03":  # lock_not_available
                raise
            if monotonic() > give_up_at:
                raise Conflict(BUSY) from error
            sleep(0.02)


class Event:
    """One act that may promote waiting candidates: its round is created at the first promotion."""

    def __init__(self, campaign: Campaign, actor, cause: str, now: datetime):
        self.campaign = campaign
        self.actor = actor
        self.cause = cause[:300]
        self.now = now
        self._round: AllocationRound | None = None
        self.promoted: list[Placement] = []
        self.freed: list[tuple[int, str]] = []   # (offer id, seat kind) left free: nobody waiting

    def round(self) -> AllocationRound:
        if self._round is None:
            number = db.session.scalar(select(func.coalesce(func.max(AllocationRound.number), 0))
                                       .where(AllocationRound.campaign_id == self.campaign.id)) + 1
            self._round = AllocationRound(
                campaign_id=self.campaign.id, number=number, kind="waiting_list", cause=self.cause,
                tie_break_rule=self.campaign.tie_break_rule, created_by_id=getattr(self.actor, "id", None),
                created_at=self.now, published_at=self.now)
            db.session.add(self._round)
            db.session.flush()
        return self._round


# The rows read under the lock are taken as the database has them now, even when the session
# read them earlier (the page, before the lock): otherwise a placement another request answered
# meanwhile keeps its old status and version here, and writing it fails (StaleDataError) or
# decides on what is no longer true. Pending changes are flushed before (autoflush).
FRESH = {"populate_existing": True}


def live_placements(application_id: int) -> list[Placement]:
    return list(db.session.scalars(select(Placement).where(
        Placement.application_id == application_id, Placement.status.in_(SEAT_HOLDING))
        .order_by(Placement.choice_rank).execution_options(**FRESH)))


def active_entries(application_id: int) -> list[WaitingListEntry]:
    return list(db.session.scalars(select(WaitingListEntry).where(
        WaitingListEntry.application_id == application_id, WaitingListEntry.active.is_(True))
        .execution_options(**FRESH)))


def leave_lists(application_id: int, reason: str, now: datetime, offer_ids=None) -> int:
    """Take the candidate off their waiting lists (all, or those of `offer_ids`)."""
    statement = (update(WaitingListEntry)
                 .where(WaitingListEntry.application_id == application_id, WaitingListEntry.active.is_(True))
                 .values(active=False, left_at=now, left_reason=reason)
                 .execution_options(synchronize_session="fetch"))
    if offer_ids is not None:
        offer_ids = list(offer_ids)
        if not offer_ids:
            return 0
        statement = statement.where(WaitingListEntry.offer_id.in_(offer_ids))
    return db.session.execute(statement).rowcount or 0


def settle(application: Application, actor, actor_kind: str, action: str) -> None:
    """Move the file to the status that says what it holds now (no move when it already does):
    an accepted seat → accepted; an offer → placed; only waiting lists → waiting list; nothing
    left → declined (a file that held or awaited a seat and has given it up)."""
    if application.status in ("withdrawn", "enrolled"):
        return
    live = live_placements(application.id)
    if any(p.status == "accepted" for p in live):
        target = "accepted"
    elif live:
        target = "placed"
    elif active_entries(application.id):
        target = "waiting_list"
    elif application.status == "not_selected":
        return
    else:
        target = "declined"
    if target != application.status:
        application.transition_to(target, actor, actor_kind, action=action)


def release(placement: Placement, status: str, event: Event) -> None:
    """The placement stops holding its seat (declined, expired, superseded, withdrawn), and the
    seat goes to the waiting list at once."""
    offer_id, kind, number = placement.offer_id, placement.seat_kind, placement.seat_number
    placement.status = status
    placement.decided_at = event.now
    db.session.flush()  # the seat is free in the database before anyone else takes it
    fill(offer_id, kind, number, event)


def _next_waiting(offer_id: int, seat_kind: str, reserved_sex: str | None):
    """(entry, file, the rank the file gave the offer) of the first candidate waiting for that
    seat, or None."""
    base = (select(WaitingListEntry, Application, ApplicationChoice.rank)
            .join(Application, Application.id == WaitingListEntry.application_id)
            .outerjoin(ApplicationChoice, (ApplicationChoice.application_id == WaitingListEntry.application_id)
                       & (ApplicationChoice.offer_id == WaitingListEntry.offer_id))
            .where(WaitingListEntry.offer_id == offer_id, WaitingListEntry.active.is_(True),
                   Application.status.in_(("placed", "accepted", "waiting_list")))
            .order_by(WaitingListEntry.position).limit(1).execution_options(**FRESH))
    if seat_kind == "reserved" and reserved_sex:
        found = db.session.execute(base.where(Application.sex == reserved_sex)).first()
        if found is not None:
            return found
    return db.session.execute(base).first()


def fill(offer_id: int, seat_kind: str, seat_number: int, event: Event) -> Placement | None:
    """Offer a free seat to the best waiting candidate for it; None when nobody waits."""
    found = _next_waiting(offer_id, seat_kind, event.campaign.reserved_sex)
    if found is None:
        event.freed.append((offer_id, seat_kind))
        return None
    entry, application, rank = found
    entry.active = False
    entry.left_at = event.now
    entry.left_reason = "offered"
    rank = rank or 1
    hours = event.campaign.waiting_list_answer_hours or 72
    placement = Placement(application_id=application.id, offer_id=offer_id, round_id=event.round().id,
                          choice_rank=rank, seat_kind=seat_kind, seat_number=seat_number, status="offered",
                          deadline=event.now + timedelta(hours=hours), offered_at=event.now)
    db.session.add(placement)
    db.session.flush()
    record(event.actor, "placement.offer", placement, campaign_id=event.campaign.id,
           after={"application_id": application.id, "offer_id": offer_id, "seat_kind": seat_kind,
                  "round": event.round().number, "position": entry.position},
           reason=event.cause)
    if application.status == "waiting_list":
        application.transition_to("placed", event.actor, SYSTEM, action="placement.promote", subject=placement)
    event.promoted.append(placement)
    notify_offer(application, placement, waiting_list=True)
    return placement


def free_seat_numbers(offer: Offer) -> list[tuple[str, int]]:
    """(seat kind, number) of the offer's seats that nobody holds."""
    held = set(db.session.execute(select(Placement.seat_kind, Placement.seat_number).where(
        Placement.offer_id == offer.id, Placement.status.in_(SEAT_HOLDING))).all())
    numbered = [("open", n) for n in range(1, offer.seats - offer.reserved_seats + 1)]
    numbered += [("reserved", n) for n in range(1, offer.reserved_seats + 1)]
    return [seat for seat in numbered if seat not in held]


def fill_free_seats(offer: Offer, event: Event) -> list[Placement]:
    """Every free seat of the offer to the waiting list, by the allocation's rule: the open
    seats first, by rank among everyone; then the reserved seats, first to the women still
    waiting. (Reserved seats first would hand the best waiting woman a reserved seat she does
    not need and give an open seat to a man ranked below the next waiting woman.)"""
    promoted = []
    for kind, number in sorted(free_seat_numbers(offer), key=lambda s: (s[0] == "reserved", s[1])):
        placement = fill(offer.id, kind, number, event)
        if placement is None:
            break  # nobody waits at all (a reserved seat falls back to anyone): the rest stay free
        promoted.append(placement)
    return promoted
