"""What happens to a published placement: the candidate accepts or declines before the deadline
(and, on accepting, stays or not on the waiting lists of better choices), gives up the waiting
lists, withdraws the file; silence at the deadline is a decline; a manager extends one
deadline with a reason. Each act frees what it frees and the seat goes on (cascade.py).

Explicit arguments, no request; the caller commits once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..applications import status as status_machine
from ..applications.models import Application, ApplicationChoice
from ..applications.services import own_application
from ..audit.services import record
from ..campaigns.models import Campaign
from ..errors import InvalidTransition, NotFound, ValidationFailed
from ..extensions import db
from ..timeutil import utcnow
from . import cascade
from .messages import notify_expired, notify_extended
from .models import Placement, WaitingListEntry

ANSWERS = {"accept": "accepted", "decline": "declined"}
ANSWER_PHASES = ("published",)
CLOSED = "Les affectations de cette campagne ne sont plus ouvertes aux réponses."


def own_placement(user, placement_id) -> Placement:
    """The user's own placement, or NotFound (another's id looks exactly like a missing one)."""
    placement = db.session.get(Placement, placement_id) if isinstance(placement_id, int) else None
    if placement is None:
        raise NotFound("Affectation introuvable.")
    own_application(user, placement.application_id)
    return placement


def live_placement(application) -> Placement | None:
    """The seat the file holds: its accepted placement, else its best offered one."""
    live = cascade.live_placements(application.id)
    accepted = [p for p in live if p.status == "accepted"]
    return accepted[0] if accepted else (live[0] if live else None)


def _locked(placement: Placement) -> Placement:
    """Take the campaign's lock, then read the placement again: what another act changed
    meanwhile is seen here, not overwritten."""
    cascade.lock(placement.application.campaign_id)
    db.session.refresh(placement)
    db.session.refresh(placement.application)
    return placement


def _campaign(placement: Placement) -> Campaign:
    campaign = placement.application.campaign
    if campaign.phase not in ANSWER_PHASES:
        raise InvalidTransition(CLOSED)
    return campaign


def answer(user, placement: Placement, choice: str | None, now: datetime | None = None,
           keep_waiting: bool = False) -> None:
    """Accept or decline an offered placement. The same answer twice changes nothing; a late
    answer is refused; an accepted seat is given up with give_up, its own confirmed act."""
    new_status = ANSWERS.get(choice or "")
    if new_status is None:
        raise ValidationFailed("Choisissez d'accepter ou de refuser la place.")
    now = now or utcnow()
    placement = _locked(placement)
    if placement.status == new_status:
        return
    campaign = _campaign(placement)
    if placement.status != "offered":
        raise InvalidTransition("Cette affectation n'attend plus de réponse.")
    if placement.deadline is not None and now > placement.deadline:
        raise InvalidTransition("La date limite de réponse est dépassée.")
    event = cascade.Event(campaign, user, f"Réponse de {placement.application.reference}", now)
    if new_status == "accepted":
        _accept(user, placement, keep_waiting, event)
    else:
        _decline(user, placement, event)


def _accept(user, placement: Placement, keep_waiting: bool, event: cascade.Event) -> None:
    application = placement.application
    before = application.status
    if before != "accepted":  # refused by the status table: nothing has changed yet
        status_machine.check_move(before, "accepted", "applicant")
    others = [p for p in cascade.live_placements(application.id) if p.id != placement.id]
    # The seat accepted before (a worse choice) is freed only now, and before this one is
    # marked accepted: never two accepted seats, even for the length of a flush.
    for other in others:
        if other.choice_rank > placement.choice_rank or other.status == "accepted":
            cascade.release(other, "superseded", event)
        elif not keep_waiting:
            cascade.release(other, "declined", event)
    placement.status = "accepted"
    placement.decided_at = event.now
    placement.keeps_waiting = bool(keep_waiting)
    db.session.flush()
    worse = _offers_ranked(application.id, lambda rank: rank > placement.choice_rank)
    cascade.leave_lists(application.id, "moved_up", event.now, worse)
    if not keep_waiting:
        cascade.leave_lists(application.id, "gave_up", event.now)
    if before != "accepted":
        application.transition_to("accepted", user, "applicant", action="placement.accept", subject=placement,
                                  after={"placement": "accepted", "keeps_waiting": bool(keep_waiting)})
    else:
        record(user, "placement.accept", placement, campaign_id=application.campaign_id,
               before={"status": before}, after={"placement": "accepted", "keeps_waiting": bool(keep_waiting)})


def _decline(user, placement: Placement, event: cascade.Event) -> None:
    application = placement.application
    cascade.release(placement, "declined", event)
    record(user, "placement.decline", placement, campaign_id=application.campaign_id,
           before={"placement": "offered"}, after={"placement": "declined"})
    cascade.settle(application, user, "applicant", "placement.decline")


def give_up(user, placement: Placement, now: datetime | None = None) -> None:
    """The candidate gives up the seat they accepted (se désister): every seat and waiting list
    of the file goes to the next candidates. Twice changes nothing."""
    now = now or utcnow()
    placement = _locked(placement)
    if placement.status == "declined" and placement.application.status == "declined":
        return
    _campaign(placement)
    if placement.status != "accepted":
        raise InvalidTransition("Seule une place acceptée peut faire l'objet d'un désistement.")
    application = placement.application
    event = cascade.Event(application.campaign, user, f"Désistement de {application.reference}", now)
    application.transition_to("declined", user, "applicant", action="placement.give_up", subject=placement,
                              before={"placement": "accepted"}, after={"placement": "declined"})
    for live in cascade.live_placements(application.id):
        cascade.release(live, "declined", event)
    cascade.leave_lists(application.id, "gave_up", now)


def leave_waiting_lists(user, application, now: datetime | None = None) -> int:
    """The candidate leaves every waiting list (keeping any seat they hold)."""
    now = now or utcnow()
    cascade.lock(application.campaign_id)
    db.session.refresh(application)
    if application.campaign.phase not in ANSWER_PHASES:
        raise InvalidTransition(CLOSED)
    left = cascade.leave_lists(application.id, "gave_up", now)
    if left:
        record(user, "placement.leave_waiting_lists", application, after={"lists_left": left})
        cascade.settle(application, user, "applicant", "placement.leave_waiting_lists")
    return left


def _offers_ranked(application_id: int, keep) -> list[int]:
    return [offer_id for offer_id, rank in db.session.execute(
        select(ApplicationChoice.offer_id, ApplicationChoice.rank)
        .where(ApplicationChoice.application_id == application_id)) if keep(rank)]


def extend_deadline(actor, placement: Placement, deadline, reason: str, now: datetime | None = None) -> None:
    """A manager gives one candidate more time to answer, with a written reason (audited)."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Indiquez le motif de la prolongation.", errors={"reason": "Motif obligatoire."})
    if not isinstance(deadline, datetime):
        raise ValidationFailed("Indiquez la nouvelle date limite.", errors={"deadline": "Date invalide."})
    placement = _locked(placement)
    _campaign(placement)
    if placement.status != "offered":
        raise InvalidTransition("Seule une place proposée, en attente de réponse, peut voir son délai prolongé.")
    if deadline <= now or (placement.deadline is not None and deadline <= placement.deadline):
        raise ValidationFailed("La nouvelle date limite doit être postérieure à la date limite actuelle "
                               "et à maintenant.", errors={"deadline": "La nouvelle date limite doit être postérieure à la date limite actuelle et à maintenant."})
    before = placement.deadline
    placement.deadline = deadline
    record(actor, "placement.extend", placement, campaign_id=placement.application.campaign_id,
           before={"deadline": before}, after={"deadline": deadline}, reason=reason)
    notify_extended(placement.application, placement)


def expire_overdue(now: datetime | None = None, campaign_id: int | None = None) -> int:
    """Silence at the deadline is a decline: every offer still unanswered after its deadline
    expires, its seat goes to the waiting list, and the candidate leaves the waiting lists.
    Idempotent (an offer expires once; a second run finds nothing); returns how many expired."""
    now = now or utcnow()
    campaigns = select(Campaign).where(Campaign.phase.in_(ANSWER_PHASES))
    if campaign_id is not None:
        campaigns = campaigns.where(Campaign.id == campaign_id)
    expired = 0
    for campaign in db.session.scalars(campaigns).all():
        cascade.lock(campaign.id)
        overdue = db.session.scalars(
            select(Placement).join(Application, Application.id == Placement.application_id)
            .where(Placement.status == "offered", Placement.deadline < now, Application.campaign_id == campaign.id)
            .order_by(Placement.deadline, Placement.id).execution_options(**cascade.FRESH)).all()
        if not overdue:
            continue
        event = cascade.Event(campaign, None, "Expiration des délais de réponse", now)
        for placement in overdue:
            db.session.refresh(placement)
            if placement.status != "offered":
                continue
            application = placement.application
            cascade.release(placement, "expired", event)
            cascade.leave_lists(application.id, "expired", now)
            record(None, "placement.expire", placement, campaign_id=campaign.id,
                   before={"placement": "offered", "deadline": placement.deadline}, after={"placement": "expired"})
            cascade.settle(application, None, cascade.SYSTEM, "placement.expire")
            notify_expired(application, placement)
            expired += 1
    return expired


def withdraw_for_applicant(actor, application, now) -> None:
    """The applicant withdrew the file (applications/hooks.py): its seats and waiting lists go on.

    The file's row is written before this hook runs (its new status, flushed by the hooks
    before this one): waiting for the campaign's lock while holding it could deadlock with a
    cascade that holds the lock and is promoting this very file (PostgreSQL would kill one of
    the two: a 500). So the lock is taken by cascade.lock_holding_rows, which never waits
    while holding the row: the withdrawal is refused instead, in French, after a few seconds.
    (Taking the lock in applications.services.withdraw before the status changes would spare
    that wait.)"""
    # Nothing held and no list: nothing can come to this file any more (seats come from lists).
    holds = db.session.execute(select(Placement.id).where(
        Placement.application_id == application.id, Placement.status.in_(cascade.SEAT_HOLDING))
        .limit(1)).first()
    waits = db.session.execute(select(WaitingListEntry.id).where(
        WaitingListEntry.application_id == application.id, WaitingListEntry.active.is_(True))
        .limit(1)).first()
    if holds is None and waits is None:
        return
    cascade.lock_holding_rows(application.campaign_id)
    live = cascade.live_placements(application.id)
    event = cascade.Event(application.campaign, actor, f"Retrait du dossier {application.reference}", now)
    for placement in live:
        cascade.release(placement, "withdrawn", event)
    cascade.leave_lists(application.id, "withdrawn", now)

