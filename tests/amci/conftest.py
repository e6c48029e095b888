"""AMCI worlds: a published campaign whose placed candidates answered (tests/worlds.py builds
the campaign through the real services; the answers go through placement.services)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

import factories
from worlds import PlacementWorld, placement_world  # noqa: F401  (fixture)

ANSWERED = factories.NOW + timedelta(days=31)   # after the publication, before round 1's deadline


@dataclass
class AmciWorld:
    world: PlacementWorld
    accepted: list[int]       # application ids, best first
    waiting: list[int]        # application ids on a waiting list, best first

    @property
    def campaign_id(self):
        return self.world.campaign_id


def accept_all(db, world: PlacementWorld, now=ANSWERED) -> list[int]:
    """Every placed candidate accepts their offer (staying on no better list)."""
    from quota_app.placement import services
    from quota_app.placement.models import Placement

    offered = db.session.scalars(db.select(Placement).where(
        Placement.status == "offered", Placement.application_id.in_(world.file_ids)).order_by(Placement.id)).all()
    for placement in offered:
        services.answer(world.owner(db, placement.application_id), placement, "accept", now=now)
    db.session.commit()
    return [a for a in world.by_score() if a in {p.application_id for p in offered}]


@pytest.fixture
def amci_world(db, placement_world):
    """amci_world(**build_world arguments): published, every placed candidate accepted."""
    from quota_app.applications.models import Application

    def make(**kwargs):
        kwargs.setdefault("offers", ((2, 1), (2, 0)))
        kwargs.setdefault("n", 8)
        world = placement_world(**kwargs)
        accepted = accept_all(db, world)
        statuses = dict(db.session.execute(db.select(Application.id, Application.status)
                                           .where(Application.id.in_(world.file_ids))).all())
        waiting = [a for a in world.by_score() if statuses[a] == "waiting_list"]
        return AmciWorld(world, accepted, waiting)
    return make
