"""Published placement worlds, for the placement tests (cascade, publication, concurrency) and
the AMCI tests that start from accepted placements.

`placement_world(...)` builds a campaign through the real services up to the deliberation,
gives its files varied sexes, choices over several offers (with reserved seats) and distinct
final scores, then publishes round 1 through campaigns.services.transition (the real
publication). The names here start with `placement_world` / `pw_` so that they do not clash
with the fixtures of the other test files of this folder.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

import factories


@dataclass
class PlacementWorld:
    campaign_id: int
    offer_ids: list[int]
    file_ids: list[int]                   # by id
    owner_ids: dict[int, int]             # application id -> applicant user id
    manager_id: int
    scores: dict[int, Decimal]            # application id -> final score
    sexes: dict[int, str]
    choices: dict[int, list[int]]         # application id -> offer ids, rank 1 first
    published_at: datetime | None = None
    extra: dict = field(default_factory=dict)

    def campaign(self, db):
        from quota_app.campaigns.models import Campaign
        return db.session.get(Campaign, self.campaign_id)

    def owner(self, db, application_id):
        from quota_app.auth.models import User
        return db.session.get(User, self.owner_ids[application_id])

    def manager(self, db):
        from quota_app.auth.models import User
        return db.session.get(User, self.manager_id)

    def by_score(self) -> list[int]:
        """The files best first (scores are distinct)."""
        return sorted(self.file_ids, key=lambda i: -self.scores[i])


def _programmes_for_bac(db):
    from quota_app.reference.models import Establishment, Programme

    programmes = list(db.session.scalars(db.select(Programme).order_by(Programme.id)))
    establishments = list(db.session.scalars(db.select(Establishment).order_by(Establishment.id)))
    return programmes, establishments


def build_world(db, offers=((3, 1), (2, 1)), sexes=None, choices=None, scores=None, n=None, seed=1,
                publish=True, deliberation=True, unfit=(), **campaign_overrides) -> PlacementWorld:
    """A campaign of len(offers) offers ((seats, reserved) each), `n` eligible files (or
    len(sexes)), published unless `publish` is False (then it stays in « délibération » with
    its files evaluated, or still eligible, without a validated deliberation, when
    `deliberation` is False too).
    `sexes`: "F"/"M" per file; `choices`: per file, a list of offer indexes (rank 1 first);
    `scores`: per file, distinct final scores. Missing ones are drawn from `seed`. `unfit`:
    indexes of files whose diploma (the CEP) opens none of their choices."""
    from quota_app.campaigns import phases
    from quota_app.campaigns import services as campaign_services
    from quota_app.campaigns.models import Offer
    from quota_app.applications.models import Application, ApplicationChoice
    from quota_app.committee.models import Deliberation, EvaluationResult

    rng = random.Random(seed)
    n = n if n is not None else (len(sexes) if sexes is not None else len(choices) if choices is not None else 6)
    sexes = list(sexes) if sexes is not None else [rng.choice("FM") for _ in range(n)]
    if choices is None:
        choices = [rng.sample(range(len(offers)), min(len(offers), rng.choice((1, 2, 3, 3)))) for _ in range(n)]
    if scores is None:
        scores = [Decimal(v) / 1000 for v in rng.sample(range(6000, 19000), n)]
    assert len(set(scores)) == n, "distinct scores"

    manager = factories.make_user("manager")
    campaign = factories.make_ready_campaign(manager, seats=offers[0][0], **campaign_overrides)
    programmes, establishments = _programmes_for_bac(db)
    first_offer = db.session.scalars(db.select(Offer).where(Offer.campaign_id == campaign.id)).one()
    campaign_services.update_offer(manager, campaign, first_offer, {
        "programme_id": first_offer.programme_id, "establishment_id": first_offer.establishment_id,
        "code": first_offer.code, "seats": offers[0][0], "reserved_seats": offers[0][1]})
    offer_objects = [first_offer]
    used = {(first_offer.programme_id, first_offer.establishment_id)}
    pairs = iter([(p, e) for e in establishments for p in programmes if (p.id, e.id) not in used])
    for seats, reserved in offers[1:]:
        programme, establishment = next(pairs)
        offer_objects.append(campaign_services.add_offer(manager, campaign, {
            "programme_id": programme.id, "establishment_id": establishment.id, "code": "",
            "seats": seats, "reserved_seats": reserved}))
    campaign.announced_quota = sum(s for s, _ in offers)
    db.session.commit()
    offer_ids = [o.id for o in offer_objects]

    target_index = phases.PHASES.index("deliberation")
    for target in phases.PHASES[1:target_index + 1]:
        before, _after = factories.PHASE_STEPS.get(target, (None, None))
        if before:
            before(campaign, manager)
        campaign_services.transition(campaign, target, manager, factories._phase_moment(campaign, target))
        db.session.commit()
        if target == "open":
            for sex in sexes:
                factories.make_application("eligible", campaign=campaign,
                                           identity_data=factories.identity(sex=sex))

    files = list(db.session.scalars(db.select(Application).where(Application.campaign_id == campaign.id)
                                    .order_by(Application.id)))
    owner_ids = {a.id: factories._owner(a).id for a in files}
    chosen: dict[int, list[int]] = {}
    for application, wanted, sex in zip(files, choices, sexes):
        assert application.sex == sex
        db.session.execute(db.delete(ApplicationChoice).where(ApplicationChoice.application_id == application.id))
        chosen[application.id] = [offer_ids[i] for i in wanted]
        for rank, index in enumerate(wanted, 1):
            db.session.add(ApplicationChoice(application_id=application.id, offer_id=offer_ids[index], rank=rank))
    if unfit:
        from quota_app.reference.models import Diploma
        cep = factories.first(Diploma, code="CEP")
        for index in unfit:
            files[index].diploma_id, files[index].series_id = cep.id, None
    db.session.flush()
    world = PlacementWorld(campaign_id=campaign.id, offer_ids=offer_ids, file_ids=[a.id for a in files],
                           owner_ids=owner_ids, manager_id=manager.id,
                           scores={a.id: s for a, s in zip(files, scores)},
                           sexes={a.id: s for a, s in zip(files, sexes)}, choices=chosen)
    if deliberation:
        # The chair's validation, as factories._before_publication writes it, with varied scores.
        committee = factories._campaign_committee(campaign)
        _member, chair = factories._chair(committee)
        db.session.add(Deliberation(committee_id=committee.id, status="validated", validated_by_id=chair.id,
                                    validated_at=campaign.closes_at, held_on=campaign.closes_at))
        ranked = sorted(files, key=lambda a: -world.scores[a.id])
        for rank, application in enumerate(ranked, 1):
            factories.evaluate(application, chair)
            db.session.add(EvaluationResult(application_id=application.id, campaign_id=campaign.id,
                                            committee_id=committee.id, mean_score=world.scores[application.id],
                                            final_score=world.scores[application.id], rank=rank))
        db.session.commit()
    if publish:
        world.published_at = factories._phase_moment(campaign, "published")
        campaign_services.transition(campaign, "published", manager, world.published_at)
        db.session.commit()
    return world


# World key -> (the world, every table's rows right after it was built), for this test session.
_WORLDS: dict = {}


def _snapshot(db) -> dict:
    with db.engine.connect() as conn:
        return {table.name: [dict(row._mapping) for row in conn.execute(table.select())]
                for table in db.metadata.sorted_tables}


def _restore(db, rows: dict) -> None:
    """Put the rows back as they were (in tables emptied first: a test may start the same world
    again), and on PostgreSQL move each id sequence past them."""
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):   # empty already, unless called twice
            conn.execute(table.delete())
        for table in db.metadata.sorted_tables:
            if rows.get(table.name):
                conn.execute(table.insert(), rows[table.name])
        if db.engine.dialect.name == "postgresql":
            for table in db.metadata.sorted_tables:
                if rows.get(table.name) and "id" in table.c and table.c.id.autoincrement is not False:
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT MAX(id) FROM {table.name}))")


@pytest.fixture
def placement_world(db):
    """placement_world(offers=((3, 1), (2, 1)), sexes=..., choices=..., scores=..., n=..., seed=...)

    The first call with given arguments builds the world through the services (build_world);
    the next ones, in the same test session, put back the rows it wrote (a world of 8 files
    costs about a second to build and a few milliseconds to put back)."""
    import copy

    def make(**kwargs):
        key = repr(sorted(kwargs.items()))
        if key in _WORLDS:
            world, rows = _WORLDS[key]
            db.session.remove()
            _restore(db, rows)
            return copy.deepcopy(world)
        world = build_world(db, **kwargs)
        db.session.commit()
        _WORLDS[key] = (copy.deepcopy(world), _snapshot(db))
        return world
    return make
