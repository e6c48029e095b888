"""The placement tests' worlds (tests/worlds.py builds them) and what must hold after every act."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

import factories
from worlds import PlacementWorld, build_world, placement_world  # noqa: F401  (fixtures)


# The hand-checked world of test_publication.py's docstring (offer A: 3 seats, 1 reserved;
# offer B: 2 seats, 1 reserved); f7's diploma opens none of her choices.
HAND_SEXES = ["M", "M", "M", "F", "M", "F", "M", "F"]
HAND_CHOICES = [[0, 1], [0], [0, 1], [0, 1], [1, 0], [0, 1], [1], [0]]
HAND_SCORES = [Decimal(s) for s in ("18", "17", "16", "15", "14", "13", "12", "11")]


@pytest.fixture
def placement_hand_world(placement_world):
    return placement_world(offers=((3, 1), (2, 1)), sexes=HAND_SEXES, choices=HAND_CHOICES, scores=HAND_SCORES,
                           unfit=(7,))


# Forty files on four offers with reserved seats (12 seats): the long random sequence and the
# concurrency test play on it (built once per session).
FORTY = dict(offers=((4, 2), (3, 1), (3, 1), (2, 1)), n=40, seed=11)


@pytest.fixture
def placement_forty_world(placement_world):
    """placement_forty_world(): the forty-file world, fresh each call (put back as published)."""
    return lambda: placement_world(**FORTY)


@pytest.fixture
def pw_now():
    """A moment after the publication and before round 1's answer deadline."""
    return factories.NOW + timedelta(days=31)


# --- what must hold after every act -----------------------------------------------------------

@dataclass
class SeatState:
    """What the database says after an act, read fresh."""
    holders: dict                 # placement id -> (application id, offer id, kind, number, status, rank)
    statuses: dict                # application id -> status
    waiting: dict                 # offer id -> [application id by position] (active entries)
    seats: dict                   # offer id -> (seats, reserved)


def read_state(db, campaign_id: int) -> SeatState:
    from quota_app.applications.models import Application
    from quota_app.campaigns.models import Offer
    from quota_app.placement.models import Placement, WaitingListEntry

    db.session.expire_all()
    holders = {row.id: (row.application_id, row.offer_id, row.seat_kind, row.seat_number, row.status, row.choice_rank)
               for row in db.session.execute(
                   db.select(Placement.id, Placement.application_id, Placement.offer_id, Placement.seat_kind,
                             Placement.seat_number, Placement.status, Placement.choice_rank)
                   .join(Application, Application.id == Placement.application_id)
                   .where(Application.campaign_id == campaign_id, Placement.status.in_(("offered", "accepted"))))}
    statuses = dict(db.session.execute(db.select(Application.id, Application.status)
                                       .where(Application.campaign_id == campaign_id)).all())
    waiting: dict = {}
    for offer_id, app_id in db.session.execute(
            db.select(WaitingListEntry.offer_id, WaitingListEntry.application_id)
            .join(Application, Application.id == WaitingListEntry.application_id)
            .where(Application.campaign_id == campaign_id, WaitingListEntry.active.is_(True))
            .order_by(WaitingListEntry.offer_id, WaitingListEntry.position)):
        waiting.setdefault(offer_id, []).append(app_id)
    seats = {i: (s, r) for i, s, r in db.session.execute(
        db.select(Offer.id, Offer.seats, Offer.reserved_seats).where(Offer.campaign_id == campaign_id))}
    return SeatState(holders, statuses, waiting, seats)


def check_invariants(db, campaign_id: int) -> SeatState:
    """The promises that depend on nothing but the database: a seat held once and within the
    offer's seats (per kind), never two accepted per file nor two live at one offer, the
    file's status saying what it holds, no free seat while someone still waits for it."""
    state = read_state(db, campaign_id)
    by_seat: dict = {}
    by_file: dict = {}
    for pid, (app_id, offer_id, kind, number, status, rank) in state.holders.items():
        assert (offer_id, kind, number) not in by_seat, f"seat {(offer_id, kind, number)} held twice"
        by_seat[(offer_id, kind, number)] = app_id
        seats, reserved = state.seats[offer_id]
        capacity = reserved if kind == "reserved" else seats - reserved
        assert 1 <= number <= capacity, f"seat {(offer_id, kind, number)} outside the {capacity} seats"
        by_file.setdefault(app_id, []).append((offer_id, status, rank))
    held = {}
    for (offer_id, kind, _n) in by_seat:
        held[(offer_id, kind)] = held.get((offer_id, kind), 0) + 1
    for offer_id, (seats, reserved) in state.seats.items():
        free_open = seats - reserved - held.get((offer_id, "open"), 0)
        free_reserved = reserved - held.get((offer_id, "reserved"), 0)
        assert free_open >= 0 and free_reserved >= 0
        still_waiting = [a for a in state.waiting.get(offer_id, [])
                         if state.statuses[a] in ("placed", "accepted", "waiting_list")]
        if free_open or free_reserved:
            assert not still_waiting, f"offer {offer_id}: free seats while {still_waiting} wait"
    entries_of: dict = {}
    for offer_id, ids in state.waiting.items():
        for app_id in ids:
            entries_of.setdefault(app_id, set()).add(offer_id)
    for app_id, status in state.statuses.items():
        live = by_file.get(app_id, [])
        accepted = [item for item in live if item[1] == "accepted"]
        assert len(accepted) <= 1, f"file {app_id}: two accepted"
        assert len({o for o, _s, _r in live}) == len(live), f"file {app_id}: two live at one offer"
        offers_live = {o for o, _s, _r in live}
        assert not (offers_live & entries_of.get(app_id, set())), f"file {app_id}: waits where it holds a seat"
        if accepted:
            expected = "accepted"
            rank = accepted[0][2]
            assert all(r < rank for _o, s, r in live if s == "offered"), f"file {app_id}: offered a worse seat"
        elif live:
            expected = "placed"
        elif entries_of.get(app_id):
            expected = "waiting_list"
        else:
            expected = None
        if expected is None:
            assert status in ("declined", "not_selected", "withdrawn", "evaluated"), (app_id, status)
        else:
            assert status == expected, f"file {app_id}: {status} but holds {live} / waits on {entries_of.get(app_id)}"
    return state


@pytest.fixture
def pw_check(db):
    """pw_check(world) checks the invariants and returns the state read."""
    return lambda world: check_invariants(db, world.campaign_id)


@pytest.fixture
def pw_read(db):
    """pw_read(world): the seats, statuses and waiting lists as the database has them."""
    return lambda world: read_state(db, world.campaign_id)
