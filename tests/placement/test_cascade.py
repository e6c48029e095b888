"""After the publication: answers, the cascade of freed seats, expiry, deadline extensions, the
seat ledger, and a long random sequence of acts checked after every one of them.

Most tests play on the hand-checked world of test_publication.py (conftest.HAND_*):
    offer A (3 seats, 1 reserved): f0 open 1, f1 open 2, f3 (F) reserved 1; waiting: f2, f4, f5
    offer B (2 seats, 1 reserved): f2 open 1, f5 (F) reserved 1;             waiting: f4, f6
    f4 and f6 wait; f7 is not retained.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

import factories


# --- helpers -------------------------------------------------------------------------------

def services():
    from quota_app.placement import services as placement_services
    return placement_services


def app_of(db, application_id):
    from quota_app.applications.models import Application
    db.session.expire_all()
    return db.session.get(Application, application_id)


def live(db, application_id) -> list:
    from quota_app.placement.models import Placement
    db.session.expire_all()
    return list(db.session.scalars(db.select(Placement).where(
        Placement.application_id == application_id, Placement.status.in_(("offered", "accepted")))
        .order_by(Placement.choice_rank)))


def at(db, application_id, offer_id):
    """The file's live placement at that offer."""
    found = [p for p in live(db, application_id) if p.offer_id == offer_id]
    assert len(found) == 1, (application_id, offer_id, live(db, application_id))
    return found[0]


def holders(db, offer_id) -> dict:
    """(kind, number) -> (application id, status) of the offer's live placements."""
    from quota_app.placement.models import Placement
    db.session.expire_all()
    return {(p.seat_kind, p.seat_number): (p.application_id, p.status) for p in db.session.scalars(
        db.select(Placement).where(Placement.offer_id == offer_id, Placement.status.in_(("offered", "accepted"))))}


def waiting(db, offer_id) -> list[int]:
    from quota_app.placement.models import WaitingListEntry
    db.session.expire_all()
    return list(db.session.scalars(db.select(WaitingListEntry.application_id).where(
        WaitingListEntry.offer_id == offer_id, WaitingListEntry.active.is_(True))
        .order_by(WaitingListEntry.position)))


def entry(db, offer_id, application_id):
    from quota_app.placement.models import WaitingListEntry
    db.session.expire_all()
    return db.session.scalars(db.select(WaitingListEntry).filter_by(offer_id=offer_id,
                                                                   application_id=application_id)).one()


def events(db, action):
    from quota_app.audit.models import AuditEvent
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def rounds(db, campaign_id):
    from quota_app.placement.models import AllocationRound
    return list(db.session.scalars(db.select(AllocationRound).where(AllocationRound.campaign_id == campaign_id)
                                   .order_by(AllocationRound.number)))


def mails(db, application_id, subject_part):
    from quota_app.notifications.models import OutboxMessage
    return [m for m in db.session.scalars(db.select(OutboxMessage).where(
        OutboxMessage.application_id == application_id, OutboxMessage.channel == "email")) if subject_part in m.subject]


def accept(db, w, app_id, offer_id, now, keep=False):
    services().answer(w.owner(db, app_id), at(db, app_id, offer_id), "accept", now=now, keep_waiting=keep)
    db.session.commit()


def decline(db, w, app_id, offer_id, now):
    services().answer(w.owner(db, app_id), at(db, app_id, offer_id), "decline", now=now)
    db.session.commit()


@pytest.fixture
def hw(placement_hand_world):
    return placement_hand_world


# --- answers -------------------------------------------------------------------------------

def test_accepting_without_staying_on_the_waiting_lists(db, hw, pw_now, pw_check):
    f, (a, b) = hw.file_ids, hw.offer_ids
    accept(db, hw, f[2], b, pw_now, keep=False)
    placement = at(db, f[2], b)
    assert (placement.status, placement.keeps_waiting, placement.decided_at) == ("accepted", False, pw_now)
    assert app_of(db, f[2]).status == "accepted"
    gone = entry(db, a, f[2])
    assert (gone.active, gone.left_reason, gone.left_at) == (False, "gave_up", pw_now)
    assert waiting(db, a) == [f[4], f[5]]
    (event,) = [e for e in events(db, "placement.accept") if e.object_id == str(placement.id)]
    assert event.before["status"] == "placed" and event.after == {"status": "accepted", "placement": "accepted",
                                                                  "keeps_waiting": False}
    assert len(rounds(db, hw.campaign_id)) == 1  # nobody promoted
    pw_check(hw)


def test_accepting_and_staying_then_moving_up_keeps_the_seat_until_the_better_one_is_accepted(
        db, hw, pw_now, pw_check):
    f, (a, b) = hw.file_ids, hw.offer_ids
    campaign = hw.campaign(db)
    campaign.waiting_list_answer_hours = 48
    db.session.commit()
    accept(db, hw, f[2], b, pw_now, keep=True)
    assert waiting(db, a) == [f[2], f[4], f[5]]
    later = pw_now + timedelta(hours=3)
    decline(db, hw, f[0], a, later)
    # f2, first on A's list, is offered A's open seat 1 with the waiting-list delay...
    offered = at(db, f[2], a)
    assert (offered.status, offered.seat_kind, offered.seat_number) == ("offered", "open", 1)
    assert offered.deadline == later + timedelta(hours=48) and offered.offered_at == later
    second = rounds(db, hw.campaign_id)[-1]
    assert (second.number, second.kind, offered.round_id) == (2, "waiting_list", second.id)
    assert app_of(db, f[0]).reference in second.cause
    # ...and keeps the seat accepted on B: nobody else has it.
    assert at(db, f[2], b).status == "accepted" and app_of(db, f[2]).status == "accepted"
    assert holders(db, b)[("open", 1)] == (f[2], "accepted")
    assert waiting(db, b) == [f[4], f[6]]
    assert (entry(db, a, f[2]).active, entry(db, a, f[2]).left_reason) == (False, "offered")
    pw_check(hw)

    # Accepting A frees B's seat, which cascades to B's first waiting candidate.
    even_later = later + timedelta(hours=1)
    accept(db, hw, f[2], a, even_later)
    from quota_app.placement.models import Placement
    old = db.session.scalars(db.select(Placement).filter_by(application_id=f[2], offer_id=b)).one()
    assert (old.status, old.decided_at) == ("superseded", even_later)
    assert at(db, f[2], a).status == "accepted" and app_of(db, f[2]).status == "accepted"
    assert holders(db, b)[("open", 1)] == (f[4], "offered")
    assert app_of(db, f[4]).status == "placed" and waiting(db, b) == [f[6]]
    assert [r.number for r in rounds(db, hw.campaign_id)] == [1, 2, 3]
    promote = [e for e in events(db, "placement.promote") if e.object_id == str(at(db, f[4], b).id)]
    assert promote and promote[0].before["status"] == "waiting_list"
    assert mails(db, f[4], "une place vous est proposée")
    assert "Une place s'est libérée" in mails(db, f[4], "une place vous est proposée")[-1].body
    pw_check(hw)


def test_a_decline_goes_to_the_best_waiting_candidate_with_a_new_deadline(db, hw, pw_now, pw_check):
    f, (a, b) = hw.file_ids, hw.offer_ids
    decline(db, hw, f[1], a, pw_now)
    assert app_of(db, f[1]).status == "declined" and live(db, f[1]) == []
    offered = at(db, f[2], a)
    hours = hw.campaign(db).waiting_list_answer_hours
    assert hours == 72
    assert (offered.seat_kind, offered.seat_number, offered.deadline) == ("open", 2, pw_now + timedelta(hours=72))
    assert offered.choice_rank == 1
    # f2 moves up but keeps B until they answer A.
    assert [p.offer_id for p in live(db, f[2])] == [a, b] and app_of(db, f[2]).status == "placed"
    (offer_event,) = events(db, "placement.offer")
    assert offer_event.after["application_id"] == f[2] and offer_event.after["position"] == 1
    assert offer_event.reason == rounds(db, hw.campaign_id)[-1].cause
    assert [e.object_id for e in events(db, "placement.decline") if e.object_type == "placements"] == [str(
        db.session.scalars(db.select(type(offered)).filter_by(application_id=f[1])).one().id)]
    pw_check(hw)

    # f2 turns A down: A's seat goes on to f4 (waiting), f2 keeps B.
    decline(db, hw, f[2], a, pw_now + timedelta(hours=1))
    assert holders(db, a)[("open", 2)] == (f[4], "offered")
    assert app_of(db, f[4]).status == "placed" and app_of(db, f[2]).status == "placed"
    assert [p.offer_id for p in live(db, f[2])] == [b]
    pw_check(hw)


def test_a_reserved_seat_goes_first_to_the_best_waiting_woman_else_to_the_best_waiting_man(
        db, hw, pw_now, pw_check):
    f, (a, b) = hw.file_ids, hw.offer_ids
    decline(db, hw, f[3], a, pw_now)
    # A's list is f2 (M), f4 (M), f5 (F): the reserved seat skips the two men.
    assert holders(db, a)[("reserved", 1)] == (f[5], "offered")
    assert waiting(db, a) == [f[2], f[4]]
    pw_check(hw)
    # f5 accepts A: her reserved seat on B frees; B's list holds men only (f4, f6): f4 gets it,
    # still a reserved seat.
    accept(db, hw, f[5], a, pw_now + timedelta(hours=1))
    assert holders(db, b)[("reserved", 1)] == (f[4], "offered")
    assert app_of(db, f[5]).status == "accepted"
    pw_check(hw)


def test_a_late_answer_is_refused_and_changes_nothing(db, hw):
    from quota_app.errors import InvalidTransition

    f, (a, _b) = hw.file_ids, hw.offer_ids
    deadline = hw.campaign(db).decision_deadline
    with pytest.raises(InvalidTransition, match="date limite de réponse est dépassée"):
        services().answer(hw.owner(db, f[0]), at(db, f[0], a), "accept", now=deadline + timedelta(minutes=1))
    db.session.rollback()
    assert at(db, f[0], a).status == "offered" and app_of(db, f[0]).status == "placed"
    # At the deadline itself the answer is still on time.
    accept(db, hw, f[0], a, deadline)
    assert at(db, f[0], a).status == "accepted"


def test_the_same_answer_twice_changes_nothing_and_a_changed_answer_is_refused(db, hw, pw_now, pw_check):
    from quota_app.errors import InvalidTransition, ValidationFailed

    f, (a, _b) = hw.file_ids, hw.offer_ids
    accept(db, hw, f[0], a, pw_now)
    placement = at(db, f[0], a)
    version = placement.version
    count = len(events(db, "placement.accept"))
    services().answer(hw.owner(db, f[0]), placement, "accept", now=pw_now + timedelta(hours=1))
    db.session.commit()
    assert len(events(db, "placement.accept")) == count and at(db, f[0], a).version == version
    with pytest.raises(InvalidTransition, match="n'attend plus de réponse"):
        services().answer(hw.owner(db, f[0]), at(db, f[0], a), "decline", now=pw_now)
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        services().answer(hw.owner(db, f[1]), at(db, f[1], a), "peut-être", now=pw_now)
    db.session.rollback()

    decline(db, hw, f[1], a, pw_now)
    from quota_app.placement.models import Placement
    declined = db.session.scalars(db.select(Placement).filter_by(application_id=f[1])).one()
    before = (len(events(db, "placement.decline")), len(rounds(db, hw.campaign_id)), declined.version)
    services().answer(hw.owner(db, f[1]), declined, "decline", now=pw_now + timedelta(hours=1))
    db.session.commit()
    db.session.refresh(declined)
    assert (len(events(db, "placement.decline")), len(rounds(db, hw.campaign_id)), declined.version) == before
    with pytest.raises(InvalidTransition):
        services().answer(hw.owner(db, f[1]), declined, "accept", now=pw_now)
    db.session.rollback()
    pw_check(hw)


def test_giving_up_an_accepted_seat_frees_everything_the_file_holds(db, hw, pw_now, pw_check):
    from quota_app.errors import InvalidTransition

    f, (a, b) = hw.file_ids, hw.offer_ids
    with pytest.raises(InvalidTransition, match="Seule une place acceptée"):
        services().give_up(hw.owner(db, f[0]), at(db, f[0], a), now=pw_now)
    db.session.rollback()
    accept(db, hw, f[2], b, pw_now, keep=True)
    decline(db, hw, f[0], a, pw_now)               # f2 is offered A and keeps B
    accepted_b = at(db, f[2], b)
    services().give_up(hw.owner(db, f[2]), accepted_b, now=pw_now + timedelta(hours=1))
    db.session.commit()
    assert app_of(db, f[2]).status == "declined" and live(db, f[2]) == []
    # A's seat to f4 (first waiting on A), then B's seat to f4 as well (first waiting on B):
    # f4 holds both offers and chooses.
    assert holders(db, a)[("open", 1)] == (f[4], "offered")
    assert holders(db, b)[("open", 1)] == (f[4], "offered")
    assert [e.after for e in events(db, "placement.give_up")] == [{"status": "declined", "placement": "declined"}]
    pw_check(hw)
    # Twice: nothing more.
    count = len(rounds(db, hw.campaign_id))
    services().give_up(hw.owner(db, f[2]), accepted_b, now=pw_now + timedelta(hours=2))
    db.session.commit()
    assert len(rounds(db, hw.campaign_id)) == count and len(events(db, "placement.give_up")) == 1


def test_a_withdrawal_frees_the_seats_and_leaves_the_lists(db, hw, pw_now, pw_check):
    from quota_app.applications import services as application_services

    f, (a, b) = hw.file_ids, hw.offer_ids
    accept(db, hw, f[2], b, pw_now, keep=True)
    decline(db, hw, f[0], a, pw_now)               # f2: A offered, B accepted
    application_services.withdraw(hw.owner(db, f[2]), app_of(db, f[2]), now=pw_now + timedelta(hours=1))
    db.session.commit()
    from quota_app.placement.models import Placement
    mine = db.session.scalars(db.select(Placement).filter_by(application_id=f[2])).all()
    assert {p.offer_id: p.status for p in mine} == {a: "withdrawn", b: "withdrawn"}
    assert app_of(db, f[2]).status == "withdrawn"
    assert holders(db, a)[("open", 1)] == (f[4], "offered") and holders(db, b)[("open", 1)] == (f[4], "offered")
    assert rounds(db, hw.campaign_id)[-1].cause.startswith("Retrait du dossier")
    pw_check(hw)

    # A file that only waits withdraws: off its lists, no seat moves.
    count = len(rounds(db, hw.campaign_id))
    application_services.withdraw(hw.owner(db, f[6]), app_of(db, f[6]), now=pw_now + timedelta(hours=2))
    db.session.commit()
    assert (entry(db, b, f[6]).active, entry(db, b, f[6]).left_reason) == (False, "withdrawn")
    assert len(rounds(db, hw.campaign_id)) == count
    # An accepted file withdraws: its seat goes on (A's list: f5 after f4 was offered).
    accept(db, hw, f[1], a, pw_now + timedelta(hours=3))
    application_services.withdraw(hw.owner(db, f[1]), app_of(db, f[1]), now=pw_now + timedelta(hours=4))
    db.session.commit()
    assert holders(db, a)[("open", 2)] == (f[5], "offered")
    pw_check(hw)


def test_leaving_the_waiting_lists(db, hw, pw_now, pw_check):
    f, (a, b) = hw.file_ids, hw.offer_ids
    assert services().leave_waiting_lists(hw.owner(db, f[4]), app_of(db, f[4]), now=pw_now) == 2
    db.session.commit()
    assert app_of(db, f[4]).status == "declined"
    assert services().leave_waiting_lists(hw.owner(db, f[2]), app_of(db, f[2]), now=pw_now) == 1
    db.session.commit()
    assert app_of(db, f[2]).status == "placed" and waiting(db, a) == [f[5]]
    assert [e.after["lists_left"] for e in events(db, "placement.leave_waiting_lists")
            if "lists_left" in (e.after or {})] == [2, 1]
    # f4 had nothing left: declined, audited with the same action.
    assert [(e.object_id, e.after) for e in events(db, "placement.leave_waiting_lists") if "status" in e.after] == [
        (str(f[4]), {"status": "declined"})]
    decline(db, hw, f[0], a, pw_now)
    assert holders(db, a)[("open", 1)] == (f[5], "offered")
    pw_check(hw)


# --- expiry --------------------------------------------------------------------------------

def test_expiry_is_a_decline_takes_the_file_off_its_lists_and_runs_once(db, hw, pw_now, pw_check, pw_read):
    f, (a, b) = hw.file_ids, hw.offer_ids
    accept(db, hw, f[5], b, pw_now, keep=True)     # f5 waits on A, seat accepted on B
    decline(db, hw, f[1], a, pw_now)               # f2 offered A (72 h), keeps B offered
    assert services().expire_overdue(pw_now + timedelta(hours=72)) == 0   # not yet: at the deadline
    db.session.commit()
    assert services().expire_overdue(pw_now + timedelta(hours=73)) == 1
    db.session.commit()
    from quota_app.placement.models import Placement
    expired = db.session.scalars(db.select(Placement).filter_by(application_id=f[2], offer_id=a)).one()
    assert (expired.status, expired.decided_at) == ("expired", pw_now + timedelta(hours=73))
    assert at(db, f[2], b).status == "offered" and app_of(db, f[2]).status == "placed"
    assert holders(db, a)[("open", 2)] == (f[4], "offered")
    assert mails(db, f[2], "a expiré") and "le silence vaut refus" in mails(db, f[2], "a expiré")[0].body
    (event,) = [e for e in events(db, "placement.expire") if e.object_type == "placements"]
    assert event.actor_id is None and event.after == {"placement": "expired"}
    pw_check(hw)
    # Idempotent: a second run finds nothing and changes nothing.
    before = pw_read(hw)
    assert services().expire_overdue(pw_now + timedelta(hours=74)) == 0
    db.session.commit()
    assert pw_read(hw) == before and len(events(db, "placement.expire")) == 1  # f2 still placed: no move


def test_silence_at_the_first_deadline_declines_and_the_seats_go_on(db, hw, pw_check):
    f, (a, b) = hw.file_ids, hw.offer_ids
    after = hw.campaign(db).decision_deadline + timedelta(minutes=1)
    assert services().expire_overdue(after) == 5
    db.session.commit()
    statuses = {i: app_of(db, i).status for i in f}
    assert [statuses[i] for i in f] == ["declined", "declined", "placed", "declined", "placed", "placed",
                                        "placed", "not_selected"]
    assert holders(db, a) == {("open", 1): (f[2], "offered"), ("open", 2): (f[4], "offered"),
                              ("reserved", 1): (f[5], "offered")}
    assert holders(db, b) == {("open", 1): (f[4], "offered"), ("reserved", 1): (f[6], "offered")}
    expiry = [e for e in events(db, "placement.expire") if e.object_type == "placements"]
    assert len(expiry) == 5
    moved = {int(e.object_id): e.after["status"] for e in events(db, "placement.expire")
             if e.object_type == "applications"}
    assert moved == {f[0]: "declined", f[1]: "declined", f[3]: "declined"}
    for placement in live(db, f[4]):
        assert placement.deadline == after + timedelta(hours=72)
    pw_check(hw)
    assert services().expire_overdue(after + timedelta(minutes=1)) == 0


def test_the_periodic_task_expires_overdue_offers(db, hw, monkeypatch):
    from quota_app.placement import tasks

    f, (a, _b) = hw.file_ids, hw.offer_ids
    after = hw.campaign(db).decision_deadline + timedelta(minutes=1)
    monkeypatch.setattr(services(), "utcnow", lambda: after)
    tasks.expire_offers.run()
    assert app_of(db, f[0]).status == "declined"


# --- extension of a deadline ---------------------------------------------------------------

def test_extending_a_deadline_needs_a_reason_and_is_audited(db, hw, pw_now, pw_check):
    from quota_app.errors import InvalidTransition, ValidationFailed

    f, (a, _b) = hw.file_ids, hw.offer_ids
    manager = hw.manager(db)
    placement = at(db, f[0], a)
    old = placement.deadline
    new = old + timedelta(days=3)
    with pytest.raises(ValidationFailed) as refused:
        services().extend_deadline(manager, placement, new, "  ", now=pw_now)
    assert "reason" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        services().extend_deadline(manager, placement, "demain", "Hospitalisé", now=pw_now)
    assert "deadline" in refused.value.errors
    with pytest.raises(ValidationFailed):
        services().extend_deadline(manager, placement, old - timedelta(hours=1), "Hospitalisé", now=pw_now)
    db.session.rollback()
    services().extend_deadline(manager, at(db, f[0], a), new, " Hospitalisé ", now=pw_now)
    db.session.commit()
    assert at(db, f[0], a).deadline == new
    (event,) = events(db, "placement.extend")
    assert (event.actor_id, event.reason) == (manager.id, "Hospitalisé")
    assert event.before == {"deadline": old.isoformat()} and event.after == {"deadline": new.isoformat()}
    assert mails(db, f[0], "délai de réponse prolongé")
    # The others expire at the old deadline; f0 does not.
    services().expire_overdue(old + timedelta(minutes=1))
    db.session.commit()
    assert at(db, f[0], a).status == "offered"
    accept(db, hw, f[0], a, old + timedelta(hours=1))
    with pytest.raises(InvalidTransition):
        services().extend_deadline(manager, at(db, f[0], a), new + timedelta(days=1), "Encore", now=pw_now)
    db.session.rollback()
    pw_check(hw)


# --- seat ledger ---------------------------------------------------------------------------

def change_seats(db, w, offer_id, seats, reserved, reason="Courrier de l'OFPPT n° 12", now=None):
    from quota_app.campaigns.models import Offer
    from quota_app.placement import seat_ledger

    change = seat_ledger.change_seats(w.manager(db), db.session.get(Offer, offer_id), seats, reserved, reason,
                                      now or factories.NOW + timedelta(days=32))
    db.session.commit()
    return change


def test_added_seats_go_to_the_waiting_list_at_once(db, hw, pw_check):
    from quota_app.placement import seat_ledger

    f, (a, _b) = hw.file_ids, hw.offer_ids
    change = change_seats(db, hw, a, 5, 2)
    assert (change.seats_before, change.seats_after, change.reserved_before, change.reserved_after) == (3, 5, 1, 2)
    assert change.changed_by_id == hw.manager_id and change.reason == "Courrier de l'OFPPT n° 12"
    assert holders(db, a)[("open", 3)] == (f[2], "offered")
    assert holders(db, a)[("reserved", 2)] == (f[5], "offered")
    assert waiting(db, a) == [f[4]]
    (event,) = events(db, "offer.seats")
    assert event.before == {"seats": 3, "reserved_seats": 1} and event.after == {"seats": 5, "reserved_seats": 2}
    last = rounds(db, hw.campaign_id)[-1]
    assert last.kind == "waiting_list" and "Places modifiées" in last.cause
    assert [c.id for c in seat_ledger.ledger(a)] == [change.id]
    pw_check(hw)


def test_added_open_seats_are_filled_before_added_reserved_seats(db, placement_world, pw_check):
    """The rule: open seats by rank among everyone, then reserved seats among the women not yet
    chosen. Waiting F1, M1, F2 for one open and one reserved seat: F1 (open) and F2 (reserved),
    not F1 and M1."""
    w = placement_world(offers=((1, 0),), sexes="FFMF", choices=[[0]] * 4,
                        scores=[Decimal("18"), Decimal("17"), Decimal("16"), Decimal("15")])
    f, (a,) = w.file_ids, w.offer_ids
    change_seats(db, w, a, 3, 1)
    assert holders(db, a) == {("open", 1): (f[0], "offered"), ("open", 2): (f[1], "offered"),
                              ("reserved", 1): (f[3], "offered")}
    assert waiting(db, a) == [f[2]]
    pw_check(w)


def test_only_free_seats_can_be_removed_and_the_refusal_says_how_many_can_go(db, hw, placement_world, pw_check):
    from quota_app.campaigns.models import Offer, OfferSeatChange
    from quota_app.errors import InvalidTransition, ValidationFailed
    from quota_app.placement import seat_ledger

    f, (a, _b) = hw.file_ids, hw.offer_ids
    with pytest.raises(InvalidTransition) as refused:
        change_seats(db, hw, a, 2, 1)
    db.session.rollback()
    assert refused.value.reasons == ["0 place(s) ouverte(s) et 0 place(s) réservée(s) peuvent être retirées "
                                     "(les places proposées ou acceptées ne peuvent pas l'être)."]
    assert db.session.scalar(db.select(db.func.count(OfferSeatChange.id))) == 0
    for bad, field in (((-1, 0, "x"), "seats"), ((3, 4, "x"), "reserved"), ((3, 1, " "), "reason")):
        with pytest.raises(ValidationFailed) as refused:
            change_seats(db, hw, a, bad[0], bad[1], reason=bad[2])
        assert field in refused.value.errors
        db.session.rollback()
    with pytest.raises(ValidationFailed, match="n'a pas changé"):
        change_seats(db, hw, a, 3, 1)
    db.session.rollback()


def test_removing_free_seats_renumbers_the_held_ones_within_the_new_count(db, placement_world, pw_now, pw_check):
    from quota_app.campaigns.models import Offer
    from quota_app.errors import InvalidTransition
    from quota_app.placement import seat_ledger

    w = placement_world(offers=((5, 1),), sexes="MMM", choices=[[0]] * 3,
                        scores=[Decimal("18"), Decimal("17"), Decimal("16")])
    f, (a,) = w.file_ids, w.offer_ids
    accept(db, w, f[2], a, pw_now)
    decline(db, w, f[1], a, pw_now)                # seat open 2 free: nobody waits
    assert holders(db, a) == {("open", 1): (f[0], "offered"), ("open", 3): (f[2], "accepted")}
    room = seat_ledger.room(db.session.get(Offer, a))
    assert (room.removable_open, room.removable_reserved) == (2, 1)
    assert room.text.startswith("2 place(s) ouverte(s) et 1 place(s) réservée(s) peuvent être retirées")
    with pytest.raises(InvalidTransition):
        change_seats(db, w, a, 2, 1)               # one open seat for two holders
    db.session.rollback()
    change_seats(db, w, a, 2, 0)
    assert holders(db, a) == {("open", 1): (f[0], "offered"), ("open", 2): (f[2], "accepted")}
    assert len(seat_ledger.ledger(a)) == 1
    pw_check(w)


def test_a_seat_change_from_a_stale_page_is_refused(db, hw):
    from quota_app.campaigns.models import Offer
    from quota_app.errors import Conflict
    from quota_app.placement import seat_ledger

    a = hw.offer_ids[0]
    read = db.session.get(Offer, a).version
    change_seats(db, hw, a, 4, 1)
    with pytest.raises(Conflict):
        seat_ledger.change_seats(hw.manager(db), db.session.get(Offer, a), 5, 1, "Courrier",
                                 factories.NOW + timedelta(days=33), expected_version=read)
    db.session.rollback()
    assert db.session.get(Offer, a).seats == 4 and len(seat_ledger.ledger(a)) == 1


def test_the_ledger_opens_at_the_publication(db, placement_world):
    from quota_app.errors import InvalidTransition

    w = placement_world(offers=((2, 1),), n=3, publish=False)
    with pytest.raises(InvalidTransition, match="registre des places"):
        change_seats(db, w, w.offer_ids[0], 3, 1)


# --- a long random sequence ----------------------------------------------------------------

class Model:
    """What the rules say must hold, kept apart from the services: who waits on which list
    (from round 1's lists and the acts), who accepted which seat."""

    def __init__(self, world, state):
        self.w = world
        self.rank = {app: {offer: r for r, offer in enumerate(offers, 1)} for app, offers in world.choices.items()}
        self.lists = {offer: set(ids) for offer, ids in state.waiting.items()}
        self.accepted: dict[int, int] = {}        # application id -> accepted placement id

    def leave_all(self, app):
        for members in self.lists.values():
            members.discard(app)

    def leave_worse(self, app, rank):
        for offer, members in self.lists.items():
            if self.rank[app].get(offer, 99) > rank:
                members.discard(app)

    def best_for(self, offer, kind):
        members = sorted(self.lists.get(offer, ()), key=lambda a: -self.w.scores[a])
        if kind == "reserved":
            women = [a for a in members if self.w.sexes[a] == "F"]
            if women:
                return women[0]
        return members[0] if members else None

    def waiting_now(self):
        return {offer: set(ids) for offer, ids in self.lists.items() if ids}


def _replay(db, model, since, log, counts) -> int:
    """The act's promotions and expiries in the order they happened (audit ids after `since`):
    each offer went to the best candidate waiting for that seat at that moment. Returns the
    last audit id seen."""
    from quota_app.audit.models import AuditEvent
    from quota_app.placement.models import Placement

    for event in db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.id > since, AuditEvent.action.in_(("placement.offer", "placement.expire")),
            AuditEvent.object_type == "placements").order_by(AuditEvent.id)):
        since = event.id
        placement = db.session.get(Placement, int(event.object_id))
        if event.action == "placement.expire":
            model.leave_all(placement.application_id)
            continue
        best = model.best_for(placement.offer_id, placement.seat_kind)
        if placement.seat_kind == "reserved" and best != model.best_for(placement.offer_id, "open"):
            counts["woman first"] = counts.get("woman first", 0) + 1   # a woman ahead of a better man
        assert placement.application_id == best, (
            f"{log[-1]}: seat {placement.offer_id}/{placement.seat_kind} went to {placement.application_id}, "
            f"best waiting was {best} among {sorted(model.lists.get(placement.offer_id, ()))}")
        model.lists[placement.offer_id].discard(placement.application_id)
    return since


def test_a_long_random_sequence_keeps_every_promise(db, placement_forty_world, pw_now, pw_check, pw_read):
    counts: dict[str, int] = {}
    paths: dict[str, int] = {}
    episode = 0
    while sum(counts.values()) < ACTS and episode < 10:
        # The same published world each time (built once, then put back), another sequence,
        # until nothing is offered and nobody waits any more.
        w = placement_forty_world()
        _play(db, w, random.Random(20260601 + episode), pw_now, pw_check, pw_read, counts, paths)
        from quota_app.placement.models import Placement
        paths["superseded"] = paths.get("superseded", 0) + db.session.scalar(
            db.select(db.func.count(Placement.id)).where(Placement.status == "superseded"))
        episode += 1
    # The sequences went through every kind of act, and far enough, and through the paths that
    # matter: a reserved seat to a woman ahead of a better-ranked man, a file moving up while
    # holding a seat and then accepting the better one (its old seat superseded, freed, refilled).
    assert sum(counts.values()) >= ACTS, counts
    assert paths.get("woman first") and paths.get("superseded"), paths
    for kind in ("accept", "decline", "expire", "withdraw", "give_up", "leave", "seats", "again", "extend",
                 "refused"):
        assert counts.get(kind), (kind, counts)


ACTS = 300


def _play(db, w, rng, clock, pw_check, pw_read, counts, paths):
    from quota_app.applications import services as application_services
    from quota_app.applications.models import Application
    from quota_app.campaigns.models import Offer
    from quota_app.errors import DomainError, InvalidTransition
    from quota_app.placement import seat_ledger
    from quota_app.placement.models import Placement

    state = pw_check(w)
    model = Model(w, state)
    log: list[str] = []
    since = 0

    def offered():
        return [p for p in db.session.scalars(db.select(Placement).where(Placement.status == "offered")
                                              .order_by(Placement.id))]

    def accepted():
        return [p for p in db.session.scalars(db.select(Placement).where(Placement.status == "accepted")
                                              .order_by(Placement.id))]

    def files(*statuses):
        return list(db.session.scalars(db.select(Application).where(
            Application.campaign_id == w.campaign_id, Application.status.in_(statuses)).order_by(Application.id)))

    for step in range(ACTS):
        db.session.expire_all()
        if not offered() and not any(model.lists.values()):
            return
        clock += timedelta(minutes=rng.randint(1, 90))
        before = state          # as read after the last act (nothing moved since)
        own = set()            # whose accepted seat this act may free: the actor's own
        refused_expected = False
        kind = rng.choices(["accept", "decline", "expire", "withdraw", "give_up", "leave", "seats", "again",
                            "extend"], weights=[30, 16, 8, 4, 5, 4, 12, 8, 5])[0]
        try:
            if kind in ("accept", "decline", "extend"):
                choices = offered()
                if not choices:     # nothing to answer: the seats move some other way
                    kind = rng.choice(("seats", "give_up", "withdraw", "expire"))
                else:
                    p = rng.choice(choices)
                    app_id, offer_id, rank, deadline = p.application_id, p.offer_id, p.choice_rank, p.deadline
                    log.append(f"{step}: {kind} {app_id}@{offer_id}")
                    if kind == "extend":
                        new = max(deadline, clock) + timedelta(hours=rng.choice((12, 48)))
                        services().extend_deadline(w.manager(db), p, new, "Motif écrit", now=clock)
                    else:
                        keep = rng.random() < 0.5
                        late = clock > deadline
                        refused_expected = late
                        services().answer(w.owner(db, app_id), p, kind, now=clock, keep_waiting=keep)
                        assert not late, f"{log[-1]}: a late answer was taken"
                        if kind == "accept":
                            own.add(app_id)
                            model.accepted[app_id] = p.id
                            if keep:
                                model.leave_worse(app_id, rank)
                            else:
                                model.leave_all(app_id)
            if kind == "expire":
                clock += timedelta(hours=rng.choice((6, 24, 48, 80)))
                log.append(f"{step}: expire at {clock}")
                services().expire_overdue(clock)
            elif kind == "withdraw":
                candidates = files("placed", "accepted", "waiting_list", "not_selected")
                if candidates:
                    application = rng.choice(candidates)
                    log.append(f"{step}: withdraw {application.id}")
                    own.add(application.id)
                    application_services.withdraw(w.owner(db, application.id), application, now=clock)
                    model.leave_all(application.id)
                    model.accepted.pop(application.id, None)
            elif kind == "give_up":
                choices = accepted()
                if choices:
                    p = rng.choice(choices)
                    log.append(f"{step}: give up {p.application_id}@{p.offer_id}")
                    own.add(p.application_id)
                    services().give_up(w.owner(db, p.application_id), p, now=clock)
                    model.leave_all(p.application_id)
                    model.accepted.pop(p.application_id, None)
            elif kind == "leave":
                candidates = [a for a in files("placed", "accepted", "waiting_list")
                              if any(a.id in members for members in model.lists.values())]
                if candidates:
                    application = rng.choice(candidates)
                    log.append(f"{step}: leave lists {application.id}")
                    services().leave_waiting_lists(w.owner(db, application.id), application, now=clock)
                    model.leave_all(application.id)
            elif kind == "seats":
                offer = db.session.get(Offer, rng.choice(w.offer_ids))
                room = seat_ledger.room(offer)
                roll = rng.random()
                if roll < 0.4:
                    seats, reserved = offer.seats + rng.randint(1, 2), offer.reserved_seats + rng.randint(0, 1)
                elif roll < 0.8 and (room.removable_open or room.removable_reserved):
                    cut_open = rng.randint(0, room.removable_open)
                    cut_reserved = rng.randint(0 if cut_open else 1, room.removable_reserved) \
                        if room.removable_reserved else 0
                    if not cut_open and not cut_reserved:
                        cut_open = 1
                    seats, reserved = offer.seats - cut_open - cut_reserved, offer.reserved_seats - cut_reserved
                else:
                    refused_expected = True
                    seats, reserved = offer.seats - room.removable_open - 1, offer.reserved_seats
                    if seats < reserved or seats < 0:
                        seats, reserved = offer.seats - 1, offer.reserved_seats - room.removable_reserved - 1
                log.append(f"{step}: seats {offer.id} {offer.seats}/{offer.reserved_seats} -> {seats}/{reserved}")
                seat_ledger.change_seats(w.manager(db), offer, seats, reserved, "Courrier", clock)
                assert not refused_expected, f"{log[-1]}: a seat held was removed"
            elif kind == "again":
                done = [p for p in db.session.scalars(db.select(Placement).where(
                    Placement.status.in_(("accepted", "declined"))))]
                if done:
                    p = rng.choice(done)
                    log.append(f"{step}: again {p.status} {p.application_id}@{p.offer_id}")
                    services().answer(w.owner(db, p.application_id), p,
                                      "accept" if p.status == "accepted" else "decline", now=clock)
                    assert pw_read(w) == before, f"{log[-1]}: the same answer twice changed something"
            db.session.commit()
        except DomainError as refusal:
            db.session.rollback()
            assert refused_expected and isinstance(refusal, InvalidTransition), (log[-1:], refusal)
            # A refusal changes nothing.
            assert pw_read(w) == before, f"{log[-1]}: a refused act changed something"
            counts["refused"] = counts.get("refused", 0) + 1
            continue
        counts[kind] = counts.get(kind, 0) + 1
        since = _replay(db, model, since, log, paths)
        state = pw_check(w)
        assert model.waiting_now() == {o: set(ids) for o, ids in state.waiting.items() if ids}, log[-1:]
        # No one who accepted lost their seat, except by their own act.
        accepted_now = {h[0]: pid for pid, h in state.holders.items() if h[4] == "accepted"}
        for app_id, pid in model.accepted.items():
            assert accepted_now.get(app_id) == pid, f"{log[-1]}: {app_id} lost accepted seat {pid}"
        assert set(accepted_now) == set(model.accepted), log[-1:]
        # A free seat means nobody waits for it (a reserved seat falls back to anyone).
        for offer_id, (seats, reserved) in state.seats.items():
            held = sum(1 for h in state.holders.values() if h[1] == offer_id)
            if held < seats:
                assert not model.lists.get(offer_id), f"{log[-1]}: free seat at {offer_id} while some wait"
