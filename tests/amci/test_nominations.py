"""Nominations from accepted placements, in the campaign's order; the joint committee's
answers and what they do to seats (amci/nominations.py, amci/effects.py)."""
from __future__ import annotations

import pytest

import factories
from datetime import timedelta

ANSWERED = factories.NOW + timedelta(days=31)


def _nominations(db, campaign_id):
    from quota_app.amci.models import Nomination
    return db.session.scalars(db.select(Nomination).where(Nomination.campaign_id == campaign_id)
                              .order_by(Nomination.position)).all()


def test_only_accepted_placements_are_nominated_in_the_campaigns_order(db, amci_world):
    from quota_app.amci.nominations import nominate, pending_acceptances

    w = amci_world()
    assert pending_acceptances(w.campaign_id) == len(w.accepted) > 0
    run = nominate(w.world.manager(db), w.campaign_id, now=ANSWERED)
    db.session.commit()
    assert (run.added, run.withdrawn, run.total) == (len(w.accepted), 0, len(w.accepted))
    rows = _nominations(db, w.campaign_id)
    assert [n.application_id for n in rows] == w.accepted   # best first
    assert not set(w.waiting) & {n.application_id for n in rows}
    assert all(n.status == "proposed" and n.placement_id and n.offer_id for n in rows)
    again = nominate(w.world.manager(db), w.campaign_id, now=ANSWERED)
    assert (again.added, again.withdrawn) == (0, 0)
    assert pending_acceptances(w.campaign_id) == 0


def test_nominating_before_publication_is_refused_in_french(db, placement_world):
    from quota_app.amci.nominations import nominate
    from quota_app.errors import InvalidTransition

    world = placement_world(offers=((2, 1),), n=4, publish=False)
    with pytest.raises(InvalidTransition, match="publiez d'abord"):
        nominate(world.manager(db), world.campaign_id)


def test_a_candidate_who_gives_up_is_withdrawn_from_the_list(db, amci_world):
    from quota_app.amci.nominations import nominate
    from quota_app.placement import services
    from quota_app.placement.models import Placement

    w = amci_world()
    nominate(w.world.manager(db), w.campaign_id, now=ANSWERED)
    db.session.commit()
    leaver = w.accepted[0]
    placement = db.session.scalars(db.select(Placement).where(
        Placement.application_id == leaver, Placement.status == "accepted")).one()
    services.give_up(w.world.owner(db, leaver), placement, now=ANSWERED)
    db.session.commit()
    run = nominate(w.world.manager(db), w.campaign_id, now=ANSWERED)
    db.session.commit()
    assert run.withdrawn == 1
    statuses = {n.application_id: n.status for n in _nominations(db, w.campaign_id)}
    assert statuses[leaver] == "withdrawn"


def test_a_refusal_frees_the_seat_for_the_waiting_list_and_the_promoted_candidate_is_nominated_later(db, amci_world):
    from quota_app.amci import effects
    from quota_app.amci.nominations import nominate
    from quota_app.applications.models import Application
    from quota_app.placement.models import Placement
    from quota_app.placement import services
    from quota_app.notifications.models import OutboxMessage

    w = amci_world()
    assert w.waiting, "the world has someone waiting"
    manager = w.world.manager(db)
    nominate(manager, w.campaign_id, now=ANSWERED)
    db.session.commit()
    refused = _nominations(db, w.campaign_id)[0]
    refused_id = refused.application_id
    held = db.session.scalars(db.select(Placement).where(
        Placement.application_id == refused_id, Placement.status == "accepted")).one()
    seat = (held.offer_id, held.seat_kind, held.seat_number)
    assert effects.free_seat(manager, refused, "refused", "Dossier incomplet à l'AMCI", now=ANSWERED) is True
    db.session.commit()
    assert db.session.get(Application, refused_id).status == "amci_refused"
    assert db.session.get(Placement, held.id).status == "refused"
    taker = db.session.scalars(db.select(Placement).where(
        Placement.offer_id == seat[0], Placement.seat_kind == seat[1], Placement.seat_number == seat[2],
        Placement.status == "offered")).one()
    assert db.session.get(Application, taker.application_id).status == "placed"
    # The second click changes nothing.
    assert effects.free_seat(manager, refused, "refused", "Dossier incomplet à l'AMCI", now=ANSWERED) is False
    # The candidate was told.
    bodies = [m.body for m in db.session.scalars(db.select(OutboxMessage)) if "commission mixte" in (m.body or "")]
    assert any("Dossier incomplet" in b for b in bodies)
    services.answer(w.world.owner(db, taker.application_id), taker, "accept", now=ANSWERED)
    db.session.commit()
    run = nominate(manager, w.campaign_id, now=ANSWERED)
    assert run.added == 1


def test_a_refusal_needs_a_reason(db, amci_world):
    from quota_app.amci import effects
    from quota_app.amci.nominations import nominate
    from quota_app.errors import ValidationFailed

    w = amci_world()
    nominate(w.world.manager(db), w.campaign_id, now=ANSWERED)
    with pytest.raises(ValidationFailed):
        effects.free_seat(w.world.manager(db), _nominations(db, w.campaign_id)[0], "refused", "  ")


def test_reorientation_moves_the_placement_and_the_seat_counts(db, amci_world):
    from quota_app.amci import effects
    from quota_app.amci.nominations import nominate
    from quota_app.campaigns.models import Offer, OfferSeatChange
    from quota_app.placement.models import Placement

    w = amci_world()
    manager = w.world.manager(db)
    nominate(manager, w.campaign_id, now=ANSWERED)
    db.session.commit()
    nomination = _nominations(db, w.campaign_id)[0]
    old = db.session.get(Placement, nomination.placement_id)
    target = db.session.get(Offer, next(o for o in w.world.offer_ids if o != old.offer_id))
    seats_before = target.seats
    assert effects.reorient(manager, nomination, target, "Filière plus proche du diplôme", now=ANSWERED) is True
    db.session.commit()
    assert db.session.get(Placement, old.id).status == "reoriented"
    moved = db.session.get(Placement, nomination.placement_id)
    assert (moved.offer_id, moved.status) == (target.id, "accepted")
    assert nomination.status == "reoriented" and nomination.final_offer_id == target.id
    # The target was full: a seat was added for the candidate, in the offer's ledger.
    assert db.session.get(Offer, target.id).seats == seats_before + 1
    assert db.session.scalars(db.select(OfferSeatChange).where(OfferSeatChange.offer_id == target.id)).one()
    # The old seat went to the waiting list.
    assert db.session.scalars(db.select(Placement).where(
        Placement.offer_id == old.offer_id, Placement.seat_kind == old.seat_kind,
        Placement.seat_number == old.seat_number, Placement.status == "offered")).first() is not None
    assert effects.reorient(manager, nomination, target, "", now=ANSWERED) is False


def test_confirmation_is_idempotent(db, amci_world):
    from quota_app.amci import effects
    from quota_app.amci.nominations import nominate

    w = amci_world()
    nominate(w.world.manager(db), w.campaign_id, now=ANSWERED)
    nomination = _nominations(db, w.campaign_id)[0]
    assert effects.confirm(w.world.manager(db), nomination, now=ANSWERED) is True
    assert effects.confirm(w.world.manager(db), nomination, now=ANSWERED) is False
    assert nomination.status == "confirmed"
