"""Publishing round 1 (phase « délibération → affectation publiée »): the real allocation on the
campaign's standing, written as numbered seats, waiting lists in rank order and cut-offs; the
files moved through the status machine with their audit; the phase guard; once only.

The hand-checked world (offer A: 3 seats, 1 reserved; offer B: 2 seats, 1 reserved):

    file  sex score choices   round 1
    f0    M   18    A, B      A open seat 1
    f1    M   17    A         A open seat 2
    f2    M   16    A, B      B open seat 1     (A's reserved seat went to f3), waiting on A
    f3    F   15    A, B      A reserved seat 1
    f4    M   14    B, A      nothing           waiting on B (1st) and A (2nd)
    f5    F   13    A, B      B reserved seat 1 (a woman before f4 on B's reserved seat), waiting on A
    f6    M   12    B         nothing           waiting on B (2nd)
    f7    F   11    A         not retained      (her diploma opens none of her choices)
"""
from datetime import timedelta
from decimal import Decimal

import pytest

import factories



@pytest.fixture
def hand_world(placement_hand_world):
    return placement_hand_world


def _rows(db, model, **filters):
    return list(db.session.scalars(db.select(model).filter_by(**filters).order_by(model.id)))


def test_round_one_statuses_seats_waiting_lists_and_cutoffs(db, hand_world):
    from quota_app.applications.models import Application
    from quota_app.placement.models import AllocationRound, OfferCutoff, Placement, WaitingListEntry

    w = hand_world
    f = w.file_ids
    a, b = w.offer_ids
    campaign = w.campaign(db)
    assert campaign.phase == "published"
    statuses = {app.id: app.status for app in _rows(db, Application, campaign_id=w.campaign_id)}
    assert [statuses[i] for i in f] == ["placed", "placed", "placed", "placed", "waiting_list", "placed",
                                        "waiting_list", "not_selected"]

    (round_,) = _rows(db, AllocationRound, campaign_id=w.campaign_id)
    assert (round_.number, round_.kind, round_.published_at) == (1, "initial", w.published_at)
    assert round_.parameters["placed"] == 5 and round_.parameters["unplaced"] == 3

    seats = {p.application_id: (p.offer_id, p.seat_kind, p.seat_number, p.choice_rank, p.status)
             for p in _rows(db, Placement, round_id=round_.id)}
    assert seats == {
        f[0]: (a, "open", 1, 1, "offered"), f[1]: (a, "open", 2, 1, "offered"),
        f[3]: (a, "reserved", 1, 1, "offered"),
        f[2]: (b, "open", 1, 2, "offered"), f[5]: (b, "reserved", 1, 2, "offered"),
    }
    for placement in _rows(db, Placement, round_id=round_.id):
        assert placement.deadline == campaign.decision_deadline
        assert placement.offered_at == w.published_at and placement.decided_at is None

    lists = {}
    for entry in db.session.scalars(db.select(WaitingListEntry).where(WaitingListEntry.round_id == round_.id)
                                    .order_by(WaitingListEntry.offer_id, WaitingListEntry.position)):
        assert entry.active and entry.left_at is None
        lists.setdefault(entry.offer_id, []).append(entry.application_id)
    # In rank order; only the choices ranked above what the candidate obtained.
    assert lists == {a: [f[2], f[4], f[5]], b: [f[4], f[6]]}
    positions = {(e.offer_id, e.application_id): e.position for e in _rows(db, WaitingListEntry, round_id=round_.id)}
    assert positions[(a, f[2])] == 1 and positions[(a, f[5])] == 3 and positions[(b, f[6])] == 2

    cutoffs = {c.offer_id: (c.cutoff_score, c.seats_filled, c.reserved_cutoff_score, c.reserved_filled)
               for c in _rows(db, OfferCutoff, round_id=round_.id)}
    assert cutoffs == {a: (Decimal("17"), 2, Decimal("15"), 1), b: (Decimal("16"), 1, Decimal("13"), 1)}


def test_publication_is_audited_file_by_file_and_as_a_round(db, hand_world):
    from quota_app.audit.models import AuditEvent
    from quota_app.placement.models import AllocationRound

    w = hand_world
    events = _rows(db, AuditEvent, action="placement.publish")
    (round_event,) = [e for e in events if e.object_type == "allocation_rounds"]
    round_ = _rows(db, AllocationRound, campaign_id=w.campaign_id)[0]
    assert round_event.object_id == str(round_.id) and round_event.actor_id == w.manager_id
    assert round_event.after == {"round": 1, "placed": 5, "unplaced": 3, "waiting_entries": 5}
    moves = {int(e.object_id): (e.before["status"], e.after["status"]) for e in events
             if e.object_type == "applications"}
    f = w.file_ids
    assert moves == {f[0]: ("evaluated", "placed"), f[1]: ("evaluated", "placed"), f[2]: ("evaluated", "placed"),
                     f[3]: ("evaluated", "placed"), f[4]: ("evaluated", "waiting_list"),
                     f[5]: ("evaluated", "placed"), f[6]: ("evaluated", "waiting_list"),
                     f[7]: ("evaluated", "not_selected")}
    assert all(e.campaign_id == w.campaign_id for e in events)
    assert all(e.at == w.published_at for e in events if e.object_type == "applications")
    phase = [e for e in _rows(db, AuditEvent, action="campaign.phase") if e.after == {"phase": "published"}]
    assert len(phase) == 1


def test_each_candidate_is_told_after_the_commit(db, hand_world):
    from quota_app.notifications.models import OutboxMessage

    w = hand_world
    f = w.file_ids
    mails = {}
    for message in db.session.scalars(db.select(OutboxMessage).where(
            OutboxMessage.application_id.in_(f), OutboxMessage.channel == "email").order_by(OutboxMessage.id)):
        mails.setdefault(message.application_id, []).append(message)
    offered = [m for m in mails[f[0]] if "une place vous est proposée" in m.subject]
    assert len(offered) == 1 and "répondre avant le" in offered[0].body
    # f2 is placed on B and waits on A: both said.
    assert any("vos listes d'attente" in m.subject and "1e sur la liste d'attente" in m.body for m in mails[f[2]])
    (waiting,) = [m for m in mails[f[4]] if "liste d'attente" in m.subject]
    assert "1e sur la liste d'attente" in waiting.body and "2e sur la liste d'attente" in waiting.body
    (refused,) = [m for m in mails[f[7]] if "résultat de la sélection" in m.subject]
    assert "ne pouvons pas vous proposer de place" in refused.body


def test_a_second_publication_is_refused_and_writes_nothing(db, hand_world):
    from quota_app.campaigns import services as campaign_services
    from quota_app.errors import InvalidTransition
    from quota_app.placement import publication
    from quota_app.placement.models import AllocationRound, Placement

    w = hand_world
    campaign = w.campaign(db)
    before = db.session.scalar(db.select(db.func.count(Placement.id)))
    with pytest.raises(InvalidTransition, match="déjà publiées"):
        publication.publish(campaign, w.manager(db), w.published_at + timedelta(hours=1))
    db.session.rollback()
    with pytest.raises(InvalidTransition):
        campaign_services.transition(w.campaign(db), "published", w.manager(db), w.published_at + timedelta(hours=1))
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Placement.id))) == before
    assert db.session.scalar(db.select(db.func.count(AllocationRound.id))) == 1


def _nothing_published(db, w):
    from quota_app.applications.models import Application
    from quota_app.placement.models import AllocationRound, Placement, WaitingListEntry

    db.session.rollback()
    assert w.campaign(db).phase == "deliberation"
    for model in (AllocationRound, Placement, WaitingListEntry):
        assert db.session.scalar(db.select(db.func.count(model.id))) == 0
    assert "placed" not in set(db.session.scalars(db.select(Application.status)))


def test_the_phase_guard_refuses_without_a_validated_deliberation(db, placement_world):
    from quota_app.campaigns import services as campaign_services
    from quota_app.errors import InvalidTransition

    w = placement_world(offers=((2, 1),), n=3, publish=False, deliberation=False)
    with pytest.raises(InvalidTransition) as refused:
        campaign_services.transition(w.campaign(db), "published", w.manager(db), factories.NOW + timedelta(days=30))
    assert "La délibération n'a pas été validée par le président du comité." in refused.value.reasons
    _nothing_published(db, w)


def test_the_phase_guard_refuses_without_an_answer_deadline_or_with_a_past_one(db, placement_world):
    from quota_app.campaigns import services as campaign_services
    from quota_app.errors import InvalidTransition

    w = placement_world(offers=((2, 1),), n=3, publish=False)
    campaign = w.campaign(db)
    campaign.decision_deadline = None
    db.session.commit()
    with pytest.raises(InvalidTransition) as refused:
        campaign_services.transition(w.campaign(db), "published", w.manager(db), factories.NOW + timedelta(days=30))
    assert any("date limite de réponse" in r and "n'est pas fixée" in r for r in refused.value.reasons)
    _nothing_published(db, w)

    campaign = w.campaign(db)
    campaign.decision_deadline = factories.NOW + timedelta(days=29)
    db.session.commit()
    with pytest.raises(InvalidTransition) as refused:
        campaign_services.transition(w.campaign(db), "published", w.manager(db), factories.NOW + timedelta(days=30))
    assert any("est déjà passée" in r for r in refused.value.reasons)
    _nothing_published(db, w)

    campaign = w.campaign(db)
    campaign.decision_deadline = factories.NOW + timedelta(days=40)
    db.session.commit()
    campaign_services.transition(w.campaign(db), "published", w.manager(db), factories.NOW + timedelta(days=30))
    db.session.commit()
    assert w.campaign(db).phase == "published"


def test_publication_reads_the_standing_not_the_insertion_order(db, placement_world):
    """The best score gets the seat whatever the order in which the files were made; the
    waiting list follows the scores too."""
    from quota_app.placement.models import Placement, WaitingListEntry

    scores = [Decimal("10.5"), Decimal("15.25"), Decimal("12.125"), Decimal("14"), Decimal("9")]
    w = placement_world(offers=((2, 0),), sexes="MMMMM", choices=[[0]] * 5, scores=scores)
    f = w.file_ids
    held = dict(db.session.execute(db.select(Placement.application_id, Placement.seat_number)).all())
    assert held == {f[1]: 1, f[3]: 2}
    waiting = list(db.session.scalars(db.select(WaitingListEntry.application_id).order_by(WaitingListEntry.position)))
    assert waiting == [f[2], f[0], f[4]]


def test_an_unfilled_reserved_seat_goes_back_to_a_man_and_stays_reserved(db, placement_world):
    from quota_app.placement.models import OfferCutoff, Placement

    w = placement_world(offers=((2, 1),), sexes="MMM", choices=[[0]] * 3,
                        scores=[Decimal("15"), Decimal("14"), Decimal("13")])
    f = w.file_ids
    seats = {p.application_id: (p.seat_kind, p.seat_number) for p in db.session.scalars(db.select(Placement))}
    assert seats == {f[0]: ("open", 1), f[1]: ("reserved", 1)}
    cutoff = db.session.scalars(db.select(OfferCutoff)).one()
    assert (cutoff.cutoff_score, cutoff.reserved_cutoff_score, cutoff.reserved_filled) == (
        Decimal("15"), Decimal("14"), 1)
