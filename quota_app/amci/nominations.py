"""Nominations: the candidates who accepted their placement, on the AMCI's list in the
campaign's order.

Only a nominated candidate ever appears on a list for the AMCI. `nominate` adds every accepted
placement not yet nominated (the first time the whole list, later the waiting-list promotions
that were accepted since), positioned by the campaign's standing; a nomination whose candidate
gave the seat up before the joint committee answered is withdrawn from the list. The lists
themselves (amci/lists.py) and the slips (amci/slips.py) read what is here.

Explicit arguments, no request; the caller commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..applications.models import Application
from ..audit.services import record
from ..campaigns.models import Campaign
from ..errors import InvalidTransition, NotFound
from ..extensions import db
from ..placement import cascade
from ..placement.models import Placement
from ..placement.pv import ranks
from ..timeutil import utcnow
from .models import Nomination

NOMINATION_PHASES = ("published", "closed")
# A nomination stays on the list while its file is in one of these states.
NOMINATED_STATUSES = ("accepted", "enrolled", "amci_refused", "not_departed", "abandoned")
LIVE = ("proposed", "confirmed", "reoriented")
NOT_PUBLISHED = ("Les nominations se font à partir des affectations acceptées : publiez d'abord les "
                 "affectations de cette campagne.")


@dataclass(frozen=True)
class NominationRun:
    added: int
    withdrawn: int
    total: int


def _campaign(campaign_id) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("Campagne introuvable.")
    return campaign


def pending_acceptances(campaign_id: int) -> int:
    """Accepted placements not nominated yet (what the manager's page asks to nominate)."""
    nominated = select(Nomination.application_id).where(Nomination.campaign_id == campaign_id)
    return db.session.scalar(
        select(func.count(Placement.id)).join(Application, Application.id == Placement.application_id)
        .where(Application.campaign_id == campaign_id, Placement.status == "accepted",
               Application.status == "accepted", Placement.application_id.not_in(nominated))) or 0


def nominate(actor, campaign_id, now: datetime | None = None) -> NominationRun:
    """Nominate every accepted placement of the campaign not nominated yet; withdraw the
    nominations of candidates who gave their seat up. Idempotent: a second call adds nothing."""
    now = now or utcnow()
    campaign = _campaign(campaign_id)
    if campaign.phase not in NOMINATION_PHASES:
        raise InvalidTransition(NOT_PUBLISHED)
    cascade.lock(campaign.id)
    existing = {n.application_id: n for n in db.session.scalars(
        select(Nomination).where(Nomination.campaign_id == campaign.id).execution_options(**cascade.FRESH))}
    accepted = db.session.execute(
        select(Placement.id, Placement.application_id, Placement.offer_id)
        .join(Application, Application.id == Placement.application_id)
        .where(Application.campaign_id == campaign.id, Placement.status == "accepted",
               Application.status.in_(("accepted", "enrolled")))).all()
    standing = ranks(campaign)
    added = 0
    for placement_id, application_id, offer_id in sorted(
            accepted, key=lambda row: (standing.get(row.application_id, (10**9,))[0], row.application_id)):
        nomination = existing.get(application_id)
        if nomination is not None and nomination.status != "withdrawn":
            continue
        rank = standing.get(application_id, (None,))[0]
        if nomination is None:
            nomination = Nomination(campaign_id=campaign.id, application_id=application_id, created_at=now,
                                    created_by_id=getattr(actor, "id", None))
            db.session.add(nomination)
        nomination.placement_id, nomination.offer_id, nomination.position = placement_id, offer_id, rank
        nomination.status, nomination.transmittal_id, nomination.final_offer_id = "proposed", None, None
        nomination.decision_note, nomination.decided_at, nomination.decided_by_id = "", None, None
        added += 1
    withdrawn = 0
    statuses = dict(db.session.execute(
        select(Application.id, Application.status).where(Application.campaign_id == campaign.id,
                                                         Application.id.in_(list(existing)))).all()) if existing else {}
    for application_id, nomination in existing.items():
        if nomination.status in LIVE and statuses.get(application_id) not in NOMINATED_STATUSES:
            nomination.status = "withdrawn"
            nomination.decided_at = now
            nomination.decision_note = "Le candidat a renoncé à sa place."
            withdrawn += 1
    db.session.flush()
    total = db.session.scalar(select(func.count(Nomination.id)).where(
        Nomination.campaign_id == campaign.id, Nomination.status.in_(LIVE))) or 0
    if added or withdrawn:
        record(actor, "amci.nominate", campaign, campaign_id=campaign.id,
               after={"added": added, "withdrawn": withdrawn, "total": total})
    return NominationRun(added, withdrawn, total)


def nomination_of(application_id: int) -> Nomination | None:
    return db.session.scalars(select(Nomination).where(Nomination.application_id == application_id)
                              .execution_options(**cascade.FRESH)).first()


def live_nominations(campaign_id: int):
    """The campaign's nominations still on the list, in the campaign's order (a query)."""
    return (select(Nomination).where(Nomination.campaign_id == campaign_id, Nomination.status != "withdrawn")
            .order_by(Nomination.position.asc().nulls_last(), Nomination.id))


def nominated_application_ids(campaign_id: int | None = None):
    """A subquery of the files an AMCI officer may see: nominated, not withdrawn."""
    query = select(Nomination.application_id).where(Nomination.status != "withdrawn")
    if campaign_id is not None:
        query = query.where(Nomination.campaign_id == campaign_id)
    return query


def is_nominated(application_id: int) -> bool:
    return db.session.scalar(select(func.count(Nomination.id)).where(
        Nomination.application_id == application_id, Nomination.status != "withdrawn")) > 0
