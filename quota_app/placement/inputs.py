"""What the allocation is given, read from the database in a few Core queries: the offers and
their seats, each evaluated candidate's place in the campaign's one standing, score, sex and
the choices they are eligible for (applications/eligibility.py: level, diploma, series, age).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from ..applications import eligibility
from ..applications.models import Application, ApplicationChoice
from ..campaigns.models import Offer
from ..committee.standing import campaign_standing
from ..extensions import db
from ..reference.models import Diploma, Level, Programme, Series
from ..screening.services import check_context
from .allocation import Candidate, OfferSeats


@dataclass
class Inputs:
    offers: list[OfferSeats]
    candidates: list[Candidate]
    # application id -> offer id -> the rank the applicant gave that choice (1..3)
    choice_ranks: dict[int, dict[int, int]] = field(default_factory=dict)
    # application id -> every offer chosen, eligible or not, in the applicant's order
    all_choices: dict[int, list[int]] = field(default_factory=dict)

    def by_id(self) -> dict[int, Candidate]:
        return {c.id: c for c in self.candidates}


def offer_seats(campaign_id: int, overrides: dict[int, tuple[int, int]] | None = None) -> list[OfferSeats]:
    """The campaign's offers with their seats (or the simulated seats of `overrides`)."""
    overrides = overrides or {}
    rows = db.session.execute(select(Offer.id, Offer.seats, Offer.reserved_seats)
                              .where(Offer.campaign_id == campaign_id).order_by(Offer.id))
    return [OfferSeats(id=i, seats=overrides.get(i, (s, r))[0], reserved=overrides.get(i, (s, r))[1])
            for i, s, r in rows]


def load(campaign, overrides: dict[int, tuple[int, int]] | None = None, statuses=("evaluated",)) -> Inputs:
    standing = campaign_standing(campaign, statuses)
    priority = {s.application_id: (p, s.final_score) for p, s in enumerate(standing)}
    context = check_context(campaign)
    level_by_offer = dict(db.session.execute(
        select(Offer.id, Level.code).join(Programme, Programme.id == Offer.programme_id)
        .join(Level, Level.id == Programme.level_id).where(Offer.campaign_id == campaign.id)).all())
    rows = db.session.execute(
        select(Application.id, Application.sex, Application.birth_date, Diploma.rank, Diploma.has_series,
               Series.code)
        .outerjoin(Diploma, Diploma.id == Application.diploma_id)
        .outerjoin(Series, Series.id == Application.series_id)
        .where(Application.campaign_id == campaign.id, Application.status.in_(statuses)))
    facts = {}
    for app_id, sex, birth_date, diploma_rank, has_series, series_code in rows:
        if app_id in priority:
            facts[app_id] = (sex, eligibility.ApplicantFacts(
                birth_date=birth_date, diploma_rank=diploma_rank, diploma_has_series=bool(has_series),
                series_code=series_code))
    choices: dict[int, list[tuple[int, int]]] = {}
    for app_id, offer_id, rank in db.session.execute(
            select(ApplicationChoice.application_id, ApplicationChoice.offer_id, ApplicationChoice.rank)
            .join(Application, Application.id == ApplicationChoice.application_id)
            .where(Application.campaign_id == campaign.id, Application.status.in_(statuses))):
        if app_id in facts:
            choices.setdefault(app_id, []).append((rank, offer_id))
    reserved_sex = campaign.reserved_sex
    levels = context.levels
    cache: dict = {}
    candidates, choice_ranks, all_choices = [], {}, {}
    for app_id, (position, score) in priority.items():
        sex, applicant = facts.get(app_id, (None, None))
        if applicant is None:
            continue
        ranked = sorted(choices.get(app_id, ()))
        kept = []
        for rank, offer_id in ranked:
            level = levels.get(level_by_offer.get(offer_id))
            if level is None:
                continue
            key = (applicant, level.code)
            ok = cache.get(key)
            if ok is None:
                ok = cache[key] = eligibility.eligible_for_level(applicant, level, context.campaign)
            if ok:
                kept.append(offer_id)
        choice_ranks[app_id] = {offer_id: rank for rank, offer_id in ranked}
        all_choices[app_id] = [offer_id for _rank, offer_id in ranked]
        candidates.append(Candidate(id=app_id, priority=position, score=Decimal(score),
                                    woman=reserved_sex is not None and sex == reserved_sex,
                                    choices=tuple(kept)))
    return Inputs(offers=offer_seats(campaign.id, overrides), candidates=candidates,
                  choice_ranks=choice_ranks, all_choices=all_choices)
