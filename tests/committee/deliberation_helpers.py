"""A committee ready to deliberate, for the chair's tests: a campaign walked to « Délibération »
through the services (factories.make_campaign), its committee with a chair and members, every
eligible file given to reviewers (access.new_assignment) with submitted weighted totals.

    world = deliberating_world(totals={0: ("12", "14"), 1: ("15", "9.5")})
    world.chair, world.members, world.files, world.committee, world.campaign

Totals are given per file index as one value per reviewer (reviewers taken in turn among the
committee's members, the chair included); files without totals get ("12", "12").
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import factories

SESSION_AT = datetime(2026, 7, 6, 9, 30)


@dataclass
class World:
    campaign_id: int
    committee_id: int
    chair_id: int                 # the chair's User id
    member_user_ids: list[int]    # the other members' User ids
    member_ids: list[int]         # CommitteeMember ids, the chair's first
    file_ids: list[int]

    @property
    def campaign(self):
        from quota_app.campaigns.models import Campaign
        from quota_app.extensions import db
        return db.session.get(Campaign, self.campaign_id)

    @property
    def committee(self):
        from quota_app.committee.models import Committee
        from quota_app.extensions import db
        return db.session.get(Committee, self.committee_id)

    @property
    def chair(self):
        return user(self.chair_id)

    @property
    def members(self):
        return [user(i) for i in self.member_user_ids]

    @property
    def files(self):
        from quota_app.applications.models import Application
        from quota_app.extensions import db
        return [db.session.get(Application, i) for i in self.file_ids]


def user(user_id):
    from quota_app.auth.models import User
    from quota_app.extensions import db
    return db.session.get(User, user_id)


def deliberating_world(n_files: int = 4, n_members: int = 3, totals: dict | None = None, *,
                       phase: str = "deliberation", pending: dict | None = None, third: dict | None = None,
                       **campaign_overrides) -> World:
    """A campaign in `phase` ("deliberation" by default; "review" leaves it before) whose single
    committee has a chair and `n_members` other members; file i is reviewed by as many
    members as totals[i] has values (default two), each review submitted with that total.
    pending: file index → number of extra pending (not submitted) regular reviews;
    third: file index → total of a third review (None: assigned, still pending)."""
    from quota_app.campaigns import services as campaigns
    from quota_app.committee.access import new_assignment
    from quota_app.committee.models import Committee, CommitteeMember
    from quota_app.extensions import db

    totals = totals or {}
    pending = pending or {}
    third = third or {}
    campaign = factories.make_campaign("review", files=("eligible",) * n_files, seats=max(n_files, 1),
                                       **campaign_overrides)
    committee = factories.first(Committee, campaign_id=campaign.id)
    chair = factories.first(CommitteeMember, committee_id=committee.id, role="chair")
    others = list(db.session.scalars(db.select(CommitteeMember).where(
        CommitteeMember.committee_id == committee.id, CommitteeMember.role == "member")
        .order_by(CommitteeMember.id)))
    while len(others) < n_members:
        member = CommitteeMember(committee_id=committee.id, user_id=factories.make_user("committee").id, role="member")
        db.session.add(member)
        db.session.flush()
        others.append(member)
    reviewers = [chair, *others]
    files = factories._files(campaign, "eligible")
    turn = itertools.cycle(reviewers)
    moment = campaign.closes_at + timedelta(days=1)
    for index, application in enumerate(files):
        values = totals.get(index, ("12", "12"))
        chosen = []
        for value in values:
            member = next(turn)
            chosen.append(member)
            assignment = new_assignment(application.id, member.id, now=moment)
            assignment.status = "submitted"
            assignment.weighted_total = Decimal(str(value))
            assignment.submitted_at = moment
        for _ in range(pending.get(index, 0)):
            member = next(m for m in turn if m not in chosen)
            chosen.append(member)
            new_assignment(application.id, member.id, now=moment)
        if index in third:
            member = next(m for m in turn if m not in chosen)
            assignment = new_assignment(application.id, member.id, third=True, now=moment)
            if third[index] is not None:
                assignment.status = "submitted"
                assignment.weighted_total = Decimal(str(third[index]))
                assignment.submitted_at = moment
    db.session.flush()
    if phase == "deliberation":
        campaigns.transition(campaign, "deliberation", None, moment + timedelta(days=1))
    db.session.commit()
    return World(campaign_id=campaign.id, committee_id=committee.id, chair_id=chair.user_id,
                 member_user_ids=[m.user_id for m in others], member_ids=[m.id for m in reviewers],
                 file_ids=[a.id for a in files])


def signed_in(app, user_id):
    """A test client signed in as that user (without the login form)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user(user_id).session_token
        session["_fresh"] = True
    return client


def open_and_hold(world: World, present: int | None = None, *, place: str = "Bamako, DNFP",
                  held_on: datetime = SESSION_AT):
    """The chair opens the deliberation and records a session with `present` members (all by default)."""
    from quota_app.committee import deliberating
    from quota_app.extensions import db

    deliberating.open_deliberation(world.chair, world.committee_id, now=held_on - timedelta(hours=1))
    ids = world.member_ids if present is None else world.member_ids[:present]
    deliberating.record_session(world.chair, world.committee_id, held_on, place, ids, "",
                                now=held_on + timedelta(hours=2))
    db.session.commit()


def validate(world: World, now: datetime | None = None):
    from quota_app.committee import deliberating
    from quota_app.extensions import db

    deliberation = deliberating.validate(world.chair, world.committee_id, now=now or SESSION_AT + timedelta(hours=3))
    db.session.commit()
    return deliberation
