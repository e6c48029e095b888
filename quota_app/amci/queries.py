"""What the AMCI pages read: a campaign's nominations (searchable, paginated), their counts,
one nomination with what the page shows of the file (need to know: no identity number, of the
committee's work only the final score and rank)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from ..applications.models import Application
from ..campaigns.models import Campaign, Offer
from ..committee.models import EvaluationResult
from ..errors import NotFound
from ..extensions import db
from ..screening.search import starts_with, name_prefixes
from .models import NOMINATION_STATUSES, Nomination, Transmittal
from .nominations import pending_acceptances


def nominations_statement(campaign_id: int, q: str = "", status: str = ""):
    statement = (select(Nomination).join(Application, Application.id == Nomination.application_id)
                 .options(contains_eager(Nomination.application), joinedload(Nomination.transmittal))
                 .where(Nomination.campaign_id == campaign_id))
    if status in NOMINATION_STATUSES:
        statement = statement.where(Nomination.status == status)
    if q:
        names = [starts_with(Application.search_name, prefix) for prefix in name_prefixes(q)]
        statement = statement.where(or_(Application.reference == "".join(q.split()).upper(), *names))
    return statement.order_by(Nomination.position.asc().nulls_last(), Nomination.id)


def counts(campaign_id: int) -> dict[str, int]:
    found = dict(db.session.execute(select(Nomination.status, func.count(Nomination.id))
                                    .where(Nomination.campaign_id == campaign_id).group_by(Nomination.status)).all())
    return {status: int(found.get(status, 0)) for status in NOMINATION_STATUSES}


@dataclass(frozen=True)
class CampaignSummary:
    campaign: Campaign
    counts: dict
    pending: int
    slips: int
    unsent: int   # live nominations on no slip yet

    @property
    def on_list(self) -> int:
        return sum(v for k, v in self.counts.items() if k != "withdrawn")


def summary(campaign: Campaign) -> CampaignSummary:
    slips = db.session.scalar(select(func.count(Transmittal.id)).where(Transmittal.campaign_id == campaign.id)) or 0
    unsent = db.session.scalar(select(func.count(Nomination.id)).where(
        Nomination.campaign_id == campaign.id, Nomination.transmittal_id.is_(None),
        Nomination.status == "proposed")) or 0
    return CampaignSummary(campaign, counts(campaign.id), pending_acceptances(campaign.id), slips, unsent)


def campaigns_with_nominations() -> list[Campaign]:
    ids = select(Nomination.campaign_id).distinct()
    return list(db.session.scalars(select(Campaign).where(Campaign.id.in_(ids))
                                   .order_by(Campaign.year.desc(), Campaign.id.desc())))


def get_nomination(nomination_id: int, campaign_id: int | None = None) -> Nomination:
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None or (campaign_id is not None and nomination.campaign_id != campaign_id):
        raise NotFound("Nomination introuvable.")
    return nomination


def final_result(application_id: int):
    """(final score, rank) — all an AMCI officer sees of the committee's work."""
    return db.session.execute(select(EvaluationResult.final_score, EvaluationResult.rank)
                              .where(EvaluationResult.application_id == application_id)).first()


def reorientation_offers(campaign_id: int) -> list[Offer]:
    return list(db.session.scalars(select(Offer).where(Offer.campaign_id == campaign_id).order_by(Offer.code)))


def slips_for_amci(limit: int = 20) -> list[Transmittal]:
    """The slips an AMCI officer has to know of: sent to the embassy or later, newest first."""
    return list(db.session.scalars(select(Transmittal).where(Transmittal.status != "prepared")
                                   .order_by(Transmittal.created_at.desc(), Transmittal.id.desc()).limit(limit)))
